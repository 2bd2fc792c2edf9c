//! [`Waker`]: lets another thread make a runtime call a handler, with wakes coalesced.
//!
//! # Protocol: wake coalescing
//!
//! A waker's `pending` flag is set by [`Waker::wake`] (which sends a letter only on a
//! false→true change) and cleared by the runtime with a swap *before* it calls the handler
//! ([`answer`]). So a wake racing the handler sends a new letter, and the handler sees every
//! write made before a `wake` whose letter it answers: both sides are read-modify-writes on one
//! flag, AcqRel (`tests/loom_remote.rs`, `coalesced_wakes_never_hide_the_last_write`).

use std::fmt;

use spindle_utils::Closed;
use spindle_utils::sync::Arc;
use spindle_utils::sync::atomic::{AtomicBool, Ordering};

use super::inbox::{Inbox, Letter};
use super::registry::WakerEntry;
use crate::fwd::Fwd;
use crate::runtime::core::Core;

impl Core {
    /// A [`Waker`] other threads use to make this runtime call `handler`. Wakes coalesce:
    /// several before the runtime gets to them make one call.
    ///
    /// ```
    /// use spindle_actor::{Fwd, Runtime};
    /// use std::{cell::Cell, rc::Rc};
    /// let mut rt = Runtime::new();
    /// let woken = Rc::new(Cell::new(0));
    /// let count = woken.clone();
    /// let waker = rt.waker(Fwd::new(move |()| count.set(count.get() + 1)));
    /// std::thread::spawn(move || { waker.wake().unwrap(); waker.wake().unwrap(); }).join().unwrap();
    /// rt.run(std::time::Instant::now());
    /// assert_eq!(woken.get(), 1);
    /// ```
    pub fn waker(&mut self, handler: Fwd<()>) -> Waker {
        let pending = Arc::new(AtomicBool::new(false));
        let index = self.shared.insert_waker(WakerEntry {
            handler,
            pending: Arc::clone(&pending),
        });
        let inbox = Arc::clone(&self.shared.inbox);
        inbox.handle_added();
        Waker {
            handle: Arc::new(WakerHandle {
                inbox,
                pending,
                index,
            }),
        }
    }
}

/// The runtime's side of a [`Letter::Wake`]: clears the flag, then calls the handler.
pub(crate) fn answer(core: &mut Core, index: u32) {
    if let Some(entry) = core.shared.waker(index) {
        // Cleared before the handler runs, so a racing wake sends a new letter; AcqRel: the
        // handler sees what the waking thread wrote before its `wake`.
        entry.pending.swap(false, Ordering::AcqRel);
        entry.handler.fwd(());
    }
}

/// The runtime's side of a [`Letter::WakerGone`]: the handler is dropped, outside the registry.
pub(crate) fn unregister(core: &mut Core, index: u32) {
    drop(core.shared.remove_waker(index));
}

/// The part of a `Waker` whose drop unregisters it (shared by clones).
struct WakerHandle {
    inbox: Arc<Inbox<Core>>,
    pending: Arc<AtomicBool>,
    index: u32,
}

impl Drop for WakerHandle {
    fn drop(&mut self) {
        let _ = self.inbox.letters.push(Letter::WakerGone(self.index));
        self.inbox.handle_dropped();
    }
}

/// Lets another thread make a runtime call a handler ([`Core::waker`](crate::Core::waker)),
/// e.g. when an I/O thread has data ready. Wakes coalesce: `wake` sends at most one letter
/// until the runtime has answered it, so a wake while one is pending costs one atomic swap.
/// Clone it freely; dropping the last clone unregisters the handler.
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
    /// Makes the runtime call the handler soon (once for any number of wakes before then).
    ///
    /// # Errors
    ///
    /// [`Closed`] if the runtime has been dropped.
    ///
    /// ```
    /// use spindle_actor::{Fwd, Runtime};
    /// let mut rt = Runtime::new();
    /// let waker = rt.waker(Fwd::discard());
    /// assert!(waker.wake().is_ok());
    /// drop(rt);
    /// assert!(waker.wake().is_err());
    /// ```
    pub fn wake(&self) -> Result<(), Closed> {
        let handle = &*self.handle;
        // A swap even when a wake is pending (no cheaper load first): the runtime's clearing
        // swap must read this write, so that its handler sees what was written before it.
        if handle.pending.swap(true, Ordering::AcqRel) {
            return if handle.inbox.letters.is_closed() {
                Err(Closed(()))
            } else {
                Ok(())
            };
        }
        handle
            .inbox
            .letters
            .push(Letter::Wake(handle.index))
            .map_err(|_| Closed(()))
    }
}

impl fmt::Debug for Waker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waker")
            .field("slot", &self.handle.index)
            .finish()
    }
}
