//! ThreadPool behaviour: jobs run, results and panics come back, shutdown loses nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use spindle_executor::{BuildError, Closed, JoinHandle, ThreadPool};

mod common;
use common::{eventually, in_a_task, pool_with_handler};

/// Scales a workload down under Miri.
fn scaled(n: usize) -> usize {
    if cfg!(miri) { (n / 1000).max(8) } else { n }
}

#[test]
fn send_and_sync_contracts() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<ThreadPool>();
    send::<JoinHandle<u8>>();
    send_sync::<BuildError>();
}

#[test]
fn zero_threads_is_a_typed_error() {
    assert!(matches!(ThreadPool::new(0), Err(BuildError::ZeroThreads)));
    let err = ThreadPool::builder().num_threads(0).build().unwrap_err();
    assert_eq!(err.to_string(), "a pool needs at least one thread");
}

#[test]
fn every_executed_job_runs_once_before_drop_returns() {
    let ran = Arc::new(AtomicUsize::new(0));
    let n = scaled(100_000);
    let pool = ThreadPool::new(3).unwrap();
    for _ in 0..n {
        let ran = Arc::clone(&ran);
        pool.execute(move || {
            ran.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
    }
    drop(pool);
    assert_eq!(ran.load(Ordering::Relaxed), n);
}

#[test]
fn spawned_results_come_back_in_their_handles() {
    let pool = ThreadPool::new(2).unwrap();
    let handles: Vec<_> = (0..100u64)
        .map(|i| pool.spawn(move || i * i).unwrap())
        .collect();
    let got: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(got, (0..100u64).map(|i| i * i).collect::<Vec<_>>());
}

#[test]
fn a_panicking_task_reports_its_payload_and_the_worker_survives() {
    let pool = ThreadPool::new(1).unwrap();
    let before = pool
        .spawn(|| thread::current().id())
        .unwrap()
        .join()
        .unwrap();
    let err = pool
        .spawn(|| -> u8 { panic!("task failed") })
        .unwrap()
        .join()
        .unwrap_err();
    assert_eq!(err.message(), Some("task failed"));
    // Same thread still serving: the worker was not replaced, nor lost.
    let after = pool
        .spawn(|| thread::current().id())
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(pool.stats().workers.len(), 1);
}

#[test]
fn panics_in_executed_jobs_reach_the_handler_and_are_counted() {
    let seen = Arc::new(AtomicUsize::new(0));
    let pool = {
        let seen = Arc::clone(&seen);
        pool_with_handler(2, move |payload| {
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"job failed"));
            seen.fetch_add(1, Ordering::SeqCst);
        })
    };
    for _ in 0..10 {
        pool.execute(|| panic!("job failed")).unwrap();
    }
    let ok = pool.spawn(|| 1).unwrap().join().unwrap();
    pool.shutdown();
    assert_eq!(ok, 1);
    assert_eq!(seen.load(Ordering::SeqCst), 10);
    assert_eq!(pool.stats().total().panicked, 10);
    assert_eq!(pool.stats().total().executed, 11);
}

#[test]
fn jobs_after_shutdown_are_handed_back_unrun() {
    let pool = ThreadPool::new(2).unwrap();
    pool.shutdown();
    pool.shutdown(); // idempotent
    let ran = Arc::new(AtomicUsize::new(0));
    let job = {
        let ran = Arc::clone(&ran);
        move || {
            ran.fetch_add(1, Ordering::SeqCst);
        }
    };
    let Closed(job) = pool.execute(job).unwrap_err();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    job();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert!(pool.spawn(|| 5).is_err());
}

#[test]
fn producers_racing_shutdown_lose_no_job() {
    // Every job either ran exactly once or came back: counted on both sides.
    const PRODUCERS: usize = 4;
    let per_producer = scaled(250_000);
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let ran = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(PRODUCERS + 1));
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let (pool, ran, start) = (Arc::clone(&pool), Arc::clone(&ran), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                let mut handed_back = 0;
                for _ in 0..per_producer {
                    let ran = Arc::clone(&ran);
                    if pool
                        .execute(move || {
                            ran.fetch_add(1, Ordering::Relaxed);
                        })
                        .is_err()
                    {
                        handed_back += 1;
                    }
                }
                handed_back
            })
        })
        .collect();
    start.wait();
    thread::sleep(Duration::from_millis(if cfg!(miri) { 0 } else { 5 }));
    pool.shutdown();
    let handed_back: usize = producers.into_iter().map(|h| h.join().unwrap()).sum();
    // After shutdown returned, every admitted job has run.
    assert_eq!(
        ran.load(Ordering::Relaxed) + handed_back,
        PRODUCERS * per_producer
    );
}

#[test]
fn a_task_may_join_a_task_it_spawned_even_on_one_thread() {
    let (_, sum) = in_a_task(1, |pool| {
        let children: Vec<_> = (0..10u32)
            .map(|i| pool.spawn(move || i + 1).unwrap())
            .collect();
        children.into_iter().map(|h| h.join().unwrap()).sum::<u32>()
    });
    assert_eq!(sum, 55);
}

#[test]
fn idle_workers_park_instead_of_spinning() {
    let pool = ThreadPool::builder()
        .num_threads(2)
        .spin_limit(10)
        .build()
        .unwrap();
    pool.spawn(|| ()).unwrap().join().unwrap();
    eventually("a worker never parked", || pool.stats().sleeping >= 2);
    // Parked, they still wake for new work, and count the park once awake.
    assert_eq!(pool.spawn(|| 3).unwrap().join().unwrap(), 3);
    eventually("a park was not counted", || pool.stats().total().parked > 0);
}

#[test]
fn work_spreads_over_workers_by_stealing() {
    // One task fans out on its worker's deque while it keeps that worker busy: the others can
    // only get the children by stealing.
    let (pool, ()) = in_a_task(2, |pool| {
        let kids: Vec<_> = (0..64)
            .map(|_| {
                pool.spawn(|| thread::sleep(Duration::from_micros(200)))
                    .unwrap()
            })
            .collect();
        kids.into_iter().for_each(|h| h.join().unwrap());
    });
    if !cfg!(miri) {
        assert!(pool.stats().total().stolen > 0, "{:?}", pool.stats());
    }
}

#[test]
fn pinned_pools_build_and_run() {
    let pool = ThreadPool::builder()
        .num_threads(3)
        .pin_to_cores(true)
        .build()
        .unwrap();
    let sum: u32 = (0..6)
        .map(|i| pool.spawn(move || i).unwrap())
        .map(|h| h.join().unwrap())
        .sum();
    assert_eq!(sum, 15);
}
