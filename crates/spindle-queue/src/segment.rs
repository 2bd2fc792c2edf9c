//! One segment of the unbounded [`Queue`](crate::Queue): a fixed run of slots and the link to
//! the next segment.
//!
//! # Invariants
//!
//! - **G1 (slot ownership).** A slot's value is written only by the producer whose CAS on the
//!   tail index claimed that slot, and read only by the consumer whose CAS on the head index
//!   claimed it, after that consumer has seen the slot's `written` flag (Acquire). The two
//!   never touch the value at the same time.
//! - **G2 (last touch).** A producer's last access to a segment is the Release store of its
//!   slot's `written` flag, which the slot's consumer waits for before reading; a consumer's
//!   is the `fetch_add(READ)` on its slot (or, for the consumer of the last slot,
//!   [`Segment::retire`] itself). So once every slot is marked read, every producer is done.
//! - **G3 (retirement).** A segment is retired by exactly one thread: the consumer of its last
//!   slot starts [`Segment::retire`]; if a slot's reader is still busy, retirement is handed to
//!   that reader through the `DESTROY` bit (whichever of the two bits is set second sees the
//!   other). When retirement completes, no other thread holds a pointer it will dereference
//!   (G2, plus: stale pointers read by producers and consumers that then lose their CAS are
//!   never dereferenced), so the retiring thread owns the segment exclusively and may reset and
//!   recycle it or free it.

use core::mem::MaybeUninit;
use core::ptr;

use spindle_utils::sync::marked::{AtomicPtr, AtomicU32};
use spindle_utils::sync::{Backoff, Ordering, UnsafeCell};

/// Set in a slot's state once its value has been read out.
pub(crate) const READ: u32 = 2;
/// Set in a slot's state when retirement found the slot still being read: its reader finishes
/// the retirement (invariant G3).
pub(crate) const DESTROY: u32 = 4;

/// Indices per segment. The last index of each lap names no slot: a tail or head index resting
/// on it means "the next segment is being installed".
#[cfg(not(spindle_loom))]
pub(crate) const LAP: usize = 32;
// Two slots reach the "segment full → install the next one" and recycling paths in a state
// space loom can exhaust.
#[cfg(spindle_loom)]
pub(crate) const LAP: usize = 3;

/// Values one segment holds.
pub(crate) const SEGMENT_CAP: usize = LAP - 1;

/// One value cell, its "written" flag and its read state.
///
/// The flag and the state are separate words so the producer can publish with a plain
/// Release store: only the producer writes `written`, while `state` takes `READ` from the
/// consumer and `DESTROY` from a retirer that may get there before the producer (a single
/// word, as in `SegQueue`, would need an RMW from all three). Both are 32-bit, so for an 8-byte
/// `T` a slot is 16 bytes rather than 24: a long queue touches a third less memory.
pub(crate) struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    written: AtomicU32,
    state: AtomicU32,
}

impl<T> Slot<T> {
    /// Writes `value` and publishes it to the consumer of this slot.
    ///
    /// # Safety
    /// The caller claimed this slot as a producer (invariant G1).
    #[inline]
    pub(crate) unsafe fn write(&self, value: T) {
        // SAFETY: the caller owns the value cell until `written` is published (G1).
        self.value
            .with_mut(|p| unsafe { p.write(MaybeUninit::new(value)) });
        // Release: publishes the value; pairs with the Acquire load in `take`.
        self.written.store(1, Ordering::Release);
    }

    /// Waits for the producer of this slot to publish its value, then moves the value out.
    ///
    /// # Safety
    /// The caller claimed this slot as a consumer (invariant G1).
    #[inline]
    pub(crate) unsafe fn take(&self) -> T {
        let backoff = Backoff::new();
        // Acquire: pairs with the Release store of `written` in `write`.
        while self.written.load(Ordering::Acquire) == 0 {
            backoff.snooze();
        }
        // SAFETY: `written` is set, so the value is initialised, and only this consumer reads
        // it (G1).
        self.value.with(|p| unsafe { p.read().assume_init() })
    }

    /// Marks the value read; returns whether retirement is waiting on this slot.
    #[inline]
    fn mark_read(&self) -> bool {
        // AcqRel: Release orders our read of the value before the retirer frees or reuses the
        // slot; Acquire pairs with the retirer's `fetch_add(DESTROY)`.
        // `fetch_add` is `fetch_or` here: READ is set once per use of the slot, by its only
        // consumer (G1), and the state is cleared only by `reset`. On x86 it is a single
        // `lock xadd`, where a `fetch_or` whose old value we need is a load + `cmpxchg` loop.
        self.state.fetch_add(READ, Ordering::AcqRel) & DESTROY != 0
    }

    /// Drops the value in place.
    ///
    /// # Safety
    /// The value is initialised and nobody else can reach it (the queue is being dropped).
    pub(crate) unsafe fn drop_value(&self) {
        // SAFETY: the caller guarantees an initialised value and exclusive access.
        self.value.with_mut(|p| unsafe { (*p).assume_init_drop() });
    }
}

/// A run of [`SEGMENT_CAP`] slots and the link to the segment after it.
///
/// While a segment sits in the spares list (`spares.rs`), `next` links the spares instead.
pub(crate) struct Segment<T> {
    pub(crate) next: AtomicPtr<Segment<T>>,
    slots: [Slot<T>; SEGMENT_CAP],
}

