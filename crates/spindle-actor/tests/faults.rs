//! Fault injection: a panic at every point where the runtime runs user code, and each time
//!
//! - the documented outcome: an actor's panic (in a call, timer, idle call, `Fwd` or `Ret`
//!   handler, init, or a remote call) stops that actor alone with `StopCause::Panicked`, and
//!   `run` returns normally; a plain closure's panic (`Core::defer`, `Core::after`,
//!   `Core::idle`) is resumed by `run` once the run has completed; a panicking `Drop` of an
//!   actor's state is contained;
//! - the runtime keeps serving: a healthy actor's calls, queued around the fault, all run, and a
//!   follow-up run works;
//! - nothing leaks: every closure, message and state carries a [`Token`], and each is dropped
//!   exactly once by the end.

mod common;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};
use std::time::{Duration, Instant};

use common::stop_probe;
use spindle_actor::{ActorOwn, Fwd, Ret, Runtime, Shards, StopCause};
use spindle_test_support::{LIMIT, Token, Tokens, message, within};

/// Runs `rt` once at `now`; the panic `run` resumed, if any.
fn run_at(rt: &mut Runtime, now: Instant) -> Option<Box<dyn Any + Send>> {
    catch_unwind(AssertUnwindSafe(|| rt.run(now))).err()
}

/// Runs `rt` once now; the panic `run` resumed, if any.
fn run(rt: &mut Runtime) -> Option<Box<dyn Any + Send>> {
    run_at(rt, Instant::now())
}

/// The message of a `StopCause::Panicked`, or a description of the other cause.
fn panicked(cause: &Option<StopCause>) -> String {
    match cause {
        Some(StopCause::Panicked(m)) => m.clone(),
        other => format!("not a panic: {other:?}"),
    }
}

/// A healthy actor to queue calls around faults: counts its calls, holds a token.
struct Healthy {
    calls: u32,
    _token: Token,
}

fn healthy(rt: &mut Runtime, tokens: &Tokens) -> ActorOwn<Healthy> {
    let token = tokens.token();
    rt.spawn(move |_| Healthy {
        calls: 0,
        _token: token,
    })
}

/// Queues `n` counted calls to `actor`, each carrying a token.
fn poke(actor: &ActorOwn<Healthy>, tokens: &Tokens, n: u32) {
    for _ in 0..n {
        let token = tokens.token();
        actor.call(move |h, _| {
            let _token = token;
            h.calls += 1;
        });
    }
}

/// The runtime still serves after a fault: a fresh call to `h` runs.
#[track_caller]
fn assert_serves(rt: &mut Runtime, h: &ActorOwn<Healthy>, calls_so_far: u32) {
    assert_eq!(rt.query(h, |h, _| h.calls), Some(calls_so_far));
    h.call(|h, _| h.calls += 1);
    assert!(run(rt).is_none());
    assert_eq!(rt.query(h, |h, _| h.calls), Some(calls_so_far + 1));
}

/// State of a faulty actor: a token, and a panic on demand.
struct Faulty {
    _token: Token,
}

// ---------------------------------------------------------------------------------------------
// Actor calls

#[test]
fn a_panicking_call_stops_its_actor_alone_and_drops_its_queued_calls() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    let (ret, cause) = stop_probe();
    let token = tokens.token();
    let faulty = rt.spawn_notify(move |_| Faulty { _token: token }, ret);
    for i in 0..6 {
        let token = tokens.token();
        faulty.call(move |_, _| {
            let _token = token;
            assert!(i != 2, "call {i} failed");
        });
        poke(&h, &tokens, 1);
    }
    assert!(
        run(&mut rt).is_none(),
        "an actor's panic is not resumed by run"
    );
    assert!(faulty.is_zombie());
    assert_eq!(panicked(&cause.borrow()), "call 2 failed");
    // Calls made to it afterwards are dropped unrun.
    let token = tokens.token();
    faulty.call(move |_, _| drop(token));
    assert!(run(&mut rt).is_none());
    assert_serves(&mut rt, &h, 6);
    drop((faulty, h, rt));
    tokens.assert_each_dropped_once();
}

