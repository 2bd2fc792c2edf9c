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
//! # Waiting on another pool
//!
//! A worker that waits for a job of *another* pool (an `install`, `join`, `scope` or batch
//! called on that pool's handle, or a [`JoinHandle::join`](crate::JoinHandle::join) of its
//! task) must keep running its own pool's jobs meanwhile: the job it waits for may itself
//! wait on this pool (A → B → A), and if every worker of A parked, that cycle would never
//! complete. So it waits through [`CrossWaiter::wait_until`], which is
//! [`WorkerThread::wait_until`] (helping: own deque, injector, peers; then park on
//! `worker_sleep[index]`) bracketed by a count in `cross_waiters`. The other pool's job wakes
//! it through its latch, which holds a clone of that same `worker_sleep[index]` event count
//! (invariant R2 below), never through an index into the other pool.
//!
//! A parked cross-waiter sleeps on its own event count, which an injection (notifying `sleep`)
//! would not reach; yet the job that completes the cycle (B's job calling back into A) arrives
//! exactly that way, through the injector. So an injection, after its push, loads
//! `cross_waiters` and, if it is not zero, notifies every worker's `worker_sleep` (a rare path;
//! a worker woken for nothing re-checks and parks again). No wake-up is lost (R1): the waiter
//! raises the count (`SeqCst`) before it starts waiting, so before it announces itself and
//! makes its last look at the injector; the injector pushes (`SeqCst` CAS) before it loads the
//! count (`SeqCst`). In the single total order either the load comes after the raise, and the
//! injector notifies the waiter's event count (whose own contract then takes over: the waiter
//! either is seen announced or its re-check after announcing sees the push), or the load comes
//! before the raise, so the push comes before the waiter's last look, which finds the job.
//! Without cross waits this costs an injection one load of a line nobody writes.
//!
//! Jobs a worker pushes onto its own deque do not wake cross-waiters, as they do not wake
//! workers waiting within the pool: the pushing worker is awake and runs them itself.
//!
//! # Shutdown
//!
//! `gate` counts outside submitters in flight (in steps of 2) and has a `CLOSING` bit.
//! Submitting raises the count, checks the bit, pushes, and lowers the count; shutting down
//! sets the bit, waits for the count to reach zero, and only then sets `terminated` and wakes
//! every worker. So every job admitted before the close is in the injector before any worker
//! can see `terminated`, and every job refused is handed back: none is lost. A worker reads
//! `terminated` *before* its last search, and leaves only if that search found nothing.
//!
//! # Invariants
//!
//! - **R1 (cross wake).** A worker that may park while waiting on another pool has raised
//!   `cross_waiters` (`SeqCst`) before its first look for work, and lowers it only after its
//!   wait ends; every injection loads it (`SeqCst`) after its push and, when it is not zero,
//!   notifies every `worker_sleep` (the argument above).
//! - **R2 (own pool only).** Whatever pushes onto a worker's deque, or wakes a worker by index,
//!   knows that worker is of its own pool ([`WorkerThread::current_in`] and
//!   [`WorkerThread::current_in_ptr`] compare the registry). The one way to reach the worker of
//!   any pool, [`WorkerThread::current_for_helping`], yields a [`CrossWaiter`], which can only
//!   wait (running its own pool's jobs) and hand out its own event count: a latch of another
//!   pool wakes it through that reference-counted event, never by index.

use std::alloc::Layout;
use std::any::Any;
use std::sync::Arc;

use crate::deque::{Steal, Stealer, Worker};
use crossbeam_utils::CachePadded;
use spindle_queue::{EventCount, Queue};
use spindle_utils::{BuildError, drop_payload};

use crate::job::JobRef;
use crate::primitive::{AtomicBool, AtomicUsize, Ordering, seq_cst_fence_for_loom, yield_now};
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

/// A worker thread's start or exit hook, given the worker's index
/// ([`ThreadPoolBuilder::start_handler`](crate::ThreadPoolBuilder::start_handler)).
pub(crate) type ThreadHook = dyn Fn(usize) + Send + Sync;

/// What a registry calls besides jobs: user code, each call contained.
#[derive(Default)]
pub(crate) struct Handlers {
    pub(crate) panic: Option<Box<PanicHandler>>,
    pub(crate) start: Option<Box<ThreadHook>>,
    pub(crate) exit: Option<Box<ThreadHook>>,
}

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
    /// Worker `i` waits here for a job it depends on (a stolen `join` half, a spawned task, a
    /// job of another pool), so its completion wakes exactly that worker. Reference counted so
    /// another pool's latch can hold it past its waiter's return (R2, latch invariant L1).
    worker_sleep: Box<[Arc<EventCount>]>,
    /// Workers waiting on another pool right now, read by every injection (R1).
    cross_waiters: CachePadded<AtomicUsize>,
    /// Outside submitters in flight and the `CLOSING` bit (see the module docs).
    gate: CachePadded<AtomicUsize>,
    /// Every admitted job is queued; workers may leave once they find no work.
    terminated: AtomicBool,
    /// Workers looking for work right now (spinning or parked), a hint for `join`: with none,
    /// nobody could steal its second half, so it runs both halves as plain calls.
    idle: CachePadded<AtomicUsize>,
    /// Whether short batches run on their caller alone on an oversubscribed machine
    /// ([`ThreadPoolBuilder::solo_when_busy`](crate::ThreadPoolBuilder::solo_when_busy)).
    pub(crate) solo_when_busy: bool,
    handlers: Handlers,
}

