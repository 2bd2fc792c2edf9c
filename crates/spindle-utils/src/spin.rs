//! The spin policy every Spindle wait follows: how long to re-check a condition before giving
//! the core away, and when not to spin at all.
//!
//! Spinning pays when the thread we wait for is running on another core: its answer arrives
//! within the spin and nobody pays for a futex call. On a machine with more runnable threads
//! than cores it is the other way round: the thread we wait for may have lost its core, a spin
//! only delays the moment it gets one back, and `yield_now` hands our core to *some* runnable
//! thread (on a busy machine, rarely the one we wait for) for a whole time slice.
//!
//! Detecting that costs nothing extra: a wait that yields measures how long the yield took.
//! With nothing else runnable a `sched_yield` returns in about a microsecond; when it takes
//! longer than [`PREEMPTED`], another thread ran on this core meanwhile, so the machine is
//! oversubscribed. That moment is kept in one process-wide atomic, and for a while afterwards
//! (the hint's lifetime) every Spindle wait skips its yield phase and parks (and
//! [`spin_until`] stops early), so that the threads that hold the work get the cores. The hint
//! is never wrong for long: it expires, and the next yield that returns fast leaves it
//! expired.
//!
//! The lifetime adapts. It starts at [`HINT_LIFETIME`]; a loss seen soon after the hint
//! expired (within twice its lifetime of the last one: the machine stayed busy) doubles it, up
//! to [`MAX_HINT_LIFETIME`], and a yield that returns fast halves it again. With a fixed
//! lifetime, a machine that stays busy made every wait that came after an expiry yield once
//! more and lose its core for a time slice, every 20 ms: milliseconds of every busy second
//! spent behind threads that do not hold the work.
//!
//! Under loom the policy is off: loom explores interleavings, not time.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A yield that takes longer than this gave the core to another thread.
pub const PREEMPTED: Duration = Duration::from_micros(50);

/// How long one sign of oversubscription keeps waits from spinning, at first (module docs:
/// the lifetime adapts between this and [`MAX_HINT_LIFETIME`]).
pub const HINT_LIFETIME: Duration = Duration::from_millis(20);

/// The longest the hint lives: how long waits can keep parking without spinning after the
/// machine has become idle again, before a yield measures afresh.
pub const MAX_HINT_LIFETIME: Duration = Duration::from_millis(320);

/// When a wait last saw its core taken, in microseconds since [`epoch`] (0: never).
static LAST_PREEMPTED_US: AtomicU64 = AtomicU64::new(0);
/// The hint's lifetime now, in microseconds (module docs).
static LIFETIME_US: AtomicU64 = AtomicU64::new(HINT_LIFETIME.as_micros() as u64);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros_since_epoch(at: Instant) -> u64 {
    // +1 keeps 0 free for "never".
    u64::try_from(at.saturating_duration_since(epoch()).as_micros()).unwrap_or(u64::MAX) + 1
}

/// Whether a Spindle wait saw the machine oversubscribed (more runnable threads than cores)
/// within the hint's lifetime ([`HINT_LIFETIME`] to [`MAX_HINT_LIFETIME`]): waits should park
/// rather than spin or yield.
///
/// One relaxed load and, only when a sign was recorded, one clock read.
///
/// ```
/// // A fresh process with nothing else running: no sign yet (or an expired one).
/// let _ = spindle_utils::oversubscribed();
/// ```
#[inline]
pub fn oversubscribed() -> bool {
    if cfg!(spindle_loom) {
        return false;
    }
    // Relaxed: a hint; a stale value costs one spin phase more or less.
    let last = LAST_PREEMPTED_US.load(Ordering::Relaxed);
    last != 0 && micros_since_epoch(Instant::now()).saturating_sub(last) < hint_micros()
}

fn hint_micros() -> u64 {
    // Relaxed: a hint, as `LAST_PREEMPTED_US`.
    LIFETIME_US.load(Ordering::Relaxed)
}

