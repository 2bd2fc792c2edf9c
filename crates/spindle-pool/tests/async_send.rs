//! The async calls, `send_and_receive_once_async` and `send_and_receive_async`: awaited from
//! tokio (current_thread, and multi_thread with two workers) and `futures::executor::block_on`;
//! the blocking calls' errors; a dropped future (its request still answered, nothing leaked,
//! nothing blocked); a pool shut down, a pool dropped and a runtime dropped with futures
//! pending (each resolves or is dropped, none hangs); a call from a pool thread; many
//! concurrent tasks.

#![cfg(not(spindle_loom))]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use spindle_pool::{
    IdTargeted, ItemPool, PoolError, RemovePoolItemRequest, ResponseFuture, ResponsesFuture,
    pool_item,
};
use spindle_test_support::{CountingWaker, LIMIT, Token, Tokens, assert_impl_all, within};

assert_impl_all!(ResponseFuture<Counter, BumpRequest>: Send, Unpin, Future<Output = Result<BumpResponse, PoolError>>);
assert_impl_all!(ResponsesFuture<Counter, BumpRequest>: Send, Unpin, Future<Output = Result<Vec<BumpResponse>, PoolError>>);

/// A gate an item's method stops at: the test sees it arrive, then lets it through.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<(Mutex<(bool, bool)>, Condvar)>);

impl PartialEq for Gate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Gate {
    /// Called by the item: says it arrived, then waits until the gate opens.
    fn pass(&self) {
        let (state, changed) = &*self.0;
        let mut state = state.lock().unwrap();
        state.0 = true;
        changed.notify_all();
        while !state.1 {
            state = changed.wait(state).unwrap();
        }
    }

    /// Waits until an item stands at the gate.
    fn wait_arrived(&self) {
        let (state, changed) = &*self.0;
        let mut state = state.lock().unwrap();
        while !state.0 {
            state = changed.wait(state).unwrap();
        }
    }

    fn open(&self) {
        let (state, changed) = &*self.0;
        state.lock().unwrap().1 = true;
        changed.notify_all();
    }
}

/// A response whose `Drop` panics (unless the thread is unwinding already); its token counts
/// its drop either way.
#[derive(Debug, PartialEq)]
pub struct Bomb(Token);

impl Drop for Bomb {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("bomb {} went off", self.0.id());
        }
    }
}

/// The pool the `ask` method calls into.
static ASKED: OnceLock<ItemPool<Counter>> = OnceLock::new();

/// A counter per id, with methods that fail, hold their thread, or answer awkwardly.
#[derive(Debug)]
pub struct Counter {
    id: u64,
    total: u64,
}

impl IdTargeted for Counter {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item]
impl Counter {
    /// A counter at zero.
    pub fn new(id: u64) -> Self {
        Counter { id, total: 0 }
    }

    /// Adds `by` and returns the new total.
    #[messaging(BumpRequest, BumpResponse)]
    pub fn bump(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }

    /// Panics (the pool removes the counter).
    #[messaging(FailRequest, FailResponse)]
    pub fn fail(&self) -> u64 {
        panic!("counter {} failed", self.id)
    }

    /// Stops at `gate`, holding its thread (so later requests queue behind it).
    #[messaging(HoldRequest, HoldResponse)]
    pub fn hold(&self, gate: Gate) -> u64 {
        gate.pass();
        self.total
    }

    /// Hands the token back in the response.
    #[messaging(KeepRequest, KeepResponse)]
    pub fn keep(&self, token: Token) -> Token {
        token
    }

    /// Answers with a response whose `Drop` panics.
    #[messaging(BombRequest, BombResponse)]
    pub fn bomb(&self, token: Token) -> Bomb {
        Bomb(token)
    }

