//! Item pools waiting on each other: a pool thread that waits on a pool (an item's method or
//! constructor calling `send_and_receive*`) keeps serving its own inbox, so chains of calls
//! that come back to a waiting thread complete (A → B → A, A → B → C → A, with 1- and 2-thread
//! pools), a call back into the very item that waits is refused with `ItemBusy`, and a refused
//! request whose `Drop` panics is contained there too. Each runs under a watchdog: on a pool
//! whose waiting threads stop serving, these hang.

mod common;
mod vault;

use std::fmt;
use std::sync::Arc;

use common::assert_same;
use spindle_pool::{IdTargeted, ItemPool, PoolError, pool_item};
use spindle_test_support::{LIMIT, Tokens, scaled, within};
use vault::Bomb;

/// The pools of one test, reachable from inside their items (compared by address).
pub struct Net(Arc<Vec<ItemPool<Hop>>>);

impl Clone for Net {
    fn clone(&self) -> Self {
        Net(Arc::clone(&self.0))
    }
}

impl PartialEq for Net {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Net({} pools)", self.0.len())
    }
}

impl Net {
    /// Pools with these thread counts.
    fn new(threads: &[usize]) -> Self {
        Net(Arc::new(
            threads.iter().map(|&n| ItemPool::new(n).unwrap()).collect(),
        ))
    }

    /// Creates items `ids` in pool `pool`.
    fn add(&self, pool: usize, ids: impl IntoIterator<Item = u64>) {
        let outcomes = self.0[pool]
            .send_and_receive_each(ids.into_iter().map(HopInit::plain))
            .unwrap();
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    }

    /// Follows `path` from its first hop, called from the test's thread.
    fn relay(&self, path: &[(usize, u64)]) -> Result<Vec<u64>, PoolError> {
        let (&(pool, id), rest) = path.split_first().expect("a hop");
        self.0[pool]
            .send_and_receive_once(RelayRequest(id, self.clone(), rest.to_vec(), None))?
            .result
    }

    /// Shuts every pool down; returns each pool's items, sorted.
    fn shutdown(self) -> Vec<Vec<u64>> {
        self.0
            .iter()
            .map(|pool| {
                let mut items: Vec<u64> = pool
                    .shutdown()
                    .iter()
                    .flat_map(|r| r.items().to_vec())
                    .collect();
                items.sort_unstable();
                items
            })
            .collect()
    }
}

/// Creates a hop; if `path` is given, the constructor follows it first (and panics if that fails).
#[derive(Debug, Clone, PartialEq)]
pub struct HopInit {
    id: u64,
    path: Option<(Net, Vec<(usize, u64)>)>,
}

impl HopInit {
    fn plain(id: u64) -> Self {
        HopInit { id, path: None }
    }
}

impl IdTargeted for HopInit {
    fn id(&self) -> u64 {
        self.id
    }
}

common::init_request!(Hop: HopInit);

/// An item that passes a request on along a path of (pool, id) hops.
#[derive(Debug)]
pub struct Hop {
    id: u64,
    /// How many calls it answered (to see that state survives nested serving).
    calls: u64,
}

impl IdTargeted for Hop {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item(Init = "HopInit")]
impl Hop {
    /// Panics (with the error's text) if following the path fails.
    pub fn new(init: HopInit) -> Self {
        if let Some((net, path)) = init.path {
            let first = path[0];
            let rest = path[1..].to_vec();
            let relayed = net.0[first.0]
                .send_and_receive_once(RelayRequest(first.1, net.clone(), rest, None))
                .and_then(|r| r.result);
            if let Err(e) = relayed {
                panic!("{e}");
            }
        }
        Hop {
            id: init.id,
            calls: 0,
        }
    }

    /// Calls the next hop of `path` with the rest of it (or, at the end, returns). With a
    /// `bomb`, the last hop is a `PokeRequest` carrying it instead. Returns the ids visited.
    #[messaging(RelayRequest, RelayResponse)]
    pub fn relay(
        &mut self,
        net: Net,
        path: Vec<(usize, u64)>,
        bomb: Option<Bomb>,
    ) -> Result<Vec<u64>, PoolError> {
        self.calls += 1;
        let mut visited = vec![self.id];
        match (path.split_first(), bomb) {
            (None, bomb) => drop(bomb.map(Bomb::defuse)),
            (Some((&(pool, id), [])), Some(bomb)) => {
                visited.push(
                    net.0[pool]
                        .send_and_receive_once(PokeRequest(id, bomb))?
                        .result,
                );
            }
            (Some((&(pool, id), rest)), bomb) => {
                let request = RelayRequest(id, net.clone(), rest.to_vec(), bomb);
                visited.extend(net.0[pool].send_and_receive_once(request)?.result?);
            }
        }
        Ok(visited)
    }

