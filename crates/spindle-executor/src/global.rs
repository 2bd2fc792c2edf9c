//! The global pool and the free functions that use it: rayon's `join`, `scope`, `spawn`,
//! `current_num_threads` and `current_thread_index`, so recursive code needs no `&ThreadPool`.
//!
//! Each free function runs on the pool of the thread it is called on when that thread is a
//! worker (so code inside [`ThreadPool::install`] of a pool stays in that pool, as in rayon),
//! and on the global pool otherwise. The global pool is built on first use with the default
//! settings (one worker per available core), or once, earlier, by
//! [`ThreadPoolBuilder::build_global`]. It lives for the rest of the process and is never
//! shut down: its workers park when idle.
//!
//! If the global pool cannot be built (the OS refuses threads), the free functions do not
//! panic: they run their work on the calling thread, as a pool does after its shutdown.
//!
//! The cost on a worker is one thread-local read more than the method (`WorkerThread::current`
//! instead of `current_in`); from outside a pool, one `OnceLock` load more than `install`.

use std::sync::OnceLock;

use crate::BuildError;
use crate::builder::ThreadPoolBuilder;
use crate::job::HeapJob;
use crate::pool::ThreadPool;
use crate::registry::WorkerThread;
use crate::scope::{self, Scope};

/// The global pool, once built; `None` inside if building it failed (free functions then run
/// their work on the caller).
static GLOBAL: OnceLock<Option<ThreadPool>> = OnceLock::new();

/// The global pool, built with the default settings if nobody built it before.
pub(crate) fn global() -> Option<&'static ThreadPool> {
    GLOBAL
        .get_or_init(|| ThreadPoolBuilder::default().build().ok())
        .as_ref()
}

/// [`ThreadPoolBuilder::build_global`].
pub(crate) fn set(builder: ThreadPoolBuilder) -> Result<(), BuildError> {
    if GLOBAL.get().is_some() {
        return Err(BuildError::GlobalPoolExists);
    }
    let pool = builder.build()?;
    // Another thread may have built it meanwhile: then ours is dropped (shut down) unused.
    GLOBAL
        .set(Some(pool))
        .map_err(|_| BuildError::GlobalPoolExists)
}

/// Runs `a` and `b`, potentially in parallel, on the current worker's pool or the global one,
/// and returns both results: [`ThreadPool::join`] without the pool.
///
/// # Panics
///
/// If `a` or `b` panics, the panic is resumed here once both have finished (`a`'s first).
///
/// # Examples
///
/// ```
/// fn fib(n: u64) -> u64 {
///     if n < 10 {
///         return (0..n).fold((0, 1), |(a, b), _| (b, a + b)).0;
///     }
///     let (a, b) = spindle_executor::join(|| fib(n - 1), || fib(n - 2));
///     a + b
/// }
/// assert_eq!(fib(20), 6765);
/// ```
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    match WorkerThread::current() {
        Some(worker) => crate::join::join_on_worker(worker, a, b),
        None => match global() {
            Some(pool) => pool.join(a, b),
            None => crate::join::join_here(a, b),
        },
    }
}

/// Runs `body` with a [`Scope`] whose tasks may borrow from the caller's stack, on the current
/// worker's pool or the global one, and returns when every task has finished:
/// [`ThreadPool::scope`] without the pool.
///
/// # Panics
///
/// A panic in `body` or in any task is resumed here once all of them have finished.
///
/// # Examples
///
/// ```
/// let mut squares = vec![0u64; 8];
/// spindle_executor::scope(|s| {
///     for (i, slot) in squares.iter_mut().enumerate() {
///         s.spawn(move |_| *slot = (i * i) as u64);
///     }
/// });
/// assert_eq!(squares[7], 49);
/// ```
pub fn scope<'scope, F, R>(body: F) -> R
where
    F: FnOnce(&Scope<'scope>) -> R + Send,
    R: Send,
{
    match WorkerThread::current() {
        Some(worker) => scope::scope_on_worker(worker, body),
        None => match global() {
            Some(pool) => pool.scope(body),
            None => scope::scope_here(body),
        },
    }
}

/// Runs `f` on the current worker's pool or the global one, fire and forget (rayon's
/// `spawn`): a panic in `f` goes to that pool's panic handler, and the worker survives. For
/// its result, use [`ThreadPool::spawn`] and its [`JoinHandle`](crate::JoinHandle), or a
/// [`scope`].
///
/// Never refused: a worker's own deque always takes the job, and the global pool is never
/// shut down. (If the global pool could not be built, `f` runs here, its panic contained.)
///
/// # Examples
///
/// ```
/// let (tx, rx) = std::sync::mpsc::channel();
/// spindle_executor::spawn(move || tx.send(6 * 7).unwrap());
/// assert_eq!(rx.recv().unwrap(), 42);
/// ```
pub fn spawn<F>(f: F)
where
    F: FnOnce() + Send + 'static,
{
    let refused = match WorkerThread::current() {
        Some(worker) => worker.registry().submit(f, HeapJob::into_job_ref).err(),
        None => match global() {
            Some(pool) => pool.execute(f).err().map(|closed| closed.0),
            None => Some(f),
        },
    };
    if let Some(f) = refused {
        if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            spindle_utils::drop_payload(payload);
        }
    }
}

/// The number of workers of the current worker's pool, or of the global pool (building it
/// if needed) outside any pool: what a split into "one piece per thread" should use.
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(3)?;
/// assert_eq!(pool.install(spindle_executor::current_num_threads), 3);
/// assert!(spindle_executor::current_num_threads() >= 1);
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
pub fn current_num_threads() -> usize {
    match WorkerThread::current() {
        Some(worker) => worker.registry().num_threads(),
        None => global().map_or(1, ThreadPool::num_threads),
    }
}

/// The index of the current thread in its pool (`0..current_num_threads()`), or `None`
/// outside every pool's workers.
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(2)?;
/// let index = pool.install(spindle_executor::current_thread_index);
/// assert!(matches!(index, Some(0 | 1)));
/// assert_eq!(spindle_executor::current_thread_index(), None);
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
pub fn current_thread_index() -> Option<usize> {
    WorkerThread::current().map(WorkerThread::index)
}
