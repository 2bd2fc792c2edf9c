//! Jobs as the deques carry them: a data pointer and the function that runs it.
//!
//! A [`JobRef`] is two words and `Copy`, so pushing one onto a deque moves no closure and
//! allocates nothing; what it points to (a boxed closure, a spawned task's shared state, or a
//! job on a waiting caller's stack) decides its own lifetime.
//!
//! # Invariants
//!
//! - **J1 (run once).** Every `JobRef` pushed is executed exactly once, by whoever takes it from
//!   a deque or the injector, or taken back unrun by the worker that pushed it (a `join`'s
//!   second half, a batch helper), which then runs or drops it itself.
//! - **J2 (alive until run).** The data outlives the `JobRef`: heap jobs are leaked until run;
//!   stack jobs belong to a caller that waits for them before returning.

/// Something a worker can run through a [`JobRef`].
pub(crate) trait Job {
    /// Runs the job. A panic escapes only from [`HeapJob`]; the worker catches it.
    ///
    /// # Safety
    ///
    /// `this` came from [`JobRef::new`] and is executed once (J1, J2).
    unsafe fn execute(this: *const Self);
}

/// A type-erased pointer to a [`Job`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobRef {
    data: *const (),
    execute: unsafe fn(*const ()),
}

// SAFETY: a `JobRef` is handed to exactly one other thread, which runs it (J1); the jobs it is
// made from require `Send` data.
unsafe impl Send for JobRef {}

impl JobRef {
    /// # Safety
    ///
    /// `data` stays valid until the `JobRef` is executed, which must happen exactly once (J1,
    /// J2), and the job may run on any thread.
    pub(crate) unsafe fn new<J: Job>(data: *const J) -> JobRef {
        /// Restores the type erased by `new`.
        unsafe fn execute<J: Job>(data: *const ()) {
            // SAFETY: `data` was made from a `*const J` in `new`; the caller of `execute`
            // guarantees it is run once.
            unsafe { J::execute(data.cast::<J>()) }
        }
        JobRef {
            data: data.cast(),
            execute: execute::<J>,
        }
    }

    /// Whether both refer to the same job.
    pub(crate) fn same_as(&self, other: &JobRef) -> bool {
        core::ptr::eq(self.data, other.data)
    }

    /// Runs the job.
    ///
    /// # Safety
    ///
    /// Called once per job made (J1).
    pub(crate) unsafe fn execute(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.execute)(self.data) }
    }
}

/// A `'static` closure boxed for [`ThreadPool::execute`](crate::ThreadPool::execute).
pub(crate) struct HeapJob<F>(F);

impl<F: FnOnce() + Send + 'static> HeapJob<F> {
    /// Boxes `f` and leaks it into a [`JobRef`] (J2); running the job frees it.
    pub(crate) fn into_job_ref(f: F) -> JobRef {
        let data = Box::into_raw(Box::new(HeapJob(f)));
        // SAFETY: the box is leaked until `execute` reclaims it, once (J1, J2); `F: Send`.
        unsafe { JobRef::new(data) }
    }
}

impl<F: FnOnce() + Send + 'static> Job for HeapJob<F> {
    unsafe fn execute(this: *const Self) {
        // SAFETY: made by `into_job_ref` from `Box::into_raw`, executed once (J1).
        let job = unsafe { Box::from_raw(this.cast_mut()) };
        (job.0)();
    }
}
