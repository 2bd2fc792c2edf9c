//! `Queue`: the public API, ordering, concurrency, drops, zero-sized values.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use common::{DropCounter, assert_each_once, assert_mpmc_delivery};
use spindle_queue::Queue;
use spindle_test_support::scaled;

#[test]
fn fifo_on_one_thread_across_many_segments() {
    let q = Queue::new();
    let n = scaled(10_000);
    for i in 0..n {
        q.push(i).unwrap();
    }
    assert_eq!(q.len(), n);
    for i in 0..n {
        assert_eq!(q.pop(), Some(i));
    }
    assert_eq!(q.pop(), None);
    assert!(q.is_empty());
}

#[test]
fn empty_queue_pops_none_and_reports_empty() {
    let q = Queue::<String>::new();
    assert_eq!(q.pop(), None);
    assert_eq!(q.len(), 0);
    assert!(q.is_empty());
    q.push("x".to_owned()).unwrap();
    assert!(!q.is_empty());
    assert_eq!(q.pop().as_deref(), Some("x"));
    assert_eq!(q.pop(), None);
}

/// Runs the shared MPMC delivery check through a `Queue`, then checks it drained.
fn run_mpmc(producers: u64, consumers: u64, per_producer: u64) {
    let q = Arc::new(Queue::new());
    assert_mpmc_delivery(
        Arc::clone(&q),
        (producers, consumers, per_producer),
        |q, v| q.push(v).unwrap(),
        Queue::pop,
    );
    assert!(q.is_empty());
}

#[test]
fn four_producers_four_consumers_move_a_million_items() {
    run_mpmc(4, 4, scaled(250_000) as u64);
}

#[test]
fn per_producer_order_survives_one_consumer() {
    run_mpmc(3, 1, scaled(50_000) as u64);
}

#[test]
fn dropping_the_queue_drops_remaining_values_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let q = Queue::new();
    let n = 3 * Queue::<DropCounter>::SEGMENT_CAPACITY + 7;
    for _ in 0..n {
        q.push(DropCounter(Arc::clone(&drops))).unwrap();
    }
    // Pop some (crossing a segment boundary), drop those here.
    for _ in 0..Queue::<DropCounter>::SEGMENT_CAPACITY + 2 {
        drop(q.pop().unwrap());
    }
    let popped = Queue::<DropCounter>::SEGMENT_CAPACITY + 2;
    assert_eq!(drops.load(Ordering::Relaxed), popped);
    drop(q);
    assert_eq!(drops.load(Ordering::Relaxed), n);
}

#[test]
fn into_iter_yields_the_rest_and_drops_what_it_did_not_yield() {
    let drops = Arc::new(AtomicUsize::new(0));
    let q: Queue<DropCounter> = (0..40).map(|_| DropCounter(Arc::clone(&drops))).collect();
    let mut iter = q.into_iter();
    assert_eq!(iter.size_hint(), (40, Some(40)));
    drop(iter.next());
    drop(iter);
    assert_eq!(drops.load(Ordering::Relaxed), 40);
}

#[test]
fn zero_sized_values_work() {
    let q = Queue::new();
    let n = scaled(1_000);
    for _ in 0..n {
        q.push(()).unwrap();
    }
    assert_eq!(q.len(), n);
    assert_eq!(std::iter::from_fn(|| q.pop()).count(), n);
}

#[test]
fn with_capacity_and_retained_capacity_behave_like_new() {
    for q in [
        Queue::with_capacity(100).unwrap(),
        Queue::with_retained_capacity(0),
        Queue::default(),
    ] {
        for i in 0..200 {
            q.push(i).unwrap();
        }
        assert_eq!(
            (0..200).map(|_| q.pop().unwrap()).collect::<Vec<_>>(),
            (0..200).collect::<Vec<_>>()
        );
        assert_eq!(q.pop(), None);
    }
}

#[test]
fn concurrent_first_pushes_install_one_segment() {
    // Many threads race the lazy first-segment install of a fresh queue.
    for _ in 0..scaled(200) {
        let q = Arc::new(Queue::new());
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.push(t).unwrap())
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        assert_each_once(std::iter::from_fn(|| q.pop()), 4);
    }
}

#[test]
fn debug_does_not_need_debug_values() {
    struct Opaque;
    let q = Queue::new();
    q.push(Opaque).unwrap();
    assert_eq!(format!("{q:?}"), "Queue { len: 1, .. }");
}
