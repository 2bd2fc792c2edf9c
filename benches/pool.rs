//! spindle-pool against messaging_thread_pool 5.0 and a hand-rolled crossbeam pool, in one run,
//! all with 2 threads (the machine's cores) holding the same 1000 counter items (ids 0..1000,
//! created once before any timing, thread `id % 2`).
//!
//! Workloads:
//! - `batch`: one `send_and_receive` of 200 000 trivial requests (`IncRequest(id, 1)`, adding 1
//!   to the item's `u64` count and returning it; ids round-robin over the 1000 items), every
//!   response consumed: ns per message (criterion's throughput counts messages). spindle-pool
//!   answers in request order, messaging_thread_pool in completion order; the baseline puts its
//!   replies back in request order. Baseline: 2 threads each owning a `HashMap<u64, Item>`, one
//!   unbounded crossbeam channel per thread carrying one `(slot, request)` message per request,
//!   one reply channel back to the caller (`pool/baseline.rs`);
//! - `round_trip`: one `send_and_receive_once(IncRequest(7, 1))`: µs per round trip, the
//!   caller and the item's thread waking each other once each;
//! - `rounds` (printed, not a criterion group): `batch` and `round_trip` again, every contender
//!   once per round in rotating order, 15 rounds, each contender keeping its pool across
//!   rounds: median ns per message (µs per round trip) and the median per-round ratio to
//!   spindle-pool (the first contender). The printed ratio is contender/Spindle: above 1 means
//!   Spindle is faster. On this noisy 2-core machine a contender's criterion samples all fall
//!   in one stretch of time; the per-round ratio cancels most of the swing;
//! - `break_even` (printed): when does a 2-thread pool beat one thread? Each request now burns
//!   W of CPU in the item's method (`SpinRequest(id, iters)`: a dependent multiply-add chain
//!   through `black_box`, `iters` calibrated at start-up to W; W = 0 is the trivial
//!   `IncRequest`), for W = 0, 100 ns, 300 ns, 1, 3, 10, 30 and 100 µs. A batch of n requests
//!   over the 1000 items (n = 200 000, fewer for large W so one batch stays near 100 ms of
//!   work) is sent with one `send_and_receive`, repeated until ~100 ms have passed; the same
//!   requests done by the bench thread alone, calling each item's method directly on a
//!   `Vec` of items (no pool, no messages), are the 1-thread figure. Wall ns per request,
//!   median of 5 interleaved runs, and the speedup over 1 thread (above 1: the pool wins);
//!   then, per pool, the smallest W measured where it wins and where the crossing lies,
//!   interpolating linearly in (pool − 1 thread) ns per request between the grid points.
//!
//! - `two_level` (printed): pools of pools, the case messaging_thread_pool was written for. A
//!   top pool (2 threads) of 4 `Branch` items, each owning its own pool of 64 `Leaf` items
//!   (2 threads), created in the branch's constructor and shut down in its shutdown hook; one
//!   call sends 4 `BumpAllRequest`s to the top pool and each branch answers with one
//!   `send_and_receive` of 64 requests to its leaves: ns per leaf request, 200 calls per round,
//!   interleaved rounds. The item code is written once against messaging_thread_pool's names
//!   (`pool/two_level.rs`) and compiled twice, Spindle's copy through `spindle::pool::compat`.
//!
//! The rounds and the break-even table are skipped under `--list`, `--test` and
//! `--profile-time`; `SPINDLE_POOL_ONLY=rounds,two_level,break_even` (any of them) runs only
//! those. Criterion's plots are off; its estimates are still saved under
//! `target/criterion`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

use spindle_bench_support::results::{self, BreakEven, BreakEvenRow, Crossing, Load, Table};
use spindle_bench_support::{config, rounds};

#[path = "pool/baseline.rs"]
mod baseline;
#[path = "pool/item.rs"]
mod item;
#[path = "pool/two_level.rs"]
mod two_level;

