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
//! cargo xtask external              #[pool_item] with no arguments in crates outside the
//!                                   workspace, depending on the facade, on it renamed, or on
//!                                   spindle-pool only
//! cargo xtask package               cargo package --workspace (every publishable crate)
//! cargo xtask msrv                  the library crates checked on the declared rust-version
//! cargo xtask ci                    what .ci/run runs: tests, external, fmt, clippy, package,
//!                                   msrv, loom
//! ```
//!
//! `external` writes three binary crates under `target/external-check/`, each its own workspace
//! with one Spindle dependency by path, and `cargo run`s them (shared target directory
//! `target/external-check/target`): inside this workspace every crate can name `spindle_pool`,
//! so only such a crate shows whether `#[pool_item]` finds its runtime through the facade.
//!
//! `package` runs `cargo package --workspace --allow-dirty`, which packages the publishable
//! crates in dependency order and verifies each by building it against the others just
//! packaged; `publish = false` crates are skipped.
//!
//! `msrv` reads `rust-version` from `[workspace.package]` and runs `cargo check --locked --lib
//! --all-features` of the library crates with that toolchain (`rustup run`), in `target/msrv`;
//! it fails, saying how to install it, when the toolchain is missing (`.ci/run` installs it).
//! Dev-dependencies may need a newer Rust, so tests and benches are not checked on it.
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
mod external;
mod flags;
mod loom;
mod miri;
mod msrv;
mod package;
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
        Ok(flags::Task::External) => external::run(),
        Ok(flags::Task::Package) => package::run(),
        Ok(flags::Task::Msrv) => msrv::run(),
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
