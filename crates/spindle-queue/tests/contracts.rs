//! `Send`/`Sync` contracts, checked at compile time: the queues and the event count cross and
//! are shared between threads for `T: Send`, and not otherwise; errors box as
//! `Box<dyn Error + Send + Sync>`.

use std::cell::Cell;
use std::error::Error;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;

use spindle_queue::{
    BoundedIntoIter, BoundedQueue, CapacityError, Closed, EventCount, IntoIter, PopTimeoutError,
    PushError, PushTimeoutError, Queue,
};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}
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
fn queues_are_send_and_sync_for_send_values() {
    send_sync::<Queue<u64>>();
    send_sync::<BoundedQueue<u64>>();
    send_sync::<EventCount>();
    // `Sync` does not need `T: Sync`: values move between threads, they are never shared.
    send_sync::<Queue<Cell<u8>>>();
    send_sync::<BoundedQueue<Cell<u8>>>();
    send_sync::<Queue<Box<dyn FnOnce() + Send>>>();
    send::<IntoIter<u64>>();
    send::<BoundedIntoIter<u64>>();
    // Documented as usable across `catch_unwind` whatever `T` is.
    fn unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}
    unwind_safe::<Queue<Cell<u8>>>();
    unwind_safe::<BoundedQueue<Cell<u8>>>();
}

#[test]
fn queues_of_values_that_must_stay_on_their_thread_do_not_cross() {
    assert_not_impl!(Queue<Rc<u8>>: Send);
    assert_not_impl!(Queue<Rc<u8>>: Sync);
    assert_not_impl!(BoundedQueue<Rc<u8>>: Send);
    assert_not_impl!(BoundedQueue<Rc<u8>>: Sync);
    assert_not_impl!(IntoIter<Rc<u8>>: Send);
}

#[test]
fn errors_box_as_send_sync_errors() {
    shareable_error::<CapacityError>();
    shareable_error::<PopTimeoutError>();
    shareable_error::<PushError<u64>>();
    shareable_error::<PushTimeoutError<u64>>();
    shareable_error::<Closed<u64>>();
    shareable_error::<Closed>();
    // With the value handed back inside, an error is exactly as thread-safe as the value.
    assert_not_impl!(PushError<Rc<u8>>: Send);
    assert_not_impl!(Closed<Cell<u8>>: Sync);
}
