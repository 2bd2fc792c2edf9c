//! Batches: one function over an index range, with results written into the caller's memory.
//!
//! The batch's descriptor lives on the caller's stack. The caller (moved onto a worker first,
//! if it is outside the pool) pushes one helper job per other worker onto its own deque, all
//! pointing at that descriptor, then works on the batch itself. Every participant claims
//! chunks from a shared cursor (guided self-scheduling: a chunk is a share of what is left,
//! so chunks shrink towards the end and an uneven batch still balances), and runs each chunk
//! piece by piece out of its own slot in the batch, where the rest of the chunk stays open to
//! the others: once the cursor is exhausted, a participant with nothing left takes half of
//! the largest range another one still holds ([`split`], rayon's adaptive splitting done on
//! ranges instead of jobs). When nothing is left anywhere, the caller takes back the helpers
//! nobody stole and waits for the ones that are running. Nothing is allocated.
//!
//! # A participant that loses its core
//!
//! With chunks alone, a helper that lost its core while holding the batch's first chunk (a
//! quarter of it, with two participants) made everyone wait a time slice for it. With the
//! slots, what a frozen participant holds back is the piece it is running, fewer than
//! [`MAX_PIECE`] indices (and [`FIRST_PIECE`] at the start of each range): the others run the
//! rest of its chunk. The test `a_frozen_helper_holds_back_only_its_current_piece` in
//! `tests/batch.rs` freezes one and checks it; `tests/loom_split.rs` models the hand-over.
//!
//! # Called from outside the pool
//!
//! A thread that is no pool's worker does not hand its batch to a worker and sleep (two
//! wake-ups per batch, each of which can cost a whole time slice on a busy machine): it takes
//! part itself. It publishes the batch in its thread's `OutsideSlot` (`outside.rs`), injects one helper job
//! per other worker, all pointing at the slot, and works on the batch. Helpers that arrive
//! while it is published join in; helpers that arrive late (their worker had no core) find the
//! slot empty and leave at once, so a batch never waits for a helper that has not started; it
//! waits only for those that joined, and only while they finish the piece they are running.
//! On a busy machine the batch degrades towards the caller running it alone, never below that
//! by more than one held piece. (A worker of another pool keeps the hand-over to a worker: its wait
//! must keep running its own pool's jobs, issue 14's cross-pool rule.)
//!
//! # On an oversubscribed machine
//!
//! A helper that loses its core in the middle of a piece still makes the whole batch wait for
//! it to get the core back: a time slice, milliseconds, for a batch that takes microseconds. When
//! a batch of this process recently waited `solo::STALL` or more at its end for a participant
//! (the batches measure it themselves; one relaxed load otherwise) and the pool allows it
//! ([`solo_when_busy`](crate::ThreadPoolBuilder::solo_when_busy), on by default), the caller first runs the batch alone for a few microseconds,
//! timed, and finishes it alone if the rest would take less than `solo::SOLO_BELOW`: on a machine
//! with no core to spare a helper gains less than the slice it may cost. Longer batches are
//! shared as usual, where one lost slice is a small part of the whole. "Recently" starts at
//! 20 ms after a stall and adapts (`solo::STALL_MEMORY`): it doubles with each further stall,
//! up to 320 ms, and halves with each shared batch that ends without one, so a machine that
//! stays busy pays a stall only every few hundred milliseconds, and one that has become idle
//! shares its batches again within that time.
//!
//! # Panics
//!
//! The first participant whose call panics sets `panicked` once the panic has unwound out of
//! the call (after the panic hook: printing a backtrace can take the first panic of a process
//! a tenth of a second, during which the others go on); every participant reads it
//! (relaxed: it only stops work, it publishes nothing) before it claims each chunk, and within
//! a chunk before each *piece*: a participant runs its chunk as calls over pieces that grow
//! from [`FIRST_PIECE`] indices, doubling, to at most [`MAX_PIECE`] (so a piece is never much
//! longer than what the participant already ran of that chunk). After the panic, then, no chunk is
//! claimed, and each other participant stops at its next piece boundary: what still runs is
//! the calls under way and the rest of each participant's current piece (fewer than
//! [`MAX_PIECE`] indices each). Checking per index instead would keep the compiler from
//! vectorising the loop over a piece, and a piece of a thousand indices costs one load.
//!
//! # Invariants
//!
//! - **T1 (each index once).** The cursor only grows, by CAS; a chunk it hands out goes into
//!   its claimer's slot, from which pieces leave by CAS to their owner or halves to thieves
//!   (S1 and S2 in [`split`]); a participant runs exactly the pieces its CASes took (all of
//!   them, unless a panic stops it at a piece boundary), each once, so no index in `0..len`
//!   runs twice, and without a panic each runs. (A participant without a slot, past the
//!   sixteenth or in a batch longer than `u32::MAX`, runs its chunks whole, as chunks alone.)
//! - **T2 (frame outlives helpers).** The caller leaves only when `helpers` reaches zero: each
//!   helper job decrements it as its last access, or the caller takes the job back unrun and
//!   decrements it itself. So the descriptor outlives every access to it (also K1). Nothing
//!   unwinds past a participant's loop: `f`'s panics are caught, and the payload of a panic
//!   that lost to an earlier one is dropped with a panic in its own `Drop` contained too.
//! - **B3 (outside slot).** An outside caller's batch is reachable from helpers only through
//!   its slot's `batch` pointer, and a helper reads it only between raising and lowering the
//!   slot's `users`. The caller clears the pointer, then waits until `users` is zero: in the
//!   single total order of these `SeqCst` accesses, a helper either raised `users` before the
//!   caller's read of it (and is waited for) or loads the pointer after the clear (and sees
//!   null). Each injected helper job holds one strong count of the slot, released as its
//!   last act, so the slot outlives its jobs even when the thread has gone.

