//! Spindle's async bridge against the crates async users pick today, in one run, on tokio.
//!
//! Every workload runs its tasks on a tokio `multi_thread` runtime with 2 workers (the
//! machine's cores); pools offloaded to have 2 threads too. Workloads, each a criterion group
//! (wall time per iteration, and CPU time of all the process's threads per operation,
//! printed at the end and recorded as [`CpuPerItem`]) and, after them, interleaved rounds:
//!
//! - `async_offload_job`: one tokio task awaits a trivial job run off the runtime, one job
//!   at a time: Spindle `pool.spawn(..)?.await` against `tokio::task::spawn_blocking` and
//!   `rayon` `spawn` plus a `tokio::sync::oneshot`, ns per job (mostly waking a sleeping
//!   thread, both ways);
//! - `async_mpmc_{bounded,unbounded}_2p2c`: 2 producer tasks and 2 consumer tasks move
//!   10^5 items through a queue of capacity 1024, or an unbounded one: Spindle
//!   `push_async` (bounded; the unbounded `push` never waits) and `pop_async` against kanal,
//!   flume and async-channel, ns per item;
//! - `async_from_threads_{bounded,unbounded}_2p2c`: 2 plain producer threads (blocking
//!   sends) and 2 consumer tasks, the same items: Spindle `push_blocking`/`push` and
//!   `pop_async` against kanal and flume, ns per item;
//! - `async_ask_round_trip`: one tokio task asks an actor for its next count, one ask at a
//!   time: Spindle `Remote::ask` (the actor on its own runtime thread) against the tokio actor
//!   pattern, an `mpsc` of requests each carrying a `oneshot` for the answer, with the actor
//!   loop on a thread of its own (a `current_thread` runtime: the same layout as Spindle's,
//!   every round trip crosses threads twice) and as a task on the asker's runtime. The
//!   latter is how tokio users often write it, and it is a different workload: tokio runs a
//!   task it just woke next on the same worker, so its round trips mostly stay on one thread
//!   and wake none. ns per round trip.
//!
//! Times are read where the work is: inside the task that awaits, or by the producers and
//! consumers themselves (the first producer's start, the last consumer's end), never by a
//! thread that has to be woken to see the end.
//!
//! Every consumer stops when its channel reports the end: for Spindle, the last producer
//! closes the queue; for the channels, the last sender is dropped. Each run checks that
//! every value arrived exactly once.
//!
//! In the rounds, Spindle is the first contender, so a peer's ratio above 1 means Spindle is
//! faster. Read the CPU table beside the wall times: a contender that spins where another
//! parks may win on wall time and lose on CPU. The rounds are skipped under `--list`,
//! `--test` and `--profile-time`; `SPINDLE_ASYNC_ONLY=offload,mpmc,threads,ask` (any of
//! them) runs only those workloads, criterion groups and rounds alike.

use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use spindle::actor::{Remote, Runtime as ActorRuntime};
use spindle::executor::ThreadPool;
use spindle::queue::{BoundedQueue, Queue};
use spindle_bench_support::results::{self, CpuPerItem, CpuRow, Table};
use spindle_bench_support::{config, rounds};
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, oneshot};

/// Worker threads of every runtime and pool.
const THREADS: usize = 2;
/// Items moved per run of the queue workloads.
const ITEMS: u64 = 100_000;
/// Capacity of the bounded queues and channels.
const CAPACITY: usize = 1024;
/// Producers and consumers of the queue workloads.
const PRODUCERS: usize = 2;
const CONSUMERS: usize = 2;
/// Jobs awaited per run of the offload rounds.
const JOBS: u64 = 1000;
/// Round trips per run of the ask rounds.
const ASKS: u64 = 2000;
/// Operations done untimed on a fresh pool or actor before it is timed: its threads started.
const WARM: u64 = 50;
/// Interleaved rounds per table.
const ROUNDS: usize = 15;

/// The runtime the tasks run on.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(THREADS)
        .build()
        .expect("build a tokio runtime")
}

/// Whether `SPINDLE_ASYNC_ONLY` (a comma-separated list) asks for `part`; unset: all parts.
fn wanted(part: &str) -> bool {
    config::wanted("SPINDLE_ASYNC_ONLY", part)
}

// ---------------------------------------------------------------------------------------------
// CPU time.

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

/// CPU ns per operation of every criterion run so far.
static CPU: Mutex<Vec<CpuRow>> = Mutex::new(Vec::new());

