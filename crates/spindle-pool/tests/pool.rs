//! The pool at work: routing, order, batches, every error, shutdown hooks.

mod common;

use std::time::Duration;

use common::*;
use spindle_pool::{BuildError, ItemPool, PoolError, RemovePoolItemRequest};
use spindle_test_support::within;

const LIMIT: Duration = Duration::from_secs(if cfg!(miri) { 600 } else { 20 });

/// Test sizes, scaled down under Miri.
fn scaled(n: usize) -> usize {
    if cfg!(miri) { n / 100 + 2 } else { n }
}

#[test]
fn responses_come_back_in_request_order_across_threads() {
    within(LIMIT, || {
        let pool = ItemPool::<Cell>::new(3).unwrap();
        common::send_all(&pool, (0..30).map(CellInit));
        let lens: Vec<usize> = pool
            .send_and_receive((0..300).map(|i| PushRequest(i % 30, i as i64)))
            .unwrap()
            .map(|r| r.result)
            .collect();
        let expected: Vec<usize> = (0..300).map(|i| i / 30 + 1).collect();
        assert_eq!(
            lens, expected,
            "per item FIFO, and answers in request order"
        );
        let sums: Vec<i64> = pool
            .send_and_receive((0..30).map(SumRequest))
            .unwrap()
            .map(|r| r.result)
            .collect();
        for (id, sum) in sums.into_iter().enumerate() {
            assert_eq!(sum, (0..10).map(|k| (id + 30 * k) as i64).sum::<i64>());
        }
    });
}

#[test]
fn items_live_on_the_thread_their_id_routes_to() {
    within(LIMIT, || {
        let pool = ItemPool::<Cell>::new(2).unwrap();
        common::send_all(&pool, (0..6).map(CellInit));
        for id in 0..6 {
            let name = pool
                .send_and_receive_once(ThreadRequest(id))
                .unwrap()
                .result;
            assert_eq!(name, format!("Cell-{}", id % 2));
        }
    });
}

#[test]
fn zero_threads_is_a_typed_error() {
    assert!(matches!(
        ItemPool::<Cell>::new(0),
        Err(BuildError::ZeroThreads)
    ));
    assert!(matches!(
        ItemPool::<Cell>::builder().num_threads(0).build(),
        Err(BuildError::ZeroThreads)
    ));
}

#[test]
fn unknown_and_duplicate_ids_are_errors_and_the_thread_keeps_serving() {
    within(LIMIT, || {
        let pool = ItemPool::<Cell>::new(2).unwrap();
        assert_same(
            &pool.send_and_receive_once(PushRequest(4, 1)).unwrap_err(),
            &PoolError::UnknownId(4),
        );
        pool.send_and_receive_once(CellInit(4)).unwrap();
        pool.send_and_receive_once(PushRequest(4, 1)).unwrap();
        assert_same(
            &pool.send_and_receive_once(CellInit(4)).unwrap_err(),
            &PoolError::DuplicateId(4),
        );
        assert_eq!(
            pool.send_and_receive_once(PushRequest(4, 2))
                .unwrap()
                .result,
            2,
            "the first item survived"
        );
        let outcomes = pool
            .send_and_receive_each([SumRequest(4), SumRequest(6), SumRequest(4)])
            .unwrap();
        assert_eq!(outcomes[0].as_ref().unwrap().result, 3);
        assert_same(
            &outcomes[1].as_ref().unwrap_err(),
            &&PoolError::UnknownId(6),
        );
        assert_eq!(outcomes[2].as_ref().unwrap().result, 3);
        assert_same(
            &pool
                .send_and_receive([SumRequest(4), SumRequest(6)])
                .unwrap_err(),
            &PoolError::UnknownId(6),
        );
    });
}

#[test]
fn a_duplicate_add_does_not_run_the_constructor() {
    within(LIMIT, || {
        let pool = ItemPool::<Cell>::new(2).unwrap();
        let id = 5555; // used by no other test in this binary
        pool.send_and_receive_once(CellInit(id)).unwrap();
        let outcomes = pool
            .send_and_receive_each([CellInit(id), CellInit(id)])
            .unwrap();
        assert_same(
            &outcomes,
            &[
                Err::<(), _>(PoolError::DuplicateId(id)),
                Err(PoolError::DuplicateId(id)),
            ],
        );
        assert_eq!(constructed(id), 1, "the duplicates' constructor never ran");
    });
}

#[test]
fn constructor_errors_and_panics_are_reported() {
    within(LIMIT, || {
        let pool = ItemPool::<Cell>::new(2).unwrap();
        assert_same(
            &pool.send_and_receive_once(CellInit(999)).unwrap_err(),
            &PoolError::NewItem {
                id: 999,
                message: "refused".into(),
            },
        );
        assert_same(
            &pool.send_and_receive_once(CellInit(666)).unwrap_err(),
            &PoolError::ItemPanicked {
                id: 666,
                panic: panic("constructor panicked"),
            },
        );
        pool.send_and_receive_once(CellInit(666 + 2)).unwrap(); // same thread, still serving
    });
}

