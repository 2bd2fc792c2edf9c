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
//! # Called from outside the pool
//!
//! A thread that is no pool's worker does not hand its batch to a worker and sleep (two
//! wake-ups per batch, each of which can cost a whole time slice on a busy machine): it takes
//! part itself. It publishes the batch in its thread's [`OutsideSlot`], injects one helper job
//! per other worker, all pointing at the slot, and works on the batch. Helpers that arrive
//! while it is published join in; helpers that arrive late (their worker had no core) find the
//! slot empty and leave at once, so a batch never waits for a helper that has not started; it
//! waits only for those that joined, and only while they finish the chunk they hold. On a busy
//! machine the batch degrades towards the caller running it alone, never below that by more
//! than one held chunk. (A worker of another pool keeps the hand-over to a worker: its wait
//! must keep running its own pool's jobs, issue 14's cross-pool rule.)
//!
//! # On an oversubscribed machine
//!
//! A helper that loses its core while it holds a chunk makes the whole batch wait for it to
//! get the core back: a time slice, milliseconds, for a batch that takes microseconds. When
//! a batch of this process recently waited [`STALL`] or more at its end for a participant
//! (the batches measure it themselves; one relaxed load otherwise) and the pool allows it
//! ([`solo_when_busy`](crate::ThreadPoolBuilder::solo_when_busy), on by default), the caller first runs the batch alone for a few microseconds,
//! timed, and finishes it alone if the rest would take less than [`SOLO_BELOW`]: on a machine
//! with no core to spare a helper gains less than the slice it may cost. Longer batches are
//! shared as usual, where one lost slice is a small part of the whole.
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
//! - **B3 (outside slot).** An outside caller's batch is reachable from helpers only through
//!   its slot's `batch` pointer, and a helper reads it only between raising and lowering the
//!   slot's `users`. The caller clears the pointer, then waits until `users` is zero: in the
//!   single total order of these `SeqCst` accesses, a helper either raised `users` before the
//!   caller's read of it (and is waited for) or loads the pointer after the clear (and sees
//!   null). Each injected helper job holds one strong count of the slot, released as its
//!   last act, so the slot outlives its jobs even when the thread has gone.

use core::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use spindle_utils::EventCount;

use crate::job::{Job, JobRef};
use crate::primitive::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, seq_cst_fence_for_loom};
use crate::registry::{Registry, WorkerThread};
use spindle_utils::{AbortIfPanic, drop_payload};

/// Chunks smaller than this are not worth a CAS each.
const MIN_CHUNK: usize = 1;
/// Indices in the first call over a chunk; each later call doubles, up to [`MAX_PIECE`]. The
/// panic flag is read between calls (module docs).
const FIRST_PIECE: usize = 16;
/// The longest call over a chunk: a panic elsewhere is noticed within this many indices.
const MAX_PIECE: usize = 1024;

/// What a helper needs to know of a batch of any type: how to take part in it, and its pool.
/// The first field of every [`Batch`], so a pointer to it is a pointer to the batch.
struct Header {
    /// `Batch::<F>::participate` for this batch's `F`.
    participate: unsafe fn(*const Header),
    /// The owner's pool, compared by address only: only its workers run the helpers.
    registry: *const Registry,
}

/// On an oversubscribed machine, a batch whose rest would take less than this runs on the
/// caller alone (module docs).
const SOLO_BELOW: Duration = Duration::from_millis(2);
/// How long the caller times its first indices for the estimate.
const ESTIMATE_FOR: Duration = Duration::from_micros(5);

/// On an oversubscribed machine, runs the start of the batch on the caller, timed, and the rest
/// too when it is short (module docs). Returns where the shared part starts (`len`: done).
/// Otherwise (the usual case) it costs one relaxed load and returns 0.
#[inline]
fn solo_when_busy<F: Fn(core::ops::Range<usize>)>(registry: &Registry, len: usize, f: &F) -> usize {
    if !registry.solo_when_busy || !stalled_recently() {
        return 0;
    }
    let start = Instant::now();
    let mut done = 0;
    let mut piece = FIRST_PIECE;
    while done < len {
        let end = done + piece.min(len - done);
        f(done..end);
        done = end;
        let spent = start.elapsed();
        if spent >= ESTIMATE_FOR {
            let rest = spent.mul_f64((len - done) as f64 / done as f64);
            if rest < SOLO_BELOW {
                f(done..len);
                return len;
            }
            return done;
        }
        piece = (piece * 2).min(MAX_PIECE);
    }
    done
}

