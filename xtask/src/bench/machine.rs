//! What the benches ran on and from: CPU, cores, memory, toolchain, commit.
//!
//! Each probe falls back to "unknown" rather than failing the run: the numbers are the point,
//! the header only says where they came from.

use std::path::Path;
use std::process::Command;

/// The machine and the source tree, as probed before the run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Machine {
    /// `model name` from `/proc/cpuinfo`.
    pub(crate) cpu: String,
    /// `std::thread::available_parallelism`.
    pub(crate) logical_cores: String,
    /// `MemTotal` from `/proc/meminfo`, in GiB.
    pub(crate) memory: String,
    /// `rustc --version`.
    pub(crate) rustc: String,
    /// `git rev-parse --short HEAD`, with a note when the work tree has uncommitted changes.
    pub(crate) commit: String,
}

const UNKNOWN: &str = "unknown";

impl Machine {
    /// Probes this machine, running `rustc` and `git` in `root`.
    pub(crate) fn probe(root: &Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let commit = match output(root, "git", &["rev-parse", "--short", "HEAD"]) {
            Some(commit) => match output(root, "git", &["status", "--porcelain"]) {
                Some(changes) if !changes.is_empty() => {
                    format!("{commit} (with uncommitted changes in the work tree)")
                }
                _ => commit,
            },
            None => UNKNOWN.to_owned(),
        };
        Machine {
            cpu: cpu_model(&cpuinfo).unwrap_or_else(|| UNKNOWN.to_owned()),
            logical_cores: std::thread::available_parallelism()
                .map_or_else(|_| UNKNOWN.to_owned(), |n| n.to_string()),
            memory: mem_total(&meminfo).unwrap_or_else(|| UNKNOWN.to_owned()),
            rustc: std::env::var_os("RUSTC")
                .and_then(|rustc| output(root, &rustc.to_string_lossy(), &["--version"]))
                .or_else(|| output(root, "rustc", &["--version"]))
                .unwrap_or_else(|| UNKNOWN.to_owned()),
            commit,
        }
    }
}

/// A command's trimmed stdout, if it ran and succeeded.
fn output(dir: &Path, program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The first `model name : ...` line's value.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.split_whitespace().collect::<Vec<_>>().join(" "))
    })
}

/// `MemTotal:  24522684 kB` as `23.4 GiB`.
fn mem_total(meminfo: &str) -> Option<String> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} GiB", kib / (1024.0 * 1024.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_files() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\n\
                       model name\t: AMD EPYC   7B13 64-Core Processor\nprocessor\t: 1\n\
                       model name\t: AMD EPYC 7B13 64-Core Processor\n";
        assert_eq!(
            cpu_model(cpuinfo).as_deref(),
            Some("AMD EPYC 7B13 64-Core Processor")
        );
        assert_eq!(cpu_model("processor : 0\n"), None);
        let meminfo = "MemTotal:       24522684 kB\nMemFree:        20000000 kB\n";
        assert_eq!(mem_total(meminfo).as_deref(), Some("23.4 GiB"));
        assert_eq!(mem_total(""), None);
    }
}