/// Benchmarks `name` in `group` (the criterion group `workload`): `run(iters)` does `iters`
/// iterations of `per_iter` operations each and returns their wall time. The CPU time of the
/// whole process around those runs, per operation, goes into [`CPU`].
fn contend(
    group: &mut BenchmarkGroup<'_, WallTime>,
    workload: &str,
    name: &str,
    per_iter: u64,
    mut run: impl FnMut(u64) -> Duration,
) {
    let (mut cpu, mut ops) = (Duration::ZERO, 0u64);
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let before = process_cpu_time();
            let wall = run(iters);
            cpu += process_cpu_time() - before;
            ops += iters * per_iter;
            wall
        })
    });
    // A run a criterion filter left out did nothing: nothing to record.
    if ops > 0 {
        CPU.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(CpuRow {
                group: workload.to_owned(),
                contender: name.to_owned(),
                cpu_ns: cpu.as_nanos() as f64 / ops as f64,
            });
    }
}

/// Prints the CPU time per operation of every criterion run, after criterion's wall-time
/// reports, and records it in the results file.
fn cpu_summary(_: &mut Criterion) {
    let rows = std::mem::take(&mut *CPU.lock().unwrap_or_else(PoisonError::into_inner));
    if rows.is_empty() || rounds::quick_mode() {
        return;
    }
    let table = CpuPerItem { rows };
    println!("\n{table}");
    results::record(Table::CpuPerItem(table));
}

// ---------------------------------------------------------------------------------------------
// A tokio task awaits a trivial job run off the runtime.

/// Where the offloaded jobs run.
enum Offload {
    Spindle(ThreadPool),
    SpawnBlocking,
    Rayon(rayon::ThreadPool),
}

/// An offload contender: a name and how to build its pool.
type OffloadContender = (&'static str, fn() -> Offload);

const OFFLOAD: &[OffloadContender] = &[
    ("spindle spawn + await JoinHandle", || {
        Offload::Spindle(ThreadPool::new(THREADS).expect("build a spindle pool"))
    }),
    ("tokio spawn_blocking", || Offload::SpawnBlocking),
    ("rayon spawn + tokio oneshot", || {
        Offload::Rayon(
            rayon::ThreadPoolBuilder::new()
                .num_threads(THREADS)
                .build()
                .expect("build a rayon pool"),
        )
    }),
];

impl Offload {
    /// Runs the trivial job `i` off the runtime and awaits its value.
    async fn job(&self, i: u64) -> u64 {
        match self {
            Offload::Spindle(pool) => pool
                .spawn(move || black_box(i))
                .expect("the pool is open")
                .await
                .expect("the job ran"),
            Offload::SpawnBlocking => tokio::task::spawn_blocking(move || black_box(i))
                .await
                .expect("the job ran"),
            Offload::Rayon(pool) => {
                let (tx, rx) = oneshot::channel();
                pool.spawn(move || {
                    let _ = tx.send(black_box(i));
                });
                rx.await.expect("the job ran")
            }
        }
    }
}

/// One task on `rt` awaits `jobs` jobs on `offload`, one after another: their wall time, timed
/// inside the task. Checks every job's value came back.
fn await_jobs(rt: &Runtime, offload: &Arc<Offload>, jobs: u64) -> Duration {
    let offload = Arc::clone(offload);
    rt.block_on(async move {
        tokio::spawn(async move {
            let start = Instant::now();
            let mut sum = 0u64;
            for i in 0..jobs {
                sum = sum.wrapping_add(offload.job(i).await);
            }
            let elapsed = start.elapsed();
            assert_eq!(
                sum,
                jobs * jobs.saturating_sub(1) / 2,
                "a job's value was lost"
            );
            elapsed
        })
        .await
        .expect("the awaiting task panicked")
    })
}

fn async_offload_job(c: &mut Criterion) {
    const GROUP: &str = "async_offload_job";
    if !wanted("offload") {
        return;
    }
    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(1));
    let rt = runtime();
    for &(name, make) in OFFLOAD {
        // One pool at a time: idle workers of one pool would take the next one's cores.
        let offload = Arc::new(make());
        await_jobs(&rt, &offload, WARM);
        contend(&mut group, GROUP, name, 1, |iters| {
            await_jobs(&rt, &offload, iters)
        });
    }
    group.finish();
}

