//! Actors: the cell holding an actor's state and lifecycle, and the two types that name it:
//! [`Actor`] (the handle calls go through) and [`Cx`] (the context a call runs with). What an
//! owner does ([`ActorOwn`](crate::ActorOwn), `Core::spawn`) is in `own.rs`, what a call does to
//! its own actor (stop, fail, timers, idle calls) in `cx.rs`; `Actor::remote` is in
//! `remote/mod.rs`.
//!
//! An actor is an `Rc<ActorCell<A>>`. Its state lives in an `UnsafeCell` and is reached only by
//! [`ActorCell::apply`] (a call taken from the queue), [`ActorCell::init`] and
//! [`Actor::query`], each for the length of one user closure. The phase says who may touch it.
//!
//! # Invariants
//! - **A1** `state` holds a live `A` exactly when the phase is `Ready`, `Running` or
//!   `Stopping`; it is written only in `Init` and dropped only in [`ActorCell::terminate`],
//!   which sets `Zombie` first.
//! - **A2** A `&mut A` exists only while the phase is `Running` or `Stopping`, set by the code
//!   that created it, and that code changes the phase again only after the reference is dead.
//!   Everything else that finds the actor `Running`, `Stopping` or `Init` defers itself (a
//!   call is re-queued; a stop request is recorded and applied when the call returns), so no
//!   second `&mut A`, and no drop of `A`, can overlap the first.

mod cx;
pub(crate) mod own;

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::fmt;
use std::mem::MaybeUninit;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use spindle_utils::drop_payload;

use crate::cause::StopCause;
use crate::fwd::{Fwd, Ret};
use crate::remote::registry::SlotKey;
use crate::runtime::core::Core;
use crate::runtime::shared::Shared;
use crate::unwind::drop_quietly;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Phase {
    /// Created; its init has not run. Calls wait in `prep`.
    Prep,
    /// Its init is running.
    Init,
    /// Idle, with state.
    Ready,
    /// One of its calls is running.
    Running,
    /// A call or init is running and a stop was requested; applied when it returns.
    Stopping,
    /// Stopped; the state is gone and calls are dropped.
    Zombie,
}

/// A call waiting for an actor's init.
type PrepCall<A> = Box<dyn FnOnce(&mut A, &mut Cx<'_, A>)>;

pub(crate) struct ActorCell<A: 'static> {
    phase: Cell<Phase>,
    state: UnsafeCell<MaybeUninit<A>>,
    pub(crate) shared: Rc<Shared<Core>>,
    owners: Cell<usize>,
    /// The stop requested while `Init`, `Running` or `Stopping` (the first one wins).
    pending: Cell<Option<StopCause>>,
    prep: Cell<Vec<PrepCall<A>>>,
    notify: Cell<Option<Ret<StopCause>>>,
    /// This actor's slot in the registry, once it has a [`Remote`](crate::Remote).
    pub(crate) remote_slot: Cell<Option<SlotKey>>,
}

