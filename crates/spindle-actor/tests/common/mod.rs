//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use spindle_actor::{Ret, StopCause};

/// Runs `f` on a thread and fails the test if it has not finished within `limit` (a hang is a
/// failure, not a stuck CI job).
pub fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => {
            worker.join().unwrap();
            v
        }
        Err(_) => {
            if worker.is_finished() {
                // It panicked: surface its panic.
                std::panic::resume_unwind(worker.join().unwrap_err());
            }
            panic!("did not finish within {limit:?}")
        }
    }
}

/// A `Ret<StopCause>` and the slot it reports into.
pub fn stop_probe() -> (Ret<StopCause>, Rc<RefCell<Option<StopCause>>>) {
    let slot = Rc::new(RefCell::new(None));
    let sink = slot.clone();
    (Ret::new(move |cause| *sink.borrow_mut() = cause), slot)
}

/// Counts its drops.
pub struct DropCount(pub Rc<Cell<usize>>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// A log of events the test can inspect.
pub type Log = Rc<RefCell<Vec<String>>>;
pub fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}
