//! messaging_thread_pool's `request_response` module: a request or its response, in one enum.

use std::fmt;

use crate::item::{IdTargeted, PoolItem, RequestWithResponse};

/// A request of type `T`, or its response: messaging_thread_pool's `RequestResponse`, one
/// part of a [`ThreadRequestResponse`](super::ThreadRequestResponse).
///
/// ```
/// use spindle_pool::compat::{AddResponse, RequestResponse, RemovePoolItemRequest};
/// # #[derive(Debug)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
/// let request = RequestResponse::<Item, ItemInit>::new(ItemInit(2));
/// assert_eq!(request.request(), &ItemInit(2));
/// let response = RequestResponse::<Item, ItemInit>::Response(AddResponse::new(2, Ok(2)));
/// assert_ne!(request, response);
/// ```
pub enum RequestResponse<P: PoolItem, T: RequestWithResponse<P>> {
    /// The request.
    Request(T),
    /// Its response.
    Response(T::Response),
}

impl<P: PoolItem, T: RequestWithResponse<P>> RequestResponse<P, T> {
    /// The request `request` (a [`Request`](RequestResponse::Request)).
    ///
    /// ```
    /// use spindle_pool::compat::{RequestResponse, RemovePoolItemRequest};
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let r = RequestResponse::<Item, _>::new(RemovePoolItemRequest(1));
    /// assert!(matches!(r, RequestResponse::Request(RemovePoolItemRequest(1))));
    /// ```
    pub fn new(request: T) -> Self {
        Self::Request(request)
    }

    /// The request held.
    ///
    /// # Panics
    ///
    /// If this holds a response (messaging_thread_pool's panic, "not expected").
    ///
    /// ```should_panic
    /// use spindle_pool::compat::{RequestResponse, RemovePoolItemRequest, RemovePoolItemResponse};
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let r = RequestResponse::<Item, RemovePoolItemRequest>::Response(RemovePoolItemResponse::new(1, true));
    /// r.request(); // panics: "not expected"
    /// ```
    #[track_caller]
    pub fn request(&self) -> &T {
        match self {
            Self::Request(request) => request,
            Self::Response(_) => panic!("not expected"),
        }
    }
}

/// The request's id.
///
/// # Panics
///
/// If this holds a response (as in messaging_thread_pool: only requests have to be
/// [`IdTargeted`]).
impl<P: PoolItem, T: RequestWithResponse<P>> IdTargeted for RequestResponse<P, T> {
    #[track_caller]
    fn id(&self) -> u64 {
        match self {
            Self::Request(request) => request.id(),
            Self::Response(_) => {
                panic!("not expected; only requests are required to support IdTargeted")
            }
        }
    }
}

// By hand, bounded on the parts (a derive would bound `P`, which no item implements).

impl<P: PoolItem, T> fmt::Debug for RequestResponse<P, T>
where
    T: RequestWithResponse<P> + fmt::Debug,
    T::Response: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request(request) => f.debug_tuple("Request").field(request).finish(),
            Self::Response(response) => f.debug_tuple("Response").field(response).finish(),
        }
    }
}

impl<P: PoolItem, T> Clone for RequestResponse<P, T>
where
    T: RequestWithResponse<P> + Clone,
    T::Response: Clone,
{
    fn clone(&self) -> Self {
        match self {
            Self::Request(request) => Self::Request(request.clone()),
            Self::Response(response) => Self::Response(response.clone()),
        }
    }
}

impl<P: PoolItem, T> PartialEq for RequestResponse<P, T>
where
    T: RequestWithResponse<P> + PartialEq,
    T::Response: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Request(a), Self::Request(b)) => a == b,
            (Self::Response(a), Self::Response(b)) => a == b,
            _ => false,
        }
    }
}

impl<P: PoolItem, T> Eq for RequestResponse<P, T>
where
    T: RequestWithResponse<P> + Eq,
    T::Response: Eq,
{
}