impl<A: 'static> ActorCell<A> {
    /// A cell in `Prep`, with no state (A1) and no call waiting yet, owned once.
    fn new(shared: Rc<Shared<Core>>, notify: Option<Ret<StopCause>>) -> Self {
        ActorCell {
            phase: Cell::new(Phase::Prep),
            state: UnsafeCell::new(MaybeUninit::uninit()),
            shared,
            owners: Cell::new(1),
            pending: Cell::new(None),
            prep: Cell::new(Vec::new()),
            notify: Cell::new(notify),
            remote_slot: Cell::new(None),
        }
    }

    /// Runs a queued call on the actor (or defers or drops it, by phase).
    #[inline]
    pub(crate) fn apply<F>(actor: &Actor<A>, core: &mut Core, f: F)
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) + 'static,
    {
        let cell = &*actor.cell;
        if cell.phase.get() != Phase::Ready {
            return cell.apply_not_ready(actor, f);
        }
        cell.phase.set(Phase::Running);
        // SAFETY: A1: the phase was Ready, so the state is live; A2: we set Running and reset it
        // only after `state` is dead, so this is the only `&mut A`.
        let state = unsafe { (*cell.state.get()).assume_init_mut() };
        let mut cx = Cx { core, actor };
        let result = catch_unwind(AssertUnwindSafe(|| f(state, &mut cx)));
        match result {
            Ok(()) if cell.phase.get() == Phase::Running => cell.phase.set(Phase::Ready),
            Ok(()) => {
                let cause = cell.pending.take().unwrap_or(StopCause::Stopped);
                cell.terminate(cause, true);
            }
            Err(payload) => cell.terminate(StopCause::panicked(payload), true),
        }
    }

    #[cold]
    fn apply_not_ready<F>(&self, actor: &Actor<A>, f: F)
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) + 'static,
    {
        match self.phase.get() {
            Phase::Prep | Phase::Init => {
                let mut prep = self.prep.take();
                prep.push(Box::new(f));
                self.prep.set(prep);
            }
            // A call reached a running actor through a nested runtime: try again later (A2).
            Phase::Running | Phase::Stopping => actor.call(f),
            Phase::Ready => unreachable!("checked by apply"),
            Phase::Zombie => drop(f),
        }
    }

    /// Runs the init call: the actor leaves `Prep` and, unless init stops or panics, becomes
    /// `Ready` and runs the calls that waited for it, in order.
    fn init(actor: &Actor<A>, core: &mut Core, init: impl FnOnce(&mut Cx<'_, A>) -> A) {
        let cell = &*actor.cell;
        if cell.phase.get() != Phase::Prep {
            return; // already initialised, or stopped before init ran
        }
        cell.phase.set(Phase::Init);
        let mut cx = Cx { core, actor };
        match catch_unwind(AssertUnwindSafe(|| init(&mut cx))) {
            Ok(state) => {
                // SAFETY: A1: in Init nothing else touches `state`, and it holds no value yet.
                unsafe { (*cell.state.get()).write(state) };
                if cell.phase.get() == Phase::Init {
                    cell.phase.set(Phase::Ready);
                    // Run the waiting calls now, so they stay ahead of calls made after them.
                    for call in cell.prep.take() {
                        ActorCell::apply(actor, core, move |a, cx| call(a, cx));
                    }
                } else {
                    let cause = cell.pending.take().unwrap_or(StopCause::Stopped);
                    cell.terminate(cause, true);
                }
            }
            Err(payload) => cell.terminate(StopCause::panicked(payload), false),
        }
    }

    /// Stops the actor now if nothing of it is running, or once the running call returns.
    pub(super) fn request_stop(&self, cause: StopCause) {
        match self.phase.get() {
            Phase::Prep => self.terminate(cause, false),
            Phase::Ready => self.terminate(cause, true),
            Phase::Init | Phase::Running => {
                self.pending.set(Some(cause));
                self.phase.set(Phase::Stopping);
            }
            Phase::Stopping | Phase::Zombie => {}
        }
    }

    /// Makes the actor a zombie: drops its state (if `has_state`) and waiting calls, leaves the
    /// remote registry, and reports `cause`.
    fn terminate(&self, cause: StopCause, has_state: bool) {
        self.phase.set(Phase::Zombie);
        if has_state {
            // A panicking `Drop` of the state is contained: the actor is already stopping and
            // its cause is reported as is.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: A1/A2: the caller saw a phase with live state and no `&mut A` alive;
                // the phase is now Zombie, so nothing reaches the state again.
                unsafe { (*self.state.get()).assume_init_drop() }
            })) {
                drop_payload(payload);
            }
        }
        drop(self.prep.take());
        drop(self.pending.take());
        if let Some(key) = self.remote_slot.take() {
            // The registry's `Rc` of this cell; dropped after the registry's borrow (SH1).
            drop(self.shared.remove_actor(key));
        }
        match self.notify.take() {
            Some(notify) => notify.ret(cause),
            // Unreported: a panic's payload or an error is user data, whose `Drop` may panic.
            None => drop_quietly(cause),
        }
    }
}

impl<A: 'static> Drop for ActorCell<A> {
    fn drop(&mut self) {
        if matches!(
            self.phase.get(),
            Phase::Ready | Phase::Running | Phase::Stopping
        ) {
            // SAFETY: A1: live state; `&mut self` means no reference to it remains.
            unsafe { self.state.get_mut().assume_init_drop() }
        }
    }
}

