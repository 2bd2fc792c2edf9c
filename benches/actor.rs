//! spindle-actor against Stakker 0.2 and a naive boxed-closure queue, in one run, same sizes.
//!
//! Workloads (criterion's throughput counts calls, timers or round trips per second):
//! - `call`: 1000 calls queued from outside onto one actor, each adding its argument to a `u64`
//!   field, then one run: Spindle `Actor::call`, Stakker `call!([a], add(i))`, and a
//!   `VecDeque<Box<dyn FnOnce>>` that boxes every call;
//! - `self_chain`: one call that queues the next, 1000 deep on one actor (Spindle
//!   `cx.this().call`, Stakker `call!([cx], ..)`, the boxed queue);
//! - `ping_pong`: the same 1000-call chain bounced between two actors;
//! - `timer`: an actor call adds 1000 timers with distinct delays (`1 + (i * 7919) % 1000` µs,
//!   a permutation of 1..=1000 µs), and each iteration does one run at a virtual clock 2 ms
//!   later than the previous one, which fires the previous iteration's 1000 timers and then
//!   adds the next 1000: ns per timer added and expired. Spindle `cx.after`, Stakker
//!   `after!(d, [cx], tick())`, and a `BinaryHeap` of boxed closures as the baseline;
//! - `remote_throughput`: a long-lived sender thread makes 10 000 `Remote::call`s per
//!   iteration while the runtime, on the bench thread, sits in `run_until(count == target)`:
//!   ns per call. Baseline: the same sender pushing boxed closures through an unbounded
//!   crossbeam channel, received and run by the bench thread on its own state. Both closures
//!   capture a `u64`, so both box for real;
//! - `remote_round_trip`: a long-lived client thread sends one call and waits for the actor's
//!   reply on a crossbeam `Sender<u64>` held in the actor's state; the client times its own
//!   round trips: µs per round trip. Baseline: a crossbeam request/reply channel pair between
//!   the same two plain threads. (Stakker has no counterpart to `Remote` here.)
//! - `shard_round_trip`: `Shards` with two shards; an actor on shard 0 calls an actor on shard
//!   1 through a `Remote`, which calls back through the caller's `Remote`: µs per round trip,
//!   against the same crossbeam request/reply pair.
//!
//! - `rounds` (printed, not a criterion group): `call`, `self_chain`, `ping_pong` and `timer`
//!   again, every contender on a fresh runtime once per round in rotating order, 15 rounds,
//!   reporting each contender's median ns per call and its median per-round ratio to Spindle
//!   (the first contender); then the two remote workloads the same way, each contender keeping
//!   its threads across rounds. The printed ratio is contender/Spindle: above 1 means Spindle
//!   is faster. On this noisy 2-core machine a contender's criterion samples all fall in one
//!   stretch of time; the per-round ratio cancels most of the swing. The rounds are skipped
//!   under `--list`, `--test` and `--profile-time`.
//!
//! Stakker runs with its default features, which allow one `Stakker` at a time per process:
//! each Stakker contender builds its runtime, and drops it before the next one is made.
//! Criterion's plots are off (rendering them took longer than the measuring); its estimates
//! are still saved under `target/criterion`.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Bencher, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_channel as channel;
use spindle::actor::{Actor, ActorOwn, Cx, Runtime};
use spindle_bench_support::{config, rounds};

#[path = "actor/shards.rs"]
mod shards;

/// Calls per `call`, `self_chain` and `ping_pong` iteration.
const CALLS: u64 = 1000;
/// Timers added (and expired) per `timer` iteration.
const TIMERS: u64 = 1000;
/// Remote calls per `remote_throughput` iteration.
const REMOTE_CALLS: u64 = 10_000;
/// Interleaved rounds.
const ROUNDS: usize = 15;
/// The virtual clock's step per `timer` iteration: past every delay.
const TIMER_STEP: Duration = Duration::from_millis(2);

/// The `timer` workload's `i`-th delay: a permutation of 1..=1000 µs (7919 is prime to 1000).
fn delay(i: u64) -> Duration {
    Duration::from_micros(1 + (i * 7919) % 1000)
}

// ---------------------------------------------------------------------------------------------
// Spindle actors.

struct Counter {
    n: u64,
}

impl Counter {
    fn add(&mut self, _: &mut Cx<'_, Self>, k: u64) {
        self.n += k;
    }
}

