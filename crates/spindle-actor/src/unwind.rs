//! Dropping user values where no panic may escape: on a shard's control actor, in a runtime's
//! teardown, for a stop cause nobody is told about.
//!
//! A `Drop` of user code (a closure's captures, a state, an error) may itself panic, and the
//! payload caught from it may panic again when dropped. [`drop_quietly`] contains the first;
//! spindle-utils' [`drop_payload`] the second, leaking a payload that panics even then, since
//! unwinding further would either kill the thread or abort the process.

use std::panic::{AssertUnwindSafe, catch_unwind};

use spindle_utils::drop_payload;

/// Drops `value`; a panic from its `Drop` is caught and its payload dropped by [`drop_payload`].
pub(crate) fn drop_quietly<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        drop_payload(payload);
    }
}
