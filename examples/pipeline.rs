//! A three-stage pipeline with backpressure over `spindle::queue::BoundedQueue`.
//!
//! ```text
//! producer --BoundedQueue(64)--> parser --BoundedQueue(32)--> aggregator
//! ```
//!
//! Three threads pass one million 16-byte text records (`s042 -0123.4 *K\n`: sensor, reading
//! in tenths, checksum letter) down the line. The producer makes a record in a few
//! nanoseconds, far faster than the rest of the line takes it, so it keeps finding the first
//! queue full: `push_blocking` parks it until the parser makes room. That is the backpressure:
//! memory stays bounded by the capacities, whatever the producer's speed. The producer
//! measures it: how often it found the queue full, how long it was parked, and the records in
//! flight (made but not yet aggregated) after each push, which the example asserts never
//! exceeds `64 + 32 + 2` (the two queues plus the one record each consumer holds in hand).
//! When the producer is done it `close`s the first queue; the parser drains it, closes the
//! second, and the aggregator drains that.
//!
//! The same pipeline, the same code, then runs over std's `sync_channel` with the same
//! capacities, and a plain loop does the same work on one thread with no queue. All three
//! must produce the same per-sensor statistics (the example panics otherwise); a few records
//! are corrupted on purpose, and the parser must reject exactly those.
//!
//! Run with `cargo run --release --example pipeline`.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread;
use std::time::{Duration, Instant};

use spindle::queue::BoundedQueue;

#[path = "shared/xorshift.rs"]
mod xorshift;
use xorshift::XorShift;

/// Records the producer makes.
const ITEMS: u64 = 1_000_000;
/// Capacity of the producer -> parser queue.
const RAW_CAP: usize = 64;
/// Capacity of the parser -> aggregator queue.
const PARSED_CAP: usize = 32;
/// The most records that can be made but not yet aggregated: both queues full, plus the one
/// record the parser and the aggregator each hold between their pop and their push/count.
const IN_FLIGHT_BOUND: u64 = (RAW_CAP + PARSED_CAP + 2) as u64;
/// Sensors the readings come from.
const SENSORS: usize = 100;
/// Every this-many-th record gets a flipped bit, for the parser's checksum to catch.
const CORRUPT_EVERY: u64 = 250_000;
/// Runs of each pipeline (interleaved); the fastest is reported.
const RUNS: usize = 2;

/// A record on the wire: `s042 -0123.4 *K\n` (sensor, sign, reading, checksum letter).
#[derive(Clone, Copy)]
struct Raw([u8; 16]);

/// A parsed record.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Reading {
    sensor: u16,
    tenths: i32,
}

/// What the parser passes on: a reading, or `None` for a record it rejected (passed on too, so
/// the aggregator counts every record the producer made).
type Parsed = Option<Reading>;

/// The producer's work: record `i`, encoded as text (and corrupted every `CORRUPT_EVERY`).
#[inline]
fn produce(i: u64, rng: &mut XorShift) -> Raw {
    let r = rng.next();
    let sensor = (r % SENSORS as u64) as u32;
    let tenths = ((r >> 20) % 199_999) as i32 - 99_999;
    let mut b = *b"s000 +0000.0 *?\n";
    put_digits(&mut b[1..4], sensor);
    if tenths < 0 {
        b[5] = b'-';
    }
    let abs = tenths.unsigned_abs();
    put_digits(&mut b[6..10], abs / 10);
    b[11] = b'0' + (abs % 10) as u8;
    b[14] = checksum(&b[..14]);
    if i % CORRUPT_EVERY == CORRUPT_EVERY / 2 {
        b[8] ^= 1; // a flipped bit in transit
    }
    Raw(b)
}

