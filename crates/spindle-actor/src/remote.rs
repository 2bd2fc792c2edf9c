//! Calls and wakes from other threads: `Remote<A>`, `Waker`, and the runtime's inbox.
//!
//! Every runtime has one inbox: a spindle-queue [`Queue`] of letters, which other threads push
//! onto and the runtime drains in each run. The queue's own event count is what a runtime
//! sleeping in [`Runtime::run_until`](crate::Runtime::run_until) parks on, so a push wakes it:
//! a sleeping runtime costs a sender one unpark, an awake one costs nothing beyond the push.
//!
//! Handles name actors and wakers by slot and generation in the runtime's [`Registry`], never by
//! pointer: the registry holds the `Rc`s, which stay on the runtime's thread.
//!
//! # Protocols
//! - **Shutdown.** Dropping the runtime closes the inbox, then drains it. A letter pushed before
//!   the close is drained and dropped (what it captured is dropped on the runtime's thread); a
//!   push after it fails and hands the closure back in [`ShutDown`]. So every remote call either
//!   runs, is dropped by the runtime, or comes back to its sender (`tests/loom_remote.rs`).
//! - **Wake coalescing.** A waker's `pending` flag is set by `wake` (one letter per false→true
//!   change) and cleared by the runtime with a swap *before* it calls the handler, so a wake
//!   racing the handler sends a new letter, and the handler sees every write made before a
//!   `wake` whose letter it answers (the swaps are read-modify-writes on one flag: AcqRel).

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::marker::PhantomData;

use spindle_queue::{Closed, Queue};

use crate::actor::{Actor, ActorCell, Cx};
use crate::core::{Core, Shared};
use crate::fwd::Fwd;
use crate::primitive::{Arc, AtomicBool, AtomicUsize, Ordering};

/// A call or wake from another thread, on its way into a runtime.
pub(crate) enum Letter {
    /// A call to the actor in a registry slot.
    Call(Box<dyn Deliver>),
    /// Wake the waker in this registry slot.
    Wake(u32),
    /// The last handle of the waker in this slot was dropped.
    WakerGone(u32),
    /// The last `Remote` or `Waker` of this runtime was dropped (a sleeping runtime rechecks
    /// whether anything can still wake it).
    LastHandleGone,
}

/// A remote call, type-erased.
pub(crate) trait Deliver: Send {
    /// Runs the call on the runtime's thread (or drops it if its actor has stopped).
    fn deliver(self: Box<Self>, core: &mut Core);
    /// For handing the closure back when the runtime is gone.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

struct RemoteCall<A: 'static, F> {
    slot: u32,
    generation: u32,
    f: F,
    _actor: PhantomData<fn(A)>,
}

