//! Helpers for the loom models (`tests/loom_*.rs`), and the models both queues share (over
//! [`TestQueue`]).

use super::TestQueue;
use loom::sync::Arc;
use loom::thread::{self, JoinHandle};
use spindle_queue::Closed;
use spindle_test_support::{Token, Tokens};

/// Starts a loom thread that runs `f` on its own handle of `shared`: the set-up each model
/// repeats for every thread besides the main one.
pub fn spawn_on<S, R>(shared: &Arc<S>, f: impl FnOnce(&S) -> R + Send + 'static) -> JoinHandle<R>
where
    S: Send + Sync + 'static,
    R: Send + 'static,
{
    let shared = Arc::clone(shared);
    thread::spawn(move || f(&shared))
}

/// A producer pushes `pushes` tokens into the empty `q` while this thread pops one; then the
/// queue is dropped with the rest in it. Every token must be dropped exactly once.
pub fn dropping_with_values_left_drops_each_once<Q: TestQueue<Token>>(q: Q, pushes: usize) {
    let tokens = Tokens::new();
    let q = Arc::new(q);
    let producer = {
        let tokens = tokens.clone();
        spawn_on(&q, move |q| {
            (0..pushes).for_each(|_| assert!(q.push(tokens.token()).is_ok()));
        })
    };
    let popped = q.pop();
    producer.join().unwrap();
    drop(popped);
    drop(q);
    assert_eq!(tokens.made(), pushes);
    tokens.assert_each_dropped_once();
}

/// A push of `1` into the empty, open `q` races its close: either it got in before the close
/// (and a pop after the close still gets it, then `Closed`), or it is handed back (and the
/// pop gets `Closed`). Nothing gets in after the close.
pub fn close_races_a_push<Q: TestQueue<usize>>(q: Q) {
    let q = Arc::new(q);
    let producer = spawn_on(&q, |q| q.push(1));
    q.close();
    let popped = q.pop_blocking();
    match producer.join().unwrap() {
        Ok(()) => {
            assert_eq!(popped, Ok(1));
            assert_eq!(q.pop_blocking(), Err(Closed(())));
        }
        Err(v) => {
            assert_eq!(v, 1);
            assert_eq!(popped, Err(Closed(())));
        }
    }
}