/// A worker's own state, reachable from its thread through [`WorkerThread::current`].
pub(crate) struct WorkerThread {
    deque: Worker<JobRef>,
    index: usize,
    registry: Arc<Registry>,
    /// Where the next steal starts: xorshift state, per worker, no shared atomics.
    seed: core::cell::Cell<u32>,
}

spindle_utils::sync_thread_local! {
    /// The worker running on this thread, if any; set for the whole life of a worker thread.
    static CURRENT: core::cell::Cell<*const WorkerThread> = core::cell::Cell::new(core::ptr::null());
}

impl Registry {
    /// The registry and the deques its workers will own, one per thread.
    ///
    /// # Errors
    ///
    /// [`BuildError::TooManyThreads`] if `threads` exceeds [`MAX_THREADS`](spindle_utils::MAX_THREADS)
    /// or an array of per-thread state does not fit an allocation: never a panic or an abort.
    pub(crate) fn new(
        threads: usize,
        spin_limit: u32,
        solo_when_busy: bool,
        handlers: Handlers,
    ) -> Result<(Arc<Registry>, Vec<Worker<JobRef>>), BuildError> {
        if threads > spindle_utils::MAX_THREADS {
            return Err(BuildError::TooManyThreads(threads));
        }
        let deques = per_thread(threads, &mut |_| Worker::new_lifo())?;
        let registry = Registry {
            // Preallocated: injecting allocates nothing even before the first segments recycle.
            // 64 jobs always fit; were the preallocation refused, the queue would grow instead.
            injector: Queue::with_capacity(INJECTOR_PREALLOCATED).unwrap_or_else(|_| Queue::new()),
            stealers: per_thread(threads, &mut |i| deques[i].stealer())?.into_boxed_slice(),
            counters: per_thread(threads, &mut |_| CachePadded::new(Counters::default()))?
                .into_boxed_slice(),
            sleep: EventCount::with_spin_limit(spin_limit),
            worker_sleep: per_thread(threads, &mut |_| {
                Arc::new(EventCount::with_spin_limit(spin_limit))
            })?
            .into_boxed_slice(),
            cross_waiters: CachePadded::new(AtomicUsize::new(0)),
            gate: CachePadded::new(AtomicUsize::new(0)),
            terminated: AtomicBool::new(false),
            idle: CachePadded::new(AtomicUsize::new(0)),
            solo_when_busy,
            handlers,
        };
        Ok((Arc::new(registry), deques))
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
                .map(|event| event.waiters())
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
        // SeqCst: after the push in the total order, paired with the waiter's SeqCst raise (R1).
        seq_cst_fence_for_loom();
        if self.cross_waiters.load(Ordering::SeqCst) != 0 {
            self.wake_cross_waiters();
        }
        // Release: the push happens before `shutdown` sees this submitter gone.
        self.gate.fetch_sub(SUBMITTER, Ordering::Release);
        Ok(())
    }

    /// Wakes every worker parked in a wait of its own, so that a worker waiting on another pool
    /// finds the job just injected (R1). Workers waiting within the pool wake too, look, and
    /// park again: this runs only while some worker waits on another pool.
    #[cold]
    #[inline(never)]
    fn wake_cross_waiters(&self) {
        for event in &self.worker_sleep {
            event.notify_one();
        }
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
            self.handle_panic(payload);
        }
    }

    /// Hands a caught panic to the panic handler, or drops it: contained either way.
    fn handle_panic(&self, payload: Box<dyn Any + Send>) {
        match &self.handlers.panic {
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

    /// Calls a start or exit hook for worker `index`, if set; its panic goes where a job's
    /// would, and the worker goes on (a start hook's panic does not keep it from working).
    fn run_hook(&self, hook: Option<&ThreadHook>, index: usize) {
        if let Some(hook) = hook {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(index)));
            if let Err(payload) = outcome {
                self.handle_panic(payload);
            }
        }
    }
}

/// `make(i)` for every thread `i`, in a vector whose size in bytes is checked
/// (`Layout::array`) and whose allocation may fail, as a [`BuildError::TooManyThreads`].
fn per_thread<T>(threads: usize, make: &mut dyn FnMut(usize) -> T) -> Result<Vec<T>, BuildError> {
    let too_many = || BuildError::TooManyThreads(threads);
    Layout::array::<T>(threads).map_err(|_| too_many())?;
    let mut items = Vec::new();
    items.try_reserve_exact(threads).map_err(|_| too_many())?;
    items.extend((0..threads).map(make));
    Ok(items)
}

impl WorkerThread {
    /// The worker running on this thread, if it belongs to `registry`.
    pub(crate) fn current_in(registry: &Registry) -> Option<&WorkerThread> {
        Self::current_in_ptr(registry)
    }

