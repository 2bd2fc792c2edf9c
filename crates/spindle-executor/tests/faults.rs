//! Fault injection: a panic at every point where the pool runs user code, and each time
//!
//! - the caller sees the documented outcome (the panic handler, a `Panic`, the panic
//!   resumed once every other participant has stopped),
//! - the pool keeps serving afterwards with all its workers (a follow-up `spawn`, `install`
//!   and `join` complete), and
//! - nothing leaks: every closure, result and panic payload carries a [`Token`], and each token
//!   is dropped exactly once by the end.

use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use spindle_executor::{Panic, ThreadPool};

mod common;
use common::pool_with_handler;
use spindle_test_support::{BombPayload, LIMIT, Token, Tokens, message, scaled, within};

/// Long enough that the other half of a join, or the other tasks of a scope, are still
/// running when the panic happens.
fn pause() {
    thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 20 }));
}

/// The pool still serves, with every worker: a spawned task, an install and a join complete,
/// and as many tasks as workers run at once (a lost worker would leave one waiting forever).
#[track_caller]
fn assert_serves(pool: &ThreadPool) {
    assert_eq!(pool.spawn(|| 40 + 2).unwrap().join().unwrap(), 42);
    assert_eq!(pool.install(|| 7), 7);
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
    let n = pool.num_threads();
    let all_at_once = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let all_at_once = Arc::clone(&all_at_once);
            pool.spawn(move || {
                all_at_once.wait();
            })
            .unwrap()
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
}

/// The thread a one-worker pool runs its jobs on.
fn worker_of(pool: &ThreadPool) -> thread::ThreadId {
    pool.spawn(|| thread::current().id())
        .unwrap()
        .join()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// `execute`

/// Runs `body` (within the time limit) on a fresh two-worker pool with a fresh token set,
/// then checks what every fault test checks last: the pool still serves, and every token was
/// dropped exactly once.
fn with_pool_and_tokens(body: impl FnOnce(&ThreadPool, &Tokens) + Send + 'static) {
    within(LIMIT, || {
        let tokens = Tokens::new();
        // Batches shared however busy the machine: some tests need two participants at once.
        let pool = ThreadPool::builder()
            .num_threads(2)
            .solo_when_busy(false)
            .build()
            .unwrap();
        body(&pool, &tokens);
        assert_serves(&pool);
        tokens.assert_each_dropped_once();
    });
}

/// A pool of `threads` workers whose panic handler keeps `keep(payload)` of every panic, in
/// the list returned with it.
fn pool_keeping<T: Send + 'static>(
    threads: usize,
    keep: impl Fn(Box<dyn std::any::Any + Send>) -> T + Send + Sync + 'static,
) -> (ThreadPool, Arc<Mutex<Vec<T>>>) {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let into = Arc::clone(&kept);
    let pool = pool_with_handler(threads, move |payload| {
        into.lock().unwrap().push(keep(payload));
    });
    (pool, kept)
}

#[test]
fn a_panicking_executed_job_reaches_the_handler_and_its_worker_survives() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let (pool, seen) = pool_keeping(1, |payload| message(&*payload).map(str::to_owned));
        let before = worker_of(&pool);
        let ran_after = Arc::new(AtomicUsize::new(0));
        let token = tokens.token();
        pool.execute(move || {
            let _token = token;
            panic!("execute fault");
        })
        .unwrap();
        for _ in 0..10 {
            let (token, ran_after) = (tokens.token(), Arc::clone(&ran_after));
            pool.execute(move || {
                let _token = token;
                ran_after.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        assert_eq!(worker_of(&pool), before, "the same worker still serves");
        assert_serves(&pool);
        pool.shutdown();
        assert_eq!(*seen.lock().unwrap(), [Some("execute fault".to_owned())]);
        assert_eq!(ran_after.load(Ordering::SeqCst), 10);
        assert_eq!(pool.stats().total().panicked, 1);
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn a_panicking_executed_job_without_a_handler_is_contained() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(2).unwrap();
        for i in 0..20 {
            let token = tokens.token();
            pool.execute(move || {
                let _token = token;
                assert!(i % 2 == 1, "job {i} failed");
            })
            .unwrap();
        }
        assert_serves(&pool);
        pool.shutdown();
        assert_eq!(pool.stats().total().panicked, 10);
        assert_eq!(pool.stats().workers.len(), 2);
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn a_panicking_panic_handler_does_not_take_the_worker_down() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let handled = Arc::new(AtomicUsize::new(0));
        let pool = {
            let handled = Arc::clone(&handled);
            pool_with_handler(1, move |_| {
                handled.fetch_add(1, Ordering::SeqCst);
                panic!("the handler itself failed");
            })
        };
        let before = worker_of(&pool);
        for _ in 0..3 {
            let token = tokens.token();
            pool.execute(move || panic_any(token)).unwrap();
        }
        assert_eq!(worker_of(&pool), before);
        assert_serves(&pool);
        pool.shutdown();
        assert_eq!(handled.load(Ordering::SeqCst), 3);
        tokens.assert_each_dropped_once(); // the payloads too
    });
}

