//! The async calls: [`ItemPool::send_and_receive_once_async`] and
//! [`ItemPool::send_and_receive_async`], the awaitable forms of the blocking calls, for any
//! runtime (`std::task` only).
//!
//! A blocking call hands each thread a batch on its own stack and waits for a latch (J1 in
//! `job.rs`). A future cannot promise that: it may be dropped at any time, and must not block
//! when it is. So an async call's batches live in one shared allocation, a [`Call`] in an
//! `Arc` (J6): the pool thread answers a batch in place, exactly as it answers a blocking
//! one, then hands it back through `finish`, which wakes the awaiting task when the last
//! batch is in and gives back the thread's count of the call.
//!
//! Allocation: one request costs one allocation (the `Call`, holding its batch inline, the
//! count and the waker) besides what the request and response own. Many requests cost a few
//! (the `Call`, its list of batches, each addressed thread's request and reply lists, the
//! request order): the blocking call reuses the pool's buffers instead, which a future cannot
//! borrow, since it does not borrow the pool (so that it can be spawned) and may outlive
//! every call around it.
//!
//! # Invariants
//!
//! - **A1 (owned batches).** A call's batches live in its `Call` (J6). The future holds one
//!   count of it; each envelope pushed holds one more, taken in `Call::send` and given back by
//!   `finish`, its pool thread's last access to the batch. A batch is touched by its pool
//!   thread between the push and `finish` (J2); then by the future, once `state` shows no
//!   batch in flight (an acquire load, or RMW, reading the last of the `AcqRel` hand-backs);
//!   or, if the future was dropped first, only by whoever drops the last count (the `Arc`'s
//!   own release and acquire order it after every other use).
//! - **A2 (no lost wake-up).** `state` is `IN_FLIGHT` × the batches in flight, plus
//!   `HAS_WAKER`, and changes only by RMWs (the hand-backs' `fetch_sub`, the polls'
//!   `fetch_or`), all in one modification order. A poll that finds batches in flight stores
//!   its waker under `waker`'s mutex (replacing any that would not wake the same task), then
//!   does `fetch_or(HAS_WAKER)`, and is ready if the value it read had no batch in flight.
//!   The last hand-back wakes the waker it takes under the mutex if the value its `fetch_sub`
//!   read had `HAS_WAKER`. If a poll's `fetch_or` comes first, the hand-back reads a value of
//!   that RMW's release sequence, so it synchronizes with it and its lock finds that poll's
//!   waker or a later one; if the hand-back comes first, the `fetch_or` reads "none in
//!   flight" and the poll is ready without waiting. A waker replaced between polls: the later
//!   poll replaces it before its own `fetch_or`; a hand-back that took the earlier waker
//!   locked before the replacement, so its `fetch_sub` came before the later `fetch_or`,
//!   which then reads "none in flight".
//! - **A3 (cancellation).** Dropping a future takes its waker out and gives back its count; it
//!   waits for nothing. Requests already pushed are answered anyway; their responses stay in
//!   the call's allocation and are dropped with it by whoever gives back the last count,
//!   usually the pool thread that answers last.
//! - **A4 (contained).** `finish` never unwinds: the wake and the release of the envelope's
//!   count run inside `catch_unwind`, and `Call`'s `Drop` drops each value left in it (a
//!   dropped future's responses, requests refused after shutdown) on its own inside
//!   `catch_unwind`, so a response whose `Drop` panics costs its pool thread nothing (T5 in
//!   `thread.rs`).

mod call;
mod future;

pub use future::{ResponseFuture, ResponsesFuture};

use crate::item::{Message, PoolItem, RequestWithResponse};
use crate::pool::ItemPool;
use crate::thread;
use call::Call;

