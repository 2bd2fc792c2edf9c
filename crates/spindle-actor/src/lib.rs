//! A single-threaded actor runtime in the style of Stakker: an actor's calls are closures
//! queued in one flat, reused buffer and run straight out of it, with no allocation and no
//! synchronization per call.
//!
//! ```
//! use spindle_actor::{Cx, Ret, Runtime};
//! use std::time::{Duration, Instant};
//!
//! struct Thermostat { target: f64, readings: Vec<f64> }
//!
//! impl Thermostat {
//!     fn reading(&mut self, cx: &mut Cx<'_, Self>, celsius: f64) {
//!         self.readings.push(celsius);
//!         if self.readings.len() == 3 {
//!             cx.stop();
//!         }
//!     }
//!     fn too_cold(&mut self, _: &mut Cx<'_, Self>, reply: Ret<bool>) {
//!         let last = self.readings.last().copied().unwrap_or(self.target);
//!         reply.ret(last < self.target);
//!     }
//! }
//!
//! let t0 = Instant::now();
//! let mut rt = Runtime::builder().start(t0).build().unwrap();
//! let thermostat = rt.spawn(|_| Thermostat { target: 20.0, readings: Vec::new() });
//! thermostat.call(|this, cx| this.reading(cx, 18.5));
//!
//! let answer = std::rc::Rc::new(std::cell::Cell::new(None));
//! let sink = answer.clone();
//! thermostat.call(move |this, cx| this.too_cold(cx, Ret::new(move |cold| sink.set(cold))));
//! rt.run(t0);
//! assert_eq!(answer.get(), Some(true));
//! ```
//!
//! # Design and trade-offs
//!
//! - **Flat call queue.** A call is a closure `FnOnce(&mut A, &mut Cx<A>)`. It is written into
//!   a byte buffer behind one word: a function pointer monomorphised for the closure's type,
//!   which reads the closure back out and runs (or drops) it. No vtable layout is assumed, so
//!   the queue runs under Miri; closures over 256 bytes or aligned over 16 are boxed. The
//!   runtime keeps two buffers and swaps them (one runs while calls land in the other), so a
//!   warmed-up runtime allocates nothing per call. Calls run in the order they were made.
//! - **One thread, no locks.** Handles are `Rc`s and state is reached through `Cell`s; nothing
//!   on the call path is atomic. Several runtimes can share a thread; none is `Send`. For more
//!   cores, run one runtime per core and shard work between them.
//! - **Lifecycle.** An actor is created in *Prep* (calls wait), becomes *Ready* when its init
//!   returns its state, and ends as a *Zombie* with a [`StopCause`] reported to whoever created
//!   it: stopped, failed, panicked, killed, or dropped by its last [`ActorOwn`]. A zombie's
//!   queued calls are dropped unrun, so every [`Ret`] they carry delivers `None`.
//! - **Panics stay in their actor.** Each call runs under `catch_unwind`; a panic makes that
//!   actor a zombie with [`StopCause::Panicked`] and the runtime and other actors carry on.
//! - **Time is passed in.** [`Runtime::run`] takes `now`, so tests drive timers with a
//!   virtual clock. Timers are a 4-ary heap over a slab of inline closures (no allocation per
//!   timer once warm), with lazy cancellation by [`TimerKey`].
//! - **Shared state without `RefCell`.** A [`Share`] is borrowed through the runtime's
//!   [`Core`], so conflicting borrows are compile errors, not run-time panics.
//! - **Other threads** reach an actor through a [`Remote`] (one boxed closure and one push onto
//!   a lock-free spindle-queue [`Queue`](spindle_queue::Queue) per call) or wake the runtime
//!   through a [`Waker`]. A runtime sleeping in [`Runtime::run_until`] parks on that queue's
//!   [`EventCount`](spindle_utils::EventCount), the waiting primitive all of Spindle shares:
//!   the sender pays for an unpark only if the runtime actually sleeps. Calls racing the
//!   runtime's shutdown run, are dropped by it, or come back to the sender as [`Closed`]
//!   (model-checked in `tests/loom_remote.rs`).
//!
//! - **Heavy work** goes to a spindle-executor pool with `Cx::offload` (feature `executor`):
//!   the result, or the work's panic, comes back to the actor as an ordinary call.
//! - **More cores**: [`Shards`] runs one runtime per thread (pinned if asked), places actors
//!   by shard or by key, and stops them all cleanly; actors on different shards call each
//!   other through `Remote`s.
//!
//! What it costs: a `Fwd` or `Ret` allocates once when made (a `Ret` per request, as in
//! Stakker); a `Remote` call allocates its box. Local calls, timers and idle calls do not.
//! What a burst grows is given back once the runtime is idle: each call buffer keeps
//! `max(queue_bytes, 2 MiB)`, the timer store room for `max(timer_capacity, 16 384)` timers,
//! the idle queue 16 384 calls ([`RuntimeBuilder::queue_bytes`],
//! [`RuntimeBuilder::timer_capacity`]). Sizes whose bytes overflow are a
//! [`BuildError::TooLarge`] naming the setting, not a panic.
//!
//! # One vocabulary with the rest of Spindle
//!
//! What this crate hands out is the toolkit's shared types, re-exported from spindle-utils:
//! a call or wake refused because the runtime is gone comes back as [`Closed`] (the closure
//! inside), a caught panic is a [`Panic`] (in [`StopCause::Panicked`] and
//! `OffloadError::Panicked`), and both builders fail with [`BuildError`]. [`ShardsBuilder`]
//! has the thread setters every Spindle builder has (`num_threads`, `thread_name`,
//! `stack_size`, `pin_to_cores`). Every error is `Send + Sync` except [`StopCause`], which
//! carries the actor's own `Box<dyn Error>` and stays on the runtime's thread.
//!
//! # Waiting across parts
//!
//! A runtime's thread waits in one place only: [`Runtime::run_until`]'s sleep, which any letter
//! or timer ends. What an actor does beyond that:
//!
//! - **Shards.** [`Shards::spawn`] blocks until the target shard has started the actor, so on a
//!   shard thread (of any `Shards`; two shards waiting on each other would never answer) it is
//!   refused with [`ShardError::WouldBlock`] and waits for nothing. [`Shards::spawn_then`] never
//!   blocks: the new actor's [`Remote`] (or [`ShardError::NoSuchShard`] /
//!   [`ShardError::ShutDown`]) comes back as a call on the asking actor, from any runtime, and is
//!   dropped quietly if that actor has stopped. Calls through a `Remote` never wait.
//! - **Executor and item pools.** `Cx::offload` (feature `executor`) never blocks: the result
//!   comes back as a call. A blocking call from an actor into a spindle-executor pool (`install`,
//!   `join`, `JoinHandle::join`) or a spindle-pool item pool (`send_and_receive`) is a plain
//!   blocking wait of the runtime's thread: its other actors, timers and letters wait with it,
//!   and if the work it waits for waits on this runtime in turn (a [`Shards::spawn`] onto this
//!   shard from a pool thread, a reply this actor was to send), it never returns. Prefer
//!   `offload` and `spawn_then` from actors.
//! - **Shutdown.** [`Shards::shutdown`] waits for the shard threads to finish their current
//!   call; called on one of its own shards it skips that thread, and from another instance's
//!   shard it joins and reports them all.
//! - **Panics.** User code on a shard (calls, inits, timers, idle calls, the drops of closures,
//!   captures and states, and a [`Shards::spawn_then`] request's) is contained: it stops at most
//!   its actor, never the shard thread.
//!
//! # Layout
//!
//! Each file has one job; a file uses only files listed above it (no module uses one that uses
//! it back). Bottom to top:
//!
//! | layer | files | what |
//! |---|---|---|
//! | 1 | `unwind.rs`, `fwd.rs`, `cause.rs` | containing panicking drops; [`Fwd`]/[`Ret`]; [`StopCause`] |
//! | 1 | `queue/flat.rs`, `queue/small_call.rs` | how calls are stored: the flat call queue, one inline closure (unsafe, invariants F1–F3, S1–S3) |
//! | 1 | `timers/heap.rs`, `timers/mod.rs` | the timer store: a 4-ary heap of deadlines over a slab of calls; [`TimerKey`] |
//! | 1 | `remote/registry.rs`, `remote/inbox.rs` | what handles name by slot; the cross-thread letter queue |
//! | 2 | `runtime/shared.rs` | what handles reach without a `Core`: call queue, registry, inbox (unsafe, SH1) |
//! | 3 | `runtime/core.rs` | [`Core`]: clock, timers, idle queue, deferred calls |
//! | 4 | `actor/mod.rs`, `actor/cx.rs`, `actor/own.rs` | the actor cell and [`Actor`] (unsafe, A1–A2); [`Cx`]; [`ActorOwn`] and `Core::spawn` |
//! | 5 | `share.rs` | [`Share`] (unsafe, H1) |
//! | 5 | `remote/mod.rs`, `remote/waker.rs` | [`Remote`] and `Actor::remote`; [`Waker`] and `Core::waker` |
//! | 6 | `runtime/mod.rs`, `runtime/builder.rs` | [`Runtime`]: the run loop, letters, sleep, teardown; [`RuntimeBuilder`] |
//! | 7 | `offload.rs` | `Cx::offload` (feature `executor`) |
//! | 7 | `shards/error.rs`, `shards/thread.rs`, `shards/mod.rs`, `shards/builder.rs`, `shards/spawn.rs` | [`ShardError`]; a shard thread's loop; [`Shards`] and shutdown; [`ShardsBuilder`]; placing actors |
//!
//! Types that refer to each other across layers are generic below (the queue, the timer
//! store, the inbox and `Shared` take the call context `C`, which is `Core`), and the methods
//! a higher layer adds to a lower type live with the higher layer (`Core::spawn` in
//! `actor/own.rs`, `Core::waker` in `remote/waker.rs`, `Actor::remote` in `remote/mod.rs`).
//!
//! # From async code
//!
//! [`Remote::ask`] sends a closure to an actor from any thread and returns a future of its
//! answer: `Ok(r)`, or [`Closed`] if the actor stopped (or its runtime went away) before the
//! call ran, as a `Ret` answers `None`. It works under any async runtime (`std::task` only);
//! the actor's runtime stays a thread of its own, with no lock and no allocation per call
//! inside it.
//!
//! ```
//! use spindle_actor::Runtime;
//!
//! let (tx, rx) = std::sync::mpsc::channel();
//! let actor_thread = std::thread::spawn(move || {
//!     let mut rt = Runtime::new();
//!     let totals = rt.spawn(|_| Vec::<u64>::new());
//!     tx.send(totals.remote()).unwrap();
//!     let _ = rt.run_until(|_| false); // until the last `Remote` is gone
//! });
//! let remote = rx.recv().unwrap();
//! let tokio = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let len = tokio.block_on(async {
//!     for i in 0..10 {
//!         remote.ask(move |v, _| v.push(i)).await.unwrap();
//!     }
//!     remote.ask(|v, _| v.len()).await
//! });
//! assert_eq!(len, Ok(10));
//! drop(remote);
//! actor_thread.join().unwrap();
//! ```
//!
//! # What does not compile
//!
//! Actors and runtimes stay on their thread; only [`Remote`] and [`Waker`] cross:
//!
//! ```compile_fail
//! fn send<T: Send>(_: T) {}
//! let mut rt = spindle_actor::Runtime::new();
//! let actor = rt.spawn(|_| ());
//! send(actor.actor().clone()); // Actor is not Send
//! ```
//!
//! ```compile_fail
//! fn send<T: Send>(_: T) {}
//! send(spindle_actor::Runtime::new()); // nor is a Runtime
//! ```
//!
//! ```compile_fail
//! let mut rt = spindle_actor::Runtime::new();
//! let actor = rt.spawn(|_| 0u32);
//! let local = std::rc::Rc::new(1u32);
//! actor.remote().call(move |n, _| *n += *local); // a remote call's closure must be Send
//! ```
//!
//! ```compile_fail
//! let mut rt = spindle_actor::Runtime::new();
//! let share = spindle_actor::Share::new(&rt, 0u32);
//! let a = share.rw(&mut rt);
//! let b = share.rw(&mut rt); // two writable borrows of a Share: a compile error, not a panic
//! *a += *b;
//! ```

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(unsafe_op_in_unsafe_fn)]

