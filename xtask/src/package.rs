//! `cargo xtask package`: every publishable crate packages, together, as a first publish would.
//!
//! `cargo package --workspace` packages the members in dependency order and verifies each
//! `.crate` by building it, resolving the others from a local overlay of the ones just packaged
//! (cargo 1.90 and later), so crates that depend on one another and are not on crates.io yet
//! still verify. A dev-dependency cycle, such as spindle-macros once had on spindle-pool, fails
//! here. `cargo package` does not skip `publish = false` members as `cargo publish` does (it
//! packages them, and fails on xtask's path-only dependency), so they are excluded by name,
//! read from `cargo metadata`.

use serde::Deserialize;

use crate::run::{cargo, status};

/// The part of `cargo metadata --no-deps --format-version 1` read here.
#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    /// The registries it may be published to: `None` for any, empty for `publish = false`.
    publish: Option<Vec<String>>,
}

pub(crate) fn run() -> Result<(), String> {
    let (publishable, unpublished) = members()?;
    let mut package = cargo();
    // `--allow-dirty`: the check is that the crates package, not that the tree is committed;
    // without it every local run with uncommitted work would fail before checking anything.
    package.args(["package", "--workspace", "--allow-dirty"]);
    for name in &unpublished {
        package.args(["--exclude", name]);
    }
    status(package)?;
    println!(
        "xtask package: packaged and verified {} (in target/package); not packaged, being \
         publish = false: {}",
        publishable.join(", "),
        unpublished.join(", ")
    );
    Ok(())
}

/// The workspace members' names: (publishable, `publish = false`).
fn members() -> Result<(Vec<String>, Vec<String>), String> {
    let mut metadata = cargo();
    metadata.args(["metadata", "--no-deps", "--format-version", "1"]);
    let output = metadata
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    split(&output.stdout)
}

fn split(json: &[u8]) -> Result<(Vec<String>, Vec<String>), String> {
    let metadata: Metadata =
        serde_json::from_slice(json).map_err(|e| format!("cannot read cargo metadata: {e}"))?;
    let (unpublished, publishable): (Vec<Package>, Vec<Package>) = metadata
        .packages
        .into_iter()
        .partition(|p| p.publish.as_ref().is_some_and(Vec::is_empty));
    let names = |packages: Vec<Package>| packages.into_iter().map(|p| p.name).collect();
    Ok((names(publishable), names(unpublished)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_false_members_are_set_apart() {
        let json = br#"{"packages": [
            {"name": "spindle-pool", "publish": null, "version": "0.1.0"},
            {"name": "xtask", "publish": []},
            {"name": "internal", "publish": ["my-registry"]}
        ], "workspace_root": "/src"}"#;
        let (publishable, unpublished) = split(json).unwrap();
        assert_eq!(publishable, ["spindle-pool", "internal"]);
        assert_eq!(unpublished, ["xtask"]);
    }
}
