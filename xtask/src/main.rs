//! `cargo xtask`: Spindle's developer tasks, runnable the same way locally and in CI.
//!
//! ```text
//! cargo xtask loom [-- test args]   loom models (tests/loom_*.rs) under --cfg spindle_loom
//! cargo xtask miri                  unsafe-bearing crates' tests under Miri, if nightly has it
//! cargo xtask san [asan|tsan] [-- test args]
//!                                   the tests under AddressSanitizer and/or ThreadSanitizer,
//!                                   if nightly (with rust-src) is there
//! cargo xtask soak [--minutes N] [-- test args]
//!                                   the stress-style tests in release mode, over and over
//! cargo xtask bench [--report-only] [--busy N] [-- args]
//!                                   criterion benches (benches/*.rs), short measurement times;
//!                                   writes BENCHMARKS.md (--report-only: from the last run's
//!                                   results, running nothing)
//! cargo xtask ci                    what .ci/run runs: tests, fmt, clippy, loom
//! ```
//!
//! `san` runs every crate's unit and integration tests (not doctests, loom models or the
//! trybuild UI test) with nightly's `-Zsanitizer=address` (LeakSanitizer on) and then
//! `-Zsanitizer=thread`, std rebuilt with the same sanitizer (`-Zbuild-std`), in `target/asan`
//! and `target/tsan`. Like `miri`, it prints `xtask san: SKIPPED: ...` and succeeds where
//! nightly or its `rust-src` is missing. The suppressions in `xtask/sanitizer/` hold only a
//! documented race in crossbeam-deque (TSan) and the documented forgetting of a panic payload
//! whose drop panicked (LSan); see `san.rs` for each flag and exception.
//!
//! `soak` repeats `cargo test --release` over the integration-test files named in
//! `soak.rs`'s `SOAK_TARGETS` (`shutdown_races`, `faults`, the queues' many-thread files, ...:
//! every test in them, in every package that has them), with `SPINDLE_SOAK=1` set, for `--minutes N` (default 10;
//! 0 runs one round), stopping at the first failure or hang with that round's output, and
//! prints how many rounds and tests ran.
//!
//! Neither runs in `ci`: CI has only stable, and a soak takes minutes by design.

mod bench;
mod ci;
mod flags;
mod loom;
mod miri;
mod run;
mod san;
mod soak;

use std::process::ExitCode;

fn main() -> ExitCode {
    let result = match flags::Task::parse(std::env::args().skip(1)) {
        Ok(flags::Task::Loom { args }) => loom::run(&args),
        Ok(flags::Task::Miri { args }) => miri::run(&args),
        Ok(flags::Task::San { sanitizers, args }) => san::run(&sanitizers, &args),
        Ok(flags::Task::Soak { minutes, args }) => soak::run(minutes, &args),
        Ok(flags::Task::Bench {
            report_only,
            busy,
            args,
        }) => bench::run(report_only, busy, &args),
        Ok(flags::Task::Ci) => ci::run(),
        Ok(flags::Task::Help) => {
            println!("{}", flags::USAGE);
            Ok(())
        }
        Err(message) => Err(format!("{message}\n\n{}", flags::USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
