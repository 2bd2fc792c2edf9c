//! Placing actors on shards: [`Shards::spawn`] (blocking, for threads that are not shards) and
//! [`Shards::spawn_then`] (never blocks; the answer comes back as a call on the asking actor).

use std::marker::PhantomData;
use std::sync::mpsc;

use super::Shards;
use super::error::ShardError;
use super::thread::{Control, current_shard};
use crate::actor::Cx;
use crate::actor::own::ActorOwn;
use crate::remote::Remote;
use crate::unwind::drop_quietly;

impl Shards {
    /// Starts an actor on shard `shard` (its init runs there) and returns a [`Remote`] to it.
    /// The shard owns the actor until shutdown. Blocks until the shard has started it, so it is
    /// meant for threads that are not shards: `main`, a test, a plain thread, a worker.
    ///
    /// # Errors
    ///
    /// [`ShardError::NoSuchShard`]; [`ShardError::ShutDown`]; [`ShardError::WouldBlock`] when
    /// called on any shard thread, of this `Shards` or another: a shard that waits stops
    /// running its own actors, and two shards spawning onto each other would wait forever. From
    /// an actor, use [`spawn_then`](Shards::spawn_then), which never blocks.
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// let remote = shards.spawn(1, |_| String::from("on shard 1")).unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// remote.call(move |s, _| tx.send(s.clone()).unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), "on shard 1");
    /// ```
    ///
    /// On a shard it is refused:
    ///
    /// ```
    /// use spindle_actor::{ShardError, Shards};
    /// let shards = std::sync::Arc::new(Shards::new(2).unwrap());
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let inner = shards.clone();
    /// let on_0 = shards.spawn(0, |_| ()).unwrap();
    /// on_0.call(move |_, _| tx.send(inner.spawn(1, |_| ()).map(drop)).unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), Err(ShardError::WouldBlock { shard: 1 }));
    /// ```
    pub fn spawn<A, I>(&self, shard: usize, init: I) -> Result<Remote<A>, ShardError>
    where
        A: 'static,
        I: FnOnce(&mut Cx<'_, A>) -> A + Send + 'static,
    {
        let control = self
            .controls
            .get(shard)
            .ok_or(ShardError::NoSuchShard(shard))?;
        if current_shard().is_some() {
            return Err(ShardError::WouldBlock { shard });
        }
        let (tx, rx) = mpsc::sync_channel(1);
        control
            .call(move |control, cx| {
                let actor: ActorOwn<A> = cx.spawn(init);
                let _ = tx.send(actor.remote());
                control.own(actor);
            })
            .map_err(|_refused| ShardError::ShutDown)?;
        rx.recv().map_err(|_| ShardError::ShutDown)
    }

    /// Starts an actor on the shard of `key` ([`shard_of`](Shards::shard_of)).
    ///
    /// # Errors
    ///
    /// As [`spawn`](Shards::spawn).
    ///
    /// ```
    /// let shards = spindle_actor::Shards::new(2).unwrap();
    /// let user = shards.spawn_by_key(7, |_| 0u32).unwrap();
    /// user.call(|n, _| *n += 1).unwrap();
    /// ```
    pub fn spawn_by_key<A, I>(&self, key: u64, init: I) -> Result<Remote<A>, ShardError>
    where
        A: 'static,
        I: FnOnce(&mut Cx<'_, A>) -> A + Send + 'static,
    {
        self.spawn(self.shard_of(key), init)
    }

    /// Starts an actor on shard `shard` without waiting, from an actor (on a shard of any
    /// `Shards`, or on any other runtime), and answers by calling that actor with `then` and the
    /// result: the new actor's [`Remote`], or why it could not start. The shard owns the new
    /// actor until shutdown, as with [`spawn`](Shards::spawn).
    ///
    /// The answer is an ordinary call on the asking actor, queued after the calls it already
    /// has, the way [`Cx::offload`](crate::Cx) brings back its result: it arrives once the
    /// asking runtime runs (in [`Runtime::run_until`](crate::Runtime::run_until), or a later
    /// `run`). `then` runs exactly once while the asking actor lives: with `Ok`, with
    /// [`ShardError::NoSuchShard`], or with [`ShardError::ShutDown`] if the target shard had
    /// stopped (the request is dropped there unrun and its drop sends the answer). If the
    /// asking actor has stopped, or its runtime is gone, the answer is dropped quietly: `then`
    /// unrun and the new actor's `Remote` with it (the actor stays owned by its shard). A panic
    /// in `then` stops the asking actor, as in any call; a panicking `Drop` of `init` or `then`
    /// on the target shard is contained there.
    ///
    /// Costs two allocations (the request and the answer, each a remote call).
    ///
    /// ```
    /// use spindle_actor::{Cx, Remote, ShardError, Shards};
    /// use std::sync::{Arc, Weak};
    ///
    /// struct Worker { jobs: u32 }
    /// // A `Weak`: an actor holding an `Arc` of its own `Shards` would keep them alive forever.
    /// struct Dispatcher { shards: Weak<Shards>, worker: Option<Remote<Worker>>, done: std::sync::mpsc::Sender<u32> }
    ///
    /// impl Dispatcher {
    ///     fn start(&mut self, cx: &mut Cx<'_, Self>) {
    ///         let Some(shards) = self.shards.upgrade() else { return }; // shutting down
    ///         // On a shard thread: `shards.spawn(..)` would be refused with WouldBlock.
    ///         shards.spawn_then(1, |_| Worker { jobs: 0 }, cx,
    ///             |this, _, worker: Result<Remote<Worker>, ShardError>| {
    ///                 let worker = worker.expect("shard 1 is running");
    ///                 let done = this.done.clone();
    ///                 worker.call(move |w, _| { w.jobs += 1; done.send(w.jobs).unwrap() }).unwrap();
    ///                 this.worker = Some(worker);
    ///             });
    ///     }
    /// }
    ///
    /// let shards = Arc::new(Shards::new(2)?);
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let s = Arc::downgrade(&shards);
    /// let dispatcher = shards.spawn(0, move |_| Dispatcher { shards: s, worker: None, done: tx })?;
    /// dispatcher.call(|d, cx| d.start(cx)).unwrap();
    /// assert_eq!(rx.recv().unwrap(), 1); // the worker on shard 1 ran its first job
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn_then<A, I, B, T>(&self, shard: usize, init: I, cx: &mut Cx<'_, B>, then: T)
    where
        A: 'static,
        I: FnOnce(&mut Cx<'_, A>) -> A + Send + 'static,
        B: 'static,
        T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
    {
        let Some(control) = self.controls.get(shard) else {
            // Local: the asking actor's own queue, behind the calls it has.
            cx.this()
                .call(move |b, cx| then(b, cx, Err(ShardError::NoSuchShard(shard))));
            return;
        };
        let request = SpawnRequest {
            init: Some(init),
            then: Some(then),
            home: cx.this().remote(),
            _actor: PhantomData,
        };
        // Refused (the shard's runtime is gone): the request comes back inside the error, and
        // dropping it answers `ShutDown`.
        if let Err(refused) = control.call(move |control, cx| request.start(control, cx)) {
            drop_quietly(refused.into_inner());
        }
    }

    /// [`spawn_then`](Shards::spawn_then) on the shard of `key` ([`shard_of`](Shards::shard_of)).
    ///
    /// ```
    /// use spindle_actor::{Remote, Runtime, ShardError, Shards};
    /// let shards = Shards::new(2).unwrap();
    /// let mut rt = Runtime::new(); // not a shard: spawn_then works from any runtime
    /// let asker = rt.spawn(|_| None::<Remote<u32>>);
    /// asker.call(move |_, cx| {
    ///     shards.spawn_by_key_then(7, |_| 0u32, cx, |slot, _, r: Result<Remote<u32>, ShardError>| {
    ///         *slot = r.ok();
    ///     });
    /// });
    /// rt.run_until(|core| asker.query(core, |slot, _| slot.is_some()) == Some(true)).unwrap();
    /// ```
    pub fn spawn_by_key_then<A, I, B, T>(&self, key: u64, init: I, cx: &mut Cx<'_, B>, then: T)
    where
        A: 'static,
        I: FnOnce(&mut Cx<'_, A>) -> A + Send + 'static,
        B: 'static,
        T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
    {
        self.spawn_then(self.shard_of(key), init, cx, then);
    }
}

/// A [`Shards::spawn_then`] request on its way to the target shard's control actor, and back.
/// It answers exactly once: from [`start`](SpawnRequest::start), or from its drop if it never
/// ran (the shard shut down with it queued) with [`ShardError::ShutDown`].
struct SpawnRequest<A: 'static, B: 'static, I, T>
where
    T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
{
    init: Option<I>,
    then: Option<T>,
    /// The asking actor.
    home: Remote<B>,
    _actor: PhantomData<fn() -> A>,
}

impl<A: 'static, B: 'static, I, T> SpawnRequest<A, B, I, T>
where
    I: FnOnce(&mut Cx<'_, A>) -> A + 'static,
    T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
{
    /// On the target shard, as a call of its control actor: starts the actor and answers.
    /// Runs no user code (the init is queued), and drops user values only contained, so
    /// nothing here can stop the control actor.
    fn start(mut self, control: &mut Control, cx: &mut Cx<'_, Control>) {
        let (Some(init), Some(then)) = (self.init.take(), self.then.take()) else {
            return;
        };
        let actor: ActorOwn<A> = cx.spawn(init);
        let remote = actor.remote();
        control.own(actor);
        answer(&self.home, then, Ok(remote));
    }
}

impl<A: 'static, B: 'static, I, T> Drop for SpawnRequest<A, B, I, T>
where
    T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
{
    fn drop(&mut self) {
        // Dropped unrun (on the target shard, or back on the asker if the push was refused).
        drop_quietly(self.init.take());
        if let Some(then) = self.then.take() {
            answer(&self.home, then, Err(ShardError::ShutDown));
        }
    }
}

/// Sends `then(result)` to the asking actor; if its runtime is gone, drops it, contained.
fn answer<A: 'static, B: 'static, T>(
    home: &Remote<B>,
    then: T,
    result: Result<Remote<A>, ShardError>,
) where
    T: FnOnce(&mut B, &mut Cx<'_, B>, Result<Remote<A>, ShardError>) + Send + 'static,
{
    if let Err(refused) = home.call(move |b, cx| then(b, cx, result)) {
        drop_quietly(refused.into_inner());
    }
}
