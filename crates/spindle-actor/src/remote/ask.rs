//! [`Remote::ask`]: a remote call whose answer another thread awaits.
//!
//! The call carries an [`Answerer`], the sending end of a one-value slot shared with the
//! future. The runtime's thread fills the slot with the closure's value; if the closure is
//! dropped unrun (the actor stopped, or the runtime is gone) or unwinds, the answerer's `Drop`
//! marks the slot answered with no value, so the future always resolves. The slot is one `Arc`
//! next to the call's own box; waiting allocates nothing more (the waker is kept in the slot).
//!
//! # Protocol
//!
//! Both sides touch the slot only under its mutex: the future stores its waker there unless
//! the slot is answered; the answerer marks it answered, takes the waker, unlocks and wakes
//! it. So either the future's poll comes first and its waker is taken and woken, or the answer
//! comes first and the poll sees it.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use spindle_utils::Closed;
use spindle_utils::sync::{Arc, Mutex, lock};

use super::Remote;
use crate::actor::Cx;

/// What both sides share.
struct Slot<R> {
    answered: bool,
    value: Option<R>,
    waker: Option<Waker>,
}

/// The runtime's end: answers once, with a value or, if dropped unused, with none.
struct Answerer<R> {
    slot: Arc<Mutex<Slot<R>>>,
}

impl<R> Answerer<R> {
    fn finish(&self, value: Option<R>) {
        let waker = {
            let mut slot = lock(&self.slot);
            if slot.answered {
                return;
            }
            slot.answered = true;
            slot.value = value;
            slot.waker.take()
        };
        // Woken outside the lock: a waker may run the asker's runtime code.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<R> Drop for Answerer<R> {
    fn drop(&mut self) {
        // A no-op after an answer; otherwise the call was dropped unrun or unwound.
        self.finish(None);
    }
}

/// The asker's end: the future [`Remote::ask`] returns.
struct Answer<R> {
    slot: Arc<Mutex<Slot<R>>>,
}

impl<R> Future for Answer<R> {
    type Output = Result<R, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = lock(&self.slot);
        if slot.answered {
            return Poll::Ready(slot.value.take().ok_or(Closed(())));
        }
        match &slot.waker {
            Some(current) if current.will_wake(cx.waker()) => {}
            _ => {
                let old = slot.waker.replace(cx.waker().clone());
                drop(slot);
                // Dropped outside the lock, like a wake.
                drop(old);
            }
        }
        Poll::Pending
    }
}

impl<A: 'static> Remote<A> {
    /// Queues a call to the actor from any thread and returns a future of its value: the
    /// awaitable form of [`call`](Remote::call), for async code under any runtime (and for
    /// `futures::executor::block_on` on a plain thread).
    ///
    /// The call runs on the actor's runtime thread like any remote call, in order with this
    /// sender's other calls. The future needs no runtime of its own and never blocks its
    /// thread; besides the call's box, an ask allocates one small shared slot.
    ///
    /// # Errors
    ///
    /// The future resolves to [`Closed`] if no answer can come: the actor stopped before the
    /// call ran (as a `Ret` answers `None`), the runtime is gone, or `f` panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// use spindle_actor::Runtime;
    ///
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let runtime_thread = std::thread::spawn(move || {
    ///     let mut rt = Runtime::new();
    ///     let counter = rt.spawn(|_| 41u32);
    ///     tx.send(counter.remote()).unwrap();
    ///     // Runs until the last `Remote` is gone.
    ///     let _ = rt.run_until(|_| false);
    /// });
    /// let remote = rx.recv().unwrap();
    /// let tokio = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let answer = tokio.block_on(remote.ask(|n, _| {
    ///     *n += 1;
    ///     *n
    /// }));
    /// assert_eq!(answer, Ok(42));
    /// drop(remote);
    /// runtime_thread.join().unwrap();
    /// ```
    pub fn ask<F, R>(&self, f: F) -> impl Future<Output = Result<R, Closed>> + Send + use<A, F, R>
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) -> R + Send + 'static,
        R: Send + 'static,
    {
        let slot = Arc::new(Mutex::new(Slot {
            answered: false,
            value: None,
            waker: None,
        }));
        let answerer = Answerer {
            slot: Arc::clone(&slot),
        };
        // Refused (the runtime is gone): the closure comes back and is dropped here, and with
        // it the answerer, which answers `Closed`.
        let _ = self.call(move |actor, cx| {
            let value = f(actor, cx);
            answerer.finish(Some(value));
        });
        Answer { slot }
    }
}
