//! Loom models of the pool's sleep, wake and shutdown protocol, on the real pool code.
//!
//! Workers use spin limit 0, so every idle worker goes straight to announcing and parking: a
//! lost wake-up leaves the test waiting forever, which loom reports as a deadlock. Run with
//! `cargo xtask loom`.

#![cfg(spindle_loom)]

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
