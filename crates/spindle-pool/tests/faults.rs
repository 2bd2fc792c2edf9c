//! Fault injection: a panic at every point where a pool thread runs item code (a method, the
//! constructor, the shutdown hook, the item's `Drop` on removal and at shutdown), and each time
//!
//! - the caller gets the documented typed outcome (`PoolError::ItemPanicked` for that request
//!   alone, a removal that succeeds, a shutdown report listing the panic),
//! - the pool keeps serving: the same thread and its other items answer follow-up requests,
//! - nothing leaks: items, requests and responses carry [`Token`]s, and each is dropped
//!   exactly once by the end.
//!
//! And user code around the item: a refused request or init whose `Drop` panics (the pool
//! drops it on its thread), an `id()` that panics on the pool thread.

mod common;
mod vault;

use std::time::Duration;

use common::{assert_same, with_tokens};
use spindle_pool::{ItemPool, Message, PoolError, RemovePoolItemRequest};
use spindle_test_support::{Token, Tokens, within};
use vault::{
    Bomb, BombRequest, EchoRequest, FailRequest, Fault, OpenVault, StoreRequest, TakeRequest,
    Vault, VaultApi,
};

/// A one-thread pool (every item shares the faulty one's thread) with vaults `ids`.
fn pool_with(tokens: &Tokens, ids: impl IntoIterator<Item = u64>) -> ItemPool<Vault> {
    let pool = ItemPool::new(1).unwrap();
    let opened = pool
        .send_and_receive_each(ids.into_iter().map(|id| OpenVault::new(id, tokens.token())))
        .unwrap();
    assert!(opened.iter().all(Result::is_ok));
    pool
}

/// The pool still serves: vault `id` stores and echoes, and a new vault can be opened.
#[track_caller]
fn assert_serves(pool: &ItemPool<Vault>, tokens: &Tokens, id: u64) {
    let token = tokens.token();
    let token_id = token.id();
    let echoed = pool.send_and_receive_once(EchoRequest(id, token)).unwrap();
    assert_eq!(echoed.result.id(), token_id);
    assert!(
        pool.send_and_receive_once(StoreRequest(id, tokens.token()))
            .is_ok()
    );
    let fresh = 10_000 + id;
    pool.send_and_receive_once(OpenVault::new(fresh, tokens.token()))
        .unwrap();
    pool.send_and_receive_once(RemovePoolItemRequest(fresh))
        .unwrap();
}

/// Opens vault `id` set to fail at `fault`, which the pool must refuse: its error.
#[track_caller]
fn open_refused(pool: &ItemPool<Vault>, tokens: &Tokens, id: u64, fault: Fault) -> PoolError {
    let init = OpenVault::failing(id, tokens.token(), fault);
    pool.send_and_receive_once(init).unwrap_err()
}

fn item_panicked(id: u64, what: &str) -> PoolError {
    PoolError::ItemPanicked {
        id,
        panic: common::panic(&format!("vault {id}: {what} failed")),
    }
}

#[test]
fn a_panicking_method_removes_its_item_alone_and_answers_the_rest_of_the_batch() {
    with_tokens(|tokens| {
        let pool = pool_with(tokens, [1, 2, 3]);
        let outcomes = pool
            .send_and_receive_each([
                FailRequest(2, tokens.token()),
                FailRequest(2, tokens.token()), // the item is gone by now
                FailRequest(7, tokens.token()), // never existed
            ])
            .unwrap();
        assert_same(
            &outcomes,
            &[
                Err::<(), _>(item_panicked(2, "method")),
                Err(PoolError::UnknownId(2)),
                Err(PoolError::UnknownId(7)),
            ],
        );
        // A whole batch still works...
        let stored = pool
            .send_and_receive([
                StoreRequest(1, tokens.token()),
                StoreRequest(3, tokens.token()),
            ])
            .map(|r| r.count());
        assert_same(&stored, &Ok::<_, ()>(2));
        // ...and in one where an item panics, that error comes back; the other requests were
        // answered and their responses are dropped by the pool.
        let mixed = [
            VaultApi::EchoRequest(EchoRequest(1, tokens.token())),
            VaultApi::FailRequest(FailRequest(3, tokens.token())),
            VaultApi::EchoRequest(EchoRequest(1, tokens.token())),
        ];
        let err = pool
            .send_and_receive(mixed.map(Message::Call))
            .map(|r| r.count());
        assert_same(&err, &Err::<(), _>(item_panicked(3, "method")));
        // The neighbours on the same thread keep their state and serve.
        assert_serves(&pool, tokens, 1);
        // The id is free again.
        pool.send_and_receive_once(OpenVault::new(2, tokens.token()))
            .unwrap();
        assert_serves(&pool, tokens, 2);
    });
}

