//! The single-threaded runtime. This file holds [`Runtime`], which owns a [`Core`] and runs
//! it: due timers, queued calls, letters from other threads, idle calls; and its teardown.
//! `builder.rs` holds [`RuntimeBuilder`](crate::RuntimeBuilder) and the constructors,
//! `core.rs` what every call reaches ([`Core`]), `shared.rs` what handles reach without one.

pub(crate) mod builder;
pub(crate) mod core;
pub(crate) mod shared;

use std::error::Error;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::time::Instant;

use spindle_utils::{BuildError, drop_payload};

use self::core::Core;
use crate::actor::{Actor, Cx};
use crate::queue::flat::FlatQueue;
use crate::queue::small_call::SmallCall;
use crate::remote::inbox::Letter;
use crate::remote::waker;
use crate::timers::Timers;
use crate::unwind::drop_quietly;

/// Bytes a call buffer keeps between runs after a burst grew it (or `queue_bytes`, if more).
const RETAINED_QUEUE_BYTES: usize = 2 << 20;
/// Timers whose room the timer store keeps after a burst (or `timer_capacity`, if more): 1 MiB
/// of slab and 0.5 MiB of heap; it shrinks back to that once it holds more than twice as much.
const RETAINED_TIMERS: usize = 16 * 1024;
/// Idle calls whose room the idle queue keeps after a burst (about 0.9 MiB); it shrinks back
/// once it holds more than twice as many.
const RETAINED_IDLE_CALLS: usize = 16 * 1024;
/// How long `run_until` spins for a letter before it sleeps.
const SPIN_BEFORE_SLEEP: std::time::Duration = std::time::Duration::from_micros(20);
/// Batches of queued calls run between looks at the timers and the inbox.
const BATCHES_PER_CHECK: usize = 16;
/// Letters from other threads handled per pass before local calls get a turn.
const LETTERS_PER_PASS: usize = 1024;

/// A single-threaded actor runtime: a flat call queue, timers, an idle queue, and an inbox for
/// other threads. Several may live on one thread; none is `Send`.
///
/// Drive it with [`run`](Runtime::run) from your own loop (time is passed in, so tests can
/// use a virtual clock), or let [`run_until`](Runtime::run_until) sleep between timers and
/// wakes. It dereferences to [`Core`], for spawning actors and setting timers.
///
/// # Examples
///
/// ```
/// use spindle_actor::{Cx, Ret, Runtime};
///
/// struct Doubler;
/// impl Doubler {
///     fn double(&mut self, _: &mut Cx<'_, Self>, n: u32, reply: Ret<u32>) {
///         reply.ret(n * 2);
///     }
/// }
///
/// let mut rt = Runtime::new();
/// let doubler = rt.spawn(|_| Doubler);
/// let answer = std::rc::Rc::new(std::cell::Cell::new(None));
/// let sink = answer.clone();
/// doubler.call(move |this, cx| this.double(cx, 21, spindle_actor::Ret::new(move |v| sink.set(v))));
/// rt.run(std::time::Instant::now());
/// assert_eq!(answer.get(), Some(42));
/// ```
pub struct Runtime {
    core: Core,
    /// The buffer being run, exchanged with the queue calls are pushed onto.
    spare: FlatQueue<Core>,
    /// What the buffers keep between runs: the call buffers' bytes each (a power of two).
    retained_queue_bytes: usize,
    /// What the buffers keep between runs: room for this many timers.
    retained_timers: usize,
}

/// [`Runtime::run_until`] gave up: its condition is false and nothing can change that.
///
/// No call is queued, no timer is set, and no [`Remote`](crate::Remote) or
/// [`Waker`](crate::Waker) exists through which another thread could send one.
///
/// ```
/// let mut rt = spindle_actor::Runtime::new();
/// assert_eq!(rt.run_until(|_| false), Err(spindle_actor::Stalled));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stalled;

impl fmt::Display for Stalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("runtime stalled: nothing queued, no timer, no handle another thread could wake it with")
    }
}

impl Error for Stalled {}

