//! Why an actor stopped.

use std::any::Any;
use std::error::Error;
use std::fmt;

/// Why an actor stopped: reported once, to the [`Ret`](crate::Ret) given when it was created.
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
pub enum StopCause {
    /// The actor called [`Cx::stop`](crate::Cx::stop).
    Stopped,
    /// The actor called [`Cx::fail`](crate::Cx::fail) with this error.
    Failed(Box<dyn Error>),
    /// One of the actor's calls panicked with this message; its other calls were dropped.
    Panicked(String),
    /// An owner called [`ActorOwn::kill`](crate::ActorOwn::kill) with this error.
    Killed(Box<dyn Error>),
    /// Its last [`ActorOwn`](crate::ActorOwn) was dropped.
    Dropped,
}

impl StopCause {
    /// True for the causes that are faults: failed, panicked, killed.
    ///
    /// ```
    /// assert!(!spindle_actor::StopCause::Stopped.is_failure());
    /// assert!(spindle_actor::StopCause::Panicked("boom".into()).is_failure());
    /// ```
    pub fn is_failure(&self) -> bool {
        matches!(self, Self::Failed(_) | Self::Panicked(_) | Self::Killed(_))
    }

    pub(crate) fn panicked(payload: &(dyn Any + Send)) -> Self {
        Self::Panicked(panic_message(payload))
    }
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

impl fmt::Display for StopCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Stopped => f.write_str("actor stopped"),
            Self::Failed(e) => write!(f, "actor failed: {e}"),
            Self::Panicked(m) => write!(f, "actor panicked: {m}"),
            Self::Killed(e) => write!(f, "actor killed: {e}"),
            Self::Dropped => f.write_str("actor dropped by its last owner"),
        }
    }
}

impl Error for StopCause {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Failed(e) | Self::Killed(e) => Some(&**e),
            _ => None,
        }
    }
}
