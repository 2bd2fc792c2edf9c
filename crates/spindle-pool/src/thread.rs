//! A pool thread: owns its items, answers batches until its inbox closes, then runs every
//! item's shutdown hook. While one of its items waits on a pool (another one, or its own), the
//! thread keeps answering its inbox from inside that wait.
//!
//! # Serving while waiting
//!
//! An item method, constructor or hook that calls `send_and_receive*` runs on this thread, so
//! without help the thread would stop answering its inbox until the call returns, and any cycle
//! of such waits (A's item → B → A) would deadlock. Instead, while `run` serves its inbox,
//! [`CURRENT`] points at the thread's [`Serving`]: a call made from this thread waits with
//! [`Serving::wait`], which answers the thread's own inbox (batch by batch, through the same
//! code as the main loop) until its latch is counted down. The wait wakes for either event
//! without losing one (invariant J5 in `job.rs`): the latch is made with this thread's event
//! count, and every push into this thread's inbox notifies that same event count.
//!
//! A message for an item that is mid-call on this thread's stack is refused with
//! [`PoolError::ItemBusy`]; it is never run re-entrantly. So is an `Init` or removal for an id
//! whose constructor is running. Other items are served normally, and can be added and removed
//! while the waiting item's call is on the stack.
//!
//! # Invariants
//!
//! - **T1 (stable items).** Each item lives in its own [`Slot`], allocated when its constructor
//!   returns and freed only when its id leaves the map (a removal, a panicking method) or at
//!   shutdown. The map holds raw pointers from `Box::leak`, so adding, removing and rehashing
//!   other items while an item's call is on the stack never moves it, and nothing retags the
//!   live `&mut P` of that call (a `Box<P>` moved by a rehash would).
//! - **T2 (busy).** A slot's `busy` is set exactly while a call into its item (a method) is on
//!   this thread's stack, and the ids in `Items::building` are those whose constructor is. A
//!   busy slot is neither called nor removed, so the call's `&mut P` is the only reference to
//!   the item; every other access to a slot reads its `busy` field through the raw pointer,
//!   never a reference to the whole slot.
//! - **T3 (short borrows).** The `&mut Items` of [`Local::with`] lives for a few lines of pool
//!   code that run no user code (a lookup, an insert, a removal); user code, which may serve
//!   nested batches that borrow the items again, runs only between such borrows.
//! - **T4 (current).** `CURRENT` is non-null exactly while `run` serves its inbox, and then
//!   points at the `Serving` on `run`'s stack, whose `state` points at the `Local` there; a guard
//!   clears it, on unwinding too, before either leaves the stack.
//! - **T5 (contained).** Every piece of user code this thread runs (`id()`, constructors,
//!   methods, hooks, the `Drop` of requests, inits and items) runs inside `catch_unwind`, and
//!   panic payloads are dropped with [`drop_payload`]; answering a request never unwinds.