impl Runtime {
    /// A runtime whose clock starts at `start`, with the two call buffers of `queue_bytes` and
    /// room for `timers` timers; the error names the first size that could not be allocated.
    pub(crate) fn with_sizes(
        start: Instant,
        queue_bytes: usize,
        timers: usize,
    ) -> Result<Runtime, BuildError> {
        let too_large = |setting, requested| BuildError::TooLarge { setting, requested };
        let queue = || {
            FlatQueue::try_with_capacity(queue_bytes).ok_or(too_large("queue_bytes", queue_bytes))
        };
        let spare = queue()?;
        let queue = queue()?;
        let timer_store =
            Timers::try_with_capacity(timers).ok_or(too_large("timer_capacity", timers))?;
        let core = Core::new(start, queue, timer_store);
        Ok(Runtime {
            core,
            // A power of two no smaller than what `with_capacity` allocated: that fit just now.
            retained_queue_bytes: spare.capacity().max(RETAINED_QUEUE_BYTES),
            spare,
            retained_timers: timers.max(RETAINED_TIMERS),
        })
    }

    /// Runs until idle at time `now`: due timers, queued calls and everything they queue,
    /// letters from other threads, then idle calls one by one (each followed by what it
    /// caused). Every call sees `now` as the time.
    ///
    /// A panicking actor call stops only that actor. If a plain closure (from
    /// [`Core::defer`], [`Core::after`], [`Core::idle`]) panics, the run still completes and
    /// then the first such panic is resumed here.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let t0 = Instant::now();
    /// let mut rt = spindle_actor::Runtime::builder().start(t0).build().unwrap();
    /// let ticks = rt.spawn(|_| 0u32);
    /// ticks.call(|n, cx| { *n += 1; cx.after(Duration::from_secs(1), |n, _| *n += 1); });
    /// rt.run(t0);
    /// assert_eq!(rt.query(&ticks, |n, _| *n), Some(1));
    /// rt.run(t0 + Duration::from_secs(1));
    /// assert_eq!(rt.query(&ticks, |n, _| *n), Some(2));
    /// ```
    pub fn run(&mut self, now: Instant) {
        self.core.set_now(now);
        loop {
            self.fire_due_timers();
            let letters = self.read_letters();
            // Chains of calls (each queuing the next) make one batch per call: run several
            // batches before the next look at timers and the inbox.
            let mut ran = false;
            for _ in 0..BATCHES_PER_CHECK {
                if !self.run_queued() {
                    break;
                }
                ran = true;
            }
            if ran || letters {
                continue;
            }
            match self.core.idle.pop_front() {
                Some(call) => contain(&mut self.core, |core| call.run(core)),
                None => break,
            }
        }
        self.trim();
        if let Some(payload) = self.core.panic.take() {
            resume_unwind(payload);
        }
    }

    /// Idle now: gives back what a burst grew the buffers to, beyond what they retain (see
    /// `RuntimeBuilder::queue_bytes` and `RuntimeBuilder::timer_capacity`). In the steady
    /// state this is a few compares and allocates nothing.
    #[inline]
    fn trim(&mut self) {
        let limit = self.retained_queue_bytes;
        if self.spare.capacity() > limit {
            self.spare.shrink_to(limit);
        }
        self.core.shared.shrink_queue(limit);
        self.core.timers.trim(self.retained_timers);
        let idle = &mut self.core.idle;
        if idle.is_empty() && idle.capacity() / 2 > RETAINED_IDLE_CALLS {
            idle.shrink_to(RETAINED_IDLE_CALLS);
        }
    }

    /// Bytes the runtime's call buffers, timer store and idle queue hold allocated (not the
    /// inbox, registry or actors): what [`RuntimeBuilder::queue_bytes`] and
    /// [`RuntimeBuilder::timer_capacity`] bound between runs. For tests.
    ///
    /// [`RuntimeBuilder::queue_bytes`]: crate::RuntimeBuilder::queue_bytes
    /// [`RuntimeBuilder::timer_capacity`]: crate::RuntimeBuilder::timer_capacity
    #[doc(hidden)]
    pub fn buffer_bytes(&self) -> usize {
        self.spare.capacity()
            + self.core.shared.queue_capacity()
            + self.core.timers.allocated_bytes()
            + self.core.idle.capacity() * std::mem::size_of::<SmallCall<Core>>()
    }

