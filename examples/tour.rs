//! A tour of Spindle: every part at work, with figures measured on this machine in this run.
//!
//! Run with `cargo run --release --example tour`.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use spindle::executor::ThreadPool;
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
    let sum: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let elapsed = began.elapsed();
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2, "items lost or duplicated");
    elapsed
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
    let sum: u64 = consumers.into_iter().map(|h| h.join().unwrap()).sum();
    let elapsed = began.elapsed();
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2, "items lost or duplicated");
    elapsed
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
    let sum: u64 = consumers.into_iter().map(|h| h.join().unwrap()).sum();
    let elapsed = began.elapsed();
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2, "items lost or duplicated");
    elapsed
}

fn per_item(elapsed: Duration) -> f64 {
    elapsed.as_nanos() as f64 / ITEMS as f64
}

fn fib_seq(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

fn fib_join(pool: &ThreadPool, n: u64) -> u64 {
    if n < 20 {
        return fib_seq(n);
    }
    let (a, b) = pool.join(|| fib_join(pool, n - 1), || fib_join(pool, n - 2));
    a + b
}

/// The executor at work: fork-join, a batch into the caller's memory, tasks with results, and a
/// panic that comes back as a value. Each timed against the plain sequential (or
/// thread-per-task) way, in this run.
fn executor_tour() {
    println!("\n== spindle::executor ==");
    let pool = ThreadPool::builder().build().expect("at least one thread");
    println!("ThreadPool with {} workers", pool.num_threads());

    fib_seq(black_box(32)); // warm-up, untimed
    let t = Instant::now();
    let seq = fib_seq(black_box(32));
    let seq_time = t.elapsed();
    let t = Instant::now();
    let par = pool.install(|| fib_join(&pool, black_box(32)));
    let par_time = t.elapsed();
    assert_eq!(seq, par);

    let input: Vec<u64> = (0..4_000_000).collect();
    let mut output = vec![0u64; input.len()];
    // Compute-bound per element (a plain x*x+1 is memory-bound: two cores share one bus).
    let work = |x: &u64| (0..16u64).fold(*x, |a, k| a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ k);
    let sequential = |output: &mut [u64]| {
        for (o, x) in output.iter_mut().zip(&input) {
            *o = work(x);
        }
    };
    sequential(&mut output); // first touch of the pages, untimed
    let t = Instant::now();
    sequential(black_box(&mut output));
    let map_seq = t.elapsed();
    let t = Instant::now();
    pool.map_into(&input, black_box(&mut output), work)
        .expect("same lengths");
    let map_par = t.elapsed();
    assert_eq!(output[1000], work(&1000));

    let t = Instant::now();
    let handles: Vec<_> = (0..1000u64)
        .map(|i| pool.spawn(move || i * 2).expect("pool running"))
        .collect();
    let sum: u64 = handles
        .into_iter()
        .map(|h| h.join().expect("no panic"))
        .sum();
    let spawn_time = t.elapsed();
    assert_eq!(sum, 999_000);
    let t = Instant::now();
    let threads: Vec<_> = (0..1000u64).map(|i| thread::spawn(move || i * 2)).collect();
    let sum: u64 = threads
        .into_iter()
        .map(|h| h.join().expect("no panic"))
        .sum();
    let thread_time = t.elapsed();
    assert_eq!(sum, 999_000);

    // The default hook would print the expected panic as if something were wrong.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let panic = pool
        .spawn(|| -> u8 { panic!("a task failed (expected: the tour shows it comes back)") })
        .expect("pool running")
        .join()
        .expect_err("the panic comes back as an error");
    std::panic::set_hook(hook);
    println!("a panicking task came back as: {panic}");

    println!(
        "\n{:<44} {:>12} {:>12} {:>8}",
        "workload (this run)", "spindle", "baseline", "speedup"
    );
    let row = |name: &str, ours: Duration, base: Duration| {
        println!(
            "{name:<44} {:>12.2?} {:>12.2?} {:>7.2}x",
            ours,
            base,
            base.as_secs_f64() / ours.as_secs_f64()
        );
    };
    row("fib(32) via join vs sequential", par_time, seq_time);
    row("map_into 4M hashes vs sequential loop", map_par, map_seq);
    row(
        "1000 spawned tasks vs 1000 std threads",
        spawn_time,
        thread_time,
    );
    println!("stats: {:?}", pool.stats().total());
}

fn main() {
    println!(
        "Spindle tour ({} cores)\n",
        thread::available_parallelism().map_or(1, |n| n.get())
    );

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

    println!(
        "\n{:<44} {:>9} {:>12} {:>10}",
        "workload (this run)", "ns/item", "items/s", "vs Mutex"
    );
    let row = |name: &str, ns: f64, vs: Option<f64>| {
        let ratio = vs.map_or_else(String::new, |b| format!("{:.2}x", ns / b));
        println!("{name:<44} {ns:>9.1} {:>12.0} {ratio:>10}", 1e9 / ns);
    };
    row("Queue, 1 thread push+pop", single, None);
    row(
        "Queue, 2 producers + 2 consumers",
        unbounded,
        Some(baseline),
    );
    row(
        "BoundedQueue(1024), 2 producers + 2 consumers",
        bounded,
        Some(baseline),
    );
    row(
        "Mutex<VecDeque> baseline, 2p + 2c",
        baseline,
        Some(baseline),
    );
    println!(
        "\n{:<44} {:>9} {:>12} {:>10}",
        "blocking pipeline, capacity 64", "ns/item", "items/s", "vs std"
    );
    row(
        "BoundedQueue push_blocking/pop_blocking",
        pipeline,
        Some(std_pipeline),
    );
    row(
        "std sync_channel baseline",
        std_pipeline,
        Some(std_pipeline),
    );
    println!("\n(ratios below 1.00x are faster than the baseline; `cargo xtask bench` compares");
    println!(" against crossbeam, concurrent-queue, crossbeam-channel and std's channels)");

    executor_tour();
}