#[test]
fn a_panicking_query_stops_the_actor_and_returns_none() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    let token = tokens.token();
    let faulty = rt.spawn(move |_| Faulty { _token: token });
    assert!(run(&mut rt).is_none());
    let payload = tokens.token();
    assert_eq!(
        rt.query(&faulty, move |_, _| -> u8 { panic_any(payload) }),
        None
    );
    assert!(faulty.is_zombie());
    assert_serves(&mut rt, &h, 0);
    drop((faulty, h, rt));
    tokens.assert_each_dropped_once();
}

// ---------------------------------------------------------------------------------------------
// Timers and idle calls

#[test]
fn a_panicking_actor_timer_stops_its_actor_and_its_other_timers_drop() {
    let tokens = Tokens::new();
    let t0 = Instant::now();
    let mut rt = Runtime::builder().start(t0).build().unwrap();
    let h = healthy(&mut rt, &tokens);
    let (ret, cause) = stop_probe();
    let token = tokens.token();
    let faulty = rt.spawn_notify(move |_| Faulty { _token: token }, ret);
    let t = tokens.clone();
    faulty.call(move |_, cx| {
        let (a, b) = (t.token(), t.token());
        cx.after(Duration::from_secs(1), move |_, _| {
            let _a = a;
            panic!("timer failed");
        });
        cx.after(Duration::from_secs(2), move |_, _| drop(b)); // never runs
    });
    let t = tokens.clone();
    h.call(move |_, cx| {
        let token = t.token();
        cx.after(Duration::from_secs(1), move |h, _| {
            let _token = token;
            h.calls += 1;
        });
    });
    assert!(run_at(&mut rt, t0).is_none());
    assert!(run_at(&mut rt, t0 + Duration::from_secs(3)).is_none());
    assert_eq!(panicked(&cause.borrow()), "timer failed");
    assert_eq!(
        rt.query(&h, |h, _| h.calls),
        Some(1),
        "the healthy timer fired"
    );
    assert!(rt.is_idle(), "the dead actor's timer was dropped");
    drop((faulty, h, rt));
    tokens.assert_each_dropped_once();
}

#[test]
fn a_panicking_plain_timer_is_resumed_after_the_run_completed() {
    let tokens = Tokens::new();
    let t0 = Instant::now();
    let mut rt = Runtime::builder().start(t0).build().unwrap();
    let h = healthy(&mut rt, &tokens);
    let (bad, good) = (tokens.token(), tokens.token());
    rt.after(Duration::from_secs(1), move |_| panic_any(bad));
    let h2 = h.actor().clone();
    rt.after(Duration::from_secs(1), move |_| {
        let _good = good;
        h2.call(|h, _| h.calls += 1);
    });
    poke(&h, &tokens, 2);
    let payload = run_at(&mut rt, t0 + Duration::from_secs(1)).expect("resumed");
    assert!(payload.downcast_ref::<Token>().is_some());
    drop(payload);
    assert_eq!(
        rt.query(&h, |h, _| h.calls),
        Some(3),
        "the rest of the run happened"
    );
    assert_serves(&mut rt, &h, 3);
    drop((h, rt));
    tokens.assert_each_dropped_once();
}

#[test]
fn a_panicking_actor_idle_call_stops_its_actor_and_other_idle_calls_run() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    let (ret, cause) = stop_probe();
    let token = tokens.token();
    let faulty = rt.spawn_notify(move |_| Faulty { _token: token }, ret);
    let t = tokens.clone();
    faulty.call(move |_, cx| {
        let (a, b) = (t.token(), t.token());
        cx.idle(move |_, _| {
            let _a = a;
            panic!("idle failed");
        });
        cx.idle(move |_, _| drop(b)); // its actor is gone by then
    });
    let t = tokens.clone();
    h.call(move |_, cx| {
        let token = t.token();
        cx.idle(move |h, _| {
            let _token = token;
            h.calls += 1;
        });
    });
    assert!(run(&mut rt).is_none());
    assert_eq!(panicked(&cause.borrow()), "idle failed");
    assert_serves(&mut rt, &h, 1);
    drop((faulty, h, rt));
    tokens.assert_each_dropped_once();
}

