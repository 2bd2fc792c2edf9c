//! messaging_thread_pool's names, for code ported from it: `use spindle_pool::compat::*` (or
//! the names one by one) in place of `use messaging_thread_pool::*` and
//! `use messaging_thread_pool_macros::pool_item`, and the code compiles as it was written.
//!
//! The one difference in shape is the pool itself: messaging_thread_pool's
//! `ThreadPool::<P>::new(n)` returns a pool and panics on a bad thread count, where
//! [`ItemPool::new`] returns a `Result`. [`ThreadPool`] here is a thin wrapper over
//! [`ItemPool`] with messaging_thread_pool's constructor; everything else is the pool's own
//! (through `Deref`), and [`into_inner`](ThreadPool::into_inner) or `From` converts between
//! the two. New code should use [`ItemPool`] directly.
//!
//! Besides the names Spindle shares with messaging_thread_pool (re-exported here), this module
//! holds its message enums, [`ThreadRequestResponse`] and [`RequestResponse`], which convert to
//! and from Spindle's [`Message`](crate::Message) and [`Reply`](crate::Reply), and its module
//! paths: [`request_with_response::RequestWithResponse`],
//! [`id_provider::id_provider_mutex::IdProviderMutex`], [`request_response`] and
//! [`thread_request_response`]. Its `ThreadShutdown`, `ThreadAbort` and `ThreadEcho`
//! messages are not provided: use [`ItemPool::shutdown`] (or drop the pool).
//!
//! A hand-written `Init` request needs only `type Response = AddResponse` in its
//! [`RequestWithResponse`] impl (the default methods do the rest), and its `From` impl into
//! [`ThreadRequestResponse`] compiles as written for messaging_thread_pool:
//!
//! ```
//! use std::marker::PhantomData;
//! use spindle_pool::compat::*;
//!
//! #[derive(Debug)]
//! pub struct Batch<P: Send + 'static> { id: u64, size: usize, _pool: PhantomData<P> }
//! impl<P: Send + 'static> IdTargeted for Batch<P> { fn id(&self) -> u64 { self.id } }
//!
//! /// The batch's own `Init`: its id and its size.
//! #[derive(Debug)]
//! pub struct BatchAddRequest<P> { id: u64, size: usize, _pool: PhantomData<fn() -> P> }
//! impl<P> IdTargeted for BatchAddRequest<P> { fn id(&self) -> u64 { self.id } }
//! impl<P: Send + 'static> RequestWithResponse<Batch<P>> for BatchAddRequest<P> {
//!     type Response = AddResponse;
//! }
//! impl<P: Send + 'static> From<BatchAddRequest<P>> for ThreadRequestResponse<Batch<P>> {
//!     fn from(request: BatchAddRequest<P>) -> Self {
//!         ThreadRequestResponse::<Batch<P>>::AddPoolItem(RequestResponse::Request(request))
//!     }
//! }
//!
//! #[pool_item(Init = "BatchAddRequest<P>")]
//! impl<P: Send + 'static> Batch<P> {
//!     pub fn new(init: BatchAddRequest<P>) -> Self {
//!         Batch { id: init.id, size: init.size, _pool: PhantomData }
//!     }
//!     #[messaging(SizeRequest, SizeResponse)]
//!     pub fn size(&self) -> usize { self.size }
//! }
//!
//! let pool = ThreadPool::<Batch<u8>>::new(2);
//! let added = pool.send_and_receive_once(BatchAddRequest { id: 3, size: 9, _pool: PhantomData })?;
//! assert_eq!(added.result(), Ok(&3));
//! assert_eq!(pool.send_and_receive_once(SizeRequest(3, PhantomData))?.result, 9);
//! # Ok::<(), PoolError>(())
//! ```
//!
//! # messaging_thread_pool 5.0.3, name by name
//!
//! Every public item that messaging_thread_pool's README, its docs' examples, its `samples`
//! module and its tests use. Checked by building its own tests, samples and doc examples
//! against this module with only their `use` lines changed: all 15 test functions, the
//! samples' unit tests and every doc example pass (the one README snippet that continues the
//! one before it does not compile on its own, for messaging_thread_pool either).
//!
//! | messaging_thread_pool | Spindle | status |
//! |---|---|---|
//! | `ThreadPool<P>`, `ThreadPool::new(u64)` | [`ThreadPool`] (wraps [`ItemPool`]) | same; panics on a bad thread count, as there |
//! | `ThreadPool::send_and_receive(iter)` | [`ItemPool::send_and_receive`] | same call; responses come in request order (there: completion order); errors are a [`PoolError`] (there: a channel's `SendError`) |
//! | `ThreadPool::send_and_receive_once` | [`ItemPool::send_and_receive_once`] | same |
//! | `ThreadPool::shutdown`, `thread_count` | [`ItemPool::shutdown`], [`ItemPool::thread_count`] | same; every item's shutdown hook runs, each in containment |
//! | `SenderAndReceiver<P>`: `send_and_receive`, `send_and_receive_one` | [`SenderAndReceiver`] | same (plus `send_and_receive_once`); takes any `IntoIterator` |
//! | `SenderAndReceiverMock<P, T>`: `new`, `new_with_expected_requests`, `was_called`, `is_complete`, `assert_is_complete`, `Debug`, `Default` | [`SenderAndReceiverMock`] | same; out of responses: fewer responses, and [`PoolError::MockExhausted`] from `send_and_receive_one` |
//! | `#[pool_item]`, `#[messaging(Req, Resp)]`, `Init = ".."`, `Shutdown = ".."` | [`pool_item`] | same; generic impls too (type parameters, bounds, `where` clauses); lifetime and const parameters are refused with an error |
//! | generated `XInit(id)`, `Req(id, args..)`, `Resp { id, result }`, `XApi` | the same | same; when the impl is generic each takes its parameters and ends with a `PhantomData` (`Req(id, args.., PhantomData)`, `Resp { id, result, phantom }`), as there |
//! | `IdTargeted` | [`IdTargeted`] | same |
//! | `PoolItem` | [`PoolItem`] | same name; its methods differ (written by `#[pool_item]` in both) |
//! | `RequestWithResponse<P>` with only `type Response`, for an `Init` of one's own | [`RequestWithResponse`] | same: the default methods handle an `Init`; [`request_with_response::RequestWithResponse`] path too |
//! | `ThreadRequestResponse<P>`: `AddPoolItem`, `RemovePoolItem`, `MessagePoolItem`, `From`/`.into()` | [`ThreadRequestResponse`] | same, plus `MessagePoolItemResponse` (responses live outside the `Api` enum here); no `ThreadShutdown`/`ThreadAbort`/`ThreadEcho`: use `shutdown()` |
//! | `RequestResponse<P, T>`: `Request`, `Response`, `new`, `request` | [`RequestResponse`] | same |
//! | `AddResponse::new(id, result)`, `id`, `result` | [`AddResponse`] | same; a Spindle pool reports a failed constructor as a [`PoolError`] from the call, so its `result()` is always `Ok` |
//! | `RemovePoolItemRequest(id)`, `RemovePoolItemResponse::{new, id, item_existed}` | [`RemovePoolItemRequest`], [`RemovePoolItemResponse`] | same |
//! | `ThreadShutdownResponse::{new, thread_id, children, take_children}` | [`ThreadShutdownResponse`] | same, plus the items each thread held and those that panicked |
//! | `id_provider::{IdProvider, id_provider_mutex::IdProviderMutex, id_provider_static::IdProviderStatic}` | [`id_provider`] | same paths, `new`, `next_id`, `peek_next_id`, `Clone` |
//! | `NewPoolItemError` | [`NewPoolItemError`] | same; reaches the caller as [`PoolError::NewItem`] |
//! | `samples` (`Randoms`, `RandomsBatch`, `UserSession`, `ChatRoom`) | — | not provided: messaging_thread_pool's examples; Spindle's are in its docs and tests |
//! | `api_specification!` (the legacy macro), `global_test_scope`, `tracing` output | — | not provided |
//!
//! # Examples
//!
//! ```
//! use spindle_pool::compat::{pool_item, IdTargeted, ThreadPool};
//!
//! #[derive(Debug)]
//! pub struct Greeter { id: u64 }
//! impl IdTargeted for Greeter { fn id(&self) -> u64 { self.id } }
//!
//! #[pool_item]
//! impl Greeter {
//!     pub fn new(id: u64) -> Self { Greeter { id } }
//!     #[messaging(GreetRequest, GreetResponse)]
//!     pub fn greet(&self) -> String { format!("hello from {}", self.id) }
//! }
//!
//! let thread_pool = ThreadPool::<Greeter>::new(2); // a pool, as in messaging_thread_pool
//! thread_pool.send_and_receive_once(GreeterInit(1)).unwrap();
//! let reply = thread_pool.send_and_receive_once(GreetRequest(1)).unwrap();
//! assert_eq!(reply.result, "hello from 1");
//! assert_eq!(thread_pool.thread_count(), 2);
//! ```

