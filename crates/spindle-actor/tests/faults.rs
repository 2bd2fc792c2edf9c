//! Fault injection: a panic at every point where the runtime runs user code, and each time
//!
//! - the documented outcome: an actor's panic (in a call, timer, idle call, `Fwd` or `Ret`
//!   handler, init, query, remote call, or a waker's `Fwd`) stops that actor alone with
//!   `StopCause::Panicked`, and `run` returns normally; a plain closure's panic
//!   (`Core::defer`, `Core::after`, `Core::idle`, a `Ret::new` or waker closure run by the
//!   runtime) is resumed by `run` once the run has completed; a panicking `Drop` of an actor's
//!   state is contained;
//! - the runtime keeps serving: a healthy actor's calls, queued around the fault, all run, and a
//!   follow-up run works;
//! - nothing leaks: every closure, message and state carries a [`Token`], and each is dropped
//!   exactly once by the end.
//!
//! The first two kinds are tables ([`ACTOR_FAULTS`], [`PLAIN_FAULTS`]): a row arranges one
//! fault in a [`Scene`], and one driver per table checks the outcome.

mod common;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};
use std::time::{Duration, Instant};

use common::{Cause, clocked, panicked, stop_probe};
use spindle_actor::{ActorOwn, Fwd, Ret, Runtime, Shards, StopCause};
use spindle_test_support::{LIMIT, Token, Tokens, message, within};

/// A healthy actor to queue calls around faults: counts its calls, holds a token.
struct Healthy {
    calls: u32,
    _token: Token,
}

/// State of a faulty actor: a token.
struct Faulty {
    _token: Token,
}

/// A runtime on a virtual clock with a healthy actor, a ledger, and handles kept to the end.
struct Scene {
    tokens: Tokens,
    t0: Instant,
    rt: Runtime,
    healthy: ActorOwn<Healthy>,
    kept: Vec<Box<dyn Any>>,
}

impl Scene {
    fn new() -> Self {
        let tokens = Tokens::new();
        let (t0, mut rt) = clocked();
        let token = tokens.token();
        let healthy = rt.spawn(move |_| Healthy {
            calls: 0,
            _token: token,
        });
        Scene {
            tokens,
            t0,
            rt,
            healthy,
            kept: Vec::new(),
        }
    }

    fn token(&self) -> Token {
        self.tokens.token()
    }

    /// A faulty actor reporting why it stopped; its state holds a token.
    fn faulty(&mut self) -> (ActorOwn<Faulty>, Cause) {
        let (ret, cause) = stop_probe();
        let token = self.token();
        (
            self.rt.spawn_notify(move |_| Faulty { _token: token }, ret),
            cause,
        )
    }

    /// Queues `n` counted calls to the healthy actor, each carrying a token.
    fn poke(&self, n: u32) {
        for _ in 0..n {
            let token = self.token();
            self.healthy.call(move |h, _| {
                let _token = token;
                h.calls += 1;
            });
        }
    }

    /// Runs once at `t0 + after`; the panic `run` resumed, if any.
    fn run_at(&mut self, after: Duration) -> Option<Box<dyn Any + Send>> {
        let (rt, now) = (&mut self.rt, self.t0 + after);
        catch_unwind(AssertUnwindSafe(|| rt.run(now))).err()
    }

    /// Runs once more at the runtime's current time.
    fn run(&mut self) -> Option<Box<dyn Any + Send>> {
        let now = self.rt.now() - self.t0;
        self.run_at(now)
    }

    /// The runtime still serves after a fault: the healthy actor ran `calls_so_far` calls, and
    /// a fresh one runs.
    #[track_caller]
    fn assert_serves(&mut self, calls_so_far: u32) {
        assert_eq!(self.healthy_calls(), Some(calls_so_far));
        self.healthy.call(|h, _| h.calls += 1);
        assert!(self.run().is_none());
        assert_eq!(self.healthy_calls(), Some(calls_so_far + 1));
    }

    /// Calls the healthy actor has run.
    fn healthy_calls(&mut self) -> Option<u32> {
        self.rt.query(&self.healthy, |h, _| h.calls)
    }

    /// Drops everything (kept handles, the healthy actor, the runtime); every token must have
    /// been dropped exactly once.
    fn finish(self) {
        let Scene {
            tokens,
            rt,
            healthy,
            kept,
            ..
        } = self;
        drop((kept, healthy, rt));
        tokens.assert_each_dropped_once();
    }
}