    /// Asks counter `other` of the `ASKED` pool for its total, with the async call awaited by
    /// `futures::executor::block_on` on this pool thread.
    #[messaging(AskRequest, AskResponse)]
    pub fn ask(&self, other: u64) -> Result<u64, PoolError> {
        let pool = ASKED.get().expect("the ASKED pool is set");
        futures::executor::block_on(pool.send_and_receive_once_async(BumpRequest(other, 0)))
            .map(|r| r.result)
    }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

/// A pool of `threads` threads with counters `ids`.
fn pool_with(threads: usize, ids: impl IntoIterator<Item = u64>) -> ItemPool<Counter> {
    let pool = ItemPool::new(threads).unwrap();
    pool.send_and_receive(ids.into_iter().map(CounterInit))
        .unwrap()
        .for_each(drop);
    pool
}

/// `assert_eq!` on `Debug` forms (`PoolError` is not `PartialEq`).
#[track_caller]
fn assert_same(actual: &impl std::fmt::Debug, expected: &impl std::fmt::Debug) {
    assert_eq!(format!("{actual:?}"), format!("{expected:?}"));
}

/// Round trips each task makes (fewer under Miri).
const PER_TASK: u64 = if cfg!(miri) { 3 } else { 200 };
/// Concurrent tasks, each bumping its own counter.
const TASKS: u64 = if cfg!(miri) { 3 } else { 16 };

/// `TASKS` tasks each bump their own counter `PER_TASK` times, one awaited call at a time,
/// then read all counters back with one batch call.
fn many_tasks(runtime: tokio::runtime::Runtime) {
    within(LIMIT, move || {
        let pool = Arc::new(pool_with(3, 0..TASKS));
        let totals = runtime.block_on(async {
            let tasks: Vec<_> = (0..TASKS)
                .map(|id| {
                    let pool = Arc::clone(&pool);
                    tokio::spawn(async move {
                        let mut last = 0;
                        for _ in 0..PER_TASK {
                            let bumped = pool.send_and_receive_once_async(BumpRequest(id, 1));
                            last = bumped.await.unwrap().result;
                        }
                        last
                    })
                })
                .collect();
            for task in tasks {
                assert_eq!(task.await.unwrap(), PER_TASK);
            }
            let read = pool.send_and_receive_async((0..TASKS).map(|id| BumpRequest(id, 0)));
            read.await.unwrap()
        });
        let totals: Vec<u64> = totals.into_iter().map(|r| r.result).collect();
        assert_eq!(totals, vec![PER_TASK; TASKS as usize]);
    });
}

#[test]
fn many_tasks_under_tokio_current_thread() {
    many_tasks(current_thread());
}

#[test]
fn many_tasks_under_tokio_multi_thread() {
    many_tasks(multi_thread());
}

#[test]
fn awaited_with_futures_block_on() {
    within(LIMIT, || {
        let pool = ItemPool::<Counter>::new(2).unwrap();
        futures::executor::block_on(async {
            let added = pool.send_and_receive_async((0..5).map(CounterInit)).await;
            let ids: Vec<u64> = added.unwrap().iter().map(|r| r.id()).collect();
            assert_eq!(ids, [0, 1, 2, 3, 4]);
            let bumped = pool.send_and_receive_once_async(BumpRequest(3, 7)).await;
            assert_eq!(bumped.unwrap().result, 7);
            // Responses in request order, whichever thread answered them.
            let requests = [BumpRequest(4, 1), BumpRequest(3, 1), BumpRequest(4, 1)];
            let totals: Vec<u64> = pool
                .send_and_receive_async(requests)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.result)
                .collect();
            assert_eq!(totals, [1, 8, 2]);
            // No requests: no batch, and nothing to wait for.
            let none = pool.send_and_receive_async(Vec::<BumpRequest>::new()).await;
            assert!(none.unwrap().is_empty());
        });
    });
}

/// Each error the blocking calls give, the async calls give alike, for one request and for
/// a batch (the first error in request order).
#[test]
fn errors_are_the_blocking_calls_errors() {
    within(LIMIT, || {
        let pool = pool_with(2, [1, 2, 3, 4]);
        let runtime = current_thread();
        let once =
            |request: FailRequest| runtime.block_on(pool.send_and_receive_once_async(request));

        let unknown = runtime.block_on(pool.send_and_receive_once_async(BumpRequest(9, 1)));
        assert_same(&unknown, &pool.send_and_receive_once(BumpRequest(9, 1)));
        assert!(matches!(unknown, Err(PoolError::UnknownId(9))));

        let panicked = once(FailRequest(1));
        match &panicked {
            Err(PoolError::ItemPanicked { id: 1, panic }) => {
                assert_eq!(panic.message(), Some("counter 1 failed"));
            }
            other => panic!("expected ItemPanicked, got {other:?}"),
        }
        // The item is gone (as after a blocking call); its thread and the others still serve.
        assert_same(
            &once(FailRequest(1)),
            &pool.send_and_receive_once(FailRequest(1)),
        );
        let still = runtime.block_on(pool.send_and_receive_once_async(BumpRequest(3, 1)));
        assert_eq!(still.unwrap().result, 1);

        let duplicate = runtime.block_on(pool.send_and_receive_once_async(CounterInit(2)));
        assert!(matches!(duplicate, Err(PoolError::DuplicateId(2))));

        // A batch: the first error in request order, the other requests still answered.
        let batch = || {
            [
                BumpRequest(4, 1),
                BumpRequest(8, 1),
                BumpRequest(2, 1),
                BumpRequest(7, 1),
            ]
        };
        let async_error = runtime.block_on(pool.send_and_receive_async(batch()));
        assert!(matches!(async_error, Err(PoolError::UnknownId(8))));
        assert_same(
            &async_error.map(|_| ()),
            &pool.send_and_receive(batch()).map(|_| ()),
        );
        let totals: Vec<u64> = pool
            .send_and_receive([BumpRequest(4, 0), BumpRequest(2, 0)])
            .unwrap()
            .map(|r| r.result)
            .collect();
        assert_eq!(
            totals,
            [2, 2],
            "each batch's good requests ran, once per call"
        );

        let removed = runtime.block_on(pool.send_and_receive_once_async(RemovePoolItemRequest(4)));
        assert!(removed.unwrap().item_existed());
    });
}

