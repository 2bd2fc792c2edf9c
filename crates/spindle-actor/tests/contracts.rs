//! `Send`/`Sync` contracts, checked at compile time: the handles made to cross threads do (for
//! any actor type, `Send` or not), the ones tied to a runtime's thread do not, and errors box
//! as thread-safe errors where their payload allows. The crate docs' `compile_fail` examples
//! show the same at call sites.

use std::cell::Cell;
use std::rc::Rc;

use spindle_actor::{
    Actor, ActorOwn, BuildError, Closed, Core, Cx, Fwd, Panic, Remote, Ret, Runtime,
    RuntimeBuilder, ShardError, ShardReport, Shards, ShardsBuilder, Share, Stalled, StopCause,
    TimerKey, Waker,
};
use spindle_test_support::{assert_not_impl_any, send_sync, shareable_error};

#[test]
fn cross_thread_handles_are_send_and_sync_whatever_the_actor() {
    // A tuple is `Send + Sync` exactly when each of its elements is.
    send_sync::<(
        Remote<u8>,
        Remote<Rc<Cell<u8>>>, // the actor's state never leaves its thread
        Waker,
        Shards, // may be moved into (and shut down from) one of its own actors
        ShardsBuilder,
        ShardReport,
        TimerKey,
        RuntimeBuilder,
    )>();
}

#[test]
fn errors_box_as_send_sync_errors() {
    // This crate's own.
    shareable_error::<ShardError>();
    shareable_error::<Stalled>();
    // The shared ones it hands out (spindle-utils'). A refused call or wake comes back as a
    // `Closed` holding the closure (or nothing), exactly as thread-safe as what it holds.
    shareable_error::<Closed<fn()>>();
    assert_not_impl_any!(Closed<Rc<u8>>: Send);
    shareable_error::<Closed>();
    shareable_error::<BuildError>();
    shareable_error::<Panic>();
    // `StopCause` carries the actor's `Box<dyn Error>` and is delivered on the runtime's own
    // thread: it is neither `Send` nor `Sync` (documented on the type).
    assert_not_impl_any!(StopCause: Send, Sync);
}

#[cfg(feature = "executor")]
#[test]
fn an_offload_error_boxes_as_a_send_sync_error() {
    // It holds the work's `Panic`, which is `Send + Sync` whatever the payload.
    shareable_error::<spindle_actor::OffloadError>();
}

#[test]
fn runtime_bound_handles_stay_on_their_thread() {
    assert_not_impl_any!(Runtime: Send, Sync);
    assert_not_impl_any!(Core: Send);
    assert_not_impl_any!(Actor<u8>: Send, Sync);
    assert_not_impl_any!(ActorOwn<u8>: Send);
    assert_not_impl_any!(Cx<'static, u8>: Send);
    assert_not_impl_any!(Fwd<u8>: Send);
    assert_not_impl_any!(Ret<u8>: Send);
    assert_not_impl_any!(Share<u8>: Send, Sync);
}
