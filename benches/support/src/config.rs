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
