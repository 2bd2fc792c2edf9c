//! Actor lifecycle: Prep → Ready → Zombie, every stop cause, ordering, panic containment.

mod common;

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::Instant;

use common::{Cause, log, panicked, stop_probe};
use spindle_actor::{Actor, ActorOwn, Cx, Ret, Runtime, StopCause};
use spindle_test_support::Tokens;

/// Runs what is queued on `rt`, then reads `actor`'s state (`None` once it has stopped).
fn value_after_a_run<T: Copy + 'static>(rt: &mut Runtime, actor: &Actor<T>) -> Option<T> {
    rt.run(Instant::now());
    rt.query(actor, |n, _| *n)
}

#[test]
fn calls_made_before_init_wait_and_run_in_order_after_it() {
    let mut rt = Runtime::new();
    let events = log();
    let owner: ActorOwn<Vec<u32>> = ActorOwn::new(&mut rt, None);
    for i in 0..3 {
        owner.call(move |v, _| v.push(i));
    }
    rt.run(Instant::now());
    assert!(!owner.is_ready(), "no init yet: still in Prep");
    let e = events.clone();
    owner.init(move |_| {
        e.borrow_mut().push("init".into());
        vec![100]
    });
    owner.call(|v, _| v.push(3));
    rt.run(Instant::now());
    assert!(owner.is_ready());
    assert_eq!(
        rt.query(&owner, |v, _| v.clone()),
        Some(vec![100, 0, 1, 2, 3])
    );
    assert_eq!(*events.borrow(), ["init"]);
}

#[test]
fn a_second_init_is_ignored() {
    let mut rt = Runtime::new();
    let a = rt.spawn(|_| 1u8);
    a.init(|_| 2u8);
    assert_eq!(value_after_a_run(&mut rt, &a), Some(1));
}

#[test]
fn calls_run_in_the_order_they_were_made_across_actors() {
    let mut rt = Runtime::new();
    let events = log();
    let a = rt.spawn(|_| 'a');
    let b = rt.spawn(|_| 'b');
    rt.run(Instant::now());
    for i in 0..50 {
        let target = if i % 3 == 0 { &a } else { &b };
        let e = events.clone();
        target.call(move |name, cx| {
            e.borrow_mut().push(format!("{name}{i}"));
            // A call made while running lands behind everything already queued.
            if i == 0 {
                let e2 = e.clone();
                cx.this()
                    .call(move |name, _| e2.borrow_mut().push(format!("{name}-tail")));
            }
        });
    }
    rt.run(Instant::now());
    let expected: Vec<String> = (0..50)
        .map(|i| format!("{}{i}", if i % 3 == 0 { 'a' } else { 'b' }))
        .chain(["a-tail".to_string()])
        .collect();
    assert_eq!(*events.borrow(), expected);
}

