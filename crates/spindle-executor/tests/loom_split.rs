//! Loom model of the batch's range slots (`src/batch/split.rs`): an owner taking pieces off
//! its range while another participant steals halves of it, then both stealing from each
//! other. Run with `cargo xtask loom`.
//!
//! The model fails if the owner takes its pieces with a load and a store instead of a CAS
//! (the key step, S1): a thief's split between the two is undone and its half runs twice.

#![cfg(spindle_loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;
use spindle_executor::__LoomSplit as Split;

const LEN: usize = 4;

/// One participant: runs its own range piece by piece (one index each, so a thief has the
/// most chances to split it), then steals until every other slot looks empty.
fn participate(split: &Split, ran: &[AtomicUsize; LEN], ticket: usize) {
    loop {
        while let Some(piece) = split.take(ticket, 1) {
            for i in piece {
                ran[i].fetch_add(1, SeqCst);
            }
        }
        match split.steal(ticket) {
            Some(stolen) => split.hold(ticket, stolen),
            None => return,
        }
    }
}

#[test]
fn every_index_runs_once_while_an_owner_and_a_thief_split_its_range() {
    loom::model(|| {
        let split = Arc::new(Split::new(2));
        let ran = Arc::new([(); LEN].map(|()| AtomicUsize::new(0)));
        let (owner, thief) = (split.slot(0).unwrap(), split.slot(1).unwrap());
        split.hold(owner, 0..LEN);
        let other = {
            let (split, ran) = (Arc::clone(&split), Arc::clone(&ran));
            thread::spawn(move || participate(&split, &ran, thief))
        };
        participate(&split, &ran, owner);
        other.join().unwrap();
        for (i, count) in ran.iter().enumerate() {
            assert_eq!(count.load(SeqCst), 1, "index {i}");
        }
    });
}
