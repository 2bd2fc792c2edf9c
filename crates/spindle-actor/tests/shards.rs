//! `Shards`: actors on several runtime threads, calling each other; faults and shutdown.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use common::within;
use spindle_actor::{Cx, Remote, ShardError, Shards};

const LIMIT: Duration = Duration::from_secs(20);

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
            .spawn(0, move |_| Pinger {
                peer: ponger,
                me: None,
                left: 1000,
                done: tx,
            })
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

/// Counts how one call ended.
struct Token {
    ran: bool,
    unrun: Arc<AtomicUsize>,
}

impl Drop for Token {
    fn drop(&mut self) {
        if !self.ran {
            self.unrun.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn shutdown_with_calls_in_flight_runs_or_reports_every_one() {
    within(LIMIT, || {
        for _ in 0..10 {
            let shards = Shards::new(2).unwrap();
            let targets: Vec<_> = (0..2).map(|i| shards.spawn(i, |_| 0u64).unwrap()).collect();
            let ran = Arc::new(AtomicUsize::new(0));
            let unrun = Arc::new(AtomicUsize::new(0));
            let senders: Vec<_> = targets
                .into_iter()
                .map(|target| {
                    let (ran, unrun) = (ran.clone(), unrun.clone());
                    std::thread::spawn(move || {
                        for _ in 0..2000 {
                            let token = Token {
                                ran: false,
                                unrun: unrun.clone(),
                            };
                            let ran = ran.clone();
                            let call = move |n: &mut u64, _: &mut Cx<'_, u64>| {
                                let mut token = token;
                                token.ran = true;
                                *n += 1;
                                ran.fetch_add(1, Ordering::SeqCst);
                            };
                            if let Err(back) = target.call(call) {
                                drop(back.into_inner()); // handed back: reported to the sender
                            }
                        }
                    })
                })
                .collect();
            std::thread::sleep(Duration::from_micros(200));
            shards.shutdown();
            senders.into_iter().for_each(|s| s.join().unwrap());
            let total = ran.load(Ordering::SeqCst) + unrun.load(Ordering::SeqCst);
            assert_eq!(
                total, 4000,
                "every call ran, was dropped unrun, or came back"
            );
        }
    });
}

/// Sends `n` counted calls to its peer on the other shard when told to go.
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
            let ran = Arc::new(AtomicUsize::new(0));
            let unrun = Arc::new(AtomicUsize::new(0));
            for sender in &senders {
                let (ran, unrun) = (ran.clone(), unrun.clone());
                sender
                    .call(move |s, _| {
                        let peer = s.peer.take().unwrap();
                        for _ in 0..2000 {
                            let token = Token {
                                ran: false,
                                unrun: unrun.clone(),
                            };
                            let ran = ran.clone();
                            let call = move |n: &mut u64, _: &mut Cx<'_, u64>| {
                                let mut token = token;
                                token.ran = true;
                                *n += 1;
                                ran.fetch_add(1, Ordering::SeqCst);
                            };
                            if let Err(back) = peer.call(call) {
                                drop(back.into_inner());
                            }
                        }
                    })
                    .unwrap();
            }
            shards.shutdown(); // while the shards are sending to each other
            let total = ran.load(Ordering::SeqCst) + unrun.load(Ordering::SeqCst);
            assert_eq!(
                total, 4000,
                "every cross-shard call ran, was dropped unrun, or came back"
            );
        }
    });
}

#[test]
fn bad_shard_requests_are_typed_errors() {
    assert_eq!(Shards::new(0).unwrap_err(), ShardError::ZeroShards);
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
