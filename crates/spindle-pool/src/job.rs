//! What a caller hands a pool thread: a batch of requests on the caller's stack, the space for
//! the replies, and a latch the caller waits on.
//!
//! A call puts one [`Batch`] per thread it addresses on its own stack (no channel, no
//! allocation per request) and pushes a pointer to each onto that thread's inbox. The thread
//! drains the requests, pushes the replies into room the caller reserved, and counts the latch
//! down; the caller sleeps once per call, not once per request.
//!
//! # Invariants
//! - **J1** A `Batch` (and the `Latch` it points to) stays alive and unmoved from the moment its
//!   pointer is pushed until the thread that took it counts the latch down: the caller waits
//!   for the latch before it returns, unwinds or touches the batch again, and a pointer whose
//!   push failed is counted down by the caller itself.
//! - **J2** Between the push and the count-down only the pool thread touches the batch's vectors;
//!   after the count-down, only the caller.
//! - **J3** The latch's count-down is its last access to the batch and the latch: it clones the
//!   event count first, so notifying never touches memory the caller may have freed.

use std::marker::PhantomData;
use std::ptr::NonNull;

use spindle_queue::EventCount;

use crate::error::PoolError;
use crate::item::{Message, PoolItem, Reply};
use crate::primitive::{Arc, AtomicUsize, Ordering, pool_local};

/// The replies of one batch, in the order of its requests.
pub(crate) type Replies<P> = Vec<Result<Reply<P>, PoolError>>;

/// Requests for one thread, and room for its replies.
pub(crate) struct Batch<P: PoolItem> {
    pub(crate) requests: Vec<Message<P>>,
    pub(crate) replies: Replies<P>,
    latch: NonNull<Latch>,
}

impl<P: PoolItem> Batch<P> {
    pub(crate) fn new(requests: Vec<Message<P>>, latch: &Latch) -> Self {
        let replies = Vec::with_capacity(requests.len());
        Self {
            requests,
            replies,
            latch: NonNull::from(latch),
        }
    }
}

/// A batch pointer on its way to a pool thread.
pub(crate) struct Envelope<P: PoolItem> {
    batch: NonNull<Batch<P>>,
    _item: PhantomData<fn() -> P>,
}

// SAFETY: the batch holds `Message<P>`s and `Reply<P>`s, which are `Send` (`PoolItem`'s
// bounds on `Init`, `Api` and `ApiResponse`); `P` itself never crosses. J1/J2 make the thread
// that holds the envelope the batch's only user.
unsafe impl<P: PoolItem> Send for Envelope<P> {}

impl<P: PoolItem> Envelope<P> {
    /// # Safety
    /// The caller keeps `batch` alive, unmoved and untouched until its latch is counted down
    /// (J1, J2).
    pub(crate) unsafe fn new(batch: &mut Batch<P>) -> Self {
        Self {
            batch: NonNull::from(batch),
            _item: PhantomData,
        }
    }

    /// Answers every request with `answer`, then counts the latch down.
    pub(crate) fn process(self, mut answer: impl FnMut(Message<P>) -> Result<Reply<P>, PoolError>) {
        // SAFETY: J1: the batch is alive until we count down below; J2: only we touch it now.
        let batch = unsafe { &mut *self.batch.as_ptr() };
        for request in batch.requests.drain(..) {
            batch.replies.push(answer(request));
        }
        let latch = batch.latch;
        // SAFETY: J1: the latch outlives the batch's processing; this is our last access (J3).
        unsafe { Latch::count_down(latch.as_ptr()) };
    }

    /// Counts the latch down without processing (the push failed: the caller answers itself).
    pub(crate) fn abandon(self) {
        // SAFETY: J1: the caller still owns the batch; the latch is alive.
        unsafe { Latch::count_down((*self.batch.as_ptr()).latch.as_ptr()) };
    }
}

// The event count a calling thread sleeps on, shared by all of its calls. Reference counted so a
// pool thread can notify it after the caller has returned (J3).
pool_local! {
    static CALLER_EVENT: Arc<EventCount> = Arc::new(EventCount::new());
}

/// Counts the batches of one call still in flight; the caller waits for zero.
pub(crate) struct Latch {
    remaining: AtomicUsize,
    event: Arc<EventCount>,
}

impl Latch {
    pub(crate) fn new(batches: usize) -> Self {
        Self {
            remaining: AtomicUsize::new(batches),
            event: CALLER_EVENT.with(Arc::clone),
        }
    }

    /// Blocks until every batch has been counted down: spins briefly, then parks.
    pub(crate) fn wait(&self) {
        // SeqCst: the read the event count's contract asks for (pairs with `count_down`).
        self.event
            .wait_until(|| (self.remaining.load(Ordering::SeqCst) == 0).then_some(()));
    }

    /// # Safety
    /// `this` is alive on entry; the caller does not use it after (J3).
    unsafe fn count_down(this: *const Latch) {
        // SAFETY: alive on entry; clone first, so the notify below touches only our clone.
        let event = unsafe { Arc::clone(&(*this).event) };
        // SeqCst: the write the waiter's condition reads (the event count's contract). After
        // this the caller may return and free the latch (J3).
        // SAFETY: alive on entry, as above.
        let last = unsafe { (*this).remaining.fetch_sub(1, Ordering::SeqCst) } == 1;
        if last {
            event.notify_one();
        }
    }
}
