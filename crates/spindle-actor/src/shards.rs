//! `Shards`: one actor runtime per thread (pinned to a core if asked), actors placed on a chosen
//! shard or by key, reached from anywhere through `Remote`s.
//!
//! Stakker's answer to "more than one core" is several runtimes with work sharded between them,
//! left to the user; this is that, in one type. Each shard thread runs a [`Runtime`] in
//! [`Runtime::run_until`] with a small control actor that starts actors on request and owns
//! them. Shutting down stops every shard after it has run the calls already delivered; calls
//! sent later come back to their senders as [`ShutDown`] errors.
//!
//! # Waiting between shards
//!
//! A shard thread only ever waits in its own runtime's sleep, which any letter ends. The one
//! blocking operation here, [`Shards::spawn`], waits for the target shard's control actor; two
//! shard threads doing that towards each other (of one `Shards` or of two) would each wait for a
//! runtime that never runs again. So it is refused on *every* shard thread, of any instance,
//! with [`ShardError::WouldBlock`], and actors use [`Shards::spawn_then`], whose answer comes
//! back as a call on the asking actor through its [`Remote`], as `Cx::offload`'s result does.
//!
//! Each thread knows which shard it runs by a thread-local `ShardId`: the instance's id (from
//! a process-wide counter, never reused, unlike an address) and the index. So the shutdown of
//! one instance from a shard of another joins and reports all its shards, and only a shutdown
//! from one of its own shards skips (cannot join) that thread.

use std::any::Any;
use std::cell::Cell;
use std::error::Error;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use crate::actor::{ActorOwn, Cx};
use crate::remote::{Remote, ShutDown};
use crate::runtime::Runtime;
use crate::unwind::{drop_payload, drop_quietly};

/// Which shard of which [`Shards`] a thread runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct ShardId {
    /// The instance's [`Shards::instance`] id.
    instance: u64,
    index: usize,
}

/// Ids of `Shards` instances; 64 bits, so never reused in a process's life.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

std::thread_local! {
    /// The shard this thread runs; `None` on other threads.
    static CURRENT_SHARD: Cell<Option<ShardId>> = const { Cell::new(None) };
}

/// The shard the current thread runs, if any.
fn current_shard() -> Option<ShardId> {
    CURRENT_SHARD.with(Cell::get)
}

/// Why a shard operation failed.
///
/// ```
/// use spindle_actor::{ShardError, Shards};
/// let shards = Shards::new(1)?;
/// assert_eq!(shards.spawn(3, |_| ()).unwrap_err(), ShardError::NoSuchShard(3));
/// # Ok::<(), ShardError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShardError {
    /// `Shards` needs at least one shard.
    ZeroShards,
    /// No shard has this index.
    NoSuchShard(usize),
    /// The shards have been shut down.
    ShutDown,
    /// The blocking [`Shards::spawn`] was called on a shard thread (of this or any other
    /// `Shards`): it would stop that shard's runtime until the target answers, and two shards
    /// waiting on each other would never answer. From an actor, use [`Shards::spawn_then`]
    /// (or `cx.spawn` for an actor on the same shard).
    WouldBlock {
        /// The shard the actor was to start on.
        shard: usize,
    },
    /// More shards were asked for than their bookkeeping can hold in memory.
    TooManyShards(usize),
    /// The OS refused to start a shard thread.
    Spawn(String),
}

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroShards => f.write_str("at least one shard is needed"),
            Self::NoSuchShard(i) => write!(f, "no shard {i}"),
            Self::ShutDown => f.write_str("the shards have been shut down"),
            Self::WouldBlock { shard } => write!(
                f,
                "Shards::spawn onto shard {shard} would block a shard thread, and shards waiting \
                 on each other deadlock; from an actor, use Shards::spawn_then"
            ),
            Self::TooManyShards(n) => write!(f, "cannot make room for {n} shards"),
            Self::Spawn(e) => write!(f, "could not start a shard thread: {e}"),
        }
    }
}

impl Error for ShardError {}

/// What one shard reports when it stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardReport {
    /// The shard's index.
    pub shard: usize,
    /// Actors it owned (started through [`Shards::spawn`]) when it stopped.
    pub actors: usize,
}

