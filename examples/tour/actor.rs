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
    let mut rt = Runtime::builder().start(t0).build();
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
    println!(
        "\n{:<44} {:>9} {:>12} {:>10}",
        "workload (this run)", "ns/call", "calls/s", "vs boxed"
    );
    let row = |name: &str, per_call: f64, vs: Option<f64>| {
        let ratio = vs.map_or_else(String::new, |b| format!("{:.2}x", per_call / b));
        println!(
            "{name:<44} {per_call:>9.1} {:>12.0} {ratio:>10}",
            1e9 / per_call
        );
    };
    let (flat, boxed) = (ns(flat, CALLS), ns(boxed, CALLS));
    row("actor call, queued + run (flat queue)", flat, Some(boxed));
    row("VecDeque<Box<dyn FnOnce>> baseline", boxed, Some(boxed));
    row(
        "Remote call from another thread",
        ns(remote_time, REMOTE_CALLS),
        None,
    );
    println!("(`cargo bench --bench actor` compares against Stakker)");
}