struct Chain {
    n: u64,
}

impl Chain {
    fn step(&mut self, cx: &mut Cx<'_, Self>, left: u64) {
        self.n += 1;
        if left > 1 {
            cx.this().call(move |this, cx| this.step(cx, left - 1));
        }
    }
}

struct Player {
    n: u64,
    peer: Option<Actor<Player>>,
}

impl Player {
    fn hit(&mut self, _: &mut Cx<'_, Self>, left: u64) {
        self.n += 1;
        if left <= 1 {
            return;
        }
        if let Some(peer) = &self.peer {
            peer.call(move |p, cx| p.hit(cx, left - 1));
        }
    }
}

struct Ticker {
    fired: u64,
}

impl Ticker {
    fn arm(&mut self, cx: &mut Cx<'_, Self>) {
        for i in 0..TIMERS {
            cx.after(delay(i), |this, cx| this.tick(cx));
        }
    }

    fn tick(&mut self, _: &mut Cx<'_, Self>) {
        self.fired += 1;
    }
}

struct Echo {
    n: u64,
    reply: channel::Sender<u64>,
}

impl Echo {
    fn ping(&mut self, _: &mut Cx<'_, Self>) {
        self.n += 1;
        self.reply.send(self.n).unwrap();
    }
}

/// A runtime on a virtual clock starting now, and that start.
fn spindle_runtime() -> (Runtime, Instant) {
    let t0 = Instant::now();
    (Runtime::builder().start(t0).build().unwrap(), t0)
}

/// A runtime as `spindle_runtime` makes it, with one actor of state `state`, started.
fn spindle_actor<T: 'static>(state: T) -> (Runtime, Instant, ActorOwn<T>) {
    let (mut rt, t0) = spindle_runtime();
    let a = rt.spawn(move |_| state);
    rt.run(t0);
    (rt, t0, a)
}

// ---------------------------------------------------------------------------------------------
// Stakker actors: the same, written the Stakker way.

mod stk {
    use std::time::Duration;

    use stakker::{CX, after, call};

    use super::{TIMERS, delay};

    /// A Stakker actor type whose fields start at the values given, with the `init` that
    /// `actor!(s, <Type>::init(), ..)` calls.
    macro_rules! actor_type {
        ($name:ident { $($field:ident: $ty:ty = $start:expr),* $(,)? }) => {
            pub(crate) struct $name {
                $(pub(crate) $field: $ty,)*
            }

            impl $name {
                pub(crate) fn init(_: CX![]) -> Option<Self> {
                    Some(Self { $($field: $start),* })
                }
            }
        };
    }

    actor_type!(Counter { n: u64 = 0 });

    impl Counter {
        pub(crate) fn add(&mut self, _: CX![], k: u64) {
            self.n += k;
        }
    }

    actor_type!(Chain { n: u64 = 0 });

    impl Chain {
        pub(crate) fn step(&mut self, cx: CX![], left: u64) {
            self.n += 1;
            if left > 1 {
                call!([cx], step(left - 1));
            }
        }
    }

    actor_type!(Player {
        n: u64 = 0,
        peer: Option<stakker::Actor<Player>> = None,
    });

    impl Player {
        pub(crate) fn set_peer(&mut self, _: CX![], peer: stakker::Actor<Player>) {
            self.peer = Some(peer);
        }

        pub(crate) fn hit(&mut self, cx: CX![], left: u64) {
            self.n += 1;
            if left <= 1 {
                return;
            }
            if let Some(peer) = &self.peer {
                call!([peer, cx], hit(left - 1));
            }
        }
    }

    actor_type!(Ticker { fired: u64 = 0 });

    impl Ticker {
        pub(crate) fn arm(&mut self, cx: CX![]) {
            for i in 0..TIMERS {
                after!(delay(i), [cx], tick());
            }
        }

        fn tick(&mut self, _: CX![]) {
            self.fired += 1;
        }
    }
}

/// A `Stakker` with its actors, torn down in order: actors first, then a run so their
/// termination happens, then the runtime (default features allow one `Stakker` at a time).
struct StakkerEnv<T> {
    actors: Option<T>,
    s: stakker::Stakker,
    t: Instant,
}

