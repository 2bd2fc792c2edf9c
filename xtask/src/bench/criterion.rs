//! Criterion's saved estimates: `<criterion dir>/<group>/<function>[/<value>]/new/`.
//!
//! `benchmark.json` names the benchmark (`group_id`, `function_id`, `value_str`,
//! `throughput`); `estimates.json` holds the statistics in ns per iteration. Only estimates
//! written since the run started count: criterion leaves every earlier result in place, and a
//! filtered run rewrites only what it ran.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::run::sorted_entries;

/// One benchmark's fresh result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// `function_id`, then `value_str` after a `/` when there is one.
    pub(crate) name: String,
    /// The function id alone (empty when criterion has none), to recognise Spindle by.
    pub(crate) function: String,
    /// Median time per iteration, ns.
    pub(crate) median_ns: f64,
    /// Mean time per iteration, ns.
    pub(crate) mean_ns: f64,
    /// Elements per iteration, when the group declared `Throughput::Elements`.
    pub(crate) elements: Option<u64>,
    /// When criterion wrote the estimates: orders the rows as the bench ran them.
    pub(crate) written: SystemTime,
}

/// A group's fresh results, in the order they ran.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    pub(crate) name: String,
    pub(crate) entries: Vec<Entry>,
    /// Benchmarks of this group with only older results (not run this time).
    pub(crate) stale: usize,
}

/// Everything under the criterion directory, split into this run's and older results.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Results {
    /// Groups with at least one fresh result, in the order they ran.
    pub(crate) groups: Vec<Group>,
    /// Groups with only older results, by directory name.
    pub(crate) stale_groups: Vec<String>,
    /// Fresh result directories that could not be read, with why.
    pub(crate) unreadable: Vec<String>,
}

/// Where criterion writes, as criterion decides it: `$CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else `target/criterion` under the workspace root.
pub(crate) fn directory(root: &Path) -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return root.join(home);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(target) => root.join(target).join("criterion"),
        None => root.join("target/criterion"),
    }
}

/// The time the run starts, as the file system will compare it: the modification time of a
/// marker file created in `dir` now (file times come from a coarse clock that can lag
/// `SystemTime::now()` by a few ms, and `dir` might even be on another machine's disk). Falls
/// back to a second ago if the marker cannot be written.
pub(crate) fn mark_start(dir: &Path) -> SystemTime {
    let marker = dir.join(".xtask-bench-started");
    let marked = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&marker, b"cargo xtask bench started\n"))
        .and_then(|()| std::fs::metadata(&marker))
        .and_then(|m| m.modified());
    let _ = std::fs::remove_file(&marker);
    marked.unwrap_or_else(|_| SystemTime::now() - std::time::Duration::from_secs(1))
}

/// Reads the results under `dir`, counting as fresh those written at or after `since`.
pub(crate) fn collect(dir: &Path, since: SystemTime) -> Results {
    let mut results = Results::default();
    for group_dir in sorted_subdirs(dir) {
        let dir_name = file_name(&group_dir);
        if dir_name == "report" {
            continue;
        }
        let mut group_name = None;
        let mut entries = Vec::new();
        let mut stale = 0;
        for new in result_dirs(&group_dir, 3) {
            let written = std::fs::metadata(new.join("estimates.json")).and_then(|m| m.modified());
            match written {
                Ok(written) if written >= since => match read_entry(&new, written) {
                    Ok((group, entry)) => {
                        group_name.get_or_insert(group);
                        entries.push(entry);
                    }
                    Err(why) => results.unreadable.push(format!(
                        "{}: {why}",
                        new.strip_prefix(dir).unwrap_or(&new).display()
                    )),
                },
                _ => stale += 1,
            }
        }
        if entries.is_empty() {
            if stale > 0 {
                results.stale_groups.push(dir_name);
            }
            continue;
        }
        entries.sort_by(|a, b| a.written.cmp(&b.written).then_with(|| a.name.cmp(&b.name)));
        results.groups.push(Group {
            name: group_name.unwrap_or(dir_name),
            entries,
            stale,
        });
    }
    results.groups.sort_by_key(|g| g.entries[0].written);
    results
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn sorted_subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs = sorted_entries(dir);
    dirs.retain(|p| p.is_dir());
    dirs
}

/// The `new` directories holding an `estimates.json` under `dir`, at most `depth` levels down
/// (`<function>/new` or `<function>/<value>/new`).
fn result_dirs(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if depth == 0 {
        return found;
    }
    for sub in sorted_subdirs(dir) {
        match file_name(&sub).as_str() {
            "new" if sub.join("estimates.json").is_file() => found.push(sub),
            // Criterion's other copies (the previous run, the change since) and its HTML.
            "new" | "base" | "change" | "report" => {}
            _ => found.extend(result_dirs(&sub, depth - 1)),
        }
    }
    found
}