#[test]
fn a_panicking_plain_idle_call_and_deferred_closures_are_resumed_after_the_run() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    let (first, second) = (tokens.token(), tokens.token());
    let first_id = first.id();
    rt.defer(move |_| panic_any(first));
    rt.idle(move |_| panic_any(second)); // a later panic in the same run: dropped
    let (h2, token) = (h.actor().clone(), tokens.token());
    rt.idle(move |_| {
        let _token = token;
        h2.call(|h, _| h.calls += 1);
    });
    poke(&h, &tokens, 3);
    let payload = run(&mut rt).expect("resumed");
    assert_eq!(
        payload.downcast_ref::<Token>().map(Token::id),
        Some(first_id)
    );
    drop(payload);
    assert_eq!(
        rt.query(&h, |h, _| h.calls),
        Some(4),
        "every call and idle call ran"
    );
    assert_serves(&mut rt, &h, 4);
    drop((h, rt));
    tokens.assert_each_dropped_once();
}

// ---------------------------------------------------------------------------------------------
// `Fwd` and `Ret`

#[test]
fn a_panicking_fwd_handler_stops_its_actor_and_later_messages_drop() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    let (ret, cause) = stop_probe();
    let token = tokens.token();
    let faulty = rt.spawn_notify(move |_| Faulty { _token: token }, ret);
    let fwd: Fwd<(u32, Token)> = faulty.fwd(|_, _, (i, _token): (u32, Token)| {
        assert!(i != 1, "message {i} failed");
    });
    for i in 0..4 {
        fwd.fwd((i, tokens.token()));
        poke(&h, &tokens, 1);
    }
    assert!(run(&mut rt).is_none());
    assert_eq!(panicked(&cause.borrow()), "message 1 failed");
    fwd.fwd((9, tokens.token())); // to a zombie: dropped
    assert_serves(&mut rt, &h, 4);
    drop((fwd, faulty, h, rt));
    tokens.assert_each_dropped_once();
}

#[test]
fn a_panicking_ret_handler_stops_the_receiving_actor_for_a_value_and_for_none() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    for answered in [true, false] {
        let (ret, cause) = stop_probe();
        let token = tokens.token();
        let client = rt.spawn_notify(move |_| Faulty { _token: token }, ret);
        let reply: Ret<Token> = client.ret(|_, _, v: Option<Token>| {
            assert!(v.is_some(), "got no answer");
            panic!("got an answer");
        });
        let server = rt.spawn(|_| ());
        let answer = tokens.token();
        server.call(move |_, cx| {
            if answered {
                reply.ret(answer);
            } else {
                drop(answer);
                drop(reply); // unanswered: delivers None
            }
            cx.stop();
        });
        poke(&h, &tokens, 1);
        assert!(run(&mut rt).is_none());
        let expected = if answered {
            "got an answer"
        } else {
            "got no answer"
        };
        assert_eq!(panicked(&cause.borrow()), expected);
        assert!(
            server.is_zombie(),
            "the server stopped as asked, unaffected"
        );
    }
    assert_serves(&mut rt, &h, 2);
    drop((h, rt));
    tokens.assert_each_dropped_once();
}

#[test]
fn a_panicking_ret_closure_called_inside_a_call_stops_that_caller() {
    // `Ret::new` closures run where `ret()` is called: inside the server's call here.
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    let (ret, cause) = stop_probe();
    let token = tokens.token();
    let server = rt.spawn_notify(move |_| Faulty { _token: token }, ret);
    let reply = Ret::new(|_: Option<Token>| panic!("the reply closure failed"));
    let answer = tokens.token();
    server.call(move |_, _| reply.ret(answer));
    poke(&h, &tokens, 2);
    assert!(run(&mut rt).is_none());
    assert_eq!(panicked(&cause.borrow()), "the reply closure failed");
    assert_serves(&mut rt, &h, 2);
    drop((server, h, rt));
    tokens.assert_each_dropped_once();
}

