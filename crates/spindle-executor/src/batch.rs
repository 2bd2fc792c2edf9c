//! Batches: one function over an index range, with results written into the caller's memory.
//!
//! The batch's descriptor lives on the caller's stack. The caller (moved onto a worker first,
//! if it is outside the pool) pushes one helper job per other worker onto its own deque, all
//! pointing at that descriptor, then works on the batch itself. Every participant claims
//! chunks from a shared cursor (guided self-scheduling: a chunk is a share of what is left,
//! so chunks shrink towards the end and an uneven batch still balances). When the range is
//! exhausted, the caller takes back the helpers nobody stole and waits for the ones that are
//! running. Nothing is allocated.
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
//! - **T1 (each index once).** The cursor only grows, by CAS; a participant runs at most the
//!   indices of the chunks its CASes claimed (all of them, unless a panic stops it at a piece
//!   boundary), each once, so no index in `0..len` runs twice, and without a panic each runs.
//! - **T2 (frame outlives helpers).** The caller leaves only when `helpers` reaches zero: each
//!   helper job decrements it as its last access, or the caller takes the job back unrun and
//!   decrements it itself. So the descriptor outlives every access to it (also K1). Nothing
//!   unwinds past a participant's loop: `f`'s panics are caught, and the payload of a panic
//!   that lost to an earlier one is dropped with a panic in its own `Drop` contained too.

use core::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;

use crossbeam_utils::CachePadded;

use crate::job::{Job, JobRef};
use crate::primitive::{AtomicBool, AtomicUsize, Ordering};
use crate::registry::{Registry, WorkerThread};
use spindle_utils::{AbortIfPanic, drop_payload};

/// Chunks smaller than this are not worth a CAS each.
const MIN_CHUNK: usize = 1;
/// Indices in the first call over a chunk; each later call doubles, up to [`MAX_PIECE`]. The
/// panic flag is read between calls (module docs).
const FIRST_PIECE: usize = 16;
/// The longest call over a chunk: a panic elsewhere is noticed within this many indices.
const MAX_PIECE: usize = 1024;

/// A batch in progress, on its caller's stack.
struct Batch<'f, F> {
    f: &'f F,
    len: usize,
    /// Next unclaimed index (T1).
    cursor: CachePadded<AtomicUsize>,
    /// Participants chunks are divided among.
    participants: usize,
    /// Helper jobs not yet finished or taken back (T2).
    helpers: CachePadded<AtomicUsize>,
    owner: usize,
    /// The owner's pool, compared by address only: only its workers run the helpers.
    registry: *const Registry,
    /// Set by the first participant whose call panicked; `payload` is then theirs to write.
    panicked: AtomicBool,
    payload: UnsafeCell<Option<Box<dyn std::any::Any + Send>>>,
}

impl<F: Fn(core::ops::Range<usize>) + Sync> Batch<'_, F> {
    /// Whether some participant's call panicked: no more work is started (module docs).
    #[inline]
    fn stopped(&self) -> bool {
        // Relaxed: the flag only stops work; the payload is read after every participant
        // finished (T2), not through this load.
        self.panicked.load(Ordering::Relaxed)
    }

    /// Claims the next chunk, or `None` when the range is done or a call panicked.
    fn claim(&self) -> Option<core::ops::Range<usize>> {
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
    fn participate(&self) {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            while let Some(chunk) = self.claim() {
                self.run_chunk(chunk);
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

    /// Calls `f` over `chunk` in growing pieces, stopping between two if a call panicked.
    #[inline]
    fn run_chunk(&self, chunk: core::ops::Range<usize>) {
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
impl<F: Fn(core::ops::Range<usize>) + Sync> Job for Batch<'_, F> {
    unsafe fn execute(this: *const Self) {
        // SAFETY: the descriptor is alive until `helpers` is decremented below (T2).
        let batch = unsafe { &*this };
        batch.participate();
        let (owner, registry) = (batch.owner, batch.registry);
        // SeqCst: the write the owner's wait condition reads; our last access (T2).
        if batch.helpers.fetch_sub(1, Ordering::SeqCst) == 1 {
            // Helpers sit on the owner's deque, so a worker of the owner's pool runs this; wake
            // the owner in that pool only, never by index in another one.
            if let Some(worker) = WorkerThread::current_in_ptr(registry) {
                worker.registry().wake_worker(owner);
            }
        }
    }
}

/// Calls `f` on chunks that together cover `0..len` once, spread over the pool; `worker` is the
/// caller's. Chunk-sized calls let the caller's loop over a chunk compile to a tight,
/// vectorisable loop.
pub(crate) fn for_each_chunk_on_worker<F: Fn(core::ops::Range<usize>) + Sync>(
    worker: &WorkerThread,
    len: usize,
    f: &F,
) {
    let threads = worker.registry().num_threads();
    let helpers = (threads - 1).min(len.saturating_sub(1));
    let batch = Batch {
        f,
        len,
        cursor: CachePadded::new(AtomicUsize::new(0)),
        participants: helpers + 1,
        helpers: CachePadded::new(AtomicUsize::new(helpers)),
        owner: worker.index(),
        registry: Arc::as_ptr(worker.registry()),
        panicked: AtomicBool::new(false),
        payload: UnsafeCell::new(None),
    };
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
    batch.participate();
    // Take back helpers nobody stole; run anything else we find; wait for the rest.
    while batch.helpers.load(Ordering::SeqCst) != 0 {
        match worker.pop() {
            Some(popped) if popped.same_as(&job) => {
                batch.helpers.fetch_sub(1, Ordering::SeqCst);
            }
            Some(other) => worker.execute(other),
            None => worker.wait_until(|| batch.helpers.load(Ordering::SeqCst) == 0),
        }
    }
    // Every helper is accounted for: nothing points into this frame any more.
    guard.disarm();
    if batch.panicked.load(Ordering::Acquire) {
        // SAFETY: every participant has finished (T2).
        if let Some(payload) = unsafe { (*batch.payload.get()).take() } {
            resume_unwind(payload);
        }
    }
}

/// A pointer to a slice's first element that participants share; each writes only the
/// elements whose indices it claimed (T1).
pub(crate) struct SharedSlice<'a, T> {
    base: *mut T,
    len: usize,
    _borrow: core::marker::PhantomData<&'a mut [T]>,
}

// SAFETY: elements move to (or are written by) exactly one participant each (T1), so `T: Send`
// suffices; the pointer itself is only offset, never used to alias.
unsafe impl<T: Send> Sync for SharedSlice<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for SharedSlice<'_, T> {}

impl<'a, T> SharedSlice<'a, T> {
    pub(crate) fn new(slice: &'a mut [T]) -> Self {
        SharedSlice {
            base: slice.as_mut_ptr(),
            len: slice.len(),
            _borrow: core::marker::PhantomData,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The elements in `range`.
    ///
    /// # Safety
    ///
    /// `range` is within `0..len`, and no other reference to its elements exists while the
    /// result lives: true for a chunk a participant claimed (T1), used once.
    #[allow(clippy::mut_from_ref)] // disjoint chunks, per the contract above
    pub(crate) unsafe fn chunk(&self, range: core::ops::Range<usize>) -> &mut [T] {
        debug_assert!(range.start <= range.end && range.end <= self.len);
        // SAFETY: in bounds and unaliased, per the caller.
        unsafe { core::slice::from_raw_parts_mut(self.base.add(range.start), range.len()) }
    }
}
