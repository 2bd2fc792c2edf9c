//! The by-value iterator both queues hand out from `into_iter`: it owns the queue, pops until
//! it is empty, and knows how many values are left (no other thread can reach them).

/// Declares `$iter`, the by-value iterator of `$queue`, with `$queue`'s `IntoIterator` impl.
/// The iterator's docs (with their example) come first.
macro_rules! by_value_iter {
    ($(#[$doc:meta])* $iter:ident for $queue:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $iter<T> {
            queue: $queue<T>,
        }

        impl<T> IntoIterator for $queue<T> {
            type Item = T;
            type IntoIter = $iter<T>;

            fn into_iter(self) -> $iter<T> {
                $iter { queue: self }
            }
        }

        impl<T> Iterator for $iter<T> {
            type Item = T;

            fn next(&mut self) -> Option<T> {
                self.queue.pop()
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                let len = self.queue.len();
                (len, Some(len))
            }
        }
    };
}

pub(crate) use by_value_iter;
