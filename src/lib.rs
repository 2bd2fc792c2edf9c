//! Spindle: a Rust concurrency toolkit.
//!
//! This facade re-exports Spindle's crates, each behind a cargo feature of the same name:
//!
//! | module | crate | feature | what it is |
//! |---|---|---|---|
//! | [`queue`] | `spindle-queue` | `queue` (default) | lock-free MPMC FIFO queues, unbounded and bounded, blocking or not |
//! | [`executor`] | `spindle-executor` | `executor` (default) | a work-stealing thread pool |
//! | [`actor`] | `spindle-actor` | `actor` (default) | a single-threaded actor runtime on a flat call queue |
//! | [`pool`] | `spindle-pool` | `pool` (default) | a typed pool of stateful items pinned to threads and addressed by id |
//!
//! # Examples
//!
//! ```
//! let q = spindle::queue::Queue::new();
//! q.push(1).unwrap();
//! assert_eq!(q.pop(), Some(1));
//! ```

#![deny(missing_docs)]

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
