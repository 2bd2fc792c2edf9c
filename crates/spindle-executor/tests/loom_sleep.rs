//! Loom models of the pool's sleep, wake and shutdown protocol, on the real pool code.
//!
//! Workers use spin limit 0, so every idle worker goes straight to announcing and parking: a
//! lost wake-up leaves the test waiting forever, which loom reports as a deadlock. Run with
//! `cargo xtask loom`.

#![cfg(spindle_loom)]

mod common;
use common::check_bounded;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;
use spindle_executor::ThreadPool;

fn pool(threads: usize) -> ThreadPool {
    ThreadPool::builder()
        .num_threads(threads)
        .spin_limit(0)
        .build()
        .unwrap()
}

#[test]
fn a_job_injected_while_the_worker_falls_asleep_is_run() {
    loom::model(|| {
        let pool = pool(1);
        // The worker may be anywhere between its last search and its park.
        let handle = pool.spawn(|| 7).unwrap();
        assert_eq!(handle.join().unwrap(), 7);
        pool.shutdown();
    });
}

#[test]
fn shutdown_racing_a_submitter_runs_or_hands_back_the_job() {
    loom::model(|| {
        let pool = Arc::new(pool(1));
        let ran = Arc::new(AtomicUsize::new(0));
        let submitter = {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            thread::spawn(move || {
                pool.execute(move || {
                    ran.fetch_add(1, SeqCst);
                })
                .is_err()
            })
        };
        pool.shutdown();
        let handed_back = submitter.join().unwrap();
        assert_eq!(ran.load(SeqCst) + usize::from(handed_back), 1);
    });
}

#[test]
fn a_worker_waiting_for_its_stolen_half_is_woken_when_the_thief_finishes() {
    // Two workers: the outer join runs on one; its second half may be stolen by the other,
    // and the first must then be woken by the thief's latch. One preemption keeps the model
    // small enough (with two it exceeds loom's branch budget).
    check_bounded(1, 20_000, || {
        let pool = pool(2);
        let (a, b) = pool.join(|| 1, || 2);
        assert_eq!((a, b), (1, 2));
        pool.shutdown();
    });
}
