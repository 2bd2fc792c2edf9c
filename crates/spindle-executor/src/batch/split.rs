//! The ranges a batch's participants hold, each open to thieves: a participant that loses its
//! core holds back only the piece it is running, never the rest of its chunk.
//!
//! Each participant owns one slot, by its index in the pool (a worker's index; an outside
//! caller takes the one after the workers'): an atomic word packing the range it has
//! claimed but not yet run, `start` in the high half and `end` in the low half. The owner takes
//! pieces off the front by CAS; once the batch's cursor is exhausted, a participant with nothing
//! left steals the upper half of the largest range another one holds, by CAS too, if it is
//! at least `MIN_STEAL` (64) indices long. A range stolen moves into the thief's slot, where
//! it can be split again. So on an idle machine the batch ends with the work spread to the
//! last pieces, and on a busy one a participant frozen in `f` holds back its current piece
//! and fewer than `MIN_STEAL` indices more.
//!
//! The price is one uncontended CAS per piece on the owner's own cache line (pieces are up to
//! [`MAX_PIECE`](super::MAX_PIECE) indices), where the piece loop had none.
//!
//! # Invariants
//!
//! - **S1 (disjoint).** An index is in at most one place: the cursor's unclaimed tail, one
//!   slot, or one participant's hands (a piece it runs, or a stolen range between its CAS on
//!   the victim and the store into its own slot). Every change of a slot that removes indices
//!   from it is a CAS from the value read, so two participants never both take the same
//!   indices; the only plain store puts a range the owner holds into its own slot while that
//!   slot is empty, and a thief never writes an empty slot (it CASes only from a non-empty
//!   value, and the owner is the only one that makes an empty slot non-empty). A value that
//!   recurs in a slot (ABA) means the same indices are in it again, so a CAS that succeeds on
//!   it is still right: the value is the whole state.
//! - **S2 (no loss).** A CAS that removes indices hands them to the participant that made it,
//!   who runs them (or, after a panic, stops: module docs of the batch). So without a panic
//!   every index of every range given to [`Split::hold`] runs.
//!
//! - **S3 (one owner per slot at a time).** A slot is its worker's; the same worker can take
//!   part in one batch twice only nested on its own stack (a helper job of the batch run while
//!   `f` waits), never side by side. The nested participation drains the slot before it holds
//!   anything, and leaves it empty when it returns, so [`Split::hold`] always finds its slot
//!   empty (it asserts so in debug builds).
//!
//! Relaxed throughout, as for the cursor: the ranges are numbers, and what `f` writes is
//! published by each participant's completion (T2 in the batch's docs).

// `pub` (not `pub(crate)`) so that `lib.rs` can re-export `Split` to the loom model, under
// `--cfg spindle_loom` only; in every other build it stays unreachable.
#![cfg_attr(not(spindle_loom), allow(unreachable_pub))]

use core::ops::Range;

use crossbeam_utils::CachePadded;

use crate::primitive::{AtomicU64, Ordering};

/// Slots per batch: participants whose index is past this run their chunks unsplittable.
pub(crate) const SLOTS: usize = 16;
/// A range shorter than this is left to its owner: taking it costs the thief two cache misses
/// and makes the owner's next CAS a third, more than running a few dozen cheap indices.
#[cfg(not(spindle_loom))]
const MIN_STEAL: usize = 64;
#[cfg(spindle_loom)]
const MIN_STEAL: usize = 1;

/// The largest index a slot can hold: batches longer than this run without slots.
pub(crate) const MAX_LEN: usize = u32::MAX as usize;

#[inline]
fn pack(range: Range<usize>) -> u64 {
    debug_assert!(range.start <= range.end && range.end <= MAX_LEN);
    ((range.start as u64) << 32) | range.end as u64
}

#[inline]
fn unpack(word: u64) -> Range<usize> {
    (word >> 32) as usize..(word & u64::from(u32::MAX)) as usize
}

/// The slots of one batch (module docs).
///
/// A participant's slot is its index in the pool, so joining costs nothing: no shared
/// counter hands slots out (a helper's first touch of such a line was a cache miss per
/// batch, measurable on batches of a few microseconds).
pub struct Split {
    /// Slots in use, `0..used`: thieves look at no others.
    used: usize,
    slots: [CachePadded<AtomicU64>; SLOTS],
}

