//! What an async call shares with the pool threads answering it: its batches, how many are
//! still in flight, and the waker of the task awaiting them (A1–A4 in the parent module).

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::task::{Context, Poll, Waker};

use spindle_queue::Closed;

use crate::item::{Message, PoolItem};
use crate::job::{Batch, Envelope};
use crate::pool::Shared;
use crate::primitive::{Arc, AtomicUsize, Mutex, Ordering, lock};

/// Set in [`Call::state`] once a poll has stored a waker (A2).
const HAS_WAKER: usize = 1;
/// One batch in flight, in [`Call::state`].
const IN_FLIGHT: usize = 2;

/// The batches of a call: one inline ([`One`]) or one per thread addressed ([`Many`]).
pub(super) trait Batches<P: PoolItem + 'static>:
    AsRef<[UnsafeCell<Batch<P>>]> + AsMut<[UnsafeCell<Batch<P>>]> + Send + 'static
{
}

impl<P: PoolItem + 'static, S> Batches<P> for S where
    S: AsRef<[UnsafeCell<Batch<P>>]> + AsMut<[UnsafeCell<Batch<P>>]> + Send + 'static
{
}

/// The batch of a single request, inside the call's one allocation.
pub(super) type One<P> = [UnsafeCell<Batch<P>>; 1];
/// One batch per thread a call addresses.
pub(super) type Many<P> = Box<[UnsafeCell<Batch<P>>]>;

/// An async call's shared state, in one `Arc` (A1).
pub(super) struct Call<P: PoolItem + 'static, S: Batches<P>> {
    /// `IN_FLIGHT` × the batches not yet handed back, plus `HAS_WAKER` (A2).
    state: AtomicUsize,
    /// The waker of the latest poll that found batches in flight (A2).
    waker: Mutex<Option<Waker>>,
    batches: S,
    _item: PhantomData<fn() -> P>,
}

// SAFETY: A1: each batch is used by one thread at a time (its pool thread between the push and
// `finish`, then the future, or whoever drops the last count), handed over by the inbox's
// push and pop and by the `AcqRel` RMWs on `state` (or the `Arc`'s own count); the batches'
// contents are `Send`.
unsafe impl<P: PoolItem + 'static, S: Batches<P>> Sync for Call<P, S> {}

impl<P: PoolItem + 'static> Call<P, One<P>> {
    /// The call of one request.
    pub(super) fn one(request: Message<P>) -> Arc<Self> {
        let batch = Batch::owned(Some(request), Vec::new(), finish::<P, One<P>>);
        Self::new([UnsafeCell::new(batch)])
    }
}

impl<P: PoolItem + 'static> Call<P, Many<P>> {
    /// The call of many requests: one batch per non-empty list (a thread's requests).
    pub(super) fn many(per_thread: impl IntoIterator<Item = Vec<Message<P>>>) -> Arc<Self> {
        let batches = per_thread
            .into_iter()
            .map(|requests| UnsafeCell::new(Batch::owned(None, requests, finish::<P, Many<P>>)))
            .collect();
        Self::new(batches)
    }
}

