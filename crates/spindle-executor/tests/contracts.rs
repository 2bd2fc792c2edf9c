//! `Send`/`Sync` contracts, checked at compile time: what must cross threads does, and what
//! must not, does not. (What does not compile at a call site is in the crate docs' `compile_fail`
//! examples.) `pool.rs` checks `ThreadPool`, `JoinHandle: Send` and `BuildError` too.

use std::rc::Rc;

use spindle_executor::{
    BuildError, Closed, JoinHandle, LengthMismatch, Panic, PoolStats, Scope, ThreadPool,
    ThreadPoolBuilder, WorkerStats,
};
use spindle_test_support::{assert_not_impl_any, send, send_sync, shareable_error};

fn sync<T: Sync>() {}

#[test]
fn handles_shared_between_threads_are_send_and_sync() {
    send_sync::<ThreadPool>();
    send_sync::<std::sync::Arc<ThreadPool>>();
    // A handle may be joined on another thread, or polled (`is_finished`) from several.
    send_sync::<JoinHandle<u64>>();
    send_sync::<JoinHandle<std::sync::Mutex<Vec<u8>>>>();
    // Every task of a scope gets `&Scope`, on whatever worker runs it.
    sync::<Scope<'static>>();
    send::<&Scope<'static>>();
    send_sync::<PoolStats>();
    send_sync::<WorkerStats>();
    // The naming closure must be `Send + Sync`, so a builder may be handed to another thread.
    send_sync::<ThreadPoolBuilder>();
}

#[test]
fn errors_cross_threads_and_box_as_send_sync_errors() {
    shareable_error::<BuildError>();
    shareable_error::<LengthMismatch>();
    // The refused job comes back whole: as `Send`/`Sync` as the closure inside.
    send_sync::<Closed<fn()>>();
    send::<Closed<Box<dyn FnOnce() + Send>>>();
    shareable_error::<Closed<fn()>>();
    // A task's panic travels from the worker to the joiner, and (the shared `Panic`) converts
    // into `Box<dyn Error + Send + Sync>` (or `anyhow::Error`) directly.
    shareable_error::<Panic>();
}

#[test]
fn what_stays_on_one_thread_does_not_cross() {
    // A refused job comes back with exactly the thread-safety of the closure it holds.
    assert_not_impl_any!(Closed<Rc<u8>>: Send);
    assert_not_impl_any!(Closed<std::cell::Cell<u8>>: Sync);
}

#[test]
#[allow(deprecated)]
fn the_old_names_still_name_the_new_types() {
    fn same<T>(_: T, _: T) {}
    same(
        spindle_executor::ExecuteError::<u8>::from(Closed(1)),
        Closed(1),
    );
    let _: spindle_executor::TaskPanic = Panic::new(Box::new("boom"));
    let _: spindle_executor::Builder = ThreadPool::builder();
}
