//! [`ThreadPool`]: submitting work, joining, scopes, batches, shutdown. Its builder is in
//! `builder.rs`.

use std::sync::{Arc, Mutex};

use crate::batch::{self, SharedSlice};
use crate::error::LengthMismatch;
use crate::job::HeapJob;
use crate::join;
use crate::primitive::ThreadHandle;
use crate::registry::{Registry, WorkerThread};
use crate::scope::{self, Scope};
use crate::spawn::{self, JoinHandle};
use crate::stats::PoolStats;
use spindle_utils::Closed;

/// A work-stealing pool of worker threads.
///
/// Jobs go to a shared injector (from outside the pool) or to the submitting worker's own
/// deque (from inside); idle workers steal, spin briefly, then park. See the crate docs for the
/// design.
///
/// Dropping the pool (or [`shutdown`](ThreadPool::shutdown)) runs every job already queued,
/// then joins the workers.
///
/// # Examples
///
/// ```
/// use std::sync::mpsc;
///
/// let pool = spindle_executor::ThreadPool::new(4)?;
/// let (tx, rx) = mpsc::channel();
/// for i in 0..8 {
///     let tx = tx.clone();
///     pool.execute(move || tx.send(i * i).unwrap()).unwrap();
/// }
/// drop(tx);
/// drop(pool); // runs all eight jobs first
/// assert_eq!(rx.iter().sum::<i32>(), 140);
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
pub struct ThreadPool {
    // `pub(crate)` for `builder.rs`, which assembles the pool (pool.rs does not import it).
    pub(crate) registry: Arc<Registry>,
    pub(crate) threads: Mutex<Vec<ThreadHandle>>,
}

impl core::fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ThreadPool")
            .field("num_threads", &self.num_threads())
            .finish_non_exhaustive()
    }
}