impl<T> StakkerEnv<T> {
    fn new(make: impl FnOnce(&mut stakker::Stakker) -> T) -> Self {
        let t = Instant::now();
        let mut s = stakker::Stakker::new(t);
        let actors = make(&mut s);
        s.run(t, false);
        Self {
            actors: Some(actors),
            s,
            t,
        }
    }

    fn actors(&self) -> &T {
        self.actors.as_ref().unwrap()
    }
}

impl<A: 'static> StakkerEnv<stakker::ActorOwn<A>> {
    /// `f` on the one actor's state, through `ActorOwn::query` (`None` once it stopped).
    fn query<R>(&mut self, f: impl FnOnce(&mut A, &mut stakker::Cx<'_, A>) -> R) -> Option<R> {
        let a = self.actors.as_ref().unwrap();
        a.query(&mut self.s, f)
    }
}

/// A `StakkerEnv` holding one actor of the Stakker type `$ty`, made by its `init`.
macro_rules! stakker_env {
    ($ty:ty) => {
        StakkerEnv::new(|s| stakker::actor!(s, <$ty>::init(), stakker::ret_nop!()))
    };
}

impl<T> Drop for StakkerEnv<T> {
    fn drop(&mut self) {
        drop(self.actors.take());
        self.s.run(self.t, false);
    }
}

// ---------------------------------------------------------------------------------------------
// The naive baseline: a `VecDeque` of boxed closures, one box per call.

type NaiveCall<S> = Box<dyn FnOnce(&mut Naive<S>)>;

struct Naive<S> {
    state: S,
    queue: VecDeque<NaiveCall<S>>,
}

impl<S: 'static> Naive<S> {
    fn new(state: S) -> Self {
        Self {
            state,
            queue: VecDeque::new(),
        }
    }

    fn call(&mut self, f: impl FnOnce(&mut Naive<S>) + 'static) {
        self.queue.push_back(Box::new(f));
    }

    fn run(&mut self) {
        while let Some(f) = self.queue.pop_front() {
            f(self);
        }
    }
}

fn naive_step(nv: &mut Naive<u64>, left: u64) {
    nv.state += 1;
    if left > 1 {
        nv.call(move |nv| naive_step(nv, left - 1));
    }
}

fn naive_hit(nv: &mut Naive<[u64; 2]>, who: usize, left: u64) {
    nv.state[who] += 1;
    if left > 1 {
        nv.call(move |nv| naive_hit(nv, 1 - who, left - 1));
    }
}

/// The naive timer store: a `BinaryHeap` of boxed closures ordered by (deadline, add order).
struct NaiveTimers {
    now_ns: u64,
    seq: u64,
    heap: BinaryHeap<NaiveTimer>,
    fired: u64,
}

struct NaiveTimer {
    deadline: u64,
    seq: u64,
    f: Box<dyn FnOnce(&mut NaiveTimers)>,
}

impl PartialEq for NaiveTimer {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}

impl Eq for NaiveTimer {}

impl PartialOrd for NaiveTimer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for NaiveTimer {
    /// Reversed, so the max-heap pops the earliest deadline first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.deadline, other.seq).cmp(&(self.deadline, self.seq))
    }
}

impl NaiveTimers {
    fn after(&mut self, delay: Duration, f: impl FnOnce(&mut NaiveTimers) + 'static) {
        self.seq += 1;
        self.heap.push(NaiveTimer {
            deadline: self.now_ns + delay.as_nanos() as u64,
            seq: self.seq,
            f: Box::new(f),
        });
    }

    fn run(&mut self, now_ns: u64) {
        self.now_ns = now_ns;
        while self.heap.peek().is_some_and(|t| t.deadline <= now_ns) {
            let timer = self.heap.pop().unwrap();
            (timer.f)(self);
        }
    }

