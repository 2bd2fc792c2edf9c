//! `cargo xtask bench`: the criterion benches in `benches/`, Spindle and its peers in one run,
//! then `BENCHMARKS.md` at the workspace root from what that run measured.
//!
//! The benches set short warm-up and measurement times themselves, so the whole run takes
//! minutes; criterion's HTML reports land in `target/criterion`. The benches' stdout is echoed
//! as it comes and kept, for the tables they print themselves (`printed`); criterion's saved
//! estimates give the rest (`criterion`), counting only files written since the run started.

mod criterion;
mod machine;
mod printed;
mod report;

use std::time::{Instant, SystemTime};

use crate::run::{cargo, tee_stdout, workspace_root};

/// The generated file, at the workspace root.
const OUTPUT: &str = "BENCHMARKS.md";

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let machine = machine::Machine::probe(&root);
    let criterion_dir = criterion::directory(&root);
    let since = criterion::mark_start(&criterion_dir);
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut command = cargo();
    command
        .args(["bench", "--workspace", "--benches", "--"])
        .args(args);
    // On failure the previous file stays as it was.
    let stdout = tee_stdout(command)?;
    let elapsed = clock.elapsed();

    let results = criterion::collect(&criterion_dir, since);
    let mut printed = printed::scan(&stdout);
    let ran: Vec<&str> = results.groups.iter().map(|g| g.name.as_str()).collect();
    printed.keep_groups_that_ran(&ran);
    if results.groups.is_empty() && printed.is_empty() {
        eprintln!("xtask bench: no results from this run; {OUTPUT} left as it was");
        return Ok(());
    }
    let run = report::Run {
        started,
        elapsed,
        args,
        machine: &machine,
    };
    let text = report::render(&run, &results, &printed);
    let path = root.join(OUTPUT);
    std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!(
        "xtask bench: wrote {} ({} criterion groups, {} interleaved-rounds tables, {} other \
         tables; {} stale groups left out)",
        path.display(),
        results.groups.len(),
        printed.rounds.len(),
        printed.verbatim.len(),
        results.stale_groups.len()
    );
    Ok(())
}
