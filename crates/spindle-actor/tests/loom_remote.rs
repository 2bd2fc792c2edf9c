//! Loom models of the cross-thread protocols: a remote call waking a sleeping runtime, calls
//! racing the runtime's shutdown, and waker coalescing. Run with `cargo xtask loom`.
#![cfg(spindle_loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use spindle_actor::{Fwd, Runtime};
use spindle_test_support::Tokens;

#[test]
fn a_remote_call_wakes_a_sleeping_runtime() {
    loom::model(|| {
        let mut rt = Runtime::new();
        let counter = rt.spawn(|_| 0u32);
        rt.run(std::time::Instant::now());
        let remote = counter.remote();
        let sender = thread::spawn(move || {
            remote.call(|n, _| *n += 1).unwrap();
        });
        // Blocks in the inbox's event count until the call lands; a lost wake-up deadlocks,
        // which loom reports.
        rt.run_until(|core| counter.query(core, |n, _| *n) == Some(1))
            .unwrap();
        sender.join().unwrap();
    });
}

#[test]
fn a_call_racing_shutdown_runs_or_is_dropped_or_comes_back_exactly_once() {
    loom::model(|| {
        // The ledger is plain std: it is only read after the sender is joined.
        let tokens = Tokens::new();
        let mut rt = Runtime::new();
        let actor = rt.spawn(|_| ());
        rt.run(std::time::Instant::now());
        let (remote, token) = (actor.remote(), tokens.token());
        let sender = thread::spawn(move || {
            // Ran, dropped unrun by the runtime, or handed back and dropped here: the token
            // is dropped exactly once.
            if let Err(back) = remote.call(move |_, _| drop(token)) {
                drop(back.into_inner());
            }
        });
        rt.run(std::time::Instant::now());
        drop(actor);
        drop(rt);
        sender.join().unwrap();
        tokens.assert_each_dropped_once();
    });
}

#[test]
fn coalesced_wakes_never_hide_the_last_write() {
    loom::model(|| {
        let mut rt = Runtime::new();
        let data = Arc::new(AtomicUsize::new(0));
        let seen = std::rc::Rc::new(std::cell::Cell::new(0));
        let (s, d) = (seen.clone(), data.clone());
        let waker = rt.waker(Fwd::new(move |()| s.set(d.load(Ordering::Relaxed))));
        let waking = thread::spawn(move || {
            for i in 1..=2 {
                data.store(i, Ordering::Relaxed);
                waker.wake().unwrap();
            }
        });
        // The handler must run after the second write: if the second wake were swallowed by
        // the first one's pending flag, nothing would wake the runtime again (a deadlock).
        rt.run_until(|_| seen.get() == 2).unwrap();
        waking.join().unwrap();
    });
}
