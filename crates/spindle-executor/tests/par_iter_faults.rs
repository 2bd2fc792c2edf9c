//! Parallel iterators under faults: a panic in any closure stops the iteration and is resumed
//! on the caller once every part has returned, and no item is dropped twice or leaked (drop
//! ledgers), whether the iteration started outside the pool or on a worker.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use spindle_executor::ThreadPool;
use spindle_executor::prelude::*;
use spindle_test_support::{Token, Tokens, message};

fn len() -> usize {
    if cfg!(miri) { 200 } else { 20_000 }
}

/// Runs `f` from outside every pool, then on a worker of a fresh pool.
fn both_ways(f: impl Fn() + Sync + Send) {
    f();
    let pool = ThreadPool::new(3).unwrap();
    pool.install(&f);
}

fn panic_message<R>(f: impl FnOnce() -> R) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("the iteration did not panic"),
        Err(payload) => message(&*payload).unwrap_or("<not a string>").to_owned(),
    }
}

fn tokens(ledger: &Tokens, n: usize) -> Vec<Token> {
    (0..n).map(|_| ledger.token()).collect()
}

#[test]
fn a_panicking_map_inside_collect_drops_every_item_once() {
    both_ways(|| {
        let ledger = Tokens::new();
        let items = tokens(&ledger, len());
        let bad = len() / 3;
        let got = panic_message(|| {
            items
                .into_par_iter()
                .map(|t| {
                    assert!(t.id() != bad, "item {bad} is bad");
                    t
                })
                .collect::<Vec<Token>>()
        });
        assert_eq!(got, format!("item {bad} is bad"));
        ledger.assert_each_dropped_once();
    });
}

#[test]
fn a_panicking_filter_inside_collect_drops_every_item_once() {
    both_ways(|| {
        let ledger = Tokens::new();
        let items = tokens(&ledger, len());
        let bad = len() - 1;
        let got = panic_message(|| {
            items
                .into_par_iter()
                .filter(|t| {
                    assert!(t.id() != bad, "filter failed");
                    t.id() % 2 == 0
                })
                .collect::<Vec<Token>>()
        });
        assert_eq!(got, "filter failed");
        ledger.assert_each_dropped_once();
    });
}

#[test]
fn a_panicking_reduce_or_fold_is_resumed_with_its_payload() {
    both_ways(|| {
        let got = panic_message(|| {
            (0..len() as u64).into_par_iter().reduce(
                || 0,
                |a, b| {
                    assert!(b != 77, "reduce op");
                    a + b
                },
            )
        });
        assert_eq!(got, "reduce op");
        let got = panic_message(|| {
            (0..len() as u64)
                .into_par_iter()
                .fold(|| -> u64 { panic!("identity") }, |a, b| a + b)
                .sum::<u64>()
        });
        assert_eq!(got, "identity");
    });
}

#[test]
fn items_a_stopped_iteration_never_reached_are_dropped_once() {
    both_ways(|| {
        let ledger = Tokens::new();
        let items = tokens(&ledger, len());
        let got = panic_message(|| {
            items.into_par_iter().for_each(|t| {
                assert!(t.id() != 0, "first");
            })
        });
        assert_eq!(got, "first");
        ledger.assert_each_dropped_once();
    });
}

/// The stop flag: after a panic at the first item, the other parts stop within a piece, so
/// far fewer than all items run (without the flag, every other item would). The flag goes up
/// once the panic has unwound out of the closure, after the panic hook: a hook printing a
/// backtrace (`RUST_BACKTRACE=1`) can take a tenth of a second, so this test mutes it.
#[test]
fn a_panic_stops_the_other_parts_promptly() {
    let n: usize = if cfg!(miri) { 5_000 } else { 10_000_000 };
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    both_ways(|| {
        let ran = AtomicUsize::new(0);
        let got = panic_message(|| {
            (0..n).into_par_iter().for_each(|i| {
                assert!(i != 0, "stop");
                ran.fetch_add(1, Ordering::Relaxed);
            })
        });
        assert_eq!(got, "stop");
        let ran = ran.into_inner();
        assert!(ran < n / 2, "{ran} of {n} items ran after the panic");
    });
    std::panic::set_hook(hook);
}

#[test]
fn find_any_stops_looking_once_found() {
    let n: usize = if cfg!(miri) { 5_000 } else { 10_000_000 };
    both_ways(|| {
        let looked = AtomicUsize::new(0);
        let found = (0..n).into_par_iter().find_any(|&i| {
            looked.fetch_add(1, Ordering::Relaxed);
            i == 3
        });
        assert_eq!(found, Some(3));
        let looked = looked.into_inner();
        assert!(looked < n / 2, "looked at {looked} of {n}");
    });
}

/// A comparator that panics half-way through a parallel sort leaves every element in the
/// slice exactly once (the sort's invariant M1): dropping the slice drops each token once.
#[test]
fn a_panicking_comparator_leaves_every_element_in_the_slice_once() {
    both_ways(|| {
        // Above 4096 elements, where the sorts leave the standard library for the parallel path.
        let n = if cfg!(miri) { 5_000 } else { 100_000 };
        for stable in [true, false] {
            let ledger = Tokens::new();
            let mut items: Vec<(u64, Token)> = (0..n as u64)
                .map(|i| ((i * 7919) % 1000, ledger.token()))
                .collect();
            // How many comparisons the sort makes, counted on a copy of the keys; the real
            // one panics at nine tenths of that, when the parts are sorted and the last
            // merge is under way.
            let mut keys: Vec<u64> = items.iter().map(|x| x.0).collect();
            let counted = AtomicUsize::new(0);
            let counting = |a: &u64, b: &u64| {
                counted.fetch_add(1, Ordering::Relaxed);
                a.cmp(b)
            };
            if stable {
                keys.par_sort_by(counting);
            } else {
                keys.par_sort_unstable_by(counting);
            }
            let fail_at = counted.into_inner() * 9 / 10;
            let calls = AtomicUsize::new(0);
            let compare = |a: &(u64, Token), b: &(u64, Token)| {
                assert!(
                    calls.fetch_add(1, Ordering::Relaxed) != fail_at,
                    "comparator"
                );
                a.0.cmp(&b.0)
            };
            let got = panic_message(|| {
                if stable {
                    items.par_sort_by(compare);
                } else {
                    items.par_sort_unstable_by(compare);
                }
            });
            assert_eq!(got, "comparator");
            assert_eq!(items.len(), n);
            drop(items);
            ledger.assert_each_dropped_once();
        }
    });
}
