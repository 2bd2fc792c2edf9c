//! Items calling their own pool: served (the waiting thread answers its own inbox meanwhile),
//! a call back into the very item that is waiting is refused with `ItemBusy` instead of
//! deadlocking or running re-entrantly, and a shutdown from inside the pool closes it without
//! waiting for itself.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::assert_same;
use spindle_pool::{IdTargeted, ItemPool, PoolError, pool_item};

static POOL: OnceLock<ItemPool<Node>> = OnceLock::new();

/// A node that can reach its own pool.
#[derive(Debug)]
pub struct Node {
    id: u64,
}

impl IdTargeted for Node {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item]
impl Node {
    /// A node.
    pub fn new(id: u64) -> Self {
        Node { id }
    }

    /// Asks node `other` for its name, through the pool.
    #[messaging(AskNeighbourRequest, AskNeighbourResponse)]
    pub fn ask_neighbour(&self, other: u64) -> Result<u64, PoolError> {
        let pool = POOL.get().expect("pool set");
        pool.send_and_receive_once(NameRequest(other))
            .map(|r| r.result)
    }

    /// The node's id.
    #[messaging(NameRequest, NameResponse)]
    pub fn name(&self) -> u64 {
        self.id
    }

    /// Shuts the pool down from inside it.
    #[messaging(ShutDownFromInsideRequest, ShutDownFromInsideResponse)]
    pub fn shut_down_from_inside(&self) -> usize {
        POOL.get().expect("pool set").shutdown().len()
    }
}

#[test]
fn an_item_calling_its_own_pool_is_served_itself_refused_and_shutdown_from_inside_returns() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let pool = POOL.get_or_init(|| ItemPool::new(2).unwrap());
        common::send_all(pool, (0..2).map(NodeInit));
        let asked = |id, other| {
            pool.send_and_receive_once(AskNeighbourRequest(id, other))
                .unwrap()
                .result
        };
        assert_same(&asked(0, 1), &Ok::<_, ()>(1));
        assert_same(&asked(0, 2), &Err::<(), _>(PoolError::UnknownId(2)));
        pool.send_and_receive_once(NodeInit(2)).unwrap();
        assert_same(&asked(0, 2), &Ok::<_, ()>(2));
        assert_same(&asked(0, 0), &Err::<(), _>(PoolError::ItemBusy(0)));
        let reports = pool
            .send_and_receive_once(ShutDownFromInsideRequest(1))
            .unwrap()
            .result;
        assert_eq!(
            reports, 0,
            "no reports: it does not wait for its own thread"
        );
        assert_same(
            &pool.send_and_receive_once(NameRequest(0)).unwrap_err(),
            &PoolError::ShutDown,
        );
        // The pool lives in a static and is never dropped, so nothing else would join the
        // threads the shutdown from inside left to end on their own (ThreadSanitizer reports
        // them as leaked threads). A shutdown from outside joins them and reports each.
        assert_eq!(pool.shutdown().len(), 2, "every thread joined and reported");
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("no deadlock");
}
