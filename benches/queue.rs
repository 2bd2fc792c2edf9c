//! spindle-queue against crossbeam-queue, concurrent-queue and crossbeam-channel, one run.
//!
//! Workloads (each reports time per item; criterion's throughput is items/s):
//! - `single_thread`: push one item then pop it, on one thread (`VecDeque` is the floor);
//! - `unbounded_2p2c`: 2 producers and 2 consumers move 10^6 items through an unbounded queue;
//! - `bounded_2p2c`: the same through queues of capacity 1024;
//! - `blocking_{bounded,unbounded}_{2p2c,4p4c}`: blocking push/pop against channels, with CPU
//!   time per item printed at the end (see `queue/blocking.rs`). 4p4c is 8 threads on our
//!   2 cores: oversubscribed, where spinning costs most.
//!
//! - `rounds` (printed, not a criterion group): the two 2p2c workloads again, every contender
//!   once per round in rotating order for many rounds, reporting the median ns/item and the
//!   median per-round ratio to crossbeam. On our noisy 2-core machine a contender's criterion
//!   samples all fall in one window of time, and these workloads swing 2-5x between windows;
//!   the per-round ratio cancels most of that.
//!
//! Every contender runs the same producer/consumer loops: retry with `Backoff::snooze` on
//! full/empty, reset on success.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_utils::Backoff;
use spindle_bench_support::{config, rounds};

#[path = "queue/blocking.rs"]
mod blocking;

/// Items moved per measured iteration of the multi-threaded workloads.
const ITEMS: u64 = 1_000_000;
const CAPACITY: usize = 1024;

/// A non-blocking MPMC queue of `u64`, as the workloads drive it.
trait Contender: Send + Sync + 'static {
    /// Pushes, or hands the value back if full.
    fn try_push(&self, value: u64) -> Result<(), u64>;
    fn try_pop(&self) -> Option<u64>;
}

/// Both ends of a crossbeam channel, driven with `try_send`/`try_recv`.
struct Channel(
    crossbeam_channel::Sender<u64>,
    crossbeam_channel::Receiver<u64>,
);

/// `impl Contender` for each type from two closures' bodies: the push (given the queue and
/// the value) and the pop (given the queue).
macro_rules! contender {
    ($($ty:ty: |$q:ident, $v:ident| $push:expr, |$p:ident| $pop:expr;)+) => {$(
        impl Contender for $ty {
            fn try_push(&self, $v: u64) -> Result<(), u64> {
                let $q = self;
                $push
            }
            fn try_pop(&self) -> Option<u64> {
                let $p = self;
                $pop
            }
        }
    )+};
}

contender! {
    spindle_queue::Queue<u64>: |q, v| q.push(v).map_err(|e| e.into_inner()), |q| q.pop();
    spindle_queue::BoundedQueue<u64>: |q, v| q.push(v).map_err(|e| e.into_inner()), |q| q.pop();
    crossbeam_queue::SegQueue<u64>: |q, v| {
        q.push(v);
        Ok(())
    }, |q| q.pop();
    crossbeam_queue::ArrayQueue<u64>: |q, v| q.push(v), |q| q.pop();
    concurrent_queue::ConcurrentQueue<u64>:
        |q, v| q.push(v).map_err(|e| e.into_inner()), |q| q.pop().ok();
    Channel: |q, v| q.0.try_send(v).map_err(|e| e.into_inner()), |q| q.1.try_recv().ok();
}

/// Runs `producers` + `consumers` threads moving `ITEMS` through `queue`; returns the time
/// from the start barrier to the last consumer finishing, and checks nothing was lost.
fn move_items<Q: Contender>(queue: &Arc<Q>, producers: u64, consumers: u64) -> Duration {
    let start = Arc::new(Barrier::new((producers + consumers + 1) as usize));
    let per_producer = ITEMS / producers;
    let mut handles = Vec::new();
    for p in 0..producers {
        let (queue, start) = (Arc::clone(queue), Arc::clone(&start));
        handles.push(thread::spawn(move || {
            start.wait();
            let backoff = Backoff::new();
            for i in 0..per_producer {
                let mut value = p * per_producer + i;
                while let Err(v) = queue.try_push(value) {
                    value = v;
                    backoff.snooze();
                }
                backoff.reset();
            }
            0
        }));
    }
    for c in 0..consumers {
        let (queue, start) = (Arc::clone(queue), Arc::clone(&start));
        let share = ITEMS / consumers + u64::from(c < ITEMS % consumers);
        handles.push(thread::spawn(move || {
            start.wait();
            let backoff = Backoff::new();
            let (mut sum, mut got) = (0u64, 0u64);
            while got < share {
                match queue.try_pop() {
                    Some(v) => {
                        sum = sum.wrapping_add(v);
                        got += 1;
                        backoff.reset();
                    }
                    None => backoff.snooze(),
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

fn contend<Q: Contender>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    make: impl Fn() -> Q,
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| move_items(&Arc::new(make()), 2, 2))
                .sum()
        })
    });
}

/// One push then one pop on `queue`, from one thread.
fn push_pop<Q: Contender>(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, queue: Q) {
    group.bench_function(name, |b| {
        b.iter(|| {
            let _ = queue.try_push(black_box(1u64));
            black_box(queue.try_pop())
        })
    });
}

fn single_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("single_thread");
    group.throughput(Throughput::Elements(1));

    push_pop(&mut group, "spindle Queue", spindle_queue::Queue::new());
    push_pop(
        &mut group,
        "spindle BoundedQueue",
        spindle_queue::BoundedQueue::new(CAPACITY).unwrap(),
    );
    push_pop(
        &mut group,
        "crossbeam SegQueue",
        crossbeam_queue::SegQueue::new(),
    );
    push_pop(
        &mut group,
        "crossbeam ArrayQueue",
        crossbeam_queue::ArrayQueue::new(CAPACITY),
    );
    push_pop(
        &mut group,
        "concurrent-queue unbounded",
        concurrent_queue::ConcurrentQueue::unbounded(),
    );
    let (tx, rx) = crossbeam_channel::unbounded();
    push_pop(&mut group, "crossbeam-channel unbounded", Channel(tx, rx));
    let mut q = VecDeque::with_capacity(CAPACITY);
    group.bench_function("VecDeque (floor)", |b| {
        b.iter(|| {
            q.push_back(black_box(1u64));
            black_box(q.pop_front())
        })
    });
    group.finish();
}

