//! Batches: every index once, results in the caller's memory, panics after all stopped.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use spindle_executor::{LengthMismatch, ThreadPool};

mod common;
use common::in_a_task;

#[test]
fn every_index_is_called_exactly_once_for_many_lengths() {
    let pool = ThreadPool::new(3).unwrap();
    let big = if cfg!(miri) { 50 } else { 100_003 };
    for len in [0, 1, 2, 3, 7, 64, 1000, big] {
        let seen: Vec<AtomicU8> = (0..len).map(|_| AtomicU8::new(0)).collect();
        pool.for_each_index(len, |i| {
            seen[i].fetch_add(1, Ordering::Relaxed);
        });
        assert!(
            seen.iter().all(|s| s.load(Ordering::Relaxed) == 1),
            "len {len}"
        );
    }
}

#[test]
fn results_land_in_the_callers_slices() {
    let pool = ThreadPool::new(2).unwrap();
    let n = if cfg!(miri) { 40 } else { 100_000 };
    let input: Vec<u64> = (0..n).collect();
    let mut output = vec![0u64; n as usize];
    pool.map_into(&input, &mut output, |x| x * x + 1).unwrap();
    assert!(
        output
            .iter()
            .enumerate()
            .all(|(i, &y)| y == (i * i) as u64 + 1)
    );

    let mut words = vec![String::new(); 50];
    pool.for_each_mut(&mut words, |i, w| w.push_str(&i.to_string()));
    assert_eq!(words[42], "42");
}

#[test]
fn mismatched_lengths_are_a_typed_error_and_nothing_is_written() {
    let pool = ThreadPool::new(2).unwrap();
    let mut output = [7; 2];
    let err = pool.map_into(&[1, 2, 3], &mut output, |x| *x).unwrap_err();
    assert_eq!(
        err,
        LengthMismatch {
            input: 3,
            output: 2
        }
    );
    assert_eq!(output, [7, 7]);
}

#[test]
fn uneven_work_is_shared_between_workers() {
    // The first tenth of the indices is slow; chunking from a shared cursor lets the idle
    // participant take over the rest.
    if cfg!(miri) {
        return; // timing-based; Miri's clock and speed make it meaningless
    }
    let pool = ThreadPool::new(2).unwrap();
    let by_thread = Arc::new([
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ]);
    pool.install(|| {
        let me = thread::current().id();
        pool.for_each_index(200, |i| {
            if i < 20 {
                thread::sleep(Duration::from_millis(2));
            }
            let slot = if thread::current().id() == me { 0 } else { 1 };
            by_thread[slot].fetch_add(1, Ordering::Relaxed);
        });
    });
    let (own, other) = (
        by_thread[0].load(Ordering::Relaxed),
        by_thread[1].load(Ordering::Relaxed),
    );
    assert_eq!(own + other, 200);
    assert!(
        own > 0 && other > 0,
        "one participant did everything: {own} / {other}"
    );
}

/// Which participant of a two-thread batch [`one_participant_frozen`] holds inside `f`.
#[derive(Clone, Copy)]
enum Frozen {
    /// The thread that called the batch, from outside the pool.
    OutsideCaller,
    /// The helper of a batch called from outside the pool.
    HelperOfOutsideCaller,
    /// The helper of a batch called on a worker.
    HelperOfWorker,
}

/// What a participant frozen in its first call may hold back: the rest of its first piece
/// (`FIRST_PIECE`, 16 indices, in `src/batch/mod.rs`) and a range too short to steal
/// (`MIN_STEAL`, 64, in `src/batch/split.rs`), as documented on `for_each_index`.
const HELD_BACK: usize = 16 + 64;

