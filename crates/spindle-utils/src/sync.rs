//! The loom shim: every atomic, cell, lock, park and thread Spindle's protocols use comes from
//! here.
//!
//! Under `--cfg spindle_loom` these are loom's instrumented types, so `cargo xtask loom` can
//! explore every interleaving of the real code of every Spindle crate; otherwise they are the
//! `std` types at zero cost. No Spindle crate names `std::sync::atomic`, `core::cell::UnsafeCell`
//! or `std::thread::spawn` for its protocols directly.
//!
//! This module is public so that the other Spindle crates can share it; it is not meant for
//! users, and its contents follow loom's API rather than std's where the two differ
//! ([`UnsafeCell::with`] instead of `get`).
//!
//! # Two kinds of atomics
//!
//! [`atomic`] holds the plain types (std's, or loom's). [`marked`] holds the ones the queues and
//! [`EventCount`](crate::EventCount) use: under loom, every access to one of them is preceded by
//! a relaxed RMW on a companion "access marker". loom's DPOR remembers only the *last* access to
//! each atomic, so when thread B loads a location and then CASes it, B's CAS is compared with
//! B's own load and the interleaving "B's CAS before thread A's earlier load" is never tried
//! (tokio-rs/loom#392, #166): a CAS loop, which always loads first, hides its races. The marker
//! makes every pair of accesses to one atomic dependent, so DPOR backtracks at each of them. A
//! relaxed RMW on a separate location creates no happens-before edge, so the memory-model
//! behaviour of the real atomic (stale loads included) is unchanged; the cost is more
//! interleavings to explore, which is why the executor's models, whose CAS loops are few, use
//! the plain ones. Outside loom both are the same std types.

/// The plain atomics: std's, or loom's under `--cfg spindle_loom`.
pub mod atomic {
    #[cfg(not(spindle_loom))]
    pub use std::sync::atomic::{
        AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
    };

    #[cfg(spindle_loom)]
    pub use loom::sync::atomic::{
        AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
    };
}

/// Atomics whose every access is a separate step for loom's scheduler (see the module docs);
/// std's types outside loom.
pub mod marked {
    #[cfg(spindle_loom)]
    pub use super::loom_atomic::{AtomicPtr, AtomicU32, AtomicUsize};

    #[cfg(not(spindle_loom))]
    pub use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize};
}

pub use self::atomic::Ordering;

#[cfg(spindle_loom)]
pub use loom::cell::UnsafeCell;

#[cfg(not(spindle_loom))]
pub use self::cell::UnsafeCell;

#[cfg(not(spindle_loom))]
pub use crossbeam_utils::Backoff;

#[cfg(spindle_loom)]
pub use self::loom_backoff::Backoff;

#[cfg(not(spindle_loom))]
pub use std::sync::{Arc, Mutex, MutexGuard};

#[cfg(spindle_loom)]
pub use loom::sync::{Arc, Mutex, MutexGuard};

#[cfg(not(spindle_loom))]
pub use self::std_park::{Parker, Unparker, yield_now};

#[cfg(spindle_loom)]
pub use self::loom_park::{Parker, Unparker, yield_now};

/// Locks `mutex`, ignoring poisoning: Spindle runs no user code while holding one of its
/// locks, so a poisoned lock still guards consistent data.
#[inline]
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    #[cfg(not(spindle_loom))]
    return mutex.lock().unwrap_or_else(|e| e.into_inner());
    #[cfg(spindle_loom)]
    return mutex
        .lock()
        .expect("loom mutexes are not poisoned in the models");
}

#[cfg(not(spindle_loom))]
mod std_park {
    //! Parking is `std::thread::park`; the handle that wakes a thread is its `Thread`.

    pub use std::thread::yield_now;
    use std::thread::{self, Thread};
    use std::time::Duration;

    /// The current thread's side of a park: it sleeps here until unparked.
    #[derive(Debug)]
    pub struct Parker(Thread);

    /// Wakes the thread of a [`Parker`]; a clone of its reference-counted `Thread`, so it stays
    /// valid after the parked thread has moved on.
    #[derive(Debug)]
    pub struct Unparker(Thread);

    impl Parker {
        /// The parker of the calling thread.
        #[inline]
        pub fn for_current_thread() -> Self {
            Parker(thread::current())
        }

        /// Sleeps until unparked; may also return spuriously.
        #[inline]
        pub fn park(&self) {
            thread::park();
        }

        /// Sleeps until unparked or `timeout` passes; may also return spuriously.
        #[inline]
        pub fn park_timeout(&self, timeout: Duration) {
            thread::park_timeout(timeout);
        }

        /// A handle that wakes this parker's thread.
        #[inline]
        pub fn unparker(&self) -> Unparker {
            Unparker(self.0.clone())
        }
    }

    impl Unparker {
        /// Wakes the thread (or makes its next park return at once).
        #[inline]
        pub fn unpark(self) {
            self.0.unpark();
        }
    }
}

#[cfg(spindle_loom)]
#[allow(missing_docs)] // loom's stand-ins for the documented std items above
mod loom_park {
    //! Under loom, a park is a wait on a `loom::sync::Notify` owned by the parked thread.
    //! loom's own `thread::unpark` makes a thread that is blocked on a *mutex* runnable and then
    //! panics with "expected to be able to acquire lock" when it runs; its `Notify` wakes only
    //! a thread waiting on that very object.

    use loom::sync::{Arc, Notify};
    pub use loom::thread::yield_now;
    use std::time::Duration;

    #[derive(Debug)]
    pub struct Parker(Arc<Notify>);