impl<A: 'static, F> Deliver for RemoteCall<A, F>
where
    F: FnOnce(&mut A, &mut Cx<'_, A>) + Send + 'static,
{
    fn deliver(self: Box<Self>, core: &mut Core) {
        let RemoteCall {
            slot,
            generation,
            f,
            ..
        } = *self;
        let actor = core
            .shared
            .with_registry(|r| r.actor::<A>(slot, generation));
        match actor {
            Some(actor) => ActorCell::apply(&actor, core, f),
            None => drop(f), // the actor stopped: its remote calls are dropped unrun
        }
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// The receiving end every runtime owns; `Remote`s and `Waker`s hold it through an `Arc`.
pub(crate) struct Inbox {
    pub(crate) letters: Queue<Letter>,
    /// Live `Remote` and `Waker` handles (clones counted).
    handles: AtomicUsize,
}

impl Inbox {
    pub(crate) fn new() -> Self {
        Self {
            letters: Queue::new(),
            handles: AtomicUsize::new(0),
        }
    }

    /// True while some thread may still send a letter.
    pub(crate) fn has_handles(&self) -> bool {
        self.handles.load(Ordering::SeqCst) > 0
    }

    fn handle_added(&self) {
        self.handles.fetch_add(1, Ordering::Relaxed);
    }

    fn handle_dropped(&self) {
        // AcqRel/SeqCst: the runtime's `has_handles` must not see 0 while a letter from this
        // handle could still be unread; the letter is pushed before this decrement.
        if self.handles.fetch_sub(1, Ordering::SeqCst) == 1 {
            let _ = self.letters.push(Letter::LastHandleGone);
        }
    }
}

/// A registered waker: its handler and the flag its handles share.
type WakerEntry = (Fwd<()>, Arc<WakerState>);

/// Where the runtime keeps what handles name by slot: actors with a `Remote`, and wakers.
#[derive(Default)]
pub(crate) struct Registry {
    actors: Vec<Slot<Box<dyn Any>>>,
    free_actors: Vec<u32>,
    wakers: Vec<Slot<WakerEntry>>,
    free_wakers: Vec<u32>,
}

pub(crate) struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

fn insert<T>(slots: &mut Vec<Slot<T>>, free: &mut Vec<u32>, value: T) -> (u32, u32) {
    if let Some(index) = free.pop() {
        let slot = &mut slots[index as usize];
        slot.value = Some(value);
        (index, slot.generation)
    } else {
        let index = u32::try_from(slots.len()).expect("fewer than 2^32 registered handles");
        slots.push(Slot {
            generation: 0,
            value: Some(value),
        });
        (index, 0)
    }
}

fn remove<T>(slots: &mut [Slot<T>], free: &mut Vec<u32>, index: u32, generation: u32) -> Option<T> {
    let slot = slots.get_mut(index as usize)?;
    if slot.generation != generation || slot.value.is_none() {
        return None;
    }
    slot.generation = slot.generation.wrapping_add(1);
    free.push(index);
    slot.value.take()
}

impl Registry {
    fn add_actor<A: 'static>(&mut self, actor: Actor<A>) -> (u32, u32) {
        insert(&mut self.actors, &mut self.free_actors, Box::new(actor))
    }

    /// A clone of the actor in `slot`, if it is still that generation's.
    fn actor<A: 'static>(&self, slot: u32, generation: u32) -> Option<Actor<A>> {
        let entry = self.actors.get(slot as usize)?;
        if entry.generation != generation {
            return None;
        }
        entry.value.as_ref()?.downcast_ref::<Actor<A>>().cloned()
    }

    /// Removes an actor's entry, handing it back for the caller to drop (S1 in `core`).
    #[must_use]
    pub(crate) fn remove_actor(&mut self, (slot, generation): (u32, u32)) -> Option<Box<dyn Any>> {
        remove(&mut self.actors, &mut self.free_actors, slot, generation)
    }

    fn add_waker(&mut self, handler: Fwd<()>, state: Arc<WakerState>) -> (u32, u32) {
        insert(&mut self.wakers, &mut self.free_wakers, (handler, state))
    }

    fn waker(&self, slot: u32) -> Option<WakerEntry> {
        self.wakers.get(slot as usize)?.value.clone()
    }

    #[must_use]
    fn remove_waker(&mut self, slot: u32) -> Option<WakerEntry> {
        let generation = self.wakers.get(slot as usize)?.generation;
        remove(&mut self.wakers, &mut self.free_wakers, slot, generation)
    }

    /// Empties the registry (runtime teardown), handing every entry back to be dropped.
    #[must_use]
    pub(crate) fn take_all(&mut self) -> Registry {
        std::mem::take(self)
    }

    /// Hands each entry to `drop` on its own (teardown, where each drop is contained alone).
    pub(crate) fn drop_each(self, mut drop: impl FnMut(Box<dyn Any>)) {
        for value in self.actors.into_iter().filter_map(|slot| slot.value) {
            drop(value);
        }
        for value in self.wakers.into_iter().filter_map(|slot| slot.value) {
            drop(Box::new(value));
        }
    }
}

/// Handles one letter on the runtime's thread.
pub(crate) fn handle(letter: Letter, core: &mut Core) {
    match letter {
        Letter::Call(call) => call.deliver(core),
        Letter::Wake(slot) => {
            if let Some((handler, state)) = core.shared.with_registry(|r| r.waker(slot)) {
                // Cleared before the handler runs, so a racing wake sends a new letter; AcqRel:
                // the handler sees what the waking thread wrote before its `wake`.
                state.pending.swap(false, Ordering::AcqRel);
                handler.fwd(());
            }
        }
        Letter::WakerGone(slot) => drop(core.shared.with_registry(|r| r.remove_waker(slot))),
        Letter::LastHandleGone => {}
    }
}

/// The runtime is gone: the call, wake or value could not be delivered and comes back here.
///
/// # Examples
///
/// ```
/// let rt = spindle_actor::Runtime::new();
/// let mut rt = rt;
/// let actor = rt.spawn(|_| 0u32);
/// let remote = actor.remote();
/// drop(rt);
/// let err = remote.call(|n, _| *n += 1).unwrap_err();
/// assert_eq!(err.to_string(), "the actor's runtime has shut down");
/// let _closure = err.into_inner(); // handed back
/// ```
pub struct ShutDown<T = ()>(pub T);

impl<T> ShutDown<T> {
    /// The value that could not be delivered.
    ///
    /// ```
    /// assert_eq!(spindle_actor::ShutDown(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for ShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShutDown(..)")
    }
}

