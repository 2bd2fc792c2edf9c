//! `Cx::offload`: heavy work on an executor pool, its result back as a call; every fault path.
#![cfg(feature = "executor")]

use spindle_actor::{Cx, OffloadError, Runtime};
use spindle_executor::ThreadPool;
use spindle_test_support::{LIMIT, within};

struct Client {
    pool: std::sync::Arc<ThreadPool>,
    results: Vec<Result<u64, String>>,
}

impl Client {
    fn compute(&mut self, cx: &mut Cx<'_, Self>, n: u64) {
        let pool = self.pool.clone();
        cx.offload(
            &pool,
            move || {
                assert!(n != 13, "unlucky input");
                (1..=n).product::<u64>()
            },
            |this, _, result: Result<u64, OffloadError>| {
                this.results.push(result.map_err(|e| e.to_string()))
            },
        );
    }
}

fn results(
    rt: &mut Runtime,
    client: &spindle_actor::Actor<Client>,
    n: usize,
) -> Vec<Result<u64, String>> {
    rt.run_until(|core| client.query(core, |c, _| c.results.len()) == Some(n))
        .unwrap();
    rt.query(client, |c, _| c.results.clone()).unwrap()
}

#[test]
fn results_come_back_as_calls_and_a_panic_as_an_error_while_the_actor_runs_on() {
    within(LIMIT, || {
        let pool = std::sync::Arc::new(ThreadPool::new(2).unwrap());
        let mut rt = Runtime::new();
        let client = rt.spawn(move |_| Client {
            pool,
            results: Vec::new(),
        });
        client.call(|this, cx| this.compute(cx, 5));
        let mut got = results(&mut rt, &client, 1);
        assert_eq!(got.pop(), Some(Ok(120)));

        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        client.call(|this, cx| this.compute(cx, 13));
        let got = results(&mut rt, &client, 2);
        std::panic::set_hook(hook);
        assert_eq!(
            got[1],
            Err("offloaded work panicked: unlucky input".to_string())
        );
        assert!(client.is_ready(), "the actor keeps running");
        client.call(|this, cx| this.compute(cx, 3));
        assert_eq!(results(&mut rt, &client, 3)[2], Ok(6));
    });
}

#[test]
fn work_refused_by_a_shut_down_pool_reports_not_run() {
    within(LIMIT, || {
        let pool = std::sync::Arc::new(ThreadPool::new(1).unwrap());
        pool.shutdown();
        let mut rt = Runtime::new();
        let client = rt.spawn(move |_| Client {
            pool,
            results: Vec::new(),
        });
        client.call(|this, cx| this.compute(cx, 4));
        let got = results(&mut rt, &client, 1);
        assert_eq!(
            got,
            [Err(
                "offloaded work did not run: the pool was shut down".to_string()
            )]
        );
    });
}

#[test]
fn a_result_for_a_dropped_runtime_is_dropped_quietly() {
    within(LIMIT, || {
        let pool = std::sync::Arc::new(ThreadPool::new(1).unwrap());
        let gate = std::sync::Arc::new(std::sync::Barrier::new(2));
        let mut rt = Runtime::new();
        let client = rt.spawn({
            let pool = pool.clone();
            move |_| Client {
                pool,
                results: Vec::new(),
            }
        });
        let g = gate.clone();
        client.call(move |this, cx| {
            let g = g.clone();
            cx.offload(
                &this.pool.clone(),
                move || g.wait(),
                |_, _, _| unreachable!("the runtime is gone"),
            );
        });
        rt.run(std::time::Instant::now());
        drop(client);
        drop(rt);
        gate.wait(); // the work finishes only now, after the runtime is gone
        pool.shutdown();
    });
}
