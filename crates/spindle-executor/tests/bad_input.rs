//! Bad input and misuse, each under a timeout that fails instead of hanging: empty batches,
//! requests after shutdown from every kind of caller, shutdown (and the pool's drop) from
//! inside the pool's own jobs, and pools used from each other's workers.
//!
//! Already covered elsewhere, not repeated here: zero threads (`pool.rs`), `execute`/`spawn`
//! after shutdown handing the closure back (`pool.rs`), `join`/`install`/scope/batches after
//! shutdown running on the caller (`join.rs`, `scope.rs`, `batch.rs`), mismatched
//! `map_into` lengths (`batch.rs`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use spindle_executor::{BuildError, Closed, MAX_THREADS, ThreadPool};
use spindle_test_support::{LIMIT, Tokens, within};

/// After shutdown, from outside: `execute`/`spawn` hand back, the rest runs on the caller.
#[track_caller]
fn assert_refuses_and_runs_inline(pool: &ThreadPool) {
    assert!(matches!(pool.execute(|| ()), Err(Closed(_))));
    assert!(pool.spawn(|| ()).is_err());
    let me = thread::current().id();
    assert_eq!(pool.install(|| thread::current().id()), me);
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
    let mut out = [0; 3];
    pool.for_each_mut(&mut out, |i, x| *x = i);
    assert_eq!(out, [0, 1, 2]);
}

// ---------------------------------------------------------------------------------------------
// Huge counts and sizes: typed errors, never a panic or an abort

