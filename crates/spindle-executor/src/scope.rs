//! [`ThreadPool::scope`](crate::ThreadPool::scope): tasks that borrow from the caller's stack.
//!
//! A [`Scope`] lives on the stack of the call to `scope` (which runs on a worker). Each
//! spawned task is stored in one of the scope's inline slots when its closure fits (64 bytes,
//! 16-byte alignment), so spawning allocates nothing. When all 64 slots are taken, the spawner
//! first runs a job from its own deque (usually one of its tasks, which frees a slot), so a
//! loop spawning thousands of small tasks still allocates nothing; only a larger closure, or
//! a full scope with nothing to run, falls back to a box. rayon boxes every spawned task
//! (rayon#1277).
//!
//! A worker that loses its core holds back only the task it is running: every other spawned
//! task waits on a deque or in the injector, where the other workers, and the scope's owner
//! while it waits for `pending` to reach zero, keep taking them. (Busy scope figures are in
//! BENCHMARKS.md, `cargo xtask bench --busy 2`.)
//!
//! # Invariants
//!
//! - **C1 (scope outlives tasks).** `scope` returns (or unwinds) only after `pending` is zero;
//!   a task's decrement of `pending` is its last access to the scope (the owner's index and
//!   registry, and the wake-up, go through copies, and `task_done` holds a raw pointer, not a
//!   reference that would have to outlive the decrement), and nothing unwinds past it: the
//!   task's panic is caught, and the payload of a panic that lost to an earlier one is dropped
//!   with a panic in its own `Drop` contained too. So every `&Scope` a task holds is valid.
//! - **C2 (slot ownership).** A slot whose bit is clear in `free` belongs to exactly one task:
//!   the spawner that cleared it writes the closure, the job that runs it moves the closure
//!   out and sets the bit again before running it.
//! - **C3 (one payload writer).** Only the task that flips `panicked` writes `payload`; the
//!   owner reads it after `pending` is zero.
//! - **C4 (own pool).** A task goes to the scope's own pool only: onto the spawning thread's
//!   deque if that thread is a worker of the scope's registry, else into that registry's
//!   injector; if the pool refuses it (shutting down), or the scope runs off the pool
//!   (`scope_here`, null registry), it runs inline, inside `spawn`. So a task runs on a worker
//!   of the scope's pool or nested in its spawner's call. The registry outlives the scope (the
//!   owner's worker holds it, and the scope lives on that worker's stack), so whoever holds a
//!   `&Scope` may dereference `registry`; a task, after its decrement, only compares it. The
//!   last task wakes the owner through the worker running it, if that worker is of the scope's
//!   pool; a task run inline has nothing to wake: its spawner is the body (the owner is not
//!   waiting yet) or a task still counted in `pending`.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::{MaybeUninit, align_of, size_of};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;

use crossbeam_utils::CachePadded;

use crate::job::{Job, JobRef};
use crate::primitive::{AtomicBool, AtomicU64, AtomicUsize, Ordering, yield_now};
use crate::registry::{Registry, WorkerThread};
use spindle_utils::{AbortIfPanic, drop_payload};

/// Bytes of closure state an inline slot holds.
const SLOT_SIZE: usize = 64;
/// Inline slots per scope: one bit each in `Scope::free`.
const SLOTS: usize = 64;
/// `Scope::owner` of a scope run off the pool (after shutdown), whose tasks run inline.
const NO_OWNER: usize = usize::MAX;

/// Storage for one spawned task, reused once that task has started.
#[repr(C, align(16))]
struct Slot(UnsafeCell<MaybeUninit<[u8; SLOT_SIZE]>>);

