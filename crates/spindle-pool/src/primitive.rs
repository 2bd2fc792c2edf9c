//! The loom shim: the atomics, `Arc`, mutexes, threads and thread-locals the pool's
//! cross-thread protocol uses.
//!
//! Under `--cfg spindle_loom` these are loom's, so `tests/loom_pool.rs` explores the real call,
//! answer and shutdown code (the inboxes are spindle-queue `Queue`s and the waits its
//! `EventCount`, both loom-aware); otherwise they are std's at zero cost.

#[cfg(not(spindle_loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(spindle_loom))]
pub(crate) use std::sync::{Arc, Mutex, MutexGuard};

#[cfg(spindle_loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(spindle_loom)]
pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};

/// Locks `mutex`, ignoring poisoning: the pool's locks guard plain data (handles, spare
/// buffers) that a panic elsewhere cannot leave half-written.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    #[cfg(not(spindle_loom))]
    return mutex.lock().unwrap_or_else(|e| e.into_inner());
    #[cfg(spindle_loom)]
    return mutex
        .lock()
        .expect("loom mutexes are not poisoned in the models");
}

/// A pool thread's handle.
#[cfg(not(spindle_loom))]
pub(crate) type ThreadHandle<T> = std::thread::JoinHandle<T>;
#[cfg(spindle_loom)]
pub(crate) type ThreadHandle<T> = loom::thread::JoinHandle<T>;

/// Starts a pool thread with a name and an optional stack size.
#[cfg(not(spindle_loom))]
pub(crate) fn spawn_thread<T: Send + 'static>(
    name: String,
    stack_size: Option<usize>,
    main: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<ThreadHandle<T>> {
    let mut builder = std::thread::Builder::new().name(name);
    if let Some(bytes) = stack_size {
        builder = builder.stack_size(bytes);
    }
    builder.spawn(main)
}

/// Under loom: names and stack sizes do not exist.
#[cfg(spindle_loom)]
pub(crate) fn spawn_thread<T: Send + 'static>(
    _name: String,
    _stack_size: Option<usize>,
    main: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<ThreadHandle<T>> {
    Ok(loom::thread::spawn(main))
}

/// Declares a thread-local through std or loom (loom runs its threads on one OS thread).
macro_rules! pool_local {
    ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(spindle_loom))]
        std::thread_local! { $(#[$attr])* static $name: $t = const { $init }; }
        #[cfg(spindle_loom)]
        loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
}
pub(crate) use pool_local;
