//! Spindle's parallel iterators against rayon's, in one run, in interleaved rounds, each
//! called as a program calls it: from the bench thread, outside any pool, on the library's
//! global pool (one worker per core, 2 here; a pool idle between two rounds parks or sleeps,
//! so the two barely compete for the cores):
//!
//! - sum of squares over a range, `map` then `collect` into a `Vec`, `filter` then `count`, at
//!   10^7 / 10^6 / 10^6 elements and at 10^3 (where the cost of starting an iteration shows),
//!   ns per element;
//! - `par_sort_unstable` and `par_sort` of 10^6 random `u64`, against the standard library's
//!   sequential sorts on the bench thread, ns per element;
//! - a word count: `fold` of `HashMap`s, then `reduce` merging them, ns per word;
//! - `fib(25)` by the free `join` against the same recursion through `&pool`, and 1000 spawns
//!   in the free `scope` against `pool.scope`, on fresh 2-thread pools, ns per run: the cost
//!   of the free functions' lookup of the current pool.
//!
//! `cargo xtask bench --busy N` adds each table again with `N` threads burning CPU.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use spindle::executor::ThreadPool;
use spindle_bench_support::{config, rounds};

const THREADS: usize = 2;

/// The global pools' contenders build nothing.
fn noop() {}

fn spindle_pool() -> ThreadPool {
    ThreadPool::new(THREADS).unwrap()
}

/// A contender: builds its pool, runs `run` once to warm it, then `reps` times; ns per
/// element of `elements` per run.
fn per_element<P: 'static>(
    make: fn() -> P,
    elements: usize,
    reps: u64,
    run: impl Fn(&P) + 'static,
) -> Box<dyn FnMut() -> f64> {
    Box::new(move || {
        let pool = make();
        run(&pool);
        rounds::time_per_op(reps * elements as u64, || {
            (0..reps).for_each(|_| run(&pool))
        })
    })
}

fn input(len: usize) -> Vec<u64> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

/// The three elementwise workloads: the sum over `0..sum_len`, the others over `len` elements.
fn elementwise(sum_len: usize, sum_reps: u64, len: usize, reps: u64) {
    let data: &'static [u64] = Box::leak(input(len).into_boxed_slice());
    let n = sum_len as u64;
    rounds::interleaved(
        &format!("sum of squares, (0..{sum_len}).into_par_iter().map(|x| x * x).sum()"),
        "element",
        vec![
            (
                "spindle",
                per_element(noop, sum_len, sum_reps, move |()| {
                    use spindle::prelude::*;
                    black_box(
                        (0..black_box(n))
                            .into_par_iter()
                            .map(|x| x * x)
                            .sum::<u64>(),
                    );
                }),
            ),
            (
                "rayon",
                per_element(noop, sum_len, sum_reps, move |()| {
                    use rayon::prelude::*;
                    black_box(
                        (0..black_box(n))
                            .into_par_iter()
                            .map(|x| x * x)
                            .sum::<u64>(),
                    );
                }),
            ),
        ],
        15,
    );
    rounds::interleaved(
        &format!("map then collect into a Vec, {len} elements"),
        "element",
        vec![
            (
                "spindle",
                per_element(noop, len, reps, move |()| {
                    use spindle::prelude::*;
                    let v: Vec<u64> = data.par_iter().map(|x| x ^ (x >> 3)).collect();
                    black_box(v);
                }),
            ),
            (
                "rayon",
                per_element(noop, len, reps, move |()| {
                    use rayon::prelude::*;
                    let v: Vec<u64> = data.par_iter().map(|x| x ^ (x >> 3)).collect();
                    black_box(v);
                }),
            ),
        ],
        15,
    );
    rounds::interleaved(
        &format!("filter then count, {len} elements"),
        "element",
        vec![
            (
                "spindle",
                per_element(noop, len, reps, move |()| {
                    use spindle::prelude::*;
                    black_box(data.par_iter().filter(|&&x| x % 3 == 0).count());
                }),
            ),
            (
                "rayon",
                per_element(noop, len, reps, move |()| {
                    use rayon::prelude::*;
                    black_box(data.par_iter().filter(|&&x| x % 3 == 0).count());
                }),
            ),
        ],
        15,
    );
}

