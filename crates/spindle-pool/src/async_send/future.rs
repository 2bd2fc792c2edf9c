//! The futures of the async calls: [`ResponseFuture`] (one request) and [`ResponsesFuture`]
//! (many), each resolving with what the blocking call would have returned.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::call::{Call, Many, One};
use crate::error::PoolError;
use crate::item::{PoolItem, RequestWithResponse};
use crate::primitive::Arc;

/// The call of one request, as its future holds it.
type OneCall<P> = Arc<Call<P, One<P>>>;
/// The call of many requests, with each request's batch in request order.
type ManyCall<P> = (Arc<Call<P, Many<P>>>, Vec<u32>);

/// Where a future stands.
enum Stage<C, R> {
    /// Sent; answered once every batch of the call is handed back.
    Sent(C),
    /// Answered already (a call made on a pool thread waits as the blocking calls do).
    Ready(R),
    /// Polled to completion.
    Done,
}

/// The future of [`ItemPool::send_and_receive_once_async`](crate::ItemPool::send_and_receive_once_async):
/// the response to one request, or its [`PoolError`], exactly as
/// [`send_and_receive_once`](crate::ItemPool::send_and_receive_once) returns them.
///
/// The request was sent when the future was made. Dropping the future does not block and
/// does not withdraw the request: the pool thread still answers it, and the response is
/// dropped, each value inside `catch_unwind` (by the pool thread when it answers after the
/// drop). The future does not borrow the pool, so it can be spawned (`'static`).
///
/// # Panics
///
/// If polled again after it returned `Ready`.
///
/// # Examples
///
/// ```
/// use spindle_pool::{ItemPool, ResponseFuture};
/// # #[derive(Debug)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
/// let pool = ItemPool::<Item>::new(2).unwrap();
/// let add: ResponseFuture<Item, ItemInit> = pool.send_and_receive_once_async(ItemInit(4));
/// assert_eq!(futures::executor::block_on(add)?.id(), 4);
/// # Ok::<(), spindle_pool::PoolError>(())
/// ```
#[must_use = "the request is sent either way; dropping the future drops its response"]
pub struct ResponseFuture<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> {
    stage: Stage<OneCall<P>, Result<T::Response, PoolError>>,
    _request: PhantomData<fn() -> T>,
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> ResponseFuture<P, T> {
    pub(super) fn sent(call: Arc<Call<P, One<P>>>) -> Self {
        Self {
            stage: Stage::Sent(call),
            _request: PhantomData,
        }
    }

    pub(super) fn ready(outcome: Result<T::Response, PoolError>) -> Self {
        Self {
            stage: Stage::Ready(outcome),
            _request: PhantomData,
        }
    }
}

// Nothing is structurally pinned: the response is moved out by value.
impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> Unpin for ResponseFuture<P, T> {}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> Future for ResponseFuture<P, T> {
    type Output = Result<T::Response, PoolError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Stage::Sent(call) = &this.stage {
            if call.poll_done(cx).is_pending() {
                return Poll::Pending;
            }
        }
        match std::mem::replace(&mut this.stage, Stage::Done) {
            Stage::Sent(call) => {
                // SAFETY: `poll_done` was ready: the batch is ours (A1).
                let outcome = unsafe { call.with_batch(0, |batch| batch.one_reply.take()) };
                let waker = call.take_waker();
                drop(call);
                drop(waker);
                Poll::Ready(match outcome {
                    Some(Ok(reply)) => Ok(T::from_reply(reply)),
                    Some(Err(e)) => Err(*e),
                    None => Err(PoolError::ShutDown),
                })
            }
            Stage::Ready(outcome) => Poll::Ready(outcome),
            Stage::Done => panic!("ResponseFuture polled after it completed"),
        }
    }
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> Drop for ResponseFuture<P, T> {
    fn drop(&mut self) {
        if let Stage::Sent(call) = &self.stage {
            // A3: the waker is dropped here, not on a pool thread; the call's count goes with
            // the field, after this.
            drop(call.take_waker());
        }
    }
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> fmt::Debug
    for ResponseFuture<P, T>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("stage", &stage_name(&self.stage))
            .finish_non_exhaustive()
    }
}