/// Records that this thread just lost its core for `lost` (measured around a yield or a spin
/// that should have been short); a loss longer than [`PREEMPTED`] marks the machine as
/// oversubscribed for the hint's lifetime, and doubles that lifetime if the last mark was
/// recent (module docs).
///
/// ```
/// use std::time::Duration;
/// spindle_utils::note_core_lost(Duration::from_millis(3));
/// assert!(spindle_utils::oversubscribed());
/// ```
#[inline]
pub fn note_core_lost(lost: Duration) {
    if lost >= PREEMPTED && !cfg!(spindle_loom) {
        // Relaxed: as in `oversubscribed`; a lost update shifts the lifetime once, no more.
        let now = micros_since_epoch(Instant::now());
        let last = LAST_PREEMPTED_US.load(Ordering::Relaxed);
        let lifetime = hint_micros();
        if last != 0 && now.saturating_sub(last) < 2 * lifetime {
            let longest = MAX_HINT_LIFETIME.as_micros() as u64;
            LIFETIME_US.store((lifetime * 2).min(longest), Ordering::Relaxed);
        }
        LAST_PREEMPTED_US.store(now, Ordering::Relaxed);
    }
}

/// A yield that returned fast: nothing else was runnable on this core, so the hint's lifetime
/// halves, down to [`HINT_LIFETIME`].
fn note_core_kept() {
    let lifetime = hint_micros();
    let shortest = HINT_LIFETIME.as_micros() as u64;
    if lifetime > shortest {
        LIFETIME_US.store((lifetime / 2).max(shortest), Ordering::Relaxed);
    }
}

/// Gives the core away once (`yield_now`), measuring whether another thread took it: the yield
/// phase of every Spindle wait goes through here. Returns `false` when the machine is
/// oversubscribed (now or recently), and the caller should park instead of yielding again.
///
/// ```
/// // On an idle machine a yield returns at once, and yielding again is fine.
/// let _ = spindle_utils::yield_or_stop();
/// ```
pub fn yield_or_stop() -> bool {
    if cfg!(spindle_loom) {
        crate::sync::yield_now();
        return true;
    }
    if oversubscribed() {
        return false;
    }
    let start = Instant::now();
    crate::sync::yield_now();
    let took = start.elapsed();
    if took < PREEMPTED {
        note_core_kept();
    }
    note_core_lost(took);
    !oversubscribed()
}

/// Spins (with the CPU's spin hint) until `ready()` returns true or `limit` has passed; returns
/// whether it became ready. Under loom it checks once: loom explores interleavings, not time.
///
/// For the moment before a thread parks on an [`EventCount`](crate::EventCount) when the
/// other side is likely still running: a reply that comes back within the limit costs no
/// futex call on either side, where parking and being woken costs several microseconds. When
/// the machine is oversubscribed ([`oversubscribed`], or this spin itself was preempted) it
/// stops early: the other side may be the thread that lost its core, and parking gives it ours.
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
    let mut last = start;
    loop {
        // Read the clock once per 64 checks: `Instant::now` costs more than a check.
        for _ in 0..64 {
            if ready() {
                return true;
            }
            std::hint::spin_loop();
        }
        let now = Instant::now();
        // 64 checks take well under a microsecond; much longer means we lost the core.
        note_core_lost(now - last);
        last = now;
        if now - start >= limit || oversubscribed() {
            return ready();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_loss_marks_the_machine_and_the_mark_expires() {
        note_core_lost(PREEMPTED / 2);
        // A short loss alone marks nothing (another test may have marked it: only check the
        // long one's effect and its expiry).
        note_core_lost(PREEMPTED * 2);
        assert!(oversubscribed());
        assert!(
            !yield_or_stop(),
            "an oversubscribed machine is not yielded to"
        );
        // The other test's marks may have doubled the lifetime: it expires within the longest.
        let marked = Instant::now();
        while oversubscribed() {
            assert!(
                marked.elapsed() < MAX_HINT_LIFETIME + Duration::from_millis(100),
                "the hint expires"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_loss_soon_after_the_last_doubles_the_lifetime_and_fast_yields_halve_it() {
        // Another test in this binary may move the lifetime meanwhile: check the bounds only.
        note_core_lost(PREEMPTED * 2);
        note_core_lost(PREEMPTED * 2);
        let longer = hint_micros();
        assert!(longer > HINT_LIFETIME.as_micros() as u64);
        assert!(longer <= MAX_HINT_LIFETIME.as_micros() as u64);
        for _ in 0..16 {
            note_core_kept();
        }
        assert_eq!(hint_micros(), HINT_LIFETIME.as_micros() as u64);
    }

    #[test]
    fn spin_until_stops_early_when_oversubscribed() {
        note_core_lost(PREEMPTED * 2);
        let start = Instant::now();
        assert!(!spin_until(Duration::from_secs(5), || false));
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}
