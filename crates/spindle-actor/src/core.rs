//! `Core`: what every call can reach (clock, timers, idle queue, spawning), and `Shared`: the
//! part handles reach without a `Core` (the call queue, the remote registry, the inbox).
//!
//! # Invariants
//! - **S1** The cells in [`Shared`] are only touched by its own short methods, none of which
//!   calls user code (closure bodies or `Drop`s) while it holds a reference into a cell: values
//!   that must be dropped are moved out first and dropped after the borrow ends. `Shared` is
//!   reached only through `Rc`, so it never leaves its thread. Together these make every
//!   `&mut` into a cell unique for as long as it lives.

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::actor::{ActorOwn, Cx};
use crate::flat::FlatQueue;
use crate::primitive::Arc;
use crate::remote::{Inbox, Registry};
use crate::runtime::CoreSize;
use crate::small_call::SmallCall;
use crate::timers::{TimerKey, Timers};
use crate::{Fwd, Ret, StopCause, Waker};

/// The state of one runtime that every call can reach: its clock, timers, idle queue, and the
/// means to start actors. A [`Cx`] and a [`Runtime`](crate::Runtime) both dereference to it.
///
/// # Examples
///
/// ```
/// use spindle_actor::Runtime;
/// use std::time::{Duration, Instant};
///
/// let t0 = Instant::now();
/// let mut rt = Runtime::builder().start(t0).build().unwrap();
/// let fired = std::rc::Rc::new(std::cell::Cell::new(false));
/// let flag = fired.clone();
/// rt.after(Duration::from_secs(5), move |core| {
///     assert_eq!(core.now(), t0 + Duration::from_secs(5));
///     flag.set(true);
/// });
/// rt.run(t0 + Duration::from_secs(4));
/// assert!(!fired.get());
/// rt.run(t0 + Duration::from_secs(5)); // a virtual clock: no waiting
/// assert!(fired.get());
/// ```
pub struct Core {
    pub(crate) shared: Rc<Shared>,
    start: Instant,
    now: Instant,
    now_ns: u64,
    pub(crate) timers: Timers<Core>,
    pub(crate) idle: VecDeque<SmallCall<Core>>,
    /// The first panic of a plain (non-actor) closure in this `run`, resumed when it ends.
    pub(crate) panic: Option<Box<dyn Any + Send>>,
}

impl Core {
    /// A core with `queue_bytes` of call queue and room for `timers` timers, or which of the
    /// two could not be allocated.
    pub(crate) fn try_new(
        start: Instant,
        queue_bytes: usize,
        timers: usize,
    ) -> Result<Self, CoreSize> {
        let queue = FlatQueue::try_with_capacity(queue_bytes).ok_or(CoreSize::Queue)?;
        Ok(Self {
            shared: Rc::new(Shared::new(queue)),
            start,
            now: start,
            now_ns: 0,
            timers: Timers::try_with_capacity(timers).ok_or(CoreSize::Timers)?,
            idle: VecDeque::new(),
            panic: None,
        })
    }

    /// The time given to the current [`Runtime::run`](crate::Runtime::run): every call in one
    /// run sees the same instant, and tests can pass a virtual clock.
    ///
    /// ```
    /// let t0 = std::time::Instant::now();
    /// let rt = spindle_actor::Runtime::builder().start(t0).build().unwrap();
    /// assert_eq!(rt.now(), t0);
    /// ```
    pub fn now(&self) -> Instant {
        self.now
    }

    pub(crate) fn set_now(&mut self, now: Instant) {
        if now > self.now {
            self.now = now;
            self.now_ns = self.ns_since_start(now);
        }
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.now_ns
    }