/// A `Ret::new` closure also runs when its `Ret` is dropped unanswered, and the runtime drops
/// the calls of a stopped actor: there the closure runs inside the run loop, not inside any
/// actor's call. Its panic must not cost other actors their queued calls: today it unwinds
/// out of the call queue, which drops every call queued after it unrun.
#[test]
fn a_ret_closure_panicking_when_a_dropped_call_answers_none_costs_no_other_calls() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    let stopped = rt.spawn(|_| ());
    stopped.call(|_, cx| cx.stop());
    assert!(run(&mut rt).is_none());
    let reply = Ret::new(|v: Option<u8>| assert!(v.is_some(), "no answer"));
    stopped.call(move |_, _| reply.ret(1)); // dropped unrun: the reply gets None
    poke(&h, &tokens, 5);
    let resumed = run(&mut rt);
    assert_eq!(resumed.as_deref().and_then(message), Some("no answer"));
    assert!(run(&mut rt).is_none());
    assert_eq!(
        rt.query(&h, |h, _| h.calls),
        Some(5),
        "the healthy actor's calls ran"
    );
    drop((stopped, h, rt));
    tokens.assert_each_dropped_once();
}

/// The same with the stop notification: `spawn_notify`'s `Ret` is delivered as the actor
/// stops, from inside the run loop.
#[test]
fn a_stop_notification_closure_that_panics_costs_no_other_calls() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    let token = tokens.token();
    let notify = Ret::new(|_: Option<StopCause>| panic!("the notification failed"));
    let faulty = rt.spawn_notify(move |_| Faulty { _token: token }, notify);
    faulty.call(|_, cx| cx.stop());
    poke(&h, &tokens, 5);
    let resumed = run(&mut rt);
    assert_eq!(
        resumed.as_deref().and_then(message),
        Some("the notification failed")
    );
    assert!(run(&mut rt).is_none());
    assert_eq!(
        rt.query(&h, |h, _| h.calls),
        Some(5),
        "the healthy actor's calls ran"
    );
    drop((faulty, h, rt));
    tokens.assert_each_dropped_once();
}

// ---------------------------------------------------------------------------------------------
// Init and the state's `Drop`

#[test]
fn a_panicking_init_stops_the_actor_and_drops_the_calls_waiting_for_it() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let h = healthy(&mut rt, &tokens);
    let (ret, cause) = stop_probe();
    let token = tokens.token();
    let faulty: ActorOwn<Faulty> = rt.spawn_notify(
        move |_| {
            let _token = token;
            panic!("init failed")
        },
        ret,
    );
    for _ in 0..3 {
        let token = tokens.token();
        faulty.call(move |_, _| drop(token));
        poke(&h, &tokens, 1);
    }
    assert!(run(&mut rt).is_none());
    assert!(faulty.is_zombie());
    assert_eq!(panicked(&cause.borrow()), "init failed");
    assert_serves(&mut rt, &h, 3);
    drop((faulty, h, rt));
    tokens.assert_each_dropped_once();
}

/// A state whose `Drop` panics.
struct DropBomb {
    _token: Token,
}

impl Drop for DropBomb {
    fn drop(&mut self) {
        panic!("the state's drop failed");
    }
}

