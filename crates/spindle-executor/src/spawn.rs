//! [`ThreadPool::spawn`](crate::ThreadPool::spawn): a task whose result (or panic) comes back
//! through a [`JoinHandle`].
//!
//! One allocation per task: the closure, its result slot and the completion flag share one
//! `Arc`; the job on the deque is that `Arc`, leaked until the task has run.
//!
//! # Invariants
//!
//! - **S1 (one writer, then readers).** `func` is taken and `result` written only by the one
//!   worker that runs the job (J1), before it sets `done` (SeqCst, so also Release). `result`
//!   is read only by the joiner after it sees `done` (SeqCst, so also Acquire).
//! - **S2 (cross joiner).** A joiner that is a worker of another pool helps its own pool while
//!   it waits, parked on its own `worker_sleep` event (registry R1, R2). It publishes that event
//!   in `cross_waiter` (an `Arc` leaked with `into_raw`, `SeqCst`) before its wait starts; the
//!   task loads `cross_waiter` (`SeqCst`) after setting `done`. In the total order either the
//!   load comes after the publication, and the task notifies the event, or it comes before, so
//!   `done` was set before the joiner's wait began and its first check sees it. The `Arc` is
//!   reclaimed exactly once, by whichever of the two swaps the pointer out of `cross_waiter`
//!   (the task when it finds it, the joiner after its wait).
//! - **S3 (awaited).** A handle awaited as a future stores its task's waker in `waker` (under
//!   its mutex), then sets `has_waker` (`SeqCst`), then loads `done` (`SeqCst`); the task sets
//!   `done`, then loads `has_waker` (`SeqCst`) and, if set, takes the waker under the mutex and
//!   wakes it. In the total order either the task's load comes after the poll's store, and it
//!   finds the waker of that poll or a later one, or it comes before, so `done` was set before
//!   the poll's load, which sees it and completes. The slot is part of the task's one
//!   allocation, so awaiting allocates nothing.

use core::cell::UnsafeCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use spindle_queue::EventCount;

use crate::job::{Job, JobRef};
use crate::primitive::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, seq_cst_fence_for_loom};
use spindle_utils::Panic;
use spindle_utils::sync::{Mutex, lock};

/// `Completion::waiting_worker` when no worker waits.
const NO_WORKER: usize = usize::MAX;
use crate::registry::{Registry, WorkerThread};

/// What a [`JoinHandle`] sees of a task, whatever its closure type.
struct Completion<R> {
    result: UnsafeCell<Option<Result<R, Panic>>>,
    done: AtomicBool,
    /// The index of a worker of the pool that waits for this task (helping meanwhile), or
    /// `NO_WORKER`: completion wakes that worker.
    waiting_worker: AtomicUsize,
    /// Outside joiners wait here.
    event: EventCount,
    /// The event count of a joiner that is a worker of another pool, or null (S2).
    cross_waiter: AtomicPtr<EventCount>,
    /// Set once a poll of the handle has stored a waker (S3).
    has_waker: AtomicBool,
    /// The waker of the task awaiting the handle (S3).
    waker: Mutex<Option<Waker>>,
    /// The pool the task runs in, compared by address only.
    pool: *const Registry,
}

/// A spawned task: its closure and its completion, in one allocation.
struct Task<F, R> {
    func: UnsafeCell<Option<F>>,
    completion: Completion<R>,
}

// SAFETY: `func` moves to the one worker that runs it and `result` moves to the joiner, each
// handed over through `done` (S1): `F` and `R` need only be `Send`.
unsafe impl<F: Send, R: Send> Sync for Task<F, R> {}
// SAFETY: as above.
unsafe impl<F: Send, R: Send> Send for Task<F, R> {}

/// Erases the closure type so a [`JoinHandle`] depends on `R` only.
trait HasCompletion<R>: Send + Sync {
    fn completion(&self) -> &Completion<R>;
}

impl<F: Send, R: Send> HasCompletion<R> for Task<F, R> {
    fn completion(&self) -> &Completion<R> {
        &self.completion
    }
}

