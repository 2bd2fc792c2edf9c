//! The timer store: pending timer calls ordered by deadline.
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
//! - a **min-heap** of 16-byte entries `{ deadline, seq, slot }` orders them.
//!   It is 4-ary (children of `i` at `4i+1 ..= 4i+4`): half the levels of a
//!   binary heap, and a node's four children are 64 contiguous bytes, so a
//!   level down costs about one cache line. The earliest child is picked by
//!   a branchless tournament: comparisons between unrelated entries would
//!   mispredict half the time as branches. Against the same code with
//!   `ARITY = 2`, add+cancel churn was about 25% faster and add-then-expire
//!   the same at 1 000 timers and faster from 10 000.
//!
//! Once both vectors have grown, adding, cancelling and expiring timers
//! allocate nothing (a closure over 48 bytes is still boxed by `SmallCall`).
//! Adding is O(log n) but usually stops after a level or two; cancelling is
//! O(1) amortised (below); expiring is O(log n) per timer. When thousands of
//! timers expire at once, Stakker's in-order `split_off` is cheaper per
//! expiry, but its boxed adds cost more than that saves.
//!
//! Entries are ordered by `(deadline, seq)`, where `seq` is a counter bumped
//! on every add, so timers with equal deadlines fire in the order they were
//! added. `seq` is a wrapping `u32` compared by wrapping difference, so the
//! order survives the counter wrapping; it is only wrong for two timers with
//! the same deadline added more than 2^31 adds apart. (Deadlines always
//! compare exactly, so such a tie can never make a timer fire early or late.)
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
//! [`Timers::with_capacity`] reserves.
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

use crate::small_call::SmallCall;
use std::mem;

/// Heap arity: children of node `i` are `ARITY * i + 1 ..= ARITY * i + ARITY`.
const ARITY: usize = 4;

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

/// One heap entry. It is live while `slot` is pending with the same `seq`,
/// and stale after that timer is cancelled.
#[derive(Copy, Clone, Debug)]
struct Entry {
    deadline: u64,
    seq: u32,
    slot: u32,
}

impl Entry {
    /// The heap order: by deadline, then by add order.
    #[inline]
    fn fires_before(&self, other: &Entry) -> bool {
        if self.deadline == other.deadline {
            // Wrapping difference, so add order survives `seq` wrapping.
            (self.seq.wrapping_sub(other.seq) as i32) < 0
        } else {
            self.deadline < other.deadline
        }
    }

    /// `fires_before` without branches, for picking the earliest child:
    /// that compares unrelated entries, so a branch would mispredict about
    /// half the time. (`sift_up` keeps the branches: a new entry mostly
    /// stops at once, which predicts well.)
    #[inline(always)]
    fn fires_before_branchless(&self, other: &Entry) -> bool {
        let seq_before = (self.seq.wrapping_sub(other.seq) as i32) < 0;
        (self.deadline < other.deadline) | ((self.deadline == other.deadline) & seq_before)
    }
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
        self.heap.push(Entry {
            deadline,
            seq,
            slot,
        });
        self.sift_up(self.heap.len() - 1);
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
            self.pop_top();
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
            self.pop_top();
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
        // Floyd's heapify: sift down every node that has children, last first.
        if self.heap.len() > 1 {
            let last_parent = (self.heap.len() - 2) / ARITY;
            for i in (0..=last_parent).rev() {
                self.sift_down(i);
            }
        }
        self.compact_at = None;
    }

    /// Removes the top entry, live or stale.
    #[inline]
    fn pop_top(&mut self) {
        let Some(last) = self.heap.pop() else { return };
        if let Some(top) = self.heap.first_mut() {
            *top = last;
            self.sift_down(0);
        }
    }

    /// Moves the entry at `i` up to its place.
    #[inline]
    fn sift_up(&mut self, mut i: usize) {
        let heap = &mut self.heap[..];
        let e = heap[i];
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if !e.fires_before(&heap[parent]) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = e;
    }

    /// Moves the entry at `i` down to its place.
    #[inline]
    fn sift_down(&mut self, mut i: usize) {
        let heap = &mut self.heap[..];
        let n = heap.len();
        let e = heap[i];
        loop {
            let first = ARITY * i + 1;
            let best = if first + ARITY <= n {
                earliest_child(heap, first)
            } else if first < n {
                let mut best = first;
                for c in first + 1..n {
                    if heap[c].fires_before(&heap[best]) {
                        best = c;
                    }
                }
                best
            } else {
                break;
            };
            if !heap[best].fires_before(&e) {
                break;
            }
            heap[i] = heap[best];
            i = best;
        }
        heap[i] = e;
    }
}

