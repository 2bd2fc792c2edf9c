//! `Shards`: actors on several runtime threads, calling each other; faults and shutdown.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use common::send_counted;
use spindle_actor::{BuildError, Cx, Remote, ShardError, Shards};
use spindle_test_support::{LIMIT, Tokens, within};

/// Answers pings from another shard through the caller's own `Remote`.
struct Ponger {
    pongs: u64,
}

struct Pinger {
    peer: Remote<Ponger>,
    me: Option<Remote<Pinger>>,
    left: u64,
    done: mpsc::Sender<u64>,
}

impl Pinger {
    /// Pings `peer` `left` times (once per answer), then reports the pong count to `done`.
    fn new(peer: Remote<Ponger>, left: u64, done: mpsc::Sender<u64>) -> Self {
        Pinger {
            peer,
            me: None,
            left,
            done,
        }
    }

    fn ping(&mut self, cx: &mut Cx<'_, Self>) {
        let me = self.me.get_or_insert_with(|| cx.this().remote()).clone();
        self.peer
            .call(move |ponger, _| {
                ponger.pongs += 1;
                let pongs = ponger.pongs;
                me.call(move |pinger, cx| pinger.pong(cx, pongs)).unwrap();
            })
            .unwrap();
    }

    fn pong(&mut self, cx: &mut Cx<'_, Self>, pongs: u64) {
        self.left -= 1;
        if self.left == 0 {
            self.done.send(pongs).unwrap();
        } else {
            self.ping(cx);
        }
    }
}

#[test]
fn actors_on_different_shards_call_each_other() {
    within(LIMIT, || {
        let shards = Shards::new(2).unwrap();
        let ponger = shards.spawn(1, |_| Ponger { pongs: 0 }).unwrap();
        let (tx, rx) = mpsc::channel();
        let pinger = shards
            .spawn(0, move |_| Pinger::new(ponger, 1000, tx))
            .unwrap();
        pinger.call(|p, cx| p.ping(cx)).unwrap();
        assert_eq!(
            rx.recv().unwrap(),
            1000,
            "1000 round trips across the shards"
        );
        let reports = shards.shutdown();
        assert_eq!(reports.iter().map(|r| r.actors).collect::<Vec<_>>(), [1, 1]);
    });
}

#[test]
fn a_panicking_actor_stops_alone_and_its_shard_keeps_serving() {
    within(LIMIT, || {
        let shards = Shards::new(2).unwrap();
        let faulty = shards.spawn(0, |_| ()).unwrap();
        let healthy = shards.spawn(0, |_| 0u32).unwrap();
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        faulty.call(|_, _| panic!("shard actor failed")).unwrap();
        let (tx, rx) = mpsc::channel();
        healthy.call(move |n, _| tx.send(*n + 1).unwrap()).unwrap();
        assert_eq!(rx.recv().unwrap(), 1);
        std::panic::set_hook(hook);
        // Calls to the stopped actor are dropped on its shard, not run.
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        faulty
            .call(move |_, _| {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        let (tx, rx) = mpsc::channel();
        healthy.call(move |_, _| tx.send(()).unwrap()).unwrap();
        rx.recv().unwrap(); // the shard processed both in order
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        drop(shards);
    });
}

#[test]
fn shutdown_with_calls_in_flight_runs_or_reports_every_one() {
    within(LIMIT, || {
        for _ in 0..10 {
            let shards = Shards::new(2).unwrap();
            let targets: Vec<_> = (0..2).map(|i| shards.spawn(i, |_| 0u64).unwrap()).collect();
            let (tokens, ran) = (Tokens::new(), Arc::new(AtomicUsize::new(0)));
            let senders: Vec<_> = targets
                .into_iter()
                .map(|target| {
                    let (tokens, ran) = (tokens.clone(), ran.clone());
                    std::thread::spawn(move || send_counted(&target, 2000, &tokens, &ran))
                })
                .collect();
            std::thread::sleep(Duration::from_micros(200));
            shards.shutdown();
            for sender in senders {
                sender.join().unwrap();
            }
            // Every call ran, was dropped unrun, or came back: its token is gone, exactly once.
            assert_eq!(tokens.made(), 4000);
            tokens.assert_each_dropped_once();
        }
    });
}

/// Sends counted calls to its peer on the other shard when told to go.
struct Sender {
    peer: Option<Remote<u64>>,
}

#[test]
fn shutdown_with_cross_shard_calls_in_flight_runs_or_reports_every_one() {
    within(LIMIT, || {
        for _ in 0..10 {
            let shards = Shards::new(2).unwrap();
            let sinks: Vec<Remote<u64>> =
                (0..2).map(|i| shards.spawn(i, |_| 0u64).unwrap()).collect();
            let senders: Vec<Remote<Sender>> = (0..2)
                .map(|i| {
                    let peer = sinks[1 - i].clone();
                    shards
                        .spawn(i, move |_| Sender { peer: Some(peer) })
                        .unwrap()
                })
                .collect();
            let (tokens, ran) = (Tokens::new(), Arc::new(AtomicUsize::new(0)));
            for sender in &senders {
                let (tokens, ran) = (tokens.clone(), ran.clone());
                sender
                    .call(move |s, _| {
                        send_counted(&s.peer.take().unwrap(), 2000, &tokens, &ran);
                    })
                    .unwrap();
            }
            shards.shutdown(); // while the shards are sending to each other
            assert_eq!(tokens.made(), 4000, "every cross-shard call was made");
            tokens.assert_each_dropped_once();
        }
    });
}

#[test]
fn bad_shard_requests_are_typed_errors() {
    assert!(matches!(Shards::new(0), Err(BuildError::ZeroThreads)));
    let shards = Shards::new(2).unwrap();
    assert_eq!(
        shards.spawn(5, |_| ()).unwrap_err(),
        ShardError::NoSuchShard(5)
    );
    // From inside shard 0, the blocking spawn is refused whatever the target: on shard 0 it
    // would wait for itself, on shard 1 it could wait for a shard waiting for shard 0.
    let shards = Arc::new(shards);
    let (tx, rx) = mpsc::channel();
    let inner = shards.clone();
    let probe = shards.spawn(0, |_| ()).unwrap();
    probe
        .call(move |_, _| {
            let on_self = inner.spawn(0, |_| ()).map(|_| ());
            let on_other = inner.spawn(1, |_| ()).map(|_| ());
            tx.send((on_self, on_other)).unwrap();
        })
        .unwrap();
    let (on_self, on_other) = rx.recv_timeout(LIMIT).unwrap();
    assert_eq!(on_self, Err(ShardError::WouldBlock { shard: 0 }));
    assert_eq!(on_other, Err(ShardError::WouldBlock { shard: 1 }));
}
