//! `Shared`: the part of a runtime that its handles reach without a `Core`: the call queue,
//! the registry, the inbox.
//!
//! An [`Actor`](crate::Actor) or a [`Share`](crate::Share) outlives any one call and holds no
//! `&mut Core`, yet `Actor::call` must queue a call and an actor that stops must leave the
//! registry. So the queue and the registry live here, in cells that every handle reaches
//! through one `Rc<Shared<C>>`. `Shared` is generic over the context `C` its calls receive (the
//! runtime's `Core`), as the queue is, so it sits below `Core` and knows nothing of actors.
//!
//! # Invariants
//! - **SH1** The cells in `Shared` are touched only by its own methods, and each of them holds
//!   its reference into a cell only while it runs code that calls no user code (no closure
//!   body, no `Drop` of user data): a method moves a value in, or moves one out and hands it
//!   back to be dropped by the caller once the reference is gone, or reads a length. None takes
//!   a closure, so no caller can run code under the reference either: the signatures hold the
//!   invariant. `Shared` is neither `Send` nor `Sync` (its cells are `!Sync`, its queue
//!   `!Send`), so it never leaves its thread. Together these make every `&mut` into a cell the
//!   only reference to it for as long as it lives: nothing can re-enter `Shared` meanwhile.

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::rc::Rc;

use spindle_utils::sync::Arc;

use crate::queue::flat::FlatQueue;
use crate::remote::inbox::Inbox;
use crate::remote::registry::{Registry, SlotKey, WakerEntry};

/// What handles reach without a `Core`: the call queue, the registry and the inbox.
pub(crate) struct Shared<C: 'static> {
    queue: UnsafeCell<FlatQueue<C>>,
    registry: UnsafeCell<Registry>,
    /// Set when the runtime is dropped: later calls are dropped unrun at once.
    closed: Cell<bool>,
    pub(crate) inbox: Arc<Inbox<C>>,
}

impl<C: 'static> Shared<C> {
    pub(crate) fn new(queue: FlatQueue<C>) -> Self {
        Self {
            queue: UnsafeCell::new(queue),
            registry: UnsafeCell::new(Registry::default()),
            closed: Cell::new(false),
            inbox: Arc::new(Inbox::new()),
        }
    }

    // ---- the call queue ----

    /// Queues a call; once the runtime is gone, drops it at once instead (outside the cell).
    #[inline]
    pub(crate) fn push(&self, f: impl FnOnce(&mut C) + 'static) {
        if self.closed.get() {
            return drop(f);
        }
        // SAFETY: SH1: `push` moves `f` into the buffer (growing it if need be) and calls no
        // user code.
        unsafe { (*self.queue.get()).push(f) }
    }

    /// Exchanges the queue with `other` (the runtime runs one while calls go to the other).
    #[inline]
    pub(crate) fn swap_queue(&self, other: &mut FlatQueue<C>) {
        // SAFETY: SH1: a swap of two owned values calls no user code.
        unsafe { std::ptr::swap(self.queue.get(), other) }
    }

    /// Moves the queued calls into `spare` (empty), exchanging buffers; false if none.
    #[inline]
    pub(crate) fn take_queue(&self, spare: &mut FlatQueue<C>) -> bool {
        // SAFETY: SH1: moves owned values, calls no user code.
        unsafe { (*self.queue.get()).move_into(spare) }
    }

    /// Bytes the queue's buffer holds.
    pub(crate) fn queue_capacity(&self) -> usize {
        // SAFETY: SH1: a read of a length.
        unsafe { (*self.queue.get()).capacity() }
    }

    /// Shrinks the queue's buffer to `limit` bytes if it is empty and larger (see
    /// [`FlatQueue::shrink_to`]).
    #[inline]
    pub(crate) fn shrink_queue(&self, limit: usize) {
        // SAFETY: SH1: frees or reallocates an empty buffer, calls no user code.
        let queue = unsafe { &mut *self.queue.get() };
        if queue.capacity() > limit && queue.is_empty() {
            queue.shrink_to(limit);
        }
    }

    pub(crate) fn queue_is_empty(&self) -> bool {
        // SAFETY: SH1: a read of the length.
        unsafe { (*self.queue.get()).is_empty() }
    }

    /// The runtime is gone: calls pushed from now on are dropped unrun.
    pub(crate) fn close(&self) {
        self.closed.set(true);
    }

    // ---- the registry (each call below is one `Registry` method, which runs no user code) ----

    /// Registers an actor's cell for its `Remote`s.
    pub(crate) fn insert_actor(&self, cell: Rc<dyn Any>) -> SlotKey {
        // SAFETY: SH1: moves `cell` in (growing a `Vec` if need be), calls no user code.
        unsafe { (*self.registry.get()).insert_actor(cell) }
    }

    /// The actor's cell a `Remote`'s key names, if that actor is still registered.
    pub(crate) fn actor(&self, key: SlotKey) -> Option<Rc<dyn Any>> {
        // SAFETY: SH1: an `Rc` clone calls no user code.
        unsafe { (*self.registry.get()).actor(key) }
    }

    /// Unregisters an actor; the caller drops the entry handed back.
    #[must_use]
    pub(crate) fn remove_actor(&self, key: SlotKey) -> Option<Rc<dyn Any>> {
        // SAFETY: SH1: moves the entry out; it is dropped by the caller, after this borrow.
        unsafe { (*self.registry.get()).remove_actor(key) }
    }

    /// Registers a waker; its handles carry the index.
    pub(crate) fn insert_waker(&self, entry: WakerEntry) -> u32 {
        // SAFETY: SH1: moves `entry` in, calls no user code.
        unsafe { (*self.registry.get()).insert_waker(entry) }
    }

    /// A clone of the waker in slot `index` (an `Rc` and an `Arc` cloned).
    pub(crate) fn waker(&self, index: u32) -> Option<WakerEntry> {
        // SAFETY: SH1: clones an `Rc` and an `Arc`, calls no user code.
        unsafe { (*self.registry.get()).waker(index) }
    }

    /// Unregisters the waker in slot `index`; the caller drops the entry handed back.
    #[must_use]
    pub(crate) fn remove_waker(&self, index: u32) -> Option<WakerEntry> {
        // SAFETY: SH1: moves the entry out; it is dropped by the caller, after this borrow.
        unsafe { (*self.registry.get()).remove_waker(index) }
    }

    /// Empties the registry (the runtime's teardown); the caller drops what it held.
    #[must_use]
    pub(crate) fn take_registry(&self) -> Registry {
        // SAFETY: SH1: moves the registry out, leaving an empty one; calls no user code.
        unsafe { std::mem::take(&mut *self.registry.get()) }
    }
}
