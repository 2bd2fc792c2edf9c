//! Async waiters of an [`EventCount`]: the node lives in a pinned future (module docs of
//! `event`, "Async waiters"; invariants E1–E4).

use core::fmt;
use core::future::Future;
use core::marker::PhantomPinned;
use core::pin::Pin;
use core::ptr;
use core::task::{Context, Poll, Waker};

use super::{EventCount, Waiter, Wake};
use crate::sync::marked::AtomicUsize;
use crate::sync::{Ordering, UnsafeCell, lock};

/// A task's place in an [`EventCount`]'s wait list, to embed in a future.
///
/// This is the building block of every Spindle future that waits (a queue's `pop_async`, a
/// pool's `JoinHandle`): the future holds an `AsyncWaiter` and, in its `poll`, calls
/// [`poll_until`](AsyncWaiter::poll_until) with the operation it waits to succeed. The node the
/// wait list links is inside this value, so waiting allocates nothing; that is why it must be
/// pinned. It can be polled to completion any number of times (a stream polls one waiter for
/// each item).
///
/// Dropping it unlinks the node; if a notification had already picked this waiter and no poll
/// took it, the drop passes it on to the next waiter, so cancelling a wait never loses a
/// wake-up meant for someone.
///
/// For a one-off wait, [`EventCount::wait_until_async`] wraps one in a future.
///
/// # Examples
///
/// A future that waits for a flag, written with an `AsyncWaiter`:
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
/// use std::task::{Context, Poll};
/// use spindle_utils::{AsyncWaiter, EventCount};
///
/// struct Ready<'a> {
///     flag: &'a AtomicBool,
///     waiter: AsyncWaiter<'a>,
/// }
///
/// impl Future for Ready<'_> {
///     type Output = ();
///     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
///         // SAFETY: `waiter` is never moved out of the pinned `Ready`.
///         let this = unsafe { self.get_unchecked_mut() };
///         let waiter = unsafe { Pin::new_unchecked(&mut this.waiter) };
///         let flag = this.flag;
///         waiter.poll_until(cx, || flag.load(SeqCst).then_some(()))
///     }
/// }
///
/// let (flag, event) = (AtomicBool::new(false), EventCount::new());
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         flag.store(true, SeqCst);
///         event.notify_one();
///     });
///     futures::executor::block_on(Ready { flag: &flag, waiter: event.async_waiter() });
/// });
/// ```
pub struct AsyncWaiter<'a> {
    event: &'a EventCount,
    node: Waiter,
    /// Whether `node` is in the wait list, or was until a notifier unlinked it and this waiter
    /// has not seen `notified` yet.
    linked: bool,
    /// The wait list points into `node`.
    _pinned: PhantomPinned,
}

// SAFETY: the node's links are touched only under the event count's lock (E1, E2), its waker
// slot under the lock or by whoever holds `&mut self` (E4), and a `Waker` is `Send + Sync`; so
// the waiter may move to (and be polled from) any thread.
unsafe impl Send for AsyncWaiter<'_> {}
// SAFETY: `&AsyncWaiter` reaches nothing but the `&EventCount`, which is `Sync`.
unsafe impl Sync for AsyncWaiter<'_> {}

impl fmt::Debug for AsyncWaiter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncWaiter")
            .field("linked", &self.linked)
            .finish_non_exhaustive()
    }
}

impl EventCount {
    /// A waiter for this event count to embed in a future; see [`AsyncWaiter`].
    ///
    /// ```
    /// let event = spindle_utils::EventCount::new();
    /// let waiter = event.async_waiter();
    /// assert_eq!(event.waiters(), 0); // nothing is linked until it is polled
    /// drop(waiter);
    /// ```
    pub fn async_waiter(&self) -> AsyncWaiter<'_> {
        AsyncWaiter {
            event: self,
            node: Waiter {
                wake: Wake::Task(UnsafeCell::new(None)),
                notified: AtomicUsize::new(0),
                prev: UnsafeCell::new(ptr::null()),
                next: UnsafeCell::new(ptr::null()),
            },
            linked: false,
            _pinned: PhantomPinned,
        }
    }

    /// A future that resolves to `condition`'s value once it returns `Some`: the async form of
    /// [`wait_until`](EventCount::wait_until), with the same ordering contract.
    ///
    /// The future allocates nothing and does not spin; `condition` runs on each poll (once,
    /// or twice when the future registers itself). Dropping it is always safe and loses no
    /// wake-up (see [`AsyncWaiter`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
    /// let (count, event) = (AtomicU32::new(0), spindle_utils::EventCount::new());
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         count.store(3, SeqCst);
    ///         event.notify_one();
    ///     });
    ///     let seen = futures::executor::block_on(
    ///         event.wait_until_async(|| Some(count.load(SeqCst)).filter(|&n| n > 0)),
    ///     );
    ///     assert_eq!(seen, 3);
    /// });
    /// ```
    pub fn wait_until_async<T, F>(&self, condition: F) -> WaitUntil<'_, F>
    where
        F: FnMut() -> Option<T>,
    {
        WaitUntil {
            waiter: self.async_waiter(),
            condition,
        }
    }

    /// Replaces the waker of a linked async `node` unless a notifier already took it; returns
    /// `false` if `node` was notified meanwhile (it is then unlinked and ours, E1).
    fn refresh_waker(&self, node: &Waiter, waker: &Waker) -> bool {
        let list = lock(&self.list);
        // Acquire: pairs with the notifier's Release, though the lock orders it already.
        if node.notified.load(Ordering::Acquire) != 0 {
            return false;
        }
        let Wake::Task(slot) = &node.wake else {
            unreachable!("an async waiter's node holds a waker slot")
        };
        // SAFETY: `node` is linked (not notified, and only its owner, which calls this, unlinks
        // it otherwise) and we hold the lock, so the slot is ours (E4).
        let old = slot.with_mut(|w| unsafe {
            match &*w {
                Some(current) if current.will_wake(waker) => None,
                _ => (*w).replace(waker.clone()),
            }
        });
        drop(list);
        // Dropped after unlocking: dropping a waker may run the runtime's code.
        drop(old);
        true
    }
}

