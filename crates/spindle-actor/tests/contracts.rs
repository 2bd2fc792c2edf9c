//! `Send`/`Sync` contracts, checked at compile time: the handles made to cross threads do (for
//! any actor type, `Send` or not), the ones tied to a runtime's thread do not, and errors box
//! as thread-safe errors where they can. The crate docs' `compile_fail` examples show the same
//! at call sites; `fwd_ret.rs` checks `Remote`, `Waker`, `ShutDown` and `Stalled` too.

use std::cell::Cell;
use std::error::Error;
use std::rc::Rc;

use spindle_actor::{
    Actor, ActorOwn, Builder, Core, Cx, Fwd, Remote, Ret, Runtime, ShardError, ShardReport, Shards,
    ShardsBuilder, Share, ShutDown, Stalled, StopCause, TimerKey, Waker,
};

fn send_sync<T: Send + Sync>() {}
fn shareable_error<E: Error + Send + Sync + 'static>() {}

/// Compiles only if `$t` does *not* implement `$tr` (the `static_assertions` trick: with the
/// impl, the two blanket impls below make the call ambiguous).
macro_rules! assert_not_impl {
    ($t:ty: $tr:path) => {{
        trait AmbiguousIfImpl<A> {
            fn check() {}
        }
        impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
        #[allow(dead_code)]
        struct Invalid;
        impl<T: ?Sized + $tr> AmbiguousIfImpl<Invalid> for T {}
        let _ = <$t as AmbiguousIfImpl<_>>::check;
    }};
}

#[test]
fn cross_thread_handles_are_send_and_sync_whatever_the_actor() {
    send_sync::<Remote<u8>>();
    send_sync::<Remote<Rc<Cell<u8>>>>(); // the actor's state never leaves its thread
    send_sync::<Waker>();
    // `Shards` may be moved into (and shut down from) one of its own actors.
    send_sync::<Shards>();
    send_sync::<ShardsBuilder>();
    send_sync::<ShardReport>();
    send_sync::<TimerKey>();
    send_sync::<Builder>();
}

#[test]
fn errors_box_as_send_sync_errors() {
    shareable_error::<ShardError>();
    shareable_error::<spindle_actor::BuildError>();
    shareable_error::<Stalled>();
    shareable_error::<ShutDown>();
    shareable_error::<ShutDown<fn()>>();
    // A handed-back closure is exactly as thread-safe as the closure.
    assert_not_impl!(ShutDown<Rc<u8>>: Send);
    // `StopCause` carries the actor's `Box<dyn Error>` and is delivered on the runtime's own
    // thread: it is neither `Send` nor `Sync`.
    assert_not_impl!(StopCause: Send);
}

#[cfg(feature = "executor")]
#[test]
fn an_offload_error_crosses_threads_but_is_not_sync() {
    fn send_error<E: Error + Send + 'static>() {}
    send_error::<spindle_actor::OffloadError>();
    // It holds the work's `TaskPanic` (a `Box<dyn Any + Send>` payload), so it is not `Sync`
    // and does not box as `Box<dyn Error + Send + Sync>`: recorded so a change is noticed.
    assert_not_impl!(spindle_actor::OffloadError: Sync);
}

#[test]
fn runtime_bound_handles_stay_on_their_thread() {
    assert_not_impl!(Runtime: Send);
    assert_not_impl!(Runtime: Sync);
    assert_not_impl!(Core: Send);
    assert_not_impl!(Actor<u8>: Send);
    assert_not_impl!(Actor<u8>: Sync);
    assert_not_impl!(ActorOwn<u8>: Send);
    assert_not_impl!(Cx<'static, u8>: Send);
    assert_not_impl!(Fwd<u8>: Send);
    assert_not_impl!(Ret<u8>: Send);
    assert_not_impl!(Share<u8>: Send);
    assert_not_impl!(Share<u8>: Sync);
}
