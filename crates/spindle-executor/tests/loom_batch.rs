//! Loom model of a batch run from outside the pool, on the real pool code: the caller takes
//! part itself and helpers reach the batch only through the caller's slot (invariant B3 in
//! `src/batch.rs`). Run with `cargo xtask loom`.
//!
//! The model fails if the caller stops waiting for the helpers counted in the slot's `users`
//! before it returns: a helper would still be inside `f`, in the caller's batch frame.

#![cfg(spindle_loom)]

mod common;
use common::check_bounded;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;
use spindle_executor::ThreadPool;

#[test]
fn an_outside_batch_returns_only_after_every_helper_that_joined_has_left() {
    // Two workers, so one helper job is injected. The calls yield instead of needing
    // preemptions: index 0 waits until index 1 has started (so the helper joined), and index 1
    // yields once before it leaves (so the caller could return while the helper is still in
    // `f`, were it not waiting for it). No preemption is needed to find that, and with one the
    // model runs for over ten minutes.
    check_bounded(0, 100_000, || {
        let pool = ThreadPool::builder()
            .num_threads(2)
            .spin_limit(0)
            .build()
            .unwrap();
        let ran = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let inside = Arc::new(AtomicUsize::new(0));
        {
            let (ran, inside) = (Arc::clone(&ran), Arc::clone(&inside));
            pool.for_each_index(2, move |i| {
                inside.fetch_add(1, SeqCst);
                ran[i].fetch_add(1, SeqCst);
                if i == 0 {
                    while ran[1].load(SeqCst) == 0 {
                        thread::yield_now();
                    }
                } else {
                    thread::yield_now();
                }
                inside.fetch_sub(1, SeqCst);
            });
        }
        assert_eq!(inside.load(SeqCst), 0, "a helper is still in the batch");
        assert_eq!(ran[0].load(SeqCst), 1);
        assert_eq!(ran[1].load(SeqCst), 1);
        // The helper job, if it has not run yet, finds the slot empty during shutdown.
        pool.shutdown();
    });
}