    fn fire_due_timers(&mut self) {
        let now = self.core.now_ns();
        while let Some(call) = self.core.timers.pop_due(now) {
            contain(&mut self.core, |core| call.run(core));
        }
    }

    /// Handles waiting letters (a bounded number); true if there were any.
    fn read_letters(&mut self) -> bool {
        // Two plain loads, inlined: most passes find no letter, and `pop` is an out-of-line call.
        if self.core.shared.inbox.letters.is_empty() {
            return false;
        }
        let mut read = 0;
        while read < LETTERS_PER_PASS {
            let Some(letter) = self.core.shared.inbox.letters.pop() else {
                break;
            };
            contain(&mut self.core, |core| handle(letter, core));
            read += 1;
        }
        read > 0
    }

    /// Runs the calls queued so far (not those they queue); true if there were any.
    #[inline]
    fn run_queued(&mut self) -> bool {
        if !self.core.shared.take_queue(&mut self.spare) {
            return false;
        }
        self.spare.run_all(&mut self.core, Core::record_panic);
        true
    }

    /// When the runtime next has something to do: `now` if calls are queued, the earliest
    /// timer otherwise, `None` if neither (a letter from another thread may still come).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let t0 = Instant::now();
    /// let mut rt = spindle_actor::Runtime::builder().start(t0).build().unwrap();
    /// assert_eq!(rt.next_wake(), None);
    /// rt.after(Duration::from_secs(3), |_| {});
    /// assert_eq!(rt.next_wake(), Some(t0 + Duration::from_secs(3)));
    /// rt.defer(|_| {});
    /// assert_eq!(rt.next_wake(), Some(t0));
    /// ```
    pub fn next_wake(&mut self) -> Option<Instant> {
        if !self.core.shared.queue_is_empty()
            || !self.core.idle.is_empty()
            || !self.core.shared.inbox.letters.is_empty()
        {
            return Some(self.core.now());
        }
        let deadline = self.core.timers.next_deadline()?;
        Some(self.core.instant_of(deadline))
    }

    /// True when nothing is queued and no timer is set (see [`next_wake`](Runtime::next_wake)).
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// assert!(rt.is_idle());
    /// rt.defer(|_| {});
    /// assert!(!rt.is_idle());
    /// ```
    pub fn is_idle(&self) -> bool {
        self.core.shared.queue_is_empty()
            && self.core.idle.is_empty()
            && self.core.shared.inbox.letters.is_empty()
            && self.core.timers.is_empty()
    }

    /// The main loop: runs with the real clock until `done` returns true, sleeping until the
    /// next timer or a letter from another thread whenever there is nothing to do. `done` is
    /// checked after every run.
    ///
    /// The sleep is on the inbox queue's [`EventCount`](spindle_utils::EventCount): a short
    /// spin, then the thread parks; a [`Remote`](crate::Remote) call or a
    /// [`Waker`](crate::Waker) unparks it.
    ///
    /// # Errors
    ///
    /// [`Stalled`] if `done` is false and nothing could change it: nothing queued, no timer,
    /// and no `Remote` or `Waker` left.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let worker = rt.spawn(|_| 0u64);
    /// let remote = worker.remote();
    /// let sender = std::thread::spawn(move || {
    ///     for _ in 0..1000 {
    ///         remote.call(|n, _| *n += 1).unwrap();
    ///     }
    /// });
    /// rt.run_until(|core| worker.query(core, |n, _| *n) == Some(1000)).unwrap();
    /// sender.join().unwrap();
    /// ```
    pub fn run_until(&mut self, mut done: impl FnMut(&mut Core) -> bool) -> Result<(), Stalled> {
        loop {
            self.run(Instant::now());
            if done(&mut self.core) {
                return Ok(());
            }
            // Spin briefly before sleeping: a reply to a call this runtime just made usually
            // arrives within microseconds, and a park/unpark pair costs more than that.
            let inbox = &self.core.shared.inbox;
            if self.core.shared.queue_is_empty()
                && spindle_utils::spin_until(SPIN_BEFORE_SLEEP, || !inbox.letters.is_empty())
            {
                continue;
            }
            let letter = match self.core.timers.next_deadline() {
                Some(deadline) => {
                    let now = Instant::now();
                    let when = self.core.instant_of(deadline);
                    if when <= now {
                        continue;
                    }
                    self.core.shared.inbox.letters.pop_timeout(when - now).ok()
                }
                None if !self.core.shared.queue_is_empty() || !self.core.idle.is_empty() => None,
                None if !self.core.shared.inbox.has_handles()
                    && self.core.shared.inbox.letters.is_empty() =>
                {
                    return Err(Stalled);
                }
                None => self.core.shared.inbox.letters.pop_blocking().ok(),
            };
            if let Some(letter) = letter {
                contain(&mut self.core, |core| handle(letter, core));
            }
        }
    }

