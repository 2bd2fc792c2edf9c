//! What the actor tests share beyond spindle-test-support: runtimes on a virtual clock, a
//! watchdog with a ledger, a stop-cause probe, an event log, and remote calls that count how
//! each one ended.
#![allow(dead_code, unreachable_pub)]

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use spindle_actor::{Cx, Remote, Ret, Runtime, RuntimeBuilder, StopCause};
use spindle_test_support::{LIMIT, Tokens, within};

/// Builds `builder` with its clock starting now: the start (for a virtual clock that the test
/// advances by passing later instants to `run`) and the runtime.
pub fn started(builder: RuntimeBuilder) -> (Instant, Runtime) {
    let t0 = Instant::now();
    (t0, builder.start(t0).build().unwrap())
}

/// A runtime on a virtual clock with default sizes: see [`started`].
pub fn clocked() -> (Instant, Runtime) {
    started(Runtime::builder())
}

/// Runs `f` under the [`within`] watchdog with a fresh ledger, and checks at the end that every
/// token made was dropped exactly once.
pub fn ledgered(f: impl FnOnce(&Tokens) + Send + 'static) {
    within(LIMIT, move || {
        let tokens = Tokens::new();
        f(&tokens);
        tokens.assert_each_dropped_once();
    });
}

/// Where a [`stop_probe`] reports.
pub type Cause = Rc<RefCell<Option<StopCause>>>;

/// A `Ret<StopCause>` and the slot it reports into.
pub fn stop_probe() -> (Ret<StopCause>, Cause) {
    let slot = Rc::new(RefCell::new(None));
    let sink = slot.clone();
    (Ret::new(move |cause| *sink.borrow_mut() = cause), slot)
}

/// The message of a `StopCause::Panicked`, or a description of the other cause.
pub fn panicked(cause: &Cause) -> String {
    match &*cause.borrow() {
        Some(StopCause::Panicked(p)) => p.message().unwrap_or("<not a string>").to_owned(),
        other => format!("not a panic: {other:?}"),
    }
}

/// A log of events the test can inspect.
pub type Log = Rc<RefCell<Vec<String>>>;

pub fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

/// Sends `n` calls to `to`, each counting itself in `ran` when it runs and carrying a token of
/// `tokens`, which is dropped exactly once whether the call ran, was dropped unrun by the
/// runtime, or came back to the sender (dropped here). Returns how many came back.
pub fn send_counted<A: 'static>(
    to: &Remote<A>,
    n: usize,
    tokens: &Tokens,
    ran: &Arc<AtomicUsize>,
) -> usize {
    let mut returned = 0;
    for _ in 0..n {
        let (token, ran) = (tokens.token(), Arc::clone(ran));
        let call = move |_: &mut A, _: &mut Cx<'_, A>| {
            let _token = token; // the whole token, moved into the call
            ran.fetch_add(1, Ordering::SeqCst);
        };
        if let Err(back) = to.call(call) {
            drop(back.into_inner());
            returned += 1;
        }
    }
    returned
}