#[test]
fn a_thread_count_too_large_for_memory_is_a_typed_error() {
    within(LIMIT, || {
        for threads in [usize::MAX, usize::MAX / 2, 1 << 40, MAX_THREADS + 1] {
            match ThreadPool::new(threads) {
                Err(BuildError::TooManyThreads(n)) => assert_eq!(n, threads),
                other => panic!("{threads} threads: {other:?}"),
            }
            let err = ThreadPool::builder()
                .num_threads(threads)
                .spin_limit(u32::MAX)
                .build()
                .unwrap_err();
            assert!(err.to_string().contains(&threads.to_string()), "{err}");
            assert!(std::error::Error::source(&err).is_none());
        }
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri does not model thread stack sizes")]
fn a_stack_size_the_os_refuses_is_a_spawn_error() {
    within(LIMIT, || {
        for bytes in [usize::MAX, usize::MAX / 2, 1 << 46] {
            let built = ThreadPool::builder()
                .num_threads(2)
                .stack_size(bytes)
                .build();
            assert!(
                matches!(built, Err(BuildError::Spawn(_))),
                "{bytes}: {built:?}"
            );
        }
        // The builder still works with sane settings afterwards.
        assert_eq!(ThreadPool::new(2).unwrap().install(|| 1), 1);
    });
}

// ---------------------------------------------------------------------------------------------
// Empty input

#[test]
fn empty_batches_call_nothing_and_succeed() {
    within(LIMIT, || {
        let pool = ThreadPool::new(2).unwrap();
        pool.for_each_index(0, |_| panic!("called for an empty range"));
        let mut empty: [u8; 0] = [];
        pool.for_each_mut(&mut empty, |_, _| panic!("called for an empty slice"));
        let input: [u8; 0] = [];
        assert_eq!(
            pool.map_into(&input, &mut empty, |_| panic!("called for no input")),
            Ok(())
        );
        let err = pool.map_into(&[1u8], &mut empty, |x| *x).unwrap_err();
        assert_eq!((err.input, err.output), (1, 0));
        // A scope with no task, a batch of one.
        assert_eq!(pool.scope(|_| 5), 5);
        let hits = AtomicUsize::new(0);
        pool.for_each_index(1, |_| {
            hits.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(hits.into_inner(), 1);
    });
}

/// Queues `n` jobs on `pool`, each holding a token of `tokens` and adding one to `ran`.
fn execute_counted(pool: &ThreadPool, ran: &Arc<AtomicUsize>, tokens: &Tokens, n: usize) {
    for _ in 0..n {
        let (ran, token) = (Arc::clone(ran), tokens.token());
        pool.execute(move || {
            let _token = token;
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Shutdown from inside the pool

#[test]
fn shutdown_from_inside_an_executed_job_returns_and_the_pool_drains() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        let ran = Arc::new(AtomicUsize::new(0));
        let (done_tx, done_rx) = mpsc::channel();
        // Jobs queued before the shutdown all run.
        execute_counted(&pool, &ran, &tokens, 50);
        let (inner, r, token) = (Arc::clone(&pool), Arc::clone(&ran), tokens.token());
        pool.execute(move || {
            let _token = token;
            inner.shutdown(); // from a worker: starts the shutdown, must not wait for itself
            inner.shutdown(); // twice, still from inside
            // A worker may still submit: its job goes to its own deque and runs.
            let child = inner
                .spawn(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                })
                .expect("a worker's own submission is accepted during shutdown");
            child.join().unwrap();
            done_tx.send(()).unwrap();
        })
        .unwrap();
        done_rx.recv_timeout(LIMIT).expect("the job finished");
        // From outside, the pool is closed; this shutdown joins the workers.
        pool.shutdown();
        assert_eq!(ran.load(Ordering::SeqCst), 51);
        assert_refuses_and_runs_inline(&pool);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn shutdown_from_inside_install_join_scope_and_batches_returns() {
    within(LIMIT, || {
        type Case = fn(&ThreadPool);
        let cases: [(&str, Case); 5] = [
            ("install", |pool| pool.install(|| pool.shutdown())),
            ("join", |pool| {
                pool.join(|| pool.shutdown(), || pool.shutdown());
            }),
            ("scope body", |pool| pool.scope(|_| pool.shutdown())),
            ("scope task", |pool| {
                let tasks_after = AtomicUsize::new(0);
                pool.scope(|s| {
                    s.spawn(|s| {
                        pool.shutdown();
                        // Spawning into the scope after the shutdown began still works.
                        for _ in 0..3 {
                            s.spawn(|_| {
                                tasks_after.fetch_add(1, Ordering::SeqCst);
                            });
                        }
                    });
                });
                assert_eq!(tasks_after.into_inner(), 3);
            }),
            ("batch", |pool| {
                let calls = AtomicUsize::new(0);
                pool.for_each_index(100, |i| {
                    if i == 10 {
                        pool.shutdown();
                    }
                    calls.fetch_add(1, Ordering::SeqCst);
                });
                assert_eq!(calls.into_inner(), 100, "the batch still completes");
            }),
        ];
        for (name, case) in cases {
            let pool = ThreadPool::new(2).unwrap();
            let (tx, rx) = mpsc::channel();
            let pool = Arc::new(pool);
            let p = Arc::clone(&pool);
            thread::spawn(move || {
                case(&p);
                let _ = tx.send(());
            });
            rx.recv_timeout(LIMIT)
                .unwrap_or_else(|_| panic!("shutdown from inside {name} hung"));
            pool.shutdown();
            assert_refuses_and_runs_inline(&pool);
        }
    });
}

#[test]
fn dropping_the_last_handle_to_a_pool_inside_its_own_job_does_not_deadlock() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(2).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let (gate_tx, gate_rx) = mpsc::channel::<ThreadPool>();
        let (done_tx, done_rx) = mpsc::channel();
        // The job receives the pool itself and drops it: `Drop` runs on one of its workers.
        let token = tokens.token();
        pool.execute(move || {
            let _token = token;
            let pool = gate_rx.recv().unwrap();
            drop(pool);
            done_tx.send(()).unwrap();
        })
        .unwrap();
        execute_counted(&pool, &ran, &tokens, 20);
        gate_tx.send(pool).unwrap();
        done_rx
            .recv_timeout(LIMIT)
            .expect("the pool dropped on its own worker");
        // The workers drain what was queued and exit on their own.
        let start = std::time::Instant::now();
        while tokens.live() > 0 {
            assert!(start.elapsed() < LIMIT, "queued jobs were lost");
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(ran.load(Ordering::SeqCst), 20);
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// Requests after shutdown, and concurrent shutdowns

#[test]
fn a_task_admitted_before_shutdown_can_be_joined_after_it() {
    within(LIMIT, || {
        let pool = Arc::new(ThreadPool::new(1).unwrap());
        let (release, gate) = mpsc::channel::<()>();
        let blocker = pool.spawn(move || gate.recv().unwrap()).unwrap();
        let queued: Vec<_> = (0..10u32).map(|i| pool.spawn(move || i).unwrap()).collect();
        // Shut down while all ten wait behind the blocker; the closer blocks until they ran.
        let closer = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.shutdown())
        };
        let start = std::time::Instant::now();
        while pool.execute(|| ()).is_ok() {
            assert!(start.elapsed() < LIMIT, "the shutdown never began");
            thread::yield_now();
        }
        release.send(()).unwrap();
        blocker.join().unwrap();
        let sum: u32 = queued.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(sum, 45);
        closer.join().unwrap();
        assert_refuses_and_runs_inline(&pool);
    });
}

/// A pool of two workers with 200 jobs queued, each sleeping `job_time` and then counting
/// itself in the returned counter.
fn pool_with_200_counted_jobs(job_time: Duration) -> (Arc<ThreadPool>, Arc<AtomicUsize>) {
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..200 {
        let ran = Arc::clone(&ran);
        pool.execute(move || {
            if !job_time.is_zero() {
                thread::sleep(job_time);
            }
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    (pool, ran)
}

/// Shuts `pool` down from three threads at once; what each saw in `ran` when its call returned.
fn shut_down_from_three_threads(pool: &Arc<ThreadPool>, ran: &Arc<AtomicUsize>) -> Vec<usize> {
    let closers: Vec<_> = (0..3)
        .map(|_| {
            let (pool, ran) = (Arc::clone(pool), Arc::clone(ran));
            thread::spawn(move || {
                pool.shutdown();
                ran.load(Ordering::SeqCst)
            })
        })
        .collect();
    closers.into_iter().map(|c| c.join().unwrap()).collect()
}

/// Several threads shutting the pool down at once: none deadlocks or panics, and once all have
/// returned every admitted job has run.
#[test]
fn concurrent_shutdowns_all_return() {
    within(LIMIT, || {
        for _ in 0..spindle_test_support::scaled(20) {
            let (pool, ran) = pool_with_200_counted_jobs(Duration::ZERO);
            shut_down_from_three_threads(&pool, &ran);
            assert_eq!(ran.load(Ordering::SeqCst), 200);
            assert_refuses_and_runs_inline(&pool);
        }
    });
}

/// Several threads shutting the pool down at once (say, two owners of an `Arc<ThreadPool>`
/// tearing down): each call returns only once every admitted job has run, as a single call
/// does, not just the call that joins the workers (the others once returned at once, while
/// queued jobs were still running).
#[test]
fn concurrent_shutdowns_each_return_after_every_admitted_job_ran() {
    within(LIMIT, || {
        for _ in 0..spindle_test_support::scaled(20) {
            let (pool, ran) = pool_with_200_counted_jobs(Duration::from_micros(100));
            let seen = shut_down_from_three_threads(&pool, &ran);
            assert_eq!(
                seen, [200; 3],
                "jobs run when each shutdown returned (one call joined the workers)"
            );
            assert_eq!(ran.load(Ordering::SeqCst), 200);
            assert_refuses_and_runs_inline(&pool);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Pools used from each other's workers

#[test]
fn a_task_of_one_pool_joins_spawns_and_installs_into_another() {
    within(LIMIT, || {
        let a = Arc::new(ThreadPool::new(2).unwrap());
        let b = Arc::new(ThreadPool::new(1).unwrap());
        let (aa, bb) = (Arc::clone(&a), Arc::clone(&b));
        let total = a
            .spawn(move || {
                // A handle of pool B joined on a worker of pool A, which helps A meanwhile.
                let from_b = bb.spawn(|| 20).unwrap().join().unwrap();
                let (x, y) = bb.join(|| 1, || 2);
                let installed = bb.install(|| aa.install(|| 3)); // back into A, from B's worker
                let mut out = [0u32; 8];
                bb.for_each_mut(&mut out, |i, v| *v = i as u32);
                from_b + x + y + installed + out.iter().sum::<u32>()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(total, 20 + 1 + 2 + 3 + 28);
    });
}

/// A scope's tasks must run in the scope's pool (or, after its shutdown, on the caller, as
/// `ThreadPool::scope` documents), not on whatever pool's worker is running: a task of a
/// shut-down pool's scope once landed in another pool's deque, and the scope could return
/// while its task was still queued there (debug builds then failed the `pending == 0`
/// assertion in `scope_here`; release builds let the task use the dead scope). The test drains
/// that deque itself before the scope returns, so the old mistake fails cleanly.
#[test]
fn after_shutdown_a_scope_called_from_another_pools_worker_runs_its_tasks_on_the_caller() {
    within(Duration::from_secs(5), || {
        let shut = Arc::new(ThreadPool::new(1).unwrap());
        shut.shutdown();
        let other = Arc::new(ThreadPool::new(1).unwrap());
        let o = Arc::clone(&other);
        let ran_inline = other
            .spawn(move || {
                // Queued under anything the scope pushes onto this (only) worker's deque, so
                // joining it runs that first: the scope then never returns with work pending.
                let drain = o.spawn(|| ()).unwrap();
                let ran = AtomicBool::new(false);
                let ran_inline = shut.scope(|s| {
                    s.spawn(|_| ran.store(true, Ordering::SeqCst));
                    let inline = ran.load(Ordering::SeqCst);
                    drain.join().unwrap();
                    inline
                });
                assert!(ran.load(Ordering::SeqCst));
                ran_inline
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(
            ran_inline,
            "the task went to the other pool instead of running on the caller"
        );
    });
}

/// The same mistake while the scope's pool runs: a task spawned into a scope of pool A from a
/// worker of pool B (through `B.install`) must go to pool A; run on B, its completion would
/// wake worker `owner` of pool B (out of bounds here) instead of pool A's waiting owner, which
/// could sleep forever.
#[test]
fn a_scope_task_spawned_from_another_pools_worker_wakes_the_scopes_owner() {
    within(Duration::from_secs(5), || {
        let a = ThreadPool::builder()
            .num_threads(2)
            .spin_limit(0)
            .build()
            .unwrap();
        let b = ThreadPool::builder()
            .num_threads(1)
            .spin_limit(0)
            .build()
            .unwrap();
        let finished = AtomicUsize::new(0);
        for _ in 0..5 {
            a.scope(|s| {
                b.install(|| {
                    s.spawn(|_| {
                        thread::sleep(Duration::from_millis(30));
                        finished.fetch_add(1, Ordering::SeqCst);
                    });
                });
            });
        }
        assert_eq!(finished.load(Ordering::SeqCst), 5);
    });
}

/// The other ways a scope's task can be spawned off its pool's workers, while the pool runs:
/// from a thread the body lends the scope to, from a task through another pool's `install`, and
/// from another pool's batch. Every task runs on a worker of the scope's pool, and the scope
/// returns only once all of them have run.
#[test]
fn scope_tasks_spawned_off_the_pool_run_on_the_scopes_workers() {
    within(LIMIT, || {
        let a = ThreadPool::builder()
            .num_threads(2)
            .thread_name(|i| format!("scope-home-{i}"))
            .spin_limit(0)
            .build()
            .unwrap();
        let b = ThreadPool::builder()
            .num_threads(2)
            .spin_limit(0)
            .build()
            .unwrap();
        let on_a = |ran: &AtomicUsize| {
            let name = thread::current().name().map(str::to_owned);
            assert!(
                name.as_deref()
                    .is_some_and(|n| n.starts_with("scope-home-")),
                "a scope task ran on {name:?}"
            );
            thread::sleep(Duration::from_millis(if cfg!(miri) { 0 } else { 2 }));
            ran.fetch_add(1, Ordering::SeqCst);
        };
        for _ in 0..if cfg!(miri) { 2 } else { 20 } {
            let ran = AtomicUsize::new(0);
            let (ran, on_a) = (&ran, &on_a);
            a.scope(|s| {
                thread::scope(|t| {
                    t.spawn(|| s.spawn(move |_| on_a(ran)));
                });
                s.spawn(|s| {
                    b.install(|| s.spawn(move |_| on_a(ran)));
                    b.for_each_index(4, |_| s.spawn(move |_| on_a(ran)));
                });
            });
            assert_eq!(ran.load(Ordering::SeqCst), 1 + 1 + 4);
        }
    });
}
