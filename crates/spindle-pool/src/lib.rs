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
//! use spindle_pool::{pool_item, IdTargeted, ThreadPool};
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
//! let pool = ThreadPool::<Session>::new(2);
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
//!   serving), a request after shutdown: each is a [`PoolError`] for that request alone.
//! - **Shutdown** answers what was already sent, then runs every item's shutdown hook on its
//!   own thread, in id order, and reports each thread's items ([`ThreadShutdownResponse`]).
//! - **Tests without threads**: code written against [`SenderAndReceiver`] runs on a
//!   [`SenderAndReceiverMock`] that checks requests and returns canned responses.
//!
//! `ThreadPool::new` panics on zero threads, as messaging_thread_pool's does, so the seed's
//! examples run unchanged; [`ThreadPool::try_new`] and the [`Builder`] return a [`BuildError`].
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
//! use spindle_pool::{pool_item, IdTargeted, ThreadPool};
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
//!     let pool = ThreadPool::<Counter>::new(1);
//!     pool.send_and_receive((0..2).map(CounterInit)).unwrap() // borrows `pool`
//! };
//! ```

#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod error;
mod hasher;
mod item;
mod job;
mod mock;
mod pool;
mod primitive;
mod thread;

pub use error::{BuildError, PoolError};
pub use item::{
    AddResponse, IdTargeted, IntoReply, Message, NewPoolItemError, PoolItem, RemovePoolItemRequest,
    RemovePoolItemResponse, Reply, RequestWithResponse, ThreadShutdownResponse,
};
pub use mock::{SenderAndReceiver, SenderAndReceiverMock};
pub use pool::{Builder, Responses, ThreadPool};
pub use spindle_macros::pool_item;

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
