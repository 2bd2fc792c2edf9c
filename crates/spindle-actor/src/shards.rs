//! `Shards`: one actor runtime per thread (pinned to a core if asked), actors placed on a chosen
//! shard or by key, reached from anywhere through `Remote`s.
//!
//! Stakker's answer to "more than one core" is several runtimes with work sharded between them,
//! left to the user; this is that, in one type. Each shard thread runs a [`Runtime`] in
//! [`Runtime::run_until`] with a small control actor that starts actors on request and owns
//! them. Shutting down stops every shard after it has run the calls already delivered; calls
//! sent later come back to their senders as [`ShutDown`] errors.

use std::any::Any;
use std::cell::Cell;
use std::error::Error;
use std::fmt;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use crate::actor::{ActorOwn, Cx};
use crate::remote::{Remote, ShutDown};
use crate::runtime::Runtime;

std::thread_local! {
    /// The shard this thread runs (its index + 1), 0 on other threads.
    static CURRENT_SHARD: Cell<usize> = const { Cell::new(0) };
}

/// Why a shard operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardError {
    /// `Shards` needs at least one shard.
    ZeroShards,
    /// No shard has this index.
    NoSuchShard(usize),
    /// The shards have been shut down.
    ShutDown,
    /// `spawn` was called on the shard it targets (from one of its own actors), which would
    /// wait for itself; start the actor with `cx.spawn` there instead.
    SameShard(usize),
    /// The OS refused to start a shard thread.
    Spawn(String),
}

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroShards => f.write_str("at least one shard is needed"),
            Self::NoSuchShard(i) => write!(f, "no shard {i}"),
            Self::ShutDown => f.write_str("the shards have been shut down"),
            Self::SameShard(i) => write!(
                f,
                "spawn on shard {i} from shard {i} itself would wait for itself"
            ),
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
    /// [`ShardError::ZeroShards`], or [`ShardError::Spawn`] if a thread cannot start.
    ///
    /// ```
    /// assert!(spindle_actor::Shards::builder().shards(0).build().is_err());
    /// ```
    pub fn build(self) -> Result<Shards, ShardError> {
        if self.shards == 0 {
            return Err(ShardError::ZeroShards);
        }
        let cores = if self.pin {
            core_affinity::get_core_ids().unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut shards = Shards {
            controls: Vec::new(),
            threads: Vec::new(),
        };
        for index in 0..self.shards {
            let (tx, rx) = mpsc::channel();
            let core = (!cores.is_empty()).then(|| cores[index % cores.len()]);
            let thread = std::thread::Builder::new()
                .name(format!("spindle-shard-{index}"))
                .spawn(move || {
                    if let Some(core) = core {
                        core_affinity::set_for_current(core);
                    }
                    run_shard(index, tx)
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
fn run_shard(index: usize, ready: mpsc::Sender<Remote<Control>>) -> ShardReport {
    CURRENT_SHARD.with(|c| c.set(index + 1));
    let mut rt = Runtime::new();
    let control = rt.spawn(|_| Control {
        owned: Vec::new(),
        stopping: false,
    });
    rt.run(Instant::now());
    if ready.send(control.remote()).is_err() {
        return ShardReport {
            shard: index,
            actors: 0,
        };
    }
    // The `Shards` holds a Remote to `control`, so the runtime never stalls.
    let _ = rt.run_until(|core| control.query(core, |c, _| c.stopping) != Some(false));
    // Run what was delivered before the stop request, then stop the actors (each reports
    // `StopCause::Dropped` to whoever asked), then let the runtime's drop refuse the rest.
    rt.run(Instant::now());
    let owned = rt
        .query(&control, |c, _| std::mem::take(&mut c.owned))
        .unwrap_or_default();
    let actors = owned.len();
    drop(owned);
    rt.run(Instant::now());
    ShardReport {
        shard: index,
        actors,
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

    /// Starts an actor on shard `shard` (its init runs there) and returns a [`Remote`] to it.
    /// The shard owns the actor until shutdown. Blocks until the shard has started it.
    ///
    /// # Errors
    ///
    /// [`ShardError::NoSuchShard`], [`ShardError::ShutDown`], or [`ShardError::SameShard`]
    /// when called from the target shard itself.
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// let remote = shards.spawn(1, |_| String::from("on shard 1")).unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// remote.call(move |s, _| tx.send(s.clone()).unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), "on shard 1");
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
        if CURRENT_SHARD.with(Cell::get) == shard + 1 {
            return Err(ShardError::SameShard(shard));
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

    /// Stops every shard: each runs the calls already delivered to it, stops its actors, and
    /// ends; calls sent after that come back to their senders as [`ShutDown`] errors.
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
        let current = CURRENT_SHARD.with(Cell::get);
        self.threads
            .drain(..)
            .enumerate()
            .filter(|(index, _)| index + 1 != current) // never join ourselves
            .map(|(index, thread)| {
                thread.join().unwrap_or(ShardReport {
                    shard: index,
                    actors: 0,
                })
            })
            .collect()
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