impl ThreadPool {
    /// The number of worker threads.
    ///
    /// ```
    /// assert_eq!(spindle_executor::ThreadPool::new(2)?.num_threads(), 2);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn num_threads(&self) -> usize {
        self.registry.num_threads()
    }

    /// Runs `f` on a worker. Fire and forget: a panic in `f` goes to the panic handler (the
    /// worker survives).
    ///
    /// # Errors
    ///
    /// [`Closed`] handing `f` back, unrun, once the pool is shutting down.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// pool.execute(|| println!("on a worker")).unwrap();
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn execute<F>(&self, f: F) -> Result<(), Closed<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        self.registry
            .submit(f, HeapJob::into_job_ref)
            .map_err(Closed)
    }

    /// Runs `f` on a worker and returns a handle to its result.
    ///
    /// # Errors
    ///
    /// [`Closed`] handing `f` back, unrun, once the pool is shutting down.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// let handles: Vec<_> = (0..4).map(|i| pool.spawn(move || i * 10).unwrap()).collect();
    /// let results: Vec<i32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    /// assert_eq!(results, [0, 10, 20, 30]);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn spawn<F, R>(&self, f: F) -> Result<JoinHandle<R>, Closed<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let mut handle = None;
        let registry = &self.registry;
        registry
            .submit(f, |f| {
                let (job, h) = spawn::into_job(registry, f);
                handle = Some(h);
                job
            })
            .map_err(Closed)?;
        match handle {
            Some(handle) => Ok(handle),
            None => unreachable!("an admitted task made no handle"),
        }
    }

    /// Runs `a` and `b`, potentially in parallel, and returns both results (rayon's `join`).
    ///
    /// On a worker of this pool, `b` is offered for stealing while this worker runs `a`; if
    /// nobody took it, it runs right after, as a plain call. Called from outside, the whole
    /// join moves into the pool and this thread blocks. Both closures may borrow from the
    /// caller's stack. After [`shutdown`](ThreadPool::shutdown), both run on the calling thread.
    ///
    /// # Panics
    ///
    /// If `a` or `b` panics, the panic is resumed here once both have finished (`a`'s first).
    ///
    /// # Examples
    ///
    /// ```
    /// fn fib(pool: &spindle_executor::ThreadPool, n: u64) -> u64 {
    ///     if n < 2 { return n; }
    ///     let (a, b) = pool.join(|| fib(pool, n - 1), || fib(pool, n - 2));
    ///     a + b
    /// }
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// assert_eq!(fib(&pool, 20), 6765);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        match WorkerThread::current_in(&self.registry) {
            Some(worker) => join::join_on_worker(worker, a, b),
            // `install` runs the closure on a worker, or here once the pool is shut down.
            None => self.install(|| match WorkerThread::current_in(&self.registry) {
                Some(worker) => join::join_on_worker(worker, a, b),
                None => join::join_here(a, b),
            }),
        }
    }

    /// Runs `f` on a worker of this pool and returns its result, blocking the calling thread
    /// meanwhile; on a worker of this pool already, just calls `f`. Inside,
    /// [`join`](ThreadPool::join) and nested calls use the pool's workers. After
    /// [`shutdown`](ThreadPool::shutdown), `f` runs on the calling thread.
    ///
    /// # Panics
    ///
    /// A panic in `f` is resumed on the calling thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::builder().thread_name(|i| format!("p{i}")).build()?;
    /// let name = pool.install(|| std::thread::current().name().map(str::to_owned));
    /// assert!(name.unwrap().starts_with('p'));
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn install<F, R>(&self, f: F) -> R
    where
        F: FnOnce() -> R + Send,
        R: Send,
    {
        if WorkerThread::current_in(&self.registry).is_some() {
            return f();
        }
        join::install_cross(&self.registry, f)
    }

    /// Runs `body` with a [`Scope`] whose tasks may borrow from the caller's stack, and
    /// returns once `body` and every task spawned in the scope (at any depth) have finished.
    /// Spawning stores small closures in slots inside the scope, so it allocates nothing; large
    /// closures are boxed. The body runs on a worker (moved there if called from outside), and
    /// the tasks on this pool's workers, even when spawned from another thread (see
    /// [`Scope::spawn`]); after [`shutdown`](ThreadPool::shutdown), body and tasks run on the
    /// calling thread.
    ///
    /// # Panics
    ///
    /// A panic in `body` or in any task is resumed here once all of them have finished
    /// (`body`'s first, else the first task's).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// let mut squares = vec![0u64; 8];
    /// pool.scope(|s| {
    ///     for (i, slot) in squares.iter_mut().enumerate() {
    ///         s.spawn(move |_| *slot = (i * i) as u64);
    ///     }
    /// });
    /// assert_eq!(squares[7], 49);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn scope<'scope, F, R>(&self, body: F) -> R
    where
        F: FnOnce(&Scope<'scope>) -> R + Send,
        R: Send,
    {
        self.install(|| match WorkerThread::current_in(&self.registry) {
            Some(worker) => scope::scope_on_worker(worker, body),
            None => scope::scope_here(body),
        })
    }

    /// Calls `f(i)` for every `i` in `0..len`, spread over the pool's workers, and returns when
    /// all calls have returned. The calling thread works on the batch too (from outside the
    /// pool it takes one worker's place, so no hand-over and no wake-up of the caller is
    /// needed). Indices are handed out in chunks from a shared cursor, largest first, and a
    /// participant runs its chunk in pieces while the rest stays open to the others: once the
    /// cursor is exhausted, an idle participant takes half of the largest range another one
    /// still holds (if it is at least 64 indices). So uneven work still balances, and a
    /// participant that loses its core (or blocks) inside `f` holds back only the rest of
    /// the piece it is in and fewer than 64 indices more. On an oversubscribed machine a batch shorter than about
    /// 2 ms runs on the caller alone (see
    /// [`solo_when_busy`](crate::ThreadPoolBuilder::solo_when_busy)). Allocates nothing once
    /// the pool and the calling thread are warm.
    ///
    /// # Panics
    ///
    /// If a call panics, the first panic is resumed here once every participant has stopped.
    /// The batch stops when the panic has unwound out of the call (the panic hook, which
    /// prints the message, runs before that, and the other participants go on meanwhile):
    /// from then on no participant claims another chunk of indices or starts another piece
    /// of the range it holds (a participant's calls are over pieces that start at 16 indices
    /// and double, up to 1024). So what still runs is the calls already under way and, in each other
    /// participant, the rest of its current piece (fewer than 1024 indices); every later index
    /// is skipped, and no index runs twice.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// let sum = AtomicU64::new(0);
    /// pool.for_each_index(1000, |i| { sum.fetch_add(i as u64, Ordering::Relaxed); });
    /// assert_eq!(sum.into_inner(), 499_500);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn for_each_index<F>(&self, len: usize, f: F)
    where
        F: Fn(usize) + Sync,
    {
        self.for_each_chunk(len, |range| range.for_each(&f));
    }

    /// The batch engine: `f` on disjoint chunks covering `0..len`.
    fn for_each_chunk<F>(&self, len: usize, f: F)
    where
        F: Fn(core::ops::Range<usize>) + Sync,
    {
        if len == 0 {
            return;
        }
        let f = &f;
        if let Some(worker) = WorkerThread::current_in(&self.registry) {
            return batch::for_each_chunk_on_worker(worker, len, f);
        }
        if batch::for_each_chunk_from_outside(&self.registry, len, f) {
            return;
        }
        self.install(|| match WorkerThread::current_in(&self.registry) {
            Some(worker) => batch::for_each_chunk_on_worker(worker, len, f),
            // Shut down: the batch runs here.
            None => f(0..len),
        });
    }

    /// Calls `f(i, &mut items[i])` for every element, spread over the pool as in
    /// [`for_each_index`](ThreadPool::for_each_index): results go straight into the caller's
    /// slice, with no `'static` bound and no allocation.
    ///
    /// # Panics
    ///
    /// As [`for_each_index`](ThreadPool::for_each_index).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// let mut out = vec![0u64; 100];
    /// pool.for_each_mut(&mut out, |i, slot| *slot = (i * i) as u64 + 1);
    /// assert_eq!(out[9], 82);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn for_each_mut<T, F>(&self, items: &mut [T], f: F)
    where
        T: Send,
        F: Fn(usize, &mut T) + Sync,
    {
        let shared = SharedSlice::new(items);
        self.for_each_chunk(shared.len(), |range| {
            let start = range.start;
            // SAFETY: the batch hands each chunk of `0..len` to one call only (T1).
            let chunk = unsafe { shared.chunk(range) };
            for (k, item) in chunk.iter_mut().enumerate() {
                f(start + k, item);
            }
        });
    }

    /// Writes `f(&input[i])` into `output[i]` for every `i`, spread over the pool as in
    /// [`for_each_index`](ThreadPool::for_each_index).
    ///
    /// # Errors
    ///
    /// [`LengthMismatch`] if the slices differ in length; nothing is written then.
    ///
    /// # Panics
    ///
    /// As [`for_each_index`](ThreadPool::for_each_index).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// let input: Vec<u32> = (0..1000).collect();
    /// let mut output = vec![0u32; 1000];
    /// pool.map_into(&input, &mut output, |x| x * x + 1).unwrap();
    /// assert_eq!(output[10], 101);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn map_into<I, O, F>(
        &self,
        input: &[I],
        output: &mut [O],
        f: F,
    ) -> Result<(), LengthMismatch>
    where
        I: Sync,
        O: Send,
        F: Fn(&I) -> O + Sync,
    {
        if input.len() != output.len() {
            return Err(LengthMismatch {
                input: input.len(),
                output: output.len(),
            });
        }
        let shared = SharedSlice::new(output);
        self.for_each_chunk(shared.len(), |range| {
            let inputs = &input[range.clone()];
            // SAFETY: the batch hands each chunk of `0..len` to one call only (T1).
            let outputs = unsafe { shared.chunk(range) };
            for (out, x) in outputs.iter_mut().zip(inputs) {
                *out = f(x);
            }
        });
        Ok(())
    }

    /// Counters of every worker: jobs run, stolen, parks, panics. A worker counts a job just
    /// after running it, so a snapshot taken while jobs finish may lag by a few.
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(1)?;
    /// pool.spawn(|| ()).unwrap().join().unwrap();
    /// pool.shutdown(); // counters are final once the workers have stopped
    /// assert_eq!(pool.stats().total().executed, 1);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            workers: self
                .registry
                .counters()
                .iter()
                .map(|c| c.snapshot())
                .collect(),
            sleeping: self.registry.sleeping(),
        }
    }

    /// Stops accepting jobs from outside the pool, runs every job already queued, and joins
    /// the workers. Later `execute`/`spawn` calls hand their closure back. Every call from
    /// outside the pool returns only once every admitted job has run and the workers have
    /// exited, also when several threads call it at once (one joins the workers, the others wait
    /// for it); calling it again afterwards returns at once. Called from one of the pool's own
    /// workers, it starts the shutdown without waiting (a worker cannot join itself).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// pool.shutdown();
    /// assert!(pool.execute(|| ()).is_err());
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn shutdown(&self) {
        self.registry.terminate();
        if WorkerThread::current_in(&self.registry).is_some() {
            return;
        }
        // The lock is held while joining, so a concurrent caller returns only after the
        // workers have exited, not as soon as the handles are taken. No worker waits for
        // this lock (workers return above), so holding it cannot deadlock the pool.
        let mut handles = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        for handle in handles.drain(..) {
            // Workers contain job panics, so a worker thread itself never panics.
            let _ = handle.join();
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}
