//! The pool part of the tour: items with non-`Send` state pinned to threads, addressed by id,
//! every fault a typed error, and what a message costs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use spindle::pool::{IdTargeted, ItemPool, PoolError, pool_item};

/// A shopping cart whose lines are shared with a helper through `Rc<RefCell<..>>`: it never
/// leaves its thread, so no lock is needed.
#[derive(Debug)]
pub(crate) struct Cart {
    id: u64,
    lines: Rc<RefCell<HashMap<String, u32>>>,
}

impl IdTargeted for Cart {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item]
impl Cart {
    pub(crate) fn new(id: u64) -> Self {
        Cart {
            id,
            lines: Rc::default(),
        }
    }

    #[messaging(AddLineRequest, AddLineResponse)]
    pub(crate) fn add_line(&self, product: String, quantity: u32) -> u32 {
        let mut lines = self.lines.borrow_mut();
        let line = lines.entry(product).or_default();
        *line += quantity;
        *line
    }

    #[messaging(TotalItemsRequest, TotalItemsResponse)]
    pub(crate) fn total_items(&self) -> u32 {
        self.lines.borrow().values().sum()
    }

    #[messaging(CheckoutRequest, CheckoutResponse)]
    pub(crate) fn checkout(&self) -> u32 {
        assert!(!self.lines.borrow().is_empty(), "checkout of an empty cart");
        self.lines.borrow().values().sum()
    }
}

pub(crate) fn tour() {
    println!("\n== spindle::pool ==");
    let pool = ItemPool::<Cart>::new(2).expect("two pool threads");
    pool.send_and_receive((1..=4).map(CartInit))
        .expect("four new carts")
        .for_each(drop);
    let counts: Vec<u32> = pool
        .send_and_receive([
            AddLineRequest(1, "apples".into(), 3),
            AddLineRequest(2, "pears".into(), 1),
            AddLineRequest(1, "apples".into(), 2),
        ])
        .expect("carts exist")
        .map(|r| r.result)
        .collect();
    println!("cart lines after three adds (answers in request order): {counts:?}");

    // Faults are values; the threads and the other carts carry on.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcomes = pool
        .send_and_receive_each([CheckoutRequest(3), CheckoutRequest(42)])
        .expect("called from outside the pool");
    std::panic::set_hook(hook);
    for outcome in &outcomes {
        if let Err(e) = outcome {
            println!("error as a value: {e}");
        }
    }
    let duplicate = pool.send_and_receive_once(CartInit(1)).unwrap_err();
    println!("error as a value: {duplicate}");
    let total = pool
        .send_and_receive_once(TotalItemsRequest(1))
        .map(|r| r.result);
    println!("cart 1 still answers: {total:?}");
    assert!(matches!(
        outcomes[0],
        Err(PoolError::ItemPanicked { id: 3, .. })
    ));

    // What a message costs: 200k trivial requests in one call, and single round trips.
    const MESSAGES: u64 = 200_000;
    let requests = || (0..MESSAGES).map(|i| TotalItemsRequest([1, 2, 4][(i % 3) as usize])); // cart 3 is gone
    pool.send_and_receive(requests())
        .expect("warm-up")
        .for_each(drop);
    let t = Instant::now();
    let sum: u32 = pool
        .send_and_receive(black_box(requests()))
        .expect("carts exist")
        .map(|r| r.result)
        .sum();
    let batch = t.elapsed();
    black_box(sum);
    // Single round trips, in the two cases a caller meets: every request for an item on the
    // same pool thread (usually still spinning from the last one), or alternating between the
    // two threads (each may have parked since its last request and then pays the wake-up).
    let same = per_trip(|_| {
        pool.send_and_receive_once(TotalItemsRequest(1))
            .expect("cart 1 exists")
            .result
    });
    let alternating = per_trip(|i| {
        pool.send_and_receive_once(TotalItemsRequest([1, 2][i % 2]))
            .expect("carts 1 and 2 exist")
            .result
    });
    let reports = pool.shutdown();
    println!(
        "shutdown: {} threads reported, items {:?}",
        reports.len(),
        reports
            .iter()
            .map(|r| r.items().to_vec())
            .collect::<Vec<_>>()
    );
    let home = |id| reports.iter().position(|r| r.items().contains(&id));
    assert_ne!(home(1), home(2), "carts 1 and 2 live on different threads");
    let (echo_same, echo_alternating) = echo_round_trips();

    let per_message = batch.as_nanos() as f64 / MESSAGES as f64;
    let caller_and_pool = crate::machine::case(3);
    println!("\nbatch of 200k requests: {per_message:.1} ns per message ({caller_and_pool})");
    crate::summary::header(
        "a round trip to an item",
        "std sync_channel echo",
        "µs/trip",
        "trips/s",
    );
    let rows = [
        (
            "same pool thread each time",
            "one echo thread (peer)",
            same,
            echo_same,
        ),
        (
            "alternating 2 pool threads",
            "2 echo threads, alternating (peer)",
            alternating,
            echo_alternating,
        ),
    ];
    for (case, peer_case, ours, peer) in rows {
        crate::summary::us_row(&format!("send_and_receive_once, {case}"), ours, Some(peer));
        crate::summary::us_row(&format!("std sync_channel, {peer_case}"), peer, None);
    }
    println!("(`cargo bench --bench pool` compares against messaging_thread_pool)");
    crate::summary::record(
        "pool",
        format!("batch of 200k, per message ({caller_and_pool})"),
        "ns",
        per_message,
        None,
    );
    crate::summary::record(
        "pool",
        "round trip, same pool thread each time",
        "µs",
        same,
        Some(("std channel, 1 echo", echo_same)),
    );
    crate::summary::record(
        "pool",
        "round trip, alternating 2 pool threads",
        "µs",
        alternating,
        Some(("std channel, 2 echoes", echo_alternating)),
    );
}

