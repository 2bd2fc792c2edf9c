//! Running cargo and finding the workspace.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// Runs `command` like [`status`], echoing its stdout line by line as it comes and returning
/// those lines too (stderr goes straight to the terminal).
pub(crate) fn tee_stdout(mut command: Command) -> Result<Vec<String>, String> {
    let shown = format!("{command:?}");
    eprintln!("xtask: running {shown}");
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    let mut lines = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let mut reader = BufReader::new(stdout);
        let mut echo = std::io::stdout();
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    // Echo failures (a closed terminal) must not stop the run.
                    let _ = echo.write_all(&line).and_then(|()| echo.flush());
                    let text = String::from_utf8_lossy(&line);
                    lines.push(text.trim_end_matches(['\n', '\r']).to_owned());
                }
                Err(e) => {
                    eprintln!("xtask: reading the output of {shown}: {e}");
                    break;
                }
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {shown}: {e}"))?;
    if status.success() {
        Ok(lines)
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

/// Crates under `crates/` with a test file whose name starts with `prefix`, and those files'
/// test target names.
pub(crate) fn test_targets(prefix: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let Ok(crates) = std::fs::read_dir(workspace_root().join("crates")) else {
        return found;
    };
    let mut crates: Vec<_> = crates.flatten().map(|e| e.path()).collect();
    crates.sort();
    for dir in crates {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let mut tests: Vec<String> = std::fs::read_dir(dir.join("tests"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|f| f.starts_with(prefix) && f.ends_with(".rs"))
            .map(|f| f.trim_end_matches(".rs").to_owned())
            .collect();
        tests.sort();
        if !tests.is_empty() {
            found.push((name, tests));
        }
    }
    found
}
