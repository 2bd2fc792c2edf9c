//! `BoundedQueue`: the public API, full/empty edges, concurrency, drops, zero-sized values.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use common::{DropCounter, assert_each_once, assert_mpmc_delivery};
use spindle_queue::{BoundedQueue, PushError};
use spindle_test_support::scaled;

#[test]
fn zero_and_huge_capacities_are_typed_errors() {
    let err = BoundedQueue::<u8>::new(0).unwrap_err();
    assert_eq!(err.requested(), 0);
    assert!(BoundedQueue::<u8>::new(usize::MAX).is_err());
    let err: Box<dyn std::error::Error> = Box::new(err);
    assert!(err.to_string().contains("at least 1"));
}

#[test]
fn capacity_one_alternates_full_and_empty() {
    let q = BoundedQueue::new(1).unwrap();
    for i in 0..10 {
        assert!(q.is_empty() && !q.is_full());
        assert_eq!(q.pop(), None);
        q.push(i).unwrap();
        assert!(q.is_full() && !q.is_empty());
        assert_eq!(q.len(), 1);
        assert_eq!(q.push(99), Err(PushError::Full(99)));
        assert_eq!(q.pop(), Some(i));
    }
}

#[test]
fn fills_to_capacity_then_refuses_then_drains_in_order_over_many_laps() {
    // Under Miri: fewer laps, and no 1000 (3 and 7 cover odd sizes, 64 the spread layout).
    let (laps, caps): (_, &[usize]) = if cfg!(miri) {
        (2, &[1, 2, 3, 7, 8, 64])
    } else {
        (5, &[1, 2, 3, 7, 8, 64, 1000])
    };
    for &cap in caps {
        let q = BoundedQueue::new(cap).unwrap();
        for lap in 0..laps {
            for i in 0..cap {
                assert_eq!(q.len(), i);
                q.push(lap * 10_000 + i).unwrap();
            }
            assert!(q.is_full());
            assert_eq!(q.len(), cap);
            assert_eq!(q.push(usize::MAX).unwrap_err().into_inner(), usize::MAX);
            for i in 0..cap {
                assert_eq!(q.pop(), Some(lap * 10_000 + i));
            }
            assert_eq!(q.pop(), None);
            // Leave the indices mid-lap for the next round.
            q.push(0).unwrap();
            assert_eq!(q.pop(), Some(0));
        }
    }
}

#[test]
fn force_push_evicts_the_oldest_only_when_full() {
    let q = BoundedQueue::new(3).unwrap();
    assert_eq!(q.force_push(1), Ok(None));
    assert_eq!(q.force_push(2), Ok(None));
    assert_eq!(q.force_push(3), Ok(None));
    assert_eq!(q.force_push(4), Ok(Some(1)));
    assert_eq!(q.force_push(5), Ok(Some(2)));
    assert_eq!(q.len(), 3);
    assert_eq!(q.into_iter().collect::<Vec<_>>(), [3, 4, 5]);
}

#[test]
fn four_producers_four_consumers_move_a_million_items() {
    let q = Arc::new(BoundedQueue::new(1024).unwrap());
    let push = |q: &BoundedQueue<u64>, mut v: u64| {
        while let Err(PushError::Full(back)) = q.push(v) {
            v = back;
            thread::yield_now();
        }
    };
    assert_mpmc_delivery(q, (4, 4, scaled(250_000) as u64), push, BoundedQueue::pop);
}

#[test]
fn concurrent_force_push_never_loses_or_duplicates() {
    // Every value is either still in the queue at the end, evicted, or popped: exactly once.
    let q = Arc::new(BoundedQueue::new(8).unwrap());
    let per_thread = scaled(20_000) as u64;
    let handles: Vec<_> = (0..3u64)
        .map(|t| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut out = Vec::new();
                for i in 0..per_thread {
                    out.extend(q.force_push(t * per_thread + i).unwrap());
                    if i % 3 == 0 {
                        out.extend(q.pop());
                    }
                }
                out
            })
        })
        .collect();
    let mut all: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.extend(Arc::try_unwrap(q).unwrap());
    assert_each_once(all, 3 * per_thread);
}

#[test]
fn dropping_the_queue_drops_remaining_values_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let q = BoundedQueue::new(5).unwrap();
    // Wrap the indices so the remaining values straddle the buffer's end.
    for _ in 0..4 {
        q.push(DropCounter(Arc::clone(&drops))).unwrap();
    }
    for _ in 0..3 {
        drop(q.pop());
    }
    for _ in 0..4 {
        q.push(DropCounter(Arc::clone(&drops))).unwrap();
    }
    assert_eq!(drops.load(Ordering::Relaxed), 3);
    assert_eq!(q.len(), 5);
    drop(q);
    assert_eq!(drops.load(Ordering::Relaxed), 8);
}

#[test]
fn rejected_and_evicted_values_are_handed_back_not_dropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    let q = BoundedQueue::new(1).unwrap();
    q.push(DropCounter(Arc::clone(&drops))).unwrap();
    let rejected = q.push(DropCounter(Arc::clone(&drops))).unwrap_err();
    let evicted = q.force_push(rejected.into_inner()).unwrap();
    assert_eq!(drops.load(Ordering::Relaxed), 0);
    drop(evicted);
    drop(q);
    assert_eq!(drops.load(Ordering::Relaxed), 2);
}

#[test]
fn zero_sized_values_work() {
    let q = BoundedQueue::new(3).unwrap();
    for _ in 0..3 {
        q.push(()).unwrap();
    }
    assert_eq!(q.push(()), Err(PushError::Full(())));
    assert_eq!(q.len(), 3);
    assert_eq!(std::iter::from_fn(|| q.pop()).count(), 3);
}
