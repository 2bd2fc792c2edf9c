//! [`ThreadPoolBuilder`]: the settings of a [`ThreadPool`] and starting its workers.

use std::sync::{Arc, Mutex};

use crate::pool::ThreadPool;
use crate::registry::{Handlers, Registry, WorkerThread};
use spindle_utils::{BuildError, ThreadConfig};

/// Configures and builds a [`ThreadPool`].
///
/// # Examples
///
/// ```
/// use spindle_executor::ThreadPool;
///
/// let pool = ThreadPool::builder()
///     .num_threads(2)
///     .thread_name(|i| format!("crunch-{i}"))
///     .spin_limit(50)
///     .build()?;
/// assert_eq!(pool.num_threads(), 2);
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct ThreadPoolBuilder {
    threads: ThreadConfig,
    spin_limit: u32,
    solo_when_busy: bool,
    handlers: Handlers,
}

impl core::fmt::Debug for ThreadPoolBuilder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ThreadPoolBuilder")
            .field("threads", &self.threads)
            .field("spin_limit", &self.spin_limit)
            .finish_non_exhaustive()
    }
}

/// The old name of [`ThreadPoolBuilder`].
///
/// ```
/// #[allow(deprecated)]
/// let builder: spindle_executor::Builder = spindle_executor::ThreadPool::builder();
/// let pool = builder.num_threads(1).build()?;
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
#[deprecated(since = "0.2.0", note = "renamed to `ThreadPoolBuilder`")]
pub type Builder = ThreadPoolBuilder;

impl ThreadPoolBuilder {
    /// How many times an idle worker looks for work before it parks, by default (200). Not
    /// `spindle_utils::DEFAULT_SPIN_LIMIT` (16), which is the waiting primitive's.
    ///
    /// ```
    /// assert_eq!(spindle_executor::ThreadPoolBuilder::DEFAULT_SPIN_LIMIT, 200);
    /// ```
    pub const DEFAULT_SPIN_LIMIT: u32 = 200;
}

impl Default for ThreadPoolBuilder {
    fn default() -> Self {
        ThreadPoolBuilder {
            threads: ThreadConfig::new("spindle-worker"),
            spin_limit: Self::DEFAULT_SPIN_LIMIT,
            solo_when_busy: true,
            handlers: Handlers::default(),
        }
    }
}