/// Spawns a `()` actor on `rt` whose stop is reported to the returned probe, queues `call` on
/// it and runs `rt`.
fn probed_after(
    rt: &mut Runtime,
    call: impl FnOnce(&mut (), &mut Cx<'_, ()>) + 'static,
) -> (ActorOwn<()>, Cause) {
    let (ret, cause) = stop_probe();
    let actor = rt.spawn_notify(|_| (), ret);
    actor.call(call);
    rt.run(Instant::now());
    (actor, cause)
}

#[test]
fn every_stop_cause_is_reported_once() {
    let mut rt = Runtime::new();
    let (a, stopped) = probed_after(&mut rt, |_, cx| cx.stop());
    assert!(matches!(
        stopped.borrow_mut().take(),
        Some(StopCause::Stopped)
    ));

    let (b, failed) = probed_after(&mut rt, |_, cx| cx.fail("bad input"));
    match failed.borrow_mut().take() {
        Some(StopCause::Failed(e)) => assert_eq!(e.to_string(), "bad input"),
        other => panic!("expected Failed, got {other:?}"),
    }

    let (ret, killed) = stop_probe();
    let c = rt.spawn_notify(|_| (), ret);
    rt.run(Instant::now());
    c.kill("shutting down");
    rt.run(Instant::now());
    assert!(
        matches!(killed.borrow_mut().take(), Some(StopCause::Killed(e)) if e.to_string() == "shutting down")
    );

    let (ret, dropped) = stop_probe();
    let d = rt.spawn_notify(|_| (), ret);
    let second_owner = d.clone();
    drop(d);
    rt.run(Instant::now());
    assert!(dropped.borrow().is_none(), "one owner is left");
    drop(second_owner);
    rt.run(Instant::now());
    assert!(matches!(
        dropped.borrow_mut().take(),
        Some(StopCause::Dropped)
    ));

    let (e, cause) = probed_after(&mut rt, |_, _| panic!("oops"));
    assert_eq!(panicked(&cause), "oops");
    for handle in [&a, &b, &c, &e] {
        assert!(handle.is_zombie());
    }
}

#[test]
fn the_state_is_dropped_when_the_actor_stops() {
    let mut rt = Runtime::new();
    let tokens = Tokens::new();
    let token = tokens.token();
    let a = rt.spawn(move |_| token);
    rt.run(Instant::now());
    assert_eq!(tokens.dropped(), 0);
    a.call(|_, cx| cx.stop());
    rt.run(Instant::now());
    assert_eq!(tokens.dropped(), 1);
    drop(a);
    tokens.assert_each_dropped_once();
}

#[test]
fn a_panicking_actor_stops_alone_and_the_runtime_keeps_going() {
    let mut rt = Runtime::new();
    let (ret, cause) = stop_probe();
    let faulty = rt.spawn_notify(|_| 0u32, ret);
    let healthy = rt.spawn(|_| 0u32);
    rt.run(Instant::now());
    let tokens = Tokens::new();
    for i in 0..10u32 {
        let token = tokens.token();
        faulty.call(move |n, _| {
            let _token = token;
            *n += 1;
            assert!(i != 4, "call {i} failed");
        });
        healthy.call(move |n, _| *n += i);
    }
    rt.run(Instant::now());
    assert!(faulty.is_zombie());
    assert_eq!(panicked(&cause), "call 4 failed");
    assert_eq!(
        tokens.dropped(),
        10,
        "5 ran (one panicking), 5 dropped unrun after the panic"
    );
    assert_eq!(rt.query(&healthy, |n, _| *n), Some(45));
    healthy.call(|n, _| *n += 1);
    assert_eq!(value_after_a_run(&mut rt, &healthy), Some(46));
}

#[test]
fn calls_queued_for_a_stopped_actor_deliver_none_to_their_rets() {
    let mut rt = Runtime::new();
    let replies = log();
    let server = rt.spawn(|_| ());
    let client = rt.spawn(|_| ());
    rt.run(Instant::now());
    server.call(|_, cx| cx.stop());
    for i in 0..3 {
        let r = replies.clone();
        let ret: Ret<u32> = client.ret(move |_, _, v| r.borrow_mut().push(format!("{i}:{v:?}")));
        server.call(move |_, _| ret.ret(i));
    }
    rt.run(Instant::now());
    assert_eq!(*replies.borrow(), ["0:None", "1:None", "2:None"]);
}

#[test]
fn an_init_that_panics_stops_the_actor_and_drops_waiting_calls() {
    let mut rt = Runtime::new();
    let (ret, cause) = stop_probe();
    let a = rt.spawn_notify(|_| -> u8 { panic!("no config") }, ret);
    let answers = Rc::new(Cell::new(0));
    let r = answers.clone();
    let reply: Ret<()> = Ret::new(move |v| r.set(if v.is_none() { 1 } else { 2 }));
    a.call(move |_, _| reply.ret(()));
    rt.run(Instant::now());
    assert!(a.is_zombie());
    assert_eq!(panicked(&cause), "no config");
    assert_eq!(answers.get(), 1, "the waiting call's Ret got None");
}

#[test]
fn stop_during_init_stops_after_it_with_the_state_dropped() {
    let mut rt = Runtime::new();
    let tokens = Tokens::new();
    let token = tokens.token();
    let (ret, cause) = stop_probe();
    let a = rt.spawn_notify(
        move |cx| {
            cx.fail("not today");
            token
        },
        ret,
    );
    rt.run(Instant::now());
    assert!(a.is_zombie());
    assert_eq!(tokens.dropped(), 1);
    assert!(matches!(&*cause.borrow(), Some(StopCause::Failed(_))));
}

#[test]
fn killing_an_actor_from_inside_its_own_call_waits_for_the_call_to_return() {
    // The actor owns its own ActorOwn (a cycle); dropping it mid-call must not free the state
    // under the running call.
    struct Selfish {
        me: Option<ActorOwn<Selfish>>,
        alive: Rc<Cell<bool>>,
    }
    impl Drop for Selfish {
        fn drop(&mut self) {
            self.alive.set(false);
        }
    }
    let mut rt = Runtime::new();
    let alive = Rc::new(Cell::new(true));
    let flag = alive.clone();
    let (ret, cause) = stop_probe();
    let owner = rt.spawn_notify(
        move |_| Selfish {
            me: None,
            alive: flag,
        },
        ret,
    );
    let handle = owner.actor().clone();
    handle.call(move |this, _| this.me = Some(owner));
    rt.run(Instant::now());
    handle.call(|this, _| {
        this.me.as_ref().unwrap().kill("self-destruct");
        assert!(this.alive.get(), "state still alive until the call returns");
        this.me = None; // drops the last owner while running: also deferred
        assert!(this.alive.get());
    });
    rt.run(Instant::now());
    assert!(!alive.get());
    assert!(handle.is_zombie());
    assert!(
        matches!(&*cause.borrow(), Some(StopCause::Killed(_))),
        "the first stop request wins"
    );
}

#[test]
fn a_panicking_plain_closure_is_resumed_after_the_run_completes() {
    let mut rt = Runtime::new();
    let a = rt.spawn(|_| 0u8);
    rt.defer(|_| panic!("plain closure"));
    a.call(|n, _| *n = 9);
    let err = catch_unwind(AssertUnwindSafe(|| rt.run(Instant::now()))).unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"plain closure"));
    assert_eq!(
        rt.query(&a, |n, _| *n),
        Some(9),
        "the rest of the run happened"
    );
    rt.run(Instant::now()); // and the runtime still works
}

