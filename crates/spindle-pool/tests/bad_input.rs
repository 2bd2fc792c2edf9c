//! Bad input and misuse, each under a timeout that fails instead of hanging: empty calls,
//! duplicate and unknown ids mixed in one batch, ids at the edges of `u64`, a router that
//! returns a thread out of range, requests after shutdown of every shape, and shutdown from
//! inside the pool's own shutdown hooks.
//!
//! Already covered elsewhere: zero threads (`pool.rs`), unknown and duplicate ids one kind per
//! call (`pool.rs`), a request after shutdown (`pool.rs`), an item calling or shutting down its
//! own pool from a method (`reentrancy.rs`).

mod common;
mod vault;

use std::sync::{Arc, Mutex};

use common::{assert_same, with_tokens};
use spindle_pool::{
    AddResponse, IdTargeted, ItemPool, Message, NewPoolItemError, PoolError, PoolItem,
    RemovePoolItemRequest, Reply, ThreadShutdownResponse, pool_item,
};
use spindle_test_support::{LIMIT, Tokens, within};
use vault::{EchoRequest, OpenVault, StoreRequest, Vault, VaultApi};

#[test]
fn empty_calls_succeed_with_nothing_to_answer() {
    within(LIMIT, || {
        let pool = ItemPool::<Vault>::new(2).unwrap();
        for _ in 0..2 {
            assert_eq!(
                pool.send_and_receive(std::iter::empty::<StoreRequest>())
                    .unwrap()
                    .count(),
                0
            );
            assert!(
                pool.send_and_receive_each(Vec::<EchoRequest>::new())
                    .unwrap()
                    .is_empty()
            );
            pool.shutdown(); // and the same once shut down
        }
    });
}

#[test]
fn duplicate_and_unknown_ids_in_one_batch_are_answered_in_order() {
    with_tokens(|tokens| {
        let pool = ItemPool::<Vault>::new(2).unwrap();
        let call = |api| Message::Call(api);
        let batch: Vec<Message<Vault>> = vec![
            call(VaultApi::StoreRequest(StoreRequest(7, tokens.token()))), // before its init
            Message::Add(OpenVault::new(7, tokens.token())),
            call(VaultApi::StoreRequest(StoreRequest(7, tokens.token()))),
            Message::Add(OpenVault::new(7, tokens.token())), // duplicate: not built
            Message::Remove(RemovePoolItemRequest(7)),
            Message::Remove(RemovePoolItemRequest(7)),
            call(VaultApi::StoreRequest(StoreRequest(7, tokens.token()))),
            Message::Add(OpenVault::new(7, tokens.token())), // the id is free again
        ];
        let outcomes = pool.send_and_receive_each(batch).unwrap();
        let expected: [Result<Reply<Vault>, PoolError>; 8] = [
            Err(PoolError::UnknownId(7)),
            Ok(Reply::Added(AddResponse::new(7, Ok(7)))),
            Ok(Reply::Call(vault::VaultApiResponse::StoreResponse(
                vault::StoreResponse { id: 7, result: 1 },
            ))),
            Err(PoolError::DuplicateId(7)),
            Ok(Reply::Removed(spindle_pool::RemovePoolItemResponse::new(
                7, true,
            ))),
            Ok(Reply::Removed(spindle_pool::RemovePoolItemResponse::new(
                7, false,
            ))),
            Err(PoolError::UnknownId(7)),
            Ok(Reply::Added(AddResponse::new(7, Ok(7)))),
        ];
        assert_same(&outcomes, &expected);
    });
}

#[test]
fn ids_at_the_edges_of_u64_route_and_answer() {
    with_tokens(|tokens| {
        let pool = ItemPool::<Vault>::new(3).unwrap();
        let ids = [0, 1, u64::MAX - 1, u64::MAX];
        common::send_all(&pool, ids.map(|id| OpenVault::new(id, tokens.token())));
        let echoed: Vec<u64> = pool
            .send_and_receive(ids.map(|id| EchoRequest(id, tokens.token())))
            .unwrap()
            .map(|r| r.id)
            .collect();
        assert_eq!(echoed, ids);
        let reports = pool.shutdown();
        let mut items: Vec<u64> = reports.iter().flat_map(|r| r.items().to_vec()).collect();
        items.sort_unstable();
        assert_eq!(items, ids);
    });
}