/// Runs a batch on two participants, freezing one in its first call until every index outside
/// its current piece has run: the batch completes only if the others took over the rest of
/// its chunk. With chunks alone (the frozen one held a quarter of the batch) this failed after
/// 30 s.
fn one_participant_frozen(which: Frozen) {
    let pool = ThreadPool::builder()
        .num_threads(2)
        .solo_when_busy(false)
        .build()
        .unwrap();
    let len = if cfg!(miri) { 300 } else { 100_000 };
    let ran: Vec<AtomicU8> = (0..len).map(|_| AtomicU8::new(0)).collect();
    let done = AtomicUsize::new(0);
    let frozen = AtomicUsize::new(0);
    let batch = || {
        let caller = thread::current().id();
        let freeze_caller = matches!(which, Frozen::OutsideCaller);
        pool.for_each_index(len, |i| {
            let to_freeze = (thread::current().id() == caller) == freeze_caller;
            if to_freeze && frozen.fetch_add(1, Ordering::SeqCst) == 0 {
                // Held here: everything but what we may hold back must run meanwhile.
                common::eventually("the others did not take over the frozen chunk", || {
                    done.load(Ordering::SeqCst) + HELD_BACK >= len
                });
            } else if !to_freeze {
                // Do not run ahead of the freeze: make sure it holds a chunk first.
                common::eventually("the participant to freeze never joined", || {
                    frozen.load(Ordering::SeqCst) > 0
                });
            }
            ran[i].fetch_add(1, Ordering::Relaxed);
            done.fetch_add(1, Ordering::SeqCst);
        });
    };
    match which {
        Frozen::HelperOfWorker => pool.install(batch),
        Frozen::OutsideCaller | Frozen::HelperOfOutsideCaller => batch(),
    }
    assert!(ran.iter().all(|r| r.load(Ordering::Relaxed) == 1));
}

#[test]
fn a_frozen_helper_holds_back_only_its_current_piece() {
    one_participant_frozen(Frozen::HelperOfOutsideCaller);
    one_participant_frozen(Frozen::HelperOfWorker);
}

#[test]
fn a_frozen_outside_caller_holds_back_only_its_current_piece() {
    one_participant_frozen(Frozen::OutsideCaller);
}

#[test]
fn a_panic_stops_the_batch_and_reaches_the_caller_after_all_stopped() {
    let pool = ThreadPool::new(2).unwrap();
    let running = AtomicUsize::new(0);
    let calls = AtomicUsize::new(0);
    let result = catch_unwind(AssertUnwindSafe(|| {
        pool.for_each_index(10_000, |i| {
            running.fetch_add(1, Ordering::SeqCst);
            calls.fetch_add(1, Ordering::Relaxed);
            if i == 17 {
                running.fetch_sub(1, Ordering::SeqCst);
                panic!("index 17");
            }
            running.fetch_sub(1, Ordering::SeqCst);
        })
    }));
    assert_eq!(
        result.unwrap_err().downcast_ref::<&str>(),
        Some(&"index 17")
    );
    // Nobody is still inside `f` once the panic reached us.
    assert_eq!(running.load(Ordering::SeqCst), 0);
    assert!(
        calls.load(Ordering::Relaxed) < 10_000,
        "the batch was not stopped"
    );
    // The pool still works, with all its workers.
    pool.for_each_index(10, |_| ());
    assert_eq!(pool.stats().workers.len(), 2);
}

#[test]
fn batches_nest_inside_tasks_and_joins() {
    let (_, total) = in_a_task(2, |inner| {
        let (a, b) = inner.join(
            || {
                let mut v = vec![0usize; 300];
                inner.for_each_mut(&mut v, |i, x| *x = i);
                v.iter().sum::<usize>()
            },
            || {
                let mut v = vec![0usize; 200];
                inner.for_each_mut(&mut v, |i, x| *x = 2 * i);
                v.iter().sum::<usize>()
            },
        );
        a + b
    });
    assert_eq!(total, 299 * 300 / 2 + 199 * 200);
}

#[test]
fn after_shutdown_a_batch_runs_on_the_caller() {
    let pool = ThreadPool::new(2).unwrap();
    pool.shutdown();
    let mut out = vec![0; 10];
    pool.for_each_mut(&mut out, |i, x| *x = i + 1);
    assert_eq!(out, (1..=10).collect::<Vec<_>>());
}
