//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Scales a workload down under Miri, which runs code ~1000× slower and, on threads that spin
/// or yield, slower still.
pub fn scaled(n: usize) -> usize {
    if cfg!(miri) { (n / 5000).max(8) } else { n }
}

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
    use std::thread;

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
    let got: Vec<Vec<u64>> = consumer_handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    for g in &got {
        assert_per_producer_fifo(g, producers, per_producer);
    }
    assert_each_once(got.into_iter().flatten(), total);
}

/// Runs `f` on its own thread and returns its result, failing the test (instead of hanging
/// it) if `f` takes longer than `limit`, as a lost wake-up would.
pub fn within<R: Send + 'static>(
    limit: std::time::Duration,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // A panic drops `tx`, which the receiver reports below.
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("still running after {limit:?}: a waiter was never woken?")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the checked code panicked"),
    }
}

/// Moves `producers × per_producer` values through `queue` with blocking pushes and pops:
/// consumers pop until the queue reports closed, which happens once every producer is done.
/// Checks every value arrives exactly once, in per-producer order, with no waiter left behind.
pub fn assert_blocking_delivery<Q: Send + Sync + 'static>(
    queue: Arc<Q>,
    (producers, consumers, per_producer): (u64, u64, u64),
    push_blocking: fn(&Q, u64),
    pop_blocking: fn(&Q) -> Option<u64>,
    close: fn(&Q),
) {
    use std::thread;
    let producer_handles: Vec<_> = (0..producers)
        .map(|p| {
            let q = Arc::clone(&queue);
            thread::spawn(move || {
                for i in 0..per_producer {
                    push_blocking(&q, p * per_producer + i);
                }
            })
        })
        .collect();
    let consumer_handles: Vec<_> = (0..consumers)
        .map(|_| {
            let q = Arc::clone(&queue);
            thread::spawn(move || std::iter::from_fn(|| pop_blocking(&q)).collect::<Vec<_>>())
        })
        .collect();
    producer_handles.into_iter().for_each(|h| h.join().unwrap());
    close(&queue);
    let got: Vec<Vec<u64>> = consumer_handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    for g in &got {
        assert_per_producer_fifo(g, producers, per_producer);
    }
    assert_each_once(got.into_iter().flatten(), producers * per_producer);
}
