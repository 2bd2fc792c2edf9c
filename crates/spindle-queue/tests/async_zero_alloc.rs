//! An async pop or push allocates nothing, also when it has to wait: its waiter's node lives
//! in the future. Counted with the process-wide `CountingAllocator`, so this binary holds one
//! test.

#![cfg(not(spindle_loom))]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use spindle_queue::{BoundedQueue, Queue};
use spindle_test_support::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// A waker whose clone and wake allocate nothing (a reference count), as runtimes' wakers do.
struct Flag;

impl Wake for Flag {
    fn wake(self: Arc<Self>) {}
}

/// Rounds counted (fewer under Miri).
const ROUNDS: usize = if cfg!(miri) { 20 } else { 1_000 };

#[test]
fn async_pops_and_pushes_allocate_nothing() {
    let unbounded = Queue::with_capacity(4).unwrap();
    let bounded = BoundedQueue::new(1).unwrap();
    let waker = Waker::from(Arc::new(Flag));
    let mut cx = Context::from_waker(&waker);
    let ((), allocations) = ALLOC.count(|| {
        for i in 0..ROUNDS {
            // A pop that waits: registers, is woken by the push, completes on the next poll.
            let mut pop = pin!(unbounded.pop_async());
            assert!(pop.as_mut().poll(&mut cx).is_pending());
            unbounded.push(i).unwrap();
            assert_eq!(pop.as_mut().poll(&mut cx), Poll::Ready(Ok(i)));

            // A push that waits for room, and a bounded pop that does not wait.
            bounded.push(i).unwrap();
            let mut push = pin!(bounded.push_async(i + 1));
            assert!(push.as_mut().poll(&mut cx).is_pending());
            assert_eq!(bounded.pop(), Some(i));
            assert_eq!(push.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
            let mut pop = pin!(bounded.pop_async());
            assert_eq!(pop.as_mut().poll(&mut cx), Poll::Ready(Ok(i + 1)));
        }
    });
    assert_eq!(
        allocations, 0,
        "{allocations} allocations in {ROUNDS} rounds"
    );

    // Under a real executor too, once its thread-local waker exists: a first call makes it.
    futures::executor::block_on(async {
        bounded.push_async(0).await.unwrap();
        bounded.pop_async().await.unwrap();
    });
    let ((), allocations) = ALLOC.count(|| {
        futures::executor::block_on(async {
            for i in 0..ROUNDS {
                bounded.push_async(i).await.unwrap();
                assert_eq!(bounded.pop_async().await, Ok(i));
                unbounded.push(i).unwrap();
                assert_eq!(unbounded.pop_async().await, Ok(i));
            }
        })
    });
    assert_eq!(allocations, 0, "{allocations} allocations under block_on");
}
