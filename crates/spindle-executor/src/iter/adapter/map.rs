//! `map`, and the adapters that are a `map` in disguise: `inspect`, `copied`, `cloned`.

use crate::iter::plumbing::{Consumer, Folder, Producer, ProducerCallback};
use crate::iter::{IndexedParallelIterator, ParallelIterator};

/// The iterator of [`ParallelIterator::map`].
///
/// ```
/// use spindle_executor::prelude::*;
/// let v: Vec<u32> = (0..3u32).into_par_iter().map(|x| x + 1).collect();
/// assert_eq!(v, [1, 2, 3]);
/// ```
#[derive(Debug, Clone)]
#[must_use = "iterator adapters do nothing until consumed"]
pub struct Map<I, F> {
    base: I,
    f: F,
}

impl<I, F> Map<I, F> {
    pub(crate) fn new(base: I, f: F) -> Self {
        Map { base, f }
    }
}

impl<I, F, R> ParallelIterator for Map<I, F>
where
    I: ParallelIterator,
    F: Fn(I::Item) -> R + Sync + Send,
    R: Send,
{
    type Item = R;

    fn drive_unindexed<C: Consumer<R>>(self, consumer: C) -> C::Result {
        let Map { base, f } = self;
        base.drive_unindexed(MapConsumer {
            base: consumer,
            f: &f,
        })
    }

    fn opt_len(&self) -> Option<usize> {
        self.base.opt_len()
    }
}

impl<I, F, R> IndexedParallelIterator for Map<I, F>
where
    I: IndexedParallelIterator,
    F: Fn(I::Item) -> R + Sync + Send,
    R: Send,
{
    fn len(&self) -> usize {
        self.base.len()
    }

    fn with_producer<CB: ProducerCallback<R>>(self, callback: CB) -> CB::Output {
        struct Callback<'f, CB, F> {
            callback: CB,
            f: &'f F,
        }
        impl<T, R, CB, F> ProducerCallback<T> for Callback<'_, CB, F>
        where
            CB: ProducerCallback<R>,
            F: Fn(T) -> R + Sync,
        {
            type Output = CB::Output;
            fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
                self.callback.callback(MapProducer { base, f: self.f })
            }
        }
        let Map { base, f } = self;
        base.with_producer(Callback { callback, f: &f })
    }
}

struct MapProducer<'f, P, F> {
    base: P,
    f: &'f F,
}

impl<'f, P, F, R> Producer for MapProducer<'f, P, F>
where
    P: Producer,
    F: Fn(P::Item) -> R + Sync,
{
    type Item = R;
    type IntoIter = core::iter::Map<P::IntoIter, &'f F>;

    fn into_iter(self) -> Self::IntoIter {
        self.base.into_iter().map(self.f)
    }
    fn min_len(&self) -> usize {
        self.base.min_len()
    }
    fn max_len(&self) -> usize {
        self.base.max_len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (left, right) = self.base.split_at(index);
        let f = self.f;
        (
            MapProducer { base: left, f },
            MapProducer { base: right, f },
        )
    }
    fn fold_with<G: Folder<R>>(self, folder: G) -> G {
        // The base's own fold, so a source that folds better than its iterator still does.
        self.base
            .fold_with(MapFolder {
                base: folder,
                f: self.f,
            })
            .base
    }
}

struct MapConsumer<'f, C, F> {
    base: C,
    f: &'f F,
}

impl<'f, T, R, C, F> Consumer<T> for MapConsumer<'f, C, F>
where
    C: Consumer<R>,
    F: Fn(T) -> R + Sync,
{
    type Folder = MapFolder<'f, C::Folder, F>;
    type Reducer = C::Reducer;
    type Result = C::Result;

    fn split_at(self, index: usize) -> (Self, Self, C::Reducer) {
        let (left, right, reducer) = self.base.split_at(index);
        let f = self.f;
        (
            MapConsumer { base: left, f },
            MapConsumer { base: right, f },
            reducer,
        )
    }
    fn into_folder(self) -> Self::Folder {
        MapFolder {
            base: self.base.into_folder(),
            f: self.f,
        }
    }
    fn full(&self) -> bool {
        self.base.full()
    }
}

struct MapFolder<'f, G, F> {
    base: G,
    f: &'f F,
}

