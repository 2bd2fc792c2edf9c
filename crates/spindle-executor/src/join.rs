//! Fork-join: [`ThreadPool::join`](crate::ThreadPool::join) and
//! [`ThreadPool::install`](crate::ThreadPool::install), with jobs on the caller's stack.
//!
//! `join(a, b)` on a worker first asks whether any worker is idle (one relaxed load): if none
//! is, no one could steal `b`, and both halves run as plain calls, so a join in a busy pool
//! costs about a branch (the idea of spice's heartbeat scheduling, by a cheaper test). Else it
//! pushes `b` (a [`StackJob`] on this frame) onto the worker's own deque, runs `a`, then pops: if `b` is still there it runs inline, as a plain call; if a thief
//! took it, the worker runs other jobs until `b`'s latch is set. Nothing is allocated. From
//! outside the pool, the call is moved into the pool first (`install`) and the caller waits:
//! a thread outside every pool blocks; a worker of another pool runs its own pool's jobs until
//! the latch is set (registry invariants R1 and R2), so a cycle of pools waiting on each
//! other (A installs into B, whose job installs into A) completes, as rayon's
//! `in_worker_cross` does.
//!
//! # A worker that loses its core
//!
//! What a preempted worker holds back is the closure it is running and the halves it ran
//! inline on its current path: a pushed half stays on its deque, which thieves keep taking
//! from while its owner has no core, and a joiner whose half was stolen runs other jobs (the
//! thief's pushed halves among them) until the thief's latch is set. The idle-worker test
//! above is the trade-off: a half run inline because every worker was busy is not stealable
//! later, where rayon would have pushed it; an idle worker gets work at the holder's next
//! join instead, which a worker without a core does not reach. Measured on two cores with
//! two threads burning CPU (`cargo xtask bench --busy 2`), `fib(30)` with a cutoff still
//! ran faster than the sequential recursion and than rayon, and `fib(25)` without cutoff at
//! about half rayon's time; `tests/join.rs` checks that a thief frozen in its stolen half
//! does not stop the joiner's own half.
//!
//! # Invariants
//!
//! - **K1 (frame outlives job).** A function that hands out a `JobRef` to a `StackJob` on its
//!   frame does not return or unwind before that job has finished: the job's closure is called
//!   under `catch_unwind`, and the waits below do not panic (a helping wait runs jobs
//!   contained, as the worker's main loop does).

use core::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crate::job::{Job, JobRef};
use crate::latch::{CrossLatch, Latch, WorkerLatch};
use crate::registry::{Registry, WorkerThread};
use spindle_utils::{AbortIfPanic, drop_payload};

/// What a job's closure returned, or its panic.
type Outcome<R> = std::thread::Result<R>;

/// A job on its waiter's stack.
pub(crate) struct StackJob<L, F, R> {
    func: UnsafeCell<Option<F>>,
    outcome: UnsafeCell<Option<Outcome<R>>>,
    latch: L,
}

impl<L: Latch, F: FnOnce() -> R + Send, R: Send> StackJob<L, F, R> {
    pub(crate) fn new(func: F, latch: L) -> Self {
        StackJob {
            func: UnsafeCell::new(Some(func)),
            outcome: UnsafeCell::new(None),
            latch,
        }
    }

    /// # Safety
    ///
    /// The job must be executed (or [`run_inline`](Self::run_inline)d) once before `self` is
    /// dropped or moved (K1).
    pub(crate) unsafe fn as_job_ref(&self) -> JobRef {
        // SAFETY: forwarded; `F` and `R` are `Send`, so the job may run on another thread.
        unsafe { JobRef::new(self) }
    }

    /// Runs the closure here, when no thief took the job.
    pub(crate) fn run_inline(&self) -> Outcome<R> {
        // SAFETY: the job was popped back by its owner, so nobody else runs it (J1).
        let func = unsafe { (*self.func.get()).take() };
        match func {
            Some(func) => catch_unwind(AssertUnwindSafe(func)),
            None => unreachable!("a stack job ran twice"),
        }
    }

    /// The outcome, once the latch is set.
    pub(crate) fn into_outcome(self) -> Outcome<R> {
        debug_assert!(self.latch.probe());
        match self.outcome.into_inner() {
            Some(outcome) => outcome,
            None => unreachable!("a finished stack job left no outcome"),
        }
    }

    pub(crate) fn latch(&self) -> &L {
        &self.latch
    }
}

