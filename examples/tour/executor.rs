//! The executor part of the tour: fork-join, a batch into the caller's memory, a parallel
//! iterator pipeline, tasks with results, and a panic that comes back as a value.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use spindle::executor::ThreadPool;
use spindle::prelude::*;

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

/// Sums the values of 1000 joined tasks (`i * 2` for each `i` below 1000), checks the sum and
/// returns the time since `t`: the joins are part of what is timed.
fn summed_in<E: std::fmt::Debug>(
    t: Instant,
    joined: impl Iterator<Item = Result<u64, E>>,
) -> Duration {
    let sum: u64 = joined.map(|r| r.expect("no panic")).sum();
    let elapsed = t.elapsed();
    assert_eq!(sum, 999_000);
    elapsed
}

/// The executor at work: fork-join, a batch into the caller's memory, tasks with results, and a
/// panic that comes back as a value. Each timed against the plain sequential (or
/// thread-per-task) way, in this run.
pub(crate) fn tour() {
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

    // The same work as an iterator pipeline, rayon's names, on the global pool: keep the
    // hashes that are even, and sum them, once sequentially and once in parallel.
    let pipeline_seq_run = || {
        input
            .iter()
            .map(work)
            .filter(|h| h % 2 == 0)
            .fold(0u64, u64::wrapping_add)
    };
    let pipeline_par_run = || {
        input
            .par_iter()
            .map(work)
            .filter(|h| h % 2 == 0)
            .reduce(|| 0, u64::wrapping_add)
    };
    black_box(pipeline_par_run()); // warm the global pool, untimed
    let t = Instant::now();
    let even_seq = black_box(pipeline_seq_run());
    let pipeline_seq = t.elapsed();
    let t = Instant::now();
    let even_par = black_box(pipeline_par_run());
    let pipeline_par = t.elapsed();
    assert_eq!(even_seq, even_par);
    let mut sorted: Vec<u64> = output.clone();
    let t = Instant::now();
    sorted.par_sort_unstable();
    let sort_par = t.elapsed();
    assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
    let mut sorted_seq = output.clone();
    let t = Instant::now();
    sorted_seq.sort_unstable();
    let sort_seq = t.elapsed();
    assert_eq!(sorted, sorted_seq);

    let t = Instant::now();
    let handles: Vec<_> = (0..1000u64)
        .map(|i| pool.spawn(move || i * 2).expect("pool running"))
        .collect();
    let spawn_time = summed_in(t, handles.into_iter().map(|h| h.join()));
    let t = Instant::now();
    let threads: Vec<_> = (0..1000u64).map(|i| thread::spawn(move || i * 2)).collect();
    let thread_time = summed_in(t, threads.into_iter().map(|h| h.join()));

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

    let workers = crate::machine::case(pool.num_threads());
    let rows = [
        (
            format!("fib(32) via join ({workers})"),
            par_time,
            "sequential",
            seq_time,
        ),
        (
            format!("map_into of 4M hashes ({workers})"),
            map_par,
            "sequential loop",
            map_seq,
        ),
        (
            format!("par_iter map/filter/reduce ({workers})"),
            pipeline_par,
            "sequential iter",
            pipeline_seq,
        ),
        (
            format!("par_sort_unstable of 4M ({workers})"),
            sort_par,
            "std sort_unstable",
            sort_seq,
        ),
        (
            format!("1000 spawned tasks ({workers})"),
            spawn_time,
            "1000 std threads",
            thread_time,
        ),
    ];
    println!("\nwork in parallel\n{}", crate::summary::RATIO);
    println!(
        "{:<40} {:>10} {:>10}  {:<18} {:>6}",
        "workload (case)", "spindle", "peer", "peer is", "ratio"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for (name, ours, peer_name, peer) in rows {
        println!(
            "{name:<40} {:>10.2?} {:>10.2?}  {peer_name:<18} {:>6}",
            ours,
            peer,
            crate::summary::ratio(ms(ours), Some(ms(peer)))
        );
        crate::summary::record(
            "executor",
            name,
            "ms",
            ms(ours),
            Some((peer_name, ms(peer))),
        );
    }
    println!("stats: {:?}", pool.stats().total());
}
