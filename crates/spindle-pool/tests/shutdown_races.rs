//! Shutdown racing callers, counted: every request of every call is answered or refused with
//! `PoolError::ShutDown`, never lost or left waiting, and every request, response and item is
//! dropped exactly once.
//!
//! `pool.rs` already races single requests (`send_and_receive_once`) against `shutdown`;
//! these race whole batches, split over several threads, and a shutdown issued from inside the
//! pool by one of its own items.

mod common;
mod vault;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::thread;
use std::time::Duration;

use common::assert_same;
use spindle_pool::{ItemPool, PoolError, pool_item};
use spindle_test_support::{LIMIT, Tokens, race_delay, race_rounds, scaled, within};
use vault::{EchoRequest, OpenVault, StoreRequest, Vault};

const ITEMS: u64 = 6;

#[test]
fn batches_from_two_threads_racing_shutdown_are_answered_or_refused() {
    within(LIMIT, || {
        let mut raced = 0;
        for round in 0..race_rounds() {
            let tokens = Tokens::new();
            let pool = Arc::new(ItemPool::<Vault>::new(2).unwrap());
            common::send_all(
                &pool,
                (0..ITEMS).map(|id| OpenVault::new(id, tokens.token())),
            );
            let start = Arc::new(Barrier::new(3));
            let callers: Vec<_> = (0..2)
                .map(|t| {
                    let (pool, start, tokens) =
                        (Arc::clone(&pool), Arc::clone(&start), tokens.clone());
                    thread::spawn(move || {
                        start.wait();
                        let (mut answered, mut refused) = (0, 0);
                        // Per pool thread (ids route to `id % 2`): once it refused, it refuses.
                        let mut closed = [false; 2];
                        for call in 0..scaled(300) as u64 {
                            let ids: Vec<u64> = (0..8).map(|i| (call + i) % ITEMS).collect();
                            let outcomes: Vec<Result<(), PoolError>> = if t == 0 {
                                let batch = ids.iter().map(|&id| StoreRequest(id, tokens.token()));
                                let each = pool.send_and_receive_each(batch).unwrap();
                                each.into_iter().map(|r| r.map(drop)).collect()
                            } else {
                                let batch = ids.iter().map(|&id| EchoRequest(id, tokens.token()));
                                match pool.send_and_receive(batch) {
                                    Ok(responses) => responses.map(|_| Ok(())).collect(),
                                    // The first error; the other requests' fates are unknown.
                                    Err(e) => {
                                        assert_same(&e, &PoolError::ShutDown);
                                        refused += 8;
                                        continue;
                                    }
                                }
                            };
                            for (id, outcome) in ids.iter().zip(outcomes) {
                                let thread = (*id % 2) as usize;
                                match outcome {
                                    Ok(()) => {
                                        assert!(!closed[thread], "answered after a refusal");
                                        answered += 1;
                                    }
                                    Err(PoolError::ShutDown) => {
                                        closed[thread] = true;
                                        refused += 1;
                                    }
                                    Err(e) => panic!("unexpected {e}"),
                                }
                            }
                        }
                        (answered, refused)
                    })
                })
                .collect();
            start.wait();
            thread::sleep(race_delay(round, Duration::from_micros(200)));
            let reports = pool.shutdown();
            assert_eq!(
                reports.iter().map(|r| r.items().len()).sum::<usize>(),
                ITEMS as usize
            );
            let (mut answered, mut refused) = (0, 0);
            for c in callers {
                let (a, r) = c.join().unwrap();
                answered += a;
                refused += r;
            }
            assert_eq!(answered + refused, 2 * 8 * scaled(300));
            raced += usize::from(answered > 0 && refused > 0);
            drop(pool);
            tokens.assert_each_dropped_once();
        }
        assert!(raced > 0 || cfg!(miri), "no round raced the shutdown");
    });
}

// ---------------------------------------------------------------------------------------------
// A shutdown from inside the pool, racing callers outside

static CLOSERS: OnceLock<ItemPool<Closer>> = OnceLock::new();

/// Answers bumps; one of its requests shuts its own pool down. (No state: the callers count
/// what was answered.)
#[derive(Debug)]
pub struct Closer;

#[pool_item]
impl Closer {
    /// A closer.
    pub fn new(_id: u64) -> Self {
        Closer
    }

    /// Answers, while the pool is open.
    #[messaging(BumpRequest, BumpResponse)]
    pub fn bump(&self) {}

    /// Closes the pool from inside (it cannot wait for its own thread: no reports).
    #[messaging(CloseRequest, CloseResponse)]
    pub fn close(&self) -> usize {
        CLOSERS.get().expect("pool set").shutdown().len()
    }
}

#[test]
fn callers_racing_a_shutdown_issued_by_an_item_are_answered_or_refused() {
    within(LIMIT, || {
        let pool = CLOSERS.get_or_init(|| ItemPool::new(2).unwrap());
        common::send_all(pool, (0..4).map(CloserInit));
        let answered = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(3));
        let callers: Vec<_> = (0..2u64)
            .map(|t| {
                let (answered, start) = (Arc::clone(&answered), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    let (mut refused, mut closed) = (0, [false; 2]);
                    for i in 0..scaled(2_000) as u64 {
                        let id = (i + t) % 4;
                        let thread = (id % 2) as usize;
                        match pool.send_and_receive_once(BumpRequest(id)) {
                            Ok(_) => {
                                assert!(!closed[thread], "answered after a refusal");
                                answered.fetch_add(1, Ordering::SeqCst);
                            }
                            Err(PoolError::ShutDown) => {
                                closed[thread] = true;
                                refused += 1;
                            }
                            Err(e) => panic!("unexpected {e}"),
                        }
                    }
                    refused
                })
            })
            .collect();
        start.wait();
        // Close once the callers are well under way.
        let warm = (scaled(2_000) / 2).min(10);
        while answered.load(Ordering::SeqCst) < warm {
            thread::yield_now();
        }
        assert_eq!(
            pool.send_and_receive_once(CloseRequest(3)).unwrap().result,
            0,
            "from inside: no reports"
        );
        let refused: usize = callers.into_iter().map(|c| c.join().unwrap()).sum();
        assert_eq!(answered.load(Ordering::SeqCst) + refused, 2 * scaled(2_000));
        assert!(
            refused > 0 || cfg!(miri),
            "the close came after every request"
        );
        // From outside, the pool is closed; a shutdown from outside still waits for both
        // threads and reports them.
        assert_same(
            &pool.send_and_receive_once(BumpRequest(0)).unwrap_err(),
            &PoolError::ShutDown,
        );
        assert_eq!(pool.shutdown().len(), 2);
        assert!(
            pool.shutdown().is_empty(),
            "a second one has nothing left to report"
        );
    });
}
