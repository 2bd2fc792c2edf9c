//! `cargo xtask ci`: what `.ci/run` runs, in order, so a red CI run reproduces with one command.

use crate::run::{cargo, status};
use crate::{loom, miri};

pub(crate) fn run() -> Result<(), String> {
    // The README's test command.
    let mut test = cargo();
    test.args(["test", "--workspace"]);
    status(test)?;

    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    status(fmt)?;

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    status(clippy)?;

    loom::run(&[])?;
    miri::run(&[])?;
    println!("xtask ci: all checks passed");
    Ok(())
}
