//! Owning an actor: [`ActorOwn`], and `Core::spawn`/`Core::spawn_notify`, which start one.

use std::error::Error;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use super::{Actor, ActorCell, Cx};
use crate::cause::StopCause;
use crate::fwd::Ret;
use crate::runtime::core::Core;

impl Core {
    /// Starts an actor: `init` runs as a queued call and returns its state. Calls made before
    /// it runs wait for it, in order.
    ///
    /// ```
    /// struct Greeter { greeting: String }
    /// let mut rt = spindle_actor::Runtime::new();
    /// let greeter = rt.spawn(|_| Greeter { greeting: "hello".into() });
    /// greeter.call(|this, _| this.greeting.push_str(", world"));
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&greeter, |this, _| this.greeting.clone()).as_deref(), Some("hello, world"));
    /// ```
    pub fn spawn<A: 'static>(
        &mut self,
        init: impl FnOnce(&mut Cx<'_, A>) -> A + 'static,
    ) -> ActorOwn<A> {
        let actor = ActorOwn::new(self, None);
        actor.init(init);
        actor
    }

    /// Starts an actor like [`spawn`](Core::spawn), and reports why it stopped to `notify`.
    ///
    /// ```
    /// use spindle_actor::{Ret, Runtime, StopCause};
    /// let mut rt = Runtime::new();
    /// let stopped = std::rc::Rc::new(std::cell::Cell::new(false));
    /// let flag = stopped.clone();
    /// let actor = rt.spawn_notify(|_| (), Ret::new(move |c| flag.set(matches!(c, Some(StopCause::Dropped)))));
    /// drop(actor);
    /// rt.run(std::time::Instant::now());
    /// assert!(stopped.get());
    /// ```
    pub fn spawn_notify<A: 'static>(
        &mut self,
        init: impl FnOnce(&mut Cx<'_, A>) -> A + 'static,
        notify: Ret<StopCause>,
    ) -> ActorOwn<A> {
        let actor = ActorOwn::new(self, Some(notify));
        actor.init(init);
        actor
    }
}

/// An owning handle: the actor lives while at least one `ActorOwn` does. Dropping the last one
/// stops it with [`StopCause::Dropped`]. Dereferences to [`Actor`] for calls.
///
/// # Examples
///
/// ```
/// let mut rt = spindle_actor::Runtime::new();
/// let owner = rt.spawn(|_| String::from("state"));
/// let handle = owner.actor().clone();
/// rt.run(std::time::Instant::now());
/// assert!(handle.is_ready());
/// drop(owner);
/// assert!(handle.is_zombie());
/// ```
pub struct ActorOwn<A: 'static> {
    actor: Actor<A>,
}

impl<A: 'static> ActorOwn<A> {
    /// Creates an actor in its preparation phase, with no state yet; give it state with
    /// [`Actor::init`]. Calls made before then wait. Why it stops is reported to `notify`.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = spindle_actor::ActorOwn::<u8>::new(&mut rt, None);
    /// assert!(!a.is_ready() && !a.is_zombie());
    /// ```
    pub fn new(core: &mut Core, notify: Option<Ret<StopCause>>) -> Self {
        let cell = ActorCell::new(Rc::clone(&core.shared), notify);
        Self {
            actor: Actor {
                cell: Rc::new(cell),
            },
        }
    }

    /// The non-owning handle.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let owner = rt.spawn(|_| 1u8);
    /// let weak: spindle_actor::Actor<u8> = owner.actor().clone();
    /// # drop(weak);
    /// ```
    pub fn actor(&self) -> &Actor<A> {
        &self.actor
    }

    /// Stops the actor with [`StopCause::Killed`]: now, or when its running call returns.
    /// Calls still queued for it are dropped unrun.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|_| ());
    /// rt.run(std::time::Instant::now());
    /// a.kill("no longer needed");
    /// assert!(a.is_zombie());
    /// ```
    pub fn kill(&self, error: impl Into<Box<dyn Error>>) {
        self.actor
            .cell
            .request_stop(StopCause::Killed(error.into()));
    }
}

impl<A: 'static> Clone for ActorOwn<A> {
    fn clone(&self) -> Self {
        let cell = &self.actor.cell;
        cell.owners.set(cell.owners.get() + 1);
        Self {
            actor: self.actor.clone(),
        }
    }
}

impl<A: 'static> Drop for ActorOwn<A> {
    fn drop(&mut self) {
        let cell = &self.actor.cell;
        let owners = cell.owners.get() - 1;
        cell.owners.set(owners);
        if owners == 0 {
            cell.request_stop(StopCause::Dropped);
        }
    }
}

impl<A: 'static> Deref for ActorOwn<A> {
    type Target = Actor<A>;
    fn deref(&self) -> &Actor<A> {
        &self.actor
    }
}

impl<A: 'static> fmt::Debug for ActorOwn<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ActorOwn").field(&self.actor).finish()
    }
}
