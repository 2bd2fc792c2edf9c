//! Loom models of waits between two pools, on the real pool code: the one worker of pool A
//! waits on pool B while B's job needs A.
//!
//! A's worker must run A's jobs while it waits (helping), and a job of B that reaches A must
//! wake it if it has parked on its own event count: a job injected into A through the
//! `cross_waiters` check after every injection (invariant R1 in `registry.rs`), a spawned
//! task's completion through the joiner's published event count (S2 in `spawn.rs`). Remove
//! the helping, or either wake, and some interleaving leaves A's worker parked for good while
//! the model waits: loom reports the deadlock. Workers park at once when idle
//! (`spin_limit(0)`). Run with `cargo xtask loom`.
//!
//! B is shut down before A: shutting A down first would close A's gate, and B's job, refused,
//! would run its call into A inline, which hides a missing wake instead of exposing it.
//!
//! Cost: the two-worker models explore one preemption (each finishes in seconds; with two they
//! run for minutes), as the two-worker join model in `loom_sleep.rs` does.

#![cfg(spindle_loom)]

mod common;
use common::check_bounded;

use std::sync::Arc;

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use spindle_executor::ThreadPool;

fn pool() -> Arc<ThreadPool> {
    Arc::new(
        ThreadPool::builder()
            .num_threads(1)
            .spin_limit(0)
            .build()
            .unwrap(),
    )
}

/// Runs `chain(a, b)` as a job of A, then shuts B down and A, and checks what it returned.
fn model(chain: fn(Arc<ThreadPool>, &ThreadPool) -> usize) {
    check_bounded(1, 50_000, move || {
        let (a, b) = (pool(), pool());
        let seen = Arc::new(AtomicUsize::new(0));
        let (a2, b2, seen2) = (Arc::clone(&a), Arc::clone(&b), Arc::clone(&seen));
        a.execute(move || seen2.store(chain(a2, &b2), SeqCst))
            .unwrap();
        // B's shutdown returns once its worker has left, so only after B's job (and the call
        // back into A it waits for) has finished.
        b.shutdown();
        a.shutdown();
        assert_eq!(seen.load(SeqCst), 7);
    });
}

#[test]
fn a_worker_waiting_on_another_pool_runs_the_job_that_pool_injects_back() {
    // A's worker installs into B; B's worker installs into A.
    model(|a, b| b.install(move || a.install(|| 7)));
}

#[test]
fn a_worker_joining_another_pools_task_runs_the_task_that_task_spawns_back() {
    // A's worker joins a task of B, which joins a task of A. B may be shut down already:
    // then its task comes back and runs here.
    model(
        |a, b| match b.spawn(move || a.spawn(|| 7).unwrap().join().unwrap()) {
            Ok(task) => task.join().unwrap(),
            Err(refused) => refused.into_inner()(),
        },
    );
}

#[test]
fn an_outside_thread_installing_a_chain_back_into_a_one_worker_pool_gets_its_value() {
    // The form, from the model's own thread; without preemptions (with one, the
    // outside waiter makes it run for minutes), which already finds the deadlock when the
    // helping or the wake is gone.
    check_bounded(0, 50_000, || {
        let (a, b) = (pool(), pool());
        assert_eq!(a.install(|| b.install(|| a.install(|| 7))), 7);
        b.shutdown();
        a.shutdown();
    });
}
