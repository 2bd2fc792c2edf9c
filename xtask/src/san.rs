//! `cargo xtask san [asan|tsan]`: the workspace's tests under AddressSanitizer (with
//! LeakSanitizer) and ThreadSanitizer.
//!
//! Sanitizers need nightly (`-Zsanitizer`) and its `rust-src` component (`-Zbuild-std`: std
//! itself must be instrumented, or TSan reports races inside std's own synchronization that it
//! cannot see, and ASan misses std's accesses); a fresh machine has only stable, so this task
//! says plainly that it skipped instead of failing. Each sanitizer builds in its own target
//! directory (`target/asan`, `target/tsan`) so neither invalidates the other or the main build.
//! `--target` is given explicitly so that `RUSTFLAGS` reach only the target's code: build
//! scripts and proc macros (spindle-macros) run on the host, unsanitized.
//!
//! What runs: every crate's unit tests and integration tests, spindle-actor with its `executor`
//! feature. Left out: doctests (rustdoc with `-Zbuild-std` and sanitizers needs more nightly
//! flags, and the examples are usage snippets, not concurrency tests), the loom models
//! (`#![cfg(spindle_loom)]`: empty here) and spindle-pool's trybuild UI test (it runs rustc on
//! each case and compares stable's messages). Tests run in the `test` profile, so
//! debug assertions stay on.
//!
//! `--cfg crossbeam_sanitize` is what crossbeam's own sanitizer CI sets: crossbeam-epoch then
//! seals a bag of garbage every 4 objects instead of 64 and collects all it can each time, so
//! crossbeam-deque's retired buffers are freed soon after the executor's workers stop using
//! them, which gives ASan and TSan more to check. (The fences TSan does not model are handled
//! by crossbeam itself: its build scripts see `CARGO_CFG_SANITIZE` and switch to
//! acquire/release accesses, no flag needed.)
//!
//! ASan runs with LeakSanitizer on (`detect_leaks=1`) and `detect_stack_use_after_return=1`,
//! for jobs and batches that borrow a caller's stack. crossbeam-epoch's global garbage needs no
//! suppression (its collector keeps it reachable from a static at exit, which LSan does not
//! count as a leak); `xtask/sanitizer/lsan.supp` holds only the deliberate leak of a panic
//! payload whose `Drop` panicked again (the executor's and the pool's `drop_payload` forget it,
//! as their docs say), which the fault-injection tests provoke.
//!
//! TSan reads `xtask/sanitizer/tsan.supp`: crossbeam-deque's documented race between a
//! stealer's speculative read and the owner's push, suppressed as crossbeam's own CI does;
//! nothing of Spindle's is suppressed. One test is skipped under TSan (`SKIPPED_TESTS`, printed
//! when the run starts): the executor's zero-allocation test, because crossbeam-epoch
//! allocates under TSan. `ASAN_OPTIONS`, `TSAN_OPTIONS` and `RUSTFLAGS` from the environment are
//! kept, after (so overriding) these defaults, and `LSAN_OPTIONS` likewise.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::run::{human, integration_tests, status, workspace_root};

/// The only target the sanitizers run on here (x86_64 Linux), given explicitly.
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// Integration-test targets not run under the sanitizers, with why.
const EXCLUDED_TARGETS: &[(&str, &str)] = &[(
    "ui",
    "spindle-pool's trybuild cases run rustc and compare its messages",
)];

/// Test targets whose names start with this compile to nothing outside `--cfg spindle_loom`.
const LOOM_PREFIX: &str = "loom_";

/// Tests skipped under one sanitizer, with why: too slow there (over two minutes), or not
/// meaningful under it. Matched as libtest `--skip` substrings, so use full names.
const SKIPPED_TESTS: &[(Sanitizer, &str, &str)] = &[(
    Sanitizer::Thread,
    // spindle-executor's tests/zero_alloc.rs
    "batches_joins_scopes_and_install_allocate_nothing_once_warm",
    "under TSan crossbeam-epoch allocates a Vec in every Global::try_advance \
     (cfg crossbeam_sanitize_thread, to stand in for the fences TSan cannot see), so the \
     counting allocator sees allocations that are crossbeam's sanitizer shim, not the pool's",
)];

/// TSan's suppressions: documented false positives in third-party code only (see the file).
const TSAN_SUPPRESSIONS: &str = "xtask/sanitizer/tsan.supp";

/// LSan's suppressions: deliberate, documented leaks only (see the file).
const LSAN_SUPPRESSIONS: &str = "xtask/sanitizer/lsan.supp";

/// A sanitizer this task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sanitizer {
    Address,
    Thread,
}

