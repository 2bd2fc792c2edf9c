//! `#[pool_item]` misuse: each case's compiler output is checked against its `.stderr` snapshot
//! in `tests/ui/` (regenerate with `TRYBUILD=overwrite`, then review the diff like code).

#[test]
#[cfg_attr(miri, ignore = "runs rustc on each case; Miri cannot run a compiler")]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