// ---------------------------------------------------------------------------------------------
// An actor's panic stops that actor alone

/// What a row of [`ACTOR_FAULTS`] arranged.
struct ActorFault {
    /// The actor that must end up stopped with `StopCause::Panicked`, and its cause.
    faulty: ActorOwn<Faulty>,
    cause: Cause,
    /// Calls queued to the healthy actor around the fault (each must run).
    healthy_calls: u32,
    /// Another message to the faulty actor once it has stopped, which must be dropped unrun.
    later: Box<dyn FnOnce(Token)>,
}

impl ActorFault {
    /// The later message is a plain call.
    fn new(faulty: ActorOwn<Faulty>, cause: Cause, healthy_calls: u32) -> Self {
        let handle = faulty.actor().clone();
        ActorFault {
            faulty,
            cause,
            healthy_calls,
            later: Box::new(move |token| handle.call(move |_, _| drop(token))),
        }
    }
}

/// Where the fault is, how it is arranged, and the panic's message.
type ActorFaultRow = (&'static str, fn(&mut Scene) -> ActorFault, &'static str);

const ACTOR_FAULTS: &[ActorFaultRow] = &[
    (
        "a call, with calls queued after it",
        call_panics,
        "call 2 failed",
    ),
    ("a query", query_panics, "query failed"),
    (
        "a timer, with another pending",
        timer_panics,
        "timer failed",
    ),
    (
        "an idle call, with another queued",
        idle_call_panics,
        "idle failed",
    ),
    ("a Fwd handler", fwd_handler_panics, "message 1 failed"),
    (
        "a Ret handler given a value",
        ret_handler_panics_on_some,
        "got an answer",
    ),
    (
        "a Ret handler given None",
        ret_handler_panics_on_none,
        "got no answer",
    ),
    (
        "a Ret::new closure answered in a call",
        ret_closure_panics_in_call,
        "the reply closure failed",
    ),
    ("an init, with calls waiting", init_panics, "init failed"),
    ("a remote call", remote_call_panics, "remote call 2 failed"),
    (
        "a waker's Fwd to an actor",
        waker_fwd_panics,
        "woken actor failed",
    ),
];

#[test]
fn an_actors_panic_stops_it_alone_wherever_it_runs() {
    for &(place, arrange, expected) in ACTOR_FAULTS {
        within(LIMIT, move || {
            let mut scene = Scene::new();
            let fault = arrange(&mut scene);
            assert!(
                scene.run_at(Duration::ZERO).is_none(),
                "{place}: not resumed by run"
            );
            assert!(scene.run_at(3 * SECOND).is_none(), "{place}: nor later");
            assert!(fault.faulty.is_zombie(), "{place}");
            assert_eq!(panicked(&fault.cause), expected, "{place}");
            assert!(
                scene.rt.is_idle(),
                "{place}: its timers and idle calls were dropped"
            );
            (fault.later)(scene.token());
            assert!(scene.run().is_none(), "{place}");
            scene.assert_serves(fault.healthy_calls);
            drop(fault.faulty);
            scene.finish();
        });
    }
}

const SECOND: Duration = Duration::from_secs(1);

fn call_panics(scene: &mut Scene) -> ActorFault {
    let (faulty, cause) = scene.faulty();
    for i in 0..6 {
        let token = scene.token();
        faulty.call(move |_, _| {
            let _token = token;
            assert!(i != 2, "call {i} failed");
        });
        scene.poke(1);
    }
    ActorFault::new(faulty, cause, 6)
}

fn query_panics(scene: &mut Scene) -> ActorFault {
    let (faulty, cause) = scene.faulty();
    assert!(scene.run().is_none());
    let payload = scene.token();
    let answer = scene.rt.query(&faulty, move |_, _| -> u8 {
        let _payload = payload;
        panic!("query failed")
    });
    assert_eq!(answer, None);
    ActorFault::new(faulty, cause, 0)
}

fn timer_panics(scene: &mut Scene) -> ActorFault {
    let (faulty, cause) = scene.faulty();
    let (a, b, c) = (scene.token(), scene.token(), scene.token());
    faulty.call(move |_, cx| {
        cx.after(SECOND, move |_, _| {
            let _a = a;
            panic!("timer failed");
        });
        cx.after(2 * SECOND, move |_, _| drop(b)); // never runs
    });
    scene.healthy.call(move |_, cx| {
        cx.after(SECOND, move |h, _| {
            let _c = c;
            h.calls += 1;
        });
    });
    ActorFault::new(faulty, cause, 1)
}

