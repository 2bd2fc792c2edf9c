//! `cargo xtask`: Spindle's developer tasks, runnable the same way locally and in CI.
//!
//! ```text
//! cargo xtask loom [-- test args]   loom models (tests/loom_*.rs) under --cfg spindle_loom
//! cargo xtask miri                  unsafe-bearing crates' tests under Miri, if nightly has it
//! cargo xtask bench [-- args]       criterion benches (benches/*.rs), short measurement times;
//!                                   writes BENCHMARKS.md
//! cargo xtask ci                    what .ci/run runs: tests, fmt, clippy, loom
//! ```

mod bench;
mod ci;
mod flags;
mod json;
mod loom;
mod miri;
mod run;

use std::process::ExitCode;

fn main() -> ExitCode {
    let result = match flags::Task::parse(std::env::args().skip(1)) {
        Ok(flags::Task::Loom { args }) => loom::run(&args),
        Ok(flags::Task::Miri { args }) => miri::run(&args),
        Ok(flags::Task::Bench { args }) => bench::run(&args),
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
