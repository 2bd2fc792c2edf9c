//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};

use spindle_queue::{BoundedQueue, Closed, PushError, Queue};

#[cfg(spindle_loom)]
pub mod model;

/// A value that counts its drops in a shared counter.
#[derive(Debug)]
pub struct DropCounter(pub Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Checks that `received`, gathered from all consumers, holds each of `0..total` exactly once.
pub fn assert_each_once(received: impl IntoIterator<Item = u64>, total: u64) {
    let mut seen = vec![false; total as usize];
    let mut count = 0u64;
    for v in received {
        assert!(v < total, "value {v} was never pushed");
        assert!(!seen[v as usize], "value {v} popped twice");
        seen[v as usize] = true;
        count += 1;
    }
    assert_eq!(count, total, "values lost");
}

/// Checks that, for each producer, the values a consumer saw arrive in the order pushed.
/// Values encode `producer * stride + sequence`.
pub fn assert_per_producer_fifo(received: &[u64], producers: u64, stride: u64) {
    let mut last = vec![None::<u64>; producers as usize];
    for &v in received {
        let (p, seq) = ((v / stride) as usize, v % stride);
        if let Some(prev) = last[p] {
            assert!(seq > prev, "producer {p}: {seq} popped after {prev}");
        }
        last[p] = Some(seq);
    }
}

/// Moves `producers × per_producer` values (`p * per_producer + i`) through `queue` to
/// `consumers` threads, all started together; checks every value arrives exactly once and each
/// consumer sees each producer's values in order. `push` must not return before the value is in.
pub fn assert_mpmc_delivery<Q: Send + Sync + 'static>(
    queue: Arc<Q>,
    (producers, consumers, per_producer): (u64, u64, u64),
    push: fn(&Q, u64),
    pop: fn(&Q) -> Option<u64>,
) {
    use std::sync::Barrier;

    let total = producers * per_producer;
    let popped = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new((producers + consumers) as usize));
    let producer_handles: Vec<_> = (0..producers)
        .map(|p| {
            let (q, start) = (Arc::clone(&queue), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                for i in 0..per_producer {
                    push(&q, p * per_producer + i);
                }
            })
        })
        .collect();
    let consumer_handles: Vec<_> = (0..consumers)
        .map(|_| {
            let (q, start, popped) = (Arc::clone(&queue), Arc::clone(&start), Arc::clone(&popped));
            thread::spawn(move || {
                start.wait();
                let mut got = Vec::new();
                while popped.load(Ordering::Relaxed) < total as usize {
                    match pop(&q) {
                        Some(v) => {
                            got.push(v);
                            popped.fetch_add(1, Ordering::Relaxed);
                        }
                        None => thread::yield_now(),
                    }
                }
                got
            })
        })
        .collect();
    producer_handles.into_iter().for_each(|h| h.join().unwrap());
    assert_consumers_got_all(consumer_handles, producers, per_producer);
}

/// Joins `consumers` and checks that together they got each of the `producers × per_producer`
/// values exactly once, each consumer in per-producer order.
fn assert_consumers_got_all(
    consumers: Vec<JoinHandle<Vec<u64>>>,
    producers: u64,
    per_producer: u64,
) {
    let got: Vec<Vec<u64>> = consumers.into_iter().map(|h| h.join().unwrap()).collect();
    for g in &got {
        assert_per_producer_fifo(g, producers, per_producer);
    }
    assert_each_once(got.into_iter().flatten(), producers * per_producer);
}

/// What the shared checks (and, under loom, the shared models in `model.rs`) do with either
/// queue. The checks never fill a bounded queue with `push`, so a refused value means the queue
/// is closed.
pub trait TestQueue<T>: Send + Sync + 'static {
    /// Pushes `value` without waiting; hands it back if the queue is closed.
    fn push(&self, value: T) -> Result<(), T>;
    /// Pushes `value`, waiting for room if the queue has a bound; hands it back if closed.
    fn push_blocking(&self, value: T) -> Result<(), T>;
    /// Pops a value, or `None` if the queue is empty.
    fn pop(&self) -> Option<T>;
    /// Pops a value, waiting for one; `Closed` once the queue is closed and drained.
    fn pop_blocking(&self) -> Result<T, Closed>;
    /// Closes the queue; whether this call did.
    fn close(&self) -> bool;
}

/// Implements [`TestQueue`] for `$queue`: the pushes as given, the rest its own methods.
macro_rules! impl_test_queue {
    ($queue:ident { push: $push:expr, push_blocking: $push_blocking:expr $(,)? }) => {
        impl<T: Send + 'static> TestQueue<T> for $queue<T> {
            fn push(&self, value: T) -> Result<(), T> {
                ($push)(self, value)
            }
            fn push_blocking(&self, value: T) -> Result<(), T> {
                ($push_blocking)(self, value)
            }
            fn pop(&self) -> Option<T> {
                $queue::pop(self)
            }
            fn pop_blocking(&self) -> Result<T, Closed> {
                $queue::pop_blocking(self)
            }
            fn close(&self) -> bool {
                $queue::close(self)
            }
        }
    };
}

impl_test_queue!(BoundedQueue {
    push: |q: &Self, value| BoundedQueue::push(q, value).map_err(|e| match e {
        PushError::Closed(value) => value,
        e => panic!("the checks never fill the queue: {e}"),
    }),
    push_blocking: |q: &Self, value| q.push_blocking(value).map_err(Closed::into_inner),
});

// The unbounded queue's push never waits.
impl_test_queue!(Queue {
    push: |q: &Self, value| Queue::push(q, value).map_err(Closed::into_inner),
    push_blocking: |q: &Self, value| Queue::push(q, value).map_err(Closed::into_inner),
});

/// Moves `producers × per_producer` values through `queue` with blocking pushes and pops:
/// consumers pop until the queue reports closed, which happens once every producer is done.
/// Checks every value arrives exactly once, in per-producer order, with no waiter left behind.
pub fn assert_blocking_delivery<Q: TestQueue<u64>>(
    queue: Q,
    (producers, consumers, per_producer): (u64, u64, u64),
) {
    let queue = Arc::new(queue);
    let producer_handles: Vec<_> = (0..producers)
        .map(|p| {
            let q = Arc::clone(&queue);
            thread::spawn(move || {
                for i in 0..per_producer {
                    q.push_blocking(p * per_producer + i).unwrap();
                }
            })
        })
        .collect();
    let consumer_handles: Vec<_> = (0..consumers)
        .map(|_| {
            let q = Arc::clone(&queue);
            thread::spawn(move || std::iter::from_fn(|| q.pop_blocking().ok()).collect::<Vec<_>>())
        })
        .collect();
    producer_handles.into_iter().for_each(|h| h.join().unwrap());
    assert!(queue.close());
    assert_consumers_got_all(consumer_handles, producers, per_producer);
}
