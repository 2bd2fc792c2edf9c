//! Command-line parsing: a subcommand, then arguments passed through to cargo's test binary.

use crate::san::Sanitizer;

pub(crate) const USAGE: &str = "\
usage: cargo xtask <task> [-- extra args]

tasks:
  loom    run the loom models (tests/loom_*.rs) with --cfg spindle_loom, in target/loom;
          LOOM_MAX_PREEMPTIONS defaults to 2
  miri    run the unsafe-bearing crates' tests under `cargo +nightly miri` (skipped, with a
          message, when that toolchain or component is missing)
  san [asan|tsan] [-- test args]
          run the workspace's tests under AddressSanitizer (with LeakSanitizer) and/or
          ThreadSanitizer: nightly, -Zbuild-std, target/asan and target/tsan (skipped, with a
          message, when nightly or its rust-src component is missing); no argument runs both
  soak [--minutes N] [-- test args]
          run the stress-style test files (shutdown_races, faults, blocking, ...: the
          SOAK_TARGETS list in soak.rs) in release mode, over and over,
          for N minutes (default 10; 0 runs one round), with SPINDLE_SOAK=1; stops at the
          first failure or hang and prints its output
  bench [--report-only] [--busy N] [-- criterion args]
          run the criterion benches and write BENCHMARKS.md from what ran; extra args go to
          criterion (a filter: the file then holds only the benchmarks that ran);
          --busy N measures every interleaved table again with N threads burning CPU, beside
          the idle one; --report-only writes BENCHMARKS.md again from the last run's results,
          running nothing
  external
          build and run three crates outside the workspace (target/external-check/) that use
          #[pool_item] with no arguments: one depending only on the facade `spindlekit`, one
          on it renamed (`sk`), one only on spindle-pool
  package cargo package --workspace: every publishable crate packages and verifies
  msrv    cargo check of the library crates (all features) on the workspace's rust-version,
          through rustup, in target/msrv
  ci      what CI runs: cargo test --workspace, external, fmt --check, clippy -D warnings,
          package, msrv, loom (not miri, san or soak: those need nightly or minutes, and run
          locally)";

/// Minutes `soak` runs for unless `--minutes` says otherwise.
pub(crate) const DEFAULT_SOAK_MINUTES: u64 = 10;

/// A parsed task.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Task {
    Loom {
        args: Vec<String>,
    },
    Miri {
        args: Vec<String>,
    },
    /// `sanitizers` in the order they run; both when none was named.
    San {
        sanitizers: Vec<Sanitizer>,
        args: Vec<String>,
    },
    Soak {
        minutes: u64,
        args: Vec<String>,
    },
    /// `report_only`: write the report from the last run's files, run nothing.
    /// `busy`: also measure every interleaved table with this many threads burning CPU.
    Bench {
        report_only: bool,
        busy: usize,
        args: Vec<String>,
    },
    External,
    Package,
    Msrv,
    Ci,
    Help,
}

impl Task {
    pub(crate) fn parse(mut argv: impl Iterator<Item = String>) -> Result<Task, String> {
        let Some(name) = argv.next() else {
            return Ok(Task::Help);
        };
        let rest: Vec<String> = argv.collect();
        // Everything after the task name is passed through; a leading `--` is optional.
        let passthrough = |from: &[String]| -> Vec<String> {
            from.iter().skip_while(|a| *a == "--").cloned().collect()
        };
        match name.as_str() {
            "loom" => Ok(Task::Loom {
                args: passthrough(&rest),
            }),
            "miri" => Ok(Task::Miri {
                args: passthrough(&rest),
            }),
            "bench" => parse_bench(&rest, passthrough),
            "san" => parse_san(&rest),
            "soak" => parse_soak(&rest),
            "external" => no_arguments("external", &rest, Task::External),
            "package" => no_arguments("package", &rest, Task::Package),
            "msrv" => no_arguments("msrv", &rest, Task::Msrv),
            "ci" => no_arguments("ci", &rest, Task::Ci),
            "help" | "-h" | "--help" => Ok(Task::Help),
            other => Err(format!("unknown task `{other}`")),
        }
    }
}

/// A task that takes no arguments: `task`, or an error naming what came after it.
fn no_arguments(name: &str, rest: &[String], task: Task) -> Result<Task, String> {
    if rest.is_empty() {
        Ok(task)
    } else {
        Err(format!("`{name}` takes no arguments, got {rest:?}"))
    }
}

/// `bench [--report-only] [--busy N] [-- criterion args]`, the flags in any order.
fn parse_bench(
    rest: &[String],
    passthrough: impl Fn(&[String]) -> Vec<String>,
) -> Result<Task, String> {
    let mut report_only = false;
    let mut busy = 0;
    let mut at = 0;
    while let Some(flag) = rest.get(at) {
        match flag.as_str() {
            "--report-only" => report_only = true,
            "--busy" => {
                at += 1;
                busy = rest
                    .get(at)
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|&n| n > 0)
                    .ok_or("`bench --busy` takes a number of threads, 1 or more")?;
            }
            _ => break,
        }
        at += 1;
    }
    let rest = &rest[at..];
    if report_only && (!rest.is_empty() || busy > 0) {
        return Err(format!(
            "`bench --report-only` measures nothing: it takes no --busy and no criterion \
             arguments, got {rest:?}"
        ));
    }
    Ok(Task::Bench {
        report_only,
        busy,
        args: passthrough(rest),
    })
}

