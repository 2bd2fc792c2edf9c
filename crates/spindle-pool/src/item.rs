//! What a pool item is, and the messages that reach it: the traits `#[pool_item]` implements.
//!
//! # Invariants
//! - **S1** [`same_type::cast`] reads a value of type `A` as a `B` only when
//!   `TypeId::of::<A>() == TypeId::of::<B>()`. Both are `'static` (a `TypeId` exists only for
//!   `'static` types), so equal ids mean one and the same type, lifetimes included: the bytes
//!   read are a valid `B`, with `B`'s size and alignment.
//! - **S2** The source is wrapped in `ManuallyDrop` before the read and never touched again, so
//!   the value is moved (dropped once, as the `B`), not duplicated.

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
pub trait PoolItem: Sized {
    /// The request that creates an item (its constructor's arguments and the id), answered
    /// with an [`AddResponse`] (as in messaging_thread_pool, whose `PoolItem` has the same
    /// bound). A hand-written one needs only `type Response = AddResponse` in its
    /// [`RequestWithResponse`] impl: the trait's default methods handle an `Init`.
    type Init: RequestWithResponse<Self, Response = AddResponse> + IdTargeted + Send;
    /// Every request an item answers, as one enum.
    type Api: IdTargeted + Send;
    /// Every response, as one enum (variant by variant with `Api`).
    type ApiResponse: Send;

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
///
/// # Default methods
///
/// Only an item's `Init` request may rely on the default [`into_message`] and [`from_reply`]
/// (generated requests implement both): with them, a hand-written `Init` needs only
/// `type Response = AddResponse`, as in messaging_thread_pool. The defaults find out at run
/// time, by [`TypeId`](std::any::TypeId), that `Self` is the item's `Init` and its response
/// an [`AddResponse`]; any other request that leaves them out panics when it is sent (or
/// answered), with a message naming its type.
///
/// ```
/// use spindle_pool::{pool_item, AddResponse, IdTargeted, ItemPool, RequestWithResponse};
///
/// /// A hand-written `Init`: the id and a starting balance.
/// #[derive(Debug)]
/// pub struct OpenAccount { id: u64, balance: u64 }
/// impl IdTargeted for OpenAccount { fn id(&self) -> u64 { self.id } }
/// impl RequestWithResponse<Account> for OpenAccount {
///     type Response = AddResponse; // `into_message` and `from_reply` are the defaults
/// }
///
/// #[derive(Debug)]
/// pub struct Account { balance: u64 }
/// #[pool_item(Init = "OpenAccount")]
/// impl Account {
///     pub fn new(init: OpenAccount) -> Self { Account { balance: init.balance } }
///     #[messaging(BalanceRequest, BalanceResponse)]
///     pub fn balance(&self) -> u64 { self.balance }
/// }
///
/// let pool = ItemPool::<Account>::new(1).unwrap();
/// let added = pool.send_and_receive_once(OpenAccount { id: 4, balance: 10 }).unwrap();
/// assert_eq!(added.result(), Ok(&4));
/// assert_eq!(pool.send_and_receive_once(BalanceRequest(4)).unwrap().result, 10);
/// ```
///
/// [`into_message`]: RequestWithResponse::into_message
/// [`from_reply`]: RequestWithResponse::from_reply
pub trait RequestWithResponse<P: PoolItem>: IdTargeted + Send + Sized {
    /// The response to this request.
    type Response: IntoReply<P> + Send;

    /// Wraps the request for its pool thread.
    ///
    /// # Panics
    ///
    /// The default does, unless `Self` is `P::Init` (it returns [`Message::Add`] then): only an
    /// `Init` request may rely on it.
    fn into_message(self) -> Message<P>
    where
        Self: 'static,
        P: 'static,
    {
        match same_type::cast::<Self, P::Init>(self) {
            Ok(init) => Message::Add(init),
            Err(request) => {
                drop(request);
                not_an_init::<P, Self>("into_message")
            }
        }
    }

    /// Unwraps this request's response.
    ///
    /// # Panics
    ///
    /// If `reply` answers another kind of request: a mock handed a response of the wrong type.
    /// The default panics too unless `Self::Response` is [`AddResponse`] (it unwraps
    /// [`Reply::Added`] then): only an `Init` request may rely on it.
    fn from_reply(reply: Reply<P>) -> Self::Response
    where
        Self: 'static,
        P: 'static,
    {
        match reply {
            Reply::Added(added) => match same_type::cast::<AddResponse, Self::Response>(added) {
                Ok(response) => response,
                Err(_) => not_an_init::<P, Self>("from_reply"),
            },
            _ => crate::__private::wrong_reply::<Self>(),
        }
    }
}

/// A request other than an item's `Init` relied on a default method of
/// [`RequestWithResponse`]: a programming error in its impl.
#[cold]
#[track_caller]
fn not_an_init<P: PoolItem, R>(method: &str) -> ! {
    panic!(
        "{} relies on RequestWithResponse<{}>::{method}'s default, which only the item's Init \
         request ({}, answered with an AddResponse) may do: implement {method} for it",
        std::any::type_name::<R>(),
        std::any::type_name::<P>(),
        std::any::type_name::<P::Init>(),
    )
}

/// By-value casts between two type parameters that are one type (S1, S2).
mod same_type {
    use std::any::TypeId;
    use std::mem::ManuallyDrop;

