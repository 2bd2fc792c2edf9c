use super::*;

#[test]
fn count_between_skips_lap_ends() {
    assert_eq!(count_between(0, 0), 0);
    assert_eq!(count_between(0, SEGMENT_CAP), SEGMENT_CAP);
    // The tail resting on a lap end counts like the next lap's start.
    assert_eq!(count_between(0, LAP), SEGMENT_CAP);
    assert_eq!(count_between(LAP - 2, LAP + 1), 2);
    assert_eq!(count_between(5 * LAP + 3, 5 * LAP + 3), 0);
}

#[test]
fn len_tracks_pushes_and_pops_across_segments() {
    let q = Queue::new();
    for i in 0..3 * SEGMENT_CAP + 5 {
        q.push(i).unwrap();
        assert_eq!(q.len(), i + 1);
    }
    for i in (0..3 * SEGMENT_CAP + 5).rev() {
        q.pop().unwrap();
        assert_eq!(q.len(), i);
    }
}

#[test]
fn drained_segments_are_reused() {
    let q = Queue::new();
    for round in 0..4 {
        for i in 0..2 * SEGMENT_CAP {
            q.push(round * 1000 + i).unwrap();
        }
        for i in 0..2 * SEGMENT_CAP {
            assert_eq!(q.pop(), Some(round * 1000 + i));
        }
    }
    let spares = q.spares.len();
    assert!((1..=3).contains(&spares), "{spares} spares kept");
}

#[test]
fn zero_retained_capacity_frees_every_segment() {
    let q = Queue::with_retained_capacity(0);
    for i in 0..3 * SEGMENT_CAP {
        q.push(i).unwrap();
    }
    while q.pop().is_some() {}
    assert_eq!(q.spares.len(), 0);
}
