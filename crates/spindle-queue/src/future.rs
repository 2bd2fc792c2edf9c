//! The async ends of both queues: [`PopFuture`], [`PushFuture`] and, with the `futures` feature,
//! [`PopStream`].
//!
//! Each future holds an [`AsyncWaiter`] of the queue's event count (`not_empty` for pops,
//! `not_full` for pushes) and polls it with the same non-blocking attempt the blocking ends
//! retry, so the ordering argument of `crate::blocking` carries over unchanged: an attempt
//! reports "empty" or "full" only after a `SeqCst` load of the index the other side claims with
//! a `SeqCst` CAS, and that side notifies after its CAS. The waiter's node lives in the future:
//! an async pop or push allocates nothing.
//!
//! Cancellation: a pop hands its value out in the same poll that took it from the queue, so a
//! dropped [`PopFuture`] took nothing; a [`PushFuture`] keeps its value until a poll moves it
//! into the queue, so a dropped one hands nothing to the queue (its value is dropped with it).
//! A dropped future that a notification had picked passes it on ([`AsyncWaiter`]).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::error::{Empty, PushError};
use crate::{BoundedQueue, Queue};
use spindle_utils::{AsyncWaiter, Closed, EventCount};

/// The queue a future pops from.
enum Source<'a, T> {
    Unbounded(&'a Queue<T>),
    Bounded(&'a BoundedQueue<T>),
}

impl<T> Source<'_, T> {
    fn try_pop(&self) -> Result<T, Empty> {
        match self {
            Source::Unbounded(q) => q.try_pop(),
            Source::Bounded(q) => q.try_pop(),
        }
    }
}

impl<T> Clone for Source<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Source<'_, T> {}

/// Polls `waiter` with one pop attempt of `source`: `Some(value)`, or `None` once the queue is
/// closed and drained.
fn poll_pop<T>(
    waiter: Pin<&mut AsyncWaiter<'_>>,
    source: Source<'_, T>,
    cx: &mut Context<'_>,
) -> Poll<Option<T>> {
    waiter.poll_until(cx, || match source.try_pop() {
        Ok(value) => Some(Some(value)),
        Err(Empty::Closed) => Some(None),
        Err(Empty::Now) => None,
    })
}

/// The future of [`Queue::pop_async`] and [`BoundedQueue::pop_async`]: the value at the front,
/// once there is one, or [`Closed`] once the queue is closed and drained.
///
/// Dropping it before it completes takes no value from the queue.
///
/// # Examples
///
/// ```
/// let q = spindle_queue::Queue::new();
/// q.push(7).unwrap();
/// let pop: spindle_queue::PopFuture<'_, i32> = q.pop_async();
/// assert_eq!(futures::executor::block_on(pop), Ok(7));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct PopFuture<'a, T> {
    source: Source<'a, T>,
    waiter: AsyncWaiter<'a>,
}

impl<'a, T> PopFuture<'a, T> {
    pub(crate) fn unbounded(queue: &'a Queue<T>, not_empty: &'a EventCount) -> Self {
        PopFuture {
            source: Source::Unbounded(queue),
            waiter: not_empty.async_waiter(),
        }
    }

    pub(crate) fn bounded(queue: &'a BoundedQueue<T>, not_empty: &'a EventCount) -> Self {
        PopFuture {
            source: Source::Bounded(queue),
            waiter: not_empty.async_waiter(),
        }
    }
}

impl<T> fmt::Debug for PopFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PopFuture")
            .field("waiter", &self.waiter)
            .finish_non_exhaustive()
    }
}

impl<T> Future for PopFuture<'_, T> {
    type Output = Result<T, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `waiter` is pinned with `self` and never moved out of it; `source` is a
        // shared reference, not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let waiter = unsafe { Pin::new_unchecked(&mut this.waiter) };
        poll_pop(waiter, this.source, cx).map(|popped| popped.ok_or(Closed(())))
    }
}

/// The future of [`BoundedQueue::push_async`]: completes once the value is in the queue, or
/// with [`Closed`] holding it if the queue closes first.
///
/// Dropping it before it completes hands nothing to the queue: the value is dropped with the
/// future.
///
/// # Examples
///
/// ```
/// let q = spindle_queue::BoundedQueue::new(1)?;
/// let push: spindle_queue::PushFuture<'_, char> = q.push_async('a');
/// assert_eq!(futures::executor::block_on(push), Ok(()));
/// assert_eq!(q.pop(), Some('a'));
/// # Ok::<(), spindle_queue::CapacityError>(())
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct PushFuture<'a, T> {
    queue: &'a BoundedQueue<T>,
    /// The value, until a poll moves it into the queue (or hands it back).
    value: Option<T>,
    waiter: AsyncWaiter<'a>,
}