use std::cell::{Cell, UnsafeCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::{self, NonNull};

use spindle_queue::Queue;
use spindle_utils::Panic;

use crate::error::PoolError;
use crate::hasher::IdMap;
use crate::item::{
    AddResponse, IdTargeted, Message, PoolItem, RemovePoolItemResponse, Reply,
    ThreadShutdownResponse,
};
use crate::job::caller_event::{self, EventRef};
use crate::job::{Envelope, Latch, spin_until};

spindle_utils::sync_thread_local! {
    /// The pool this thread serves (its address), so a shutdown from inside does not join
    /// itself. Stays set through the shutdown hooks.
    static SERVING: Cell<usize> = Cell::new(0);
}

spindle_utils::sync_thread_local! {
    /// While `run` serves its inbox: what a call made on this thread needs to keep serving it
    /// (T4). Null on other threads and during the shutdown hooks.
    static CURRENT: Cell<*const Serving> = Cell::new(ptr::null());
}

/// True when the current thread is one of the threads of the pool identified by `pool`.
pub(crate) fn serving(pool: usize) -> bool {
    SERVING.with(Cell::get) == pool
}

/// The pool thread serving on this thread, if any. The reference is for the current call only.
pub(crate) fn current<'a>() -> Option<&'a Serving> {
    let serving = CURRENT.with(Cell::get);
    // SAFETY: T4: non-null only while the `Serving` lives on `run`'s stack, below every frame
    // that can call this (item code called from `run`); the caller keeps the reference within
    // its own frame.
    unsafe { serving.as_ref() }
}

/// What a wait on this thread needs of the pool thread running here. Type-erased: the call
/// that waits may be into a pool of another item type.
pub(crate) struct Serving {
    /// This thread's event count: every push into its inbox notifies it (J5).
    event: EventRef,
    /// The thread's `Local<P>`.
    state: *const (),
    /// Answers one batch from the inbox, if there is one; false if there was none.
    serve_one: unsafe fn(*const ()) -> bool,
    /// Whether the inbox holds a batch (a `SeqCst` read, J5).
    has_work: unsafe fn(*const ()) -> bool,
}

impl Serving {
    /// The event count a latch of a call made on this thread must notify (J5).
    pub(crate) fn event(&self) -> EventRef {
        caller_event::share(&self.event)
    }

    /// Waits until `latch` is counted down, answering this thread's inbox meanwhile.
    pub(crate) fn wait(&self, latch: &Latch) {
        // Unwinding out of this wait would let the caller free batches that other threads are
        // still answering (J1); nothing here unwinds (serving contains every panic, T5), and
        // if it ever did, aborting is the only sound way out.
        let abort = AbortOnUnwind;
        let has_work = || {
            // SAFETY: T4: `state` is the `Local` these functions were made for, alive while
            // `self` is reachable through `CURRENT`, as it is during this call.
            unsafe { (self.has_work)(self.state) }
        };
        let ready = || latch.is_done() || has_work();
        while !latch.is_done() {
            // SAFETY: as for `has_work` above (T4).
            if unsafe { (self.serve_one)(self.state) } {
                continue;
            }
            if !spin_until(ready) {
                // J5: woken by the latch's count-down and by any push into our inbox.
                self.event.wait_until(|| ready().then_some(()));
            }
        }
        std::mem::forget(abort);
    }
}

/// Aborts the process if dropped while unwinding; `mem::forget` it on the way out.
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        eprintln!("spindle-pool: a wait serving its pool thread unwound; aborting (J1)");
        std::process::abort();
    }
}

/// Clears `CURRENT` when `run` stops serving, on unwinding too (T4).
struct Current;

impl Current {
    fn enter(serving: &Serving) -> Self {
        CURRENT.with(|c| c.set(serving));
        Current
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(ptr::null()));
    }
}

/// One item in its own allocation (T1).
struct Slot<P> {
    /// Set while a call into the item is on this thread's stack (T2).
    busy: Cell<bool>,
    item: UnsafeCell<P>,
}

/// The thread's items: pointers to their slots (T1), and the ids being constructed (T2).
struct Items<P> {
    map: IdMap<NonNull<Slot<P>>>,
    building: Vec<u64>,
}

impl<P> Default for Items<P> {
    fn default() -> Self {
        Self {
            map: IdMap::default(),
            building: Vec::new(),
        }
    }
}

impl<P> Items<P> {
    /// Whether the item in the slot at `slot` is mid-call (T2).
    fn is_busy(slot: NonNull<Slot<P>>) -> bool {
        // SAFETY: T1: a pointer from the map is alive; only the `busy` field is borrowed (T2).
        unsafe { (*slot.as_ptr()).busy.get() }
    }

    /// What refuses a message for `id` that is not in the map: a constructor running, or none.
    fn missing(&self, id: u64) -> PoolError {
        if self.building.contains(&id) {
            PoolError::ItemBusy(id)
        } else {
            PoolError::UnknownId(id)
        }
    }
}

impl<P> Drop for Items<P> {
    /// Frees what `shut_down` did not take (only if `run` itself unwound, which it does not).
    fn drop(&mut self) {
        for (_, slot) in self.map.drain() {
            // SAFETY: T1: out of the map, and no call is on the stack (we are past `run`).
            let slot = unsafe { Box::from_raw(slot.as_ptr()) };
            if std::thread::panicking() {
                std::mem::forget(slot); // a panicking `Drop` now would abort
            } else {
                discard(slot);
            }
        }
    }
}

/// A pool thread's state, on `run`'s stack.
struct Local<'a, P: PoolItem + 'static> {
    inbox: &'a Queue<Envelope<P>>,
    items: UnsafeCell<Items<P>>,
}

impl<P: PoolItem + 'static> Local<'_, P> {
    /// Runs pool code `f` on the items (T3: `f` runs no user code, and the borrow ends with it).
    fn with<R>(&self, f: impl FnOnce(&mut Items<P>) -> R) -> R {
        // SAFETY: T3: no other borrow of the items is live (they are all as short as this one
        // and never span user code), and only this thread reaches them (`Local` is not `Sync`).
        f(unsafe { &mut *self.items.get() })
    }

