//! Parallel iterators with rayon's trait and method names: `v.par_iter().map(f).sum()`.
//!
//! A rayon program that uses the subset below changes only its `use rayon::prelude::*` line to
//! `use spindle_executor::prelude::*` (or `spindle::prelude::*`):
//!
//! - **sources**: [`par_iter`](IntoParallelRefIterator::par_iter),
//!   [`par_iter_mut`](IntoParallelRefMutIterator::par_iter_mut) and
//!   [`into_par_iter`](IntoParallelIterator::into_par_iter) for slices, arrays, `Vec` and ranges
//!   of integers; [`par_chunks`](ParallelSlice::par_chunks),
//!   [`par_chunks_mut`](ParallelSliceMut::par_chunks_mut),
//!   [`par_windows`](ParallelSlice::par_windows);
//! - **adapters**: `map`, `filter`, `filter_map`, `flat_map_iter`, `enumerate`, `zip`,
//!   `chunks`, `copied`, `cloned`, `inspect`, `with_min_len`, `with_max_len`, `fold`;
//! - **consumers**: `for_each`, `for_each_with`, `for_each_init`, `sum`, `product`, `reduce`,
//!   `reduce_with`, `min`/`max` (and `_by`, `_by_key`), `count`, `any`, `all`, `find_any`,
//!   `position_any`, `collect` (into `Vec`, `HashMap`, `HashSet`, `BTreeMap`, `String`, ...:
//!   [`FromParallelIterator`]), `unzip`, `partition`;
//! - **sorting**: [`par_sort`](ParallelSliceMut::par_sort) and its `_unstable`, `_by` and
//!   `_by_key` forms.
//!
//! ```
//! use spindle_executor::prelude::*;
//!
//! let v: Vec<u64> = (0..1000).collect();
//! let sum_of_squares: u64 = v.par_iter().map(|x| x * x).sum();
//! assert_eq!(sum_of_squares, v.iter().map(|x| x * x).sum());
//!
//! let evens: Vec<u64> = v.par_iter().copied().filter(|x| x % 2 == 0).collect();
//! assert_eq!(evens.len(), 500);
//! ```
//!
//! # Design and trade-offs
//!
//! The plumbing is rayon's ([`plumbing`]): every source is indexed and gives a
//! [`Producer`](plumbing::Producer) that can be cut at an index; every consumer is cut at the same
//! index and reduces the two halves' results left before right, so `collect` and `reduce` see
//! the sequential order. The cuts are made by the executor's `join` (half rayon's cost per
//! call, measured in `BENCHMARKS.md`), adaptively: as many as the pool has threads, more where
//! a half was stolen. Called from outside a pool, an iteration moves onto a worker of the
//! global pool (or of the pool whose [`install`](crate::ThreadPool::install) it runs in).
//!
//! - **No allocation** for `for_each`, `sum`, `reduce`, `fold`+`reduce`, `min`/`max`, `count`,
//!   `any`/`all` and `find_any` on a warm pool; `collect` of an indexed iterator into a `Vec`
//!   allocates the vector and writes each item into its place. (Collecting after a `filter`,
//!   whose length is unknown, allocates one vector per leaf and then the result.)
//! - **Panics**: a panic in any closure stops the iteration (every leaf looks at a shared flag
//!   every [`PIECE`](plumbing::PIECE) items) and is resumed on the caller once every part has
//!   returned; items produced and not consumed are dropped once, as are items already
//!   collected.
//! - **Float sums** are reduced in a tree, as in rayon: the result can differ from the
//!   sequential sum in the last bits.
//!
//! Left out of the subset: `par_bridge`, `rev`, `skip`/`take`, `step_by`, `chain`, the
//! `try_` consumers, `find_first`/`find_last` and parallel strings; such a program keeps rayon
//! for those calls.

mod adapter;
mod consumer;
pub mod plumbing;
mod sort;
mod source;

use std::cmp::Ordering as CmpOrdering;

pub use adapter::{
    Chunks, Cloned, Copied, Enumerate, Filter, FilterMap, FlatMapIter, Fold, Inspect, Map, MaxLen,
    MinLen, Zip,
};
pub use consumer::{FromParallelIterator, ParallelExtend};
pub use source::{
    ArrayIntoIter, ChunksIter, ChunksMutIter, RangeIter, SliceIter, SliceIterMut, VecIntoIter,
    WindowsIter,
};
pub use source::{ParallelSlice, ParallelSliceMut};

