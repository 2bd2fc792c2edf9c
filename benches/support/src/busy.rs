//! A busy machine on demand: threads that burn CPU at normal priority while a table is
//! measured, so each workload is also seen as it runs in a real program that shares its cores.
//!
//! `cargo xtask bench --busy N` sets [`BUSY_ENV`] to `N`; [`crate::rounds::interleaved`] then
//! measures every table twice in the same run, idle and with `N` burners, and records both.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

/// The environment variable that asks for busy tables: how many threads burn CPU.
pub const BUSY_ENV: &str = "SPINDLE_BENCH_BUSY";

/// How many burners [`BUSY_ENV`] asks for (0 when unset or not a number).
///
/// ```
/// // Unset in doctests.
/// assert_eq!(spindle_bench_support::busy::requested(), 0);
/// ```
pub fn requested() -> usize {
    std::env::var(BUSY_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Threads spinning at normal priority until dropped.
///
/// ```
/// let busy = spindle_bench_support::busy::Burners::start(2);
/// assert_eq!(busy.count(), 2);
/// drop(busy); // stops and joins them
/// ```
#[derive(Debug)]
pub struct Burners {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Burners {
    /// Starts `n` burners.
    pub fn start(n: usize) -> Burners {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..n)
            .map(|i| {
                let stop = Arc::clone(&stop);
                thread::Builder::new()
                    .name(format!("burner-{i}"))
                    .spawn(move || {
                        let mut x = 0u64;
                        // Relaxed: the flag carries no data; a late look costs a few spins.
                        while !stop.load(Ordering::Relaxed) {
                            for _ in 0..1000 {
                                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                            }
                        }
                    })
                    .expect("spawn a burner thread")
            })
            .collect();
        Burners { stop, threads }
    }

    /// How many threads burn.
    pub fn count(&self) -> usize {
        self.threads.len()
    }
}

impl Drop for Burners {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