    /// Sends one batch to pool `pool`: a relay along `then` from each of `ids`. Returns each
    /// relay's visits, in order.
    #[messaging(FanRequest, FanResponse)]
    pub fn fan(
        &mut self,
        net: Net,
        pool: usize,
        ids: Vec<u64>,
        then: Vec<(usize, u64)>,
    ) -> Result<Vec<Vec<u64>>, PoolError> {
        self.calls += 1;
        let requests = ids
            .iter()
            .map(|&id| RelayRequest(id, net.clone(), then.clone(), None));
        net.0[pool]
            .send_and_receive(requests)?
            .map(|r| r.result)
            .collect()
    }

    /// Defuses the bomb and returns this item's id.
    #[messaging(PokeRequest, PokeResponse)]
    pub fn poke(&mut self, bomb: Bomb) -> u64 {
        drop(bomb.defuse());
        self.id
    }

    /// How many relays and fans it answered.
    #[messaging(CallsRequest, CallsResponse)]
    pub fn calls(&self) -> u64 {
        self.calls
    }
}

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

#[test]
fn a_to_b_to_a_completes_with_one_thread_pools() {
    within(LIMIT, || {
        let net = Net::new(&[1, 1]);
        net.add(A, [1, 2]);
        net.add(B, [10]);
        // Item 1 waits on B, whose item 10 calls item 2 on item 1's (only) thread.
        assert_same(
            &net.relay(&[(A, 1), (B, 10), (A, 2)]),
            &Ok::<_, ()>(vec![1, 10, 2]),
        );
        // There and back twice.
        assert_same(
            &net.relay(&[(A, 1), (B, 10), (A, 2), (B, 10)]),
            &Err::<(), _>(PoolError::ItemBusy(10)),
        );
        net.add(B, [11]);
        assert_same(
            &net.relay(&[(A, 1), (B, 10), (A, 2), (B, 11), (A, 3)]),
            &Err::<(), _>(PoolError::UnknownId(3)),
        );
        net.add(A, [3]);
        assert_same(
            &net.relay(&[(A, 1), (B, 10), (A, 2), (B, 11), (A, 3)]),
            &Ok::<_, ()>(vec![1, 10, 2, 11, 3]),
        );
        // The items kept their state through it all.
        let calls = |pool: usize, id| {
            net.0[pool]
                .send_and_receive_once(CallsRequest(id))
                .unwrap()
                .result
        };
        assert_eq!(
            (calls(A, 1), calls(A, 2), calls(A, 3), calls(B, 11)),
            (4, 4, 1, 2)
        );
        assert_eq!(net.shutdown(), [vec![1, 2, 3], vec![10, 11]]);
    });
}

#[test]
fn a_to_b_to_c_to_a_completes_with_one_and_two_thread_pools() {
    for threads in [[1, 1, 1], [2, 2, 2], [1, 2, 1], [2, 1, 2]] {
        within(LIMIT, move || {
            let net = Net::new(&threads);
            net.add(A, [1, 2, 3]);
            net.add(B, [10, 11]);
            net.add(C, [20, 21]);
            // Back to item 1's own thread (3 % 2 == 1 % 2) and, with 2 threads, to the other.
            for back in [2, 3] {
                assert_same(
                    &net.relay(&[(A, 1), (B, 10), (C, 21), (A, back)]),
                    &Ok::<_, ()>(vec![1, 10, 21, back]),
                );
            }
            // A longer cycle through every pool twice.
            assert_same(
                &net.relay(&[(A, 1), (B, 10), (C, 20), (A, 2), (B, 11), (C, 21), (A, 3)]),
                &Ok::<_, ()>(vec![1, 10, 20, 2, 11, 21, 3]),
            );
            assert_eq!(net.shutdown(), [vec![1, 2, 3], vec![10, 11], vec![20, 21]]);
        });
    }
}

#[test]
fn a_call_back_into_the_waiting_item_is_refused_with_item_busy() {
    for threads in [1, 2] {
        within(LIMIT, move || {
            let net = Net::new(&[threads, 1, 1]);
            net.add(A, [1, 2]);
            net.add(B, [10]);
            net.add(C, [20]);
            assert_same(
                &net.relay(&[(A, 1), (B, 10), (A, 1)]),
                &Err::<(), _>(PoolError::ItemBusy(1)),
            );
            assert_same(
                &net.relay(&[(A, 1), (B, 10), (C, 20), (A, 1)]),
                &Err::<(), _>(PoolError::ItemBusy(1)),
            );
            // Directly: an item calling itself through its own pool.
            assert_same(
                &net.relay(&[(A, 1), (A, 1)]),
                &Err::<(), _>(PoolError::ItemBusy(1)),
            );
            // Its neighbours on the same pool are served, and so is it, once its call is over.
            assert_same(&net.relay(&[(A, 1), (A, 2)]), &Ok::<_, ()>(vec![1, 2]));
            assert_same(
                &net.relay(&[(A, 2), (B, 10), (A, 1)]),
                &Ok::<_, ()>(vec![2, 10, 1]),
            );
            assert_eq!(net.shutdown(), [vec![1, 2], vec![10], vec![20]]);
        });
    }
}