use plumbing::{Consumer, ProducerCallback};

/// A parallel iterator: a computation over items spread across a pool's workers.
///
/// Implemented by every source and adapter of this module; the provided methods are rayon's
/// adapters and consumers, with its names and closure bounds (`Fn + Sync + Send`).
///
/// # Examples
///
/// ```
/// use spindle_executor::prelude::*;
/// let words = ["apple", "bob", "cat", "dolphin"];
/// let long: usize = words.par_iter().filter(|w| w.len() > 3).count();
/// assert_eq!(long, 2);
/// ```
pub trait ParallelIterator: Sized + Send {
    /// The items.
    type Item: Send;

    /// Feeds every item to `consumer`, split over the pool ([`plumbing`]).
    fn drive_unindexed<C: Consumer<Self::Item>>(self, consumer: C) -> C::Result;

    /// The exact number of items, when known without running the iteration: `Some` only for
    /// indexed iterators, whose cuts fall at item positions (what `collect` into a `Vec` in
    /// place needs).
    fn opt_len(&self) -> Option<usize> {
        None
    }

    /// Calls `op` on every item.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// let total = AtomicU64::new(0);
    /// (1..=10u64).into_par_iter().for_each(|x| { total.fetch_add(x, Ordering::Relaxed); });
    /// assert_eq!(total.into_inner(), 55);
    /// ```
    fn for_each<OP>(self, op: OP)
    where
        OP: Fn(Self::Item) + Sync + Send,
    {
        self.drive_unindexed(consumer::ForEachConsumer::new(&op));
    }

    /// Calls `op` on every item with a clone of `init` per leaf of the iteration.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// (0..5).into_par_iter().for_each_with(tx, |tx, x| tx.send(x).unwrap());
    /// let mut got: Vec<i32> = rx.iter().collect();
    /// got.sort();
    /// assert_eq!(got, [0, 1, 2, 3, 4]);
    /// ```
    fn for_each_with<OP, T>(self, init: T, op: OP)
    where
        OP: Fn(&mut T, Self::Item) + Sync + Send,
        T: Send + Clone,
    {
        self.drive_unindexed(consumer::ForEachWithConsumer::new(init, &op));
    }

    /// Calls `op` on every item with a value made by `init` once per leaf of the iteration.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let mut out = vec![0u32; 100];
    /// out.par_iter_mut().for_each_init(|| 7u32, |seven, slot| *slot = *seven);
    /// assert!(out.iter().all(|&x| x == 7));
    /// ```
    fn for_each_init<OP, INIT, T>(self, init: INIT, op: OP)
    where
        OP: Fn(&mut T, Self::Item) + Sync + Send,
        INIT: Fn() -> T + Sync + Send,
    {
        self.drive_unindexed(consumer::ForEachInitConsumer::new(&init, &op));
    }

    /// Applies `f` to every item.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let doubled: Vec<i32> = [1, 2, 3].par_iter().map(|x| x * 2).collect();
    /// assert_eq!(doubled, [2, 4, 6]);
    /// ```
    fn map<F, R>(self, f: F) -> Map<Self, F>
    where
        F: Fn(Self::Item) -> R + Sync + Send,
        R: Send,
    {
        Map::new(self, f)
    }

    /// Calls `f` on a reference to every item as it goes by.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let seen = AtomicUsize::new(0);
    /// let sum: i32 = [1, 2, 3].par_iter().inspect(|_| { seen.fetch_add(1, Ordering::Relaxed); }).sum();
    /// assert_eq!((sum, seen.into_inner()), (6, 3));
    /// ```
    fn inspect<OP>(self, op: OP) -> Inspect<Self, OP>
    where
        OP: Fn(&Self::Item) + Sync + Send,
    {
        Inspect::new(self, op)
    }

    /// Keeps the items for which `predicate` holds.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let odd: Vec<u8> = (0..10u8).into_par_iter().filter(|x| x % 2 == 1).collect();
    /// assert_eq!(odd, [1, 3, 5, 7, 9]);
    /// ```
    fn filter<P>(self, predicate: P) -> Filter<Self, P>
    where
        P: Fn(&Self::Item) -> bool + Sync + Send,
    {
        Filter::new(self, predicate)
    }

