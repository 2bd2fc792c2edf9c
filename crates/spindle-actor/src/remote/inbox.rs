//! The inbox: the one way into a runtime from other threads.
//!
//! Every runtime has one: a spindle-queue [`Queue`] of [`Letter`]s, which other threads push
//! onto and the runtime drains in each run, and a count of the live handles (`Remote`s and
//! `Waker`s) through which a letter could still come. The queue's own
//! [`EventCount`](spindle_utils::EventCount) is what a runtime sleeping in
//! [`Runtime::run_until`](crate::Runtime::run_until) parks on, so a push wakes it: a sleeping
//! runtime costs a sender one unpark, an awake one nothing beyond the push.
//!
//! A letter is generic over the context `C` its call is delivered with (the runtime's `Core`),
//! so this file knows nothing of actors or runtimes.
//!
//! # Protocols
//! - **Shutdown.** Dropping the runtime closes the queue, then drains it. A letter pushed
//!   before the close is drained and dropped on the runtime's thread; a push after it fails and
//!   hands the letter back to the sender, which takes its closure out
//!   ([`Deliver::into_any`]). So every remote call either runs, is dropped by the runtime, or
//!   comes back to its sender (`tests/loom_remote.rs`).
//! - **Stall detection.** [`Inbox::has_handles`] is false only once every handle is gone, and
//!   a handle's last letter is pushed before its count is released (SeqCst on both sides), so
//!   a runtime that sees no handles and an empty queue can never be sent a letter again. The
//!   last handle's drop pushes [`Letter::LastHandleGone`] to wake a runtime asleep on the
//!   queue, so it rechecks.

use std::any::Any;

use spindle_queue::Queue;
use spindle_utils::sync::atomic::{AtomicUsize, Ordering};

/// A call or wake from another thread, on its way into a runtime.
pub(crate) enum Letter<C> {
    /// A call to the actor in a registry slot.
    Call(Box<dyn Deliver<C>>),
    /// Wake the waker in this registry slot.
    Wake(u32),
    /// The last handle of the waker in this slot was dropped.
    WakerGone(u32),
    /// The last `Remote` or `Waker` of this runtime was dropped: a sleeping runtime rechecks
    /// whether anything can still wake it.
    LastHandleGone,
}

/// A remote call, type-erased.
pub(crate) trait Deliver<C>: Send {
    /// Runs the call on the runtime's thread (or drops it, if its actor has stopped).
    fn deliver(self: Box<Self>, cx: &mut C);
    /// For handing the closure back when the runtime is gone.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

/// The receiving end every runtime owns; `Remote`s and `Waker`s hold it through an `Arc`.
pub(crate) struct Inbox<C> {
    pub(crate) letters: Queue<Letter<C>>,
    /// Live `Remote` and `Waker` handles (clones counted).
    handles: AtomicUsize,
}

impl<C> Inbox<C> {
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

    /// A handle was made (or cloned).
    pub(crate) fn handle_added(&self) {
        self.handles.fetch_add(1, Ordering::Relaxed);
    }

    /// A handle was dropped, after its last letter was pushed.
    pub(crate) fn handle_dropped(&self) {
        // SeqCst: the runtime's `has_handles` must not see 0 while a letter from this handle
        // could still be unread; the letter is pushed before this decrement.
        if self.handles.fetch_sub(1, Ordering::SeqCst) == 1 {
            let _ = self.letters.push(Letter::LastHandleGone);
        }
    }
}