    /// `value` as a `B` if `A` and `B` are the same type, or back as it was.
    pub(super) fn cast<A: 'static, B: 'static>(value: A) -> Result<B, A> {
        if TypeId::of::<A>() != TypeId::of::<B>() {
            return Err(value);
        }
        let value = ManuallyDrop::new(value);
        // SAFETY: S1: the `TypeId`s are equal, so `A` is `B` and the read yields a valid `B`
        // from a valid, aligned `A`. S2: `value` is `ManuallyDrop` and is not used again, so
        // the one value is moved out, not duplicated.
        Ok(unsafe { std::ptr::read((&raw const *value).cast::<B>()) })
    }

    #[cfg(test)]
    mod tests {
        use super::cast;
        use std::cell::Cell;
        use std::rc::Rc;

        /// Counts its drops in a shared cell.
        struct Dropped(Rc<Cell<u32>>, String);
        impl Drop for Dropped {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }

        #[test]
        fn a_value_cast_to_its_own_type_is_moved_and_dropped_once() {
            let drops = Rc::new(Cell::new(0));
            let cast = cast::<Dropped, Dropped>(Dropped(Rc::clone(&drops), "kept".into()));
            let Ok(value) = cast else {
                panic!("the same type was refused")
            };
            assert_eq!(value.1, "kept");
            assert_eq!(drops.get(), 0, "the move dropped nothing");
            drop(value);
            assert_eq!(drops.get(), 1);
        }

        #[test]
        fn a_value_of_another_type_comes_back_untouched() {
            let drops = Rc::new(Cell::new(0));
            let back = cast::<Dropped, String>(Dropped(Rc::clone(&drops), "back".into()));
            let Err(value) = back else {
                panic!("another type was accepted")
            };
            assert_eq!((value.1.as_str(), drops.get()), ("back", 0));
            drop(value);
            assert_eq!(drops.get(), 1);
            // Same size and layout is not enough: the types must be one.
            assert_eq!(cast::<u64, i64>(7), Err(7));
            assert_eq!(cast::<u64, u64>(7), Ok(7));
        }
    }
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
/// messaging_thread_pool's shape: an id and a `result`. A Spindle pool reports a constructor
/// that failed (or panicked, or an id already taken) as a typed [`PoolError`] on the send call
/// instead, so the `AddResponse`s it returns always hold `Ok(id)`; an `Err` result is for
/// canned responses (a mock's) and code ported from messaging_thread_pool.
///
/// ```
/// use spindle_pool::AddResponse;
/// let added = AddResponse::new(3, Ok(3));
/// assert_eq!((added.id(), added.result()), (3, Ok(&3)));
/// let refused = AddResponse::new(4, Err("no room".into()));
/// assert_eq!(refused.result(), Err(&"no room".to_string()));
/// ```
///
/// [`PoolError`]: crate::PoolError
#[derive(Clone, PartialEq, Eq)]
pub struct AddResponse {
    id: u64,
    /// The error of `result`, boxed so that the response stays two words (no larger than a
    /// [`RemovePoolItemResponse`]): a pool's replies are never errors, and a wider `Reply`
    /// would widen every call's buffers.
    #[allow(
        clippy::box_collection,
        reason = "one pointer in the struct, not a `String`'s three"
    )]
    error: Option<Box<String>>,
}

impl AddResponse {
    /// The response for item `id`: `Ok(id)` if it was created, or why not.
    ///
    /// # Panics
    ///
    /// If `result` is `Ok` with another id than `id` (as messaging_thread_pool's does).
    ///
    /// ```should_panic
    /// let _ = spindle_pool::AddResponse::new(1, Ok(2)); // panics: the ids differ
    /// ```
    #[track_caller]
    pub fn new(id: u64, result: Result<u64, String>) -> Self {
        match result {
            Ok(ok) => {
                assert!(ok == id, "id in the success result must match the result");
                Self { id, error: None }
            }
            Err(error) => Self {
                id,
                error: Some(Box::new(error)),
            },
        }
    }

    /// The id of the item.
    ///
    /// ```
    /// assert_eq!(spindle_pool::AddResponse::new(9, Ok(9)).id(), 9);
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }

    /// `Ok(id)` if the item was created, or the constructor's message (only in canned
    /// responses: a pool returns a [`PoolError`](crate::PoolError) for a failed constructor).
    ///
    /// ```
    /// assert!(spindle_pool::AddResponse::new(9, Ok(9)).result().is_ok());
    /// ```
    pub fn result(&self) -> Result<&u64, &String> {
        match &self.error {
            None => Ok(&self.id),
            Some(error) => Err(error),
        }
    }
}

impl fmt::Debug for AddResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddResponse")
            .field("id", &self.id)
            .field("result", &self.result())
            .finish()
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
