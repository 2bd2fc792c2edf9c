//! `cargo xtask soak [--minutes N]`: the stress-style tests, in release mode, over and over.
//!
//! A race that shows once in a thousand runs passes CI; this task runs the tests most likely to
//! hit one round after round for N minutes (default 10; `--minutes 0` runs one round) and
//! stops at the first failure, printing that round's whole output.
//!
//! **Which tests: by file, in one place.** [`SOAK_TARGETS`] names integration-test targets
//! (`tests/<name>.rs` or `tests/<name>/main.rs`); every test in such a file runs, in every
//! package that has one. So a new race or stress test joins the soak by going into one of
//! those files (`shutdown_races.rs`, `faults.rs`, the queues' many-thread files, ...), and a
//! new file joins by being added to the list. A listed name that no package has is an error,
//! so the list cannot silently rot; a round that runs no test fails too.
//!
//! One round is one `cargo test --release -p <package>... --test <target>...` over those
//! targets, built once up front. It sets `SPINDLE_SOAK=1`, which a stress test may read to
//! scale its sizes up (none has to). A round that runs longer than `HANG_LIMIT` counts as a
//! hang: it is killed and reported as a failure. Each round's output goes to
//! `target/soak/round.log` (kept after a failure).

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::run::{cargo, human, integration_tests, status, workspace_root};

/// The integration-test targets whose tests the soak runs, in every package that has them:
/// races against shutdown, panics and faults under load, the queues' many-producer,
/// many-consumer files, the pools' cross-pool traffic and the actors' cross-thread calls.
const SOAK_TARGETS: &[&str] = &[
    "shutdown_races",
    "faults",
    "blocking",
    "bounded",
    "unbounded",
    "cross_pool",
    "remote",
    "shards_crossing",
];

/// The `-p`/`--test` arguments selecting `targets` among `tests` (package, its targets), or
/// the targets no package has.
fn selection(targets: &[&str], tests: &[(String, Vec<String>)]) -> Result<Vec<String>, String> {
    let missing: Vec<&str> = targets
        .iter()
        .copied()
        .filter(|t| !tests.iter().any(|(_, names)| names.iter().any(|n| n == t)))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "soak: no package has a test target named {missing:?} (see SOAK_TARGETS in \
             xtask/src/soak.rs)"
        ));
    }
    let mut args = Vec::new();
    for (package, names) in tests {
        if names.iter().any(|n| targets.contains(&n.as_str())) {
            args.extend(["-p".to_owned(), package.clone()]);
        }
    }
    for target in targets {
        args.extend(["--test".to_owned(), (*target).to_owned()]);
    }
    Ok(args)
}

/// A round taking longer than this is taken for a hang (a round takes seconds when healthy).
const HANG_LIMIT: Duration = Duration::from_secs(10 * 60);

/// What one passing round ran.
struct Round {
    passed: usize,
    took: Duration,
    /// Cargo recompiled first: someone edited the sources during the soak.
    rebuilt: bool,
}

