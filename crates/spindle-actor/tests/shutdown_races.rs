//! Races with the end of a runtime (or of what it talks to), counted: every wake, call and
//! offloaded job is delivered, dropped or handed back exactly once, and nobody hangs.
//!
//! `remote.rs` already races remote calls against the runtime's drop, and `shards.rs` races
//! calls (also cross-shard) against `Shards::shutdown`; these add wakers, the last handle going
//! away under a sleeping `run_until`, and offloaded work racing its pool's shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use spindle_actor::{Fwd, Runtime, Stalled};
use spindle_test_support::{LIMIT, Tokens, scaled, within};

/// Runs `round` under the watchdog, `scaled(10)` times, each with a fresh ledger (checked once
/// the round returns) and a fresh runtime, which the round drops where its race needs it.
fn each_round(mut round: impl FnMut(usize, &Tokens, Runtime) + Send + 'static) {
    within(LIMIT, move || {
        for i in 0..scaled(10) {
            let tokens = Tokens::new();
            round(i, &tokens, Runtime::new());
            tokens.assert_each_dropped_once();
        }
    });
}

#[test]
fn wakes_racing_the_runtimes_drop_are_answered_or_refused() {
    each_round(|round, tokens, mut rt| {
        let handled = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let (h, token) = (handled.clone(), tokens.token());
        let waker = rt.waker(Fwd::new(move |()| {
            let _keep = &token;
            h.set(h.get() + 1);
        }));
        let attempts = Arc::new(AtomicUsize::new(0));
        let wakers: Vec<_> = (0..2)
            .map(|_| {
                let (waker, attempts) = (waker.clone(), Arc::clone(&attempts));
                thread::spawn(move || {
                    // Wake until refused a few times: the drop lands among the wakes.
                    let (mut ok, mut refused) = (0, 0);
                    while refused < 100 {
                        attempts.fetch_add(1, Ordering::Relaxed);
                        match waker.wake() {
                            Ok(()) => {
                                assert_eq!(refused, 0, "a wake got in after one was refused");
                                ok += 1;
                            }
                            Err(_) => refused += 1,
                        }
                    }
                    ok
                })
            })
            .collect();
        drop(waker);
        // Serve a while (longer each round), then drop the runtime under the wakers.
        let start = Instant::now();
        while attempts.load(Ordering::Relaxed) < scaled(1_000) * (round + 1) {
            assert!(start.elapsed() < LIMIT, "the wakers never ran");
            rt.run(Instant::now());
            thread::yield_now();
        }
        drop(rt);
        let accepted: usize = wakers.into_iter().map(|w| w.join().unwrap()).sum();
        // Wakes coalesce: never more handler calls than accepted wakes.
        assert!(handled.get() <= accepted);
        // The ledger checks that the handler went with the runtime.
    });
}

#[test]
fn the_last_remote_dropped_while_run_until_sleeps_ends_it_with_stalled() {
    each_round(|_, tokens, mut rt| {
        let counter = rt.spawn(|_| 0usize);
        let ran = Arc::new(AtomicUsize::new(0));
        let senders: Vec<_> = (0..3)
            .map(|_| {
                let (remote, ran, tokens) = (counter.remote(), Arc::clone(&ran), tokens.clone());
                thread::spawn(move || {
                    for _ in 0..scaled(2_000) {
                        let (ran, token) = (Arc::clone(&ran), tokens.token());
                        remote
                            .call(move |n, _| {
                                let _token = token;
                                *n += 1;
                                ran.fetch_add(1, Ordering::SeqCst);
                            })
                            .unwrap();
                    }
                    thread::sleep(Duration::from_micros(200));
                    drop(remote); // the last one of them leaves the runtime nothing to wait for
                })
            })
            .collect();
        // Never done: only the stall detection can end this.
        assert_eq!(rt.run_until(|_| false), Err(Stalled));
        senders.into_iter().for_each(|s| s.join().unwrap());
        assert_eq!(ran.load(Ordering::SeqCst), 3 * scaled(2_000));
        assert_eq!(rt.query(&counter, |n, _| *n), Some(3 * scaled(2_000)));
        drop((counter, rt));
    });
}

#[cfg(feature = "executor")]
#[test]
fn offloaded_work_racing_its_pools_shutdown_continues_exactly_once() {
    use spindle_actor::OffloadError;
    use spindle_executor::ThreadPool;
    use std::sync::Barrier;
    use std::sync::atomic::AtomicBool;

    // Rounds where the shutdown fell among the offloads.
    let raced = Arc::new(AtomicUsize::new(0));
    let raced_in = Arc::clone(&raced);
    each_round(move |round, tokens, mut rt| {
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        // (results, not run)
        let client = rt.spawn(|_| (0usize, 0usize));
        let jobs = scaled(2_000);
        // Halfway through offloading, the client lets the closer shut the pool down, and
        // goes on once the closer is about to.
        let halfway = Arc::new(Barrier::new(2));
        let closing = Arc::new(AtomicBool::new(false));
        let (p, t, h, c) = (
            Arc::clone(&pool),
            tokens.clone(),
            Arc::clone(&halfway),
            Arc::clone(&closing),
        );
        client.call(move |_, cx| {
            for i in 0..jobs {
                if i == jobs / 2 {
                    h.wait();
                    while !c.load(Ordering::SeqCst) {
                        thread::yield_now();
                    }
                }
                let (work_token, then_token) = (t.token(), t.token());
                cx.offload(
                    &p,
                    move || {
                        let _work_token = work_token;
                        1usize
                    },
                    move |(ok, not_run): &mut (usize, usize), _, r| {
                        let _then_token = then_token;
                        match r {
                            Ok(1) => *ok += 1,
                            Err(OffloadError::NotRun) => *not_run += 1,
                            other => panic!("unexpected {other:?}"),
                        }
                    },
                );
            }
        });
        let closer = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || {
                halfway.wait();
                thread::sleep(Duration::from_micros(20 * round as u64));
                closing.store(true, Ordering::SeqCst);
                pool.shutdown();
            })
        };
        rt.run_until(|core| client.query(core, |(ok, not_run), _| *ok + *not_run) == Some(jobs))
            .unwrap();
        closer.join().unwrap();
        drop(pool);
        // Nothing more arrives after every job was accounted for.
        rt.run(Instant::now());
        let (ok, not_run) = rt.query(&client, |c, _| *c).unwrap();
        assert_eq!(ok + not_run, jobs);
        assert!(
            ok >= jobs / 2,
            "the jobs offloaded before the shutdown all ran"
        );
        raced_in.fetch_add(usize::from(not_run > 0), Ordering::SeqCst);
        drop((client, rt));
    });
    let raced = raced.load(Ordering::SeqCst);
    assert!(raced > 0 || cfg!(miri), "no round raced the shutdown");
}
