//! `ItemPool`: starts the threads, splits calls into one batch per thread, waits once per call.

use std::fmt;
use std::marker::PhantomData;

use spindle_queue::{Closed, Queue};

use crate::error::PoolError;
use crate::item::{PoolItem, RequestWithResponse, ThreadShutdownResponse};
use crate::job::caller_event::{self, EventRef};
use crate::job::{Batch, Buffers, Envelope, Latch};
use crate::primitive::{Arc, Mutex, lock};
use crate::thread;
use spindle_utils::{Panic, ThreadHandle};

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
/// use spindle_pool::{pool_item, IdTargeted, ItemPool};
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
/// let pool = ItemPool::<Tally>::new(2).unwrap();
/// pool.send_and_receive((0..4).map(TallyInit)).unwrap().for_each(drop);
/// let counts: Vec<usize> = pool
///     .send_and_receive([RecordRequest(1, 10), RecordRequest(2, 20), RecordRequest(1, 11)])
///     .unwrap()
///     .map(|r| r.result)
///     .collect();
/// assert_eq!(counts, [1, 1, 2]); // in request order
/// ```
pub struct ItemPool<P: PoolItem + 'static> {
    pub(crate) shared: Arc<Shared<P>>,
    pub(crate) threads: Mutex<Vec<ThreadHandle<ThreadShutdownResponse>>>,
    /// Buffers of finished calls, for the next ones.
    pub(crate) spare: Mutex<Spare<P>>,
}

/// Sets of call buffers kept for reuse (one per concurrent caller, up to this many).
const RETAINED_SETS: usize = 4;

/// Most bytes of call buffers a pool keeps for reuse between calls, across all its retained
/// sets: 16 MiB. A call's buffers take about `requests × (size_of::<Message>() +
/// size_of::<Outcome>() + 4)` bytes, some 70 bytes a request for small requests and responses,
/// so calls of up to about 200 000 such requests reuse them and allocate nothing once warm; the
/// buffers of a larger call are freed when it ends. (At 4 MiB, the pool bench's 200 000-request
/// batch freed and re-faulted its 13.6 MB of buffers on every call: 35% slower per message.)
pub(crate) const RETAINED_BYTES: usize = 16 << 20;

/// The retained call buffers, and the bytes they hold (at most [`RETAINED_BYTES`]).
pub(crate) struct Spare<P: PoolItem + 'static> {
    pub(crate) sets: Vec<Buffers<P>>,
    pub(crate) bytes: usize,
}

/// What the pool's threads and its callers share: one inbox per thread, and the event count
/// each thread waits on while it serves from inside a call (J5: every push notifies it).
pub(crate) struct Shared<P: PoolItem + 'static> {
    pub(crate) inboxes: Box<[Queue<Envelope<P>>]>,
    pub(crate) events: Box<[EventRef]>,
    pub(crate) _items: PhantomData<fn() -> P>,
}

impl<P: PoolItem + 'static> Drop for Shared<P> {
    fn drop(&mut self) {
        // No thread is left to wait on them; a late count-down's notification is a spurious
        // wake-up for their next user (J3).
        for event in std::mem::take(&mut self.events) {
            caller_event::give_back(event);
        }
    }
}