/// Criterion's `benchmark.json`: the fields read here.
#[derive(Debug, Deserialize)]
struct Benchmark {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<Throughput>,
}

/// Criterion's serialized `Throughput`.
#[derive(Debug, Deserialize)]
enum Throughput {
    Elements(u64),
    ElementsAndBytes { elements: u64 },
    Bytes(IgnoredAny),
    BytesDecimal(IgnoredAny),
}

impl Throughput {
    /// Elements per iteration, if it counts elements (and at least one).
    fn elements(&self) -> Option<u64> {
        match *self {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n } => {
                (n >= 1).then_some(n)
            }
            Throughput::Bytes(_) | Throughput::BytesDecimal(_) => None,
        }
    }
}

/// Criterion's `estimates.json`: the statistics read here, ns per iteration.
#[derive(Debug, Deserialize)]
struct Estimates {
    mean: Estimate,
    median: Estimate,
}

#[derive(Debug, Deserialize)]
struct Estimate {
    point_estimate: f64,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", file_name(path)))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file_name(path)))
}

/// The group id and the entry of one `new` directory.
fn read_entry(new: &Path, written: SystemTime) -> Result<(String, Entry), String> {
    let benchmark: Benchmark = read_json(&new.join("benchmark.json"))?;
    let estimates: Estimates = read_json(&new.join("estimates.json"))?;
    let function = benchmark.function_id.unwrap_or_default();
    let name = match (function.as_str(), benchmark.value_str) {
        ("", Some(value)) => value,
        (_, Some(value)) => format!("{function}/{value}"),
        (_, None) => function.clone(),
    };
    Ok((
        benchmark.group_id,
        Entry {
            name,
            function,
            median_ns: estimates.median.point_estimate,
            mean_ns: estimates.mean.point_estimate,
            elements: benchmark.throughput.as_ref().and_then(Throughput::elements),
            written,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn write_result(dir: &Path, group: &str, function: &str, median: f64, elements: u64) {
        let new = dir.join(group).join(function.replace(':', "_")).join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            format!(
                r#"{{"group_id":"{group}","function_id":"{function}","value_str":null,
                   "throughput":{{"Elements":{elements}}},"full_id":"{group}/{function}"}}"#
            ),
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            format!(
                r#"{{"mean":{{"point_estimate":{}}},"median":{{"point_estimate":{median}}}}}"#,
                median + 1.0
            ),
        )
        .unwrap();
    }

    #[test]
    fn reads_fresh_results_in_run_order_and_names_stale_groups() {
        let dir = std::env::temp_dir().join(format!("xtask-criterion-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write_result(&dir, "old_group", "spindle x", 5.0, 1);
        write_result(&dir, "mixed", "stale peer", 9.0, 10);
        std::fs::create_dir_all(dir.join("report")).unwrap();
        // Modification times are compared with the run's start, so leave a clear gap.
        std::thread::sleep(Duration::from_millis(50));
        let since = mark_start(&dir);
        write_result(&dir, "mixed", "zeta peer", 20.0, 10);
        std::thread::sleep(Duration::from_millis(20));
        write_result(&dir, "mixed", "spindle Actor::call", 10.0, 10);
        // A base copy next to new is ignored.
        std::fs::create_dir_all(dir.join("mixed/zeta peer/base")).unwrap();

        let results = collect(&dir, since);
        let _ = std::fs::remove_dir_all(&dir);

        assert_eq!(results.stale_groups, vec!["old_group".to_owned()]);
        assert_eq!(results.unreadable, Vec::<String>::new());
        assert_eq!(results.groups.len(), 1);
        let group = &results.groups[0];
        assert_eq!(group.name, "mixed");
        assert_eq!(group.stale, 1);
        let names: Vec<&str> = group.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["zeta peer", "spindle Actor::call"],
            "run order, not name order"
        );
        assert_eq!(group.entries[1].median_ns, 10.0);
        assert_eq!(group.entries[1].mean_ns, 11.0);
        assert_eq!(group.entries[1].elements, Some(10));
    }

    #[test]
    fn reads_throughput_kinds() {
        let parse = |text: &str| {
            serde_json::from_str::<Option<Throughput>>(text)
                .unwrap()
                .and_then(|t| t.elements())
        };
        assert_eq!(parse(r#"{"Elements":1000}"#), Some(1000));
        assert_eq!(
            parse(r#"{"ElementsAndBytes":{"elements":3,"bytes":24}}"#),
            Some(3)
        );
        assert_eq!(parse(r#"{"Bytes":64}"#), None);
        assert_eq!(parse(r#"{"Elements":0}"#), None);
        assert_eq!(parse("null"), None);
    }
}