    /// Applies `f` to every item and keeps the `Some` results.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let parsed: Vec<i32> = ["1", "x", "3"].par_iter().filter_map(|s| s.parse().ok()).collect();
    /// assert_eq!(parsed, [1, 3]);
    /// ```
    fn filter_map<P, R>(self, f: P) -> FilterMap<Self, P>
    where
        P: Fn(Self::Item) -> Option<R> + Sync + Send,
        R: Send,
    {
        FilterMap::new(self, f)
    }

    /// Applies `f` to every item and yields the items of the sequential iterators it returns.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let flat: Vec<u32> = (1..4u32).into_par_iter().flat_map_iter(|n| 0..n).collect();
    /// assert_eq!(flat, [0, 0, 1, 0, 1, 2]);
    /// ```
    fn flat_map_iter<F, SI>(self, f: F) -> FlatMapIter<Self, F>
    where
        F: Fn(Self::Item) -> SI + Sync + Send,
        SI: IntoIterator,
        SI::Item: Send,
    {
        FlatMapIter::new(self, f)
    }

    /// Copies every item out of a reference.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let v: Vec<u8> = [1u8, 2].par_iter().copied().collect();
    /// assert_eq!(v, [1, 2]);
    /// ```
    fn copied<'a, T>(self) -> Copied<Self>
    where
        T: 'a + Copy + Send + Sync,
        Self: ParallelIterator<Item = &'a T>,
    {
        Copied::new(self)
    }

    /// Clones every item out of a reference.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let v: Vec<String> = [String::from("a")].par_iter().cloned().collect();
    /// assert_eq!(v, ["a"]);
    /// ```
    fn cloned<'a, T>(self) -> Cloned<Self>
    where
        T: 'a + Clone + Send + Sync,
        Self: ParallelIterator<Item = &'a T>,
    {
        Cloned::new(self)
    }

    /// Folds the items of each leaf of the iteration into an accumulator started by
    /// `identity`, and yields the accumulators, in order: usually followed by a
    /// [`reduce`](Self::reduce) that merges them.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let total: u64 = (0..1000u64)
    ///     .into_par_iter()
    ///     .fold(|| 0u64, |acc, x| acc + x)
    ///     .reduce(|| 0, |a, b| a + b);
    /// assert_eq!(total, 499_500);
    /// ```
    fn fold<T, ID, F>(self, identity: ID, fold_op: F) -> Fold<Self, ID, F>
    where
        F: Fn(T, Self::Item) -> T + Sync + Send,
        ID: Fn() -> T + Sync + Send,
        T: Send,
    {
        Fold::new(self, identity, fold_op)
    }

    /// Reduces the items with `op`, an associative operation with `identity()` as its
    /// identity; the order of the items is kept, so `op` need not be commutative.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let words = ["a", "b", "c"];
    /// let joined = words.par_iter().map(|w| w.to_string()).reduce(String::new, |a, b| a + &b);
    /// assert_eq!(joined, "abc");
    /// ```
    fn reduce<OP, ID>(self, identity: ID, op: OP) -> Self::Item
    where
        OP: Fn(Self::Item, Self::Item) -> Self::Item + Sync + Send,
        ID: Fn() -> Self::Item + Sync + Send,
    {
        self.drive_unindexed(consumer::ReduceConsumer::new(&identity, &op))
    }

    /// Reduces the items with `op`, an associative operation; `None` if there are none.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!((1..5).into_par_iter().reduce_with(|a, b| a * b), Some(24));
    /// assert_eq!((0..0).into_par_iter().reduce_with(|a, b| a * b), None);
    /// ```
    fn reduce_with<OP>(self, op: OP) -> Option<Self::Item>
    where
        OP: Fn(Self::Item, Self::Item) -> Self::Item + Sync + Send,
    {
        self.map(Some).reduce(
            || None,
            |a, b| match (a, b) {
                (Some(a), Some(b)) => Some(op(a, b)),
                (a, None) => a,
                (None, b) => b,
            },
        )
    }

    /// The sum of the items.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let sum: u64 = (0..10_000u64).into_par_iter().map(|x| x * x).sum();
    /// assert_eq!(sum, (0..10_000u64).map(|x| x * x).sum());
    /// ```
    fn sum<S>(self) -> S
    where
        S: Send + std::iter::Sum<Self::Item> + std::iter::Sum<S>,
    {
        self.drive_unindexed(consumer::SumConsumer::new())
    }