#[test]
fn the_payload_of_an_executed_jobs_panic_is_dropped_once_with_or_without_a_handler() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let (with_handler, kept) = pool_keeping(2, |payload| payload);
        let without = ThreadPool::new(2).unwrap();
        for pool in [&with_handler, &without] {
            for _ in 0..5 {
                let token = tokens.token();
                pool.execute(move || panic_any(token)).unwrap();
            }
            pool.shutdown();
        }
        let kept = std::mem::take(&mut *kept.lock().unwrap());
        assert_eq!(kept.len(), 5);
        assert!(kept.iter().all(|p| p.downcast_ref::<Token>().is_some()));
        assert_eq!(
            tokens.live(),
            5,
            "only the payloads the handler kept are alive"
        );
        drop(kept);
        tokens.assert_each_dropped_once();
    });
}

/// A payload whose own `Drop` panics. The docs promise the worker survives *any* panicking
/// job; without a handler the pool drops the payload itself, and must contain that panic too.
#[test]
fn a_payload_that_panics_when_dropped_does_not_kill_the_worker() {
    within(Duration::from_secs(5), || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(1).unwrap();
        let token = tokens.token();
        pool.execute(move || panic_any(BombPayload(token))).unwrap();
        // With its only worker gone, this would wait forever.
        assert_serves(&pool);
        pool.shutdown();
        tokens.assert_each_dropped_once();
    });
}

/// A payload whose every drop panics, with another such payload: the pool contains the first
/// drop's panic and must not drop the next payload too (and so on forever), nor abort.
struct Relentless {
    /// Counts the payload's drop.
    _token: Option<Token>,
}

impl Drop for Relentless {
    fn drop(&mut self) {
        if !thread::panicking() {
            panic_any(Relentless { _token: None });
        }
    }
}

/// Drops a payload the test holds whose `Drop` may panic, containing that panic.
fn defuse(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

#[test]
fn a_payload_whose_every_drop_panics_again_is_dropped_once_and_the_worker_survives() {
    within(Duration::from_secs(5), || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(1).unwrap();
        for _ in 0..3 {
            let token = tokens.token();
            pool.execute(move || {
                panic_any(Relentless {
                    _token: Some(token),
                })
            })
            .unwrap();
        }
        assert_serves(&pool);
        pool.shutdown();
        assert_eq!(pool.stats().total().panicked, 3);
        tokens.assert_each_dropped_once();
    });
}