/// A future dropped before its answer, polled or not: dropping it does not block, its
/// request is still answered (the counter moved), its response is dropped (the token), and
/// its waker is not kept.
#[test]
fn a_dropped_future_is_still_answered_and_leaks_nothing() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = pool_with(1, [1, 2]);
        let gate = Gate::default();
        let held = pool.send_and_receive_once_async(HoldRequest(1, gate.clone()));
        gate.wait_arrived();
        // Queued behind the held request on the pool's one thread.
        let never_polled = pool.send_and_receive_once_async(BumpRequest(2, 5));
        let mut polled = pool.send_and_receive_async([
            KeepRequest(2, tokens.token()),
            KeepRequest(1, tokens.token()),
        ]);
        let mut bumped = pool.send_and_receive_once_async(KeepRequest(2, tokens.token()));
        let waker = Arc::new(CountingWaker::default());
        {
            let task = Waker::from(Arc::clone(&waker));
            let mut cx = Context::from_waker(&task);
            assert!(Pin::new(&mut polled).poll(&mut cx).is_pending());
            assert!(Pin::new(&mut bumped).poll(&mut cx).is_pending());
        }
        drop((never_polled, polled, bumped, held));
        assert_eq!(
            Arc::strong_count(&waker),
            1,
            "a dropped future keeps no waker"
        );
        gate.open();
        // Answered in order on that thread, after the dropped ones.
        let total = pool
            .send_and_receive_once(BumpRequest(2, 0))
            .unwrap()
            .result;
        assert_eq!(total, 5, "the dropped future's request ran");
        assert_eq!(waker.0.load(SeqCst), 0);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

/// A response whose `Drop` panics, for a future already dropped: the pool thread drops it
/// contained and keeps serving.
#[test]
fn a_dropped_futures_panicking_response_costs_its_thread_nothing() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = pool_with(1, [1]);
        let gate = Gate::default();
        let held = pool.send_and_receive_once_async(HoldRequest(1, gate.clone()));
        gate.wait_arrived();
        drop(pool.send_and_receive_once_async(BombRequest(1, tokens.token())));
        drop(pool.send_and_receive_async([
            BombRequest(1, tokens.token()),
            BombRequest(1, tokens.token()),
        ]));
        gate.open();
        assert_eq!(futures::executor::block_on(held).unwrap().result, 0);
        let bumped =
            futures::executor::block_on(pool.send_and_receive_once_async(BumpRequest(1, 2)));
        assert_eq!(bumped.unwrap().result, 2);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

/// Futures queued behind a held request when the pool shuts down: each resolves (the requests
/// sent before the shutdown are answered, as blocking calls' are); those sent after resolve
/// to `ShutDown`. None hangs.
#[test]
fn a_pool_shut_down_with_futures_pending_resolves_them_all() {
    within(LIMIT, || {
        let pool = Arc::new(pool_with(2, [0, 1, 2, 3]));
        let runtime = multi_thread();
        let gate = Gate::default();
        let held = runtime.spawn(pool.send_and_receive_once_async(HoldRequest(0, gate.clone())));
        gate.wait_arrived();
        let pending: Vec<_> = (0..8u64)
            .map(|i| runtime.spawn(pool.send_and_receive_once_async(BumpRequest(i % 4, 1))))
            .collect();
        let batch =
            runtime.spawn(pool.send_and_receive_async((0..4).map(|id| BumpRequest(id, 10))));
        let shutdown = {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || pool.shutdown())
        };
        gate.open();
        let reports = shutdown.join().unwrap();
        assert_eq!(reports.len(), 2);
        runtime.block_on(async {
            assert_eq!(held.await.unwrap().unwrap().result, 0);
            for bump in pending {
                assert!(bump.await.unwrap().is_ok());
            }
            let totals: Vec<u64> = batch
                .await
                .unwrap()
                .unwrap()
                .into_iter()
                .map(|r| r.result)
                .collect();
            assert_eq!(totals, [12, 12, 12, 12]);
            let late = pool.send_and_receive_once_async(BumpRequest(0, 1)).await;
            assert!(matches!(late, Err(PoolError::ShutDown)));
            let late = pool
                .send_and_receive_async([BumpRequest(0, 1), BumpRequest(1, 1)])
                .await;
            assert!(matches!(late, Err(PoolError::ShutDown)));
        });
    });
}