impl<T> Segment<T> {
    /// Allocates an empty segment.
    #[cfg(not(spindle_loom))]
    pub(crate) fn alloc() -> *mut Segment<T> {
        use std::alloc::{Layout, alloc_zeroed, handle_alloc_error};
        let layout = Layout::new::<Segment<T>>();
        // SAFETY: `layout` is not zero-sized: a segment always holds its `next` pointer.
        let raw = unsafe { alloc_zeroed(layout) };
        if raw.is_null() {
            handle_alloc_error(layout);
        }
        // All-zero bytes are a valid empty segment: a null `next`, zero slot states and
        // uninitialised values. Zeroing in place also keeps a segment of large `T` off the stack.
        raw.cast()
    }

    /// Allocates an empty segment (loom's atomics cannot be zero-initialised).
    #[cfg(spindle_loom)]
    pub(crate) fn alloc() -> *mut Segment<T> {
        let segment = Segment {
            next: AtomicPtr::new(ptr::null_mut()),
            slots: core::array::from_fn(|_| Slot {
                value: UnsafeCell::new(MaybeUninit::uninit()),
                written: AtomicU32::new(0),
                state: AtomicU32::new(0),
            }),
        };
        Box::into_raw(Box::new(segment))
    }

    /// Frees a segment without touching any value in it.
    ///
    /// # Safety
    /// `this` came from [`Segment::alloc`], the caller owns it exclusively, and every value in
    /// it has been moved out or dropped.
    pub(crate) unsafe fn free(this: *mut Segment<T>) {
        // SAFETY: as the caller guarantees; `alloc` produced it with `Box`'s layout and
        // allocator, and `MaybeUninit` values need no drop.
        drop(unsafe { Box::from_raw(this) });
    }

    /// The slot at `offset`.
    ///
    /// # Safety
    /// `offset < SEGMENT_CAP`.
    #[inline]
    pub(crate) unsafe fn slot(&self, offset: usize) -> &Slot<T> {
        debug_assert!(offset < SEGMENT_CAP);
        // SAFETY: the caller keeps `offset` in bounds.
        unsafe { self.slots.get_unchecked(offset) }
    }

    /// Waits until the producer that filled this segment has linked the next one.
    #[inline]
    pub(crate) fn wait_next(&self) -> *mut Segment<T> {
        let backoff = Backoff::new();
        loop {
            // Acquire: pairs with the Release store of `next` in `Queue::push`, so the next
            // segment's reset state is visible.
            let next = self.next.load(Ordering::Acquire);
            if !next.is_null() {
                return next;
            }
            backoff.snooze();
        }
    }

    /// Clears every slot's state so the segment can be used again.
    ///
    /// # Safety
    /// The caller owns the segment exclusively (invariant G3).
    pub(crate) unsafe fn reset(&self) {
        for slot in &self.slots {
            // Relaxed: the segment is published to its next user by the Release CAS in
            // `Spares::put` (or the Release stores of `Queue::push`), which orders these.
            slot.written.store(0, Ordering::Relaxed);
            slot.state.store(0, Ordering::Relaxed);
        }
        self.next.store(ptr::null_mut(), Ordering::Relaxed);
    }

    /// Called by the consumer that read slot `start - 1` (or, with `start == 0`, the consumer
    /// of the last slot): marks the remaining slots, and if none is still being read, hands the
    /// segment to `spares` for reuse (or freeing).
    ///
    /// # Safety
    /// The caller is the consumer described above and has finished reading its own slot
    /// (invariants G2, G3).
    pub(crate) unsafe fn retire(this: *mut Segment<T>, start: usize, spares: &impl Recycle<T>) {
        // The last slot needs no DESTROY bit: its reader is the one that began retirement.
        for i in start..SEGMENT_CAP - 1 {
            // SAFETY: the segment is alive until retirement completes, and `i` is in bounds.
            let slot = unsafe { (*this).slot(i) };
            // Acquire (both): if READ is seen, that reader's accesses happen before ours.
            // `fetch_add` is `fetch_or` here: only the one retirer (G3) sets DESTROY, once.
            if slot.state.load(Ordering::Acquire) & READ == 0
                && slot.state.fetch_add(DESTROY, Ordering::AcqRel) & READ == 0
            {
                // Still being read: that reader continues retirement from `i + 1`.
                return;
            }
        }
        // SAFETY: every slot's reader is done, so we own the segment (G3).
        unsafe { spares.recycle(this) };
    }
}

/// Finishes reading a slot: marks it read and, if retirement is waiting on it, continues it.
///
/// # Safety
/// The caller is the consumer that claimed slot `offset` of `segment` and has moved its value
/// out; `offset + 1 < SEGMENT_CAP`.
#[inline]
pub(crate) unsafe fn finish_read<T>(
    segment: *mut Segment<T>,
    offset: usize,
    spares: &impl Recycle<T>,
) {
    // SAFETY: the segment cannot be retired before this slot is marked read (G3).
    let slot = unsafe { (*segment).slot(offset) };
    if slot.mark_read() {
        // SAFETY: retirement stopped at this slot and handed itself to us.
        unsafe { Segment::retire(segment, offset + 1, spares) };
    }
}

/// Where a retired segment goes: the queue's stack of spares (`spares.rs`, which implements
/// this). A trait so that this module, which the stack builds on, needs nothing from it.
pub(crate) trait Recycle<T> {
    /// Takes over `segment` for reuse, or frees it.
    ///
    /// # Safety
    /// The caller owns `segment` exclusively (invariant G3) and every value in it has been
    /// moved out.
    unsafe fn recycle(&self, segment: *mut Segment<T>);
}