mod actor;
mod cause;
mod fwd;
#[cfg(feature = "executor")]
mod offload;
mod queue;
mod remote;
mod runtime;
mod shards;
mod share;
mod timers;
mod unwind;

pub use actor::own::ActorOwn;
pub use actor::{Actor, Cx};
pub use cause::StopCause;
pub use fwd::{Fwd, Ret};
#[cfg(feature = "executor")]
#[cfg_attr(docsrs, doc(cfg(feature = "executor")))]
pub use offload::OffloadError;
pub use remote::Remote;
pub use remote::waker::Waker;
pub use runtime::builder::RuntimeBuilder;
pub use runtime::core::Core;
pub use runtime::{Runtime, Stalled};
pub use shards::Shards;
pub use shards::builder::ShardsBuilder;
pub use shards::error::ShardError;
pub use shards::thread::ShardReport;
pub use share::Share;
pub use spindle_utils::{BuildError, Closed, MAX_THREADS, Panic};
pub use timers::TimerKey;

/// Renamed [`RuntimeBuilder`]; this alias goes in 0.2.
#[deprecated(since = "0.2.0", note = "renamed to `RuntimeBuilder`")]
pub type Builder = RuntimeBuilder;

/// Renamed [`Closed`], the toolkit's one "refused, value handed back" error; this alias goes in
/// 0.2.
#[deprecated(
    since = "0.2.0",
    note = "renamed to `Closed` (spindle_utils::Closed, re-exported here)"
)]
pub type ShutDown<T = ()> = Closed<T>;
