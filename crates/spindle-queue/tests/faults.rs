//! Fault injection where the queues run user code: an `Extend`/`FromIterator` iterator that
//! panics, a value whose `Drop` panics while the queue drops it, and an `EventCount` condition
//! that panics at each point of a wait. Each time: the panic reaches the caller, the queue (or
//! event count) keeps working, and every value is dropped exactly once.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use spindle_queue::{BoundedQueue, EventCount, Queue};
use spindle_test_support::{LIMIT, Token, Tokens, message, within};

/// `n` tokens, then a panic: an iterator that fails partway.
fn failing_after(tokens: &Tokens, n: usize) -> impl Iterator<Item = Token> + use<> {
    let batch: Vec<Token> = (0..n + 5).map(|_| tokens.token()).collect();
    batch.into_iter().enumerate().map(move |(i, token)| {
        assert!(i < n, "the iterator failed at item {i}");
        token
    })
}

#[test]
fn an_extend_iterator_that_panics_leaves_what_it_pushed_and_the_queue_usable() {
    let tokens = Tokens::new();
    // Enough to cross a segment boundary before the panic.
    let n = Queue::<Token>::SEGMENT_CAPACITY + 3;
    let mut q = Queue::new();
    q.push(tokens.token()).unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| q.extend(failing_after(&tokens, n))));
    assert_eq!(
        message(&*err.unwrap_err()),
        Some(format!("the iterator failed at item {n}").as_str())
    );
    assert_eq!(q.len(), 1 + n, "the values pushed before the panic are in");
    assert_eq!(tokens.live(), 1 + n, "the iterator dropped the rest");
    // Still a working queue, in order.
    q.push(tokens.token()).unwrap();
    let ids: Vec<usize> = std::iter::from_fn(|| q.pop()).map(|t| t.id()).collect();
    assert_eq!(ids.len(), n + 2);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "FIFO kept");
    tokens.assert_each_dropped_once();
}

#[test]
fn a_from_iterator_that_panics_drops_the_half_built_queue_once() {
    let tokens = Tokens::new();
    let n = 2 * Queue::<Token>::SEGMENT_CAPACITY + 1;
    let err = catch_unwind(AssertUnwindSafe(|| {
        failing_after(&tokens, n).collect::<Queue<Token>>()
    }));
    assert!(err.is_err());
    tokens.assert_each_dropped_once();
}

/// A value whose `Drop` panics once, the first time.
struct Bomb(#[allow(dead_code)] Token);

impl Drop for Bomb {
    fn drop(&mut self) {
        if !thread::panicking() {
            panic!("a value's drop panicked");
        }
    }
}

/// What a queue holds in the drop tests: plain tokens, and one bomb among them.
enum Held {
    Plain(#[allow(dead_code)] Token),
    Bomb(#[allow(dead_code)] Bomb),
}

/// Dropping a queue whose values include one that panics in `Drop`: the panic reaches the
/// dropper; the values after it should still be dropped, once, as std's collections do
/// (`Vec`, `VecDeque`: a panicking element drop does not stop the others').
#[test]
fn a_value_that_panics_in_drop_does_not_leak_the_rest_of_the_queue() {
    let tokens = Tokens::new();
    let n = 3 * Queue::<Held>::SEGMENT_CAPACITY;
    let q = Queue::new();
    let b = BoundedQueue::new(n).unwrap();
    for i in 0..n {
        let held = |t| {
            if i == 2 {
                Held::Bomb(Bomb(t))
            } else {
                Held::Plain(t)
            }
        };
        q.push(held(tokens.token())).unwrap();
        b.push(held(tokens.token())).unwrap();
    }
    let err = catch_unwind(AssertUnwindSafe(move || drop(q)));
    assert_eq!(message(&*err.unwrap_err()), Some("a value's drop panicked"));
    let err = catch_unwind(AssertUnwindSafe(move || drop(b)));
    assert_eq!(message(&*err.unwrap_err()), Some("a value's drop panicked"));
    tokens.assert_each_dropped_once();
}

/// The same value popped and dropped by the caller is the caller's business: the queue is
/// untouched and keeps serving.
#[test]
fn a_popped_value_that_panics_in_drop_leaves_the_queue_intact() {
    let tokens = Tokens::new();
    let q = BoundedQueue::new(4).unwrap();
    q.push(Held::Bomb(Bomb(tokens.token()))).unwrap();
    q.push(Held::Plain(tokens.token())).unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| drop(q.pop())));
    assert!(err.is_err());
    assert_eq!(q.len(), 1);
    q.push(Held::Plain(tokens.token())).unwrap();
    drop(q);
    tokens.assert_each_dropped_once();
}

// ---------------------------------------------------------------------------------------------
// `EventCount`: the condition is user code, called while spinning, right after the waiter has
// linked itself into the wait list, and after each wake-up.

#[test]
fn a_condition_that_panics_while_spinning_leaves_no_waiter_behind() {
    let event = EventCount::with_spin_limit(8);
    let calls = AtomicUsize::new(0);
    let err = catch_unwind(AssertUnwindSafe(|| {
        event.wait_until(|| -> Option<()> {
            assert!(calls.fetch_add(1, Ordering::SeqCst) < 3, "condition failed");
            None
        })
    }));
    assert_eq!(message(&*err.unwrap_err()), Some("condition failed"));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "it panicked in the spin phase"
    );
    assert_eq!(event.waiters(), 0);
    event.notify_all();
    assert_eq!(event.wait_until(|| Some(5)), 5);
}

