//! messaging_thread_pool's `thread_request_response` module: every request and response of an
//! item's pool in one enum, [`ThreadRequestResponse`], with the lifecycle messages beside it.

use std::fmt;

use super::request_response::RequestResponse;
use crate::item::{IdTargeted, IntoReply, Message, PoolItem, Reply, RequestWithResponse};

pub use crate::item::{
    AddResponse, RemovePoolItemRequest, RemovePoolItemResponse, ThreadShutdownResponse,
};

/// Any request to an item of a `P` pool, or any response: messaging_thread_pool's
/// `ThreadRequestResponse`, the type its users convert requests and responses into (with
/// `.into()`) to give a mock requests and responses of several kinds. Spindle's own
/// [`Message`] and [`Reply`] do that job, and convert to and from it.
///
/// Differences on purpose:
/// - messaging_thread_pool carries an item's responses inside its `Api` enum; Spindle has a
///   separate [`PoolItem::ApiResponse`], so a method's response is a
///   [`MessagePoolItemResponse`](ThreadRequestResponse::MessagePoolItemResponse).
/// - There is no `ThreadShutdown`, `ThreadAbort` or `ThreadEcho`: shut a pool down with
///   [`ItemPool::shutdown`](crate::ItemPool::shutdown) (or by dropping it), which reports each
///   thread's [`ThreadShutdownResponse`].
///
/// It is a [`RequestWithResponse`] (its response is a `ThreadRequestResponse` too) and an
/// [`IntoReply`], so it can be sent to a pool, and a [`SenderAndReceiverMock`] can be built
/// with it:
///
/// ```
/// use spindle_pool::compat::*;
/// use spindle_pool::{IntoReply, Message};
/// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item {
/// #     pub fn new(id: u64) -> Self { Item { id } }
/// #     #[messaging(GetRequest, GetResponse)] pub fn get(&self) -> u64 { self.id }
/// # }
/// let expected: Vec<ThreadRequestResponse<Item>> = vec![
///     RemovePoolItemRequest(1).into(),
///     Message::Call(ItemApi::GetRequest(GetRequest(2))).into(),
/// ];
/// let responses: Vec<ThreadRequestResponse<Item>> = vec![
///     RemovePoolItemResponse::new(1, true).into(),
///     GetResponse { id: 2, result: 8 }.into_reply().into(),
/// ];
/// let mock = SenderAndReceiverMock::new_with_expected_requests(expected, responses);
///
/// // Sent requests of their own types, answered with their own response types.
/// let removed: RemovePoolItemResponse = mock.send_and_receive_one(RemovePoolItemRequest(1)).unwrap();
/// assert!(removed.item_existed());
/// assert_eq!(mock.send_and_receive_one(GetRequest(2)).unwrap().result, 8);
/// mock.assert_is_complete();
/// ```
///
/// [`SenderAndReceiverMock`]: crate::SenderAndReceiverMock
pub enum ThreadRequestResponse<P: PoolItem> {
    /// Create an item (a [`Message::Add`]), or the answer (a [`Reply::Added`]).
    AddPoolItem(RequestResponse<P, P::Init>),
    /// Remove an item (a [`Message::Remove`]), or the answer (a [`Reply::Removed`]).
    RemovePoolItem(RequestResponse<P, RemovePoolItemRequest>),
    /// A request for an item's method (a [`Message::Call`]).
    MessagePoolItem(P::Api),
    /// A method's response (a [`Reply::Call`]); Spindle's own variant (see above).
    MessagePoolItemResponse(P::ApiResponse),
}

impl<P: PoolItem> ThreadRequestResponse<P> {
    /// The id of the item a request is for (messaging_thread_pool's inherent `id`; the
    /// [`IdTargeted`] impl is the same).
    ///
    /// # Panics
    ///
    /// If this is a response: as in messaging_thread_pool, only requests carry an id to route.
    ///
    /// ```
    /// use spindle_pool::compat::{RemovePoolItemRequest, ThreadRequestResponse};
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let request = ThreadRequestResponse::<Item>::from(RemovePoolItemRequest(6));
    /// assert_eq!(request.id(), 6);
    /// ```
    #[track_caller]
    pub fn id(&self) -> u64 {
        match self {
            Self::AddPoolItem(request) => request.id(),
            Self::RemovePoolItem(request) => request.id(),
            Self::MessagePoolItem(request) => request.id(),
            Self::MessagePoolItemResponse(_) => {
                panic!("not expected; only requests are required to support IdTargeted")
            }
        }
    }
}

/// See [`ThreadRequestResponse::id`].
impl<P: PoolItem> IdTargeted for ThreadRequestResponse<P> {
    #[track_caller]
    fn id(&self) -> u64 {
        ThreadRequestResponse::id(self)
    }
}

/// The request variants become [`Message`]s; the answers come back as the response variants.
///
/// # Panics
///
/// `into_message` panics on a response variant ("a response sent as a request").
impl<P: PoolItem> RequestWithResponse<P> for ThreadRequestResponse<P> {
    type Response = ThreadRequestResponse<P>;

