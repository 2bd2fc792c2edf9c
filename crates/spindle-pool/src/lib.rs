//! A typed pool of stateful items pinned to threads and addressed by id: messaging_thread_pool's
//! job, with its API, at a fraction of its cost per message.
//!
//! Items may hold `Rc`, `RefCell`, raw handles: each is built on one pool thread and lives there
//! until removed or the pool shuts down. Callers reach an item by id with typed requests that
//! `#[pool_item]` generates from its methods, and get typed responses back.
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use spindle_pool::{pool_item, IdTargeted, ItemPool};
//!
//! #[derive(Debug)]
//! pub struct Session { id: u64, log: Rc<RefCell<Vec<String>>> }
//! impl IdTargeted for Session { fn id(&self) -> u64 { self.id } }
//!
//! #[pool_item]
//! impl Session {
//!     pub fn new(id: u64) -> Self { Session { id, log: Rc::default() } }
//!
//!     #[messaging(LogRequest, LogResponse)]
//!     pub fn log(&self, action: String) -> usize {
//!         self.log.borrow_mut().push(action);
//!         self.log.borrow().len()
//!     }
//! }
//!
//! let pool = ItemPool::<Session>::new(2).unwrap();
//! pool.send_and_receive_once(SessionInit(1))?;
//! let n = pool.send_and_receive_once(LogRequest(1, "login".into()))?.result;
//! assert_eq!(n, 1);
//! # Ok::<(), spindle_pool::PoolError>(())
//! ```
//!
//! # Design and trade-offs
//!
//! - **One inbox per thread, one batch per thread per call.** A call routes each request to its
//!   item's thread (`id % threads` unless [`PoolItem::id_thread_router`] says otherwise) and
//!   hands each thread one batch on the caller's stack through a lock-free spindle-queue
//!   [`Queue`](spindle_queue::Queue). The thread answers the whole batch into room the caller
//!   reserved and counts a latch down; the caller waits once, spinning briefly then parking on
//!   [`EventCount`](spindle_queue::EventCount), the waiting primitive all of Spindle shares.
//!   messaging_thread_pool creates a channel per call, sends one channel message per request
//!   and one back, and opens tracing spans on the way; none of that happens here.
//! - **Responses in request order**, whatever thread answered them.
//! - **Faults are values.** An unknown id, a duplicate id (the constructor does not run), a
//!   constructor error, a panicking item (it is removed; its thread and the other items keep
//!   serving), a request after shutdown: each is a [`PoolError`] for that request alone. All
//!   user code a pool thread runs is contained: methods, constructors, shutdown hooks, `id()`,
//!   and the `Drop` of requests, inits and items (a refused request is dropped inside
//!   `catch_unwind` too); whatever panics, the caller gets its answer or a typed error and the
//!   thread keeps serving.
//! - **Retained memory is bounded.** The buffers a call uses are kept for the next calls up to
//!   16 MiB per pool (all retained sets together; calls of up to about 200 000 small requests
//!   reuse them and allocate nothing once warm); a larger call's buffers are freed when it
//!   ends.
//! - **Shutdown** answers what was already sent, then runs every item's shutdown hook on its
//!   own thread, in id order, and reports each thread's items ([`ThreadShutdownResponse`]).
//! - **Tests without threads**: code written against [`SenderAndReceiver`] runs on a
//!   [`SenderAndReceiverMock`] that checks requests and returns canned responses.
//!
//! # Waiting across parts
//!
//! An item's method or constructor may call any pool, its own included, with
//! `send_and_receive*`. While it waits, **its thread keeps answering its own inbox**: the
//! requests for the thread's other items are served from inside the wait, so chains of calls
//! between item pools that come back to a waiting thread (A → B → A, A → B → C → A, with any
//! number of threads) complete instead of deadlocking. The waiting thread wakes both when its
//! answer arrives and when its inbox gets a batch.
//!
//! - A request that reaches **the item that is waiting** (its call is on its thread's stack,
//!   so running it would be re-entrant) is refused with [`PoolError::ItemBusy`], whoever sent
//!   it: the thread cannot tell a cycle back into the item from an unrelated caller. So is an
//!   `Init` or a removal for an id whose constructor is waiting. Nothing is run re-entrantly.
//! - Serving from inside a wait nests: each level is a call of a different item, so the depth
//!   is bounded by the thread's items (and constructors in flight), but deep chains use stack.
//! - A shutdown hook's calls wait plainly: by then the thread's inbox is closed and drained,
//!   and a call back into a shut-down pool gets [`PoolError::ShutDown`].
//! - **Not covered:** a pool thread waiting on another kind of Spindle part (the executor's
//!   `install`/`join`, `Shards`, a queue's blocking pop, a `JoinHandle`) or on anything else
//!   (a channel, a lock) makes a plain blocking wait, during which its items are not served;
//!   nor does [`ItemPool::shutdown`] of another pool from an item (it joins that pool's
//!   threads). Keep cycles through those out of item code.
//!
//! # From async code
//!
//! [`ItemPool::send_and_receive_once_async`] and [`ItemPool::send_and_receive_async`] send at
//! once and return a future ([`ResponseFuture`], [`ResponsesFuture`]) of what the blocking
//! call would return, errors included. The futures need no runtime of their own (`std::task`
//! only) and never block their thread: the pool thread that answers last wakes the awaiting
//! task. They do not borrow the pool, so a task can be spawned with one. Dropping one
//! withdraws nothing and waits for nothing: the requests are still answered and the responses
//! dropped. An async call allocates the state it shares with the pool threads (one allocation
//! for a single request), where a blocking call reuses the pool's buffers.
//!
//! ```
//! use std::sync::Arc;
//! use spindle_pool::{pool_item, IdTargeted, ItemPool, PoolError};
//!
//! #[derive(Debug)]
//! pub struct Account { id: u64, balance: i64 }
//! impl IdTargeted for Account { fn id(&self) -> u64 { self.id } }
//!
//! #[pool_item]
//! impl Account {
//!     pub fn new(id: u64) -> Self { Account { id, balance: 0 } }
//!
//!     #[messaging(DepositRequest, DepositResponse)]
//!     pub fn deposit(&mut self, amount: i64) -> i64 {
//!         self.balance += amount;
//!         self.balance
//!     }
//! }
//!
//! let pool = Arc::new(ItemPool::<Account>::new(2).unwrap());
//! let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let balances = runtime.block_on(async {
//!     pool.send_and_receive_async((0..4).map(AccountInit)).await?;
//!     let tasks: Vec<_> = (0..4)
//!         .map(|id| {
//!             let pool = Arc::clone(&pool);
//!             tokio::spawn(async move {
//!                 pool.send_and_receive_once_async(DepositRequest(id, 10)).await?;
//!                 Ok::<i64, PoolError>(pool.send_and_receive_once_async(DepositRequest(id, 5)).await?.result)
//!             })
//!         })
//!         .collect();
//!     let mut balances = Vec::new();
//!     for task in tasks {
//!         balances.push(task.await.unwrap()?);
//!     }
//!     Ok::<_, PoolError>(balances)
//! })?;
//! assert_eq!(balances, [15, 15, 15, 15]);
//! # Ok::<(), PoolError>(())
//! ```
//!
//! Called on a pool thread (from an item), the async calls make the blocking call at once,
//! serving the thread's inbox while they wait ([Waiting across parts](#waiting-across-parts)),
//! and return a ready future.
//!
//! # Errors at construction
//!
//! [`ItemPool::new`] and the [`ItemPoolBuilder`] return a [`BuildError`] (zero threads, more
//! than a pool can hold, a thread or stack size the OS refuses) and never panic.
//!
//! # Porting from messaging_thread_pool
//!
//! [`compat`] holds messaging_thread_pool's names: replace its `use` lines with
//! `use spindle_pool::compat::{...}`. Its [`ThreadPool`](compat::ThreadPool) wraps an
//! [`ItemPool`] with messaging_thread_pool's constructor, `ThreadPool::<P>::new(n)`, which
//! returns the pool and panics on a bad thread count.
//!
//! # What does not compile
//!
//! Items stay on their thread, but their requests and responses cross threads by value, so
//! they must be `Send`. A `#[messaging]` method taking an `Rc` would make its request type
//! carry one:
//!
//! ```compile_fail,E0277
//! use std::rc::Rc;
//! use spindle_pool::{pool_item, IdTargeted};
//!
//! #[derive(Debug)]
//! pub struct Counter { id: u64, total: u64 }
//! impl IdTargeted for Counter { fn id(&self) -> u64 { self.id } }
//!
//! #[pool_item]
//! impl Counter {
//!     pub fn new(id: u64) -> Self { Counter { id, total: 0 } }
//!
//!     #[messaging(AddRequest, AddResponse)]
//!     pub fn add(&mut self, amount: Rc<u64>) -> u64 { // `AddRequest` is not `Send`
//!         self.total += *amount;
//!         self.total
//!     }
//! }
//! ```
//!
//! and one returning an `Rc` would hand the item's non-`Send` state to the caller's thread:
//!
//! ```compile_fail,E0277
//! use std::rc::Rc;
//! use spindle_pool::{pool_item, IdTargeted};
//!
//! #[derive(Debug)]
//! pub struct Counter { id: u64, total: Rc<u64> }
//! impl IdTargeted for Counter { fn id(&self) -> u64 { self.id } }
//!
//! #[pool_item]
//! impl Counter {
//!     pub fn new(id: u64) -> Self { Counter { id, total: Rc::new(0) } }
//!
//!     #[messaging(ShareRequest, ShareResponse)]
//!     pub fn share(&self) -> Rc<u64> { // `ShareResponse` is not `Send`
//!         Rc::clone(&self.total)
//!     }
//! }
//! ```
//!
//! The [`Responses`] of a call borrow the pool (they reuse its buffers), so they cannot
//! outlive it:
//!
//! ```compile_fail,E0597
//! use spindle_pool::{pool_item, IdTargeted, ItemPool};
//!
//! #[derive(Debug)]
//! pub struct Counter { id: u64 }
//! impl IdTargeted for Counter { fn id(&self) -> u64 { self.id } }
//!
//! #[pool_item]
//! impl Counter {
//!     pub fn new(id: u64) -> Self { Counter { id } }
//! }
//!
//! let responses = {
//!     let pool = ItemPool::<Counter>::new(1).unwrap();
//!     pool.send_and_receive((0..2).map(CounterInit)).unwrap() // borrows `pool`
//! };
//! ```

