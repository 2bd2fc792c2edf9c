//! What one burst leaves behind: a million queued calls, a hundred thousand timers or idle
//! calls, once, must not keep their memory for the runtime's life. Between runs the call
//! buffers keep at most `max(queue_bytes, 2 MiB)` each, the timer store room for
//! `max(timer_capacity, 16 384)` timers and the idle queue 16 384 calls, each shrinking once it
//! holds more than twice that (see `RuntimeBuilder::queue_bytes` and
//! `RuntimeBuilder::timer_capacity`).
//! `Runtime::buffer_bytes` (doc-hidden) reports what they hold; `zero_alloc.rs` checks that
//! the steady state still allocates nothing.

mod common;

use std::time::Duration;

use common::clocked;
use spindle_test_support::{LIMIT, scaled, within};

const MIB: usize = 1 << 20;
/// Two call buffers of 2 MiB, the timer store under twice its 1.5 MiB, the idle queue under
/// twice its 0.9 MiB.
const RETAINED: usize = 2 * 2 * MIB + 3 * MIB + 2 * MIB;

#[test]
fn a_burst_of_calls_timers_and_idle_calls_is_given_back_once_idle() {
    within(LIMIT, || {
        let (t0, mut rt) = clocked();
        let counter = rt.spawn(|_| 0u64);
        rt.run(t0);
        let quiet = rt.buffer_bytes();
        assert!(quiet <= 64 * 1024, "a fresh runtime holds {quiet} bytes");

        // A million calls in one go, each a 40-byte closure: about 48 MiB of entries.
        let calls = scaled(1_000_000);
        for i in 0..calls as u64 {
            let pad = [i; 4];
            counter.call(move |n, _| *n += pad[0] & 1);
        }
        // A hundred thousand timers and as many idle calls.
        let timers = scaled(100_000);
        for ms in 0..timers as u64 {
            rt.after(Duration::from_millis(ms % 100), |_| {});
            rt.idle(|_| {});
        }
        let burst = rt.buffer_bytes();
        rt.run(t0 + Duration::from_secs(1));
        assert_eq!(rt.query(&counter, |n, _| *n), Some(calls as u64 / 2));
        let after = rt.buffer_bytes();
        assert!(
            after <= RETAINED,
            "after a burst that held {} MiB, {} MiB is kept (at most {} MiB allowed)",
            burst / MIB,
            after / MIB,
            RETAINED / MIB
        );
        if !cfg!(miri) {
            assert!(burst > 4 * RETAINED, "the burst was big: {burst} bytes");
        }
        // And the runtime still works, and a burst can come again.
        counter.call(|n, _| *n += 1);
        rt.run(t0 + Duration::from_secs(2));
        assert_eq!(rt.query(&counter, |n, _| *n), Some(calls as u64 / 2 + 1));
        assert!(rt.buffer_bytes() <= RETAINED);
    });
}

#[test]
fn a_burst_of_timers_is_given_back_even_while_one_stays_pending() {
    within(LIMIT, || {
        let (t0, mut rt) = clocked();
        // A long-lived timer set first, then a burst that fires; then a periodic re-add.
        let long = rt.after(Duration::from_secs(100 * 24 * 3600), |_| {});
        let n = scaled(200_000);
        for i in 0..n as u64 {
            rt.after(Duration::from_millis(1 + i % 10), |_| {});
        }
        let burst = rt.buffer_bytes();
        let mut t = t0;
        // The store gives its room back over the next adds (its trim runs at most once per
        // slab-length adds), without moving the pending timer: its key stays good.
        for round in 0..2 * n {
            t += Duration::from_millis(20);
            rt.after(Duration::from_millis(10), |_| {});
            rt.run(t);
            if round > n && rt.buffer_bytes() <= RETAINED {
                break;
            }
        }
        let after = rt.buffer_bytes();
        assert!(
            after <= RETAINED,
            "a burst of {burst} bytes left {after} bytes"
        );
        assert!(rt.timer_pending(long));
        assert!(rt.cancel(long));
    });
}
