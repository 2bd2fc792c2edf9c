//! Calls and wakes from other threads. This file holds [`Remote`], the `Send` handle through
//! which any thread calls an actor; `waker.rs` holds [`Waker`](crate::Waker), through which a
//! thread makes a runtime call a handler; `ask.rs` holds [`Remote::ask`], a call whose answer
//! another thread awaits; `inbox.rs` the queue they all push their letters onto, and
//! `registry.rs` where the runtime finds what a letter names.
//!
//! A `Remote` names its actor by a registry slot and generation, never by pointer: the actor's
//! cell is an `Rc` and stays on the runtime's thread, held by the registry from the first
//! `Remote` until the actor stops.

mod ask;
pub(crate) mod inbox;
pub(crate) mod registry;
pub(crate) mod waker;

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;

use spindle_utils::Closed;
use spindle_utils::sync::Arc;

use self::inbox::{Deliver, Inbox, Letter};
use self::registry::SlotKey;
use crate::actor::{Actor, ActorCell, Cx};
use crate::runtime::core::Core;

/// A remote call on its way: the closure and the key of the actor it is for.
struct RemoteCall<A: 'static, F> {
    key: SlotKey,
    f: F,
    _actor: PhantomData<fn(A)>,
}

impl<A: 'static, F> Deliver<Core> for RemoteCall<A, F>
where
    F: FnOnce(&mut A, &mut Cx<'_, A>) + Send + 'static,
{
    fn deliver(self: Box<Self>, core: &mut Core) {
        let RemoteCall { key, f, .. } = *self;
        match core.shared.actor(key).and_then(Actor::<A>::from_registry) {
            Some(actor) => ActorCell::apply(&actor, core, f),
            None => drop(f), // the actor stopped: its remote calls are dropped unrun
        }
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// A `Send` handle to an actor, through which any thread queues calls to it.
///
/// Each call costs the sender one allocation (the boxed closure) and one lock-free queue push,
/// plus one unpark only if the runtime is asleep. The runtime runs remote calls in the order
/// each sender made them. If the actor has stopped when a call arrives, the call is dropped
/// unrun on the runtime's thread; if the runtime is gone, [`call`](Remote::call) hands the
/// closure back.
///
/// # Examples
///
/// ```
/// use spindle_actor::Runtime;
///
/// let mut rt = Runtime::new();
/// let total = rt.spawn(|_| 0u64);
/// let senders: Vec<_> = (0..4u64)
///     .map(|t| {
///         let remote = total.remote();
///         std::thread::spawn(move || (0..100).for_each(|_| remote.call(move |n, _| *n += t).unwrap()))
///     })
///     .collect();
/// senders.into_iter().for_each(|s| s.join().unwrap());
/// rt.run(std::time::Instant::now());
/// assert_eq!(rt.query(&total, |n, _| *n), Some(600));
/// ```
pub struct Remote<A: 'static> {
    inbox: Arc<Inbox<Core>>,
    key: SlotKey,
    _actor: PhantomData<fn(A)>,
}

impl<A: 'static> Actor<A> {
    /// A [`Remote`]: a `Send` handle through which other threads queue calls to this actor.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let hits = rt.spawn(|_| 0u32);
    /// let remote = hits.remote();
    /// std::thread::spawn(move || remote.call(|n, _| *n += 1).unwrap()).join().unwrap();
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&hits, |n, _| *n), Some(1));
    /// ```
    pub fn remote(&self) -> Remote<A> {
        let cell = self.cell();
        let key = match cell.remote_slot.get() {
            Some(key) => key,
            // A stopped actor gets a handle whose calls find no slot and are dropped.
            None if self.is_zombie() => SlotKey::NONE,
            None => {
                let key = cell.shared.insert_actor(self.to_registry());
                cell.remote_slot.set(Some(key));
                key
            }
        };
        Remote::with_key(Arc::clone(&cell.shared.inbox), key)
    }
}

impl<A: 'static> Remote<A> {
    fn with_key(inbox: Arc<Inbox<Core>>, key: SlotKey) -> Self {
        inbox.handle_added();
        Self {
            inbox,
            key,
            _actor: PhantomData,
        }
    }

    /// Queues a call to the actor from any thread.
    ///
    /// # Errors
    ///
    /// [`Closed`] holding `f` if the runtime has been dropped.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|_| String::new());
    /// let remote = a.remote();
    /// std::thread::spawn(move || remote.call(|s, _| s.push('x'))).join().unwrap().unwrap();
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&a, |s, _| s.clone()).as_deref(), Some("x"));
    /// ```
    pub fn call<F>(&self, f: F) -> Result<(), Closed<F>>
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) + Send + 'static,
    {
        let call = RemoteCall::<A, F> {
            key: self.key,
            f,
            _actor: PhantomData,
        };
        let Err(refused) = self.inbox.letters.push(Letter::Call(Box::new(call))) else {
            return Ok(());
        };
        let Letter::Call(call) = refused.0 else {
            unreachable!("the letter pushed is a call");
        };
        match call.into_any().downcast::<RemoteCall<A, F>>() {
            Ok(call) => Err(Closed(call.f)),
            Err(_) => unreachable!("the letter holds the call just boxed"),
        }
    }
}

impl<A: 'static> Clone for Remote<A> {
    fn clone(&self) -> Self {
        Self::with_key(Arc::clone(&self.inbox), self.key)
    }
}

impl<A: 'static> Drop for Remote<A> {
    fn drop(&mut self) {
        self.inbox.handle_dropped();
    }
}

impl<A: 'static> fmt::Debug for Remote<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote").field("key", &self.key).finish()
    }
}