/// A wait at a batch's end longer than this means a participant lost its core while it held
/// part of the batch: a time slice went by.
const STALL: Duration = Duration::from_millis(1);
/// How long one stall keeps short batches on their callers.
const STALL_MEMORY: Duration = Duration::from_millis(20);

/// When a batch last stalled, in µs since [`stall_epoch`] (0: never). A plain std atomic, also
/// under loom: a hint, read relaxed, and off under loom.
static LAST_STALL_US: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn stall_epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros_now() -> u64 {
    // +1 keeps 0 free for "never".
    u64::try_from(stall_epoch().elapsed().as_micros()).unwrap_or(u64::MAX) + 1
}

/// Whether some batch of this process stalled within [`STALL_MEMORY`]: the sign, measured
/// by the batches themselves, that the machine has no core to spare for helpers. Idle-worker
/// yields say nothing here (a pool's own idle worker yielding to its busy ones is no stall).
#[inline]
fn stalled_recently() -> bool {
    if cfg!(spindle_loom) {
        return false;
    }
    // Relaxed: a hint (see `LAST_STALL_US`).
    let last = LAST_STALL_US.load(std::sync::atomic::Ordering::Relaxed);
    last != 0 && micros_now().saturating_sub(last) < STALL_MEMORY.as_micros() as u64
}

/// Records a batch's end wait that began at `since`, if it was a stall.
fn note_end_wait(since: Instant) {
    if !cfg!(spindle_loom) && since.elapsed() >= STALL {
        LAST_STALL_US.store(micros_now(), std::sync::atomic::Ordering::Relaxed);
    }
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
    /// Set by the first participant whose call panicked; `payload` is then theirs to write.
    panicked: AtomicBool,
    payload: UnsafeCell<Option<Box<dyn std::any::Any + Send>>>,
}

