//! What Spindle's benches share, and the format of what they measure outside criterion.
//!
//! - [`rounds`]: interleaved rounds, the comparison to trust on a noisy machine: every
//!   contender runs once per round, in an order that rotates each round, and the ratio to the
//!   first contender is taken within each round;
//! - [`results`]: the JSON file each bench binary writes under `target/spindle-bench/` with
//!   those tables (and the queue bench's CPU times and the pool bench's break-even table).
//!   `cargo xtask bench` reads it back with the same types to write `BENCHMARKS.md`, so the
//!   format is defined here once, for both sides;
//! - [`busy`]: threads burning CPU, for the busy tables (`cargo xtask bench --busy N`);
//! - [`text`]: those tables as the text the benches print and `BENCHMARKS.md` shows;
//! - [`config`] (feature `criterion`): the short criterion settings the bench files use.
//!
//! The benches print their tables too, for a person watching the run; nothing reads that text.

pub mod busy;
#[cfg(feature = "criterion")]
pub mod config;
pub mod results;
pub mod rounds;
pub mod text;
