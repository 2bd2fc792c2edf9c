//! The loom shim: the atomics and `Arc` of the cross-thread parts (`Remote`, `Waker`).
//!
//! Under `--cfg spindle_loom` these are loom's, so `cargo xtask loom` explores the real wake and
//! shutdown code (the inbox is a spindle-queue `Queue`, itself loom-aware); otherwise they are
//! std's at zero cost. Everything else in the crate is single-threaded and uses `Rc`/`Cell`.

#[cfg(not(spindle_loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(spindle_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[cfg(spindle_loom)]
pub(crate) use loom::sync::Arc;
#[cfg(spindle_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
