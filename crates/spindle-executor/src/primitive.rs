//! The loom shim as the executor uses it: the atomics, `yield_now` and thread handles come from
//! `spindle_utils::sync` (the workspace's one shim); what stays here is executor-specific: the
//! `SeqCst` fence stand-in (thread-locals use `spindle_utils::sync_thread_local!`).
//!
//! Under `--cfg spindle_loom` these are loom's, so `cargo xtask loom` explores the real sleep,
//! wake and shutdown code; otherwise they are std's at zero cost. crossbeam-deque is used as is
//! in both: loom switches threads only at its own operations, so each deque operation is one
//! atomic step in the models (crossbeam checks the deque itself).

pub(crate) use spindle_utils::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering,
};
pub(crate) use spindle_utils::sync::yield_now;

/// Stands in, under loom, for the single total order of `SeqCst` accesses, as
/// spindle-queue's function of the same name does: loom models `SeqCst` accesses as `AcqRel`
/// (loom#180) but does model `SeqCst` fences, so a fence sits next to each access whose
/// argument needs the total order (R1 in `registry.rs`, S2 in `spawn.rs`); elsewhere this is
/// nothing.
#[inline(always)]
pub(crate) fn seq_cst_fence_for_loom() {
    #[cfg(spindle_loom)]
    spindle_utils::sync::atomic::fence(Ordering::SeqCst);
}

/// A handle to a spawned worker thread (std's or loom's, as
/// [`spindle_utils::ThreadConfig::spawn`] starts it).
pub(crate) type ThreadHandle = spindle_utils::ThreadHandle<()>;
