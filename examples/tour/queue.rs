//! The queue part of the tour: the API, then producer/consumer throughput against a
//! `Mutex<VecDeque>` and a blocking pipeline against std's `sync_channel`.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use spindle::queue::{BoundedQueue, Queue};

/// Items each run moves from producers to consumers.
const ITEMS: u64 = 1_000_000;
const PRODUCERS: u64 = 2;
const CONSUMERS: u64 = 2;

/// The operations a producer/consumer run needs from a queue.
trait Channel: Send + Sync + 'static {
    fn put(&self, value: u64);
    fn take(&self) -> Option<u64>;
}

impl Channel for Queue<u64> {
    fn put(&self, value: u64) {
        self.push(value).expect("the queue is never closed");
    }
    fn take(&self) -> Option<u64> {
        self.pop()
    }
}

impl Channel for BoundedQueue<u64> {
    fn put(&self, mut value: u64) {
        while let Err(full) = self.push(value) {
            value = full.into_inner();
            thread::yield_now();
        }
    }
    fn take(&self) -> Option<u64> {
        self.pop()
    }
}

/// The baseline: what a program without a concurrent queue would reach for.
impl Channel for Mutex<VecDeque<u64>> {
    fn put(&self, value: u64) {
        self.lock().unwrap().push_back(value);
    }
    fn take(&self) -> Option<u64> {
        self.lock().unwrap().pop_front()
    }
}

/// Joins `threads` (the consumers' values are their sums, the producers' 0), checks that every
/// item arrived exactly once (by sum) and returns the time since `began`.
fn checked_elapsed(began: Instant, threads: Vec<thread::JoinHandle<u64>>) -> Duration {
    let sum: u64 = threads.into_iter().map(|h| h.join().unwrap()).sum();
    let elapsed = began.elapsed();
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2, "items lost or duplicated");
    elapsed
}

/// Moves `ITEMS` through `queue` with `PRODUCERS` + `CONSUMERS` threads; checks that every item
/// arrived exactly once (by sum) and returns the elapsed time.
fn producer_consumer<C: Channel>(queue: C) -> Duration {
    let queue = Arc::new(queue);
    let start = Arc::new(Barrier::new((PRODUCERS + CONSUMERS + 1) as usize));
    let per_producer = ITEMS / PRODUCERS;
    let mut handles = Vec::new();
    for p in 0..PRODUCERS {
        let (queue, start) = (Arc::clone(&queue), Arc::clone(&start));
        handles.push(thread::spawn(move || {
            start.wait();
            for i in 0..per_producer {
                queue.put(p * per_producer + i);
            }
            0
        }));
    }
    for _ in 0..CONSUMERS {
        let (queue, start) = (Arc::clone(&queue), Arc::clone(&start));
        // ITEMS divides evenly among the consumers.
        let share = ITEMS / CONSUMERS;
        handles.push(thread::spawn(move || {
            start.wait();
            let (mut sum, mut got) = (0u64, 0u64);
            while got < share {
                match queue.take() {
                    Some(v) => {
                        sum += v;
                        got += 1;
                    }
                    None => thread::yield_now(),
                }
            }
            sum
        }));
    }
    start.wait();
    let began = Instant::now();
    checked_elapsed(began, handles)
}

/// A pipeline with backpressure: `PRODUCERS` threads push into a 64-slot bounded queue with
/// `push_blocking`, `CONSUMERS` threads `pop_blocking` until the last producer closes it.
/// Nobody spins for long: a full or empty queue parks its thread.
fn blocking_pipeline() -> Duration {
    let queue = Arc::new(BoundedQueue::new(64).expect("valid capacity"));
    let producers_left = Arc::new(std::sync::atomic::AtomicU64::new(PRODUCERS));
    let began = Instant::now();
    let per_producer = ITEMS / PRODUCERS;
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (queue, left) = (Arc::clone(&queue), Arc::clone(&producers_left));
            thread::spawn(move || {
                for i in 0..per_producer {
                    queue
                        .push_blocking(p * per_producer + i)
                        .expect("closed only at the end");
                }
                if left.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
                    queue.close(); // the last producer is done: consumers drain, then stop
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || std::iter::from_fn(|| queue.pop_blocking().ok()).sum::<u64>())
        })
        .collect();
    producers.into_iter().for_each(|h| h.join().unwrap());
    checked_elapsed(began, consumers)
}