/// A scope's spawn handle: borrowed data may be used by its tasks, and the scope waits for all
/// of them.
///
/// # Examples
///
/// ```
/// let pool = spindle_executor::ThreadPool::new(2)?;
/// let mut halves = [0u64, 0u64];
/// let data: Vec<u64> = (1..=100).collect();
/// pool.scope(|s| {
///     let (left, right) = halves.split_at_mut(1);
///     let data = &data;
///     s.spawn(move |_| left[0] = data[..50].iter().sum());
///     s.spawn(move |_| right[0] = data[50..].iter().sum());
/// });
/// assert_eq!(halves[0] + halves[1], 5050);
/// # Ok::<(), spindle_executor::BuildError>(())
/// ```
pub struct Scope<'scope> {
    /// Tasks spawned and not finished (C1).
    pending: CachePadded<AtomicUsize>,
    /// Free inline slots, one bit each (C2).
    free: CachePadded<AtomicU64>,
    slots: [Slot; SLOTS],
    /// The worker running the scope's body, woken when the last task finishes.
    owner: usize,
    /// The owner's pool, whose workers alone run the tasks; null off the pool (C4).
    registry: *const Registry,
    panicked: AtomicBool,
    payload: UnsafeCell<Option<Box<dyn Any + Send>>>,
    /// Invariant in `'scope`, as `std::thread::Scope`.
    _scope: PhantomData<&'scope mut &'scope ()>,
}

// SAFETY: slots and the payload are handed between threads under C2 and C3; `registry` is
// only dereferenced while the scope lives, when the pool is alive (C4); everything else is
// atomic or never written. Tasks are `Send`.
unsafe impl Sync for Scope<'_> {}
// SAFETY: as for `Sync`; only the raw `registry` pointer keeps this from being automatic, and
// it points to a `Sync` registry. (A `Scope` is only ever lent, never moved, outside the crate.)
unsafe impl Send for Scope<'_> {}

impl core::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Scope")
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A spawned task in an inline slot or a box.
struct ScopeJob<'scope, F> {
    func: F,
    scope: *const Scope<'scope>,
    /// The inline slot it sits in, or `SLOTS` when boxed.
    slot: usize,
}

impl<'scope, F> Job for ScopeJob<'scope, F>
where
    F: FnOnce(&Scope<'scope>) + Send + 'scope,
{
    unsafe fn execute(this: *const Self) {
        // SAFETY: `this` is the job a spawn wrote (inline or boxed) and it runs once (J1);
        // moving it out frees its storage for reuse.
        let job = unsafe {
            let boxed = (*this).slot == SLOTS;
            if boxed {
                *Box::from_raw(this.cast_mut())
            } else {
                core::ptr::read(this)
            }
        };
        // SAFETY: the scope waits for this task (C1).
        let scope = unsafe { &*job.scope };
        if job.slot != SLOTS {
            // The closure is out: the slot may be reused (C2).
            scope.free.fetch_or(1 << job.slot, Ordering::Release);
        }
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| (job.func)(scope))) {
            scope.record_panic(payload);
        }
        // SAFETY: the scope is alive and counts this task in `pending` (C1).
        unsafe { Scope::task_done(job.scope) };
    }
}

impl<'scope> Scope<'scope> {
    fn new(owner: usize, registry: *const Registry) -> Self {
        Scope {
            pending: CachePadded::new(AtomicUsize::new(0)),
            free: CachePadded::new(AtomicU64::new(u64::MAX)),
            slots: core::array::from_fn(|_| Slot(UnsafeCell::new(MaybeUninit::uninit()))),
            owner,
            registry,
            panicked: AtomicBool::new(false),
            payload: UnsafeCell::new(None),
            _scope: PhantomData,
        }
    }

