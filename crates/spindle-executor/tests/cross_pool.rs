//! Pools waiting on each other: chains of two and three pools that call back into the first
//! (A → B → A, A → B → C → A), through `install`, `join`, `JoinHandle::join`, `scope` and every
//! batch API, with one and two threads per pool, each under a watchdog so that a deadlock fails
//! instead of hanging.
//!
//! Every chain starts on *every* worker of A at once (`on_every_worker`), so that no worker of A
//! is left free to run the call back into A: before workers helped their own pool while they
//! waited on another one, each of these hung. Pools park at once when idle (`spin_limit(0)`),
//! so the waits go through the park and wake paths, not only the spinning ones.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use spindle_executor::ThreadPool;
use spindle_test_support::{LIMIT, scaled, within};

/// Thread counts of the first pool and of the others: every chain runs with each.
const SHAPES: [(usize, usize); 4] = [(1, 1), (1, 2), (2, 1), (2, 2)];

/// Rounds per shape: lost wake-ups show up as a hang in some round, not in the first.
fn rounds() -> usize {
    scaled(50)
}

fn pool(threads: usize) -> Arc<ThreadPool> {
    Arc::new(
        ThreadPool::builder()
            .num_threads(threads)
            .spin_limit(0)
            .build()
            .unwrap(),
    )
}