#[test]
fn a_condition_that_panics_after_the_waiter_linked_itself_unlinks_it() {
    within(LIMIT, || {
        // Spin limit 0: the first check is before linking, the second after.
        let event = EventCount::with_spin_limit(0);
        for deadline in [None, Some(Duration::from_secs(60))] {
            let calls = AtomicUsize::new(0);
            let condition = || -> Option<()> {
                let call = calls.fetch_add(1, Ordering::SeqCst);
                assert!(call == 0, "condition failed on check {call}");
                None
            };
            let err = catch_unwind(AssertUnwindSafe(|| match deadline {
                None => event.wait_until(condition),
                Some(d) => event
                    .wait_until_deadline(std::time::Instant::now() + d, condition)
                    .unwrap(),
            }));
            assert_eq!(
                message(&*err.unwrap_err()),
                Some("condition failed on check 1")
            );
            // The node lived on the unwound stack frame: it must be out of the list, or this
            // notification would touch it.
            assert_eq!(event.waiters(), 0);
            event.notify_one();
            event.notify_all();
        }
    });
}

/// A waiter notified between linking itself and its check, whose check then panics, must pass
/// the notification on (invariant E3): here to a second waiter, parked behind it, whose
/// condition that notification made true.
#[test]
fn a_notification_caught_by_a_waiter_whose_check_panics_is_passed_on() {
    within(LIMIT, || {
        for _ in 0..spindle_test_support::scaled(20) {
            let shared = Arc::new((EventCount::with_spin_limit(0), AtomicBool::new(false)));
            let both_started = Arc::new(Barrier::new(2));
            let first = {
                let (shared, both_started) = (Arc::clone(&shared), Arc::clone(&both_started));
                thread::spawn(move || {
                    let (event, flag) = &*shared;
                    let calls = AtomicUsize::new(0);
                    both_started.wait();
                    catch_unwind(AssertUnwindSafe(|| {
                        event.wait_until(|| -> Option<()> {
                            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                                return None; // before linking
                            }
                            // Linked: wait for the second waiter to link itself behind us,
                            // then make its condition true and notify (which picks us, the
                            // oldest), then fail.
                            while event.waiters() < 2 {
                                thread::yield_now();
                            }
                            flag.store(true, Ordering::SeqCst);
                            event.notify_one();
                            panic!("the notified waiter's check failed");
                        })
                    }))
                    .is_err()
                })
            };
            let second = {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    let (event, flag) = &*shared;
                    both_started.wait();
                    // Link only after the first waiter did.
                    while event.waiters() < 1 {
                        thread::yield_now();
                    }
                    event.wait_until(|| flag.load(Ordering::SeqCst).then_some(()));
                })
            };
            assert!(first.join().unwrap(), "the first waiter panicked");
            second.join().unwrap(); // woken by the forwarded notification
            assert_eq!(shared.0.waiters(), 0);
        }
    });
}
