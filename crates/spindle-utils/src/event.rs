//! [`EventCount`]: wait for a condition without losing a wake-up and without burning a core.
//!
//! # Design
//!
//! A waiter first spins a bounded number of times re-checking its condition (most waits in a
//! busy system end here, without a system call). Then it *announces* itself: it links a node on
//! its own stack into a wait list under a mutex and raises the `waiters` count with a `SeqCst`
//! read-modify-write. It re-checks the condition once more, and only then parks. A notifier
//! makes its change with a `SeqCst` write, then loads `waiters` with a `SeqCst` load: when
//! nobody waits, that load is all a notification costs. Otherwise it unlinks the oldest waiter,
//! marks it notified and unparks its thread.
//!
//! No wake-up is lost: in the single total order of `SeqCst` operations, either the notifier's
//! load of `waiters` comes after the waiter's announcement (and it sees the waiter), or the
//! waiter's re-check comes after the notifier's write (and it sees the change). This is the
//! contract callers keep (see [`EventCount`]); crossbeam-channel's wakers rely on the same one.
//!
//! Nothing is allocated: the node lives on the waiting thread's stack, and the thread handle it
//! holds is a reference-counted clone.
//!
//! # Async waiters
//!
//! A waiter is either a parked thread or a task: an [`AsyncWaiter`] holds the same kind of node
//! inside a pinned future, as tokio's `Notify` does, with a [`Waker`](core::task::Waker) where a
//! thread's node holds its parker. Polled, it checks the condition, then announces its node with
//! the waker, re-checks, and returns `Pending`; the notifier takes the waker under the lock,
//! unlinks the node, marks it notified and wakes the task after unlocking. The next poll sees
//! `notified` and checks again. The same `SeqCst` argument covers both kinds, and the node is
//! freed only after the future's `Drop` has unlinked it (E1): `Pin` promises that drop runs before
//! the memory is reused. No spin phase: an async waiter must not hold its executor's thread.
//!
//! # Invariants
//!
//! - **E1 (linked nodes live).** A node is linked only while its waiter is inside
//!   [`EventCount::wait_inner`]; the waiter leaves only after unlinking it itself (under the
//!   lock) or after observing `notified` set, which the notifier does after unlinking it and
//!   after its last access to the node. An async node is linked only while its pinned
//!   [`AsyncWaiter`] is alive, and the same two ways out hold for it: a poll that sees
//!   `notified` set, or `Drop` (or a successful check) unlinking it under the lock.
//! - **E2 (count).** `waiters` equals the number of linked nodes; both change together under the
//!   lock. A notifier that reads zero has no one to wake.
//! - **E3 (forwarding).** A waiter that was notified but returns without having parked for that
//!   notification passes it on, so a notification is never absorbed by a waiter that did not
//!   need it. An async waiter forwards when its future is dropped after being notified but
//!   before a poll took the notification, and when a check succeeds after a notifier picked it.
//! - **E4 (waker slot).** While an async node is linked, its waker is read and replaced only
//!   under the lock (by the polling future and by the notifier that unlinks it); once `notified`
//!   is seen set, or before the node is linked, only the future touches it.

use core::fmt;
use core::ptr;
use core::task::Waker;
use std::time::Instant;

use crossbeam_utils::CachePadded;

use crate::sync::marked::AtomicUsize;
use crate::sync::{Mutex, Ordering, Parker, UnsafeCell, lock, seq_cst_fence_for_loom};

/// How many times a waiter re-checks its condition before parking, by default.
pub const DEFAULT_SPIN_LIMIT: u32 = 16;

/// The spin steps that busy-wait; later steps yield the core instead.
const SPIN_STEPS: u32 = 6;

/// How many tasks' wakers a `notify_all` collects under the lock before it unlocks to wake them:
/// a waker may run arbitrary code (even poll the woken future on this thread), so none is woken
/// under the lock, and a fixed array keeps the wake path free of allocation.
const WAKE_BATCH: usize = 16;