impl<'a> AsyncWaiter<'a> {
    /// The event count this waiter waits on.
    ///
    /// ```
    /// let event = spindle_utils::EventCount::new();
    /// assert!(std::ptr::eq(event.async_waiter().event(), &event));
    /// ```
    pub fn event(&self) -> &'a EventCount {
        self.event
    }

    /// Checks `condition` and returns `Ready` with its value once it returns `Some`; otherwise
    /// registers `cx`'s waker so the next notification wakes this task, and returns `Pending`.
    ///
    /// Call it from a future's `poll` with the same `condition` each time (the ordering contract
    /// of [`EventCount`] applies). A waker that changed between polls replaces the old one.
    /// After `Ready` the waiter is unregistered and may be used for another wait.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    /// let event = spindle_utils::EventCount::new();
    /// let mut waiter = pin!(event.async_waiter());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(waiter.as_mut().poll_until(&mut cx, || None::<u8>), Poll::Pending);
    /// assert_eq!(event.waiters(), 1); // registered
    /// assert_eq!(waiter.as_mut().poll_until(&mut cx, || Some(5)), Poll::Ready(5));
    /// assert_eq!(event.waiters(), 0);
    /// ```
    pub fn poll_until<T>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut condition: impl FnMut() -> Option<T>,
    ) -> Poll<T> {
        // SAFETY: nothing below moves `node` out of `self`; the wait list's pointers to it stay
        // valid until `Drop` (or a notifier) unlinks it.
        let this = unsafe { self.get_unchecked_mut() };
        if this.linked {
            // Acquire: pairs with the notifier's Release store of `notified`; after it the node
            // is unlinked and ours again (E1, E4).
            if this.node.notified.load(Ordering::Acquire) != 0
                || !this.event.refresh_waker(&this.node, cx.waker())
            {
                this.linked = false;
            }
        }
        if let Some(value) = condition() {
            this.finish();
            return Poll::Ready(value);
        }
        if this.linked {
            // Still registered, with the current waker: a poll that no notification caused.
            return Poll::Pending;
        }
        let Wake::Task(slot) = &this.node.wake else {
            unreachable!("an async waiter's node holds a waker slot")
        };
        // SAFETY: the node is not linked, so its slot is ours alone (E4).
        slot.with_mut(|w| unsafe {
            match &*w {
                Some(current) if current.will_wake(cx.waker()) => {}
                _ => *w = Some(cx.waker().clone()),
            }
        });
        // Relaxed: the node is ours; `announce` publishes it under the lock.
        this.node.notified.store(0, Ordering::Relaxed);
        // SAFETY: the node is unlinked and pinned inside `self`, whose `Drop` unlinks it before
        // the memory can be reused (E1).
        unsafe { this.event.announce(&this.node) };
        this.linked = true;
        // The re-check after announcing: with the notifier's write and load, the no-lost-wake-up
        // argument of the module docs. A panic here leaves the node linked in a live future; its
        // `Drop` unlinks it.
        match condition() {
            Some(value) => {
                this.finish();
                Poll::Ready(value)
            }
            None => Poll::Pending,
        }
    }

    /// Unregisters after a successful check; passes on a notification that picked this waiter
    /// meanwhile (E3).
    fn finish(&mut self) {
        if self.linked {
            self.linked = false;
            self.event.cancel_or_forward(&self.node);
        }
    }
}

impl Drop for AsyncWaiter<'_> {
    fn drop(&mut self) {
        // A linked node must leave the list before its memory goes (E1); a notification that
        // picked it and that no poll took is passed on (E3).
        self.finish();
    }
}

/// The future of [`EventCount::wait_until_async`]: resolves to the condition's value.
///
/// ```
/// let event = spindle_utils::EventCount::new();
/// let wait: spindle_utils::WaitUntil<'_, _> = event.wait_until_async(|| Some(1));
/// assert_eq!(futures::executor::block_on(wait), 1);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct WaitUntil<'a, F> {
    waiter: AsyncWaiter<'a>,
    condition: F,
}

impl<F> fmt::Debug for WaitUntil<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitUntil")
            .field("waiter", &self.waiter)
            .finish_non_exhaustive()
    }
}

impl<T, F> Future for WaitUntil<'_, F>
where
    F: FnMut() -> Option<T>,
{
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: `waiter` is pinned with `self` and never moved out; `condition` is not
        // structurally pinned (only called through `&mut`).
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above, `waiter` stays where it is until `self` is dropped.
        let waiter = unsafe { Pin::new_unchecked(&mut this.waiter) };
        waiter.poll_until(cx, &mut this.condition)
    }
}
