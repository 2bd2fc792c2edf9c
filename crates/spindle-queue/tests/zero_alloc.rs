//! Steady-state push/pop allocates nothing: a counting global allocator proves it.
//!
//! Only allocations made on threads that opted in are counted, so the test harness and other
//! tests running in parallel do not disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use spindle_queue::{BoundedQueue, Queue};

struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    // Per thread, like the switch: a shared counter read with a relaxed load could return a
    // stale value (Miri's weak-memory emulation does) and charge one thread's window with
    // another thread's allocation.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: forwards every call to `System` unchanged; only bumps a counter on the side.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller's contract is passed on to `System`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
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

/// Allocations made on this thread while `f` runs.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

const CYCLES: usize = if cfg!(miri) { 300 } else { 100_000 };

/// Push a burst of up to `max_len` values, then pop them, `CYCLES` times in all; the burst
/// size varies so the queue's length moves across segment boundaries.
fn bounded_length_cycles(q: &Queue<u64>, max_len: usize) {
    let mut done = 0;
    let mut burst = 1;
    while done < CYCLES {
        for i in 0..burst {
            q.push(i as u64).unwrap();
        }
        for i in 0..burst {
            assert_eq!(q.pop(), Some(i as u64));
        }
        done += burst;
        burst = burst % max_len + 7;
    }
}

#[test]
fn unbounded_queue_allocates_nothing_once_warmed_up() {
    let q = Queue::new();
    // Warm-up: reach the largest length once, and a little more, since a burst may straddle
    // one more segment boundary later than it did during the warm-up.
    bounded_length_cycles(&q, 100);
    for i in 0..100 + 2 * Queue::<u64>::SEGMENT_CAPACITY {
        q.push(i as u64).unwrap();
    }
    while q.pop().is_some() {}
    let allocations = allocations_during(|| bounded_length_cycles(&q, 100));
    assert_eq!(
        allocations, 0,
        "{allocations} allocations in {CYCLES} push/pop cycles"
    );
}

#[test]
fn unbounded_queue_with_capacity_allocates_nothing_at_all() {
    let q = Queue::with_capacity(100).unwrap();
    let allocations = allocations_during(|| bounded_length_cycles(&q, 100));
    assert_eq!(allocations, 0);
}

#[test]
fn unbounded_queue_shared_by_two_threads_allocates_nothing_once_warmed_up() {
    const LIMIT: usize = 64;
    let q = Arc::new(Queue::new());
    let counting = Arc::new(AtomicBool::new(false));
    let consumer = {
        let (q, counting) = (Arc::clone(&q), Arc::clone(&counting));
        thread::spawn(move || {
            let mut got = 0;
            let mut allocations = 0;
            while got < 2 * CYCLES {
                let measuring = counting.load(Ordering::Acquire);
                let n = if measuring {
                    allocations_during(|| {
                        if q.pop().is_some() {
                            got += 1;
                        }
                    })
                } else {
                    usize::from(q.pop().is_some())
                };
                if measuring {
                    allocations += n;
                } else {
                    got += n;
                }
            }
            allocations
        })
    };
    let push_bounded = |q: &Queue<u64>, n: usize| {
        for i in 0..n {
            // Keep the length bounded: wait for the consumer to catch up.
            while q.len() >= LIMIT {
                std::hint::spin_loop();
            }
            q.push(i as u64).unwrap();
        }
    };
    push_bounded(&q, CYCLES); // warm-up
    counting.store(true, Ordering::Release);
    let producer_allocations = allocations_during(|| push_bounded(&q, CYCLES));
    let consumer_allocations = consumer.join().unwrap();
    assert_eq!(producer_allocations, 0);
    assert_eq!(consumer_allocations, 0);
}

#[test]
fn bounded_queue_allocates_nothing_after_construction() {
    let q = BoundedQueue::new(64).unwrap();
    let allocations = allocations_during(|| {
        for i in 0..CYCLES {
            q.push(i).unwrap();
            if i % 64 == 63 {
                // Full: refusals and evictions allocate nothing either.
                assert!(q.push(0).is_err());
                assert!(q.force_push(0).unwrap().is_some());
                while q.pop().is_some() {}
            }
        }
    });
    assert_eq!(allocations, 0);
}

#[test]
fn blocking_operations_allocate_nothing_even_when_they_park() {
    // A ring of two between two threads: both sides keep finding it full or empty, so they
    // spin and park. Both threads count from the start (after one warm-up round trip, which
    // also has each thread's `Thread` handle made).
    let q = Arc::new(BoundedQueue::new(2).unwrap());
    let unbounded = Arc::new(Queue::with_capacity(64).unwrap());
    q.push(0).unwrap();
    assert_eq!(q.pop(), Some(0));
    let consumer = {
        let (q, unbounded) = (Arc::clone(&q), Arc::clone(&unbounded));
        thread::spawn(move || {
            let _ = thread::current();
            allocations_during(|| {
                for i in 0..CYCLES as u64 {
                    assert_eq!(q.pop_blocking(), Ok(i));
                    // And back through the unbounded queue's blocking pop, in the other
                    // direction.
                    unbounded.push(i).unwrap();
                }
            })
        })
    };
    let _ = thread::current();
    let producer_allocations = allocations_during(|| {
        for i in 0..CYCLES as u64 {
            q.push_blocking(i).unwrap();
            if i % 2 == 1 {
                assert_eq!(unbounded.pop_blocking(), Ok(i - 1));
                assert_eq!(unbounded.pop_blocking(), Ok(i));
            }
        }
    });
    assert_eq!(consumer.join().unwrap(), 0);
    assert_eq!(producer_allocations, 0);
}