#[test]
fn a_state_whose_drop_panics_is_contained_whatever_stops_the_actor() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let mut rt = Runtime::new();
        let h = healthy(&mut rt, &tokens);
        let mut causes = Vec::new();
        // Stopped, failed, panicked, killed, dropped by its owner (and, below, after the runtime).
        for how in 0..5 {
            let (ret, cause) = stop_probe();
            let token = tokens.token();
            let actor = rt.spawn_notify(move |_| DropBomb { _token: token }, ret);
            assert!(run(&mut rt).is_none());
            match how {
                0 => actor.call(|_, cx| cx.stop()),
                1 => actor.call(|_, cx| cx.fail("failed")),
                2 => actor.call(|_, _| panic!("call failed")),
                3 => actor.kill("killed"),
                _ => {}
            }
            poke(&h, &tokens, 1);
            if how == 4 {
                drop(actor);
                assert!(run(&mut rt).is_none());
            } else {
                assert!(run(&mut rt).is_none());
                assert!(actor.is_zombie(), "case {how}");
            }
            causes.push(cause.borrow_mut().take().map(|c| c.to_string()));
        }
        assert_eq!(
            causes,
            [
                Some("actor stopped".to_owned()),
                Some("actor failed: failed".to_owned()),
                Some("actor panicked: call failed".to_owned()),
                Some("actor killed: killed".to_owned()),
                Some("actor dropped by its last owner".to_owned()),
            ],
            "each cause reported as is, not as the drop's panic"
        );
        assert_serves(&mut rt, &h, 5);
        // An actor outliving its runtime: its owner's drop stops it, containing the panic.
        let token = tokens.token();
        let survivor = rt.spawn(move |_| DropBomb { _token: token });
        assert!(run(&mut rt).is_none());
        drop(rt);
        drop(survivor);
        drop(h);
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// Remote calls and wakers

#[test]
fn a_panicking_remote_call_stops_its_actor_alone() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let mut rt = Runtime::new();
        let h = healthy(&mut rt, &tokens);
        let (ret, cause) = stop_probe();
        let token = tokens.token();
        let faulty = rt.spawn_notify(move |_| Faulty { _token: token }, ret);
        let (remote, healthy_remote) = (faulty.remote(), h.remote());
        let t = tokens.clone();
        std::thread::spawn(move || {
            for i in 0..6 {
                let token = t.token();
                remote
                    .call(move |_, _| {
                        let _token = token;
                        assert!(i != 2, "remote call {i} failed");
                    })
                    .unwrap();
                let token = t.token();
                healthy_remote
                    .call(move |h, _| {
                        let _token = token;
                        h.calls += 1;
                    })
                    .unwrap();
            }
        })
        .join()
        .unwrap();
        rt.run_until(|core| h.query(core, |h, _| h.calls) == Some(6))
            .unwrap();
        assert_eq!(panicked(&cause.borrow()), "remote call 2 failed");
        assert_serves(&mut rt, &h, 6);
        drop((faulty, h, rt));
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn a_panicking_waker_handler_reaches_run_and_the_waker_keeps_working() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let mut rt = Runtime::new();
        let h = healthy(&mut rt, &tokens);
        let woken = std::rc::Rc::new(std::cell::Cell::new(0));
        let (w, token) = (woken.clone(), tokens.token());
        let waker = rt.waker(Fwd::new(move |()| {
            let _keep = &token;
            w.set(w.get() + 1);
            assert!(w.get() != 1, "the waker's handler failed");
        }));
        waker.wake().unwrap();
        poke(&h, &tokens, 2);
        let resumed = run(&mut rt);
        assert_eq!(
            resumed.as_deref().and_then(message),
            Some("the waker's handler failed")
        );
        // Whatever that run left undone, the next one does.
        assert!(run(&mut rt).is_none());
        assert_eq!(rt.query(&h, |h, _| h.calls), Some(2));
        waker.wake().unwrap();
        assert!(run(&mut rt).is_none());
        assert_eq!(woken.get(), 2, "the waker still wakes");
        // A waker whose handler is an actor's `Fwd`: the panic stays in that actor.
        let (ret, cause) = stop_probe();
        let token = tokens.token();
        let faulty = rt.spawn_notify(move |_| Faulty { _token: token }, ret);
        let actor_waker = rt.waker(faulty.fwd(|_, _, ()| panic!("woken actor failed")));
        actor_waker.wake().unwrap();
        assert!(run(&mut rt).is_none());
        assert_eq!(panicked(&cause.borrow()), "woken actor failed");
        assert_serves(&mut rt, &h, 2);
        drop((waker, actor_waker, faulty, h, rt));
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// Shards

