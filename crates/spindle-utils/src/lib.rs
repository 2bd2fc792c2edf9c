//! Spindle's shared layer, in the role crossbeam-utils plays for crossbeam: what every Spindle
//! crate (queue, executor, actor, pool) builds on, so that they wait, spin, fail and start
//! threads the same way.
//!
//! | item | what it is |
//! |---|---|
//! | [`EventCount`], [`AsyncWaiter`], [`WaitUntil`] | wait for any condition without a lost wake-up, as a thread or as a task; a notification costs one load when nobody waits |
//! | [`spin_until`], [`yield_or_stop`], [`oversubscribed`], [`DEFAULT_SPIN_LIMIT`] | the spin policy: how long to re-check before parking, and no spinning on an oversubscribed machine |
//! | [`Panic`], [`catch`], [`drop_payload`], [`AbortIfPanic`] | a caught panic carried to whoever waits, and the guards around user code |
//! | [`Closed`] | the one "refused, value handed back" error |
//! | [`BuildError`], [`MAX_THREADS`] | the one error of every builder |
//! | [`ThreadConfig`] | the thread settings every builder shares, and the one place a thread is started |
//! | [`sync`] | the loom shim: std's types, or loom's under `--cfg spindle_loom` |
//!
//! Users rarely name this crate: every Spindle crate re-exports what its API hands out
//! (`spindle_queue::Closed`, `spindle_executor::BuildError`, ...), and these are the same
//! types, so one `match` or `?` works across the toolkit.
//!
//! # Design and trade-offs
//!
//! The layer holds no policy of its own beyond the defaults: [`EventCount`] spins
//! [`DEFAULT_SPIN_LIMIT`] times before it parks, and each part may choose another limit for its
//! own waits (the executor's idle workers spin longer, as a builder setting). On a machine with
//! more runnable threads than cores every wait parks instead of spinning or yielding (see
//! [`oversubscribed`]): spinning there keeps the core from the thread we wait for. The loom shim is
//! public only so the other crates can share it; its types follow loom's API.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use spindle_utils::EventCount;
//!
//! let event = Arc::new(EventCount::new());
//! let ready = Arc::new(AtomicBool::new(false));
//! let (e, r) = (Arc::clone(&event), Arc::clone(&ready));
//! let t = std::thread::spawn(move || {
//!     r.store(true, Ordering::SeqCst);
//!     e.notify_all();
//! });
//! event.wait_until(|| ready.load(Ordering::SeqCst).then_some(()));
//! t.join().unwrap();
//! ```

#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod error;
mod event;
mod panic;
mod spin;
pub mod sync;
mod thread;

pub use error::{BuildError, Closed, MAX_THREADS};
pub use event::{AsyncWaiter, DEFAULT_SPIN_LIMIT, EventCount, WaitUntil};
pub use panic::{AbortIfPanic, Panic, catch, drop_payload, panic_message};
pub use spin::{
    HINT_LIFETIME, MAX_HINT_LIFETIME, PREEMPTED, note_core_lost, oversubscribed, spin_until,
    yield_or_stop,
};
pub use thread::{ThreadConfig, ThreadHandle};

#[cfg(spindle_loom)]
#[doc(hidden)]
pub use loom as __loom;