impl<P: PoolItem + 'static, S: Batches<P>> Call<P, S> {
    fn new(batches: S) -> Arc<Self> {
        let count = batches.as_ref().len();
        let call = Arc::new(Call {
            state: AtomicUsize::new(count * IN_FLIGHT),
            waker: Mutex::new(None),
            batches,
            _item: PhantomData,
        });
        let owner = Arc::as_ptr(&call).cast::<()>();
        for batch in call.batches.as_ref() {
            // SAFETY: nothing is sent yet: only this thread reaches the batches.
            unsafe { (*batch.get()).set_owner(owner) };
        }
        call
    }

    /// Pushes batch `index` onto pool thread `thread`'s inbox, with a count of the call for its
    /// envelope (A1); if the pool is shut down, hands the batch back unprocessed here (the
    /// future reports `ShutDown`, as the blocking calls do). Each batch is sent once.
    pub(super) fn send(this: &Arc<Self>, shared: &Shared<P>, index: usize, thread: usize) {
        // The envelope's count (A1), given back by `finish`, which finds the call at the
        // address `new` gave the batch (the same as this one).
        let owner = Arc::into_raw(Arc::clone(this));
        debug_assert!(std::ptr::eq(owner, Arc::as_ptr(this)));
        let batch = this.batches.as_ref()[index].get();
        // SAFETY: J6: the envelope holds a count of the allocation the batch lives in, so the
        // batch outlives it; J2: the batch is sent once, and no one else touches it until the
        // thread that takes the envelope calls `finish` (A1).
        let envelope = unsafe { Envelope::new(&mut *batch) };
        match shared.inboxes[thread].push(envelope) {
            // J5: a thread serving from inside a call of its own waits on this event.
            Ok(()) => shared.events[thread].notify_one(),
            Err(Closed(envelope)) => envelope.abandon(),
        }
    }

    /// Ready once every batch has been handed back; otherwise stores the task's waker (A2).
    pub(super) fn poll_done(&self, cx: &mut Context<'_>) -> Poll<()> {
        // Acquire: pairs with the hand-backs' `AcqRel` RMWs, so the batches' answers are
        // visible once none is in flight (A1).
        if self.state.load(Ordering::Acquire) < IN_FLIGHT {
            return Poll::Ready(());
        }
        let old = {
            let mut waker = lock(&self.waker);
            match &*waker {
                Some(current) if current.will_wake(cx.waker()) => None,
                // A2: a later poll's waker replaces the earlier one before the RMW below.
                _ => waker.replace(cx.waker().clone()),
            }
        };
        // Dropped outside the lock: dropping a waker runs the runtime's code.
        drop(old);
        // A2: the RMW that orders this registration against every hand-back.
        if self.state.fetch_or(HAS_WAKER, Ordering::AcqRel) < IN_FLIGHT {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Takes the stored waker out (a finished or dropped future), so that it is dropped on the
    /// future's side.
    pub(super) fn take_waker(&self) -> Option<Waker> {
        lock(&self.waker).take()
    }

    /// Runs `f` on batch `index`.
    ///
    /// # Safety
    /// [`poll_done`](Call::poll_done) has returned `Ready` (no batch is in flight, A1), and the
    /// caller is the future holding a count of the call (so nothing else touches the batches).
    pub(super) unsafe fn with_batch<R>(
        &self,
        index: usize,
        f: impl FnOnce(&mut Batch<P>) -> R,
    ) -> R {
        // SAFETY: the caller's guarantee: the batch is the future's alone now (A1).
        f(unsafe { &mut *self.batches.as_ref()[index].get() })
    }

    /// The number of batches.
    pub(super) fn len(&self) -> usize {
        self.batches.as_ref().len()
    }
}

/// A pool thread's end of an async batch's trip (J6): gives back the envelope's count of the
/// call, after waking the awaiting task if this was the last batch in flight (A2). Never
/// unwinds (A4).
///
/// # Safety
/// `call` is the address of a live `Call<P, S>` from [`Call::new`], and the caller owns one
/// count of it (taken by [`Call::send`]) and no longer touches the batch it handed back.
unsafe fn finish<P: PoolItem + 'static, S: Batches<P>>(call: *const ()) {
    // SAFETY: the caller's guarantee; `send` took this count with `Arc::into_raw`.
    let call = unsafe { Arc::from_raw(call.cast::<Call<P, S>>()) };
    // AcqRel: releases this batch's answers to the future (A1); acquires the registration of
    // a poll whose `fetch_or` came first, with its waker (A2).
    let before = call.state.fetch_sub(IN_FLIGHT, Ordering::AcqRel);
    if before & !HAS_WAKER == IN_FLIGHT && before & HAS_WAKER != 0 {
        if let Some(waker) = call.take_waker() {
            contain(|| waker.wake());
        }
    }
    // The last count drops the call, and with it a dropped future's answers (A3, A4).
    contain(move || drop(call));
}

impl<P: PoolItem + 'static, S: Batches<P>> Drop for Call<P, S> {
    /// Drops what a dropped future left (answers, requests refused after shutdown), each value
    /// contained on its own (A4): this runs on a pool thread when the future went first.
    fn drop(&mut self) {
        for batch in self.batches.as_mut() {
            let batch = batch.get_mut();
            discard(batch.one.take());
            discard(batch.one_reply.take());
            batch.requests.drain(..).for_each(discard);
            batch.replies.drain(..).for_each(discard);
        }
    }
}

/// Runs `f`, containing a panic (its payload is dropped contained too).
fn contain(f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        crate::thread::drop_payload(payload);
    }
}

/// Drops `value`, containing a panic in its `Drop`.
fn discard<T>(value: T) {
    contain(move || drop(value));
}