impl<F, R> Job for Task<F, R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    unsafe fn execute(this: *const Self) {
        // SAFETY: leaked by `into_job`, reclaimed once here (J1).
        let task = unsafe { Arc::from_raw(this) };
        // SAFETY: only the running worker touches `func` (S1).
        let func = unsafe { (*task.func.get()).take() };
        let outcome = match func {
            Some(func) => catch_unwind(AssertUnwindSafe(func)).map_err(Panic::new),
            None => unreachable!("a task ran twice"),
        };
        let completion = &task.completion;
        // SAFETY: the result is written before `done` is set, and read only after (S1).
        unsafe { *completion.result.get() = Some(outcome) };
        // SeqCst: the write both kinds of joiner wait for (the event count's contract).
        completion.done.store(true, Ordering::SeqCst);
        completion.event.notify_one();
        let waiting = completion.waiting_worker.load(Ordering::SeqCst);
        if waiting != NO_WORKER {
            // This job runs on a worker of the task's pool, which is the waiter's pool: wake
            // the waiter by index in that pool only.
            if let Some(worker) = WorkerThread::current_in_ptr(completion.pool) {
                worker.registry().wake_worker(waiting);
            }
        }
        // SeqCst (with the fence under loom): after the store of `done` in the total order (S2).
        seq_cst_fence_for_loom();
        if !completion.cross_waiter.load(Ordering::SeqCst).is_null() {
            completion.wake_cross_waiter();
        }
        // SeqCst: after the store of `done` in the total order, as above (S3).
        if completion.has_waker.load(Ordering::SeqCst) {
            completion.wake_awaiter();
        }
    }
}

impl<R> Completion<R> {
    /// Takes the cross joiner's event count, if the joiner has not taken it back yet, and
    /// notifies it (S2).
    #[cold]
    #[inline(never)]
    fn wake_cross_waiter(&self) {
        let event = self
            .cross_waiter
            .swap(core::ptr::null_mut(), Ordering::SeqCst);
        if !event.is_null() {
            // SAFETY: a non-null pointer came from `Arc::into_raw` in `join`, and whoever swaps
            // it out owns it, once (S2).
            unsafe { Arc::from_raw(event) }.notify_one();
        }
    }

    /// Wakes the task awaiting the handle (S3).
    #[cold]
    #[inline(never)]
    fn wake_awaiter(&self) {
        let waker = lock(&self.waker).take();
        // Woken outside the lock: a waker may run the runtime's code, even poll the handle.
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The cross joiner takes its event count back after its wait, unless the task did (S2).
    fn take_back_cross_waiter(&self) {
        let event = self
            .cross_waiter
            .swap(core::ptr::null_mut(), Ordering::SeqCst);
        if !event.is_null() {
            // SAFETY: as in `wake_cross_waiter`.
            drop(unsafe { Arc::from_raw(event) });
        }
    }
}

/// Makes the job for `f` and the handle that will receive its result.
pub(crate) fn into_job<F, R>(registry: &Registry, f: F) -> (JobRef, JoinHandle<R>)
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let task = Arc::new(Task {
        func: UnsafeCell::new(Some(f)),
        completion: Completion {
            result: UnsafeCell::new(None),
            done: AtomicBool::new(false),
            waiting_worker: AtomicUsize::new(NO_WORKER),
            event: EventCount::new(),
            cross_waiter: AtomicPtr::new(core::ptr::null_mut()),
            has_waker: AtomicBool::new(false),
            waker: Mutex::new(None),
            pool: registry,
        },
    });
    let handle = JoinHandle {
        task: Arc::clone(&task) as Arc<dyn HasCompletion<R>>,
    };
    // SAFETY: the `Arc` is leaked until the job runs and reclaims it, once (J1, J2).
    let job = unsafe { JobRef::new(Arc::into_raw(task)) };
    (job, handle)
}

