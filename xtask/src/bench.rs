//! `cargo xtask bench`: the criterion benches in `benches/`, Spindle and its peers in one run,
//! then `BENCHMARKS.md` at the workspace root from what that run measured.
//!
//! The benches set short warm-up and measurement times themselves, so the whole run takes
//! minutes; criterion's HTML reports land in `target/criterion`. Two sources, both JSON:
//! - the tables the benches measure themselves (interleaved rounds, the pool's break-even, the
//!   queue's CPU time per item): each bench binary writes `<bench>.json` in the results
//!   directory (`spindle_bench_support::results`; `target/spindle-bench`), whose `*.json`
//!   files this task deletes before the run;
//! - criterion's saved estimates (`criterion`), counting only files written since the run
//!   started.
//!
//! With `--busy N` every interleaved table is measured twice in the same run, idle and with
//! `N` threads burning CPU (`spindle_bench_support::busy`), and the report puts the two side
//! by side with their spread.
//!
//! The run also leaves `xtask-run.json` there (its arguments, start and length), so
//! `cargo xtask bench --report-only` can write `BENCHMARKS.md` again from the same results
//! without running anything.

mod criterion;
mod machine;
mod report;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use spindle_bench_support::results::{self, Table};

use crate::run::{cargo, sorted_entries, status, workspace_root};

/// The generated file, at the workspace root.
const OUTPUT: &str = "BENCHMARKS.md";

/// What `xtask-run.json` in the results directory holds about the last run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RunRecord {
    /// The arguments passed through to criterion.
    args: Vec<String>,
    /// When the run started, as the file system's clock put it (see [`criterion::mark_start`]).
    started_unix_ms: u64,
    /// How long it took; `None` while it runs (or when it failed).
    elapsed_ms: Option<u64>,
    /// Threads burning CPU for the busy tables (0: idle tables only).
    #[serde(default)]
    busy: usize,
}

const RUN_RECORD: &str = "xtask-run.json";

/// `cargo xtask bench [--busy N] [-- args]`, or with `report_only`, the report from the last
/// run's files.
pub(crate) fn run(report_only: bool, busy: usize, args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let results_dir = results_directory(&root);
    let record = if report_only {
        read_record(&results_dir)?
    } else {
        measure(&results_dir, busy, args)?
    };
    let since = UNIX_EPOCH + Duration::from_millis(record.started_unix_ms);
    let criterion = criterion::collect(&criterion::directory(&root), since);
    let (mut tables, unreadable) = read_tables(&results_dir);
    let ran: Vec<&str> = criterion.groups.iter().map(|g| g.name.as_str()).collect();
    keep_cpu_rows_of_groups_that_ran(&mut tables, &ran);
    if criterion.groups.is_empty() && tables.is_empty() {
        eprintln!("xtask bench: no results from this run; {OUTPUT} left as it was");
        return Ok(());
    }
    let machine = machine::Machine::probe(&root);
    let run = report::Run {
        started: since,
        elapsed: Duration::from_millis(record.elapsed_ms.unwrap_or(0)),
        args: &record.args,
        busy: record.busy,
        machine: &machine,
    };
    let text = report::render(&run, &criterion, &tables, &unreadable);
    let path = root.join(OUTPUT);
    std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!(
        "xtask bench: wrote {} ({} criterion groups, {} tables from {}; {} stale groups left \
         out)",
        path.display(),
        criterion.groups.len(),
        tables.len(),
        results_dir.display(),
        criterion.stale_groups.len()
    );
    Ok(())
}

/// Deletes the results files in the results directory, runs the benches with it as [`results::DIR_VAR`], and
/// records the run there.
fn measure(results_dir: &Path, busy: usize, args: &[String]) -> Result<RunRecord, String> {
    // Only this run's tables count: the older files go (nothing else in the directory does).
    for path in sorted_entries(results_dir) {
        if path.extension().is_some_and(|e| e == "json") {
            let _ = std::fs::remove_file(path);
        }
    }
    let marker = results_dir.join(RUN_RECORD);
    let mut record = RunRecord {
        args: args.to_vec(),
        started_unix_ms: 0,
        elapsed_ms: None,
        busy,
    };
    write_record(&marker, &record)?;
    let started = criterion::mark_start(results_dir);
    record.started_unix_ms = started
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    write_record(&marker, &record)?;
    let clock = Instant::now();
    let mut command = cargo();
    command
        .env(results::DIR_VAR, results_dir)
        .env(spindle_bench_support::busy::BUSY_ENV, busy.to_string())
        .args(["bench", "--workspace", "--benches", "--"])
        .args(args);
    // On failure the previous file stays as it was.
    status(command)?;
    record.elapsed_ms = Some(clock.elapsed().as_millis() as u64);
    write_record(&marker, &record)?;
    Ok(record)
}

