//! Short batches on an oversubscribed machine run on their callers alone (the batch's module
//! docs, "On an oversubscribed machine"): the stall record the batches keep, and the timed
//! start that decides.

use std::time::{Duration, Instant};

use super::{FIRST_PIECE, MAX_PIECE};
use crate::registry::Registry;

/// On an oversubscribed machine, a batch whose rest would take less than this runs on the
/// caller alone (module docs).
const SOLO_BELOW: Duration = Duration::from_millis(2);
/// How long the caller times its first indices for the estimate.
const ESTIMATE_FOR: Duration = Duration::from_micros(5);

/// On an oversubscribed machine, runs the start of the batch on the caller, timed, and the rest
/// too when it is short (module docs). Returns where the shared part starts (`len`: done).
/// Otherwise (the usual case) it costs one relaxed load and returns 0.
#[inline]
pub(super) fn solo_when_busy<F: Fn(core::ops::Range<usize>)>(
    registry: &Registry,
    len: usize,
    f: &F,
) -> usize {
    if !registry.solo_when_busy || !stalled_recently() {
        return 0;
    }
    let start = Instant::now();
    let mut done = 0;
    let mut piece = FIRST_PIECE;
    while done < len {
        let end = done + piece.min(len - done);
        f(done..end);
        done = end;
        let spent = start.elapsed();
        if spent >= ESTIMATE_FOR {
            let rest = spent.mul_f64((len - done) as f64 / done as f64);
            if rest < SOLO_BELOW {
                f(done..len);
                return len;
            }
            return done;
        }
        piece = (piece * 2).min(MAX_PIECE);
    }
    done
}

/// A wait at a batch's end longer than this means a participant lost its core while it held
/// part of the batch: a time slice went by.
pub(super) const STALL: Duration = Duration::from_millis(1);
/// How long one stall keeps short batches on their callers, at first: each further stall
/// doubles it, up to [`MAX_STALL_MEMORY`], and each shared batch that ends without one halves
/// it again, down to this.
///
/// A fixed memory made a machine that stays busy pay one stall (a time slice, milliseconds)
/// every time the memory ran out, for the batch that tried sharing again: a few percent of
/// every busy second, for batches that should not fall behind a plain loop at all.
const STALL_MEMORY: Duration = Duration::from_millis(20);
/// The longest memory: how long batches can stay on their callers after the machine has
/// become idle, before a shared batch tries again.
const MAX_STALL_MEMORY: Duration = Duration::from_millis(320);

/// When a batch last stalled, in µs since [`stall_epoch`] (0: never). Plain std atomics, also
/// under loom: hints, read and written relaxed (a lost update only shifts the memory once),
/// and off under loom.
static LAST_STALL_US: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// The stall memory now, in µs (doc of [`STALL_MEMORY`]).
static MEMORY_US: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(STALL_MEMORY.as_micros() as u64);

fn stall_epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros_now() -> u64 {
    // +1 keeps 0 free for "never".
    u64::try_from(stall_epoch().elapsed().as_micros()).unwrap_or(u64::MAX) + 1
}

/// Whether some batch of this process stalled within the stall memory: the sign, measured
/// by the batches themselves, that the machine has no core to spare for helpers. Idle-worker
/// yields say nothing here (a pool's own idle worker yielding to its busy ones is no stall).
#[inline]
fn stalled_recently() -> bool {
    if cfg!(spindle_loom) {
        return false;
    }
    use std::sync::atomic::Ordering::Relaxed;
    // Relaxed: a hint (see `LAST_STALL_US`).
    let last = LAST_STALL_US.load(Relaxed);
    last != 0 && micros_now().saturating_sub(last) < MEMORY_US.load(Relaxed)
}

/// Records the end of a shared batch whose end wait (for helpers still running) began at
/// `waited`, if it had one: a stall lengthens the memory, a clean end shortens it.
pub(super) fn note_shared_end(waited: Option<Instant>) {
    if cfg!(spindle_loom) {
        return;
    }
    use std::sync::atomic::Ordering::Relaxed;
    let base = STALL_MEMORY.as_micros() as u64;
    let memory = MEMORY_US.load(Relaxed);
    if waited.is_some_and(|since| since.elapsed() >= STALL) {
        if LAST_STALL_US.load(Relaxed) != 0 {
            MEMORY_US.store(
                (memory * 2).min(MAX_STALL_MEMORY.as_micros() as u64),
                Relaxed,
            );
        }
        LAST_STALL_US.store(micros_now(), Relaxed);
    } else if memory > base {
        MEMORY_US.store((memory / 2).max(base), Relaxed);
    }
}
