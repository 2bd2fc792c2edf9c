//! Test support: the `SenderAndReceiver` trait, implemented by the pool and by a mock that
//! checks the requests it is sent and answers with canned responses.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::PoolError;
use crate::item::{IntoReply, Message, PoolItem, Reply, RequestWithResponse};
use crate::pool::ItemPool;

/// Anything requests can be sent to: a [`ItemPool`], or a [`SenderAndReceiverMock`] in tests.
/// Code that talks to a pool through this trait can be tested without threads.
///
/// # Examples
///
/// ```
/// use spindle_pool::{pool_item, IdTargeted, SenderAndReceiver, SenderAndReceiverMock};
///
/// #[derive(Debug)]
/// pub struct Sensor { id: u64 }
/// impl IdTargeted for Sensor { fn id(&self) -> u64 { self.id } }
/// #[pool_item]
/// impl Sensor {
///     pub fn new(id: u64) -> Self { Sensor { id } }
///     #[messaging(ReadRequest, ReadResponse)]
///     pub fn read(&self) -> f64 { 21.5 }
/// }
///
/// /// The code under test: averages the sensors through any sender.
/// fn average(pool: &impl SenderAndReceiver<Sensor>, ids: &[u64]) -> f64 {
///     let readings = pool.send_and_receive(ids.iter().map(|&id| ReadRequest(id))).unwrap();
///     readings.map(|r| r.result).sum::<f64>() / ids.len() as f64
/// }
///
/// let mock = SenderAndReceiverMock::new_with_expected_requests(
///     vec![ReadRequest(1), ReadRequest(2)],
///     vec![ReadResponse { id: 1, result: 20.0 }, ReadResponse { id: 2, result: 22.0 }],
/// );
/// assert_eq!(average(&mock, &[1, 2]), 21.0);
/// mock.assert_is_complete();
/// ```
pub trait SenderAndReceiver<P: PoolItem + 'static> {
    /// Sends requests and returns their responses in request order; see
    /// [`ItemPool::send_and_receive`].
    ///
    /// # Errors
    ///
    /// The first request's error, in request order.
    fn send_and_receive<'a, T: RequestWithResponse<P> + 'static>(
        &'a self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Box<dyn Iterator<Item = T::Response> + 'a>, PoolError>;

    /// Sends one request and returns its response.
    ///
    /// # Errors
    ///
    /// The request's error.
    fn send_and_receive_once<T: RequestWithResponse<P> + 'static>(
        &self,
        request: T,
    ) -> Result<T::Response, PoolError> {
        let mut responses = self.send_and_receive(std::iter::once(request))?;
        responses.next().ok_or(PoolError::ShutDown)
    }

    /// messaging_thread_pool's name for [`send_and_receive_once`](Self::send_and_receive_once).
    ///
    /// # Errors
    ///
    /// The request's error.
    ///
    /// ```
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// use spindle_pool::{ItemPool, SenderAndReceiver};
    /// let pool = ItemPool::<Item>::new(1).unwrap();
    /// assert_eq!(SenderAndReceiver::send_and_receive_one(&pool, ItemInit(4)).unwrap().id(), 4);
    /// ```
    fn send_and_receive_one<T: RequestWithResponse<P> + 'static>(
        &self,
        request: T,
    ) -> Result<T::Response, PoolError> {
        self.send_and_receive_once(request)
    }
}

impl<P: PoolItem + 'static> SenderAndReceiver<P> for ItemPool<P> {
    fn send_and_receive<'a, T: RequestWithResponse<P> + 'static>(
        &'a self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Box<dyn Iterator<Item = T::Response> + 'a>, PoolError> {
        Ok(Box::new(ItemPool::send_and_receive(self, requests)?))
    }

    fn send_and_receive_once<T: RequestWithResponse<P> + 'static>(
        &self,
        request: T,
    ) -> Result<T::Response, PoolError> {
        ItemPool::send_and_receive_once(self, request)
    }
}

