//! Batches, joins, scopes of small tasks and `install` allocate nothing once the pool is warm: a counting global
//! allocator proves it. This binary holds one test, so every allocation counted while the
//! flag is up (on any thread, the pool's workers included) is the pool's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use spindle_executor::ThreadPool;

struct CountingAllocator;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn count() {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards every call to `System` unchanged; only bumps a counter on the side.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is passed on to `System`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn fib(pool: &ThreadPool, n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = pool.join(|| fib(pool, n - 1), || fib(pool, n - 2));
    a + b
}

/// One round of everything that must not allocate.
fn round(pool: &ThreadPool, input: &[u64], output: &mut [u64]) {
    pool.map_into(input, output, |x| x * x + 1).unwrap();
    pool.for_each_mut(output, |i, y| *y += i as u64);
    pool.for_each_index(input.len(), |i| assert!(i < input.len()));
    assert_eq!(fib(pool, 12), 144);
    assert_eq!(pool.install(|| 3), 3);
    let count = AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..1000 {
            s.spawn(|_| {
                count.fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    assert_eq!(count.into_inner(), 1000);
}

#[test]
fn batches_joins_scopes_and_install_allocate_nothing_once_warm() {
    let rounds = if cfg!(miri) { 3 } else { 200 };
    let n = if cfg!(miri) { 64 } else { 10_000 };
    let pool = ThreadPool::new(2).unwrap();
    let input: Vec<u64> = (0..n).collect();
    let mut output = vec![0u64; n as usize];
    // Warm-up: thread-local handles, deque buffers, injector segments.
    for _ in 0..rounds {
        round(&pool, &input, &mut output);
    }
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..rounds {
        round(&pool, &input, &mut output);
    }
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), 0);
    assert_eq!(output[3], 3 * 3 + 1 + 3);
}