fn unbounded_2p2c(c: &mut Criterion) {
    let mut group = c.benchmark_group("unbounded_2p2c");
    group.throughput(Throughput::Elements(ITEMS));
    // One untimed run of each first: whoever runs first in a process otherwise pays for fresh
    // pages and a cold machine (measured: up to 1.5x on the first contender).
    move_items(&Arc::new(spindle_queue::Queue::new()), 2, 2);
    move_items(&Arc::new(crossbeam_queue::SegQueue::new()), 2, 2);
    move_items(
        &Arc::new(concurrent_queue::ConcurrentQueue::unbounded()),
        2,
        2,
    );
    let (tx, rx) = crossbeam_channel::unbounded();
    move_items(&Arc::new(Channel(tx, rx)), 2, 2);
    contend(&mut group, "spindle Queue", spindle_queue::Queue::new);
    contend(
        &mut group,
        "crossbeam SegQueue",
        crossbeam_queue::SegQueue::new,
    );
    contend(
        &mut group,
        "concurrent-queue unbounded",
        concurrent_queue::ConcurrentQueue::unbounded,
    );
    contend(&mut group, "crossbeam-channel unbounded", || {
        let (tx, rx) = crossbeam_channel::unbounded();
        Channel(tx, rx)
    });
    group.finish();
}

fn bounded_2p2c(c: &mut Criterion) {
    let mut group = c.benchmark_group("bounded_2p2c");
    group.throughput(Throughput::Elements(ITEMS));
    contend(&mut group, "spindle BoundedQueue", || {
        spindle_queue::BoundedQueue::new(CAPACITY).unwrap()
    });
    contend(&mut group, "crossbeam ArrayQueue", || {
        crossbeam_queue::ArrayQueue::new(CAPACITY)
    });
    contend(&mut group, "concurrent-queue bounded", || {
        concurrent_queue::ConcurrentQueue::bounded(CAPACITY)
    });
    contend(&mut group, "crossbeam-channel bounded", || {
        let (tx, rx) = crossbeam_channel::bounded(CAPACITY);
        Channel(tx, rx)
    });
    group.finish();
}

/// One 2p2c run of a contender, freshly built, in ns per item.
fn per_item(run: fn() -> Duration) -> Box<dyn FnMut() -> f64> {
    Box::new(move || rounds::ns_per_op(run(), ITEMS))
}

fn rounds(_: &mut Criterion) {
    const ROUNDS: usize = 15;
    if rounds::quick_mode() {
        return;
    }
    rounds::interleaved(
        "unbounded_2p2c",
        "item",
        vec![
            (
                "crossbeam SegQueue",
                per_item(|| move_items(&Arc::new(crossbeam_queue::SegQueue::new()), 2, 2)),
            ),
            (
                "spindle Queue",
                per_item(|| move_items(&Arc::new(spindle_queue::Queue::new()), 2, 2)),
            ),
            (
                "concurrent-queue unbounded",
                per_item(|| {
                    move_items(
                        &Arc::new(concurrent_queue::ConcurrentQueue::unbounded()),
                        2,
                        2,
                    )
                }),
            ),
            (
                "crossbeam-channel unbounded",
                per_item(|| {
                    let (tx, rx) = crossbeam_channel::unbounded();
                    move_items(&Arc::new(Channel(tx, rx)), 2, 2)
                }),
            ),
        ],
        ROUNDS,
    );
    rounds::interleaved(
        "bounded_2p2c",
        "item",
        vec![
            (
                "crossbeam ArrayQueue",
                per_item(|| {
                    move_items(&Arc::new(crossbeam_queue::ArrayQueue::new(CAPACITY)), 2, 2)
                }),
            ),
            (
                "spindle BoundedQueue",
                per_item(|| {
                    move_items(
                        &Arc::new(spindle_queue::BoundedQueue::new(CAPACITY).unwrap()),
                        2,
                        2,
                    )
                }),
            ),
            (
                "concurrent-queue bounded",
                per_item(|| {
                    move_items(
                        &Arc::new(concurrent_queue::ConcurrentQueue::bounded(CAPACITY)),
                        2,
                        2,
                    )
                }),
            ),
            (
                "crossbeam-channel bounded",
                per_item(|| {
                    let (tx, rx) = crossbeam_channel::bounded(CAPACITY);
                    move_items(&Arc::new(Channel(tx, rx)), 2, 2)
                }),
            ),
        ],
        ROUNDS,
    );
}

criterion_group! {
    name = benches;
    config = config::short(Duration::from_millis(500), Duration::from_secs(2), 10, true);
    targets = single_thread, unbounded_2p2c, bounded_2p2c,
        blocking::blocking_bounded_2p2c, blocking::blocking_bounded_4p4c,
        blocking::blocking_unbounded_2p2c, blocking::blocking_unbounded_4p4c,
        blocking::cpu_summary, self::rounds
}
criterion_main!(benches);