impl Sanitizer {
    /// `asan` or `address` (and likewise for `tsan`), as typed after `cargo xtask san`.
    pub(crate) fn from_name(name: &str) -> Option<Sanitizer> {
        match name {
            "asan" | "address" => Some(Sanitizer::Address),
            "tsan" | "thread" => Some(Sanitizer::Thread),
            _ => None,
        }
    }

    /// The short name: the target directory's and the one shown.
    fn short(self) -> &'static str {
        match self {
            Sanitizer::Address => "asan",
            Sanitizer::Thread => "tsan",
        }
    }

    /// The value of `-Zsanitizer=`.
    fn rustc_name(self) -> &'static str {
        match self {
            Sanitizer::Address => "address",
            Sanitizer::Thread => "thread",
        }
    }

    /// This task's `RUSTFLAGS` (before any from the environment).
    fn rustflags(self) -> String {
        format!("-Zsanitizer={} --cfg crossbeam_sanitize", self.rustc_name())
    }

    /// The runtime's options variables and this task's defaults for them (before any from the
    /// environment).
    fn runtime_options(self) -> Vec<(&'static str, String)> {
        let suppressions =
            |file: &str| format!("suppressions={}", workspace_root().join(file).display());
        match self {
            // LSan runs at exit inside ASan's runtime and reads `LSAN_OPTIONS`.
            Sanitizer::Address => vec![
                (
                    "ASAN_OPTIONS",
                    // `allocator_may_return_null`: the bad-input tests ask for allocations larger than
                    // memory and check the typed error that a refused allocation becomes; by default
                    // ASan aborts the process at such a request instead of refusing it.
                    "detect_leaks=1:detect_stack_use_after_return=1:allocator_may_return_null=1"
                        .to_owned(),
                ),
                ("LSAN_OPTIONS", suppressions(LSAN_SUPPRESSIONS)),
            ],
            // Keep going after a report, so one run shows every race (the exit code is still
            // non-zero); a second stack for locks in deadlock reports.
            Sanitizer::Thread => vec![(
                "TSAN_OPTIONS",
                format!(
                    "halt_on_error=0:second_deadlock_stack=1:{}",
                    suppressions(TSAN_SUPPRESSIONS)
                ),
            )],
        }
    }
}

