//! The loom shim: the atomics, `Arc` and thread-local the pool's cross-thread protocol uses.
//!
//! Under `--cfg spindle_loom` these are loom's (the inboxes are spindle-queue `Queue`s and the
//! waits its `EventCount`, both loom-aware); otherwise std's at zero cost.

#[cfg(not(spindle_loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(spindle_loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(spindle_loom)]
pub(crate) use loom::sync::Arc;
#[cfg(spindle_loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};

/// Declares a thread-local through std or loom.
macro_rules! pool_local {
    ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(spindle_loom))]
        std::thread_local! { $(#[$attr])* static $name: $t = $init; }
        #[cfg(spindle_loom)]
        loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
}
pub(crate) use pool_local;
