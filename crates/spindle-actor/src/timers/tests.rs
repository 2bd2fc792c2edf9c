use super::heap::ARITY;
use super::*;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// Test context: what the calls saw, in order.
type Log = Vec<u64>;

fn logger(id: u64) -> SmallCall<Log> {
    SmallCall::new(move |log: &mut Log| log.push(id))
}

/// Runs every call due at `now`, in order.
fn run_due(t: &mut Timers<Log>, now: u64) -> Log {
    let mut log = Log::new();
    while let Some(call) = t.pop_due(now) {
        call.run(&mut log);
    }
    log
}

/// Checks that `key` names no pending timer of `t`: not pending, and cancelling it does nothing.
fn assert_gone<C>(t: &mut Timers<C>, key: TimerKey) {
    assert!(!t.is_pending(key), "still pending");
    assert!(!t.cancel(key), "cancelled a timer that is gone");
}

struct DropCount(Rc<Cell<usize>>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Checks the heap property and the bookkeeping.
fn check_invariants<C>(t: &Timers<C>) {
    for i in 1..t.heap.len() {
        assert!(
            !t.heap[i].fires_before(&t.heap[(i - 1) / ARITY]),
            "heap order at {i}"
        );
    }
    let pending = t
        .slab
        .iter()
        .filter(|s| matches!(s, Slot::Pending { .. }))
        .count();
    assert_eq!(pending, t.len);
    let live = t.heap.iter().filter(|e| t.is_live(**e)).count();
    assert_eq!(live, t.len, "one live entry per pending timer");
    let mut free = 0;
    let mut at = t.free;
    while at != NO_SLOT {
        let Slot::Free { next } = t.slab[at as usize] else {
            panic!("free list reached a pending slot");
        };
        free += 1;
        at = next;
    }
    assert_eq!(free + pending, t.slab.len());
}

#[test]
fn sizes() {
    assert_eq!(mem::size_of::<Entry>(), 16);
    // One cache line per slot; a layout change would show up here.
    assert_eq!(mem::size_of::<Slot<()>>(), 64);
    assert_eq!(mem::size_of::<TimerKey>(), 8);
}

#[test]
fn fires_in_deadline_order() {
    let mut t = Timers::new();
    for d in [50, 10, 40, 30, 20, 60, 5, 45] {
        t.add(d, logger(d));
    }
    assert_eq!(t.len(), 8);
    assert_eq!(t.next_deadline(), Some(5));
    assert_eq!(run_due(&mut t, 4), Log::new());
    assert_eq!(run_due(&mut t, 30), [5, 10, 20, 30]);
    assert_eq!(t.next_deadline(), Some(40));
    assert_eq!(run_due(&mut t, 100), [40, 45, 50, 60]);
    assert!(t.is_empty());
    assert_eq!(t.next_deadline(), None);
    check_invariants(&t);
}

#[test]
fn fifo_on_equal_deadlines() {
    let mut t = Timers::new();
    for id in 0..20 {
        t.add(if id % 2 == 0 { 7 } else { 3 }, logger(id));
    }
    let odd: Log = (0..20).filter(|i| i % 2 == 1).collect();
    let even: Log = (0..20).filter(|i| i % 2 == 0).collect();
    assert_eq!(run_due(&mut t, 10), [odd, even].concat());
}

#[test]
fn fifo_across_seq_wrap() {
    let mut t = Timers::new();
    t.next_seq = u32::MAX - 2;
    for id in 0..6 {
        t.add(1, logger(id));
    }
    assert_eq!(t.next_seq, 3);
    assert_eq!(run_due(&mut t, 1), [0, 1, 2, 3, 4, 5]);
}

#[test]
fn cancel_before_fire_drops_call_now() {
    let count = Rc::new(Cell::new(0));
    let mut t = Timers::<Log>::new();
    let d = DropCount(Rc::clone(&count));
    let key = t.add(
        10,
        SmallCall::new(move |log: &mut Log| {
            let _keep = &d;
            log.push(1);
        }),
    );
    let other = t.add(20, logger(2));
    assert!(t.is_pending(key));
    assert!(t.cancel(key));
    assert_eq!(count.get(), 1, "dropped at cancel");
    assert!(!t.is_pending(key));
    assert!(!t.cancel(key), "second cancel");
    assert_eq!(t.len(), 1);
    assert_eq!(run_due(&mut t, 100), [2]);
    assert_eq!(count.get(), 1);
    assert!(!t.is_pending(other));
    check_invariants(&t);
}

#[test]
fn cancel_after_fire_is_false() {
    let mut t = Timers::new();
    let key = t.add(10, logger(1));
    assert_eq!(run_due(&mut t, 10), [1]);
    assert_gone(&mut t, key);
}

#[test]
fn stale_key_after_slot_reuse() {
    let mut t = Timers::new();
    let old = t.add(10, logger(1));
    assert!(t.cancel(old));
    let new = t.add(10, logger(2));
    assert_eq!(new.slot, old.slot, "free slot reused");
    assert_gone(&mut t, old);
    assert!(t.is_pending(new));
    assert_eq!(run_due(&mut t, 10), [2]);
}

#[test]
fn foreign_key_is_not_pending() {
    let mut t = Timers::<Log>::new();
    let mut other = Timers::new();
    other.add(1, logger(1));
    let key = other.add(2, logger(2));
    assert_gone(&mut t, key);
}

#[test]
fn next_deadline_skips_cancelled() {
    let mut t = Timers::new();
    let a = t.add(10, logger(1));
    let b = t.add(20, logger(2));
    t.add(30, logger(3));
    assert!(t.cancel(a));
    assert!(t.cancel(b));
    assert_eq!(t.next_deadline(), Some(30));
    assert_eq!(t.heap.len(), 1, "stale entries above the top discarded");
    assert_eq!(run_due(&mut t, 25), Log::new());
    assert_eq!(run_due(&mut t, 30), [3]);
}

#[test]
fn dropping_the_store_drops_pending_calls() {
    let count = Rc::new(Cell::new(0));
    let mut t = Timers::<()>::new();
    for i in 0..10 {
        let d = DropCount(Rc::clone(&count));
        t.add(i, SmallCall::new(move |_: &mut ()| drop(d)));
    }
    t.pop_due(4).unwrap().run(&mut ());
    assert_eq!(count.get(), 1);
    drop(t);
    assert_eq!(count.get(), 10);
}

#[test]
fn calls_can_add_and_cancel_timers() {
    // The runtime's shape: the context owns the store, and a call runs
    // with the store not borrowed.
    struct Cx {
        timers: Timers<Cx>,
        log: Log,
        victim: Option<TimerKey>,
    }
    let mut cx = Cx {
        timers: Timers::new(),
        log: Log::new(),
        victim: None,
    };
    cx.timers.add(
        1,
        SmallCall::new(|cx: &mut Cx| {
            cx.log.push(1);
            cx.timers
                .add(2, SmallCall::new(|cx: &mut Cx| cx.log.push(2)));
            let victim = cx.victim.take().unwrap();
            assert!(cx.timers.cancel(victim));
        }),
    );
    cx.victim = Some(
        cx.timers
            .add(2, SmallCall::new(|cx: &mut Cx| cx.log.push(99))),
    );
    while let Some(call) = cx.timers.pop_due(5) {
        call.run(&mut cx);
    }
    assert_eq!(cx.log, [1, 2]);
    assert!(cx.timers.is_empty());
}

#[test]
fn compaction_bounds_heap_under_churn() {
    // A timeout pushed back on every message: add a new one, cancel the
    // old one, deadlines never due.
    let mut t = Timers::new();
    let live = 10;
    let mut keys: Vec<TimerKey> = (0..live).map(|i| t.add(1_000_000 + i, logger(i))).collect();
    let rounds = if cfg!(miri) { 300 } else { 100_000 };
    for r in 0..rounds {
        let i = r as usize % keys.len();
        let key = t.add(2_000_000 + r, logger(r));
        assert!(t.cancel(mem::replace(&mut keys[i], key)));
        assert!(
            t.heap.len() <= 2 * t.len() + COMPACT_SLACK,
            "heap {}",
            t.heap.len()
        );
    }
    check_invariants(&t);
    assert_eq!(t.len(), live as usize);
    assert_eq!(run_due(&mut t, u64::MAX).len(), live as usize);
}

#[test]
fn with_capacity_does_not_reallocate() {
    let n = if cfg!(miri) { 30 } else { 1000 };
    let mut t = Timers::with_capacity(n);
    let (heap_cap, slab_cap) = (t.heap.capacity(), t.slab.capacity());
    let mut rng = XorShift(7);
    let mut keys = Vec::new();
    for round in 0..4 {
        for _ in 0..n {
            keys.push(t.add(rng.below(1000), logger(0)));
        }
        // Cancel most, in random order, then let the rest fire.
        while keys.len() > n / 10 {
            let k = keys.swap_remove(rng.below(keys.len() as u64) as usize);
            assert!(t.cancel(k));
        }
        keys.clear();
        run_due(&mut t, u64::MAX);
        assert!(t.is_empty(), "round {round}");
    }
    assert_eq!(t.heap.capacity(), heap_cap);
    assert_eq!(t.slab.capacity(), slab_cap);
    assert_eq!(Timers::<()>::new().heap.capacity(), 0);
}

#[test]
fn stale_entry_never_fires_a_reissued_seq() {
    let mut t = Timers::new();
    let a = t.add(100, logger(1));
    // Pretend `a` has been pending for 2^32 - 1 adds: the next add but
    // one issues its seq again.
    t.next_seq = a.seq.wrapping_sub(1);
    assert!(t.cancel(a));
    let b = t.add(1000, logger(2));
    assert_eq!(b.slot, a.slot);
    assert!(t.cancel(b));
    let c = t.add(1000, logger(3));
    assert_eq!(
        (c.slot, c.seq),
        (a.slot, a.seq),
        "same slot and seq as the stale entry"
    );
    // Without the compaction in `add`, `a`'s stale entry would fire `c`
    // at 100.
    assert_eq!(run_due(&mut t, 999), Log::new());
    assert_eq!(t.next_deadline(), Some(1000));
    assert_eq!(run_due(&mut t, 1000), [3]);
}

#[test]
fn compact_at_tracks_nearest_stale_seq() {
    let mut t = Timers::<Log>::new();
    t.next_seq = 100;
    t.note_stale_seq(50); // 2^32 - 50 adds away
    assert_eq!(t.compact_at, Some(50));
    t.note_stale_seq(99); // farther: 2^32 - 1 adds away
    assert_eq!(t.compact_at, Some(50));
    t.note_stale_seq(20); // nearer
    assert_eq!(t.compact_at, Some(20));
    t.note_stale_seq(100); // reissued by the very next add
    assert_eq!(t.compact_at, Some(100));
}

/// xorshift64: a small deterministic RNG for the model test.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn matches_reference_model() {
    let steps = if cfg!(miri) { 800 } else { 200_000 };
    for seed in [1u64, 0x9E37_79B9_7F4A_7C15, 12345] {
        let mut rng = XorShift(seed);
        let mut t = Timers::<Log>::new();
        // Model: pending timers by (deadline, add order) -> id.
        let mut model = BTreeMap::<(u64, u64), u64>::new();
        let mut by_id = HashMap::<u64, (u64, u64)>::new();
        let mut keys = Vec::<(TimerKey, u64)>::new();
        let mut now = 0u64;
        let mut next_id = 0u64;
        let mut compactions = 0;
        // Start near the wrap so ties straddle it.
        t.next_seq = u32::MAX - 100;
        for step in 0..steps {
            match rng.below(10) {
                0..=3 => {
                    // Mostly a narrow range, for plenty of ties; some far
                    // off, so cancelled ones pile up and force compaction.
                    let deadline = if rng.below(2) == 0 {
                        now + 2_000 + rng.below(2_000)
                    } else {
                        now + rng.below(50)
                    };
                    let id = next_id;
                    next_id += 1;
                    let key = t.add(deadline, logger(id));
                    model.insert((deadline, id), id);
                    by_id.insert(id, (deadline, id));
                    keys.push((key, id));
                }
                4..=6 if !keys.is_empty() => {
                    // Cancel a recent key or any key ever issued,
                    // pending or not.
                    let span = if rng.below(4) != 0 { 20 } else { keys.len() };
                    let (key, id) =
                        keys[keys.len() - 1 - rng.below(span.min(keys.len()) as u64) as usize];
                    let expect = by_id
                        .remove(&id)
                        .is_some_and(|k| model.remove(&k).is_some());
                    assert_eq!(t.is_pending(key), expect);
                    let heap_len = t.heap.len();
                    assert_eq!(t.cancel(key), expect, "step {step}");
                    compactions += usize::from(t.heap.len() < heap_len);
                    assert!(!t.is_pending(key));
                }
                7 => {
                    assert_eq!(t.next_deadline(), model.keys().next().map(|k| k.0));
                }
                _ => {
                    now += rng.below(8);
                    let mut log = Log::new();
                    while let Some(call) = t.pop_due(now) {
                        call.run(&mut log);
                    }
                    let mut expect = Log::new();
                    while let Some(entry) = model.first_entry() {
                        if entry.key().0 > now {
                            break;
                        }
                        let id = entry.remove();
                        by_id.remove(&id);
                        expect.push(id);
                    }
                    assert_eq!(log, expect, "step {step}");
                }
            }
            assert_eq!(t.len(), model.len());
            if keys.len() > 1000 {
                keys.drain(..500);
            }
            if step % 1000 == 0 {
                check_invariants(&t);
            }
        }
        check_invariants(&t);
        // The short Miri run may not get that far.
        assert!(
            compactions > 0 || cfg!(miri),
            "the model run never compacted"
        );
    }
}
