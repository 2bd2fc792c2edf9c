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
//!   independent tasks): the [`executor`]. Measured on the project's 2-core machine, idle, in
//!   one `cargo xtask bench --busy 2` run (BENCHMARKS.md has the tables): a scope of 1000 tiny
//!   tasks took 0.51× rayon's time, a 100k-element batch into a caller slice 0.87× rayon's
//!   `par_iter_mut`, `fib(25)` by `join` without cutoff 0.58× rayon's, but `fib(30)` with a
//!   cutoff at 20 1.16× (slower). With two threads burning CPU beside them: 0.51×, 0.07×,
//!   0.51× and 0.88×.
//! - **Stateful objects that talk by messages, on one thread** (a protocol, a simulation, a
//!   server's connection logic): the [`actor`] runtime. On the same thread, idle, in that
//!   run: a call queued from outside about 8 ns (Stakker: 12 ns), a chained self-call 15 ns
//!   (16 ns), a timer about 99 ns (244 ns), with no allocation. Heavy work goes to the
//!   executor with `cx.offload`; more cores, more runtimes with [`actor::Shards`].
//! - **Many stateful objects that are not `Send`** (`Rc`, `RefCell`, FFI handles), addressed by
//!   id from any thread: the [`pool`]. On the project's idle 2-core machine a batch costs about
//!   24–30 ns per message (messaging_thread_pool: about 265 ns); a single round trip to the
//!   same pool thread as the previous one about 1 µs (3–4 µs), while round trips alternating
//!   between the two threads pay a thread wake-up each, about 28–38 µs (every peer: 33–35 µs);
//!   two threads beat one from about 100 ns of work per request.
//! - **Just a channel between threads**: the [`queue`]s. Two producers and two consumers on
//!   the 2-core machine (four threads on two cores), idle, in that run: the bounded queue
//!   0.88× crossbeam's `ArrayQueue` time, the unbounded one 1.87× `SegQueue`'s (slower; 1.14×
//!   busy); blocking pipelines 0.98–1.7× crossbeam-channel's (slower). Spindle's queues earn
//!   their place by recycling their memory (no allocation in steady state) and by the typed
//!   close and timeout errors, not by speed on this machine.
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
#![cfg_attr(docsrs, feature(doc_cfg))]

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
#[cfg_attr(docsrs, doc(cfg(feature = "queue")))]
#[doc(inline)]
pub use spindle_queue as queue;

#[cfg(feature = "executor")]
#[cfg_attr(docsrs, doc(cfg(feature = "executor")))]
#[doc(inline)]
pub use spindle_executor as executor;

#[cfg(feature = "actor")]
#[cfg_attr(docsrs, doc(cfg(feature = "actor")))]
#[doc(inline)]
pub use spindle_actor as actor;

#[cfg(feature = "pool")]
#[cfg_attr(docsrs, doc(cfg(feature = "pool")))]
#[doc(inline)]
pub use spindle_pool as pool;

/// The names most programs use, in one `use spindle::prelude::*`.
///
/// The executor's pool is `ThreadPool`, the item pool's `ItemPool`; the shared errors
/// ([`Closed`](crate::Closed), [`Panic`](crate::Panic), [`BuildError`](crate::BuildError)) come
/// with them, and so do the parallel-iterator traits (rayon's prelude: `par_iter`,
/// `into_par_iter`, `par_sort`...), so a rayon program swaps `use rayon::prelude::*` for this.
///
/// ```
/// use spindle::prelude::*;
/// let q = Queue::new();
/// q.push(1).unwrap();
/// assert_eq!(q.pop(), Some(1));
/// let squares: u64 = (1..=3u64).into_par_iter().map(|x| x * x).sum();
/// assert_eq!(squares, 14);
/// ```
pub mod prelude {
    #[cfg(feature = "actor")]
    #[cfg_attr(docsrs, doc(cfg(feature = "actor")))]
    pub use crate::actor::{Actor, ActorOwn, Cx, Fwd, Remote, Ret, Runtime, Shards};
    #[cfg(feature = "executor")]
    #[cfg_attr(docsrs, doc(cfg(feature = "executor")))]
    pub use crate::executor::ThreadPool;
    #[cfg(feature = "executor")]
    #[cfg_attr(docsrs, doc(cfg(feature = "executor")))]
    pub use crate::executor::prelude::*;
    #[cfg(feature = "pool")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pool")))]
    pub use crate::pool::{
        IdTargeted, ItemPool, PoolError, PoolItem, RequestWithResponse, SenderAndReceiver,
        pool_item,
    };
    #[cfg(feature = "queue")]
    #[cfg_attr(docsrs, doc(cfg(feature = "queue")))]
    pub use crate::queue::{BoundedQueue, Queue};
    pub use crate::{BuildError, Closed, Panic};
}

/// Compiles and runs every Rust snippet of the README as a doc test, so the README's facade
/// paths cannot drift from the code.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
