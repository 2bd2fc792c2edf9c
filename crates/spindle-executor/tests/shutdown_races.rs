//! Shutdown racing submitters, counted: every job either ran exactly once or was handed back,
//! every admitted task's handle completes, and every closure is dropped exactly once.
//!
//! `pool.rs` already races four `execute` producers against `shutdown`; these add `spawn`,
//! jobs submitted from inside the pool, the blocking entry points (`install`, `join`, `scope`,
//! batches) and the pool's drop.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use spindle_executor::ThreadPool;
use spindle_test_support::{LIMIT, Tokens, race_delay, race_rounds, scaled, within};

/// Each round's shutdown comes 200 µs later than the previous one's, so it lands early,
/// midway and late.
const STEP: Duration = Duration::from_micros(200);

/// Runs `round(r, tokens)` for each round `r` of `race_rounds()`, all within `LIMIT`, each
/// round with fresh tokens that must all be dropped exactly once when it returns (its pool
/// dropped with it); returns the rounds' values.
fn in_rounds<R: Send + 'static>(
    mut round: impl FnMut(usize, &Tokens) -> R + Send + 'static,
) -> Vec<R> {
    within(LIMIT, move || {
        (0..race_rounds())
            .map(|r| {
                let tokens = Tokens::new();
                let value = round(r, &tokens);
                tokens.assert_each_dropped_once();
                value
            })
            .collect()
    })
}

/// Races two threads running `racer(t, pool, count, tokens)` (for `t` in `0..2`, both let go
/// at once) against `pool.shutdown()`, which comes `race_delay(round, STEP)` after they start.
/// Returns `count` as it stood when `shutdown` returned, and the two threads' values.
fn race_shutdown<T: Send + 'static>(
    round: usize,
    pool: &Arc<ThreadPool>,
    count: &Arc<AtomicUsize>,
    tokens: &Tokens,
    racer: impl Fn(usize, &Arc<ThreadPool>, &Arc<AtomicUsize>, &Tokens) -> T + Send + Sync + 'static,
) -> (usize, Vec<T>) {
    let racer = Arc::new(racer);
    let start = Arc::new(Barrier::new(3));
    let racers: Vec<_> = (0..2)
        .map(|t| {
            let (pool, count, start, tokens, racer) = (
                Arc::clone(pool),
                Arc::clone(count),
                Arc::clone(&start),
                tokens.clone(),
                Arc::clone(&racer),
            );
            thread::spawn(move || {
                start.wait();
                racer(t, &pool, &count, &tokens)
            })
        })
        .collect();
    start.wait();
    thread::sleep(race_delay(round, STEP));
    pool.shutdown();
    let at_shutdown = count.load(Ordering::SeqCst);
    let values = racers.into_iter().map(|r| r.join().unwrap()).collect();
    (at_shutdown, values)
}

#[test]
fn execute_and_spawn_from_two_threads_racing_shutdown_run_or_hand_back_every_job() {
    let per_thread = scaled(20_000);
    // Per round: whether the shutdown landed mid-stream.
    let raced = in_rounds(move |round, tokens| {
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        let ran = Arc::new(AtomicUsize::new(0));
        let (ran_at_shutdown, handed_back) =
            race_shutdown(round, &pool, &ran, tokens, move |t, pool, ran, tokens| {
                let (mut handed_back, mut handles) = (0, Vec::new());
                for i in 0..per_thread {
                    let (ran, token) = (Arc::clone(ran), tokens.token());
                    let job = move || {
                        let _token = token;
                        ran.fetch_add(1, Ordering::SeqCst);
                    };
                    // Thread 0 executes; thread 1 alternates spawn and execute.
                    let refused = if t == 1 && i % 2 == 0 {
                        match pool.spawn(job) {
                            Ok(handle) => {
                                handles.push(handle);
                                false
                            }
                            Err(back) => {
                                drop(back.into_inner()); // unrun: drops its token
                                true
                            }
                        }
                    } else {
                        pool.execute(job).is_err()
                    };
                    handed_back += usize::from(refused);
                }
                // Every admitted task completes, even across the shutdown.
                handles.into_iter().for_each(|h| h.join().unwrap());
                handed_back
            });
        let handed_back: usize = handed_back.into_iter().sum();
        let ran = ran.load(Ordering::SeqCst);
        assert_eq!(ran_at_shutdown, ran, "a job ran after shutdown returned");
        assert_eq!(ran + handed_back, 2 * per_thread, "round {round}");
        ran > 0 && handed_back > 0
    });
    assert!(
        raced.contains(&true) || cfg!(miri),
        "no round raced the shutdown"
    );
}

