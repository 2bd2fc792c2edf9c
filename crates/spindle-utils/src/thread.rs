//! [`ThreadConfig`]: the thread settings every Spindle builder shares, and the one place that
//! starts a named, optionally pinned thread with a stack size.

use core::fmt;
use std::io;
use std::sync::Arc;

use crate::error::{BuildError, MAX_THREADS};

/// A started Spindle thread (std's handle, or loom's in the models).
#[cfg(not(spindle_loom))]
pub type ThreadHandle<T> = std::thread::JoinHandle<T>;
/// A started Spindle thread (std's handle, or loom's in the models).
#[cfg(spindle_loom)]
pub type ThreadHandle<T> = loom::thread::JoinHandle<T>;

type NameFn = Arc<dyn Fn(usize) -> String + Send + Sync>;

/// The settings of a builder's threads: how many, their names, stack size, core pinning.
///
/// Each builder (`ThreadPoolBuilder`, `ShardsBuilder`, `ItemPoolBuilder`) holds one and
/// forwards its setters of the same names, so the same words mean the same thing in every
/// crate; [`spawn`](ThreadConfig::spawn) is then the only code in Spindle that starts a thread.
///
/// # Examples
///
/// ```
/// use spindle_utils::ThreadConfig;
///
/// let mut config = ThreadConfig::new("worker");
/// config.num_threads = Some(2);
/// assert_eq!(config.resolve_threads()?, 2);
/// assert_eq!(config.name(1), "worker-1");
/// let handle = config.spawn(0, || 40 + 2)?;
/// assert_eq!(handle.join().unwrap(), 42);
/// # Ok::<(), spindle_utils::BuildError>(())
/// ```
#[derive(Clone)]
pub struct ThreadConfig {
    /// How many threads; `None` means one per available core.
    pub num_threads: Option<usize>,
    /// Stack size in bytes; `None` means std's default (2 MiB, or `RUST_MIN_STACK`).
    pub stack_size: Option<usize>,
    /// Whether thread `i` is pinned to core `i % cores` (best effort, with `core_affinity`).
    pub pin_to_cores: bool,
    prefix: &'static str,
    name: Option<NameFn>,
}

impl ThreadConfig {
    /// Defaults: one thread per core, named `"{prefix}-{index}"`, std's stack, not pinned.
    pub fn new(prefix: &'static str) -> Self {
        ThreadConfig {
            num_threads: None,
            stack_size: None,
            pin_to_cores: false,
            prefix,
            name: None,
        }
    }

    /// Names thread `index` with `name(index)` instead of `"{prefix}-{index}"`.
    ///
    /// ```
    /// let mut config = spindle_utils::ThreadConfig::new("worker");
    /// config.set_thread_name(|i| format!("io-{i}"));
    /// assert_eq!(config.name(3), "io-3");
    /// ```
    pub fn set_thread_name(&mut self, name: impl Fn(usize) -> String + Send + Sync + 'static) {
        self.name = Some(Arc::new(name));
    }

    /// The name thread `index` gets. Runs the user's naming closure, if one was set.
    pub fn name(&self, index: usize) -> String {
        match &self.name {
            Some(name) => name(index),
            None => format!("{}-{index}", self.prefix),
        }
    }

    /// The thread count: the one set, or the number of available cores; zero and counts over
    /// [`MAX_THREADS`] are errors.
    pub fn resolve_threads(&self) -> Result<usize, BuildError> {
        match self.num_threads {
            Some(0) => Err(BuildError::ZeroThreads),
            Some(n) if n > MAX_THREADS => Err(BuildError::TooManyThreads(n)),
            Some(n) => Ok(n),
            None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }

    /// Starts thread `index` running `main`, named by [`name`](ThreadConfig::name), with the
    /// stack size, pinned to core `index % cores` if asked (a refused pin leaves it floating).
    ///
    /// The naming closure runs here, on the calling thread: a panic in it unwinds to the
    /// builder's caller, whose guards stop the threads started so far.
    pub fn spawn<T: Send + 'static>(
        &self,
        index: usize,
        main: impl FnOnce() -> T + Send + 'static,
    ) -> io::Result<ThreadHandle<T>> {
        let name = self.name(index);
        let core = if self.pin_to_cores {
            core_affinity::get_core_ids()
                .filter(|ids| !ids.is_empty())
                .map(|ids| ids[index % ids.len()])
        } else {
            None
        };
        let main = move || {
            if let Some(core) = core {
                // Best effort: a refused pin leaves the thread floating.
                let _ = core_affinity::set_for_current(core);
            }
            main()
        };
        #[cfg(not(spindle_loom))]
        {
            let mut builder = std::thread::Builder::new().name(name);
            if let Some(bytes) = self.stack_size {
                builder = builder.stack_size(bytes);
            }
            builder.spawn(main)
        }
        #[cfg(spindle_loom)]
        {
            // loom threads have no names or stack sizes.
            let _ = name;
            Ok(loom::thread::spawn(main))
        }
    }
}

impl fmt::Debug for ThreadConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadConfig")
            .field("num_threads", &self.num_threads)
            .field("stack_size", &self.stack_size)
            .field("pin_to_cores", &self.pin_to_cores)
            .field("prefix", &self.prefix)
            .field("custom_name", &self.name.is_some())
            .finish()
    }
}