/// Waits for a task started with [`ThreadPool::spawn`](crate::ThreadPool::spawn).
///
/// Dropping the handle detaches the task: it still runs, and its result is dropped.
///
/// The handle is also a [`Future`] of the same `Result`, for async code under any runtime: a
/// task awaits `pool.spawn(work)?` while `work` runs on the pool, off the runtime's threads. A
/// completing task wakes the awaiting one; awaiting allocates nothing (the waker is kept in the
/// task's own allocation) and never blocks the runtime's thread. Dropping the future detaches
/// the task as dropping the handle does. Use either [`join`](JoinHandle::join) or `.await`, not
/// both: a handle that completed as a future has handed its result out.
///
/// # Examples
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(2)?;
/// let handle = pool.spawn(|| 6 * 7).unwrap();
/// assert_eq!(handle.join().unwrap(), 42);
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
///
/// From async code:
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(2)?;
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let answer = runtime.block_on(async { pool.spawn(|| 6 * 7).unwrap().await });
/// assert_eq!(answer.unwrap(), 42);
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
pub struct JoinHandle<R> {
    task: Arc<dyn HasCompletion<R>>,
}

impl<R> core::fmt::Debug for JoinHandle<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<R> JoinHandle<R> {
    /// Whether the task has finished (returned or panicked).
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(1)?;
    /// let handle = pool.spawn(|| ()).unwrap();
    /// while !handle.is_finished() { std::thread::yield_now(); }
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.completion().done.load(Ordering::SeqCst)
    }

    /// Waits for the task and returns its value.
    ///
    /// On a worker of the same pool, waiting runs other jobs of the pool instead of blocking
    /// the thread, so a task may join tasks it spawned even on a one-thread pool. On a worker
    /// of another pool, waiting runs that worker's own pool's jobs, so the task may itself wait
    /// on the joiner's pool (see "Waiting across parts" in the crate docs). Only a thread
    /// outside every pool blocks.
    ///
    /// # Errors
    ///
    /// [`Panic`](crate::Panic) with the payload if the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(1)?;
    /// let handle = pool.spawn(|| -> u8 { panic!("no") }).unwrap();
    /// assert!(handle.join().is_err());
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn join(self) -> Result<R, Panic> {
        let completion = self.task.completion();
        let done = || completion.done.load(Ordering::SeqCst);
        // `pool` is only compared, never dereferenced.
        match WorkerThread::current_in_ptr(completion.pool) {
            Some(worker) => {
                // SeqCst: read by the completing worker after it sets `done` (contract).
                completion
                    .waiting_worker
                    .store(worker.index(), Ordering::SeqCst);
                worker.wait_until(done);
            }
            None => match WorkerThread::current_for_helping() {
                // A worker of another pool: help there meanwhile (S2).
                Some(waiter) if !done() => {
                    let event = Arc::into_raw(waiter.event()).cast_mut();
                    // SeqCst (with the fence under loom): before the wait's checks of `done`, in
                    // the total order the task's load of `cross_waiter` is in (S2).
                    completion.cross_waiter.store(event, Ordering::SeqCst);
                    seq_cst_fence_for_loom();
                    waiter.wait_until(done);
                    completion.take_back_cross_waiter();
                }
                Some(_) => {}
                None => completion.event.wait_until(|| done().then_some(())),
            },
        }
        // SAFETY: `done` is set, so the result is written and ours alone (S1).
        match unsafe { (*completion.result.get()).take() } {
            Some(result) => result,
            None => unreachable!("a finished task left no result"),
        }
    }
}

impl<R> Future for JoinHandle<R> {
    type Output = Result<R, Panic>;

    /// Resolves to the task's value, or its [`Panic`], once it has run.
    ///
    /// # Panics
    ///
    /// If polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let completion = self.get_mut().task.completion();
        // SeqCst: the fast path; `done` was set with SeqCst (S1).
        if !completion.done.load(Ordering::SeqCst) {
            {
                let mut slot = lock(&completion.waker);
                match &*slot {
                    Some(current) if current.will_wake(cx.waker()) => {}
                    _ => *slot = Some(cx.waker().clone()),
                }
            }
            // SeqCst (with the fence under loom): before the load of `done` below, in the total
            // order the task's load of `has_waker` is in (S3).
            completion.has_waker.store(true, Ordering::SeqCst);
            seq_cst_fence_for_loom();
            if !completion.done.load(Ordering::SeqCst) {
                return Poll::Pending;
            }
        }
        // SAFETY: `done` is set, so the result is written and ours alone (S1); `&mut self`
        // keeps other polls and `join` out.
        match unsafe { (*completion.result.get()).take() } {
            Some(result) => Poll::Ready(result),
            None => panic!("JoinHandle polled after it completed"),
        }
    }
}
