//! The pool's errors.

use std::error::Error;
use std::fmt;

use spindle_utils::Panic;

/// A request the pool could not answer. None of them costs the pool a thread or another item:
/// the thread that refused the request keeps serving its other items.
///
/// # Examples
///
/// ```
/// use spindle_pool::{pool_item, IdTargeted, PoolError, ItemPool};
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
/// let pool = ItemPool::<Counter>::new(2).unwrap();
/// let err = pool.send_and_receive_once(PingRequest(5)).unwrap_err();
/// assert!(matches!(err, PoolError::UnknownId(5)));
/// assert_eq!(err.to_string(), "no pool item with id 5");
/// ```
#[derive(Debug)]
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
        /// The panic, with its original payload (dropped wherever this error is dropped).
        panic: Panic,
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
    /// use spindle_pool::{pool_item, IdTargeted, PoolError, ItemPool};
    ///
    /// static POOL: OnceLock<ItemPool<Node>> = OnceLock::new();
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
    /// let pool = POOL.get_or_init(|| ItemPool::new(1).unwrap());
    /// pool.send_and_receive([NodeInit(1), NodeInit(2)])?.for_each(drop);
    /// // Node 1 asks node 2, on the same thread: served while node 1 waits.
    /// assert!(matches!(pool.send_and_receive_once(AskRequest(1, 2))?.result, Ok(2)));
    /// // Node 1 asks itself: it is mid-call, so the request is refused.
    /// let refused = pool.send_and_receive_once(AskRequest(1, 1))?.result;
    /// assert!(matches!(refused, Err(PoolError::ItemBusy(1))));
    /// # pool.shutdown();
    /// # Ok::<(), PoolError>(())
    /// ```
    ItemBusy(u64),
    /// The request's own `id()` (or its `Init`'s) panicked on the pool thread, so it could not
    /// be delivered; it was dropped there.
    IdPanicked {
        /// The panic, with its original payload.
        panic: Panic,
    },
    /// The pool thread failed in its own code (not an item's) while answering this request's
    /// batch, so this request got no answer. Not expected to happen: the thread contains all
    /// user code; this error exists so that a caller is released even then. The thread keeps
    /// serving.
    Unanswered {
        /// The thread's panic (its message; the payload stayed on the pool thread).
        panic: Panic,
    },
    /// A [`SenderAndReceiverMock`](crate::SenderAndReceiverMock) had no canned response left
    /// for this request (to the item with this id): the code under test sent more requests
    /// than the test prepared answers for. Only a mock returns it.
    ///
    /// ```
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// use spindle_pool::{AddResponse, PoolError, SenderAndReceiver, SenderAndReceiverMock};
    /// let mock = SenderAndReceiverMock::<Item, ItemInit>::new(vec![AddResponse::new(1, Ok(1))]);
    /// mock.send_and_receive_once(ItemInit(1))?;
    /// let err = mock.send_and_receive_once(ItemInit(2)).unwrap_err();
    /// assert!(matches!(err, PoolError::MockExhausted(2)));
    /// # Ok::<(), PoolError>(())
    /// ```
    MockExhausted(u64),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownId(id) => write!(f, "no pool item with id {id}"),
            Self::DuplicateId(id) => write!(f, "a pool item with id {id} exists already"),
            Self::NewItem { id, message } => {
                write!(f, "pool item {id} could not be created: {message}")
            }
            Self::ItemPanicked { id, panic } => {
                write!(
                    f,
                    "pool item {id} panicked and was removed: {}",
                    text(panic)
                )
            }
            Self::ShutDown => f.write_str("the pool has been shut down"),
            Self::ItemBusy(id) => write!(
                f,
                "pool item {id} is busy: the request reached it re-entrantly, from inside one of its own calls"
            ),
            Self::IdPanicked { panic } => {
                let text = text(panic);
                write!(f, "a request's id() panicked on its pool thread: {text}")
            }
            Self::Unanswered { panic } => {
                let text = text(panic);
                write!(
                    f,
                    "the pool thread failed while answering the request: {text}"
                )
            }
            Self::MockExhausted(id) => write!(
                f,
                "the mock has no canned response left for the request to item {id}"
            ),
        }
    }
}

/// A panic's message, or what its payload was.
fn text(panic: &Panic) -> &str {
    panic.message().unwrap_or("a non-string payload")
}

impl Error for PoolError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::ItemPanicked { panic, .. }
            | Self::IdPanicked { panic }
            | Self::Unanswered { panic } => Some(panic),
            _ => None,
        }
    }
}