fn offload_rounds() {
    let rt = runtime();
    let contenders = OFFLOAD
        .iter()
        .map(|&(name, make)| -> rounds::Contender<'_> {
            let rt = &rt;
            // A fresh pool per round, dropped after timing, as in benches/executor.rs.
            let run = move || {
                let offload = Arc::new(make());
                await_jobs(rt, &offload, WARM);
                rounds::ns_per_op(await_jobs(rt, &offload, JOBS), JOBS)
            };
            (name, Box::new(run))
        })
        .collect();
    rounds::interleaved(
        "async_offload_job: a tokio task awaits a trivial job run off the runtime, one at a time",
        "job",
        contenders,
        ROUNDS,
    );
}

// ---------------------------------------------------------------------------------------------
// The queue workloads: the ends each contender gives its producers and consumers.

/// The sending end a producer task drives.
trait AsyncSend: Send + 'static {
    /// Sends `value`, waiting asynchronously while the channel is full.
    fn send_item(&self, value: u64) -> impl Future<Output = ()> + Send + '_;
}

/// The sending end a producer thread drives.
trait SyncSend: Send + 'static {
    /// Sends `value`, blocking while the channel is full.
    fn send_item_blocking(&self, value: u64);
}

/// The receiving end a consumer task drives.
trait AsyncRecv: Send + 'static {
    /// The next value; `None` once the senders are done and the channel is drained.
    fn recv_item(&self) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// A Spindle queue's closing, which ends its consumers once drained.
trait Close: Send + Sync + 'static {
    fn close(&self);
}

impl Close for BoundedQueue<u64> {
    fn close(&self) {
        BoundedQueue::close(self);
    }
}

impl Close for Queue<u64> {
    fn close(&self) {
        Queue::close(self);
    }
}

/// A producer's end of a Spindle queue: the last one dropped closes the queue, as dropping the
/// last sender disconnects a channel.
struct SpindleTx<Q: Close> {
    queue: Arc<Q>,
    left: Arc<AtomicUsize>,
}

impl<Q: Close> Drop for SpindleTx<Q> {
    fn drop(&mut self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.queue.close();
        }
    }
}

/// `p` producer ends and `c` consumer ends of one Spindle queue.
fn spindle_ends<Q: Close>(queue: Q, p: usize, c: usize) -> (Vec<SpindleTx<Q>>, Vec<Arc<Q>>) {
    let queue = Arc::new(queue);
    let left = Arc::new(AtomicUsize::new(p));
    let txs = (0..p)
        .map(|_| SpindleTx {
            queue: Arc::clone(&queue),
            left: Arc::clone(&left),
        })
        .collect();
    let rxs = (0..c).map(|_| Arc::clone(&queue)).collect();
    (txs, rxs)
}

/// `p` clones of a channel's sender and `c` of its receiver; the originals go into the lists,
/// so dropping the lists' senders disconnects the channel.
fn channel_ends<T: Clone, R: Clone>(tx: T, rx: R, p: usize, c: usize) -> (Vec<T>, Vec<R>) {
    (vec![tx; p], vec![rx; c])
}

impl AsyncSend for SpindleTx<BoundedQueue<u64>> {
    async fn send_item(&self, value: u64) {
        self.queue
            .push_async(value)
            .await
            .expect("open until the producers are done");
    }
}

impl AsyncSend for SpindleTx<Queue<u64>> {
    // The unbounded queue never waits to push: the same plain `push` async code calls.
    async fn send_item(&self, value: u64) {
        self.queue
            .push(value)
            .expect("open until the producers are done");
    }
}

impl SyncSend for SpindleTx<BoundedQueue<u64>> {
    fn send_item_blocking(&self, value: u64) {
        self.queue
            .push_blocking(value)
            .expect("open until the producers are done");
    }
}

impl SyncSend for SpindleTx<Queue<u64>> {
    fn send_item_blocking(&self, value: u64) {
        self.queue
            .push(value)
            .expect("open until the producers are done");
    }
}

impl AsyncRecv for Arc<BoundedQueue<u64>> {
    async fn recv_item(&self) -> Option<u64> {
        self.pop_async().await.ok()
    }
}

impl AsyncRecv for Arc<Queue<u64>> {
    async fn recv_item(&self) -> Option<u64> {
        self.pop_async().await.ok()
    }
}

impl AsyncSend for kanal::AsyncSender<u64> {
    async fn send_item(&self, value: u64) {
        self.send(value).await.expect("a receiver is alive");
    }
}

