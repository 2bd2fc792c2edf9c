//! Loom models of the async calls' wake-up protocol (A2 in `src/async_send.rs`): the pool
//! thread's hand-back racing the first poll's registration of its waker, a waker replaced
//! between polls, and a future dropped while its request is answered (nothing leaks: loom
//! checks that every `Arc` is freed).
//!
//! The task is polled by hand on the model's main thread; between polls it waits on the loom
//! `Notify` its waker signals, so a wake-up that never comes (or goes to a stale waker) leaves
//! it blocked and loom reports a deadlock. Run with `cargo xtask loom`.

#![cfg(spindle_loom)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::Notify;
use spindle_pool::{IdTargeted, ItemPool, pool_item};

/// The smallest item: an id.
#[derive(Debug)]
pub struct Item {
    id: u64,
}

impl IdTargeted for Item {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item]
impl Item {
    /// An item.
    pub fn new(id: u64) -> Self {
        Item { id }
    }
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

/// The pool thread answers and hands the batch back while the task makes its first poll: the
/// hand-back either comes before the poll's `fetch_or` (the poll is ready) or after it (it
/// wakes the waker the poll stored). With the poll's re-check removed (`Pending` whatever the
/// `fetch_or` read), the model deadlocks.
#[test]
fn completion_racing_the_first_polls_registration() {
    loom::model(|| {
        let pool = ItemPool::<Item>::new(1).unwrap();
        let (task, waker) = TaskWaker::new();
        let added = block_on(pool.send_and_receive_once_async(ItemInit(3)), &task, &waker);
        assert_eq!(added.unwrap().id(), 3);
        let reports = pool.shutdown();
        assert_eq!(reports[0].items(), [3]);
    });
}

/// The task polls with one waker, then with another, and waits only for the second: the
/// hand-back must wake the waker of the latest poll. With the stored waker kept instead of
/// replaced, the model deadlocks.
#[test]
fn waker_replaced_between_polls() {
    loom::model(|| {
        let pool = ItemPool::<Item>::new(1).unwrap();
        let (_first, first_waker) = TaskWaker::new();
        let (second, second_waker) = TaskWaker::new();
        let mut add = pool.send_and_receive_once_async(ItemInit(3));
        let added = match Pin::new(&mut add).poll(&mut Context::from_waker(&first_waker)) {
            Poll::Ready(added) => added,
            Poll::Pending => block_on(add, &second, &second_waker),
        };
        assert_eq!(added.unwrap().id(), 3);
        pool.shutdown();
    });
}

/// A future polled once and dropped while its request is answered: the request still runs,
/// nothing blocks, and the shared state is freed by whichever side lets go last.
#[test]
fn a_future_dropped_while_its_request_is_answered() {
    loom::model(|| {
        let pool = ItemPool::<Item>::new(1).unwrap();
        let (_task, waker) = TaskWaker::new();
        let mut add = pool.send_and_receive_once_async(ItemInit(3));
        let _ = Pin::new(&mut add).poll(&mut Context::from_waker(&waker));
        drop(add);
        let reports = pool.shutdown();
        assert_eq!(reports[0].items(), [3], "the dropped future's request ran");
    });
}
