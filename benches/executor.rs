//! spindle-executor against rayon, the `threadpool` crate and a naive `Mutex<Receiver>` pool,
//! in one run, all with 2 worker threads (the machine's cores).
//!
//! - `spawn_1000`: 1000 trivial tasks submitted from outside and all awaited, ns per task;
//! - `batch_100k`: `x*x+1` for a 100k-element index range written into a caller `Vec`, ns per
//!   element: spindle `for_each_mut` and `map_into`, rayon `par_iter_mut`, and zero-pool's
//!   `run` over 64 chunk descriptors (its result-via-raw-pointer pattern);
//! - `rust_tp_A_trivial`, `rust_tp_B_cpu_bound`, `rust_tp_C_burst`: the seed's groups, one
//!   no-op job, one CPU-heavy job, and 1000 jobs at once, each submitted and awaited, against
//!   `thread::spawn` and the naive pool;
//! - `rounds` (printed): the 100k batch against the same loop on one thread, scope+spawn of
//!   1000 tasks, `fib(25)` without cutoff and `fib(30)` with a cutoff at 20 (against the
//!   sequential recursion too), spindle and its peers alternating for 15-21 rounds, with the median per-round ratio: criterion's windows
//!   swing 2-3x on this 2-core machine, the per-round ratio much less;
//! - `fib_join`: `fib(30)` through `join` with a sequential cutoff below 20, and `fib(25)` with
//!   no cutoff (pure join overhead), ns per call of the whole computation.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spindle::executor::ThreadPool;

use spindle_bench_support::{config, rounds};

const THREADS: usize = 2;
const TASKS: u64 = 1000;

/// The pool people write first: one channel, one lock, N threads.
struct NaivePool {
    sender: Option<mpsc::Sender<Box<dyn FnOnce() + Send>>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl NaivePool {
    fn new(n: usize) -> Self {
        let (sender, receiver) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let receiver = Arc::new(Mutex::new(receiver));
        let threads = (0..n)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                thread::spawn(move || {
                    loop {
                        let job = receiver.lock().unwrap().recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                })
            })
            .collect();
        NaivePool {
            sender: Some(sender),
            threads,
        }
    }

    fn execute(&self, f: impl FnOnce() + Send + 'static) {
        self.sender.as_ref().unwrap().send(Box::new(f)).unwrap();
    }
}

impl Drop for NaivePool {
    fn drop(&mut self) {
        drop(self.sender.take());
        self.threads.drain(..).for_each(|t| t.join().unwrap());
    }
}

/// rayon's contender: a pool of `THREADS` threads.
fn rayon_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .unwrap()
}

/// Waits until `count` reaches `target`, yielding: how the fire-and-forget pools are awaited.
fn await_count(count: &AtomicUsize, target: usize) {
    while count.load(Ordering::Acquire) < target {
        thread::yield_now();
    }
}

/// Benchmarks `$name` in `$group`: `$jobs` jobs, each running `$work` and counting itself
/// done, handed one by one to `$execute` (given the job as `$job`), then waits for all. A
/// macro, not a function: each pool's `execute` takes the job closure's own type.
macro_rules! counted_jobs {
    ($group:ident, $name:expr, $jobs:expr, $work:block, |$job:ident| $execute:expr) => {
        $group.bench_function($name, |b| {
            let done = Arc::new(AtomicUsize::new(0));
            b.iter(|| {
                done.store(0, Ordering::Relaxed);
                for _ in 0..$jobs {
                    let done = Arc::clone(&done);
                    let $job = move || {
                        $work
                        done.fetch_add(1, Ordering::Release);
                    };
                    $execute;
                }
                await_count(&done, $jobs);
            })
        })
    };
}

/// Spawns `TASKS` trivial tasks in one scope of `$pool` and waits for them: the `spawn_1000`
/// workload, the same code for spindle's pool and rayon's (a macro: the two `scope`s differ).
macro_rules! scope_spawns {
    ($pool:expr) => {
        $pool.scope(|s| {
            for i in 0..TASKS {
                s.spawn(move |_| {
                    black_box(i);
                });
            }
        })
    };
}