use std::ops::Deref;

use crate::pool::ItemPool;

pub use crate::error::PoolError;
pub use crate::id_provider;
pub use crate::item::{
    AddResponse, IdTargeted, NewPoolItemError, PoolItem, RemovePoolItemRequest,
    RemovePoolItemResponse, RequestWithResponse, ThreadShutdownResponse,
};
pub use crate::mock::{SenderAndReceiver, SenderAndReceiverMock};
pub use request_response::RequestResponse;
pub use spindle_macros::pool_item;
pub use thread_request_response::ThreadRequestResponse;

pub mod request_response;
pub mod thread_request_response;

pub mod request_with_response {
    //! messaging_thread_pool's `request_with_response` module path, for
    //! `request_with_response::RequestWithResponse`.
    //!
    //! ```
    //! use spindle_pool::compat::{request_with_response, RemovePoolItemRequest};
    //! # #[derive(Debug)] pub struct Item { id: u64 }
    //! # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    //! # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    //! fn is_a_request<T: request_with_response::RequestWithResponse<Item>>(_: &T) {}
    //! is_a_request(&RemovePoolItemRequest(1));
    //! ```
    pub use crate::item::RequestWithResponse;
}

/// messaging_thread_pool's `ThreadPool`: an [`ItemPool`] whose [`new`](ThreadPool::new)
/// returns the pool itself and panics on a bad thread count, as messaging_thread_pool's does.
///
/// It dereferences to the [`ItemPool`], so every method of the pool is there
/// (`send_and_receive`, `send_and_receive_once`, `shutdown`, `thread_count`, ...), and it is a
/// [`SenderAndReceiver`] like the pool.
///
/// ```
/// # #[derive(Debug)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
/// use spindle_pool::{ItemPool, compat::ThreadPool};
///
/// let pool = ThreadPool::<Item>::new(2);
/// assert_eq!(pool.num_threads(), 2);
/// let pool: ItemPool<Item> = pool.into_inner();
/// let pool = ThreadPool::from(pool);
/// # drop(pool);
/// ```
pub struct ThreadPool<P: PoolItem + 'static>(ItemPool<P>);

