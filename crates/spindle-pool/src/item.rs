//! What a pool item is, and the messages that reach it: the traits `#[pool_item]` implements.

use std::error::Error;
use std::fmt;

use spindle_utils::Panic;

/// Something addressed by a pool item's id: the items themselves, and every request to one.
///
/// # Examples
///
/// ```
/// use spindle_pool::IdTargeted;
/// struct Account { id: u64 }
/// impl IdTargeted for Account {
///     fn id(&self) -> u64 { self.id }
/// }
/// assert_eq!(Account { id: 7 }.id(), 7);
/// assert_eq!(7u64.id(), 7);
/// ```
pub trait IdTargeted {
    /// The id of the item this names.
    fn id(&self) -> u64;
}

impl IdTargeted for u64 {
    fn id(&self) -> u64 {
        *self
    }
}

/// A stateful item that lives its whole life on one pool thread. It need be neither `Send` nor
/// `Sync`: it is built on its thread from an `Init` request and only its messages cross threads.
///
/// Usually implemented by `#[pool_item]`; see the [crate docs](crate) for an example.
pub trait PoolItem: Sized + 'static {
    /// The request that creates an item (its constructor's arguments and the id).
    type Init: IdTargeted + Send + 'static;
    /// Every request an item answers, as one enum.
    type Api: IdTargeted + Send + 'static;
    /// Every response, as one enum (variant by variant with `Api`).
    type ApiResponse: Send + 'static;

    /// Builds an item on its thread.
    ///
    /// # Errors
    ///
    /// A [`NewPoolItemError`] reaches the caller as [`PoolError::NewItem`](crate::PoolError::NewItem).
    fn new_pool_item(init: Self::Init) -> Result<Self, NewPoolItemError>;

    /// Answers one request.
    fn process_message(&mut self, request: Self::Api) -> Self::ApiResponse;

    /// Runs on the item's thread when the pool shuts down (`#[pool_item(Shutdown = "..")]`),
    /// returning the reports of any pools the item owns. By default, nothing.
    fn shutdown_pool(&mut self) -> Vec<ThreadShutdownResponse> {
        Vec::new()
    }

    /// The name pool threads carry (`"{name}-{index}"`).
    fn name() -> &'static str {
        std::any::type_name::<Self>()
    }

    /// The thread an id lives on: `id % thread_count` by default.
    fn id_thread_router(id: u64, thread_count: usize) -> usize {
        (id % thread_count as u64) as usize
    }
}

/// Why an item's constructor refused to build it.
///
/// ```
/// let e = spindle_pool::NewPoolItemError::from("no such account");
/// assert_eq!(e.to_string(), "no such account");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPoolItemError {
    /// What went wrong.
    pub error_message: String,
}

impl fmt::Display for NewPoolItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error_message)
    }
}

impl Error for NewPoolItemError {}

impl From<String> for NewPoolItemError {
    fn from(error_message: String) -> Self {
        Self { error_message }
    }
}

impl From<&str> for NewPoolItemError {
    fn from(error_message: &str) -> Self {
        Self {
            error_message: error_message.to_owned(),
        }
    }
}

/// One request as a pool thread sees it: create, remove, or message an item.
pub enum Message<P: PoolItem> {
    /// Create an item.
    Add(P::Init),
    /// Remove an item.
    Remove(RemovePoolItemRequest),
    /// A request for an item's method.
    Call(P::Api),
}

/// One answer as a pool thread gives it, variant by variant with [`Message`].
pub enum Reply<P: PoolItem> {
    /// The item was created.
    Added(AddResponse),
    /// The removal's outcome.
    Removed(RemovePoolItemResponse),
    /// A method's response.
    Call(P::ApiResponse),
}

