//! [`ShardsBuilder`]: the shard threads' settings, and the start of the threads.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use spindle_utils::{BuildError, ThreadConfig};

use super::Shards;
use super::thread::{ShardId, run_shard};

/// Ids of `Shards` instances; 64 bits, so never reused in a process's life. A std atomic, not
/// the loom shim's: only uniqueness matters, no protocol rests on it.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

/// Configures [`Shards`]: how many shard threads, their names, stack size and core pinning,
/// with the setters every Spindle builder has.
///
/// ```
/// let shards = spindle_actor::Shards::builder()
///     .num_threads(2)
///     .thread_name(|i| format!("io-shard-{i}"))
///     .pin_to_cores(true)
///     .build()?;
/// assert_eq!(shards.len(), 2);
/// # Ok::<(), spindle_actor::BuildError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ShardsBuilder {
    threads: ThreadConfig,
}

impl ShardsBuilder {
    /// The number of shards, one thread each (default: the machine's available parallelism).
    ///
    /// ```
    /// assert_eq!(spindle_actor::Shards::builder().num_threads(3).build().unwrap().len(), 3);
    /// ```
    pub fn num_threads(mut self, shards: usize) -> Self {
        self.threads.num_threads = Some(shards);
        self
    }

    /// Renamed [`num_threads`](ShardsBuilder::num_threads); this alias goes in 0.2.
    #[deprecated(since = "0.2.0", note = "renamed to `num_threads`")]
    pub fn shards(self, shards: usize) -> Self {
        self.num_threads(shards)
    }

    /// Names shard thread `i` with `name(i)` (default `spindle-shard-{i}`). The closure runs
    /// on the thread calling [`build`](ShardsBuilder::build).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::builder()
    ///     .num_threads(1)
    ///     .thread_name(|i| format!("net-{i}"))
    ///     .build()?;
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let probe = shards.spawn(0, |_| ())?;
    /// let name = move |_: &mut (), _: &mut spindle_actor::Cx<'_, ()>| {
    ///     tx.send(std::thread::current().name().map(String::from)).unwrap()
    /// };
    /// probe.call(name).unwrap();
    /// assert_eq!(rx.recv().unwrap().as_deref(), Some("net-0"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn thread_name(mut self, name: impl Fn(usize) -> String + Send + Sync + 'static) -> Self {
        self.threads.set_thread_name(name);
        self
    }

    /// Each shard thread's stack size in bytes (default: std's, 2 MiB or `RUST_MIN_STACK`).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::builder().num_threads(1).stack_size(4 << 20).build()?;
    /// # drop(shards);
    /// # Ok::<(), spindle_actor::BuildError>(())
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.threads.stack_size = Some(bytes);
        self
    }

    /// Pins shard `i` to core `i % cores` (default off; a refused pin leaves it floating).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::builder().pin_to_cores(true).build().unwrap();
    /// # drop(shards);
    /// ```
    pub fn pin_to_cores(mut self, pin: bool) -> Self {
        self.threads.pin_to_cores = pin;
        self
    }

    /// Starts the shard threads.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroThreads`]; [`BuildError::TooManyThreads`] for more than
    /// [`MAX_THREADS`](crate::MAX_THREADS) shards, or more than their handles fit in memory
    /// (checked before any thread starts); [`BuildError::Spawn`], with the OS's `io::Error` as
    /// its source, if a thread cannot start (the ones started are stopped again).
    ///
    /// ```
    /// use spindle_actor::{BuildError, Shards};
    /// assert!(matches!(Shards::builder().num_threads(0).build(), Err(BuildError::ZeroThreads)));
    /// assert!(matches!(
    ///     Shards::builder().num_threads(usize::MAX).build(),
    ///     Err(BuildError::TooManyThreads(usize::MAX)),
    /// ));
    /// ```
    pub fn build(self) -> Result<Shards, BuildError> {
        let count = self.threads.resolve_threads()?;
        let mut shards = Shards {
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed), // only uniqueness matters
            controls: Vec::new(),
            threads: Vec::new(),
        };
        // Both vectors in full before the first thread: a count whose bytes do not fit in
        // memory is an error here, not a panic or an abort after thousands of threads.
        let too_many = |_| BuildError::TooManyThreads(count);
        shards.controls.try_reserve_exact(count).map_err(too_many)?;
        shards.threads.try_reserve_exact(count).map_err(too_many)?;
        for index in 0..count {
            let (tx, rx) = mpsc::channel();
            let id = ShardId {
                instance: shards.instance,
                index,
            };
            // On an error or a panic (in the naming closure), `drop(shards)` stops the others.
            let thread = self.threads.spawn(index, move || run_shard(id, tx))?;
            shards.threads.push(thread);
            let control = rx.recv().map_err(|_| {
                BuildError::Spawn(io::Error::other(
                    "a shard thread ended before its runtime started",
                ))
            })?;
            shards.controls.push(control);
        }
        Ok(shards)
    }
}

impl Shards {
    /// `num_threads` shards, one runtime each on its own thread.
    ///
    /// # Errors
    ///
    /// As [`ShardsBuilder::build`].
    ///
    /// ```
    /// use spindle_actor::{BuildError, Shards};
    /// assert_eq!(Shards::new(2).unwrap().len(), 2);
    /// assert!(matches!(Shards::new(0), Err(BuildError::ZeroThreads)));
    /// ```
    pub fn new(num_threads: usize) -> Result<Self, BuildError> {
        Self::builder().num_threads(num_threads).build()
    }

    /// A [`ShardsBuilder`]: one shard per available core, threads named `spindle-shard-{i}`,
    /// std's stack size, not pinned.
    ///
    /// ```
    /// let shards = spindle_actor::Shards::builder().build().unwrap();
    /// # drop(shards);
    /// ```
    pub fn builder() -> ShardsBuilder {
        ShardsBuilder {
            threads: ThreadConfig::new("spindle-shard"),
        }
    }
}
