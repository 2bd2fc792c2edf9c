//! Helpers for the reliability suites (`faults.rs`, `shutdown_races.rs`, `bad_input.rs`):
//! a ledger of drop-counted tokens, a timeout that fails instead of hanging, Miri scaling.

use std::fmt;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long one reliability check may take before it counts as hung.
/// Miri runs on a simulated clock, many times slower: give it room before calling a hang.
pub const LIMIT: Duration = Duration::from_secs(if cfg!(miri) { 2000 } else { 20 });

/// Scales a workload down under Miri, which runs code ~1000× slower.
pub fn scaled(n: usize) -> usize {
    if cfg!(miri) { (n / 1000).max(4) } else { n }
}

/// Runs `f` on its own thread and returns its result; fails the test (instead of hanging it)
/// if `f` has not finished within `limit`, and re-raises `f`'s panic if it panicked.
#[track_caller]
pub fn within<R: Send + 'static>(limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => {
            let _ = worker.join();
            value
        }
        Err(RecvTimeoutError::Disconnected) => match worker.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => unreachable!("the result was neither sent nor lost to a panic"),
        },
        Err(RecvTimeoutError::Timeout) => panic!("still running after {limit:?}: a hang"),
    }
}

/// Records every [`Token`] made and how many times each was dropped.
#[derive(Clone, Default)]
pub struct Tokens {
    ledger: Arc<Mutex<Vec<u32>>>,
}

/// A value that counts its drops in its [`Tokens`] ledger. Capture one in every closure, item
/// or request under test: at the end, each must have been dropped exactly once.
pub struct Token {
    id: usize,
    ledger: Arc<Mutex<Vec<u32>>>,
}

fn lock(ledger: &Mutex<Vec<u32>>) -> MutexGuard<'_, Vec<u32>> {
    // A panic injected while a token drops must not hide the counts.
    ledger.lock().unwrap_or_else(|e| e.into_inner())
}

impl Tokens {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh token.
    pub fn token(&self) -> Token {
        let mut drops = lock(&self.ledger);
        drops.push(0);
        Token {
            id: drops.len() - 1,
            ledger: Arc::clone(&self.ledger),
        }
    }

    /// Tokens made so far.
    pub fn made(&self) -> usize {
        lock(&self.ledger).len()
    }

    /// Tokens not dropped yet.
    pub fn live(&self) -> usize {
        lock(&self.ledger).iter().filter(|&&n| n == 0).count()
    }

    /// Tokens dropped at least once.
    pub fn dropped(&self) -> usize {
        lock(&self.ledger).iter().filter(|&&n| n > 0).count()
    }

    /// Every token made was dropped exactly once: nothing leaked, nothing dropped twice.
    #[track_caller]
    pub fn assert_each_dropped_once(&self) {
        let drops = lock(&self.ledger);
        let leaked: Vec<usize> = (0..drops.len()).filter(|&i| drops[i] == 0).collect();
        let twice: Vec<usize> = (0..drops.len()).filter(|&i| drops[i] > 1).collect();
        assert!(
            leaked.is_empty() && twice.is_empty(),
            "of {} tokens, {} never dropped (first ids {:?}) and {} dropped more than once ({:?})",
            drops.len(),
            leaked.len(),
            &leaked[..leaked.len().min(8)],
            twice.len(),
            &twice[..twice.len().min(8)],
        );
    }
}

impl Token {
    /// The token's number in its ledger.
    pub fn id(&self) -> usize {
        self.id
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        lock(&self.ledger)[self.id] += 1;
    }
}

/// A clone is a new token of the same ledger (so it must be dropped too).
impl Clone for Token {
    fn clone(&self) -> Self {
        Tokens {
            ledger: Arc::clone(&self.ledger),
        }
        .token()
    }
}

/// Tokens carry no data: all compare equal (request types derive `PartialEq`).
impl PartialEq for Token {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", self.id)
    }
}

/// A panic payload that panics again when dropped: the nastiest payload user code can throw.
pub struct BombPayload(pub Token);

impl Drop for BombPayload {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("the panic payload's drop panicked");
        }
    }
}

/// The message of a panic payload, if it is a string.
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("x")).unwrap_err();
/// assert_eq!(spindle_test_support::message(&*payload), Some("x"));
/// ```
pub fn message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// How many rounds a shutdown-race test runs: 10, fewer under Miri.
pub fn race_rounds() -> usize {
    scaled(10)
}

/// How long round `round` of a shutdown-race test waits before it closes what the other
/// threads are using: `step` longer each round, so the close lands at a different point of
/// their work every round; no wait under Miri, whose scheduler interleaves anyway.
pub fn race_delay(round: usize, step: Duration) -> Duration {
    if cfg!(miri) {
        Duration::ZERO
    } else {
        step * round as u32
    }
}