/// The actor on every shard that starts and owns the shard's actors.
struct Control {
    owned: Vec<Box<dyn Any>>,
    stopping: bool,
}

/// N single-threaded actor runtimes on N threads: call any actor from any thread or shard.
///
/// # Examples
///
/// ```
/// use spindle_actor::Shards;
///
/// struct Counter { n: u64 }
///
/// let shards = Shards::new(2)?;
/// let counters: Vec<_> = (0..4u64)
///     .map(|key| shards.spawn_by_key(key, |_| Counter { n: 0 }))
///     .collect::<Result<_, _>>()?;
/// let (tx, rx) = std::sync::mpsc::channel();
/// for (i, counter) in counters.iter().enumerate() {
///     let tx = tx.clone();
///     counter.call(move |c, _| { c.n += i as u64; tx.send(c.n).unwrap(); }).unwrap();
/// }
/// let mut seen: Vec<u64> = rx.iter().take(4).collect();
/// seen.sort();
/// assert_eq!(seen, [0, 1, 2, 3]);
/// let reports = shards.shutdown();
/// assert_eq!(reports.iter().map(|r| r.actors).sum::<usize>(), 4);
/// # Ok::<(), spindle_actor::ShardError>(())
/// ```
pub struct Shards {
    /// This instance's id, which its shard threads carry in `CURRENT_SHARD`.
    instance: u64,
    controls: Vec<Remote<Control>>,
    threads: Vec<JoinHandle<ShardReport>>,
}

/// Configures [`Shards`].
///
/// ```
/// let shards = spindle_actor::Shards::builder().shards(2).pin_to_cores(true).build()?;
/// assert_eq!(shards.len(), 2);
/// # Ok::<(), spindle_actor::ShardError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ShardsBuilder {
    shards: usize,
    pin: bool,
}

impl ShardsBuilder {
    /// The number of shards (default: the machine's available parallelism).
    ///
    /// ```
    /// assert_eq!(spindle_actor::Shards::builder().shards(3).build().unwrap().len(), 3);
    /// ```
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = shards;
        self
    }

    /// Pins shard `i` to core `i % cores` (default off).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::builder().pin_to_cores(true).build().unwrap();
    /// # drop(shards);
    /// ```
    pub fn pin_to_cores(mut self, pin: bool) -> Self {
        self.pin = pin;
        self
    }

    /// Starts the shard threads.
    ///
    /// # Errors
    ///
    /// [`ShardError::ZeroShards`]; [`ShardError::TooManyShards`] if the handles of that many
    /// shards do not fit in memory (checked before any thread starts); [`ShardError::Spawn`] if
    /// a thread cannot start (the ones started are stopped again).
    ///
    /// ```
    /// use spindle_actor::{ShardError, Shards};
    /// assert_eq!(Shards::builder().shards(0).build().unwrap_err(), ShardError::ZeroShards);
    /// assert_eq!(
    ///     Shards::builder().shards(usize::MAX).build().unwrap_err(),
    ///     ShardError::TooManyShards(usize::MAX),
    /// );
    /// ```
    pub fn build(self) -> Result<Shards, ShardError> {
        if self.shards == 0 {
            return Err(ShardError::ZeroShards);
        }
        let mut shards = Shards {
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed), // only uniqueness matters
            controls: Vec::new(),
            threads: Vec::new(),
        };
        // Both vectors in full before the first thread: a count whose bytes overflow (or do not
        // fit in memory) is an error here, not a panic or an abort after thousands of threads.
        let too_many = |_| ShardError::TooManyShards(self.shards);
        shards
            .controls
            .try_reserve_exact(self.shards)
            .map_err(too_many)?;
        shards
            .threads
            .try_reserve_exact(self.shards)
            .map_err(too_many)?;
        let cores = if self.pin {
            core_affinity::get_core_ids().unwrap_or_default()
        } else {
            Vec::new()
        };
        for index in 0..self.shards {
            let (tx, rx) = mpsc::channel();
            let core = (!cores.is_empty()).then(|| cores[index % cores.len()]);
            let id = ShardId {
                instance: shards.instance,
                index,
            };
            let thread = std::thread::Builder::new()
                .name(format!("spindle-shard-{index}"))
                .spawn(move || {
                    if let Some(core) = core {
                        core_affinity::set_for_current(core);
                    }
                    run_shard(id, tx)
                })
                .map_err(|e| ShardError::Spawn(e.to_string()))?; // drop(shards) stops the others
            shards.threads.push(thread);
            let control = rx
                .recv()
                .map_err(|_| ShardError::Spawn("shard thread died".into()))?;
            shards.controls.push(control);
        }
        Ok(shards)
    }
}