    /// The product of the items.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let p: u64 = (1..=10u64).into_par_iter().product();
    /// assert_eq!(p, 3_628_800);
    /// ```
    fn product<P>(self) -> P
    where
        P: Send + std::iter::Product<Self::Item> + std::iter::Product<P>,
    {
        self.drive_unindexed(consumer::ProductConsumer::new())
    }

    /// The number of items.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!((0..100).into_par_iter().filter(|x| x % 3 == 0).count(), 34);
    /// ```
    fn count(self) -> usize {
        self.drive_unindexed(consumer::CountConsumer)
    }

    /// The least item (the first of equal ones, as [`Iterator::min`]).
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!([3, 1, 2].par_iter().min(), Some(&1));
    /// ```
    fn min(self) -> Option<Self::Item>
    where
        Self::Item: Ord,
    {
        self.reduce_with(std::cmp::min)
    }

    /// The greatest item (the last of equal ones, as [`Iterator::max`]).
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!([3, 1, 2].par_iter().max(), Some(&3));
    /// ```
    fn max(self) -> Option<Self::Item>
    where
        Self::Item: Ord,
    {
        self.reduce_with(std::cmp::max)
    }

    /// The least item by `f` (the first of equal ones).
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!([-3i32, 1, 2].par_iter().min_by(|a, b| a.abs().cmp(&b.abs())), Some(&1));
    /// ```
    fn min_by<F>(self, f: F) -> Option<Self::Item>
    where
        F: Fn(&Self::Item, &Self::Item) -> CmpOrdering + Sync + Send,
    {
        self.reduce_with(|a, b| match f(&a, &b) {
            CmpOrdering::Greater => b,
            _ => a,
        })
    }

    /// The greatest item by `f` (the last of equal ones).
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!([-3i32, 1, 2].par_iter().max_by(|a, b| a.abs().cmp(&b.abs())), Some(&-3));
    /// ```
    fn max_by<F>(self, f: F) -> Option<Self::Item>
    where
        F: Fn(&Self::Item, &Self::Item) -> CmpOrdering + Sync + Send,
    {
        self.reduce_with(|a, b| match f(&a, &b) {
            CmpOrdering::Greater => a,
            _ => b,
        })
    }

    /// The item with the least key (the first of equal ones); `f` runs once per item.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!(["ccc", "a", "bb"].par_iter().min_by_key(|s| s.len()), Some(&"a"));
    /// ```
    fn min_by_key<K, F>(self, f: F) -> Option<Self::Item>
    where
        K: Ord + Send,
        F: Fn(&Self::Item) -> K + Sync + Send,
    {
        self.map(|x| (f(&x), x))
            .reduce_with(|a, b| if b.0 < a.0 { b } else { a })
            .map(|(_, x)| x)
    }

    /// The item with the greatest key (the last of equal ones); `f` runs once per item.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!(["ccc", "a", "bb"].par_iter().max_by_key(|s| s.len()), Some(&"ccc"));
    /// ```
    fn max_by_key<K, F>(self, f: F) -> Option<Self::Item>
    where
        K: Ord + Send,
        F: Fn(&Self::Item) -> K + Sync + Send,
    {
        self.map(|x| (f(&x), x))
            .reduce_with(|a, b| if b.0 >= a.0 { b } else { a })
            .map(|(_, x)| x)
    }

    /// Some item for which `predicate` holds, not necessarily the first; the search stops
    /// everywhere soon after one is found.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!((0..1000).into_par_iter().find_any(|&x| x == 777), Some(777));
    /// ```
    fn find_any<P>(self, predicate: P) -> Option<Self::Item>
    where
        P: Fn(&Self::Item) -> bool + Sync + Send,
    {
        let found = crate::primitive::AtomicBool::new(false);
        self.drive_unindexed(consumer::FindConsumer::new(&predicate, &found))
    }

    /// Whether `predicate` holds for some item; stops soon after one is found.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert!((0..1000).into_par_iter().any(|x| x == 500));
    /// ```
    fn any<P>(self, predicate: P) -> bool
    where
        P: Fn(Self::Item) -> bool + Sync + Send,
    {
        self.map(predicate).find_any(|&hit| hit).is_some()
    }

    /// Whether `predicate` holds for every item; stops soon after one fails it.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert!((0..1000).into_par_iter().all(|x| x < 1000));
    /// ```
    fn all<P>(self, predicate: P) -> bool
    where
        P: Fn(Self::Item) -> bool + Sync + Send,
    {
        self.map(predicate).find_any(|&hit| !hit).is_none()
    }

