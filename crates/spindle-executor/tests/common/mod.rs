//! Helpers shared by this crate's test files (each file uses some of them).
#![allow(dead_code)]

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use spindle_executor::ThreadPool;

/// Runs `task` as a spawned task of `pool` (a fresh pool of `threads` workers), handing it the
/// pool so it can submit more work from inside; returns the pool and the task's value.
pub(crate) fn in_a_task<R: Send + 'static>(
    threads: usize,
    task: impl FnOnce(&ThreadPool) -> R + Send + 'static,
) -> (Arc<ThreadPool>, R) {
    let pool = Arc::new(ThreadPool::new(threads).unwrap());
    let inner = Arc::clone(&pool);
    let value = pool.spawn(move || task(&inner)).unwrap().join().unwrap();
    (pool, value)
}

/// Polls `done` every millisecond; fails with `what` after 30 s (an hour of Miri's simulated
/// clock: with isolation, each sleep advances it at once while the other threads crawl).
pub(crate) fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let limit = Duration::from_secs(if cfg!(miri) { 3600 } else { 30 });
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// A pool of `threads` workers whose panic handler is `handler`.
pub(crate) fn pool_with_handler(
    threads: usize,
    handler: impl Fn(Box<dyn std::any::Any + Send>) + Send + Sync + 'static,
) -> ThreadPool {
    ThreadPool::builder()
        .num_threads(threads)
        .panic_handler(handler)
        .build()
        .unwrap()
}

/// Checks `model` under loom with at most `preemptions` preemptions and `branches` branches
/// per execution: the budget each of the pool's larger models needs to finish in minutes.
#[cfg(spindle_loom)]
pub(crate) fn check_bounded(
    preemptions: usize,
    branches: usize,
    model: impl Fn() + Sync + Send + 'static,
) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.max_branches = branches;
    builder.check(model);
}
