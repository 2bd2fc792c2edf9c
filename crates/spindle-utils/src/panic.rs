//! [`Panic`]: a panic caught on a Spindle thread, carried to whoever waits for the result.

use core::fmt;
use std::any::Any;
use std::borrow::Cow;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

/// A panic that user code raised on a Spindle thread (a job, an actor call, an item's method),
/// caught there and handed to whoever waits for the result.
///
/// Every Spindle crate carries this one type: the executor's `TaskPanic` is it, and so are the
/// panics inside the actor runtime's `StopCause::Panicked`, the item pool's
/// `PoolError::ItemPanicked` and `OffloadError::Panicked`. It keeps the original payload, so
/// [`resume`](Panic::resume) re-raises exactly what was thrown, and a copy of its message (a
/// `&str` or `String` payload) for [`message`](Panic::message) and `Display`.
///
/// It is `Send + Sync + 'static`, so it fits into `Box<dyn Error + Send + Sync>` and `anyhow`:
/// the payload, which is only `Send`, sits behind a `Mutex` that is never locked (it is only
/// taken apart by value, in [`into_payload`](Panic::into_payload)), which is what makes the
/// whole `Sync` without `unsafe`.
///
/// # Examples
///
/// ```
/// use spindle_utils::Panic;
///
/// let caught = std::panic::catch_unwind(|| panic!("boom {}", 7)).unwrap_err();
/// let panic = Panic::new(caught);
/// assert_eq!(panic.message(), Some("boom 7"));
/// assert_eq!(panic.to_string(), "panicked: boom 7");
/// let error: Box<dyn std::error::Error + Send + Sync> = Box::new(panic);
/// # let _ = error;
/// ```
pub struct Panic {
    message: Option<Cow<'static, str>>,
    payload: Mutex<Box<dyn Any + Send + 'static>>,
}

impl Panic {
    /// Wraps a payload as `std::panic::catch_unwind` returns it.
    ///
    /// ```
    /// let p = spindle_utils::Panic::new(Box::new("stop"));
    /// assert_eq!(p.message(), Some("stop"));
    /// ```
    pub fn new(payload: Box<dyn Any + Send + 'static>) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            Some(Cow::Borrowed(*s))
        } else {
            payload
                .downcast_ref::<String>()
                .map(|s| Cow::Owned(s.clone()))
        };
        Panic {
            message,
            payload: Mutex::new(payload),
        }
    }

    /// The panic's message, when its payload is a `&str` or a `String` (what `panic!` makes).
    ///
    /// ```
    /// let p = spindle_utils::Panic::new(Box::new(42_u8));
    /// assert_eq!(p.message(), None);
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The original payload, for `downcast`.
    ///
    /// ```
    /// let p = spindle_utils::Panic::new(Box::new(42_u8));
    /// assert_eq!(*p.into_payload().downcast::<u8>().unwrap(), 42);
    /// ```
    pub fn into_payload(self) -> Box<dyn Any + Send + 'static> {
        // Never locked, so never poisoned; `into_inner` hands the value back either way.
        self.payload.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// Re-raises the panic on the current thread with its original payload.
    ///
    /// ```should_panic
    /// spindle_utils::Panic::new(Box::new("again")).resume();
    /// ```
    pub fn resume(self) -> ! {
        panic::resume_unwind(self.into_payload())
    }
}

impl From<Box<dyn Any + Send + 'static>> for Panic {
    fn from(payload: Box<dyn Any + Send + 'static>) -> Self {
        Panic::new(payload)
    }
}

impl fmt::Debug for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Panic").field(&self.message()).finish()
    }
}

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(message) => write!(f, "panicked: {message}"),
            None => f.write_str("panicked with a non-string payload"),
        }
    }
}

impl std::error::Error for Panic {}

/// The message of a caught panic's payload, if it is a `&str` or `String`.
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("x")).unwrap_err();
/// assert_eq!(spindle_utils::panic_message(&*payload), Some("x"));
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// Drops a caught panic's payload without letting a panic in *its* `Drop` escape.
///
/// A payload is user data: its destructor may panic again. That second payload is dropped the
/// same way once; a payload whose drop panics a second time is leaked (forgotten), because a
/// Spindle thread must survive whatever it is handed.
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("x")).unwrap_err();
/// spindle_utils::drop_payload(payload); // never panics
/// ```
pub fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(second) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        if let Err(third) = panic::catch_unwind(AssertUnwindSafe(move || drop(second))) {
            core::mem::forget(third);
        }
    }
}

/// Runs `f`, catching a panic and handing it back as a [`Panic`].
///
/// ```
/// assert_eq!(spindle_utils::catch(|| 1 + 1).unwrap(), 2);
/// assert_eq!(spindle_utils::catch(|| -> u8 { panic!("no") }).unwrap_err().message(), Some("no"));
/// ```
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panic> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(Panic::new)
}

/// Aborts the process if dropped while the thread is unwinding: for frames that other threads
/// still point into (a `join` whose other half may be running elsewhere, a scope whose jobs
/// borrow it), where unwinding past would free memory they use. rayon-core's `AbortIfPanic`.
///
/// Create it before the wait, [`disarm`](AbortIfPanic::disarm) it once the wait is over.
///
/// ```
/// let guard = spindle_utils::AbortIfPanic::new("waiting for the other half of a join");
/// // ... code that must not unwind ...
/// guard.disarm();
/// ```
#[derive(Debug)]
#[must_use = "the guard protects only while it lives"]
pub struct AbortIfPanic {
    what: &'static str,
}

impl AbortIfPanic {
    /// A guard that names what it protects, for the message printed before aborting.
    pub const fn new(what: &'static str) -> Self {
        AbortIfPanic { what }
    }

    /// The protected section ended normally.
    #[inline]
    pub fn disarm(self) {
        core::mem::forget(self);
    }
}

impl Drop for AbortIfPanic {
    fn drop(&mut self) {
        eprintln!(
            "spindle: a panic unwound through a frame other threads still use ({}); aborting",
            self.what
        );
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_is_send_sync_and_keeps_its_payload() {
        fn is_send_sync<T: Send + Sync + 'static>() {}
        is_send_sync::<Panic>();
        let p = Panic::new(Box::new(String::from("owned")));
        assert_eq!(p.message(), Some("owned"));
        assert_eq!(*p.into_payload().downcast::<String>().unwrap(), "owned");
    }

    #[test]
    fn drop_payload_survives_a_panicking_drop() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("bomb");
            }
        }
        drop_payload(Box::new(Bomb));
    }
}
