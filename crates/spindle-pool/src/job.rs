//! What a caller hands a pool thread: a batch of requests, the room for the replies, and a latch
//! the caller waits on.
//!
//! A call gives each thread it addresses one [`Batch`] (no channel, no allocation per request)
//! and pushes a pointer to it onto that thread's inbox. The thread answers the whole batch into
//! the reply buffer and counts the latch down; the caller sleeps once per call, not once per
//! request. The buffers are reused from call to call ([`Buffers`], up to the pool's cap in
//! bytes), so a warm pool neither allocates nor faults in fresh pages for a batch. A single request travels inline
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
//! - **J4** Processing a batch ends in its count-down whatever the answering code does: the
//!   answers run inside `catch_unwind`, and a batch whose answering unwinds anyway (no user code
//!   does: the thread contains each request's user code on its own) gets a
//!   [`PoolError::Unanswered`] for every request left unanswered before the latch is counted
//!   down, so no caller is left waiting on a batch that will never finish.
//! - **J5** A caller that is a pool thread (a nested call, see `thread`) gives its latch the
//!   event count that the pushers into its own inbox notify, and waits on that event for
//!   "latch done or inbox non-empty" (`Serving::wait`). Both writes are `SeqCst` (the
//!   count-down's `fetch_sub`, the push's claim of a slot) followed by a `notify_one` on that
//!   same event, and both conditions are `SeqCst` loads (`Latch::is_done`, `Queue::is_empty`):
//!   the event count's contract holds for each, so neither wake-up is lost.
//! - **J6** An async call's batch (`crate::async_send`) is not on a caller's stack but in an
//!   allocation its future shares ([`HandBack::Owner`]); each envelope pushed for it holds
//!   one count of that allocation, so J1 holds whatever the future does (it may be dropped at
//!   any time). The thread's last access to such a batch is the call to its owner's `finish`
//!   (in place of the count-down, J3), which gives the envelope's count back.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::time::Duration;

use crate::error::PoolError;
use crate::item::{Message, PoolItem, Reply};
use crate::primitive::{AtomicUsize, Ordering};
use spindle_utils::Panic;

/// One request's outcome as a thread records it. The error is boxed: errors are rare, and a
/// 40-byte `PoolError` inline would double the size of every reply slot.
pub(crate) type Outcome<P> = Result<Reply<P>, Box<PoolError>>;

/// How long a waiting caller or an idle pool thread spins before it yields and parks. A round
/// trip whose other side is still running comes back well inside this; parking and being
/// woken costs a futex call on each side and a sleeping core's wake-up, several microseconds.
pub(crate) const SPIN: Duration = Duration::from_micros(20);

/// Requests for one thread, and room for its replies.
pub(crate) struct Batch<P: PoolItem + 'static> {
    /// A single request, sent inline (a round trip); `requests` is then empty.
    pub(crate) one: Option<Message<P>>,
    /// The single request's outcome.
    pub(crate) one_reply: Option<Outcome<P>>,
    pub(crate) requests: Vec<Message<P>>,
    pub(crate) replies: VecDeque<Outcome<P>>,
    /// How many outcomes are errors.
    pub(crate) errors: usize,
    hand_back: HandBack,
}

/// Where a processed (or refused) batch goes back to its caller: the thread's last access to
/// it (J3).
#[derive(Clone, Copy)]
pub(crate) enum HandBack {
    /// A blocking call's batch, on the caller's stack: count its latch down.
    Latch(NonNull<Latch>),
    /// An async call's batch, in an allocation shared with its future (J6): `finish(call)`
    /// releases the envelope's count of `call` and wakes the future if it was the last batch.
    Owner {
        /// The shared allocation; set with [`Batch::set_owner`] before the push.
        call: *const (),
        /// What ends the batch's trip (`async_send`'s, for the allocation's type).
        finish: unsafe fn(*const ()),
    },
}

