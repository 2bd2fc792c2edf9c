//! Latches: "this job has finished", set once by the thread that ran it.
//!
//! A latch lives inside a job on its waiter's stack, so the setter may not touch it after the
//! waiter could see it set: it copies what it needs to wake the waiter first, then sets, then
//! wakes through the copy.
//!
//! # Invariants
//!
//! - **L1 (last touch).** `set` performs no access to `self` after the `SeqCst` store of
//!   `done`; whatever wakes the waiter is read out (or cloned) before it.
//! - **L2 (own pool).** A [`WorkerLatch`] wakes its owner by index only in the owner's own
//!   registry: `set` finds it through the worker running the job, if that worker belongs to
//!   the registry the latch recorded (compared by address, never dereferenced), never through
//!   whichever pool's worker happens to be running.
//! - **L3 (cross wake by reference).** A [`CrossLatch`] wakes its waiter through an event count
//!   it holds a reference count of: the outside thread's own, or, for a worker of another
//!   pool, that worker's `worker_sleep` event (registry invariant R2). It knows no index and
//!   no registry, so it cannot wake or push into the wrong pool, and the clone it takes before
//!   its store keeps the event alive however soon the waiter returns and its pool goes (L1).

use std::sync::Arc;

use spindle_queue::EventCount;

use crate::primitive::{AtomicBool, Ordering};
use crate::registry::{CrossWaiter, Registry, WorkerThread};

/// A job's completion signal.
pub(crate) trait Latch {
    /// Marks the job finished and wakes its waiter.
    ///
    /// # Safety
    ///
    /// `this` is valid on entry; it may be freed by the waiter as soon as `done` is set (L1).
    unsafe fn set(this: *const Self);

    /// Whether `set` has been called.
    fn probe(&self) -> bool;
}

/// Waited on by a worker of the pool, which helps with other jobs meanwhile.
pub(crate) struct WorkerLatch {
    done: AtomicBool,
    owner: usize,
    /// The owner's pool, compared by address only (L2).
    registry: *const Registry,
}

impl WorkerLatch {
    pub(crate) fn new(owner: &WorkerThread) -> Self {
        WorkerLatch {
            done: AtomicBool::new(false),
            owner: owner.index(),
            registry: Arc::as_ptr(owner.registry()),
        }
    }
}

impl Latch for WorkerLatch {
    unsafe fn set(this: *const Self) {
        // SAFETY: valid on entry (caller); read before the store (L1).
        let (owner, registry) = unsafe { ((*this).owner, (*this).registry) };
        // SAFETY: as above.
        // SeqCst: the write the owner's wait condition reads (the event count's contract).
        unsafe { (*this).done.store(true, Ordering::SeqCst) };
        // The job ran on a worker of the owner's pool (only its workers take its jobs), whose
        // registry is alive; `registry` itself may dangle by now and is only compared (L2).
        if let Some(worker) = WorkerThread::current_in_ptr(registry) {
            worker.registry().wake_worker(owner);
        }
    }

    fn probe(&self) -> bool {
        self.done.load(Ordering::SeqCst)
    }
}

/// Waited on by a thread that is not a worker of the job's pool: a thread outside every pool,
/// which parks on its own event count, or a worker of another pool, which runs its own pool's
/// jobs meanwhile and parks on its `worker_sleep` event ([`CrossWaiter`]). Either way the latch
/// wakes the waiter through the event count it holds (L3).
pub(crate) struct CrossLatch {
    done: AtomicBool,
    event: Arc<EventCount>,
}

// The event count outside threads block on while the pool runs their job. Reference counted
// so a setter can still notify it after its waiter has returned (L1). Under loom it must be a
// loom thread-local: a std one would carry loom objects from one model execution into the
// next.
spindle_utils::sync_thread_local! {
    static OUTSIDE_EVENT: Arc<EventCount> = lazy Arc::new(EventCount::new());
}

impl CrossLatch {
    /// A latch for `waiter` to wait on: a worker of another pool (which helps its own pool), or
    /// with `None` the current thread, outside every pool (which parks).
    pub(crate) fn new(waiter: Option<&CrossWaiter>) -> Self {
        CrossLatch {
            done: AtomicBool::new(false),
            event: match waiter {
                Some(waiter) => waiter.event(),
                None => OUTSIDE_EVENT.with(Arc::clone),
            },
        }
    }

    /// Waits until the latch is set: `waiter` (the one this latch was made for) runs its own
    /// pool's jobs meanwhile; with `None`, this outside thread parks.
    pub(crate) fn wait(&self, waiter: Option<&CrossWaiter>) {
        match waiter {
            Some(waiter) => waiter.wait_until(|| self.probe()),
            None => self.event.wait_until(|| self.probe().then_some(())),
        }
    }
}

impl Latch for CrossLatch {
    unsafe fn set(this: *const Self) {
        // SAFETY: valid on entry; the clone keeps the event alive past the store (L1, L3).
        let event = unsafe { Arc::clone(&(*this).event) };
        // SAFETY: as above.
        // SeqCst: the write the waiter's condition reads (the event count's contract).
        unsafe { (*this).done.store(true, Ordering::SeqCst) };
        event.notify_one();
    }

    fn probe(&self) -> bool {
        self.done.load(Ordering::SeqCst)
    }
}