/// A stand-in for a pool: answers with canned responses, in order, and (if built with
/// expected requests) panics when a request differs from the next one expected.
///
/// `T` is the type of the requests it is built with (messaging_thread_pool's second
/// parameter), and its responses are `T::Response`s; by default [`Message`]s and [`Reply`]s, so
/// that requests and responses of several kinds can be mixed (or use
/// [`ThreadRequestResponse`](crate::compat::ThreadRequestResponse), as in messaging_thread_pool).
/// Whatever `T` is, the mock takes requests of any type `U` for the same item: it compares them
/// with the expected ones as [`Message`]s, and hands each canned response back as a
/// `U::Response`.
///
/// When its canned responses run out, [`send_and_receive_once`] returns
/// [`PoolError::MockExhausted`] (not a panic), and [`send_and_receive`] returns as many
/// responses as are left, as messaging_thread_pool's mock does. A request that differs from
/// the expected one, or a request beyond the expected ones, fails the test (a panic).
///
/// ```
/// use spindle_pool::{AddResponse, IntoReply, Message, Reply, RequestWithResponse, SenderAndReceiver, SenderAndReceiverMock};
/// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item {
/// #     pub fn new(id: u64) -> Self { Item { id } }
/// #     #[messaging(GetRequest, GetResponse)] pub fn get(&self) -> u64 { self.id }
/// # }
/// // One kind of request: built with `GetRequest`s and `GetResponse`s.
/// let mock = SenderAndReceiverMock::<Item, GetRequest>::new_with_expected_requests(
///     vec![GetRequest(1)],
///     vec![GetResponse { id: 1, result: 5 }],
/// );
/// assert_eq!(mock.send_and_receive_one(GetRequest(1)).unwrap().result, 5);
/// mock.assert_is_complete();
///
/// // Several kinds: `Message`s and `Reply`s (the default).
/// let mock = SenderAndReceiverMock::<Item>::new_with_expected_requests(
///     vec![ItemInit(1).into_message(), GetRequest(1).into_message()],
///     vec![Reply::Added(AddResponse::new(1, Ok(1))), GetResponse { id: 1, result: 5 }.into_reply()],
/// );
/// mock.send_and_receive_once(ItemInit(1)).unwrap();
/// assert_eq!(mock.send_and_receive_once(GetRequest(1)).unwrap().result, 5);
/// assert!(mock.is_complete());
/// assert!(format!("{mock:?}").contains("responses_left: 0"));
/// ```
///
/// [`send_and_receive_once`]: SenderAndReceiver::send_and_receive_once
/// [`send_and_receive`]: SenderAndReceiver::send_and_receive
pub struct SenderAndReceiverMock<P: PoolItem, T: RequestWithResponse<P> = Message<P>> {
    /// The expected requests, converted once when the mock is built; `None` if not checked.
    expected: Option<Mutex<VecDeque<Message<P>>>>,
    /// The canned responses, converted likewise.
    responses: Mutex<VecDeque<Reply<P>>>,
    called: AtomicBool,
    /// Only the constructors' argument types depend on `T`; `fn() -> T` keeps the mock `Send`
    /// and `Sync` whatever `T` is (what it holds is).
    _requests: PhantomData<fn() -> T>,
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> SenderAndReceiverMock<P, T> {
    /// A mock that checks each request against `expected_requests`, in order, and answers with
    /// `returned_responses`, in order.
    ///
    /// # Panics
    ///
    /// If the two lists differ in length (and, later, when a request sent differs from the
    /// expected one or goes beyond them).
    ///
    /// ```
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// use spindle_pool::{AddResponse, SenderAndReceiver, SenderAndReceiverMock};
    /// let mock = SenderAndReceiverMock::new_with_expected_requests(
    ///     vec![ItemInit(3)],
    ///     vec![AddResponse::new(3, Ok(3))],
    /// );
    /// assert_eq!(mock.send_and_receive_once(ItemInit(3)).unwrap().id(), 3);
    /// ```
    #[track_caller]
    pub fn new_with_expected_requests(
        expected_requests: Vec<T>,
        returned_responses: Vec<T::Response>,
    ) -> Self {
        assert_eq!(
            expected_requests.len(),
            returned_responses.len(),
            "number of requests do not match number of responses"
        );
        Self {
            expected: Some(Mutex::new(
                expected_requests.into_iter().map(T::into_message).collect(),
            )),
            ..Self::new(returned_responses)
        }
    }

    /// A mock that answers any requests with `returned_responses`, in order, without checking
    /// them.
    ///
    /// ```
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// use spindle_pool::{AddResponse, SenderAndReceiver, SenderAndReceiverMock};
    /// let mock = SenderAndReceiverMock::<Item, ItemInit>::new(vec![AddResponse::new(1, Ok(1))]);
    /// assert!(!mock.was_called());
    /// mock.send_and_receive_once(ItemInit(99)).unwrap(); // not checked
    /// assert!(mock.was_called());
    /// ```
    pub fn new(returned_responses: Vec<T::Response>) -> Self {
        Self {
            expected: None,
            responses: Mutex::new(
                returned_responses
                    .into_iter()
                    .map(IntoReply::into_reply)
                    .collect(),
            ),
            called: AtomicBool::new(false),
            _requests: PhantomData,
        }
    }
}

/// The checks: no `'static` asked, like `Debug`.
impl<P: PoolItem, T: RequestWithResponse<P>> SenderAndReceiverMock<P, T> {
    /// True once any request was sent to the mock (or any call made, with no requests).
    ///
    /// ```
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// assert!(!spindle_pool::SenderAndReceiverMock::<Item, ItemInit>::new(vec![]).was_called());
    /// ```
    pub fn was_called(&self) -> bool {
        self.called.load(Ordering::SeqCst)
    }

