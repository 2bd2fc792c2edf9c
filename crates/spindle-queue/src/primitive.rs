//! The loom shim: every atomic, cell and spin hint the queues use comes from here.
//!
//! Under `--cfg spindle_loom` these are loom's instrumented types, so `cargo xtask loom` can
//! explore every interleaving of the real queue code; otherwise they are the `core` types at
//! zero cost. Nothing else in the crate names `core::sync::atomic` or `core::cell::UnsafeCell`.
//!
//! Under loom, every access to an atomic is preceded by a relaxed RMW on a companion "access
//! marker". loom's DPOR remembers only the *last* access to each atomic, so when thread B loads
//! a location and then CASes it, B's CAS is compared with B's own load and the interleaving
//! "B's CAS before thread A's earlier load" is never tried (tokio-rs/loom#392, #166): a CAS
//! loop, which always loads first, hides its races. The marker makes every pair of accesses
//! to one atomic dependent, so DPOR backtracks at each of them. A relaxed RMW on a separate
//! location creates no happens-before edge, so the memory-model behaviour of the real atomic
//! (stale loads included) is unchanged; the cost is more interleavings to explore.

#[cfg(spindle_loom)]
pub(crate) use self::loom_atomic::{AtomicPtr, AtomicU32, AtomicUsize};
#[cfg(spindle_loom)]
pub(crate) use loom::sync::atomic::Ordering;

#[cfg(not(spindle_loom))]
pub(crate) use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};

#[cfg(spindle_loom)]
pub(crate) use loom::cell::UnsafeCell;

#[cfg(not(spindle_loom))]
pub(crate) use self::cell::UnsafeCell;

#[cfg(not(spindle_loom))]
pub(crate) use crossbeam_utils::Backoff;

#[cfg(spindle_loom)]
pub(crate) use self::loom_backoff::Backoff;

#[cfg(not(spindle_loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

#[cfg(spindle_loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(spindle_loom))]
pub(crate) use self::std_park::{Parker, yield_now};

#[cfg(spindle_loom)]
pub(crate) use self::loom_park::{Parker, yield_now};

/// Locks `mutex`, ignoring poisoning: the crate runs no user code while holding a lock, so a
/// poisoned lock still guards consistent data.
#[inline]
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(not(spindle_loom))]
mod std_park {
    //! Parking is `std::thread::park`; the handle that wakes a thread is its `Thread`.

    pub(crate) use std::thread::yield_now;
    use std::thread::{self, Thread};
    use std::time::Duration;

    /// The current thread's side of a park: it sleeps here until unparked.
    #[derive(Debug)]
    pub(crate) struct Parker(Thread);

    /// Wakes the thread of a [`Parker`]; a clone of its reference-counted `Thread`, so it stays
    /// valid after the parked thread has moved on.
    #[derive(Debug)]
    pub(crate) struct Unparker(Thread);

    impl Parker {
        #[inline]
        pub(crate) fn for_current_thread() -> Self {
            Parker(thread::current())
        }

        /// Sleeps until unparked; may also return spuriously.
        #[inline]
        pub(crate) fn park(&self) {
            thread::park();
        }

        /// Sleeps until unparked or `timeout` passes; may also return spuriously.
        #[inline]
        pub(crate) fn park_timeout(&self, timeout: Duration) {
            thread::park_timeout(timeout);
        }

        #[inline]
        pub(crate) fn unparker(&self) -> Unparker {
            Unparker(self.0.clone())
        }
    }

    impl Unparker {
        #[inline]
        pub(crate) fn unpark(self) {
            self.0.unpark();
        }
    }
}

#[cfg(spindle_loom)]
mod loom_park {
    //! Under loom, a park is a wait on a `loom::sync::Notify` owned by the parked thread.
    //! loom's own `thread::unpark` makes a thread that is blocked on a *mutex* runnable and then
    //! panics with "expected to be able to acquire lock" when it runs; its `Notify` wakes only
    //! a thread waiting on that very object.

    use loom::sync::{Arc, Notify};
    pub(crate) use loom::thread::yield_now;
    use std::time::Duration;

    #[derive(Debug)]
    pub(crate) struct Parker(Arc<Notify>);

    #[derive(Debug)]
    pub(crate) struct Unparker(Arc<Notify>);

    impl Parker {
        pub(crate) fn for_current_thread() -> Self {
            Parker(Arc::new(Notify::new()))
        }

        pub(crate) fn park(&self) {
            self.0.wait();
        }

        /// loom has no clock; the models use no deadlines, so this behaves as a spurious wake.
        pub(crate) fn park_timeout(&self, _timeout: Duration) {
            yield_now();
        }

        pub(crate) fn unparker(&self) -> Unparker {
            Unparker(Arc::clone(&self.0))
        }
    }

    impl Unparker {
        pub(crate) fn unpark(self) {
            self.0.notify();
        }
    }
}