    /// Collects the items into any [`FromParallelIterator`] collection; a `Vec` keeps their
    /// order (and is written in place when the iterator is indexed).
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// use std::collections::HashMap;
    /// let squares: HashMap<u32, u32> = (0..4u32).into_par_iter().map(|x| (x, x * x)).collect();
    /// assert_eq!(squares[&3], 9);
    /// ```
    fn collect<C>(self) -> C
    where
        C: FromParallelIterator<Self::Item>,
    {
        C::from_par_iter(self)
    }

    /// Splits pairs into two collections, order kept.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let (a, b): (Vec<u8>, Vec<char>) = [(1u8, 'a'), (2, 'b')].par_iter().copied().unzip();
    /// assert_eq!((a, b), (vec![1, 2], vec!['a', 'b']));
    /// ```
    fn unzip<A, B, FromA, FromB>(self) -> (FromA, FromB)
    where
        Self: ParallelIterator<Item = (A, B)>,
        FromA: Default + Send + Extend<A>,
        FromB: Default + Send + Extend<B>,
        A: Send,
        B: Send,
    {
        consumer::unzip(self)
    }

    /// Splits the items into those for which `predicate` holds and the others, order kept.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let (even, odd): (Vec<u32>, Vec<u32>) = (0..6u32).into_par_iter().partition(|x| x % 2 == 0);
    /// assert_eq!((even, odd), (vec![0, 2, 4], vec![1, 3, 5]));
    /// ```
    fn partition<A, B, P>(self, predicate: P) -> (A, B)
    where
        A: Default + Send + Extend<Self::Item>,
        B: Default + Send + Extend<Self::Item>,
        P: Fn(&Self::Item) -> bool + Sync + Send,
    {
        consumer::partition(self, &predicate)
    }
}

/// A parallel iterator whose length is known and whose items have positions: it can be cut at
/// an item, zipped, enumerated, and collected into a `Vec` in place.
///
/// # Examples
///
/// ```
/// use spindle_executor::prelude::*;
/// let a = [1, 2, 3];
/// let b = [10, 20, 30];
/// let sums: Vec<i32> = a.par_iter().zip(&b).map(|(x, y)| x + y).collect();
/// assert_eq!(sums, [11, 22, 33]);
/// assert_eq!(a.par_iter().len(), 3);
/// ```
// rayon's trait has `len` and no `is_empty`; an `is_empty` here could clash with code that
// calls `is_empty` on a type that is also an iterator of ours.
#[allow(clippy::len_without_is_empty)]
pub trait IndexedParallelIterator: ParallelIterator {
    /// The number of items.
    fn len(&self) -> usize;

    /// Calls `callback` with this iterator's [`Producer`](plumbing::Producer).
    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output;

    /// Feeds every item to `consumer`, which may rely on the cuts falling at item positions.
    fn drive<C: Consumer<Self::Item>>(self, consumer: C) -> C::Result {
        plumbing::bridge(self, consumer)
    }

    /// Pairs every item with its position.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let v: Vec<(usize, char)> = ['a', 'b'].par_iter().copied().enumerate().collect();
    /// assert_eq!(v, [(0, 'a'), (1, 'b')]);
    /// ```
    fn enumerate(self) -> Enumerate<Self> {
        Enumerate::new(self)
    }

    /// Pairs the items of two indexed iterators, up to the shorter one's length.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let v: Vec<(i32, char)> = (0..5).into_par_iter().zip(vec!['a', 'b']).collect();
    /// assert_eq!(v, [(0, 'a'), (1, 'b')]);
    /// ```
    fn zip<Z>(self, zip_op: Z) -> Zip<Self, Z::Iter>
    where
        Z: IntoParallelIterator,
        Z::Iter: IndexedParallelIterator,
    {
        Zip::new(self, zip_op.into_par_iter())
    }

    /// Groups the items into `Vec`s of `chunk_size` (the last one shorter).
    ///
    /// # Panics
    ///
    /// If `chunk_size` is 0, as [`slice::chunks`].
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let v: Vec<Vec<i32>> = (0..5).into_par_iter().chunks(2).collect();
    /// assert_eq!(v, [vec![0, 1], vec![2, 3], vec![4]]);
    /// ```
    fn chunks(self, chunk_size: usize) -> Chunks<Self> {
        assert!(chunk_size != 0, "chunk_size must not be zero");
        Chunks::new(self, chunk_size)
    }

