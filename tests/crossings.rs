//! Waits that cross from one Spindle part into another: an actor calling an item pool whose
//! items run work on the executor, from a plain runtime and from `Shards`. Each case runs under
//! a watchdog, so a deadlock fails the test instead of hanging it.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Instant;

use spindle::actor::{Runtime, Shards};
use spindle::executor::ThreadPool as Executor;
use spindle_pool::{IdTargeted, ItemPool, pool_item};
use spindle_test_support::{LIMIT, within};

/// An item that hands its arithmetic to the executor pool its request names (a `join` tree,
/// so the executor's workers wait on each other too).
#[derive(Debug)]
pub struct Summer {
    id: u64,
}

impl IdTargeted for Summer {
    fn id(&self) -> u64 {
        self.id
    }
}

/// An executor handle that requests can carry (they derive `PartialEq`: equal if the same pool).
#[derive(Debug, Clone)]
pub struct On(Arc<Executor>);

impl PartialEq for On {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// `0 + 1 + … + (n - 1)`, split in halves by `join` down to runs of 64.
fn sum_below(executor: &Executor, from: u64, to: u64) -> u64 {
    if to - from <= 64 {
        return (from..to).sum();
    }
    let mid = from + (to - from) / 2;
    let (a, b) = executor.join(
        || sum_below(executor, from, mid),
        || sum_below(executor, mid, to),
    );
    a + b
}

#[pool_item]
impl Summer {
    /// A summer with nothing but its id.
    pub fn new(id: u64) -> Self {
        Summer { id }
    }

    /// The sum below `n`, computed on `executor` while this pool thread waits.
    #[messaging(SumRequest, SumResponse)]
    pub fn sum(&self, executor: On, n: u64) -> u64 {
        let executor = &executor.0;
        executor.install(|| sum_below(executor, 0, n))
    }
}

fn expected(n: u64) -> u64 {
    n * (n - 1) / 2
}

/// Checks that `answers` holds `count` pairs `(n, got)`, each `got` the expected sum for its
/// `n`; `what` names the run in a failure.
fn assert_answers(answers: Vec<(u64, u64)>, count: usize, what: &str) {
    assert_eq!(answers.len(), count, "{what}");
    for (n, got) in answers {
        assert_eq!(got, expected(n), "{what}: the sum for {n}");
    }
}

/// The chain's lower two parts: an executor, and an item pool of `Summer`s.
struct Lower {
    executor: Arc<Executor>,
    pool: ItemPool<Summer>,
}

impl Lower {
    fn new(executor_threads: usize, pool_threads: usize, items: u64) -> Arc<Lower> {
        let executor = Arc::new(Executor::new(executor_threads).unwrap());
        let pool = ItemPool::<Summer>::new(pool_threads).unwrap();
        for id in 0..items {
            pool.send_and_receive_once(SummerInit(id)).unwrap();
        }
        Arc::new(Lower { executor, pool })
    }

    /// One round trip: item `id` sums below `n` on the executor.
    fn sum(&self, id: u64, n: u64) -> u64 {
        let request = SumRequest(id, On(Arc::clone(&self.executor)), n);
        self.pool.send_and_receive_once(request).unwrap().result
    }
}

#[test]
fn an_actor_calls_an_item_pool_that_runs_on_the_executor() {
    for (executor_threads, pool_threads) in [(1, 1), (2, 1), (1, 2), (2, 2)] {
        let answers = within(LIMIT, move || {
            let lower = Lower::new(executor_threads, pool_threads, 4);
            let mut rt = Runtime::new();
            let (tx, rx) = mpsc::channel();
            let caller = rt.spawn(move |_| lower);
            for id in 0..4u64 {
                let tx = tx.clone();
                caller.call(move |lower, _| {
                    let n = 1000 * (id + 1);
                    tx.send((n, lower.sum(id, n))).unwrap();
                });
            }
            rt.run(Instant::now());
            drop(tx);
            rx.iter().collect::<Vec<_>>()
        });
        let what = format!("{executor_threads} executor / {pool_threads} pool threads");
        assert_answers(answers, 4, &what);
    }
}

#[test]
fn actors_on_every_shard_call_one_item_pool_on_one_executor_at_once() {
    let answers = within(LIMIT, || {
        let lower = Lower::new(2, 2, 8);
        let shards = Shards::new(2).unwrap();
        let (tx, rx) = mpsc::channel();
        let mut callers = Vec::new();
        for shard in 0..2 {
            let lower = Arc::clone(&lower);
            callers.push(shards.spawn(shard, move |_| lower).unwrap());
        }
        for (shard, caller) in callers.iter().enumerate() {
            for id in 0..8u64 {
                let tx = tx.clone();
                let n = 500 + 100 * id + shard as u64;
                caller
                    .call(move |lower: &mut Arc<Lower>, _| tx.send((n, lower.sum(id, n))).unwrap())
                    .unwrap();
            }
        }
        drop(tx);
        let answers: Vec<_> = rx.iter().take(16).collect();
        shards.shutdown();
        answers
    });
    assert_answers(answers, 16, "2 shards");
}

#[test]
fn a_batch_from_an_actor_fans_out_over_pool_threads_that_share_one_executor_thread() {
    // Two pool threads wait on one executor worker at once: the worker serves both installs.
    let sums = within(LIMIT, || {
        let lower = Lower::new(1, 2, 6);
        let mut rt = Runtime::new();
        let (tx, rx) = mpsc::channel();
        let caller = rt.spawn(move |_| lower);
        caller.call(move |lower, _| {
            let requests: Vec<_> = (0..6u64)
                .map(|id| SumRequest(id, On(Arc::clone(&lower.executor)), 2000 + id))
                .collect();
            let sums: Vec<u64> = lower
                .pool
                .send_and_receive(requests)
                .unwrap()
                .map(|response| response.result)
                .collect();
            tx.send(sums).unwrap();
        });
        rt.run(Instant::now());
        rx.recv().unwrap()
    });
    let want: Vec<u64> = (0..6u64).map(|id| expected(2000 + id)).collect();
    assert_eq!(sums, want);
}