fn put_digits(dst: &mut [u8], mut n: u32) {
    for d in dst.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn checksum(bytes: &[u8]) -> u8 {
    b'A' + (bytes.iter().map(|&b| u32::from(b)).sum::<u32>() % 26) as u8
}

fn digits(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// The parser's work: validate the layout and checksum, decode the fields.
#[inline]
fn parse(raw: &Raw) -> Parsed {
    let b = &raw.0;
    let layout_ok = b[0] == b's'
        && b[4] == b' '
        && b[10] == b'.'
        && b[12] == b' '
        && b[13] == b'*'
        && b[15] == b'\n';
    if !layout_ok || b[14] != checksum(&b[..14]) {
        return None;
    }
    let sensor = u16::try_from(digits(&b[1..4])?).ok()?;
    let abs = (digits(&b[6..10])? * 10 + digits(&b[11..12])?) as i32;
    let tenths = match b[5] {
        b'+' => abs,
        b'-' => -abs,
        _ => return None,
    };
    Some(Reading { sensor, tenths })
}

/// Per-sensor statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Stats {
    count: u64,
    sum: i64,
    min: i32,
    max: i32,
}

/// The aggregator's result.
#[derive(Clone, Debug, PartialEq)]
struct Summary {
    sensors: Vec<Stats>,
    rejected: u64,
}

impl Summary {
    fn new() -> Self {
        let empty = Stats {
            count: 0,
            sum: 0,
            min: i32::MAX,
            max: i32::MIN,
        };
        Summary {
            sensors: vec![empty; SENSORS],
            rejected: 0,
        }
    }

    /// The aggregator's work.
    #[inline]
    fn add(&mut self, parsed: Parsed) {
        match parsed {
            Some(r) => {
                let s = &mut self.sensors[usize::from(r.sensor)];
                s.count += 1;
                s.sum += i64::from(r.tenths);
                s.min = s.min.min(r.tenths);
                s.max = s.max.max(r.tenths);
            }
            None => self.rejected += 1,
        }
    }

    fn accepted(&self) -> u64 {
        self.sensors.iter().map(|s| s.count).sum()
    }
}

/// A bounded channel with blocking send and receive: what the pipeline needs, so the very same
/// pipeline code runs over spindle's `BoundedQueue` and over std's `sync_channel`.
trait Link {
    type Tx<T: Send + 'static>: Send + 'static;
    type Rx<T: Send + 'static>: Send + 'static;
    fn channel<T: Send + 'static>(capacity: usize) -> (Self::Tx<T>, Self::Rx<T>);
    /// Sends `value`, blocking while the channel is full. Returns how long it blocked, or
    /// `None` if there was room at once.
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Option<Duration>;
    /// The next value, blocking while the channel is empty; `None` once it is closed and
    /// drained.
    fn recv<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<T>;
    /// Ends the stream: the receiver drains what was sent, then sees the end.
    fn close<T: Send + 'static>(tx: Self::Tx<T>);
}

/// `spindle::queue::BoundedQueue`: `push` (counting a full queue), `push_blocking`,
/// `pop_blocking`, `close`.
struct Spindle;

impl Link for Spindle {
    type Tx<T: Send + 'static> = Arc<BoundedQueue<T>>;
    type Rx<T: Send + 'static> = Arc<BoundedQueue<T>>;

    fn channel<T: Send + 'static>(capacity: usize) -> (Self::Tx<T>, Self::Rx<T>) {
        let queue = Arc::new(BoundedQueue::new(capacity).expect("a nonzero capacity"));
        (Arc::clone(&queue), queue)
    }

    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Option<Duration> {
        match tx.push(value) {
            Ok(()) => None,
            Err(full) => {
                let t = Instant::now();
                tx.push_blocking(full.into_inner())
                    .unwrap_or_else(|_| panic!("only the sender closes the queue"));
                Some(t.elapsed())
            }
        }
    }

    #[inline]
    fn recv<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<T> {
        rx.pop_blocking().ok()
    }

    fn close<T: Send + 'static>(tx: Self::Tx<T>) {
        tx.close();
    }
}

/// `std::sync::mpsc::sync_channel`: `try_send` (counting a full channel), `send`, `recv`, and
/// dropping the sender to end the stream.
struct StdSync;

impl Link for StdSync {
    type Tx<T: Send + 'static> = SyncSender<T>;
    type Rx<T: Send + 'static> = Receiver<T>;

