//! [`CountingWaker`]: a `Waker` that counts how often it was woken, for polling futures by hand.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};

/// A waker that counts its wakes (`.0`, read with any ordering: the count is `SeqCst`).
///
/// ```
/// let (counter, waker) = spindle_test_support::counting_waker();
/// waker.wake_by_ref();
/// assert_eq!(counter.0.load(std::sync::atomic::Ordering::SeqCst), 1);
/// ```
#[derive(Debug, Default)]
pub struct CountingWaker(pub AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh [`CountingWaker`] and a `Waker` for it.
pub fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    (Arc::clone(&counter), Waker::from(counter))
}
