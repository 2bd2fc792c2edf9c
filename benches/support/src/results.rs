//! The results file: what one bench binary measured outside criterion, as JSON.
//!
//! Each bench binary writes `<dir>/<bench>.json`, where `<dir>` is `$SPINDLE_BENCH_DIR`
//! ([`DIR_VAR`], which `cargo xtask bench` sets), else `$CARGO_TARGET_DIR/spindle-bench`, else
//! `target/spindle-bench` (cargo runs a bench from its package's root: the workspace root
//! here). The file is rewritten whole, atomically, after each table, so it holds every table
//! finished so far. Every time is in nanoseconds per operation, the operation named by the
//! table. A file looks like this (figures cut short):
//!
//! ```json
//! {
//!   "schema": 1,
//!   "bench": "pool",
//!   "tables": [
//!     {
//!       "kind": "rounds",
//!       "title": "round_trip: send_and_receive_once, 2000 per round",
//!       "per": "round trip",
//!       "rounds": 15,
//!       "load": { "before": 0.41, "after": 1.87, "cores": 2 },
//!       "rows": [
//!         {
//!           "contender": "spindle-pool",
//!           "ns": [201.3, 196.0, 188.4],
//!           "ns_quartiles": { "p25": 190.1, "median": 196.0, "p75": 199.8 },
//!           "ratio": { "p25": 1.0, "median": 1.0, "p75": 1.0 }
//!         }
//!       ]
//!     },
//!     {
//!       "kind": "break_even",
//!       "items": 1000, "threads": 2, "runs": 5, "budget_ms": 100, "burn_per_ns": 0.98,
//!       "load": { "before": 1.2, "after": 1.9, "cores": 2 },
//!       "pools": ["spindle-pool", "messaging_thread_pool"],
//!       "rows": [ { "work_ns": 100, "requests": 200000, "one_thread_ns": 82.5, "pool_ns": [56.6, 198.6] } ],
//!       "crossings": [ { "pool": "spindle-pool", "wins_at_ns": 100, "loses_at_ns": 0, "crossing_ns": 28.0 } ]
//!     },
//!     {
//!       "kind": "cpu_per_item",
//!       "rows": [ { "group": "blocking_bounded_2p2c", "contender": "spindle BoundedQueue", "cpu_ns": 53.3 } ]
//!     }
//!   ]
//! }
//! ```
//!
//! A change to these types that an older reader could misread bumps [`SCHEMA`].

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// The format version this crate writes and reads.
pub const SCHEMA: u32 = 1;

/// The environment variable naming the directory the files go to.
pub const DIR_VAR: &str = "SPINDLE_BENCH_DIR";

/// One bench binary's file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchFile {
    /// [`SCHEMA`] at the time of writing.
    pub schema: u32,
    /// The bench target: `actor`, `executor`, `pool`, `queue`.
    pub bench: String,
    /// The tables, in the order the bench finished them.
    pub tables: Vec<Table>,
}

/// One table a bench measured itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Table {
    /// Interleaved rounds ([`crate::rounds::interleaved`]).
    Rounds(Rounds),
    /// When a pool of threads beats one thread doing the same requests (the pool bench).
    BreakEven(BreakEven),
    /// CPU time of all threads per item moved, per blocking criterion run (the queue bench).
    CpuPerItem(CpuPerItem),
}

/// Interleaved rounds of one workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rounds {
    /// The workload, as printed (often `criterion group: what it does`).
    pub title: String,
    /// What one operation is (`call`, `round trip`, `item`): every figure is ns per one.
    pub per: String,
    /// How many rounds ran.
    pub rounds: usize,
    /// The machine's load around the rounds, where the bench could read it.
    pub load: Option<Load>,
    /// Threads burning CPU at normal priority while the rounds ran (0: the idle table).
    #[serde(default)]
    pub busy: usize,
    /// One row per contender, in the order given; the first is the reference the ratios are
    /// taken to.
    pub rows: Vec<RoundsRow>,
}

/// One contender's figures in a [`Rounds`] table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundsRow {
    /// The contender: library and call (`spindle Actor::call`, `stakker call!`).
    pub contender: String,
    /// ns per operation in each round, in round order.
    pub ns: Vec<f64>,
    /// The quartiles of `ns`.
    pub ns_quartiles: Quartiles,
    /// The quartiles of the per-round ratio `ns / reference ns` (1 for the reference).
    pub ratio: Quartiles,
}