    fn ns_since_start(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.start).as_nanos()).unwrap_or(u64::MAX)
    }

    pub(crate) fn instant_of(&self, ns: u64) -> Instant {
        self.start + Duration::from_nanos(ns)
    }

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

    /// Queues a plain closure (not tied to an actor) behind the calls already queued. If it
    /// panics, the rest of the run still happens and then [`run`](crate::Runtime::run)
    /// resumes the panic.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    /// let l = log.clone();
    /// rt.defer(move |_| l.borrow_mut().push("deferred"));
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(*log.borrow(), ["deferred"]);
    /// ```
    pub fn defer(&mut self, f: impl FnOnce(&mut Core) + 'static) {
        self.shared.push(f);
    }

    /// Runs a plain closure once `delay` has passed on the runtime's clock, counted from
    /// [`now`](Core::now) (the time of the current or last run); see [`Cx::after`] for a call
    /// to an actor. Returns a key for [`cancel`](Core::cancel).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let t0 = Instant::now();
    /// let mut rt = spindle_actor::Runtime::builder().start(t0).build().unwrap();
    /// let key = rt.after(Duration::from_millis(10), |_| unreachable!("cancelled"));
    /// assert!(rt.cancel(key));
    /// rt.run(t0 + Duration::from_secs(1));
    /// ```
    pub fn after(&mut self, delay: Duration, f: impl FnOnce(&mut Core) + 'static) -> TimerKey {
        let deadline = self
            .now_ns
            .saturating_add(u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX));
        self.timers.add(deadline, SmallCall::new(f))
    }

    /// Runs a plain closure at `when` on the runtime's clock (at once if `when` has passed).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let t0 = Instant::now();
    /// let mut rt = spindle_actor::Runtime::builder().start(t0).build().unwrap();
    /// rt.at(t0 + Duration::from_secs(1), |core| println!("at {:?}", core.now()));
    /// assert_eq!(rt.next_wake(), Some(t0 + Duration::from_secs(1)));
    /// ```
    pub fn at(&mut self, when: Instant, f: impl FnOnce(&mut Core) + 'static) -> TimerKey {
        let deadline = self.ns_since_start(when);
        self.timers.add(deadline, SmallCall::new(f))
    }

    pub(crate) fn add_timer(
        &mut self,
        deadline: u64,
        call: impl FnOnce(&mut Core) + 'static,
    ) -> TimerKey {
        self.timers.add(deadline, SmallCall::new(call))
    }

    pub(crate) fn deadline_at(&self, when: Instant) -> u64 {
        self.ns_since_start(when)
    }

    pub(crate) fn deadline_after(&self, delay: Duration) -> u64 {
        self.now_ns
            .saturating_add(u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Cancels a timer, dropping its closure now. Returns false if it already fired or was
    /// cancelled.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let key = rt.after(std::time::Duration::from_secs(60), |_| {});
    /// assert!(rt.timer_pending(key));
    /// assert!(rt.cancel(key));
    /// assert!(!rt.cancel(key));
    /// ```
    pub fn cancel(&mut self, key: TimerKey) -> bool {
        self.timers.cancel(key)
    }

    /// True while the timer has neither fired nor been cancelled.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let key = rt.after(std::time::Duration::ZERO, |_| {});
    /// assert!(rt.timer_pending(key));
    /// rt.run(std::time::Instant::now());
    /// assert!(!rt.timer_pending(key));
    /// ```
    pub fn timer_pending(&self, key: TimerKey) -> bool {
        self.timers.is_pending(key)
    }

    /// Queues a plain closure to run when nothing else is pending: no queued call, no due timer,
    /// no message from another thread. Idle closures run one at a time, each followed by
    /// everything it caused, so they suit background work and backpressure.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    /// let (a, b) = (log.clone(), log.clone());
    /// rt.idle(move |_| a.borrow_mut().push("idle"));
    /// rt.defer(move |_| b.borrow_mut().push("call"));
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(*log.borrow(), ["call", "idle"]);
    /// ```
    pub fn idle(&mut self, f: impl FnOnce(&mut Core) + 'static) {
        self.idle.push_back(SmallCall::new(f));
    }

    pub(crate) fn idle_call(&mut self, call: impl FnOnce(&mut Core) + 'static) {
        self.idle.push_back(SmallCall::new(call));
    }

    /// A [`Waker`] other threads use to make this runtime call `handler`. Wakes coalesce:
    /// several before the runtime gets to them make one call.
    ///
    /// ```
    /// use spindle_actor::{Fwd, Runtime};
    /// use std::{cell::Cell, rc::Rc};
    /// let mut rt = Runtime::new();
    /// let woken = Rc::new(Cell::new(0));
    /// let count = woken.clone();
    /// let waker = rt.waker(Fwd::new(move |()| count.set(count.get() + 1)));
    /// std::thread::spawn(move || { waker.wake().unwrap(); waker.wake().unwrap(); }).join().unwrap();
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(woken.get(), 1);
    /// ```
    pub fn waker(&mut self, handler: Fwd<()>) -> Waker {
        Waker::register(&self.shared, handler)
    }

    /// Records the first panic of a plain closure; `run` resumes it at its end.
    pub(crate) fn record_panic(&mut self, payload: Box<dyn Any + Send>) {
        self.panic.get_or_insert(payload);
    }
}

/// What handles reach without a `Core`: the call queue, the remote registry and the inbox.
pub(crate) struct Shared {
    queue: UnsafeCell<FlatQueue<Core>>,
    registry: UnsafeCell<Registry>,
    /// Set when the runtime is dropped: later calls are dropped unrun at once.
    closed: Cell<bool>,
    pub(crate) inbox: Arc<Inbox>,
}

impl Shared {
    fn new(queue: FlatQueue<Core>) -> Self {
        Self {
            queue: UnsafeCell::new(queue),
            registry: UnsafeCell::new(Registry::default()),
            closed: Cell::new(false),
            inbox: Arc::new(Inbox::new()),
        }
    }

    /// Queues a call.
    #[inline]
    pub(crate) fn push(&self, f: impl FnOnce(&mut Core) + 'static) {
        if self.closed.get() {
            return drop(f);
        }
        // SAFETY: S1: `push` moves `f` in and calls no user code.
        unsafe { (*self.queue.get()).push(f) }
    }

    /// Exchanges the queue with `other` (the runtime runs one while calls go to the other).
    #[inline]
    pub(crate) fn swap_queue(&self, other: &mut FlatQueue<Core>) {
        // SAFETY: S1: a swap of two owned values calls no user code.
        unsafe { std::ptr::swap(self.queue.get(), other) }
    }

    /// Moves the queued calls into `spare` (empty), exchanging buffers; false if none.
    #[inline]
    pub(crate) fn take_queue(&self, spare: &mut FlatQueue<Core>) -> bool {
        // SAFETY: S1: moves owned values, calls no user code.
        unsafe { (*self.queue.get()).move_into(spare) }
    }

    /// Bytes the queue's buffer holds.
    pub(crate) fn queue_capacity(&self) -> usize {
        // SAFETY: S1: a read of a length.
        unsafe { (*self.queue.get()).capacity() }
    }

    /// Shrinks the queue's buffer to `limit` bytes if it is empty and larger (see
    /// [`FlatQueue::shrink_to`]).
    #[inline]
    pub(crate) fn shrink_queue(&self, limit: usize) {
        // SAFETY: S1: frees or reallocates an empty buffer, calls no user code.
        let queue = unsafe { &mut *self.queue.get() };
        if queue.capacity() > limit && queue.is_empty() {
            queue.shrink_to(limit);
        }
    }

    pub(crate) fn queue_is_empty(&self) -> bool {
        // SAFETY: S1: a read of the length.
        unsafe { (*self.queue.get()).is_empty() }
    }

    /// Runs `f` on the registry; `f` must not call user code (S1), which the registry's own
    /// methods respect by handing removed entries back to be dropped by the caller.
    pub(crate) fn with_registry<R>(&self, f: impl FnOnce(&mut Registry) -> R) -> R {
        // SAFETY: S1: callers pass registry methods that neither run closures nor drop values.
        unsafe { f(&mut *self.registry.get()) }
    }

    pub(crate) fn close(&self) {
        self.closed.set(true);
    }
}
