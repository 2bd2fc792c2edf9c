//! A shard's thread: which shard the current thread runs, the control actor that starts and
//! owns a shard's actors, and the thread's main loop.
//!
//! Each thread knows which shard it runs by a thread-local [`ShardId`]: the instance's id (from
//! a process-wide counter, never reused, unlike an address) and the index. So the shutdown of
//! one instance from a shard of another joins and reports all its shards, and only a shutdown
//! from one of its own shards skips (cannot join) that thread.

use std::any::Any;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Instant;

use spindle_utils::drop_payload;

use crate::actor::own::ActorOwn;
use crate::remote::Remote;
use crate::runtime::Runtime;
use crate::unwind::drop_quietly;

/// Which shard of which [`Shards`](crate::Shards) a thread runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct ShardId {
    /// The instance's id, unique in the process.
    pub(super) instance: u64,
    pub(super) index: usize,
}

spindle_utils::sync_thread_local! {
    /// The shard this thread runs; `None` on other threads.
    static CURRENT_SHARD: Cell<Option<ShardId>> = Cell::new(None);
}

/// The shard the current thread runs, if any.
pub(super) fn current_shard() -> Option<ShardId> {
    CURRENT_SHARD.with(Cell::get)
}

/// What one shard reports when it stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardReport {
    /// The shard's index.
    pub shard: usize,
    /// Actors it owned (started through [`Shards::spawn`](crate::Shards::spawn) or
    /// [`Shards::spawn_then`](crate::Shards::spawn_then)) when it stopped.
    pub actors: usize,
}

/// The actor on every shard that starts and owns the shard's actors.
pub(super) struct Control {
    owned: Vec<Box<dyn Any>>,
    stopping: bool,
}

impl Control {
    /// Keeps `actor` alive until the shard stops.
    pub(super) fn own<A: 'static>(&mut self, actor: ActorOwn<A>) {
        self.owned.push(Box::new(actor));
    }

    /// Asks the shard to stop once this call returns.
    pub(super) fn stop(&mut self) {
        self.stopping = true;
    }
}

/// A shard thread: its runtime, its control actor, until asked to stop.
///
/// Everything user code can do here is contained: actor calls, inits, timers and the drops of
/// closures already are, by the runtime; a plain closure's panic, which `run` resumes to its
/// caller at the end of a run, is dropped here (the panic hook has reported it) and the shard
/// carries on, and the owned actors and the runtime itself are dropped under `catch_unwind`.
pub(super) fn run_shard(id: ShardId, ready: mpsc::Sender<Remote<Control>>) -> ShardReport {
    CURRENT_SHARD.with(|c| c.set(Some(id)));
    let mut rt = Runtime::new();
    let control = rt.spawn(|_| Control {
        owned: Vec::new(),
        stopping: false,
    });
    rt.run(Instant::now());
    if ready.send(control.remote()).is_err() {
        return ShardReport {
            shard: id.index,
            actors: 0,
        };
    }
    // The `Shards` holds a Remote to `control`, so the runtime never stalls.
    contained(&mut rt, |rt| {
        let _ = rt.run_until(|core| control.query(core, |c, _| c.stopping) != Some(false));
    });
    // Run what was delivered before the stop request, then stop the actors (each reports
    // `StopCause::Dropped` to whoever asked), then let the runtime's drop refuse the rest.
    contained(&mut rt, |rt| rt.run(Instant::now()));
    let owned = rt
        .query(&control, |c, _| std::mem::take(&mut c.owned))
        .unwrap_or_default();
    let actors = owned.len();
    owned.into_iter().for_each(drop_quietly);
    contained(&mut rt, |rt| rt.run(Instant::now()));
    drop_quietly(control);
    drop_quietly(rt);
    ShardReport {
        shard: id.index,
        actors,
    }
}

/// Runs `f` on the shard's runtime until it returns without a panic escaping it.
fn contained(rt: &mut Runtime, mut f: impl FnMut(&mut Runtime)) {
    while let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(rt))) {
        drop_payload(payload);
    }
}