/// A handle to an actor that does not keep it alive: clone it freely, send it calls.
///
/// Calls are closures that get the actor's state and its [`Cx`]; they are queued in the
/// runtime's flat buffer (no allocation, no synchronization) and run in the order they were
/// made. A call to a stopped actor is dropped unrun, so a [`Ret`] it carries reports `None`.
///
/// # Examples
///
/// ```
/// use spindle_actor::Runtime;
///
/// struct Counter { n: u64 }
/// impl Counter {
///     fn add(&mut self, k: u64) { self.n += k }
/// }
///
/// let mut rt = Runtime::new();
/// let owner = rt.spawn(|_| Counter { n: 0 });
/// let counter = owner.actor().clone(); // a non-owning handle
/// for k in 1..=4 {
///     counter.call(move |this, _| this.add(k));
/// }
/// rt.run(std::time::Instant::now());
/// assert_eq!(rt.query(&counter, |this, _| this.n), Some(10));
/// ```
pub struct Actor<A: 'static> {
    cell: Rc<ActorCell<A>>,
}

impl<A: 'static> Clone for Actor<A> {
    #[inline]
    fn clone(&self) -> Self {
        Self {
            cell: Rc::clone(&self.cell),
        }
    }
}

impl<A: 'static> fmt::Debug for Actor<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("type", &std::any::type_name::<A>())
            .field("phase", &self.cell.phase.get())
            .finish()
    }
}

