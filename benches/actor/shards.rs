//! Cross-shard round trips: an actor on shard 0 calls an actor on shard 1 through a `Remote`,
//! which answers through the caller's `Remote`; `iters` round trips per measurement.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use spindle::actor::{Cx, Remote, Shards};

/// Answers each ping by calling the pinger back.
struct Ponger;

/// Runs `left` round trips, then reports how long they took.
struct Pinger {
    peer: Remote<Ponger>,
    me: Option<Remote<Pinger>>,
    left: u64,
    start: Instant,
    report: mpsc::Sender<Duration>,
}

impl Pinger {
    fn go(&mut self, cx: &mut Cx<'_, Self>, iters: u64) {
        self.left = iters;
        self.start = Instant::now();
        self.ping(cx);
    }

    fn ping(&mut self, cx: &mut Cx<'_, Self>) {
        let me = self.me.get_or_insert_with(|| cx.this().remote()).clone();
        let sent = self.peer.call(move |_: &mut Ponger, _| {
            let _ = me.call(|pinger, cx| pinger.pong(cx));
        });
        sent.expect("shard 1 is running");
    }

    fn pong(&mut self, cx: &mut Cx<'_, Self>) {
        self.left -= 1;
        if self.left == 0 {
            let _ = self.report.send(self.start.elapsed());
        } else {
            self.ping(cx);
        }
    }
}

/// `iters` cross-shard round trips per call of the returned closure (shards built once).
pub(crate) fn spindle_shard_round_trip() -> impl FnMut(u64) -> Duration {
    let shards = Shards::new(2).expect("two shards");
    let ponger = shards.spawn(1, |_| Ponger).expect("shard 1");
    let (report, reports) = mpsc::channel();
    let pinger = shards
        .spawn(0, move |_| Pinger {
            peer: ponger,
            me: None,
            left: 0,
            start: Instant::now(),
            report,
        })
        .expect("shard 0");
    move |iters| {
        let _keep = &shards;
        pinger
            .call(move |p, cx| p.go(cx, iters.max(1)))
            .expect("shard 0 is running");
        reports.recv().expect("a report")
    }
}