impl HandBack {
    /// Hands the batch back: the last access to it and to what it points at (J3, J6).
    ///
    /// # Safety
    /// The batch this was copied from has been processed (or refused) and is not touched again
    /// by the calling thread; for a latch, the latch is alive (J1).
    unsafe fn run(self) {
        match self {
            // SAFETY: the caller's guarantee (J1, J3).
            HandBack::Latch(latch) => unsafe { Latch::count_down(latch.as_ptr()) },
            HandBack::Owner { call, finish } => {
                debug_assert!(
                    !call.is_null(),
                    "an async batch was pushed without its owner"
                );
                // SAFETY: J6: `call` holds a count owned by this batch's envelope, which
                // `finish` gives back.
                unsafe { finish(call) }
            }
        }
    }
}

// SAFETY: as for `Envelope`: the batch's values are `Send`, and its hand-back pointer (a
// latch, or an async call's `Sync` allocation, J6) is only used by the thread J2 makes the
// batch's user. An empty `Vec<Option<Batch>>` kept in
// `Buffers` between calls holds no batch at all.
unsafe impl<P: PoolItem + 'static> Send for Batch<P> {}

impl<P: PoolItem + 'static> Batch<P> {
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
            hand_back: HandBack::Latch(NonNull::from(latch)),
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
            hand_back: HandBack::Latch(NonNull::from(latch)),
        }
    }

    /// An async call's batch (J6): one request inline (`one`) or many, handed back through
    /// `finish` to the allocation [`set_owner`](Batch::set_owner) names.
    pub(crate) fn owned(
        one: Option<Message<P>>,
        requests: Vec<Message<P>>,
        finish: unsafe fn(*const ()),
    ) -> Self {
        Self {
            one,
            one_reply: None,
            requests,
            replies: VecDeque::new(),
            errors: 0,
            hand_back: HandBack::Owner {
                call: std::ptr::null(),
                finish,
            },
        }
    }

    /// Names the allocation an [`owned`](Batch::owned) batch lives in, once it has one.
    pub(crate) fn set_owner(&mut self, owner: *const ()) {
        if let HandBack::Owner { call, .. } = &mut self.hand_back {
            *call = owner;
        }
    }
}

/// A batch pointer on its way to a pool thread.
pub(crate) struct Envelope<P: PoolItem + 'static> {
    batch: NonNull<Batch<P>>,
    _item: PhantomData<fn() -> P>,
}

// SAFETY: the batch holds `Message<P>`s and `Reply<P>`s, which are `Send` (`PoolItem`'s
// bounds on `Init`, `Api` and `ApiResponse`); `P` itself never crosses. J1/J2 make the thread
// that holds the envelope the batch's only user.
unsafe impl<P: PoolItem + 'static> Send for Envelope<P> {}