impl<L: Latch, F: FnOnce() -> R + Send, R: Send> Job for StackJob<L, F, R> {
    unsafe fn execute(this: *const Self) {
        // SAFETY: `this` is alive until its latch is set (K1), and only this runner touches
        // `func` and `outcome` until then (J1).
        unsafe {
            let func = (*(*this).func.get()).take();
            let outcome = match func {
                Some(func) => catch_unwind(AssertUnwindSafe(func)),
                None => unreachable!("a stack job ran twice"),
            };
            *(*this).outcome.get() = Some(outcome);
            L::set(&raw const (*this).latch);
        }
    }
}

/// `join` on a worker of the pool.
pub(crate) fn join_on_worker<A, B, RA, RB>(worker: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if !worker.registry().has_idle_workers() {
        // Every worker is busy: nobody would steal `b`, so skip the deque push and pop (and
        // the pop's fence). An idle worker shows up at the next join down the recursion.
        return join_here(a, b);
    }
    let job_b = StackJob::new(b, WorkerLatch::new(worker));
    // SAFETY: we do not leave this frame before `job_b` has run: inline below, or its latch
    // is awaited (K1).
    let job_b_ref = unsafe { job_b.as_job_ref() };
    worker.push(job_b_ref);
    // From the push on, a thief may hold a pointer to `job_b` in this frame: unwinding out
    // of it before `b` has run or its latch is set would free the job under the thief, so a
    // panic here (none is expected: `a` and the jobs run below are caught) aborts instead.
    let guard = AbortIfPanic::new("join: the other half may be running on a thief");
    let outcome_a = catch_unwind(AssertUnwindSafe(a));
    let outcome_b = loop {
        if job_b.latch().probe() {
            break job_b.into_outcome();
        }
        match worker.pop() {
            Some(job) if job.same_as(&job_b_ref) => break job_b.run_inline(),
            // Something `a` left behind (it pushed after us): run it, then look again.
            Some(job) => worker.execute(job),
            None => {
                // Stolen: help until the thief is done.
                worker.wait_until(|| job_b.latch().probe());
                break job_b.into_outcome();
            }
        }
    };
    // `job_b` has run or been taken back: no other thread points into this frame any more.
    guard.disarm();
    both(outcome_a, outcome_b)
}

/// `join` on a thread outside any pool: `a`, then `b`, with `join`'s panic rules.
pub(crate) fn join_here<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    let outcome_a = catch_unwind(AssertUnwindSafe(a));
    let outcome_b = catch_unwind(AssertUnwindSafe(b));
    both(outcome_a, outcome_b)
}

/// Both results, or the first panic resumed; when both halves panicked, `b`'s payload is
/// dropped first, here, where a panic in its `Drop` is contained (during the unwind it would
/// abort the process).
fn both<RA, RB>(outcome_a: Outcome<RA>, outcome_b: Outcome<RB>) -> (RA, RB) {
    match (outcome_a, outcome_b) {
        (Ok(ra), Ok(rb)) => (ra, rb),
        (Err(payload), Ok(_)) | (Ok(_), Err(payload)) => resume_unwind(payload),
        (Err(payload), Err(lost)) => {
            drop_payload(lost);
            resume_unwind(payload)
        }
    }
}

/// Runs `f` on a worker of `registry` from a thread that is not one of its workers, and waits
/// until it is done: a worker of another pool runs its own pool's jobs meanwhile, any other
/// thread blocks. Runs `f` on this thread instead if the pool is shut down.
pub(crate) fn install_cross<F, R>(registry: &Registry, f: F) -> R
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    let waiter = WorkerThread::current_for_helping();
    debug_assert!(!waiter.as_ref().is_some_and(|w| w.is_of(registry)));
    let job = StackJob::new(f, CrossLatch::new(waiter.as_ref()));
    // SAFETY: we wait for the latch before leaving (K1), unless the job was refused, in which
    // case it was never handed out and runs here.
    let job_ref = unsafe { job.as_job_ref() };
    let outcome = if registry.inject(job_ref).is_ok() {
        // The injected job lives in this frame and a worker of `registry` will run it: this
        // frame must not unwind before the latch is set, or the worker writes into freed stack.
        let guard = AbortIfPanic::new("install: a worker of the other pool is running the job");
        job.latch().wait(waiter.as_ref());
        guard.disarm();
        job.into_outcome()
    } else {
        job.run_inline()
    };
    match outcome {
        Ok(value) => value,
        Err(payload) => resume_unwind(payload),
    }
}