impl<P: PoolItem + 'static> ItemPool<P> {
    /// The number of threads.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// assert_eq!(spindle_pool::ItemPool::<Item>::new(3)?.num_threads(), 3);
    /// # Ok::<(), spindle_pool::BuildError>(())
    /// ```
    pub fn num_threads(&self) -> usize {
        self.shared.inboxes.len()
    }

    /// The number of threads, under messaging_thread_pool's name (same as
    /// [`num_threads`](ItemPool::num_threads)).
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// assert_eq!(spindle_pool::ItemPool::<Item>::new(3)?.thread_count(), 3);
    /// # Ok::<(), spindle_pool::BuildError>(())
    /// ```
    pub fn thread_count(&self) -> usize {
        self.shared.inboxes.len()
    }

    /// An identity for this pool (its shared state's address), so a shutdown from one of its
    /// threads does not join itself.
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.shared) as usize
    }

    /// Sends every request and returns the responses, in request order.
    ///
    /// Requests for one item run in order on its thread; the threads work in parallel. The
    /// call's buffers are the pool's, reused from call to call: a warm pool allocates nothing
    /// for a batch beyond the requests and responses themselves.
    ///
    /// # Errors
    ///
    /// The first error among the requests, in request order (the other requests were still
    /// answered; [`send_and_receive_each`](ItemPool::send_and_receive_each) returns every
    /// outcome).
    ///
    /// Called from a pool thread (an item's method, constructor or hook, of this pool or
    /// another), the thread keeps answering its own inbox while it waits; see
    /// [Waiting across parts](crate#waiting-across-parts).
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item {
    /// #     pub fn new(id: u64) -> Self { Item { id } }
    /// #     #[messaging(DoubleRequest, DoubleResponse)] pub fn double(&self, x: u64) -> u64 { 2 * x + self.id }
    /// # }
    /// let pool = spindle_pool::ItemPool::<Item>::new(2).unwrap();
    /// pool.send_and_receive([ItemInit(0), ItemInit(1)]).unwrap().for_each(drop);
    /// let out: Vec<u64> = pool
    ///     .send_and_receive((0..4).map(|x| DoubleRequest(x % 2, x)))
    ///     .unwrap()
    ///     .map(|r| r.result)
    ///     .collect();
    /// assert_eq!(out, [0, 3, 4, 7]);
    /// ```
    pub fn send_and_receive<T: RequestWithResponse<P> + 'static>(
        &self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Responses<'_, P, T>, PoolError> {
        let (mut buffers, errors) = self.call(requests)?;
        if errors > 0 {
            // The first error in request order; every request was answered.
            let mut first = PoolError::ShutDown;
            for &thread in &buffers.route {
                if let Some(Err(e)) = buffers.replies[thread as usize].pop_front() {
                    first = *e;
                    break;
                }
            }
            self.give_back(buffers);
            return Err(first);
        }
        Ok(Responses {
            pool: self,
            buffers: Some(buffers),
            next: 0,
            _request: PhantomData,
        })
    }

    /// Sends every request and returns each one's outcome, in request order.
    ///
    /// # Errors
    ///
    /// None today (the per-request errors are in the vector); the `Result` is kept for errors
    /// of the call as a whole.
    ///
    /// ```
    /// use spindle_pool::PoolError;
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ItemPool::<Item>::new(2).unwrap();
    /// let outcomes = pool.send_and_receive_each([ItemInit(1), ItemInit(1)]).unwrap();
    /// assert!(outcomes[0].is_ok());
    /// assert!(matches!(outcomes[1], Err(PoolError::DuplicateId(1))));
    /// ```
    pub fn send_and_receive_each<T: RequestWithResponse<P> + 'static>(
        &self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Vec<Result<T::Response, PoolError>>, PoolError> {
        let (mut buffers, _) = self.call(requests)?;
        let Buffers { route, replies, .. } = &mut buffers;
        let outcomes = route
            .iter()
            .map(|&thread| match replies[thread as usize].pop_front() {
                Some(Ok(reply)) => Ok(T::from_reply(reply)),
                Some(Err(e)) => Err(*e),
                None => Err(PoolError::ShutDown),
            })
            .collect();
        self.give_back(buffers);
        Ok(outcomes)
    }

    /// Routes the requests into this call's buffers, sends each thread its batch, waits once,
    /// and returns the buffers holding the replies, with the number of errors among them.
    fn call<T: RequestWithResponse<P> + 'static>(
        &self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<(Buffers<P>, usize), PoolError> {
        let threads = self.thread_count();
        let requests = requests.into_iter();
        let mut buffers = self.take_buffers();
        let expected = requests.size_hint().0;
        buffers.route.reserve(expected);
        for per_thread in &mut buffers.requests {
            per_thread.reserve(expected / threads);
        }
        for request in requests {
            let thread = P::id_thread_router(request.id(), threads) % threads;
            buffers.requests[thread].push(request.into_message());
            buffers.route.push(thread as u32);
        }
        let errors = self.exchange(&mut buffers);
        Ok((buffers, errors))
    }

    /// Sends each thread its batch from `buffers`, waits for all, and leaves the replies in
    /// `buffers.replies`; returns how many are errors (requests refused after shutdown count).
    fn exchange(&self, buffers: &mut Buffers<P>) -> usize {
        let busy = buffers.requests.iter().filter(|r| !r.is_empty()).count();
        let here = thread::current();
        let latch = match here {
            None => Latch::new(busy),
            Some(serving) => Latch::with_event(busy, serving.event()),
        };
        // Room kept in `buffers` (empty between calls): no allocation once warm.
        let mut batches = std::mem::take(&mut buffers.batches);
        for (requests, replies) in buffers.requests.iter_mut().zip(&mut buffers.replies) {
            batches.push((!requests.is_empty()).then(|| {
                let replies = std::mem::take(replies);
                Batch::many(std::mem::take(requests), replies, &latch)
            }));
        }
        for (thread, batch) in batches.iter_mut().enumerate() {
            if let Some(batch) = batch {
                self.push(thread, batch);
            }
        }
        match here {
            None => latch.wait(),
            Some(serving) => serving.wait(&latch),
        }
        let mut errors = 0;
        for (thread, batch) in batches.drain(..).enumerate() {
            if let Some(mut batch) = batch {
                let refused = batch.requests.len(); // still there only if the push failed
                batch.requests.clear();
                errors += batch.errors + refused;
                buffers.requests[thread] = batch.requests;
                buffers.replies[thread] = batch.replies;
            }
        }
        buffers.batches = batches;
        errors
    }

    /// This call's buffers: a spare set, or new ones.
    fn take_buffers(&self) -> Buffers<P> {
        let taken = {
            let mut spare = lock(&self.spare);
            let taken = spare.sets.pop();
            if let Some(buffers) = &taken {
                spare.bytes -= buffers.bytes();
            }
            taken
        };
        taken.unwrap_or_else(|| Buffers::new(self.thread_count()))
    }

    /// Keeps a call's buffers for the next call: up to [`RETAINED_SETS`] sets holding at most
    /// [`RETAINED_BYTES`] together. Buffers that do not fit are freed (after the lock).
    fn give_back(&self, mut buffers: Buffers<P>) {
        buffers.clear();
        let bytes = buffers.bytes();
        let mut spare = lock(&self.spare);
        if spare.sets.len() < RETAINED_SETS && spare.bytes + bytes <= RETAINED_BYTES {
            spare.bytes += bytes;
            spare.sets.push(buffers);
        }
    }

    /// Sends one request and returns its response: one round trip, with the request and its
    /// reply carried inline (no allocation).
    ///
    /// # Errors
    ///
    /// The request's error. From a pool thread, the thread serves its own inbox while it
    /// waits ([Waiting across parts](crate#waiting-across-parts)).
    ///
    /// ```
    /// use spindle_pool::{PoolError, RemovePoolItemRequest};
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::ItemPool::<Item>::new(2).unwrap();
    /// assert_eq!(pool.send_and_receive_once(ItemInit(7)).unwrap().id(), 7);
    /// assert!(pool.send_and_receive_once(RemovePoolItemRequest(7)).unwrap().item_existed());
    /// assert!(!pool.send_and_receive_once(RemovePoolItemRequest(7)).unwrap().item_existed());
    /// ```
    pub fn send_and_receive_once<T: RequestWithResponse<P> + 'static>(
        &self,
        request: T,
    ) -> Result<T::Response, PoolError> {
        let threads = self.thread_count();
        let thread = P::id_thread_router(request.id(), threads) % threads;
        let here = thread::current();
        let latch = match here {
            None => Latch::new(1),
            Some(serving) => Latch::with_event(1, serving.event()),
        };
        let mut batch = Batch::one(request.into_message(), &latch);
        self.push(thread, &mut batch);
        match here {
            None => latch.wait(),
            Some(serving) => serving.wait(&latch),
        }
        match batch.one_reply {
            Some(Ok(reply)) => Ok(T::from_reply(reply)),
            Some(Err(e)) => Err(*e),
            None => Err(PoolError::ShutDown),
        }
    }

    /// Pushes a pointer to `batch` onto thread `thread`'s inbox; if the pool is shut down,
    /// counts its latch down with nothing answered (the caller reports `ShutDown`).
    fn push(&self, thread: usize, batch: &mut Batch<P>) {
        // SAFETY: J1/J2: every caller waits for the latch before touching, moving or freeing
        // `batch` (`exchange` and `send_and_receive_once` wait right after pushing).
        let envelope = unsafe { Envelope::new(batch) };
        match self.shared.inboxes[thread].push(envelope) {
            // J5: the push's claim is a SeqCst write; a thread serving from inside a call of
            // its own waits on this event for "inbox non-empty". One load when it does not.
            Ok(()) => self.shared.events[thread].notify_one(),
            Err(Closed(envelope)) => envelope.abandon(),
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
    /// let pool = spindle_pool::ItemPool::<Item>::new(2).unwrap();
    /// pool.send_and_receive((0..3).map(ItemInit)).unwrap().for_each(drop);
    /// let reports = pool.shutdown();
    /// let mut ids: Vec<u64> = reports.iter().flat_map(|r| r.items().to_vec()).collect();
    /// ids.sort();
    /// assert_eq!(ids, [0, 1, 2]);
    /// assert!(matches!(pool.send_and_receive_once(ItemInit(9)), Err(PoolError::ShutDown)));
    /// ```
    pub fn shutdown(&self) -> Vec<ThreadShutdownResponse> {
        for inbox in &*self.shared.inboxes {
            inbox.close();
        }
        if thread::serving(self.id()) {
            // Joining would wait for ourselves; the threads end on their own, and a shutdown
            // from outside still finds the handles to wait for and report.
            return Vec::new();
        }
        let handles = std::mem::take(&mut *lock(&self.threads));
        handles
            .into_iter()
            .enumerate()
            .map(|(index, handle)| {
                handle.join().unwrap_or_else(|payload| {
                    // The loop itself does not panic (items' panics are contained); report it if
                    // it ever does rather than lose the thread's fate.
                    ThreadShutdownResponse::new(index as u64, Vec::new())
                        .with_items(Vec::new(), vec![(u64::MAX, Panic::new(payload))])
                })
            })
            .collect()
    }
}

impl<P: PoolItem + 'static> Drop for ItemPool<P> {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl<P: PoolItem + 'static> fmt::Debug for ItemPool<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemPool")
            .field("item", &P::name())
            .field("threads", &self.thread_count())
            .finish()
    }
}

