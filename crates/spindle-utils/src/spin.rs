//! Spinning for a bounded time before a blocking wait.

use std::time::{Duration, Instant};

/// Spins (with the CPU's spin hint) until `ready()` returns true or `limit` has passed; returns
/// whether it became ready. Under loom it checks once: loom explores interleavings, not time.
///
/// For the moment before a thread parks on an [`EventCount`](crate::EventCount) when the
/// other side is likely still running: a reply that comes back within the limit costs no
/// futex call on either side, where parking and being woken costs several microseconds.
///
/// ```
/// use std::time::Duration;
/// let mut calls = 0;
/// assert!(spindle_utils::spin_until(Duration::from_millis(10), || { calls += 1; calls == 3 }));
/// assert!(!spindle_utils::spin_until(Duration::from_micros(5), || false));
/// ```
pub fn spin_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    if cfg!(spindle_loom) {
        return ready();
    }
    let start = Instant::now();
    loop {
        // Read the clock once per 64 checks: `Instant::now` costs more than a check.
        for _ in 0..64 {
            if ready() {
                return true;
            }
            std::hint::spin_loop();
        }
        if start.elapsed() >= limit {
            return ready();
        }
    }
}