    fn channel<T: Send + 'static>(capacity: usize) -> (Self::Tx<T>, Self::Rx<T>) {
        mpsc::sync_channel(capacity)
    }

    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Option<Duration> {
        match tx.try_send(value) {
            Ok(()) => None,
            Err(TrySendError::Full(value)) => {
                let t = Instant::now();
                tx.send(value).expect("the receiver outlives the sender");
                Some(t.elapsed())
            }
            Err(TrySendError::Disconnected(_)) => panic!("the receiver outlives the sender"),
        }
    }

    #[inline]
    fn recv<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }

    fn close<T: Send + 'static>(tx: Self::Tx<T>) {
        drop(tx);
    }
}

/// What one pipeline run measured.
struct Run {
    elapsed: Duration,
    summary: Summary,
    /// Most records made but not yet aggregated, as the producer saw it after each push.
    max_in_flight: u64,
    /// Pushes that found the first queue full.
    stalls: u64,
    /// Time the producer spent blocked in those pushes.
    blocked: Duration,
    /// When the producer had pushed its last record, from the start.
    producer_done: Duration,
}

/// Runs producer -> parser -> aggregator on three threads over `L`'s channels.
fn run_pipeline<L: Link>() -> Run {
    let (raw_tx, raw_rx) = L::channel::<Raw>(RAW_CAP);
    let (parsed_tx, parsed_rx) = L::channel::<Parsed>(PARSED_CAP);
    // Written by the aggregator only; the producer reads it to measure what is in flight.
    let aggregated = Arc::new(AtomicU64::new(0));
    let start = Instant::now();

    let producer = {
        let aggregated = Arc::clone(&aggregated);
        thread::spawn(move || {
            let mut rng = XorShift(0x0DDB_A11C_AFE5_EED5);
            let (mut max_in_flight, mut stalls, mut blocked) = (0, 0, Duration::ZERO);
            for i in 0..ITEMS {
                if let Some(waited) = L::send(&raw_tx, produce(i, &mut rng)) {
                    stalls += 1;
                    blocked += waited;
                }
                let in_flight = i + 1 - aggregated.load(Ordering::Acquire);
                max_in_flight = max_in_flight.max(in_flight);
            }
            L::close(raw_tx);
            (max_in_flight, stalls, blocked, start.elapsed())
        })
    };
    let parser = thread::spawn(move || {
        while let Some(raw) = L::recv(&raw_rx) {
            L::send(&parsed_tx, parse(&raw));
        }
        L::close(parsed_tx);
    });
    let aggregator = thread::spawn(move || {
        let mut summary = Summary::new();
        let mut n = 0;
        while let Some(parsed) = L::recv(&parsed_rx) {
            summary.add(parsed);
            n += 1;
            aggregated.store(n, Ordering::Release);
        }
        summary
    });

    let (max_in_flight, stalls, blocked, producer_done) =
        producer.join().expect("producer panicked");
    parser.join().expect("parser panicked");
    let summary = aggregator.join().expect("aggregator panicked");
    Run {
        elapsed: start.elapsed(),
        summary,
        max_in_flight,
        stalls,
        blocked,
        producer_done,
    }
}

/// The same work on one thread, no queues: the reference result.
fn sequential() -> (Summary, Duration) {
    let start = Instant::now();
    let mut rng = XorShift(0x0DDB_A11C_AFE5_EED5);
    let mut summary = Summary::new();
    for i in 0..ITEMS {
        summary.add(parse(&produce(i, &mut rng)));
    }
    (black_box(summary), start.elapsed())
}

/// The producer's work alone: how fast it would go if nothing held it back.
fn produce_only() -> Duration {
    let start = Instant::now();
    let mut rng = XorShift(0x0DDB_A11C_AFE5_EED5);
    for i in 0..ITEMS {
        black_box(produce(i, &mut rng));
    }
    start.elapsed()
}

/// Checks a pipeline run against the reference and the backpressure bound.
fn check(name: &str, run: &Run, reference: &Summary) {
    assert_eq!(&run.summary, reference, "{name}: wrong statistics");
    assert!(
        run.max_in_flight <= IN_FLIGHT_BOUND,
        "{name}: {} records in flight, more than the queues can hold ({IN_FLIGHT_BOUND})",
        run.max_in_flight
    );
}

