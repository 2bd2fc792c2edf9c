//! [`BoundedQueue`]: the fixed-capacity MPMC ring.
//!
//! # Design
//!
//! Dmitry Vyukov's bounded MPMC queue, with crossbeam `ArrayQueue`'s lap encoding so any
//! capacity works: an index is `lap * one_lap + slot`, where `one_lap` is the smallest power of
//! two above the capacity. Each slot carries a stamp saying whose turn it is: `index` when the
//! producer with that tail index may write it, `index + 1` when the consumer with that head
//! index may read it. Producers claim slots with a CAS on `tail`, consumers with a CAS on
//! `head`; the two live on separate cache lines, and `len` only reads them.
//!
//! Slots sit in position order. Spreading neighbouring positions over different cache lines
//! (so a producer and a consumer one slot apart never share a line) was tried and measured
//! 2-5x *slower* on the 2p2c bench: in order, one line transfer hands a consumer several
//! values at once.
//!
//! Closing sets a mark bit in `tail` (crossbeam-channel's array flavour does the same), so a
//! push and a close are ordered by the one CAS: no value gets in after the close, and a pop that
//! sees the mark with the queue drained knows none ever will. Blocking operations wait on two
//! [`EventCount`]s, `not_empty` and `not_full`; each push and pop notifies the other side, which
//! costs one load while nobody waits.
//!
//! The waiting ends (`push_blocking`, `pop_timeout`, ..., `close`) are in `waiting.rs`.
//!
//! # Invariants
//!
//! - **B1 (turns).** A slot's value is written only by the thread whose CAS moved `tail` from
//!   the index equal to the slot's stamp, and read only by the thread whose CAS moved `head`
//!   from `stamp - 1`. Each publishes with a Release store of the next stamp, which the next
//!   owner reads with Acquire before touching the value.
//! - **B2 (monotonic).** `head` and `tail` advance in laps and never go back (wrapping after
//!   2^64 / `one_lap` laps), so a stale index never matches a stamp again.
//! - **B3 (closing).** The mark bit is only ever set, and only in `tail`; every write to `tail`
//!   after it is a CAS from an unmarked value (which then fails) or an addition that keeps it.

use core::fmt;
use core::mem::MaybeUninit;
use core::panic::{RefUnwindSafe, UnwindSafe};
use std::alloc::Layout;

use crossbeam_utils::CachePadded;

use crate::error::{CapacityError, Empty, PushError};
use crate::iter::by_value_iter;
use spindle_utils::Closed;
use spindle_utils::EventCount;
use spindle_utils::sync::marked::AtomicUsize;
use spindle_utils::sync::{Backoff, Ordering, UnsafeCell};

mod waiting;