/// A shard thread: its runtime, its control actor, until asked to stop.
///
/// Everything user code can do here is contained: actor calls, inits, timers and the drops of
/// closures already are, by the runtime; a plain closure's panic, which `run` resumes to its
/// caller at the end of a run, is dropped here (the panic hook has reported it) and the shard
/// carries on, and the owned actors and the runtime itself are dropped under `catch_unwind`.
fn run_shard(id: ShardId, ready: mpsc::Sender<Remote<Control>>) -> ShardReport {
    CURRENT_SHARD.with(|c| c.set(Some(id)));
    let mut rt = Runtime::new();
    let control = rt.spawn(|_| Control {
        owned: Vec::new(),
        stopping: false,
    });
    rt.run(Instant::now());
    if ready.send(control.remote()).is_err() {
        return ShardReport {
            shard: id.index,
            actors: 0,
        };
    }
    // The `Shards` holds a Remote to `control`, so the runtime never stalls.
    contained(&mut rt, |rt| {
        let _ = rt.run_until(|core| control.query(core, |c, _| c.stopping) != Some(false));
    });
    // Run what was delivered before the stop request, then stop the actors (each reports
    // `StopCause::Dropped` to whoever asked), then let the runtime's drop refuse the rest.
    contained(&mut rt, |rt| rt.run(Instant::now()));
    let owned = rt
        .query(&control, |c, _| std::mem::take(&mut c.owned))
        .unwrap_or_default();
    let actors = owned.len();
    owned.into_iter().for_each(drop_quietly);
    contained(&mut rt, |rt| rt.run(Instant::now()));
    drop_quietly(control);
    drop_quietly(rt);
    ShardReport {
        shard: id.index,
        actors,
    }
}

/// Runs `f` on the shard's runtime until it returns without a panic escaping it.
fn contained(rt: &mut Runtime, mut f: impl FnMut(&mut Runtime)) {
    while let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(rt))) {
        drop_payload(payload);
    }
}

impl Shards {
    /// `shards` runtimes on as many threads.
    ///
    /// # Errors
    ///
    /// As [`ShardsBuilder::build`].
    ///
    /// ```
    /// assert_eq!(spindle_actor::Shards::new(2).unwrap().len(), 2);
    /// ```
    pub fn new(shards: usize) -> Result<Self, ShardError> {
        Self::builder().shards(shards).build()
    }

    /// A [`ShardsBuilder`].
    ///
    /// ```
    /// let shards = spindle_actor::Shards::builder().build().unwrap();
    /// # drop(shards);
    /// ```
    pub fn builder() -> ShardsBuilder {
        ShardsBuilder {
            shards: std::thread::available_parallelism().map_or(1, |n| n.get()),
            pin: false,
        }
    }