pub(crate) fn run(sanitizers: &[Sanitizer], args: &[String]) -> Result<(), String> {
    if let Err(reason) = available() {
        println!("xtask san: SKIPPED: {reason}");
        return Ok(());
    }
    let mut results = Vec::new();
    for &sanitizer in sanitizers {
        let options: Vec<String> = sanitizer
            .runtime_options()
            .into_iter()
            .map(|(variable, defaults)| format!("{variable}={defaults}"))
            .collect();
        println!(
            "xtask san: {} with RUSTFLAGS=\"{}\" {}",
            sanitizer.short(),
            sanitizer.rustflags(),
            options.join(" ")
        );
        for (test, why) in skipped_tests(sanitizer) {
            println!("xtask san: {}: skipping {test}: {why}", sanitizer.short());
        }
        let started = Instant::now();
        let result = status(command(sanitizer, args));
        let took = human(started.elapsed());
        match &result {
            Ok(()) => println!("xtask san: {} passed in {took}", sanitizer.short()),
            Err(_) => println!(
                "xtask san: {} FAILED after {took} (its reports are above)",
                sanitizer.short()
            ),
        }
        results.push((sanitizer, result));
    }
    // Both run even when the first fails: their findings are independent.
    let failed: Vec<String> = results
        .into_iter()
        .filter_map(|(sanitizer, result)| {
            result.err().map(|e| format!("{}: {e}", sanitizer.short()))
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

/// The `cargo test` run for one sanitizer.
fn command(sanitizer: Sanitizer, args: &[String]) -> Command {
    // Through rustup, not `$CARGO` (the stable toolchain's cargo binary), as in `miri`.
    let mut command = Command::new("rustup");
    command.current_dir(workspace_root()).args([
        "run",
        "nightly",
        "cargo",
        "test",
        "-Zbuild-std",
        "--target",
        TARGET,
        "--workspace",
        "--exclude",
        "xtask",
        "--features",
        "spindle-actor/executor",
        // Report every failing test binary, not just the first.
        "--no-fail-fast",
        "--lib",
    ]);
    for test in test_targets() {
        command.args(["--test", &test]);
    }
    command.arg("--");
    for (test, _why) in skipped_tests(sanitizer) {
        command.args(["--skip", test]);
    }
    command.args(args);

    command
        .env(
            "RUSTFLAGS",
            prepend(&sanitizer.rustflags(), "RUSTFLAGS", " "),
        )
        .env(
            "CARGO_TARGET_DIR",
            workspace_root().join("target").join(sanitizer.short()),
        );
    for (variable, defaults) in sanitizer.runtime_options() {
        command.env(variable, prepend(&defaults, variable, ":"));
    }
    command
}

/// The tests `sanitizer` skips, with why.
fn skipped_tests(sanitizer: Sanitizer) -> impl Iterator<Item = (&'static str, &'static str)> {
    SKIPPED_TESTS
        .iter()
        .filter(move |(only, _, _)| *only == sanitizer)
        .map(|(_, test, why)| (*test, *why))
}

/// `ours`, then `variable`'s value from the environment, if any, after `separator`.
fn prepend(ours: &str, variable: &str, separator: &str) -> String {
    match std::env::var(variable) {
        Ok(theirs) if !theirs.trim().is_empty() => format!("{ours}{separator}{theirs}"),
        _ => ours.to_owned(),
    }
}

/// The integration-test targets to run, by name, across all packages (cargo applies each
/// `--test` to every selected package that has it).
fn test_targets() -> Vec<String> {
    let mut names: Vec<String> = integration_tests()
        .into_iter()
        .flat_map(|(_, tests)| tests)
        .filter(|t| !t.starts_with(LOOM_PREFIX))
        .filter(|t| EXCLUDED_TARGETS.iter().all(|(excluded, _)| t != excluded))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether sanitizers can run here; if not, why and what to install.
fn available() -> Result<(), String> {
    const INSTALL: &str = "install with `rustup toolchain install nightly --component rust-src`";
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return Err(format!(
            "this task runs ASan and TSan on {TARGET} only (this host is not)"
        ));
    }
    let Some(sysroot) = nightly_sysroot() else {
        return Err(format!("no nightly toolchain ({INSTALL})"));
    };
    // What `-Zbuild-std` builds from.
    let library = sysroot.join("lib/rustlib/src/rust/library/Cargo.lock");
    if !library.is_file() {
        return Err(format!(
            "nightly has no `rust-src` component, which -Zbuild-std needs ({INSTALL})"
        ));
    }
    Ok(())
}

/// The nightly toolchain's sysroot, if rustup has one.
fn nightly_sysroot() -> Option<PathBuf> {
    let output = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--print", "sysroot"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let path = String::from_utf8(output.stdout).ok()?;
    Some(PathBuf::from(path.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_every_integration_test_but_loom_models_and_trybuild() {
        let targets = test_targets();
        assert!(targets.iter().any(|t| t == "unbounded"));
        assert!(targets.iter().all(|t| !t.starts_with("loom_")));
        assert!(!targets.iter().any(|t| t == "ui"));
        // Helper modules under tests/ are not targets.
        assert!(!targets.iter().any(|t| t == "common"));
    }

    #[test]
    fn each_sanitizer_reads_its_suppressions_file_that_is_here() {
        for (sanitizer, variable, file) in [
            (Sanitizer::Address, "LSAN_OPTIONS", LSAN_SUPPRESSIONS),
            (Sanitizer::Thread, "TSAN_OPTIONS", TSAN_SUPPRESSIONS),
        ] {
            assert!(workspace_root().join(file).is_file(), "{file}");
            let options = sanitizer.runtime_options();
            let (_, value) = options.iter().find(|(v, _)| *v == variable).unwrap();
            assert!(value.contains("suppressions=") && value.ends_with(file));
        }
    }

    #[test]
    fn command_uses_nightly_build_std_and_a_target_dir_per_sanitizer() {
        for sanitizer in [Sanitizer::Address, Sanitizer::Thread] {
            let command = command(sanitizer, &["extra".to_owned()]);
            let args: Vec<_> = command.get_args().map(|a| a.to_string_lossy()).collect();
            assert_eq!(args[..4], ["run", "nightly", "cargo", "test"]);
            assert!(args.iter().any(|a| a == "-Zbuild-std"));
            assert_eq!(args.last().map(|a| a.as_ref()), Some("extra"));
            let env: Vec<_> = command
                .get_envs()
                .filter_map(|(k, v)| Some((k.to_str()?, v?.to_str()?)))
                .collect();
            let rustflags = env.iter().find(|(k, _)| *k == "RUSTFLAGS").unwrap().1;
            assert!(rustflags.starts_with(&format!("-Zsanitizer={}", sanitizer.rustc_name())));
            let dir = env
                .iter()
                .find(|(k, _)| *k == "CARGO_TARGET_DIR")
                .unwrap()
                .1;
            assert!(dir.ends_with(sanitizer.short()));
        }
    }
}