impl<T> fmt::Display for ShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the actor's runtime has shut down")
    }
}

impl<T> Error for ShutDown<T> {}

/// A `Send` handle to an actor, through which any thread queues calls to it.
///
/// Each call costs the sender one allocation (the boxed closure) and one lock-free queue push,
/// plus one unpark only if the runtime is asleep. The runtime runs remote calls in the order
/// each sender made them. If the actor has stopped when a call arrives, the call is dropped
/// unrun on the runtime's thread; if the runtime is gone, [`call`](Remote::call) hands the
/// closure back.
///
/// # Examples
///
/// ```
/// use spindle_actor::Runtime;
///
/// let mut rt = Runtime::new();
/// let total = rt.spawn(|_| 0u64);
/// let senders: Vec<_> = (0..4u64)
///     .map(|t| {
///         let remote = total.remote();
///         std::thread::spawn(move || (0..100).for_each(|_| remote.call(move |n, _| *n += t).unwrap()))
///     })
///     .collect();
/// senders.into_iter().for_each(|s| s.join().unwrap());
/// rt.run(std::time::Instant::now());
/// assert_eq!(rt.query(&total, |n, _| *n), Some(600));
/// ```
pub struct Remote<A: 'static> {
    inbox: Arc<Inbox>,
    slot: u32,
    generation: u32,
    _actor: PhantomData<fn(A)>,
}

impl<A: 'static> Remote<A> {
    pub(crate) fn register(actor: &Actor<A>) -> Self {
        let cell = actor.cell();
        let (slot, generation) = match cell.remote_slot.get() {
            Some(slot) => slot,
            // A stopped actor gets a handle whose calls find no slot and are dropped.
            None if actor.is_zombie() => (u32::MAX, 0),
            None => {
                let slot = cell.shared.with_registry(|r| r.add_actor(actor.clone()));
                cell.remote_slot.set(Some(slot));
                slot
            }
        };
        Self::with_slot(&cell.shared, slot, generation)
    }

    fn with_slot(shared: &Shared, slot: u32, generation: u32) -> Self {
        shared.inbox.handle_added();
        Self {
            inbox: Arc::clone(&shared.inbox),
            slot,
            generation,
            _actor: PhantomData,
        }
    }

    /// Queues a call to the actor from any thread.
    ///
    /// # Errors
    ///
    /// [`ShutDown`] holding `f` if the runtime has been dropped.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let a = rt.spawn(|_| String::new());
    /// let remote = a.remote();
    /// std::thread::spawn(move || remote.call(|s, _| s.push('x'))).join().unwrap().unwrap();
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(rt.query(&a, |s, _| s.clone()).as_deref(), Some("x"));
    /// ```
    pub fn call<F>(&self, f: F) -> Result<(), ShutDown<F>>
    where
        F: FnOnce(&mut A, &mut Cx<'_, A>) + Send + 'static,
    {
        let call = RemoteCall::<A, F> {
            slot: self.slot,
            generation: self.generation,
            f,
            _actor: PhantomData,
        };
        match self.inbox.letters.push(Letter::Call(Box::new(call))) {
            Ok(()) => Ok(()),
            Err(Closed(Letter::Call(call))) => match call.into_any().downcast::<RemoteCall<A, F>>()
            {
                Ok(call) => Err(ShutDown(call.f)),
                Err(_) => unreachable!("the letter holds the call just boxed"),
            },
            Err(Closed(_)) => unreachable!("the letter pushed is a call"),
        }
    }
}

