//! Loom models of the pool's call and shutdown protocol: a batch pointer handed to a pool
//! thread through its inbox, answered, the caller's latch counted down and the caller woken;
//! and a request racing `shutdown`, which must be answered or refused, never lost or left
//! waiting; and the wait that keeps serving: a pool thread waiting on another pool whose item
//! calls back into the waiting thread, which must wake for that batch (and then for its own
//! answer) without losing either wake-up. Run with `cargo xtask loom`.
#![cfg(spindle_loom)]

use std::fmt;
use std::sync::Arc;

use loom::thread;
use spindle_pool::{IdTargeted, ItemPool, PoolError, pool_item};

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
        let pool = ItemPool::<Item>::new(1).unwrap();
        assert_eq!(pool.send_and_receive_once(ItemInit(3)).unwrap().id(), 3);
        let reports = pool.shutdown();
        assert_eq!(reports[0].items(), [3]);
    });
}

#[test]
fn a_request_racing_shutdown_is_answered_or_refused() {
    loom::model(|| {
        let pool = std::sync::Arc::new(ItemPool::<Item>::new(1).unwrap());
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

/// A pool handle to carry in a request.
#[derive(Clone)]
pub struct Pool(Arc<ItemPool<Hop>>);

impl PartialEq for Pool {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pool")
    }
}

/// An item that passes a request on along a path of (pool, id) hops.
#[derive(Debug)]
pub struct Hop {
    id: u64,
}

impl IdTargeted for Hop {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item]
impl Hop {
    /// A hop.
    pub fn new(id: u64) -> Self {
        Hop { id }
    }

    /// Calls the next hop with the rest of the path; returns the outcome at the end of it.
    #[messaging(RelayRequest, RelayResponse)]
    pub fn relay(&self, path: Vec<(Pool, u64)>) -> Result<u64, PoolError> {
        match path.split_first() {
            None => Ok(self.id),
            Some(((pool, id), rest)) => pool
                .0
                .send_and_receive_once(RelayRequest(*id, rest.to_vec()))
                .and_then(|r| r.result),
        }
    }
}

/// A → B → A with one thread each: A's thread waits on B while B's item calls back into A (an
/// unknown id there: the answer only needs A's thread to serve). With the serving wait removed
/// (a plain `Latch::wait`), or with the push not notifying the waiting thread's event count,
/// the model deadlocks.
// Ignored because loom's state space for three parking threads is too large for CI: the model
// did not finish in 5 minutes even at one preemption. Run it by hand with `--ignored`; the
// same protocol is exercised by `tests/cross_pool.rs` (and under Miri). A smaller scenario
// that loom can exhaust is the follow-up.
#[test]
#[ignore = "too slow for CI: did not finish in 5 minutes even with one preemption; needs a smaller scenario"]
fn a_thread_waiting_on_another_pool_serves_a_call_back_into_its_own() {
    // One long execution (two inits, a relay through both pools, two shutdowns) takes more
    // than loom's default 1000 branch points. Three threads that each park and wake twice:
    // two preemptions did not finish in 7 minutes, one not in 5.
    let mut model = loom::model::Builder::new();
    model.max_branches = 20_000;
    model.preemption_bound = Some(1);
    model.check(|| {
        let a = Pool(Arc::new(ItemPool::<Hop>::new(1).unwrap()));
        let b = Pool(Arc::new(ItemPool::<Hop>::new(1).unwrap()));
        a.0.send_and_receive_once(HopInit(1)).unwrap();
        b.0.send_and_receive_once(HopInit(10)).unwrap();
        let path = vec![(b.clone(), 10), (a.clone(), 2)];
        let outcome = a.0.send_and_receive_once(RelayRequest(1, path)).unwrap();
        assert!(matches!(outcome.result, Err(PoolError::UnknownId(2))));
        a.0.shutdown();
        b.0.shutdown();
    });
}
