//! The actor part of the tour: actors with replies and timers on a virtual clock, a panic that
//! stops one actor only, calls from other threads into a sleeping runtime, and what a call costs.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use spindle::actor::{Actor, Cx, Ret, Runtime, StopCause};

/// An account: deposits, balance queries answered through a `Ret`, monthly interest by timer.
struct Account {
    cents: u64,
    months: u32,
}

impl Account {
    fn open(cx: &mut Cx<'_, Self>, cents: u64) -> Self {
        cx.after(MONTH, |this, cx| this.add_interest(cx));
        Account { cents, months: 0 }
    }

    fn deposit(&mut self, _: &mut Cx<'_, Self>, cents: u64) {
        self.cents += cents;
    }

    fn balance(&self, _: &mut Cx<'_, Self>, reply: Ret<u64>) {
        reply.ret(self.cents);
    }

    fn add_interest(&mut self, cx: &mut Cx<'_, Self>) {
        self.cents += self.cents / 100;
        self.months += 1;
        if self.months < 12 {
            cx.after(MONTH, |this, cx| this.add_interest(cx));
        } else {
            cx.stop(); // a year on, the account closes
        }
    }
}

const MONTH: Duration = Duration::from_secs(30 * 24 * 3600);

/// The baseline's queue entry: a boxed closure per call.
type BoxedCall = Box<dyn FnOnce(&mut Counter)>;

/// Counts calls; the unit of the cost measurements.
struct Counter {
    n: u64,
}

