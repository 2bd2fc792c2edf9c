//! Bad input and misuse, each under a timeout that fails instead of hanging: `Shards` shut
//! down or dropped from inside one of its own shards, stale remote handles whose slot now
//! belongs to another actor, zero-sized buffers, sizes whose bytes overflow, timers at the
//! clock's extremes, and every handle used after its runtime is gone.
//!
//! Already covered elsewhere: zero shards, unknown shard, spawning on one's own shard
//! (`shards.rs`), a remote call after the runtime is dropped (`remote.rs`), calls to a stopped
//! actor (`lifecycle.rs`, `remote.rs`), a second `init` (`lifecycle.rs`), `run_until` with
//! nothing that could wake it (`remote.rs`), `query` with another runtime's actor
//! (`lifecycle.rs`), past instants and a clock going backwards (`timers.rs`).

mod common;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{clocked, started, stop_probe};
use spindle_actor::{ActorOwn, BuildError, Fwd, MAX_THREADS, Ret, Runtime, Shards, StopCause};
use spindle_test_support::{LIMIT, Token, Tokens, within};

// ---------------------------------------------------------------------------------------------
// `Shards` stopped from inside

/// Holds the `Shards` it will stop.
struct Owner {
    shards: Option<Shards>,
}

#[test]
fn shards_shut_down_or_dropped_from_one_of_their_own_actors_do_not_deadlock() {
    within(LIMIT, || {
        for drop_instead in [false, true] {
            let tokens = Tokens::new();
            let shards = Shards::new(3).unwrap();
            let owner = shards.spawn(1, |_| Owner { shards: None }).unwrap();
            let others: Vec<_> = (0..3).map(|i| shards.spawn(i, |_| 0u32).unwrap()).collect();
            let (tx, rx) = mpsc::channel();
            owner.call(move |o, _| o.shards = Some(shards)).unwrap();
            owner
                .call(move |o, _| {
                    let shards = o.shards.take().unwrap();
                    let reports = if drop_instead {
                        drop(shards);
                        None
                    } else {
                        Some(shards.shutdown())
                    };
                    tx.send(reports).unwrap();
                })
                .unwrap();
            let reports = rx.recv_timeout(LIMIT).expect("the shutdown returned");
            if let Some(reports) = reports {
                // Every shard but the caller's own, which cannot join itself.
                let mut stopped: Vec<usize> = reports.iter().map(|r| r.shard).collect();
                stopped.sort_unstable();
                assert_eq!(stopped, [0, 2]);
            }
            // The caller's shard stops too, once the call returns: calls are handed back.
            for remote in &others {
                let start = Instant::now();
                loop {
                    let token = tokens.token();
                    match remote.call(move |_, _| drop(token)) {
                        Err(back) => {
                            drop(back.into_inner());
                            break;
                        }
                        Ok(()) => {
                            assert!(start.elapsed() < LIMIT, "a shard kept running");
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                }
            }
            drop((owner, others));
            // Calls that got in were run or dropped on their shard thread; wait for the last.
            let start = Instant::now();
            while tokens.live() > 0 {
                assert!(start.elapsed() < LIMIT, "a call was lost");
                std::thread::sleep(Duration::from_millis(1));
            }
            tokens.assert_each_dropped_once();
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Stale handles

#[test]
fn a_stale_remote_never_reaches_the_actor_that_took_over_its_slot() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let old = rt.spawn(|_| 0u32);
    let stale = old.remote();
    old.kill("gone");
    assert!(old.is_zombie());
    // New actors, of the same type and of another, register after it: one reuses its slot.
    let same = rt.spawn(|_| 100u32);
    let other = rt.spawn(|_| String::from("other"));
    let (same_remote, other_remote) = (same.remote(), other.remote());
    rt.run(Instant::now());
    let t = tokens.token();
    stale
        .call(move |n, _| {
            drop(t);
            *n += 1;
        })
        .unwrap();
    let t = tokens.token();
    same_remote
        .call(move |n, _| {
            drop(t);
            *n += 1;
        })
        .unwrap();
    other_remote.call(|s, _| s.push('!')).unwrap();
    rt.run(Instant::now());
    assert_eq!(
        rt.query(&same, |n, _| *n),
        Some(101),
        "only its own call arrived"
    );
    assert_eq!(
        rt.query(&other, |s, _| s.clone()).as_deref(),
        Some("other!")
    );
    // Unknown slots (a remote made after the actor stopped) drop their calls too.
    let t = tokens.token();
    old.remote().call(move |_, _| drop(t)).unwrap();
    rt.run(Instant::now());
    drop((stale, same_remote, other_remote, same, other, old, rt));
    tokens.assert_each_dropped_once();
}

#[test]
fn an_actor_never_initialised_drops_its_waiting_calls_when_its_owner_goes() {
    let tokens = Tokens::new();
    let mut rt = Runtime::new();
    let (ret, cause) = stop_probe();
    let owner: ActorOwn<Token> = ActorOwn::new(&mut rt, Some(ret));
    for _ in 0..3 {
        let t = tokens.token();
        owner.call(move |_, _| drop(t));
    }
    rt.run(Instant::now());
    assert!(!owner.is_ready());
    drop(owner);
    rt.run(Instant::now());
    assert!(matches!(*cause.borrow(), Some(StopCause::Dropped)));
    drop(rt);
    tokens.assert_each_dropped_once();
}

// ---------------------------------------------------------------------------------------------
// Sizes and times at their extremes

#[test]
fn zero_sized_buffers_grow_and_huge_closures_are_boxed() {
    let (t0, mut rt) = started(Runtime::builder().queue_bytes(0).timer_capacity(0));
    let a = rt.spawn(|_| 0u64);
    let big = [1u64; 64]; // 512 bytes: over the inline limit
    for _ in 0..10_000 {
        a.call(move |n, _| *n += big[0]);
    }
    for i in 0..100u64 {
        a.call(move |_, cx| {
            cx.after(Duration::from_nanos(i), move |n, _| *n += big[1]);
        });
    }
    rt.run(t0);
    rt.run(t0 + Duration::from_millis(1));
    assert_eq!(rt.query(&a, |n, _| *n), Some(10_100));
}

#[test]
fn timers_at_the_extremes_of_the_clock_neither_overflow_nor_fire_early() {
    let (t0, mut rt) = clocked();
    let fired = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let f = fired.clone();
    let never = rt.after(Duration::MAX, move |_| f.set(f.get() + 100));
    let far = t0.checked_add(Duration::from_secs(100 * 365 * 86_400));
    if let Some(far) = far {
        let f = fired.clone();
        rt.at(far, move |_| f.set(f.get() + 100));
    }
    // Before the runtime's start: due at once.
    let before_start = t0.checked_sub(Duration::from_secs(3600)).unwrap_or(t0);
    let f = fired.clone();
    rt.at(before_start, move |_| f.set(f.get() + 1));
    let f = fired.clone();
    rt.after(Duration::ZERO, move |_| f.set(f.get() + 1));
    assert_eq!(rt.next_wake(), Some(t0));
    rt.run(t0 + Duration::from_secs(1));
    assert_eq!(fired.get(), 2);
    assert!(
        rt.next_wake()
            .is_some_and(|w| w > t0 + Duration::from_secs(1))
    );
    assert!(rt.timer_pending(never));
    assert!(rt.cancel(never));
    assert!(!rt.cancel(never), "cancelling twice");
    assert_eq!(fired.get(), 2);
}

// ---------------------------------------------------------------------------------------------
// Handles used after the runtime is gone

#[test]
fn every_handle_used_after_its_runtime_is_dropped_drops_or_hands_back_at_once() {
    within(LIMIT, || {
        let tokens = Tokens::new();
        let mut rt = Runtime::new();
        let a = rt.spawn(|_| 0u32);
        rt.run(Instant::now());
        let fwd: Fwd<Token> = a.fwd(|_, _, t: Token| drop(t));
        let ret: Ret<Token> = a.ret(|_, _, t: Option<Token>| drop(t));
        let remote = a.remote();
        let waker = rt.waker(Fwd::discard());
        let actor = a.actor().clone();
        drop(rt);
        // Nothing is kept for a runtime that will never run again.
        let t = tokens.token();
        actor.call(move |_, _| drop(t));
        fwd.fwd(tokens.token());
        ret.ret(tokens.token());
        assert_eq!(
            tokens.live(),
            0,
            "messages to a dead runtime are dropped at once"
        );
        let t = tokens.token();
        let back = remote.call(move |_, _| drop(t)).unwrap_err().into_inner();
        assert_eq!(tokens.live(), 1, "the remote call came back to us");
        drop(back);
        assert!(waker.wake().is_err());
        assert!(waker.wake().is_err(), "and again");
        assert!(a.is_ready(), "the actor's state lives with its owner");
        drop((a, actor, fwd, remote, waker));
        tokens.assert_each_dropped_once();
    });
}

// ---------------------------------------------------------------------------------------------
// Sizes whose bytes overflow: typed errors, never a "capacity overflow" panic or an abort

#[test]
fn sizes_whose_bytes_overflow_are_typed_errors() {
    within(LIMIT, || {
        // Each of these overflows `usize` or `isize::MAX` once multiplied out to bytes (a timer
        // slot is 64 bytes, its heap entries 32 more; a call buffer rounds up to a power of two).
        let too_large = |built: Result<Runtime, BuildError>| match built {
            Err(BuildError::TooLarge { setting, requested }) => (setting, requested),
            other => panic!("expected TooLarge, got {other:?}"),
        };
        for timers in [usize::MAX, usize::MAX / 64 + 1, isize::MAX as usize / 32] {
            let built = Runtime::builder().timer_capacity(timers).build();
            assert_eq!(too_large(built), ("timer_capacity", timers));
        }
        // The last size rounds up to 2^62 bytes, a valid layout that reaches the allocator,
        // which refuses it; Miri aborts on such a request instead of refusing, so it is
        // skipped there (the first two overflow before any allocation).
        let huge = (isize::MAX as usize) / 2 + 2;
        let refused_by_the_allocator = if cfg!(miri) { None } else { Some(huge) };
        for bytes in [usize::MAX, isize::MAX as usize]
            .into_iter()
            .chain(refused_by_the_allocator)
        {
            let err = Runtime::builder().queue_bytes(bytes).build().unwrap_err();
            assert!(err.to_string().contains(&bytes.to_string()), "{err}");
            assert_eq!(too_large(Err(err)), ("queue_bytes", bytes));
        }
        // Both at once: the first size checked is reported.
        let built = Runtime::builder()
            .queue_bytes(usize::MAX)
            .timer_capacity(usize::MAX)
            .build();
        assert_eq!(too_large(built), ("queue_bytes", usize::MAX));
        // Before any thread starts.
        for shards in [usize::MAX, usize::MAX / 8, MAX_THREADS + 1] {
            assert!(matches!(
                Shards::new(shards),
                Err(BuildError::TooManyThreads(n)) if n == shards
            ));
        }
        // The largest sizes short of that still build where memory allows, and work.
        let mut rt = Runtime::builder()
            .queue_bytes(1 << 20)
            .timer_capacity(100_000)
            .build()
            .unwrap();
        let a = rt.spawn(|_| 1u8);
        rt.run(Instant::now());
        assert_eq!(rt.query(&a, |n, _| *n), Some(1));
    });
}