/// The panic handler's own panic is caught too, and so is the drop of that panic's payload.
#[test]
fn a_panic_handler_whose_panic_payload_panics_when_dropped_does_not_kill_the_worker() {
    within(Duration::from_secs(5), || {
        let tokens = Tokens::new();
        let handled = Arc::new(AtomicUsize::new(0));
        let pool = {
            let (tokens, handled) = (tokens.clone(), Arc::clone(&handled));
            pool_with_handler(1, move |_| {
                handled.fetch_add(1, Ordering::SeqCst);
                panic_any(BombPayload(tokens.token()));
            })
        };
        for _ in 0..3 {
            pool.execute(|| panic!("job fault")).unwrap();
        }
        assert_serves(&pool);
        pool.shutdown();
        assert_eq!(handled.load(Ordering::SeqCst), 3);
        assert_eq!(tokens.made(), 3);
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// `spawn`

#[test]
fn a_panicking_spawned_task_comes_back_as_a_task_panic() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(1).unwrap();
        let before = worker_of(&pool);
        let token = tokens.token();
        let err: Panic = pool
            .spawn(move || -> Token {
                let _token = token;
                panic!("spawn fault")
            })
            .unwrap()
            .join()
            .unwrap_err();
        assert_eq!(err.message(), Some("spawn fault"));
        assert_eq!(err.to_string(), "panicked: spawn fault");
        // A typed payload comes back whole.
        let token = tokens.token();
        let payload = pool
            .spawn(move || -> u8 { panic_any(token) })
            .unwrap()
            .join()
            .unwrap_err()
            .into_payload();
        assert!(payload.downcast_ref::<Token>().is_some());
        assert_eq!(tokens.live(), 1, "only the payload we hold");
        drop(payload);
        // Results of tasks that did not panic are tokens too.
        let results: Vec<Token> = (0..4)
            .map(|_| {
                let token = tokens.token();
                pool.spawn(move || token).unwrap()
            })
            .map(|h| h.join().unwrap())
            .collect();
        drop(results);
        assert_eq!(worker_of(&pool), before);
        assert_serves(&pool);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn a_detached_panicking_task_drops_its_closure_and_payload() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(1).unwrap();
        // Hold the only worker so the tasks below are still queued when their handles go.
        let (release, gate) = mpsc::channel::<()>();
        let blocker = pool.spawn(move || gate.recv().unwrap()).unwrap();
        for i in 0..6 {
            let (token, payload) = (tokens.token(), tokens.token());
            let handle = pool
                .spawn(move || {
                    let _token = token;
                    if i % 2 == 0 {
                        panic_any(payload);
                    }
                    payload // a result nobody will read
                })
                .unwrap();
            drop(handle);
        }
        release.send(()).unwrap();
        blocker.join().unwrap();
        assert_serves(&pool);
        pool.shutdown();
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// `join`

/// Runs `join(a, b)` with side `side` panicking (payload: a token) and the other side slow,
/// and checks the panic arrives only after the other side finished.
fn join_with_a_panicking_side(pool: &ThreadPool, tokens: &Tokens, side: usize) {
    let other_finished = AtomicBool::new(false);
    let (token_a, token_b) = (tokens.token(), tokens.token());
    let payload = tokens.token();
    let panicking = move || -> u8 { panic_any(payload) };
    let slow = || -> u8 {
        pause();
        other_finished.store(true, Ordering::SeqCst);
        1
    };
    // `slow` borrows only `other_finished`: a copy of it fills the side that does not panic.
    let mut halves: [Box<dyn FnOnce() -> u8 + Send + '_>; 2] = [Box::new(slow), Box::new(slow)];
    halves[side] = Box::new(panicking);
    let [a, b] = halves;
    let result = catch_unwind(AssertUnwindSafe(|| {
        pool.join(
            move || {
                let _t = token_a;
                a()
            },
            move || {
                let _t = token_b;
                b()
            },
        )
    }));
    let payload = result.unwrap_err();
    assert!(payload.downcast_ref::<Token>().is_some(), "side {side}");
    assert!(
        other_finished.load(Ordering::SeqCst),
        "side {side}: resumed before the other half finished"
    );
}

#[test]
fn a_panic_on_either_side_of_a_join_is_resumed_after_both_finished() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        for side in [0, 1] {
            // From outside the pool, then from one of its workers.
            join_with_a_panicking_side(&pool, &tokens, side);
            let (inner, t) = (Arc::clone(&pool), tokens.clone());
            pool.spawn(move || join_with_a_panicking_side(&inner, &t, side))
                .unwrap()
                .join()
                .unwrap();
        }
        assert_serves(&pool);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn when_both_sides_of_a_join_panic_the_first_sides_panic_wins_and_the_other_is_dropped() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(2).unwrap();
        for _ in 0..scaled(20) {
            let (a, b) = (tokens.token(), tokens.token());
            let (a_id, b_id) = (a.id(), b.id());
            let payload = catch_unwind(AssertUnwindSafe(|| {
                pool.join(
                    move || -> u8 { panic_any(a) },
                    move || -> u8 { panic_any(b) },
                )
            }))
            .unwrap_err();
            let resumed = payload.downcast_ref::<Token>().unwrap().id();
            assert_eq!(resumed, a_id, "not b's ({b_id})");
            assert_eq!(tokens.live(), 1, "b's payload was dropped");
        }
        assert_serves(&pool);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// `scope`

#[test]
fn a_panicking_scoped_task_is_resumed_after_every_task_finished() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(2).unwrap();
        let finished = AtomicUsize::new(0);
        let tasks = 16;
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for i in 0..tasks {
                    let (token, payload) = (tokens.token(), tokens.token());
                    let (finished, tokens) = (&finished, &tokens);
                    s.spawn(move |s| {
                        let _token = token;
                        if i == 3 {
                            panic_any(payload);
                        }
                        drop(payload);
                        // A nested task too, slower than the panicking one.
                        let nested = tokens.token();
                        s.spawn(move |_| {
                            let _nested = nested;
                            pause();
                            finished.fetch_add(1, Ordering::SeqCst);
                        });
                        pause();
                        finished.fetch_add(1, Ordering::SeqCst);
                    });
                }
            })
        }));
        let payload = result.unwrap_err();
        assert!(payload.downcast_ref::<Token>().is_some());
        assert_eq!(
            finished.load(Ordering::SeqCst),
            2 * (tasks - 1),
            "every other task and nested task had finished"
        );
        drop(payload);
        assert_serves(&pool);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn a_panicking_nested_task_and_several_panics_in_one_scope_resume_one_and_drop_the_rest() {
    with_pool_and_tokens(|pool, tokens| {
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for _ in 0..8 {
                    let payload = tokens.token();
                    s.spawn(move |s| {
                        s.spawn(move |_| panic_any(payload));
                    });
                }
            })
        }));
        let payload = result.unwrap_err();
        assert!(payload.downcast_ref::<Token>().is_some());
        assert_eq!(tokens.live(), 1, "one payload resumed, seven dropped");
        drop(payload);
    });
}

