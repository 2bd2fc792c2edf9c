//! Error types. Operations that fail on a value hand the value back.
//!
//! A refused push into a closed queue, and a blocking pop that found the queue closed and
//! drained, use the toolkit's shared [`Closed`](crate::Closed) (from spindle-utils, re-exported
//! at the crate root).

use core::fmt;

/// `Debug`, `Display` and `Error` for an error enum whose every variant holds the value handed
/// back: `Debug` prints the variant without the value (so it needs no `T: Debug`, as
/// crossbeam-channel's errors), `Display` the variant's message.
macro_rules! value_error_impls {
    ($name:ident { $($variant:ident => $message:literal),+ $(,)? }) => {
        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self {
                    $($name::$variant(_) => concat!(stringify!($variant), "(..)"),)+
                })
            }
        }

        impl<T> fmt::Display for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self {
                    $($name::$variant(_) => $message,)+
                })
            }
        }

        impl<T> std::error::Error for $name<T> {}
    };
}

/// [`BoundedQueue::push`](crate::BoundedQueue::push) could not push; the value is handed back.
///
/// # Examples
///
/// ```
/// use spindle_queue::{BoundedQueue, PushError};
///
/// let q = BoundedQueue::new(1)?;
/// q.push(1).unwrap();
/// let err = q.push(2).unwrap_err();
/// assert_eq!(err, PushError::Full(2));
/// assert_eq!(format!("{err:?}"), "Full(..)"); // no `T: Debug` needed
/// assert_eq!(err.to_string(), "pushing into a full queue");
/// q.close();
/// assert_eq!(q.push(3), Err(PushError::Closed(3)));
/// assert_eq!(err.into_inner(), 2);
/// # Ok::<(), spindle_queue::CapacityError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushError<T> {
    /// The queue is full.
    Full(T),
    /// The queue is closed.
    Closed(T),
}

impl<T> PushError<T> {
    /// Takes back the value that could not be pushed.
    ///
    /// ```
    /// assert_eq!(spindle_queue::PushError::Full("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PushError::Full(value) | PushError::Closed(value) => value,
        }
    }

    /// Whether the push failed because the queue is full.
    ///
    /// ```
    /// assert!(spindle_queue::PushError::Full(1).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, PushError::Full(_))
    }

    /// Whether the push failed because the queue is closed.
    ///
    /// ```
    /// assert!(spindle_queue::PushError::Closed(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, PushError::Closed(_))
    }
}

value_error_impls!(PushError {
    Full => "pushing into a full queue",
    Closed => "pushing into a closed queue",
});

/// A push with a timeout failed; the value is handed back.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use spindle_queue::{BoundedQueue, PushTimeoutError};
///
/// let q = BoundedQueue::new(1)?;
/// q.push(1).unwrap();
/// let err = q.push_timeout(2, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err, PushTimeoutError::Timeout(2));
/// assert_eq!(err.to_string(), "timed out pushing into a full queue");
/// # Ok::<(), spindle_queue::CapacityError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushTimeoutError<T> {
    /// The queue stayed full until the timeout.
    Timeout(T),
    /// The queue is closed.
    Closed(T),
}

impl<T> PushTimeoutError<T> {
    /// Takes back the value that could not be pushed.
    ///
    /// ```
    /// assert_eq!(spindle_queue::PushTimeoutError::Timeout(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PushTimeoutError::Timeout(value) | PushTimeoutError::Closed(value) => value,
        }
    }
}

value_error_impls!(PushTimeoutError {
    Timeout => "timed out pushing into a full queue",
    Closed => "pushing into a closed queue",
});

/// A pop with a timeout got no value.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use spindle_queue::{PopTimeoutError, Queue};
///
/// let q = Queue::<u8>::new();
/// assert_eq!(q.pop_timeout(Duration::from_millis(1)), Err(PopTimeoutError::Timeout));
/// q.close();
/// assert_eq!(q.pop_timeout(Duration::from_millis(1)), Err(PopTimeoutError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PopTimeoutError {
    /// The queue stayed empty until the timeout.
    Timeout,
    /// The queue is closed and drained.
    Closed,
}

impl fmt::Display for PopTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PopTimeoutError::Timeout => f.write_str("timed out popping from an empty queue"),
            PopTimeoutError::Closed => f.write_str("popping from a closed, drained queue"),
        }
    }
}

impl std::error::Error for PopTimeoutError {}

/// Why a pop found no value: the queue is empty, or closed and drained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Empty {
    /// Empty now; a value may come.
    Now,
    /// Closed and drained: no value will ever come.
    Closed,
}

/// A [`BoundedQueue`](crate::BoundedQueue) or [`Queue::with_capacity`](crate::Queue::with_capacity)
/// was asked for a capacity it cannot have.
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
            write!(f, "a queue cannot make room for {} values", self.requested)
        }
    }
}

impl std::error::Error for CapacityError {}