    /// Spawns `f` into the scope's pool; the scope waits for it. `f` may borrow anything that
    /// outlives the scope, and may spawn more tasks through the `&Scope` it is given.
    ///
    /// `f` runs on a worker of the scope's pool whichever thread spawns it (a worker of another
    /// pool, say, inside its `install`), except once that pool is shutting down, or the scope
    /// runs on the caller after shutdown: then `f` runs right here, before `spawn` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = spindle_executor::ThreadPool::new(2)?;
    /// let count = AtomicUsize::new(0);
    /// pool.scope(|s| {
    ///     for _ in 0..10 {
    ///         s.spawn(|s| {
    ///             count.fetch_add(1, Ordering::Relaxed);
    ///             s.spawn(|_| { count.fetch_add(1, Ordering::Relaxed); });
    ///         });
    ///     }
    /// });
    /// assert_eq!(count.into_inner(), 20);
    /// # Ok::<(), spindle_executor::BuildError>(())
    /// ```
    pub fn spawn<F>(&self, f: F)
    where
        F: FnOnce(&Scope<'scope>) + Send + 'scope,
    {
        // Relaxed: the job's push and the waits order everything else; this only counts.
        self.pending.fetch_add(1, Ordering::Relaxed);
        let job = self.store(ScopeJob {
            func: f,
            scope: self,
            slot: SLOTS,
        });
        // Onto this thread's deque only if it is a worker of the scope's own pool (C4).
        match WorkerThread::current_in_ptr(self.registry) {
            Some(worker) => worker.push(job),
            None => self.spawn_off_pool(job),
        }
    }

    /// `spawn` from a thread that is not a worker of the scope's pool (another pool's worker,
    /// or a thread the body or a task lent the scope to): into the pool's injector, or, if the
    /// pool refuses it (shutting down) or the scope runs off the pool, right here (C4).
    #[cold]
    #[inline(never)]
    fn spawn_off_pool(&self, job: JobRef) {
        // SAFETY: a non-null registry outlives the scope, which `&self` proves alive (C4).
        let refused = match unsafe { self.registry.as_ref() } {
            Some(registry) => registry.inject(job).err(),
            None => Some(job),
        };
        if let Some(job) = refused {
            // SAFETY: the job was just made, was not queued, and is run once (J1); the scope
            // outlives it (it runs inside this call).
            unsafe { job.execute() };
        }
    }

    /// Writes `job` into a free inline slot if it fits and one is free, else into a box.
    fn store<F>(&self, mut job: ScopeJob<'scope, F>) -> JobRef
    where
        F: FnOnce(&Scope<'scope>) + Send + 'scope,
    {
        let fits = size_of::<ScopeJob<'scope, F>>() <= SLOT_SIZE
            && align_of::<ScopeJob<'scope, F>>() <= align_of::<Slot>();
        if fits {
            let mut free = self.free.load(Ordering::Relaxed);
            let mut patience = SLOTS;
            while free == 0 && patience > 0 {
                // All slots taken: run one queued job here (most likely one of ours, which frees
                // its slot as it starts) instead of allocating. With none queued here, thieves
                // hold our tasks and free their slots as they start them: give them a moment.
                // Box only if that does not help.
                // Only a worker of the scope's pool holds its tasks (C4).
                let Some(worker) = WorkerThread::current_in_ptr(self.registry) else {
                    break;
                };
                match worker.pop() {
                    Some(queued) => worker.execute(queued),
                    None => {
                        patience -= 1;
                        yield_now();
                    }
                }
                free = self.free.load(Ordering::Relaxed);
            }
            while free != 0 {
                let index = free.trailing_zeros() as usize;
                // Acquire: pairs with the Release that freed the slot, so its last task has
                // moved its closure out before we overwrite it (C2).
                match self.free.compare_exchange_weak(
                    free,
                    free & !(1 << index),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        job.slot = index;
                        let place = self.slots[index].0.get().cast::<ScopeJob<'scope, F>>();
                        // SAFETY: the slot is ours (C2), large and aligned enough (`fits`).
                        unsafe { place.write(job) };
                        // SAFETY: the job runs once and the scope outlives it (C1, J2).
                        return unsafe { JobRef::new(place) };
                    }
                    Err(now) => free = now,
                }
            }
        }
        let boxed = Box::into_raw(Box::new(job));
        // SAFETY: as above; `execute` reclaims the box.
        unsafe { JobRef::new(boxed) }
    }

    fn record_panic(&self, payload: Box<dyn Any + Send>) {
        if self.panicked.swap(true, Ordering::AcqRel) {
            // A later panic loses; a panic in its drop must not skip `task_done` (C1).
            drop_payload(payload);
        } else {
            // SAFETY: we flipped `panicked`, so we are the one writer (C3).
            unsafe { *self.payload.get() = Some(payload) };
        }
    }

    /// A task's last act: count it done and wake the owner if it was the last (C1).
    ///
    /// A raw pointer, not `&self`: the owner may free the scope as soon as the decrement lands,
    /// while this call still runs, and a reference argument must stay valid for the whole call.
    ///
    /// # Safety
    ///
    /// `this` points to a live scope whose `pending` counts the calling task, which calls this
    /// once, as its last access to the scope (C1).
    unsafe fn task_done(this: *const Self) {
        // SAFETY: alive until the decrement below (caller); the fields are read before it.
        let (owner, registry, pending) =
            unsafe { ((*this).owner, (*this).registry, &*(*this).pending) };
        // SeqCst: the write the owner's wait condition reads (the event count's contract).
        if pending.fetch_sub(1, Ordering::SeqCst) == 1 && owner != NO_OWNER {
            // `registry` is only compared from here on: the scope may be gone. A task run
            // inline, off the pool, wakes nobody, and need not (C4).
            if let Some(worker) = WorkerThread::current_in_ptr(registry) {
                worker.registry().wake_worker(owner);
            }
        }
    }
}

/// Runs `body` with a fresh scope on `worker`, then waits for every task it spawned.
pub(crate) fn scope_on_worker<'scope, F, R>(worker: &WorkerThread, body: F) -> R
where
    F: FnOnce(&Scope<'scope>) -> R,
{
    let scope = Scope::new(worker.index(), Arc::as_ptr(worker.registry()));
    // Tasks spawned by `body` point at `scope` in this frame and may run on any worker: the
    // frame must not unwind until `pending` is zero (C1). The body's panic is caught; a panic
    // anywhere else before the wait ends (none is expected) aborts rather than free `scope`.
    let guard = AbortIfPanic::new("scope: its tasks may still be running on other workers");
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&scope)));
    // Whatever happened, no task may outlive the scope (C1).
    worker.wait_until(|| scope.pending.load(Ordering::SeqCst) == 0);
    guard.disarm();
    finish(&scope, outcome)
}