#[test]
fn a_panicking_scope_body_waits_for_its_tasks_and_its_panic_wins() {
    with_pool_and_tokens(|pool, tokens| {
        let finished = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for _ in 0..4 {
                    let (token, payload) = (tokens.token(), tokens.token());
                    let finished = &finished;
                    s.spawn(move |_| {
                        let _token = token;
                        pause();
                        finished.fetch_add(1, Ordering::SeqCst);
                        panic_any(payload); // loses to the body's
                    });
                }
                panic!("body fault");
            })
        }));
        assert_eq!(message(&*result.unwrap_err()), Some("body fault"));
        assert_eq!(finished.load(Ordering::SeqCst), 4);
    });
}

/// Several tasks of one scope panic with payloads whose `Drop` panics: the scope keeps the
/// first and drops the others, and a panic in such a drop must not skip the task's completion
/// (the scope would wait forever) or reach the caller instead of the first payload.
#[test]
fn scope_tasks_whose_payloads_panic_when_dropped_resume_one_and_drop_the_rest() {
    within(Duration::from_secs(5), || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(2).unwrap();
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for _ in 0..8 {
                    let token = tokens.token();
                    s.spawn(move |_| panic_any(BombPayload(token)));
                }
            })
        }));
        let payload = result.unwrap_err();
        assert!(payload.is::<BombPayload>());
        assert_eq!(tokens.live(), 1, "the payload resumed; the rest dropped");
        defuse(payload);
        // The body's panic wins over such payloads, which are dropped before it is resumed.
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for _ in 0..4 {
                    let token = tokens.token();
                    s.spawn(move |_| {
                        panic_any(Relentless {
                            _token: Some(token),
                        })
                    });
                }
                panic!("body fault");
            })
        }));
        assert_eq!(message(&*result.unwrap_err()), Some("body fault"));
        assert_serves(&pool);
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// Batches: `for_each_index`, `for_each_mut`, `map_into`

