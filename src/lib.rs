//! Spindle: a Rust concurrency toolkit.
//!
//! This facade re-exports Spindle's crates, each behind a cargo feature of the same name (all
//! on by default). A program that needs one part can depend on that crate alone: spindle-queue
//! pulls in nothing else of Spindle, spindle-actor only spindle-queue, and none of them a
//! proc-macro or a bench dependency (only spindle-pool uses its own `#[pool_item]` macro).
//!
//! | module | crate | feature | what it is |
//! |---|---|---|---|
//! | [`queue`] | `spindle-queue` | `queue` | lock-free MPMC FIFO queues, unbounded and bounded, blocking or not, and `EventCount`, the parking primitive every part shares |
//! | [`executor`] | `spindle-executor` | `executor` | a work-stealing thread pool: `spawn`, `join`, `scope`, zero-allocation batches into caller memory |
//! | [`actor`] | `spindle-actor` | `actor` | single-threaded actor runtimes on a flat call queue, timers, calls from other threads, offload to the executor, shards |
//! | [`pool`] | `spindle-pool` + `spindle-macros` | `pool` | stateful, non-`Send` items pinned to threads and addressed by id, generated with `#[pool_item]` |
//!
//! # Which part do I need?
//!
//! - **Data parallelism** (a loop over a big slice, a recursive divide-and-conquer, many
//!   independent tasks): the [`executor`]. On the project's 2-core machine a scope of 1000 tiny
//!   tasks costs 0.4× rayon's time, a 100k-element map into a caller `Vec` 0.54× rayon's
//!   `par_iter_mut`, and a `join` 0.5× rayon's.
//! - **Stateful objects that talk by messages, on one thread** (a protocol, a simulation, a
//!   server's connection logic): the [`actor`] runtime. A call costs about 3 ns queued from
//!   outside and 7 ns chained (Stakker: 7 ns), a timer about 45 ns (Stakker: 75–90 ns), with no
//!   allocation. Heavy work goes to the executor with `cx.offload`; more cores, more runtimes
//!   with [`actor::Shards`].
//! - **Many stateful objects that are not `Send`** (`Rc`, `RefCell`, FFI handles), addressed by
//!   id from any thread: the [`pool`]. A batch costs about 13–19 ns per message
//!   (messaging_thread_pool: about 100 ns), a round trip about 0.2 µs (0.8–1.9 µs), and two
//!   threads beat one from about 100 ns of work per request.
//! - **Just a channel between threads**: the [`queue`]s. Unbounded MPMC at 0.5× crossbeam's
//!   `SegQueue` time under contention; blocking pipelines at 0.3–0.7× crossbeam-channel's.
//!
//! # Waiting across parts
//!
//! Each part keeps one promise for waits between instances of itself, and each crate's docs
//! have a "Waiting across parts" section with the details:
//!
//! - **executor ↔ executor**: a worker that waits on another pool (`install`, `join`, `scope`,
//!   batches, `JoinHandle::join`) keeps running its own pool's jobs, so any cycle of waits
//!   between pools completes.
//! - **item pool ↔ item pool**: a pool thread whose item waits on another pool keeps serving
//!   its other items; a request that reaches the waiting item itself gets
//!   `PoolError::ItemBusy` instead of running re-entrantly.
//! - **shards ↔ shards**: a shard thread never blocks on another shard: the blocking spawn is
//!   refused there with a typed `ShardError`, and actors use the non-blocking form.
//! - **queues**: the blocking ends park the calling thread; use the `_timeout` forms from a
//!   thread of another part.
//!
//! A wait from one *kind* of part into another (an actor calling an item pool whose items run
//! on the executor, as `tests/crossings.rs` does) is a plain blocking wait of the calling
//! thread: chains complete, but a cycle that passes through two kinds of part (an executor
//! worker waiting on an item pool whose item waits on that same executor) is not detected.
//!
//! Spindle is an in-process library. Past one machine, run one Spindle process per node under
//! your cluster scheduler and shard work between them, as you would between [`actor::Shards`].
//!
//! # Examples
//!
//! ```
//! use spindle::prelude::*;
//!
//! let pool = ThreadPool::new(2).unwrap();
//! let mut rt = Runtime::new();
//! struct Summer { total: u64 }
//! let summer = rt.spawn(|_| Summer { total: 0 });
//! let pool_ref = std::sync::Arc::new(pool);
//! let p = pool_ref.clone();
//! summer.call(move |_, cx| {
//!     cx.offload(&p, || (1..=100u64).sum::<u64>(), |this: &mut Summer, _, sum| this.total = sum.unwrap());
//! });
//! rt.run_until(|core| summer.query(core, |s, _| s.total) == Some(5050)).unwrap();
//! ```

#![deny(missing_docs)]

/// The shared error family, the same types in every part: a value refused and handed back
/// ([`Closed`]), a caught panic carried to whoever waits ([`Panic`]), and the one error of
/// every builder ([`BuildError`]). One `match` or `?` works across the toolkit.
///
/// ```
/// use spindle::{BuildError, Closed};
///
/// let err = spindle::executor::ThreadPool::new(0).unwrap_err();
/// assert!(matches!(err, BuildError::ZeroThreads));
///
/// let q = spindle::queue::BoundedQueue::new(1)?;
/// q.close();
/// assert_eq!(q.push_blocking(7), Err(Closed(7)));
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
pub use spindle_utils::{BuildError, Closed, Panic};

#[cfg(feature = "queue")]
#[doc(inline)]
pub use spindle_queue as queue;

#[cfg(feature = "executor")]
#[doc(inline)]
pub use spindle_executor as executor;

#[cfg(feature = "actor")]
#[doc(inline)]
pub use spindle_actor as actor;

#[cfg(feature = "pool")]
#[doc(inline)]
pub use spindle_pool as pool;

/// The names most programs use, in one `use spindle::prelude::*`.
///
/// The executor's pool is `ThreadPool`, the item pool's `ItemPool`; the shared errors
/// ([`Closed`](crate::Closed), [`Panic`](crate::Panic), [`BuildError`](crate::BuildError)) come
/// with them.
///
/// ```
/// use spindle::prelude::*;
/// let q = Queue::new();
/// q.push(1).unwrap();
/// assert_eq!(q.pop(), Some(1));
/// ```
pub mod prelude {
    #[cfg(feature = "actor")]
    pub use crate::actor::{Actor, ActorOwn, Cx, Fwd, Remote, Ret, Runtime, Shards};
    #[cfg(feature = "executor")]
    pub use crate::executor::ThreadPool;
    #[cfg(feature = "pool")]
    pub use crate::pool::{
        IdTargeted, ItemPool, PoolError, PoolItem, RequestWithResponse, SenderAndReceiver,
        pool_item,
    };
    #[cfg(feature = "queue")]
    pub use crate::queue::{BoundedQueue, Queue};
    pub use crate::{BuildError, Closed, Panic};
}