/// A request with its response type: the generated `XRequest` structs, the `XInit` request and
/// [`RemovePoolItemRequest`] implement it. [`Message`] implements it too (with [`Reply`] as the
/// response), so a mock can expect requests of several kinds at once.
pub trait RequestWithResponse<P: PoolItem>: IdTargeted + Send + Sized + 'static {
    /// The response to this request.
    type Response: IntoReply<P> + Send + 'static;

    /// Wraps the request for its pool thread.
    fn into_message(self) -> Message<P>;

    /// Unwraps this request's response.
    ///
    /// # Panics
    ///
    /// If `reply` answers another kind of request: a mock handed a response of the wrong type.
    fn from_reply(reply: Reply<P>) -> Self::Response;
}

/// A response that can be wrapped as a [`Reply`]: every response type (a mock's canned answers).
pub trait IntoReply<P: PoolItem> {
    /// Wraps the response.
    fn into_reply(self) -> Reply<P>;
}

impl<P: PoolItem> IntoReply<P> for Reply<P> {
    fn into_reply(self) -> Reply<P> {
        self
    }
}

impl<P: PoolItem> IntoReply<P> for AddResponse {
    fn into_reply(self) -> Reply<P> {
        Reply::Added(self)
    }
}

impl<P: PoolItem> IntoReply<P> for RemovePoolItemResponse {
    fn into_reply(self) -> Reply<P> {
        Reply::Removed(self)
    }
}

impl<P: PoolItem> IdTargeted for Message<P> {
    fn id(&self) -> u64 {
        match self {
            Message::Add(init) => init.id(),
            Message::Remove(remove) => remove.id(),
            Message::Call(request) => request.id(),
        }
    }
}

impl<P: PoolItem> RequestWithResponse<P> for Message<P> {
    type Response = Reply<P>;

    fn into_message(self) -> Message<P> {
        self
    }

    fn from_reply(reply: Reply<P>) -> Reply<P> {
        reply
    }
}

/// `Debug` and `PartialEq` for [`Message`] and [`Reply`], bounded on the item's associated
/// types that the enum holds (a derive would bound `P` itself, which no item implements).
macro_rules! debug_and_eq {
    ($enum:ident where $($bound:ident),+: $($variant:ident),+) => {
        impl<P: PoolItem> fmt::Debug for $enum<P>
        where
            $(P::$bound: fmt::Debug,)+
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($enum::$variant(inner) => {
                        f.debug_tuple(stringify!($variant)).field(inner).finish()
                    })+
                }
            }
        }

        impl<P: PoolItem> PartialEq for $enum<P>
        where
            $(P::$bound: PartialEq,)+
        {
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    $(($enum::$variant(a), $enum::$variant(b)) => a == b,)+
                    _ => false,
                }
            }
        }
    };
}

debug_and_eq!(Message where Init, Api: Add, Remove, Call);
debug_and_eq!(Reply where ApiResponse: Added, Removed, Call);

/// The answer to an `Init` request: the item now exists.
///
/// ```
/// assert_eq!(spindle_pool::AddResponse::new(3).id(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddResponse {
    id: u64,
}

impl AddResponse {
    /// The response for item `id`.
    ///
    /// ```
    /// let _ = spindle_pool::AddResponse::new(1);
    /// ```
    pub fn new(id: u64) -> Self {
        Self { id }
    }

    /// The id of the item created.
    ///
    /// ```
    /// assert_eq!(spindle_pool::AddResponse::new(9).id(), 9);
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// Removes an item (dropping it on its thread).
///
/// ```
/// use spindle_pool::IdTargeted;
/// assert_eq!(spindle_pool::RemovePoolItemRequest(4).id(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemovePoolItemRequest(pub u64);

impl IdTargeted for RemovePoolItemRequest {
    fn id(&self) -> u64 {
        self.0
    }
}

/// Whether the removed item existed.
///
/// ```
/// let r = spindle_pool::RemovePoolItemResponse::new(4, true);
/// assert!(r.item_existed());
/// assert_eq!(r.id(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemovePoolItemResponse {
    id: u64,
    item_existed: bool,
}

