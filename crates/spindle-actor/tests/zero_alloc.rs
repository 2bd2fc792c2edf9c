//! Actor calls, self-chained calls, timers and idle calls allocate nothing once the runtime is
//! warm: a counting global allocator proves it. This binary holds one test, so every
//! allocation counted while the flag is up is the runtime's.

mod common;

use std::time::{Duration, Instant};

use common::started;
use spindle_actor::{Cx, Runtime};
use spindle_test_support::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

struct Pinger {
    count: u64,
    peer: Option<spindle_actor::Actor<Pinger>>,
}

impl Pinger {
    /// A call that queues the next one: the actor chain Stakker's benchmarks measure.
    fn ping(&mut self, cx: &mut Cx<'_, Self>, left: u32) {
        self.count += 1;
        if left > 0 {
            match &self.peer {
                Some(peer) => peer.call(move |p, cx| p.ping(cx, left - 1)),
                None => cx.this().call(move |p, cx| p.ping(cx, left - 1)),
            }
        }
    }
}

/// One round: outside calls, chained calls, timers set and fired, a cancelled timer, idle calls.
fn round(
    rt: &mut Runtime,
    a: &spindle_actor::Actor<Pinger>,
    b: &spindle_actor::Actor<Pinger>,
    t: Instant,
    calls: u32,
) {
    for i in 0..calls {
        let payload = [u64::from(i); 4];
        a.call(move |p, _| p.count += u64::from(payload[3] < u64::MAX)); // a 32-byte capture
    }
    b.call(move |p, cx| p.ping(cx, calls));
    a.call(|_, cx| {
        for ms in 0..16u64 {
            cx.after(Duration::from_millis(ms), |p, _| p.count += 1);
        }
        let key = cx.after(Duration::from_secs(3600), |_, _| unreachable!());
        cx.cancel(key);
        cx.idle(|p, _| p.count += 1);
    });
    rt.run(t);
    rt.run(t + Duration::from_millis(20));
}

#[test]
fn a_warm_runtime_allocates_nothing_per_call_or_timer() {
    let (t0, mut rt) = started(Runtime::builder().timer_capacity(64));
    let a = rt.spawn(|_| Pinger {
        count: 0,
        peer: None,
    });
    let a_handle = a.actor().clone();
    let b = rt.spawn(move |_| Pinger {
        count: 0,
        peer: Some(a_handle),
    });
    let (ah, bh) = (a.actor().clone(), b.actor().clone());
    let calls = if cfg!(miri) { 200 } else { 10_000 };
    let rounds = if cfg!(miri) { 5 } else { 50 };
    let mut t = t0;
    // Warm-up: the buffers and timer store reach their working size.
    for _ in 0..3 {
        t += Duration::from_secs(1);
        round(&mut rt, &ah, &bh, t, calls);
    }
    let ((), allocations) = ALLOC.count(|| {
        for _ in 0..rounds {
            t += Duration::from_secs(1);
            round(&mut rt, &ah, &bh, t, calls);
        }
    });
    let total_calls = u64::from(calls) * 2 * rounds;
    assert_eq!(
        allocations,
        0,
        "allocations during {total_calls} calls and {} timers",
        17 * rounds
    );
    let count = rt.query(&a, |p, _| p.count).unwrap() + rt.query(&b, |p, _| p.count).unwrap();
    assert!(count >= total_calls, "the calls ran: {count}");
}
