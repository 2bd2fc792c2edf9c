//! Loom models of `Queue`: every interleaving of the real code, with two-slot segments.
//!
//! Run with `cargo xtask loom` (sets `--cfg spindle_loom` and bounds preemptions).

#![cfg(spindle_loom)]

use std::sync::atomic::{AtomicUsize, Ordering};

use loom::sync::Arc;
use loom::thread;
use spindle_queue::{Closed, Queue};

/// Values a segment holds under loom: pushing more than this crosses a segment boundary.
const SEG: usize = Queue::<u8>::SEGMENT_CAPACITY;

fn drain(q: &Queue<usize>) -> Vec<usize> {
    std::iter::from_fn(|| q.pop()).collect()
}

#[test]
fn concurrent_pushes_cross_a_segment_boundary() {
    assert_eq!(SEG, 2, "models assume two-slot segments");
    loom::model(|| {
        let q = Arc::new(Queue::new());
        let q1 = Arc::clone(&q);
        // Two producers, three values in all: someone installs the second segment while the
        // other may be mid-claim; the first push races the lazy first-segment install too.
        let t = thread::spawn(move || {
            q1.push(10).unwrap();
            q1.push(11).unwrap();
        });
        q.push(20).unwrap();
        t.join().unwrap();
        let got = drain(&q);
        assert_eq!(got.len(), 3);
        let ours: Vec<_> = got.iter().filter(|&&v| v >= 10 && v < 20).collect();
        assert_eq!(ours, [&10, &11], "per-producer order");
        assert!(got.contains(&20));
    });
}

#[test]
fn push_and_pop_race_across_segments() {
    loom::model(|| {
        let q = Arc::new(Queue::new());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for i in 0..3 {
                    q.push(i).unwrap();
                }
            })
        };
        // The consumer pops without waiting: each pop may find the queue empty.
        let mut got: Vec<usize> = (0..3).filter_map(|_| q.pop()).collect();
        producer.join().unwrap();
        got.extend(drain(&q));
        assert_eq!(got, [0, 1, 2]);
    });
}

#[test]
fn retired_segment_is_recycled_while_a_producer_installs() {
    loom::model(|| {
        let q = Arc::new(Queue::new());
        // Fill the first segment; claiming its last slot installs a (fresh) second segment.
        q.push(0).unwrap();
        q.push(1).unwrap();
        let consumer = {
            let q = Arc::clone(&q);
            // Draining the first segment retires it into the spares...
            thread::spawn(move || [q.pop(), q.pop()])
        };
        // ...while this producer fills the second and installs a third, from the spares if
        // the retirement got there first, freshly allocated if not.
        for v in 2..5 {
            q.push(v).unwrap();
        }
        assert_eq!(consumer.join().unwrap(), [Some(0), Some(1)]);
        assert_eq!(drain(&q), [2, 3, 4]);
    });
}

#[test]
fn two_consumers_share_a_segment_and_hand_off_retirement() {
    loom::model(|| {
        let q = Arc::new(Queue::new());
        for v in 0..3 {
            q.push(v).unwrap();
        }
        // Either consumer may read the first segment's last slot and start retirement while
        // the other still reads its slot (the DESTROY hand-off).
        let other = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.pop())
        };
        let mine = q.pop();
        let theirs = other.join().unwrap();
        let mut got = vec![mine.unwrap(), theirs.unwrap()];
        got.extend(drain(&q));
        got.sort();
        assert_eq!(got, [0, 1, 2]);
        // The recycled segment is reusable.
        for v in 3..6 {
            q.push(v).unwrap();
        }
        assert_eq!(drain(&q), [3, 4, 5]);
    });
}

#[test]
fn last_value_goes_to_exactly_one_of_two_racing_consumers() {
    loom::model(|| {
        let q = Arc::new(Queue::new());
        q.push(7).unwrap();
        let other = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.pop())
        };
        let mine = q.pop();
        let theirs = other.join().unwrap();
        assert_eq!(mine.xor(theirs), Some(7));
        assert!(q.is_empty());
    });
}

#[derive(Debug)]
struct Counted(std::sync::Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn dropping_with_values_left_drops_each_once() {
    loom::model(|| {
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let q = Arc::new(Queue::new());
        let producer = {
            let (q, drops) = (Arc::clone(&q), std::sync::Arc::clone(&drops));
            thread::spawn(move || {
                for _ in 0..3 {
                    q.push(Counted(std::sync::Arc::clone(&drops))).unwrap();
                }
            })
        };
        let popped = q.pop();
        producer.join().unwrap();
        drop(popped);
        drop(q);
        assert_eq!(drops.load(Ordering::Relaxed), 3);
    });
}

#[test]
fn close_races_a_push() {
    loom::model(|| {
        let q = Arc::new(Queue::new());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.push(1))
        };
        q.close();
        let popped = q.pop_blocking();
        match producer.join().unwrap() {
            // In before the close: a pop after the close must still get it, never `Closed`.
            Ok(()) => {
                assert_eq!(popped, Ok(1));
                assert_eq!(q.pop_blocking(), Err(Closed(())));
            }
            Err(Closed(v)) => {
                assert_eq!(v, 1);
                assert_eq!(popped, Err(Closed(())));
            }
        }
    });
}

#[test]
fn blocked_pop_is_woken_by_a_push_across_a_segment_end() {
    loom::model(|| {
        let q = Arc::new(Queue::new());
        // Fill the first (two-slot) segment's first slot, so the next push installs a segment.
        q.push(0).unwrap();
        assert_eq!(q.pop(), Some(0));
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.pop_blocking())
        };
        q.push(5).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(5));
    });
}
