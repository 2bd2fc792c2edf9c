//! Fork-join: results, nesting, borrowing, and panics that wait for the other side.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use spindle_executor::ThreadPool;

mod common;

fn fib(pool: &ThreadPool, n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = pool.join(|| fib(pool, n - 1), || fib(pool, n - 2));
    a + b
}

#[test]
fn nested_joins_compute_fib_on_every_pool_size() {
    let n = if cfg!(miri) { 8 } else { 22 };
    let expected = [
        0u64, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181,
        6765, 10946, 17711,
    ][n as usize];
    for threads in [1, 2, 4] {
        let pool = ThreadPool::new(threads).unwrap();
        assert_eq!(fib(&pool, n), expected, "{threads} threads");
        assert_eq!(pool.install(|| fib(&pool, n)), expected);
    }
}

#[test]
fn join_borrows_from_the_callers_stack() {
    let pool = ThreadPool::new(2).unwrap();
    let mut left = vec![1, 2, 3];
    let mut right = vec![4, 5, 6];
    let total = 10;
    pool.join(
        || left.iter_mut().for_each(|x| *x += total),
        || right.iter_mut().for_each(|x| *x *= total),
    );
    assert_eq!(left, [11, 12, 13]);
    assert_eq!(right, [40, 50, 60]);
}

#[test]
fn a_panic_in_either_side_reaches_the_caller_after_both_finished() {
    let pool = ThreadPool::new(2).unwrap();
    for panicking_side in [0, 1] {
        let other_finished = AtomicBool::new(false);
        let slow_other = || {
            thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 20 }));
            other_finished.store(true, Ordering::SeqCst);
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            if panicking_side == 0 {
                pool.join(|| panic!("left"), slow_other);
            } else {
                pool.join(slow_other, || panic!("right"));
            }
        }));
        let payload = result.unwrap_err();
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&["left", "right"][panicking_side])
        );
        assert!(
            other_finished.load(Ordering::SeqCst),
            "side {panicking_side}"
        );
    }
    // The workers are all still there.
    assert_eq!(pool.install(|| 5), 5);
    assert_eq!(pool.stats().workers.len(), 2);
}

#[test]
fn a_join_inside_a_task_panics_into_that_task_not_the_pool() {
    let pool = std::sync::Arc::new(ThreadPool::new(2).unwrap());
    let inner = std::sync::Arc::clone(&pool);
    let err = pool
        .spawn(move || inner.join(|| 1, || -> u8 { panic!("inner") }))
        .unwrap()
        .join()
        .unwrap_err();
    assert_eq!(err.message(), Some("inner"));
    assert_eq!(pool.install(|| 2), 2);
}

#[test]
fn joins_from_many_outside_threads_at_once() {
    let pool = ThreadPool::new(2).unwrap();
    let done = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                assert_eq!(
                    fib(&pool, if cfg!(miri) { 5 } else { 15 }),
                    if cfg!(miri) { 5 } else { 610 }
                );
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    assert_eq!(done.load(Ordering::SeqCst), 4);
}

#[test]
fn after_shutdown_join_and_install_run_on_the_caller() {
    let pool = ThreadPool::new(2).unwrap();
    pool.shutdown();
    let me = thread::current().id();
    let (a, b) = pool.join(|| thread::current().id(), || thread::current().id());
    assert_eq!((a, b), (me, me));
    assert_eq!(pool.install(|| thread::current().id()), me);
}

/// A thief frozen inside the half it stole (here: blocked until the other half is done)
/// holds back only that half: the joiner runs its own half, with every join nested in it,
/// without it, then waits for the thief's latch. (A half whose *own* progress needs its
/// sibling, as in `join(|| wait_for_b(), b)`, is not a pattern join supports, here or in
/// rayon: `b` may run after `a` on the same thread.)
#[test]
fn a_thief_frozen_in_the_stolen_half_holds_back_only_that_half() {
    let pool = ThreadPool::builder()
        .num_threads(2)
        .spin_limit(0)
        .build()
        .unwrap();
    let n = if cfg!(miri) { 8 } else { 20 };
    let a_done = AtomicBool::new(false);
    let (fib_a, ()) = pool.join(
        || {
            let value = fib(&pool, n);
            a_done.store(true, Ordering::SeqCst);
            value
        },
        || {
            common::eventually("the joiner's own half never finished", || {
                a_done.load(Ordering::SeqCst)
            })
        },
    );
    assert_eq!(fib_a, if cfg!(miri) { 21 } else { 6765 });
}
