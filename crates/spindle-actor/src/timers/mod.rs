//! The timer store: pending timer calls ordered by deadline. This file holds the store (the
//! slab, keys, lazy cancellation, compaction, trimming); `heap.rs` the order of its deadlines;
//! `tests.rs` the unit tests, with a reference model.
//!
//! # Design
//!
//! Stakker 0.2 keeps timers in a `BTreeMap<key, Box<dyn FnOnce>>`: every
//! timer allocates its box, and B-tree inserts and removals shift entries
//! inside nodes and allocate or free nodes as the tree grows and shrinks.
//! Here the two jobs are split:
//!
//! - a **slab** (`Vec<Slot<C>>`) owns the calls, as inline [`SmallCall`]s,
//!   with a free list threaded through its vacant slots. A slot is 64 bytes,
//!   one cache line, and is reused LIFO, so a hot slot stays in cache;
//! - a **min-heap** of 16-byte entries `{ deadline, seq, slot }` orders them (`heap.rs`: a
//!   4-ary heap, ordered by deadline and then by add order).
//!
//! Once both vectors have grown, adding, cancelling and expiring timers
//! allocate nothing (a closure over 48 bytes is still boxed by `SmallCall`).
//! Adding is O(log n) but usually stops after a level or two; cancelling is
//! O(1) amortised (below); expiring is O(log n) per timer. When thousands of
//! timers expire at once, Stakker's in-order `split_off` is cheaper per
//! expiry, but its boxed adds cost more than that saves.
//!
//! # Lazy cancellation
//!
//! Finding a timer's heap entry to remove it would need the slab to track
//! each entry's heap position, updated on every sift. Instead `cancel` frees
//! the slot (dropping the call at once) and leaves the entry in the heap as
//! *stale*: an entry is live only while its slot is pending with the same
//! `seq`. Stale entries are discarded when they reach the top.
//!
//! # Compaction
//!
//! A "push back a timeout on every message" pattern adds and cancels timers
//! forever with deadlines that never reach the top, so stale entries would
//! pile up without bound. Since every live timer has exactly one heap entry,
//! the stale count is `heap.len() - len`; when a cancel makes it exceed
//! `len + COMPACT_SLACK`, the heap is rebuilt without its stale entries
//! (`retain`, then an O(n) heapify). That costs O(heap) after at least
//! `len + COMPACT_SLACK` cancels, so O(1) amortised per cancel, and bounds
//! the heap at `2 * peak_len + COMPACT_SLACK` entries, which is what
//! [`Timers::try_with_capacity`] reserves.
//!
//! There is one more reason to compact: a stale entry must not outlive a
//! full cycle of the 32-bit `seq` counter, or a new timer could reuse both
//! its slot and its `seq` and be fired by the stale entry at the stale
//! deadline. So each cancel notes when the counter will come back round to
//! the cancelled `seq` (`compact_at`: the soonest such point), and `add`
//! compacts before issuing that `seq` again. In practice that is at most one
//! extra compaction per 2^32 adds.
//!
//! A [`TimerKey`] is `(slot, seq)`; after 2^32 adds the same pair can name a
//! newer timer, as with any 32-bit generation counter.
//!
//! # Trimming
//!
//! Neither vector shrinks as timers fire, so one burst (a million timers set
//! at once) would keep 96 MiB for the runtime's life. Between runs the
//! runtime calls [`Timers::trim`] with the number of slots it retains: if
//! a vector holds more than twice that (and twice what is in use), it is
//! shrunk. With no timer pending that is immediate. Otherwise pending timers
//! may sit anywhere in the slab, and a key names its slot, so no timer is
//! moved: at most once per `slab.len()` adds, trim compacts the heap, cuts
//! the free slots off the slab's end, and rebuilds the free list lowest slot
//! first, so new timers fill the front and the end empties as old ones fire.
//! A cut-off slot is simply out of bounds for old keys, as a foreign key is.

mod heap;

use std::mem;

use self::heap::Entry;
use crate::queue::small_call::SmallCall;

/// Stale heap entries tolerated beyond the live count before compacting; it
/// keeps small timer sets from compacting on nearly every cancel.
const COMPACT_SLACK: usize = 64;

/// End of the free list.
const NO_SLOT: u32 = u32::MAX;

/// Identifies one timer: returned when a timer is added and accepted to
/// cancel it.
///
/// It is plain `Copy` data, 8 bytes. A key stays valid after its timer fires
/// or is cancelled: cancelling it again just reports that the timer is no
/// longer pending. Use a key only with the runtime that issued it.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct TimerKey {
    slot: u32,
    seq: u32,
}

/// A slab slot: a pending timer's call, or a link in the free list.
enum Slot<C> {
    Pending { seq: u32, call: SmallCall<C> },
    Free { next: u32 },
}

