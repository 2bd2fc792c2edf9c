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

#[pool_item(crate = "spindle::pool")]
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
    const TRIPS: u32 = 20_000;
    let t = Instant::now();
    for _ in 0..TRIPS {
        black_box(
            pool.send_and_receive_once(TotalItemsRequest(1))
                .expect("cart 1 exists"),
        );
    }
    let trip = t.elapsed() / TRIPS;
    let reports = pool.shutdown();
    println!(
        "shutdown: {} threads reported, items {:?}",
        reports.len(),
        reports
            .iter()
            .map(|r| r.items().to_vec())
            .collect::<Vec<_>>()
    );

    crate::summary::record(
        "pool",
        "batch of 200k requests, per message",
        "ns",
        batch.as_nanos() as f64 / MESSAGES as f64,
        None,
    );
    crate::summary::record(
        "pool",
        "send_and_receive_once round trip",
        "µs",
        micros(trip),
        None,
    );
    println!("\n{:<44} {:>12}", "workload (this run)", "cost");
    println!(
        "{:<44} {:>9.1} ns",
        "batch of 200k requests, per message",
        batch.as_nanos() as f64 / MESSAGES as f64
    );
    println!(
        "{:<44} {:>9.2} µs",
        "send_and_receive_once round trip",
        micros(trip)
    );
    println!("(`cargo bench --bench pool` compares against messaging_thread_pool)");
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