pub(crate) fn tour() {
    println!("\n== spindle::actor ==");
    // A virtual clock: a year of monthly timers runs in microseconds.
    let t0 = Instant::now();
    let mut rt = Runtime::builder().start(t0).build().unwrap();
    let closed = Rc::new(RefCell::new(None));
    let report = closed.clone();
    let account = rt.spawn_notify(
        |cx| Account::open(cx, 100_000),
        Ret::new(move |cause: Option<StopCause>| *report.borrow_mut() = cause),
    );
    account.call(|this, cx| this.deposit(cx, 50_000));
    let balance = Rc::new(RefCell::new(Vec::new()));
    for month in 0..=13u32 {
        rt.run(t0 + MONTH * month); // interest timers fire as the virtual months pass
        if month % 6 == 0 || month == 13 {
            let sink = balance.clone();
            let reply = Ret::new(move |cents| sink.borrow_mut().push((month, cents)));
            account.call(move |this, cx| this.balance(cx, reply));
            rt.run(t0 + MONTH * month);
        }
    }
    println!(
        "account balance by month (None once closed): {:?}",
        balance.borrow()
    );
    println!(
        "account stopped: {}",
        closed
            .borrow()
            .as_ref()
            .map_or("no".into(), ToString::to_string)
    );

    // A panic stops its actor only; the runtime and the other actors carry on.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let cause = Rc::new(RefCell::new(None));
    let report = cause.clone();
    let faulty = rt.spawn_notify(|_| (), Ret::new(move |c| *report.borrow_mut() = c));
    let healthy = rt.spawn(|_| Counter { n: 0 });
    faulty.call(|_, _| panic!("bad input (expected: the tour shows containment)"));
    healthy.call(|c, _| c.n += 1);
    rt.run(Instant::now());
    std::panic::set_hook(hook);
    println!(
        "faulty actor: {}; healthy actor still counts: {:?}",
        cause
            .borrow()
            .as_ref()
            .map_or("running".into(), ToString::to_string),
        rt.query(&healthy, |c, _| c.n)
    );

    // Other threads call in through `Remote`; the runtime sleeps in run_until between calls.
    const REMOTE_CALLS: u64 = 200_000;
    let sink = rt.spawn(|_| Counter { n: 0 });
    let started = Instant::now();
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let remote = sink.remote();
            std::thread::spawn(move || {
                for _ in 0..REMOTE_CALLS / 2 {
                    remote.call(|c, _| c.n += 1).expect("runtime alive");
                }
            })
        })
        .collect();
    rt.run_until(|core| sink.query(core, |c, _| c.n) == Some(REMOTE_CALLS))
        .expect("senders hold remotes");
    let remote_time = started.elapsed();
    senders
        .into_iter()
        .for_each(|s| s.join().expect("sender ok"));
    println!("{REMOTE_CALLS} remote calls from 2 threads arrived");

    // What a call costs: the flat queue against a queue of boxed closures.
    const CALLS: u64 = 1_000_000;
    let counter = rt.spawn(|_| Counter { n: 0 });
    rt.run(Instant::now());
    let actor_calls = |rt: &mut Runtime, counter: &Actor<Counter>| {
        let t = Instant::now();
        for chunk in 0..CALLS / 1000 {
            for i in 0..1000 {
                let k = black_box(chunk + i);
                counter.call(move |c, _| c.n += k & 1);
            }
            rt.run(t0);
        }
        t.elapsed()
    };
    actor_calls(&mut rt, &counter); // warm-up, untimed
    let flat = actor_calls(&mut rt, &counter);
    let boxed = || {
        let mut queue: VecDeque<BoxedCall> = VecDeque::with_capacity(1000);
        let mut state = Counter { n: 0 };
        let t = Instant::now();
        for chunk in 0..CALLS / 1000 {
            for i in 0..1000 {
                let k = black_box(chunk + i);
                queue.push_back(Box::new(move |c: &mut Counter| c.n += k & 1));
            }
            while let Some(call) = queue.pop_front() {
                call(&mut state);
            }
        }
        black_box(state.n);
        t.elapsed()
    };
    boxed(); // warm-up, untimed
    let boxed = boxed();

    let ns = |d: Duration, n: u64| d.as_nanos() as f64 / n as f64;
    use crate::machine::case;
    let row = crate::summary::ns_row;
    let (flat, boxed) = (ns(flat, CALLS), ns(boxed, CALLS));
    let remote = ns(remote_time, REMOTE_CALLS);
    // Two sender threads and the runtime's.
    let remote_case = format!("Remote call from 2 threads ({})", case(3));
    crate::summary::header(
        "a call to an actor",
        "Box<dyn FnOnce> queue",
        "ns/call",
        "calls/s",
    );
    row(
        &format!("actor call, queued + run, flat queue ({})", case(1)),
        flat,
        Some(boxed),
    );
    row(
        &format!("VecDeque<Box<dyn FnOnce>> ({}; peer)", case(1)),
        boxed,
        None,
    );
    row(&remote_case, remote, None);
    println!("(`cargo bench --bench actor` compares against Stakker)");
    crate::summary::record(
        "actor",
        format!("call queued + run ({})", case(1)),
        "ns",
        flat,
        Some(("Box<dyn FnOnce> queue", boxed)),
    );
    crate::summary::record("actor", remote_case, "ns", remote, None);

    offload_tour(&mut rt);
    shards_tour();
}

/// Work too heavy for the actor's thread: hashed on the executor, answered as calls.
struct Indexer {
    digests: Vec<u64>,
    pings: u32,
    pings_before_first_digest: Option<u32>,
    error: Option<String>,
}

fn heavy_hash(seed: u64) -> u64 {
    (0..3_000_000u64).fold(seed, |h, k| (h ^ k).wrapping_mul(0x100_0000_01b3))
}

