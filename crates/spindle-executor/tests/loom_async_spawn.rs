//! Loom models of a `JoinHandle` awaited as a future (S3 in `src/spawn.rs`), on the real pool
//! code: the task's completion racing the first poll's registration of its waker, and a waker
//! replaced between polls.
//!
//! The awaiting task is polled by hand on the model's main thread; between polls it waits on
//! the loom `Notify` its waker signals, so a wake-up that never comes (or goes to a stale
//! waker) leaves it blocked and loom reports a deadlock. The worker parks at once when idle
//! (`spin_limit(0)`). Run with `cargo xtask loom`.

#![cfg(spindle_loom)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::Notify;
use spindle_executor::ThreadPool;

fn pool() -> ThreadPool {
    ThreadPool::builder()
        .num_threads(1)
        .spin_limit(0)
        .build()
        .unwrap()
}

/// A waker that signals a loom `Notify` the polling thread waits on. A std `Arc`, as
/// `std::task::Wake` needs; created and dropped inside each model.
struct TaskWaker(Notify);

impl TaskWaker {
    fn new() -> (std::sync::Arc<TaskWaker>, Waker) {
        let task = std::sync::Arc::new(TaskWaker(Notify::new()));
        (std::sync::Arc::clone(&task), Waker::from(task))
    }
}

impl Wake for TaskWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.notify();
    }
}

/// Polls `future` with `waker` until it is ready, blocking on the waker's signal in between.
fn block_on<F: Future + Unpin>(mut future: F, task: &TaskWaker, waker: &Waker) -> F::Output {
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(value) = Pin::new(&mut future).poll(&mut cx) {
            return value;
        }
        task.0.wait();
    }
}

/// The task completes while the handle makes its first poll: either the task's load of
/// `has_waker` comes after the poll's store (it wakes the stored waker) or before it (the
/// poll's re-load of `done` sees the result). With that re-load removed (`Pending` once the
/// waker is stored), the model deadlocks.
#[test]
fn completion_racing_the_first_polls_registration() {
    loom::model(|| {
        let pool = pool();
        let (task, waker) = TaskWaker::new();
        let handle = pool.spawn(|| 7).unwrap();
        assert_eq!(block_on(handle, &task, &waker).unwrap(), 7);
        pool.shutdown();
    });
}

/// The handle is polled with one waker, then with another, and waits only for the second:
/// the task must wake the waker of the latest poll. With the stored waker kept instead of
/// replaced, the model deadlocks.
#[test]
fn waker_replaced_between_polls() {
    loom::model(|| {
        let pool = pool();
        let (_first, first_waker) = TaskWaker::new();
        let (second, second_waker) = TaskWaker::new();
        let mut handle = pool.spawn(|| 7).unwrap();
        let value = match Pin::new(&mut handle).poll(&mut Context::from_waker(&first_waker)) {
            Poll::Ready(value) => value,
            Poll::Pending => block_on(handle, &second, &second_waker),
        };
        assert_eq!(value.unwrap(), 7);
        pool.shutdown();
    });
}
