//! Error types. Operations that fail on a value hand the value back.

use core::fmt;

/// [`BoundedQueue::push`](crate::BoundedQueue::push) found the queue full; the rejected value
/// is handed back in `.0`.
///
/// # Examples
///
/// ```
/// use spindle_queue::{BoundedQueue, PushError};
///
/// let q = BoundedQueue::new(1)?;
/// q.push(1).unwrap();
/// let err = q.push(2).unwrap_err();
/// assert_eq!(err, PushError(2));
/// assert_eq!(err.into_inner(), 2);
/// # Ok::<(), spindle_queue::CapacityError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PushError<T>(pub T);

impl<T> PushError<T> {
    /// Takes back the value that could not be pushed.
    ///
    /// ```
    /// assert_eq!(spindle_queue::PushError("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

// Not derived: printing the error must not require `T: Debug`.
impl<T> fmt::Debug for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PushError(..)")
    }
}

impl<T> fmt::Display for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pushing into a full queue")
    }
}

impl<T> std::error::Error for PushError<T> {}

/// A [`BoundedQueue`](crate::BoundedQueue) was asked for a capacity it cannot have.
///
/// # Examples
///
/// ```
/// use spindle_queue::BoundedQueue;
///
/// let err = BoundedQueue::<u8>::new(0).unwrap_err();
/// assert_eq!(err.requested(), 0);
/// assert_eq!(err.to_string(), "a bounded queue needs a capacity of at least 1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityError {
    requested: usize,
}

impl CapacityError {
    pub(crate) fn new(requested: usize) -> Self {
        CapacityError { requested }
    }

    /// The capacity that was asked for.
    ///
    /// ```
    /// let err = spindle_queue::BoundedQueue::<u8>::new(usize::MAX).unwrap_err();
    /// assert_eq!(err.requested(), usize::MAX);
    /// ```
    pub fn requested(&self) -> usize {
        self.requested
    }
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.requested == 0 {
            f.write_str("a bounded queue needs a capacity of at least 1")
        } else {
            write!(f, "a bounded queue cannot hold {} values", self.requested)
        }
    }
}

impl std::error::Error for CapacityError {}
