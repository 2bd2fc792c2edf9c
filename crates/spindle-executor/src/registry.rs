//! The shared state of a pool and its workers' main loop.
//!
//! # Scheduling
//!
//! Each worker owns a crossbeam-deque `Worker` (LIFO for its own pushes, so nested work stays
//! cache-hot) and looks for work in this order: its own deque, then the shared injector (a
//! spindle-queue `Queue`), then the other workers' `Stealer`s starting from a different peer each
//! time, so thieves spread out. Finding nothing, it waits on the pool's [`EventCount`]: it
//! re-checks up to `spin_limit` times (spin hints, then yields), then announces itself, looks
//! once more and parks. An idle pool burns no CPU.
//!
//! # Waking
//!
//! A job injected from outside the pool is pushed with the injector's `SeqCst` CAS, then one
//! `notify_one`: a single load when no worker sleeps, and at most one worker woken otherwise.
//! A sleeping worker's last look at the injector comes after its `SeqCst` announcement, so one
//! of the two sees the other (the event count's contract): no injected job is left with every
//! worker asleep. A job a worker pushes onto its own deque also notifies, but without that
//! guarantee; none is needed, since the pushing worker is awake and runs it itself if nobody
//! steals it (rayon makes the same trade).
//!
//! # Shutdown
//!
//! `gate` counts outside submitters in flight (in steps of 2) and has a `CLOSING` bit.
//! Submitting raises the count, checks the bit, pushes, and lowers the count; shutting down
//! sets the bit, waits for the count to reach zero, and only then sets `terminated` and wakes
//! every worker. So every job admitted before the close is in the injector before any worker
//! can see `terminated`, and every job refused is handed back: none is lost. A worker reads
//! `terminated` *before* its last search, and leaves only if that search found nothing.

use std::any::Any;
use std::sync::Arc;

use crate::deque::{Steal, Stealer, Worker};
use crate::error::drop_payload;
use crossbeam_utils::CachePadded;
use spindle_queue::{EventCount, Queue};

use crate::job::JobRef;
use crate::primitive::{AtomicBool, AtomicUsize, Ordering, worker_local, yield_now};
use crate::stats::Counters;

/// Set in `Registry::gate` once shutdown has begun.
const CLOSING: usize = 1;
/// One submitter in flight, in `Registry::gate`.
const SUBMITTER: usize = 2;
/// Jobs' worth of injector segments allocated when the pool is built (none under loom, where
/// segments hold two jobs and every preallocated one would cost the models branches).
const INJECTOR_PREALLOCATED: usize = if cfg!(spindle_loom) { 0 } else { 64 };

/// Called with the payload of every panic that escapes an `execute`d job.
pub(crate) type PanicHandler = dyn Fn(Box<dyn Any + Send>) + Send + Sync;

/// What every worker and every handle to the pool share.
pub(crate) struct Registry {
    /// Jobs from outside the pool: spindle-queue's `Queue`, which recycles its segments, so
    /// injecting allocates nothing once warm (crossbeam's `Injector` allocates a block every
    /// 63 pushes).
    injector: Queue<JobRef>,
    stealers: Box<[Stealer<JobRef>]>,
    counters: Box<[CachePadded<Counters>]>,
    /// Idle workers wait here.
    sleep: EventCount,
    /// Worker `i` waits here for a job it depends on (a stolen `join` half, a spawned task),
    /// so its completion wakes exactly that worker.
    worker_sleep: Box<[EventCount]>,
    /// Outside submitters in flight and the `CLOSING` bit (see the module docs).
    gate: CachePadded<AtomicUsize>,
    /// Every admitted job is queued; workers may leave once they find no work.
    terminated: AtomicBool,
    /// Workers looking for work right now (spinning or parked), a hint for `join`: with none,
    /// nobody could steal its second half, so it runs both halves as plain calls.
    idle: CachePadded<AtomicUsize>,
    panic_handler: Option<Box<PanicHandler>>,
}

