//! Lock-free multi-producer multi-consumer FIFO queues, the foundation of Spindle.
//!
//! | type | capacity | memory | when to use |
//! |---|---|---|---|
//! | [`Queue`] | unbounded | segments of [`Queue::SEGMENT_CAPACITY`] values, recycled | producers must never be refused |
//! | [`BoundedQueue`] | fixed | one array, allocated up front | backpressure, hard memory bound |
//! | [`EventCount`] | – | none per wait | blocking on any condition without lost wake-ups |
//!
//! Both are `Send + Sync` for `T: Send`, keep per-producer FIFO order, drop the values still in
//! them exactly once when dropped, and work with zero-sized `T`.
//!
//! # Design and trade-offs
//!
//! [`Queue`] is crossbeam's `SegQueue` protocol (one CAS on an index claims a slot; a state word
//! per slot hands the value over; a drained segment is retired by the last of its readers) with
//! one change: a retired segment goes onto a stack of spares and the producer that fills a
//! segment takes its successor from there. `SegQueue` allocates and frees a 31-slot block every
//! 31 items (crossbeam#398); a [`Queue`] whose length stays within its retained capacity
//! allocates nothing after warm-up, and [`Queue::with_capacity`] allocates nothing after
//! construction. The cost is memory: up to the retained capacity stays allocated after a burst
//! (bounded by [`Queue::with_retained_capacity`]).
//!
//! [`BoundedQueue`] is Dmitry Vyukov's bounded MPMC ring: a turn stamp per slot, a CAS on the
//! tail to push and on the head to pop, head and tail on separate cache lines. A full queue
//! hands the value back ([`PushError`]), or [`BoundedQueue::force_push`] evicts the oldest.
//!
//! `push` and `pop` never block: `pop` on an empty queue returns `None` at once, and under
//! contention a thread retries with exponential backoff (`crossbeam_utils::Backoff`).
//!
//! # Blocking, closing, and [`EventCount`]
//!
//! Both queues also block when asked to: `pop_blocking` / `pop_timeout` wait while the queue is
//! empty, [`BoundedQueue::push_blocking`] / [`BoundedQueue::push_timeout`] while it is full,
//! and `close` makes later pushes fail with the value handed back ([`Closed`]) while poppers
//! drain what got in before and then get [`Closed`]. The close is a mark bit in the tail
//! index, so it and a push are ordered by one CAS: no value slips in after it.
//!
//! Waiting goes through [`EventCount`], which the executor, actor runtime and pool use too: a
//! waiter re-checks its condition a bounded number of times (spin hints, then yields), then
//! links a node on its own stack into a wait list, re-checks once more and parks. A
//! notification is one `SeqCst` load while nobody waits, so the non-blocking operations, which
//! notify the other side on every success, stay as fast as before. With more threads than
//! cores, parking hands the core to the thread that can make progress, where spinning would
//! burn it: that is where the blocking queues beat crossbeam-channel (see the benches).
//!
//! # Waiting across parts
//!
//! The queues are the bottom layer: their blocking ends (`pop_blocking`, `push_blocking` and the
//! `_timeout` forms) park the calling thread and nothing else. Called from a thread of another
//! Spindle part (an executor worker, an actor shard, an item-pool thread), that thread stops
//! serving its own part until a value (or room) arrives; nothing detects a producer that is itself
//! waiting on that thread. So from such a thread prefer the non-blocking `push`/`pop`, or the
//! `_timeout` forms, which return [`PopTimeoutError`]/[`PushTimeoutError`] instead of waiting
//! forever. A close ([`Queue::close`], [`BoundedQueue::close`]) releases every blocked end at
//! once with [`Closed`]. The parts above keep their own promises for waits between them (see
//! each crate's "Waiting across parts").
//!
//! # From async code
//!
//! Both queues have async ends beside the blocking ones: [`Queue::pop_async`],
//! [`BoundedQueue::pop_async`] and [`BoundedQueue::push_async`] return futures that work under
//! any runtime (they use `std::task` only), allocate nothing per wait, and mix freely with the
//! blocking and non-blocking operations on the same queue: sync producer threads can feed async
//! consumer tasks and the reverse. [`close`](Queue::close) wakes async waiters as it wakes
//! blocked threads. They are cancellation-safe: a dropped pop took no value, a dropped push
//! handed nothing to the queue. With the `futures` feature (futures-core only), `stream()` on
//! either queue gives a `Stream` over a queue reference.
//!
//! ```
//! use std::sync::Arc;
//! use spindle_queue::BoundedQueue;
//!
//! let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let q = Arc::new(BoundedQueue::new(16).unwrap());
//! // An async producer task and a consumer thread that blocks.
//! let producer = {
//!     let q = Arc::clone(&q);
//!     runtime.spawn(async move {
//!         for i in 0..100 {
//!             q.push_async(i).await.unwrap();
//!         }
//!         q.close();
//!     })
//! };
//! let sum: u32 = std::iter::from_fn(|| q.pop_blocking().ok()).sum();
//! assert_eq!(sum, 4950);
//! runtime.block_on(producer).unwrap();
//! ```
//!
//! # Checking
//!
//! Every atomic and cell goes through one shim module, so under `--cfg spindle_loom` (run by
//! `cargo xtask loom`) loom explores the real code's interleavings, with segments shrunk to two
//! slots. `cargo xtask miri` runs the tests under Miri where a nightly toolchain has it.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//! use spindle_queue::Queue;
//!
//! let q = Arc::new(Queue::new());
//! let producers: Vec<_> = (0..4)
//!     .map(|p| {
//!         let q = Arc::clone(&q);
//!         thread::spawn(move || (0..100).for_each(|i| q.push(p * 100 + i).unwrap()))
//!     })
//!     .collect();
//! producers.into_iter().for_each(|h| h.join().unwrap());
//! let mut all: Vec<i32> = std::iter::from_fn(|| q.pop()).collect();
//! all.sort();
//! assert_eq!(all, (0..400).collect::<Vec<_>>());
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod blocking;
mod bounded;
mod error;
mod future;
mod iter;
mod segment;
mod spares;
mod unbounded;

pub use bounded::{BoundedIntoIter, BoundedQueue};
pub use error::{CapacityError, PopTimeoutError, PushError, PushTimeoutError};
#[cfg(feature = "futures")]
#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
pub use future::PopStream;
pub use future::{PopFuture, PushFuture};
/// The toolkit's one "refused, value handed back" error, from spindle-utils: a push into a
/// closed queue hands its value back in `.0`; a blocking pop that found the queue closed and
/// drained returns `Closed<()>`.
///
/// ```
/// use spindle_queue::{Closed, Queue};
///
/// let q = Queue::new();
/// q.push(1).unwrap();
/// q.close();
/// assert_eq!(q.push(2), Err(Closed(2)));
/// assert_eq!(q.pop_blocking(), Ok(1)); // what was pushed before the close is still delivered
/// assert_eq!(q.pop_blocking(), Err(Closed(())));
/// ```
pub use spindle_utils::Closed;
/// The waiting primitive, from spindle-utils (re-exported here, where it used to live).
pub use spindle_utils::{DEFAULT_SPIN_LIMIT, EventCount};
pub use unbounded::into_iter::IntoIter;
pub use unbounded::{DEFAULT_RETAINED_BYTES, DEFAULT_RETAINED_CAPACITY, Queue};
