//! The blocking workloads: producers and consumers that park when the queue is full or empty,
//! as channel users do. Consumers take values until the queue reports closed (spindle) or
//! disconnected (channels), which happens when the last producer is done.
//!
//! Besides criterion's wall time, each run reads the process's CPU time
//! (`CLOCK_PROCESS_CPUTIME_ID`, all threads), and [`cpu_summary`] prints CPU ns per item: a
//! queue that spins where it should park shows up there even when its wall time looks good.
//! The summary is recorded in the bench's results file too ([`results::CpuPerItem`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use spindle_bench_support::results::{self, CpuPerItem, CpuRow, Table};
use spindle_queue::{BoundedQueue, Queue};

use crate::{CAPACITY, ITEMS};

/// CPU time this process has used, on all its threads.
fn process_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU ns per item of every blocking run so far.
static CPU: Mutex<Vec<CpuRow>> = Mutex::new(Vec::new());

/// Closes a spindle queue when the last producer holding one of these is dropped, as dropping
/// the last `Sender` disconnects a channel.
struct LastProducerCloses<Q: Blocking> {
    queue: Arc<Q>,
    left: Arc<AtomicUsize>,
}

/// A spindle queue as the blocking workloads drive it.
trait Blocking: Send + Sync + 'static {
    /// Pushes, waiting while full.
    fn send(&self, value: u64);
    /// Pops, waiting while empty; `None` once closed and drained.
    fn recv(&self) -> Option<u64>;
    fn close(&self);
}

/// `impl Blocking` for each spindle queue from its blocking push and pop (their `Result`s
/// unwrapped and turned into an `Option`) and its `close`.
macro_rules! blocking {
    ($($ty:ty: $push:ident, $pop:ident;)+) => {$(
        impl Blocking for $ty {
            fn send(&self, value: u64) {
                self.$push(value).unwrap();
            }
            fn recv(&self) -> Option<u64> {
                self.$pop().ok()
            }
            fn close(&self) {
                <$ty>::close(self);
            }
        }
    )+};
}

blocking! {
    BoundedQueue<u64>: push_blocking, pop_blocking;
    Queue<u64>: push, pop_blocking;
}

impl<Q: Blocking> Drop for LastProducerCloses<Q> {
    fn drop(&mut self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.queue.close();
        }
    }
}

type Producer = Box<dyn FnMut(u64) + Send>;
type Consumer = Box<dyn FnMut() -> Option<u64> + Send>;

/// Moves `ITEMS` from the producers to the consumers; returns (wall, CPU) time and checks that
/// every value arrived exactly once (by sum and count).
fn move_items(producers: Vec<Producer>, consumers: Vec<Consumer>) -> (Duration, Duration) {
    let per_producer = ITEMS / producers.len() as u64;
    let start = Arc::new(Barrier::new(producers.len() + consumers.len() + 1));
    let mut handles = Vec::new();
    for (p, mut send) in producers.into_iter().enumerate() {
        let start = Arc::clone(&start);
        handles.push(thread::spawn(move || {
            start.wait();
            for i in 0..per_producer {
                send(p as u64 * per_producer + i);
            }
            (0, 0)
        }));
    }
    for mut recv in consumers {
        let start = Arc::clone(&start);
        handles.push(thread::spawn(move || {
            start.wait();
            let (mut sum, mut count) = (0u64, 0u64);
            while let Some(v) = recv() {
                sum = sum.wrapping_add(v);
                count += 1;
            }
            (sum, count)
        }));
    }
    start.wait();
    let (wall, cpu) = (Instant::now(), process_cpu_time());
    let (sum, count) = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold((0u64, 0u64), |(s, c), (s2, c2)| {
            (s.wrapping_add(s2), c + c2)
        });
    let elapsed = (wall.elapsed(), process_cpu_time() - cpu);
    let total = per_producer * (ITEMS / per_producer);
    assert_eq!(count, total, "items lost or duplicated");
    assert_eq!(sum, total * (total - 1) / 2, "items lost or duplicated");
    elapsed
}

/// Builds fresh producer and consumer ends for one run.
type Setup = fn(usize, usize) -> (Vec<Producer>, Vec<Consumer>);

/// `p` producers and `c` consumers on one spindle queue; the last producer done closes it.
fn spindle_ends<Q: Blocking>(queue: Q, p: usize, c: usize) -> (Vec<Producer>, Vec<Consumer>) {
    let queue = Arc::new(queue);
    let left = Arc::new(AtomicUsize::new(p));
    let producers = (0..p)
        .map(|_| -> Producer {
            let closer = LastProducerCloses {
                queue: Arc::clone(&queue),
                left: Arc::clone(&left),
            };
            Box::new(move |v| closer.queue.send(v))
        })
        .collect();
    let consumers = (0..c)
        .map(|_| -> Consumer {
            let queue = Arc::clone(&queue);
            Box::new(move || queue.recv())
        })
        .collect();
    (producers, consumers)
}

fn spindle_bounded(p: usize, c: usize) -> (Vec<Producer>, Vec<Consumer>) {
    spindle_ends(BoundedQueue::new(CAPACITY).unwrap(), p, c)
}

fn spindle_unbounded(p: usize, c: usize) -> (Vec<Producer>, Vec<Consumer>) {
    spindle_ends(Queue::new(), p, c)
}