/// `san [asan|tsan] [-- test args]`: here the `--` is required before test arguments, so a
/// misspelt sanitizer is an error rather than a test filter that matches nothing.
fn parse_san(rest: &[String]) -> Result<Task, String> {
    let (sanitizers, rest) = match rest.first().map(String::as_str) {
        None | Some("--") => (vec![Sanitizer::Address, Sanitizer::Thread], rest),
        Some(name) => match Sanitizer::from_name(name) {
            Some(sanitizer) => (vec![sanitizer], &rest[1..]),
            None => {
                return Err(format!(
                    "`san` takes `asan`, `tsan` or nothing (both), then `-- test args`; \
                     got `{name}`"
                ));
            }
        },
    };
    let args = match rest.split_first() {
        None => Vec::new(),
        Some((dashes, args)) if dashes == "--" => args.to_vec(),
        Some(_) => {
            return Err(format!(
                "`san`: put `--` before test arguments, got {rest:?}"
            ));
        }
    };
    Ok(Task::San { sanitizers, args })
}

/// `soak [--minutes N | --minutes=N] [-- test args]`.
fn parse_soak(rest: &[String]) -> Result<Task, String> {
    let mut minutes = DEFAULT_SOAK_MINUTES;
    let mut iter = rest.iter();
    while let Some(arg) = iter.next() {
        let value = if arg == "--minutes" {
            iter.next()
                .ok_or("`soak --minutes` needs a number of minutes")?
        } else if let Some(value) = arg.strip_prefix("--minutes=") {
            value
        } else if arg == "--" {
            break;
        } else {
            return Err(format!(
                "`soak` takes `--minutes N`, then `-- test args`; got `{arg}`"
            ));
        };
        minutes = value
            .parse()
            .map_err(|_| format!("`soak --minutes`: `{value}` is not a whole number"))?;
    }
    Ok(Task::Soak {
        minutes,
        args: iter.cloned().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Task, String> {
        Task::parse(args.iter().map(|s| s.to_string()))
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
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
                report_only: false,
                busy: 0,
                args: vec!["x".into()]
            })
        );
        assert_eq!(
            parse(&["bench", "--busy", "2", "--", "batch"]),
            Ok(Task::Bench {
                report_only: false,
                busy: 2,
                args: vec!["batch".into()]
            })
        );
        assert!(parse(&["bench", "--busy", "none"]).is_err());
        assert!(parse(&["bench", "--report-only", "--busy", "2"]).is_err());
        assert_eq!(
            parse(&["bench", "--report-only"]),
            Ok(Task::Bench {
                report_only: true,
                busy: 0,
                args: vec![]
            })
        );
        assert!(parse(&["bench", "--report-only", "x"]).is_err());
        assert!(parse(&["ci", "extra"]).is_err());
        assert_eq!(parse(&["external"]), Ok(Task::External));
        assert_eq!(parse(&["package"]), Ok(Task::Package));
        assert_eq!(parse(&["msrv"]), Ok(Task::Msrv));
        assert!(parse(&["msrv", "1.85"]).is_err());
        assert!(parse(&["frobnicate"]).is_err());
    }

    #[test]
    fn san_runs_both_sanitizers_unless_one_is_named() {
        let both = vec![Sanitizer::Address, Sanitizer::Thread];
        assert_eq!(
            parse(&["san"]),
            Ok(Task::San {
                sanitizers: both.clone(),
                args: vec![]
            })
        );
        assert_eq!(
            parse(&["san", "--", "pool", "--nocapture"]),
            Ok(Task::San {
                sanitizers: both,
                args: strings(&["pool", "--nocapture"])
            })
        );
        assert_eq!(
            parse(&["san", "asan"]),
            Ok(Task::San {
                sanitizers: vec![Sanitizer::Address],
                args: vec![]
            })
        );
        assert_eq!(
            parse(&["san", "tsan", "--", "shutdown"]),
            Ok(Task::San {
                sanitizers: vec![Sanitizer::Thread],
                args: strings(&["shutdown"])
            })
        );
        assert!(parse(&["san", "tsna"]).is_err());
        assert!(parse(&["san", "asan", "pool"]).is_err());
    }

    #[test]
    fn soak_takes_minutes_then_test_args() {
        assert_eq!(
            parse(&["soak"]),
            Ok(Task::Soak {
                minutes: DEFAULT_SOAK_MINUTES,
                args: vec![]
            })
        );
        assert_eq!(
            parse(&["soak", "--minutes", "0"]),
            Ok(Task::Soak {
                minutes: 0,
                args: vec![]
            })
        );
        assert_eq!(
            parse(&["soak", "--minutes=3", "--", "--test-threads", "1"]),
            Ok(Task::Soak {
                minutes: 3,
                args: strings(&["--test-threads", "1"])
            })
        );
        assert_eq!(
            parse(&["soak", "--", "racing"]),
            Ok(Task::Soak {
                minutes: DEFAULT_SOAK_MINUTES,
                args: strings(&["racing"])
            })
        );
        assert!(parse(&["soak", "--minutes"]).is_err());
        assert!(parse(&["soak", "--minutes", "-1"]).is_err());
        assert!(parse(&["soak", "--minutes", "ten"]).is_err());
        assert!(parse(&["soak", "racing"]).is_err());
    }
}