#[test]
fn a_panicking_item_is_removed_and_its_neighbours_keep_serving() {
    within(LIMIT, || {
        let pool = ItemPool::<Cell>::new(1).unwrap();
        common::send_all(&pool, (1..=3).map(CellInit));
        common::send_all(&pool, (1..=3).map(|id| PushRequest(id, 10)));
        let outcomes = pool.send_and_receive_each([PanicRequest(2)]).unwrap();
        assert_same(
            &outcomes[0],
            &Err::<(), _>(PoolError::ItemPanicked {
                id: 2,
                panic: panic("item 2 panicked"),
            }),
        );
        assert_same(
            &pool.send_and_receive_once(SumRequest(2)).unwrap_err(),
            &PoolError::UnknownId(2),
        );
        let sums: Vec<i64> = pool
            .send_and_receive([SumRequest(1), SumRequest(3)])
            .unwrap()
            .map(|r| r.result)
            .collect();
        assert_eq!(sums, [10, 10]);
        pool.send_and_receive_once(CellInit(2)).unwrap(); // the id can be reused
    });
}

#[test]
fn remove_reports_whether_the_item_existed() {
    within(LIMIT, || {
        let pool = ItemPool::<Cell>::new(2).unwrap();
        pool.send_and_receive_once(CellInit(5)).unwrap();
        assert!(
            pool.send_and_receive_once(RemovePoolItemRequest(5))
                .unwrap()
                .item_existed()
        );
        assert!(
            !pool
                .send_and_receive_once(RemovePoolItemRequest(5))
                .unwrap()
                .item_existed()
        );
        assert_same(
            &pool.send_and_receive_once(SumRequest(5)).unwrap_err(),
            &PoolError::UnknownId(5),
        );
    });
}

#[test]
fn shutdown_runs_every_items_hook_on_its_thread_and_reports_it() {
    within(LIMIT, || {
        let pool = ItemPool::<Cell>::new(2).unwrap();
        common::send_all(&pool, (10..16).map(CellInit));
        let reports = pool.shutdown();
        assert_eq!(reports.len(), 2);
        for report in &reports {
            let parity = report.thread_id();
            let expected: Vec<u64> = (10..16).filter(|id| id % 2 == parity).collect();
            assert_eq!(report.items(), expected, "every item, in id order");
        }
        let all_children: Vec<u64> = reports
            .iter()
            .flat_map(|r| r.children().iter().map(|c| c.thread_id()))
            .collect();
        assert_eq!(
            all_children.len(),
            5,
            "every hook but the panicking one reported"
        );
        let panicked: Vec<_> = reports.iter().flat_map(|r| r.panicked()).collect();
        assert_same(&panicked, &[&(13, panic("unlucky shutdown hook"))]);
        assert!(
            pool.shutdown().is_empty(),
            "a second shutdown has nothing to report"
        );
        assert_same(
            &pool.send_and_receive_once(CellInit(1)).unwrap_err(),
            &PoolError::ShutDown,
        );
        assert_same(
            &pool
                .send_and_receive_each([SumRequest(10), SumRequest(11)])
                .unwrap(),
            &vec![Err::<(), _>(PoolError::ShutDown), Err(PoolError::ShutDown)],
        );
    });
}

#[test]
fn requests_racing_shutdown_are_answered_or_refused_never_lost() {
    within(LIMIT, || {
        for _ in 0..scaled(20) {
            let pool = std::sync::Arc::new(ItemPool::<Cell>::new(2).unwrap());
            common::send_all(&pool, (0..4).map(CellInit));
            let senders: Vec<_> = (0..2)
                .map(|t| {
                    let pool = pool.clone();
                    std::thread::spawn(move || {
                        let (mut ok, mut refused) = (0, 0);
                        for i in 0..scaled(2000) as u64 {
                            match pool.send_and_receive_once(PushRequest((i + t) % 4, 1)) {
                                Ok(_) => ok += 1,
                                Err(PoolError::ShutDown) => refused += 1,
                                Err(e) => panic!("unexpected {e}"),
                            }
                        }
                        (ok, refused)
                    })
                })
                .collect();
            std::thread::yield_now();
            pool.shutdown();
            for s in senders {
                let (ok, refused) = s.join().unwrap();
                assert_eq!(ok + refused, scaled(2000));
            }
        }
    });
}

#[test]
fn many_callers_at_once_each_get_their_own_answers() {
    within(LIMIT, || {
        let pool = std::sync::Arc::new(ItemPool::<Cell>::new(2).unwrap());
        common::send_all(&pool, (0..4).map(CellInit));
        let callers: Vec<_> = (0..4u64)
            .map(|id| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    for n in 1..=scaled(500) {
                        // Each caller owns one item, so its counts are its own.
                        assert_eq!(
                            pool.send_and_receive_once(PushRequest(id, 1))
                                .unwrap()
                                .result,
                            n
                        );
                    }
                    let batch: Vec<usize> = pool
                        .send_and_receive((0..10).map(|_| PushRequest(id, 1)))
                        .unwrap()
                        .map(|r| r.result)
                        .collect();
                    assert_eq!(
                        batch,
                        (scaled(500) + 1..=scaled(500) + 10).collect::<Vec<_>>()
                    );
                })
            })
            .collect();
        callers.into_iter().for_each(|c| c.join().unwrap());
    });
}

#[test]
fn the_pool_is_send_and_sync_though_its_items_are_not() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ItemPool<Cell>>();
}
