//! Where shards meet: two `Shards` instances side by side, shards spawning onto each other (of
//! one instance and across two), and `Shards::spawn_then`, the spawn that never blocks.
//!
//! Each test runs under the `within` watchdog, so a deadlock fails the test instead of hanging
//! it; the simultaneous cases line both shards up on a barrier first, so the crossing waits
//! happen at the same moment every run.

mod common;

use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use common::ledgered;
use spindle_actor::{Cx, Remote, Runtime, ShardError, ShardReport, Shards};
use spindle_test_support::{LIMIT, Token, within};

/// Shuts `shards` down once every other clone of the `Arc` is gone (the shard closures that
/// captured one drop it just after they report).
fn shut(mut shards: Arc<Shards>) -> Vec<ShardReport> {
    loop {
        match Arc::try_unwrap(shards) {
            Ok(shards) => return shards.shutdown(),
            Err(back) => {
                shards = back;
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

/// Runs `f` on shard `shard` of `on` (as a call on a fresh actor there) and returns its result.
fn on_shard<R: Send + 'static>(
    on: &Shards,
    shard: usize,
    f: impl FnOnce() -> R + Send + 'static,
) -> mpsc::Receiver<R> {
    let (tx, rx) = mpsc::channel();
    let probe = on.spawn(shard, |_| ()).unwrap();
    probe.call(move |_, _| tx.send(f()).unwrap()).unwrap();
    rx
}

/// Two `Shards` instances of two shards each, to be shared with their own shards.
fn two_instances() -> [Arc<Shards>; 2] {
    [(); 2].map(|()| Arc::new(Shards::new(2).unwrap()))
}

fn shard_list(reports: &[ShardReport]) -> Vec<usize> {
    let mut shards: Vec<usize> = reports.iter().map(|r| r.shard).collect();
    shards.sort_unstable();
    shards
}

#[test]
fn a_shard_of_one_instance_is_not_a_shard_of_another() {
    within(LIMIT, || {
        let s1 = Shards::new(2).unwrap();
        let s2 = Arc::new(Shards::new(2).unwrap());
        let inner = s2.clone();
        let seen = on_shard(&s1, 0, move || inner.current_shard())
            .recv()
            .unwrap();
        assert_eq!(seen, None, "s1's shard 0 is no shard of s2");
        // The blocking spawn is refused for being on a shard thread, not for being "shard 0":
        // the same answer for s2's shard 0 and shard 1.
        let inner = s2.clone();
        let refused = on_shard(&s1, 0, move || {
            (
                inner.spawn(0, |_| ()).map(drop),
                inner.spawn(1, |_| ()).map(drop),
            )
        })
        .recv()
        .unwrap();
        assert_eq!(
            refused,
            (
                Err(ShardError::WouldBlock { shard: 0 }),
                Err(ShardError::WouldBlock { shard: 1 })
            )
        );
        assert_eq!(shard_list(&shut(s2)), [0, 1]);
        assert_eq!(shard_list(&s1.shutdown()), [0, 1]);
    });
}

#[test]
fn shutting_down_an_instance_from_a_shard_of_another_joins_and_reports_all_its_shards() {
    within(LIMIT, || {
        let s1 = Shards::new(2).unwrap();
        let s2 = Shards::new(2).unwrap();
        let a = s2.spawn(0, |_| ()).unwrap();
        let b = s2.spawn(1, |_| ()).unwrap();
        let s2 = Mutex::new(Some(s2));
        let reports = on_shard(&s1, 0, move || {
            s2.lock().unwrap().take().unwrap().shutdown()
        })
        .recv()
        .unwrap();
        assert_eq!(shard_list(&reports), [0, 1], "both of s2's shards reported");
        assert_eq!(reports.iter().map(|r| r.actors).sum::<usize>(), 2);
        // Joined: both shard threads have ended, so their actors refuse calls.
        assert!(a.call(|_, _| ()).is_err() && b.call(|_, _| ()).is_err());
        assert_eq!(shard_list(&s1.shutdown()), [0, 1]);
    });
}

#[test]
fn shards_of_one_instance_spawning_onto_each_other_at_once_are_refused_not_deadlocked() {
    within(LIMIT, || {
        let shards = Arc::new(Shards::new(2).unwrap());
        let barrier = Arc::new(Barrier::new(2));
        let answers: Vec<_> = (0..2)
            .map(|me| {
                let (inner, barrier) = (shards.clone(), barrier.clone());
                on_shard(&shards, me, move || {
                    barrier.wait();
                    inner.spawn(1 - me, |_| ()).map(drop)
                })
            })
            .collect();
        for (me, answer) in answers.into_iter().enumerate() {
            assert_eq!(
                answer.recv().unwrap(),
                Err(ShardError::WouldBlock { shard: 1 - me })
            );
        }
        let err = ShardError::WouldBlock { shard: 1 };
        assert!(err.to_string().contains("spawn_then"), "{err}");
        assert_eq!(shut(shards).len(), 2);
    });
}

#[test]
fn shards_of_two_instances_spawning_onto_each_other_at_once_are_refused_not_deadlocked() {
    within(LIMIT, || {
        let [s1, s2] = two_instances();
        let barrier = Arc::new(Barrier::new(2));
        let (other, b) = (s2.clone(), barrier.clone());
        let from_s1 = on_shard(&s1, 0, move || {
            b.wait();
            other.spawn(0, |_| ()).map(drop)
        });
        let (other, b) = (s1.clone(), barrier.clone());
        let from_s2 = on_shard(&s2, 0, move || {
            b.wait();
            other.spawn(0, |_| ()).map(drop)
        });
        assert_eq!(
            from_s1.recv().unwrap(),
            Err(ShardError::WouldBlock { shard: 0 })
        );
        assert_eq!(
            from_s2.recv().unwrap(),
            Err(ShardError::WouldBlock { shard: 0 })
        );
        assert_eq!(shut(s1).len(), 2);
        assert_eq!(shut(s2).len(), 2);
    });
}

/// The target's shard the new actor's init ran on, and the target's shard (if any) the answer
/// ran on: the asker's.
type Placed = (Option<usize>, Option<usize>);

/// An actor that asks for an actor on another shard and reports where it landed.
struct Asker {
    placed: mpsc::Sender<Result<Placed, ShardError>>,
    /// Answers received.
    answered: usize,
}

impl Asker {
    /// Asks `target` for an actor on `shard`; the new actor records the shard its init ran on,
    /// and the answer notes where it runs and reaches the new actor through its `Remote`.
    fn ask(&mut self, cx: &mut Cx<'_, Self>, target: &Arc<Shards>, shard: usize) {
        let there = target.clone();
        let again = target.clone();
        target.spawn_then(
            shard,
            move |_| there.current_shard(),
            cx,
            move |this: &mut Asker, _, spawned: Result<Remote<Option<usize>>, ShardError>| {
                this.answered += 1;
                let placed = this.placed.clone();
                let answered_on = again.current_shard();
                match spawned {
                    Ok(remote) => remote
                        .call(move |init_shard, _| {
                            placed.send(Ok((*init_shard, answered_on))).unwrap();
                        })
                        .unwrap(),
                    Err(e) => placed.send(Err(e)).unwrap(),
                }
            },
        );
    }
}

/// Spawns an `Asker` on `from`'s shard `shard`, waits for `barrier`, and asks `target` for an
/// actor on `target_shard`.
fn ask_at_once(
    from: &Shards,
    shard: usize,
    target: &Arc<Shards>,
    target_shard: usize,
    barrier: &Arc<Barrier>,
) -> mpsc::Receiver<Result<Placed, ShardError>> {
    let (tx, rx) = mpsc::channel();
    let asker = from
        .spawn(shard, move |_| Asker {
            placed: tx,
            answered: 0,
        })
        .unwrap();
    let (target, barrier) = (target.clone(), barrier.clone());
    asker
        .call(move |this, cx| {
            barrier.wait();
            this.ask(cx, &target, target_shard);
        })
        .unwrap();
    rx
}

#[test]
fn spawn_then_between_the_shards_of_one_instance_works_both_ways_at_once() {
    within(LIMIT, || {
        let shards = Arc::new(Shards::new(2).unwrap());
        let barrier = Arc::new(Barrier::new(2));
        let to_1 = ask_at_once(&shards, 0, &shards, 1, &barrier);
        let to_0 = ask_at_once(&shards, 1, &shards, 0, &barrier);
        // Init ran on the target shard; the answer, on the asker's.
        assert_eq!(to_1.recv().unwrap(), Ok((Some(1), Some(0))));
        assert_eq!(to_0.recv().unwrap(), Ok((Some(0), Some(1))));
        // A shard can also ask itself: the request is a letter, answered on its next turn.
        let barrier = Arc::new(Barrier::new(1));
        let to_self = ask_at_once(&shards, 0, &shards, 0, &barrier);
        assert_eq!(to_self.recv().unwrap(), Ok((Some(0), Some(0))));
        let reports = shut(shards);
        assert_eq!(
            reports.iter().map(|r| r.actors).sum::<usize>(),
            6,
            "3 askers, 3 asked for"
        );
    });
}

#[test]
fn spawn_then_across_two_instances_works_both_ways_at_once() {
    within(LIMIT, || {
        let [s1, s2] = two_instances();
        let barrier = Arc::new(Barrier::new(2));
        let to_s2 = ask_at_once(&s1, 0, &s2, 1, &barrier);
        let to_s1 = ask_at_once(&s2, 0, &s1, 1, &barrier);
        // The answers run on shards, but of the other instance.
        assert_eq!(to_s2.recv().unwrap(), Ok((Some(1), None)));
        assert_eq!(to_s1.recv().unwrap(), Ok((Some(1), None)));
        assert_eq!(shut(s1).len(), 2);
        assert_eq!(shut(s2).len(), 2);
    });
}

#[test]
fn spawn_then_works_from_a_plain_runtime_and_answers_no_such_shard() {
    within(LIMIT, || {
        let shards = Arc::new(Shards::new(2).unwrap());
        let mut rt = Runtime::new();
        let (tx, rx) = mpsc::channel();
        let asker = rt.spawn(move |_| Asker {
            placed: tx,
            answered: 0,
        });
        let target = shards.clone();
        asker.call(move |this, cx| {
            this.ask(cx, &target, 1);
            this.ask(cx, &target, 7);
        });
        // The answers come back as calls: the runtime has to run to get them.
        rt.run_until(|core| asker.query(core, |a, _| a.answered) == Some(2))
            .unwrap();
        let mut answers: Vec<_> = rx.iter().take(2).collect();
        answers.sort_by_key(Result::is_ok);
        assert_eq!(
            answers,
            [Err(ShardError::NoSuchShard(7)), Ok((Some(1), None))],
            "the new actor runs on shard 1; the asker's runtime is no shard"
        );
        drop(rt);
        assert_eq!(shut(shards).len(), 2);
    });
}

/// A capture whose `Drop` panics, after counting itself in `Tokens`.
struct PanicOnDrop(#[allow(dead_code)] Token);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("a spawn_then capture's drop panicked");
        }
    }
}

#[test]
fn an_answer_for_an_asker_gone_is_dropped_quietly_on_the_target_shard() {
    ledgered(|tokens| {
        let shards = Arc::new(Shards::new(2).unwrap());
        // Hold shard 1 in a call until the asker's runtime is gone.
        let (release, held) = mpsc::channel::<()>();
        let gate = on_shard(&shards, 1, move || held.recv().unwrap());
        let mut rt = Runtime::new();
        let asker = rt.spawn(|_| ());
        let (target, t) = (shards.clone(), tokens.clone());
        asker.call(move |_, cx| {
            let (init_token, then_capture) = (t.token(), PanicOnDrop(t.token()));
            target.spawn_then(
                1,
                move |_| drop(init_token),
                cx,
                move |_, _, _: Result<Remote<()>, ShardError>| drop(then_capture),
            );
        });
        rt.run(std::time::Instant::now()); // the request is on its way
        drop((asker, rt)); // nobody to answer to
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        release.send(()).unwrap();
        gate.recv().unwrap();
        // Shard 1 answered into a closed inbox, dropped the answer (whose drop panicked), and
        // still serves: its control actor survived.
        let rx = on_shard(&shards, 1, || 42);
        assert_eq!(rx.recv().unwrap(), 42);
        std::panic::set_hook(hook);
        let reports = shut(shards);
        assert_eq!(reports.iter().map(|r| r.actors).sum::<usize>(), 3);
    });
}

#[test]
fn an_answer_for_an_asker_stopped_is_dropped_quietly_on_its_runtime() {
    ledgered(|tokens| {
        let shards = Arc::new(Shards::new(1).unwrap());
        let mut rt = Runtime::new();
        let asker = rt.spawn(|_| ());
        let (target, t) = (shards.clone(), tokens.clone());
        let handle = asker.actor().clone();
        asker.call(move |_, cx| {
            let token = t.token();
            target.spawn_then(
                0,
                |_| (),
                cx,
                move |_, _, _: Result<Remote<()>, ShardError>| {
                    drop(token);
                    unreachable!("the asker stopped before its answer came");
                },
            );
            cx.stop();
        });
        // A Remote kept alive, so the runtime waits for the answer's letter instead of stalling.
        let keep = handle.remote();
        rt.run_until(|_| tokens.dropped() == 1).unwrap();
        assert!(handle.is_zombie());
        drop((keep, rt));
        assert_eq!(shut(shards).len(), 1);
    });
}

#[test]
fn a_plain_closure_panicking_on_a_shard_does_not_end_the_shard() {
    within(LIMIT, || {
        let shards = Shards::new(1).unwrap();
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        // `Runtime::run` resumes a plain closure's panic to its caller, here the shard's loop.
        let probe = shards.spawn(0, |_| ()).unwrap();
        probe
            .call(|_, cx| {
                cx.defer(|_| panic!("a deferred closure on a shard panicked"));
                spindle_actor::Core::after(cx, Duration::ZERO, |_| panic!("so did a plain timer"));
            })
            .unwrap();
        // The shard still serves, and still starts actors.
        assert_eq!(on_shard(&shards, 0, || 7).recv().unwrap(), 7);
        std::panic::set_hook(hook);
        assert_eq!(shards.shutdown()[0].actors, 2);
    });
}
