//! Batches called from a thread that is no pool's worker (the batch's module docs, "Called
//! from outside the pool"; invariant B3).
//!
//! # Safety
//!
//! A helper reaches the caller's batch frame only through the published pointer, and only
//! while it is counted in `users` (B3); every `unsafe` block below names the step of B3 it
//! relies on.

use std::sync::Arc;
use std::time::Instant;

use crossbeam_utils::CachePadded;
use spindle_utils::{AbortIfPanic, EventCount};

use super::solo::{note_shared_end, solo_when_busy};
use super::{Batch, Header};
use crate::job::{Job, JobRef};
use crate::primitive::{AtomicPtr, AtomicUsize, Ordering, seq_cst_fence_for_loom};
use crate::registry::{Registry, WorkerThread};

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
            if let Some(worker) = WorkerThread::current_in_ptr(registry) {
                // SAFETY: as above; `participate` matches the batch's type (`Batch::new`).
                unsafe { participate(header, worker.index()) };
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
            // The caller's slot is the one after the workers' (`Batch::new`).
            batch.participate(registry.num_threads());
            // SeqCst: before the read of `users` in the total order (B3).
            slot.batch.store(core::ptr::null_mut(), Ordering::SeqCst);
            seq_cst_fence_for_loom();
            let mut waited = None;
            if slot.users.load(Ordering::SeqCst) != 0 {
                waited = Some(Instant::now());
                slot.done
                    .wait_until(|| (slot.users.load(Ordering::SeqCst) == 0).then_some(()));
            }
            note_shared_end(waited);
            // No helper can reach the batch any more (B3).
            guard.disarm();
            batch.resume_panic();
            true
        })
        .unwrap_or(false)
}