fn idle_call_panics(scene: &mut Scene) -> ActorFault {
    let (faulty, cause) = scene.faulty();
    let (a, b, c) = (scene.token(), scene.token(), scene.token());
    faulty.call(move |_, cx| {
        cx.idle(move |_, _| {
            let _a = a;
            panic!("idle failed");
        });
        cx.idle(move |_, _| drop(b)); // its actor is gone by then
    });
    scene.healthy.call(move |_, cx| {
        cx.idle(move |h, _| {
            let _c = c;
            h.calls += 1;
        });
    });
    ActorFault::new(faulty, cause, 1)
}

fn fwd_handler_panics(scene: &mut Scene) -> ActorFault {
    let (faulty, cause) = scene.faulty();
    let fwd: Fwd<(u32, Token)> = faulty.fwd(|_, _, (i, _token): (u32, Token)| {
        assert!(i != 1, "message {i} failed");
    });
    for i in 0..4 {
        fwd.fwd((i, scene.token()));
        scene.poke(1);
    }
    // Later messages through the same `Fwd` are dropped.
    let later = Box::new(move |token| fwd.fwd((9, token)));
    ActorFault {
        later,
        ..ActorFault::new(faulty, cause, 4)
    }
}

/// A client whose reply handler panics, answered by a server that then stops (unaffected).
fn ret_handler_panics(scene: &mut Scene, answered: bool) -> ActorFault {
    let (client, cause) = scene.faulty();
    let reply: Ret<Token> = client.ret(|_, _, v: Option<Token>| {
        assert!(v.is_some(), "got no answer");
        panic!("got an answer");
    });
    let server = scene.rt.spawn(|_| ());
    let answer = scene.token();
    server.call(move |_, cx| {
        if answered {
            reply.ret(answer);
        } else {
            drop(answer);
            drop(reply); // unanswered: delivers None
        }
        cx.stop();
    });
    scene.poke(1);
    let later = server.actor().clone();
    scene.kept.push(Box::new(server));
    ActorFault {
        later: Box::new(move |token| {
            assert!(later.is_zombie(), "the server stopped as asked, unaffected");
            later.call(move |_, _| drop(token));
        }),
        ..ActorFault::new(client, cause, 1)
    }
}

fn ret_handler_panics_on_some(scene: &mut Scene) -> ActorFault {
    ret_handler_panics(scene, true)
}

fn ret_handler_panics_on_none(scene: &mut Scene) -> ActorFault {
    ret_handler_panics(scene, false)
}

/// `Ret::new` closures run where `ret()` is called: inside the server's call here.
fn ret_closure_panics_in_call(scene: &mut Scene) -> ActorFault {
    let (server, cause) = scene.faulty();
    let reply = Ret::new(|_: Option<Token>| panic!("the reply closure failed"));
    let answer = scene.token();
    server.call(move |_, _| reply.ret(answer));
    scene.poke(2);
    ActorFault::new(server, cause, 2)
}

fn init_panics(scene: &mut Scene) -> ActorFault {
    let (ret, cause) = stop_probe();
    let token = scene.token();
    let faulty: ActorOwn<Faulty> = scene.rt.spawn_notify(
        move |_| {
            let _token = token;
            panic!("init failed")
        },
        ret,
    );
    for _ in 0..3 {
        let token = scene.token();
        faulty.call(move |_, _| drop(token)); // waits for the init, then is dropped
        scene.poke(1);
    }
    ActorFault::new(faulty, cause, 3)
}

fn remote_call_panics(scene: &mut Scene) -> ActorFault {
    let (faulty, cause) = scene.faulty();
    let (remote, healthy) = (faulty.remote(), scene.healthy.remote());
    let tokens = scene.tokens.clone();
    std::thread::spawn(move || {
        for i in 0..6 {
            let token = tokens.token();
            remote
                .call(move |_, _| {
                    let _token = token;
                    assert!(i != 2, "remote call {i} failed");
                })
                .unwrap();
            let token = tokens.token();
            healthy
                .call(move |h, _| {
                    let _token = token;
                    h.calls += 1;
                })
                .unwrap();
        }
    })
    .join()
    .unwrap();
    ActorFault::new(faulty, cause, 6)
}

