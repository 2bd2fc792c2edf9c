//! The loom shim: the atomics, threads and thread-locals the executor's own protocols use.
//!
//! Under `--cfg spindle_loom` these are loom's, so `cargo xtask loom` explores the real sleep,
//! wake and shutdown code; otherwise they are std's at zero cost. crossbeam-deque is used as is
//! in both: loom switches threads only at its own operations, so each deque operation is one
//! atomic step in the models (crossbeam checks the deque itself).

#[cfg(not(spindle_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(spindle_loom))]
pub(crate) use std::thread::yield_now;

#[cfg(spindle_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
#[cfg(spindle_loom)]
pub(crate) use loom::thread::yield_now;

/// Stands in, under loom, for the single total order of `SeqCst` accesses, as
/// spindle-queue's function of the same name does: loom models `SeqCst` accesses as `AcqRel`
/// (loom#180) but does model `SeqCst` fences, so a fence sits next to each access whose
/// argument needs the total order (R1 in `registry.rs`, S2 in `spawn.rs`); elsewhere this is
/// nothing.
#[inline(always)]
pub(crate) fn seq_cst_fence_for_loom() {
    #[cfg(spindle_loom)]
    loom::sync::atomic::fence(Ordering::SeqCst);
}

/// A handle to a spawned worker thread.
#[cfg(not(spindle_loom))]
pub(crate) type ThreadHandle = std::thread::JoinHandle<()>;
#[cfg(spindle_loom)]
pub(crate) type ThreadHandle = loom::thread::JoinHandle<()>;

/// Spawns a worker thread with an optional name and stack size.
#[cfg(not(spindle_loom))]
pub(crate) fn spawn_thread(
    name: String,
    stack_size: Option<usize>,
    main: impl FnOnce() + Send + 'static,
) -> std::io::Result<ThreadHandle> {
    let mut builder = std::thread::Builder::new().name(name);
    if let Some(size) = stack_size {
        builder = builder.stack_size(size);
    }
    builder.spawn(main)
}

/// Under loom: names and stack sizes do not exist.
#[cfg(spindle_loom)]
pub(crate) fn spawn_thread(
    _name: String,
    _stack_size: Option<usize>,
    main: impl FnOnce() + Send + 'static,
) -> std::io::Result<ThreadHandle> {
    Ok(loom::thread::spawn(main))
}

/// Declares a thread-local through std or loom.
macro_rules! worker_local {
    ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(spindle_loom))]
        std::thread_local! { $(#[$attr])* static $name: $t = const { $init }; }
        #[cfg(spindle_loom)]
        loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
}
pub(crate) use worker_local;
