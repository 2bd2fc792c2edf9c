//! `Core`: what every call can reach: the runtime's clock, its timers and idle queue, and (in
//! `actor/own.rs` and `remote/waker.rs`, which add those methods) the means to start actors
//! and make wakers.

use std::any::Any;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use spindle_utils::drop_payload;

use crate::queue::flat::FlatQueue;
use crate::queue::small_call::SmallCall;
use crate::runtime::shared::Shared;
use crate::timers::{TimerKey, Timers};

/// The state of one runtime that every call can reach: its clock, timers, idle queue, and the
/// means to start actors. A [`Cx`](crate::Cx) and a [`Runtime`](crate::Runtime) both
/// dereference to it.
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
    pub(crate) shared: Rc<Shared<Core>>,
    start: Instant,
    now: Instant,
    now_ns: u64,
    pub(crate) timers: Timers<Core>,
    pub(crate) idle: VecDeque<SmallCall<Core>>,
    /// The first panic of a plain (non-actor) closure in this `run`, resumed when it ends.
    pub(crate) panic: Option<Box<dyn Any + Send>>,
}

impl Core {
    /// A core whose clock starts at `start`, around its call queue and timer store.
    pub(crate) fn new(start: Instant, queue: FlatQueue<Core>, timers: Timers<Core>) -> Self {
        Self {
            shared: Rc::new(Shared::new(queue)),
            start,
            now: start,
            now_ns: 0,
            timers,
            idle: VecDeque::new(),
            panic: None,
        }
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
            self.now_ns = self.deadline_at(now);
        }
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.now_ns
    }

    /// `t` on the runtime's clock: nanoseconds since its start (0 for earlier instants).
    pub(crate) fn deadline_at(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.start).as_nanos()).unwrap_or(u64::MAX)
    }

    /// `delay` after [`now`](Core::now) on the runtime's clock, saturating.
    pub(crate) fn deadline_after(&self, delay: Duration) -> u64 {
        self.now_ns
            .saturating_add(u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX))
    }

    pub(crate) fn instant_of(&self, ns: u64) -> Instant {
        self.start + Duration::from_nanos(ns)
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
    /// [`Cx::after`]: crate::Cx::after
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
        self.add_timer(self.deadline_after(delay), f)
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
        self.add_timer(self.deadline_at(when), f)
    }

    /// Sets a timer at `deadline` on the runtime's clock (see [`deadline_at`](Core::deadline_at)).
    pub(crate) fn add_timer(
        &mut self,
        deadline: u64,
        call: impl FnOnce(&mut Core) + 'static,
    ) -> TimerKey {
        self.timers.add(deadline, SmallCall::new(call))
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

    /// Records the first panic of a plain closure; `run` resumes it at its end. A later one in
    /// the same run is dropped, contained (its payload's `Drop` is user code too).
    pub(crate) fn record_panic(&mut self, payload: Box<dyn Any + Send>) {
        match self.panic {
            Some(_) => drop_payload(payload),
            None => self.panic = Some(payload),
        }
    }
}