fn crossbeam_ends(
    (tx, rx): (
        crossbeam_channel::Sender<u64>,
        crossbeam_channel::Receiver<u64>,
    ),
    p: usize,
    c: usize,
) -> (Vec<Producer>, Vec<Consumer>) {
    let producers = (0..p)
        .map(|_| -> Producer {
            let tx = tx.clone();
            Box::new(move |v| tx.send(v).unwrap())
        })
        .collect();
    let consumers = (0..c)
        .map(|_| -> Consumer {
            let rx = rx.clone();
            Box::new(move || rx.recv().ok())
        })
        .collect();
    (producers, consumers)
}

fn crossbeam_bounded(p: usize, c: usize) -> (Vec<Producer>, Vec<Consumer>) {
    crossbeam_ends(crossbeam_channel::bounded(CAPACITY), p, c)
}

fn crossbeam_unbounded(p: usize, c: usize) -> (Vec<Producer>, Vec<Consumer>) {
    crossbeam_ends(crossbeam_channel::unbounded(), p, c)
}

/// std's receivers are single-consumer: consumers share one behind a mutex, as std users must.
fn std_ends<S: Clone + Send + 'static>(
    tx: S,
    rx: mpsc::Receiver<u64>,
    send: fn(&S, u64),
    p: usize,
    c: usize,
) -> (Vec<Producer>, Vec<Consumer>) {
    let rx = Arc::new(Mutex::new(rx));
    let producers = (0..p)
        .map(|_| -> Producer {
            let tx = tx.clone();
            Box::new(move |v| send(&tx, v))
        })
        .collect();
    let consumers = (0..c)
        .map(|_| -> Consumer {
            let rx = Arc::clone(&rx);
            Box::new(move || rx.lock().unwrap().recv().ok())
        })
        .collect();
    (producers, consumers)
}

fn std_sync_channel(p: usize, c: usize) -> (Vec<Producer>, Vec<Consumer>) {
    let (tx, rx) = mpsc::sync_channel(CAPACITY);
    std_ends(tx, rx, |tx, v| tx.send(v).unwrap(), p, c)
}

fn std_channel(p: usize, c: usize) -> (Vec<Producer>, Vec<Consumer>) {
    let (tx, rx) = mpsc::channel();
    std_ends(tx, rx, |tx, v| tx.send(v).unwrap(), p, c)
}

fn contend(
    group: &mut BenchmarkGroup<'_, WallTime>,
    workload: &str,
    name: &str,
    threads: usize,
    setup: Setup,
) {
    let (mut cpu, mut items) = (Duration::ZERO, 0u64);
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut wall = Duration::ZERO;
            for _ in 0..iters {
                let (producers, consumers) = setup(threads, threads);
                let (w, c) = move_items(producers, consumers);
                wall += w;
                cpu += c;
                items += ITEMS;
            }
            wall
        })
    });
    // A run a criterion filter left out moved no items: nothing to record.
    if items > 0 {
        CPU.lock().unwrap().push(CpuRow {
            group: workload.to_owned(),
            contender: name.to_owned(),
            cpu_ns: cpu.as_nanos() as f64 / items as f64,
        });
    }
}

fn workload(c: &mut Criterion, name: &str, threads: usize, contenders: &[(&str, Setup)]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(ITEMS));
    // One untimed run of each first, so none pays alone for a cold start.
    for &(_, setup) in contenders {
        let (producers, consumers) = setup(threads, threads);
        move_items(producers, consumers);
    }
    for &(contender, setup) in contenders {
        contend(&mut group, name, contender, threads, setup);
    }
    group.finish();
}

const BOUNDED: &[(&str, Setup)] = &[
    ("spindle BoundedQueue", spindle_bounded),
    ("crossbeam-channel bounded", crossbeam_bounded),
    ("std sync_channel", std_sync_channel),
];

const UNBOUNDED: &[(&str, Setup)] = &[
    ("spindle Queue", spindle_unbounded),
    ("crossbeam-channel unbounded", crossbeam_unbounded),
    ("std channel", std_channel),
];

pub(crate) fn blocking_bounded_2p2c(c: &mut Criterion) {
    workload(c, "blocking_bounded_2p2c", 2, BOUNDED);
}

pub(crate) fn blocking_bounded_4p4c(c: &mut Criterion) {
    workload(c, "blocking_bounded_4p4c", 4, BOUNDED);
}

pub(crate) fn blocking_unbounded_2p2c(c: &mut Criterion) {
    workload(c, "blocking_unbounded_2p2c", 2, UNBOUNDED);
}

pub(crate) fn blocking_unbounded_4p4c(c: &mut Criterion) {
    workload(c, "blocking_unbounded_4p4c", 4, UNBOUNDED);
}

/// Prints the CPU time per item of every blocking run, after criterion's wall-time reports,
/// and records it in the results file.
pub(crate) fn cpu_summary(_: &mut Criterion) {
    let rows = std::mem::take(&mut *CPU.lock().unwrap());
    if rows.is_empty() || spindle_bench_support::rounds::quick_mode() {
        return;
    }
    let table = CpuPerItem { rows };
    println!("\n{table}");
    results::record(Table::CpuPerItem(table));
}