mod outside;
mod shared_slice;
mod solo;
mod split;

use core::cell::UnsafeCell;
use core::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_utils::CachePadded;
use spindle_utils::{AbortIfPanic, drop_payload};

use crate::job::{Job, JobRef};
use crate::primitive::{AtomicBool, AtomicUsize, Ordering};
use crate::registry::{Registry, WorkerThread};
use solo::{note_shared_end, solo_when_busy};
use split::Split;

pub(crate) use outside::for_each_chunk_from_outside;
pub(crate) use shared_slice::SharedSlice;
#[cfg(spindle_loom)]
pub use split::Split as LoomSplit;

/// Chunks smaller than this are not worth a CAS each.
const MIN_CHUNK: usize = 1;
/// Indices in the first call over a chunk; each later call doubles, up to [`MAX_PIECE`]. The
/// panic flag is read between calls (module docs), and each piece is taken from the
/// participant's slot, where the rest stays open to thieves ([`split`]).
const FIRST_PIECE: usize = 16;
/// The longest call over a chunk: a panic elsewhere is noticed within this many indices, and
/// a participant frozen in `f` holds back fewer than this many.
const MAX_PIECE: usize = 1024;

/// What a helper needs to know of a batch of any type: how to take part in it, and its pool.
/// The first field of every [`Batch`], so a pointer to it is a pointer to the batch.
struct Header {
    /// `Batch::<F>::participate` for this batch's `F`, with the helper's worker index.
    participate: unsafe fn(*const Header, usize),
    /// The owner's pool, compared by address only: only its workers run the helpers.
    registry: *const Registry,
}

/// A batch in progress, on its caller's stack.
#[repr(C)]
struct Batch<'f, F> {
    header: Header,
    f: &'f F,
    len: usize,
    /// Next unclaimed index (T1).
    cursor: CachePadded<AtomicUsize>,
    /// Participants chunks are divided among.
    participants: usize,
    /// Helper jobs not yet finished or taken back (T2).
    helpers: CachePadded<AtomicUsize>,
    owner: usize,
    /// The ranges participants hold, open to thieves (S1, S2); batches longer than
    /// [`split::MAX_LEN`] do without.
    split: Split,
    /// Set by the first participant whose call panicked; `payload` is then theirs to write.
    panicked: AtomicBool,
    payload: UnsafeCell<Option<Box<dyn std::any::Any + Send>>>,
}