impl SyncSend for kanal::Sender<u64> {
    fn send_item_blocking(&self, value: u64) {
        self.send(value).expect("a receiver is alive");
    }
}

impl AsyncRecv for kanal::AsyncReceiver<u64> {
    async fn recv_item(&self) -> Option<u64> {
        self.recv().await.ok()
    }
}

impl AsyncSend for flume::Sender<u64> {
    async fn send_item(&self, value: u64) {
        self.send_async(value).await.expect("a receiver is alive");
    }
}

impl SyncSend for flume::Sender<u64> {
    fn send_item_blocking(&self, value: u64) {
        self.send(value).expect("a receiver is alive");
    }
}

impl AsyncRecv for flume::Receiver<u64> {
    async fn recv_item(&self) -> Option<u64> {
        self.recv_async().await.ok()
    }
}

impl AsyncSend for async_channel::Sender<u64> {
    async fn send_item(&self, value: u64) {
        self.send(value).await.expect("a receiver is alive");
    }
}

impl AsyncRecv for async_channel::Receiver<u64> {
    async fn recv_item(&self) -> Option<u64> {
        self.recv().await.ok()
    }
}

/// What one consumer received, and when it saw the end.
struct Received {
    sum: u64,
    count: u64,
    done: Instant,
}

/// A consumer task's loop, until its channel reports the end.
async fn consume<R: AsyncRecv>(rx: R) -> Received {
    let (mut sum, mut count) = (0u64, 0u64);
    while let Some(v) = rx.recv_item().await {
        sum = sum.wrapping_add(v);
        count += 1;
    }
    Received {
        sum,
        count,
        done: Instant::now(),
    }
}

/// Checks that the consumers received every value `0..ITEMS` exactly once (by sum and count);
/// returns when the last of them saw the end.
fn check(received: &[Received]) -> Instant {
    let (sum, count) = received.iter().fold((0u64, 0u64), |(s, c), r| {
        (s.wrapping_add(r.sum), c + r.count)
    });
    assert_eq!(count, ITEMS, "items lost or duplicated");
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2, "items lost or duplicated");
    received
        .iter()
        .map(|r| r.done)
        .max()
        .expect("at least one consumer")
}

/// Awaits the consumer tasks.
async fn join_consumers(consumers: Vec<tokio::task::JoinHandle<Received>>) -> Vec<Received> {
    let mut received = Vec::with_capacity(consumers.len());
    for consumer in consumers {
        received.push(consumer.await.expect("a consumer task panicked"));
    }
    received
}

/// Moves `ITEMS` from one producer task per sender to one consumer task per receiver, all on
/// `rt`: the wall time from spawning the tasks to the last consumer's end. Both instants are
/// read on the runtime's threads, by the tasks themselves: a thread that wakes late to see the
/// end adds nothing.
fn tasks_to_tasks<T: AsyncSend, R: AsyncRecv>(
    rt: &Runtime,
    (txs, rxs): (Vec<T>, Vec<R>),
) -> Duration {
    let per_producer = ITEMS / txs.len() as u64;
    let (start, received) = rt.block_on(async move {
        tokio::spawn(async move {
            let start = Instant::now();
            let producers: Vec<_> = txs
                .into_iter()
                .enumerate()
                .map(|(p, tx)| {
                    tokio::spawn(async move {
                        let first = p as u64 * per_producer;
                        for v in first..first + per_producer {
                            tx.send_item(v).await;
                        }
                    })
                })
                .collect();
            let consumers = rxs
                .into_iter()
                .map(|rx| tokio::spawn(consume(rx)))
                .collect();
            let received = join_consumers(consumers).await;
            for producer in producers {
                producer.await.expect("a producer task panicked");
            }
            (start, received)
        })
        .await
        .expect("the spawning task panicked")
    });
    check(&received) - start
}

