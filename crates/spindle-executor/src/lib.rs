//! A work-stealing thread pool, the executor of Spindle.
//!
//! ```
//! let pool = spindle_executor::ThreadPool::new(4)?;
//! let squares: Vec<_> = (0..8u64).map(|i| pool.spawn(move || i * i).unwrap()).collect();
//! let sum: u64 = squares.into_iter().map(|h| h.join().unwrap()).sum();
//! assert_eq!(sum, 140);
//! # Ok::<(), spindle_executor::BuildError>(())
//! ```
//!
//! # Design and trade-offs
//!
//! - **Queues.** Jobs from outside go to a crossbeam-deque `Injector`; jobs a worker submits go
//!   to that worker's own LIFO deque, where nested work stays cache-hot and no other thread
//!   contends. An idle worker looks in its deque, then takes a batch from the injector, then
//!   steals from peers starting at a random one.
//! - **Idle workers spin, then park**, on [`spindle_queue::EventCount`], the parking primitive
//!   all of Spindle shares: [`ThreadPoolBuilder::spin_limit`] looks for work (default
//!   [`ThreadPoolBuilder::DEFAULT_SPIN_LIMIT`], 200), then the OS sleeps the
//!   thread, so an idle pool burns no CPU. A submission costs one load when nobody sleeps and
//!   wakes at most one worker otherwise; no injected job can be left with every worker asleep
//!   (model-checked in `tests/loom_sleep.rs`).
//! - **Jobs are two words** on the deques (a pointer and a function); `execute` boxes its
//!   closure once, `spawn` puts closure, result and completion flag in one allocation.
//! - **Faults are values.** Zero threads is [`BuildError::ZeroThreads`]; a job submitted during
//!   or after shutdown comes back in [`Closed`]; a panicking job leaves its worker alive
//!   and reaches the [panic handler](ThreadPoolBuilder::panic_handler) or the [`JoinHandle`] as a
//!   [`Panic`] (alias [`TaskPanic`]) with its payload.
//! - **Shutdown** (or dropping the pool) runs every queued job, then joins the threads.
//! - **Counters** per worker (jobs run, stolen, parks, panics) live on their own cache lines and
//!   are written by their worker alone, with plain stores: [`ThreadPool::stats`].
//! - **Batches split on demand.** A batch hands out chunks from a shared cursor, largest first;
//!   each participant runs its chunk piece by piece out of its own slot, and an idle one steals
//!   half of the largest range another still holds. A participant that loses its core (or
//!   blocks in `f`) holds back only the piece it is running (`tests/batch.rs`,
//!   `tests/loom_split.rs`); the price is one uncontended CAS per piece.
//! - **A global pool, and free functions** ([`join`], [`scope`], [`spawn`],
//!   [`current_num_threads`], [`current_thread_index`]) for code that should not carry a
//!   `&ThreadPool`: they run on the pool of the worker they are called on, or on a global pool
//!   built on first use with the default settings (or once, earlier, by
//!   [`ThreadPoolBuilder::build_global`]). It is never shut down; idle, its workers park.
//! - **Parallel iterators with rayon's names** ([`iter`], [`prelude`]): `v.par_iter().map(f)
//!   .sum()`, `collect`, `fold`/`reduce`, `par_sort` and the rest, so a rayon program changes
//!   only its `use` line. Rayon's producer/consumer plumbing, split by this pool's `join`; an
//!   iteration started outside a pool runs as a batch with the caller taking part, so a short
//!   one pays no wake-up of the caller.
//!
//! # Waiting across parts
//!
//! A worker that waits on *another* pool (an [`install`](ThreadPool::install),
//! [`join`](ThreadPool::join), [`scope`](ThreadPool::scope) or batch called on that pool's
//! handle, or a [`JoinHandle::join`] of one of its tasks) keeps running its own pool's jobs
//! until what it waits for is done, as a worker waiting within its own pool does. So any cycle
//! of waits between executor pools completes: pool A's only worker may install into B, whose
//! job installs back into A (or joins a task of A, or runs a batch on A), and so on through
//! any number of pools; a job of A that arrives while A's workers all wait on other pools
//! wakes one of them (model-checked in `tests/loom_cross.rs`).
//!
//! ```
//! use std::sync::Arc;
//! let a = Arc::new(spindle_executor::ThreadPool::new(1)?);
//! let b = spindle_executor::ThreadPool::new(1)?;
//! let a2 = Arc::clone(&a);
//! // A's one worker waits on B, and B's job needs A: A's worker runs it while it waits.
//! assert_eq!(a.install(|| b.install(|| a2.install(|| 7))), 7);
//! # Ok::<(), spindle_executor::BuildError>(())
//! ```
//!
//! Not covered: a wait on a different kind of Spindle part from a worker (an item pool's
//! request, a `Shards` spawn, a blocking queue pop, or any lock or channel of your own) is a
//! plain blocking wait: the worker runs nothing else meanwhile, so a cycle through such a part
//! back into the worker's pool can still deadlock if every worker of that pool is waiting in
//! it. Neither is [`ThreadPool::shutdown`] a helping wait: called from a worker of another
//! pool, it blocks that worker until the pool's threads have exited. A thread outside every
//! pool simply blocks in all of these waits.
//!
//! # From async code
//!
//! A [`JoinHandle`] is a `Future<Output = Result<R, TaskPanic>>` as well as a handle to block
//! on: a task of any async runtime can offload CPU-bound work to a pool and `.await` it without
//! blocking its runtime thread. Awaiting allocates nothing beyond the task itself (the waker is
//! kept in the task's own allocation); a panicking job resolves to its [`TaskPanic`], and a
//! future whose pool shut down before the job ran resolves too, never hangs. The crate
//! depends on no runtime: `std::task` only.
//!
//! ```
//! use std::sync::Arc;
//! use spindle_executor::ThreadPool;
//!
//! let pool = Arc::new(ThreadPool::new(2)?);
//! let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let total: u64 = runtime.block_on(async {
//!     let tasks: Vec<_> = (0..4u64)
//!         .map(|i| {
//!             let pool = Arc::clone(&pool);
//!             // Each tokio task awaits a sum computed on the pool.
//!             tokio::spawn(async move { pool.spawn(move || (i * 1000..(i + 1) * 1000).sum::<u64>()).unwrap().await })
//!         })
//!         .collect();
//!     let mut total = 0;
//!     for task in tasks {
//!         total += task.await.unwrap().unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, (0..4000).sum::<u64>());
//! # Ok::<(), spindle_executor::BuildError>(())
//! ```
//!
//! # What does not compile
//!
//! A scoped task may borrow only what outlives the scope, not a local of the scope's body:
//!
//! ```compile_fail,E0373
//! let pool = spindle_executor::ThreadPool::new(1).unwrap();
//! pool.scope(|s| {
//!     let local = vec![1, 2, 3];
//!     s.spawn(|_| println!("{}", local.len())); // `local` dies before the scope's tasks
//! });
//! ```
//!
//! nor does the [`Scope`] handle leave the call that lends it:
//!
//! ```compile_fail
//! let pool = spindle_executor::ThreadPool::new(1).unwrap();
//! let escaped = pool.scope(|s| s); // the handle cannot outlive `scope`
//! escaped.spawn(|_| ());
//! ```
//!
//! Two scoped tasks cannot both borrow the same local mutably:
//!
//! ```compile_fail,E0499
//! let pool = spindle_executor::ThreadPool::new(2).unwrap();
//! let mut total = 0;
//! pool.scope(|s| {
//!     s.spawn(|_| total += 1);
//!     s.spawn(|_| total += 1);
//! });
//! ```
//!
//! A job given to [`ThreadPool::execute`] or [`ThreadPool::spawn`] outlives the caller's frame,
//! so it may not borrow from it ([`ThreadPool::scope`] is for that):
//!
//! ```compile_fail,E0373
//! let pool = spindle_executor::ThreadPool::new(1).unwrap();
//! let names = vec!["a", "b"];
//! pool.execute(|| println!("{names:?}")).unwrap();
//! ```
//!
//! What crosses to a worker must be `Send`, the closure and a spawned task's result alike:
//!
//! ```compile_fail,E0277
//! let pool = spindle_executor::ThreadPool::new(1).unwrap();
//! let shared = std::rc::Rc::new(5);
//! let handle = pool.spawn(move || *shared + 1); // `Rc` is not `Send`
//! ```
//!
//! ```compile_fail,E0277
//! let pool = spindle_executor::ThreadPool::new(1).unwrap();
//! let handle = pool.spawn(|| std::rc::Rc::new(5)); // nor may the result be
//! ```
//!
//! and a batch's function, called from several workers at once, must be `Sync`:
//!
//! ```compile_fail,E0277
//! let pool = spindle_executor::ThreadPool::new(2).unwrap();
//! let count = std::cell::Cell::new(0);
//! pool.for_each_index(10, |_| count.set(count.get() + 1)); // a `Cell` is not `Sync`
//! ```
//!
//! A [`JoinHandle`] is joined once: `join` consumes it.
//!
//! ```compile_fail,E0382
//! let pool = spindle_executor::ThreadPool::new(1).unwrap();
//! let handle = pool.spawn(|| 1).unwrap();
//! let first = handle.join();
//! let second = handle.join();
//! ```