#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod async_send;
mod builder;
pub mod compat;
mod error;
mod hasher;
pub mod id_provider;
mod item;
mod job;
mod mock;
mod pool;
mod primitive;
mod thread;

pub use async_send::{ResponseFuture, ResponsesFuture};
#[allow(deprecated)]
pub use builder::Builder;
pub use builder::ItemPoolBuilder;
pub use error::PoolError;
pub use item::{
    AddResponse, IdTargeted, IntoReply, Message, NewPoolItemError, PoolItem, RemovePoolItemRequest,
    RemovePoolItemResponse, Reply, RequestWithResponse, ThreadShutdownResponse,
};
pub use mock::{SenderAndReceiver, SenderAndReceiverMock};
pub use pool::{ItemPool, Responses};
#[doc = include_str!("pool_item.md")]
pub use spindle_macros::pool_item;
pub use spindle_utils::{BuildError, MAX_THREADS, Panic};

#[doc(hidden)]
pub mod __private {
    //! Support for the code `#[pool_item]` generates. Not a public API.

    /// A reply of the wrong kind reached `from_reply`: a mock was given the wrong response.
    #[cold]
    #[track_caller]
    pub fn wrong_reply<R>() -> ! {
        panic!(
            "a response of another kind was given where a response to {} was expected",
            std::any::type_name::<R>()
        )
    }
}
