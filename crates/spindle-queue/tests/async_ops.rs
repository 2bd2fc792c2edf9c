//! The async ends of both queues: under tokio (current_thread and multi_thread with two
//! workers) and `futures::executor::block_on`, mixed with blocking and non-blocking ends,
//! woken by `close`, and cancellation-safe.

#![cfg(not(spindle_loom))]

use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use spindle_queue::{BoundedQueue, Closed, PopFuture, PushFuture, Queue};
use spindle_test_support::{Tokens, assert_impl_all, counting_waker, scaled};

assert_impl_all!(PopFuture<'static, u8>: Send, Sync);
assert_impl_all!(PushFuture<'static, u8>: Send, Sync);
#[cfg(feature = "futures")]
assert_impl_all!(spindle_queue::PopStream<'static, u8>: Send, Sync);

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// Values per producer (fewer under Miri).
fn per_producer() -> u64 {
    scaled(2_000) as u64
}

/// Two async producers and two async consumers on `runtime`; every value arrives exactly once.
fn async_mpmc<Q, Push, PushF, Pop, PopF>(
    runtime: &tokio::runtime::Runtime,
    q: Arc<Q>,
    push: Push,
    pop: Pop,
) where
    Q: Send + Sync + 'static,
    Push: Fn(Arc<Q>, u64) -> PushF + Copy + Send + 'static,
    PushF: Future<Output = ()> + Send,
    Pop: Fn(Arc<Q>) -> PopF + Copy + Send + 'static,
    PopF: Future<Output = Option<u64>> + Send,
{
    runtime.block_on(async {
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let q = Arc::clone(&q);
                tokio::spawn(async move {
                    for i in 0..per_producer() {
                        push(Arc::clone(&q), p * per_producer() + i).await;
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    while let Some(v) = pop(Arc::clone(&q)).await {
                        got.push(v);
                    }
                    got
                })
            })
            .collect();
        for p in producers {
            p.await.unwrap();
        }
        // The producers are done; consumers drain the rest, then see the close.
        push(Arc::clone(&q), u64::MAX).await;
        push(Arc::clone(&q), u64::MAX).await;
        let mut all = HashSet::new();
        for c in consumers {
            for v in c.await.unwrap() {
                assert!(all.insert(v), "{v} delivered twice");
            }
        }
        assert_eq!(all.len() as u64, 2 * per_producer());
    });
}

/// `u64::MAX` is the end marker each consumer stops at.
fn bounded_mpmc(runtime: &tokio::runtime::Runtime) {
    async_mpmc(
        runtime,
        Arc::new(BoundedQueue::new(4).unwrap()),
        |q, v| async move { q.push_async(v).await.unwrap() },
        |q| async move { q.pop_async().await.ok().filter(|&v| v != u64::MAX) },
    );
}

fn unbounded_mpmc(runtime: &tokio::runtime::Runtime) {
    async_mpmc(
        runtime,
        Arc::new(Queue::new()),
        |q, v| async move { q.push(v).unwrap() },
        |q| async move { q.pop_async().await.ok().filter(|&v| v != u64::MAX) },
    );
}

#[test]
fn bounded_async_mpmc_current_thread() {
    bounded_mpmc(&current_thread());
}

#[test]
fn bounded_async_mpmc_multi_thread() {
    bounded_mpmc(&multi_thread());
}

#[test]
fn unbounded_async_mpmc_current_thread() {
    unbounded_mpmc(&current_thread());
}

#[test]
fn unbounded_async_mpmc_multi_thread() {
    unbounded_mpmc(&multi_thread());
}

#[test]
fn sync_producer_threads_feed_async_consumers() {
    let runtime = multi_thread();
    let q = Arc::new(BoundedQueue::new(8).unwrap());
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for i in 0..per_producer() {
                    q.push_blocking(p * per_producer() + i).unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            runtime.spawn(async move {
                let mut sum = 0;
                while let Ok(v) = q.pop_async().await {
                    sum += v;
                }
                sum
            })
        })
        .collect();
    producers.into_iter().for_each(|p| p.join().unwrap());
    q.close();
    let total: u64 = runtime.block_on(async {
        let mut total = 0;
        for c in consumers {
            total += c.await.unwrap();
        }
        total
    });
    let n = 2 * per_producer();
    assert_eq!(total, n * (n - 1) / 2);
}

#[test]
fn async_producers_feed_blocking_consumer_threads() {
    let runtime = current_thread();
    let q = Arc::new(BoundedQueue::new(2).unwrap());
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || std::iter::from_fn(|| q.pop_blocking().ok()).sum::<u64>())
        })
        .collect();
    runtime.block_on(async {
        for i in 0..per_producer() {
            q.push_async(i).await.unwrap();
        }
    });
    q.close();
    let total: u64 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(total, per_producer() * (per_producer() - 1) / 2);
}

#[test]
fn block_on_pops_what_another_thread_pushes() {
    let n = scaled(1000) as u32;
    let q = Arc::new(Queue::new());
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || (0..n).for_each(|i| q.push(i).unwrap()))
    };
    let got: Vec<u32> = futures::executor::block_on(async {
        let mut got = Vec::new();
        for _ in 0..n {
            got.push(q.pop_async().await.unwrap());
        }
        got
    });
    producer.join().unwrap();
    assert_eq!(got, (0..n).collect::<Vec<_>>());
}

