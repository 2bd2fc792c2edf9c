//! `cargo xtask ci`: what `.ci/run` runs, in order, so a red CI run reproduces with one command.
//! Each step that is more than one cargo command has its own module and task (`external`,
//! `package`, `msrv`, `loom`), runnable alone.

use crate::run::{cargo, status};
use crate::{external, loom, msrv, package};

pub(crate) fn run() -> Result<(), String> {
    // The README's test command.
    let mut test = cargo();
    test.args(["test", "--workspace"]);
    status(test)?;
    // A user's crate outside the workspace, after the tests: they would fail first, and more
    // precisely, if the macro itself were broken.
    external::run()?;

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

    package::run()?;
    msrv::run()?;

    loom::run(&[])?;
    // Miri is not part of CI yet: the multi-threaded integration tests, even scaled down, take
    // too long under it for CI's budget on two cores. Run `cargo xtask miri` locally.
    println!("xtask ci: Miri not run here (run `cargo xtask miri` where nightly has it)");
    // Sanitizers need nightly, which CI does not install; a soak runs for minutes by design.
    println!(
        "xtask ci: sanitizers and soak not run here (local checks: `cargo xtask san` where \
         nightly has rust-src, `cargo xtask soak --minutes N`)"
    );
    println!("xtask ci: all checks passed");
    Ok(())
}