    /// Runs `f` on an actor's state right now, outside the queue, and returns its result:
    /// `None` if the actor is not ready (not yet initialised, or stopped) or belongs to
    /// another runtime. A panic in `f` stops the actor, as in a call, and gives `None`.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|_| 7u8);
    /// assert_eq!(rt.query(&a, |n, _| *n), None); // init not run yet
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&a, |n, _| *n), Some(7));
    /// ```
    pub fn query<A: 'static, R>(
        &mut self,
        actor: &Actor<A>,
        f: impl FnOnce(&mut A, &mut Cx<'_, A>) -> R,
    ) -> Option<R> {
        actor.query(&mut self.core, f)
    }
}

/// Handles one letter from another thread, on the runtime's thread.
fn handle(letter: Letter<Core>, core: &mut Core) {
    match letter {
        Letter::Call(call) => call.deliver(core),
        Letter::Wake(index) => waker::answer(core, index),
        Letter::WakerGone(index) => waker::unregister(core, index),
        Letter::LastHandleGone => {}
    }
}

/// Runs `f`; a panic that escapes it (a plain closure's, or one from a `Ret` dropped on the
/// way) is recorded, and `run` resumes it once the run is complete.
fn contain(core: &mut Core, f: impl FnOnce(&mut Core)) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(core))) {
        core.record_panic(payload);
    }
}

impl Deref for Runtime {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl DerefMut for Runtime {
    fn deref_mut(&mut self) -> &mut Core {
        &mut self.core
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("now", &self.core.now())
            .finish_non_exhaustive()
    }
}

impl Drop for Runtime {
    /// Closes the inbox (later remote calls come back to their senders as [`Closed`]
    /// errors), then drops, unrun, every letter, queued call, timer and idle call. Dropping a
    /// call drops its `Ret`s, which would deliver `None`: those deliveries are dropped too.
    /// Each of these drops runs user code (captures' `Drop`s) and is contained: a panic in one
    /// is caught, its payload dropped, and the rest are still dropped.
    ///
    /// [`Closed`]: crate::Closed
    fn drop(&mut self) {
        let shared = std::rc::Rc::clone(&self.core.shared);
        shared.inbox.letters.close();
        // Drops may queue more (a dropped `Ret` queues its `None`): repeat until all is quiet.
        loop {
            let mut dropped = false;
            while let Some(letter) = shared.inbox.letters.pop() {
                dropped = true;
                drop_quietly(letter);
            }
            shared.swap_queue(&mut self.spare);
            if !self.spare.is_empty() {
                dropped = true;
                self.spare.clear();
            }
            while let Some(call) = self.core.timers.pop_due(u64::MAX) {
                dropped = true;
                drop_quietly(call);
            }
            if let Some(call) = self.core.idle.pop_front() {
                dropped = true;
                drop_quietly(call);
            }
            if !dropped {
                break;
            }
        }
        shared.close();
        let (actors, wakers) = shared.take_registry().into_entries();
        actors.into_iter().for_each(drop_quietly);
        wakers.into_iter().for_each(drop_quietly);
        // What the registry held may have queued more; the queue is closed, so nothing new
        // lands, but drop what did before the close.
        shared.swap_queue(&mut self.spare);
        self.spare.clear();
        if let Some(payload) = self.core.panic.take() {
            drop_payload(payload);
        }
    }
}
