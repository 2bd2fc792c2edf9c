//! What a caller hands a pool thread: a batch of requests, the room for the replies, and a latch
//! the caller waits on.
//!
//! A call gives each thread it addresses one [`Batch`] (no channel, no allocation per request)
//! and pushes a pointer to it onto that thread's inbox. The thread answers the whole batch into
//! the reply buffer and counts the latch down; the caller sleeps once per call, not once per
//! request. The buffers are reused from call to call ([`Buffers`]), so a warm pool neither
//! allocates nor faults in fresh pages for a batch. A single request travels inline
//! ([`Batch::one`]), with no buffer at all.
//!
//! # Invariants
//! - **J1** A `Batch` (and the `Latch` it points to) stays alive and unmoved from the moment its
//!   pointer is pushed until the thread that took it counts the latch down: the caller waits
//!   for the latch before it returns, unwinds or touches the batch again, and a pointer whose
//!   push failed is counted down by the caller itself.
//! - **J2** Between the push and the count-down only the pool thread touches the batch;
//!   after the count-down, only the caller.
//! - **J3** The count-down is the thread's last access to the batch and the latch: it copies
//!   the event count's reference first, and event counts are never freed (`caller_event`), so
//!   notifying never touches memory the caller may have freed.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::time::Duration;

use crate::error::PoolError;
use crate::item::{Message, PoolItem, Reply};
use crate::primitive::{AtomicUsize, Ordering};

/// One request's outcome as a thread records it. The error is boxed: errors are rare, and a
/// 40-byte `PoolError` inline would double the size of every reply slot.
pub(crate) type Outcome<P> = Result<Reply<P>, Box<PoolError>>;

/// How long a waiting caller or an idle pool thread spins before it yields and parks. A round
/// trip whose other side is still running comes back well inside this; parking and being
/// woken costs a futex call on each side and a sleeping core's wake-up, several microseconds.
pub(crate) const SPIN: Duration = Duration::from_micros(20);

/// Requests for one thread, and room for its replies.
pub(crate) struct Batch<P: PoolItem> {
    /// A single request, sent inline (a round trip); `requests` is then empty.
    pub(crate) one: Option<Message<P>>,
    /// The single request's outcome.
    pub(crate) one_reply: Option<Outcome<P>>,
    pub(crate) requests: Vec<Message<P>>,
    pub(crate) replies: VecDeque<Outcome<P>>,
    /// How many outcomes are errors.
    pub(crate) errors: usize,
    latch: NonNull<Latch>,
}

impl<P: PoolItem> Batch<P> {
    /// A batch of many requests, answered into `replies` (empty, capacity reused).
    pub(crate) fn many(
        requests: Vec<Message<P>>,
        replies: VecDeque<Outcome<P>>,
        latch: &Latch,
    ) -> Self {
        Self {
            one: None,
            one_reply: None,
            requests,
            replies,
            errors: 0,
            latch: NonNull::from(latch),
        }
    }

