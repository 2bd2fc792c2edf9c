//! Memory: a warm pool answers batches and round trips without allocating (the pool threads
//! included), and the call buffers it keeps between calls stay under its cap of 16 MiB however
//! large the calls were (they used to keep 44 MiB after one call of 10^6 requests, 176 MiB
//! after four concurrent ones).
//!
//! A counting global allocator (the pattern of `spindle-queue/tests/zero_alloc.rs`) counts
//! every allocation in the process while a test's window is open, and the bytes live at any
//! time; the tests of this binary take turns, so nothing else allocates meanwhile.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

use common::{Meter, MeterInit, RecordRequest};
use spindle_pool::ItemPool;
use spindle_test_support::{LIMIT, scaled, within};

struct CountingAllocator;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

fn counted(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
    LIVE_BYTES.fetch_add(bytes as isize, Ordering::Relaxed);
}

// SAFETY: forwards every call to `System` unchanged; only updates counters on the side.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted(layout.size());
        // SAFETY: the caller's contract is passed on to `System`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        counted(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        counted(new_size);
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// One test at a time: the counts are process-wide.
static TURN: Mutex<()> = Mutex::new(());

/// Allocations anywhere in the process while `f` runs.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    f();
    COUNTING.store(false, Ordering::SeqCst);
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

fn live_bytes() -> isize {
    LIVE_BYTES.load(Ordering::SeqCst)
}

/// The pool's documented cap on retained call buffers.
const RETAINED_CAP: isize = 16 << 20;
/// What else a warm pool may still pick up in a big call (queue segments and the like).
const SLACK: isize = 1 << 20;

fn pool_with_counters(threads: usize, items: u64) -> ItemPool<Meter> {
    let pool = ItemPool::new(threads).unwrap();
    common::send_all(&pool, (0..items).map(MeterInit));
    pool
}

/// Sends `n` increments over `items` items and sums the answers.
fn batch(pool: &ItemPool<Meter>, n: u64, items: u64) -> u64 {
    pool.send_and_receive((0..n).map(|i| RecordRequest(i % items, 1)))
        .unwrap()
        .map(|r| r.result)
        .sum()
}

#[test]
#[cfg_attr(
    miri,
    ignore = "the warm-up must run the inboxes' segments round several laps (100 batches of \
              10,000 requests, >35 min under Miri); fewer rounds would leave segments cold and \
              the zero-allocation claim untested"
)]
fn a_warm_pool_answers_batches_and_round_trips_without_allocating() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    within(LIMIT, || {
        let pool = pool_with_counters(2, 100);
        // Warm: call buffers, event counts, and the inboxes' segments (a few laps of each, so
        // that drained segments wait as spares).
        for _ in 0..100 {
            batch(&pool, 10_000, 100);
            pool.send_and_receive_once(RecordRequest(7, 1)).unwrap();
        }
        let allocations = allocations_during(|| {
            for _ in 0..scaled(20) {
                batch(&pool, 10_000, 100);
                for _ in 0..10 {
                    pool.send_and_receive_once(RecordRequest(7, 1)).unwrap();
                }
            }
        });
        assert_eq!(allocations, 0, "a warm pool allocated");
    });
}

#[test]
fn retained_buffers_stay_under_the_cap_after_huge_batches() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    within(LIMIT * 3, || {
        let n = if cfg!(miri) { 100_000 } else { 1_000_000 };
        let pool = std::sync::Arc::new(pool_with_counters(2, 1000));
        batch(&pool, 1000, 1000); // warm, small
        let before = live_bytes();
        // Each item counted from 1 to 1 + n / 1000.
        let per_item = n / 1000;
        assert_eq!(
            batch(&pool, n, 1000),
            1000 * ((per_item + 1) * (per_item + 2) / 2 - 1)
        );
        let after_one = live_bytes() - before;
        assert!(
            after_one < RETAINED_CAP + SLACK,
            "after one batch of {n}: {after_one} bytes kept"
        );
        // Four at once, each a quarter of that.
        let callers: Vec<_> = (0..4)
            .map(|_| {
                let pool = std::sync::Arc::clone(&pool);
                std::thread::spawn(move || batch(&pool, n / 4, 1000))
            })
            .collect();
        callers
            .into_iter()
            .for_each(|c| assert!(c.join().unwrap() > 0));
        let after_four = live_bytes() - before;
        assert!(
            after_four < RETAINED_CAP + SLACK,
            "after four concurrent batches of {}: {after_four} bytes kept",
            n / 4
        );
    });
}
