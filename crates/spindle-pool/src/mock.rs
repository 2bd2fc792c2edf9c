//! Test support: the `SenderAndReceiver` trait, implemented by the pool and by a mock that
//! checks the requests it is sent and answers with canned responses.

use std::collections::VecDeque;
use std::fmt;
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
pub trait SenderAndReceiver<P: PoolItem> {
    /// Sends requests and returns their responses in request order; see
    /// [`ItemPool::send_and_receive`].
    ///
    /// # Errors
    ///
    /// The first request's error, in request order.
    fn send_and_receive<'a, T: RequestWithResponse<P>>(
        &'a self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Box<dyn Iterator<Item = T::Response> + 'a>, PoolError>;

    /// Sends one request and returns its response.
    ///
    /// # Errors
    ///
    /// The request's error.
    fn send_and_receive_once<T: RequestWithResponse<P>>(
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
    fn send_and_receive_one<T: RequestWithResponse<P>>(
        &self,
        request: T,
    ) -> Result<T::Response, PoolError> {
        self.send_and_receive_once(request)
    }
}

impl<P: PoolItem> SenderAndReceiver<P> for ItemPool<P> {
    fn send_and_receive<'a, T: RequestWithResponse<P>>(
        &'a self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Box<dyn Iterator<Item = T::Response> + 'a>, PoolError> {
        Ok(Box::new(ItemPool::send_and_receive(self, requests)?))
    }

    fn send_and_receive_once<T: RequestWithResponse<P>>(
        &self,
        request: T,
    ) -> Result<T::Response, PoolError> {
        ItemPool::send_and_receive_once(self, request)
    }
}

/// A stand-in for a pool: answers with canned responses, in order, and (if built with
/// expected requests) panics when a request differs from the next one expected. Requests and
/// responses of several kinds can be mixed by giving [`Message`]s and [`Reply`]s.
///
/// ```
/// use spindle_pool::{AddResponse, IntoReply, Reply, RequestWithResponse, SenderAndReceiver, SenderAndReceiverMock};
/// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item {
/// #     pub fn new(id: u64) -> Self { Item { id } }
/// #     #[messaging(GetRequest, GetResponse)] pub fn get(&self) -> u64 { self.id }
/// # }
/// let mock = SenderAndReceiverMock::<Item>::new_with_expected_requests(
///     vec![ItemInit(1).into_message(), GetRequest(1).into_message()],
///     vec![Reply::Added(AddResponse::new(1)), GetResponse { id: 1, result: 5 }.into_reply()],
/// );
/// mock.send_and_receive_once(ItemInit(1)).unwrap();
/// assert_eq!(mock.send_and_receive_once(GetRequest(1)).unwrap().result, 5);
/// assert!(mock.is_complete());
/// ```
pub struct SenderAndReceiverMock<P: PoolItem> {
    expected: Option<Mutex<VecDeque<Message<P>>>>,
    responses: Mutex<VecDeque<Reply<P>>>,
    called: AtomicBool,
}

impl<P: PoolItem> SenderAndReceiverMock<P> {
    /// A mock that checks each request against `expected`, in order, and answers with
    /// `responses`, in order.
    ///
    /// # Panics
    ///
    /// If the two lists differ in length.
    ///
    /// ```
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// use spindle_pool::{AddResponse, SenderAndReceiver};
    /// let mock = spindle_pool::SenderAndReceiverMock::new_with_expected_requests(vec![ItemInit(3)], vec![AddResponse::new(3)]);
    /// assert_eq!(mock.send_and_receive_once(ItemInit(3)).unwrap().id(), 3);
    /// ```
    pub fn new_with_expected_requests<T, R>(expected: Vec<T>, responses: Vec<R>) -> Self
    where
        T: RequestWithResponse<P>,
        R: IntoReply<P>,
    {
        assert_eq!(
            expected.len(),
            responses.len(),
            "as many expected requests as responses"
        );
        Self {
            expected: Some(Mutex::new(
                expected.into_iter().map(T::into_message).collect(),
            )),
            ..Self::new(responses)
        }
    }

    /// A mock that answers any requests with `responses`, in order, without checking them.
    ///
    /// ```
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// use spindle_pool::{AddResponse, SenderAndReceiver};
    /// let mock = spindle_pool::SenderAndReceiverMock::<Item>::new(vec![AddResponse::new(1)]);
    /// assert!(!mock.was_called());
    /// mock.send_and_receive_once(ItemInit(99)).unwrap(); // not checked
    /// assert!(mock.was_called());
    /// ```
    pub fn new<R>(responses: Vec<R>) -> Self
    where
        R: IntoReply<P>,
    {
        Self {
            expected: None,
            responses: Mutex::new(responses.into_iter().map(R::into_reply).collect()),
            called: AtomicBool::new(false),
        }
    }

    /// True once any request was sent to the mock.
    ///
    /// ```
    /// # #[derive(Debug, PartialEq)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// assert!(!spindle_pool::SenderAndReceiverMock::<Item>::new(Vec::<spindle_pool::AddResponse>::new()).was_called());
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
    /// assert!(spindle_pool::SenderAndReceiverMock::<Item>::new(Vec::<spindle_pool::AddResponse>::new()).is_complete());
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
    /// spindle_pool::SenderAndReceiverMock::<Item>::new(vec![spindle_pool::AddResponse::new(1)]).assert_is_complete();
    /// ```
    pub fn assert_is_complete(&self) {
        let left = lock(&self.responses).len();
        assert!(
            left == 0,
            "expected all responses to have been consumed, {left} remaining"
        );
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<P: PoolItem> SenderAndReceiver<P> for SenderAndReceiverMock<P>
where
    Message<P>: PartialEq + fmt::Debug,
{
    fn send_and_receive<'a, T: RequestWithResponse<P>>(
        &'a self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Box<dyn Iterator<Item = T::Response> + 'a>, PoolError> {
        self.called.store(true, Ordering::SeqCst);
        let mut out = Vec::new();
        for request in requests {
            if let Some(expected) = &self.expected {
                let actual = request.into_message();
                let wanted = lock(expected).pop_front();
                match wanted {
                    Some(wanted) => {
                        assert_eq!(wanted, actual, "expected and actual requests differ")
                    }
                    None => panic!("more requests than expected: {actual:?}"),
                }
            }
            let reply = lock(&self.responses)
                .pop_front()
                .expect("no canned response left");
            out.push(T::from_reply(reply));
        }
        Ok(Box::new(out.into_iter()))
    }
}