pub(crate) fn run(minutes: u64, args: &[String]) -> Result<(), String> {
    let budget = Duration::from_secs(minutes.saturating_mul(60));
    let log = workspace_root().join("target/soak/round.log");
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }

    let selected = selection(SOAK_TARGETS, &integration_tests())?;
    // Build once, in the open, so compile errors show and rounds time only the tests.
    let mut build = test_command(&selected);
    build.arg("--no-run");
    status(build)?;

    let command = round_command(&selected, args);
    println!(
        "xtask soak: running {command:?} for {} (each round's output in {})",
        if minutes == 0 {
            "one round".to_owned()
        } else {
            human(budget)
        },
        log.display()
    );
    let started = Instant::now();
    let mut rounds = 0usize;
    let mut tests_run = 0usize;
    let (mut fewest, mut most) = (usize::MAX, 0usize);
    let failure = loop {
        rounds += 1;
        match run_round(round_command(&selected, args), &log) {
            Ok(round) => {
                tests_run += round.passed;
                fewest = fewest.min(round.passed);
                most = most.max(round.passed);
                let left = budget.saturating_sub(started.elapsed());
                let remaining = if left.is_zero() {
                    String::new()
                } else {
                    format!(" ({} left)", human(left))
                };
                let rebuilt = if round.rebuilt {
                    ", cargo rebuilding first (sources changed)"
                } else {
                    ""
                };
                println!(
                    "xtask soak: round {rounds}: {} tests passed in {}{rebuilt}{remaining}",
                    round.passed,
                    human(round.took),
                );
                if round.passed == 0 {
                    break Some("no test ran (see SOAK_TARGETS)".to_owned());
                }
                if left.is_zero() {
                    break None;
                }
            }
            Err(failure) => break Some(failure),
        }
    };

    // The failing round's output first, the summary last where it is seen.
    if let Some(failure) = &failure {
        eprintln!("xtask soak: round {rounds} FAILED: {failure}");
    }
    let per_round = match (fewest, most) {
        (usize::MAX, _) => "no round passed".to_owned(),
        (low, high) if low == high => format!("{low} tests per round"),
        (low, high) => format!("{low}-{high} tests per round"),
    };
    let failures = usize::from(failure.is_some());
    println!(
        "xtask soak: summary: {rounds} round(s) in {}, {per_round}, {tests_run} test runs \
         passed, {failures} failure(s)",
        human(started.elapsed())
    );
    match failure {
        None => Ok(()),
        Some(_) => Err(format!(
            "soak: round {rounds} failed (its output is above the summary)"
        )),
    }
}

/// One round: the selected targets, then `args` (test name filters, `--test-threads`, ...).
fn round_command(selected: &[String], args: &[String]) -> Command {
    let mut command = test_command(selected);
    command.arg("--").args(args);
    command
}

/// `cargo test --release` over the `selected` packages' targets, spindle-actor with its
/// `executor` feature when it is among them.
fn test_command(selected: &[String]) -> Command {
    let mut command = cargo();
    command.args(["test", "--release"]).args(selected);
    if selected.iter().any(|a| a == "spindle-actor") {
        command.args(["--features", "spindle-actor/executor"]);
    }
    command.env("SPINDLE_SOAK", "1");
    if std::env::var_os("RUST_BACKTRACE").is_none() {
        command.env("RUST_BACKTRACE", "1");
    }
    command
}

/// Runs one round with its stdout and stderr in `log`; on failure, returns why, the log
/// included.
fn run_round(mut command: Command, log: &Path) -> Result<Round, String> {
    let started = Instant::now();
    let file = File::create(log).map_err(|e| format!("creating {}: {e}", log.display()))?;
    let err = file
        .try_clone()
        .map_err(|e| format!("opening {}: {e}", log.display()))?;
    let mut child = command
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .spawn()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    let outcome = wait_or_kill(&mut child, HANG_LIMIT);
    let output = std::fs::read_to_string(log).unwrap_or_default();
    let took = started.elapsed();
    match outcome {
        Err(e) => Err(e),
        Ok(None) => Err(format!(
            "did not finish within {} (a hang?); killed. Its output so far \
             (libtest names tests running over 60s):\n{output}",
            human(HANG_LIMIT)
        )),
        Ok(Some(status)) if !status.success() => {
            let why = if output.contains("error: could not compile") {
                "the workspace no longer compiles (sources edited during the soak?)"
            } else {
                "a test failed"
            };
            Err(format!(
                "{why}: {status} after {}. Its output ({}):\n{output}",
                human(took),
                log.display()
            ))
        }
        Ok(Some(_)) => Ok(Round {
            passed: passed_tests(&output),
            took,
            rebuilt: output.contains("   Compiling "),
        }),
    }
}

/// Waits for `child` up to `limit`; past it, kills `child` and its descendants (the test
/// binary cargo started) and returns `None`.
fn wait_or_kill(
    child: &mut Child,
    limit: Duration,
) -> Result<Option<std::process::ExitStatus>, String> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(Some(status)),
            Ok(None) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(100)),
            Ok(None) => {
                // Descendants first: once cargo dies, they are no longer its children.
                for pid in descendants(child.id()) {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .stderr(Stdio::null())
                        .status();
                }
                let _ = child.kill();
                let _ = child.wait();
                return Ok(None);
            }
            Err(e) => return Err(format!("waiting for a soak round: {e}")),
        }
    }
}

