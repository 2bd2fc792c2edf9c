//! [`Queue`]: the unbounded MPMC FIFO queue.
//!
//! # Design
//!
//! The queue is a linked list of segments of [`SEGMENT_CAP`] slots (see `segment.rs`). The head
//! and tail are each an index plus a segment pointer, on their own cache lines. An index counts
//! slots in laps of [`LAP`]; its low bit (`HAS_NEXT`, head only) caches "the head segment is not
//! the last", so most pops never read the tail's cache line. A producer claims a slot with one
//! CAS on the tail index, a consumer with one CAS on the head index; the slot's state word then
//! hands the value over (crossbeam's `SegQueue` protocol).
//!
//! Closing sets the low bit of the tail index (`CLOSED`; crossbeam-channel's list flavour does
//! the same): the CAS that claims a slot fails once it is set, so no value gets in after a
//! close, and a pop that sees it with the queue drained knows none ever will. Blocking pops
//! wait on an [`EventCount`]; each push notifies it, which costs one load while nobody waits.
//!
//! Where `SegQueue` frees a drained segment and allocates a fresh one every `SEGMENT_CAP`
//! pushes, this queue retires drained segments to a stack of spares (`spares.rs`) and the
//! producer that fills a segment takes its successor from there. A workload whose length stays
//! within the retained capacity allocates nothing once warmed up.
//!
//! The waiting ends (`pop_blocking`, `pop_timeout`, `close`) are in `waiting.rs`; the by-value
//! iterator, `Extend` and `FromIterator` in `into_iter.rs`.
//!
//! # Invariants
//!
//! - **Q1 (monotonic indices).** The head and tail indices only grow (wrapping after 2^63
//!   operations). The segment pointer in a position changes only after its index has moved past
//!   that segment's last slot, so a thread whose CAS on an index succeeds also holds the segment
//!   that index lies in; a thread that loses its CAS never dereferences the pointer it read.
//!   Recycled segments are thus safe from ABA: a stale index never matches again.
//! - **Q2 (install window).** An index resting on offset `SEGMENT_CAP` means the thread that
//!   claimed the segment's last slot is installing (tail) or moving to (head) the next segment;
//!   others wait for it. Tail installs are therefore serialised, which is what lets one thread at
//!   a time take from the spares (invariant P1 in `spares.rs`).
//! - **Q3 (closing).** `CLOSED` is only ever set, and only in the tail index; every later write
//!   to the tail index is a CAS from a value without it (which fails) or an addition that
//!   keeps it.
//! - Slot ownership and retirement: invariants G1–G3 in `segment.rs`.

use core::fmt;
use core::marker::PhantomData;
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::ptr;
use std::alloc::Layout;

use crossbeam_utils::CachePadded;

use crate::error::{CapacityError, Empty};
use crate::segment::{LAP, SEGMENT_CAP, Segment, finish_read};
use crate::spares::Spares;
use spindle_utils::Closed;
use spindle_utils::EventCount;
use spindle_utils::sync::marked::{AtomicPtr, AtomicUsize};
use spindle_utils::sync::{Backoff, Ordering};

pub(crate) mod into_iter;
mod waiting;

/// Low index bits reserved for flags.
const SHIFT: usize = 1;
/// Head-only flag: the head segment has a successor.
const HAS_NEXT: usize = 1;
/// Tail-only flag: the queue is closed (Q3).
const CLOSED: usize = 1;

/// How many items' worth of drained segments [`Queue::new`] keeps for reuse.
pub const DEFAULT_RETAINED_CAPACITY: usize = 1024;

/// The most bytes of drained segments [`Queue::new`] keeps for reuse, whatever the item size
/// (at least one segment is kept).
pub const DEFAULT_RETAINED_BYTES: usize = 256 * 1024;

/// An index and the segment it lies in.
struct Position<T> {
    index: AtomicUsize,
    segment: AtomicPtr<Segment<T>>,
}

impl<T> Position<T> {
    fn new(segment: *mut Segment<T>) -> Self {
        Position {
            index: AtomicUsize::new(0),
            segment: AtomicPtr::new(segment),
        }
    }

