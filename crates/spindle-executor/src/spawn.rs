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

use core::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use spindle_queue::EventCount;

use crate::error::TaskPanic;
use crate::job::{Job, JobRef};
use crate::primitive::{AtomicBool, AtomicUsize, Ordering};

/// `Completion::waiting_worker` when no worker waits.
const NO_WORKER: usize = usize::MAX;
use crate::registry::{Registry, WorkerThread};

/// What a [`JoinHandle`] sees of a task, whatever its closure type.
struct Completion<R> {
    result: UnsafeCell<Option<Result<R, TaskPanic>>>,
    done: AtomicBool,
    /// The index of a worker of the pool that waits for this task (helping meanwhile), or
    /// `NO_WORKER`: completion wakes that worker.
    waiting_worker: AtomicUsize,
    /// Outside joiners wait here.
    event: EventCount,
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
            Some(func) => catch_unwind(AssertUnwindSafe(func)).map_err(TaskPanic::new),
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
/// # Examples
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(2)?;
/// let handle = pool.spawn(|| 6 * 7).unwrap();
/// assert_eq!(handle.join().unwrap(), 42);
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
    /// the thread, so a task may join tasks it spawned even on a one-thread pool.
    ///
    /// # Errors
    ///
    /// [`TaskPanic`] with the payload if the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(1)?;
    /// let handle = pool.spawn(|| -> u8 { panic!("no") }).unwrap();
    /// assert!(handle.join().is_err());
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn join(self) -> Result<R, TaskPanic> {
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
            None => completion.event.wait_until(|| done().then_some(())),
        }
        // SAFETY: `done` is set, so the result is written and ours alone (S1).
        match unsafe { (*completion.result.get()).take() } {
            Some(result) => result,
            None => unreachable!("a finished task left no result"),
        }
    }
}
