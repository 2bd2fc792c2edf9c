//! [`CountingAllocator`]: proves a code path allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A global allocator that forwards to `System` and counts allocations (not frees) while
/// counting is on. Install it in a test binary:
///
/// ```ignore
/// use spindle_test_support::CountingAllocator;
///
/// #[global_allocator]
/// static ALLOC: CountingAllocator = CountingAllocator::new();
///
/// #[test]
/// fn warm_path_allocates_nothing() {
///     let (_, allocations) = ALLOC.count(|| 1 + 1);
///     assert_eq!(allocations, 0);
/// }
/// ```
///
/// The count is process-wide (every thread's allocations while counting is on), so a binary
/// that counts should hold one test, or run its counted sections one at a time.
#[derive(Debug)]
pub struct CountingAllocator {
    counting: AtomicBool,
    allocations: AtomicUsize,
}

impl CountingAllocator {
    /// An allocator that is not counting yet.
    pub const fn new() -> Self {
        CountingAllocator {
            counting: AtomicBool::new(false),
            allocations: AtomicUsize::new(0),
        }
    }

    /// Runs `f` with counting on; returns its result and the allocations made meanwhile (on
    /// any thread).
    pub fn count<R>(&self, f: impl FnOnce() -> R) -> (R, usize) {
        let before = self.allocations.load(Ordering::SeqCst);
        self.counting.store(true, Ordering::SeqCst);
        let result = f();
        self.counting.store(false, Ordering::SeqCst);
        (result, self.allocations.load(Ordering::SeqCst) - before)
    }

    /// Allocations counted so far.
    pub fn allocations(&self) -> usize {
        self.allocations.load(Ordering::SeqCst)
    }

    fn note(&self) {
        if self.counting.load(Ordering::Relaxed) {
            self.allocations.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Default for CountingAllocator {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: forwards every call to `System` unchanged; only bumps a counter on the side.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.note();
        // SAFETY: the caller's contract is passed on to `System`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.note();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}