#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod batch;
mod builder;
mod deque;
mod error;
mod global;
pub mod iter;
mod job;
mod join;
mod latch;
mod pool;
mod primitive;
mod registry;
mod scope;
mod spawn;
mod stats;

#[allow(deprecated)]
pub use builder::Builder;
pub use builder::ThreadPoolBuilder;
#[allow(deprecated)]
pub use error::ExecuteError;
pub use error::{BuildError, Closed, LengthMismatch, MAX_THREADS, Panic, TaskPanic};
pub use global::{current_num_threads, current_thread_index, join, scope, spawn};
pub use iter::{
    FromParallelIterator, IndexedParallelIterator, IntoParallelIterator, IntoParallelRefIterator,
    IntoParallelRefMutIterator, ParallelExtend, ParallelIterator, ParallelSlice, ParallelSliceMut,
};

/// The parallel-iterator traits in one `use`: rayon's prelude, for `v.par_iter()` and friends.
///
/// ```
/// use spindle_executor::prelude::*;
/// let total: u64 = (1..=100u64).into_par_iter().sum();
/// assert_eq!(total, 5050);
/// ```
pub mod prelude {
    pub use crate::iter::{
        FromParallelIterator, IndexedParallelIterator, IntoParallelIterator,
        IntoParallelRefIterator, IntoParallelRefMutIterator, ParallelExtend, ParallelIterator,
        ParallelSlice, ParallelSliceMut,
    };
}
pub use pool::ThreadPool;
pub use scope::Scope;
pub use spawn::JoinHandle;
pub use stats::{PoolStats, WorkerStats};

/// The batch's range slots, for `tests/loom_split.rs` only: under `--cfg spindle_loom`, never
/// part of the API.
#[cfg(spindle_loom)]
#[doc(hidden)]
pub use batch::LoomSplit as __LoomSplit;