/// Tracks the calls of a batch: how many are inside `f` now, and each index's calls.
struct BatchProbe {
    inside: AtomicUsize,
    calls: Vec<AtomicUsize>,
}

impl BatchProbe {
    fn new(len: usize) -> Self {
        BatchProbe {
            inside: AtomicUsize::new(0),
            calls: (0..len).map(|_| AtomicUsize::new(0)).collect(),
        }
    }

    /// Enters a call of index `i`; the guard leaves it (also when the call panics).
    fn enter(&self, i: usize) -> impl Drop + '_ {
        struct Leave<'a>(&'a AtomicUsize);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.calls[i].fetch_add(1, Ordering::SeqCst);
        self.inside.fetch_add(1, Ordering::SeqCst);
        Leave(&self.inside)
    }

    /// Checks, after the panic reached the caller, that nobody is still inside `f`, that no
    /// index ran twice, that the batch stopped early, and that nothing runs later.
    #[track_caller]
    fn assert_stopped(&self) {
        assert_eq!(
            self.inside.load(Ordering::SeqCst),
            0,
            "a call still running"
        );
        let total = || {
            self.calls
                .iter()
                .map(|c| c.load(Ordering::SeqCst))
                .sum::<usize>()
        };
        assert!(self.calls.iter().all(|c| c.load(Ordering::SeqCst) <= 1));
        let after = total();
        assert!(after < self.calls.len(), "the batch was not stopped");
        pause();
        assert_eq!(total(), after, "calls ran after the panic was resumed");
    }
}

const BATCH: usize = 4096;
const FAULTY: usize = 100;

#[test]
fn a_panicking_for_each_index_call_is_resumed_after_every_participant_stopped() {
    with_pool_and_tokens(|pool, tokens| {
        let probe = BatchProbe::new(BATCH);
        let payload = Mutex::new(Some(tokens.token()));
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.for_each_index(BATCH, |i| {
                let _inside = probe.enter(i);
                if i == FAULTY {
                    panic_any(payload.lock().unwrap().take().unwrap());
                }
                thread::yield_now();
            })
        }));
        assert!(result.unwrap_err().downcast_ref::<Token>().is_some());
        probe.assert_stopped();
    });
}

/// A batch that panics stops every participant promptly, not only the one that panicked: each
/// reads the panic flag before each piece of its chunk (16 indices, doubling, at most 1024), so
/// once the panic has left the call each other participant runs fewer than 1024 more calls
/// (one more piece allowed here, for a flag read just before it was set). Once, 18 % of the
/// remaining calls still ran: the other participants finished the chunks (a quarter of the
/// batch, at first) they had claimed. What runs while the panic hook prints (the first
/// backtrace of a process can take a tenth of a second) is not counted: the batch cannot see
/// the panic before it unwinds, which the guard below marks.
#[test]
fn a_panicking_batch_stops_the_other_participants_within_a_piece() {
    /// Records how many calls had started when the panic unwound through the failing call.
    struct Unwinding<'a> {
        calls: &'a AtomicUsize,
        at: &'a AtomicUsize,
    }
    impl Drop for Unwinding<'_> {
        fn drop(&mut self) {
            self.at
                .store(self.calls.load(Ordering::SeqCst), Ordering::SeqCst);
        }
    }
    within(LIMIT, || {
        const LEN: usize = 100_000;
        const MAX_PIECE: usize = 1024;
        let pool = ThreadPool::new(4).unwrap();
        for _ in 0..scaled(5) {
            let calls = AtomicUsize::new(0);
            let at_unwind = AtomicUsize::new(usize::MAX);
            let result = catch_unwind(AssertUnwindSafe(|| {
                pool.for_each_index(LEN, |i| {
                    let before = calls.fetch_add(1, Ordering::SeqCst);
                    // Panic once the other participants are under way, mid-chunk.
                    if before == 3 * MAX_PIECE {
                        let _mark = Unwinding {
                            calls: &calls,
                            at: &at_unwind,
                        };
                        panic!("call {i} failed");
                    }
                    thread::yield_now();
                })
            }));
            assert!(result.is_err());
            let (total, at_unwind) = (calls.into_inner(), at_unwind.into_inner());
            let others = pool.num_threads() - 1;
            assert!(
                total <= at_unwind + others * 2 * MAX_PIECE,
                "{} calls ran after the panic unwound, {:.1} % of the remaining {}",
                total - at_unwind,
                100.0 * (total - at_unwind) as f64 / (LEN - at_unwind) as f64,
                LEN - at_unwind,
            );
        }
        assert_serves(&pool);
    });
}