/// Moves `ITEMS` from one plain producer thread per sender to one consumer task per receiver
/// on `rt`: the wall time from the first producer's start to the last consumer's end. Each
/// producer reads its start after the barrier that lets them all go, so the bench thread being
/// descheduled around that barrier does not shorten the figure.
fn threads_to_tasks<T: SyncSend, R: AsyncRecv>(
    rt: &Runtime,
    (txs, rxs): (Vec<T>, Vec<R>),
) -> Duration {
    let per_producer = ITEMS / txs.len() as u64;
    let consumers = rxs.into_iter().map(|rx| rt.spawn(consume(rx))).collect();
    let go = Arc::new(Barrier::new(txs.len()));
    let producers: Vec<_> = txs
        .into_iter()
        .enumerate()
        .map(|(p, tx)| {
            let go = Arc::clone(&go);
            thread::spawn(move || {
                go.wait();
                let start = Instant::now();
                let first = p as u64 * per_producer;
                for v in first..first + per_producer {
                    tx.send_item_blocking(v);
                }
                start
            })
        })
        .collect();
    let received = rt.block_on(join_consumers(consumers));
    let start = producers
        .into_iter()
        .map(|p| p.join().expect("a producer thread panicked"))
        .min()
        .expect("at least one producer");
    check(&received) - start
}

/// One queue contender: a name and one run on the runtime given, returning its wall time.
type QueueRun = (&'static str, fn(&Runtime) -> Duration);

const MPMC_BOUNDED: &[QueueRun] = &[
    ("spindle BoundedQueue push_async + pop_async", |rt| {
        let queue = BoundedQueue::new(CAPACITY).expect("a valid capacity");
        tasks_to_tasks(rt, spindle_ends(queue, PRODUCERS, CONSUMERS))
    }),
    ("kanal bounded_async", |rt| {
        let (tx, rx) = kanal::bounded_async(CAPACITY);
        tasks_to_tasks(rt, channel_ends(tx, rx, PRODUCERS, CONSUMERS))
    }),
    ("flume bounded send_async + recv_async", |rt| {
        let (tx, rx) = flume::bounded(CAPACITY);
        tasks_to_tasks(rt, channel_ends(tx, rx, PRODUCERS, CONSUMERS))
    }),
    ("async-channel bounded", |rt| {
        let (tx, rx) = async_channel::bounded(CAPACITY);
        tasks_to_tasks(rt, channel_ends(tx, rx, PRODUCERS, CONSUMERS))
    }),
];

const MPMC_UNBOUNDED: &[QueueRun] = &[
    ("spindle Queue push + pop_async", |rt| {
        tasks_to_tasks(rt, spindle_ends(Queue::new(), PRODUCERS, CONSUMERS))
    }),
    ("kanal unbounded_async", |rt| {
        let (tx, rx) = kanal::unbounded_async();
        tasks_to_tasks(rt, channel_ends(tx, rx, PRODUCERS, CONSUMERS))
    }),
    ("flume unbounded send_async + recv_async", |rt| {
        let (tx, rx) = flume::unbounded();
        tasks_to_tasks(rt, channel_ends(tx, rx, PRODUCERS, CONSUMERS))
    }),
    ("async-channel unbounded", |rt| {
        let (tx, rx) = async_channel::unbounded();
        tasks_to_tasks(rt, channel_ends(tx, rx, PRODUCERS, CONSUMERS))
    }),
];

const THREADS_BOUNDED: &[QueueRun] = &[
    ("spindle BoundedQueue push_blocking + pop_async", |rt| {
        let queue = BoundedQueue::new(CAPACITY).expect("a valid capacity");
        threads_to_tasks(rt, spindle_ends(queue, PRODUCERS, CONSUMERS))
    }),
    ("kanal bounded, send + async recv", |rt| {
        let (tx, rx) = kanal::bounded(CAPACITY);
        threads_to_tasks(rt, channel_ends(tx, rx.to_async(), PRODUCERS, CONSUMERS))
    }),
    ("flume bounded send + recv_async", |rt| {
        let (tx, rx) = flume::bounded(CAPACITY);
        threads_to_tasks(rt, channel_ends(tx, rx, PRODUCERS, CONSUMERS))
    }),
];

const THREADS_UNBOUNDED: &[QueueRun] = &[
    ("spindle Queue push + pop_async", |rt| {
        threads_to_tasks(rt, spindle_ends(Queue::new(), PRODUCERS, CONSUMERS))
    }),
    ("kanal unbounded, send + async recv", |rt| {
        let (tx, rx) = kanal::unbounded();
        threads_to_tasks(rt, channel_ends(tx, rx.to_async(), PRODUCERS, CONSUMERS))
    }),
    ("flume unbounded send + recv_async", |rt| {
        let (tx, rx) = flume::unbounded();
        threads_to_tasks(rt, channel_ends(tx, rx, PRODUCERS, CONSUMERS))
    }),
];

/// The criterion group `name`: each contender's run, `ITEMS` items per iteration.
fn queue_group(c: &mut Criterion, name: &str, contenders: &[QueueRun]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(ITEMS));
    let rt = runtime();
    for &(contender, run) in contenders {
        contend(&mut group, name, contender, ITEMS, |iters| {
            (0..iters).map(|_| run(&rt)).sum()
        });
    }
    group.finish();
}