    /// Answers the next batch in the inbox, if any.
    fn serve_one(&self) -> bool {
        match self.inbox.pop() {
            Some(envelope) => {
                envelope.process(|message| answer(self, message));
                true
            }
            None => false,
        }
    }
}

/// [`Serving::serve_one`] for items of type `P`.
///
/// # Safety
/// `state` points at a live `Local<P>` on this thread (T4).
unsafe fn serve_one<P: PoolItem + 'static>(state: *const ()) -> bool {
    // SAFETY: the caller's guarantee.
    let local: &Local<'_, P> = unsafe { &*state.cast() };
    local.serve_one()
}

/// [`Serving::has_work`] for items of type `P`.
///
/// # Safety
/// As [`serve_one`].
unsafe fn has_work<P: PoolItem + 'static>(state: *const ()) -> bool {
    // SAFETY: the caller's guarantee.
    let local: &Local<'_, P> = unsafe { &*state.cast() };
    // SeqCst loads of both ends (J5).
    !local.inbox.is_empty()
}

/// The main loop of pool thread `index`; `event` is the one its pushers notify (J5).
pub(crate) fn run<P: PoolItem + 'static>(
    index: usize,
    pool: usize,
    inbox: &Queue<Envelope<P>>,
    event: EventRef,
) -> ThreadShutdownResponse {
    SERVING.with(|s| s.set(pool));
    let local = Local {
        inbox,
        items: UnsafeCell::new(Items::default()),
    };
    let serving = Serving {
        event,
        state: ptr::from_ref(&local).cast(),
        serve_one: serve_one::<P>,
        has_work: has_work::<P>,
    };
    {
        let _current = Current::enter(&serving);
        loop {
            // Spin a little before parking: the next batch of a busy caller is usually on its
            // way.
            let envelope = match inbox.pop() {
                Some(envelope) => envelope,
                None if spin_until(|| !inbox.is_empty()) => continue,
                // Drains what was queued before the close, then ends.
                None => match inbox.pop_blocking() {
                    Ok(envelope) => envelope,
                    Err(_) => break,
                },
            };
            envelope.process(|message| answer(&local, message));
        }
    }
    shut_down(index, local.items.into_inner())
}

/// Answers one request. Never unwinds (T5): user code runs contained, a panicking item is
/// removed and reported, and a refused request is dropped inside `catch_unwind`.
fn answer<P: PoolItem + 'static>(
    local: &Local<'_, P>,
    message: Message<P>,
) -> Result<Reply<P>, PoolError> {
    match message {
        Message::Call(request) => {
            let id = match contain(|| request.id()) {
                Ok(id) => id,
                Err(panic) => return refuse(request, PoolError::IdPanicked { panic }),
            };
            let slot = match local
                .with(|items| items.map.get(&id).copied().ok_or_else(|| items.missing(id)))
            {
                Ok(slot) => slot,
                Err(error) => return refuse(request, error),
            };
            if Items::is_busy(slot) {
                return refuse(request, PoolError::ItemBusy(id));
            }
            // SAFETY: T1: in the map, so alive; only the `busy` field is borrowed (T2).
            let busy = unsafe { &(*slot.as_ptr()).busy };
            busy.set(true);
            // SAFETY: T1: alive; T2: it was not busy, so no reference to the item exists, and
            // none is made while `busy` is set.
            let item = unsafe { &mut *(*slot.as_ptr()).item.get() };
            let outcome = contain(|| item.process_message(request));
            busy.set(false);
            match outcome {
                Ok(response) => Ok(Reply::Call(response)),
                Err(panic) => {
                    // T2: nothing removed it while it was busy, so it is still `slot`.
                    local.with(|items| items.map.remove(&id));
                    // SAFETY: T1: out of the map and no longer busy: ours to free.
                    discard(unsafe { Box::from_raw(slot.as_ptr()) });
                    Err(PoolError::ItemPanicked { id, panic })
                }
            }
        }
        Message::Add(init) => {
            let id = match contain(|| init.id()) {
                Ok(id) => id,
                Err(panic) => return refuse(init, PoolError::IdPanicked { panic }),
            };
            // Checked before the constructor runs: a duplicate builds nothing. The id stays
            // reserved while the constructor runs, which may serve nested batches (T2).
            let taken = local.with(|items| {
                if items.map.contains_key(&id) {
                    Some(PoolError::DuplicateId(id))
                } else if items.building.contains(&id) {
                    Some(PoolError::ItemBusy(id))
                } else {
                    items.building.push(id);
                    None
                }
            });
            if let Some(error) = taken {
                return refuse(init, error);
            }
            let built = contain(|| P::new_pool_item(init));
            local.with(|items| {
                if let Some(at) = items.building.iter().rposition(|&b| b == id) {
                    items.building.swap_remove(at);
                }
            });
            match built {
                Ok(Ok(item)) => {
                    let slot = NonNull::from(Box::leak(Box::new(Slot {
                        busy: Cell::new(false),
                        item: UnsafeCell::new(item),
                    })));
                    // Vacant: reserved in `building` until now, so nothing nested took it.
                    let previous = local.with(|items| items.map.insert(id, slot));
                    debug_assert!(previous.is_none(), "id {id} was reserved");
                    Ok(Reply::Added(AddResponse::new(id, Ok(id))))
                }
                Ok(Err(e)) => Err(PoolError::NewItem {
                    id,
                    message: e.error_message,
                }),
                Err(panic) => Err(PoolError::ItemPanicked { id, panic }),
            }
        }
        Message::Remove(remove) => {
            let id = remove.id(); // the pool's own type: no user code
            let taken = local.with(|items| match items.map.get(&id) {
                Some(&slot) if Items::is_busy(slot) => Err(PoolError::ItemBusy(id)),
                Some(_) => Ok(items.map.remove(&id)),
                None if items.building.contains(&id) => Err(PoolError::ItemBusy(id)),
                None => Ok(None),
            })?;
            let existed = taken.is_some();
            if let Some(slot) = taken {
                // SAFETY: T1: out of the map, and not busy (checked under the same borrow).
                discard(unsafe { Box::from_raw(slot.as_ptr()) });
            }
            Ok(Reply::Removed(RemovePoolItemResponse::new(id, existed)))
        }
    }
}

