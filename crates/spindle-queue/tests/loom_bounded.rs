//! Loom models of `BoundedQueue`: full/empty races, wrap-around, eviction, drops.
//!
//! Run with `cargo xtask loom` (sets `--cfg spindle_loom` and bounds preemptions).

#![cfg(spindle_loom)]

use std::sync::atomic::{AtomicUsize, Ordering};

use loom::sync::Arc;
use loom::thread;
use spindle_queue::{BoundedQueue, Closed, PushError};

fn drain(q: &BoundedQueue<usize>) -> Vec<usize> {
    std::iter::from_fn(|| q.pop()).collect()
}

#[test]
fn push_into_full_queue_races_a_pop() {
    loom::model(|| {
        let q = Arc::new(BoundedQueue::new(1).unwrap());
        q.push(1).unwrap();
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.pop())
        };
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
            Err(PushError::Closed(_)) => unreachable!("never closed"),
        }
    });
}

#[test]
fn pop_from_empty_queue_races_a_push() {
    loom::model(|| {
        let q = Arc::new(BoundedQueue::new(2).unwrap());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.push(5).unwrap())
        };
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
        let q = Arc::new(BoundedQueue::new(2).unwrap());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut refused = Vec::new();
                for v in 0..3 {
                    if let Err(PushError::Full(v)) = q.push(v) {
                        refused.push(v);
                    }
                }
                refused
            })
        };
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
        let q = Arc::new(BoundedQueue::new(1).unwrap());
        q.push(1).unwrap();
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.pop())
        };
        let evicted = q.force_push(2).unwrap();
        let popped = consumer.join().unwrap();
        let mut all: Vec<usize> = evicted.into_iter().chain(popped).chain(drain(&q)).collect();
        all.sort();
        assert_eq!(all, [1, 2]);
    });
}

#[derive(Debug)]
struct Counted(std::sync::Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn dropping_with_values_left_drops_each_once() {
    loom::model(|| {
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let q = Arc::new(BoundedQueue::new(2).unwrap());
        let producer = {
            let (q, drops) = (Arc::clone(&q), std::sync::Arc::clone(&drops));
            thread::spawn(move || {
                for _ in 0..2 {
                    q.push(Counted(std::sync::Arc::clone(&drops))).unwrap();
                }
            })
        };
        drop(q.pop());
        producer.join().unwrap();
        drop(q);
        assert_eq!(drops.load(Ordering::Relaxed), 2);
    });
}

#[test]
fn close_races_a_push() {
    loom::model(|| {
        let q = Arc::new(BoundedQueue::new(2).unwrap());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.push(1))
        };
        q.close();
        let popped = q.pop_blocking();
        match producer.join().unwrap() {
            // In before the close: a pop after the close must still get it, never `Closed`.
            Ok(()) => {
                assert_eq!(popped, Ok(1));
                assert_eq!(q.pop_blocking(), Err(Closed(())));
            }
            Err(PushError::Closed(v)) => {
                assert_eq!(v, 1);
                assert_eq!(popped, Err(Closed(())));
            }
            Err(PushError::Full(_)) => unreachable!("room for two"),
        }
    });
}

#[test]
fn blocked_pop_is_woken_by_a_push() {
    loom::model(|| {
        let q = Arc::new(BoundedQueue::new(1).unwrap());
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.pop_blocking())
        };
        q.push(5).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(5));
    });
}

#[test]
fn blocked_push_is_woken_by_a_pop() {
    loom::model(|| {
        let q = Arc::new(BoundedQueue::new(1).unwrap());
        q.push(1).unwrap();
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.push_blocking(2))
        };
        assert_eq!(q.pop_blocking(), Ok(1));
        producer.join().unwrap().unwrap();
        assert_eq!(q.pop(), Some(2));
    });
}

#[test]
fn close_wakes_a_blocked_pop() {
    loom::model(|| {
        let q = Arc::new(BoundedQueue::<u8>::new(1).unwrap());
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.pop_blocking())
        };
        q.close();
        assert_eq!(consumer.join().unwrap(), Err(Closed(())));
    });
}