/// A worker's own state, reachable from its thread through [`WorkerThread::current`].
pub(crate) struct WorkerThread {
    deque: Worker<JobRef>,
    index: usize,
    registry: Arc<Registry>,
    /// Where the next steal starts: xorshift state, per worker, no shared atomics.
    seed: core::cell::Cell<u32>,
}

worker_local! {
    /// The worker running on this thread, if any; set for the whole life of a worker thread.
    static CURRENT: core::cell::Cell<*const WorkerThread> = core::cell::Cell::new(core::ptr::null());
}

impl Registry {
    /// The registry and the deques its workers will own, one per thread.
    pub(crate) fn new(
        threads: usize,
        spin_limit: u32,
        panic_handler: Option<Box<PanicHandler>>,
    ) -> (Arc<Registry>, Vec<Worker<JobRef>>) {
        let deques: Vec<_> = (0..threads).map(|_| Worker::new_lifo()).collect();
        let registry = Registry {
            // Preallocated: injecting allocates nothing even before the first segments recycle.
            injector: Queue::with_capacity(INJECTOR_PREALLOCATED),
            stealers: deques.iter().map(Worker::stealer).collect(),
            counters: (0..threads)
                .map(|_| CachePadded::new(Counters::default()))
                .collect(),
            sleep: EventCount::with_spin_limit(spin_limit),
            worker_sleep: (0..threads)
                .map(|_| EventCount::with_spin_limit(spin_limit))
                .collect(),
            gate: CachePadded::new(AtomicUsize::new(0)),
            terminated: AtomicBool::new(false),
            idle: CachePadded::new(AtomicUsize::new(0)),
            panic_handler,
        };
        (Arc::new(registry), deques)
    }

    pub(crate) fn num_threads(&self) -> usize {
        self.stealers.len()
    }

    /// Workers parked right now, idle or waiting for a job they depend on.
    pub(crate) fn sleeping(&self) -> usize {
        self.sleep.waiters()
            + self
                .worker_sleep
                .iter()
                .map(EventCount::waiters)
                .sum::<usize>()
    }

    pub(crate) fn counters(&self) -> &[CachePadded<Counters>] {
        &self.counters
    }

    /// Queues `job`, or hands it back (unrun, as `Err`) if the pool is shutting down.
    ///
    /// `make_job` runs only once the job is admitted, so a refused closure is never boxed.
    pub(crate) fn submit<F>(&self, f: F, make_job: impl FnOnce(F) -> JobRef) -> Result<(), F> {
        if let Some(worker) = WorkerThread::current_in(self) {
            // A worker of this pool: its own deque, no gate. The worker is alive and drains its
            // deque before it leaves, so this job runs even during shutdown.
            worker.push(make_job(f));
            return Ok(());
        }
        self.through_gate(f, |f| self.inject_unchecked(make_job(f)))
    }

    /// Puts `job` in the injector from outside the pool, or hands it back if the pool is
    /// shutting down.
    pub(crate) fn inject(&self, job: JobRef) -> Result<(), JobRef> {
        self.through_gate(job, |job| self.inject_unchecked(job))
    }

    /// Pushes onto the injector, which is never closed (the gate refuses jobs instead).
    fn inject_unchecked(&self, job: JobRef) {
        if self.injector.push(job).is_err() {
            unreachable!("the injector is never closed");
        }
    }

    /// Runs `push(value)` unless shutdown has begun (then hands `value` back), and wakes one
    /// idle worker for what was pushed (module docs).
    fn through_gate<T>(&self, value: T, push: impl FnOnce(T)) -> Result<(), T> {
        // Acquire: pairs with the Release of other submitters leaving, for the bit's sake.
        if self.gate.fetch_add(SUBMITTER, Ordering::Acquire) & CLOSING != 0 {
            self.gate.fetch_sub(SUBMITTER, Ordering::Release);
            return Err(value);
        }
        // The injector's push is a SeqCst CAS and its emptiness check a SeqCst load: the write
        // and the read of the event count's contract.
        push(value);
        self.sleep.notify_one();
        // Release: the push happens before `shutdown` sees this submitter gone.
        self.gate.fetch_sub(SUBMITTER, Ordering::Release);
        Ok(())
    }

