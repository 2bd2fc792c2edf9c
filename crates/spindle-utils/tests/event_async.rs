//! `EventCount`'s async waiters: wake-ups reach the current waker, a dropped notified waiter
//! passes its notification on, and tasks and threads wait on one event count together.

#![cfg(not(spindle_loom))]

use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll};
use std::time::Duration;

use spindle_test_support::counting_waker;
use spindle_utils::EventCount;

/// Tokens taken by waiters, given with a notification (the event count's contract).
struct Tokens {
    available: AtomicUsize,
    event: EventCount,
}

impl Tokens {
    fn new() -> Self {
        Tokens {
            available: AtomicUsize::new(0),
            event: EventCount::with_spin_limit(0),
        }
    }

    fn try_take(&self) -> Option<()> {
        self.available
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .ok()
            .map(drop)
    }

    fn give(&self) {
        self.available.fetch_add(1, SeqCst);
        self.event.notify_one();
    }

    async fn take(&self) {
        self.event.wait_until_async(|| self.try_take()).await
    }
}

/// A task holding a waiter can move between a runtime's threads.
#[test]
fn waiters_and_their_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let event = EventCount::new();
    send_sync(&event.async_waiter());
    send_sync(&event.wait_until_async(|| Some(())));
}

#[test]
fn ready_condition_does_not_register() {
    let event = EventCount::new();
    let (counter, waker) = counting_waker();
    let mut wait = pin!(event.wait_until_async(|| Some(3)));
    assert_eq!(
        wait.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Ready(3)
    );
    assert_eq!(event.waiters(), 0);
    assert_eq!(counter.0.load(SeqCst), 0);
}

#[test]
fn notification_wakes_the_task_and_the_next_poll_completes() {
    let tokens = Tokens::new();
    let (counter, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut wait = pin!(tokens.take());
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    assert_eq!(tokens.event.waiters(), 1);
    tokens.give();
    assert_eq!(counter.0.load(SeqCst), 1);
    assert_eq!(tokens.event.waiters(), 0);
    assert!(wait.as_mut().poll(&mut cx).is_ready());
    assert_eq!(tokens.available.load(SeqCst), 0);
}

#[test]
fn a_waker_replaced_between_polls_is_the_one_woken() {
    let tokens = Tokens::new();
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    let mut wait = pin!(tokens.take());
    assert!(
        wait.as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending()
    );
    assert!(
        wait.as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending()
    );
    assert_eq!(tokens.event.waiters(), 1, "a re-poll does not link twice");
    tokens.give();
    assert_eq!(first.0.load(SeqCst), 0);
    assert_eq!(second.0.load(SeqCst), 1);
}

#[test]
fn a_dropped_notified_waiter_passes_the_notification_on() {
    let tokens = Tokens::new();
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    let mut a = Box::pin(tokens.take());
    let mut b = pin!(tokens.take());
    assert!(
        a.as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending()
    );
    assert!(
        b.as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending()
    );
    tokens.give(); // picks `a`, the oldest
    assert_eq!((first.0.load(SeqCst), second.0.load(SeqCst)), (1, 0));
    drop(a); // never polled again: its notification goes to `b`
    assert_eq!(second.0.load(SeqCst), 1);
    assert!(
        b.as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_ready()
    );
    assert_eq!(tokens.event.waiters(), 0);
}

#[test]
fn a_dropped_waiting_waiter_unlinks_without_waking_anyone() {
    let tokens = Tokens::new();
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    let mut a = Box::pin(tokens.take());
    let mut b = pin!(tokens.take());
    assert!(
        a.as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending()
    );
    assert!(
        b.as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending()
    );
    drop(a);
    assert_eq!(tokens.event.waiters(), 1);
    assert_eq!((first.0.load(SeqCst), second.0.load(SeqCst)), (0, 0));
    tokens.give();
    assert_eq!(second.0.load(SeqCst), 1);
}

#[test]
fn notify_all_wakes_more_tasks_than_one_batch() {
    let event = EventCount::new();
    let (counter, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut waits: Vec<Pin<Box<_>>> = (0..40)
        .map(|_| Box::pin(event.wait_until_async(|| None::<()>)))
        .collect();
    for wait in &mut waits {
        assert!(wait.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(event.waiters(), 40);
    event.notify_all();
    assert_eq!(counter.0.load(SeqCst), 40);
    assert_eq!(event.waiters(), 0);
}

#[test]
fn threads_and_tasks_share_one_event_count() {
    let tokens = Arc::new(Tokens::new());
    let thread_waiter = {
        let tokens = Arc::clone(&tokens);
        std::thread::spawn(move || tokens.event.wait_until(|| tokens.try_take()))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let tokens = Arc::clone(&tokens);
            runtime.spawn(async move { tokens.take().await })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(10));
    (0..5).for_each(|_| tokens.give());
    runtime.block_on(async {
        for task in tasks {
            task.await.unwrap();
        }
    });
    thread_waiter.join().unwrap();
    assert_eq!(tokens.available.load(SeqCst), 0);
    assert_eq!(tokens.event.waiters(), 0);
}

#[test]
fn current_thread_runtime_producer_and_consumer_tasks() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let tokens = Arc::new(Tokens::new());
    runtime.block_on(async {
        let consumer = {
            let tokens = Arc::clone(&tokens);
            tokio::spawn(async move {
                for _ in 0..100 {
                    tokens.take().await;
                }
            })
        };
        for _ in 0..100 {
            tokens.give();
            tokio::task::yield_now().await;
        }
        consumer.await.unwrap();
    });
    assert_eq!(tokens.event.waiters(), 0);
}

/// Hand-overs in the longer tests (fewer under Miri).
const ROUNDS: usize = if cfg!(miri) { 20 } else { 1000 };

#[test]
fn futures_block_on_waits_for_another_thread() {
    let tokens = Arc::new(Tokens::new());
    let giver = {
        let tokens = Arc::clone(&tokens);
        std::thread::spawn(move || {
            for _ in 0..ROUNDS {
                tokens.give();
            }
        })
    };
    futures::executor::block_on(async {
        for _ in 0..ROUNDS {
            tokens.take().await;
        }
    });
    giver.join().unwrap();
    assert_eq!(tokens.event.waiters(), 0);
}