mod wait_async;

pub use wait_async::{AsyncWaiter, WaitUntil};

/// How a waiter is woken.
enum Wake {
    /// A thread parked in [`EventCount::wait_inner`].
    Thread(Parker),
    /// A task polling an [`AsyncWaiter`]; the slot is guarded as invariant E4 says.
    Task(UnsafeCell<Option<Waker>>),
}

/// A waiter's node in the wait list; it lives on the waiting thread's stack, or in the pinned
/// future of an async waiter (E1).
struct Waiter {
    wake: Wake,
    /// Set (with Release) by the notifier once it has unlinked this node and is done with it.
    notified: AtomicUsize,
    prev: UnsafeCell<*const Waiter>,
    next: UnsafeCell<*const Waiter>,
}

/// The linked waiters, oldest first. Only touched under the [`EventCount`]'s mutex.
struct WaitList {
    head: *const Waiter,
    tail: *const Waiter,
}

// SAFETY: the list holds pointers to nodes that stay alive while linked (E1); it is only
// accessed under the mutex, so moving the guard's contents between threads is fine.
unsafe impl Send for WaitList {}

impl WaitList {
    /// Links `node` at the back.
    ///
    /// # Safety
    ///
    /// `node` is unlinked and stays alive until unlinked (E1); the caller holds the lock.
    unsafe fn push_back(&mut self, node: *const Waiter) {
        // SAFETY: `node` is alive (caller) and so is the current tail (E1); the lock makes us
        // the only one touching links.
        unsafe {
            (*node).prev.with_mut(|p| *p = self.tail);
            (*node).next.with_mut(|p| *p = ptr::null());
            if self.tail.is_null() {
                self.head = node;
            } else {
                (*self.tail).next.with_mut(|p| *p = node);
            }
        }
        self.tail = node;
    }

    /// Unlinks `node`.
    ///
    /// # Safety
    ///
    /// `node` is linked in this list; the caller holds the lock.
    unsafe fn unlink(&mut self, node: *const Waiter) {
        // SAFETY: linked nodes and their neighbours are alive (E1); we hold the lock.
        unsafe {
            let prev = (*node).prev.with(|p| *p);
            let next = (*node).next.with(|p| *p);
            if prev.is_null() {
                self.head = next;
            } else {
                (*prev).next.with_mut(|p| *p = next);
            }
            if next.is_null() {
                self.tail = prev;
            } else {
                (*next).prev.with_mut(|p| *p = prev);
            }
        }
    }

    /// Unlinks and returns the oldest node, if any. The caller holds the lock.
    fn pop_front(&mut self) -> Option<*const Waiter> {
        let node = self.head;
        if node.is_null() {
            return None;
        }
        // SAFETY: `node` is the linked head; we hold the lock.
        unsafe { self.unlink(node) };
        Some(node)
    }
}

