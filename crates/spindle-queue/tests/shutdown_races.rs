//! `close` racing producers and consumers, counted: every value pushed is popped exactly once
//! or handed back to its producer (or, for `force_push`, evicted back to it), no value gets in
//! after a producer saw the queue closed, consumers blocked in `pop_blocking` all finish, and
//! every value is dropped exactly once.
//!
//! `blocking.rs` covers a close waking blocked poppers and pushers; these race the close
//! against streams of pushes of every kind.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use spindle_queue::{BoundedQueue, Closed, PushError, PushTimeoutError, Queue};
use spindle_test_support::{LIMIT, Token, Tokens, race_delay, race_rounds, scaled, within};

const PRODUCERS: usize = 2;
const CONSUMERS: usize = 2;

/// The operations under test, over either queue.
trait Closable: Send + Sync + 'static {
    /// Pushes `value` the way this variant does; `Err` hands it back (closed), `Ok(Some)`
    /// hands back an evicted value.
    fn push(&self, value: (u64, Token)) -> Result<Option<(u64, Token)>, (u64, Token)>;
    fn pop_blocking(&self) -> Option<(u64, Token)>;
    fn close(&self) -> bool;
}

impl Closable for Queue<(u64, Token)> {
    fn push(&self, value: (u64, Token)) -> Result<Option<(u64, Token)>, (u64, Token)> {
        Queue::push(self, value)
            .map(|()| None)
            .map_err(Closed::into_inner)
    }
    fn pop_blocking(&self) -> Option<(u64, Token)> {
        Queue::pop_blocking(self).ok()
    }
    fn close(&self) -> bool {
        Queue::close(self)
    }
}

/// A bounded queue pushed with `push` (retrying while full), `push_blocking`, `push_timeout`
/// or `force_push`.
struct Bounded {
    queue: BoundedQueue<(u64, Token)>,
    how: usize,
}

impl Closable for Bounded {
    fn push(&self, value: (u64, Token)) -> Result<Option<(u64, Token)>, (u64, Token)> {
        let q = &self.queue;
        match self.how {
            0 => {
                let mut value = value;
                loop {
                    match q.push(value) {
                        Ok(()) => return Ok(None),
                        Err(PushError::Full(back)) => {
                            value = back;
                            thread::yield_now();
                        }
                        // Closed (the error is `#[non_exhaustive]`).
                        Err(refused) => return Err(refused.into_inner()),
                    }
                }
            }
            1 => q
                .push_blocking(value)
                .map(|()| None)
                .map_err(Closed::into_inner),
            2 => match q.push_timeout(value, LIMIT) {
                Ok(()) => Ok(None),
                Err(PushTimeoutError::Timeout(_)) => panic!("a consumer stopped popping"),
                Err(refused) => Err(refused.into_inner()),
            },
            _ => q.force_push(value).map_err(Closed::into_inner),
        }
    }
    fn pop_blocking(&self) -> Option<(u64, Token)> {
        self.queue.pop_blocking().ok()
    }
    fn close(&self) -> bool {
        self.queue.close()
    }
}

/// What each producer saw: values handed back (refused or evicted), and whether a refused push
/// was ever followed by an accepted one.
struct Produced {
    handed_back: Vec<u64>,
    accepted_after_refusal: bool,
}

