//! Running cargo and finding the workspace.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The workspace root (xtask's manifest lives one level below it).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `cargo` as invoked by the user (respects `$CARGO`), run from the workspace root.
pub(crate) fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

/// Runs `command`, echoing it, and turns a non-zero exit into an error naming it.
pub(crate) fn status(mut command: Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    eprintln!("xtask: running {shown}");
    let status = command
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

/// Packages (see [`integration_tests`]) with a test target whose name starts with `prefix`,
/// and those targets' names.
pub(crate) fn test_targets(prefix: &str) -> Vec<(String, Vec<String>)> {
    integration_tests()
        .into_iter()
        .filter_map(|(krate, tests)| {
            let tests: Vec<String> = tests
                .into_iter()
                .filter(|t| t.starts_with(prefix))
                .collect();
            (!tests.is_empty()).then_some((krate, tests))
        })
        .collect()
}

/// Every package's integration-test targets as cargo discovers them (`tests/*.rs`, and
/// `tests/*/main.rs` by directory name), sorted: the root package `spindlekit` first, then the
/// crates under `crates/` (each package is named like its directory). Packages without any are
/// left out.
pub(crate) fn integration_tests() -> Vec<(String, Vec<String>)> {
    let root = workspace_root();
    let mut packages = vec![("spindlekit".to_owned(), root.clone())];
    if let Ok(crates) = std::fs::read_dir(root.join("crates")) {
        let mut crates: Vec<_> = crates.flatten().map(|e| e.path()).collect();
        crates.sort();
        packages.extend(crates.into_iter().filter_map(|dir| {
            let name = dir.file_name()?.to_str()?.to_owned();
            Some((name, dir))
        }));
    }
    packages
        .into_iter()
        .filter_map(|(name, dir)| {
            let tests = test_target_names(&dir.join("tests"));
            (!tests.is_empty()).then_some((name, tests))
        })
        .collect()
}

/// The integration-test target names in one `tests/` directory.
fn test_target_names(dir: &Path) -> Vec<String> {
    let mut tests: Vec<String> = sorted_entries(dir)
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_owned();
            if path.is_dir() {
                // `tests/common/mod.rs`-style helpers are modules, not targets.
                path.join("main.rs").is_file().then_some(name)
            } else {
                name.strip_suffix(".rs").map(str::to_owned)
            }
        })
        .collect();
    tests.sort();
    tests
}

/// The entries of `dir` (none when it cannot be read), sorted by path.
pub(crate) fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    entries
}

/// `d` as `1h 02m 03s`, `2m 05s` or `7.3s`, for progress lines and summaries.
pub(crate) fn human(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..60 => format!("{:.1}s", d.as_secs_f64()),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m {:02}s", secs / 3600, secs / 60 % 60, secs % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human(Duration::from_millis(7_340)), "7.3s");
        assert_eq!(human(Duration::from_secs(125)), "2m 05s");
        assert_eq!(human(Duration::from_secs(3_723)), "1h 02m 03s");
    }

    #[test]
    fn finds_this_workspaces_loom_models_and_no_helper_modules() {
        let all = integration_tests();
        assert!(all.iter().any(|(krate, _)| krate == "spindle-queue"));
        assert!(
            all.iter()
                .all(|(_, tests)| { tests.iter().all(|t| t != "common" && t != "reliability") })
        );
        let loom = test_targets("loom_");
        assert!(!loom.is_empty());
        assert!(
            loom.iter()
                .flat_map(|(_, t)| t)
                .all(|t| t.starts_with("loom_"))
        );
    }
}
