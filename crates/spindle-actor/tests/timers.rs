//! Timers and the idle queue on a virtual clock.

mod common;

use std::time::Duration;

use common::{clocked, log};

const MS: Duration = Duration::from_millis(1);

#[test]
fn timers_fire_in_deadline_order_then_fifo_at_equal_deadlines() {
    let (t0, mut rt) = clocked();
    let events = log();
    let a = rt.spawn(|_| ());
    let e = events.clone();
    a.call(move |_, cx| {
        for (name, ms) in [("c", 30), ("a", 10), ("b1", 20), ("b2", 20), ("b3", 20)] {
            let e = e.clone();
            cx.after(ms * MS, move |_, cx| {
                e.borrow_mut().push(format!("{name}@{:?}", cx.now() - t0))
            });
        }
    });
    rt.run(t0);
    assert!(events.borrow().is_empty());
    rt.run(t0 + 19 * MS);
    assert_eq!(*events.borrow(), ["a@19ms"]);
    rt.run(t0 + 25 * MS);
    assert_eq!(
        *events.borrow(),
        ["a@19ms", "b1@25ms", "b2@25ms", "b3@25ms"]
    );
    rt.run(t0 + 100 * MS);
    assert_eq!(events.borrow().len(), 5);
    assert_eq!(rt.next_wake(), None);
}

#[test]
fn cancelled_timers_never_fire_and_drop_their_call_at_once() {
    let (t0, mut rt) = clocked();
    let tokens = spindle_test_support::Tokens::new();
    let token = tokens.token();
    let key = rt.after(10 * MS, move |_| {
        let _t = token;
        unreachable!("cancelled");
    });
    assert!(rt.timer_pending(key));
    assert!(rt.cancel(key));
    assert_eq!(tokens.dropped(), 1, "dropped by cancel, not at expiry");
    assert!(!rt.cancel(key), "a second cancel finds nothing");
    rt.run(t0 + 20 * MS);
    assert_eq!(rt.next_wake(), None);
}

#[test]
fn a_timer_can_set_timers_and_zero_delays_fire_in_the_same_run() {
    let (t0, mut rt) = clocked();
    let ticks = rt.spawn(|_| 0u32);
    ticks.call(|_, cx| {
        cx.after(Duration::ZERO, |n, cx| {
            *n += 1;
            cx.after(Duration::ZERO, |n, _| *n += 1);
            cx.after(5 * MS, |n, _| *n += 100);
        });
    });
    rt.run(t0);
    assert_eq!(rt.query(&ticks, |n, _| *n), Some(2));
    assert_eq!(rt.next_wake(), Some(t0 + 5 * MS));
    rt.run(t0 + 5 * MS);
    assert_eq!(rt.query(&ticks, |n, _| *n), Some(102));
}

#[test]
fn a_timer_for_a_stopped_actor_is_dropped_unrun() {
    let (t0, mut rt) = clocked();
    let a = rt.spawn(|cx| {
        cx.after(MS, |_: &mut (), _| unreachable!("the actor stopped"));
    });
    rt.run(t0);
    a.kill("done");
    rt.run(t0 + MS);
}

#[test]
fn at_with_a_past_instant_fires_in_the_next_run() {
    let (t0, mut rt) = clocked();
    rt.run(t0 + 10 * MS);
    let fired = std::rc::Rc::new(std::cell::Cell::new(false));
    let f = fired.clone();
    rt.at(t0 + MS, move |_| f.set(true));
    rt.run(t0 + 10 * MS);
    assert!(fired.get());
}

#[test]
fn the_clock_never_goes_backwards() {
    let (t0, mut rt) = clocked();
    rt.run(t0 + 10 * MS);
    rt.run(t0 + 5 * MS);
    assert_eq!(rt.now(), t0 + 10 * MS);
}

#[test]
fn idle_calls_run_one_at_a_time_after_everything_else() {
    let (t0, mut rt) = clocked();
    let events = log();
    let a = rt.spawn(|_| ());
    for i in 0..2 {
        let e = events.clone();
        a.call(move |_, cx| {
            let e2 = e.clone();
            cx.idle(move |_, cx| {
                e2.borrow_mut().push(format!("idle{i}"));
                let e3 = e2.clone();
                cx.this()
                    .call(move |_, _| e3.borrow_mut().push(format!("after idle{i}")));
            });
            e.borrow_mut().push(format!("call{i}"));
        });
    }
    rt.run(t0);
    assert_eq!(
        *events.borrow(),
        [
            "call0",
            "call1",
            "idle0",
            "after idle0",
            "idle1",
            "after idle1"
        ]
    );
}

#[test]
fn many_timers_with_churn_fire_exactly_once() {
    let (t0, mut rt) = clocked();
    let fired = std::rc::Rc::new(std::cell::RefCell::new(vec![0u8; 2000]));
    let mut keys = Vec::new();
    for i in 0..2000u64 {
        let f = fired.clone();
        let delay = Duration::from_micros((i * 7919) % 5000);
        keys.push(rt.after(delay, move |_| f.borrow_mut()[i as usize] += 1));
    }
    for key in keys.iter().step_by(3) {
        assert!(rt.cancel(*key));
    }
    for step in 0..=50 {
        rt.run(t0 + Duration::from_micros(step * 100));
    }
    for (i, n) in fired.borrow().iter().enumerate() {
        assert_eq!(*n, u8::from(i % 3 != 0), "timer {i}");
    }
}