#[test]
fn a_panicking_init_on_a_shard_stops_that_actor_and_the_shard_keeps_serving() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let shards = Shards::new(2).unwrap();
        let token = tokens.token();
        let faulty = shards
            .spawn(0, move |_| -> Faulty {
                let _token = token;
                panic!("init on a shard failed")
            })
            .unwrap();
        for _ in 0..3 {
            let token = tokens.token();
            faulty.call(move |_, _| drop(token)).unwrap(); // dropped unrun on the shard
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let ok = shards.spawn(0, |_| 5u32).unwrap();
        ok.call(move |n, _| tx.send(*n).unwrap()).unwrap();
        assert_eq!(rx.recv_timeout(LIMIT).unwrap(), 5);
        let reports = shards.shutdown();
        assert_eq!(reports.iter().map(|r| r.actors).sum::<usize>(), 2);
        drop((faulty, ok));
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// `Cx::offload` (feature `executor`)

#[cfg(feature = "executor")]
mod offload {
    use super::*;
    use spindle_actor::OffloadError;
    use spindle_executor::ThreadPool;

    #[derive(Default)]
    struct Client {
        results: Vec<Result<usize, String>>,
    }

    #[test]
    fn panicking_offloaded_work_and_continuations_stay_in_their_actor() {
        within(LIMIT, || {
            let tokens = Tokens::new();
            let pool = std::sync::Arc::new(ThreadPool::new(2).unwrap());
            let mut rt = Runtime::new();
            let h = healthy(&mut rt, &tokens);
            let client = rt.spawn(|_| Client::default());
            let (ret, cause) = stop_probe();
            let faulty = rt.spawn_notify(|_| Client::default(), ret);
            // Work that panics: the continuation gets the panic as an error.
            let (p, t) = (pool.clone(), tokens.clone());
            client.call(move |_, cx| {
                let (work_token, payload, then_token) = (t.token(), t.token(), t.token());
                cx.offload(
                    &p,
                    move || -> usize {
                        let _work_token = work_token;
                        panic_any(payload)
                    },
                    move |c: &mut Client, _, r: Result<usize, OffloadError>| {
                        let _then_token = then_token;
                        c.results.push(r.map_err(|e| match e {
                            OffloadError::Panicked(p) => format!(
                                "panicked with a token: {}",
                                p.into_payload().downcast_ref::<Token>().is_some()
                            ),
                            OffloadError::NotRun => "not run".into(),
                        }));
                    },
                );
            });
            // A continuation that panics: its actor stops, the pool is unaffected.
            let (p, t) = (pool.clone(), tokens.clone());
            faulty.call(move |_, cx| {
                let (work_token, then_token) = (t.token(), t.token());
                cx.offload(
                    &p,
                    move || {
                        let _work_token = work_token;
                        7
                    },
                    move |_: &mut Client, _, r: Result<usize, OffloadError>| {
                        let _then_token = then_token;
                        assert!(r.is_err(), "the continuation failed on {r:?}");
                    },
                );
            });
            rt.run_until(|core| {
                client.query(core, |c, _| c.results.len()) == Some(1) && faulty.is_zombie()
            })
            .unwrap();
            assert_eq!(
                rt.query(&client, |c, _| c.results.clone()),
                Some(vec![Err("panicked with a token: true".to_owned())])
            );
            assert_eq!(
                panicked(&cause.borrow()),
                "the continuation failed on Ok(7)"
            );
            assert_eq!(pool.spawn(|| 1).unwrap().join().unwrap(), 1);
            assert_serves(&mut rt, &h, 0);
            drop((client, faulty, h, rt));
            drop(pool);
            tokens.assert_each_dropped_once();
        });
    }
}