/// Stands in, under loom, for the single total order of `SeqCst` accesses.
///
/// Some protocols here (the event count's "announce, then re-check" against "publish, then
/// look for waiters") rely on `SeqCst` loads and read-modify-writes being ordered with each
/// other. loom models `SeqCst` accesses as `AcqRel` (loom#180) and would report lost wake-ups
/// that cannot happen; it does model `SeqCst` fences. So under loom a fence sits next to each
/// such access; elsewhere this is nothing, and x86 pays no `mfence`.
#[inline(always)]
pub(crate) fn seq_cst_fence_for_loom() {
    #[cfg(spindle_loom)]
    loom::sync::atomic::fence(Ordering::SeqCst);
}

#[cfg(not(spindle_loom))]
mod cell {
    /// `core::cell::UnsafeCell` with loom's closure-based API, so the same code compiles against
    /// both; the closures inline away.
    #[derive(Debug)]
    #[repr(transparent)]
    pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        #[inline(always)]
        pub(crate) const fn new(value: T) -> Self {
            Self(core::cell::UnsafeCell::new(value))
        }

        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(spindle_loom)]
mod loom_backoff {
    /// Under loom a spin loop must yield to the model's scheduler, or the model never lets the
    /// thread it waits for run.
    #[derive(Debug, Default)]
    pub(crate) struct Backoff;

    impl Backoff {
        pub(crate) fn new() -> Self {
            Backoff
        }

        pub(crate) fn spin(&self) {
            loom::thread::yield_now();
        }

        pub(crate) fn snooze(&self) {
            loom::thread::yield_now();
        }
    }
}

#[cfg(spindle_loom)]
mod loom_atomic {
    //! Loom atomics with an access marker; see the module docs above for why.

    use loom::sync::atomic::{self, Ordering};

    /// Declares a wrapper around a loom atomic whose every method first touches the marker.
    macro_rules! marked_atomic {
        ($(#[$doc:meta])* $name:ident<$($g:ident)?>, $inner:ty, $value:ty) => {
            $(#[$doc])*
            #[derive(Debug)]
            pub(crate) struct $name<$($g)?> {
                inner: $inner,
                marker: atomic::AtomicUsize,
            }

            impl<$($g)?> $name<$($g)?> {
                pub(crate) fn new(value: $value) -> Self {
                    Self { inner: <$inner>::new(value), marker: atomic::AtomicUsize::new(0) }
                }

                fn mark(&self) {
                    self.marker.fetch_add(1, Ordering::Relaxed);
                }

                pub(crate) fn load(&self, order: Ordering) -> $value {
                    self.mark();
                    self.inner.load(order)
                }

                pub(crate) fn store(&self, value: $value, order: Ordering) {
                    self.mark();
                    self.inner.store(value, order)
                }

                #[allow(dead_code)] // not every atomic kind uses every operation
                pub(crate) fn compare_exchange(
                    &self,
                    current: $value,
                    new: $value,
                    success: Ordering,
                    failure: Ordering,
                ) -> Result<$value, $value> {
                    self.mark();
                    self.inner.compare_exchange(current, new, success, failure)
                }

                #[allow(dead_code)] // not every atomic kind uses every operation
                pub(crate) fn compare_exchange_weak(
                    &self,
                    current: $value,
                    new: $value,
                    success: Ordering,
                    failure: Ordering,
                ) -> Result<$value, $value> {
                    self.mark();
                    self.inner.compare_exchange_weak(current, new, success, failure)
                }

                #[allow(dead_code)] // not every atomic kind uses every operation
                pub(crate) fn swap(&self, value: $value, order: Ordering) -> $value {
                    self.mark();
                    self.inner.swap(value, order)
                }
            }
        };
    }

    marked_atomic!(
        /// `loom::sync::atomic::AtomicUsize` with an access marker.
        AtomicUsize<>, atomic::AtomicUsize, usize
    );
    marked_atomic!(
        /// `loom::sync::atomic::AtomicPtr` with an access marker.
        AtomicPtr<T>, atomic::AtomicPtr<T>, *mut T
    );
    marked_atomic!(
        /// `loom::sync::atomic::AtomicU32` with an access marker.
        AtomicU32<>, atomic::AtomicU32, u32
    );

    impl AtomicU32 {
        pub(crate) fn fetch_add(&self, value: u32, order: Ordering) -> u32 {
            self.mark();
            self.inner.fetch_add(value, order)
        }
    }

    impl AtomicUsize {
        pub(crate) fn fetch_or(&self, value: usize, order: Ordering) -> usize {
            self.mark();
            self.inner.fetch_or(value, order)
        }

        pub(crate) fn fetch_add(&self, value: usize, order: Ordering) -> usize {
            self.mark();
            self.inner.fetch_add(value, order)
        }

        pub(crate) fn fetch_sub(&self, value: usize, order: Ordering) -> usize {
            self.mark();
            self.inner.fetch_sub(value, order)
        }
    }
}