fn async_mpmc_bounded_2p2c(c: &mut Criterion) {
    if wanted("mpmc") {
        queue_group(c, "async_mpmc_bounded_2p2c", MPMC_BOUNDED);
    }
}

fn async_mpmc_unbounded_2p2c(c: &mut Criterion) {
    if wanted("mpmc") {
        queue_group(c, "async_mpmc_unbounded_2p2c", MPMC_UNBOUNDED);
    }
}

fn async_from_threads_bounded_2p2c(c: &mut Criterion) {
    if wanted("threads") {
        queue_group(c, "async_from_threads_bounded_2p2c", THREADS_BOUNDED);
    }
}

fn async_from_threads_unbounded_2p2c(c: &mut Criterion) {
    if wanted("threads") {
        queue_group(c, "async_from_threads_unbounded_2p2c", THREADS_UNBOUNDED);
    }
}

/// The rounds of one queue workload, on one runtime shared by its contenders.
fn queue_rounds(title: &str, contenders: &[QueueRun]) {
    let rt = runtime();
    let contenders = contenders
        .iter()
        .map(|&(name, run)| -> rounds::Contender<'_> {
            let rt = &rt;
            (name, Box::new(move || rounds::ns_per_op(run(rt), ITEMS)))
        })
        .collect();
    rounds::interleaved(title, "item", contenders, ROUNDS);
}

// ---------------------------------------------------------------------------------------------
// An actor's answer, awaited from a tokio task.

/// A request to the tokio actor: what to add, and where to send the new count.
type Request = (u64, oneshot::Sender<u64>);

/// The tokio actor pattern: a loop that owns the state and answers each request on its
/// oneshot, until every sender is gone.
async fn tokio_actor(mut requests: mpsc::Receiver<Request>) {
    let mut n = 0u64;
    while let Some((k, reply)) = requests.recv().await {
        n += k;
        let _ = reply.send(n);
    }
}

/// The asking end of an actor that counts.
#[derive(Clone)]
enum Asker {
    Spindle(Remote<u64>),
    Tokio(mpsc::Sender<Request>),
}

impl Asker {
    /// Asks the actor to count one more and awaits the new count.
    async fn ask(&self) -> u64 {
        match self {
            Asker::Spindle(remote) => remote
                .ask(|n, _| {
                    *n += 1;
                    *n
                })
                .await
                .expect("the actor is running"),
            Asker::Tokio(requests) => {
                let (reply, answer) = oneshot::channel();
                requests
                    .send((1, reply))
                    .await
                    .expect("the actor is running");
                answer.await.expect("the actor answers")
            }
        }
    }
}

/// An actor for one contender: its asker, and the thread it runs on, if it has its own. The
/// actor stops once the asker and its clones are gone.
struct CountingActor {
    /// `None` only while dropping.
    asker: Option<Asker>,
    thread: Option<thread::JoinHandle<()>>,
}

impl CountingActor {
    /// A Spindle actor on a runtime thread of its own.
    fn spindle(_: &Runtime) -> CountingActor {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = thread::spawn(move || {
            let mut rt = ActorRuntime::new();
            let counter = rt.spawn(|_| 0u64);
            tx.send(counter.remote())
                .expect("the bench waits for the remote");
            // Runs until the last `Remote` is gone.
            let _ = rt.run_until(|_| false);
        });
        let remote = rx.recv().expect("the runtime thread sends its remote");
        CountingActor {
            asker: Some(Asker::Spindle(remote)),
            thread: Some(thread),
        }
    }

    /// The tokio actor loop as a task on `rt`, beside the asking task.
    fn tokio_task(rt: &Runtime) -> CountingActor {
        let (tx, rx) = mpsc::channel(32);
        rt.spawn(tokio_actor(rx));
        CountingActor {
            asker: Some(Asker::Tokio(tx)),
            thread: None,
        }
    }

