//! Error types. Anything refused is handed back; a panic's payload is kept.
//!
//! The shared types ([`Closed`], [`Panic`], [`BuildError`], [`MAX_THREADS`]) come from
//! `spindle_utils` and are re-exported at the crate root; only [`LengthMismatch`] is the
//! executor's own.

use core::fmt;

pub use spindle_utils::{BuildError, Closed, MAX_THREADS, Panic};

/// The rayon-style name of [`Panic`]: what [`JoinHandle::join`](crate::JoinHandle::join)
/// returns when the task panicked. Not deprecated; the same type as [`Panic`].
///
/// # Examples
///
/// ```
/// use spindle_executor::{Panic, TaskPanic, ThreadPool};
///
/// let pool = ThreadPool::new(1)?;
/// let err: TaskPanic = pool.spawn(|| -> u8 { panic!("boom") }).unwrap().join().unwrap_err();
/// let same: Panic = err;
/// assert_eq!(same.message(), Some("boom"));
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
pub type TaskPanic = Panic;

/// The old name of [`Closed`]: a job refused by a pool that is shutting down, handed back.
///
/// # Examples
///
/// ```
/// #[allow(deprecated)]
/// let err: spindle_executor::ExecuteError<u8> = spindle_executor::Closed(5);
/// let back = err.into_inner();
/// assert_eq!(back, 5);
/// ```
#[deprecated(since = "0.2.0", note = "renamed to `Closed`")]
pub type ExecuteError<F> = Closed<F>;

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