impl<P: PoolItem + 'static> Envelope<P> {
    /// # Safety
    /// The caller keeps `batch` alive, unmoved and untouched until its latch is counted down
    /// (J1, J2).
    pub(crate) unsafe fn new(batch: &mut Batch<P>) -> Self {
        Self {
            batch: NonNull::from(batch),
            _item: PhantomData,
        }
    }

    /// Answers every request with `answer`, then counts the latch down, whatever happens (J4).
    ///
    /// `answer` is expected not to unwind (the pool thread contains every piece of user code it
    /// runs); if it does anyway, the requests not yet answered are leaked rather than dropped
    /// during the unwind (a panicking `Drop` there would abort), each gets
    /// [`PoolError::Unanswered`], and the latch is still counted down.
    pub(crate) fn process(self, mut answer: impl FnMut(Message<P>) -> Result<Reply<P>, PoolError>) {
        // SAFETY: J1: the batch is alive until we count down below; J2: only we touch it now.
        let batch = unsafe { &mut *self.batch.as_ptr() };
        let one = batch.one.is_some();
        let expected = batch.requests.len();
        // Room for every reply up front (none needed once warm): filling in `Unanswered`s
        // below then never grows the buffer.
        batch.replies.reserve(expected);
        let answered = catch_unwind(AssertUnwindSafe(|| {
            let mut outcome = |request| {
                let outcome = answer(request).map_err(Box::new);
                batch.errors += usize::from(outcome.is_err());
                outcome
            };
            if let Some(request) = batch.one.take() {
                batch.one_reply = Some(outcome(request));
            }
            // Forgotten if `answer` unwinds: the requests left are leaked, not dropped while
            // unwinding, and the vector is left empty (`Vec::drain`'s documented behaviour).
            let mut requests = ManuallyDrop::new(batch.requests.drain(..));
            for request in &mut *requests {
                let reply = outcome(request);
                batch.replies.push_back(reply);
            }
            drop(ManuallyDrop::into_inner(requests));
        }));
        if let Err(payload) = answered {
            let message = crate::thread::panic_message(&*payload);
            crate::thread::drop_payload(payload);
            let unanswered = || {
                Err(Box::new(PoolError::Unanswered {
                    panic: Panic::new(Box::new(message.clone())),
                }))
            };
            if one && batch.one_reply.is_none() {
                batch.one_reply = Some(unanswered());
                batch.errors += 1;
            }
            while batch.replies.len() < expected {
                batch.replies.push_back(unanswered());
                batch.errors += 1;
            }
        }
        let hand_back = batch.hand_back;
        // SAFETY: J1: the latch outlives the batch's processing; J6: an owner's allocation is
        // alive while we hold the envelope's count; this is our last access (J3).
        unsafe { hand_back.run() };
    }

    /// Hands the batch back unprocessed (the push failed: the caller answers itself).
    pub(crate) fn abandon(self) {
        // SAFETY: J1: the caller still owns the batch and the latch; J6: or the envelope's
        // count of the batch's allocation. Nothing touches the batch through `self` after.
        unsafe { (*self.batch.as_ptr()).hand_back.run() };
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
pub(crate) mod caller_event {
    use std::sync::Mutex;

    use spindle_queue::EventCount;

    static FREE: Mutex<Vec<&'static EventCount>> = Mutex::new(Vec::new());

    struct Held(&'static EventCount);

    impl Drop for Held {
        fn drop(&mut self) {
            give_back(self.0);
        }
    }

    std::thread_local! {
        static HELD: Held = Held(take());
    }

    pub(crate) type EventRef = &'static EventCount;

    /// An event count of one's own, from the free list (or a new one, never freed).
    pub(crate) fn take() -> EventRef {
        FREE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(|| Box::leak(Box::new(EventCount::new())))
    }

    /// Returns an event count taken with [`take`] to the free list. A late notification on it
    /// is a spurious wake-up for its next user, which its waiters tolerate.
    pub(crate) fn give_back(event: EventRef) {
        FREE.lock().unwrap_or_else(|e| e.into_inner()).push(event);
    }

    pub(crate) fn current() -> EventRef {
        HELD.with(|held| held.0)
    }

    /// Another reference to the same event count.
    pub(crate) fn share(event: &EventRef) -> EventRef {
        event
    }
}

#[cfg(spindle_loom)]
pub(crate) mod caller_event {
    use spindle_queue::EventCount;

    use crate::primitive::Arc;

    loom::thread_local! {
        static EVENT: Arc<EventCount> = Arc::new(EventCount::new());
    }

    pub(crate) type EventRef = Arc<EventCount>;

    pub(crate) fn current() -> EventRef {
        EVENT.with(Arc::clone)
    }

    /// An event count of one's own.
    pub(crate) fn take() -> EventRef {
        Arc::new(EventCount::new())
    }

    /// Drops it (loom objects cannot outlive a model, so nothing is pooled).
    pub(crate) fn give_back(event: EventRef) {
        drop(event);
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
    /// A latch for `batches` batches, waking the calling thread's own event count.
    pub(crate) fn new(batches: usize) -> Self {
        Self::with_event(batches, caller_event::current())
    }

    /// A latch whose count-down notifies `event` (a pool thread's, for a nested call: J5).
    pub(crate) fn with_event(batches: usize, event: caller_event::EventRef) -> Self {
        Self {
            remaining: AtomicUsize::new(batches),
            event,
        }
    }

    /// True once every batch has been counted down.
    pub(crate) fn is_done(&self) -> bool {
        // SeqCst: the read the event count's contract asks for (pairs with `count_down`).
        self.remaining.load(Ordering::SeqCst) == 0
    }

    /// Blocks until every batch has been counted down: spins for [`SPIN`], then parks.
    pub(crate) fn wait(&self) {
        if !spin_until(|| self.is_done()) {
            self.event.wait_until(|| self.is_done().then_some(()));
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
    spindle_utils::spin_until(SPIN, ready)
}

/// A call's working memory, kept by the pool between calls so a warm pool reuses it: requests
/// routed per thread, each request's thread (to answer in request order), replies per thread,
/// and the room for the call's batches (empty between calls).
pub(crate) struct Buffers<P: PoolItem + 'static> {
    pub(crate) requests: Vec<Vec<Message<P>>>,
    pub(crate) replies: Vec<VecDeque<Outcome<P>>>,
    pub(crate) route: Vec<u32>,
    pub(crate) batches: Vec<Option<Batch<P>>>,
}

impl<P: PoolItem + 'static> Buffers<P> {
    pub(crate) fn new(threads: usize) -> Self {
        Self {
            requests: (0..threads).map(|_| Vec::new()).collect(),
            replies: (0..threads).map(|_| VecDeque::new()).collect(),
            route: Vec::new(),
            batches: Vec::with_capacity(threads),
        }
    }

    /// Empties the buffers, keeping their memory.
    pub(crate) fn clear(&mut self) {
        self.requests.iter_mut().for_each(Vec::clear);
        self.replies.iter_mut().for_each(VecDeque::clear);
        self.route.clear();
        self.batches.clear();
    }

    /// The heap memory the buffers hold, in bytes (by capacity, not length).
    pub(crate) fn bytes(&self) -> usize {
        use std::mem::size_of;
        let requests: usize = self.requests.iter().map(Vec::capacity).sum();
        let replies: usize = self.replies.iter().map(VecDeque::capacity).sum();
        requests * size_of::<Message<P>>()
            + replies * size_of::<Outcome<P>>()
            + self.route.capacity() * size_of::<u32>()
            + self.requests.capacity() * size_of::<Vec<Message<P>>>()
            + self.replies.capacity() * size_of::<VecDeque<Outcome<P>>>()
            + self.batches.capacity() * size_of::<Option<Batch<P>>>()
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;
    use crate::item::{AddResponse, IdTargeted, NewPoolItemError};

    struct Item;

    struct Id(u64);
    impl IdTargeted for Id {
        fn id(&self) -> u64 {
            self.0
        }
    }

    impl PoolItem for Item {
        type Init = Id;
        type Api = Id;
        type ApiResponse = ();
        fn new_pool_item(_: Id) -> Result<Self, NewPoolItemError> {
            Ok(Item)
        }
        fn process_message(&mut self, _: Id) {}
    }

    // `PoolItem::Init` is answered with an `AddResponse`; the trait's defaults do the rest.
    impl crate::item::RequestWithResponse<Item> for Id {
        type Response = AddResponse;
    }

    /// J4: a batch whose answering unwinds still counts its latch down, and every request it
    /// did not answer gets `Unanswered`.
    #[test]
    fn an_unwinding_answer_still_counts_the_latch_down_and_fills_the_replies() {
        let latch = Latch::new(1);
        let requests = (0..4).map(|id| Message::Call(Id(id))).collect();
        let mut batch = Batch::<Item>::many(requests, VecDeque::new(), &latch);
        // SAFETY: J1/J2: `batch` and `latch` outlive the processing, done on this thread.
        let envelope = unsafe { Envelope::new(&mut batch) };
        let mut answered = 0;
        envelope.process(|message| {
            answered += 1;
            assert!(
                message.id() < 2,
                "answering request {} failed",
                message.id()
            );
            Ok(Reply::Added(AddResponse::new(
                message.id(),
                Ok(message.id()),
            )))
        });
        assert!(latch.is_done());
        assert_eq!(answered, 3);
        assert_eq!(batch.replies.len(), 4);
        assert_eq!(batch.errors, 2);
        assert!(batch.requests.is_empty());
        let unanswered = |outcome: &Outcome<Item>| matches!(outcome, Err(e) if matches!(**e, PoolError::Unanswered { ref panic } if panic.message().is_some_and(|m| m.contains("request 2"))));
        assert!(unanswered(&batch.replies[2]) && unanswered(&batch.replies[3]));

        let latch = Latch::new(1);
        let mut batch = Batch::<Item>::one(Message::Call(Id(5)), &latch);
        // SAFETY: as above.
        let envelope = unsafe { Envelope::new(&mut batch) };
        envelope.process(|_| panic!("lost"));
        assert!(latch.is_done());
        assert!(matches!(batch.one_reply, Some(Err(_))));
    }
}