    /// The index, then the segment pointer (in that order, Q1: the segment may already be a
    /// later one than the index lies in, never an earlier one).
    #[inline]
    fn load(&self) -> (usize, *mut Segment<T>) {
        // Acquire (both): pairs with the Release stores of a finished install or head move, so
        // the segment behind the pointer is initialised.
        let index = self.index.load(Ordering::Acquire);
        (index, self.segment.load(Ordering::Acquire))
    }
}

/// An unbounded, lock-free, multi-producer multi-consumer FIFO queue that recycles its memory.
///
/// Values live in segments of a few dozen slots linked in a list. Unlike
/// `crossbeam_queue::SegQueue`, drained segments are not freed but kept (up to a retained
/// capacity) and reused, so once a workload has warmed up, [`push`](Queue::push) and
/// [`pop`](Queue::pop) allocate nothing.
///
/// Values pushed by one thread are popped in the order that thread pushed them.
///
/// # Examples
///
/// ```
/// use spindle_queue::Queue;
///
/// let q = Queue::new();
/// q.push('a').unwrap();
/// q.push('b').unwrap();
/// assert_eq!(q.pop(), Some('a'));
/// assert_eq!(q.pop(), Some('b'));
/// assert_eq!(q.pop(), None);
/// ```
pub struct Queue<T> {
    head: CachePadded<Position<T>>,
    tail: CachePadded<Position<T>>,
    spares: Spares<T>,
    /// Waiters for a value ([`pop_blocking`](Queue::pop_blocking)).
    not_empty: EventCount,
    /// The queue owns values of type `T` and drops them.
    _marker: PhantomData<T>,
}

// SAFETY: values move between threads through the queue, which needs `T: Send` and nothing
// more; the queue never hands out references to values, so `T: Sync` is not needed for `Sync`.
unsafe impl<T: Send> Send for Queue<T> {}
// SAFETY: as above; all shared state is accessed through atomics or under invariant G1.
unsafe impl<T: Send> Sync for Queue<T> {}

impl<T> UnwindSafe for Queue<T> {}
impl<T> RefUnwindSafe for Queue<T> {}

impl<T> Queue<T> {
    /// Values one segment holds; memory is allocated and recycled in segments of this size.
    ///
    /// ```
    /// assert!(spindle_queue::Queue::<u8>::SEGMENT_CAPACITY >= 2);
    /// ```
    pub const SEGMENT_CAPACITY: usize = SEGMENT_CAP;

    /// Creates an empty queue. Allocates nothing until the first push; keeps up to
    /// [`DEFAULT_RETAINED_CAPACITY`] items' worth of drained segments for reuse, and never more
    /// than [`DEFAULT_RETAINED_BYTES`] of them (so a queue of large values that once held a
    /// burst does not keep megabytes after it drains; at least one segment is always kept).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::Queue::<u64>::new();
    /// assert!(q.is_empty());
    /// // Large values: the retained memory is capped in bytes, not only in items.
    /// let big = spindle_queue::Queue::<[u8; 4096]>::new();
    /// assert!(big.retained_capacity() * 4096 <= spindle_queue::DEFAULT_RETAINED_BYTES.max(
    ///     4096 * spindle_queue::Queue::<[u8; 4096]>::SEGMENT_CAPACITY));
    /// ```
    pub fn new() -> Self {
        // Whole segments that fit the byte cap, at least one.
        let segments = (DEFAULT_RETAINED_BYTES / (size_of::<T>().max(1) * SEGMENT_CAP)).max(1);
        let by_bytes = segments.saturating_mul(SEGMENT_CAP);
        Self::with_spares(0, DEFAULT_RETAINED_CAPACITY.min(by_bytes))
    }