impl<A: 'static> Actor<A> {
    /// Queues a call: `f` runs later on the actor's state, after the calls queued before it.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let log = rt.spawn(|_| Vec::<u32>::new());
    /// log.call(|v, _| v.push(1));
    /// log.call(|v, _| v.push(2));
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&log, |v, _| v.clone()), Some(vec![1, 2]));
    /// ```
    #[inline]
    pub fn call<F>(&self, f: F)
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) + 'static,
    {
        self.cell.shared.push(self.queued(f));
    }

    /// `f` as a call of this actor, for a queue, a timer or the idle queue: it runs when
    /// taken out, as [`ActorCell::apply`] decides by the actor's phase then.
    pub(crate) fn queued<F>(&self, f: F) -> impl FnOnce(&mut Core) + 'static
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) + 'static,
    {
        let actor = self.clone();
        move |core: &mut Core| ActorCell::apply(&actor, core, f)
    }

    /// A [`Fwd`] that turns each message into a call of `handler` on this actor.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let sum = rt.spawn(|_| 0u64);
    /// let add = sum.fwd(|total, _, n: u64| *total += n);
    /// add.fwd(2);
    /// add.fwd(3);
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&sum, |t, _| *t), Some(5));
    /// ```
    pub fn fwd<M: 'static>(
        &self,
        handler: impl Fn(&mut A, &mut Cx<'_, A>, M) + Clone + 'static,
    ) -> Fwd<M> {
        let actor = self.clone();
        Fwd::new(move |m| {
            let handler = handler.clone();
            actor.call(move |a, cx| handler(a, cx, m));
        })
    }

    /// A [`Ret`] that delivers its value (or `None`, if it is dropped unanswered) as a call of
    /// `handler` on this actor.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let inbox = rt.spawn(|_| Vec::<Option<u32>>::new());
    /// inbox.ret(|v, _, m| v.push(m)).ret(7);
    /// drop(inbox.ret(|v, _, m| v.push(m))); // unanswered
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&inbox, |v, _| v.clone()), Some(vec![Some(7), None]));
    /// ```
    pub fn ret<M: 'static>(
        &self,
        handler: impl FnOnce(&mut A, &mut Cx<'_, A>, Option<M>) + 'static,
    ) -> Ret<M> {
        let actor = self.clone();
        Ret::new(move |m| actor.call(move |a, cx| handler(a, cx, m)))
    }

    /// True once the actor has stopped (its state is gone).
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|_| ());
    /// a.call(|_, cx| cx.stop());
    /// assert!(!a.is_zombie());
    /// rt.run(std::time::Instant::now());
    /// assert!(a.is_zombie());
    /// ```
    pub fn is_zombie(&self) -> bool {
        self.cell.phase.get() == Phase::Zombie
    }

    /// True while the actor has state and is not stopped: it has been initialised.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|_| ());
    /// assert!(!a.is_ready()); // init is queued, not yet run
    /// rt.run(std::time::Instant::now());
    /// assert!(a.is_ready());
    /// ```
    pub fn is_ready(&self) -> bool {
        matches!(self.cell.phase.get(), Phase::Ready | Phase::Running)
    }

    /// Queues the actor's init: `init` builds its state. Only the first init of an actor runs;
    /// use it with [`ActorOwn::new`](crate::ActorOwn::new) to start an actor whose state needs
    /// the actor's own handle.
    ///
    /// ```
    /// use spindle_actor::{ActorOwn, Runtime};
    /// let mut rt = Runtime::new();
    /// let node: ActorOwn<(u32, u32)> = ActorOwn::new(&mut rt, None);
    /// node.call(|state, _| state.1 = 2); // waits for init
    /// node.init(|_| (1, 0));
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&node, |s, _| *s), Some((1, 2)));
    /// ```
    pub fn init(&self, init: impl FnOnce(&mut Cx<'_, A>) -> A + 'static) {
        let actor = self.clone();
        self.cell
            .shared
            .push(move |core: &mut Core| ActorCell::init(&actor, core, init));
    }

    pub(crate) fn cell(&self) -> &ActorCell<A> {
        &self.cell
    }

    /// The handle of the cell the registry handed back for a `Remote`'s key, if it is an
    /// `A`'s (it always is, unless the key was made for another actor type).
    pub(crate) fn from_registry(cell: Rc<dyn Any>) -> Option<Self> {
        cell.downcast::<ActorCell<A>>()
            .ok()
            .map(|cell| Actor { cell })
    }

    /// The cell, type-erased, for the registry.
    pub(crate) fn to_registry(&self) -> Rc<dyn Any> {
        Rc::clone(&self.cell) as Rc<dyn Any>
    }

    /// Runs `f` on the actor's state right now, outside the queue, and returns its result:
    /// `None` if the actor is not ready (not yet initialised, stopped, or in the middle of a
    /// call) or belongs to another runtime than `core`'s. A panic in `f` stops the actor, as in
    /// a call, and gives `None`. Meant for the code driving a runtime and for tests; actors
    /// talk to each other with calls.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|_| 7u8);
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(a.query(&mut rt, |n, _| *n), Some(7));
    /// ```
    pub fn query<R>(
        &self,
        core: &mut Core,
        f: impl FnOnce(&mut A, &mut Cx<'_, A>) -> R,
    ) -> Option<R> {
        let cell = &*self.cell;
        if !Rc::ptr_eq(&cell.shared, &core.shared) || cell.phase.get() != Phase::Ready {
            return None;
        }
        let mut out = None;
        ActorCell::apply_now(self, core, |a, cx| out = Some(f(a, cx)));
        out
    }
}

impl<A: 'static> ActorCell<A> {
    /// `apply` for a closure borrowing the caller's stack (queries).
    fn apply_now(actor: &Actor<A>, core: &mut Core, f: impl FnOnce(&mut A, &mut Cx<'_, A>)) {
        let cell = &*actor.cell;
        debug_assert_eq!(cell.phase.get(), Phase::Ready);
        cell.phase.set(Phase::Running);
        // SAFETY: as in `apply` (A1, A2): checked Ready by the caller, now Running.
        let state = unsafe { (*cell.state.get()).assume_init_mut() };
        let mut cx = Cx { core, actor };
        match catch_unwind(AssertUnwindSafe(|| f(state, &mut cx))) {
            Ok(()) if cell.phase.get() == Phase::Running => cell.phase.set(Phase::Ready),
            Ok(()) => cell.terminate(cell.pending.take().unwrap_or(StopCause::Stopped), true),
            Err(payload) => cell.terminate(StopCause::panicked(payload), true),
        }
    }
}

/// The context of a call: the runtime's [`Core`] (through `Deref`) plus this actor's handle,
/// its stop controls and timers that call it back.
///
/// # Examples
///
/// ```
/// use spindle_actor::{Cx, Runtime};
/// use std::time::{Duration, Instant};
///
/// struct Blinker { on: bool, flips: u32 }
/// impl Blinker {
///     fn flip(&mut self, cx: &mut Cx<'_, Self>) {
///         self.on = !self.on;
///         self.flips += 1;
///         if self.flips < 3 {
///             cx.after(Duration::from_millis(100), |this, cx| this.flip(cx));
///         } else {
///             cx.stop();
///         }
///     }
/// }
///
/// let t0 = Instant::now();
/// let mut rt = Runtime::builder().start(t0).build().unwrap();
/// let blinker = rt.spawn(|_| Blinker { on: false, flips: 0 });
/// blinker.call(|this, cx| this.flip(cx));
/// for ms in (0..=300).step_by(100) {
///     rt.run(t0 + Duration::from_millis(ms));
/// }
/// assert!(blinker.is_zombie());
/// ```
pub struct Cx<'a, A: 'static> {
    core: &'a mut Core,
    actor: &'a Actor<A>,
}
