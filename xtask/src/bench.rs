//! `cargo xtask bench`: the criterion benches in `benches/`, Spindle and its peers in one run.
//!
//! The benches set short warm-up and measurement times themselves, so the whole run takes
//! minutes; criterion's HTML reports land in `target/criterion`.

use crate::run::{cargo, status};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut command = cargo();
    command
        .args(["bench", "--workspace", "--benches", "--"])
        .args(args);
    status(command)
}