#[test]
fn close_wakes_pending_async_pops_and_pushes() {
    let runtime = multi_thread();
    let unbounded = Arc::new(Queue::<u8>::new());
    let bounded = Arc::new(BoundedQueue::new(1).unwrap());
    bounded.push(0u8).unwrap();
    let pop = {
        let q = Arc::clone(&unbounded);
        runtime.spawn(async move { q.pop_async().await })
    };
    let bounded_pop = {
        let q = Arc::new(BoundedQueue::<u8>::new(1).unwrap());
        let waiter = Arc::clone(&q);
        (q, runtime.spawn(async move { waiter.pop_async().await }))
    };
    let push = {
        let q = Arc::clone(&bounded);
        runtime.spawn(async move { q.push_async(9).await })
    };
    thread::sleep(Duration::from_millis(20)); // let all three register
    assert!(!pop.is_finished() && !push.is_finished() && !bounded_pop.1.is_finished());
    unbounded.close();
    bounded.close();
    bounded_pop.0.close();
    runtime.block_on(async {
        assert_eq!(pop.await.unwrap(), Err(Closed(())));
        assert_eq!(push.await.unwrap(), Err(Closed(9)));
        assert_eq!(bounded_pop.1.await.unwrap(), Err(Closed(())));
    });
    // What was in before the close is still delivered.
    assert_eq!(bounded.pop(), Some(0));
}

#[test]
fn a_dropped_pending_pop_takes_no_value() {
    let q = Queue::new();
    let (_, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    {
        let mut pop = pin!(q.pop_async());
        assert!(pop.as_mut().poll(&mut cx).is_pending());
        q.push(1).unwrap();
        // Dropped notified, unpolled.
    }
    assert_eq!(q.pop(), Some(1));
}

#[test]
fn a_dropped_notified_pop_passes_the_wake_up_on() {
    let q = BoundedQueue::new(2).unwrap();
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    let mut a = Box::pin(q.pop_async());
    let mut b = pin!(q.pop_async());
    assert!(
        a.as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending()
    );
    assert!(
        b.as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending()
    );
    q.push('x').unwrap(); // wakes `a`, the oldest
    assert_eq!((first.0.load(SeqCst), second.0.load(SeqCst)), (1, 0));
    drop(a);
    assert_eq!(
        second.0.load(SeqCst),
        1,
        "the drop passed the wake-up to `b`"
    );
    assert_eq!(
        b.as_mut().poll(&mut Context::from_waker(&second_waker)),
        Poll::Ready(Ok('x'))
    );
}

#[test]
fn a_dropped_pending_push_hands_nothing_to_the_queue() {
    let tokens = Tokens::new();
    let q = BoundedQueue::new(1).unwrap();
    q.push(tokens.token()).unwrap();
    let (_, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    {
        let mut push = pin!(q.push_async(tokens.token()));
        assert!(push.as_mut().poll(&mut cx).is_pending());
        assert_eq!(q.len(), 1);
    }
    assert_eq!(
        tokens.dropped(),
        1,
        "the unpushed value was dropped with its future"
    );
    drop(q.pop());
    assert!(q.pop().is_none(), "the dropped push left nothing behind");
    tokens.assert_each_dropped_once();
}

#[test]
fn a_pending_push_completes_when_a_pop_makes_room() {
    let q = BoundedQueue::new(1).unwrap();
    q.push(1).unwrap();
    let (woken, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut push = pin!(q.push_async(2));
    assert!(push.as_mut().poll(&mut cx).is_pending());
    assert_eq!(q.pop(), Some(1));
    assert_eq!(woken.0.load(SeqCst), 1);
    assert_eq!(push.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(q.pop(), Some(2));
}

#[test]
fn dropping_a_runtime_with_pops_pending_leaves_the_queue_usable() {
    let q = Arc::new(BoundedQueue::new(2).unwrap());
    let runtime = multi_thread();
    for _ in 0..4 {
        let q = Arc::clone(&q);
        runtime.spawn(async move { q.pop_async().await });
    }
    thread::sleep(Duration::from_millis(20));
    drop(runtime); // drops the pending futures, unlinking their waiters
    q.push(1).unwrap();
    assert_eq!(q.pop_timeout(Duration::from_secs(5)), Ok(1));
    assert_eq!(Arc::strong_count(&q), 1);
}

#[cfg(feature = "futures")]
mod stream {
    use super::*;
    use futures::StreamExt;

    #[test]
    fn stream_ends_at_close_after_draining() {
        let runtime = multi_thread();
        let q = Arc::new(Queue::new());
        let consumer = {
            let q = Arc::clone(&q);
            runtime.spawn(async move { q.stream().collect::<Vec<u32>>().await })
        };
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                (0..scaled(500) as u32).for_each(|i| q.push(i).unwrap());
                q.close();
            })
        };
        producer.join().unwrap();
        let got = runtime.block_on(consumer).unwrap();
        assert_eq!(got, (0..scaled(500) as u32).collect::<Vec<_>>());
    }

    #[test]
    fn two_streams_share_a_bounded_queue() {
        let runtime = current_thread();
        let q = Arc::new(BoundedQueue::new(4).unwrap());
        let n = scaled(1000) as u64;
        let total = runtime.block_on(async {
            let streams: Vec<_> = (0..2)
                .map(|_| {
                    let q = Arc::clone(&q);
                    tokio::spawn(
                        async move { q.stream().fold(0u64, |a, b| async move { a + b }).await },
                    )
                })
                .collect();
            for i in 0..n {
                q.push_async(i).await.unwrap();
            }
            q.close();
            let mut total = 0;
            for s in streams {
                total += s.await.unwrap();
            }
            total
        });
        assert_eq!(total, n * (n - 1) / 2);
    }

    #[test]
    fn a_finished_stream_stays_finished() {
        use futures::stream::FusedStream;
        let q = Queue::<u8>::new();
        q.close();
        let mut stream = pin!(q.stream());
        assert!(!stream.is_terminated());
        assert_eq!(futures::executor::block_on(stream.next()), None);
        assert!(stream.is_terminated());
        assert_eq!(futures::executor::block_on(stream.next()), None);
    }
}