/// Makes threads wait for a condition, and wakes them when another thread makes it true.
///
/// An event count turns any lock-free "try" operation into a blocking one: a waiter calls
/// [`wait_until`](EventCount::wait_until) with a closure that tries the operation, and whoever
/// may have made it succeed calls [`notify_one`](EventCount::notify_one) (or
/// [`notify_all`](EventCount::notify_all)). The waiter spins a little, then parks; a
/// notification costs one atomic load when nobody is parked. The queues' blocking operations,
/// and Spindle's executor, actor runtime and pool, all wait on this type.
///
/// # Ordering contract
///
/// No wake-up is lost provided the write that makes the condition true is a `SeqCst` operation
/// (a `SeqCst` store or read-modify-write, or any write followed by
/// `fence(Ordering::SeqCst)`) made before `notify_*` is called, and the condition reads that
/// state with a `SeqCst` load (or after a `SeqCst` fence). Conditions that read state under a
/// mutex which the notifier also takes satisfy it too.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
/// use spindle_utils::EventCount;
///
/// let ready = Arc::new((AtomicBool::new(false), EventCount::new()));
/// let setter = {
///     let ready = Arc::clone(&ready);
///     std::thread::spawn(move || {
///         ready.0.store(true, SeqCst);
///         ready.1.notify_one();
///     })
/// };
/// let (flag, event) = &*ready;
/// event.wait_until(|| flag.load(SeqCst).then_some(()));
/// setter.join().unwrap();
/// ```
///
/// # From async code
///
/// Tasks wait on the same event count as threads, under any runtime:
/// [`wait_until_async`](EventCount::wait_until_async) is a future of the condition's value,
/// and [`AsyncWaiter`] is the node to embed in a future of one's own. An async wait allocates
/// nothing, does not spin, and may be dropped at any time without losing a wake-up; a
/// notification picks the longest waiter, thread or task.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
/// use spindle_utils::EventCount;
///
/// let ready = Arc::new((AtomicBool::new(false), EventCount::new()));
/// let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let task = {
///     let ready = Arc::clone(&ready);
///     runtime.spawn(async move {
///         let (flag, event) = &*ready;
///         event.wait_until_async(|| flag.load(SeqCst).then_some(())).await;
///     })
/// };
/// ready.0.store(true, SeqCst); // from a plain thread
/// ready.1.notify_one();
/// runtime.block_on(task).unwrap();
/// ```
pub struct EventCount {
    /// Linked waiters (E2). Read by every notification, written only when a waiter parks or
    /// is woken; on its own cache line so notifiers' loads stay cheap.
    waiters: CachePadded<AtomicUsize>,
    list: Mutex<WaitList>,
    spin_limit: u32,
}

// SAFETY: the raw pointers inside are only used under the mutex, per invariants E1–E2.
unsafe impl Sync for EventCount {}
// SAFETY: as above; an `EventCount` with linked waiters is borrowed, so it cannot move.
unsafe impl Send for EventCount {}

impl Default for EventCount {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for EventCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventCount")
            .field("waiters", &self.waiters.load(Ordering::Relaxed))
            .field("spin_limit", &self.spin_limit)
            .finish()
    }
}

impl EventCount {
    /// Creates an event count whose waiters re-check their condition
    /// [`DEFAULT_SPIN_LIMIT`] times before parking.
    ///
    /// ```
    /// let event = spindle_utils::EventCount::new();
    /// assert_eq!(event.waiters(), 0);
    /// ```
    pub fn new() -> Self {
        // Under loom the spin phase only multiplies interleavings; the park path is the one
        // to check.
        Self::with_spin_limit(if cfg!(spindle_loom) {
            0
        } else {
            DEFAULT_SPIN_LIMIT
        })
    }

    /// Creates an event count whose waiters re-check their condition `spin_limit` times before
    /// parking: the first few checks busy-wait with a growing number of spin hints, later ones
    /// yield the core. `0` parks at once after one check, which suits threads that outnumber
    /// the cores by far; larger budgets trade CPU for latency.
    ///
    /// ```
    /// let event = spindle_utils::EventCount::with_spin_limit(0);
    /// assert_eq!(event.spin_limit(), 0);
    /// ```
    pub fn with_spin_limit(spin_limit: u32) -> Self {
        EventCount {
            waiters: CachePadded::new(AtomicUsize::new(0)),
            list: Mutex::new(WaitList {
                head: ptr::null(),
                tail: ptr::null(),
            }),
            spin_limit,
        }
    }

    /// How many times a waiter re-checks its condition before parking.
    ///
    /// ```
    /// assert_eq!(spindle_utils::EventCount::new().spin_limit(), spindle_utils::DEFAULT_SPIN_LIMIT);
    /// ```
    pub fn spin_limit(&self) -> u32 {
        self.spin_limit
    }

