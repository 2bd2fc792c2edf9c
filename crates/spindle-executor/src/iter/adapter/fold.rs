//! `fold`: one accumulator per leaf of the iteration, yielded in order.

use crate::iter::ParallelIterator;
use crate::iter::plumbing::{Consumer, Folder};

/// The iterator of [`ParallelIterator::fold`]: yields one accumulator per leaf the iteration
/// was cut into (how many depends on the pool and on stealing), in order.
///
/// ```
/// use spindle_executor::prelude::*;
/// let longest = ["a", "abc", "ab"]
///     .par_iter()
///     .fold(|| 0, |best, s| best.max(s.len()))
///     .max();
/// assert_eq!(longest, Some(3));
/// ```
#[derive(Debug, Clone)]
#[must_use = "iterator adapters do nothing until consumed"]
pub struct Fold<I, ID, F> {
    base: I,
    identity: ID,
    fold_op: F,
}

impl<I, ID, F> Fold<I, ID, F> {
    pub(crate) fn new(base: I, identity: ID, fold_op: F) -> Self {
        Fold {
            base,
            identity,
            fold_op,
        }
    }
}

impl<I, ID, F, T> ParallelIterator for Fold<I, ID, F>
where
    I: ParallelIterator,
    F: Fn(T, I::Item) -> T + Sync + Send,
    ID: Fn() -> T + Sync + Send,
    T: Send,
{
    type Item = T;

    fn drive_unindexed<C: Consumer<T>>(self, consumer: C) -> C::Result {
        let Fold {
            base,
            identity,
            fold_op,
        } = self;
        base.drive_unindexed(FoldConsumer {
            base: consumer,
            identity: &identity,
            fold_op: &fold_op,
        })
    }
}

struct FoldConsumer<'f, C, ID, F> {
    base: C,
    identity: &'f ID,
    fold_op: &'f F,
}

impl<'f, U, T, C, ID, F> Consumer<T> for FoldConsumer<'f, C, ID, F>
where
    C: Consumer<U>,
    F: Fn(U, T) -> U + Sync,
    ID: Fn() -> U + Sync,
    U: Send,
{
    type Folder = FoldFolder<'f, C::Folder, F, U>;
    type Reducer = C::Reducer;
    type Result = C::Result;

    fn split_at(self, index: usize) -> (Self, Self, C::Reducer) {
        let (left, right, reducer) = self.base.split_at(index);
        let (identity, fold_op) = (self.identity, self.fold_op);
        (
            FoldConsumer {
                base: left,
                identity,
                fold_op,
            },
            FoldConsumer {
                base: right,
                identity,
                fold_op,
            },
            reducer,
        )
    }
    fn into_folder(self) -> Self::Folder {
        FoldFolder {
            base: self.base.into_folder(),
            acc: (self.identity)(),
            fold_op: self.fold_op,
        }
    }
    fn full(&self) -> bool {
        self.base.full()
    }
}

struct FoldFolder<'f, G, F, U> {
    base: G,
    acc: U,
    fold_op: &'f F,
}

impl<U, T, G, F> Folder<T> for FoldFolder<'_, G, F, U>
where
    G: Folder<U>,
    F: Fn(U, T) -> U,
{
    type Result = G::Result;

    fn consume(self, item: T) -> Self {
        FoldFolder {
            acc: (self.fold_op)(self.acc, item),
            ..self
        }
    }
    fn consume_iter<I: IntoIterator<Item = T>>(self, iter: I) -> Self {
        FoldFolder {
            acc: iter.into_iter().fold(self.acc, self.fold_op),
            ..self
        }
    }
    fn complete(self) -> G::Result {
        self.base.consume(self.acc).complete()
    }
    fn full(&self) -> bool {
        self.base.full()
    }
}