#[test]
fn a_panicking_for_each_mut_call_leaves_every_element_owned_by_the_caller() {
    with_pool_and_tokens(|pool, tokens| {
        let probe = BatchProbe::new(BATCH);
        let mut items: Vec<Option<Token>> = (0..BATCH).map(|_| Some(tokens.token())).collect();
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.for_each_mut(&mut items, |i, item| {
                let _inside = probe.enter(i);
                // Replace the element: the old token drops here, the new one is the caller's.
                *item = Some(tokens.token());
                assert!(i != FAULTY, "element {i} failed");
                thread::yield_now();
            })
        }));
        assert_eq!(message(&*result.unwrap_err()), Some("element 100 failed"));
        probe.assert_stopped();
        assert!(
            items.iter().all(Option::is_some),
            "every slot still holds a value"
        );
        assert_eq!(
            tokens.live(),
            BATCH,
            "exactly the caller's elements are alive"
        );
        drop(items);
    });
}

#[test]
fn a_panicking_map_into_call_writes_no_half_result_and_leaks_nothing() {
    with_pool_and_tokens(|pool, tokens| {
        let probe = BatchProbe::new(BATCH);
        let input: Vec<usize> = (0..BATCH).collect();
        let mut output: Vec<Token> = (0..BATCH).map(|_| tokens.token()).collect();
        let old_ids: Vec<usize> = output.iter().map(Token::id).collect();
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.map_into(&input, &mut output, |&i| {
                let _inside = probe.enter(i);
                assert!(i != FAULTY, "input {i} failed");
                thread::yield_now();
                tokens.token()
            })
        }));
        assert_eq!(message(&*result.unwrap_err()), Some("input 100 failed"));
        probe.assert_stopped();
        assert_eq!(
            output[FAULTY].id(),
            old_ids[FAULTY],
            "the faulty slot kept its value"
        );
        assert_eq!(tokens.live(), BATCH);
        drop(output);
    });
}