fn spawn_1000(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_1000");
    group.throughput(Throughput::Elements(TASKS));

    let pool = ThreadPool::new(THREADS).unwrap();
    group.bench_function("spindle scope + spawn", |b| b.iter(|| scope_spawns!(pool)));
    group.bench_function("spindle spawn + JoinHandle::join", |b| {
        b.iter(|| {
            let handles: Vec<_> = (0..TASKS)
                .map(|i| pool.spawn(move || black_box(i)).unwrap())
                .collect();
            handles.into_iter().for_each(|h| {
                h.join().unwrap();
            });
        })
    });
    counted_jobs!(
        group,
        "spindle execute + counter",
        TASKS as usize,
        {},
        |job| { pool.execute(job).unwrap() }
    );
    drop(pool);

    let rayon = rayon_pool();
    group.bench_function("rayon scope + spawn", |b| b.iter(|| scope_spawns!(rayon)));
    drop(rayon);

    let tp = threadpool::ThreadPool::new(THREADS);
    group.bench_function("threadpool execute + join", |b| {
        b.iter(|| {
            for i in 0..TASKS {
                tp.execute(move || {
                    black_box(i);
                });
            }
            tp.join();
        })
    });
    drop(tp);

    let naive = NaivePool::new(THREADS);
    counted_jobs!(
        group,
        "naive Mutex<Receiver> + counter",
        TASKS as usize,
        {},
        |job| { naive.execute(job) }
    );
    group.finish();
}

const BATCH: usize = 100_000;

/// zero-pool's task parameters: one chunk of the output, by raw pointer (its documented style).
struct ChunkParams {
    start: usize,
    len: usize,
    out: *mut u64,
}

fn zero_pool_chunk(p: &ChunkParams) {
    for k in 0..p.len {
        let x = (p.start + k) as u64;
        // SAFETY: each chunk covers its own part of the output, which outlives `run`.
        unsafe { *p.out.add(k) = x * x + 1 };
    }
}

/// zero-pool's run of the batch: 64 chunk descriptors into `out`.
fn zero_pool_batch(pool: &zero_pool::ZeroPool, out: &mut [u64]) {
    let chunk = BATCH.div_ceil(64);
    let base = out.as_mut_ptr();
    let params: Vec<ChunkParams> = (0..BATCH)
        .step_by(chunk)
        .map(|start| ChunkParams {
            start,
            len: chunk.min(BATCH - start),
            // SAFETY: `start < BATCH`, inside `out`.
            out: unsafe { base.add(start) },
        })
        .collect();
    pool.run(zero_pool_chunk, &params);
}

fn batch_100k(c: &mut Criterion) {
    use rayon::prelude::*;

    let mut group = c.benchmark_group("batch_100k");
    group.throughput(Throughput::Elements(BATCH as u64));
    let mut out = vec![0u64; BATCH];
    let input: Vec<u64> = (0..BATCH as u64).collect();

    let pool = ThreadPool::new(THREADS).unwrap();
    group.bench_function("spindle for_each_mut", |b| {
        b.iter(|| pool.for_each_mut(&mut out, |i, y| *y = (i * i) as u64 + 1))
    });
    group.bench_function("spindle map_into", |b| {
        b.iter(|| pool.map_into(&input, &mut out, |x| x * x + 1).unwrap())
    });
    drop(pool);

    let rayon = rayon_pool();
    group.bench_function("rayon par_iter_mut", |b| {
        b.iter(|| {
            rayon.install(|| {
                out.par_iter_mut()
                    .enumerate()
                    .for_each(|(i, y)| *y = (i * i) as u64 + 1)
            })
        })
    });
    drop(rayon);

    let zp = zero_pool::ZeroPool::with_workers(std::num::NonZeroUsize::new(THREADS).unwrap());
    group.bench_function("zero-pool run, 64 chunks", |b| {
        b.iter(|| zero_pool_batch(&zp, &mut out))
    });
    drop(zp);
    black_box(&out);
    group.finish();
}

/// rust_tp's CPU-bound job.
fn cpu_heavy() -> u64 {
    (0..20_000u64).fold(0, |a, k| black_box(a.wrapping_mul(31).wrapping_add(k)))
}

