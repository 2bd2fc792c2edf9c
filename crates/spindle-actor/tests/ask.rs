//! `Remote::ask`: an actor's answer awaited from tokio (current_thread and multi_thread with
//! two workers) and `futures::executor::block_on`; a stopped actor, a panicking call and a
//! dropped runtime each resolve to `Closed` instead of hanging.

#![cfg(not(spindle_loom))]

use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use spindle_actor::{Closed, Remote, Runtime};
use spindle_test_support::{LIMIT, within};

/// Asks each tokio task makes in turn (fewer under Miri).
const PER_TASK: u64 = if cfg!(miri) { 4 } else { 250 };

/// Starts a runtime thread with one counter actor; it runs until every `Remote` is gone.
fn counter_thread() -> (Remote<u64>, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let mut rt = Runtime::new();
        let counter = rt.spawn(|_| 0u64);
        tx.send(counter.remote()).unwrap();
        let _ = rt.run_until(|_| false);
    });
    (rx.recv().unwrap(), thread)
}

fn asks_from(runtime: tokio::runtime::Runtime) {
    within(LIMIT, move || {
        let (remote, thread) = counter_thread();
        let total = runtime.block_on(async {
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let remote = remote.clone();
                    tokio::spawn(async move {
                        for _ in 0..PER_TASK {
                            remote
                                .ask(|n, _| {
                                    *n += 1;
                                    *n
                                })
                                .await
                                .unwrap();
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            remote.ask(|n, _| *n).await
        });
        assert_eq!(total, Ok(4 * PER_TASK));
        drop(remote);
        thread.join().unwrap();
    });
}

#[test]
fn ask_from_tokio_current_thread() {
    asks_from(
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
    );
}

#[test]
fn ask_from_tokio_multi_thread() {
    asks_from(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    );
}

#[test]
fn ask_with_futures_block_on() {
    within(LIMIT, || {
        let (remote, thread) = counter_thread();
        let answer = futures::executor::block_on(remote.ask(|n, _| {
            *n += 7;
            n.to_string()
        }));
        assert_eq!(answer.as_deref(), Ok("7"));
        drop(remote);
        thread.join().unwrap();
    });
}

#[test]
fn an_actor_that_stopped_answers_closed() {
    within(LIMIT, || {
        let (remote, thread) = counter_thread();
        let first = futures::executor::block_on(remote.ask(|_, cx| cx.stop()));
        assert_eq!(first, Ok(()));
        let after = futures::executor::block_on(remote.ask(|n, _| *n));
        assert_eq!(after, Err(Closed(())));
        drop(remote);
        thread.join().unwrap();
    });
}

#[test]
fn a_panicking_call_answers_closed() {
    within(LIMIT, || {
        let (remote, thread) = counter_thread();
        let answer = futures::executor::block_on(remote.ask(|_, _| -> u8 { panic!("handler") }));
        assert_eq!(answer, Err(Closed(())));
        drop(remote);
        thread.join().unwrap();
    });
}

#[test]
fn a_dropped_runtime_answers_closed() {
    within(LIMIT, || {
        let (tx, rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            let mut rt = Runtime::new();
            let counter = rt.spawn(|_| 0u64);
            tx.send(counter.remote()).unwrap();
            // Dropped without running: queued calls are dropped unrun.
        });
        let remote = rx.recv().unwrap();
        let pending = remote.ask(|n, _| *n);
        thread.join().unwrap();
        assert_eq!(futures::executor::block_on(pending), Err(Closed(())));
        // Asked after the runtime is gone: refused at once.
        assert_eq!(
            futures::executor::block_on(remote.ask(|n, _| *n)),
            Err(Closed(()))
        );
    });
}

#[test]
fn a_pending_ask_dropped_by_its_runtime_does_not_disturb_the_actor() {
    within(LIMIT, || {
        let (remote, thread) = counter_thread();
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        for _ in 0..8 {
            let remote = remote.clone();
            tokio.spawn(async move { remote.ask(|n, _| *n += 1).await });
        }
        drop(tokio); // the asks may be pending or not even sent; none is answered to anyone
        let seen = futures::executor::block_on(remote.ask(|n, _| *n)).unwrap();
        assert!(seen <= 8);
        drop(remote);
        thread.join().unwrap();
    });
}