    fn arm(&mut self) {
        for i in 0..TIMERS {
            self.after(delay(i), |nt| nt.fired += 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One iteration of each workload, on a runtime made fresh by these factories. Each iteration
// checks the state it should leave (one query per 1000 calls, the same for every contender).

fn spindle_call() -> impl FnMut() {
    let (mut rt, t0, a) = spindle_actor(Counter { n: 0 });
    let mut want = 0;
    move || {
        for i in 0..CALLS {
            a.call(move |this, cx| this.add(cx, i));
        }
        rt.run(t0);
        want += CALLS * (CALLS - 1) / 2;
        assert_eq!(rt.query(&a, |this, _| this.n), Some(want));
    }
}

fn stakker_call() -> impl FnMut() {
    let mut env = stakker_env!(stk::Counter);
    let mut want = 0;
    move || {
        let a = env.actors();
        for i in 0..CALLS {
            stakker::call!([a], add(i));
        }
        env.s.run(env.t, false);
        want += CALLS * (CALLS - 1) / 2;
        assert_eq!(env.query(|this, _| this.n), Some(want));
    }
}

fn naive_call() -> impl FnMut() {
    let mut nv = Naive::new(0u64);
    let mut want = 0;
    move || {
        for i in 0..CALLS {
            nv.call(move |nv| nv.state += i);
        }
        nv.run();
        want += CALLS * (CALLS - 1) / 2;
        assert_eq!(nv.state, want);
    }
}

fn spindle_chain() -> impl FnMut() {
    let (mut rt, t0, a) = spindle_actor(Chain { n: 0 });
    let mut want = 0;
    move || {
        a.call(|this, cx| this.step(cx, CALLS));
        rt.run(t0);
        want += CALLS;
        assert_eq!(rt.query(&a, |this, _| this.n), Some(want));
    }
}

fn stakker_chain() -> impl FnMut() {
    let mut env = stakker_env!(stk::Chain);
    let mut want = 0;
    move || {
        let a = env.actors();
        stakker::call!([a], step(CALLS));
        env.s.run(env.t, false);
        want += CALLS;
        assert_eq!(env.query(|this, _| this.n), Some(want));
    }
}

fn naive_chain() -> impl FnMut() {
    let mut nv = Naive::new(0u64);
    let mut want = 0;
    move || {
        nv.call(|nv| naive_step(nv, CALLS));
        nv.run();
        want += CALLS;
        assert_eq!(nv.state, want);
    }
}

fn spindle_ping_pong() -> impl FnMut() {
    let (mut rt, t0) = spindle_runtime();
    let a: ActorOwn<Player> = rt.spawn(|_| Player { n: 0, peer: None });
    let a_handle = a.actor().clone();
    let b = rt.spawn(move |_| Player {
        n: 0,
        peer: Some(a_handle),
    });
    let b_handle = b.actor().clone();
    a.call(move |this, _| this.peer = Some(b_handle));
    rt.run(t0);
    let mut want = 0;
    move || {
        a.call(|this, cx| this.hit(cx, CALLS));
        rt.run(t0);
        want += CALLS;
        let n = rt.query(&a, |p, _| p.n).unwrap() + rt.query(&b, |p, _| p.n).unwrap();
        assert_eq!(n, want);
    }
}

fn stakker_ping_pong() -> impl FnMut() {
    let mut env = StakkerEnv::new(|s| {
        let a = stakker::actor!(s, <stk::Player>::init(), stakker::ret_nop!());
        let b = stakker::actor!(s, <stk::Player>::init(), stakker::ret_nop!());
        stakker::call!([a], set_peer(b.access_actor().clone()));
        stakker::call!([b], set_peer(a.access_actor().clone()));
        (a, b)
    });
    let mut want = 0;
    move || {
        let (a, _) = env.actors();
        stakker::call!([a], hit(CALLS));
        env.s.run(env.t, false);
        want += CALLS;
        let (a, b) = env.actors.as_ref().unwrap();
        let n = a.query(&mut env.s, |p, _| p.n).unwrap() + b.query(&mut env.s, |p, _| p.n).unwrap();
        assert_eq!(n, want);
    }
}

fn naive_ping_pong() -> impl FnMut() {
    let mut nv = Naive::new([0u64; 2]);
    let mut want = 0;
    move || {
        nv.call(|nv| naive_hit(nv, 0, CALLS));
        nv.run();
        want += CALLS;
        assert_eq!(nv.state[0] + nv.state[1], want);
    }
}

fn spindle_timer() -> impl FnMut() {
    let (mut rt, t0, a) = spindle_actor(Ticker { fired: 0 });
    let mut t = t0;
    let mut armed = 0;
    move || {
        t += TIMER_STEP;
        a.call(|this, cx| this.arm(cx));
        rt.run(t);
        assert_eq!(rt.query(&a, |this, _| this.fired), Some(armed));
        armed += TIMERS;
    }
}

fn stakker_timer() -> impl FnMut() {
    let mut env = stakker_env!(stk::Ticker);
    let mut t = env.t;
    let mut armed = 0;
    move || {
        t += TIMER_STEP;
        let a = env.actors();
        stakker::call!([a], arm());
        env.s.run(t, false);
        assert_eq!(env.query(|this, _| this.fired), Some(armed));
        armed += TIMERS;
    }
}

fn naive_timer() -> impl FnMut() {
    let mut nt = NaiveTimers {
        now_ns: 0,
        seq: 0,
        heap: BinaryHeap::new(),
        fired: 0,
    };
    let mut t = 0;
    let mut armed = 0;
    move || {
        t += TIMER_STEP.as_nanos() as u64;
        nt.run(t);
        nt.arm();
        assert_eq!(nt.fired, armed);
        armed += TIMERS;
    }
}

// ---------------------------------------------------------------------------------------------
// Criterion groups.

/// Makes a contender's runtime and returns its iteration: `Box<dyn FnMut()>` for the
/// single-threaded workloads, [`Timed`] for the two-thread ones.
type Factory<R> = Box<dyn Fn() -> R>;

fn local<F: FnMut() + 'static>(make: fn() -> F) -> Factory<Box<dyn FnMut()>> {
    Box::new(move || Box::new(make()))
}

/// One workload, as a criterion group and as an interleaved-rounds table.
struct Workload<R> {
    /// The criterion group.
    group: &'static str,
    /// The rounds table's title.
    title: &'static str,
    /// What one element is, for the rounds table (`call`, `timer`, `round trip`).
    per: &'static str,
    /// Elements per iteration (criterion's throughput).
    elements: u64,
    /// Iterations per contender per round.
    reps: u64,
    /// Per contender: its criterion name, its (shorter) rounds name and its factory.
    contenders: Vec<(&'static str, &'static str, Factory<R>)>,
}

/// The single-threaded workloads, each contender on a fresh runtime.
fn local_workloads() -> [Workload<Box<dyn FnMut()>>; 4] {
    const NAIVE: &str = "naive VecDeque<Box<dyn FnOnce>>";
    [
        Workload {
            group: "call",
            title: "call: 1000 outside calls + run",
            per: "call",
            elements: CALLS,
            reps: 1000,
            contenders: vec![
                (
                    "spindle Actor::call",
                    "spindle Actor::call",
                    local(spindle_call),
                ),
                ("stakker call!", "stakker call!", local(stakker_call)),
                (NAIVE, "naive boxed queue", local(naive_call)),
            ],
        },
        Workload {
            group: "self_chain",
            title: "self_chain: 1000 chained self-calls",
            per: "call",
            elements: CALLS,
            reps: 1000,
            contenders: vec![
                (
                    "spindle cx.this().call",
                    "spindle cx.this().call",
                    local(spindle_chain),
                ),
                (
                    "stakker call!([cx], ..)",
                    "stakker call!([cx], ..)",
                    local(stakker_chain),
                ),
                (NAIVE, "naive boxed queue", local(naive_chain)),
            ],
        },
        Workload {
            group: "ping_pong",
            title: "ping_pong: 1000 calls bounced between two actors",
            per: "call",
            elements: CALLS,
            reps: 1000,
            contenders: vec![
                (
                    "spindle peer.call",
                    "spindle peer.call",
                    local(spindle_ping_pong),
                ),
                (
                    "stakker call!([peer, cx], ..)",
                    "stakker call!([peer, cx], ..)",
                    local(stakker_ping_pong),
                ),
                (NAIVE, "naive boxed queue", local(naive_ping_pong)),
            ],
        },
        Workload {
            group: "timer",
            title: "timer: 1000 timers added and expired per run",
            per: "timer",
            elements: TIMERS,
            reps: 100,
            contenders: vec![
                ("spindle cx.after", "spindle cx.after", local(spindle_timer)),
                ("stakker after!", "stakker after!", local(stakker_timer)),
                (
                    "naive BinaryHeap<Box<dyn FnOnce>>",
                    "naive BinaryHeap",
                    local(naive_timer),
                ),
            ],
        },
    ]
}

fn local_groups(c: &mut Criterion) {
    // Made just before its run and dropped right after (one `Stakker` at a time).
    criterion_groups(c, local_workloads(), |b, iteration| b.iter(iteration));
}

/// One criterion group per workload, each contender made just before its run and dropped
/// right after; `bench` runs one made contender.
fn criterion_groups<R>(
    c: &mut Criterion,
    workloads: impl IntoIterator<Item = Workload<R>>,
    bench: fn(&mut Bencher<'_>, &mut R),
) {
    for workload in workloads {
        let mut group = c.benchmark_group(workload.group);
        group.throughput(Throughput::Elements(workload.elements));
        for (label, _, make) in workload.contenders {
            let mut made = make();
            group.bench_function(label, |b| bench(b, &mut made));
        }
        group.finish();
    }
}

/// A job for the crossbeam baselines: boxed, run on the receiving thread's state.
type Job = Box<dyn FnOnce(&mut u64) + Send>;

/// A long-lived helper thread that takes orders (a count) over a channel; dropping it closes
/// the channel and joins the thread.
struct Worker {
    orders: Option<channel::Sender<u64>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Worker {
    fn spawn(work: impl Fn(u64) + Send + 'static) -> Self {
        let (orders, inbox) = channel::bounded::<u64>(1);
        let thread = thread::spawn(move || inbox.iter().for_each(&work));
        Self {
            orders: Some(orders),
            thread: Some(thread),
        }
    }

    fn order(&self, n: u64) {
        self.orders.as_ref().unwrap().send(n).unwrap();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        drop(self.orders.take());
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

// Each factory below returns `run(iters) -> time`, for `iter_custom` and for the rounds.

/// `iters` batches of `REMOTE_CALLS` calls from the sender thread; the runtime stays on the
/// calling thread, in `run_until`.
fn spindle_remote_throughput() -> impl FnMut(u64) -> Duration {
    let mut rt = Runtime::new();
    let a = rt.spawn(|_| Counter { n: 0 });
    let remote = a.remote();
    let sender = Worker::spawn(move |n| {
        for _ in 0..n {
            let k = black_box(1u64);
            remote.call(move |this, cx| this.add(cx, k)).unwrap();
        }
    });
    let mut target = 0;
    move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            target += REMOTE_CALLS;
            let want = target;
            sender.order(REMOTE_CALLS);
            rt.run_until(|core| a.query(core, |this, _| this.n) == Some(want))
                .unwrap();
        }
        start.elapsed()
    }
}

/// The same through a crossbeam channel of boxed closures, run by the calling thread.
fn crossbeam_remote_throughput() -> impl FnMut(u64) -> Duration {
    let (jobs, inbox) = channel::unbounded::<Job>();
    let sender = Worker::spawn(move |n| {
        for _ in 0..n {
            let k = black_box(1u64);
            jobs.send(Box::new(move |state: &mut u64| *state += k))
                .unwrap();
        }
    });
    let mut state = 0u64;
    move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            let want = state + REMOTE_CALLS;
            sender.order(REMOTE_CALLS);
            while state < want {
                let job = inbox.recv().unwrap();
                job(&mut state);
            }
        }
        start.elapsed()
    }
}

/// `iters` round trips from the client thread, which times them itself; the runtime stays on
/// the calling thread, in `run_until`.
fn spindle_round_trip() -> impl FnMut(u64) -> Duration {
    let (reply, replies) = channel::unbounded::<u64>();
    let mut rt = Runtime::new();
    let a = rt.spawn(move |_| Echo { n: 0, reply });
    rt.run(Instant::now());
    let remote = a.remote();
    let (report, reports) = channel::bounded::<Duration>(1);
    let client = Worker::spawn(move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            remote.call(|this, cx| this.ping(cx)).unwrap();
            black_box(replies.recv().unwrap());
        }
        report.send(start.elapsed()).unwrap();
    });
    let mut target = 0;
    move |iters| {
        target += iters;
        let want = target;
        client.order(iters);
        rt.run_until(|core| a.query(core, |this, _| this.n) == Some(want))
            .unwrap();
        reports.recv().unwrap()
    }
}

/// The same with a crossbeam request channel and reply channel between two plain threads.
fn crossbeam_round_trip() -> impl FnMut(u64) -> Duration {
    let (request, requests) = channel::unbounded::<u64>();
    let (reply, replies) = channel::unbounded::<u64>();
    let (report, reports) = channel::bounded::<Duration>(1);
    let client = Worker::spawn(move |iters| {
        let start = Instant::now();
        for i in 0..iters {
            request.send(i).unwrap();
            black_box(replies.recv().unwrap());
        }
        report.send(start.elapsed()).unwrap();
    });
    let mut n = 0u64;
    move |iters| {
        client.order(iters);
        for _ in 0..iters {
            black_box(requests.recv().unwrap());
            n += 1;
            reply.send(n).unwrap();
        }
        reports.recv().unwrap()
    }
}

/// A two-thread workload's `run(iters) -> time`, for `iter_custom` and for the rounds.
type Timed = Box<dyn FnMut(u64) -> Duration>;

fn timed<F: FnMut(u64) -> Duration + 'static>(make: fn() -> F) -> Factory<Timed> {
    Box::new(move || Box::new(make()))
}