impl<'a, T> PushFuture<'a, T> {
    pub(crate) fn new(queue: &'a BoundedQueue<T>, not_full: &'a EventCount, value: T) -> Self {
        PushFuture {
            queue,
            value: Some(value),
            waiter: not_full.async_waiter(),
        }
    }
}

impl<T> fmt::Debug for PushFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushFuture")
            .field("pending", &self.value.is_some())
            .field("waiter", &self.waiter)
            .finish_non_exhaustive()
    }
}

impl<T> Future for PushFuture<'_, T> {
    type Output = Result<(), Closed<T>>;

    /// # Panics
    ///
    /// If polled again after it completed.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `waiter` is pinned with `self` and never moved out of it; `value` is not
        // structurally pinned (it moves into the queue by value).
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let waiter = unsafe { Pin::new_unchecked(&mut this.waiter) };
        let (queue, pending) = (this.queue, &mut this.value);
        if pending.is_none() {
            panic!("PushFuture polled after completion");
        }
        waiter.poll_until(cx, || {
            let value = pending.take()?;
            match queue.push(value) {
                Ok(()) => Some(Ok(())),
                Err(PushError::Closed(value)) => Some(Err(Closed(value))),
                Err(PushError::Full(value)) => {
                    *pending = Some(value);
                    None
                }
            }
        })
    }
}

#[cfg(feature = "futures")]
pub use self::stream::PopStream;

#[cfg(feature = "futures")]
mod stream {
    use super::*;

    /// A [`Stream`](futures_core::Stream) of the values popped from a queue, ending once the
    /// queue is closed and drained; from [`Queue::stream`] or [`BoundedQueue::stream`].
    ///
    /// It borrows the queue, so several streams, blocking poppers and `pop_async` futures may
    /// consume the same queue at once; each value goes to one of them. A stream dropped between
    /// items takes nothing with it.
    ///
    /// Like the futures, it holds its waiter's node inline, so it is `!Unpin`: pin it
    /// (`std::pin::pin!`, or `Box::pin`) to call `StreamExt::next` on it; adapters that take it
    /// by value (`collect`, `fold`, `for_each`) pin it themselves.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// let q = spindle_queue::Queue::new();
    /// (1..=3).for_each(|i| q.push(i).unwrap());
    /// q.close();
    /// let all: Vec<i32> = futures::executor::block_on(q.stream().collect());
    /// assert_eq!(all, [1, 2, 3]);
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct PopStream<'a, T> {
        source: Source<'a, T>,
        waiter: AsyncWaiter<'a>,
        /// Set once the stream has returned `None`.
        ended: bool,
    }

    impl<'a, T> PopStream<'a, T> {
        pub(crate) fn unbounded(queue: &'a Queue<T>, not_empty: &'a EventCount) -> Self {
            PopStream {
                source: Source::Unbounded(queue),
                waiter: not_empty.async_waiter(),
                ended: false,
            }
        }

        pub(crate) fn bounded(queue: &'a BoundedQueue<T>, not_empty: &'a EventCount) -> Self {
            PopStream {
                source: Source::Bounded(queue),
                waiter: not_empty.async_waiter(),
                ended: false,
            }
        }
    }

    impl<T> fmt::Debug for PopStream<'_, T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("PopStream")
                .field("ended", &self.ended)
                .field("waiter", &self.waiter)
                .finish_non_exhaustive()
        }
    }

    impl<T> futures_core::Stream for PopStream<'_, T> {
        type Item = T;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
            // SAFETY: `waiter` is pinned with `self` and never moved out of it; the other
            // fields are not structurally pinned.
            let this = unsafe { self.get_unchecked_mut() };
            if this.ended {
                return Poll::Ready(None);
            }
            // SAFETY: as above.
            let waiter = unsafe { Pin::new_unchecked(&mut this.waiter) };
            let next = poll_pop(waiter, this.source, cx);
            this.ended = matches!(next, Poll::Ready(None));
            next
        }
    }

    impl<T> futures_core::FusedStream for PopStream<'_, T> {
        fn is_terminated(&self) -> bool {
            self.ended
        }
    }
}