/// One value cell and its turn stamp.
struct Slot<T> {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// A fixed-capacity, lock-free, multi-producer multi-consumer FIFO queue.
///
/// All memory is allocated by [`new`](BoundedQueue::new); pushing and popping never allocate.
/// [`push`](BoundedQueue::push) hands the value back when the queue is full;
/// [`force_push`](BoundedQueue::force_push) makes room by evicting the oldest value instead.
///
/// # Examples
///
/// ```
/// use spindle_queue::{BoundedQueue, PushError};
///
/// let q = BoundedQueue::new(2)?;
/// assert_eq!(q.push('a'), Ok(()));
/// assert_eq!(q.push('b'), Ok(()));
/// assert_eq!(q.push('c'), Err(PushError::Full('c')));
/// assert_eq!(q.pop(), Some('a'));
/// # Ok::<(), spindle_queue::CapacityError>(())
/// ```
pub struct BoundedQueue<T> {
    /// Next index to pop from.
    head: CachePadded<AtomicUsize>,
    /// Next index to push to.
    tail: CachePadded<AtomicUsize>,
    buffer: Box<[Slot<T>]>,
    /// Slots in `buffer`.
    cap: usize,
    /// Smallest power of two greater than `cap`: set in `tail` once the queue is closed (B3).
    mark_bit: usize,
    /// `2 * mark_bit`: the index step of one full lap.
    one_lap: usize,
    /// Waiters for a value ([`pop_blocking`](BoundedQueue::pop_blocking)).
    not_empty: EventCount,
    /// Waiters for room ([`push_blocking`](BoundedQueue::push_blocking)).
    not_full: EventCount,
}

// SAFETY: values move between threads through the queue, which needs `T: Send` only; no
// reference to a value is ever shared.
unsafe impl<T: Send> Send for BoundedQueue<T> {}
// SAFETY: as above; slot access follows invariant B1.
unsafe impl<T: Send> Sync for BoundedQueue<T> {}

impl<T> UnwindSafe for BoundedQueue<T> {}
impl<T> RefUnwindSafe for BoundedQueue<T> {}

impl<T> BoundedQueue<T> {
    /// Creates an empty queue holding at most `capacity` values, allocating all its memory now.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if `capacity` is zero, too large to index, or its ring of slots
    /// (about `capacity * (size_of::<T>() + 8)` bytes) does not fit an allocation or is
    /// refused by the allocator.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::<u32>::new(100)?;
    /// assert_eq!(q.capacity(), 100);
    /// assert!(spindle_queue::BoundedQueue::<u32>::new(0).is_err());
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn new(capacity: usize) -> Result<Self, CapacityError> {
        let too_big = CapacityError::new(capacity);
        let mark_bit = capacity
            .checked_add(1)
            .and_then(usize::checked_next_power_of_two)
            .filter(|_| capacity > 0 && capacity <= isize::MAX as usize / 4)
            .ok_or(too_big)?;
        // The ring's size in bytes must fit an allocation (`Layout::array`), and the allocation
        // itself may be refused: both are the caller's bad capacity, never a panic or an abort.
        Layout::array::<Slot<T>>(capacity).map_err(|_| too_big)?;
        let mut buffer = Vec::new();
        buffer.try_reserve_exact(capacity).map_err(|_| too_big)?;
        // Lap 0: the slot at position `p` waits for the producer with tail index `p`.
        buffer.extend((0..capacity).map(|position| Slot {
            stamp: AtomicUsize::new(position),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }));
        let buffer = buffer.into_boxed_slice();
        Ok(BoundedQueue {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            buffer,
            cap: capacity,
            mark_bit,
            one_lap: mark_bit * 2,
            not_empty: EventCount::new(),
            not_full: EventCount::new(),
        })
    }

