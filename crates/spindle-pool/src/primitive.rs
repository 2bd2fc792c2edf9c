//! The loom shim: the atomics and `Arc` the pool's cross-thread protocol uses.
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
