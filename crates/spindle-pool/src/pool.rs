//! `ThreadPool`: starts the threads, splits calls into one batch per thread, waits once per call.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::thread::JoinHandle;

use spindle_queue::{Closed, Queue};

use crate::error::{BuildError, PoolError};
use crate::item::{Message, PoolItem, RequestWithResponse, ThreadShutdownResponse};
use crate::job::{Batch, Envelope, Latch, Replies};
use crate::primitive::Arc;
use crate::thread;

/// A pool of threads, each owning the items whose ids route to it (`id % threads` by default).
///
/// Items are built on their thread from an `Init` request and never move, so they need be
/// neither `Send` nor `Sync`; requests and responses cross threads by value. A call is split
/// into one batch per thread, answered in request order; the caller sleeps once per call.
/// Dropping the pool shuts it down.
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use spindle_pool::{pool_item, IdTargeted, ThreadPool};
///
/// #[derive(Debug)]
/// pub struct Tally { id: u64, seen: Rc<RefCell<Vec<u32>>> } // not Send, and that is fine
/// impl IdTargeted for Tally { fn id(&self) -> u64 { self.id } }
///
/// #[pool_item]
/// impl Tally {
///     pub fn new(id: u64) -> Self { Tally { id, seen: Rc::default() } }
///     #[messaging(RecordRequest, RecordResponse)]
///     pub fn record(&self, value: u32) -> usize {
///         self.seen.borrow_mut().push(value);
///         self.seen.borrow().len()
///     }
/// }
///
/// let pool = ThreadPool::<Tally>::new(2);
/// pool.send_and_receive((0..4).map(TallyInit)).unwrap().for_each(drop);
/// let counts: Vec<usize> = pool
///     .send_and_receive([RecordRequest(1, 10), RecordRequest(2, 20), RecordRequest(1, 11)])
///     .unwrap()
///     .map(|r| r.result)
///     .collect();
/// assert_eq!(counts, [1, 1, 2]); // in request order
/// ```
pub struct ThreadPool<P: PoolItem> {
    shared: Arc<Shared<P>>,
    threads: Mutex<Vec<JoinHandle<ThreadShutdownResponse>>>,
}

/// What the pool's threads and its callers share: one inbox per thread.
struct Shared<P: PoolItem> {
    inboxes: Box<[Queue<Envelope<P>>]>,
    _items: PhantomData<fn() -> P>,
}

/// Configures a [`ThreadPool`].
///
/// ```
/// # #[derive(Debug)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
/// let pool = spindle_pool::ThreadPool::<Item>::builder()
///     .threads(4)
///     .pin_to_cores(true)
///     .build()?;
/// assert_eq!(pool.thread_count(), 4);
/// # Ok::<(), spindle_pool::BuildError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Builder<P: PoolItem> {
    threads: usize,
    pin: bool,
    stack_size: Option<usize>,
    _items: PhantomData<fn() -> P>,
}

impl<P: PoolItem> Builder<P> {
    /// The number of threads (default: the machine's available parallelism).
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ThreadPool::<Item>::builder().threads(3).build().unwrap();
    /// assert_eq!(pool.thread_count(), 3);
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Pins thread `i` to core `i % cores` (with `core_affinity`), so items stay in one
    /// core's caches. Off by default; ignored where pinning is unsupported.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ThreadPool::<Item>::builder().pin_to_cores(true).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn pin_to_cores(mut self, pin: bool) -> Self {
        self.pin = pin;
        self
    }

    /// The stack size of each pool thread (default: std's).
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ThreadPool::<Item>::builder().stack_size(1 << 20).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts the threads.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroThreads`] for zero threads, [`BuildError::Spawn`] if the OS refuses a
    /// thread (the threads already started are shut down).
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// assert!(spindle_pool::ThreadPool::<Item>::builder().threads(0).build().is_err());
    /// ```
    pub fn build(self) -> Result<ThreadPool<P>, BuildError> {
        if self.threads == 0 {
            return Err(BuildError::ZeroThreads);
        }
        let shared = Arc::new(Shared {
            inboxes: (0..self.threads).map(|_| Queue::new()).collect(),
            _items: PhantomData,
        });
        let pool = ThreadPool {
            shared,
            threads: Mutex::new(Vec::with_capacity(self.threads)),
        };
        let cores = if self.pin {
            core_affinity::get_core_ids().unwrap_or_default()
        } else {
            Vec::new()
        };
        for index in 0..self.threads {
            let shared = Arc::clone(&pool.shared);
            let id = pool.id();
            let core = (!cores.is_empty()).then(|| cores[index % cores.len()]);
            let mut builder = std::thread::Builder::new().name(format!("{}-{index}", P::name()));
            if let Some(bytes) = self.stack_size {
                builder = builder.stack_size(bytes);
            }
            let handle = builder
                .spawn(move || {
                    if let Some(core) = core {
                        core_affinity::set_for_current(core);
                    }
                    thread::run(index, id, &shared.inboxes[index])
                })
                .map_err(BuildError::Spawn)?; // dropping `pool` shuts down what started
            pool.threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(handle);
        }
        Ok(pool)
    }
}

