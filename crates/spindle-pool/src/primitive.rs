//! The loom shim: the atomics, `Arc` and mutexes come from [`spindle_utils::sync`] (std's, or
//! loom's under `--cfg spindle_loom`, so `tests/loom_pool.rs` explores the real call, answer and
//! shutdown code); thread-locals are declared with
//! [`spindle_utils::sync_thread_local!`].

pub(crate) use spindle_utils::sync::atomic::AtomicUsize;
pub(crate) use spindle_utils::sync::{Arc, Mutex, Ordering, lock};
