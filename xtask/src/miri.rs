//! `cargo xtask miri`: the unsafe-bearing crates' tests under Miri, when nightly has it.
//!
//! Miri needs a nightly toolchain with the `miri` component; a fresh machine has only stable,
//! so this task says plainly that it skipped instead of failing. Strict provenance is on, as in
//! crossbeam's CI. Tests scale their sizes down under `cfg(miri)`.

use std::process::{Command, Stdio};

use crate::run::{status, workspace_root};

/// Crates whose code holds `unsafe` blocks, with the Miri flags each runs under.
///
/// spindle-utils (the event count, the loom shim) and spindle-queue use nothing but std: strict provenance and the default Stacked Borrows.
/// spindle-actor and spindle-pool depend on spindle-queue only; their own unsafe code (the
/// actor's flat call queue and timer slots, the pool's batches on the caller's stack) runs
/// under strict provenance too.
/// spindle-executor sits on crossbeam-deque, whose crossbeam-epoch casts integers to pointers,
/// breaks a Stacked Borrows rule inside its collector, and leaves its global garbage
/// uncollected at exit; crossbeam runs its own Miri CI with Tree Borrows and ignored leaks, so
/// the executor's tests run the same way (our own code still gets every other check).
const UNSAFE_CRATES: &[(&str, &str)] = &[
    ("spindle-utils", "-Zmiri-strict-provenance"),
    ("spindle-queue", "-Zmiri-strict-provenance"),
    ("spindle-actor", "-Zmiri-strict-provenance"),
    ("spindle-pool", "-Zmiri-strict-provenance"),
    (
        "spindle-executor",
        "-Zmiri-tree-borrows -Zmiri-ignore-leaks",
    ),
];

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if !miri_available() {
        println!(
            "xtask miri: SKIPPED: `cargo +nightly miri` is not available \
             (install with `rustup toolchain install nightly --component miri rust-src`)"
        );
        return Ok(());
    }
    for (krate, flags) in UNSAFE_CRATES {
        // Through rustup, not `$CARGO`: that names the stable toolchain's cargo binary itself,
        // which does not understand `+nightly`.
        let mut command = Command::new("rustup");
        command
            .current_dir(workspace_root())
            .args(["run", "nightly", "cargo", "miri", "test", "-p", krate]);
        // Loom models do not run under Miri; everything else does.
        command.arg("--").args(args);
        command.env(
            "MIRIFLAGS",
            std::env::var("MIRIFLAGS").unwrap_or_else(|_| (*flags).to_owned()),
        );
        println!("xtask miri: {krate} with MIRIFLAGS={flags}");
        status(command)?;
    }
    Ok(())
}

/// Whether `cargo +nightly miri` runs here.
pub(crate) fn miri_available() -> bool {
    Command::new("rustup")
        .args(["run", "nightly", "cargo", "miri", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