/// Runs `jobs` jobs of `work` through each contender and waits for all: rust_tp's groups.
fn rust_tp_group(c: &mut Criterion, name: &str, jobs: usize, work: fn() -> u64) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(jobs as u64));
    group.bench_function("std thread::spawn", |b| {
        b.iter(|| {
            let handles: Vec<_> = (0..jobs).map(|_| thread::spawn(work)).collect();
            handles.into_iter().for_each(|h| {
                black_box(h.join().unwrap());
            });
        })
    });
    let naive = NaivePool::new(THREADS);
    counted_jobs!(
        group,
        "naive Mutex<Receiver> pool",
        jobs,
        {
            black_box(work());
        },
        |job| { naive.execute(job) }
    );
    drop(naive);
    let pool = ThreadPool::new(THREADS).unwrap();
    counted_jobs!(
        group,
        "spindle execute",
        jobs,
        {
            black_box(work());
        },
        |job| { pool.execute(job).unwrap() }
    );
    group.finish();
}

#[allow(non_snake_case)] // the seed's group names
fn rust_tp_A_trivial(c: &mut Criterion) {
    rust_tp_group(c, "rust_tp_A_trivial", 1, || black_box(0));
}

#[allow(non_snake_case)]
fn rust_tp_B_cpu_bound(c: &mut Criterion) {
    rust_tp_group(c, "rust_tp_B_cpu_bound", 1, cpu_heavy);
}

#[allow(non_snake_case)]
fn rust_tp_C_burst(c: &mut Criterion) {
    rust_tp_group(c, "rust_tp_C_burst", 1000, || black_box(1));
}

fn fib_seq(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

fn fib_spindle(pool: &ThreadPool, n: u64, cutoff: u64) -> u64 {
    if n < cutoff.max(2) {
        return fib_seq(n);
    }
    let (a, b) = pool.join(
        || fib_spindle(pool, n - 1, cutoff),
        || fib_spindle(pool, n - 2, cutoff),
    );
    a + b
}

/// `fib_spindle` through the free `join`, which finds the pool from the worker it runs on.
fn fib_free(n: u64, cutoff: u64) -> u64 {
    if n < cutoff.max(2) {
        return fib_seq(n);
    }
    let (a, b) = spindle::executor::join(|| fib_free(n - 1, cutoff), || fib_free(n - 2, cutoff));
    a + b
}

fn fib_rayon(n: u64, cutoff: u64) -> u64 {
    if n < cutoff.max(2) {
        return fib_seq(n);
    }
    let (a, b) = rayon::join(|| fib_rayon(n - 1, cutoff), || fib_rayon(n - 2, cutoff));
    a + b
}

fn fib_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("fib_join");
    let pool = ThreadPool::new(THREADS).unwrap();
    let rayon = rayon_pool();
    for (name, n, cutoff) in [
        ("fib(30), cutoff 20", 30, 20),
        ("fib(25), no cutoff", 25, 0),
    ] {
        group.bench_function(format!("spindle join, {name}"), |b| {
            b.iter(|| pool.install(|| fib_spindle(&pool, black_box(n), cutoff)))
        });
        group.bench_function(format!("rayon join, {name}"), |b| {
            b.iter(|| rayon.install(|| fib_rayon(black_box(n), cutoff)))
        });
    }
    group.finish();
}

/// Runs `run` on `pool` once to warm it, then `REPS` times: ns per run.
fn time_per_run<P>(pool: &P, run: fn(&P)) -> f64 {
    const REPS: u64 = 50;
    run(pool);
    rounds::time_per_op(REPS, || (0..REPS).for_each(|_| run(pool)))
}