    /// How many threads are parked (or about to park) right now: a snapshot.
    ///
    /// ```
    /// assert_eq!(spindle_utils::EventCount::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.waiters.load(Ordering::Relaxed)
    }

    /// Blocks until `condition` returns `Some`, and returns its value.
    ///
    /// `condition` is called on this thread, any number of times; it should try the operation
    /// waited for (a pop, a flag check) and follow the ordering contract in the type's docs.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
    /// let counter = AtomicU32::new(3);
    /// let event = spindle_utils::EventCount::new();
    /// // Already true: returns without parking.
    /// let seen = event.wait_until(|| Some(counter.load(SeqCst)).filter(|&n| n > 0));
    /// assert_eq!(seen, 3);
    /// ```
    pub fn wait_until<T>(&self, mut condition: impl FnMut() -> Option<T>) -> T {
        match self.wait_inner(&mut condition, None, &mut 0) {
            Some(value) => value,
            // Without a deadline `wait_inner` returns only once the condition holds.
            None => unreachable!("wait without a deadline returned empty-handed"),
        }
    }

    /// Like [`wait_until`](EventCount::wait_until), and also says how many times this thread
    /// parked before the condition held (0 when the spin phase was enough): for statistics.
    ///
    /// ```
    /// let event = spindle_utils::EventCount::new();
    /// assert_eq!(event.wait_until_counting_parks(|| Some('x')), ('x', 0));
    /// ```
    pub fn wait_until_counting_parks<T>(
        &self,
        mut condition: impl FnMut() -> Option<T>,
    ) -> (T, u32) {
        let mut parks = 0;
        match self.wait_inner(&mut condition, None, &mut parks) {
            Some(value) => (value, parks),
            None => unreachable!("wait without a deadline returned empty-handed"),
        }
    }

    /// Blocks until `condition` returns `Some` or `deadline` passes; `None` on timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let event = spindle_utils::EventCount::new();
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// assert_eq!(event.wait_until_deadline(deadline, || None::<()>), None);
    /// assert!(Instant::now() >= deadline);
    /// ```
    pub fn wait_until_deadline<T>(
        &self,
        deadline: Instant,
        mut condition: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        self.wait_inner(&mut condition, Some(deadline), &mut 0)
    }

    /// Wakes the longest-waiting parked thread, if any. Call it after making a waiter's
    /// condition true, as the ordering contract says.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = spindle_utils::EventCount::new();
    /// event.notify_one(); // nobody waits: one atomic load
    /// ```
    #[inline]
    pub fn notify_one(&self) {
        seq_cst_fence_for_loom();
        // SeqCst: ordered with the caller's SeqCst write and with waiters' announcements in
        // the single total order; this is half of the no-lost-wake-up argument (module docs).
        if self.waiters.load(Ordering::SeqCst) != 0 {
            self.wake(false);
        }
    }

    /// Wakes every parked thread. Call it after a change every waiter must see (a close, a
    /// shutdown).
    ///
    /// # Examples
    ///
    /// ```
    /// let event = spindle_utils::EventCount::new();
    /// event.notify_all();
    /// ```
    #[inline]
    pub fn notify_all(&self) {
        seq_cst_fence_for_loom();
        // SeqCst: as in `notify_one`.
        if self.waiters.load(Ordering::SeqCst) != 0 {
            self.wake(true);
        }
    }

    /// Unlinks and wakes the oldest waiter, or all of them.
    ///
    /// With `all`, only the waiters linked when it starts are woken: a task woken early may
    /// re-register while the lock is released between batches, and must not keep this going.
    #[cold]
    fn wake(&self, all: bool) {
        let mut list = lock(&self.list);
        // How many more to wake; `None` while every linked node predates this call (the lock
        // has been held since it started).
        let mut budget = if all { None } else { Some(1usize) };
        let mut wakers: [Option<Waker>; WAKE_BATCH] = [const { None }; WAKE_BATCH];
        let mut batched = 0;
        while budget != Some(0) {
            let Some(node) = list.pop_front() else { break };
            budget = budget.map(|n| n - 1);
            // Relaxed: the count is only read as a hint by notifiers; the lock orders it with
            // other changes (E2).
            self.waiters.fetch_sub(1, Ordering::Relaxed);
            // SAFETY: `node` was linked, so it is alive until we set `notified` (E1).
            match unsafe { &(*node).wake } {
                Wake::Thread(parker) => {
                    let unparker = parker.unparker();
                    // Release: our last access to the node; the waiter may free it right after.
                    // SAFETY: as above.
                    unsafe { (*node).notified.store(1, Ordering::Release) };
                    if !all {
                        drop(list);
                        unparker.unpark();
                        return;
                    }
                    unparker.unpark();
                }
                Wake::Task(slot) => {
                    // SAFETY: the node is linked until the store below and we hold the lock, so
                    // the slot is ours to take (E4).
                    let waker = slot.with_mut(|w| unsafe { (*w).take() });
                    // Release: our last access to the node; the future may reuse or free it
                    // after its Acquire load sees this.
                    // SAFETY: `node` is alive until this store (E1).
                    unsafe { (*node).notified.store(1, Ordering::Release) };
                    wakers[batched] = waker;
                    batched += 1;
                    if batched == WAKE_BATCH {
                        // Relaxed: read under the lock, which orders every change of the count
                        // (E2); those linked now are the ones this call still owes a wake-up.
                        let owed = self.waiters.load(Ordering::Relaxed);
                        budget = Some(budget.map_or(owed, |n| n.min(owed)));
                        drop(list);
                        wakers
                            .iter_mut()
                            .filter_map(Option::take)
                            .for_each(Waker::wake);
                        batched = 0;
                        list = lock(&self.list);
                    }
                }
            }
        }
        drop(list);
        wakers[..batched]
            .iter_mut()
            .filter_map(Option::take)
            .for_each(Waker::wake);
    }

    /// Links a node for this thread, announcing it to notifiers.
    ///
    /// # Safety
    ///
    /// `node` is not linked, and stays alive until [`Self::cancel`] returns or its `notified`
    /// is seen set (E1).
    unsafe fn announce(&self, node: &Waiter) {
        let mut list = lock(&self.list);
        // SAFETY: the caller keeps `node` alive while linked; we hold the lock.
        unsafe { list.push_back(node) };
        // SeqCst: the other half of the no-lost-wake-up argument (module docs).
        self.waiters.fetch_add(1, Ordering::SeqCst);
        drop(list);
        seq_cst_fence_for_loom();
    }

    /// Unlinks `node` unless a notifier already did; returns `true` if it was still linked.
    fn cancel(&self, node: &Waiter) -> bool {
        let mut list = lock(&self.list);
        // Acquire: pairs with the notifier's Release, though the lock orders it already.
        if node.notified.load(Ordering::Acquire) != 0 {
            return false;
        }
        // SAFETY: not notified, so still linked (notifiers unlink before marking); we hold the
        // lock.
        unsafe { list.unlink(node) };
        self.waiters.fetch_sub(1, Ordering::Relaxed);
        true
    }

    /// Unlinks `node`; if a notifier got to it first, passes that notification on (E3).
    fn cancel_or_forward(&self, node: &Waiter) {
        if !self.cancel(node) {
            self.notify_one();
        }
    }

    /// Spins, then announces, re-checks and parks until `condition` holds or `deadline` passes.
    fn wait_inner<T>(
        &self,
        condition: &mut dyn FnMut() -> Option<T>,
        deadline: Option<Instant>,
        parks: &mut u32,
    ) -> Option<T> {
        for step in 0..self.spin_limit {
            if let Some(value) = condition() {
                return Some(value);
            }
            if step < SPIN_STEPS {
                for _ in 0..1u32 << step {
                    core::hint::spin_loop();
                }
            } else if !crate::spin::yield_or_stop() {
                // Oversubscribed: the thread we wait for may be the one without a core; parking
                // gives it ours (the spin policy, `spin.rs`).
                break;
            }
        }
        loop {
            if let Some(value) = condition() {
                return Some(value);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return None;
            }
            let node = Waiter {
                wake: Wake::Thread(Parker::for_current_thread()),
                notified: AtomicUsize::new(0),
                prev: UnsafeCell::new(ptr::null()),
                next: UnsafeCell::new(ptr::null()),
            };
            // SAFETY: `node` is fresh, and we do not leave this block before `cancel` returns
            // or `notified` is seen set (E1).
            unsafe { self.announce(&node) };
            // A panicking condition must not leave the node linked as its frame unwinds (E1).
            let guard = CancelOnUnwind {
                event: self,
                node: &node,
            };
            let checked = condition();
            core::mem::forget(guard);
            if let Some(value) = checked {
                self.cancel_or_forward(&node);
                return Some(value);
            }
            let Wake::Thread(parker) = &node.wake else {
                unreachable!("a thread waiter's node holds its parker")
            };
            // Acquire: pairs with the notifier's Release; after it, the node is ours again.
            while node.notified.load(Ordering::Acquire) == 0 {
                *parks = parks.saturating_add(1);
                match deadline {
                    None => parker.park(),
                    Some(deadline) => {
                        let now = Instant::now();
                        if now >= deadline {
                            if self.cancel(&node) {
                                return None;
                            }
                            // Notified just now: take it, and re-check below.
                            break;
                        }
                        parker.park_timeout(deadline - now);
                    }
                }
            }
        }
    }
}

