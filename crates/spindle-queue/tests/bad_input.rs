//! Bad input, each under a timeout that fails instead of hanging: capacities at and past the
//! limits, zero and unbounded timeouts, every operation on a closed queue.
//!
//! Already covered elsewhere: `BoundedQueue::new(0)` and `new(usize::MAX)` (`bounded.rs`),
//! `Queue::with_capacity`/`with_retained_capacity(0)` (`unbounded.rs`), a push into a closed
//! queue handing its value back and timeouts expiring (`blocking.rs`).

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use spindle_queue::{
    BoundedQueue, CapacityError, Closed, EventCount, PopTimeoutError, PushError, PushTimeoutError,
    Queue,
};
use spindle_test_support::{LIMIT, Tokens, within};

#[test]
fn capacities_just_past_the_limit_are_typed_errors_without_allocating() {
    let limit = isize::MAX as usize / 4;
    for too_big in [limit + 1, usize::MAX / 2, usize::MAX - 1] {
        let err: CapacityError = BoundedQueue::<u64>::new(too_big).unwrap_err();
        assert_eq!(err.requested(), too_big);
        assert_eq!(
            err.to_string(),
            format!("a queue cannot make room for {too_big} values")
        );
    }
    // Zero, the other edge, for every element type (zero-sized too).
    assert_eq!(BoundedQueue::<()>::new(0).unwrap_err().requested(), 0);
    assert_eq!(BoundedQueue::<[u8; 0]>::new(0).unwrap_err().requested(), 0);
    // One is fine.
    let one = BoundedQueue::new(1).unwrap();
    assert_eq!(one.push(1), Ok(()));
    assert_eq!(one.push(2), Err(PushError::Full(2)));
}

/// Issue 14: `BoundedQueue::<u64>::new(isize::MAX as usize / 4)` passed the slot-count check
/// and then panicked "capacity overflow" building the ring: the size is checked in bytes too.
#[test]
fn capacities_whose_bytes_overflow_are_typed_errors() {
    for capacity in [isize::MAX as usize / 4, 1 << 60] {
        let err = BoundedQueue::<u64>::new(capacity).unwrap_err();
        assert_eq!(err.requested(), capacity);
        // A large element overflows sooner.
        let err = BoundedQueue::<[u8; 4096]>::new(capacity >> 8).unwrap_err();
        assert_eq!(err.requested(), capacity >> 8);
    }
    // The unbounded queue's preallocation is checked the same way.
    for capacity in [usize::MAX, usize::MAX / 2, isize::MAX as usize] {
        let err: CapacityError = Queue::<u64>::with_capacity(capacity).unwrap_err();
        assert_eq!(err.requested(), capacity);
    }
    let q = Queue::with_capacity(10).unwrap();
    q.push(1u8).unwrap();
    assert_eq!(q.pop(), Some(1));
}

/// A capacity of 2^48 values of 256 bytes fits `isize` in bytes, but no allocator hands out
/// 2^56 bytes: the allocation failure is refused as a typed error, not an abort.
#[test]
#[cfg_attr(
    miri,
    ignore = "Miri aborts on an allocation this size instead of returning null"
)]
fn capacities_no_allocator_can_serve_are_typed_errors() {
    let err = BoundedQueue::<[u8; 256]>::new(1 << 48).unwrap_err();
    assert_eq!(err.requested(), 1 << 48);
    // Just under `isize::MAX` bytes: the size is valid, the allocation fails.
    let capacity = isize::MAX as usize / 16;
    assert_eq!(
        BoundedQueue::<u64>::new(capacity).unwrap_err().requested(),
        capacity
    );
}

#[test]
fn zero_timeouts_return_at_once() {
    within(LIMIT, || {
        let q = BoundedQueue::new(1).unwrap();
        let u = Queue::new();
        assert_eq!(q.pop_timeout(Duration::ZERO), Err(PopTimeoutError::Timeout));
        assert_eq!(u.pop_timeout(Duration::ZERO), Err(PopTimeoutError::Timeout));
        q.push(1).unwrap();
        u.push(1).unwrap();
        assert_eq!(
            q.push_timeout(2, Duration::ZERO),
            Err(PushTimeoutError::Timeout(2))
        );
        // A value already there is taken even with no time to wait.
        assert_eq!(q.pop_timeout(Duration::ZERO), Ok(1));
        assert_eq!(u.pop_timeout(Duration::ZERO), Ok(1));
        assert_eq!(q.push_timeout(3, Duration::ZERO), Ok(()));
        let event = EventCount::new();
        assert_eq!(
            event.wait_until_deadline(Instant::now(), || None::<()>),
            None
        );
        let past = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now);
        assert_eq!(event.wait_until_deadline(past, || Some(4)), Some(4));
        assert_eq!(event.waiters(), 0);
    });
}

