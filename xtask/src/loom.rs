//! `cargo xtask loom`: every `tests/loom_*.rs` model, under `--cfg spindle_loom`.
//!
//! Release mode and a preemption bound keep the models to minutes: with
//! `LOOM_MAX_PREEMPTIONS=2` (loom's docs: most bugs need at most two preemptions to show) the
//! state spaces stay small enough for CI on two cores. Set the variable to go deeper locally.
//! The models build in `target/loom` so the cfg change does not invalidate the main build.

use crate::run::{cargo, status, test_targets, workspace_root};

/// Preemptions per thread loom explores unless `LOOM_MAX_PREEMPTIONS` says otherwise.
const DEFAULT_MAX_PREEMPTIONS: &str = "2";

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let targets = test_targets("loom_");
    if targets.is_empty() {
        return Err("no tests/loom_*.rs found under crates/".into());
    }
    let mut command = cargo();
    command.args(["test", "--release"]);
    for (krate, tests) in &targets {
        command.args(["-p", krate]);
        for test in tests {
            command.args(["--test", test]);
        }
    }
    command.arg("--").args(args);
    let rustflags = match std::env::var("RUSTFLAGS") {
        Ok(flags) if !flags.is_empty() => format!("{flags} --cfg spindle_loom"),
        _ => "--cfg spindle_loom".to_owned(),
    };
    command
        .env("RUSTFLAGS", rustflags)
        .env("CARGO_TARGET_DIR", workspace_root().join("target/loom"))
        .env(
            "LOOM_MAX_PREEMPTIONS",
            std::env::var("LOOM_MAX_PREEMPTIONS")
                .unwrap_or_else(|_| DEFAULT_MAX_PREEMPTIONS.into()),
        );
    status(command)
}