    /// Creates an empty queue with room for `capacity` values allocated up front, and keeps
    /// at least that much memory for reuse as it drains. A workload that never holds more than
    /// `capacity` values allocates nothing at all, warm-up included.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if the segments for `capacity` values would not fit in memory (their
    /// size in bytes overflows `isize`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::Queue::with_capacity(100)?;
    /// for i in 0..100 {
    ///     q.push(i).unwrap(); // no allocation
    /// }
    /// assert_eq!(q.len(), 100);
    /// assert!(spindle_queue::Queue::<u64>::with_capacity(usize::MAX).is_err());
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        // One extra segment: see `with_spares`.
        let segments = capacity.div_ceil(SEGMENT_CAP).saturating_add(1);
        Layout::array::<Segment<T>>(segments).map_err(|_| CapacityError::new(capacity))?;
        Ok(Self::with_spares(
            capacity,
            capacity.max(DEFAULT_RETAINED_CAPACITY),
        ))
    }

    /// Creates an empty queue that keeps at most `retained` items' worth of drained segments
    /// for reuse (rounded up to whole segments); `0` frees every drained segment, as
    /// `SegQueue` does.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::Queue::<u64>::with_retained_capacity(0);
    /// q.push(1).unwrap();
    /// assert_eq!(q.retained_capacity(), 0);
    /// ```
    pub fn with_retained_capacity(retained: usize) -> Self {
        Self::with_spares(0, retained)
    }

    fn with_spares(preallocate: usize, retained: usize) -> Self {
        let segments = |items: usize| items.div_ceil(SEGMENT_CAP);
        let spares = Spares::new(segments(retained));
        let first = if preallocate == 0 {
            ptr::null_mut()
        } else {
            // The first segment is installed now; the rest wait as spares. One extra spare
            // covers a tail that has moved to a fresh segment while the head still drains.
            for _ in 0..segments(preallocate) {
                // SAFETY: a fresh, empty segment we own.
                unsafe { spares.put(Segment::alloc()) };
            }
            Segment::alloc()
        };
        Queue {
            head: CachePadded::new(Position::new(first)),
            tail: CachePadded::new(Position::new(first)),
            spares,
            not_empty: EventCount::new(),
            _marker: PhantomData,
        }
    }

    /// Most items' worth of drained segments this queue keeps for reuse.
    ///
    /// ```
    /// let q = spindle_queue::Queue::<u8>::new();
    /// assert!(q.retained_capacity() >= spindle_queue::DEFAULT_RETAINED_CAPACITY);
    /// ```
    pub fn retained_capacity(&self) -> usize {
        self.spares.limit() * SEGMENT_CAP
    }

    /// Pushes `value` at the back of the queue.
    ///
    /// Lock-free; allocates only when no drained segment is available to reuse. Wakes one
    /// thread blocked in [`pop_blocking`](Queue::pop_blocking), if any.
    ///
    /// # Errors
    ///
    /// [`Closed`] holding `value` if the queue is [closed](Queue::close).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::Queue::new();
    /// q.push(10).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    #[inline]
    pub fn push(&self, value: T) -> Result<(), Closed<T>> {
        self.push_inner(value, false)
    }

    /// Pushes `value`; refuses it if the queue is closed, unless `into_closed`.
    fn push_inner(&self, value: T, into_closed: bool) -> Result<(), Closed<T>> {
        let backoff = Backoff::new();
        let (mut tail, mut segment) = self.tail.load();

        loop {
            if tail & CLOSED != 0 && !into_closed {
                return Err(Closed(value));
            }
            let offset = (tail >> SHIFT) % LAP;

            // Another producer is installing the next segment (Q2).
            if offset == SEGMENT_CAP {
                backoff.snooze();
                (tail, segment) = self.tail.load();
                continue;
            }

            if segment.is_null() {
                self.install_first_segment();
                // Reload both, index first (Q1): the tail may already have moved on to a
                // later segment than the one just installed.
                (tail, segment) = self.tail.load();
                continue;
            }

            let new_tail = tail + (1 << SHIFT);
            // SeqCst: orders the claim against the fence + tail load in `pop`'s emptiness check.
            match self.tail.index.compare_exchange_weak(
                tail,
                new_tail,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if offset + 1 == SEGMENT_CAP {
                        // We claimed the last slot: install the next segment (Q2).
                        // SAFETY: installs are serialised (Q2), so we are the only taker (P1).
                        let next = unsafe { self.spares.take() }.unwrap_or_else(Segment::alloc);
                        // Release (all three): publish the fresh segment's state before any
                        // producer or consumer can reach it.
                        self.tail.segment.store(next, Ordering::Release);
                        // An addition, not a store: a close may have marked the index (Q3).
                        self.tail.index.fetch_add(1 << SHIFT, Ordering::Release);
                        // SAFETY: our slot is unwritten, so the segment cannot be retired (G3).
                        unsafe { (*segment).next.store(next, Ordering::Release) };
                    }
                    // SAFETY: the CAS claimed this slot (G1) in the segment of `tail` (Q1).
                    unsafe { (*segment).slot(offset).write(value) };
                    self.not_empty.notify_one();
                    return Ok(());
                }
                Err(current) => {
                    tail = current;
                    segment = self.tail.segment.load(Ordering::Acquire);
                    backoff.spin();
                }
            }
        }
    }

    /// Installs the first segment of a queue made by [`Queue::new`], racing other first pushes.
    #[cold]
    fn install_first_segment(&self) {
        let new = Segment::alloc();
        // Release: publishes the zeroed segment; pairs with the Acquire loads in push and pop.
        match self.tail.segment.compare_exchange(
            ptr::null_mut(),
            new,
            Ordering::Release,
            Ordering::Acquire,
        ) {
            Ok(_) => self.head.segment.store(new, Ordering::Release),
            // SAFETY: `new` never left this thread and holds no values.
            Err(_) => unsafe { self.spares.put(new) },
        }
    }

    /// Pops the value at the front of the queue, or `None` if the queue is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::Queue::new();
    /// q.push(10).unwrap();
    /// assert_eq!(q.pop(), Some(10));
    /// assert_eq!(q.pop(), None);
    /// ```
    #[inline]
    pub fn pop(&self) -> Option<T> {
        self.try_pop().ok()
    }

    /// Pops the value at the front; tells an empty queue from a closed, drained one.
    pub(crate) fn try_pop(&self) -> Result<T, Empty> {
        let backoff = Backoff::new();
        let (mut head, mut segment) = self.head.load();

        loop {
            let offset = (head >> SHIFT) % LAP;

            // Another consumer is moving the head to the next segment (Q2).
            if offset == SEGMENT_CAP {
                backoff.snooze();
                (head, segment) = self.head.load();
                continue;
            }

            let mut new_head = head + (1 << SHIFT);

            if new_head & HAS_NEXT == 0 {
                // SeqCst: this load and the SeqCst CAS in `push` are ordered in the single total
                // order, so a push claimed before this check is seen and the queue is not
                // wrongly reported empty. (crossbeam uses a SeqCst fence and a relaxed load;
                // a SeqCst load gives the same guarantee for this one location and, on x86, is
                // a plain load instead of an `mfence`.)
                let tail = self.tail.index.load(Ordering::SeqCst);
                if head >> SHIFT == tail >> SHIFT {
                    // No push gets in once the tail is marked (Q3): closed and drained.
                    return Err(if tail & CLOSED != 0 {
                        Empty::Closed
                    } else {
                        Empty::Now
                    });
                }
                if (head >> SHIFT) / LAP != (tail >> SHIFT) / LAP {
                    new_head |= HAS_NEXT;
                }
            }

            // Only while the first push is installing the first segment.
            if segment.is_null() {
                backoff.snooze();
                (head, segment) = self.head.load();
                continue;
            }

            // SeqCst: see the fence above.
            match self.head.index.compare_exchange_weak(
                head,
                new_head,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if offset + 1 == SEGMENT_CAP {
                        // We claimed the last slot: move the head to the next segment (Q2).
                        // SAFETY: we hold the last slot, so the segment is not retired (G3).
                        let next = unsafe { (*segment).wait_next() };
                        let mut next_index = (new_head & !HAS_NEXT).wrapping_add(1 << SHIFT);
                        // Relaxed: a hint only; a stale null just means a tail check later.
                        // SAFETY: `next` is the live successor; the head has not passed it.
                        if unsafe { !(*next).next.load(Ordering::Relaxed).is_null() } {
                            next_index |= HAS_NEXT;
                        }
                        // Release (both): publish the move; pairs with the Acquire loads above.
                        self.head.segment.store(next, Ordering::Release);
                        self.head.index.store(next_index, Ordering::Release);
                    }

                    // SAFETY: the CAS claimed this slot (G1) in the segment of `head` (Q1).
                    let value = unsafe { (*segment).slot(offset).take() };
                    if offset + 1 == SEGMENT_CAP {
                        // SAFETY: we read the last slot, so we begin retirement (G3).
                        unsafe { Segment::retire(segment, 0, &self.spares) };
                    } else {
                        // SAFETY: we claimed and emptied slot `offset`, not the last one.
                        unsafe { finish_read(segment, offset, &self.spares) };
                    }
                    return Ok(value);
                }
                Err(current) => {
                    head = current;
                    segment = self.head.segment.load(Ordering::Acquire);
                    backoff.spin();
                }
            }
        }
    }

    /// Returns `true` if the queue holds no values.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::Queue::new();
    /// assert!(q.is_empty());
    /// q.push(1).unwrap();
    /// assert!(!q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let head = self.head.index.load(Ordering::SeqCst);
        let tail = self.tail.index.load(Ordering::SeqCst);
        head >> SHIFT == tail >> SHIFT
    }

    /// The number of values in the queue: a snapshot that other threads may already have
    /// changed. Reads both indices, writes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::Queue::new();
    /// q.push(1).unwrap();
    /// q.push(2).unwrap();
    /// assert_eq!(q.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        loop {
            let tail = self.tail.index.load(Ordering::SeqCst);
            let head = self.head.index.load(Ordering::SeqCst);
            // A consistent pair: the tail did not move while we read the head.
            if self.tail.index.load(Ordering::SeqCst) == tail {
                return count_between(head >> SHIFT, tail >> SHIFT);
            }
        }
    }
}