/// Runs user code `f`, containing a panic: handed back as a [`Panic`] with its payload, for
/// the caller (the payload is dropped wherever the caller drops the error or report).
fn contain<R>(f: impl FnOnce() -> R) -> Result<R, Panic> {
    spindle_utils::catch(f)
}

/// Refuses a request (or init) with `error`, dropping it contained: a panicking `Drop` of a
/// refused request neither kills the thread nor hides the refusal.
fn refuse<P: PoolItem, T>(value: T, error: PoolError) -> Result<Reply<P>, PoolError> {
    discard(value);
    Err(error)
}

/// Drops a value (an item, a request), containing a panic in its `Drop`.
fn discard<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        drop_payload(payload);
    }
}

/// Drops a panic payload, containing a panic in its own `Drop`. The second payload that such
/// a drop raises is dropped too when it is a message (`&str` or `String`, which cannot panic);
/// any other kind is forgotten, since dropping it could panic again, forever.
pub(crate) fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        match again.downcast::<&'static str>().map(drop) {
            Ok(()) => {}
            Err(again) => match again.downcast::<String>().map(drop) {
                Ok(()) => {}
                Err(unknown) => std::mem::forget(unknown),
            },
        }
    }
}

/// Runs every item's shutdown hook, in id order, on this thread (no longer serving: `CURRENT`
/// is clear, so a hook's calls wait plainly, and the inbox is closed and drained).
fn shut_down<P: PoolItem + 'static>(index: usize, mut items: Items<P>) -> ThreadShutdownResponse {
    let mut slots: Vec<(u64, Box<Slot<P>>)> = std::mem::take(&mut items.map)
        .into_iter()
        // SAFETY: T1: out of the map, and no call is on the stack any more: ours to free.
        .map(|(id, slot)| (id, unsafe { Box::from_raw(slot.as_ptr()) }))
        .collect();
    slots.sort_unstable_by_key(|(id, _)| *id);
    let mut ids = Vec::with_capacity(slots.len());
    let mut panicked = Vec::new();
    let mut children = Vec::new();
    for (id, mut slot) in slots {
        ids.push(id);
        // The hook and the drop are contained separately, so a `Drop` that panics after the
        // hook returned does not lose the hook's reports.
        match contain(|| slot.item.get_mut().shutdown_pool()) {
            Ok(reports) => children.extend(reports),
            Err(panic) => panicked.push((id, panic)),
        }
        if let Err(panic) = contain(move || drop(slot)) {
            panicked.push((id, panic));
        }
    }
    ThreadShutdownResponse::new(index as u64, children).with_items(ids, panicked)
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}
