//! `Fwd` and `Ret` delivery (the `Send`/`Sync` contracts of every handle are in
//! `contracts.rs`).

mod common;

use std::time::Instant;

use common::log;
use spindle_actor::{Ret, Runtime};

#[test]
fn a_fwd_delivers_every_message_in_order_as_calls() {
    let mut rt = Runtime::new();
    let sink = rt.spawn(|_| Vec::<u32>::new());
    let fwd = sink.fwd(|v, _, m: u32| v.push(m));
    let copy = fwd.clone();
    for i in 0..5 {
        if i % 2 == 0 { fwd.fwd(i) } else { copy.fwd(i) }
    }
    assert_eq!(
        rt.query(&sink, |v, _| v.len()),
        None,
        "calls are queued, not run inline"
    );
    rt.run(Instant::now());
    assert_eq!(rt.query(&sink, |v, _| v.clone()), Some(vec![0, 1, 2, 3, 4]));
}

#[test]
fn a_fwd_to_a_stopped_actor_drops_its_messages() {
    let mut rt = Runtime::new();
    let sink = rt.spawn(|_| ());
    let fwd = sink.fwd(|_, _, _m: u32| unreachable!("stopped"));
    sink.kill("gone");
    fwd.fwd(1);
    rt.run(Instant::now());
}

#[test]
fn a_ret_answers_once_with_some_or_with_none_when_dropped() {
    let mut rt = Runtime::new();
    let events = log();
    let client = rt.spawn(|_| ());
    let server = rt.spawn(|_| 10u32);
    rt.run(Instant::now());
    let e = events.clone();
    let answered: Ret<u32> =
        client.ret(move |_, _, v| e.borrow_mut().push(format!("answered {v:?}")));
    let e = events.clone();
    let ignored: Ret<u32> =
        client.ret(move |_, _, v| e.borrow_mut().push(format!("ignored {v:?}")));
    server.call(move |n, _| answered.ret(*n));
    server.call(move |_, _| drop(ignored));
    rt.run(Instant::now());
    assert_eq!(*events.borrow(), ["answered Some(10)", "ignored None"]);
}

#[test]
fn a_ret_held_in_a_stopped_actors_state_answers_none() {
    // The kameo#335 case: a request parked in an actor that then stops must not vanish.
    let mut rt = Runtime::new();
    let answer = std::rc::Rc::new(std::cell::Cell::new(Some(Some(0u8))));
    let a = answer.clone();
    let holder = rt.spawn(|_| Vec::<Ret<u8>>::new());
    let ret = Ret::new(move |v| a.set(Some(v)));
    holder.call(move |pending, _| pending.push(ret));
    holder.call(|_, _| panic!("crash with a request pending"));
    rt.run(Instant::now());
    assert_eq!(answer.get(), Some(None));
}
