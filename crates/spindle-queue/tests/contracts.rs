//! `Send`/`Sync` contracts, checked at compile time: the queues and the event count cross and
//! are shared between threads for `T: Send`, and not otherwise; errors box as
//! `Box<dyn Error + Send + Sync>`.

use std::cell::Cell;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;

use spindle_queue::{
    BoundedIntoIter, BoundedQueue, CapacityError, Closed, EventCount, IntoIter, PopTimeoutError,
    PushError, PushTimeoutError, Queue,
};
use spindle_test_support::{assert_not_impl_any, send, send_sync, shareable_error};

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
    assert_not_impl_any!(Queue<Rc<u8>>: Send);
    assert_not_impl_any!(Queue<Rc<u8>>: Sync);
    assert_not_impl_any!(BoundedQueue<Rc<u8>>: Send);
    assert_not_impl_any!(BoundedQueue<Rc<u8>>: Sync);
    assert_not_impl_any!(IntoIter<Rc<u8>>: Send);
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
    assert_not_impl_any!(PushError<Rc<u8>>: Send);
    assert_not_impl_any!(PushTimeoutError<Rc<u8>>: Send);
    assert_not_impl_any!(Closed<Cell<u8>>: Sync);
    // And they do go into the boxes `?` and `anyhow` use.
    let boxed: Vec<Box<dyn std::error::Error + Send + Sync>> = vec![
        Box::new(PushError::Full(1u64)),
        Box::new(PushTimeoutError::Timeout(2u64)),
        Box::new(PopTimeoutError::Timeout),
        Box::new(Closed(3u64)),
        Box::new(BoundedQueue::<u8>::new(0).unwrap_err()),
    ];
    assert!(boxed.iter().all(|e| !e.to_string().is_empty()));
}
