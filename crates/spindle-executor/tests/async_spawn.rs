//! `JoinHandle` as a future: awaited from tokio (current_thread and multi_thread with two
//! workers) and `futures::executor::block_on`; a panicking job, a pool shut down and a runtime
//! dropped with futures pending each resolve (or unwind) without a hang.

#![cfg(not(spindle_loom))]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, mpsc};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use spindle_executor::{Closed, JoinHandle, TaskPanic, ThreadPool};
use spindle_test_support::CountingWaker;
use spindle_test_support::{LIMIT, assert_impl_all, within};

assert_impl_all!(JoinHandle<u8>: Send, Sync, Unpin, Future<Output = Result<u8, TaskPanic>>);

/// Jobs each tokio task awaits in turn (fewer under Miri).
const PER_TASK: u64 = if cfg!(miri) { 4 } else { 100 };

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn awaits_many(runtime: tokio::runtime::Runtime) {
    within(LIMIT, move || {
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        let total = runtime.block_on(async {
            let tasks: Vec<_> = (0..8u64)
                .map(|t| {
                    let pool = Arc::clone(&pool);
                    tokio::spawn(async move {
                        let mut sum = 0;
                        for i in 0..PER_TASK {
                            sum += pool.spawn(move || t * PER_TASK + i).unwrap().await.unwrap();
                        }
                        sum
                    })
                })
                .collect();
            let mut total = 0;
            for task in tasks {
                total += task.await.unwrap();
            }
            total
        });
        let n = 8 * PER_TASK;
        assert_eq!(total, n * (n - 1) / 2);
    });
}

#[test]
fn awaited_from_tokio_current_thread() {
    awaits_many(current_thread());
}

#[test]
fn awaited_from_tokio_multi_thread() {
    awaits_many(multi_thread());
}

#[test]
fn awaited_with_futures_block_on() {
    let pool = ThreadPool::new(1).unwrap();
    let handle = pool.spawn(|| {
        std::thread::sleep(Duration::from_millis(5));
        "done"
    });
    let got = futures::executor::block_on(handle.unwrap());
    assert_eq!(got.unwrap(), "done");
}

#[test]
fn a_panicking_job_resolves_to_its_panic() {
    let pool = ThreadPool::new(2).unwrap();
    let runtime = current_thread();
    let err: TaskPanic = runtime
        .block_on(pool.spawn(|| -> u8 { panic!("job failed") }).unwrap())
        .unwrap_err();
    assert_eq!(err.message(), Some("job failed"));
    // The pool is still usable.
    assert_eq!(runtime.block_on(pool.spawn(|| 1).unwrap()).unwrap(), 1);
}

#[test]
fn the_waker_of_the_latest_poll_is_woken() {
    let pool = ThreadPool::new(1).unwrap();
    let (go, gate) = mpsc::channel::<()>();
    let mut handle = pool
        .spawn(move || {
            gate.recv().unwrap();
            5
        })
        .unwrap();
    let first = Arc::new(CountingWaker::default());
    let second = Arc::new(CountingWaker::default());
    let poll = |handle: &mut JoinHandle<i32>, waker: &Arc<CountingWaker>| {
        let waker = Waker::from(Arc::clone(waker));
        Pin::new(handle).poll(&mut Context::from_waker(&waker))
    };
    assert!(poll(&mut handle, &first).is_pending());
    assert!(poll(&mut handle, &second).is_pending());
    go.send(()).unwrap();
    within(LIMIT, {
        let second = Arc::clone(&second);
        move || {
            while second.0.load(SeqCst) == 0 {
                std::thread::yield_now();
            }
        }
    });
    assert_eq!(first.0.load(SeqCst), 0);
    match poll(&mut handle, &second) {
        Poll::Ready(Ok(value)) => assert_eq!(value, 5),
        other => panic!("expected the value, got {:?}", other.map(|r| r.is_ok())),
    }
}

#[test]
fn shutting_the_pool_down_resolves_pending_futures() {
    within(LIMIT, || {
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        let runtime = multi_thread();
        let started = Arc::new(Barrier::new(3));
        let tasks: Vec<_> = (0..2)
            .map(|i| {
                let started = Arc::clone(&started);
                let handle = pool
                    .spawn(move || {
                        started.wait();
                        std::thread::sleep(Duration::from_millis(20));
                        i
                    })
                    .unwrap();
                runtime.spawn(handle)
            })
            .collect();
        // Queued behind the two running jobs: still pending when the shutdown starts.
        let queued: Vec<_> = (10..14)
            .map(|i| runtime.spawn(pool.spawn(move || i).unwrap()))
            .collect();
        started.wait();
        pool.shutdown();
        // Shutdown runs every admitted job, so each future resolves with its value ...
        runtime.block_on(async {
            for (i, task) in tasks.into_iter().enumerate() {
                assert_eq!(task.await.unwrap().unwrap(), i);
            }
            for (i, task) in (10..).zip(queued) {
                assert_eq!(task.await.unwrap().unwrap(), i);
            }
        });
        // ... and a spawn after it is refused with the typed error, handing the job back.
        let refused: Closed<_> = pool.spawn(|| 99).unwrap_err();
        assert_eq!((refused.0)(), 99);
    });
}

#[test]
fn dropping_the_pool_with_futures_pending_resolves_them() {
    within(LIMIT, || {
        let runtime = multi_thread();
        let pool = ThreadPool::new(1).unwrap();
        let pending: Vec<_> = (0..4)
            .map(|i| {
                let handle = pool
                    .spawn(move || {
                        std::thread::sleep(Duration::from_millis(5));
                        i
                    })
                    .unwrap();
                runtime.spawn(handle)
            })
            .collect();
        drop(pool);
        let got: Vec<i32> = runtime.block_on(async {
            let mut got = Vec::new();
            for task in pending {
                got.push(task.await.unwrap().unwrap());
            }
            got
        });
        assert_eq!(got, [0, 1, 2, 3]);
    });
}

#[test]
fn dropping_the_runtime_with_futures_pending_detaches_the_jobs() {
    within(LIMIT, || {
        let pool = ThreadPool::new(1).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let (go, gate) = mpsc::channel::<()>();
        let runtime = multi_thread();
        let first = {
            let ran = Arc::clone(&ran);
            pool.spawn(move || {
                gate.recv().unwrap();
                ran.fetch_add(1, SeqCst);
            })
            .unwrap()
        };
        runtime.spawn(first);
        for _ in 0..3 {
            let ran = Arc::clone(&ran);
            runtime.spawn(pool.spawn(move || ran.fetch_add(1, SeqCst)).unwrap());
        }
        std::thread::sleep(Duration::from_millis(10)); // let the tasks poll their handles
        drop(runtime); // drops the pending futures, and the wakers they registered
        go.send(()).unwrap();
        pool.shutdown(); // the jobs still run; waking a dropped runtime's waker is harmless
        assert_eq!(ran.load(SeqCst), 4);
    });
}
