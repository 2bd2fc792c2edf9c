//! `cargo xtask miri`: the unsafe-bearing crates' tests under Miri, when nightly has it.
//!
//! Miri needs a nightly toolchain with the `miri` component; a fresh machine has only stable,
//! so this task says plainly that it skipped instead of failing. Strict provenance is on, as in
//! crossbeam's CI. Tests scale their sizes down under `cfg(miri)`.

use std::process::{Command, Stdio};

use crate::run::{status, workspace_root};

/// Crates whose code holds `unsafe` blocks.
const UNSAFE_CRATES: &[&str] = &["spindle-queue"];

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if !miri_available() {
        println!(
            "xtask miri: SKIPPED: `cargo +nightly miri` is not available \
             (install with `rustup toolchain install nightly --component miri rust-src`)"
        );
        return Ok(());
    }
    // Through rustup, not `$CARGO`: that names the stable toolchain's cargo binary itself,
    // which does not understand `+nightly`.
    let mut command = Command::new("rustup");
    command
        .current_dir(workspace_root())
        .args(["run", "nightly", "cargo", "miri", "test"]);
    for krate in UNSAFE_CRATES {
        command.args(["-p", krate]);
    }
    // Loom models do not run under Miri; everything else does.
    command.arg("--").args(args);
    command.env(
        "MIRIFLAGS",
        std::env::var("MIRIFLAGS").unwrap_or_else(|_| "-Zmiri-strict-provenance".into()),
    );
    status(command)
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
