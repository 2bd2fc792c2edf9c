//! `Shards`: one actor runtime per thread (pinned to a core if asked), actors placed on a chosen
//! shard or by key, reached from anywhere through `Remote`s. This file holds [`Shards`] itself
//! and its shutdown; `builder.rs` starts the threads, `thread.rs` is what each runs, `spawn.rs`
//! places actors on them, `error.rs` holds [`ShardError`](crate::ShardError).
//!
//! Stakker's answer to "more than one core" is several runtimes with work sharded between them,
//! left to the user; this is that, in one type. Each shard thread runs a
//! [`Runtime`](crate::Runtime) in [`Runtime::run_until`](crate::Runtime::run_until) with a small
//! control actor that starts actors on request and owns them. Shutting down stops every shard after it has run the calls already delivered; calls
//! sent later come back to their senders as [`Closed`](crate::Closed) errors.
//!
//! # Waiting between shards
//!
//! A shard thread only ever waits in its own runtime's sleep, which any letter ends. The one
//! blocking operation here, [`Shards::spawn`], waits for the target shard's control actor; two
//! shard threads doing that towards each other (of one `Shards` or of two) would each wait for a
//! runtime that never runs again. So it is refused on *every* shard thread, of any instance,
//! with [`ShardError::WouldBlock`](crate::ShardError::WouldBlock), and actors use
//! [`Shards::spawn_then`], whose answer comes back as a call on the asking actor through its
//! [`Remote`], as `Cx::offload`'s result does.
//!

pub(crate) mod builder;
pub(crate) mod error;
mod spawn;
pub(crate) mod thread;

use std::fmt;

use spindle_utils::ThreadHandle;

use self::thread::{Control, ShardReport, current_shard};
use crate::remote::Remote;

/// N single-threaded actor runtimes on N threads: call any actor from any thread or shard.
///
/// # Examples
///
/// ```
/// use spindle_actor::Shards;
///
/// struct Counter { n: u64 }
///
/// let shards = Shards::new(2)?;
/// let counters: Vec<_> = (0..4u64)
///     .map(|key| shards.spawn_by_key(key, |_| Counter { n: 0 }))
///     .collect::<Result<_, _>>()?;
/// let (tx, rx) = std::sync::mpsc::channel();
/// for (i, counter) in counters.iter().enumerate() {
///     let tx = tx.clone();
///     counter.call(move |c, _| { c.n += i as u64; tx.send(c.n).unwrap(); }).unwrap();
/// }
/// let mut seen: Vec<u64> = rx.iter().take(4).collect();
/// seen.sort();
/// assert_eq!(seen, [0, 1, 2, 3]);
/// let reports = shards.shutdown();
/// assert_eq!(reports.iter().map(|r| r.actors).sum::<usize>(), 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Shards {
    /// This instance's id, which its shard threads carry in `CURRENT_SHARD`.
    instance: u64,
    controls: Vec<Remote<Control>>,
    threads: Vec<ThreadHandle<ShardReport>>,
}

impl Shards {
    /// The number of shards.
    ///
    /// ```
    /// assert_eq!(spindle_actor::Shards::new(1).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.controls.len()
    }

    /// Always false: there is at least one shard.
    ///
    /// ```
    /// assert!(!spindle_actor::Shards::new(1).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.controls.is_empty()
    }

    /// The shard a key belongs to (a multiplicative hash of the key, modulo the shard count).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// assert!(shards.shard_of(42) < 2);
    /// ```
    pub fn shard_of(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize % self.len()
    }

    /// The shard the current thread runs, if it is one of this instance's.
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// assert_eq!(shards.current_shard(), None); // the test's thread is not a shard
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let shards = std::sync::Arc::new(shards);
    /// let inner = shards.clone();
    /// let probe = shards.spawn(1, |_| ()).unwrap();
    /// probe.call(move |_, _| {
    ///     let here = inner.current_shard();
    ///     drop(inner); // before answering: the last `Shards` handle drops on this thread, not a shard
    ///     tx.send(here).unwrap();
    /// }).unwrap();
    /// assert_eq!(rx.recv().unwrap(), Some(1));
    /// ```
    pub fn current_shard(&self) -> Option<usize> {
        current_shard()
            .filter(|id| id.instance == self.instance)
            .map(|id| id.index)
    }

    /// Stops every shard: each runs the calls already delivered to it, stops its actors, and
    /// ends; calls sent after that come back to their senders as [`Closed`](crate::Closed)
    /// errors. Waits for
    /// every shard thread to end and reports each, except, when called on one of this
    /// instance's own shards, that shard (it ends once the current call returns).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// let a = shards.spawn(0, |_| ()).unwrap();
    /// let reports = shards.shutdown();
    /// assert_eq!(reports.len(), 2);
    /// assert!(a.call(|_, _| ()).is_err()); // handed back
    /// ```
    pub fn shutdown(mut self) -> Vec<ShardReport> {
        self.stop()
    }

    fn stop(&mut self) -> Vec<ShardReport> {
        for control in &self.controls {
            let _ = control.call(|control, _| control.stop());
        }
        self.controls.clear();
        let current = self.current_shard();
        self.threads
            .drain(..)
            .enumerate()
            .filter(|(index, _)| Some(*index) != current) // never join ourselves
            .map(|(index, thread)| {
                thread.join().unwrap_or(ShardReport {
                    shard: index,
                    actors: 0,
                })
            })
            .collect()
    }
}

impl Drop for Shards {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shards")
            .field("shards", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Runtime;
    use crate::runtime::core::Core;
    use crate::shards::error::ShardError;
    use std::rc::Rc;
    use std::time::{Duration, Instant};

    /// A shard that has stopped (its runtime gone) while its `Shards` is still borrowed: the
    /// public API cannot reach this state (shutting down takes the `Shards`), so it is made by
    /// hand, to check that both spawns answer `ShutDown` instead of waiting or losing the answer.
    #[test]
    fn spawns_onto_a_stopped_shard_answer_shut_down() {
        let shards = Shards::new(2).unwrap();
        shards.controls[1]
            .call(|control, _| control.stop())
            .unwrap();
        while shards.controls[1].call(|_, _| ()).is_ok() {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(shards.spawn(1, |_| ()).map(drop), Err(ShardError::ShutDown));
        let mut rt = Runtime::new();
        let asker = rt.spawn(|_| None::<Result<(), ShardError>>);
        let limit = Instant::now() + Duration::from_secs(20);
        let shards = Rc::new(shards);
        let target = shards.clone();
        asker.call(move |_, cx| {
            target.spawn_then(
                1,
                |_| (),
                cx,
                |answer, _, r: Result<Remote<()>, _>| {
                    *answer = Some(r.map(drop));
                },
            );
        });
        // The watchdog: a timer ends the wait if the answer never comes.
        rt.at(limit, |_| {});
        let answered = |core: &mut Core| asker.query(core, |a, _| a.clone()).flatten();
        rt.run_until(|core| answered(core).is_some() || core.now() >= limit)
            .unwrap();
        assert_eq!(answered(&mut rt), Some(Err(ShardError::ShutDown)));
        drop((asker, rt));
        let shards = Rc::try_unwrap(shards).unwrap();
        assert_eq!(
            shards.shutdown().len(),
            2,
            "the stopped shard is joined too"
        );
    }
}
