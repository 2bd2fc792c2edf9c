//! `reduce`, `sum`, `product`, `count`: one accumulator per leaf, merged in order.

use core::iter::{Product, Sum, once};
use core::marker::PhantomData;

use crate::iter::plumbing::{Consumer, Folder, Reducer};

pub(crate) struct ReduceConsumer<'f, ID, OP> {
    identity: &'f ID,
    op: &'f OP,
}

impl<'f, ID, OP> ReduceConsumer<'f, ID, OP> {
    pub(crate) fn new(identity: &'f ID, op: &'f OP) -> Self {
        ReduceConsumer { identity, op }
    }
}

impl<ID, OP> Clone for ReduceConsumer<'_, ID, OP> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<ID, OP> Copy for ReduceConsumer<'_, ID, OP> {}

impl<'f, T, ID, OP> Consumer<T> for ReduceConsumer<'f, ID, OP>
where
    T: Send,
    ID: Fn() -> T + Sync,
    OP: Fn(T, T) -> T + Sync,
{
    type Folder = ReduceFolder<'f, T, OP>;
    type Reducer = Self;
    type Result = T;
    fn split_at(self, _index: usize) -> (Self, Self, Self) {
        (self, self, self)
    }
    fn into_folder(self) -> Self::Folder {
        ReduceFolder {
            acc: (self.identity)(),
            op: self.op,
        }
    }
}

impl<T, ID, OP: Fn(T, T) -> T> Reducer<T> for ReduceConsumer<'_, ID, OP> {
    fn reduce(self, left: T, right: T) -> T {
        (self.op)(left, right)
    }
}

pub(crate) struct ReduceFolder<'f, T, OP> {
    acc: T,
    op: &'f OP,
}

impl<T, OP: Fn(T, T) -> T> Folder<T> for ReduceFolder<'_, T, OP> {
    type Result = T;
    fn consume(self, item: T) -> Self {
        ReduceFolder {
            acc: (self.op)(self.acc, item),
            op: self.op,
        }
    }
    fn consume_iter<I: IntoIterator<Item = T>>(self, iter: I) -> Self {
        ReduceFolder {
            acc: iter.into_iter().fold(self.acc, self.op),
            op: self.op,
        }
    }
    fn complete(self) -> T {
        self.acc
    }
}

/// Sums, products and counts: a consumer with no state, whose folder adds each run of items
/// with the standard library's `Sum`/`Product` (so the loop is `Iterator::sum`'s).
macro_rules! arith_consumer {
    ($consumer:ident, $folder:ident, $trait:ident, $method:ident) => {
        pub(crate) struct $consumer<S>(PhantomData<fn() -> S>);

        impl<S> $consumer<S> {
            pub(crate) fn new() -> Self {
                $consumer(PhantomData)
            }
        }

        impl<T, S: Send + $trait<T> + $trait<S>> Consumer<T> for $consumer<S> {
            type Folder = $folder<S>;
            type Reducer = Self;
            type Result = S;
            fn split_at(self, _index: usize) -> (Self, Self, Self) {
                (Self::new(), Self::new(), self)
            }
            fn into_folder(self) -> $folder<S> {
                $folder(core::iter::empty::<T>().$method())
            }
        }

        impl<S: $trait<S>> Reducer<S> for $consumer<S> {
            fn reduce(self, left: S, right: S) -> S {
                once(left).chain(once(right)).$method()
            }
        }

        pub(crate) struct $folder<S>(S);

        impl<T, S: $trait<T> + $trait<S>> Folder<T> for $folder<S> {
            type Result = S;
            fn consume(self, item: T) -> Self {
                let one: S = once(item).$method();
                $folder(once(self.0).chain(once(one)).$method())
            }
            fn consume_iter<I: IntoIterator<Item = T>>(self, iter: I) -> Self {
                let run: S = iter.into_iter().$method();
                $folder(once(self.0).chain(once(run)).$method())
            }
            fn complete(self) -> S {
                self.0
            }
        }
    };
}

arith_consumer!(SumConsumer, SumFolder, Sum, sum);
arith_consumer!(ProductConsumer, ProductFolder, Product, product);

pub(crate) struct CountConsumer;

impl<T> Consumer<T> for CountConsumer {
    type Folder = CountFolder;
    type Reducer = Self;
    type Result = usize;
    fn split_at(self, _index: usize) -> (Self, Self, Self) {
        (CountConsumer, CountConsumer, CountConsumer)
    }
    fn into_folder(self) -> CountFolder {
        CountFolder(0)
    }
}

impl Reducer<usize> for CountConsumer {
    fn reduce(self, left: usize, right: usize) -> usize {
        left + right
    }
}

pub(crate) struct CountFolder(usize);

impl<T> Folder<T> for CountFolder {
    type Result = usize;
    fn consume(self, _item: T) -> Self {
        CountFolder(self.0 + 1)
    }
    fn consume_iter<I: IntoIterator<Item = T>>(self, iter: I) -> Self {
        // `Iterator::count`: a filtered run counts without branching.
        CountFolder(self.0 + iter.into_iter().count())
    }
    fn complete(self) -> usize {
        self.0
    }
}