/// The two-thread workloads; each contender keeps its threads across rounds.
fn timed_workloads() -> [Workload<Timed>; 3] {
    const CROSSBEAM: &str = "crossbeam request/reply channels";
    [
        Workload {
            group: "remote_throughput",
            title: "remote_throughput: 10 000 calls from another thread",
            per: "call",
            elements: REMOTE_CALLS,
            reps: 5,
            contenders: vec![
                (
                    "spindle Remote::call + run_until",
                    "spindle Remote::call",
                    timed(spindle_remote_throughput),
                ),
                (
                    "crossbeam unbounded Box<dyn FnOnce>",
                    "crossbeam Box<dyn FnOnce>",
                    timed(crossbeam_remote_throughput),
                ),
            ],
        },
        Workload {
            group: "remote_round_trip",
            title: "remote_round_trip: call + reply between two threads",
            per: "round trip",
            elements: 1,
            reps: 500,
            contenders: vec![
                (
                    "spindle Remote::call + reply channel",
                    "spindle Remote::call + reply",
                    timed(spindle_round_trip),
                ),
                (
                    CROSSBEAM,
                    "crossbeam request/reply",
                    timed(crossbeam_round_trip),
                ),
            ],
        },
        Workload {
            group: "shard_round_trip",
            title: "shard_round_trip: actor on shard 0 calls actor on shard 1, which calls back",
            per: "round trip",
            elements: 1,
            reps: 500,
            contenders: vec![
                (
                    "spindle Shards: actor to actor across shards",
                    "spindle Shards",
                    timed(shards::spindle_shard_round_trip),
                ),
                (
                    CROSSBEAM,
                    "crossbeam request/reply",
                    timed(crossbeam_round_trip),
                ),
            ],
        },
    ]
}

