//! `filter`, `filter_map` and `flat_map_iter`: adapters that change the number of items, so
//! they wrap only the consumer (module docs).

use crate::iter::ParallelIterator;
use crate::iter::plumbing::{Consumer, Folder};

/// The consumer-side adapter pattern: `$name` over a base iterator, with a consumer
/// `$consumer` and folder `$folder` whose `consume_iter` hands `$adapt(iter, f)` to the
/// folder above and whose `consume` does `$one(self.base, item, f)`.
macro_rules! consumer_adapter {
    (
        $(#[$doc:meta])*
        $name:ident, $consumer:ident, $folder:ident,
        item($t:ident, $out:ty) bound($($bound:tt)*) extra[$($extra:tt)*],
        one($base:ident, $item:ident, $f:ident) $one:expr,
        iter($iter:ident) $adapt:expr
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        #[must_use = "iterator adapters do nothing until consumed"]
        pub struct $name<I, F> {
            base: I,
            f: F,
        }

        impl<I, F> $name<I, F> {
            pub(crate) fn new(base: I, f: F) -> Self {
                $name { base, f }
            }
        }

        impl<I, F, $($extra)*> ParallelIterator for $name<I, F>
        where
            I: ParallelIterator<Item = $t>,
            F: $($bound)* + Sync + Send,
            $out: Send,
        {
            type Item = $out;
            fn drive_unindexed<C: Consumer<$out>>(self, consumer: C) -> C::Result {
                let $name { base, f } = self;
                base.drive_unindexed($consumer { base: consumer, f: &f })
            }
        }

        struct $consumer<'f, C, F> {
            base: C,
            f: &'f F,
        }

        impl<'f, C, F, $($extra)*> Consumer<$t> for $consumer<'f, C, F>
        where
            C: Consumer<$out>,
            F: $($bound)* + Sync,
        {
            type Folder = $folder<'f, C::Folder, F>;
            type Reducer = C::Reducer;
            type Result = C::Result;
            fn split_at(self, index: usize) -> (Self, Self, C::Reducer) {
                let (left, right, reducer) = self.base.split_at(index);
                let f = self.f;
                ($consumer { base: left, f }, $consumer { base: right, f }, reducer)
            }
            fn into_folder(self) -> Self::Folder {
                $folder { base: self.base.into_folder(), f: self.f }
            }
            fn full(&self) -> bool {
                self.base.full()
            }
        }

        struct $folder<'f, G, F> {
            base: G,
            f: &'f F,
        }

        impl<'f, G, F, $($extra)*> Folder<$t> for $folder<'f, G, F>
        where
            G: Folder<$out>,
            F: $($bound)*,
        {
            type Result = G::Result;
            fn consume(self, $item: $t) -> Self {
                let ($base, $f) = (self.base, self.f);
                $folder { base: $one, f: $f }
            }
            fn consume_iter<It: IntoIterator<Item = $t>>(self, $iter: It) -> Self {
                let $f = self.f;
                let $iter = $iter.into_iter();
                $folder { base: self.base.consume_iter($adapt), f: $f }
            }
            fn complete(self) -> G::Result {
                self.base.complete()
            }
            fn full(&self) -> bool {
                self.base.full()
            }
        }
    };
}

consumer_adapter! {
    /// The iterator of [`ParallelIterator::filter`].
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!((0..10).into_par_iter().filter(|x| x % 5 == 0).count(), 2);
    /// ```
    Filter, FilterConsumer, FilterFolder,
    item(T, T) bound(Fn(&T) -> bool) extra[T],
    one(base, item, f) if f(&item) { base.consume(item) } else { base },
    iter(iter) iter.filter(f)
}

consumer_adapter! {
    /// The iterator of [`ParallelIterator::filter_map`].
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let halves: Vec<i32> = (0..6).into_par_iter().filter_map(|x| (x % 2 == 0).then_some(x / 2)).collect();
    /// assert_eq!(halves, [0, 1, 2]);
    /// ```
    FilterMap, FilterMapConsumer, FilterMapFolder,
    item(T, R) bound(Fn(T) -> Option<R>) extra[T, R],
    one(base, item, f) match f(item) { Some(out) => base.consume(out), None => base },
    iter(iter) iter.filter_map(f)
}

consumer_adapter! {
    /// The iterator of [`ParallelIterator::flat_map_iter`].
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let v: Vec<char> = ["ab", "c"].par_iter().flat_map_iter(|s| s.chars()).collect();
    /// assert_eq!(v, ['a', 'b', 'c']);
    /// ```
    FlatMapIter, FlatMapIterConsumer, FlatMapIterFolder,
    item(T, SI::Item) bound(Fn(T) -> SI) extra[T, SI: IntoIterator],
    one(base, item, f) base.consume_iter(f(item)),
    iter(iter) iter.flat_map(f)
}
