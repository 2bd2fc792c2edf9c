//! The loom shim: the atomics, `Arc` and mutexes come from [`spindle_utils::sync`] (std's, or
//! loom's under `--cfg spindle_loom`, so `tests/loom_pool.rs` explores the real call, answer and
//! shutdown code); only the thread-local declaration, which `sync` has no counterpart for,
//! lives here.

pub(crate) use spindle_utils::sync::atomic::AtomicUsize;
pub(crate) use spindle_utils::sync::{Arc, Mutex, Ordering, lock};

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
