//! Moving values into and out of a [`Queue`] by value: `Extend`, `FromIterator` and the
//! by-value iterator.

use super::Queue;
use crate::iter::by_value_iter;

/// Pushes every value, even into a closed queue: `&mut self` means no pop can have reported
/// the queue drained meanwhile, and later pops deliver the values before reporting it closed.
impl<T> Extend<T> for Queue<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            let pushed = self.push_inner(value, true);
            debug_assert!(pushed.is_ok(), "a push into a closed queue was refused");
        }
    }
}

impl<T> FromIterator<T> for Queue<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut queue = Queue::new();
        queue.extend(iter);
        queue
    }
}

by_value_iter! {
    /// An iterator that moves values out of a [`Queue`], front first.
    ///
    /// # Examples
    ///
    /// ```
    /// let q: spindle_queue::Queue<i32> = (1..=3).collect();
    /// assert_eq!(q.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
    /// ```
    IntoIter for Queue
}