fn waker_fwd_panics(scene: &mut Scene) -> ActorFault {
    let (faulty, cause) = scene.faulty();
    let waker = scene
        .rt
        .waker(faulty.fwd(|_, _, ()| panic!("woken actor failed")));
    waker.wake().unwrap();
    scene.poke(2);
    scene.kept.push(Box::new(waker));
    ActorFault::new(faulty, cause, 2)
}

// ---------------------------------------------------------------------------------------------
// A plain closure's panic is resumed by `run`, after the run

/// What a row of [`PLAIN_FAULTS`] arranged.
struct PlainFault {
    /// What `run` must resume.
    resumed: Resumed,
    /// Calls queued to the healthy actor around the fault (each must run in that same run).
    healthy_calls: u32,
    /// More checks once the runtime has recovered.
    after: Box<dyn FnOnce(&mut Scene)>,
}

/// The panic `run` resumes: the payload of a `panic_any`, or a message.
enum Resumed {
    Token(usize),
    Message(&'static str),
}

impl PlainFault {
    fn new(resumed: Resumed, healthy_calls: u32) -> Self {
        PlainFault {
            resumed,
            healthy_calls,
            after: Box::new(|_| {}),
        }
    }
}

type PlainFaultRow = (&'static str, fn(&mut Scene) -> PlainFault);

const PLAIN_FAULTS: &[PlainFaultRow] = &[
    (
        "a plain timer, with another due with it",
        plain_timer_panics,
    ),
    (
        "a deferred closure, then an idle one (whose panic is dropped)",
        deferred_and_idle_panic,
    ),
    (
        "a Ret::new closure given None for a dropped call",
        ret_closure_panics_on_a_dropped_call,
    ),
    ("a stop notification closure", stop_notification_panics),
    ("a waker's handler", waker_handler_panics),
];

#[test]
fn a_plain_closures_panic_is_resumed_by_run_once_the_run_is_complete() {
    for &(place, arrange) in PLAIN_FAULTS {
        within(LIMIT, move || {
            let mut scene = Scene::new();
            let fault = arrange(&mut scene);
            let payload = scene.run_at(3 * SECOND).expect(place);
            match fault.resumed {
                Resumed::Token(id) => {
                    assert_eq!(
                        payload.downcast_ref::<Token>().map(Token::id),
                        Some(id),
                        "{place}"
                    )
                }
                Resumed::Message(expected) => {
                    assert_eq!(message(&*payload), Some(expected), "{place}")
                }
            }
            drop(payload);
            let calls = fault.healthy_calls;
            assert_eq!(
                scene.healthy_calls(),
                Some(calls),
                "{place}: the rest of the run happened"
            );
            // And the next run works and resumes nothing.
            assert!(scene.run().is_none(), "{place}");
            scene.assert_serves(fault.healthy_calls);
            (fault.after)(&mut scene);
            scene.finish();
        });
    }
}

fn plain_timer_panics(scene: &mut Scene) -> PlainFault {
    let (bad, good) = (scene.token(), scene.token());
    let id = bad.id();
    scene.rt.after(SECOND, move |_| panic_any(bad));
    let healthy = scene.healthy.actor().clone();
    scene.rt.after(SECOND, move |_| {
        let _good = good;
        healthy.call(|h, _| h.calls += 1);
    });
    scene.poke(2);
    PlainFault::new(Resumed::Token(id), 3)
}

fn deferred_and_idle_panic(scene: &mut Scene) -> PlainFault {
    let (first, second, token) = (scene.token(), scene.token(), scene.token());
    let id = first.id();
    scene.rt.defer(move |_| panic_any(first));
    scene.rt.idle(move |_| panic_any(second)); // a later panic in the same run: dropped
    let healthy = scene.healthy.actor().clone();
    scene.rt.idle(move |_| {
        let _token = token;
        healthy.call(|h, _| h.calls += 1);
    });
    scene.poke(3);
    PlainFault::new(Resumed::Token(id), 4)
}

/// A `Ret::new` closure also runs when its `Ret` is dropped unanswered, and the runtime drops
/// the calls of a stopped actor: there the closure runs inside the run loop, not inside any
/// actor's call. Its panic must not cost other actors their queued calls.
fn ret_closure_panics_on_a_dropped_call(scene: &mut Scene) -> PlainFault {
    let stopped = scene.rt.spawn(|_| ());
    stopped.call(|_, cx| cx.stop());
    assert!(scene.run().is_none());
    let reply = Ret::new(|v: Option<u8>| assert!(v.is_some(), "no answer"));
    stopped.call(move |_, _| reply.ret(1)); // dropped unrun: the reply gets None
    scene.poke(5);
    scene.kept.push(Box::new(stopped));
    PlainFault::new(Resumed::Message("no answer"), 5)
}

/// The same with the stop notification: `spawn_notify`'s `Ret` is delivered as the actor
/// stops, from inside the run loop.
fn stop_notification_panics(scene: &mut Scene) -> PlainFault {
    let token = scene.token();
    let notify = Ret::new(|_: Option<StopCause>| panic!("the notification failed"));
    let faulty = scene
        .rt
        .spawn_notify(move |_| Faulty { _token: token }, notify);
    faulty.call(|_, cx| cx.stop());
    scene.poke(5);
    scene.kept.push(Box::new(faulty));
    PlainFault::new(Resumed::Message("the notification failed"), 5)
}

fn waker_handler_panics(scene: &mut Scene) -> PlainFault {
    let woken = std::rc::Rc::new(std::cell::Cell::new(0));
    let (w, token) = (woken.clone(), scene.token());
    let waker = scene.rt.waker(Fwd::new(move |()| {
        let _keep = &token;
        w.set(w.get() + 1);
        assert!(w.get() != 1, "the waker's handler failed");
    }));
    waker.wake().unwrap();
    scene.poke(2);
    PlainFault {
        after: Box::new(move |scene| {
            waker.wake().unwrap();
            assert!(scene.run().is_none());
            assert_eq!(woken.get(), 2, "the waker still wakes");
            scene.kept.push(Box::new(waker));
        }),
        ..PlainFault::new(Resumed::Message("the waker's handler failed"), 2)
    }
}

// ---------------------------------------------------------------------------------------------
// The state's `Drop`

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
        let mut scene = Scene::new();
        let mut causes = Vec::new();
        // Stopped, failed, panicked, killed, dropped by its owner (and, below, after the runtime).
        for how in 0..5 {
            let (ret, cause) = stop_probe();
            let token = scene.token();
            let actor = scene
                .rt
                .spawn_notify(move |_| DropBomb { _token: token }, ret);
            assert!(scene.run().is_none());
            match how {
                0 => actor.call(|_, cx| cx.stop()),
                1 => actor.call(|_, cx| cx.fail("failed")),
                2 => actor.call(|_, _| panic!("call failed")),
                3 => actor.kill("killed"),
                _ => {}
            }
            scene.poke(1);
            if how == 4 {
                drop(actor);
                assert!(scene.run().is_none());
            } else {
                assert!(scene.run().is_none());
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
        scene.assert_serves(5);
        // An actor outliving its runtime: its owner's drop stops it, containing the panic.
        let token = scene.token();
        let survivor = scene.rt.spawn(move |_| DropBomb { _token: token });
        assert!(scene.run().is_none());
        let Scene {
            tokens,
            rt,
            healthy,
            ..
        } = scene;
        drop(rt);
        drop(survivor);
        drop(healthy);
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
            let mut scene = Scene::new();
            let pool = std::sync::Arc::new(ThreadPool::new(2).unwrap());
            let client = scene.rt.spawn(|_| Client::default());
            let (ret, cause) = stop_probe();
            let faulty = scene.rt.spawn_notify(|_| Client::default(), ret);
            // Work that panics: the continuation gets the panic as an error.
            let (p, t) = (pool.clone(), scene.tokens.clone());
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
                            other => other.to_string(),
                        }));
                    },
                );
            });
            // A continuation that panics: its actor stops, the pool is unaffected.
            let (p, t) = (pool.clone(), scene.tokens.clone());
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
            scene
                .rt
                .run_until(|core| {
                    client.query(core, |c, _| c.results.len()) == Some(1) && faulty.is_zombie()
                })
                .unwrap();
            assert_eq!(
                scene.rt.query(&client, |c, _| c.results.clone()),
                Some(vec![Err("panicked with a token: true".to_owned())])
            );
            assert_eq!(panicked(&cause), "the continuation failed on Ok(7)");
            assert_eq!(pool.spawn(|| 1).unwrap().join().unwrap(), 1);
            scene.assert_serves(0);
            drop((client, faulty));
            scene.finish();
            drop(pool);
        });
    }
}
