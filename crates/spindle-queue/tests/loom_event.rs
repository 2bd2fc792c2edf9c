//! Loom models of `EventCount`: no lost wake-up, wherever a notification falls.
//!
//! Each waiter parks (spin limit 0, so the park path is always reached); a lost wake-up leaves
//! a thread parked forever, which loom reports as a deadlock. Run with `cargo xtask loom`.

#![cfg(spindle_loom)]

mod common;

use common::model::spawn_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use spindle_queue::EventCount;

/// A counter of available tokens and the event count its takers wait on.
struct Tokens {
    available: AtomicUsize,
    event: EventCount,
}

impl Tokens {
    fn new(available: usize) -> Arc<Self> {
        Arc::new(Tokens {
            available: AtomicUsize::new(available),
            event: EventCount::with_spin_limit(0),
        })
    }

    /// Takes a token if there is one (the waiter's condition).
    fn try_take(&self) -> Option<()> {
        let mut n = self.available.load(SeqCst);
        while n > 0 {
            match self.available.compare_exchange(n, n - 1, SeqCst, SeqCst) {
                Ok(_) => return Some(()),
                Err(now) => n = now,
            }
        }
        None
    }

    fn take(&self) {
        self.event.wait_until(|| self.try_take());
    }

    fn give(&self) {
        self.available.fetch_add(1, SeqCst);
        self.event.notify_one();
    }
}

#[test]
fn notify_between_check_and_park_still_wakes() {
    loom::model(|| {
        let tokens = Tokens::new(0);
        let giver = spawn_on(&tokens, Tokens::give);
        tokens.take();
        giver.join().unwrap();
        assert_eq!(tokens.available.load(SeqCst), 0);
        assert_eq!(tokens.event.waiters(), 0);
    });
}

/// Runs `model` with at least `preemptions` preemptions: a notification absorbed by a waiter
/// that did not need it (invariant E3) shows only with three, one more than the default bound
/// of `cargo xtask loom`.
fn model_with_preemptions(preemptions: usize, model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(builder.preemption_bound.unwrap_or(0).max(preemptions));
    builder.check(model);
}

/// The main thread and one more taker each take a token while a third thread runs `give`;
/// every token given is taken, and nobody is left parked.
fn take_against_one_taker(tokens: Arc<Tokens>, give: fn(&Tokens)) {
    let taker = spawn_on(&tokens, Tokens::take);
    let giver = spawn_on(&tokens, give);
    tokens.take();
    taker.join().unwrap();
    giver.join().unwrap();
    assert_eq!(tokens.available.load(SeqCst), 0);
}

#[test]
fn two_waiters_two_notifications() {
    model_with_preemptions(3, || {
        take_against_one_taker(Tokens::new(0), |tokens| {
            tokens.give();
            tokens.give();
        });
    });
}

#[test]
fn a_token_present_before_the_wait_and_one_given_later() {
    // One token is there before anyone waits (no notification for it), one more is given with
    // a notification: both waiters must get one.
    model_with_preemptions(3, || {
        take_against_one_taker(Tokens::new(1), Tokens::give);
    });
}

#[test]
fn notify_all_wakes_both_waiters() {
    loom::model(|| {
        let flag = Arc::new((AtomicUsize::new(0), EventCount::with_spin_limit(0)));
        let wait = |flag: &(AtomicUsize, EventCount)| {
            flag.1
                .wait_until(|| (flag.0.load(SeqCst) != 0).then_some(()));
        };
        let waiter = spawn_on(&flag, wait);
        let setter = spawn_on(&flag, |flag| {
            flag.0.store(1, SeqCst);
            flag.1.notify_all();
        });
        wait(&flag);
        waiter.join().unwrap();
        setter.join().unwrap();
    });
}