/// The bench item for spindle-pool, reached through the facade (`#[pool_item]` finds it).
mod sp {
    use spindle::pool::{IdTargeted, pool_item};
    crate::item::counter_item!(#[pool_item]);
}

/// The same item for messaging_thread_pool 5.0, through its own `#[pool_item]`.
mod mtp {
    use messaging_thread_pool::{IdTargeted, pool_item};
    crate::item::counter_item!(#[pool_item]);
}

/// The two-level items for spindle-pool, written against messaging_thread_pool's names
/// (`spindle::pool::compat`): only this `use` line differs from `mtp2`'s.
mod sp2 {
    use spindle::pool::compat::{IdTargeted, ThreadPool, ThreadShutdownResponse, pool_item};
    crate::two_level::two_level_items!();
    /// The top pool, as the bench holds it.
    pub(crate) struct TopPool(pub(crate) ThreadPool<Branch>);
    impl TopPool {
        pub(crate) fn make() -> ThreadPool<Branch> {
            ThreadPool::<Branch>::new(2)
        }
    }
}

/// The same two-level items for messaging_thread_pool 5.0.
mod mtp2 {
    use messaging_thread_pool::{IdTargeted, ThreadPool, ThreadShutdownResponse, pool_item};
    crate::two_level::two_level_items!();
    /// The top pool, as the bench holds it.
    pub(crate) struct TopPool(pub(crate) ThreadPool<Branch>);
    impl TopPool {
        pub(crate) fn make() -> ThreadPool<Branch> {
            ThreadPool::<Branch>::new(2)
        }
    }
}

/// Picks the printed sections: `SPINDLE_POOL_ONLY=rounds,two_level,break_even` (any of them;
/// unset: all). The criterion groups are picked by criterion's own filter.
const ONLY: &str = "SPINDLE_POOL_ONLY";

/// Threads in every pool.
const THREADS: usize = 2;
/// Items in every pool: ids `0..ITEMS`.
const ITEMS: u64 = 1000;
/// Requests per `batch` iteration.
const BATCH: u64 = 200_000;
/// The item the round trips address.
const ROUND_TRIP_ID: u64 = 7;
/// Round trips per contender per interleaved round.
const ROUND_TRIPS: u64 = 2000;
/// Interleaved rounds.
const ROUNDS: usize = 15;
/// Busy work per request in the break-even table, in ns.
const WORK_NS: [u64; 8] = [0, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000];
/// Wall time each break-even figure runs for, at least (whole batches).
const BREAK_EVEN_BUDGET: Duration = Duration::from_millis(100);
/// Interleaved runs per break-even figure (the median is printed).
const BREAK_EVEN_RUNS: usize = 5;

/// `iters` steps of a dependent multiply-add chain, each through `black_box`: CPU work that
/// cannot be folded away or vectorised. Calibrated by [`iters_per_ns`].
#[inline(never)]
fn burn(iters: u64) -> u64 {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..iters {
        x = black_box(x)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
    }
    x
}

/// How many `burn` iterations run per ns on this thread: the best of several timed runs.
fn iters_per_ns() -> f64 {
    const ITERS: u64 = 4_000_000;
    let best = (0..7)
        .map(|_| {
            let start = Instant::now();
            black_box(burn(black_box(ITERS)));
            start.elapsed()
        })
        .min()
        .unwrap();
    ITERS as f64 / best.as_nanos() as f64
}

/// Checks a stream of results has `n` entries and folds them, so none is optimised away.
fn fold(results: impl Iterator<Item = u64>, n: u64) -> u64 {
    let (count, sum) = results.fold((0u64, 0u64), |(c, s), r| (c + 1, s.wrapping_add(r)));
    assert_eq!(count, n, "every request answered");
    sum
}

// ---------------------------------------------------------------------------------------------
// The contenders, behind one interface.

/// A pool holding items `0..ITEMS` on `THREADS` threads.
trait Pool {
    /// One call of `n` requests, ids `i % ITEMS`, all responses consumed: `IncRequest(id, 1)`
    /// when `iters` is 0, else `SpinRequest(id, iters)`.
    fn batch(&mut self, n: u64, iters: u64) -> u64;

