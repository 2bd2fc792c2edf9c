//! Error types. Anything refused is handed back; a panic's payload is kept.

use core::fmt;
use std::any::Any;

/// [`Builder::build`](crate::Builder::build) could not build the pool.
///
/// # Examples
///
/// ```
/// use spindle_executor::{BuildError, ThreadPool};
///
/// assert!(matches!(ThreadPool::new(0), Err(BuildError::ZeroThreads)));
/// assert!(matches!(ThreadPool::new(usize::MAX), Err(BuildError::TooManyThreads(_))));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// A pool needs at least one thread.
    ZeroThreads,
    /// The operating system refused to start a worker thread.
    Spawn(std::io::Error),
    /// More threads than a pool takes ([`MAX_THREADS`](crate::MAX_THREADS)), or the state the
    /// pool keeps per thread does not fit in memory: its size in bytes overflows, or the
    /// allocator refused it. Holds the number of threads asked for.
    TooManyThreads(usize),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ZeroThreads => f.write_str("a thread pool needs at least one thread"),
            BuildError::Spawn(e) => write!(f, "could not start a worker thread: {e}"),
            BuildError::TooManyThreads(n) => write!(
                f,
                "a thread pool of {n} threads is too large (at most {} threads, with their \
                 per-thread state allocated up front)",
                crate::MAX_THREADS
            ),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Spawn(e) => Some(e),
            BuildError::ZeroThreads | BuildError::TooManyThreads(_) => None,
        }
    }
}

/// The pool is shutting down or shut down; the job is handed back, unrun, in `.0`.
///
/// # Examples
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(1)?;
/// pool.shutdown();
/// let job = pool.spawn(|| 7).unwrap_err().into_inner();
/// assert_eq!(job(), 7); // the closure came back; run it elsewhere if you like
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
pub struct ExecuteError<F>(pub F);

impl<F> ExecuteError<F> {
    /// Takes back the job that was not run.
    ///
    /// ```
    /// let back = spindle_executor::ExecuteError(5).into_inner();
    /// assert_eq!(back, 5);
    /// ```
    pub fn into_inner(self) -> F {
        self.0
    }
}

// Not derived: printing the error must not require `F: Debug` (closures are not).
impl<F> fmt::Debug for ExecuteError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExecuteError(..)")
    }
}

impl<F> fmt::Display for ExecuteError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the thread pool is shut down; the job is handed back")
    }
}

impl<F> std::error::Error for ExecuteError<F> {}

/// A task panicked; the panic's payload is kept so the caller can inspect or resume it.
///
/// # Examples
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(1)?;
/// let err = pool.spawn(|| -> u8 { panic!("boom") }).unwrap().join().unwrap_err();
/// assert_eq!(err.message(), Some("boom"));
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
pub struct TaskPanic(Box<dyn Any + Send + 'static>);

impl From<Box<dyn Any + Send + 'static>> for TaskPanic {
    /// Wraps a panic payload caught elsewhere (by `catch_unwind`), so that code running work on
    /// the pool by other means reports panics the same way.
    ///
    /// ```
    /// let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
    /// let panic = spindle_executor::TaskPanic::from(payload);
    /// assert_eq!(panic.message(), Some("boom"));
    /// ```
    fn from(payload: Box<dyn Any + Send + 'static>) -> Self {
        Self(payload)
    }
}

impl TaskPanic {
    pub(crate) fn new(payload: Box<dyn Any + Send + 'static>) -> Self {
        TaskPanic(payload)
    }

    /// The panic message, when the payload is a string (as `panic!` with a message makes it).
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(1)?;
    /// let err = pool.spawn(|| std::panic::panic_any(3_u32)).unwrap().join().unwrap_err();
    /// assert_eq!(err.message(), None);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn message(&self) -> Option<&str> {
        panic_message(&*self.0)
    }

    /// The payload, as `std::panic::catch_unwind` would have returned it.
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(1)?;
    /// let err = pool.spawn(|| std::panic::panic_any(3_u32)).unwrap().join().unwrap_err();
    /// assert_eq!(err.into_payload().downcast_ref::<u32>(), Some(&3));
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn into_payload(self) -> Box<dyn Any + Send + 'static> {
        self.0
    }

    /// Continues unwinding on this thread with the original payload.
    ///
    /// ```should_panic
    /// let pool = spindle_executor::ThreadPool::new(1)?;
    /// let err = pool.spawn(|| -> () { panic!("boom") }).unwrap().join().unwrap_err();
    /// err.resume(); // panics here with "boom"
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn resume(self) -> ! {
        std::panic::resume_unwind(self.0)
    }
}

/// The message of a panic payload made by `panic!`, if it has one.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Debug for TaskPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaskPanic").field(&self.message()).finish()
    }
}

impl fmt::Display for TaskPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(message) => write!(f, "a task panicked: {message}"),
            None => f.write_str("a task panicked"),
        }
    }
}

impl std::error::Error for TaskPanic {}

/// [`ThreadPool::map_into`](crate::ThreadPool::map_into) was given an output slice of another
/// length than its input.
///
/// # Examples
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(2)?;
/// let err = pool.map_into(&[1, 2, 3], &mut [0; 2], |x| x * 2).unwrap_err();
/// assert_eq!((err.input, err.output), (3, 2));
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthMismatch {
    /// The input's length.
    pub input: usize,
    /// The output's length.
    pub output: usize,
}

impl fmt::Display for LengthMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "input has {} elements but output has {}",
            self.input, self.output
        )
    }
}

impl std::error::Error for LengthMismatch {}

/// Drops a panic payload the pool holds and nobody will see (no panic handler, or a panic that
/// lost to an earlier one), without letting a panic in the payload's own `Drop` escape: the
/// pool would lose a worker, or leave a frame other threads still point into. If that drop
/// panics, its payload is forgotten, not dropped: a payload that panics on every drop must not
/// loop (or abort, as a second panic during unwinding would).
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(second) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        drop(payload);
    })) {
        // A message (`&str` or `String`) drops without panicking; anything else might panic
        // again, forever, so it is forgotten.
        match second.downcast::<&'static str>().map(drop) {
            Ok(()) => {}
            Err(second) => match second.downcast::<String>().map(drop) {
                Ok(()) => {}
                Err(unknown) => core::mem::forget(unknown),
            },
        }
    }
}