/// Three quantiles of a set of figures, interpolated linearly between ranks, and the extremes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quartiles {
    /// The smallest figure.
    #[serde(default)]
    pub min: f64,
    /// The largest figure: `max / median` is the spread the busy targets bound.
    #[serde(default)]
    pub max: f64,
    /// The 25th percentile.
    pub p25: f64,
    /// The median.
    pub median: f64,
    /// The 75th percentile.
    pub p75: f64,
}

impl Quartiles {
    /// The quartiles of `values` (all `NaN` when there is none).
    pub fn of(values: &[f64]) -> Quartiles {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let Some(last) = sorted.len().checked_sub(1) else {
                return f64::NAN;
            };
            let rank = q * last as f64;
            let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
            sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
        };
        Quartiles {
            min: at(0.0),
            max: at(1.0),
            p25: at(0.25),
            median: at(0.5),
            p75: at(0.75),
        }
    }
}

/// The 1-minute load average (`/proc/loadavg`) before and after a table was measured: near 0
/// before means the machine was idle when it started; at or above `cores` it was busy. The
/// bench's own threads count in `after`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Load {
    /// Before the first measurement.
    pub before: f64,
    /// After the last one.
    pub after: f64,
    /// Logical cores (`available_parallelism`).
    pub cores: usize,
}

impl Load {
    /// The 1-minute load average now, where the system tells it (Linux).
    pub fn now() -> Option<f64> {
        let text = std::fs::read_to_string("/proc/loadavg").ok()?;
        text.split_whitespace().next()?.parse().ok()
    }

    /// `before` (read earlier with [`Load::now`]) and now, when both could be read.
    pub fn since(before: Option<f64>) -> Option<Load> {
        Some(Load {
            before: before?,
            after: Load::now()?,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        })
    }
}

/// The pool bench's break-even table: `requests` requests over `items` items, each burning
/// `work_ns` of CPU, by one thread calling the items directly and by each pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakEven {
    /// Items the requests are spread over.
    pub items: u64,
    /// Threads in each pool.
    pub threads: usize,
    /// Interleaved runs per figure (the figure is their median).
    pub runs: usize,
    /// Each run repeats whole batches for at least this long.
    pub budget_ms: u64,
    /// The busy loop's calibration: iterations per ns.
    pub burn_per_ns: f64,
    /// The machine's load around the table.
    pub load: Option<Load>,
    /// The pools, in the order of [`BreakEvenRow::pool_ns`].
    pub pools: Vec<String>,
    /// One row per amount of work, smallest first.
    pub rows: Vec<BreakEvenRow>,
    /// Per pool, where it starts to beat one thread.
    pub crossings: Vec<Crossing>,
}

/// One amount of work per request in a [`BreakEven`] table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakEvenRow {
    /// CPU work per request, ns.
    pub work_ns: u64,
    /// Requests per batch.
    pub requests: u64,
    /// Wall ns per request, one thread.
    pub one_thread_ns: f64,
    /// Wall ns per request, per pool (in [`BreakEven::pools`] order).
    pub pool_ns: Vec<f64>,
}

/// Where one pool starts to beat one thread, on the measured grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// The pool.
    pub pool: String,
    /// The smallest work measured at which the pool wins; `None`: it never does.
    pub wins_at_ns: Option<u64>,
    /// The grid point below `wins_at_ns`, where it loses; `None` when it wins from the start.
    pub loses_at_ns: Option<u64>,
    /// The crossing, interpolated linearly in (pool − one thread) ns per request between the
    /// two; `None` when either is.
    pub crossing_ns: Option<f64>,
}

/// The queue bench's CPU time per item, one row per blocking criterion run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuPerItem {
    /// The rows, in the order criterion ran them.
    pub rows: Vec<CpuRow>,
}

/// CPU time per item of one contender in one criterion group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuRow {
    /// The criterion group (`blocking_bounded_2p2c`).
    pub group: String,
    /// The contender, as criterion names it in that group.
    pub contender: String,
    /// CPU ns of all the process's threads per item moved.
    pub cpu_ns: f64,
}

/// Where the files go (and are read from): see the module docs.
pub fn directory() -> PathBuf {
    if let Some(dir) = std::env::var_os(DIR_VAR) {
        return PathBuf::from(dir);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(target) => PathBuf::from(target).join("spindle-bench"),
        None => PathBuf::from("target/spindle-bench"),
    }
}

/// The file of `bench` in `dir`.
pub fn path(dir: &Path, bench: &str) -> PathBuf {
    dir.join(format!("{bench}.json"))
}