/// The future of [`ItemPool::send_and_receive_async`](crate::ItemPool::send_and_receive_async):
/// the responses in request order, or the first error among them in request order, exactly as
/// [`send_and_receive`](crate::ItemPool::send_and_receive) returns them.
///
/// The requests were sent when the future was made. Dropping the future does not block and
/// does not withdraw them: the pool threads still answer them, and the responses are
/// dropped, each inside `catch_unwind` (by the last pool thread to answer when that comes
/// after the drop). The future does not borrow the pool, so it can be spawned (`'static`).
///
/// # Panics
///
/// If polled again after it returned `Ready`.
///
/// # Examples
///
/// ```
/// use spindle_pool::{ItemPool, ResponsesFuture};
/// # #[derive(Debug)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
/// let pool = ItemPool::<Item>::new(2).unwrap();
/// let adds: ResponsesFuture<Item, ItemInit> = pool.send_and_receive_async((0..3).map(ItemInit));
/// let ids: Vec<u64> = futures::executor::block_on(adds)?.iter().map(|r| r.id()).collect();
/// assert_eq!(ids, [0, 1, 2]);
/// # Ok::<(), spindle_pool::PoolError>(())
/// ```
#[must_use = "the requests are sent either way; dropping the future drops their responses"]
pub struct ResponsesFuture<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> {
    stage: Stage<ManyCall<P>, Result<Vec<T::Response>, PoolError>>,
    _request: PhantomData<fn() -> T>,
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> ResponsesFuture<P, T> {
    /// `route` names each request's batch, in request order.
    pub(super) fn sent(call: Arc<Call<P, Many<P>>>, route: Vec<u32>) -> Self {
        Self {
            stage: Stage::Sent((call, route)),
            _request: PhantomData,
        }
    }

    pub(super) fn ready(outcome: Result<Vec<T::Response>, PoolError>) -> Self {
        Self {
            stage: Stage::Ready(outcome),
            _request: PhantomData,
        }
    }
}

// Nothing is structurally pinned: the responses are moved out by value.
impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> Unpin for ResponsesFuture<P, T> {}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> Future for ResponsesFuture<P, T> {
    type Output = Result<Vec<T::Response>, PoolError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Stage::Sent((call, _)) = &this.stage {
            if call.poll_done(cx).is_pending() {
                return Poll::Pending;
            }
        }
        match std::mem::replace(&mut this.stage, Stage::Done) {
            Stage::Sent((call, route)) => {
                let outcome = collect::<P, T>(&call, &route);
                let waker = call.take_waker();
                drop(call);
                drop(waker);
                Poll::Ready(outcome)
            }
            Stage::Ready(outcome) => Poll::Ready(outcome),
            Stage::Done => panic!("ResponsesFuture polled after it completed"),
        }
    }
}

/// The outcome of a call none of whose batches is in flight, as `send_and_receive` gives it:
/// the responses in request order, or the first error in request order (requests refused
/// after shutdown count as errors; one is reported as `ShutDown` if no other error is found).
fn collect<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static>(
    call: &Call<P, Many<P>>,
    route: &[u32],
) -> Result<Vec<T::Response>, PoolError> {
    let errors: usize = (0..call.len())
        .map(|index| {
            // SAFETY: the caller saw `poll_done` ready, and holds the future's count: the
            // batches are ours (A1). A refused batch still holds its requests.
            unsafe { call.with_batch(index, |b| b.errors + b.requests.len()) }
        })
        .sum();
    let next = |index: u32| {
        // SAFETY: as above.
        unsafe { call.with_batch(index as usize, |b| b.replies.pop_front()) }
    };
    if errors > 0 {
        for &index in route {
            if let Some(Err(e)) = next(index) {
                return Err(*e);
            }
        }
        return Err(PoolError::ShutDown);
    }
    Ok(route
        .iter()
        .map_while(|&index| match next(index)? {
            Ok(reply) => Some(T::from_reply(reply)),
            Err(_) => None,
        })
        .collect())
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> Drop for ResponsesFuture<P, T> {
    fn drop(&mut self) {
        if let Stage::Sent((call, _)) = &self.stage {
            // A3, as for `ResponseFuture`.
            drop(call.take_waker());
        }
    }
}

impl<P: PoolItem + 'static, T: RequestWithResponse<P> + 'static> fmt::Debug
    for ResponsesFuture<P, T>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponsesFuture")
            .field("stage", &stage_name(&self.stage))
            .finish_non_exhaustive()
    }
}

fn stage_name<C, R>(stage: &Stage<C, R>) -> &'static str {
    match stage {
        Stage::Sent(_) => "sent",
        Stage::Ready(_) => "ready",
        Stage::Done => "done",
    }
}
