//! [`StopCause`]: why an actor stopped.

use std::any::Any;
use std::error::Error;
use std::fmt;

use spindle_utils::Panic;

/// Why an actor stopped: reported once, to the [`Ret`](crate::Ret) given when it was created.
///
/// It is neither `Send` nor `Sync`: [`Failed`](StopCause::Failed) and
/// [`Killed`](StopCause::Killed) carry the actor's own `Box<dyn Error>`, which need not be
/// either, and the cause is delivered on the runtime's thread, where the actor lived. A
/// [`Panicked`](StopCause::Panicked) cause carries the toolkit's one [`Panic`] type (payload
/// kept), which is `Send + Sync` on its own. New causes may be added, so a `match` needs a
/// wildcard arm.
///
/// # Examples
///
/// ```
/// use spindle_actor::{Ret, Runtime, StopCause};
/// use std::{cell::RefCell, rc::Rc};
///
/// struct Job;
/// let mut rt = Runtime::new();
/// let seen = Rc::new(RefCell::new(None));
/// let report = seen.clone();
/// let job = rt.spawn_notify(|_| Job, Ret::new(move |cause| *report.borrow_mut() = cause));
/// job.call(|_, cx| cx.fail("disk full"));
/// rt.run(std::time::Instant::now());
/// let cause = seen.borrow_mut().take().unwrap();
/// assert!(cause.is_failure());
/// assert_eq!(cause.to_string(), "actor failed: disk full");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum StopCause {
    /// The actor called [`Cx::stop`](crate::Cx::stop).
    Stopped,
    /// The actor called [`Cx::fail`](crate::Cx::fail) with this error.
    Failed(Box<dyn Error>),
    /// One of the actor's calls (or its init) panicked; its other calls were dropped. The
    /// [`Panic`] keeps the payload, for `downcast` or [`resume`](Panic::resume).
    Panicked(Panic),
    /// An owner called [`ActorOwn::kill`](crate::ActorOwn::kill) with this error.
    Killed(Box<dyn Error>),
    /// Its last [`ActorOwn`](crate::ActorOwn) was dropped.
    Dropped,
}

impl StopCause {
    /// True for the causes that are faults: failed, panicked, killed.
    ///
    /// ```
    /// use spindle_actor::{Panic, StopCause};
    /// assert!(!StopCause::Stopped.is_failure());
    /// assert!(StopCause::Panicked(Panic::new(Box::new("boom"))).is_failure());
    /// ```
    pub fn is_failure(&self) -> bool {
        matches!(self, Self::Failed(_) | Self::Panicked(_) | Self::Killed(_))
    }

    pub(crate) fn panicked(payload: Box<dyn Any + Send>) -> Self {
        Self::Panicked(Panic::new(payload))
    }
}

impl fmt::Display for StopCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Stopped => f.write_str("actor stopped"),
            Self::Failed(e) => write!(f, "actor failed: {e}"),
            Self::Panicked(p) => match p.message() {
                Some(message) => write!(f, "actor panicked: {message}"),
                None => f.write_str("actor panicked with a non-string payload"),
            },
            Self::Killed(e) => write!(f, "actor killed: {e}"),
            Self::Dropped => f.write_str("actor dropped by its last owner"),
        }
    }
}

impl Error for StopCause {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Failed(e) | Self::Killed(e) => Some(&**e),
            Self::Panicked(p) => Some(p),
            Self::Stopped | Self::Dropped => None,
        }
    }
}
