//! [`ItemPoolBuilder`]: the pool threads' settings (a [`ThreadConfig`], as every Spindle builder
//! has), and the start of the threads: the pool's per-thread state is reserved in full, then
//! each thread is started with [`ThreadConfig::spawn`].

use std::marker::PhantomData;

use spindle_queue::Queue;
use spindle_utils::{BuildError, ThreadConfig};

use crate::item::PoolItem;
use crate::job::caller_event;
use crate::pool::{ItemPool, Shared, Spare};
use crate::primitive::{Arc, Mutex, lock};
use crate::thread;

/// Room for `n` values of `T` up front, or `None` where the bytes overflow or are refused.
fn room_for<T>(n: usize) -> Option<Vec<T>> {
    let mut vec = Vec::new();
    vec.try_reserve_exact(n).ok()?;
    Some(vec)
}

/// Configures a [`ItemPool`].
///
/// ```
/// # #[derive(Debug)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
/// let pool = spindle_pool::ItemPool::<Item>::builder()
///     .num_threads(4)
///     .pin_to_cores(true)
///     .build()?;
/// assert_eq!(pool.thread_count(), 4);
/// # Ok::<(), spindle_pool::BuildError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ItemPoolBuilder<P: PoolItem + 'static> {
    config: ThreadConfig,
    _items: PhantomData<fn() -> P>,
}

/// The old name of [`ItemPoolBuilder`].
#[deprecated(since = "0.2.0", note = "renamed to `ItemPoolBuilder`")]
pub type Builder<P> = ItemPoolBuilder<P>;

impl<P: PoolItem + 'static> ItemPoolBuilder<P> {
    /// The number of threads (default: the machine's available parallelism). Zero, or more
    /// than `u32::MAX` (or than the per-thread state can be allocated for), is refused by
    /// [`build`](ItemPoolBuilder::build) with a [`BuildError`], never a panic.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ItemPool::<Item>::builder().num_threads(3).build().unwrap();
    /// assert_eq!(pool.thread_count(), 3);
    /// ```
    pub fn num_threads(mut self, threads: usize) -> Self {
        self.config.num_threads = Some(threads);
        self
    }

    /// The old name of [`num_threads`](ItemPoolBuilder::num_threads).
    #[deprecated(since = "0.2.0", note = "renamed to `num_threads`")]
    pub fn threads(self, threads: usize) -> Self {
        self.num_threads(threads)
    }

    /// Names pool thread `index` with `name(index)` (default: `"{item type}-{index}"`).
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ItemPool::<Item>::builder()
    ///     .thread_name(|i| format!("items-{i}"))
    ///     .build()?;
    /// # drop(pool);
    /// # Ok::<(), spindle_pool::BuildError>(())
    /// ```
    pub fn thread_name(mut self, name: impl Fn(usize) -> String + Send + Sync + 'static) -> Self {
        self.config.set_thread_name(name);
        self
    }

    /// Pins thread `i` to core `i % cores` (with `core_affinity`), so items stay in one
    /// core's caches. Off by default; ignored where pinning is unsupported.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ItemPool::<Item>::builder().pin_to_cores(true).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn pin_to_cores(mut self, pin: bool) -> Self {
        self.config.pin_to_cores = pin;
        self
    }

    /// The stack size of each pool thread, in bytes (default: std's). A size the OS cannot
    /// give (`usize::MAX` included) makes [`build`](ItemPoolBuilder::build) return
    /// [`BuildError::Spawn`].
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ItemPool::<Item>::builder().stack_size(1 << 20).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.config.stack_size = Some(bytes);
        self
    }

    /// Starts the threads.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroThreads`] for zero threads, [`BuildError::TooManyThreads`] for more
    /// than a pool can hold, [`BuildError::Spawn`] if the OS refuses a thread or its stack size
    /// (the threads already started are shut down).
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// assert!(spindle_pool::ItemPool::<Item>::builder().num_threads(0).build().is_err());
    /// ```
    pub fn build(self) -> Result<ItemPool<P>, BuildError> {
        let threads = self.config.resolve_threads()?;
        let too_many = || BuildError::TooManyThreads(threads);
        // Thread indices travel as `u32`s (`Buffers::route`); the per-thread arrays are sized in
        // bytes with fallible reservations, so an absurd count is an error, not a panic. (A
        // call's per-thread buffers, made later, are smaller than the inboxes reserved here.)
        if u32::try_from(threads).is_err() {
            return Err(too_many());
        }
        let mut inboxes = room_for(threads).ok_or_else(too_many)?;
        let mut events = room_for(threads).ok_or_else(too_many)?;
        let handles = room_for(threads).ok_or_else(too_many)?;
        inboxes.extend((0..threads).map(|_| Queue::new()));
        events.extend((0..threads).map(|_| caller_event::take()));
        let shared = Arc::new(Shared {
            inboxes: inboxes.into_boxed_slice(),
            events: events.into_boxed_slice(),
            _items: PhantomData,
        });
        let pool = ItemPool {
            shared,
            threads: Mutex::new(handles),
            spare: Mutex::new(Spare {
                sets: Vec::new(),
                bytes: 0,
            }),
        };
        for index in 0..threads {
            let shared = Arc::clone(&pool.shared);
            let id = pool.id();
            let handle = self
                .config
                .spawn(index, move || {
                    let event = caller_event::share(&shared.events[index]);
                    thread::run(index, id, &shared.inboxes[index], event)
                })
                .map_err(BuildError::Spawn)?; // dropping `pool` shuts down what started
            lock(&pool.threads).push(handle);
        }
        Ok(pool)
    }
}

impl<P: PoolItem + 'static> ItemPool<P> {
    /// A pool of `threads` threads, or why not.
    ///
    /// # Errors
    ///
    /// As [`ItemPoolBuilder::build`]: zero threads is [`BuildError::ZeroThreads`], never a panic.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ItemPool::<Item>::new(2)?;
    /// assert_eq!(pool.num_threads(), 2);
    /// assert!(spindle_pool::ItemPool::<Item>::new(0).is_err());
    /// # Ok::<(), spindle_pool::BuildError>(())
    /// ```
    pub fn new(threads: usize) -> Result<Self, BuildError> {
        Self::builder().num_threads(threads).build()
    }

    /// The old fallible constructor; [`new`](ItemPool::new) now returns the `Result` itself.
    ///
    /// # Errors
    ///
    /// As [`new`](ItemPool::new).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `new`, which now returns a `Result`"
    )]
    pub fn try_new(threads: usize) -> Result<Self, BuildError> {
        Self::new(threads)
    }

    /// An [`ItemPoolBuilder`] for thread count, names, pinning and stack size.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ItemPool::<Item>::builder().num_threads(1).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn builder() -> ItemPoolBuilder<P> {
        ItemPoolBuilder {
            config: ThreadConfig::new(P::name()),
            _items: PhantomData,
        }
    }
}
