//! The pool's errors.

use std::error::Error;
use std::fmt;
use std::io;

/// A request the pool could not answer. None of them costs the pool a thread or another item:
/// the thread that refused the request keeps serving its other items.
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
#[non_exhaustive]
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
    /// The item is busy: a call into it (a method, or its constructor) is on its thread's
    /// stack, waiting on a pool, and the thread, serving its inbox from inside that wait, met
    /// this request for it: typically a cycle (item X called a pool whose item called X again,
    /// directly or through other pools), but any request for X that arrives while X waits is
    /// refused the same way, since the thread cannot tell the two apart. Such a request is
    /// never run re-entrantly; the thread serves its other items meanwhile. See
    /// [Waiting across parts](crate#waiting-across-parts).
    ///
    /// ```
    /// use std::sync::OnceLock;
    /// use spindle_pool::{pool_item, IdTargeted, PoolError, ThreadPool};
    ///
    /// static POOL: OnceLock<ThreadPool<Node>> = OnceLock::new();
    ///
    /// #[derive(Debug)]
    /// pub struct Node { id: u64 }
    /// impl IdTargeted for Node { fn id(&self) -> u64 { self.id } }
    ///
    /// #[pool_item]
    /// impl Node {
    ///     pub fn new(id: u64) -> Self { Node { id } }
    ///
    ///     /// Asks node `other` for its id, through the pool.
    ///     #[messaging(AskRequest, AskResponse)]
    ///     pub fn ask(&self, other: u64) -> Result<u64, PoolError> {
    ///         let pool = POOL.get().unwrap();
    ///         pool.send_and_receive_once(NameRequest(other)).map(|r| r.result)
    ///     }
    ///
    ///     #[messaging(NameRequest, NameResponse)]
    ///     pub fn name(&self) -> u64 { self.id }
    /// }
    ///
    /// let pool = POOL.get_or_init(|| ThreadPool::new(1));
    /// pool.send_and_receive([NodeInit(1), NodeInit(2)])?.for_each(drop);
    /// // Node 1 asks node 2, on the same thread: served while node 1 waits.
    /// assert_eq!(pool.send_and_receive_once(AskRequest(1, 2))?.result, Ok(2));
    /// // Node 1 asks itself: it is mid-call, so the request is refused.
    /// assert_eq!(pool.send_and_receive_once(AskRequest(1, 1))?.result, Err(PoolError::ItemBusy(1)));
    /// # pool.shutdown();
    /// # Ok::<(), PoolError>(())
    /// ```
    ItemBusy(u64),
    /// The request's own `id()` (or its `Init`'s) panicked on the pool thread, so it could not
    /// be delivered; it was dropped there.
    IdPanicked {
        /// The panic's message.
        message: String,
    },
    /// The pool thread failed in its own code (not an item's) while answering this request's
    /// batch, so this request got no answer. Not expected to happen: the thread contains all
    /// user code; this error exists so that a caller is released even then. The thread keeps
    /// serving.
    Unanswered {
        /// The panic's message.
        message: String,
    },
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
            Self::ItemBusy(id) => write!(
                f,
                "pool item {id} is busy: the request reached it re-entrantly, from inside one of its own calls"
            ),
            Self::IdPanicked { message } => {
                write!(f, "a request's id() panicked on its pool thread: {message}")
            }
            Self::Unanswered { message } => {
                write!(
                    f,
                    "the pool thread failed while answering the request: {message}"
                )
            }
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
#[non_exhaustive]
pub enum BuildError {
    /// A pool needs at least one thread.
    ZeroThreads,
    /// More threads than a pool can address (`u32::MAX`), or than its per-thread state (about
    /// 300 bytes a thread) can be allocated for.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// use spindle_pool::{BuildError, ThreadPool};
    /// let err = ThreadPool::<Item>::try_new(usize::MAX).unwrap_err();
    /// assert!(matches!(err, BuildError::TooManyThreads(n) if n == usize::MAX));
    /// ```
    TooManyThreads(usize),
    /// The OS refused to start a thread (a stack size it cannot give included).
    Spawn(io::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroThreads => f.write_str("a pool needs at least one thread"),
            Self::TooManyThreads(n) => write!(f, "a pool cannot have {n} threads"),
            Self::Spawn(e) => write!(f, "could not start a pool thread: {e}"),
        }
    }
}

impl Error for BuildError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Spawn(e) => Some(e),
            Self::ZeroThreads | Self::TooManyThreads(_) => None,
        }
    }
}