/// Runs `body` with a scope whose tasks run inline, on this thread: the pool is shut down.
pub(crate) fn scope_here<'scope, F, R>(body: F) -> R
where
    F: FnOnce(&Scope<'scope>) -> R,
{
    let scope = Scope::new(NO_OWNER, core::ptr::null());
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&scope)));
    // Tasks ran inline, so none is pending.
    debug_assert_eq!(scope.pending.load(Ordering::SeqCst), 0);
    finish(&scope, outcome)
}

/// Resumes the body's panic, else the first task's, else returns the body's value.
fn finish<R>(scope: &Scope<'_>, outcome: std::thread::Result<R>) -> R {
    match outcome {
        Err(payload) => {
            // The body's panic wins; a task's loses, dropped here, where a panic in its `Drop`
            // is contained (during the unwind it would abort the process).
            // SAFETY: every task has finished (C3).
            if let Some(lost) = unsafe { (*scope.payload.get()).take() } {
                drop_payload(lost);
            }
            resume_unwind(payload)
        }
        Ok(value) => {
            if scope.panicked.load(Ordering::Acquire) {
                // SAFETY: every task has finished (C3).
                if let Some(payload) = unsafe { (*scope.payload.get()).take() } {
                    resume_unwind(payload);
                }
            }
            value
        }
    }
}