fn offload_tour(rt: &mut Runtime) {
    let pool = std::sync::Arc::new(spindle::executor::ThreadPool::new(2).expect("two workers"));
    let indexer = rt.spawn(|_| Indexer {
        digests: Vec::new(),
        pings: 0,
        pings_before_first_digest: None,
        error: None,
    });
    let p = pool.clone();
    indexer.call(move |_, cx| {
        for seed in 0..4 {
            cx.offload(
                &p,
                move || heavy_hash(seed),
                |this: &mut Indexer, _, digest| {
                    this.pings_before_first_digest.get_or_insert(this.pings);
                    this.digests.push(digest.expect("no panic"));
                },
            );
        }
    });
    rt.run(Instant::now());
    for _ in 0..1000 {
        indexer.call(|this, _| this.pings += 1); // answered while the hashing runs
    }
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let p = pool.clone();
    indexer.call(move |_, cx| {
        cx.offload(
            &p,
            || -> u64 { panic!("bad input (expected: the tour shows it comes back)") },
            |this: &mut Indexer, _, r| {
                this.error = r.err().map(|e| e.to_string());
            },
        );
    });
    rt.run_until(|core| {
        indexer.query(core, |i, _| i.digests.len() == 4 && i.error.is_some()) == Some(true)
    })
    .expect("the pool answers");
    std::panic::set_hook(hook);
    let (before, error) = rt
        .query(&indexer, |i, _| {
            (i.pings_before_first_digest, i.error.clone())
        })
        .expect("indexer alive");
    println!(
        "\noffload: 4 hashes ran on the executor; the actor answered {before:?} calls before the first came back"
    );
    println!(
        "offload: a panicking job came back as: {}",
        error.unwrap_or_default()
    );
}

/// Answers a ping by calling the pinger back.
struct Ponger;

struct Pinger {
    peer: spindle::actor::Remote<Ponger>,
    me: Option<spindle::actor::Remote<Pinger>>,
    left: u32,
    done: std::sync::mpsc::Sender<()>,
}

impl Pinger {
    fn ping(&mut self, cx: &mut Cx<'_, Self>) {
        let me = self.me.get_or_insert_with(|| cx.this().remote()).clone();
        self.peer
            .call(move |_: &mut Ponger, _| {
                let _ = me.call(|p, cx| p.pong(cx));
            })
            .expect("shard 1 running");
    }

    fn pong(&mut self, cx: &mut Cx<'_, Self>) {
        self.left -= 1;
        if self.left == 0 {
            let _ = self.done.send(());
        } else {
            self.ping(cx);
        }
    }
}

fn shards_tour() {
    const TRIPS: u32 = 20_000;
    let shards = spindle::actor::Shards::new(2).expect("two shards");
    let ponger = shards.spawn(1, |_| Ponger).expect("shard 1");
    let (done, finished) = std::sync::mpsc::channel();
    let pinger = shards
        .spawn(0, move |_| Pinger {
            peer: ponger,
            me: None,
            left: 0,
            done,
        })
        .expect("shard 0");
    let trips = |n: u32| {
        let t = Instant::now();
        pinger
            .call(move |p, cx| {
                p.left = n;
                p.ping(cx)
            })
            .expect("shard 0 running");
        finished.recv().expect("the pinger finishes");
        t.elapsed()
    };
    trips(1000); // warm-up
    let shard_time = trips(TRIPS);
    let reports = shards.shutdown();

    let (request, requests) = std::sync::mpsc::sync_channel::<u32>(1);
    let (reply, replies) = std::sync::mpsc::sync_channel::<u32>(1);
    let echo = std::thread::spawn(move || {
        requests
            .iter()
            .for_each(|r| reply.send(r).expect("asker waits"))
    });
    let t = Instant::now();
    for i in 0..TRIPS {
        request.send(i).expect("echo alive");
        black_box(replies.recv().expect("echo answers"));
    }
    let channel_time = t.elapsed();
    drop(request);
    echo.join().expect("echo ends");
    let us = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(TRIPS);
    let (shard_us, channel_us) = (us(shard_time), us(channel_time));
    println!(
        "shards: {TRIPS} round trips between actors on 2 shard threads; shutdown stopped {} actors",
        reports.iter().map(|r| r.actors).sum::<usize>()
    );
    crate::summary::header(
        "a round trip between two threads",
        "std sync_channel pair",
        "µs/trip",
        "trips/s",
    );
    let name = "actor ping-pong, 2 shards (alternating threads)";
    crate::summary::us_row(name, shard_us, Some(channel_us));
    crate::summary::us_row(
        "std sync_channel pair (alternating threads; peer)",
        channel_us,
        None,
    );
    crate::summary::record(
        "actor",
        "ping-pong, 2 shards (alternating threads)",
        "µs",
        shard_us,
        Some(("std channel pair", channel_us)),
    );
}
