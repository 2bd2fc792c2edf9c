//! Loom models of the pool's call and shutdown protocol: a batch pointer handed to a pool
//! thread through its inbox, answered, the caller's latch counted down and the caller woken;
//! and a request racing `shutdown`, which must be answered or refused, never lost or left
//! waiting. Run with `cargo xtask loom`.
#![cfg(spindle_loom)]

use loom::thread;
use spindle_pool::{IdTargeted, PoolError, ThreadPool, pool_item};

/// The smallest item: an id.
#[derive(Debug)]
pub struct Item {
    id: u64,
}

impl IdTargeted for Item {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item]
impl Item {
    /// An item.
    pub fn new(id: u64) -> Self {
        Item { id }
    }

    /// Its id, doubled.
    #[messaging(DoubleRequest, DoubleResponse)]
    pub fn double(&self) -> u64 {
        2 * self.id
    }
}

#[test]
fn a_round_trip_wakes_its_caller_with_the_answer() {
    loom::model(|| {
        // One request (two would multiply the explored interleavings past a CI budget).
        let pool = ThreadPool::<Item>::new(1);
        assert_eq!(pool.send_and_receive_once(ItemInit(3)).unwrap().id(), 3);
        let reports = pool.shutdown();
        assert_eq!(reports[0].items(), [3]);
    });
}

#[test]
fn a_request_racing_shutdown_is_answered_or_refused() {
    loom::model(|| {
        let pool = std::sync::Arc::new(ThreadPool::<Item>::new(1));
        let p = pool.clone();
        let caller = thread::spawn(move || p.send_and_receive_once(ItemInit(1)).map(|r| r.id()));
        let reports = pool.shutdown();
        let outcome = caller.join().unwrap();
        match outcome {
            Ok(1) => assert_eq!(reports[0].items(), [1], "an answered add is shut down too"),
            Err(PoolError::ShutDown) => assert!(reports[0].items().is_empty()),
            other => panic!("unexpected {other:?}"),
        }
    });
}