/// Values between head slot-index `head` and tail slot-index `tail`, skipping the one index per
/// lap that names no slot.
fn count_between(mut head: usize, mut tail: usize) -> usize {
    // An index resting on a lap's end is about to become the next lap's first slot.
    if tail % LAP == SEGMENT_CAP {
        tail = tail.wrapping_add(1);
    }
    if head % LAP == SEGMENT_CAP {
        head = head.wrapping_add(1);
    }
    // Rotate so that the head lies in lap 0.
    let base = head / LAP * LAP;
    let (head, tail) = (head.wrapping_sub(base), tail.wrapping_sub(base));
    tail - head - tail / LAP
}

impl<T> Drop for Queue<T> {
    fn drop(&mut self) {
        // Exclusive access: plain loads see every completed operation.
        let mut rest = DropRest {
            head: self.head.index.load(Ordering::Relaxed) >> SHIFT,
            tail: self.tail.index.load(Ordering::Relaxed) >> SHIFT,
            segment: self.head.segment.load(Ordering::Relaxed),
        };
        rest.finish();
        // The spares free themselves.
    }
}

/// The values and segments a dropped `Queue` still holds. If a value's `Drop` panics, this
/// guard's own drop finishes the walk while unwinding, so the other values are still dropped
/// and the segments freed (as `Vec` does; a second panic aborts, as it does there).
struct DropRest<T> {
    head: usize,
    tail: usize,
    segment: *mut Segment<T>,
}

impl<T> DropRest<T> {
    fn finish(&mut self) {
        while self.head != self.tail {
            let offset = self.head % LAP;
            // Advance first: a value that panics in its drop is not dropped again.
            self.head = self.head.wrapping_add(1);
            if offset < SEGMENT_CAP {
                // SAFETY: indices in [head, tail) hold written, unread values; the queue's
                // `&mut self` means no thread is mid-operation, and each index is visited once.
                unsafe { (*self.segment).slot(offset).drop_value() };
            } else {
                // SAFETY: every value of this segment is dropped; nobody else can reach it.
                let next = unsafe { (*self.segment).next.load(Ordering::Relaxed) };
                // SAFETY: as above.
                unsafe { Segment::free(self.segment) };
                self.segment = next;
            }
        }
        let last = std::mem::replace(&mut self.segment, ptr::null_mut());
        if !last.is_null() {
            // SAFETY: the tail segment, emptied above; nulled so it is freed once.
            unsafe { Segment::free(last) };
        }
    }
}

impl<T> Drop for DropRest<T> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests;