    /// Begins shutdown: refuses new outside jobs, waits for admitted ones to be queued, then
    /// lets the workers leave once they run out of work. Idempotent.
    pub(crate) fn terminate(&self) {
        self.gate.fetch_or(CLOSING, Ordering::AcqRel);
        // Submitters in flight finish in a few instructions; they never block.
        // Acquire: pairs with their Release, so their pushes are visible from here on.
        while self.gate.load(Ordering::Acquire) & !CLOSING != 0 {
            yield_now();
        }
        // SeqCst: the write the workers' wait condition reads (the event count's contract).
        self.terminated.store(true, Ordering::SeqCst);
        self.sleep.notify_all();
    }

    /// Whether some worker is looking for work: a hint (relaxed), read by every `join`.
    #[inline]
    pub(crate) fn has_idle_workers(&self) -> bool {
        self.idle.load(Ordering::Relaxed) != 0
    }

    /// Runs `wait` counted as an idle worker. The count changes only when a worker runs out of
    /// work and when it finds some again, never per job.
    fn while_idle<T>(&self, wait: impl FnOnce() -> T) -> T {
        // Relaxed: a hint; a stale value costs at most one missed or needless push.
        self.idle.fetch_add(1, Ordering::Relaxed);
        let result = wait();
        self.idle.fetch_sub(1, Ordering::Relaxed);
        result
    }

    /// Wakes worker `index` if it waits in [`WorkerThread::wait_until`]: called after
    /// completing a job that worker depends on. One load when it does not wait.
    ///
    /// `index` is the waiter's index in *this* registry: a completion reaches the registry
    /// through [`WorkerThread::current_in_ptr`] with the waiter's registry, never through
    /// whichever pool's worker happens to run it.
    pub(crate) fn wake_worker(&self, index: usize) {
        self.worker_sleep[index].notify_one();
    }

    /// Runs a job, containing its panic: the worker survives, the handler sees the payload (or,
    /// without a handler, it is dropped, with a panic in its own `Drop` contained too).
    fn run(&self, job: JobRef, counters: &Counters) {
        // SAFETY: the job was just taken from a deque or the injector, so it runs once (J1).
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { job.execute() }));
        counters.executed.bump();
        if let Err(payload) = outcome {
            counters.panicked.bump();
            match &self.panic_handler {
                Some(handler) => {
                    // A panicking handler must not take the worker down either, nor the drop of
                    // its panic's payload.
                    let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        handler(payload);
                    }));
                    if let Err(payload) = handled {
                        drop_payload(payload);
                    }
                }
                // Nobody wants it; its `Drop` is user code too, and may panic.
                None => drop_payload(payload),
            }
        }
    }
}

impl WorkerThread {
    /// The worker running on this thread, if it belongs to `registry`.
    pub(crate) fn current_in(registry: &Registry) -> Option<&WorkerThread> {
        Self::current_in_ptr(registry)
    }