#[test]
fn timeouts_too_long_for_the_clock_wait_without_overflowing() {
    within(LIMIT, || {
        // `Instant + Duration::MAX` overflows: such a wait must still work (as a wait forever).
        let q = Arc::new(BoundedQueue::new(1).unwrap());
        let u = Arc::new(Queue::new());
        let (qq, uu) = (Arc::clone(&q), Arc::clone(&u));
        let popper =
            thread::spawn(move || (qq.pop_timeout(Duration::MAX), uu.pop_timeout(Duration::MAX)));
        thread::sleep(Duration::from_millis(10));
        q.push(7).unwrap();
        u.push(8).unwrap();
        assert_eq!(popper.join().unwrap(), (Ok(7), Ok(8)));
        // Full: a pusher with an endless timeout is let in by a pop, or refused by a close.
        q.push(1).unwrap();
        let qq = Arc::clone(&q);
        let pusher = thread::spawn(move || {
            let first = qq.push_timeout(2, Duration::MAX);
            let second = qq.push_timeout(3, Duration::MAX);
            (first, second)
        });
        thread::sleep(Duration::from_millis(10));
        assert_eq!(q.pop(), Some(1));
        while q.is_empty() {
            thread::yield_now();
        }
        thread::sleep(Duration::from_millis(10));
        q.close();
        assert_eq!(
            pusher.join().unwrap(),
            (Ok(()), Err(PushTimeoutError::Closed(3)))
        );
    });
}

#[test]
fn every_operation_on_a_closed_queue_is_refused_or_drains() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let q = BoundedQueue::new(2).unwrap();
        let u = Queue::new();
        q.push(tokens.token()).unwrap();
        u.push(tokens.token()).unwrap();
        assert!(q.close() && u.close());
        assert!(!q.close() && !u.close(), "closing twice is a no-op");
        assert!(q.is_closed() && u.is_closed());
        // Pushes of every kind hand their value back, unchanged.
        let id = |t: &spindle_test_support::Token| t.id();
        let t = tokens.token();
        let i = id(&t);
        assert!(matches!(q.push(t), Err(PushError::Closed(b)) if id(&b) == i));
        let t = tokens.token();
        let i = id(&t);
        assert!(matches!(q.force_push(t), Err(Closed(b)) if id(&b) == i));
        let t = tokens.token();
        let i = id(&t);
        assert!(matches!(q.push_blocking(t), Err(Closed(b)) if id(&b) == i));
        let t = tokens.token();
        let i = id(&t);
        assert!(
            matches!(q.push_timeout(t, LIMIT), Err(PushTimeoutError::Closed(b)) if id(&b) == i)
        );
        let t = tokens.token();
        let i = id(&t);
        assert!(matches!(u.push(t), Err(Closed(b)) if id(&b) == i));
        // Pops drain what got in before, then report the close, without waiting.
        assert!(q.pop_blocking().is_ok());
        assert!(u.pop_timeout(LIMIT).is_ok());
        assert_eq!(q.pop_blocking().map(drop), Err(Closed(())));
        assert_eq!(u.pop_blocking().map(drop), Err(Closed(())));
        assert_eq!(q.pop_timeout(LIMIT).map(drop), Err(PopTimeoutError::Closed));
        assert!(q.pop().is_none() && u.pop().is_none());
        assert!(q.is_empty() && u.is_empty());
        // `Extend` still takes values into a closed queue (documented), and they drain.
        let mut u = u;
        u.extend([tokens.token(), tokens.token()]);
        assert_eq!(u.len(), 2);
        assert!(u.pop_blocking().is_ok() && u.pop_blocking().is_ok());
        assert!(u.pop_blocking().is_err());
        drop((q, u));
        tokens.assert_each_dropped_once();
    });
}