impl<'f, F: Fn(Range<usize>) + Sync> Batch<'f, F> {
    fn new(
        f: &'f F,
        (start, len): (usize, usize),
        registry: &Arc<Registry>,
        owner: usize,
        (participants, helper_jobs): (usize, usize),
    ) -> Self {
        /// Takes part in the batch behind `header`, for an outside caller's helper (B3).
        unsafe fn participate<F: Fn(Range<usize>) + Sync>(header: *const Header, me: usize) {
            // SAFETY: `header` is the first field of a `#[repr(C)]` `Batch<F>` (this function
            // is only ever stored in one), alive while the helper is counted in `users` (B3).
            unsafe { (*header.cast::<Batch<'_, F>>()).participate(me) }
        }
        Batch {
            header: Header {
                participate: participate::<F>,
                registry: Arc::as_ptr(registry),
            },
            f,
            len,
            cursor: CachePadded::new(AtomicUsize::new(start)),
            participants,
            helpers: CachePadded::new(AtomicUsize::new(helper_jobs)),
            owner,
            // Workers `0..n`, and an outside caller as `n`.
            split: Split::new(registry.num_threads() + 1),
            panicked: AtomicBool::new(false),
            payload: UnsafeCell::new(None),
        }
    }

    /// The first panic's payload, resumed on the caller once every participant has finished.
    fn resume_panic(&self) {
        if self.panicked.load(Ordering::Acquire) {
            // SAFETY: every participant has finished (T2, B3).
            if let Some(payload) = unsafe { (*self.payload.get()).take() } {
                resume_unwind(payload);
            }
        }
    }

    /// Whether some participant's call panicked: no more work is started (module docs).
    #[inline]
    fn stopped(&self) -> bool {
        // Relaxed: the flag only stops work; the payload is read after every participant
        // finished (T2), not through this load.
        self.panicked.load(Ordering::Relaxed)
    }

    /// Claims the next chunk, or `None` when the range is done or a call panicked.
    fn claim(&self) -> Option<Range<usize>> {
        let mut start = self.cursor.load(Ordering::Relaxed);
        loop {
            if start >= self.len || self.stopped() {
                return None;
            }
            let left = self.len - start;
            let chunk = (left / (2 * self.participants)).max(MIN_CHUNK);
            let end = start + chunk;
            // Relaxed: the cursor hands out disjoint ranges (T1); results are published by the
            // completion of the participant that wrote them.
            match self.cursor.compare_exchange_weak(
                start,
                end,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(start..end),
                Err(now) => start = now,
            }
        }
    }

    /// Runs chunks until none are left; a panic stops the batch and keeps the first payload.
    /// `me` is the participant's index: its worker index, or the pool's thread count for an
    /// outside caller (its slot, [`split`]).
    fn participate(&self, me: usize) {
        let outcome = catch_unwind(AssertUnwindSafe(|| match self.slot(me) {
            Some(slot) => self.run_splittable(slot),
            None => {
                while let Some(chunk) = self.claim() {
                    self.run_chunk(chunk);
                }
            }
        }));
        if let Err(payload) = outcome {
            // Stop everyone: no participant claims a chunk or starts a piece after seeing this.
            if self.panicked.swap(true, Ordering::AcqRel) {
                // A later panic loses. Its drop must not unwind out of here: that would skip a
                // helper's decrement of `helpers`, or take the owner out before its helpers (T2).
                drop_payload(payload);
            } else {
                // SAFETY: only the participant that flipped `panicked` writes the payload, and
                // the owner reads it only after every participant has finished (T2).
                unsafe { *self.payload.get() = Some(payload) };
            }
        }
    }

    /// Participant `me`'s slot, when the batch is short enough to pack and `me` has one.
    #[inline]
    fn slot(&self, me: usize) -> Option<usize> {
        if self.len > split::MAX_LEN {
            return None;
        }
        self.split.slot(me)
    }

    /// Claims chunks from the cursor, then steals from the others' slots, running each range
    /// piece by piece out of this participant's own slot, where the rest stays stealable.
    fn run_splittable(&self, slot: usize) {
        // The pieces grow over the participant's whole part of the batch, not per range: a
        // piece is never much longer than what it already ran, and a participant does not
        // restart at small pieces (one CAS each) for every chunk it claims.
        let mut piece = FIRST_PIECE;
        loop {
            // The slot first, then new work: a participation nested in `f` on this same
            // thread (a job of this batch run while `f` waits, e.g. at a nested batch's or
            // join's end) finds what the outer one left in the slot and runs it, rather than
            // storing a new range over it. Strictly nested on one stack, the inner one leaves
            // the slot empty again before the outer one looks at it (S1 in `split`).
            while let Some(run) = self.split.take(slot, piece) {
                (self.f)(run);
                if self.stopped() {
                    return;
                }
                piece = (piece * 2).min(MAX_PIECE);
            }
            let range = match self.claim() {
                Some(chunk) => chunk,
                None if self.stopped() => return,
                None => match self.split.steal(slot) {
                    Some(stolen) => stolen,
                    None => return,
                },
            };
            self.split.hold(slot, range);
        }
    }

    /// Calls `f` over `chunk` in growing pieces, stopping between two if a call panicked; for
    /// a participant without a slot.
    #[inline]
    fn run_chunk(&self, chunk: Range<usize>) {
        let mut start = chunk.start;
        let mut piece = FIRST_PIECE;
        loop {
            // No overflow: `start < chunk.end`, so the difference is positive.
            let end = start + piece.min(chunk.end - start);
            (self.f)(start..end);
            start = end;
            if start == chunk.end || self.stopped() {
                return;
            }
            piece = (piece * 2).min(MAX_PIECE);
        }
    }
}

/// A helper's view of a batch: one `JobRef` per helper, all to the same descriptor.
impl<F: Fn(Range<usize>) + Sync> Job for Batch<'_, F> {
    unsafe fn execute(this: *const Self) {
        // SAFETY: the descriptor is alive until `helpers` is decremented below (T2).
        let batch = unsafe { &*this };
        let (owner, registry) = (batch.owner, batch.header.registry);
        // Helpers sit on the owner's deque, so a worker of the owner's pool runs this.
        let worker = WorkerThread::current_in_ptr(registry);
        batch.participate(worker.map_or(usize::MAX, WorkerThread::index));
        // SeqCst: the write the owner's wait condition reads; our last access (T2).
        if batch.helpers.fetch_sub(1, Ordering::SeqCst) == 1 {
            // Wake the owner in this pool only, never by index in another one.
            if let Some(worker) = worker {
                worker.registry().wake_worker(owner);
            }
        }
    }
}

/// Calls `f` on chunks that together cover `0..len` once, spread over the pool; `worker` is the
/// caller's. Chunk-sized calls let the caller's loop over a chunk compile to a tight,
/// vectorisable loop.
pub(crate) fn for_each_chunk_on_worker<F: Fn(Range<usize>) + Sync>(
    worker: &WorkerThread,
    len: usize,
    f: &F,
) {
    let start = solo_when_busy(worker.registry(), len, f);
    if start == len {
        return;
    }
    let threads = worker.registry().num_threads();
    let helpers = (threads - 1).min((len - start).saturating_sub(1));
    let batch = Batch::new(
        f,
        (start, len),
        worker.registry(),
        worker.index(),
        (helpers + 1, helpers),
    );
    // SAFETY: every helper job runs or is taken back before we leave (T2); `F: Sync`, so
    // helpers may call it from other threads.
    let job = unsafe { JobRef::new(&batch) };
    // From the first push on, thieves may hold pointers to `batch` in this frame: it must not
    // unwind before every helper has run or been taken back (T2), so a panic (none is
    // expected: participants catch their own) aborts instead.
    let guard = AbortIfPanic::new("batch: helpers may still be running on other workers");
    for _ in 0..helpers {
        worker.push(job);
    }
    batch.participate(worker.index());
    // Take back helpers nobody stole; run anything else we find; wait for the rest.
    let mut waiting_since = None;
    while batch.helpers.load(Ordering::SeqCst) != 0 {
        match worker.pop() {
            Some(popped) if popped.same_as(&job) => {
                batch.helpers.fetch_sub(1, Ordering::SeqCst);
            }
            Some(other) => worker.execute(other),
            None => {
                waiting_since.get_or_insert_with(Instant::now);
                worker.wait_until(|| batch.helpers.load(Ordering::SeqCst) == 0);
            }
        }
    }
    note_shared_end(waiting_since);
    // Every helper is accounted for: nothing points into this frame any more.
    guard.disarm();
    batch.resume_panic();
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use std::sync::atomic::{AtomicU8, Ordering::Relaxed, Ordering::SeqCst};

    use super::*;
    use crate::primitive::AtomicPtr;
    use crate::registry::Handlers;

    /// S3 in `split`: a participation nested on the same thread (as when `f` waits and runs a
    /// helper job of this very batch) must run what the outer one left in the slot, not store
    /// a new range over it. With "claim, then hold" first, the outer chunk's rest was lost.
    #[test]
    fn a_participation_nested_on_the_same_thread_runs_what_the_outer_one_left() {
        let (registry, _deques) = Registry::new(2, 0, false, Handlers::default()).unwrap();
        let len = if cfg!(miri) { 300 } else { 5000 };
        let counts: Vec<AtomicU8> = (0..len).map(|_| AtomicU8::new(0)).collect();
        let header = AtomicPtr::<Header>::new(core::ptr::null_mut());
        let nested = AtomicBool::new(false);
        let f = |range: Range<usize>| {
            for i in range {
                counts[i].fetch_add(1, Relaxed);
            }
            if !nested.swap(true, SeqCst) {
                let header = header.load(SeqCst);
                // SAFETY: the batch below is alive for the whole outer participation, and
                // `participate` is its own type's (`Batch::new`).
                unsafe { ((*header).participate)(header, 0) };
            }
        };
        let batch = Batch::new(&f, (0, len), &registry, 0, (1, 0));
        header.store(
            core::ptr::from_ref(&batch).cast::<Header>().cast_mut(),
            SeqCst,
        );
        batch.participate(0);
        assert!(nested.load(SeqCst));
        let wrong: Vec<usize> = (0..len).filter(|&i| counts[i].load(Relaxed) != 1).collect();
        assert!(wrong.is_empty(), "indices not run exactly once: {wrong:?}");
    }
}
