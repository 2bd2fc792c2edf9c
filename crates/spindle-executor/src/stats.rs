//! Per-worker counters and the snapshot [`ThreadPool::stats`](crate::ThreadPool::stats) returns.

use crate::primitive::{AtomicU64, Ordering};

/// A counter only its own worker writes: a relaxed load and store, no read-modify-write.
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    #[inline]
    pub(crate) fn bump(&self) {
        self.add(1);
    }

    #[inline]
    pub(crate) fn add(&self, n: u64) {
        if n != 0 {
            // Relaxed: one writer; readers want a recent value, not an ordering.
            self.0.store(
                self.0.load(Ordering::Relaxed).wrapping_add(n),
                Ordering::Relaxed,
            );
        }
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// One worker's counters; the registry pads each worker's set to its own cache lines.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) executed: Counter,
    pub(crate) stolen: Counter,
    pub(crate) parked: Counter,
    pub(crate) panicked: Counter,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> WorkerStats {
        WorkerStats {
            executed: self.executed.get(),
            stolen: self.stolen.get(),
            parked: self.parked.get(),
            panicked: self.panicked.get(),
        }
    }
}

/// What one worker has done so far.
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(2)?;
/// pool.spawn(|| ()).unwrap().join().unwrap();
/// pool.shutdown(); // counters are final once the workers have stopped
/// let executed: u64 = pool.stats().workers.iter().map(|w| w.executed).sum();
/// assert_eq!(executed, 1);
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerStats {
    /// Jobs this worker ran.
    pub executed: u64,
    /// Jobs it took from another worker's deque.
    pub stolen: u64,
    /// Times it parked (slept in the OS) for lack of work and woke again.
    pub parked: u64,
    /// Jobs it ran that panicked (the worker carried on).
    pub panicked: u64,
}

/// A snapshot of every worker's counters; each value is recent, not synchronised with the
/// others.
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(3)?;
/// assert_eq!(pool.stats().workers.len(), 3);
/// assert_eq!(pool.stats().total().executed, 0);
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// One entry per worker, by index.
    pub workers: Vec<WorkerStats>,
    /// Workers parked (asleep in the OS) right now, for lack of work.
    pub sleeping: usize,
}

impl PoolStats {
    /// The counters summed over all workers.
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// assert_eq!(pool.stats().total().panicked, 0);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn total(&self) -> WorkerStats {
        self.workers
            .iter()
            .fold(WorkerStats::default(), |a, w| WorkerStats {
                executed: a.executed + w.executed,
                stolen: a.stolen + w.stolen,
                parked: a.parked + w.parked,
                panicked: a.panicked + w.panicked,
            })
    }
}
