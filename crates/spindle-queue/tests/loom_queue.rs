//! Loom models of `Queue`: every interleaving of the real code, with two-slot segments.
//!
//! Run with `cargo xtask loom` (sets `--cfg spindle_loom` and bounds preemptions).

#![cfg(spindle_loom)]

mod common;

use common::model::{self, spawn_on};
use loom::sync::Arc;
use spindle_queue::Queue;

/// Values a segment holds under loom: pushing more than this crosses a segment boundary.
const SEG: usize = Queue::<u8>::SEGMENT_CAPACITY;

fn drain(q: &Queue<usize>) -> Vec<usize> {
    std::iter::from_fn(|| q.pop()).collect()
}

/// A shared queue holding `values` already.
fn queue_with(values: impl IntoIterator<Item = usize>) -> Arc<Queue<usize>> {
    let q = Queue::new();
    values.into_iter().for_each(|v| q.push(v).unwrap());
    Arc::new(q)
}

#[test]
fn concurrent_pushes_cross_a_segment_boundary() {
    assert_eq!(SEG, 2, "models assume two-slot segments");
    loom::model(|| {
        let q = queue_with([]);
        // Two producers, three values in all: someone installs the second segment while the
        // other may be mid-claim; the first push races the lazy first-segment install too.
        let t = spawn_on(&q, |q| {
            q.push(10).unwrap();
            q.push(11).unwrap();
        });
        q.push(20).unwrap();
        t.join().unwrap();
        let got = drain(&q);
        assert_eq!(got.len(), 3);
        let ours: Vec<_> = got.iter().filter(|&v| (10..20).contains(v)).collect();
        assert_eq!(ours, [&10, &11], "per-producer order");
        assert!(got.contains(&20));
    });
}

#[test]
fn push_and_pop_race_across_segments() {
    loom::model(|| {
        let q = queue_with([]);
        let producer = spawn_on(&q, |q| (0..3).for_each(|i| q.push(i).unwrap()));
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
        // Fill the first segment; claiming its last slot installs a (fresh) second segment.
        let q = queue_with([0, 1]);
        // Draining the first segment retires it into the spares...
        let consumer = spawn_on(&q, |q| [q.pop(), q.pop()]);
        // ...while this producer fills the second and installs a third, from the spares if
        // the retirement got there first, freshly allocated if not.
        (2..5).for_each(|v| q.push(v).unwrap());
        assert_eq!(consumer.join().unwrap(), [Some(0), Some(1)]);
        assert_eq!(drain(&q), [2, 3, 4]);
    });
}

#[test]
fn two_consumers_share_a_segment_and_hand_off_retirement() {
    loom::model(|| {
        let q = queue_with(0..3);
        // Either consumer may read the first segment's last slot and start retirement while
        // the other still reads its slot (the DESTROY hand-off).
        let other = spawn_on(&q, |q| q.pop());
        let mine = q.pop();
        let theirs = other.join().unwrap();
        let mut got = vec![mine.unwrap(), theirs.unwrap()];
        got.extend(drain(&q));
        got.sort();
        assert_eq!(got, [0, 1, 2]);
        // The recycled segment is reusable.
        (3..6).for_each(|v| q.push(v).unwrap());
        assert_eq!(drain(&q), [3, 4, 5]);
    });
}

#[test]
fn last_value_goes_to_exactly_one_of_two_racing_consumers() {
    loom::model(|| {
        let q = queue_with([7]);
        let other = spawn_on(&q, |q| q.pop());
        let mine = q.pop();
        let theirs = other.join().unwrap();
        assert_eq!(mine.xor(theirs), Some(7));
        assert!(q.is_empty());
    });
}

#[test]
fn dropping_with_values_left_drops_each_once() {
    loom::model(|| model::dropping_with_values_left_drops_each_once(Queue::new(), 3));
}

#[test]
fn close_races_a_push() {
    loom::model(|| model::close_races_a_push(Queue::new()));
}

#[test]
fn blocked_pop_is_woken_by_a_push_across_a_segment_end() {
    loom::model(|| {
        // Fill the first (two-slot) segment's first slot, so the next push installs a segment.
        let q = queue_with([0]);
        assert_eq!(q.pop(), Some(0));
        let consumer = spawn_on(&q, |q| q.pop_blocking());
        q.push(5).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(5));
    });
}
