//! The loom shim: every atomic, cell and spin hint the queues use comes from here.
//!
//! Under `--cfg spindle_loom` these are loom's instrumented types, so `cargo xtask loom` can
//! explore every interleaving of the real queue code; otherwise they are the `core` types at
//! zero cost. Nothing else in the crate names `core::sync::atomic` or `core::cell::UnsafeCell`.

#[cfg(spindle_loom)]
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicUsize, Ordering, fence};

#[cfg(not(spindle_loom))]
pub(crate) use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering, fence};

#[cfg(spindle_loom)]
pub(crate) use loom::cell::UnsafeCell;

#[cfg(not(spindle_loom))]
pub(crate) use self::cell::UnsafeCell;

#[cfg(not(spindle_loom))]
pub(crate) use crossbeam_utils::Backoff;

#[cfg(spindle_loom)]
pub(crate) use self::loom_backoff::Backoff;

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