/// The pool dropped (not shut down explicitly) while futures wait: they resolve, with the
/// answers to what was sent; the futures do not keep the pool.
#[test]
fn a_pool_dropped_with_futures_pending_resolves_them() {
    within(LIMIT, || {
        let pool = pool_with(1, [0]);
        let gate = Gate::default();
        let held = pool.send_and_receive_once_async(HoldRequest(0, gate.clone()));
        gate.wait_arrived();
        let bump = pool.send_and_receive_once_async(BumpRequest(0, 3));
        let dropping = std::thread::spawn(move || drop(pool));
        gate.open();
        dropping.join().unwrap();
        let runtime = current_thread();
        assert_eq!(runtime.block_on(held).unwrap().result, 0);
        assert_eq!(runtime.block_on(bump).unwrap().result, 3);
    });
}

/// A runtime dropped while its tasks await answers: the tasks' futures are dropped with it,
/// without blocking; the pool answers the requests anyway and keeps serving.
#[test]
fn a_runtime_dropped_with_futures_pending() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let pool = Arc::new(pool_with(2, [0, 1]));
        let gate = Gate::default();
        let runtime = multi_thread();
        let held = pool.send_and_receive_once_async(HoldRequest(0, gate.clone()));
        gate.wait_arrived();
        for _ in 0..4 {
            let pool = Arc::clone(&pool);
            let token = tokens.token();
            runtime.spawn(async move {
                pool.send_and_receive_once_async(KeepRequest(0, token))
                    .await
            });
        }
        drop(runtime);
        gate.open();
        drop(held);
        let bumped =
            futures::executor::block_on(pool.send_and_receive_once_async(BumpRequest(0, 1)));
        assert_eq!(bumped.unwrap().result, 1);
        drop(pool);
        tokens.assert_each_dropped_once();
    });
}

/// Of two polls with different wakers, the later one's is woken.
#[test]
fn the_waker_of_the_latest_poll_is_woken() {
    within(LIMIT, || {
        let pool = pool_with(1, [0]);
        let gate = Gate::default();
        let held = pool.send_and_receive_once_async(HoldRequest(0, gate.clone()));
        gate.wait_arrived();
        let mut bump = pool.send_and_receive_once_async(BumpRequest(0, 1));
        let first = Arc::new(CountingWaker::default());
        let second = Arc::new(CountingWaker::default());
        let poll = |bump: &mut ResponseFuture<Counter, BumpRequest>, waker: &Arc<CountingWaker>| {
            let waker = Waker::from(Arc::clone(waker));
            Pin::new(bump).poll(&mut Context::from_waker(&waker))
        };
        assert!(poll(&mut bump, &first).is_pending());
        assert!(poll(&mut bump, &second).is_pending());
        gate.open();
        while second.0.load(SeqCst) == 0 {
            std::thread::yield_now();
        }
        assert_eq!(first.0.load(SeqCst), 0);
        match poll(&mut bump, &second) {
            Poll::Ready(Ok(response)) => assert_eq!(response.result, 1),
            other => panic!("expected the response, got {other:?}"),
        }
        drop(held);
    });
}

/// On a pool thread, an async call awaited with `block_on` waits as a nested blocking call
/// does: the thread keeps serving its inbox (here the asked counter shares the asking one's
/// thread), and a call back into the waiting item is refused with `ItemBusy`.
#[test]
fn called_from_a_pool_thread_it_waits_as_the_blocking_call_does() {
    within(LIMIT, || {
        let pool = ASKED.get_or_init(|| pool_with(1, [0, 1]));
        pool.send_and_receive_once(BumpRequest(1, 4)).unwrap();
        let runtime = current_thread();
        let asked = runtime.block_on(pool.send_and_receive_once_async(AskRequest(0, 1)));
        assert!(matches!(asked.unwrap().result, Ok(4)));
        let itself = runtime.block_on(pool.send_and_receive_once_async(AskRequest(0, 0)));
        assert!(matches!(
            itself.unwrap().result,
            Err(PoolError::ItemBusy(0))
        ));
        // Its threads end (a static pool is never dropped; Miri checks every thread ends).
        pool.shutdown();
    });
}

/// The request is sent when the call is made, not at the first poll.
#[test]
fn the_request_is_sent_before_the_first_poll() {
    within(LIMIT, || {
        let pool = pool_with(1, [0]);
        let unpolled = pool.send_and_receive_once_async(BumpRequest(0, 2));
        // Answered after the unpolled one: the same thread, in order.
        assert_eq!(
            pool.send_and_receive_once(BumpRequest(0, 0))
                .unwrap()
                .result,
            2
        );
        assert_eq!(futures::executor::block_on(unpolled).unwrap().result, 2);
    });
}