fn timed_groups(c: &mut Criterion) {
    // Made just before its run and dropped right after: one pair of threads at a time.
    criterion_groups(c, timed_workloads(), |b, run| b.iter_custom(run));
}

// ---------------------------------------------------------------------------------------------
// Interleaved rounds.

fn interleaved_rounds(_: &mut Criterion) {
    if rounds::quick_mode() {
        return;
    }
    // Each round builds a fresh runtime, runs a tenth of `reps` unmeasured, then times `reps`
    // iterations. Repetitions chosen so each timed stretch is a few milliseconds.
    for workload in local_workloads() {
        let (reps, ops) = (workload.reps, workload.reps * workload.elements);
        let contenders = workload
            .contenders
            .into_iter()
            .map(|(_, name, make)| -> rounds::Contender<'_> {
                let measure = move || {
                    let mut iteration = make();
                    (0..reps / 10 + 1).for_each(|_| iteration());
                    rounds::time_per_op(ops, || (0..reps).for_each(|_| iteration()))
                };
                (name, Box::new(measure))
            })
            .collect();
        rounds::interleaved(workload.title, workload.per, contenders, ROUNDS);
    }
    // Each contender is made once, warmed with one round's work, and kept across rounds,
    // threads and all.
    for workload in timed_workloads() {
        let (reps, ops) = (workload.reps, workload.reps * workload.elements);
        let contenders = workload
            .contenders
            .into_iter()
            .map(|(_, name, make)| -> rounds::Contender<'_> {
                let mut run = make();
                run(reps);
                (name, Box::new(move || rounds::ns_per_op(run(reps), ops)))
            })
            .collect();
        rounds::interleaved(workload.title, workload.per, contenders, ROUNDS);
    }
}

criterion_group! {
    name = benches;
    config = config::short(Duration::from_millis(300), Duration::from_secs(1), 20, false);
    targets = local_groups, timed_groups, interleaved_rounds
}
criterion_main!(benches);