    #[track_caller]
    fn into_message(self) -> Message<P> {
        match self {
            Self::AddPoolItem(RequestResponse::Request(init)) => Message::Add(init),
            Self::RemovePoolItem(RequestResponse::Request(remove)) => Message::Remove(remove),
            Self::MessagePoolItem(request) => Message::Call(request),
            Self::AddPoolItem(RequestResponse::Response(_))
            | Self::RemovePoolItem(RequestResponse::Response(_))
            | Self::MessagePoolItemResponse(_) => panic!(
                "a response sent as a request: a ThreadRequestResponse<{}> response variant",
                std::any::type_name::<P>()
            ),
        }
    }

    fn from_reply(reply: Reply<P>) -> Self {
        reply.into()
    }
}

/// The response variants become [`Reply`]s.
///
/// # Panics
///
/// On a request variant ("a request given as a response").
impl<P: PoolItem> IntoReply<P> for ThreadRequestResponse<P> {
    #[track_caller]
    fn into_reply(self) -> Reply<P> {
        match self {
            Self::AddPoolItem(RequestResponse::Response(added)) => Reply::Added(added),
            Self::RemovePoolItem(RequestResponse::Response(removed)) => Reply::Removed(removed),
            Self::MessagePoolItemResponse(response) => Reply::Call(response),
            Self::AddPoolItem(RequestResponse::Request(_))
            | Self::RemovePoolItem(RequestResponse::Request(_))
            | Self::MessagePoolItem(_) => panic!(
                "a request given as a response: a ThreadRequestResponse<{}> request variant",
                std::any::type_name::<P>()
            ),
        }
    }
}

impl<P: PoolItem> From<Message<P>> for ThreadRequestResponse<P> {
    fn from(message: Message<P>) -> Self {
        match message {
            Message::Add(init) => Self::AddPoolItem(RequestResponse::Request(init)),
            Message::Remove(remove) => Self::RemovePoolItem(RequestResponse::Request(remove)),
            Message::Call(request) => Self::MessagePoolItem(request),
        }
    }
}

impl<P: PoolItem> From<Reply<P>> for ThreadRequestResponse<P> {
    fn from(reply: Reply<P>) -> Self {
        match reply {
            Reply::Added(added) => Self::AddPoolItem(RequestResponse::Response(added)),
            Reply::Removed(removed) => Self::RemovePoolItem(RequestResponse::Response(removed)),
            Reply::Call(response) => Self::MessagePoolItemResponse(response),
        }
    }
}

impl<P: PoolItem> From<AddResponse> for ThreadRequestResponse<P> {
    fn from(added: AddResponse) -> Self {
        Self::AddPoolItem(RequestResponse::Response(added))
    }
}

impl<P: PoolItem> From<RemovePoolItemRequest> for ThreadRequestResponse<P> {
    fn from(remove: RemovePoolItemRequest) -> Self {
        Self::RemovePoolItem(RequestResponse::Request(remove))
    }
}

impl<P: PoolItem> From<RemovePoolItemResponse> for ThreadRequestResponse<P> {
    fn from(removed: RemovePoolItemResponse) -> Self {
        Self::RemovePoolItem(RequestResponse::Response(removed))
    }
}

/// # Panics
///
/// Unless it is an `AddPoolItem` response (messaging_thread_pool's panic, "unexpected").
impl<P: PoolItem> From<ThreadRequestResponse<P>> for AddResponse {
    #[track_caller]
    fn from(response: ThreadRequestResponse<P>) -> Self {
        match response {
            ThreadRequestResponse::AddPoolItem(RequestResponse::Response(added)) => added,
            _ => panic!("unexpected"),
        }
    }
}

/// # Panics
///
/// Unless it is a `RemovePoolItem` response (messaging_thread_pool's panic, "not expected").
impl<P: PoolItem> From<ThreadRequestResponse<P>> for RemovePoolItemResponse {
    #[track_caller]
    fn from(response: ThreadRequestResponse<P>) -> Self {
        match response {
            ThreadRequestResponse::RemovePoolItem(RequestResponse::Response(removed)) => removed,
            _ => panic!("not expected"),
        }
    }
}

// By hand, bounded on the item's associated types (a derive would bound `P` itself).

impl<P: PoolItem> fmt::Debug for ThreadRequestResponse<P>
where
    P::Init: fmt::Debug,
    P::Api: fmt::Debug,
    P::ApiResponse: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AddPoolItem(inner) => f.debug_tuple("AddPoolItem").field(inner).finish(),
            Self::RemovePoolItem(inner) => f.debug_tuple("RemovePoolItem").field(inner).finish(),
            Self::MessagePoolItem(inner) => f.debug_tuple("MessagePoolItem").field(inner).finish(),
            Self::MessagePoolItemResponse(inner) => f
                .debug_tuple("MessagePoolItemResponse")
                .field(inner)
                .finish(),
        }
    }
}

impl<P: PoolItem> PartialEq for ThreadRequestResponse<P>
where
    P::Init: PartialEq,
    P::Api: PartialEq,
    P::ApiResponse: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::AddPoolItem(a), Self::AddPoolItem(b)) => a == b,
            (Self::RemovePoolItem(a), Self::RemovePoolItem(b)) => a == b,
            (Self::MessagePoolItem(a), Self::MessagePoolItem(b)) => a == b,
            (Self::MessagePoolItemResponse(a), Self::MessagePoolItemResponse(b)) => a == b,
            _ => false,
        }
    }
}