    /// The worker running on this thread, if it belongs to the registry at `registry`: compared
    /// by address only, never dereferenced, so `registry` may be dangling or null (then this is
    /// `None`). There is deliberately no "worker of any pool": whatever pushes onto a worker's
    /// deque or wakes one of its workers by index must know the worker is of its own pool.
    #[inline]
    pub(crate) fn current_in_ptr(registry: *const Registry) -> Option<&'static WorkerThread> {
        let worker = CURRENT.with(core::cell::Cell::get);
        // SAFETY: `CURRENT` is set only while the worker's `main_loop` runs on this thread, and
        // the `WorkerThread` lives on that loop's stack, so it outlives everything its thread
        // runs, and any borrow made here.
        let worker = unsafe { worker.as_ref() }?;
        core::ptr::eq(Arc::as_ptr(&worker.registry), registry).then_some(worker)
    }

    pub(crate) fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    fn counters(&self) -> &Counters {
        &self.registry.counters[self.index]
    }

    /// Pushes onto this worker's own deque and tells an idle worker there is work to steal.
    pub(crate) fn push(&self, job: JobRef) {
        self.deque.push(job);
        // Best effort (see the module docs): this worker runs the job if nobody steals it.
        self.registry.sleep.notify_one();
    }

    /// Own deque, then the injector, then peers from a varying start.
    pub(crate) fn find_work(&self) -> Option<JobRef> {
        if let Some(job) = self.deque.pop() {
            return Some(job);
        }
        if let Some(job) = self.registry.injector.pop() {
            return Some(job);
        }
        let peers = self.registry.stealers.len();
        if peers > 1 {
            let start = self.next_start(peers);
            let mut retry = true;
            while retry {
                retry = false;
                for k in 0..peers {
                    let victim = (start + k) % peers;
                    if victim == self.index {
                        continue;
                    }
                    // Half of the victim's deque at once: a thief that takes one tiny task at
                    // a time pays a cache-line round trip per task.
                    match self.registry.stealers[victim].steal_batch_and_pop(&self.deque) {
                        Steal::Success(job) => {
                            self.counters().stolen.bump();
                            return Some(job);
                        }
                        Steal::Retry => retry = true,
                        Steal::Empty => {}
                    }
                }
            }
        }
        None
    }

    fn next_start(&self, peers: usize) -> usize {
        // xorshift32: cheap and good enough to spread thieves over victims.
        let mut x = self.seed.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.seed.set(x);
        x as usize % peers
    }

    /// Runs `job` on this worker, counting it and containing its panic.
    pub(crate) fn execute(&self, job: JobRef) {
        self.registry.run(job, self.counters());
    }

    /// This worker's index in the pool.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Pops the job this worker pushed last, if no thief took it.
    pub(crate) fn pop(&self) -> Option<JobRef> {
        self.deque.pop()
    }

    /// Waits until `condition` holds, running other jobs meanwhile: what a worker does while a
    /// job it depends on runs elsewhere. Whoever makes `condition` true must then call
    /// [`Registry::wake_worker`] with this worker's index (after a `SeqCst` write).
    pub(crate) fn wait_until(&self, mut condition: impl FnMut() -> bool) {
        while !condition() {
            if let Some(job) = self.find_work() {
                self.execute(job);
                continue;
            }
            let sleep = &self.registry.worker_sleep[self.index];
            let (job, parks) = self.registry.while_idle(|| {
                sleep.wait_until_counting_parks(|| {
                    if condition() {
                        return Some(None);
                    }
                    self.find_work().map(Some)
                })
            });
            self.counters().parked.add(u64::from(parks));
            if let Some(job) = job {
                self.execute(job);
            }
        }
    }

    /// The worker thread's body: runs jobs until shutdown has queued everything and no work is
    /// left.
    pub(crate) fn main_loop(deque: Worker<JobRef>, index: usize, registry: Arc<Registry>) {
        let worker = WorkerThread {
            deque,
            index,
            registry,
            seed: core::cell::Cell::new((index as u32).wrapping_mul(0x9E37_79B9) | 1),
        };
        CURRENT.with(|c| c.set(&worker));
        loop {
            if let Some(job) = worker.find_work() {
                worker.execute(job);
                continue;
            }
            let registry = &worker.registry;
            let (next, parks) = registry.while_idle(|| {
                registry.sleep.wait_until_counting_parks(|| {
                    // Read `terminated` before searching: if it was set, every admitted job
                    // was queued before this search began (module docs).
                    let terminated = registry.terminated.load(Ordering::SeqCst);
                    match worker.find_work() {
                        Some(job) => Some(Some(job)),
                        None if terminated => Some(None),
                        None => None,
                    }
                })
            });
            worker.counters().parked.add(u64::from(parks));
            match next {
                Some(job) => worker.execute(job),
                None => break,
            }
        }
        CURRENT.with(|c| c.set(core::ptr::null()));
    }
}