/// Runs `f` on every worker of `pool` at the same time (all of them are inside `f` before any
/// calls it), and returns the results. So while `f` waits on another pool, no worker of `pool`
/// is free, unless waiting workers help.
fn on_every_worker<T: Send>(pool: &ThreadPool, f: impl Fn() -> T + Sync) -> Vec<T> {
    let n = pool.num_threads();
    let barrier = Barrier::new(n);
    let results: Vec<std::sync::Mutex<Option<T>>> =
        (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    pool.scope(|s| {
        for slot in &results {
            let (barrier, f) = (&barrier, &f);
            s.spawn(move |_| {
                barrier.wait();
                *slot.lock().unwrap() = Some(f());
            });
        }
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap()
                .expect("every worker ran its chain")
        })
        .collect()
}

/// Runs `chain(a, b, c)` on every worker of `a`, for every shape, `rounds()` times, and checks
/// each result against `expected`.
fn for_every_shape(
    expected: usize,
    chain: impl Fn(&Arc<ThreadPool>, &Arc<ThreadPool>, &Arc<ThreadPool>) -> usize
    + Send
    + Sync
    + 'static,
) {
    within(LIMIT, move || {
        for (a_threads, other_threads) in SHAPES {
            let (a, b, c) = (pool(a_threads), pool(other_threads), pool(other_threads));
            for _ in 0..rounds() {
                let results = on_every_worker(&a, || chain(&a, &b, &c));
                assert_eq!(
                    results,
                    vec![expected; a_threads],
                    "shape {a_threads}/{other_threads}"
                );
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// The case, from outside every pool

#[test]
fn an_install_chain_back_into_a_one_thread_pool_returns() {
    within(LIMIT, || {
        let a = pool(1);
        let b = pool(1);
        let a2 = Arc::clone(&a);
        let b2 = Arc::clone(&b);
        assert_eq!(a.install(move || b2.install(move || a2.install(|| 7))), 7);
    });
}

// ---------------------------------------------------------------------------------------------
// Chains of two pools, A → B → A

#[test]
fn install_chains_of_two_pools_complete() {
    for_every_shape(7, |a, b, _| b.install(|| a.install(|| 7)));
}

#[test]
fn join_chains_of_two_pools_complete() {
    for_every_shape(1 + 2 + 3, |a, b, _| {
        let (ab, c) = b.join(
            || {
                let (x, y) = a.join(|| 1, || 2);
                x + y
            },
            || 3,
        );
        ab + c
    });
}

#[test]
fn join_handle_chains_of_two_pools_complete() {
    for_every_shape(7, |a, b, _| {
        let a = Arc::clone(a);
        b.spawn(move || a.spawn(|| 7).unwrap().join().unwrap())
            .unwrap()
            .join()
            .unwrap()
    });
}

#[test]
fn scope_chains_of_two_pools_complete() {
    for_every_shape(4, |a, b, _| {
        let count = AtomicUsize::new(0);
        b.scope(|s| {
            for _ in 0..2 {
                s.spawn(|_| {
                    a.scope(|s| {
                        for _ in 0..2 {
                            s.spawn(|_| {
                                count.fetch_add(1, Ordering::SeqCst);
                            });
                        }
                    });
                });
            }
        });
        count.into_inner()
    });
}

#[test]
fn for_each_index_chains_of_two_pools_complete() {
    for_every_shape((0..8).sum(), |a, b, _| {
        let sum = AtomicUsize::new(0);
        b.for_each_index(4, |i| {
            a.for_each_index(2, |j| {
                sum.fetch_add(2 * i + j, Ordering::SeqCst);
            });
        });
        sum.into_inner()
    });
}

#[test]
fn for_each_mut_and_map_into_chains_of_two_pools_complete() {
    for_every_shape(2 * (0..6).sum::<usize>() + 6, |a, b, _| {
        let mut items = [0usize; 6];
        b.for_each_mut(&mut items, |i, item| *item = a.install(|| i));
        let mut doubled = [0usize; 6];
        b.map_into(&items, &mut doubled, |&x| {
            let mut one = [0usize; 1];
            a.map_into(&[x], &mut one, |&x| 2 * x + 1).unwrap();
            one[0]
        })
        .unwrap();
        doubled.iter().sum()
    });
}

// ---------------------------------------------------------------------------------------------
// Chains of three pools, A → B → C → A

#[test]
fn install_chains_of_three_pools_complete() {
    for_every_shape(7, |a, b, c| b.install(|| c.install(|| a.install(|| 7))));
}

#[test]
fn chains_of_three_pools_through_every_kind_of_wait_complete() {
    // A's worker joins a task of B; B's task runs a scope on C; C's task runs a batch on A,
    // whose calls join on A and install into B.
    for_every_shape(3 * 4, |a, b, c| {
        let (a, b2, c) = (Arc::clone(a), Arc::clone(b), Arc::clone(c));
        b.spawn(move || {
            let total = AtomicUsize::new(0);
            c.scope(|s| {
                for _ in 0..3 {
                    s.spawn(|_| {
                        a.for_each_index(2, |_| {
                            let (x, y) = a.join(|| b2.install(|| 1), || 1);
                            total.fetch_add(x + y, Ordering::SeqCst);
                        });
                    });
                }
            });
            total.into_inner()
        })
        .unwrap()
        .join()
        .unwrap()
    });
}

// ---------------------------------------------------------------------------------------------
// Two chains at once, and a slow link

#[test]
fn two_chains_at_once_on_a_two_thread_pool_complete() {
    within(LIMIT, || {
        let a = pool(2);
        let b = pool(1);
        for _ in 0..rounds() {
            // Both of A's workers wait on B; B's single worker runs both B jobs (the second
            // while it waits for A on behalf of the first), and each calls back into A.
            let results = on_every_worker(&a, || b.install(|| a.install(|| 5) + b.install(|| 1)));
            assert_eq!(results, [6, 6]);
        }
    });
}

#[test]
fn a_worker_parked_on_another_pool_is_woken_by_a_job_injected_into_its_own() {
    within(LIMIT, || {
        let a = pool(1);
        let b = pool(1);
        for _ in 0..scaled(10) {
            // B's job sleeps first, so A's worker is parked (not spinning) in its wait on B when
            // the job back into A arrives through A's injector.
            let v = a.install(|| {
                b.install(|| {
                    thread::sleep(Duration::from_millis(if cfg!(miri) { 0 } else { 2 }));
                    a.install(|| 9)
                })
            });
            assert_eq!(v, 9);
        }
    });
}

#[test]
fn a_worker_waiting_on_another_pool_keeps_running_its_own_pools_jobs() {
    within(LIMIT, || {
        let a = pool(1);
        let b = pool(1);
        let ran = Arc::new(AtomicUsize::new(0));
        let (a2, ran2) = (Arc::clone(&a), Arc::clone(&ran));
        // A's only worker waits on B until ten jobs submitted to A from outside have run: they
        // can only run on that worker, while it waits.
        let seen = a.install(move || {
            b.install(move || {
                for _ in 0..10 {
                    let ran = Arc::clone(&ran2);
                    a2.execute(move || {
                        ran.fetch_add(1, Ordering::SeqCst);
                    })
                    .unwrap();
                }
                while ran2.load(Ordering::SeqCst) < 10 {
                    thread::yield_now();
                }
                ran2.load(Ordering::SeqCst)
            })
        });
        assert_eq!(seen, 10);
        assert_eq!(ran.load(Ordering::SeqCst), 10);
    });
}
