//! The blocking operations both queues share: a non-blocking attempt, retried under an
//! [`EventCount`] until it succeeds, the queue closes, or a deadline passes; and the close
//! itself, a mark bit set in the tail index that wakes every waiter.
//!
//! Each queue keeps the ordering contract of [`EventCount`]: an attempt reports "full" or
//! "empty" only after a `SeqCst` load of the index the other side claims with a `SeqCst` CAS,
//! and that side notifies after its CAS.

use std::time::{Duration, Instant};

use crate::error::{Empty, PopTimeoutError, PushError, PushTimeoutError};
use spindle_utils::sync::Ordering;
use spindle_utils::sync::marked::AtomicUsize;
use spindle_utils::{Closed, EventCount};

/// The instant `timeout` from now; `None` (wait forever) if that is beyond the clock's range.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Pushes `value` with `try_push`, waiting on `not_full` while the queue is full.
pub(crate) fn push<T>(
    not_full: &EventCount,
    value: T,
    deadline: Option<Instant>,
    try_push: impl Fn(T) -> Result<(), PushError<T>>,
) -> Result<(), PushTimeoutError<T>> {
    // The value moves into each attempt and, when the queue is full, back out.
    let mut pending = Some(value);
    let mut attempt = || {
        let value = pending.take()?;
        match try_push(value) {
            Ok(()) => Some(Ok(())),
            Err(PushError::Closed(value)) => Some(Err(PushTimeoutError::Closed(value))),
            Err(PushError::Full(value)) => {
                pending = Some(value);
                None
            }
        }
    };
    let outcome = match deadline {
        None => Some(not_full.wait_until(&mut attempt)),
        Some(deadline) => not_full.wait_until_deadline(deadline, &mut attempt),
    };
    match (outcome, pending) {
        (Some(result), _) => result,
        (None, Some(value)) => Err(PushTimeoutError::Timeout(value)),
        // A failed attempt always puts the value back.
        (None, None) => unreachable!("a timed-out push lost its value"),
    }
}

/// Pops with `try_pop`, waiting on `not_empty` while the queue is empty.
pub(crate) fn pop<T>(
    not_empty: &EventCount,
    deadline: Option<Instant>,
    try_pop: impl Fn() -> Result<T, Empty>,
) -> Result<T, PopTimeoutError> {
    let attempt = || match try_pop() {
        Ok(value) => Some(Ok(value)),
        Err(Empty::Closed) => Some(Err(PopTimeoutError::Closed)),
        Err(Empty::Now) => None,
    };
    match deadline {
        None => not_empty.wait_until(attempt),
        Some(deadline) => not_empty
            .wait_until_deadline(deadline, attempt)
            .unwrap_or(Err(PopTimeoutError::Timeout)),
    }
}

/// Pops with `try_pop`, waiting on `not_empty` for as long as the queue is empty and open.
pub(crate) fn pop_blocking<T>(
    not_empty: &EventCount,
    try_pop: impl Fn() -> Result<T, Empty>,
) -> Result<T, Closed> {
    pop(not_empty, None, try_pop).map_err(|_| Closed(()))
}

/// Pops with `try_pop`, waiting on `not_empty` at most `timeout` while the queue is empty.
pub(crate) fn pop_timeout<T>(
    not_empty: &EventCount,
    timeout: Duration,
    try_pop: impl Fn() -> Result<T, Empty>,
) -> Result<T, PopTimeoutError> {
    pop(not_empty, deadline_after(timeout), try_pop)
}

/// Closes a queue by setting `mark` in its tail index; wakes every thread waiting on
/// `waiters` if this call closed it. Returns whether it did.
pub(crate) fn close(tail: &AtomicUsize, mark: usize, waiters: &[&EventCount]) -> bool {
    // SeqCst: the write blocked waiters' conditions read (the event count's contract).
    let was_open = tail.fetch_or(mark, Ordering::SeqCst) & mark == 0;
    if was_open {
        waiters.iter().for_each(|w| w.notify_all());
    }
    was_open
}

/// Whether `mark` is set in the tail index: the queue has been closed.
pub(crate) fn is_closed(tail: &AtomicUsize, mark: usize) -> bool {
    tail.load(Ordering::SeqCst) & mark != 0
}
