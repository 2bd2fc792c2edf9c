//! The timer store's order: a 4-ary min-heap of 16-byte entries `{ deadline, seq, slot }`.
//!
//! It is 4-ary (children of `i` at `4i+1 ..= 4i+4`): half the levels of a binary heap, and a
//! node's four children are 64 contiguous bytes, so a level down costs about one cache line.
//! The earliest child is picked by a branchless tournament: comparisons between unrelated
//! entries would mispredict half the time as branches. Against the same code with
//! `ARITY = 2`, add+cancel churn was about 25% faster and add-then-expire the same at 1 000
//! timers and faster from 10 000.
//!
//! Entries are ordered by `(deadline, seq)`, where `seq` is a counter bumped on every add, so
//! timers with equal deadlines fire in the order they were added. `seq` is a wrapping `u32`
//! compared by wrapping difference, so the order survives the counter wrapping; it is only
//! wrong for two timers with the same deadline added more than 2^31 adds apart. (Deadlines
//! always compare exactly, so such a tie can never make a timer fire early or late.)
//!
//! The heap knows nothing of the slab: whether an entry is live or stale is the store's
//! business (`timers/mod.rs`). These functions only keep the heap property of a `Vec<Entry>`.

/// Heap arity: children of node `i` are `ARITY * i + 1 ..= ARITY * i + ARITY`.
pub(super) const ARITY: usize = 4;

/// One heap entry. It is live while `slot` is pending with the same `seq`, and stale after
/// that timer is cancelled.
#[derive(Copy, Clone, Debug)]
pub(super) struct Entry {
    pub(super) deadline: u64,
    pub(super) seq: u32,
    pub(super) slot: u32,
}

impl Entry {
    /// The heap order: by deadline, then by add order.
    #[inline]
    pub(super) fn fires_before(&self, other: &Entry) -> bool {
        if self.deadline == other.deadline {
            // Wrapping difference, so add order survives `seq` wrapping.
            (self.seq.wrapping_sub(other.seq) as i32) < 0
        } else {
            self.deadline < other.deadline
        }
    }

    /// `fires_before` without branches, for picking the earliest child: that compares
    /// unrelated entries, so a branch would mispredict about half the time. (`sift_up` keeps
    /// the branches: a new entry mostly stops at once, which predicts well.)
    #[inline(always)]
    fn fires_before_branchless(&self, other: &Entry) -> bool {
        let seq_before = (self.seq.wrapping_sub(other.seq) as i32) < 0;
        (self.deadline < other.deadline) | ((self.deadline == other.deadline) & seq_before)
    }
}

/// Adds `entry`, moving it up to its place.
#[inline]
pub(super) fn push(heap: &mut Vec<Entry>, entry: Entry) {
    heap.push(entry);
    let last = heap.len() - 1;
    sift_up(heap, last);
}

/// Removes the top entry, live or stale.
#[inline]
pub(super) fn pop_top(heap: &mut Vec<Entry>) {
    let Some(last) = heap.pop() else { return };
    if let Some(top) = heap.first_mut() {
        *top = last;
        sift_down(heap, 0);
    }
}

/// Restores the heap property of arbitrary entries (Floyd's heapify: sift down every node that
/// has children, last first), in O(n).
#[cold]
pub(super) fn heapify(heap: &mut [Entry]) {
    if heap.len() > 1 {
        let last_parent = (heap.len() - 2) / ARITY;
        for i in (0..=last_parent).rev() {
            sift_down(heap, i);
        }
    }
}

/// Moves the entry at `i` up to its place.
#[inline]
fn sift_up(heap: &mut [Entry], mut i: usize) {
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
fn sift_down(heap: &mut [Entry], mut i: usize) {
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

/// The index of the earliest of the `ARITY` entries at `first..`, all of which are in bounds.
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