    /// Never cuts the iteration into pieces shorter than `min` items: for items so cheap that
    /// a split costs more than running them.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let sum: u32 = (0..100u32).into_par_iter().with_min_len(50).sum();
    /// assert_eq!(sum, 4950);
    /// ```
    fn with_min_len(self, min: usize) -> MinLen<Self> {
        MinLen::new(self, min)
    }

    /// Always cuts the iteration into pieces of at most `max` items: for items so costly that
    /// every few should be free to move to another worker.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let sum: u32 = (0..100u32).into_par_iter().with_max_len(1).sum();
    /// assert_eq!(sum, 4950);
    /// ```
    fn with_max_len(self, max: usize) -> MaxLen<Self> {
        MaxLen::new(self, max)
    }

    /// The position of some item for which `predicate` holds, not necessarily the first.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// assert_eq!([1, 5, 9].par_iter().position_any(|&x| x == 5), Some(1));
    /// ```
    fn position_any<P>(self, predicate: P) -> Option<usize>
    where
        P: Fn(Self::Item) -> bool + Sync + Send,
    {
        self.map(predicate)
            .enumerate()
            .find_any(|&(_, hit)| hit)
            .map(|(i, _)| i)
    }
}

/// What can be turned into a parallel iterator: `Vec`s and arrays (by value), references to
/// slices, arrays and `Vec`s, ranges of integers, and every parallel iterator.
///
/// # Examples
///
/// ```
/// use spindle_executor::prelude::*;
/// let v = vec![String::from("a"), String::from("b")];
/// let lens: Vec<usize> = v.into_par_iter().map(|s| s.len()).collect();
/// assert_eq!(lens, [1, 1]);
/// ```
pub trait IntoParallelIterator {
    /// The parallel iterator.
    type Iter: ParallelIterator<Item = Self::Item>;
    /// Its items.
    type Item: Send;
    /// Converts `self` into a parallel iterator.
    fn into_par_iter(self) -> Self::Iter;
}

impl<T: ParallelIterator> IntoParallelIterator for T {
    type Iter = T;
    type Item = T::Item;
    fn into_par_iter(self) -> T {
        self
    }
}

/// `par_iter()`: a parallel iterator over references to a collection's items.
///
/// # Examples
///
/// ```
/// use spindle_executor::prelude::*;
/// let v = vec![1, 2, 3];
/// assert_eq!(v.par_iter().sum::<i32>(), 6);
/// ```
pub trait IntoParallelRefIterator<'data> {
    /// The parallel iterator.
    type Iter: ParallelIterator<Item = Self::Item>;
    /// Its items, references into `self`.
    type Item: Send + 'data;
    /// A parallel iterator over `&self`'s items.
    fn par_iter(&'data self) -> Self::Iter;
}

impl<'data, I: 'data + ?Sized> IntoParallelRefIterator<'data> for I
where
    &'data I: IntoParallelIterator,
{
    type Iter = <&'data I as IntoParallelIterator>::Iter;
    type Item = <&'data I as IntoParallelIterator>::Item;
    fn par_iter(&'data self) -> Self::Iter {
        self.into_par_iter()
    }
}

/// `par_iter_mut()`: a parallel iterator over mutable references to a collection's items.
///
/// # Examples
///
/// ```
/// use spindle_executor::prelude::*;
/// let mut v = vec![1, 2, 3];
/// v.par_iter_mut().for_each(|x| *x *= 10);
/// assert_eq!(v, [10, 20, 30]);
/// ```
pub trait IntoParallelRefMutIterator<'data> {
    /// The parallel iterator.
    type Iter: ParallelIterator<Item = Self::Item>;
    /// Its items, mutable references into `self`.
    type Item: Send + 'data;
    /// A parallel iterator over `&mut self`'s items.
    fn par_iter_mut(&'data mut self) -> Self::Iter;
}

impl<'data, I: 'data + ?Sized> IntoParallelRefMutIterator<'data> for I
where
    &'data mut I: IntoParallelIterator,
{
    type Iter = <&'data mut I as IntoParallelIterator>::Iter;
    type Item = <&'data mut I as IntoParallelIterator>::Item;
    fn par_iter_mut(&'data mut self) -> Self::Iter {
        self.into_par_iter()
    }
}