/// Two participants of a batch panic at once, with payloads whose `Drop` panics: the loser's
/// payload is dropped with that panic contained. Otherwise the panic would skip a helper's
/// completion (the caller waits forever) or unwind the caller out of the batch while a helper
/// still uses the batch on its stack.
#[test]
fn two_batch_participants_whose_payloads_panic_when_dropped_resume_one() {
    with_pool_and_tokens(|pool, tokens| {
        for _ in 0..scaled(10) {
            let entered = AtomicUsize::new(0);
            let result = catch_unwind(AssertUnwindSafe(|| {
                // Two indices, one per participant; each waits for the other before panicking.
                pool.for_each_index(2, |_| {
                    entered.fetch_add(1, Ordering::SeqCst);
                    let start = std::time::Instant::now();
                    while entered.load(Ordering::SeqCst) < 2
                        && start.elapsed() < Duration::from_secs(5)
                    {
                        thread::yield_now();
                    }
                    panic_any(BombPayload(tokens.token()));
                })
            }));
            assert_eq!(
                entered.load(Ordering::SeqCst),
                2,
                "both participants panicked"
            );
            let payload = result.unwrap_err();
            assert!(payload.is::<BombPayload>());
            assert_eq!(tokens.live(), 1, "the payload resumed; the other dropped");
            defuse(payload);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// `install`

#[test]
fn a_panicking_install_is_resumed_on_the_caller() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        // From outside.
        let token = tokens.token();
        let payload = catch_unwind(AssertUnwindSafe(|| {
            pool.install(move || -> u8 { panic_any(token) })
        }))
        .unwrap_err();
        assert!(payload.downcast_ref::<Token>().is_some());
        drop(payload);
        // From a task on the pool (install is a plain call there): the task gets the panic.
        let (inner, token) = (Arc::clone(&pool), tokens.token());
        let err = pool
            .spawn(move || inner.install(move || -> u8 { panic_any(token) }))
            .unwrap()
            .join()
            .unwrap_err();
        assert!(err.into_payload().downcast_ref::<Token>().is_some());
        // Into another pool, from this one's worker.
        let other = Arc::new(ThreadPool::new(1).unwrap());
        let (o, token) = (Arc::clone(&other), tokens.token());
        let err = pool
            .spawn(move || o.install(move || -> u8 { panic_any(token) }))
            .unwrap()
            .join()
            .unwrap_err();
        drop(err);
        assert_serves(&pool);
        assert_serves(&other);
        drop((pool, other));
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// `ThreadPoolBuilder::thread_name`

/// Threads of this process whose name starts with `prefix` (Linux: `/proc/self/task/*/comm`).
#[cfg(target_os = "linux")]
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with(prefix))
        .count()
}

/// Builds a pool of 3 workers named by `name`, whose `build` must panic partway; waits until no
/// thread named `prefix…` is left (2 s at most: the workers started before the panic are shut
/// down) and returns the panic's message.
#[cfg(target_os = "linux")]
fn a_panicking_build_leaves_no_worker(
    prefix: &'static str,
    name: impl Fn(usize) -> String + Send + Sync + 'static,
) -> Option<String> {
    within(LIMIT, move || {
        let result = catch_unwind(AssertUnwindSafe(move || {
            ThreadPool::builder()
                .num_threads(3)
                .thread_name(name)
                .build()
        }));
        let panicked = message(&*result.unwrap_err()).map(str::to_owned);
        let start = std::time::Instant::now();
        while threads_named(prefix) > 0 {
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "{} worker(s) of the half-built pool still alive",
                threads_named(prefix)
            );
            thread::sleep(Duration::from_millis(5));
        }
        panicked
    })
}

/// The thread-name closure is user code too, called once per worker while `build` starts them.
/// If it panics partway, the panic reaches the caller; the workers started before it must not
/// stay parked forever (they are shut down, as on the `BuildError::Spawn` path).
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(
    miri,
    ignore = "counts threads in /proc, which Miri's isolation does not expose"
)]
fn a_panicking_thread_name_closure_leaves_no_worker_behind() {
    let panicked = a_panicking_build_leaves_no_worker("tn-fault-", |i| {
        assert!(i < 2, "no name for worker {i}");
        format!("tn-fault-{i}")
    });
    assert_eq!(panicked.as_deref(), Some("no name for worker 2"));
}

/// A name std refuses (an interior NUL byte) panics inside std's thread spawn, not in the
/// closure: the workers started before it are shut down all the same.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(
    miri,
    ignore = "counts threads in /proc, which Miri's isolation does not expose"
)]
fn a_thread_name_std_refuses_leaves_no_worker_behind() {
    let panicked = a_panicking_build_leaves_no_worker("tn-nul-", |i| match i {
        0 | 1 => format!("tn-nul-{i}"),
        _ => "tn-nul-\0".to_owned(),
    });
    assert!(
        panicked.is_some_and(|m| m.contains("null bytes")),
        "std's panic reached the caller"
    );
}

// ---------------------------------------------------------------------------------------------
// User `Drop` on a worker: captures and results whose `Drop` panics