impl RemovePoolItemResponse {
    /// The response for item `id`.
    ///
    /// ```
    /// let _ = spindle_pool::RemovePoolItemResponse::new(1, false);
    /// ```
    pub fn new(id: u64, item_existed: bool) -> Self {
        Self { id, item_existed }
    }

    /// The id named by the request.
    ///
    /// ```
    /// assert_eq!(spindle_pool::RemovePoolItemResponse::new(2, false).id(), 2);
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }

    /// True if there was an item to remove.
    ///
    /// ```
    /// assert!(!spindle_pool::RemovePoolItemResponse::new(2, false).item_existed());
    /// ```
    pub fn item_existed(&self) -> bool {
        self.item_existed
    }
}

impl<P: PoolItem> RequestWithResponse<P> for RemovePoolItemRequest {
    type Response = RemovePoolItemResponse;

    fn into_message(self) -> Message<P> {
        Message::Remove(self)
    }

    fn from_reply(reply: Reply<P>) -> RemovePoolItemResponse {
        match reply {
            Reply::Removed(removed) => removed,
            _ => crate::__private::wrong_reply::<Self>(),
        }
    }
}

/// What one pool thread did at shutdown: the items whose shutdown hooks ran (in id order), the
/// hooks that panicked, and the reports the hooks returned (from pools the items owned).
///
/// Not `Clone` or `PartialEq` (as messaging_thread_pool's is): the panics it carries keep their
/// payloads.
#[derive(Debug, Default)]
pub struct ThreadShutdownResponse {
    thread_id: u64,
    items: Vec<u64>,
    panicked: Vec<(u64, Panic)>,
    children: Vec<ThreadShutdownResponse>,
}

impl ThreadShutdownResponse {
    /// A report for thread `thread_id` (items' hooks return these for the pools they own).
    ///
    /// ```
    /// let r = spindle_pool::ThreadShutdownResponse::new(0, vec![]);
    /// assert_eq!(r.thread_id(), 0);
    /// ```
    pub fn new(thread_id: u64, children: Vec<ThreadShutdownResponse>) -> Self {
        Self {
            thread_id,
            items: Vec::new(),
            panicked: Vec::new(),
            children,
        }
    }

    pub(crate) fn with_items(mut self, items: Vec<u64>, panicked: Vec<(u64, Panic)>) -> Self {
        self.items = items;
        self.panicked = panicked;
        self
    }

    /// The thread's index in its pool.
    ///
    /// ```
    /// assert_eq!(spindle_pool::ThreadShutdownResponse::new(3, vec![]).thread_id(), 3);
    /// ```
    pub fn thread_id(&self) -> u64 {
        self.thread_id
    }

    /// The ids of the items shut down on this thread, in order.
    ///
    /// ```
    /// assert!(spindle_pool::ThreadShutdownResponse::new(0, vec![]).items().is_empty());
    /// ```
    pub fn items(&self) -> &[u64] {
        &self.items
    }

    /// The items whose shutdown hook (or drop) panicked, with the panics (an item whose hook
    /// and drop both panicked is listed twice).
    ///
    /// ```
    /// assert!(spindle_pool::ThreadShutdownResponse::new(0, vec![]).panicked().is_empty());
    /// ```
    pub fn panicked(&self) -> &[(u64, Panic)] {
        &self.panicked
    }

    /// The reports the items' hooks returned.
    ///
    /// ```
    /// let child = spindle_pool::ThreadShutdownResponse::new(1, vec![]);
    /// let r = spindle_pool::ThreadShutdownResponse::new(0, vec![child]);
    /// assert_eq!(r.children()[0].thread_id(), 1);
    /// ```
    pub fn children(&self) -> &[ThreadShutdownResponse] {
        &self.children
    }

    /// Takes the children's reports.
    ///
    /// ```
    /// let r = spindle_pool::ThreadShutdownResponse::new(0, vec![]);
    /// assert!(r.take_children().is_empty());
    /// ```
    pub fn take_children(self) -> Vec<ThreadShutdownResponse> {
        self.children
    }
}