/// The most round trips a figure is averaged over, and the time that may take: a busy machine
/// makes each trip slower, so the tour counts fewer of them rather than run much longer.
const TRIPS: usize = 20_000;
const TRIPS_BUDGET: Duration = Duration::from_millis(75);

/// Microseconds per call of `trip` (given the trip's index), after 100 untimed warm-up trips;
/// averaged over `TRIPS` trips or as many as fit in `TRIPS_BUDGET`, at least 1000.
fn per_trip<T>(mut trip: impl FnMut(usize) -> T) -> f64 {
    (0..100).for_each(|i| drop(black_box(trip(i))));
    let t = Instant::now();
    let mut done = 0;
    while done < TRIPS && (done < 1000 || t.elapsed() < TRIPS_BUDGET) {
        for i in done..done + 100 {
            black_box(trip(i));
        }
        done += 100;
    }
    micros(t.elapsed()) / done as f64
}

/// The peers: round trips through std's `sync_channel` to one echo thread, and alternating
/// between two, in microseconds each.
fn echo_round_trips() -> (f64, f64) {
    let echoes: Vec<_> = (0..2)
        .map(|_| {
            let (request, requests) = std::sync::mpsc::sync_channel::<usize>(1);
            let (reply, replies) = std::sync::mpsc::sync_channel::<usize>(1);
            let echo = std::thread::spawn(move || {
                requests
                    .iter()
                    .for_each(|r| reply.send(r).expect("asker waits"))
            });
            (request, replies, echo)
        })
        .collect();
    let ask = |echo: usize, i: usize| {
        echoes[echo].0.send(i).expect("echo alive");
        echoes[echo].1.recv().expect("echo answers")
    };
    let same = per_trip(|i| ask(0, i));
    let alternating = per_trip(|i| ask(i % 2, i));
    for (request, replies, echo) in echoes {
        drop((request, replies));
        echo.join().expect("echo ends");
    }
    (same, alternating)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