impl<P: PoolItem> ThreadPool<P> {
    /// A pool of `threads` threads.
    ///
    /// # Panics
    ///
    /// If `threads` is zero or a thread cannot be started; [`try_new`](ThreadPool::try_new)
    /// and [`builder`](ThreadPool::builder) return these as [`BuildError`]s instead.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ThreadPool::<Item>::new(2);
    /// assert_eq!(pool.thread_count(), 2);
    /// ```
    pub fn new(threads: usize) -> Self {
        match Self::try_new(threads) {
            Ok(pool) => pool,
            Err(e) => panic!("ThreadPool::new({threads}): {e}"),
        }
    }

    /// A pool of `threads` threads, or why not.
    ///
    /// # Errors
    ///
    /// As [`Builder::build`].
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// assert!(spindle_pool::ThreadPool::<Item>::try_new(0).is_err());
    /// ```
    pub fn try_new(threads: usize) -> Result<Self, BuildError> {
        Self::builder().threads(threads).build()
    }

    /// A [`Builder`] for thread count, pinning and stack size.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ThreadPool::<Item>::builder().threads(1).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn builder() -> Builder<P> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Builder {
            threads,
            pin: false,
            stack_size: None,
            _items: PhantomData,
        }
    }

    /// The number of threads.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// assert_eq!(spindle_pool::ThreadPool::<Item>::new(3).thread_count(), 3);
    /// ```
    pub fn thread_count(&self) -> usize {
        self.shared.inboxes.len()
    }

    /// An identity for this pool (its shared state's address), for the reentrancy check.
    fn id(&self) -> usize {
        Arc::as_ptr(&self.shared) as usize
    }

    /// Sends every request and returns the responses, in request order.
    ///
    /// Requests for one item run in order on its thread; the threads work in parallel.
    ///
    /// # Errors
    ///
    /// The first error among the requests, in request order (the other requests were still
    /// answered; [`send_and_receive_each`](ThreadPool::send_and_receive_each) returns every
    /// outcome). [`PoolError::FromPoolThread`] when called from one of the pool's own threads.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item {
    /// #     pub fn new(id: u64) -> Self { Item { id } }
    /// #     #[messaging(DoubleRequest, DoubleResponse)] pub fn double(&self, x: u64) -> u64 { 2 * x + self.id }
    /// # }
    /// let pool = spindle_pool::ThreadPool::<Item>::new(2);
    /// pool.send_and_receive([ItemInit(0), ItemInit(1)]).unwrap().for_each(drop);
    /// let out: Vec<u64> = pool
    ///     .send_and_receive((0..4).map(|x| DoubleRequest(x % 2, x)))
    ///     .unwrap()
    ///     .map(|r| r.result)
    ///     .collect();
    /// assert_eq!(out, [0, 3, 4, 7]);
    /// ```
    pub fn send_and_receive<T: RequestWithResponse<P>>(
        &self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<std::vec::IntoIter<T::Response>, PoolError> {
        let outcomes = self.send_and_receive_each(requests)?;
        let mut responses = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            responses.push(outcome?);
        }
        Ok(responses.into_iter())
    }

    /// Sends every request and returns each one's outcome, in request order.
    ///
    /// # Errors
    ///
    /// [`PoolError::FromPoolThread`] when called from one of the pool's own threads; the
    /// per-request errors are in the vector.
    ///
    /// ```
    /// use spindle_pool::PoolError;
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ThreadPool::<Item>::new(2);
    /// let outcomes = pool.send_and_receive_each([ItemInit(1), ItemInit(1)]).unwrap();
    /// assert!(outcomes[0].is_ok());
    /// assert_eq!(outcomes[1], Err(PoolError::DuplicateId(1)));
    /// ```
    pub fn send_and_receive_each<T: RequestWithResponse<P>>(
        &self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Vec<Result<T::Response, PoolError>>, PoolError> {
        if thread::serving(self.id()) {
            return Err(PoolError::FromPoolThread);
        }
        let threads = self.thread_count();
        let requests = requests.into_iter();
        let mut per_thread: Vec<Vec<Message<P>>> = (0..threads).map(|_| Vec::new()).collect();
        let mut route = Vec::with_capacity(requests.size_hint().0);
        for request in requests {
            let thread = P::id_thread_router(request.id(), threads) % threads;
            per_thread[thread].push(request.into_message());
            route.push(thread as u32);
        }
        let replies = self.exchange(per_thread);
        let mut replies: Vec<_> = replies.into_iter().map(Vec::into_iter).collect();
        Ok(route
            .into_iter()
            .map(|thread| match replies[thread as usize].next() {
                Some(reply) => reply.map(T::from_reply),
                None => Err(PoolError::ShutDown),
            })
            .collect())
    }

    /// Sends one request and returns its response: one round trip.
    ///
    /// # Errors
    ///
    /// The request's error, or [`PoolError::FromPoolThread`] from one of the pool's threads.
    ///
    /// ```
    /// use spindle_pool::{PoolError, RemovePoolItemRequest};
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ThreadPool::<Item>::new(2);
    /// assert_eq!(pool.send_and_receive_once(ItemInit(7)).unwrap().id(), 7);
    /// assert!(pool.send_and_receive_once(RemovePoolItemRequest(7)).unwrap().item_existed());
    /// assert!(!pool.send_and_receive_once(RemovePoolItemRequest(7)).unwrap().item_existed());
    /// ```
    pub fn send_and_receive_once<T: RequestWithResponse<P>>(
        &self,
        request: T,
    ) -> Result<T::Response, PoolError> {
        if thread::serving(self.id()) {
            return Err(PoolError::FromPoolThread);
        }
        let threads = self.thread_count();
        let thread = P::id_thread_router(request.id(), threads) % threads;
        let latch = Latch::new(1);
        // One request, one reply: the vectors hold one element each (their only allocation).
        let mut batch = Batch::new(vec![request.into_message()], &latch);
        self.post(thread, &mut batch, &latch);
        match batch.replies.pop() {
            Some(reply) => reply.map(T::from_reply),
            None => Err(PoolError::ShutDown),
        }
    }

    /// Sends each thread its batch, waits for all, and returns each thread's replies.
    fn exchange(&self, per_thread: Vec<Vec<Message<P>>>) -> Vec<Replies<P>> {
        let busy = per_thread.iter().filter(|r| !r.is_empty()).count();
        let latch = Latch::new(busy);
        let mut batches: Vec<Option<Batch<P>>> = per_thread
            .into_iter()
            .map(|requests| (!requests.is_empty()).then(|| Batch::new(requests, &latch)))
            .collect();
        for (thread, batch) in batches.iter_mut().enumerate() {
            if let Some(batch) = batch {
                self.push(thread, batch);
            }
        }
        latch.wait();
        batches
            .into_iter()
            .map(|b| b.map(|b| b.replies).unwrap_or_default())
            .collect()
    }

    /// `push` and wait, for one batch.
    fn post(&self, thread: usize, batch: &mut Batch<P>, latch: &Latch) {
        self.push(thread, batch);
        latch.wait();
    }

    /// Pushes a pointer to `batch` onto thread `thread`'s inbox; if the pool is shut down,
    /// counts its latch down with no replies (the caller reports `ShutDown`).
    fn push(&self, thread: usize, batch: &mut Batch<P>) {
        // SAFETY: J1/J2: every caller waits for the latch before touching, moving or freeing
        // `batch` (`exchange` and `post` wait right after pushing).
        let envelope = unsafe { Envelope::new(batch) };
        if let Err(Closed(envelope)) = self.shared.inboxes[thread].push(envelope) {
            envelope.abandon();
        }
    }

    /// Shuts the pool down: requests already sent are answered, later ones get
    /// [`PoolError::ShutDown`], then every item's shutdown hook runs on its own thread, in id
    /// order, and each thread reports what it did. A second call returns nothing.
    ///
    /// Called from one of the pool's own threads (an item shutting its pool down), it closes
    /// the pool without waiting for the threads, and returns no reports.
    ///
    /// ```
    /// use spindle_pool::PoolError;
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ThreadPool::<Item>::new(2);
    /// pool.send_and_receive((0..3).map(ItemInit)).unwrap().for_each(drop);
    /// let reports = pool.shutdown();
    /// let mut ids: Vec<u64> = reports.iter().flat_map(|r| r.items().to_vec()).collect();
    /// ids.sort();
    /// assert_eq!(ids, [0, 1, 2]);
    /// assert_eq!(pool.send_and_receive_once(ItemInit(9)).unwrap_err(), PoolError::ShutDown);
    /// ```
    pub fn shutdown(&self) -> Vec<ThreadShutdownResponse> {
        for inbox in &*self.shared.inboxes {
            inbox.close();
        }
        let handles = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
        if thread::serving(self.id()) {
            return Vec::new(); // joining would wait for ourselves; the threads end on their own
        }
        handles
            .into_iter()
            .enumerate()
            .map(|(index, handle)| {
                handle.join().unwrap_or_else(|payload| {
                    // The loop itself does not panic (items' panics are contained); report it if
                    // it ever does rather than lose the thread's fate.
                    ThreadShutdownResponse::new(index as u64, Vec::new()).with_items(
                        Vec::new(),
                        vec![(u64::MAX, thread::panic_message(&*payload))],
                    )
                })
            })
            .collect()
    }
}

impl<P: PoolItem> Drop for ThreadPool<P> {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl<P: PoolItem> fmt::Debug for ThreadPool<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("item", &P::name())
            .field("threads", &self.thread_count())
            .finish()
    }
}