#[test]
fn every_kind_of_request_after_shutdown_is_refused() {
    with_tokens(|tokens| {
        let pool = ItemPool::<Vault>::new(2).unwrap();
        pool.send_and_receive_once(OpenVault::new(1, tokens.token()))
            .unwrap();
        assert_eq!(pool.shutdown().len(), 2);
        let shut: Result<(), PoolError> = Err(PoolError::ShutDown);
        assert_same(
            &pool
                .send_and_receive_once(OpenVault::new(2, tokens.token()))
                .map(drop),
            &shut,
        );
        assert_same(
            &pool
                .send_and_receive_once(RemovePoolItemRequest(1))
                .map(drop),
            &shut,
        );
        assert_same(
            &pool
                .send_and_receive((0..3).map(|i| EchoRequest(i, tokens.token())))
                .map(|r| r.for_each(drop)),
            &shut,
        );
        assert_same(
            &pool
                .send_and_receive_each([StoreRequest(1, tokens.token())])
                .unwrap(),
            &[Err::<(), _>(PoolError::ShutDown)],
        );
        assert!(
            pool.shutdown().is_empty(),
            "a second shutdown reports nothing"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// A router out of range

/// A hand-written item whose router returns thread numbers far past the pool's size.
#[derive(Debug)]
struct Routed {
    id: u64,
}

#[derive(Debug, Clone, PartialEq)]
struct RoutedInit(u64);
#[derive(Debug, Clone, PartialEq)]
struct WhereRequest(u64);
#[derive(Debug, Clone, PartialEq)]
struct WhereResponse(u64, String);

impl IdTargeted for Routed {
    fn id(&self) -> u64 {
        self.id
    }
}
impl IdTargeted for RoutedInit {
    fn id(&self) -> u64 {
        self.0
    }
}
impl IdTargeted for WhereRequest {
    fn id(&self) -> u64 {
        self.0
    }
}

impl PoolItem for Routed {
    type Init = RoutedInit;
    type Api = WhereRequest;
    type ApiResponse = WhereResponse;

    fn new_pool_item(init: RoutedInit) -> Result<Self, NewPoolItemError> {
        Ok(Routed { id: init.0 })
    }

    fn process_message(&mut self, request: WhereRequest) -> WhereResponse {
        let thread = std::thread::current().name().unwrap_or("").to_owned();
        WhereResponse(request.0, thread)
    }

    fn name() -> &'static str {
        "Routed"
    }

    fn id_thread_router(id: u64, _threads: usize) -> usize {
        usize::MAX - id as usize // out of range for any pool
    }
}

common::init_request!(Routed: RoutedInit);
common::call_request!(Routed: WhereRequest => WhereResponse);

#[test]
fn a_router_returning_a_thread_out_of_range_is_taken_modulo_the_thread_count() {
    within(LIMIT, || {
        let pool = ItemPool::<Routed>::new(3).unwrap();
        common::send_all(&pool, (0..6).map(RoutedInit));
        let ask_all = || -> Vec<WhereResponse> {
            let asked = pool.send_and_receive((0..6).map(WhereRequest));
            asked.unwrap().collect()
        };
        for (id, WhereResponse(_, thread)) in ask_all().iter().enumerate() {
            let expected = (usize::MAX - id) % 3;
            assert_eq!(thread, &format!("Routed-{expected}"), "id {id}");
        }
        // Every id reached its item again: the routing is stable.
        let again: Vec<u64> = ask_all().into_iter().map(|r| r.0).collect();
        assert_eq!(again, (0..6).collect::<Vec<_>>());
    });
}

// ---------------------------------------------------------------------------------------------
// Shutdown from inside shutdown hooks, and pools calling pools

/// A shared handle, as a request argument (`#[pool_item]` requests derive `PartialEq`, which
/// a pool or a mutex has not: these compare by address).
#[derive(Debug)]
pub struct Shared<T>(pub Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Where a keeper's shutdown hook writes what happened.
pub type Log = Shared<Mutex<Vec<String>>>;

/// An item that holds its own pool and another one.
#[derive(Debug)]
pub struct Keeper {
    id: u64,
    own: Option<Shared<ItemPool<Keeper>>>,
    other: Option<Shared<ItemPool<Vault>>>,
    log: Option<Log>,
}

impl IdTargeted for Keeper {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item(Shutdown = "close")]
impl Keeper {
    /// A keeper holding no pool yet.
    pub fn new(id: u64) -> Self {
        Keeper {
            id,
            own: None,
            other: None,
            log: None,
        }
    }

    /// Takes handles to its own pool and to a vault pool, and a log for its hook.
    #[messaging(AdoptRequest, AdoptResponse)]
    pub fn adopt(
        &mut self,
        own: Shared<ItemPool<Keeper>>,
        other: Shared<ItemPool<Vault>>,
        log: Log,
    ) {
        self.own = Some(own);
        self.other = Some(other);
        self.log = Some(log);
    }

    /// Calls the other pool from this one: allowed (only calls into one's own pool are not).
    #[messaging(AskOtherRequest, AskOtherResponse)]
    pub fn ask_other(&self, id: u64) -> Result<u64, PoolError> {
        let other = &self.other.as_ref().expect("adopted").0;
        other
            .send_and_receive_once(EchoRequest(id, Tokens::new().token()))
            .map(|r| r.id)
    }

    /// Shuts its own pool down from inside; returns the reports it got.
    #[messaging(ShutOwnRequest, ShutOwnResponse)]
    pub fn shut_own(&self) -> usize {
        self.own.as_ref().expect("adopted").0.shutdown().len()
    }

    /// Shuts its own pool down again, from its shutdown hook, tries to call into it, and drops
    /// its handles to both pools there (its own pool's last handle may go with it).
    fn close(&mut self) -> Vec<ThreadShutdownResponse> {
        let own = self.own.take().expect("adopted").0;
        let again = own.shutdown();
        let calls_in = own.send_and_receive_once(AskOtherRequest(self.id, 0));
        std::thread::sleep(std::time::Duration::from_millis(20)); // a hook that takes a while
        let log = self.log.take().expect("adopted").0;
        log.lock().unwrap().push(format!(
            "keeper {}: {} reports, {:?}",
            self.id,
            again.len(),
            calls_in.map(drop)
        ));
        drop(own);
        drop(self.other.take());
        Vec::new()
    }
}

/// Two keepers (ids 0 and 1, one per thread) holding their own pool, a vault pool with vault 5,
/// and the log their hooks write to.
fn keepers(tokens: &Tokens) -> (Arc<ItemPool<Keeper>>, Arc<ItemPool<Vault>>, Log) {
    let vaults = Arc::new(ItemPool::<Vault>::new(1).unwrap());
    vaults
        .send_and_receive_once(OpenVault::new(5, tokens.token()))
        .unwrap();
    let keepers = Arc::new(ItemPool::<Keeper>::new(2).unwrap());
    let log: Log = Shared(Arc::default());
    common::send_all(&keepers, (0..2).map(KeeperInit));
    common::send_all(
        &keepers,
        (0..2).map(|id| {
            AdoptRequest(
                id,
                Shared(Arc::clone(&keepers)),
                Shared(Arc::clone(&vaults)),
                log.clone(),
            )
        }),
    );
    (keepers, vaults, log)
}

/// Waits until both keepers' hooks have written their line; returns the lines, sorted.
fn hook_lines(log: &Log) -> Vec<String> {
    let start = std::time::Instant::now();
    loop {
        let lines = log.0.lock().unwrap().clone();
        if lines.len() == 2 {
            let mut lines = lines;
            lines.sort();
            return lines;
        }
        assert!(start.elapsed() < LIMIT, "the hooks never ran: {lines:?}");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn shutdown_from_inside_a_shutdown_hook_and_pools_calling_pools_do_not_deadlock() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let (keepers, vaults, log) = keepers(&tokens);
        // A keeper calls the vault pool from its own pool's thread.
        let asked = |id, vault| {
            keepers
                .send_and_receive_once(AskOtherRequest(id, vault))
                .unwrap()
                .result
        };
        assert_same(&asked(0, 5), &Ok::<_, ()>(5));
        assert_same(&asked(1, 6), &Err::<(), _>(PoolError::UnknownId(6)));
        // Shutting the keepers down runs hooks that shut their own pool down again. (How many
        // reports the outer call gets depends on the race in the next test.)
        let reports = keepers.shutdown();
        assert!(
            reports.iter().all(|r| r.panicked().is_empty()),
            "{reports:?}"
        );
        assert_eq!(
            hook_lines(&log),
            [
                "keeper 0: 0 reports, Err(ShutDown)",
                "keeper 1: 0 reports, Err(ShutDown)"
            ]
        );
        let start = std::time::Instant::now();
        while Arc::strong_count(&keepers) > 1 {
            assert!(start.elapsed() < LIMIT, "a hook kept its pool handle");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        // The vault pool, called from inside the keepers' pool, is unaffected.
        assert_eq!(
            vaults
                .send_and_receive_once(EchoRequest(5, tokens.token()))
                .unwrap()
                .id,
            5
        );
        drop((keepers, vaults));
        tokens.assert_each_dropped_once();
    });
}

/// `shutdown` from a pool thread "closes the pool without waiting for the threads, and returns
/// no reports". But it first takes the threads' join handles (and drops them) and only then
/// notices it is on a pool thread, so the caller outside, whose shutdown is the one meant to
/// wait for the hooks and report, gets nothing and waits for nothing: here it returns before
/// the hooks ran. The same happens when a hook calls `shutdown` while the outside call is
/// between closing the inboxes and taking the handles (the flaky case of the previous test).
#[test]
fn an_outside_shutdown_after_one_from_inside_still_waits_for_the_hooks_and_reports() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let (keepers, vaults, log) = keepers(&tokens);
        assert_eq!(
            keepers
                .send_and_receive_once(ShutOwnRequest(0))
                .unwrap()
                .result,
            0,
            "from inside: no reports"
        );
        let reports = keepers.shutdown();
        let lines_when_it_returned = log.0.lock().unwrap().len();
        assert_eq!(lines_when_it_returned, 2, "returned before the hooks ran");
        assert_eq!(reports.len(), 2, "every thread's report");
        drop((keepers, vaults));
        tokens.assert_each_dropped_once();
    });
}