    /// The index after `index`: the next slot, or slot 0 of the next lap.
    #[inline]
    fn advance(&self, index: usize) -> usize {
        if (index & (self.mark_bit - 1)) + 1 < self.cap {
            index + 1
        } else {
            (index & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    #[inline]
    fn slot(&self, index: usize) -> &Slot<T> {
        let i = index & (self.mark_bit - 1);
        debug_assert!(i < self.cap);
        // SAFETY: an index's slot part is always below `cap` (see `advance`).
        unsafe { self.buffer.get_unchecked(i) }
    }

    /// Pushes `value` at the back, or hands it back if the queue is full or closed.
    ///
    /// # Errors
    ///
    /// [`PushError::Full`] or [`PushError::Closed`], holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::new(1)?;
    /// assert!(q.push(1).is_ok());
    /// assert_eq!(q.push(2).unwrap_err().into_inner(), 2);
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn push(&self, value: T) -> Result<(), PushError<T>> {
        self.push_or_else(value, |value, tail, _, _| {
            // SeqCst: ordered with consumers' SeqCst CAS on `head` in the single total order,
            // so a pop that made room before this check is seen.
            let head = self.head.load(Ordering::SeqCst);
            // Full when the head is exactly one lap behind the tail.
            if head.wrapping_add(self.one_lap) == tail {
                Err(PushError::Full(value))
            } else {
                Ok(value)
            }
        })
    }

    /// Pushes `value` at the back; if the queue is full, evicts the value at the front to make
    /// room and returns it.
    ///
    /// # Errors
    ///
    /// [`Closed`] holding `value` if the queue is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::new(2)?;
    /// assert_eq!(q.force_push(1), Ok(None));
    /// assert_eq!(q.force_push(2), Ok(None));
    /// assert_eq!(q.force_push(3), Ok(Some(1)));
    /// assert_eq!(q.pop(), Some(2));
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn force_push(&self, value: T) -> Result<Option<T>, Closed<T>> {
        let pushed = self.push_or_else(value, |value, tail, new_tail, slot| {
            let head = tail.wrapping_sub(self.one_lap);
            let new_head = new_tail.wrapping_sub(self.one_lap);
            // SeqCst: the eviction takes the consumer's turn on this slot; it must be ordered
            // with consumers' claims on `head` and producers' on `tail`.
            if self
                .head
                .compare_exchange_weak(head, new_head, Ordering::SeqCst, Ordering::Relaxed)
                .is_err()
            {
                return Ok(value);
            }
            // We own both turns on the slot (B1): move the tail past it, swap the value. No
            // producer can move the tail meanwhile (its slot is ours), but a close may mark it:
            // add the step rather than store, to keep the mark (B3).
            self.tail
                .fetch_add(new_tail.wrapping_sub(tail), Ordering::SeqCst);
            // SAFETY: winning the head CAS at `tail - one_lap` makes us the slot's consumer,
            // and the stamp says its producer has finished (B1).
            let old = slot
                .value
                .with_mut(|p| unsafe { p.replace(MaybeUninit::new(value)).assume_init() });
            // Release: publishes the new value to the next consumer (B1).
            slot.stamp.store(tail + 1, Ordering::Release);
            self.not_empty.notify_one();
            Err(PushError::Full(old))
        });
        match pushed {
            Ok(()) => Ok(None),
            Err(PushError::Full(old)) => Ok(Some(old)),
            Err(PushError::Closed(value)) => Err(Closed(value)),
        }
    }

    /// The shared push loop; `on_full` decides what to do when the tail slot is a lap behind.
    #[inline]
    fn push_or_else<F>(&self, mut value: T, on_full: F) -> Result<(), PushError<T>>
    where
        F: Fn(T, usize, usize, &Slot<T>) -> Result<T, PushError<T>>,
    {
        let backoff = Backoff::new();
        // Relaxed: the stamp's Acquire below is what orders slot access.
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                return Err(PushError::Closed(value));
            }
            let new_tail = self.advance(tail);
            let slot = self.slot(tail);
            // Acquire: pairs with the consumer's Release stamp store (B1).
            let stamp = slot.stamp.load(Ordering::Acquire);

            if stamp == tail {
                // Our turn, if no other producer takes it first (or a close marks the tail).
                // SeqCst: pairs with the SeqCst loads of the full/empty checks.
                match self.tail.compare_exchange_weak(
                    tail,
                    new_tail,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS gave us the producer's turn on this slot (B1).
                        slot.value
                            .with_mut(|p| unsafe { p.write(MaybeUninit::new(value)) });
                        // Release: publishes the value to the consumer (B1).
                        slot.stamp.store(tail + 1, Ordering::Release);
                        self.not_empty.notify_one();
                        return Ok(());
                    }
                    Err(current) => {
                        tail = current;
                        backoff.spin();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's value: possibly full. `on_full` decides with
                // SeqCst operations on `head`.
                value = on_full(value, tail, new_tail, slot)?;
                backoff.spin();
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                // Another producer claimed this slot and has not published yet.
                backoff.snooze();
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Pops the value at the front, or `None` if the queue is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::new(4)?;
    /// q.push(7).unwrap();
    /// assert_eq!(q.pop(), Some(7));
    /// assert_eq!(q.pop(), None);
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn pop(&self) -> Option<T> {
        self.try_pop().ok()
    }

    /// Pops the value at the front; tells an empty queue from a closed, drained one.
    pub(crate) fn try_pop(&self) -> Result<T, Empty> {
        let backoff = Backoff::new();
        // Relaxed: the stamp's Acquire below is what orders slot access.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let slot = self.slot(head);
            // Acquire: pairs with the producer's Release stamp store (B1).
            let stamp = slot.stamp.load(Ordering::Acquire);

            if stamp == head + 1 {
                let new_head = self.advance(head);
                // SeqCst: pairs with the SeqCst loads of the full/empty checks.
                match self.head.compare_exchange_weak(
                    head,
                    new_head,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS gave us the consumer's turn on this slot (B1).
                        let value = slot.value.with(|p| unsafe { p.read().assume_init() });
                        // Release: hands the slot to next lap's producer (B1).
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        self.not_full.notify_one();
                        return Ok(value);
                    }
                    Err(current) => {
                        head = current;
                        backoff.spin();
                    }
                }
            } else if stamp == head {
                // The slot awaits its producer: possibly empty.
                // SeqCst: ordered with producers' SeqCst CAS on `tail` in the single total order,
                // so a push claimed before this check is seen (a SeqCst load, not crossbeam's
                // fence + relaxed load: the same guarantee for one location, no `mfence` on x86).
                let tail = self.tail.load(Ordering::SeqCst);
                if tail & !self.mark_bit == head {
                    // No push gets in once the tail is marked (B3): closed and drained.
                    return Err(if tail & self.mark_bit != 0 {
                        Empty::Closed
                    } else {
                        Empty::Now
                    });
                }
                backoff.spin();
                head = self.head.load(Ordering::Relaxed);
            } else {
                // Another consumer claimed this slot and has not released it yet.
                backoff.snooze();
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// The most values the queue holds.
    ///
    /// ```
    /// assert_eq!(spindle_queue::BoundedQueue::<u8>::new(3)?.capacity(), 3);
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Returns `true` if the queue holds no values.
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::new(1)?;
    /// assert!(q.is_empty());
    /// q.push(()).unwrap();
    /// assert!(!q.is_empty());
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        let head = self.head.load(Ordering::SeqCst);
        let tail = self.tail.load(Ordering::SeqCst);
        tail & !self.mark_bit == head
    }

    /// Returns `true` if the queue holds [`capacity`](BoundedQueue::capacity) values.
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::new(1)?;
    /// q.push(()).unwrap();
    /// assert!(q.is_full());
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn is_full(&self) -> bool {
        let tail = self.tail.load(Ordering::SeqCst) & !self.mark_bit;
        let head = self.head.load(Ordering::SeqCst);
        head.wrapping_add(self.one_lap) == tail
    }

    /// The number of values in the queue: a snapshot that other threads may already have
    /// changed. Reads both indices, writes nothing.
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::new(8)?;
    /// q.push(1).unwrap();
    /// q.push(2).unwrap();
    /// assert_eq!(q.len(), 2);
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            // A consistent pair: the tail did not move while we read the head.
            if self.tail.load(Ordering::SeqCst) == tail {
                let tail = tail & !self.mark_bit;
                let hix = head & (self.mark_bit - 1);
                let tix = tail & (self.mark_bit - 1);
                return if hix < tix {
                    tix - hix
                } else if hix > tix {
                    self.cap - hix + tix
                } else if tail == head {
                    0
                } else {
                    self.cap
                };
            }
        }
    }
}

impl<T> Drop for BoundedQueue<T> {
    fn drop(&mut self) {
        // Exclusive access: every operation has completed.
        let mut rest = DropRest {
            slots: &self.buffer,
            head: self.head.load(Ordering::Relaxed) & (self.mark_bit - 1),
            next: 0,
            len: self.len(),
        };
        rest.finish();
    }
}

/// The values a dropped `BoundedQueue` still holds; if one's `Drop` panics, this guard's drop
/// finishes dropping the others while unwinding (as `Vec` does).
struct DropRest<'a, T> {
    slots: &'a [Slot<T>],
    head: usize,
    next: usize,
    len: usize,
}

impl<T> DropRest<'_, T> {
    fn finish(&mut self) {
        while self.next < self.len {
            let index = (self.head + self.next) % self.slots.len();
            // Advance first: a value that panics in its drop is not dropped again.
            self.next += 1;
            // SAFETY: the `len` slots after the head hold written, unread values, each visited
            // once, and the queue's `&mut self` means nobody else touches them.
            self.slots[index]
                .value
                .with_mut(|p| unsafe { (*p).assume_init_drop() });
        }
    }
}

impl<T> Drop for DropRest<'_, T> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl<T> fmt::Debug for BoundedQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedQueue")
            .field("len", &self.len())
            .field("capacity", &self.cap)
            .finish_non_exhaustive()
    }
}

by_value_iter! {
    /// An iterator that moves values out of a [`BoundedQueue`], front first.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::new(3)?;
    /// q.push(1).unwrap();
    /// q.push(2).unwrap();
    /// assert_eq!(q.into_iter().collect::<Vec<_>>(), [1, 2]);
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    BoundedIntoIter for BoundedQueue
}