/// The same pipeline through std's `sync_channel(64)`; its receiver is single-consumer, so
/// the consumers share it behind a mutex, as std users must.
fn std_pipeline() -> Duration {
    let (tx, rx) = std::sync::mpsc::sync_channel(64);
    let rx = Arc::new(Mutex::new(rx));
    let began = Instant::now();
    let per_producer = ITEMS / PRODUCERS;
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..per_producer {
                    tx.send(p * per_producer + i).expect("receiver alive");
                }
            })
        })
        .collect();
    drop(tx);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let rx = Arc::clone(&rx);
            thread::spawn(move || {
                std::iter::from_fn(|| rx.lock().unwrap().recv().ok()).sum::<u64>()
            })
        })
        .collect();
    producers.into_iter().for_each(|h| h.join().unwrap());
    checked_elapsed(began, consumers)
}

fn per_item(elapsed: Duration) -> f64 {
    elapsed.as_nanos() as f64 / ITEMS as f64
}

/// The queue at work.
pub(crate) fn tour() {
    println!("== spindle::queue ==");
    let q = Queue::new();
    q.push("hello").expect("open queue");
    q.push("world").expect("open queue");
    println!("Queue: pushed 2, popped {:?} then {:?}", q.pop(), q.pop());
    let b = BoundedQueue::new(2).expect("capacity 2 is valid");
    b.push(1).unwrap();
    b.push(2).unwrap();
    println!(
        "BoundedQueue(2): third push refused: {:?}",
        b.push(3).unwrap_err().into_inner()
    );
    println!(
        "BoundedQueue(2): force_push(3) evicted {:?}",
        b.force_push(3).expect("open queue")
    );

    // Single-thread push+pop: the allocation-free steady state.
    let q = Queue::new();
    let single = Instant::now();
    for i in 0..ITEMS {
        let _ = q.push(black_box(i));
        black_box(q.pop());
    }
    let single = per_item(single.elapsed());

    let unbounded = per_item(producer_consumer(Queue::new()));
    let bounded = per_item(producer_consumer(
        BoundedQueue::new(1024).expect("valid capacity"),
    ));
    let baseline = per_item(producer_consumer(Mutex::new(VecDeque::new())));
    let pipeline = per_item(blocking_pipeline());
    let std_pipeline = per_item(std_pipeline());

    use crate::machine::case;
    let row = crate::summary::ns_row;
    let four = case((PRODUCERS + CONSUMERS) as usize);
    crate::summary::header(
        "producers and consumers, spinning",
        "Mutex<VecDeque>",
        "ns/item",
        "items/s",
    );
    row(&format!("Queue, push then pop ({})", case(1)), single, None);
    row(
        &format!("Queue, 2 producers + 2 consumers ({four})"),
        unbounded,
        Some(baseline),
    );
    row(
        &format!("BoundedQueue(1024), 2p + 2c ({four})"),
        bounded,
        Some(baseline),
    );
    row(
        &format!("Mutex<VecDeque>, 2p + 2c ({four}; peer)"),
        baseline,
        None,
    );
    crate::summary::header(
        "blocking pipeline, capacity 64",
        "std sync_channel",
        "ns/item",
        "items/s",
    );
    row(
        &format!("BoundedQueue, push/pop_blocking ({four})"),
        pipeline,
        Some(std_pipeline),
    );
    row(
        &format!("std sync_channel, 2p + 2c ({four}; peer)"),
        std_pipeline,
        None,
    );
    crate::summary::record(
        "queue",
        format!("Queue, 2p + 2c ({four})"),
        "ns/item",
        unbounded,
        Some(("Mutex<VecDeque>", baseline)),
    );
    crate::summary::record(
        "queue",
        format!("blocking pipeline, 64 slots ({four})"),
        "ns/item",
        pipeline,
        Some(("std sync_channel", std_pipeline)),
    );
    println!("(`cargo xtask bench` compares against crossbeam, concurrent-queue,");
    println!(" crossbeam-channel and std's channels)");
}
