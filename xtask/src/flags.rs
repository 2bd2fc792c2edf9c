//! Command-line parsing: a subcommand, then arguments passed through to cargo's test binary.

pub(crate) const USAGE: &str = "\
usage: cargo xtask <task> [-- extra args]

tasks:
  loom    run the loom models (tests/loom_*.rs) with --cfg spindle_loom, in target/loom;
          LOOM_MAX_PREEMPTIONS defaults to 2
  miri    run the unsafe-bearing crates' tests under `cargo +nightly miri` (skipped, with a
          message, when that toolchain or component is missing)
  bench   run the criterion benches and write BENCHMARKS.md from what ran; extra args go to
          criterion (a filter: the file then holds only the benchmarks that ran)
  ci      what CI runs: cargo test --workspace, fmt --check, clippy -D warnings, loom";

/// A parsed task.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Task {
    Loom { args: Vec<String> },
    Miri { args: Vec<String> },
    Bench { args: Vec<String> },
    Ci,
    Help,
}

impl Task {
    pub(crate) fn parse(mut argv: impl Iterator<Item = String>) -> Result<Task, String> {
        let Some(name) = argv.next() else {
            return Ok(Task::Help);
        };
        // Everything after the task name is passed through; a leading `--` is optional.
        let args: Vec<String> = argv.skip_while(|a| a == "--").collect();
        match name.as_str() {
            "loom" => Ok(Task::Loom { args }),
            "miri" => Ok(Task::Miri { args }),
            "bench" => Ok(Task::Bench { args }),
            "ci" if args.is_empty() => Ok(Task::Ci),
            "ci" => Err(format!("`ci` takes no arguments, got {args:?}")),
            "help" | "-h" | "--help" => Ok(Task::Help),
            other => Err(format!("unknown task `{other}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Task, String> {
        Task::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_tasks_and_passthrough_args() {
        assert_eq!(parse(&[]), Ok(Task::Help));
        assert_eq!(parse(&["ci"]), Ok(Task::Ci));
        assert_eq!(
            parse(&["loom", "--", "seg"]),
            Ok(Task::Loom {
                args: vec!["seg".into()]
            })
        );
        assert_eq!(
            parse(&["bench", "x"]),
            Ok(Task::Bench {
                args: vec!["x".into()]
            })
        );
        assert!(parse(&["ci", "extra"]).is_err());
        assert!(parse(&["frobnicate"]).is_err());
    }
}