    /// One `IncRequest(ROUND_TRIP_ID, 1)` round trip.
    fn round_trip(&mut self) -> u64;
}

type SpindlePool = spindle::pool::ItemPool<sp::Counter>;
type MtpPool = messaging_thread_pool::ThreadPool<mtp::Counter>;

/// spindle-pool with its items, checked: responses come back in request order.
fn spindle_pool() -> SpindlePool {
    let pool = SpindlePool::new(THREADS).expect("the bench pool");
    let added = pool
        .send_and_receive((0..ITEMS).map(sp::CounterInit))
        .unwrap();
    assert!(added.map(|a| a.id()).eq(0..ITEMS));
    let counts: Vec<u64> = pool
        .send_and_receive((0..4).map(|i| sp::IncRequest(i % 2, 1)))
        .unwrap()
        .map(|r| r.result)
        .collect();
    assert_eq!(counts, [1, 1, 2, 2]);
    pool
}

/// messaging_thread_pool with its items.
fn mtp_pool() -> MtpPool {
    let pool = MtpPool::new(THREADS as u64);
    let added = pool
        .send_and_receive((0..ITEMS).map(mtp::CounterInit))
        .unwrap();
    assert_eq!(added.filter(|a| a.result().is_ok()).count() as u64, ITEMS);
    pool
}

/// `Pool` for a `#[pool_item]` pool of `$item::Counter`: spindle-pool and messaging_thread_pool
/// take the same requests through the same calls.
macro_rules! item_pool {
    ($pool:ty, $item:ident) => {
        impl Pool for $pool {
            fn batch(&mut self, n: u64, iters: u64) -> u64 {
                if iters == 0 {
                    let requests = (0..n).map(|i| $item::IncRequest(i % ITEMS, 1));
                    fold(
                        self.send_and_receive(requests).unwrap().map(|r| r.result),
                        n,
                    )
                } else {
                    let requests = (0..n).map(|i| $item::SpinRequest(i % ITEMS, iters));
                    fold(
                        self.send_and_receive(requests).unwrap().map(|r| r.result),
                        n,
                    )
                }
            }

            fn round_trip(&mut self) -> u64 {
                self.send_and_receive_once($item::IncRequest(ROUND_TRIP_ID, 1))
                    .unwrap()
                    .result
            }
        }
    };
}

item_pool!(SpindlePool, sp);
item_pool!(MtpPool, mtp);

/// The crossbeam baseline with its items.
fn baseline_pool() -> baseline::Pool {
    baseline::Pool::new(THREADS, ITEMS)
}

impl Pool for baseline::Pool {
    fn batch(&mut self, n: u64, iters: u64) -> u64 {
        use baseline::Request::{Inc, Spin};
        let results = if iters == 0 {
            self.send_and_receive((0..n).map(|i| Inc(i % ITEMS, 1)))
        } else {
            self.send_and_receive((0..n).map(|i| Spin(i % ITEMS, iters)))
        };
        fold(results.into_iter(), n)
    }