/// The index of the earliest of the `ARITY` entries at `first..`, all of
/// which are in bounds.
#[inline(always)]
fn earliest_child(heap: &[Entry], first: usize) -> usize {
    let group = &heap[first..first + ARITY];
    let pick = |a: usize, b: usize| {
        if group[b].fires_before_branchless(&group[a]) {
            b
        } else {
            a
        }
    };
    let best = if ARITY == 4 {
        // A tournament: the two first-round comparisons are independent.
        pick(pick(0, 1), pick(2, 3))
    } else {
        (1..ARITY).fold(0, pick)
    };
    first + best
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::{BTreeMap, HashMap};
    use std::rc::Rc;

    /// Test context: what the calls saw, in order.
    type Log = Vec<u64>;

    fn logger(id: u64) -> SmallCall<Log> {
        SmallCall::new(move |log: &mut Log| log.push(id))
    }

    /// Runs every call due at `now`, in order.
    fn run_due(t: &mut Timers<Log>, now: u64) -> Log {
        let mut log = Log::new();
        while let Some(call) = t.pop_due(now) {
            call.run(&mut log);
        }
        log
    }

    struct DropCount(Rc<Cell<usize>>);

    impl Drop for DropCount {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    /// Checks the heap property and the bookkeeping.
    fn check_invariants<C>(t: &Timers<C>) {
        for i in 1..t.heap.len() {
            assert!(
                !t.heap[i].fires_before(&t.heap[(i - 1) / ARITY]),
                "heap order at {i}"
            );
        }
        let pending = t
            .slab
            .iter()
            .filter(|s| matches!(s, Slot::Pending { .. }))
            .count();
        assert_eq!(pending, t.len);
        let live = t.heap.iter().filter(|e| t.is_live(**e)).count();
        assert_eq!(live, t.len, "one live entry per pending timer");
        let mut free = 0;
        let mut at = t.free;
        while at != NO_SLOT {
            let Slot::Free { next } = t.slab[at as usize] else {
                panic!("free list reached a pending slot");
            };
            free += 1;
            at = next;
        }
        assert_eq!(free + pending, t.slab.len());
    }

    #[test]
    fn sizes() {
        assert_eq!(mem::size_of::<Entry>(), 16);
        // One cache line per slot; a layout change would show up here.
        assert_eq!(mem::size_of::<Slot<()>>(), 64);
        assert_eq!(mem::size_of::<TimerKey>(), 8);
    }

    #[test]
    fn fires_in_deadline_order() {
        let mut t = Timers::new();
        for d in [50, 10, 40, 30, 20, 60, 5, 45] {
            t.add(d, logger(d));
        }
        assert_eq!(t.len(), 8);
        assert_eq!(t.next_deadline(), Some(5));
        assert_eq!(run_due(&mut t, 4), Log::new());
        assert_eq!(run_due(&mut t, 30), [5, 10, 20, 30]);
        assert_eq!(t.next_deadline(), Some(40));
        assert_eq!(run_due(&mut t, 100), [40, 45, 50, 60]);
        assert!(t.is_empty());
        assert_eq!(t.next_deadline(), None);
        check_invariants(&t);
    }

    #[test]
    fn fifo_on_equal_deadlines() {
        let mut t = Timers::new();
        for id in 0..20 {
            t.add(if id % 2 == 0 { 7 } else { 3 }, logger(id));
        }
        let odd: Log = (0..20).filter(|i| i % 2 == 1).collect();
        let even: Log = (0..20).filter(|i| i % 2 == 0).collect();
        assert_eq!(run_due(&mut t, 10), [odd, even].concat());
    }

    #[test]
    fn fifo_across_seq_wrap() {
        let mut t = Timers::new();
        t.next_seq = u32::MAX - 2;
        for id in 0..6 {
            t.add(1, logger(id));
        }
        assert_eq!(t.next_seq, 3);
        assert_eq!(run_due(&mut t, 1), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn cancel_before_fire_drops_call_now() {
        let count = Rc::new(Cell::new(0));
        let mut t = Timers::<Log>::new();
        let d = DropCount(Rc::clone(&count));
        let key = t.add(
            10,
            SmallCall::new(move |log: &mut Log| {
                let _keep = &d;
                log.push(1);
            }),
        );
        let other = t.add(20, logger(2));
        assert!(t.is_pending(key));
        assert!(t.cancel(key));
        assert_eq!(count.get(), 1, "dropped at cancel");
        assert!(!t.is_pending(key));
        assert!(!t.cancel(key), "second cancel");
        assert_eq!(t.len(), 1);
        assert_eq!(run_due(&mut t, 100), [2]);
        assert_eq!(count.get(), 1);
        assert!(!t.is_pending(other));
        check_invariants(&t);
    }

    #[test]
    fn cancel_after_fire_is_false() {
        let mut t = Timers::new();
        let key = t.add(10, logger(1));
        assert_eq!(run_due(&mut t, 10), [1]);
        assert!(!t.is_pending(key));
        assert!(!t.cancel(key));
    }

    #[test]
    fn stale_key_after_slot_reuse() {
        let mut t = Timers::new();
        let old = t.add(10, logger(1));
        assert!(t.cancel(old));
        let new = t.add(10, logger(2));
        assert_eq!(new.slot, old.slot, "free slot reused");
        assert!(!t.is_pending(old));
        assert!(!t.cancel(old));
        assert!(t.is_pending(new));
        assert_eq!(run_due(&mut t, 10), [2]);
    }

    #[test]
    fn foreign_key_is_not_pending() {
        let mut t = Timers::<Log>::new();
        let mut other = Timers::new();
        other.add(1, logger(1));
        let key = other.add(2, logger(2));
        assert!(!t.is_pending(key));
        assert!(!t.cancel(key));
    }

    #[test]
    fn next_deadline_skips_cancelled() {
        let mut t = Timers::new();
        let a = t.add(10, logger(1));
        let b = t.add(20, logger(2));
        t.add(30, logger(3));
        assert!(t.cancel(a));
        assert!(t.cancel(b));
        assert_eq!(t.next_deadline(), Some(30));
        assert_eq!(t.heap.len(), 1, "stale entries above the top discarded");
        assert_eq!(run_due(&mut t, 25), Log::new());
        assert_eq!(run_due(&mut t, 30), [3]);
    }

    #[test]
    fn dropping_the_store_drops_pending_calls() {
        let count = Rc::new(Cell::new(0));
        let mut t = Timers::<()>::new();
        for i in 0..10 {
            let d = DropCount(Rc::clone(&count));
            t.add(i, SmallCall::new(move |_: &mut ()| drop(d)));
        }
        t.pop_due(4).unwrap().run(&mut ());
        assert_eq!(count.get(), 1);
        drop(t);
        assert_eq!(count.get(), 10);
    }

    #[test]
    fn calls_can_add_and_cancel_timers() {
        // The runtime's shape: the context owns the store, and a call runs
        // with the store not borrowed.
        struct Cx {
            timers: Timers<Cx>,
            log: Log,
            victim: Option<TimerKey>,
        }
        let mut cx = Cx {
            timers: Timers::new(),
            log: Log::new(),
            victim: None,
        };
        cx.timers.add(
            1,
            SmallCall::new(|cx: &mut Cx| {
                cx.log.push(1);
                cx.timers
                    .add(2, SmallCall::new(|cx: &mut Cx| cx.log.push(2)));
                let victim = cx.victim.take().unwrap();
                assert!(cx.timers.cancel(victim));
            }),
        );
        cx.victim = Some(
            cx.timers
                .add(2, SmallCall::new(|cx: &mut Cx| cx.log.push(99))),
        );
        while let Some(call) = cx.timers.pop_due(5) {
            call.run(&mut cx);
        }
        assert_eq!(cx.log, [1, 2]);
        assert!(cx.timers.is_empty());
    }

    #[test]
    fn compaction_bounds_heap_under_churn() {
        // A timeout pushed back on every message: add a new one, cancel the
        // old one, deadlines never due.
        let mut t = Timers::new();
        let live = 10;
        let mut keys: Vec<TimerKey> = (0..live).map(|i| t.add(1_000_000 + i, logger(i))).collect();
        let rounds = if cfg!(miri) { 300 } else { 100_000 };
        for r in 0..rounds {
            let i = r as usize % keys.len();
            let key = t.add(2_000_000 + r, logger(r));
            assert!(t.cancel(mem::replace(&mut keys[i], key)));
            assert!(
                t.heap.len() <= 2 * t.len() + COMPACT_SLACK,
                "heap {}",
                t.heap.len()
            );
        }
        check_invariants(&t);
        assert_eq!(t.len(), live as usize);
        assert_eq!(run_due(&mut t, u64::MAX).len(), live as usize);
    }

    #[test]
    fn with_capacity_does_not_reallocate() {
        let n = if cfg!(miri) { 30 } else { 1000 };
        let mut t = Timers::with_capacity(n);
        let (heap_cap, slab_cap) = (t.heap.capacity(), t.slab.capacity());
        let mut rng = XorShift(7);
        let mut keys = Vec::new();
        for round in 0..4 {
            for _ in 0..n {
                keys.push(t.add(rng.below(1000), logger(0)));
            }
            // Cancel most, in random order, then let the rest fire.
            while keys.len() > n / 10 {
                let k = keys.swap_remove(rng.below(keys.len() as u64) as usize);
                assert!(t.cancel(k));
            }
            keys.clear();
            run_due(&mut t, u64::MAX);
            assert!(t.is_empty(), "round {round}");
        }
        assert_eq!(t.heap.capacity(), heap_cap);
        assert_eq!(t.slab.capacity(), slab_cap);
        assert_eq!(Timers::<()>::new().heap.capacity(), 0);
    }

    #[test]
    fn stale_entry_never_fires_a_reissued_seq() {
        let mut t = Timers::new();
        let a = t.add(100, logger(1));
        // Pretend `a` has been pending for 2^32 - 1 adds: the next add but
        // one issues its seq again.
        t.next_seq = a.seq.wrapping_sub(1);
        assert!(t.cancel(a));
        let b = t.add(1000, logger(2));
        assert_eq!(b.slot, a.slot);
        assert!(t.cancel(b));
        let c = t.add(1000, logger(3));
        assert_eq!(
            (c.slot, c.seq),
            (a.slot, a.seq),
            "same slot and seq as the stale entry"
        );
        // Without the compaction in `add`, `a`'s stale entry would fire `c`
        // at 100.
        assert_eq!(run_due(&mut t, 999), Log::new());
        assert_eq!(t.next_deadline(), Some(1000));
        assert_eq!(run_due(&mut t, 1000), [3]);
    }

    #[test]
    fn compact_at_tracks_nearest_stale_seq() {
        let mut t = Timers::<Log>::new();
        t.next_seq = 100;
        t.note_stale_seq(50); // 2^32 - 50 adds away
        assert_eq!(t.compact_at, Some(50));
        t.note_stale_seq(99); // farther: 2^32 - 1 adds away
        assert_eq!(t.compact_at, Some(50));
        t.note_stale_seq(20); // nearer
        assert_eq!(t.compact_at, Some(20));
        t.note_stale_seq(100); // reissued by the very next add
        assert_eq!(t.compact_at, Some(100));
    }

    /// xorshift64: a small deterministic RNG for the model test.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn matches_reference_model() {
        let steps = if cfg!(miri) { 800 } else { 200_000 };
        for seed in [1u64, 0x9E37_79B9_7F4A_7C15, 12345] {
            let mut rng = XorShift(seed);
            let mut t = Timers::<Log>::new();
            // Model: pending timers by (deadline, add order) -> id.
            let mut model = BTreeMap::<(u64, u64), u64>::new();
            let mut by_id = HashMap::<u64, (u64, u64)>::new();
            let mut keys = Vec::<(TimerKey, u64)>::new();
            let mut now = 0u64;
            let mut next_id = 0u64;
            let mut compactions = 0;
            // Start near the wrap so ties straddle it.
            t.next_seq = u32::MAX - 100;
            for step in 0..steps {
                match rng.below(10) {
                    0..=3 => {
                        // Mostly a narrow range, for plenty of ties; some far
                        // off, so cancelled ones pile up and force compaction.
                        let deadline = if rng.below(2) == 0 {
                            now + 2_000 + rng.below(2_000)
                        } else {
                            now + rng.below(50)
                        };
                        let id = next_id;
                        next_id += 1;
                        let key = t.add(deadline, logger(id));
                        model.insert((deadline, id), id);
                        by_id.insert(id, (deadline, id));
                        keys.push((key, id));
                    }
                    4..=6 if !keys.is_empty() => {
                        // Cancel a recent key or any key ever issued,
                        // pending or not.
                        let span = if rng.below(4) != 0 { 20 } else { keys.len() };
                        let (key, id) =
                            keys[keys.len() - 1 - rng.below(span.min(keys.len()) as u64) as usize];
                        let expect = by_id
                            .remove(&id)
                            .is_some_and(|k| model.remove(&k).is_some());
                        assert_eq!(t.is_pending(key), expect);
                        let heap_len = t.heap.len();
                        assert_eq!(t.cancel(key), expect, "step {step}");
                        compactions += usize::from(t.heap.len() < heap_len);
                        assert!(!t.is_pending(key));
                    }
                    7 => {
                        assert_eq!(t.next_deadline(), model.keys().next().map(|k| k.0));
                    }
                    _ => {
                        now += rng.below(8);
                        let mut log = Log::new();
                        while let Some(call) = t.pop_due(now) {
                            call.run(&mut log);
                        }
                        let mut expect = Log::new();
                        while let Some(entry) = model.first_entry() {
                            if entry.key().0 > now {
                                break;
                            }
                            let id = entry.remove();
                            by_id.remove(&id);
                            expect.push(id);
                        }
                        assert_eq!(log, expect, "step {step}");
                    }
                }
                assert_eq!(t.len(), model.len());
                if keys.len() > 1000 {
                    keys.drain(..500);
                }
                if step % 1000 == 0 {
                    check_invariants(&t);
                }
            }
            check_invariants(&t);
            // The short Miri run may not get that far.
            assert!(
                compactions > 0 || cfg!(miri),
                "the model run never compacted"
            );
        }
    }
}
