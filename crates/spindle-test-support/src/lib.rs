//! Test helpers shared by every Spindle crate's test suites (`publish = false`).
//!
//! - [`CountingAllocator`]: counts allocations, for the "allocates nothing" tests;
//! - the reliability helpers: [`within`] (a watchdog that fails a test instead of hanging it),
//!   [`Tokens`]/[`Token`] (a ledger proving every value handed to Spindle is dropped exactly
//!   once), [`BombPayload`], [`scaled`] and [`LIMIT`] (Miri scaling);
//! - Send/Sync contract checks: [`send_sync`], [`shareable_error`], and `static_assertions`'
//!   [`assert_impl_all!`] and [`assert_not_impl_any!`] re-exported.
//!
//! A dev-dependency by path only, so a published crate's manifest drops it.

#![deny(missing_docs)]

mod alloc;
mod reliability;
mod waker;

pub use alloc::CountingAllocator;
pub use reliability::{
    BombPayload, LIMIT, Token, Tokens, message, race_delay, race_rounds, scaled, within,
};
pub use static_assertions::{assert_impl_all, assert_not_impl_any};
pub use waker::{CountingWaker, counting_waker};

/// Compiles only for `Send + Sync` types.
pub fn send_sync<T: Send + Sync>() {}

/// Compiles only for `Send` types.
pub fn send<T: Send>() {}

/// Compiles only for errors that box into `Box<dyn Error + Send + Sync>` (and so `anyhow`).
pub fn shareable_error<E: std::error::Error + Send + Sync + 'static>() {}