#[test]
fn several_runtimes_share_a_thread_and_call_each_other() {
    let mut rt1 = Runtime::new();
    let mut rt2 = Runtime::new();
    let a = rt1.spawn(|_| Vec::<u32>::new());
    let b = rt2.spawn(|_| 0u32);
    let into_a = a.fwd(|v, _, n: u32| v.push(n));
    b.call(move |n, _| {
        *n = 5;
        into_a.fwd(*n);
    });
    rt2.run(Instant::now());
    rt1.run(Instant::now());
    assert_eq!(rt1.query(&a, |v, _| v.clone()), Some(vec![5]));
    assert_eq!(rt1.query(&b, |n, _| *n), None, "b belongs to rt2");
    assert_eq!(rt2.query(&b, |n, _| *n), Some(5));
}

#[test]
fn query_sees_a_running_actor_as_not_ready() {
    let mut rt = Runtime::new();
    let a = rt.spawn(|_| 1u8);
    rt.run(Instant::now());
    let me = a.actor().clone();
    a.call(move |_, cx| {
        let inner = me.query(cx, |n, _| *n);
        assert_eq!(inner, None, "no second &mut to a running actor");
    });
    rt.run(Instant::now());
    assert!(a.is_ready(), "the assertion in the call held");
}

#[test]
fn dropping_the_runtime_drops_pending_calls_and_timers_unrun() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let a = rt.spawn(|_| ());
    rt.run(Instant::now());
    for _ in 0..5 {
        let t = tokens.token();
        a.call(move |_, _| drop(t));
        let t = tokens.token();
        a.call(move |_, cx| {
            cx.after(std::time::Duration::from_secs(1), move |_, _| drop(t));
        });
    }
    rt.run(Instant::now()); // five calls ran and set timers
    let t = tokens.token();
    a.call(move |_, _| drop(t));
    let t = tokens.token();
    rt.idle(move |_| drop(t));
    drop(rt);
    assert_eq!(tokens.made(), 5 + 5 + 1 + 1);
    tokens.assert_each_dropped_once();
    a.call(|_, _| unreachable!("the runtime is gone"));
}