/// The processes below `pid`, deepest first, from `/proc` (empty where there is none).
fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let child: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
            let after_comm = &stat[stat.rfind(')')? + 1..];
            let parent = after_comm.split_whitespace().nth(1)?.parse().ok()?;
            Some((child, parent))
        })
        .collect();
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for &(child, _) in parents.iter().filter(|(_, p)| *p == parent) {
            found.push(child);
            frontier.push(child);
        }
    }
    found.reverse();
    found
}

/// The number of tests libtest reported as passed, over every test binary in `output`.
fn passed_tests(output: &str) -> usize {
    output
        .lines()
        .filter_map(|line| line.trim().strip_prefix("test result: "))
        .filter_map(|rest| {
            let (_, counts) = rest.split_once(". ")?;
            counts.split_whitespace().next()?.parse::<usize>().ok()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_passed_tests_over_every_binary() {
        let output = "\
     Running tests/pool.rs (target/release/deps/pool-1)

running 2 tests
test producers_racing_shutdown_lose_no_job ... ok
test jobs_after_shutdown_are_handed_back_unrun ... ok

test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 10 filtered out; finished in 0.10s

     Running tests/unbounded.rs (target/release/deps/unbounded-2)

test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 6 filtered out; finished in 0.20s
";
        assert_eq!(passed_tests(output), 5);
        assert_eq!(passed_tests(""), 0);
    }

    #[test]
    fn selects_the_listed_targets_where_they_exist_and_refuses_unknown_ones() {
        let tests = vec![
            ("a".to_owned(), vec!["faults".to_owned(), "pool".to_owned()]),
            ("b".to_owned(), vec!["pool".to_owned()]),
            (
                "c".to_owned(),
                vec!["blocking".to_owned(), "faults".to_owned()],
            ),
        ];
        assert_eq!(
            selection(&["faults", "blocking"], &tests).unwrap(),
            [
                "-p", "a", "-p", "c", "--test", "faults", "--test", "blocking"
            ]
        );
        let refused = selection(&["faults", "gone"], &tests).unwrap_err();
        assert!(refused.contains(r#"["gone"]"#), "{refused}");
    }

    #[test]
    fn every_listed_target_exists_and_extra_args_go_after_the_separator() {
        let selected = selection(SOAK_TARGETS, &integration_tests()).unwrap();
        let command = round_command(&selected, &["--test-threads=1".to_owned()]);
        let args: Vec<_> = command.get_args().map(|a| a.to_string_lossy()).collect();
        let dashes = args.iter().position(|a| a == "--").unwrap();
        assert!(args[..dashes].iter().any(|a| a == "--release"));
        assert!(args[..dashes].iter().any(|a| a == "shutdown_races"));
        assert_eq!(args[dashes + 1..], ["--test-threads=1"]);
        assert!(
            command
                .get_envs()
                .any(|(k, v)| k == "SPINDLE_SOAK" && v.is_some_and(|v| v == "1"))
        );
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_hung_round_is_killed_with_the_processes_it_started() {
        // `; true` keeps the shell from exec'ing `sleep`, so `sleep` is a grandchild, as a
        // test binary is under cargo.
        let mut child = Command::new("sh")
            .args(["-c", "sleep 30; true"])
            .spawn()
            .unwrap();
        let started = Instant::now();
        let grandchildren = loop {
            let found = descendants(child.id());
            if !found.is_empty() || started.elapsed() > Duration::from_secs(5) {
                break found;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(grandchildren.len(), 1, "sleep did not start");
        assert_eq!(wait_or_kill(&mut child, Duration::ZERO).unwrap(), None);
        let gone = |pid: u32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
                stat.rsplit(')')
                    .next()
                    .unwrap()
                    .trim_start()
                    .starts_with('Z')
            })
        };
        let started = Instant::now();
        while !gone(grandchildren[0]) && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(gone(grandchildren[0]), "the grandchild outlived the kill");
    }
}