/// Pending timers: a 4-ary min-heap of deadlines over a slab of calls.
pub(crate) struct Timers<C> {
    /// Min-heap by `Entry::fires_before`; holds one entry per pending timer
    /// plus stale entries of cancelled ones.
    heap: Vec<Entry>,
    /// The calls. Never shrinks, so every heap entry's `slot` is in bounds.
    slab: Vec<Slot<C>>,
    /// Head of the free list threaded through `Slot::Free`, or `NO_SLOT`.
    free: u32,
    /// Pending timers: the `Slot::Pending` slots, and the live heap entries.
    len: usize,
    /// The `seq` the next `add` issues.
    next_seq: u32,
    /// Compact before `next_seq` reaches this value: it is the nearest seq,
    /// counting forward from `next_seq`, of a stale entry that may still be
    /// in the heap.
    compact_at: Option<u32>,
    /// Adds since `trim` last rebuilt the slab (saturating).
    adds_since_trim: usize,
}

/// Heap entries reserved for `n` pending timers: one each, plus the stale
/// entries compaction tolerates.
fn heap_capacity_for(n: usize) -> usize {
    n.saturating_mul(2).saturating_add(COMPACT_SLACK)
}

/// Shrinks `v` to `target` if it holds more than twice that (so a vector
/// trimmed and then refilled does not shrink and grow on every trim).
fn shrink_if_over<T>(v: &mut Vec<T>, target: usize) {
    if v.capacity() / 2 > target {
        v.shrink_to(target);
    }
}

impl<C> Timers<C> {
    /// An empty store; allocates nothing until the first timer.
    pub(crate) fn new() -> Self {
        Self {
            heap: Vec::new(),
            slab: Vec::new(),
            free: NO_SLOT,
            len: 0,
            next_seq: 0,
            compact_at: None,
            adds_since_trim: 0,
        }
    }

    /// An empty store that holds up to `n` pending timers without
    /// allocating, however many of them are cancelled along the way (the
    /// heap gets room for the stale entries compaction tolerates); `None`,
    /// allocating nothing, if the bytes for that overflow or cannot be
    /// allocated.
    pub(crate) fn try_with_capacity(n: usize) -> Option<Self> {
        let mut timers = Self::new();
        timers.slab.try_reserve_exact(n).ok()?;
        timers.heap.try_reserve_exact(heap_capacity_for(n)).ok()?;
        Some(timers)
    }

