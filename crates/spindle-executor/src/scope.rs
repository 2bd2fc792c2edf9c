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
//! # Invariants
//!
//! - **C1 (scope outlives tasks).** `scope` returns (or unwinds) only after `pending` is zero;
//!   a task's decrement of `pending` is its last access to the scope (the owner's index and
//!   the wake-up go through copies). So every `&Scope` a task holds is valid.
//! - **C2 (slot ownership).** A slot whose bit is clear in `free` belongs to exactly one task:
//!   the spawner that cleared it writes the closure, the job that runs it moves the closure
//!   out and sets the bit again before running it.
//! - **C3 (one payload writer).** Only the task that flips `panicked` writes `payload`; the
//!   owner reads it after `pending` is zero.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::{MaybeUninit, align_of, size_of};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crossbeam_utils::CachePadded;

use crate::job::{Job, JobRef};
use crate::primitive::{AtomicBool, AtomicU64, AtomicUsize, Ordering, yield_now};
use crate::registry::WorkerThread;

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
    panicked: AtomicBool,
    payload: UnsafeCell<Option<Box<dyn Any + Send>>>,
    /// Invariant in `'scope`, as `std::thread::Scope`.
    _scope: PhantomData<&'scope mut &'scope ()>,
}

// SAFETY: slots and the payload are handed between threads under C2 and C3; everything else
// is atomic. Tasks are `Send`.
unsafe impl Sync for Scope<'_> {}

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
        scope.task_done();
    }
}

impl<'scope> Scope<'scope> {
    fn new(owner: usize) -> Self {
        Scope {
            pending: CachePadded::new(AtomicUsize::new(0)),
            free: CachePadded::new(AtomicU64::new(u64::MAX)),
            slots: core::array::from_fn(|_| Slot(UnsafeCell::new(MaybeUninit::uninit()))),
            owner,
            panicked: AtomicBool::new(false),
            payload: UnsafeCell::new(None),
            _scope: PhantomData,
        }
    }

    /// Spawns `f` into the pool; the scope waits for it. `f` may borrow anything that
    /// outlives the scope, and may spawn more tasks through the `&Scope` it is given.
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
        match WorkerThread::current() {
            Some(worker) => worker.push(job),
            // Only a scope run after shutdown is off the pool: its tasks run right here.
            // SAFETY: the job was just made and is run once (J1); the scope outlives it.
            None => unsafe { job.execute() },
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
                let Some(worker) = WorkerThread::current() else {
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
        if !self.panicked.swap(true, Ordering::AcqRel) {
            // SAFETY: we flipped `panicked`, so we are the one writer (C3).
            unsafe { *self.payload.get() = Some(payload) };
        }
    }

    /// A task's last act: count it done and wake the owner if it was the last (C1).
    fn task_done(&self) {
        let owner = self.owner;
        // SeqCst: the write the owner's wait condition reads (the event count's contract).
        if self.pending.fetch_sub(1, Ordering::SeqCst) == 1 && owner != NO_OWNER {
            if let Some(worker) = WorkerThread::current() {
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
    let scope = Scope::new(worker.index());
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&scope)));
    // Whatever happened, no task may outlive the scope (C1).
    worker.wait_until(|| scope.pending.load(Ordering::SeqCst) == 0);
    finish(&scope, outcome)
}

/// Runs `body` with a scope whose tasks run inline, on this thread: the pool is shut down.
pub(crate) fn scope_here<'scope, F, R>(body: F) -> R
where
    F: FnOnce(&Scope<'scope>) -> R,
{
    let scope = Scope::new(NO_OWNER);
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&scope)));
    // Tasks ran inline, so none is pending.
    debug_assert_eq!(scope.pending.load(Ordering::SeqCst), 0);
    finish(&scope, outcome)
}

/// Resumes the body's panic, else the first task's, else returns the body's value.
fn finish<R>(scope: &Scope<'_>, outcome: std::thread::Result<R>) -> R {
    match outcome {
        Err(payload) => resume_unwind(payload),
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