    /// The tokio actor loop on a thread of its own (a `current_thread` runtime), as Spindle's
    /// actor runs.
    fn tokio_thread(_: &Runtime) -> CountingActor {
        let (tx, rx) = mpsc::channel(32);
        let thread = thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("build a tokio runtime")
                .block_on(tokio_actor(rx));
        });
        CountingActor {
            asker: Some(Asker::Tokio(tx)),
            thread: Some(thread),
        }
    }

    /// One task on `rt` makes `asks` round trips, one after another: their wall time, timed
    /// inside the task. Checks that the answers counted up one by one.
    fn round_trips(&self, rt: &Runtime, asks: u64) -> Duration {
        let asker = self.asker.clone().expect("not dropped yet");
        rt.block_on(async move {
            tokio::spawn(async move {
                let start = Instant::now();
                let first = asker.ask().await;
                let mut last = first;
                for _ in 1..asks {
                    last = asker.ask().await;
                }
                let elapsed = start.elapsed();
                assert_eq!(last - first, asks.saturating_sub(1), "an ask was lost");
                elapsed
            })
            .await
            .expect("the asking task panicked")
        })
    }
}

impl Drop for CountingActor {
    fn drop(&mut self) {
        // The asker first: the actor stops once every asker is gone.
        drop(self.asker.take());
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the actor's thread panicked");
        }
    }
}

/// An ask contender: a name and how to start its actor.
type AskContender = (&'static str, fn(&Runtime) -> CountingActor);

const ASK: &[AskContender] = &[
    ("spindle Remote::ask", CountingActor::spindle),
    (
        "tokio mpsc + oneshot, actor thread",
        CountingActor::tokio_thread,
    ),
    (
        "tokio mpsc + oneshot, actor task",
        CountingActor::tokio_task,
    ),
];

fn async_ask_round_trip(c: &mut Criterion) {
    const GROUP: &str = "async_ask_round_trip";
    if !wanted("ask") {
        return;
    }
    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(1));
    let rt = runtime();
    for &(name, start) in ASK {
        let actor = start(&rt);
        actor.round_trips(&rt, WARM);
        contend(&mut group, GROUP, name, 1, |iters| {
            actor.round_trips(&rt, iters)
        });
    }
    group.finish();
}

fn ask_rounds() {
    let rt = runtime();
    let contenders = ASK
        .iter()
        .map(|&(name, start)| -> rounds::Contender<'_> {
            let rt = &rt;
            // A fresh actor per round, stopped after timing: no idle actor thread spins
            // while another contender is timed.
            let run = move || {
                let actor = start(rt);
                actor.round_trips(rt, WARM);
                rounds::ns_per_op(actor.round_trips(rt, ASKS), ASKS)
            };
            (name, Box::new(run))
        })
        .collect();
    rounds::interleaved(
        "async_ask_round_trip: a tokio task asks an actor for its next count, one at a time",
        "round trip",
        contenders,
        ROUNDS,
    );
}

// ---------------------------------------------------------------------------------------------

fn all_rounds(_: &mut Criterion) {
    if rounds::quick_mode() {
        return;
    }
    if wanted("offload") {
        offload_rounds();
    }
    if wanted("mpmc") {
        queue_rounds(
            "async_mpmc_bounded_2p2c: 2 producer + 2 consumer tasks, capacity 1024",
            MPMC_BOUNDED,
        );
        queue_rounds(
            "async_mpmc_unbounded_2p2c: 2 producer + 2 consumer tasks, unbounded",
            MPMC_UNBOUNDED,
        );
    }
    if wanted("threads") {
        queue_rounds(
            "async_from_threads_bounded_2p2c: 2 producer threads + 2 consumer tasks, capacity 1024",
            THREADS_BOUNDED,
        );
        queue_rounds(
            "async_from_threads_unbounded_2p2c: 2 producer threads + 2 consumer tasks, unbounded",
            THREADS_UNBOUNDED,
        );
    }
    if wanted("ask") {
        ask_rounds();
    }
}

criterion_group! {
    name = benches;
    // Plots off: rendering them took longer than the measuring (see benches/actor.rs).
    config = config::short(Duration::from_millis(200), Duration::from_secs(1), 10, false);
    targets = async_offload_job, async_mpmc_bounded_2p2c, async_mpmc_unbounded_2p2c,
        async_from_threads_bounded_2p2c, async_from_threads_unbounded_2p2c,
        async_ask_round_trip, cpu_summary, all_rounds
}
criterion_main!(benches);