#[test]
fn a_panicking_constructor_is_reported_and_builds_nothing() {
    with_tokens(|tokens| {
        let pool = pool_with(tokens, [1]);
        let err = open_refused(&pool, tokens, 5, Fault::New);
        assert_same(&err, &item_panicked(5, "constructor"));
        assert_same(
            &pool
                .send_and_receive_once(StoreRequest(5, tokens.token()))
                .unwrap_err(),
            &PoolError::UnknownId(5),
        );
        // In a batch, next to a good constructor for the same id: the good one wins.
        let outcomes = pool
            .send_and_receive_each([
                OpenVault::failing(6, tokens.token(), Fault::New),
                OpenVault::new(6, tokens.token()),
            ])
            .unwrap();
        assert_same(&outcomes[0], &Err::<(), _>(item_panicked(6, "constructor")));
        assert!(outcomes[1].is_ok());
        assert_serves(&pool, tokens, 6);
        assert_serves(&pool, tokens, 1);
    });
}

#[test]
fn a_panicking_drop_on_removal_is_contained() {
    with_tokens(|tokens| {
        let pool = pool_with(tokens, [1]);
        pool.send_and_receive_once(OpenVault::failing(4, tokens.token(), Fault::Drop))
            .unwrap();
        pool.send_and_receive_once(StoreRequest(4, tokens.token()))
            .unwrap();
        let removed = pool
            .send_and_receive_once(RemovePoolItemRequest(4))
            .unwrap();
        assert!(removed.item_existed());
        assert!(
            !pool
                .send_and_receive_once(RemovePoolItemRequest(4))
                .unwrap()
                .item_existed()
        );
        // And when a method panics on an item whose drop panics too.
        pool.send_and_receive_once(OpenVault::failing(5, tokens.token(), Fault::Drop))
            .unwrap();
        assert_same(
            &pool
                .send_and_receive_once(FailRequest(5, tokens.token()))
                .unwrap_err(),
            &item_panicked(5, "method"),
        );
        assert_serves(&pool, tokens, 1);
    });
}

#[test]
fn panicking_shutdown_hooks_and_drops_are_reported_and_every_other_hook_runs() {
    with_tokens(|tokens| {
        let pool = ItemPool::<Vault>::new(2).unwrap();
        let faults = [
            (1, Fault::None),
            (2, Fault::Hook),
            (3, Fault::Drop),
            (4, Fault::None),
            (5, Fault::Hook),
            (6, Fault::None),
        ];
        common::send_all(
            &pool,
            faults.map(|(id, fault)| OpenVault::failing(id, tokens.token(), fault)),
        );
        for (id, _) in faults {
            pool.send_and_receive_once(StoreRequest(id, tokens.token()))
                .unwrap();
        }
        let reports = pool.shutdown();
        let mut items: Vec<u64> = reports.iter().flat_map(|r| r.items().to_vec()).collect();
        items.sort_unstable();
        assert_eq!(items, [1, 2, 3, 4, 5, 6], "every item was shut down");
        let mut panicked: Vec<(u64, String)> = reports
            .iter()
            .flat_map(|r| r.panicked().iter().map(|(id, p)| (*id, p.to_string())))
            .collect();
        panicked.sort();
        assert_eq!(
            panicked,
            [
                (2, "panicked: vault 2: hook failed".to_owned()),
                (3, "panicked: vault 3: drop failed".to_owned()),
                (5, "panicked: vault 5: hook failed".to_owned()),
            ]
        );
        let mut children: Vec<u64> = reports
            .iter()
            .flat_map(|r| r.children().iter().map(|c| c.thread_id()))
            .collect();
        children.sort_unstable();
        children.retain(|&c| c != 1003); // see the next test
        assert_eq!(children, [1001, 1004, 1006], "the other hooks reported");
        // The pool answers, with an error, after shutdown.
        assert_same(
            &pool
                .send_and_receive_once(StoreRequest(1, tokens.token()))
                .unwrap_err(),
            &PoolError::ShutDown,
        );
    });
}

