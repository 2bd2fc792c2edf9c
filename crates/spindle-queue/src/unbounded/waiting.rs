//! The waiting ends of a [`Queue`]: pops that wait for a value, and the close that releases
//! them. The waiting itself is shared with the bounded queue (`crate::blocking`).

use std::time::Duration;

use super::{CLOSED, Queue};
use crate::blocking;
use crate::error::PopTimeoutError;
use crate::future::PopFuture;
use spindle_utils::Closed;

impl<T> Queue<T> {
    /// Pops the value at the front, waiting while the queue is empty: spins briefly, then
    /// parks until a push arrives. After [`close`](Queue::close), still returns the values
    /// pushed before it.
    ///
    /// # Errors
    ///
    /// [`Closed`] once the queue is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let q = Arc::new(spindle_queue::Queue::new());
    /// let consumer = {
    ///     let q = Arc::clone(&q);
    ///     std::thread::spawn(move || std::iter::from_fn(|| q.pop_blocking().ok()).sum::<u32>())
    /// };
    /// for i in 1..=4 {
    ///     q.push(i).unwrap();
    /// }
    /// q.close();
    /// assert_eq!(consumer.join().unwrap(), 10);
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
    /// let q = spindle_queue::Queue::new();
    /// q.push('x').unwrap();
    /// assert_eq!(q.pop_timeout(Duration::from_millis(1)), Ok('x'));
    /// assert!(q.pop_timeout(Duration::from_millis(1)).is_err());
    /// ```
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
        blocking::pop_timeout(&self.not_empty, timeout, || self.try_pop())
    }

    /// Pops the value at the front, waiting asynchronously while the queue is empty: the async
    /// form of [`pop_blocking`](Queue::pop_blocking), for any runtime. The future allocates
    /// nothing; dropping it before it completes takes no value. It mixes freely with the other
    /// ends: a thread's `push` wakes it, and it competes fairly with blocking poppers.
    ///
    /// # Errors
    ///
    /// The future resolves to [`Closed`] once the queue is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = Arc::new(spindle_queue::Queue::new());
    /// let producer = {
    ///     let q = Arc::clone(&q);
    ///     std::thread::spawn(move || {
    ///         (1..=4).for_each(|i| q.push(i).unwrap());
    ///         q.close();
    ///     })
    /// };
    /// let mut sum = 0;
    /// while let Ok(i) = q.pop_async().await {
    ///     sum += i;
    /// }
    /// assert_eq!(sum, 10);
    /// producer.join().unwrap();
    /// # });
    /// ```
    pub fn pop_async(&self) -> PopFuture<'_, T> {
        PopFuture::unbounded(self, &self.not_empty)
    }

    /// A [`Stream`](futures_core::Stream) of the values popped from this queue, ending once it
    /// is closed and drained (feature `futures`). See [`PopStream`](crate::PopStream).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// let q = spindle_queue::Queue::new();
    /// q.push("a").unwrap();
    /// q.close();
    /// let mut stream = std::pin::pin!(q.stream()); // `next` needs it pinned
    /// assert_eq!(futures::executor::block_on(stream.next()), Some("a"));
    /// assert_eq!(futures::executor::block_on(stream.next()), None);
    /// ```
    #[cfg(feature = "futures")]
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn stream(&self) -> crate::PopStream<'_, T> {
        crate::PopStream::unbounded(self, &self.not_empty)
    }

    /// Closes the queue: later pushes fail and hand their value back, and poppers drain what
    /// is left, then get [`Closed`] (threads blocked in [`pop_blocking`](Queue::pop_blocking)
    /// wake). Returns `true` if this call closed it, `false` if it was already closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = spindle_queue::Queue::<u8>::new();
    /// assert!(q.close());
    /// assert!(!q.close());
    /// assert!(q.is_closed());
    /// ```
    pub fn close(&self) -> bool {
        blocking::close(&self.tail.index, CLOSED, &[&self.not_empty])
    }

    /// Returns `true` once [`close`](Queue::close) has been called.
    ///
    /// ```
    /// assert!(!spindle_queue::Queue::<u8>::new().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        blocking::is_closed(&self.tail.index, CLOSED)
    }
}
