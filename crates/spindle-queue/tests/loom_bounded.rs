//! Loom models of `BoundedQueue`: full/empty races, wrap-around, eviction, drops.
//!
//! Run with `cargo xtask loom` (sets `--cfg spindle_loom` and bounds preemptions).

#![cfg(spindle_loom)]

mod common;

use common::model::{self, spawn_on};
use loom::sync::Arc;
use spindle_queue::{BoundedQueue, Closed, PushError};

fn drain(q: &BoundedQueue<usize>) -> Vec<usize> {
    std::iter::from_fn(|| q.pop()).collect()
}

/// A shared queue of `capacity` holding `values` already.
fn queue_with(capacity: usize, values: &[usize]) -> Arc<BoundedQueue<usize>> {
    let q = BoundedQueue::new(capacity).unwrap();
    values.iter().for_each(|&v| q.push(v).unwrap());
    Arc::new(q)
}

#[test]
fn push_into_full_queue_races_a_pop() {
    loom::model(|| {
        let q = queue_with(1, &[1]);
        let consumer = spawn_on(&q, |q| q.pop());
        let pushed = q.push(2);
        assert_eq!(consumer.join().unwrap(), Some(1));
        match pushed {
            // The pop made room first.
            Ok(()) => assert_eq!(drain(&q), [2]),
            // Still full when the push looked: the value comes back, nothing else is lost.
            Err(PushError::Full(v)) => {
                assert_eq!(v, 2);
                assert!(q.is_empty());
            }
            Err(e) => unreachable!("never closed: {e}"),
        }
    });
}

#[test]
fn pop_from_empty_queue_races_a_push() {
    loom::model(|| {
        let q = queue_with(2, &[]);
        let producer = spawn_on(&q, |q| q.push(5).unwrap());
        let popped = q.pop();
        producer.join().unwrap();
        match popped {
            Some(v) => {
                assert_eq!(v, 5);
                assert!(q.is_empty());
            }
            None => assert_eq!(drain(&q), [5]),
        }
    });
}

#[test]
fn producers_and_consumer_wrap_around_the_ring() {
    loom::model(|| {
        let q = queue_with(2, &[]);
        let producer = spawn_on(&q, |q| {
            let mut refused = Vec::new();
            for v in 0..3 {
                if let Err(PushError::Full(v)) = q.push(v) {
                    refused.push(v);
                }
            }
            refused
        });
        let mut got: Vec<usize> = (0..2).filter_map(|_| q.pop()).collect();
        let refused = producer.join().unwrap();
        got.extend(drain(&q));
        // Accepted values arrive in order; every value is accepted or handed back.
        let mut all = got.clone();
        all.extend(&refused);
        all.sort();
        assert_eq!(all, [0, 1, 2]);
        assert!(got.windows(2).all(|w| w[0] < w[1]), "FIFO: {got:?}");
    });
}

#[test]
fn force_push_races_a_pop_without_loss() {
    loom::model(|| {
        let q = queue_with(1, &[1]);
        let consumer = spawn_on(&q, |q| q.pop());
        let evicted = q.force_push(2).unwrap();
        let popped = consumer.join().unwrap();
        let mut all: Vec<usize> = evicted.into_iter().chain(popped).chain(drain(&q)).collect();
        all.sort();
        assert_eq!(all, [1, 2]);
    });
}

#[test]
fn dropping_with_values_left_drops_each_once() {
    loom::model(|| {
        model::dropping_with_values_left_drops_each_once(BoundedQueue::new(2).unwrap(), 2)
    });
}

#[test]
fn close_races_a_push() {
    loom::model(|| model::close_races_a_push(BoundedQueue::new(2).unwrap()));
}

#[test]
fn blocked_pop_is_woken_by_a_push() {
    loom::model(|| {
        let q = queue_with(1, &[]);
        let consumer = spawn_on(&q, |q| q.pop_blocking());
        q.push(5).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(5));
    });
}

#[test]
fn blocked_push_is_woken_by_a_pop() {
    loom::model(|| {
        let q = queue_with(1, &[1]);
        let producer = spawn_on(&q, |q| q.push_blocking(2));
        assert_eq!(q.pop_blocking(), Ok(1));
        producer.join().unwrap().unwrap();
        assert_eq!(q.pop(), Some(2));
    });
}

#[test]
fn close_wakes_a_blocked_pop() {
    loom::model(|| {
        let q = queue_with(1, &[]);
        let consumer = spawn_on(&q, |q| q.pop_blocking());
        q.close();
        assert_eq!(consumer.join().unwrap(), Err(Closed(())));
    });
}
