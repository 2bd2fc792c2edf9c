//! The criterion settings the bench files share: short times, so `cargo xtask bench` runs in
//! minutes; on a noisy 2-core machine the interleaved rounds ([`crate::rounds`]) are what to
//! read for ratios, not criterion's single-stretch samples.

use std::time::Duration;

use criterion::Criterion;

/// Criterion with `warm_up` and `measurement` time and `samples` samples per benchmark.
/// `plots: false` leaves the plots out (rendering them took several seconds per benchmark
/// here, more than the measuring); the estimates are saved under `target/criterion` either
/// way, for `cargo xtask bench`.
///
/// ```
/// use std::time::Duration;
/// let c = spindle_bench_support::config::short(Duration::from_millis(500), Duration::from_secs(2), 10, true);
/// # drop(c);
/// ```
pub fn short(warm_up: Duration, measurement: Duration, samples: usize, plots: bool) -> Criterion {
    let c = Criterion::default()
        .warm_up_time(warm_up)
        .measurement_time(measurement)
        .sample_size(samples);
    if plots { c } else { c.without_plots() }
}

/// Whether the comma-separated list in the environment variable `var` names `part`; unset or
/// empty: every part. How a bench file lets a run pick some of its workloads
/// (`SPINDLE_POOL_ONLY=two_level cargo bench --bench pool`).
///
/// ```
/// // SAFETY: a doc test's own process; no other thread reads the environment here.
/// unsafe { std::env::set_var("SPINDLE_DOC_ONLY", "sort, words") };
/// assert!(spindle_bench_support::config::wanted("SPINDLE_DOC_ONLY", "words"));
/// assert!(!spindle_bench_support::config::wanted("SPINDLE_DOC_ONLY", "large"));
/// assert!(spindle_bench_support::config::wanted("SPINDLE_DOC_UNSET", "large"));
/// ```
pub fn wanted(var: &str, part: &str) -> bool {
    let only = std::env::var(var).unwrap_or_default();
    only.trim().is_empty() || only.split(',').any(|w| w.trim() == part)
}