impl<A: 'static> Clone for Remote<A> {
    fn clone(&self) -> Self {
        self.inbox.handle_added();
        Self {
            inbox: Arc::clone(&self.inbox),
            slot: self.slot,
            generation: self.generation,
            _actor: PhantomData,
        }
    }
}

impl<A: 'static> Drop for Remote<A> {
    fn drop(&mut self) {
        self.inbox.handle_dropped();
    }
}

impl<A: 'static> fmt::Debug for Remote<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote").field("slot", &self.slot).finish()
    }
}

/// What a waker's handles and its registry entry share.
pub(crate) struct WakerState {
    pending: AtomicBool,
}

/// The part of a `Waker` whose drop unregisters it (shared by clones).
struct WakerHandle {
    inbox: Arc<Inbox>,
    state: Arc<WakerState>,
    slot: u32,
}

impl Drop for WakerHandle {
    fn drop(&mut self) {
        let _ = self.inbox.letters.push(Letter::WakerGone(self.slot));
        self.inbox.handle_dropped();
    }
}

/// Lets another thread make a runtime call a handler ([`Core::waker`](crate::Core::waker)),
/// e.g. when an I/O thread has data ready. Wakes coalesce: `wake` sends at most one letter
/// until the runtime has answered it, so a wake while one is pending costs one atomic swap. Clone it freely; dropping the last clone unregisters the handler.
///
/// # Examples
///
/// ```
/// use spindle_actor::{Fwd, Runtime};
/// use std::{cell::Cell, rc::Rc};
///
/// let mut rt = Runtime::new();
/// let woken = Rc::new(Cell::new(false));
/// let flag = woken.clone();
/// let waker = rt.waker(Fwd::new(move |()| flag.set(true)));
/// let io = std::thread::spawn(move || waker.wake());
/// rt.run_until(|_| woken.get()).unwrap(); // sleeps until the wake
/// io.join().unwrap().unwrap();
/// ```
#[derive(Clone)]
pub struct Waker {
    handle: Arc<WakerHandle>,
}

impl Waker {
    pub(crate) fn register(shared: &Shared, handler: Fwd<()>) -> Self {
        let state = Arc::new(WakerState {
            pending: AtomicBool::new(false),
        });
        let (slot, _) = shared.with_registry(|r| r.add_waker(handler, Arc::clone(&state)));
        shared.inbox.handle_added();
        Self {
            handle: Arc::new(WakerHandle {
                inbox: Arc::clone(&shared.inbox),
                state,
                slot,
            }),
        }
    }

    /// Makes the runtime call the handler soon (once for any number of wakes before then).
    ///
    /// # Errors
    ///
    /// [`ShutDown`] if the runtime has been dropped.
    ///
    /// ```
    /// use spindle_actor::{Fwd, Runtime};
    /// let mut rt = Runtime::new();
    /// let waker = rt.waker(Fwd::discard());
    /// assert!(waker.wake().is_ok());
    /// drop(rt);
    /// assert!(waker.wake().is_err());
    /// ```
    pub fn wake(&self) -> Result<(), ShutDown> {
        let handle = &*self.handle;
        // A swap even when a wake is pending (no cheaper load first): the runtime's clearing
        // swap must read this write, so that its handler sees what was written before it.
        if handle.state.pending.swap(true, Ordering::AcqRel) {
            return if handle.inbox.letters.is_closed() {
                Err(ShutDown(()))
            } else {
                Ok(())
            };
        }
        handle
            .inbox
            .letters
            .push(Letter::Wake(handle.slot))
            .map_err(|_| ShutDown(()))
    }
}

impl fmt::Debug for Waker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waker")
            .field("slot", &self.handle.slot)
            .finish()
    }
}