impl<P: PoolItem + 'static> ThreadPool<P> {
    /// A pool of `thread_pool_size` threads. The count is a `u64`, as in messaging_thread_pool
    /// ([`ItemPool::new`] takes a `usize`).
    ///
    /// # Panics
    ///
    /// If the pool cannot be built: zero threads, more than [`MAX_THREADS`](crate::MAX_THREADS),
    /// or a thread the OS refuses to start (messaging_thread_pool panics on these too). Use
    /// [`ItemPool::new`] to get the [`BuildError`](crate::BuildError) instead.
    ///
    /// ```should_panic
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::compat::ThreadPool::<Item>::new(0); // panics
    /// ```
    #[track_caller]
    pub fn new(thread_pool_size: u64) -> Self {
        // Past `usize::MAX` (on a 32-bit target) is past `MAX_THREADS` too: the same refusal.
        let threads = usize::try_from(thread_pool_size).unwrap_or(usize::MAX);
        match ItemPool::new(threads) {
            Ok(pool) => ThreadPool(pool),
            Err(e) => panic!("could not build a pool of {thread_pool_size} threads: {e}"),
        }
    }

    /// The [`ItemPool`] inside.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::compat::ThreadPool::<Item>::new(1).into_inner();
    /// assert_eq!(pool.num_threads(), 1);
    /// ```
    pub fn into_inner(self) -> ItemPool<P> {
        self.0
    }
}

impl<P: PoolItem + 'static> Deref for ThreadPool<P> {
    type Target = ItemPool<P>;

    fn deref(&self) -> &ItemPool<P> {
        &self.0
    }
}

impl<P: PoolItem + 'static> From<ItemPool<P>> for ThreadPool<P> {
    fn from(pool: ItemPool<P>) -> Self {
        ThreadPool(pool)
    }
}

impl<P: PoolItem + 'static> From<ThreadPool<P>> for ItemPool<P> {
    fn from(pool: ThreadPool<P>) -> Self {
        pool.0
    }
}

impl<P: PoolItem + 'static> std::fmt::Debug for ThreadPool<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ThreadPool").field(&self.0).finish()
    }
}

impl<P: PoolItem + 'static> SenderAndReceiver<P> for ThreadPool<P> {
    fn send_and_receive<'a, T: RequestWithResponse<P> + 'static>(
        &'a self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Box<dyn Iterator<Item = T::Response> + 'a>, PoolError> {
        SenderAndReceiver::send_and_receive(&self.0, requests)
    }

    fn send_and_receive_once<T: RequestWithResponse<P> + 'static>(
        &self,
        request: T,
    ) -> Result<T::Response, PoolError> {
        self.0.send_and_receive_once(request)
    }
}