    /// The worker running on this thread, if it belongs to the registry at `registry`: compared
    /// by address only, never dereferenced, so `registry` may be dangling or null (then this is
    /// `None`). There is deliberately no "worker of any pool" that can push or wake: whatever
    /// pushes onto a worker's deque or wakes one of its workers by index must know the worker
    /// is of its own pool (R2). A worker about to wait on another pool uses
    /// [`current_for_helping`](Self::current_for_helping) instead.
    #[inline]
    pub(crate) fn current_in_ptr(registry: *const Registry) -> Option<&'static WorkerThread> {
        let worker = CURRENT.with(core::cell::Cell::get);
        // SAFETY: `CURRENT` is set only while the worker's `main_loop` runs on this thread, and
        // the `WorkerThread` lives on that loop's stack, so it outlives everything its thread
        // runs, and any borrow made here.
        let worker = unsafe { worker.as_ref() }?;
        core::ptr::eq(Arc::as_ptr(&worker.registry), registry).then_some(worker)
    }

    /// The worker running on this thread, of whichever pool, as a [`CrossWaiter`]: for a wait
    /// on *another* pool only, which it lets the worker spend running its own pool's jobs.
    ///
    /// This is the one accessor that does not check the pool, and what it yields cannot push
    /// onto the worker's deque nor wake anyone by index (R2): callers that want to hand the
    /// current thread a job must use [`current_in`](Self::current_in) with their registry.
    pub(crate) fn current_for_helping() -> Option<CrossWaiter> {
        let worker = CURRENT.with(core::cell::Cell::get);
        // SAFETY: as in `current_in_ptr`: `CURRENT` points to the `WorkerThread` on this
        // thread's `main_loop` stack while it runs, which outlives everything the thread runs.
        let worker = unsafe { worker.as_ref() }?;
        Some(CrossWaiter { worker })
    }

    /// The worker running on this thread, of whichever pool: for the free functions
    /// (`crate::join` and the rest), whose work is meant for the pool of the thread they are
    /// called on. What they push goes onto this worker's own deque, of its own pool, so R2
    /// holds; everything else picks its worker with [`current_in`](Self::current_in).
    #[inline]
    pub(crate) fn current() -> Option<&'static WorkerThread> {
        let worker = CURRENT.with(core::cell::Cell::get);
        // SAFETY: as in `current_in_ptr`.
        unsafe { worker.as_ref() }
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
    /// [`Registry::wake_worker`] with this worker's index, or, from another pool, notify the
    /// event count [`CrossWaiter::event`] lent it (after a `SeqCst` write).
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

    /// This worker's own event count, for a latch of another pool to wake it through (R2).
    fn sleep_event(&self) -> Arc<EventCount> {
        Arc::clone(&self.registry.worker_sleep[self.index])
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
        worker
            .registry
            .run_hook(worker.registry.handlers.start.as_deref(), index);
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
        worker
            .registry
            .run_hook(worker.registry.handlers.exit.as_deref(), index);
        CURRENT.with(|c| c.set(core::ptr::null()));
    }
}

/// The worker on this thread, about to wait for a job of another pool: all it can do is wait,
/// running its own pool's jobs meanwhile, and lend the event count it parks on to the latch
/// that will end the wait (module docs, R1 and R2). Made by
/// [`WorkerThread::current_for_helping`]; not `Send`, like the `&WorkerThread` inside.
pub(crate) struct CrossWaiter {
    worker: &'static WorkerThread,
}

impl CrossWaiter {
    /// Whether this worker belongs to `registry` (compared by address): a wait on one's own
    /// pool is not a cross wait, and callers take the in-pool path first.
    pub(crate) fn is_of(&self, registry: *const Registry) -> bool {
        core::ptr::eq(Arc::as_ptr(&self.worker.registry), registry)
    }

    /// The event count this worker parks on while it waits: notify it after a `SeqCst` write
    /// that makes the wait's condition true (the event count's contract).
    pub(crate) fn event(&self) -> Arc<EventCount> {
        self.worker.sleep_event()
    }

    /// Waits until `condition` holds, running this worker's own pool's jobs meanwhile, and
    /// counted in `cross_waiters` so that jobs injected into its pool wake it (R1). Whoever
    /// makes `condition` true must then notify [`event`](Self::event) (after a `SeqCst` write).
    pub(crate) fn wait_until(&self, condition: impl FnMut() -> bool) {
        /// Lowers the count however the wait ends (it does not unwind: jobs run contained).
        struct Counted<'a>(&'a AtomicUsize);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                // Relaxed: a count read late only costs an injection a needless wake (R1).
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let registry = &self.worker.registry;
        // SeqCst: before this worker's last look at the injector, in the total order that the
        // injector's SeqCst load of the count also takes part in (R1).
        registry.cross_waiters.fetch_add(1, Ordering::SeqCst);
        seq_cst_fence_for_loom();
        let _counted = Counted(&registry.cross_waiters);
        self.worker.wait_until(condition);
    }
}
