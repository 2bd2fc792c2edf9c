//! The waiting ends of a [`BoundedQueue`]: pushes that wait for room, pops that wait for a
//! value, and the close that releases both. The waiting itself is shared with the unbounded
//! queue (`crate::blocking`).

use std::time::Duration;

use super::BoundedQueue;
use crate::blocking;
use crate::error::{PopTimeoutError, PushTimeoutError};
use crate::future::{PopFuture, PushFuture};
use spindle_utils::Closed;

impl<T> BoundedQueue<T> {
    /// Pushes `value`, waiting while the queue is full: spins briefly, then parks until a pop
    /// makes room.
    ///
    /// # Errors
    ///
    /// [`Closed`] holding `value` if the queue is closed before the value gets in.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let q = Arc::new(spindle_queue::BoundedQueue::new(1)?);
    /// q.push_blocking(1).unwrap();
    /// let consumer = {
    ///     let q = Arc::clone(&q);
    ///     std::thread::spawn(move || (q.pop_blocking().unwrap(), q.pop_blocking().unwrap()))
    /// };
    /// q.push_blocking(2).unwrap(); // waits until the consumer has taken 1
    /// assert_eq!(consumer.join().unwrap(), (1, 2));
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn push_blocking(&self, value: T) -> Result<(), Closed<T>> {
        blocking::push(&self.not_full, value, None, |v| self.push(v))
            .map_err(|e| Closed(e.into_inner()))
    }

    /// Pushes `value`, waiting at most `timeout` while the queue is full.
    ///
    /// # Errors
    ///
    /// [`PushTimeoutError::Timeout`] or [`PushTimeoutError::Closed`], holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = spindle_queue::BoundedQueue::new(1)?;
    /// q.push_timeout(1, Duration::from_millis(1)).unwrap();
    /// assert!(q.push_timeout(2, Duration::from_millis(1)).is_err());
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn push_timeout(&self, value: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
        let deadline = blocking::deadline_after(timeout);
        blocking::push(&self.not_full, value, deadline, |v| self.push(v))
    }

    /// Pops the value at the front, waiting while the queue is empty: spins briefly, then parks
    /// until a push arrives. After [`close`](BoundedQueue::close), still returns the values
    /// pushed before it.
    ///
    /// # Errors
    ///
    /// [`Closed`] once the queue is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::new(2)?;
    /// q.push(1).unwrap();
    /// q.close();
    /// assert_eq!(q.pop_blocking(), Ok(1));
    /// assert!(q.pop_blocking().is_err());
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn pop_blocking(&self) -> Result<T, Closed> {
        blocking::pop_blocking(&self.not_empty, || self.try_pop())
    }

    /// Pops the value at the front, waiting at most `timeout` while the queue is empty.
    ///
    /// # Errors
    ///
    /// [`PopTimeoutError::Timeout`] if nothing arrived in time, [`PopTimeoutError::Closed`]
    /// once the queue is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use spindle_queue::PopTimeoutError;
    /// let q = spindle_queue::BoundedQueue::<u8>::new(2)?;
    /// assert_eq!(q.pop_timeout(Duration::from_millis(1)), Err(PopTimeoutError::Timeout));
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
        blocking::pop_timeout(&self.not_empty, timeout, || self.try_pop())
    }

    /// Pushes `value`, waiting asynchronously while the queue is full: the async form of
    /// [`push_blocking`](BoundedQueue::push_blocking), for any runtime. The future allocates
    /// nothing and holds `value` until it is in the queue, so dropping it before it completes
    /// hands nothing to the queue. Pops of any kind (blocking, non-blocking, async) wake it.
    ///
    /// # Errors
    ///
    /// The future resolves to [`Closed`] holding `value` if the queue closes before the value
    /// gets in.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = Arc::new(spindle_queue::BoundedQueue::new(1).unwrap());
    /// q.push_async(1).await.unwrap();
    /// let consumer = {
    ///     let q = Arc::clone(&q);
    ///     std::thread::spawn(move || (q.pop_blocking().unwrap(), q.pop_blocking().unwrap()))
    /// };
    /// q.push_async(2).await.unwrap(); // waits until the consumer thread has taken 1
    /// assert_eq!(consumer.join().unwrap(), (1, 2));
    /// q.close();
    /// assert_eq!(q.push_async(3).await, Err(spindle_queue::Closed(3)));
    /// # });
    /// ```
    pub fn push_async(&self, value: T) -> PushFuture<'_, T> {
        PushFuture::new(self, &self.not_full, value)
    }

    /// Pops the value at the front, waiting asynchronously while the queue is empty: the async
    /// form of [`pop_blocking`](BoundedQueue::pop_blocking). The future allocates nothing;
    /// dropping it before it completes takes no value.
    ///
    /// # Errors
    ///
    /// The future resolves to [`Closed`] once the queue is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = spindle_queue::BoundedQueue::new(2).unwrap();
    /// q.push(5).unwrap();
    /// q.close();
    /// assert_eq!(q.pop_async().await, Ok(5));
    /// assert!(q.pop_async().await.is_err());
    /// # });
    /// ```
    pub fn pop_async(&self) -> PopFuture<'_, T> {
        PopFuture::bounded(self, &self.not_empty)
    }

    /// A [`Stream`](futures_core::Stream) of the values popped from this queue, ending once it
    /// is closed and drained (feature `futures`). See [`PopStream`](crate::PopStream).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// let q = spindle_queue::BoundedQueue::new(4)?;
    /// (0..4).for_each(|i| q.push(i).unwrap());
    /// q.close();
    /// let sum = futures::executor::block_on(q.stream().fold(0, |a, b| async move { a + b }));
    /// assert_eq!(sum, 6);
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    #[cfg(feature = "futures")]
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn stream(&self) -> crate::PopStream<'_, T> {
        crate::PopStream::bounded(self, &self.not_empty)
    }

    /// Closes the queue: later pushes fail and hand their value back, blocked pushers wake with
    /// [`Closed`], and poppers drain what is left, then get [`Closed`]. Returns `true` if this
    /// call closed it, `false` if it was already closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::<u8>::new(2)?;
    /// assert!(q.close());
    /// assert!(!q.close());
    /// assert!(q.is_closed());
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn close(&self) -> bool {
        let waiters = [&self.not_empty, &self.not_full];
        blocking::close(&self.tail, self.mark_bit, &waiters)
    }

    /// Returns `true` once [`close`](BoundedQueue::close) has been called.
    ///
    /// ```
    /// let q = spindle_queue::BoundedQueue::<u8>::new(2)?;
    /// assert!(!q.is_closed());
    /// # Ok::<(), spindle_queue::CapacityError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        blocking::is_closed(&self.tail, self.mark_bit)
    }
}