    #[derive(Debug)]
    pub struct Unparker(Arc<Notify>);

    impl Parker {
        pub fn for_current_thread() -> Self {
            Parker(Arc::new(Notify::new()))
        }

        pub fn park(&self) {
            self.0.wait();
        }

        /// loom has no clock; the models use no deadlines, so this behaves as a spurious wake.
        pub fn park_timeout(&self, _timeout: Duration) {
            yield_now();
        }

        pub fn unparker(&self) -> Unparker {
            Unparker(Arc::clone(&self.0))
        }
    }

    impl Unparker {
        pub fn unpark(self) {
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
pub fn seq_cst_fence_for_loom() {
    #[cfg(spindle_loom)]
    atomic::fence(Ordering::SeqCst);
}

#[cfg(not(spindle_loom))]
mod cell {
    /// `core::cell::UnsafeCell` with loom's closure-based API, so the same code compiles against
    /// both; the closures inline away.
    #[derive(Debug)]
    #[repr(transparent)]
    pub struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// A cell holding `value`.
        #[inline(always)]
        pub const fn new(value: T) -> Self {
            Self(core::cell::UnsafeCell::new(value))
        }

        /// Runs `f` with a shared pointer to the value.
        #[inline(always)]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a mutable pointer to the value.
        #[inline(always)]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(spindle_loom)]
#[allow(missing_docs)] // loom's stand-ins for the documented std items above
mod loom_backoff {
    /// Under loom a spin loop must yield to the model's scheduler, or the model never lets the
    /// thread it waits for run.
    #[derive(Debug, Default)]
    pub struct Backoff;

    impl Backoff {
        pub fn new() -> Self {
            Backoff
        }

        pub fn spin(&self) {
            loom::thread::yield_now();
        }

        pub fn snooze(&self) {
            loom::thread::yield_now();
        }
    }
}

#[cfg(spindle_loom)]
#[allow(missing_docs)] // loom's stand-ins for the documented std items above
mod loom_atomic {
    //! Loom atomics with an access marker; see the module docs above for why.

    use loom::sync::atomic::{self, Ordering};

    /// Declares methods that touch the marker, then forward to the inner atomic's method of
    /// the same name.
    macro_rules! marked_methods {
        ($($name:ident($($arg:ident: $t:ty),*) $(-> $ret:ty)?;)+) => {
            $(
                #[allow(dead_code)] // not every atomic kind uses every operation
                pub fn $name(&self, $($arg: $t),*) $(-> $ret)? {
                    self.mark();
                    self.inner.$name($($arg),*)
                }
            )+
        };
    }

    /// Declares a wrapper around a loom atomic whose every method first touches the marker.
    macro_rules! marked_atomic {
        ($(#[$doc:meta])* $name:ident<$($g:ident)?>, $inner:ty, $value:ty) => {
            $(#[$doc])*
            #[derive(Debug)]
            pub struct $name<$($g)?> {
                inner: $inner,
                marker: atomic::AtomicUsize,
            }

            impl<$($g)?> $name<$($g)?> {
                pub fn new(value: $value) -> Self {
                    Self { inner: <$inner>::new(value), marker: atomic::AtomicUsize::new(0) }
                }

                fn mark(&self) {
                    self.marker.fetch_add(1, Ordering::Relaxed);
                }

                marked_methods! {
                    load(order: Ordering) -> $value;
                    store(value: $value, order: Ordering);
                    swap(value: $value, order: Ordering) -> $value;
                    compare_exchange(
                        current: $value, new: $value, success: Ordering, failure: Ordering
                    ) -> Result<$value, $value>;
                    compare_exchange_weak(
                        current: $value, new: $value, success: Ordering, failure: Ordering
                    ) -> Result<$value, $value>;
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
        marked_methods! {
            fetch_add(value: u32, order: Ordering) -> u32;
        }
    }

    impl AtomicUsize {
        marked_methods! {
            fetch_or(value: usize, order: Ordering) -> usize;
            fetch_add(value: usize, order: Ordering) -> usize;
            fetch_sub(value: usize, order: Ordering) -> usize;
        }
    }
}

/// Declares a thread-local through std (with a `const` initializer) or, under loom, through
/// loom, which runs all its threads on one OS thread.
///
/// ```
/// spindle_utils::sync_thread_local! {
///     /// How deep this thread is.
///     static DEPTH: core::cell::Cell<usize> = core::cell::Cell::new(0);
/// }
/// DEPTH.with(|d| d.set(d.get() + 1));
/// assert_eq!(DEPTH.with(|d| d.get()), 1);
/// ```
///
/// With `lazy` before the initializer, it runs on each thread's first access instead (for a
/// value that cannot be built in a `const`, such as an `Arc`):
///
/// ```
/// spindle_utils::sync_thread_local! {
///     static NAME: std::sync::Arc<str> = lazy std::sync::Arc::from("worker");
/// }
/// assert_eq!(&*NAME.with(|n| n.clone()), "worker");
/// ```
#[macro_export]
macro_rules! sync_thread_local {
    ($(#[$attr:meta])* static $name:ident: $t:ty = lazy $init:expr;) => {
        #[cfg(not(spindle_loom))]
        ::std::thread_local! { $(#[$attr])* static $name: $t = $init; }
        #[cfg(spindle_loom)]
        $crate::__loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
    ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(spindle_loom))]
        ::std::thread_local! { $(#[$attr])* static $name: $t = const { $init }; }
        #[cfg(spindle_loom)]
        $crate::__loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
}
