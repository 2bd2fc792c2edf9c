//! The work queues: crossbeam-deque's, or under loom, stand-ins loom can see through.
//!
//! loom cannot see crossbeam-deque's synchronisation (its atomics are not loom's), so a job
//! handed from one thread to another through it would look unsynchronised to loom's
//! causality checks. Under `--cfg spindle_loom` each worker's deque is a
//! `spindle_queue::Queue` instead (loom-instrumented, FIFO where the real worker deque is
//! LIFO, which the sleep protocol does not depend on), behind the same small API.

#[cfg(not(spindle_loom))]
pub(crate) use crossbeam_deque::{Steal, Stealer, Worker};

#[cfg(spindle_loom)]
pub(crate) use self::loom_deque::{Stealer, Worker};
#[cfg(spindle_loom)]
pub(crate) use crossbeam_deque::Steal;

#[cfg(spindle_loom)]
mod loom_deque {
    use crossbeam_deque::Steal;
    use loom::sync::Arc;
    use spindle_queue::Queue;

    pub(crate) struct Worker<T>(Arc<Queue<T>>);

    impl<T> Worker<T> {
        pub(crate) fn new_lifo() -> Self {
            Worker(Arc::new(Queue::new()))
        }

        pub(crate) fn push(&self, value: T) {
            if self.0.push(value).is_err() {
                unreachable!("the stand-in deque is never closed");
            }
        }

        pub(crate) fn pop(&self) -> Option<T> {
            self.0.pop()
        }

        pub(crate) fn stealer(&self) -> Stealer<T> {
            Stealer(Arc::clone(&self.0))
        }
    }

    pub(crate) struct Stealer<T>(Arc<Queue<T>>);

    impl<T> Stealer<T> {
        /// One job: batches make no difference to the sleep protocol the models check.
        pub(crate) fn steal_batch_and_pop(&self, _into: &Worker<T>) -> Steal<T> {
            self.0.pop().map_or(Steal::Empty, Steal::Success)
        }
    }
}
