//! `Share`: state shared between actors, borrowed through the runtime.

use std::time::Instant;

use spindle_actor::{Runtime, Share};

#[test]
fn actors_update_one_shared_value_in_call_order() {
    let mut rt = Runtime::new();
    let journal = Share::new(&rt, Vec::new());
    let writers: Vec<_> = (0..3)
        .map(|id| {
            let j = journal.clone();
            rt.spawn(move |_| (id, j))
        })
        .collect();
    for round in 0..2 {
        for w in &writers {
            w.call(move |(id, j), cx| j.rw(cx).push((round, *id)));
        }
    }
    rt.run(Instant::now());
    assert_eq!(
        *journal.ro(&rt),
        [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    );
}

#[test]
#[should_panic(expected = "another runtime")]
fn a_share_used_with_another_runtime_panics() {
    let rt1 = Runtime::new();
    let rt2 = Runtime::new();
    let s = Share::new(&rt1, 0);
    let _ = s.ro(&rt2);
}
