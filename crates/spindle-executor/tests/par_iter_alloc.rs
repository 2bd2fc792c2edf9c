//! Parallel iterators allocate nothing on a warm pool for `for_each`, `sum`, `reduce`,
//! `fold`+`reduce`, `min`/`max`, `count`, `any`/`all` and `find_any`, and exactly once (the
//! output) for `collect` of an indexed iterator into a `Vec`: a counting global allocator
//! proves it. One test in this binary, so every allocation counted is the iteration's.

use std::hint::black_box;

use spindle_executor::ThreadPool;
use spindle_executor::prelude::*;
use spindle_test_support::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// Every consumer that must not allocate, once.
fn round(v: &[u64]) {
    v.par_iter().for_each(|x| {
        black_box(x);
    });
    black_box(v.par_iter().map(|x| x * x).sum::<u64>());
    black_box(
        (0..v.len() as u64)
            .into_par_iter()
            .map(std::num::Wrapping)
            .product::<std::num::Wrapping<u64>>(),
    );
    black_box(v.par_iter().copied().reduce(|| 0, u64::wrapping_add));
    black_box(v.par_iter().copied().reduce_with(u64::max));
    black_box(
        v.par_iter()
            .fold(|| 0u64, |a, &x| a ^ x)
            .reduce(|| 0, |a, b| a ^ b),
    );
    black_box((v.par_iter().min(), v.par_iter().max()));
    black_box(v.par_iter().min_by_key(|&&x| x % 7));
    black_box(v.par_iter().filter(|&&x| x % 3 == 0).count());
    black_box(v.par_iter().any(|&x| x == 7));
    black_box(v.par_iter().all(|&x| x < 1 << 40));
    black_box(v.par_iter().find_any(|&&x| x == 5000));
    black_box(
        v.par_iter()
            .zip(v)
            .enumerate()
            .map(|(i, (a, b))| i as u64 + a + b)
            .sum::<u64>(),
    );
}

fn collect(v: &[u64]) -> Vec<u64> {
    v.par_iter().map(|x| x + 1).collect()
}

#[test]
fn warm_iterations_allocate_nothing_and_collect_allocates_its_output_only() {
    let len = if cfg!(miri) { 500 } else { 100_000 };
    let v: Vec<u64> = (0..len).collect();
    let pool = ThreadPool::new(2).unwrap();
    // Warm: the global pool and this thread's batch slot, then the explicit pool.
    for _ in 0..3 {
        round(&v);
        black_box(collect(&v));
        pool.install(|| round(&v));
    }
    for _ in 0..5 {
        let ((), outside) = ALLOC.count(|| round(&v));
        assert_eq!(outside, 0, "from outside the pool");
        let ((), inside) = ALLOC.count(|| pool.install(|| round(&v)));
        assert_eq!(inside, 0, "on a worker");
        let (out, collecting) = ALLOC.count(|| collect(&v));
        assert_eq!(collecting, 1, "collect: the output vector only");
        assert_eq!(out[len as usize - 1], len);
        let (out, collecting) = ALLOC.count(|| pool.install(|| collect(&v)));
        assert_eq!(collecting, 1, "collect on a worker: the output vector only");
        black_box(out);
    }
}