#[test]
fn a_constructor_waiting_on_another_pool_keeps_its_thread_serving() {
    within(LIMIT, || {
        let net = Net::new(&[1, 1]);
        net.add(A, [1]);
        net.add(B, [10]);
        let init = |id, path: &[(usize, u64)]| HopInit {
            id,
            path: Some((net.clone(), path.to_vec())),
        };
        // Item 5's constructor calls B, whose item 10 calls item 1 on item 5's thread.
        net.0[A]
            .send_and_receive_once(init(5, &[(B, 10), (A, 1)]))
            .unwrap();
        // A call back to the item being built, or a second init for its id, is refused: the
        // constructor fails with that error.
        let refused = net.0[A]
            .send_and_receive_once(init(6, &[(B, 10), (A, 6)]))
            .unwrap_err();
        assert_same(
            &refused,
            &PoolError::ItemPanicked {
                id: 6,
                panic: common::panic(&PoolError::ItemBusy(6).to_string()),
            },
        );
        assert_same(
            &net.relay(&[(A, 6)]),
            &Err::<(), _>(PoolError::UnknownId(6)),
        );
        assert_same(
            &net.relay(&[(A, 5), (B, 10), (A, 1)]),
            &Ok::<_, ()>(vec![5, 10, 1]),
        );
        assert_eq!(net.shutdown(), [vec![1, 5], vec![10]]);
    });
}

#[test]
fn batches_between_pools_that_call_back_complete() {
    for threads in [1, 2] {
        within(LIMIT, move || {
            let net = Net::new(&[threads, threads]);
            net.add(A, 0..8);
            net.add(B, 100..108);
            // Item 0 sends B one batch of 8 relays, each calling back into A (items 1..8,
            // some on item 0's thread).
            let fanned = net.0[A]
                .send_and_receive_once(FanRequest(
                    0,
                    net.clone(),
                    B,
                    (100..108).collect(),
                    vec![(A, 5)],
                ))
                .unwrap()
                .result;
            let fanned = fanned.unwrap();
            assert_eq!(fanned.len(), 8);
            assert!(
                fanned.iter().zip(100..).all(|(v, b)| *v == [b, 5]),
                "{fanned:?}"
            );
            assert_eq!(
                net.shutdown(),
                [(0..8).collect::<Vec<_>>(), (100..108).collect()]
            );
        });
    }
}

#[test]
fn many_callers_crossing_between_pools_all_complete() {
    within(LIMIT, || {
        let net = Net::new(&[2, 1, 2]);
        net.add(A, 0..6);
        net.add(B, 10..16);
        net.add(C, 20..26);
        let callers: Vec<_> = (0..4u64)
            .map(|caller| {
                let net = net.clone();
                std::thread::spawn(move || {
                    let mut busy = 0;
                    for round in 0..scaled(300) as u64 {
                        let a = (caller + round) % 6;
                        let path = [(A, a), (B, 10 + round % 6), (C, 20 + a), (A, (a + 1) % 6)];
                        match net.relay(&path) {
                            Ok(visited) => assert_eq!(visited, path.map(|(_, id)| id)),
                            // Two callers may cross the same item: refused, never run twice.
                            Err(PoolError::ItemBusy(_)) => busy += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                    busy
                })
            })
            .collect();
        let busy: u32 = callers.into_iter().map(|c| c.join().unwrap()).sum();
        eprintln!("{busy} relays crossed a busy item");
        assert_eq!(net.shutdown()[1], (10..16).collect::<Vec<_>>());
    });
}

/// A refused request carrying a bomb, to an item that is mid-call (busy) or to an id that does
/// not exist, sent from inside a wait: the refusal comes back as a typed error, the bomb goes
/// off contained on the waiting thread, and that thread keeps serving its other items.
#[test]
fn a_bomb_sent_to_a_busy_item_or_an_unknown_id_is_refused_and_contained() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let net = Net::new(&[1, 1]);
        net.add(A, [1, 2]);
        net.add(B, [10]);
        let relay_bomb = |path: &[(usize, u64)]| {
            let (&(pool, id), rest) = path.split_first().unwrap();
            net.0[pool]
                .send_and_receive_once(RelayRequest(
                    id,
                    net.clone(),
                    rest.to_vec(),
                    Some(Bomb::new(tokens.token())),
                ))
                .unwrap()
                .result
        };
        assert_same(
            &relay_bomb(&[(A, 1), (B, 10), (A, 2)]),
            &Ok::<_, ()>(vec![1, 10, 2]),
        );
        assert_same(
            &relay_bomb(&[(A, 1), (B, 10), (A, 1)]),
            &Err::<(), _>(PoolError::ItemBusy(1)),
        );
        assert_same(
            &relay_bomb(&[(A, 1), (B, 10), (A, 99)]),
            &Err::<(), _>(PoolError::UnknownId(99)),
        );
        assert_same(
            &net.relay(&[(A, 2), (B, 10), (A, 1)]),
            &Ok::<_, ()>(vec![2, 10, 1]),
        );
        assert_eq!(net.shutdown(), [vec![1, 2], vec![10]]);
        tokens.assert_each_dropped_once();
    });
}