impl ThreadPoolBuilder {
    /// Worker threads; by default the machine's available parallelism. `0` makes
    /// [`build`](ThreadPoolBuilder::build) fail with [`BuildError::ZeroThreads`], more than
    /// [`MAX_THREADS`](crate::MAX_THREADS) with [`BuildError::TooManyThreads`].
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::builder().num_threads(3).build()?;
    /// assert_eq!(pool.num_threads(), 3);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn num_threads(mut self, n: usize) -> Self {
        self.threads.num_threads = Some(n);
        self
    }

    /// Pins worker `i` to core `i mod cores` (off by default). Where the OS does not support
    /// affinity, the pool is built anyway and its threads float.
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::builder().pin_to_cores(true).build()?;
    /// assert!(pool.num_threads() >= 1);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn pin_to_cores(mut self, pin: bool) -> Self {
        self.threads.pin_to_cores = pin;
        self
    }

    /// Names worker `i` `name(i)`; the default is `spindle-worker-{i}`.
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::builder().thread_name(|i| format!("w{i}")).build()?;
    /// let name = pool.spawn(|| std::thread::current().name().map(str::to_owned)).unwrap().join();
    /// assert!(name.unwrap().unwrap().starts_with('w'));
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn thread_name(mut self, name: impl Fn(usize) -> String + Send + Sync + 'static) -> Self {
        self.threads.set_thread_name(name);
        self
    }

    /// Each worker's stack size in bytes; by default std's.
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::builder().stack_size(4 << 20).build()?;
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.threads.stack_size = Some(bytes);
        self
    }

    /// How many times an idle worker looks for work (spin hints first, then yields) before it
    /// parks; default [`DEFAULT_SPIN_LIMIT`](ThreadPoolBuilder::DEFAULT_SPIN_LIMIT). Lower saves CPU when idle, higher cuts wake-up
    /// latency for bursty work.
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::builder().spin_limit(0).build()?;
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn spin_limit(mut self, limit: u32) -> Self {
        self.spin_limit = limit;
        self
    }

    /// Whether a short batch ([`for_each_index`](crate::ThreadPool::for_each_index) and the
    /// others) runs on its caller alone when the machine is oversubscribed (default `true`).
    ///
    /// With more runnable threads than cores, a helper that loses its core while it holds part
    /// of a batch makes the batch wait a whole time slice (milliseconds) for it; a batch the
    /// caller can finish in under 2 ms then runs faster alone. The batches notice it themselves:
    /// for 20 ms after any batch of the process waited 1 ms or more at its end for a
    /// participant (longer, up to 320 ms, while such stalls keep coming), short batches run
    /// alone; on an idle machine this setting changes nothing. Turn it off where every batch
    /// must be shared, e.g. a test whose indices wait for each other.
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::builder().solo_when_busy(false).build()?;
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn solo_when_busy(mut self, solo: bool) -> Self {
        self.solo_when_busy = solo;
        self
    }

    /// Calls `handler` with the payload of every panic that escapes a job given to
    /// [`ThreadPool::execute`] (the worker survives either way; [`ThreadPool::spawn`]ed tasks
    /// report theirs through their handle instead).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let seen = Arc::new(AtomicUsize::new(0));
    /// let pool = {
    ///     let seen = Arc::clone(&seen);
    ///     spindle_executor::ThreadPool::builder()
    ///         .panic_handler(move |_payload| { seen.fetch_add(1, Ordering::SeqCst); })
    ///         .build()?
    /// };
    /// pool.execute(|| panic!("oops")).unwrap();
    /// pool.shutdown();
    /// assert_eq!(seen.load(Ordering::SeqCst), 1);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn panic_handler(
        mut self,
        handler: impl Fn(Box<dyn std::any::Any + Send>) + Send + Sync + 'static,
    ) -> Self {
        self.handlers.panic = Some(Box::new(handler));
        self
    }

    /// Calls `handler(index)` on each worker thread as it starts, before it runs any job
    /// (rayon's `start_handler`, tokio's `on_thread_start`): to set up thread-locals, a
    /// profiler's thread registration, a priority. A panic in it goes to the
    /// [panic handler](ThreadPoolBuilder::panic_handler), and the worker starts anyway.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let pool = {
    ///     let started = Arc::clone(&started);
    ///     spindle_executor::ThreadPool::builder()
    ///         .num_threads(2)
    ///         .start_handler(move |_index| { started.fetch_add(1, Ordering::SeqCst); })
    ///         .build()?
    /// };
    /// pool.shutdown(); // joins the workers: both have started by then
    /// assert_eq!(started.load(Ordering::SeqCst), 2);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn start_handler(mut self, handler: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.handlers.start = Some(Box::new(handler));
        self
    }

    /// Calls `handler(index)` on each worker thread as it exits, after its last job, during
    /// [`shutdown`](ThreadPool::shutdown) or the pool's drop (rayon's `exit_handler`). A panic
    /// in it goes to the [panic handler](ThreadPoolBuilder::panic_handler).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let exited = Arc::new(Mutex::new(Vec::new()));
    /// let pool = {
    ///     let exited = Arc::clone(&exited);
    ///     spindle_executor::ThreadPool::builder()
    ///         .num_threads(2)
    ///         .exit_handler(move |index| exited.lock().unwrap().push(index))
    ///         .build()?
    /// };
    /// pool.shutdown();
    /// let mut exited = exited.lock().unwrap().clone();
    /// exited.sort();
    /// assert_eq!(exited, [0, 1]);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn exit_handler(mut self, handler: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.handlers.exit = Some(Box::new(handler));
        self
    }

    /// Builds the global pool with these settings, the one the free functions
    /// ([`join`](crate::join), [`scope`](crate::scope), [`spawn`](crate::spawn), ...) use
    /// outside any pool. Call it once, early: without it, the first free function call builds
    /// the global pool with the default settings.
    ///
    /// # Errors
    ///
    /// [`BuildError::GlobalPoolExists`] if the global pool was built already (the pool built
    /// here is shut down again); otherwise as [`build`](ThreadPoolBuilder::build).
    ///
    /// # Examples
    ///
    /// ```
    /// use spindle_executor::{BuildError, ThreadPoolBuilder};
    ///
    /// ThreadPoolBuilder::new().num_threads(2).build_global()?;
    /// assert_eq!(spindle_executor::current_num_threads(), 2);
    /// let again = ThreadPoolBuilder::new().build_global();
    /// assert!(matches!(again, Err(BuildError::GlobalPoolExists)));
    /// # Ok::<(), BuildError>(())
    /// ```
    pub fn build_global(self) -> Result<(), BuildError> {
        crate::global::set(self)
    }

    /// The default settings, as [`ThreadPool::builder`] gives them (rayon's spelling).
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPoolBuilder::new().num_threads(1).build()?;
    /// assert_eq!(pool.num_threads(), 1);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroThreads`] for zero threads; [`BuildError::TooManyThreads`] for more
    /// than [`MAX_THREADS`](crate::MAX_THREADS), or if the per-thread state does not fit in memory;
    /// [`BuildError::Spawn`] if the OS refuses a thread, or its
    /// [`stack_size`](ThreadPoolBuilder::stack_size) (the ones already started are shut down). None of
    /// these panics or aborts, whatever the numbers.
    ///
    /// # Panics
    ///
    /// If the [`thread_name`](ThreadPoolBuilder::thread_name) closure panics (or std refuses the name it
    /// returns, for a NUL byte), that panic is resumed here, after the workers already started
    /// have been shut down and joined: a half-built pool leaves no thread behind.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::builder().build()?;
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn build(self) -> Result<ThreadPool, BuildError> {
        let threads = self.threads.resolve_threads()?;
        let (registry, deques) =
            Registry::new(threads, self.spin_limit, self.solo_when_busy, self.handlers)?;
        let mut handles = Vec::new();
        // Within `MAX_THREADS`, so the size in bytes fits; the allocation may still be refused.
        handles
            .try_reserve_exact(threads)
            .map_err(|_| BuildError::TooManyThreads(threads))?;
        // The pool is its own guard while it is built: if starting a worker fails, or the
        // `thread_name` closure (user code) panics, dropping it shuts down and joins the
        // workers started so far, on the error return and on the unwind alike.
        let mut pool = ThreadPool {
            registry,
            threads: Mutex::new(handles),
        };
        for (index, deque) in deques.into_iter().enumerate() {
            let registry_for_thread = Arc::clone(&pool.registry);
            // Names (user code: may panic, unwinding to the guard above), sizes and pins it.
            let spawned = self.threads.spawn(index, move || {
                WorkerThread::main_loop(deque, index, registry_for_thread);
            });
            let handles = pool.threads.get_mut().unwrap_or_else(|e| e.into_inner());
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) => return Err(BuildError::Spawn(e)),
            }
        }
        Ok(pool)
    }
}

impl ThreadPool {
    /// A pool of `num_threads` workers with the default settings: the short form of
    /// `ThreadPool::builder().num_threads(n).build()`.
    ///
    /// # Errors
    ///
    /// As [`ThreadPoolBuilder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn new(num_threads: usize) -> Result<ThreadPool, BuildError> {
        ThreadPoolBuilder::default()
            .num_threads(num_threads)
            .build()
    }

    /// A builder with the default settings.
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::builder().num_threads(1).build()?;
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn builder() -> ThreadPoolBuilder {
        ThreadPoolBuilder::default()
    }
}