    fn round_trip(&mut self) -> u64 {
        self.send_and_receive_once(baseline::Request::Inc(ROUND_TRIP_ID, 1))
    }
}

/// Makes a contender's pool, items and all.
type Factory = fn() -> Box<dyn Pool>;

/// The pools, Spindle first, with their labels.
fn pools() -> [(&'static str, Factory); 3] {
    [
        ("spindle-pool", || Box::new(spindle_pool())),
        ("messaging_thread_pool", || Box::new(mtp_pool())),
        ("crossbeam baseline", || Box::new(baseline_pool())),
    ]
}

/// The 1-thread reference: the same items in a `Vec`, their methods called directly.
struct Sequential(Vec<sp::Counter>);

impl Sequential {
    fn new() -> Self {
        Self((0..ITEMS).map(sp::Counter::new).collect())
    }

    fn batch(&mut self, n: u64, iters: u64) -> u64 {
        let items = &mut self.0;
        let len = items.len() as u64;
        if iters == 0 {
            fold((0..n).map(|i| items[(i % len) as usize].inc(1)), n)
        } else {
            fold((0..n).map(|i| items[(i % len) as usize].spin(iters)), n)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Criterion groups.

fn batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(BATCH));
    // One messaging_thread_pool batch takes a good part of a second: equal-sized samples.
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(2));
    for (label, make) in pools() {
        // Made just before its run and dropped right after: one pool's threads at a time.
        let mut pool = make();
        group.bench_function(label, |b| b.iter(|| pool.batch(BATCH, 0)));
    }
    group.finish();
}

fn round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("round_trip");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    for (label, make) in pools() {
        let mut pool = make();
        group.bench_function(label, |b| b.iter(|| pool.round_trip()));
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Interleaved rounds.

fn interleaved_rounds(_: &mut Criterion) {
    if rounds::quick_mode() || !config::wanted(ONLY, "rounds") {
        return;
    }
    // Every pool made once and kept across both sections (their idle threads sleep).
    let mut made: Vec<(&str, Box<dyn Pool>)> = pools()
        .into_iter()
        .map(|(label, make)| (label, make()))
        .collect();
    for (_, pool) in &mut made {
        black_box(pool.batch(BATCH, 0)); // warm-up
    }
    pool_rounds(
        &mut made,
        "batch: one send_and_receive of 200 000 trivial requests",
        "message",
        BATCH,
        |pool| {
            black_box(pool.batch(BATCH, 0));
        },
    );
    for (_, pool) in &mut made {
        for _ in 0..ROUND_TRIPS / 10 {
            black_box(pool.round_trip()); // warm-up
        }
    }
    pool_rounds(
        &mut made,
        "round_trip: send_and_receive_once, 2000 per round",
        "round trip",
        ROUND_TRIPS,
        |pool| {
            for _ in 0..ROUND_TRIPS {
                black_box(pool.round_trip());
            }
        },
    );
}

/// Interleaved rounds of `run` (`ops` operations of `per`) on every pool in `made`.
fn pool_rounds(
    made: &mut [(&str, Box<dyn Pool>)],
    title: &str,
    per: &str,
    ops: u64,
    run: fn(&mut dyn Pool),
) {
    rounds::interleaved(
        title,
        per,
        made.iter_mut()
            .map(|(label, pool)| -> rounds::Contender<'_> {
                (
                    label,
                    Box::new(move || rounds::time_per_op(ops, || run(pool.as_mut()))),
                )
            })
            .collect(),
        ROUNDS,
    );
}

// ---------------------------------------------------------------------------------------------
// Two levels: pools of pools.

/// Branches in the two-level bench's top pool (2 threads); each owns a pool of
/// `two_level::LEAVES` leaves on 2 threads.
const BRANCHES: u64 = 4;
/// Top-level calls per contender per round.
const TWO_LEVEL_CALLS: u64 = 200;

/// `two_level` (printed and recorded): one `send_and_receive` of `BRANCHES` requests to the top
/// pool, each branch answering by one `send_and_receive` of `LEAVES` requests to its own leaf
/// pool; ns per leaf request, interleaved rounds. The same item code for both libraries
/// (`pool/two_level.rs`), each through its own `ThreadPool`.
fn two_level_rounds(_: &mut Criterion) {
    if rounds::quick_mode() || !config::wanted(ONLY, "two_level") {
        return;
    }
    let spindle = sp2::TopPool::new();
    let mtp = mtp2::TopPool::new();
    let leaf_requests = TWO_LEVEL_CALLS * BRANCHES * two_level::LEAVES;
    // Both compute the same sums: each leaf `id` starts at `id % 7` and is bumped once a call.
    assert_eq!(spindle.call(), mtp.call());
    rounds::interleaved(
        "two_level: a pool of 4 branches (2 threads), each owning a pool of 64 leaves \
         (2 threads); one call fans out to 256 leaf requests",
        "leaf request",
        vec![
            (
                "spindle-pool",
                Box::new(|| {
                    rounds::time_per_op(leaf_requests, || {
                        for _ in 0..TWO_LEVEL_CALLS {
                            black_box(spindle.call());
                        }
                    })
                }),
            ),
            (
                "messaging_thread_pool",
                Box::new(|| {
                    rounds::time_per_op(leaf_requests, || {
                        for _ in 0..TWO_LEVEL_CALLS {
                            black_box(mtp.call());
                        }
                    })
                }),
            ),
        ],
        ROUNDS,
    );
    let reports = spindle.0.shutdown();
    assert_eq!(
        reports.iter().map(|r| r.children().len()).sum::<usize>(),
        2 * BRANCHES as usize
    );
    mtp.0.shutdown();
}

/// The two-level top pool of one library, with its branches created.
macro_rules! two_level_pool {
    ($module:ident) => {
        impl $module::TopPool {
            fn new() -> Self {
                let pool = $module::TopPool::make();
                pool.send_and_receive((0..BRANCHES).map($module::BranchInit))
                    .expect("branches created")
                    .for_each(drop);
                Self(pool)
            }

            /// One top-level call: every branch bumps its leaves once; the sum of all values.
            fn call(&self) -> u64 {
                self.0
                    .send_and_receive((0..BRANCHES).map(|id| $module::BumpAllRequest(id, 1)))
                    .expect("branch pool running")
                    .map(|r| r.result)
                    .sum()
            }
        }
    };
}

two_level_pool!(sp2);
two_level_pool!(mtp2);

// ---------------------------------------------------------------------------------------------
// Break-even.

/// Requests per break-even batch for `work_ns` of work each: about 100 ms of work per batch,
/// at most `BATCH`.
fn break_even_batch(work_ns: u64) -> u64 {
    (BREAK_EVEN_BUDGET.as_nanos() as u64 / work_ns.max(1)).clamp(1000, BATCH)
}

/// Runs whole batches of `n` requests for at least [`BREAK_EVEN_BUDGET`]: wall ns per request.
fn timed(mut batch: impl FnMut() -> u64, n: u64) -> f64 {
    let start = Instant::now();
    let mut batches = 0;
    while batches == 0 || start.elapsed() < BREAK_EVEN_BUDGET {
        black_box(batch());
        batches += 1;
    }
    rounds::ns_per_op(start.elapsed(), batches * n)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Formats ns as ns or µs.
fn break_even(_: &mut Criterion) {
    if rounds::quick_mode() || !config::wanted(ONLY, "break_even") {
        return;
    }
    let before = Load::now();
    let per_ns = iters_per_ns();
    let mut sequential = Sequential::new();
    let mut made: Vec<(&str, Box<dyn Pool>)> = pools()
        .into_iter()
        .map(|(label, make)| (label, make()))
        .collect();
    let mut rows = Vec::new();
    for work_ns in WORK_NS {
        let iters = (work_ns as f64 * per_ns).round() as u64;
        let n = break_even_batch(work_ns);
        // Warm every contender at this size once.
        black_box(sequential.batch(n, iters));
        for (_, pool) in &mut made {
            black_box(pool.batch(n, iters));
        }
        let k = made.len() + 1;
        let mut figures = vec![Vec::with_capacity(BREAK_EVEN_RUNS); k];
        for run in 0..BREAK_EVEN_RUNS {
            for i in (0..k).map(|j| (j + run) % k) {
                let figure = if i == 0 {
                    timed(|| sequential.batch(n, iters), n)
                } else {
                    let pool = &mut made[i - 1].1;
                    timed(|| pool.batch(n, iters), n)
                };
                figures[i].push(figure);
            }
        }
        let mut figures = figures.into_iter().map(median);
        rows.push(BreakEvenRow {
            work_ns,
            requests: n,
            one_thread_ns: figures.next().unwrap(),
            pool_ns: figures.collect(),
        });
    }
    let pools: Vec<String> = made.iter().map(|(label, _)| (*label).to_owned()).collect();
    let crossings = pools
        .iter()
        .enumerate()
        .map(|(i, pool)| crossing(pool, &rows, i))
        .collect();
    let table = BreakEven {
        items: ITEMS,
        threads: THREADS,
        runs: BREAK_EVEN_RUNS,
        budget_ms: BREAK_EVEN_BUDGET.as_millis() as u64,
        burn_per_ns: per_ns,
        load: Load::since(before),
        pools,
        rows,
        crossings,
    };
    println!("\n{table}");
    results::record(Table::BreakEven(table));
}

/// Where pool `i` of `rows` starts to beat one thread: the first W where it wins, and the
/// crossing interpolated linearly in (pool − 1 thread) ns per request from the W before.
fn crossing(pool: &str, rows: &[BreakEvenRow], i: usize) -> Crossing {
    let diff: Vec<(u64, f64)> = rows
        .iter()
        .map(|row| (row.work_ns, row.pool_ns[i] - row.one_thread_ns))
        .collect();
    let wins = diff.iter().position(|&(_, d)| d < 0.0);
    let loses = wins.and_then(|j| j.checked_sub(1));
    let crossing_ns = wins.zip(loses).map(|(j, k)| {
        let ((w0, d0), (w1, d1)) = (diff[k], diff[j]);
        w0 as f64 + (w1 - w0) as f64 * d0 / (d0 - d1)
    });
    Crossing {
        pool: pool.to_owned(),
        wins_at_ns: wins.map(|j| diff[j].0),
        loses_at_ns: loses.map(|k| diff[k].0),
        crossing_ns,
    }
}

criterion_group! {
    name = benches;
    config = config::short(Duration::from_millis(300), Duration::from_millis(1500), 10, false);
    targets = batch, round_trip, interleaved_rounds, two_level_rounds, break_even
}
criterion_main!(benches);