/// An item whose hook ran to completion and whose `Drop` then panicked: the panic is
/// reported, but the reports the hook returned (from pools the item owns) should not be lost
/// with it. They are dropped with the unwinding closure in `shut_down`.
#[test]
fn a_hooks_reports_survive_a_drop_that_panics_after_it() {
    with_tokens(|tokens| {
        let pool = ItemPool::<Vault>::new(1).unwrap();
        pool.send_and_receive_once(OpenVault::failing(3, tokens.token(), Fault::Drop))
            .unwrap();
        let reports = pool.shutdown();
        assert_same(
            &reports[0].panicked(),
            &[(3, common::panic("vault 3: drop failed"))],
        );
        let children: Vec<u64> = reports[0]
            .children()
            .iter()
            .map(|c| c.thread_id())
            .collect();
        assert_eq!(children, [1003], "the hook's report");
    });
}

#[test]
fn requests_and_responses_are_dropped_once_whatever_their_fate() {
    with_tokens(|tokens| {
        let pool = ItemPool::<Vault>::new(2).unwrap();
        common::send_all(&pool, (0..4).map(|id| OpenVault::new(id, tokens.token())));
        // Answered, then dropped unread by the caller.
        let responses = pool
            .send_and_receive((0..8).map(|i| EchoRequest(i % 4, tokens.token())))
            .unwrap();
        drop(responses);
        // Half read.
        let mut responses = pool
            .send_and_receive((0..8).map(|i| EchoRequest(i % 4, tokens.token())))
            .unwrap();
        let first: Vec<Token> = responses.by_ref().take(3).map(|r| r.result).collect();
        drop((responses, first));
        // Refused for an unknown id; a duplicate init.
        let _ = pool.send_and_receive_each([EchoRequest(99, tokens.token())]);
        let _ = pool.send_and_receive_once(OpenVault::new(0, tokens.token()));
        // Refused after shutdown, one by one and in a batch.
        pool.shutdown();
        let _ = pool.send_and_receive_once(EchoRequest(0, tokens.token()));
        let _ = pool.send_and_receive((0..4).map(|i| EchoRequest(i, tokens.token())));
        let _ = pool.send_and_receive_each((0..4).map(|i| StoreRequest(i, tokens.token())));
    });
}

