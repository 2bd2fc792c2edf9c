//! The pool's errors.

use std::error::Error;
use std::fmt;
use std::io;

/// A request the pool could not answer. Each names the item's id; none of them costs the pool
/// a thread or another item.
///
/// # Examples
///
/// ```
/// use spindle_pool::{pool_item, IdTargeted, PoolError, ThreadPool};
///
/// #[derive(Debug)]
/// pub struct Counter { id: u64 }
/// impl IdTargeted for Counter { fn id(&self) -> u64 { self.id } }
/// #[pool_item]
/// impl Counter {
///     pub fn new(id: u64) -> Self { Counter { id } }
///     #[messaging(PingRequest, PingResponse)]
///     pub fn ping(&self) -> u64 { self.id }
/// }
///
/// let pool = ThreadPool::<Counter>::new(2);
/// let err = pool.send_and_receive_once(PingRequest(5)).unwrap_err();
/// assert_eq!(err, PoolError::UnknownId(5));
/// assert_eq!(err.to_string(), "no pool item with id 5");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// No item has this id.
    UnknownId(u64),
    /// An item with this id exists already; the constructor did not run.
    DuplicateId(u64),
    /// The item's constructor returned an error.
    NewItem {
        /// The id the item would have had.
        id: u64,
        /// The constructor's message.
        message: String,
    },
    /// The item panicked in its constructor or in this request: it was removed (dropped on its
    /// thread), and its thread and the other items keep serving.
    ItemPanicked {
        /// The item's id.
        id: u64,
        /// The panic's message.
        message: String,
    },
    /// The pool has been shut down.
    ShutDown,
    /// Called from one of the pool's own threads, where waiting for an answer could deadlock
    /// (an item waiting for its own thread).
    FromPoolThread,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownId(id) => write!(f, "no pool item with id {id}"),
            Self::DuplicateId(id) => write!(f, "a pool item with id {id} exists already"),
            Self::NewItem { id, message } => {
                write!(f, "pool item {id} could not be created: {message}")
            }
            Self::ItemPanicked { id, message } => {
                write!(f, "pool item {id} panicked and was removed: {message}")
            }
            Self::ShutDown => f.write_str("the pool has been shut down"),
            Self::FromPoolThread => f.write_str("a pool was called from one of its own threads"),
        }
    }
}

impl Error for PoolError {}

/// Why a pool could not be built.
///
/// ```
/// use spindle_pool::BuildError;
/// # #[derive(Debug)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
/// let err = spindle_pool::ThreadPool::<Item>::try_new(0).unwrap_err();
/// assert!(matches!(err, BuildError::ZeroThreads));
/// ```
#[derive(Debug)]
pub enum BuildError {
    /// A pool needs at least one thread.
    ZeroThreads,
    /// The OS refused to start a thread.
    Spawn(io::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroThreads => f.write_str("a pool needs at least one thread"),
            Self::Spawn(e) => write!(f, "could not start a pool thread: {e}"),
        }
    }
}

impl Error for BuildError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Spawn(e) => Some(e),
            Self::ZeroThreads => None,
        }
    }
}
