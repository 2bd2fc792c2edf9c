//! Dropping user values where no panic may escape: on a shard's control actor, in a runtime's
//! teardown, after a caught panic.
//!
//! A `Drop` of user code (a closure's captures, a panic's payload) may itself panic, and a
//! payload caught from it may panic again when dropped. [`drop_quietly`] contains the first and
//! [`drop_payload`] the second; a payload that panics even then is leaked rather than dropped,
//! since unwinding further would either kill the thread or abort the process.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Drops `value`; a panic from its `Drop` is caught and its payload dropped by [`drop_payload`].
pub(crate) fn drop_quietly<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        drop_payload(payload);
    }
}

/// Drops a caught panic's payload; if that panics too, the second payload is leaked.
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        // Dropping this one could panic once more, with nobody left to catch it.
        std::mem::forget(again);
    }
}