/// The responses of one [`ItemPool::send_and_receive`] call, in request order. Dropping it
/// (consumed or not) hands the call's buffers back to the pool for the next call.
pub struct Responses<'a, P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> {
    pool: &'a ItemPool<P>,
    buffers: Option<Buffers<P>>,
    next: usize,
    _request: PhantomData<fn() -> T>,
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> Iterator for Responses<'_, P, T> {
    type Item = T::Response;

    fn next(&mut self) -> Option<T::Response> {
        let buffers = self.buffers.as_mut()?;
        let thread = *buffers.route.get(self.next)? as usize;
        self.next += 1;
        // Every outcome is a reply: `send_and_receive` returned the first error instead.
        match buffers.replies[thread].pop_front()? {
            Ok(reply) => Some(T::from_reply(reply)),
            Err(_) => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self
            .buffers
            .as_ref()
            .map_or(0, |b| b.route.len() - self.next);
        (left, Some(left))
    }
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> ExactSizeIterator
    for Responses<'_, P, T>
{
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> Drop for Responses<'_, P, T> {
    fn drop(&mut self) {
        if let Some(buffers) = self.buffers.take() {
            self.pool.give_back(buffers);
        }
    }
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> fmt::Debug
    for Responses<'_, P, T>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responses")
            .field("left", &self.len())
            .finish()
    }
}
