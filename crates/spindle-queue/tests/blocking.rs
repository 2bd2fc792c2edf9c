//! Blocking operations: no lost wake-ups, close while blocked, timeouts, drop while blocked.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{DropCounter, assert_blocking_delivery};
use spindle_queue::{BoundedQueue, Closed, PopTimeoutError, PushTimeoutError, Queue};
use spindle_test_support::{scaled, within};

const LIMIT: Duration = Duration::from_secs(60);

/// Waits until `q` has `n` parked (or parking) waiters of the given side.
fn until(mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < LIMIT, "condition never held");
        thread::sleep(Duration::from_millis(1));
    }
}

/// Runs a timed operation with a 30 ms timeout: it must return `expected`, and not before
/// the timeout has passed.
fn assert_times_out<R: PartialEq + std::fmt::Debug>(op: impl FnOnce(Duration) -> R, expected: R) {
    let timeout = Duration::from_millis(30);
    let start = Instant::now();
    assert_eq!(op(timeout), expected);
    assert!(start.elapsed() >= timeout, "returned before its timeout");
}

#[test]
fn bounded_four_by_four_on_a_tiny_ring_loses_no_wake_up() {
    // Capacity 4 with 8 threads on 2 cores: producers and consumers both park, often.
    within(LIMIT, || {
        let shape = (4, 4, scaled(50_000) as u64);
        assert_blocking_delivery(BoundedQueue::new(4).unwrap(), shape);
    });
}

#[test]
fn bounded_close_wakes_blocked_poppers_and_pushers() {
    within(LIMIT, || {
        let empty = Arc::new(BoundedQueue::<u32>::new(2).unwrap());
        let poppers: Vec<_> = (0..3)
            .map(|_| {
                let q = Arc::clone(&empty);
                thread::spawn(move || q.pop_blocking())
            })
            .collect();
        let full = Arc::new(BoundedQueue::new(1).unwrap());
        full.push(0).unwrap();
        let pushers: Vec<_> = (1..4)
            .map(|v| {
                let q = Arc::clone(&full);
                thread::spawn(move || q.push_blocking(v))
            })
            .collect();
        thread::sleep(Duration::from_millis(20)); // let them park
        assert!(empty.close());
        assert!(full.close());
        for h in poppers {
            assert_eq!(h.join().unwrap(), Err(Closed(())));
        }
        let mut handed_back: Vec<u32> = pushers
            .into_iter()
            .map(|h| h.join().unwrap().unwrap_err().into_inner())
            .collect();
        handed_back.sort();
        assert_eq!(handed_back, [1, 2, 3]);
        // What was in before the close is still delivered.
        assert_eq!(full.pop_blocking(), Ok(0));
        assert_eq!(full.pop_blocking(), Err(Closed(())));
    });
}

#[test]
fn bounded_timeouts_expire_and_hand_values_back() {
    let q = BoundedQueue::new(1).unwrap();
    assert_times_out(
        |timeout| q.pop_timeout(timeout),
        Err(PopTimeoutError::Timeout),
    );
    q.push(1).unwrap();
    assert_times_out(
        |timeout| q.push_timeout(2, timeout),
        Err(PushTimeoutError::Timeout(2)),
    );
    assert_eq!(q.pop_timeout(Duration::from_millis(30)), Ok(1));
    q.close();
    assert_eq!(
        q.push_timeout(3, Duration::from_secs(60)),
        Err(PushTimeoutError::Closed(3))
    );
    assert_eq!(
        q.pop_timeout(Duration::from_secs(60)),
        Err(PopTimeoutError::Closed)
    );
}

#[test]
fn bounded_timed_pop_is_woken_by_a_push() {
    within(LIMIT, || {
        let q = Arc::new(BoundedQueue::new(1).unwrap());
        let popper = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.pop_timeout(Duration::from_secs(60)))
        };
        thread::sleep(Duration::from_millis(20));
        q.push(7).unwrap();
        assert_eq!(popper.join().unwrap(), Ok(7));
    });
}

#[test]
fn bounded_dropped_while_a_pusher_is_blocked_loses_nothing() {
    within(LIMIT, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let q = Arc::new(BoundedQueue::new(2).unwrap());
        for _ in 0..2 {
            q.push(DropCounter(Arc::clone(&drops))).unwrap();
        }
        let pusher = {
            let (q, drops) = (Arc::clone(&q), Arc::clone(&drops));
            thread::spawn(move || {
                let back = q
                    .push_blocking(DropCounter(drops))
                    .unwrap_err()
                    .into_inner();
                // The blocked thread now holds the last handle.
                drop(q);
                back
            })
        };
        until(|| Arc::strong_count(&q) == 2 && q.is_full());
        thread::sleep(Duration::from_millis(20));
        q.close();
        drop(q);
        let back = pusher.join().unwrap();
        // The two queued values went with the queue; the refused one came back.
        assert_eq!(drops.load(Ordering::Relaxed), 2);
        drop(back);
        assert_eq!(drops.load(Ordering::Relaxed), 3);
    });
}

#[test]
fn unbounded_four_by_four_loses_no_wake_up() {
    within(LIMIT, || {
        assert_blocking_delivery(Queue::new(), (4, 4, scaled(50_000) as u64))
    });
}

#[test]
fn unbounded_close_wakes_blocked_poppers_and_refuses_pushes() {
    within(LIMIT, || {
        let q = Arc::new(Queue::<u32>::new());
        let poppers: Vec<_> = (0..3)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.pop_blocking())
            })
            .collect();
        thread::sleep(Duration::from_millis(20));
        assert!(q.close());
        for h in poppers {
            assert_eq!(h.join().unwrap(), Err(Closed(())));
        }
        assert_eq!(q.push(9), Err(Closed(9)));
        assert!(q.is_empty());
    });
}

#[test]
fn unbounded_close_in_the_middle_of_a_segment_switch_keeps_every_value() {
    // Values pushed before the close across several segments are all still popped.
    let q = Queue::new();
    let n = 3 * Queue::<u32>::SEGMENT_CAPACITY as u32 + 2;
    for i in 0..n {
        q.push(i).unwrap();
    }
    q.close();
    assert_eq!(q.push(n), Err(Closed(n)));
    let got: Vec<u32> = std::iter::from_fn(|| q.pop_blocking().ok()).collect();
    assert_eq!(got, (0..n).collect::<Vec<_>>());
}

#[test]
fn unbounded_timeouts_expire() {
    let q = Queue::<u8>::new();
    assert_times_out(
        |timeout| q.pop_timeout(timeout),
        Err(PopTimeoutError::Timeout),
    );
    q.push(4).unwrap();
    assert_eq!(q.pop_timeout(Duration::from_secs(60)), Ok(4));
    q.close();
    assert_eq!(
        q.pop_timeout(Duration::from_secs(60)),
        Err(PopTimeoutError::Closed)
    );
}

#[test]
fn unbounded_dropped_while_a_popper_is_blocked_drops_values_once() {
    within(LIMIT, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let q = Arc::new(Queue::new());
        let popper = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let first = q.pop_blocking();
                // Hold on until the owner has let go; then ours is the last handle.
                until(|| Arc::strong_count(&q) == 1);
                (first.is_ok(), q)
            })
        };
        thread::sleep(Duration::from_millis(20));
        for _ in 0..3 {
            q.push(DropCounter(Arc::clone(&drops))).unwrap();
        }
        drop(q);
        let (got_one, q) = popper.join().unwrap();
        assert!(got_one);
        // The popped value was dropped by the popper; two remain until the queue goes.
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        drop(q);
        assert_eq!(drops.load(Ordering::Relaxed), 3);
    });
}