impl Split {
    /// Slots for participants `0..participants` (at most [`SLOTS`]), all empty.
    pub fn new(participants: usize) -> Self {
        Split {
            used: participants.min(SLOTS),
            slots: core::array::from_fn(|_| CachePadded::new(AtomicU64::new(0))),
        }
    }

    /// The slot of the participant with index `me`, if it has one.
    #[inline]
    pub fn slot(&self, me: usize) -> Option<usize> {
        (me < self.used).then_some(me)
    }

    /// Puts `range`, which the participant `slot` holds, into its slot, which is empty (S1).
    #[inline]
    pub fn hold(&self, slot: usize, range: Range<usize>) {
        debug_assert!(unpack(self.slots[slot].load(Ordering::Relaxed)).is_empty());
        self.slots[slot].store(pack(range), Ordering::Relaxed);
    }

    /// Takes the next piece, at most `piece` indices, off the front of `slot`'s own range;
    /// `None` when thieves or earlier pieces have left it empty.
    #[inline]
    pub fn take(&self, slot: usize, piece: usize) -> Option<Range<usize>> {
        let slot = &self.slots[slot];
        let mut word = slot.load(Ordering::Relaxed);
        loop {
            let range = unpack(word);
            if range.is_empty() {
                return None;
            }
            let end = range.start + piece.min(range.len());
            // The key step (S1): a CAS, so a thief's split between our load and our write is
            // never undone.
            match slot.compare_exchange_weak(
                word,
                pack(end..range.end),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(range.start..end),
                Err(now) => word = now,
            }
        }
    }

    /// Takes part of the largest range another participant holds, if it is at least
    /// `MIN_STEAL` long: its upper half. `None` when no other slot held that much.
    pub fn steal(&self, slot: usize) -> Option<Range<usize>> {
        loop {
            let mut best: Option<(usize, u64)> = None;
            for victim in (0..self.used).filter(|&v| v != slot) {
                let word = self.slots[victim].load(Ordering::Relaxed);
                let len = unpack(word).len();
                if len >= MIN_STEAL && best.is_none_or(|(_, w)| unpack(w).len() < len) {
                    best = Some((victim, word));
                }
            }
            let (victim, word) = best?;
            let range = unpack(word);
            // A range of one index goes whole (loom's `MIN_STEAL` allows that).
            let keep = range.start + range.len() / 2;
            if self.slots[victim]
                .compare_exchange(
                    word,
                    pack(range.start..keep),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return Some(keep..range.end);
            }
            // The owner took a piece or another thief came first: look again.
        }
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_the_extremes() {
        for range in [0..0, 0..1, 7..MAX_LEN, MAX_LEN..MAX_LEN] {
            assert_eq!(unpack(pack(range.clone())), range);
        }
    }

    #[test]
    fn the_owner_takes_pieces_until_its_range_is_empty() {
        let split = Split::new(1);
        let me = split.slot(0).unwrap();
        split.hold(me, 10..15);
        assert_eq!(split.take(me, 2), Some(10..12));
        assert_eq!(split.take(me, 2), Some(12..14));
        assert_eq!(split.take(me, 2), Some(14..15));
        assert_eq!(split.take(me, 2), None);
    }

    #[test]
    fn a_thief_takes_the_upper_half_of_the_largest_range_and_leaves_short_ones() {
        let split = Split::new(3);
        let (a, b, thief) = (0, 1, 2);
        split.hold(a, 0..100);
        split.hold(b, 100..1100);
        assert_eq!(split.steal(thief), Some(600..1100));
        assert_eq!(split.take(b, 1000), Some(100..600));
        assert_eq!(split.steal(thief), Some(50..100));
        // What is left is too short to be worth a thief's cache misses.
        assert_eq!(split.steal(thief), None);
        assert_eq!(split.take(a, 1000), Some(0..50));
        assert_eq!(split.steal(a), None);
    }

    #[test]
    fn participants_past_the_slots_have_none() {
        let split = Split::new(SLOTS + 4);
        assert_eq!(split.slot(SLOTS - 1), Some(SLOTS - 1));
        assert_eq!(split.slot(SLOTS), None);
        assert_eq!(Split::new(2).slot(2), None);
    }
}
