//! `with_min_len` and `with_max_len`: bounds on how finely the iteration is cut.

use crate::iter::plumbing::{Consumer, Producer, ProducerCallback, bridge};
use crate::iter::{IndexedParallelIterator, ParallelIterator};

macro_rules! len_adapter {
    ($(#[$doc:meta])* $name:ident, $producer:ident, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        #[must_use = "iterator adapters do nothing until consumed"]
        pub struct $name<I> {
            base: I,
            bound: usize,
        }

        impl<I> $name<I> {
            pub(crate) fn new(base: I, bound: usize) -> Self {
                $name { base, bound }
            }
        }

        impl<I: IndexedParallelIterator> ParallelIterator for $name<I> {
            type Item = I::Item;
            fn drive_unindexed<C: Consumer<I::Item>>(self, consumer: C) -> C::Result {
                bridge(self, consumer)
            }
            fn opt_len(&self) -> Option<usize> {
                Some(self.base.len())
            }
        }

        impl<I: IndexedParallelIterator> IndexedParallelIterator for $name<I> {
            fn len(&self) -> usize {
                self.base.len()
            }
            fn with_producer<CB: ProducerCallback<I::Item>>(self, callback: CB) -> CB::Output {
                struct Callback<CB> {
                    callback: CB,
                    bound: usize,
                }
                impl<T, CB: ProducerCallback<T>> ProducerCallback<T> for Callback<CB> {
                    type Output = CB::Output;
                    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
                        self.callback.callback($producer { base, bound: self.bound })
                    }
                }
                self.base.with_producer(Callback { callback, bound: self.bound })
            }
        }

        struct $producer<P> {
            base: P,
            bound: usize,
        }

        impl<P: Producer> Producer for $producer<P> {
            type Item = P::Item;
            type IntoIter = P::IntoIter;
            fn into_iter(self) -> P::IntoIter {
                self.base.into_iter()
            }
            fn min_len(&self) -> usize {
                let (bound, base) = (self.bound, self.base.min_len());
                ($min)(bound, base)
            }
            fn max_len(&self) -> usize {
                let (bound, base) = (self.bound, self.base.max_len());
                ($max)(bound, base)
            }
            fn split_at(self, index: usize) -> (Self, Self) {
                let (left, right) = self.base.split_at(index);
                let bound = self.bound;
                ($producer { base: left, bound }, $producer { base: right, bound })
            }
            fn fold_with<F: crate::iter::plumbing::Folder<P::Item>>(self, folder: F) -> F {
                self.base.fold_with(folder)
            }
        }
    };
}

len_adapter!(
    /// The iterator of [`IndexedParallelIterator::with_min_len`].
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!((0..10).into_par_iter().with_min_len(4).count(), 10);
    /// ```
    MinLen, MinLenProducer, |bound: usize, base: usize| bound.max(base), |_: usize, base: usize| base
);
len_adapter!(
    /// The iterator of [`IndexedParallelIterator::with_max_len`].
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!((0..10).into_par_iter().with_max_len(2).count(), 10);
    /// ```
    MaxLen, MaxLenProducer, |_: usize, base: usize| base, |bound: usize, base: usize| bound.min(base)
);