fn ns_per_item(d: Duration) -> f64 {
    d.as_nanos() as f64 / ITEMS as f64
}

fn main() {
    let (reference, _) = sequential(); // warm-up, and the reference result
    assert_eq!(
        reference.rejected,
        ITEMS / CORRUPT_EVERY,
        "every corrupt record rejected"
    );
    assert_eq!(reference.accepted() + reference.rejected, ITEMS);

    let mut best: [Option<Run>; 2] = [None, None];
    for _ in 0..RUNS {
        let runs = [run_pipeline::<Spindle>(), run_pipeline::<StdSync>()];
        for ((slot, run), name) in best.iter_mut().zip(runs).zip(["spindle", "std"]) {
            check(name, &run, &reference);
            if slot.as_ref().is_none_or(|b| run.elapsed < b.elapsed) {
                *slot = Some(run);
            }
        }
    }
    let [Some(ours), Some(std)] = best else {
        unreachable!("RUNS > 0")
    };
    let seq_time = (0..RUNS).map(|_| sequential().1).min().expect("RUNS > 0");
    let produce_time = (0..RUNS).map(|_| produce_only()).min().expect("RUNS > 0");

    println!(
        "pipeline: producer -> parser -> aggregator, {ITEMS} records of 16 bytes, {SENSORS} \
         sensors, {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "queues: raw capacity {RAW_CAP}, parsed capacity {PARSED_CAP}; in-flight bound \
         {RAW_CAP} + {PARSED_CAP} + 2 = {IN_FLIGHT_BOUND}"
    );
    println!(
        "results: {} readings aggregated, {} corrupt records rejected, statistics equal to \
         the sequential run (e.g. sensor 0: {:?})",
        reference.accepted(),
        reference.rejected,
        reference.sensors[0]
    );

    println!(
        "\n{:<34} {:>9} {:>8} {:>10} {:>10} {:>9} {:>9} {:>10}",
        format!("run (best of {RUNS})"),
        "time",
        "ns/rec",
        "rec/s",
        "in flight",
        "stalls",
        "blocked",
        "producer"
    );
    let row = |name: &str, run: &Run| {
        println!(
            "{name:<34} {:>9.2?} {:>8.1} {:>10.0} {:>10} {:>9} {:>8.0}% {:>9.0}%",
            run.elapsed,
            ns_per_item(run.elapsed),
            1e9 / ns_per_item(run.elapsed),
            format!("max {}", run.max_in_flight),
            run.stalls,
            100.0 * run.blocked.as_secs_f64() / run.producer_done.as_secs_f64(),
            100.0 * run.producer_done.as_secs_f64() / run.elapsed.as_secs_f64(),
        );
    };
    row("spindle BoundedQueue, 3 threads", &ours);
    row("std sync_channel, 3 threads", &std);
    println!(
        "{:<34} {:>9.2?} {:>8.1} {:>10.0}",
        "sequential, 1 thread, no queues",
        seq_time,
        ns_per_item(seq_time),
        1e9 / ns_per_item(seq_time)
    );
    println!(
        "(stalls: pushes that found the raw queue full; blocked: share of the producer's time \
         parked in them;\n producer: when it pushed its last record, as a share of the run)"
    );

    println!(
        "\nbackpressure: alone, the producer makes a record every {:.1} ns; in the spindle \
         pipeline it was paced\nto one every {:.1} ns, found the queue full {} times ({:.0}% of \
         pushes), and never had more than {} records in flight.",
        ns_per_item(produce_time),
        ns_per_item(ours.producer_done),
        ours.stalls,
        100.0 * ours.stalls as f64 / ITEMS as f64,
        ours.max_in_flight
    );
    println!(
        "throughput: spindle {:.2}x std sync_channel ({:.1} vs {:.1} ns/record); the sequential \
         loop shows what\nthe two queue hand-offs per record cost at this grain ({:.1} ns/record of \
         work).",
        std.elapsed.as_secs_f64() / ours.elapsed.as_secs_f64(),
        ns_per_item(ours.elapsed),
        ns_per_item(std.elapsed),
        ns_per_item(seq_time)
    );
}
