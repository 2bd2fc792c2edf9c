//! `cargo xtask external`: `#[pool_item]` used as a user outside this workspace would.
//!
//! Inside the workspace every crate can name `spindle_pool`, so a macro that hard-codes that
//! path passes every test here and still fails for a user who depends only on the facade. This
//! task writes small binary crates under `target/external-check/`, each its own workspace
//! (a `[workspace]` table, so cargo does not treat it as a member of ours) that depends on one
//! Spindle package by path:
//!
//! - `facade`: `spindlekit` only, code using `spindle::pool::...`;
//! - `facade-renamed`: `sk = { package = "spindlekit", .. }`, code using `sk::pool::...`;
//! - `pool-only`: `spindle-pool` only, code using `spindle_pool::...`.
//!
//! Each `main.rs` puts `#[pool_item]`, with no arguments, on an item, starts an `ItemPool`,
//! sends requests and asserts the answer; `cargo run` builds and runs it. They share one target
//! directory, `target/external-check/target`, so a rerun rebuilds only what changed.

use std::path::{Path, PathBuf};

use crate::run::{cargo, status, workspace_root};

/// One external crate: its directory name, its `[dependencies]` line, and the path its code
/// imports the pool from.
struct External {
    name: &'static str,
    dependency: String,
    pool: &'static str,
}

/// The three ways a user can depend on the pool.
fn externals(root: &Path) -> Vec<External> {
    let facade = toml_string(root);
    let pool = toml_string(&root.join("crates").join("spindle-pool"));
    vec![
        External {
            name: "facade",
            dependency: format!("spindlekit = {{ path = {facade} }}"),
            pool: "spindle::pool",
        },
        External {
            name: "facade-renamed",
            dependency: format!("sk = {{ package = \"spindlekit\", path = {facade} }}"),
            pool: "sk::pool",
        },
        External {
            name: "pool-only",
            dependency: format!("spindle-pool = {{ path = {pool} }}"),
            pool: "spindle_pool",
        },
    ]
}

pub(crate) fn run() -> Result<(), String> {
    let root = workspace_root();
    let base = root.join("target").join("external-check");
    let target_dir = base.join("target");
    let externals = externals(&root);
    for external in &externals {
        let dir = write(&base, &root, external)?;
        let mut run = cargo();
        run.current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target_dir)
            .args(["run", "--quiet", "--manifest-path"])
            .arg(dir.join("Cargo.toml"));
        status(run)?;
    }
    println!(
        "xtask external: checked, each in its own workspace under {}:",
        base.display()
    );
    for external in &externals {
        println!(
            "  {:<15} [dependencies] {}\n  {:<15} `#[pool_item]` (no arguments) via `{}::pool_item`, \
             an ItemPool answered as asserted",
            external.name, external.dependency, "", external.pool
        );
    }
    Ok(())
}

/// Writes `base/{name}/{Cargo.toml, Cargo.lock, src/main.rs}`; returns the crate's directory.
fn write(base: &Path, root: &Path, external: &External) -> Result<PathBuf, String> {
    let dir = base.join(external.name);
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("cannot create {}: {e}", src.display()))?;
    write_file(&dir.join("Cargo.toml"), &manifest(external))?;
    write_file(&src.join("main.rs"), &main_rs(external))?;
    // Start from the workspace's lock file, so the check builds the versions our tests ran
    // with (and needs no registry lookup); cargo drops the entries this crate does not use.
    let lock = root.join("Cargo.lock");
    std::fs::copy(&lock, dir.join("Cargo.lock"))
        .map_err(|e| format!("cannot copy {}: {e}", lock.display()))?;
    Ok(dir)
}

fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    // Unchanged files keep their modification time, so cargo's rebuild check stays quiet.
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn manifest(external: &External) -> String {
    format!(
        "# Written by `cargo xtask external`; see xtask/src/external.rs.\n\
         [package]\n\
         name = \"spindle-external-{name}\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         # Its own workspace: not a member of Spindle's, whose directory holds it.\n\
         [workspace]\n\
         \n\
         [dependencies]\n\
         {dependency}\n",
        name = external.name,
        dependency = external.dependency,
    )
}

fn main_rs(external: &External) -> String {
    format!(
        r#"//! Written by `cargo xtask external`: `#[pool_item]` with no arguments, reached through
//! `{pool}`, in a crate whose only Spindle dependency is `{dependency}`.

use {pool}::{{ItemPool, pool_item}};

pub struct Counter {{
    count: u64,
}}

#[pool_item]
impl Counter {{
    pub fn new(_id: u64) -> Self {{
        Counter {{ count: 0 }}
    }}

    #[messaging(AddRequest, AddResponse)]
    pub fn add(&mut self, by: u64) -> u64 {{
        self.count += by;
        self.count
    }}
}}

fn main() {{
    let pool = ItemPool::<Counter>::new(2).expect("the pool starts");
    pool.send_and_receive_once(CounterInit(1)).expect("item 1 is added");
    pool.send_and_receive_once(AddRequest(1, 2)).expect("item 1 answers");
    let answer = pool.send_and_receive_once(AddRequest(1, 3)).expect("item 1 answers");
    assert_eq!(answer, AddResponse {{ id: 1, result: 5 }});
    println!("{name}: `{pool}::pool_item` compiled; item 1 answered {{answer:?}}");
}}
"#,
        name = external.name,
        pool = external.pool,
        dependency = external.dependency,
    )
}

/// `path` as a TOML basic string.
fn toml_string(path: &Path) -> String {
    let text = path.display().to_string();
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_crate_depends_on_one_spindle_package_and_is_its_own_workspace() {
        let externals = externals(Path::new("/src/spin dle"));
        let deps: Vec<&str> = externals.iter().map(|e| e.dependency.as_str()).collect();
        assert_eq!(
            deps,
            [
                r#"spindlekit = { path = "/src/spin dle" }"#,
                r#"sk = { package = "spindlekit", path = "/src/spin dle" }"#,
                r#"spindle-pool = { path = "/src/spin dle/crates/spindle-pool" }"#,
            ]
        );
        for external in &externals {
            let manifest = manifest(external);
            assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
            assert_eq!(manifest.matches(" path = ").count(), 1, "{manifest}");
            let main = main_rs(external);
            assert!(
                main.contains("\n#[pool_item]\n"),
                "no bare #[pool_item]: {main}"
            );
            assert!(main.contains(&format!("use {}::{{ItemPool, pool_item}};", external.pool)));
        }
    }

    #[test]
    fn paths_are_escaped_for_toml() {
        assert_eq!(toml_string(Path::new(r#"a"b\c"#)), r#""a\"b\\c""#);
    }
}