    /// True once every canned response has been handed out.
    ///
    /// ```
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// assert!(spindle_pool::SenderAndReceiverMock::<Item, ItemInit>::new(vec![]).is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        lock(&self.responses).is_empty()
    }

    /// Panics unless every canned response has been handed out.
    ///
    /// ```should_panic
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// use spindle_pool::{AddResponse, SenderAndReceiverMock};
    /// SenderAndReceiverMock::<Item, ItemInit>::new(vec![AddResponse::new(1, Ok(1))]).assert_is_complete();
    /// ```
    #[track_caller]
    pub fn assert_is_complete(&self) {
        let left = lock(&self.responses).len();
        assert!(
            left == 0,
            "expected all responses to have been consumed, {left} remaining"
        );
    }
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> Default
    for SenderAndReceiverMock<P, T>
{
    /// A mock with no responses that checks nothing (messaging_thread_pool's `Default`).
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

/// The counts only: `Debug` needs no bound on the item or the requests (an item generic over
/// its child pool may require `P: Debug` of the pool it holds, mock or not).
impl<P: PoolItem, T: RequestWithResponse<P>> fmt::Debug for SenderAndReceiverMock<P, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderAndReceiverMock")
            .field("item", &P::name())
            .field(
                "expected_left",
                &self.expected.as_ref().map(|e| lock(e).len()),
            )
            .field("responses_left", &lock(&self.responses).len())
            .field("called", &self.was_called())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P>> SenderAndReceiverMock<P, T>
where
    Message<P>: PartialEq + fmt::Debug,
{
    /// Checks `requests` against the expected ones (if any) and takes one canned response for
    /// each, in order, while they last.
    fn answer<U: RequestWithResponse<P> + 'static>(
        &self,
        requests: impl IntoIterator<Item = U>,
    ) -> Vec<U::Response> {
        self.called.store(true, Ordering::SeqCst);
        let requests: Vec<U> = requests.into_iter().collect();
        let count = requests.len();
        if let Some(expected) = &self.expected {
            let wanted: Vec<Message<P>> = {
                let mut expected = lock(expected);
                let expected_count = expected.len();
                assert!(
                    expected_count >= count,
                    "count of expected [{expected_count}] less than actual requests [{count}]"
                );
                expected.drain(..count).collect()
            };
            // Compared after the lock is released: a difference panics, and the mock stays
            // usable for the test's own checks afterwards.
            for (wanted, request) in wanted.into_iter().zip(requests) {
                let actual = request.into_message();
                assert_eq!(wanted, actual, "expected and actual requests differ");
            }
        }
        let mut responses = lock(&self.responses);
        let available = responses.len().min(count);
        responses.drain(..available).map(U::from_reply).collect()
    }
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P>> SenderAndReceiver<P>
    for SenderAndReceiverMock<P, T>
where
    Message<P>: PartialEq + fmt::Debug,
{
    /// Answers from the canned responses: as many as are left, up to one per request.
    fn send_and_receive<'a, U: RequestWithResponse<P> + 'static>(
        &'a self,
        requests: impl IntoIterator<Item = U>,
    ) -> Result<Box<dyn Iterator<Item = U::Response> + 'a>, PoolError> {
        Ok(Box::new(self.answer(requests).into_iter()))
    }

    /// Answers from the canned responses, or [`PoolError::MockExhausted`] if none is left.
    fn send_and_receive_once<U: RequestWithResponse<P> + 'static>(
        &self,
        request: U,
    ) -> Result<U::Response, PoolError> {
        let id = request.id();
        self.answer(std::iter::once(request))
            .pop()
            .ok_or(PoolError::MockExhausted(id))
    }
}