/// Reads a results file, refusing other schema versions.
pub fn read(path: &Path) -> Result<BenchFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file: BenchFile = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if file.schema != SCHEMA {
        return Err(format!(
            "schema {}, this reader knows {SCHEMA}",
            file.schema
        ));
    }
    Ok(file)
}

/// Writes `file` to [`path`]`(dir, &file.bench)`, through a temporary file renamed over it, so
/// a reader sees the old file or the new one, never half of one.
pub fn write(dir: &Path, file: &BenchFile) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let target = path(dir, &file.bench);
    let partial = target.with_extension("json.partial");
    std::fs::write(&partial, serde_json::to_string_pretty(file)?)?;
    std::fs::rename(&partial, &target)
}

/// This process's tables so far.
static TABLES: Mutex<Vec<Table>> = Mutex::new(Vec::new());

/// Adds `table` to this bench binary's file and rewrites the file in [`directory`]. A file
/// that cannot be written is reported on stderr, not fatal: the printed tables still stand.
pub fn record(table: Table) {
    let mut tables = TABLES.lock().unwrap_or_else(PoisonError::into_inner);
    tables.push(table);
    let file = BenchFile {
        schema: SCHEMA,
        bench: bench_name(),
        tables: tables.clone(),
    };
    let dir = directory();
    if let Err(e) = write(&dir, &file) {
        eprintln!(
            "spindle-bench-support: could not write {}: {e}",
            path(&dir, &file.bench).display()
        );
    }
}

/// The running bench target's name: cargo names a bench executable `<name>-<hash>`.
fn bench_name() -> String {
    let exe = std::env::current_exe().ok();
    let stem = exe
        .as_deref()
        .and_then(Path::file_stem)
        .and_then(|s| s.to_str())
        .unwrap_or("bench");
    target_name(stem).to_owned()
}

/// `stem` without cargo's `-<hex hash>` suffix, if it has one.
fn target_name(stem: &str) -> &str {
    match stem.rsplit_once('-') {
        Some((name, hash))
            if !name.is_empty()
                && !hash.is_empty()
                && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            name
        }
        _ => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_interpolate_between_ranks() {
        let q = Quartiles::of(&[5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!((q.p25, q.median, q.p75), (2.0, 3.0, 4.0));
        let q = Quartiles::of(&[1.0, 2.0]);
        assert_eq!((q.p25, q.median, q.p75), (1.25, 1.5, 1.75));
        assert_eq!(Quartiles::of(&[7.0]).median, 7.0);
        assert!(Quartiles::of(&[]).median.is_nan());
    }

    #[test]
    fn bench_names_drop_cargos_hash() {
        assert_eq!(target_name("actor-1a2b3c4d5e6f7a8b"), "actor");
        assert_eq!(target_name("blocking-queue-0f"), "blocking-queue");
        assert_eq!(target_name("actor"), "actor");
        assert_eq!(target_name("my-bench"), "my-bench");
    }

    #[test]
    fn a_written_file_reads_back_and_other_schemas_are_refused() {
        let dir =
            std::env::temp_dir().join(format!("spindle-bench-results-{}", std::process::id()));
        let file = BenchFile {
            schema: SCHEMA,
            bench: "queue".into(),
            tables: vec![
                Table::Rounds(Rounds {
                    title: "bounded_2p2c".into(),
                    per: "item".into(),
                    rounds: 2,
                    load: Some(Load {
                        before: 0.5,
                        after: 1.5,
                        cores: 2,
                    }),
                    busy: 2,
                    rows: vec![RoundsRow {
                        contender: "spindle BoundedQueue".into(),
                        ns: vec![17.0, 18.0],
                        ns_quartiles: Quartiles::of(&[17.0, 18.0]),
                        ratio: Quartiles::of(&[1.0, 1.0]),
                    }],
                }),
                Table::CpuPerItem(CpuPerItem {
                    rows: vec![CpuRow {
                        group: "blocking_bounded_2p2c".into(),
                        contender: "std sync_channel".into(),
                        cpu_ns: 240.6,
                    }],
                }),
            ],
        };
        write(&dir, &file).unwrap();
        let written = path(&dir, "queue");
        assert_eq!(read(&written), Ok(file));
        let text = std::fs::read_to_string(&written).unwrap();
        assert!(text.contains(r#""kind": "cpu_per_item""#), "{text}");
        std::fs::write(&written, text.replace(r#""schema": 1"#, r#""schema": 99"#)).unwrap();
        let refused = read(&written);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(refused, Err("schema 99, this reader knows 1".to_owned()));
    }
}