fn rounds(_: &mut Criterion) {
    if rounds::quick_mode() {
        return;
    }
    batch_rounds();
    // Each round builds its pool and drops it after timing: with both pools alive, one pool's
    // idle spinning workers take the other's cores (4 threads on 2 cores).
    let spindle = |run: fn(&ThreadPool)| {
        Box::new(move || time_per_run(&ThreadPool::new(THREADS).unwrap(), run))
            as Box<dyn FnMut() -> f64>
    };
    let rayon = |run: fn(&rayon::ThreadPool)| {
        Box::new(move || {
            let pool = rayon_pool();
            time_per_run(&pool, run)
        }) as Box<dyn FnMut() -> f64>
    };
    rounds::interleaved(
        "scope + 1000 spawns, fresh pools",
        "run",
        vec![
            ("rayon", rayon(|pool| scope_spawns!(pool))),
            ("spindle", spindle(|pool| scope_spawns!(pool))),
        ],
        21,
    );
    rounds::interleaved(
        "fib(25) by join, no cutoff, fresh pools",
        "run",
        vec![
            (
                "rayon",
                rayon(|pool| {
                    black_box(pool.install(|| fib_rayon(25, 0)));
                }),
            ),
            (
                "spindle",
                spindle(|pool| {
                    black_box(pool.install(|| fib_spindle(pool, 25, 0)));
                }),
            ),
            (
                "spindle free join",
                spindle(|pool| {
                    black_box(pool.install(|| fib_free(25, 0)));
                }),
            ),
        ],
        21,
    );
    // The same recursion with a sequential cutoff, the way join is meant to be used: here
    // the sequential row is the bar that `--busy` must not fall below.
    rounds::interleaved(
        "fib(30) by join, cutoff 20, fresh pools",
        "run",
        vec![
            (
                "rayon",
                rayon(|pool| {
                    black_box(pool.install(|| fib_rayon(black_box(30), 20)));
                }),
            ),
            (
                "spindle",
                spindle(|pool| {
                    black_box(pool.install(|| fib_spindle(pool, black_box(30), 20)));
                }),
            ),
            (
                "sequential",
                Box::new(|| {
                    time_per_run(&(), |()| {
                        black_box(fib_seq(black_box(30)));
                    })
                }),
            ),
        ],
        11,
    );
}

/// Builds a pool with `make`, then runs `batch` over a 100k-element output `REPS` times on
/// it: ns per element. A fresh pool per round, dropped after timing, as in `rounds`.
fn per_element<P>(make: impl Fn() -> P, batch: impl Fn(&P, &mut [u64])) -> impl FnMut() -> f64 {
    const REPS: u64 = 20;
    let mut out = vec![0u64; BATCH];
    move || {
        let pool = make();
        batch(&pool, &mut out);
        let ns = rounds::time_per_op(REPS * BATCH as u64, || {
            (0..REPS).for_each(|_| batch(&pool, &mut out));
        });
        black_box(&out);
        ns
    }
}

/// The 100k-element batch of `batch_100k` in interleaved rounds, against the same loop run
/// sequentially on the calling thread: with `--busy N` this is the table that shows whether
/// a batch on a busy machine falls behind one thread.
fn batch_rounds() {
    use rayon::prelude::*;

    let square = |i: usize| (i * i) as u64 + 1;
    let zero_pool =
        || zero_pool::ZeroPool::with_workers(std::num::NonZeroUsize::new(THREADS).unwrap());
    rounds::interleaved(
        "batch of 100k: x*x+1 into the caller's slice, fresh pools",
        "element",
        vec![
            (
                "spindle for_each_mut",
                Box::new(per_element(
                    || ThreadPool::new(THREADS).unwrap(),
                    |pool, out| pool.for_each_mut(out, |i, y| *y = square(i)),
                )),
            ),
            (
                "sequential loop",
                Box::new(per_element(
                    || (),
                    |(), out| out.iter_mut().enumerate().for_each(|(i, y)| *y = square(i)),
                )),
            ),
            (
                "rayon par_iter_mut",
                Box::new(per_element(rayon_pool, |pool, out| {
                    pool.install(|| {
                        out.par_iter_mut()
                            .enumerate()
                            .for_each(|(i, y)| *y = square(i))
                    })
                })),
            ),
            (
                "zero-pool run, 64 chunks",
                Box::new(per_element(zero_pool, zero_pool_batch)),
            ),
        ],
        15,
    );
}

criterion_group! {
    name = benches;
    config = config::short(Duration::from_millis(500), Duration::from_secs(2), 10, true);
    targets = spawn_1000, batch_100k, fib_join, rust_tp_A_trivial, rust_tp_B_cpu_bound, rust_tp_C_burst, self::rounds
}
criterion_main!(benches);
