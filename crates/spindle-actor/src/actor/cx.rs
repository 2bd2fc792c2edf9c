//! What a call can do to its own actor through its [`Cx`]: stop it, fail it, and queue calls
//! to it for later (timers, idle calls).

use std::error::Error;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use super::{Actor, Cx};
use crate::cause::StopCause;
use crate::runtime::core::Core;
use crate::timers::TimerKey;

impl<'a, A: 'static> Cx<'a, A> {
    /// This actor's own handle (for self-calls, `Fwd`s and `Ret`s to itself).
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|cx| { cx.this().call(|n: &mut u8, _| *n += 1); 0u8 });
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&a, |n, _| *n), Some(1));
    /// ```
    pub fn this(&self) -> &Actor<A> {
        self.actor
    }

    /// Stops this actor when the current call returns ([`StopCause::Stopped`]).
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|_| ());
    /// a.call(|_, cx| cx.stop());
    /// rt.run(std::time::Instant::now());
    /// assert!(a.is_zombie());
    /// ```
    pub fn stop(&mut self) {
        self.actor.cell.request_stop(StopCause::Stopped);
    }

    /// Stops this actor when the current call returns, reporting [`StopCause::Failed`].
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|_| ());
    /// a.call(|_, cx| cx.fail(std::io::Error::other("lost connection")));
    /// rt.run(std::time::Instant::now());
    /// assert!(a.is_zombie());
    /// ```
    pub fn fail(&mut self, error: impl Into<Box<dyn Error>>) {
        self.actor
            .cell
            .request_stop(StopCause::Failed(error.into()));
    }

    /// Calls this actor with `f` once `delay` has passed on the runtime's clock.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let t0 = Instant::now();
    /// let mut rt = spindle_actor::Runtime::builder().start(t0).build().unwrap();
    /// let a = rt.spawn(|cx| { cx.after(Duration::from_secs(1), |n: &mut u8, _| *n = 1); 0u8 });
    /// rt.run(t0);
    /// assert_eq!(rt.query(&a, |n, _| *n), Some(0));
    /// rt.run(t0 + Duration::from_secs(1));
    /// assert_eq!(rt.query(&a, |n, _| *n), Some(1));
    /// ```
    pub fn after<F>(&mut self, delay: Duration, f: F) -> TimerKey
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) + 'static,
    {
        let deadline = self.core.deadline_after(delay);
        self.core.add_timer(deadline, self.actor.queued(f))
    }

    /// Calls this actor with `f` at `when` on the runtime's clock.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let t0 = Instant::now();
    /// let mut rt = spindle_actor::Runtime::builder().start(t0).build().unwrap();
    /// let a = rt.spawn(move |cx| { cx.at(t0 + Duration::from_secs(2), |n: &mut u8, _| *n = 2); 0u8 });
    /// rt.run(t0 + Duration::from_secs(2));
    /// assert_eq!(rt.query(&a, |n, _| *n), Some(2));
    /// ```
    pub fn at<F>(&mut self, when: Instant, f: F) -> TimerKey
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) + 'static,
    {
        let deadline = self.core.deadline_at(when);
        self.core.add_timer(deadline, self.actor.queued(f))
    }

    /// Calls this actor with `f` when the runtime has nothing else to do.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|cx| { cx.idle(|v: &mut Vec<&str>, _| v.push("idle")); vec!["init"] });
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&a, |v, _| v.clone()), Some(vec!["init", "idle"]));
    /// ```
    pub fn idle<F>(&mut self, f: F)
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) + 'static,
    {
        self.core.idle(self.actor.queued(f));
    }
}

impl<A: 'static> Deref for Cx<'_, A> {
    type Target = Core;
    fn deref(&self) -> &Core {
        self.core
    }
}

impl<A: 'static> DerefMut for Cx<'_, A> {
    fn deref_mut(&mut self) -> &mut Core {
        self.core
    }
}
