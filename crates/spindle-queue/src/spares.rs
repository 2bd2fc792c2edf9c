//! Drained segments kept for reuse, so a queue whose length stays bounded stops allocating.
//!
//! A Treiber stack linked through [`Segment::next`], with one restriction that makes it immune
//! to ABA without tags or hazard pointers:
//!
//! - **P1 (single taker).** [`Spares::take`] is only called by the producer installing the next
//!   tail segment, and installs are serialised: the next installer can only claim its slot after
//!   observing the index this install publishes. With one taker, the `top` a taker read can
//!   leave the stack only through that taker, so its `next` cannot change under it.
//! - **P2 (many givers).** [`Spares::put`] may run on any number of threads at once; pushes alone
//!   cannot cause ABA for the single taker (a changed `top` just fails its CAS).
//! - **P3 (owned while stacked).** Segments on the stack are reached by nobody but the stack; the
//!   queue frees them only from `Drop`, with `&mut` access.

use core::ptr;

use crate::segment::{Recycle, Segment};
use spindle_utils::sync::Ordering;
use spindle_utils::sync::marked::{AtomicPtr, AtomicUsize};

/// Stack of reset, reusable segments.
pub(crate) struct Spares<T> {
    top: AtomicPtr<Segment<T>>,
    /// Segments on the stack (approximate while puts race; only bounds memory).
    count: AtomicUsize,
    /// Most segments kept; beyond this, retired segments are freed.
    limit: usize,
}

impl<T> Spares<T> {
    pub(crate) fn new(limit: usize) -> Self {
        Spares {
            top: AtomicPtr::new(ptr::null_mut()),
            count: AtomicUsize::new(0),
            limit,
        }
    }

    /// Segments on the stack now (a snapshot).
    #[cfg(all(test, not(spindle_loom)))] // the unit tests in `unbounded/tests.rs`
    pub(crate) fn len(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Most segments this stack keeps.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Takes a reset segment off the stack, if any.
    ///
    /// # Safety
    /// Only one thread at a time may call this (invariant P1).
    #[inline]
    pub(crate) unsafe fn take(&self) -> Option<*mut Segment<T>> {
        // Acquire: pairs with the Release CAS in `put`, making the segment's reset visible.
        let mut top = self.top.load(Ordering::Acquire);
        loop {
            if top.is_null() {
                return None;
            }
            // SAFETY: `top` is on the stack and only this taker removes segments (P1, P3).
            let next = unsafe { (*top).next.load(Ordering::Relaxed) };
            match self
                .top
                .compare_exchange_weak(top, next, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => {
                    self.count.fetch_sub(1, Ordering::Relaxed);
                    // SAFETY: we just removed `top`; it is ours (P3).
                    unsafe { (*top).next.store(ptr::null_mut(), Ordering::Relaxed) };
                    return Some(top);
                }
                Err(current) => top = current,
            }
        }
    }

    /// Resets `segment` and keeps it, or frees it if the stack is at its limit.
    ///
    /// # Safety
    /// The caller owns `segment` exclusively and every value in it has been moved out.
    pub(crate) unsafe fn put(&self, segment: *mut Segment<T>) {
        // Relaxed: the count only bounds memory; being off by a racing put is harmless.
        if self.count.load(Ordering::Relaxed) >= self.limit {
            // SAFETY: owned and empty, as the caller guarantees.
            unsafe { Segment::free(segment) };
            return;
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        // SAFETY: owned exclusively, as the caller guarantees.
        unsafe { (*segment).reset() };
        let mut top = self.top.load(Ordering::Relaxed);
        loop {
            // SAFETY: still ours until the CAS below publishes it.
            unsafe { (*segment).next.store(top, Ordering::Relaxed) };
            // Release: publishes the reset and the link; pairs with the Acquire in `take`.
            match self
                .top
                .compare_exchange_weak(top, segment, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(current) => top = current,
            }
        }
    }

    /// Frees every spare segment.
    pub(crate) fn clear(&mut self) {
        // Exclusive access: no taker or giver runs (P3).
        // SAFETY: `&mut self` makes this the only taker.
        while let Some(segment) = unsafe { self.take() } {
            // SAFETY: taken off the stack, so owned, and spares hold no values.
            unsafe { Segment::free(segment) };
        }
    }
}

impl<T> Drop for Spares<T> {
    fn drop(&mut self) {
        self.clear();
    }
}

impl<T> Recycle<T> for Spares<T> {
    unsafe fn recycle(&self, segment: *mut Segment<T>) {
        // SAFETY: `put` asks what `recycle` does of its caller.
        unsafe { self.put(segment) }
    }
}