/// Unlinks an announced node if the condition check unwinds.
struct CancelOnUnwind<'a> {
    event: &'a EventCount,
    node: &'a Waiter,
}

impl Drop for CancelOnUnwind<'_> {
    fn drop(&mut self) {
        self.event.cancel_or_forward(self.node);
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst};
    use std::time::Duration;

    #[test]
    fn condition_already_true_returns_without_parking() {
        let event = EventCount::with_spin_limit(0);
        assert_eq!(event.wait_until(|| Some(7)), 7);
        assert_eq!(event.waiters(), 0);
    }

    #[test]
    fn notify_wakes_a_parked_waiter() {
        let shared = Arc::new((StdAtomicUsize::new(0), EventCount::with_spin_limit(0)));
        let waiter = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                shared
                    .1
                    .wait_until(|| Some(shared.0.load(SeqCst)).filter(|&v| v != 0))
            })
        };
        // Wait until it is parked, so the notification must go through the slow path.
        while shared.1.waiters() == 0 {
            std::thread::yield_now();
        }
        shared.0.store(5, SeqCst);
        shared.1.notify_one();
        assert_eq!(waiter.join().unwrap(), 5);
        assert_eq!(shared.1.waiters(), 0);
    }

    #[test]
    fn notify_all_wakes_every_waiter() {
        let shared = Arc::new((StdAtomicUsize::new(0), EventCount::with_spin_limit(0)));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    shared
                        .1
                        .wait_until(|| (shared.0.load(SeqCst) != 0).then_some(()))
                })
            })
            .collect();
        while shared.1.waiters() < 3 {
            std::thread::yield_now();
        }
        shared.0.store(1, SeqCst);
        shared.1.notify_all();
        waiters.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(shared.1.waiters(), 0);
    }

    #[test]
    fn deadline_passes_and_unlinks_the_waiter() {
        let event = EventCount::with_spin_limit(2);
        let start = Instant::now();
        let got = event.wait_until_deadline(start + Duration::from_millis(20), || None::<()>);
        assert_eq!(got, None);
        assert!(start.elapsed() >= Duration::from_millis(20));
        assert_eq!(event.waiters(), 0);
        // The list is empty again: a notification finds no one.
        event.notify_one();
    }
}
