//! Calls and wakes from other threads: delivery, sleeping and waking, shutdown races.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::send_counted;
use spindle_actor::{Fwd, Runtime, Stalled};
use spindle_test_support::{LIMIT, Tokens, scaled, within};

#[test]
fn calls_from_several_threads_all_arrive_in_each_senders_order() {
    within(LIMIT, || {
        let per_thread = scaled(20_000);
        let mut rt = Runtime::new();
        let seen = rt.spawn(|_| vec![Vec::<usize>::new(); 4]);
        let senders: Vec<_> = (0..4)
            .map(|t| {
                let remote = seen.remote();
                std::thread::spawn(move || {
                    for i in 0..per_thread {
                        remote.call(move |v, _| v[t].push(i)).unwrap();
                    }
                })
            })
            .collect();
        rt.run_until(|core| {
            seen.query(core, |v, _| v.iter().map(Vec::len).sum::<usize>()) == Some(4 * per_thread)
        })
        .unwrap();
        senders.into_iter().for_each(|s| s.join().unwrap());
        let seen = rt.query(&seen, |v, _| v.clone()).unwrap();
        for per_sender in seen {
            assert_eq!(per_sender, (0..per_thread).collect::<Vec<_>>());
        }
    });
}

#[test]
fn a_sleeping_runtime_wakes_for_a_remote_call() {
    within(LIMIT, || {
        let mut rt = Runtime::new();
        let done = rt.spawn(|_| false);
        let remote = done.remote();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50)); // the runtime is parked by then
            remote.call(|d, _| *d = true).unwrap();
        });
        rt.run_until(|core| done.query(core, |d, _| *d) == Some(true))
            .unwrap();
        sender.join().unwrap();
    });
}

#[test]
fn run_until_sleeps_until_the_next_timer() {
    within(LIMIT, || {
        let mut rt = Runtime::new();
        let fired = std::rc::Rc::new(std::cell::Cell::new(None));
        let f = fired.clone();
        let start = rt.now(); // timers count from the runtime's clock: its last run, or its start
        rt.after(Duration::from_millis(30), move |core| {
            f.set(Some(core.now()))
        });
        rt.run_until(|_| fired.get().is_some()).unwrap();
        assert!(fired.get().unwrap() >= start + Duration::from_millis(30));
    });
}

#[test]
fn run_until_reports_a_stall_instead_of_sleeping_forever() {
    within(LIMIT, || {
        let mut rt = Runtime::new();
        assert_eq!(rt.run_until(|_| false), Err(Stalled));
        // The last remote handle going away while the runtime sleeps also ends the wait.
        let a = rt.spawn(|_| ());
        let remote = a.remote();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            drop(remote);
        });
        assert_eq!(rt.run_until(|_| false), Err(Stalled));
        holder.join().unwrap();
    });
}

#[test]
fn remote_calls_to_a_stopped_actor_are_dropped_unrun() {
    within(LIMIT, || {
        let mut rt = Runtime::new();
        let a = rt.spawn(|_| ());
        let remote = a.remote();
        rt.run(Instant::now());
        a.kill("gone");
        let token = Arc::new(());
        let t = token.clone();
        remote.call(move |_, _| drop(t)).unwrap();
        rt.run(Instant::now());
        assert_eq!(
            Arc::strong_count(&token),
            1,
            "the closure was dropped on the runtime thread"
        );
        // A Remote made after the actor stopped behaves the same.
        a.remote().call(|_, _| unreachable!()).unwrap();
        rt.run(Instant::now());
    });
}

#[test]
fn a_call_after_shutdown_comes_back_to_the_sender() {
    let mut rt = Runtime::new();
    let a = rt.spawn(|_| 0u32);
    let remote = a.remote();
    drop(rt);
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let closure = remote
        .call(move |_, _| r.store(true, Ordering::SeqCst))
        .unwrap_err()
        .into_inner();
    let mut rt2 = Runtime::new();
    let b = rt2.spawn(|_| 0u32);
    b.remote().call(closure).unwrap(); // the handed-back closure is usable
    rt2.run(Instant::now());
    assert!(ran.load(Ordering::SeqCst));
}

#[test]
fn calls_racing_shutdown_are_run_dropped_or_handed_back_never_lost() {
    for round in 0..scaled(20) {
        within(LIMIT, move || {
            let per_thread = scaled(5_000);
            let tokens = Tokens::new();
            let ran = Arc::new(AtomicUsize::new(0));
            let mut rt = Runtime::new();
            let a = rt.spawn(|_| ());
            let senders: Vec<_> = (0..3)
                .map(|_| {
                    let (remote, tokens, ran) = (a.remote(), tokens.clone(), ran.clone());
                    std::thread::spawn(move || send_counted(&remote, per_thread, &tokens, &ran))
                })
                .collect();
            // Run a little, a different amount each round, then shut down under the senders.
            for _ in 0..round * 3 {
                rt.run(Instant::now());
                std::thread::yield_now();
            }
            drop(a);
            drop(rt);
            let returned: usize = senders.into_iter().map(|s| s.join().unwrap()).sum();
            // Each call ran, was dropped unrun by the runtime, or came back: its token was
            // dropped exactly once either way.
            assert_eq!(tokens.made(), 3 * per_thread);
            tokens.assert_each_dropped_once();
            let ran = ran.load(Ordering::SeqCst);
            assert!(
                ran + returned <= 3 * per_thread,
                "ran {ran}, handed back {returned}"
            );
        });
    }
}

#[test]
fn wakes_coalesce_and_the_handler_sees_what_was_written_before_the_wake() {
    within(LIMIT, || {
        let mut rt = Runtime::new();
        let data = Arc::new(AtomicUsize::new(0));
        let handled = std::rc::Rc::new(std::cell::Cell::new((0usize, 0usize))); // (calls, last seen)
        let (h, d) = (handled.clone(), data.clone());
        let waker = rt.waker(Fwd::new(move |()| {
            h.set((h.get().0 + 1, d.load(Ordering::Relaxed)))
        }));
        let n = scaled(10_000);
        let (w, d) = (waker.clone(), data.clone());
        let producer = std::thread::spawn(move || {
            for i in 1..=n {
                d.store(i, Ordering::Relaxed);
                w.wake().unwrap();
            }
        });
        rt.run_until(|_| handled.get().1 == n).unwrap();
        producer.join().unwrap();
        let (calls, _) = handled.get();
        assert!(
            calls >= 1 && calls <= n,
            "{calls} handler calls for {n} wakes"
        );
        drop(waker);
    });
}

#[test]
fn dropping_the_last_waker_unregisters_its_handler() {
    let mut rt = Runtime::new();
    let tokens = Tokens::new();
    let token = tokens.token();
    let waker = rt.waker(Fwd::new(move |()| {
        let _ = &token;
    }));
    let clone = waker.clone();
    drop(waker);
    rt.run(Instant::now());
    assert_eq!(tokens.dropped(), 0, "a clone is alive");
    std::thread::spawn(move || drop(clone)).join().unwrap();
    rt.run(Instant::now());
    assert_eq!(tokens.dropped(), 1, "the handler was dropped");
}