/// A closure's capture that panics when dropped (not during an unwind: that would abort).
fn bomb(tokens: &Tokens) -> BombPayload {
    BombPayload(tokens.token())
}

#[test]
fn an_executed_jobs_capture_whose_drop_panics_reaches_the_handler_and_the_worker_survives() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let (seen, payloads) = mpsc::channel();
        let pool = pool_with_handler(1, move |payload| {
            let _ = seen.send(message(&*payload).map(str::to_owned));
        });
        let before = worker_of(&pool);
        let capture = bomb(&tokens);
        pool.execute(move || {
            let _keep = &capture;
        })
        .unwrap();
        assert_eq!(
            payloads.recv().unwrap().as_deref(),
            Some("the panic payload's drop panicked")
        );
        assert_eq!(worker_of(&pool), before, "the same worker, alive");
        assert_serves(&pool);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn a_spawned_tasks_capture_whose_drop_panics_releases_the_joiner_with_that_panic() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(1).unwrap();
        let capture = bomb(&tokens);
        let err = pool
            .spawn(move || {
                let _keep = &capture;
                5
            })
            .unwrap()
            .join()
            .unwrap_err();
        assert_eq!(err.message(), Some("the panic payload's drop panicked"));
        assert_serves(&pool);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn a_detached_tasks_result_whose_drop_panics_is_dropped_on_the_worker_which_survives() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(1).unwrap();
        let before = worker_of(&pool);
        let (release, gate) = mpsc::channel::<()>();
        let result = bomb(&tokens);
        let handle = pool
            .spawn(move || {
                gate.recv().unwrap();
                result
            })
            .unwrap();
        // Detached while it runs: the task's last reference, and so its result, drops on the
        // worker, where the panic of that `Drop` must be contained.
        drop(handle);
        release.send(()).unwrap();
        assert_eq!(worker_of(&pool), before, "the same worker, alive");
        assert_serves(&pool);
        pool.shutdown();
        assert!(
            pool.stats().total().panicked >= 1,
            "the drop's panic was seen"
        );
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn install_join_and_scope_closures_whose_captures_panic_on_drop_release_their_caller() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = ThreadPool::new(2).unwrap();
        let expect_bomb = |result: std::thread::Result<()>| {
            assert_eq!(
                message(&*result.unwrap_err()),
                Some("the panic payload's drop panicked")
            );
        };
        let capture = bomb(&tokens);
        expect_bomb(catch_unwind(AssertUnwindSafe(|| {
            pool.install(move || {
                let _keep = &capture;
            });
        })));
        for side in 0..2 {
            let capture = bomb(&tokens);
            let with_bomb = move || {
                let _keep = &capture;
                pause();
            };
            expect_bomb(catch_unwind(AssertUnwindSafe(|| {
                if side == 0 {
                    pool.join(with_bomb, pause);
                } else {
                    pool.join(pause, with_bomb);
                }
            })));
        }
        let capture = bomb(&tokens);
        expect_bomb(catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                s.spawn(move |_| {
                    let _keep = &capture;
                });
                s.spawn(|_| pause());
            });
        })));
        assert_serves(&pool);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn a_job_sent_to_another_pool_whose_capture_panics_on_drop_releases_the_waiting_worker() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let a = Arc::new(ThreadPool::new(1).unwrap());
        let b = Arc::new(ThreadPool::new(1).unwrap());
        let capture = bomb(&tokens);
        let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
        let caught = a
            .spawn(move || {
                // A's worker waits on B (helping A); B's job calls back into A, then its
                // capture's drop panics on B's worker: the panic comes back to A's worker.
                catch_unwind(AssertUnwindSafe(|| {
                    b2.install(move || {
                        let _keep = &capture;
                        a2.install(|| ());
                    });
                }))
                .map_err(|payload| message(&*payload).map(str::to_owned))
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(
            caught.unwrap_err().as_deref(),
            Some("the panic payload's drop panicked")
        );
        assert_serves(&a);
        assert_serves(&b);
        drop((a, b));
        tokens.assert_each_dropped_once();
    });
}