impl<'f, F: Fn(core::ops::Range<usize>) + Sync> Batch<'f, F> {
    fn new(
        f: &'f F,
        (start, len): (usize, usize),
        registry: &Arc<Registry>,
        owner: usize,
        (participants, helper_jobs): (usize, usize),
    ) -> Self {
        /// Takes part in the batch behind `header`, for an outside caller's helper (B3).
        unsafe fn participate<F: Fn(core::ops::Range<usize>) + Sync>(header: *const Header) {
            // SAFETY: `header` is the first field of a `#[repr(C)]` `Batch<F>` (this function
            // is only ever stored in one), alive while the helper is counted in `users` (B3).
            unsafe { (*header.cast::<Batch<'_, F>>()).participate() }
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
        let (owner, registry) = (batch.owner, batch.header.registry);
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
    batch.participate();
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
    if let Some(since) = waiting_since {
        note_end_wait(since);
    }
    // Every helper is accounted for: nothing points into this frame any more.
    guard.disarm();
    batch.resume_panic();
}

/// Where an outside thread's batches are published for the helper jobs it injects (B3): one
/// per thread, allocated on its first batch, kept alive by the jobs that point at it.
pub(crate) struct OutsideSlot {
    /// The batch being run, or null.
    batch: CachePadded<AtomicPtr<Header>>,
    /// Helpers between their look at `batch` and the end of their part in it.
    users: CachePadded<AtomicUsize>,
    /// The caller waits here for `users` to reach zero.
    done: EventCount,
}

impl OutsideSlot {
    fn new() -> Self {
        OutsideSlot {
            batch: CachePadded::new(AtomicPtr::new(core::ptr::null_mut())),
            users: CachePadded::new(AtomicUsize::new(0)),
            done: EventCount::new(),
        }
    }

    /// A helper's visit: take part in the published batch, if any, of the helper's own pool.
    fn help(&self) {
        // SeqCst: before the load of `batch` in the total order (B3).
        self.users.fetch_add(1, Ordering::SeqCst);
        seq_cst_fence_for_loom();
        let header = self.batch.load(Ordering::SeqCst);
        if !header.is_null() {
            // SAFETY: a non-null pointer read while counted in `users` stays valid until the
            // decrement below (B3). Read through the raw pointer, never a `&Header`: the
            // batch behind the header is reached through this pointer's provenance.
            let (participate, registry) = unsafe { ((*header).participate, (*header).registry) };
            if WorkerThread::current_in_ptr(registry).is_some() {
                // SAFETY: as above; `participate` matches the batch's type (`Batch::new`).
                unsafe { participate(header) };
            }
        }
        // SeqCst: the write the caller's wait condition reads (the event count's contract).
        if self.users.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.done.notify_one();
        }
    }
}

impl Job for OutsideSlot {
    unsafe fn execute(this: *const Self) {
        // SAFETY: the job holds a strong count of the slot (B3), released just below.
        unsafe { (*this).help() };
        // SAFETY: the count `for_each_chunk_from_outside` took for this job, released once.
        unsafe { Arc::decrement_strong_count(this) };
    }
}

spindle_utils::sync_thread_local! {
    /// The slot of the current outside thread (a loom thread-local under loom, so no loom
    /// object outlives its model execution).
    static OUTSIDE_SLOT: Arc<OutsideSlot> = lazy Arc::new(OutsideSlot::new());
}

/// Runs a batch on `registry`'s pool from a thread that is not one of its workers, with the
/// caller taking part (module docs). Returns `false`, having run nothing, when the caller
/// should hand the batch to a worker instead: it is a worker of another pool, or already
/// inside one of its own outside batches.
pub(crate) fn for_each_chunk_from_outside<F: Fn(core::ops::Range<usize>) + Sync>(
    registry: &Arc<Registry>,
    len: usize,
    f: &F,
) -> bool {
    if WorkerThread::current_for_helping().is_some() {
        return false;
    }
    // During thread teardown the slot may be gone: then hand the batch over as before.
    OUTSIDE_SLOT
        .try_with(|slot| {
            // Relaxed: only this thread writes its slot's pointer.
            if !slot.batch.load(Ordering::Relaxed).is_null() {
                return false;
            }
            let start = solo_when_busy(registry, len, f);
            if start == len {
                return true;
            }
            // The caller takes one worker's place: a pool of n threads runs n participants.
            let helpers =
                (registry.num_threads().saturating_sub(1)).min((len - start).saturating_sub(1));
            // No helper job points at the batch itself (only at the slot), so none is counted in
            // `helpers` (T2); B3 keeps the frame alive instead.
            let batch = Batch::new(f, (start, len), registry, usize::MAX, (helpers + 1, 0));
            let guard = AbortIfPanic::new("batch: helpers may still be running on other workers");
            // SeqCst: the publication helpers' loads read (B3). The pointer is made from the
            // whole batch, not from `&batch.header`: a helper reads the batch through it, and
            // a pointer made from the header field alone could reach only the header's bytes.
            slot.batch.store(
                core::ptr::from_ref(&batch).cast::<Header>().cast_mut(),
                Ordering::SeqCst,
            );
            for _ in 0..helpers {
                let job_slot = Arc::into_raw(Arc::clone(slot));
                // SAFETY: the job holds the strong count just taken, until it runs (B3).
                let job = unsafe { JobRef::new(job_slot) };
                if registry.inject(job).is_err() {
                    // Shutting down: no helper will come; release the count and run alone.
                    // SAFETY: the count taken just above, for the job that was refused.
                    unsafe { Arc::decrement_strong_count(job_slot) };
                    break;
                }
            }
            batch.participate();
            // SeqCst: before the read of `users` in the total order (B3).
            slot.batch.store(core::ptr::null_mut(), Ordering::SeqCst);
            seq_cst_fence_for_loom();
            if slot.users.load(Ordering::SeqCst) != 0 {
                let since = Instant::now();
                slot.done
                    .wait_until(|| (slot.users.load(Ordering::SeqCst) == 0).then_some(()));
                note_end_wait(since);
            }
            // No helper can reach the batch any more (B3).
            guard.disarm();
            batch.resume_panic();
            true
        })
        .unwrap_or(false)
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