fn write_record(path: &Path, record: &RunRecord) -> Result<(), String> {
    let text = serde_json::to_string_pretty(record).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(path.parent().unwrap_or(path))
        .and_then(|()| std::fs::write(path, text))
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

fn read_record(results_dir: &Path) -> Result<RunRecord, String> {
    let path = results_dir.join(RUN_RECORD);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "--report-only: cannot read {} ({e}); run `cargo xtask bench` first",
            path.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The results directory as the benches will see it: `$SPINDLE_BENCH_DIR`, else
/// `$CARGO_TARGET_DIR/spindle-bench`, else `target/spindle-bench`, under `root`.
fn results_directory(root: &Path) -> PathBuf {
    root.join(results::directory())
}

/// Every table in the bench files in `dir` (by file name: actor, executor, pool, queue, as
/// cargo runs them), and the files that could not be read, with why.
fn read_tables(dir: &Path) -> (Vec<Table>, Vec<String>) {
    let mut tables = Vec::new();
    let mut unreadable = Vec::new();
    for path in sorted_entries(dir) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(name) = name.filter(|n| n.ends_with(".json") && n != RUN_RECORD) else {
            continue;
        };
        match results::read(&path) {
            Ok(file) => tables.extend(file.tables),
            Err(why) => unreadable.push(format!("{name}: {why}")),
        }
    }
    (tables, unreadable)
}

/// A filtered run still reports CPU time for the blocking groups it ran, but say so only for
/// groups criterion ran this time; a table left with no row goes.
fn keep_cpu_rows_of_groups_that_ran(tables: &mut Vec<Table>, ran: &[&str]) {
    for table in tables.iter_mut() {
        if let Table::CpuPerItem(cpu) = table {
            cpu.rows.retain(|row| ran.contains(&row.group.as_str()));
        }
    }
    tables.retain(|table| !matches!(table, Table::CpuPerItem(cpu) if cpu.rows.is_empty()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use spindle_bench_support::results::{BenchFile, CpuPerItem, CpuRow, SCHEMA};

    #[test]
    fn reads_the_bench_files_and_keeps_cpu_rows_of_groups_that_ran() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let row = |group: &str| CpuRow {
            group: group.into(),
            contender: "spindle Queue".into(),
            cpu_ns: 27.8,
        };
        let file = BenchFile {
            schema: SCHEMA,
            bench: "queue".into(),
            tables: vec![Table::CpuPerItem(CpuPerItem {
                rows: vec![row("blocking_a"), row("blocking_b")],
            })],
        };
        results::write(&dir, &file).unwrap();
        std::fs::write(dir.join("broken.json"), "{").unwrap();
        write_record(
            &dir.join(RUN_RECORD),
            &RunRecord {
                args: vec!["x".into()],
                started_unix_ms: 5,
                elapsed_ms: Some(7),
                busy: 0,
            },
        )
        .unwrap();

        let (mut tables, unreadable) = read_tables(&dir);
        let record = read_record(&dir);
        let _ = std::fs::remove_dir_all(&dir);

        assert_eq!(record.map(|r| r.elapsed_ms), Ok(Some(7)));
        assert_eq!(unreadable.len(), 1, "{unreadable:?}");
        assert!(unreadable[0].starts_with("broken.json: "));
        keep_cpu_rows_of_groups_that_ran(&mut tables, &["blocking_b"]);
        assert_eq!(
            tables,
            [Table::CpuPerItem(CpuPerItem {
                rows: vec![row("blocking_b")]
            })]
        );
        keep_cpu_rows_of_groups_that_ran(&mut tables, &[]);
        assert!(tables.is_empty());
    }
}