/// The docs promise a panicking item never takes its thread down, even with a panic whose
/// payload panics again when dropped (it once did: the thread dropped the payload outside its
/// `catch_unwind`, died, and the caller waited forever for the batch's latch). The payload now
/// reaches the caller inside `PoolError::ItemPanicked`.
#[test]
fn a_panic_payload_that_panics_when_dropped_does_not_kill_the_thread() {
    within(Duration::from_secs(5), || {
        let tokens = Tokens::new();
        let pool = pool_with(&tokens, [1, 2]);
        let err = pool
            .send_and_receive_once(BombRequest(1, tokens.token()))
            .unwrap_err();
        let PoolError::ItemPanicked { id: 1, panic } = err else {
            panic!("unexpected {err:?}")
        };
        // The payload travels to the caller with the error; its drop panics here, where the
        // caller chooses to contain it.
        spindle_utils::drop_payload(panic.into_payload());
        assert_serves(&pool, &tokens, 2);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

/// A request refused for an unknown id is dropped on the pool thread; its argument's `Drop`
/// panics there. The caller still gets `UnknownId`, the thread keeps serving its other items,
/// and `shutdown` returns. (It used to unwind out of the thread's loop past the latch: the
/// caller waited forever.)
#[test]
fn a_refused_request_whose_drop_panics_gets_its_error_and_the_thread_keeps_serving() {
    with_tokens(|tokens| {
        let pool = pool_with(tokens, [1, 2]);
        assert_same(
            &pool
                .send_and_receive_once(TakeRequest(99, Bomb::new(tokens.token())))
                .unwrap_err(),
            &PoolError::UnknownId(99),
        );
        assert_serves(&pool, tokens, 1);
        // In a batch, between good requests: only the refused one fails.
        let outcomes = pool
            .send_and_receive_each(
                [
                    VaultApi::TakeRequest(TakeRequest(1, Bomb::new(tokens.token()))),
                    VaultApi::TakeRequest(TakeRequest(98, Bomb::new(tokens.token()))),
                    VaultApi::StoreRequest(StoreRequest(2, tokens.token())),
                ]
                .map(Message::Call),
            )
            .unwrap();
        assert!(outcomes[0].is_ok() && outcomes[2].is_ok(), "{outcomes:?}");
        assert_same(
            &outcomes[1].as_ref().map(drop),
            &Err::<(), _>(&PoolError::UnknownId(98)),
        );
        assert_serves(&pool, tokens, 2);
        assert_eq!(pool.shutdown()[0].items(), [1, 2]);
        // After shutdown the request is refused on the caller's side, never reaching a thread.
        let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.send_and_receive_once(TakeRequest(1, Bomb::new(tokens.token())))
        }));
        assert!(
            refused.is_err(),
            "dropped by the caller: its own bomb goes off there"
        );
    });
}

/// A duplicate `Init` is refused before the constructor runs, and dropped on the pool thread:
/// its bomb goes off there, contained.
#[test]
fn a_duplicate_init_whose_drop_panics_gets_duplicate_id_and_the_thread_keeps_serving() {
    with_tokens(|tokens| {
        let pool = pool_with(tokens, [1]);
        let duplicate = OpenVault::with_bomb(1, tokens.token(), Bomb::new(tokens.token()));
        assert_same(
            &pool.send_and_receive_once(duplicate).unwrap_err(),
            &PoolError::DuplicateId(1),
        );
        // A fresh id with a bomb: the constructor defuses it.
        pool.send_and_receive_once(OpenVault::with_bomb(
            3,
            tokens.token(),
            Bomb::new(tokens.token()),
        ))
        .unwrap();
        assert_serves(&pool, tokens, 1);
        assert_serves(&pool, tokens, 3);
        assert_eq!(pool.shutdown()[0].items(), [1, 3]);
    });
}

/// An `id()` that panics on the pool thread (and only there): the request cannot be delivered,
/// the caller gets `IdPanicked`, and the thread keeps serving.
#[test]
fn an_id_that_panics_on_the_pool_thread_is_reported_and_the_thread_keeps_serving() {
    with_tokens(|tokens| {
        let pool = pool_with(tokens, [1]);
        let err = open_refused(&pool, tokens, 7, Fault::Id);
        assert_same(
            &err,
            &PoolError::IdPanicked {
                panic: common::panic("vault 7: id failed"),
            },
        );
        let outcomes = pool
            .send_and_receive_each([
                OpenVault::new(8, tokens.token()),
                OpenVault::failing(9, tokens.token(), Fault::Id),
            ])
            .unwrap();
        assert!(outcomes[0].is_ok());
        assert!(matches!(outcomes[1], Err(PoolError::IdPanicked { .. })));
        assert_serves(&pool, tokens, 1);
        assert_serves(&pool, tokens, 8);
        assert_eq!(pool.shutdown()[0].items(), [1, 8]);
    });
}