    /// The number of shards.
    ///
    /// ```
    /// assert_eq!(spindle_actor::Shards::new(1).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.controls.len()
    }

    /// Always false: there is at least one shard.
    ///
    /// ```
    /// assert!(!spindle_actor::Shards::new(1).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.controls.is_empty()
    }

    /// The shard a key belongs to (a multiplicative hash of the key, modulo the shard count).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// assert!(shards.shard_of(42) < 2);
    /// ```
    pub fn shard_of(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize % self.len()
    }

    /// The shard the current thread runs, if it is one of this instance's.
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// assert_eq!(shards.current_shard(), None); // the test's thread is not a shard
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let shards = std::sync::Arc::new(shards);
    /// let inner = shards.clone();
    /// let probe = shards.spawn(1, |_| ()).unwrap();
    /// probe.call(move |_, _| tx.send(inner.current_shard()).unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), Some(1));
    /// ```
    pub fn current_shard(&self) -> Option<usize> {
        current_shard()
            .filter(|id| id.instance == self.instance)
            .map(|id| id.index)
    }

    /// Starts an actor on shard `shard` (its init runs there) and returns a [`Remote`] to it.
    /// The shard owns the actor until shutdown. Blocks until the shard has started it, so it is
    /// meant for threads that are not shards: `main`, a test, a plain thread, a worker.
    ///
    /// # Errors
    ///
    /// [`ShardError::NoSuchShard`]; [`ShardError::ShutDown`]; [`ShardError::WouldBlock`] when
    /// called on any shard thread, of this `Shards` or another: a shard that waits stops
    /// running its own actors, and two shards spawning onto each other would wait forever. From
    /// an actor, use [`spawn_then`](Shards::spawn_then), which never blocks.
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// let remote = shards.spawn(1, |_| String::from("on shard 1")).unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// remote.call(move |s, _| tx.send(s.clone()).unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), "on shard 1");
    /// ```
    ///
    /// On a shard it is refused:
    ///
    /// ```
    /// use spindle_actor::{ShardError, Shards};
    /// let shards = std::sync::Arc::new(Shards::new(2).unwrap());
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let inner = shards.clone();
    /// let on_0 = shards.spawn(0, |_| ()).unwrap();
    /// on_0.call(move |_, _| tx.send(inner.spawn(1, |_| ()).map(drop)).unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), Err(ShardError::WouldBlock { shard: 1 }));
    /// ```
    pub fn spawn<A, I>(&self, shard: usize, init: I) -> Result<Remote<A>, ShardError>
    where
        A: 'static,
        I: FnOnce(&mut Cx<'_, A>) -> A + Send + 'static,
    {
        let control = self
            .controls
            .get(shard)
            .ok_or(ShardError::NoSuchShard(shard))?;
        if current_shard().is_some() {
            return Err(ShardError::WouldBlock { shard });
        }
        let (tx, rx) = mpsc::sync_channel(1);
        control
            .call(move |control, cx| {
                let actor: ActorOwn<A> = cx.spawn(init);
                let _ = tx.send(actor.remote());
                control.owned.push(Box::new(actor));
            })
            .map_err(|ShutDown(_)| ShardError::ShutDown)?;
        rx.recv().map_err(|_| ShardError::ShutDown)
    }

    /// Starts an actor on the shard of `key` ([`shard_of`](Shards::shard_of)).
    ///
    /// # Errors
    ///
    /// As [`spawn`](Shards::spawn).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// let user = shards.spawn_by_key(7, |_| 0u32).unwrap();
    /// user.call(|n, _| *n += 1).unwrap();
    /// ```
    pub fn spawn_by_key<A, I>(&self, key: u64, init: I) -> Result<Remote<A>, ShardError>
    where
        A: 'static,
        I: FnOnce(&mut Cx<'_, A>) -> A + Send + 'static,
    {
        self.spawn(self.shard_of(key), init)
    }

    /// Starts an actor on shard `shard` without waiting, from an actor (on a shard of any
    /// `Shards`, or on any other runtime), and answers by calling that actor with `then` and the
    /// result: the new actor's [`Remote`], or why it could not start. The shard owns the new
    /// actor until shutdown, as with [`spawn`](Shards::spawn).
    ///
    /// The answer is an ordinary call on the asking actor, queued after the calls it already
    /// has, the way [`Cx::offload`](crate::Cx) brings back its result: it arrives once the
    /// asking runtime runs (in [`Runtime::run_until`], or a later [`Runtime::run`]). `then`
    /// runs exactly once while the asking actor lives: with `Ok`, with
    /// [`ShardError::NoSuchShard`], or with [`ShardError::ShutDown`] if the target shard had
    /// stopped (the request is dropped there unrun and its drop sends the answer). If the
    /// asking actor has stopped, or its runtime is gone, the answer is dropped quietly: `then`
    /// unrun and the new actor's `Remote` with it (the actor stays owned by its shard). A panic
    /// in `then` stops the asking actor, as in any call; a panicking `Drop` of `init` or `then`
    /// on the target shard is contained there.
    ///
    /// Costs two allocations (the request and the answer, each a remote call).
    ///
    /// ```
    /// use spindle_actor::{Cx, Remote, ShardError, Shards};
    /// use std::sync::Arc;
    ///
    /// struct Worker { jobs: u32 }
    /// struct Dispatcher { shards: Arc<Shards>, worker: Option<Remote<Worker>>, done: std::sync::mpsc::Sender<u32> }
    ///
    /// impl Dispatcher {
    ///     fn start(&mut self, cx: &mut Cx<'_, Self>) {
    ///         // On a shard thread: `self.shards.spawn(..)` would be refused with WouldBlock.
    ///         self.shards.spawn_then(1, |_| Worker { jobs: 0 }, cx,
    ///             |this, _, worker: Result<Remote<Worker>, ShardError>| {
    ///                 let worker = worker.expect("shard 1 is running");
    ///                 let done = this.done.clone();
    ///                 worker.call(move |w, _| { w.jobs += 1; done.send(w.jobs).unwrap() }).unwrap();
    ///                 this.worker = Some(worker);
    ///             });
    ///     }
    /// }
    ///
    /// let shards = Arc::new(Shards::new(2)?);
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let s = shards.clone();
    /// let dispatcher = shards.spawn(0, move |_| Dispatcher { shards: s, worker: None, done: tx })?;
    /// dispatcher.call(|d, cx| d.start(cx)).unwrap();
    /// assert_eq!(rx.recv().unwrap(), 1); // the worker on shard 1 ran its first job
    /// # Ok::<(), ShardError>(())
    /// ```
    pub fn spawn_then<A, I, B, T>(&self, shard: usize, init: I, cx: &mut Cx<'_, B>, then: T)
    where
        A: 'static,
        I: FnOnce(&mut Cx<'_, A>) -> A + Send + 'static,
        B: 'static,
        T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
    {
        let Some(control) = self.controls.get(shard) else {
            // Local: the asking actor's own queue, behind the calls it has.
            cx.this()
                .call(move |b, cx| then(b, cx, Err(ShardError::NoSuchShard(shard))));
            return;
        };
        let request = SpawnRequest {
            init: Some(init),
            then: Some(then),
            home: cx.this().remote(),
            _actor: PhantomData,
        };
        // Refused (the shard's runtime is gone): the request comes back inside the error, and
        // dropping it answers `ShutDown`.
        if let Err(ShutDown(call)) = control.call(move |control, cx| request.start(control, cx)) {
            drop_quietly(call);
        }
    }

    /// [`spawn_then`](Shards::spawn_then) on the shard of `key` ([`shard_of`](Shards::shard_of)).
    ///
    /// ```
    /// use spindle_actor::{Remote, Runtime, ShardError, Shards};
    /// let shards = Shards::new(2).unwrap();
    /// let mut rt = Runtime::new(); // not a shard: spawn_then works from any runtime
    /// let asker = rt.spawn(|_| None::<Remote<u32>>);
    /// asker.call(move |_, cx| {
    ///     shards.spawn_by_key_then(7, |_| 0u32, cx, |slot, _, r: Result<Remote<u32>, ShardError>| {
    ///         *slot = r.ok();
    ///     });
    /// });
    /// rt.run_until(|core| asker.query(core, |slot, _| slot.is_some()) == Some(true)).unwrap();
    /// ```
    pub fn spawn_by_key_then<A, I, B, T>(&self, key: u64, init: I, cx: &mut Cx<'_, B>, then: T)
    where
        A: 'static,
        I: FnOnce(&mut Cx<'_, A>) -> A + Send + 'static,
        B: 'static,
        T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
    {
        self.spawn_then(self.shard_of(key), init, cx, then);
    }

    /// Stops every shard: each runs the calls already delivered to it, stops its actors, and
    /// ends; calls sent after that come back to their senders as [`ShutDown`] errors. Waits for
    /// every shard thread to end and reports each, except, when called on one of this
    /// instance's own shards, that shard (it ends once the current call returns).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// let a = shards.spawn(0, |_| ()).unwrap();
    /// let reports = shards.shutdown();
    /// assert_eq!(reports.len(), 2);
    /// assert!(a.call(|_, _| ()).is_err()); // handed back
    /// ```
    pub fn shutdown(mut self) -> Vec<ShardReport> {
        self.stop()
    }

    fn stop(&mut self) -> Vec<ShardReport> {
        for control in &self.controls {
            let _ = control.call(|control, _| control.stopping = true);
        }
        self.controls.clear();
        let current = self.current_shard();
        self.threads
            .drain(..)
            .enumerate()
            .filter(|(index, _)| Some(*index) != current) // never join ourselves
            .map(|(index, thread)| {
                thread.join().unwrap_or(ShardReport {
                    shard: index,
                    actors: 0,
                })
            })
            .collect()
    }
}

/// A [`Shards::spawn_then`] request on its way to the target shard's control actor, and back.
/// It answers exactly once: from [`start`](SpawnRequest::start), or from its drop if it never
/// ran (the shard shut down with it queued) with [`ShardError::ShutDown`].
struct SpawnRequest<A: 'static, B: 'static, I, T>
where
    T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
{
    init: Option<I>,
    then: Option<T>,
    /// The asking actor.
    home: Remote<B>,
    _actor: PhantomData<fn() -> A>,
}

impl<A: 'static, B: 'static, I, T> SpawnRequest<A, B, I, T>
where
    I: FnOnce(&mut Cx<'_, A>) -> A + 'static,
    T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
{
    /// On the target shard, as a call of its control actor: starts the actor and answers.
    /// Runs no user code (the init is queued), and drops user values only contained, so
    /// nothing here can stop the control actor.
    fn start(mut self, control: &mut Control, cx: &mut Cx<'_, Control>) {
        let (Some(init), Some(then)) = (self.init.take(), self.then.take()) else {
            return;
        };
        let actor: ActorOwn<A> = cx.spawn(init);
        let remote = actor.remote();
        control.owned.push(Box::new(actor));
        answer(&self.home, then, Ok(remote));
    }
}

impl<A: 'static, B: 'static, I, T> Drop for SpawnRequest<A, B, I, T>
where
    T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
{
    fn drop(&mut self) {
        // Dropped unrun (on the target shard, or back on the asker if the push was refused).
        drop_quietly(self.init.take());
        if let Some(then) = self.then.take() {
            answer(&self.home, then, Err(ShardError::ShutDown));
        }
    }
}

/// Sends `then(result)` to the asking actor; if its runtime is gone, drops it, contained.
fn answer<A: 'static, B: 'static, T>(
    home: &Remote<B>,
    then: T,
    result: Result<Remote<A>, ShardError>,
) where
    T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
{
    if let Err(ShutDown(call)) = home.call(move |b, cx| then(b, cx, result)) {
        drop_quietly(call);
    }
}

impl Drop for Shards {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shards")
            .field("shards", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Core;
    use std::rc::Rc;
    use std::time::Duration;

    /// A shard that has stopped (its runtime gone) while its `Shards` is still borrowed: the
    /// public API cannot reach this state (shutting down takes the `Shards`), so it is made by
    /// hand, to check that both spawns answer `ShutDown` instead of waiting or losing the answer.
    #[test]
    fn spawns_onto_a_stopped_shard_answer_shut_down() {
        let shards = Shards::new(2).unwrap();
        shards.controls[1]
            .call(|control, _| control.stopping = true)
            .unwrap();
        while shards.controls[1].call(|_, _| ()).is_ok() {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(shards.spawn(1, |_| ()).map(drop), Err(ShardError::ShutDown));
        let mut rt = Runtime::new();
        let asker = rt.spawn(|_| None::<Result<(), ShardError>>);
        let limit = Instant::now() + Duration::from_secs(20);
        let shards = Rc::new(shards);
        let target = shards.clone();
        asker.call(move |_, cx| {
            target.spawn_then(
                1,
                |_| (),
                cx,
                |answer, _, r: Result<Remote<()>, _>| {
                    *answer = Some(r.map(drop));
                },
            );
        });
        // The watchdog: a timer ends the wait if the answer never comes.
        rt.at(limit, |_| {});
        let answered = |core: &mut Core| asker.query(core, |a, _| a.clone()).flatten();
        rt.run_until(|core| answered(core).is_some() || core.now() >= limit)
            .unwrap();
        assert_eq!(answered(&mut rt), Some(Err(ShardError::ShutDown)));
        drop((asker, rt));
        let shards = Rc::try_unwrap(shards).unwrap();
        assert_eq!(
            shards.shutdown().len(),
            2,
            "the stopped shard is joined too"
        );
    }
}