    /// [`try_with_capacity`](Self::try_with_capacity), for sizes known to
    /// fit.
    #[cfg(test)]
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self::try_with_capacity(n).expect("timer capacity overflow")
    }

    /// Gives back what a burst left behind, keeping room for `keep` timers
    /// (see "Trimming" in the module docs). Allocates only when it shrinks.
    pub(crate) fn trim(&mut self, keep: usize) {
        if self.slab.capacity() / 2 <= keep && self.heap.capacity() / 2 <= heap_capacity_for(keep) {
            return; // the steady state: two loads and compares
        }
        if self.len == 0 {
            // Every slot is free and every heap entry stale: start afresh.
            // `next_seq` goes on, so old keys stay stale.
            self.heap.clear();
            self.slab.clear();
            self.free = NO_SLOT;
            self.compact_at = None;
        } else {
            if self.adds_since_trim < self.slab.len() {
                return; // O(slab) work at most once per slab.len() adds
            }
            // Live entries only: none names a slot cut off below.
            self.compact();
            while matches!(self.slab.last(), Some(Slot::Free { .. })) {
                self.slab.pop();
            }
            self.free = NO_SLOT;
            for (index, slot) in self.slab.iter_mut().enumerate().rev() {
                if let Slot::Free { next } = slot {
                    *next = self.free;
                    // In bounds: the slab never holds `NO_SLOT` slots (`occupy_slot`).
                    self.free = index as u32;
                }
            }
        }
        self.adds_since_trim = 0;
        let in_use = self.slab.len();
        shrink_if_over(&mut self.slab, keep.max(in_use));
        shrink_if_over(&mut self.heap, heap_capacity_for(keep.max(self.len)));
    }

    /// Bytes the two vectors hold allocated.
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.slab.capacity() * mem::size_of::<Slot<C>>()
            + self.heap.capacity() * mem::size_of::<Entry>()
    }

    /// Adds a timer firing at `deadline` (nanoseconds on the runtime's
    /// clock). Timers with equal deadlines fire in the order they were added.
    ///
    /// # Panics
    ///
    /// If `u32::MAX` timers are pending at once.
    pub(crate) fn add(&mut self, deadline: u64, call: SmallCall<C>) -> TimerKey {
        if self.compact_at == Some(self.next_seq) {
            // A stale entry with this seq may still be in the heap.
            self.compact();
        }
        let seq = self.next_seq;
        self.next_seq = seq.wrapping_add(1);
        self.adds_since_trim = self.adds_since_trim.saturating_add(1);
        let slot = self.occupy_slot(seq, call);
        heap::push(
            &mut self.heap,
            Entry {
                deadline,
                seq,
                slot,
            },
        );
        self.len += 1;
        TimerKey { slot, seq }
    }

    /// Cancels a pending timer, dropping its call now. False if it already
    /// fired or was cancelled.
    pub(crate) fn cancel(&mut self, key: TimerKey) -> bool {
        let Some(call) = self.vacate(key.slot, key.seq) else {
            return false;
        };
        // Its heap entry is now stale.
        let stale = self.heap.len() - self.len;
        if stale > self.len + COMPACT_SLACK {
            self.compact();
        } else {
            self.note_stale_seq(key.seq);
        }
        // Dropped last, so a panicking destructor leaves the store
        // consistent.
        drop(call);
        true
    }

    /// True if the key names a pending timer.
    pub(crate) fn is_pending(&self, key: TimerKey) -> bool {
        matches!(
            self.slab.get(key.slot as usize),
            Some(Slot::Pending { seq, .. }) if *seq == key.seq
        )
    }

    /// The earliest pending deadline. Discards the stale entries above it,
    /// hence `&mut`.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        loop {
            let top = *self.heap.first()?;
            if self.is_live(top) {
                return Some(top.deadline);
            }
            heap::pop_top(&mut self.heap);
        }
    }

    /// Removes and returns the earliest timer whose deadline is `<= now`, or
    /// `None`. The caller runs the call after this returns, so the call may
    /// itself add or cancel timers.
    pub(crate) fn pop_due(&mut self, now: u64) -> Option<SmallCall<C>> {
        loop {
            let top = *self.heap.first()?;
            if top.deadline > now {
                // Stale or not, every entry below is due no sooner.
                return None;
            }
            heap::pop_top(&mut self.heap);
            if let Some(call) = self.vacate(top.slot, top.seq) {
                return Some(call);
            }
        }
    }

    /// The number of pending timers.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// True if no timer is pending.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Puts a pending timer in a free slot (the most recently freed one, as
    /// it is likeliest to be in cache), or a new one.
    #[inline]
    fn occupy_slot(&mut self, seq: u32, call: SmallCall<C>) -> u32 {
        let pending = Slot::Pending { seq, call };
        if self.free == NO_SLOT {
            let slot = u32::try_from(self.slab.len())
                .ok()
                .filter(|&s| s != NO_SLOT)
                .expect("too many pending timers");
            self.slab.push(pending);
            slot
        } else {
            let slot = self.free;
            let place = &mut self.slab[slot as usize];
            let Slot::Free { next } = *place else {
                unreachable!("the free list reached a pending slot");
            };
            self.free = next;
            *place = pending;
            slot
        }
    }

    /// If `slot` holds the pending timer `seq`, frees the slot and returns
    /// the call.
    #[inline]
    fn vacate(&mut self, slot: u32, seq: u32) -> Option<SmallCall<C>> {
        // `get_mut`: a key from another store may be out of bounds.
        let place = self.slab.get_mut(slot as usize)?;
        if !matches!(place, Slot::Pending { seq: s, .. } if *s == seq) {
            return None;
        }
        let Slot::Pending { call, .. } = mem::replace(place, Slot::Free { next: self.free }) else {
            unreachable!("checked just above");
        };
        self.free = slot;
        self.len -= 1;
        Some(call)
    }

    /// True if `e` is the entry of a pending timer, false if stale.
    #[inline]
    fn is_live(&self, e: Entry) -> bool {
        matches!(self.slab[e.slot as usize], Slot::Pending { seq, .. } if seq == e.seq)
    }

    /// Records that a stale entry with `seq` is in the heap, so `add`
    /// compacts before issuing `seq` again.
    fn note_stale_seq(&mut self, seq: u32) {
        // Adds left until `next_seq` comes back round to `seq`.
        let until = seq.wrapping_sub(self.next_seq);
        match self.compact_at {
            Some(at) if at.wrapping_sub(self.next_seq) <= until => {}
            _ => self.compact_at = Some(seq),
        }
    }

    /// Rebuilds the heap without stale entries.
    #[cold]
    fn compact(&mut self) {
        let slab = &self.slab;
        self.heap
            .retain(|e| matches!(slab[e.slot as usize], Slot::Pending { seq, .. } if seq == e.seq));
        debug_assert_eq!(self.heap.len(), self.len);
        heap::heapify(&mut self.heap);
        self.compact_at = None;
    }
}

#[cfg(test)]
mod tests;
