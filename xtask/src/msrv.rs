//! `cargo xtask msrv`: the library crates build on the declared minimum Rust version.
//!
//! The version is `rust-version` in the root `Cargo.toml`'s `[workspace.package]`, which every
//! crate inherits. Only the libraries are checked (`--lib`, all features): the dev-dependencies
//! (criterion, the peers in the benches) may need a newer Rust, which the README says. The
//! check runs `cargo check --locked` through `rustup run`, so it builds the versions in
//! `Cargo.lock`: a dependency there that needs a newer Rust fails it too. Its own target
//! directory, `target/msrv`, keeps the old toolchain's artifacts apart.

use std::process::{Command, Stdio};

use crate::run::{status, workspace_root};

/// The crates users depend on.
const LIBRARIES: &[&str] = &[
    "spindle-utils",
    "spindle-queue",
    "spindle-executor",
    "spindle-actor",
    "spindle-pool",
    "spindle-macros",
    "spindlekit",
];

pub(crate) fn run() -> Result<(), String> {
    let root = workspace_root();
    let manifest_path = root.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let version = rust_version(&manifest).ok_or_else(|| {
        format!(
            "no `rust-version = \"..\"` in [workspace.package] of {}",
            manifest_path.display()
        )
    })?;
    let installed = Command::new("rustup")
        .args(["run", &version, "cargo", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        return Err(format!(
            "the MSRV toolchain {version} is not installed; install it with \
             `rustup toolchain install {version} --profile minimal` (`.ci/run` does)"
        ));
    }
    let mut check = Command::new("rustup");
    check
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", root.join("target").join("msrv"))
        // `CARGO` comes from the `cargo run` that started xtask, and `RUSTC`/`RUSTDOC` may be
        // set for the default toolchain: each would mix the new toolchain's tools into the old.
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .args(["run", &version, "cargo", "check", "--locked"]);
    for library in LIBRARIES {
        check.args(["-p", library]);
    }
    check.args(["--lib", "--all-features"]);
    status(check)?;
    println!(
        "xtask msrv: {} build on Rust {version} (cargo check --lib --all-features)",
        LIBRARIES.join(", ")
    );
    Ok(())
}

/// `rust-version` in the `[workspace.package]` table of a manifest's text.
fn rust_version(manifest: &str) -> Option<String> {
    let mut in_table = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_table = line == "[workspace.package]";
        } else if in_table {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            if key.trim() == "rust-version" {
                let value = value.split('#').next()?.trim();
                return Some(value.strip_prefix('"')?.strip_suffix('"')?.to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_workspace_rust_version_only() {
        let manifest = "[package]\nrust-version = \"1.99\"\n\n[workspace.package]\n\
                        edition = \"2024\"\nrust-version = \"1.85\" # the MSRV\n";
        assert_eq!(rust_version(manifest).as_deref(), Some("1.85"));
        assert_eq!(rust_version("[package]\nrust-version = \"1.85\"\n"), None);
        assert_eq!(
            rust_version("[workspace.package]\nrust-version = 1.85\n"),
            None
        );
    }

    #[test]
    fn this_workspace_declares_one() {
        let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
        let version = rust_version(&manifest).unwrap();
        assert!(version.starts_with("1."), "{version}");
    }
}