impl<P: PoolItem + 'static> ItemPool<P> {
    /// Sends one request and returns a future of its response: the awaitable form of
    /// [`send_and_receive_once`](ItemPool::send_and_receive_once), for async code under any
    /// runtime (or `futures::executor::block_on` on a plain thread).
    ///
    /// The request is sent now, not at the first poll; the future never blocks its thread, and
    /// the pool thread that answers wakes the awaiting task. Dropping the future withdraws
    /// nothing and waits for nothing: the request is still answered, and its response dropped
    /// (on the pool thread, contained, when it comes after the drop). A call costs one
    /// allocation (the state shared with the pool thread) besides what the request and
    /// response own.
    ///
    /// # Errors
    ///
    /// The future resolves to the errors [`send_and_receive_once`](ItemPool::send_and_receive_once)
    /// returns: an unknown id, a panicking item, [`PoolError::ShutDown`](crate::PoolError::ShutDown)
    /// for a request sent after shutdown, and so on. A request sent before the shutdown is
    /// answered first, as a blocking call's is.
    ///
    /// Called on a pool thread (from an item's method, constructor or hook), it makes the
    /// blocking call at once, serving the thread's inbox while it waits, as nested calls do
    /// ([Waiting across parts](crate#waiting-across-parts)), and returns a ready future.
    ///
    /// # Examples
    ///
    /// ```
    /// use spindle_pool::PoolError;
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item {
    /// #     pub fn new(id: u64) -> Self { Item { id } }
    /// #     #[messaging(DoubleRequest, DoubleResponse)] pub fn double(&self) -> u64 { 2 * self.id }
    /// # }
    /// let pool = spindle_pool::ItemPool::<Item>::new(2).unwrap();
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async {
    ///     pool.send_and_receive_once_async(ItemInit(21)).await?;
    ///     assert_eq!(pool.send_and_receive_once_async(DoubleRequest(21)).await?.result, 42);
    ///     let missing = pool.send_and_receive_once_async(DoubleRequest(5)).await;
    ///     assert!(matches!(missing, Err(PoolError::UnknownId(5))));
    ///     Ok::<(), PoolError>(())
    /// })?;
    /// # Ok::<(), PoolError>(())
    /// ```
    pub fn send_and_receive_once_async<T: RequestWithResponse<P> + 'static>(
        &self,
        request: T,
    ) -> ResponseFuture<P, T> {
        if thread::current().is_some() {
            return ResponseFuture::ready(self.send_and_receive_once(request));
        }
        let threads = self.thread_count();
        let thread = P::id_thread_router(request.id(), threads) % threads;
        let call = Call::one(request.into_message());
        Call::send(&call, &self.shared, 0, thread);
        ResponseFuture::sent(call)
    }

    /// Sends every request and returns a future of the responses, in request order: the
    /// awaitable form of [`send_and_receive`](ItemPool::send_and_receive), for async code
    /// under any runtime.
    ///
    /// The requests are sent now, one batch per thread as in the blocking call; the future
    /// never blocks its thread, and the last pool thread to answer wakes the awaiting task.
    /// Dropping the future withdraws nothing and waits for nothing: the requests are still
    /// answered, and the responses dropped. Unlike the blocking call, which reuses the pool's
    /// buffers, a call allocates its own (a few allocations per call, whatever its size).
    ///
    /// # Errors
    ///
    /// The future resolves to the error [`send_and_receive`](ItemPool::send_and_receive)
    /// returns: the first error among the requests, in request order (the others were still
    /// answered). Called on a pool thread, it makes the blocking call at once, as
    /// [`send_and_receive_once_async`](ItemPool::send_and_receive_once_async) does.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item {
    /// #     pub fn new(id: u64) -> Self { Item { id } }
    /// #     #[messaging(DoubleRequest, DoubleResponse)] pub fn double(&self) -> u64 { 2 * self.id }
    /// # }
    /// let pool = spindle_pool::ItemPool::<Item>::new(2).unwrap();
    /// let doubled = futures::executor::block_on(async {
    ///     pool.send_and_receive_async((0..4).map(ItemInit)).await?;
    ///     pool.send_and_receive_async((0..4).map(DoubleRequest)).await
    /// })?;
    /// let doubled: Vec<u64> = doubled.into_iter().map(|r| r.result).collect();
    /// assert_eq!(doubled, [0, 2, 4, 6]);
    /// # Ok::<(), spindle_pool::PoolError>(())
    /// ```
    pub fn send_and_receive_async<T: RequestWithResponse<P> + 'static>(
        &self,
        requests: impl IntoIterator<Item = T>,
    ) -> ResponsesFuture<P, T> {
        if thread::current().is_some() {
            return ResponsesFuture::ready(self.send_and_receive(requests).map(Iterator::collect));
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
        // One batch per thread with requests; `route` then names each request's batch.
        let mut batch_of = vec![u32::MAX; threads];
        let mut batches = 0;
        for (thread, requests) in per_thread.iter().enumerate() {
            if !requests.is_empty() {
                batch_of[thread] = batches;
                batches += 1;
            }
        }
        for index in &mut route {
            *index = batch_of[*index as usize];
        }
        let call = Call::many(per_thread.into_iter().filter(|r| !r.is_empty()));
        for (thread, &index) in batch_of.iter().enumerate() {
            if index != u32::MAX {
                Call::send(&call, &self.shared, index as usize, thread);
            }
        }
        ResponsesFuture::sent(call, route)
    }
}