/// Races `PRODUCERS` producers of `per_producer` values and `CONSUMERS` blocking consumers
/// against a close after `delay`; checks every value is accounted for exactly once.
fn race<Q: Closable>(queue: Q, per_producer: usize, delay: Duration) -> (usize, usize) {
    let tokens = Tokens::new();
    let queue = Arc::new(queue);
    let start = Arc::new(Barrier::new(PRODUCERS + CONSUMERS + 1));
    let producers: Vec<_> = (0..PRODUCERS as u64)
        .map(|p| {
            let (queue, start, tokens) = (Arc::clone(&queue), Arc::clone(&start), tokens.clone());
            thread::spawn(move || {
                start.wait();
                let mut out = Produced {
                    handed_back: Vec::new(),
                    accepted_after_refusal: false,
                };
                let mut refused = false;
                for i in 0..per_producer as u64 {
                    match queue.push((p * per_producer as u64 + i, tokens.token())) {
                        Ok(evicted) => {
                            out.accepted_after_refusal |= refused;
                            out.handed_back.extend(evicted.map(|(v, _)| v));
                        }
                        Err((v, _)) => {
                            refused = true;
                            out.handed_back.push(v);
                        }
                    }
                }
                out
            })
        })
        .collect();
    let popped = Arc::new(AtomicUsize::new(0));
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let (queue, start, popped) =
                (Arc::clone(&queue), Arc::clone(&start), Arc::clone(&popped));
            thread::spawn(move || {
                start.wait();
                let mut got = Vec::new();
                // Ends only when the queue is closed and drained.
                while let Some((v, _token)) = queue.pop_blocking() {
                    got.push(v);
                    popped.fetch_add(1, Ordering::Relaxed);
                }
                got
            })
        })
        .collect();
    start.wait();
    thread::sleep(delay);
    assert!(queue.close(), "the first close reports closing");
    assert!(
        !queue.close(),
        "a second close reports it was closed already"
    );
    let mut seen: Vec<u64> = Vec::new();
    let mut handed_back = 0;
    for p in producers {
        let out = p.join().unwrap();
        assert!(
            !out.accepted_after_refusal,
            "a push got in after the queue refused one"
        );
        handed_back += out.handed_back.len();
        seen.extend(out.handed_back);
    }
    let mut popped_values = 0;
    for c in consumers {
        let got = c.join().unwrap();
        popped_values += got.len();
        seen.extend(got);
    }
    let total = (PRODUCERS * per_producer) as u64;
    seen.sort_unstable();
    assert_eq!(seen.len() as u64, total, "values lost or duplicated");
    assert!(
        seen.iter().copied().eq(0..total),
        "values lost or duplicated"
    );
    drop(queue);
    tokens.assert_each_dropped_once();
    (popped_values, handed_back)
}

/// How much later each round closes than the one before.
const STEP: Duration = Duration::from_micros(300);

#[test]
fn unbounded_producers_racing_close_lose_nothing() {
    within(LIMIT, || {
        let mut raced = 0;
        for round in 0..race_rounds() {
            let (popped, back) = race(Queue::new(), scaled(50_000), race_delay(round, STEP));
            raced += usize::from(popped > 0 && back > 0);
        }
        assert!(raced > 0 || cfg!(miri), "no round closed mid-stream");
    });
}

#[test]
fn bounded_producers_racing_close_lose_nothing_whatever_the_push() {
    within(LIMIT, || {
        for how in 0..4 {
            let mut raced = 0;
            for round in 0..race_rounds() {
                let queue = Bounded {
                    queue: BoundedQueue::new(16).unwrap(),
                    how,
                };
                let (popped, back) = race(queue, scaled(20_000), race_delay(round, STEP));
                raced += usize::from(popped > 0 && back > 0);
            }
            assert!(
                raced > 0 || cfg!(miri),
                "push kind {how}: no round closed mid-stream"
            );
        }
    });
}

/// Closing while nobody pops: whatever got in stays in and is dropped with the queue, once.
#[test]
fn values_left_in_a_closed_queue_are_dropped_once_with_it() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let unbounded = Arc::new(Queue::new());
        let bounded = Arc::new(BoundedQueue::new(64).unwrap());
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|_| {
                let (u, b, tokens) = (Arc::clone(&unbounded), Arc::clone(&bounded), tokens.clone());
                thread::spawn(move || {
                    for _ in 0..scaled(10_000) {
                        let _ = u.push(tokens.token());
                        let _ = b.force_push(tokens.token());
                    }
                })
            })
            .collect();
        thread::sleep(Duration::from_micros(if cfg!(miri) { 0 } else { 500 }));
        unbounded.close();
        bounded.close();
        producers.into_iter().for_each(|p| p.join().unwrap());
        drop((unbounded, bounded));
        tokens.assert_each_dropped_once();
    });
}