    /// A batch of one request, carried inline.
    pub(crate) fn one(request: Message<P>, latch: &Latch) -> Self {
        Self {
            one: Some(request),
            one_reply: None,
            requests: Vec::new(),
            replies: VecDeque::new(),
            errors: 0,
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
        let mut outcome = |request| {
            let outcome = answer(request).map_err(Box::new);
            batch.errors += usize::from(outcome.is_err());
            outcome
        };
        if let Some(request) = batch.one.take() {
            batch.one_reply = Some(outcome(request));
        }
        for request in batch.requests.drain(..) {
            let reply = outcome(request);
            batch.replies.push_back(reply);
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

/// The event count a calling thread sleeps on, shared by all of its calls.
///
/// A pool thread notifies it after counting the latch down, when the caller may already have
/// returned (J3), so it must outlive the call without a reference count bounced between the two
/// threads on every round trip: each calling thread takes one from a global free list and puts
/// it back when the thread exits. Event counts are never freed, only reused (a late notify on a
/// reused one is a spurious wake-up, which its waiters tolerate), so there are at most as many
/// as there were threads calling at once. Under loom, an `Arc` per latch instead: loom objects
/// cannot outlive a model.
#[cfg(not(spindle_loom))]
mod caller_event {
    use std::sync::Mutex;

    use spindle_queue::EventCount;

    static FREE: Mutex<Vec<&'static EventCount>> = Mutex::new(Vec::new());

    struct Held(&'static EventCount);

    impl Drop for Held {
        fn drop(&mut self) {
            FREE.lock().unwrap_or_else(|e| e.into_inner()).push(self.0);
        }
    }

    std::thread_local! {
        static HELD: Held = Held(
            FREE.lock().unwrap_or_else(|e| e.into_inner()).pop()
                .unwrap_or_else(|| Box::leak(Box::new(EventCount::new()))),
        );
    }

    pub(crate) type EventRef = &'static EventCount;

    pub(crate) fn current() -> EventRef {
        HELD.with(|held| held.0)
    }

    /// Another reference to the same event count.
    pub(crate) fn share(event: &EventRef) -> EventRef {
        event
    }
}

#[cfg(spindle_loom)]
mod caller_event {
    use spindle_queue::EventCount;

    use crate::primitive::Arc;

    loom::thread_local! {
        static EVENT: Arc<EventCount> = Arc::new(EventCount::new());
    }

    pub(crate) type EventRef = Arc<EventCount>;

    pub(crate) fn current() -> EventRef {
        EVENT.with(Arc::clone)
    }

    /// Another reference to the same event count.
    pub(crate) fn share(event: &EventRef) -> EventRef {
        Arc::clone(event)
    }
}

/// Counts the batches of one call still in flight; the caller waits for zero.
pub(crate) struct Latch {
    remaining: AtomicUsize,
    event: caller_event::EventRef,
}

impl Latch {
    pub(crate) fn new(batches: usize) -> Self {
        Self {
            remaining: AtomicUsize::new(batches),
            event: caller_event::current(),
        }
    }

    fn done(&self) -> bool {
        // SeqCst: the read the event count's contract asks for (pairs with `count_down`).
        self.remaining.load(Ordering::SeqCst) == 0
    }

    /// Blocks until every batch has been counted down: spins for [`SPIN`], then parks.
    pub(crate) fn wait(&self) {
        if !spin_until(|| self.done()) {
            self.event.wait_until(|| self.done().then_some(()));
        }
    }

    /// # Safety
    /// `this` is alive on entry; the caller does not use it after (J3).
    unsafe fn count_down(this: *const Latch) {
        // SAFETY: alive on entry. Copy (or clone, under loom) the event first: it outlives the
        // latch (see `caller_event`), so the notify below touches no memory of the call.
        let event = caller_event::share(unsafe { &(*this).event });
        // SeqCst: the write the waiter's condition reads (the event count's contract). After
        // this the caller may return and free the latch (J3).
        // SAFETY: alive on entry, as above.
        let last = unsafe { (*this).remaining.fetch_sub(1, Ordering::SeqCst) } == 1;
        if last {
            event.notify_one();
        }
    }
}

/// Spins until `ready` or [`SPIN`] has passed; true if ready.
pub(crate) fn spin_until(ready: impl FnMut() -> bool) -> bool {
    spindle_queue::spin_until(SPIN, ready)
}

/// A call's working memory, kept by the pool between calls so a warm pool reuses it: requests
/// routed per thread, each request's thread (to answer in request order), replies per thread.
pub(crate) struct Buffers<P: PoolItem> {
    pub(crate) requests: Vec<Vec<Message<P>>>,
    pub(crate) replies: Vec<VecDeque<Outcome<P>>>,
    pub(crate) route: Vec<u32>,
}

impl<P: PoolItem> Buffers<P> {
    pub(crate) fn new(threads: usize) -> Self {
        Self {
            requests: (0..threads).map(|_| Vec::new()).collect(),
            replies: (0..threads).map(|_| VecDeque::new()).collect(),
            route: Vec::new(),
        }
    }

    /// Empties the buffers, keeping their memory.
    pub(crate) fn clear(&mut self) {
        self.requests.iter_mut().for_each(Vec::clear);
        self.replies.iter_mut().for_each(VecDeque::clear);
        self.route.clear();
    }

    /// The requests the buffers have room for.
    pub(crate) fn capacity(&self) -> usize {
        self.route.capacity()
    }
}