/// Sorts of 10^6 random `u64`; each run sorts a fresh copy (the copy is timed too, for all).
fn sorts() {
    const LEN: usize = 1_000_000;
    const REPS: u64 = 4;
    let data: &'static [u64] = Box::leak(input(LEN).into_boxed_slice());
    rounds::interleaved(
        "par_sort_unstable of 10^6 random u64",
        "element",
        vec![
            (
                "spindle",
                per_element(noop, LEN, REPS, move |()| {
                    use spindle::prelude::*;
                    let mut v = data.to_vec();
                    v.par_sort_unstable();
                    black_box(v);
                }),
            ),
            (
                "rayon",
                per_element(noop, LEN, REPS, move |()| {
                    use rayon::prelude::*;
                    let mut v = data.to_vec();
                    v.par_sort_unstable();
                    black_box(v);
                }),
            ),
            (
                "std sort_unstable, one thread",
                per_element(
                    || (),
                    LEN,
                    REPS,
                    move |()| {
                        let mut v = data.to_vec();
                        v.sort_unstable();
                        black_box(v);
                    },
                ),
            ),
        ],
        11,
    );
    rounds::interleaved(
        "par_sort (stable) of 10^6 random u64",
        "element",
        vec![
            (
                "spindle",
                per_element(noop, LEN, REPS, move |()| {
                    use spindle::prelude::*;
                    let mut v = data.to_vec();
                    v.par_sort();
                    black_box(v);
                }),
            ),
            (
                "rayon",
                per_element(noop, LEN, REPS, move |()| {
                    use rayon::prelude::*;
                    let mut v = data.to_vec();
                    v.par_sort();
                    black_box(v);
                }),
            ),
            (
                "std sort, one thread",
                per_element(
                    || (),
                    LEN,
                    REPS,
                    move |()| {
                        let mut v = data.to_vec();
                        v.sort();
                        black_box(v);
                    },
                ),
            ),
        ],
        11,
    );
}

/// 10^6 words drawn from 2000 distinct ones.
fn words() -> &'static [String] {
    let vocabulary: Vec<String> = (0..2000)
        .map(|i| format!("w{}", i * 7919 % 10_007))
        .collect();
    let words: Vec<String> = input(1_000_000)
        .into_iter()
        .map(|x| vocabulary[(x % 2000) as usize].clone())
        .collect();
    Box::leak(words.into_boxed_slice())
}

fn word_count() {
    const REPS: u64 = 4;
    let words = words();
    fn merge<'a>(
        mut a: HashMap<&'a str, usize>,
        b: HashMap<&'a str, usize>,
    ) -> HashMap<&'a str, usize> {
        if a.len() < b.len() {
            return merge(b, a);
        }
        for (w, n) in b {
            *a.entry(w).or_insert(0) += n;
        }
        a
    }
    fn count<'a>(mut map: HashMap<&'a str, usize>, w: &'a str) -> HashMap<&'a str, usize> {
        *map.entry(w).or_insert(0) += 1;
        map
    }
    rounds::interleaved(
        "word count of 10^6 words: fold into HashMaps, reduce by merging",
        "word",
        vec![
            (
                "spindle",
                per_element(noop, words.len(), REPS, move |()| {
                    use spindle::prelude::*;
                    black_box(
                        words
                            .par_iter()
                            .fold(HashMap::new, |m, w| count(m, w))
                            .reduce(HashMap::new, merge),
                    );
                }),
            ),
            (
                "rayon",
                per_element(noop, words.len(), REPS, move |()| {
                    use rayon::prelude::*;
                    black_box(
                        words
                            .par_iter()
                            .fold(HashMap::new, |m, w| count(m, w))
                            .reduce(HashMap::new, merge),
                    );
                }),
            ),
        ],
        11,
    );
}

fn fib_free(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = spindle::executor::join(|| fib_free(n - 1), || fib_free(n - 2));
    a + b
}

fn fib_pool(pool: &ThreadPool, n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = pool.join(|| fib_pool(pool, n - 1), || fib_pool(pool, n - 2));
    a + b
}

fn free_functions() {
    const REPS: u64 = 20;
    // One "element" is one run here: µs per run are ns per element / 1000.
    rounds::interleaved(
        "fib(25) by join: free function against &pool, same pool",
        "run",
        vec![
            (
                "spindle &pool join",
                per_element(spindle_pool, 1, REPS, |p| {
                    black_box(p.install(|| fib_pool(p, black_box(25))));
                }),
            ),
            (
                "spindle free join",
                per_element(spindle_pool, 1, REPS, |p| {
                    black_box(p.install(|| fib_free(black_box(25))));
                }),
            ),
        ],
        15,
    );
    rounds::interleaved(
        "scope with 1000 spawns: free function against &pool, same pool",
        "run",
        vec![
            (
                "spindle pool.scope",
                per_element(spindle_pool, 1, REPS * 5, |p| {
                    p.scope(|s| {
                        for i in 0..1000u64 {
                            s.spawn(move |_| {
                                black_box(i);
                            });
                        }
                    });
                }),
            ),
            (
                "spindle free scope",
                per_element(spindle_pool, 1, REPS * 5, |p| {
                    p.install(|| {
                        spindle::executor::scope(|s| {
                            for i in 0..1000u64 {
                                s.spawn(move |_| {
                                    black_box(i);
                                });
                            }
                        })
                    });
                }),
            ),
        ],
        15,
    );
}

fn all_rounds(_: &mut Criterion) {
    if rounds::quick_mode() {
        return;
    }
    let wanted = |name: &str| config::wanted("SPINDLE_PAR_ITER_ONLY", name);
    if wanted("large") {
        elementwise(10_000_000, 2, 1_000_000, 20);
    }
    if wanted("small") {
        elementwise(1_000, 4000, 1_000, 4000);
    }
    if wanted("sort") {
        sorts();
    }
    if wanted("words") {
        word_count();
    }
    if wanted("free") {
        free_functions();
    }
}

criterion_group! {
    name = benches;
    config = config::short(Duration::from_millis(200), Duration::from_secs(1), 10, true);
    targets = all_rounds
}
criterion_main!(benches);