impl<T, R, G, F> Folder<T> for MapFolder<'_, G, F>
where
    G: Folder<R>,
    F: Fn(T) -> R,
{
    type Result = G::Result;

    fn consume(self, item: T) -> Self {
        MapFolder {
            base: self.base.consume((self.f)(item)),
            f: self.f,
        }
    }
    fn consume_iter<I: IntoIterator<Item = T>>(self, iter: I) -> Self {
        MapFolder {
            base: self.base.consume_iter(iter.into_iter().map(self.f)),
            f: self.f,
        }
    }
    fn complete(self) -> G::Result {
        self.base.complete()
    }
    fn full(&self) -> bool {
        self.base.full()
    }
}

/// The iterator of [`ParallelIterator::inspect`]: a `map` that calls `op` and passes the item on.
///
/// ```
/// use spindle_executor::prelude::*;
/// let n: i32 = [1, 2].par_iter().inspect(|x| assert!(**x > 0)).sum();
/// assert_eq!(n, 3);
/// ```
#[derive(Debug, Clone)]
#[must_use = "iterator adapters do nothing until consumed"]
pub struct Inspect<I, OP> {
    base: I,
    op: OP,
}

impl<I, OP> Inspect<I, OP> {
    pub(crate) fn new(base: I, op: OP) -> Self {
        Inspect { base, op }
    }
}

impl<I, OP> ParallelIterator for Inspect<I, OP>
where
    I: ParallelIterator,
    OP: Fn(&I::Item) + Sync + Send,
{
    type Item = I::Item;
    fn drive_unindexed<C: Consumer<I::Item>>(self, consumer: C) -> C::Result {
        let Inspect { base, op } = self;
        Map::new(base, |item| {
            op(&item);
            item
        })
        .drive_unindexed(consumer)
    }
    fn opt_len(&self) -> Option<usize> {
        self.base.opt_len()
    }
}

impl<I, OP> IndexedParallelIterator for Inspect<I, OP>
where
    I: IndexedParallelIterator,
    OP: Fn(&I::Item) + Sync + Send,
{
    fn len(&self) -> usize {
        self.base.len()
    }
    fn with_producer<CB: ProducerCallback<I::Item>>(self, callback: CB) -> CB::Output {
        let Inspect { base, op } = self;
        Map::new(base, |item| {
            op(&item);
            item
        })
        .with_producer(callback)
    }
}

/// The iterator of [`ParallelIterator::copied`].
///
/// ```
/// use spindle_executor::prelude::*;
/// assert_eq!([1u8, 2].par_iter().copied().max(), Some(2));
/// ```
#[derive(Debug, Clone)]
#[must_use = "iterator adapters do nothing until consumed"]
pub struct Copied<I> {
    base: I,
}

impl<I> Copied<I> {
    pub(crate) fn new(base: I) -> Self {
        Copied { base }
    }
}

/// The iterator of [`ParallelIterator::cloned`].
///
/// ```
/// use spindle_executor::prelude::*;
/// let v = vec![vec![1], vec![2, 3]];
/// let total: usize = v.par_iter().cloned().map(|x| x.len()).sum();
/// assert_eq!(total, 3);
/// ```
#[derive(Debug, Clone)]
#[must_use = "iterator adapters do nothing until consumed"]
pub struct Cloned<I> {
    base: I,
}

impl<I> Cloned<I> {
    pub(crate) fn new(base: I) -> Self {
        Cloned { base }
    }
}

/// `copied` and `cloned`: a `map` with `*x` or `x.clone()`.
macro_rules! deref_adapter {
    ($name:ident, $bound:ident, $f:expr) => {
        impl<'a, T, I> ParallelIterator for $name<I>
        where
            I: ParallelIterator<Item = &'a T>,
            T: 'a + $bound + Send + Sync,
        {
            type Item = T;
            fn drive_unindexed<C: Consumer<T>>(self, consumer: C) -> C::Result {
                Map::new(self.base, $f).drive_unindexed(consumer)
            }
            fn opt_len(&self) -> Option<usize> {
                self.base.opt_len()
            }
        }

        impl<'a, T, I> IndexedParallelIterator for $name<I>
        where
            I: IndexedParallelIterator<Item = &'a T>,
            T: 'a + $bound + Send + Sync,
        {
            fn len(&self) -> usize {
                self.base.len()
            }
            fn with_producer<CB: ProducerCallback<T>>(self, callback: CB) -> CB::Output {
                Map::new(self.base, $f).with_producer(callback)
            }
        }
    };
}

deref_adapter!(Copied, Copy, |x: &'a T| *x);
deref_adapter!(Cloned, Clone, |x: &'a T| x.clone());