#[test]
fn jobs_submitted_from_inside_workers_during_shutdown_all_run() {
    in_rounds(|round, tokens| {
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        let (spawned, ran) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut handed_back = 0;
        // Parents that keep fanning out from inside the pool while it shuts down.
        for _ in 0..8 {
            let (inner, spawned, ran, tokens) = (
                Arc::clone(&pool),
                Arc::clone(&spawned),
                Arc::clone(&ran),
                tokens.clone(),
            );
            let parent = move || {
                for _ in 0..scaled(500) {
                    let (ran, token) = (Arc::clone(&ran), tokens.token());
                    inner
                        .execute(move || {
                            let _token = token;
                            ran.fetch_add(1, Ordering::SeqCst);
                        })
                        .expect("a worker's own submissions are never refused");
                    spawned.fetch_add(1, Ordering::SeqCst);
                }
            };
            handed_back += usize::from(pool.execute(parent).is_err());
        }
        thread::sleep(race_delay(round, STEP));
        pool.shutdown();
        // Every child of every admitted parent ran before shutdown returned.
        assert_eq!(handed_back, 0);
        assert_eq!(spawned.load(Ordering::SeqCst), 8 * scaled(500));
        assert_eq!(ran.load(Ordering::SeqCst), 8 * scaled(500), "round {round}");
    });
}

#[test]
fn blocking_calls_from_outside_racing_shutdown_run_every_closure_exactly_once() {
    let per_thread = scaled(300);
    in_rounds(move |round, tokens| {
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        let calls = Arc::new(AtomicUsize::new(0));
        race_shutdown(
            round,
            &pool,
            &calls,
            tokens,
            move |_, pool, calls, tokens| {
                let hit = || {
                    calls.fetch_add(1, Ordering::SeqCst);
                };
                for i in 0..per_thread {
                    let token = tokens.token();
                    match i % 4 {
                        0 => pool.install(move || {
                            let _token = token;
                            hit();
                        }),
                        1 => {
                            let _ = pool.join(hit, move || {
                                let _token = token;
                                hit();
                            });
                        }
                        2 => pool.scope(|s| {
                            s.spawn(|_| hit());
                            s.spawn(move |_| {
                                let _token = token;
                                hit();
                            });
                        }),
                        _ => {
                            let mut out = [0u8; 2];
                            pool.for_each_mut(&mut out, |_, _| hit());
                            drop(token);
                        }
                    }
                }
            },
        );
        // install: 1 call; join, scope and the two-element batch: 2 each.
        let per_cycle = 1 + 2 + 2 + 2;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2 * per_thread / 4 * per_cycle,
            "round {round}"
        );
    });
}

#[test]
fn the_last_handle_dropped_by_a_submitter_while_others_submit_loses_nothing() {
    let per_thread = scaled(5_000);
    in_rounds(move |round, tokens| {
        let ran = Arc::new(AtomicUsize::new(0));
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        let submitters: Vec<_> = (0..2)
            .map(|t| {
                let (pool, ran, tokens) = (Arc::clone(&pool), Arc::clone(&ran), tokens.clone());
                thread::spawn(move || {
                    let mut handed_back = 0;
                    for i in 0..per_thread {
                        let (ran, token) = (Arc::clone(&ran), tokens.token());
                        let job = move || {
                            let _token = token;
                            ran.fetch_add(1, Ordering::SeqCst);
                        };
                        handed_back += usize::from(pool.execute(job).is_err());
                        if t == 0 && i == per_thread / 2 {
                            // Racing the other submitter: whoever drops last shuts it down.
                            pool.shutdown();
                        }
                    }
                    drop(pool);
                    handed_back
                })
            })
            .collect();
        thread::sleep(race_delay(round, STEP));
        drop(pool);
        let handed_back: usize = submitters.into_iter().map(|s| s.join().unwrap()).sum();
        assert_eq!(ran.load(Ordering::SeqCst) + handed_back, 2 * per_thread);
    });
}
