//! `collect`, `par_extend`, `unzip`, `partition`.
//!
//! An indexed iterator collected into a `Vec` writes each item straight into its place in the
//! vector's spare capacity: the consumer for the items `a..b` owns the slots `a..b`, and the
//! reducer joins two adjacent runs of written slots. An iterator of unknown length (after a
//! `filter`) folds each leaf into a `Vec`, links the vectors in order and appends them.
//!
//! # Invariants
//!
//! - **C1 (each slot written once, dropped once).** A [`CollectConsumer`]'s slots are
//!   disjoint from every other consumer's (`split_at` cuts them at the index), and its
//!   [`CollectResult`] writes them from the first on, counting; the result owns exactly the
//!   slots it has written and drops them if it is dropped (a panic, or a neighbour's that
//!   stopped early). Two results are merged only if they are adjacent, the right one then
//!   giving up ownership; otherwise the right one is dropped. The vector's length is set only
//!   when one result owns all `len` slots, which it then gives up.

use core::marker::PhantomData;
use core::mem;
use core::ptr;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, LinkedList, VecDeque};
use std::hash::{BuildHasher, Hash};

use crate::iter::plumbing::{Consumer, Folder, Reducer};
use crate::iter::{IntoParallelIterator, ParallelIterator};

/// Collections that can be built from a parallel iterator: the target of
/// [`collect`](ParallelIterator::collect).
///
/// # Examples
///
/// ```
/// use spindle_executor::prelude::*;
/// let s: String = ['a', 'b'].par_iter().collect();
/// assert_eq!(s, "ab");
/// let set: std::collections::HashSet<u8> = [1u8, 1, 2].par_iter().copied().collect();
/// assert_eq!(set.len(), 2);
/// ```
pub trait FromParallelIterator<T: Send> {
    /// Builds the collection from the iterator's items (in order, for ordered collections).
    fn from_par_iter<I: IntoParallelIterator<Item = T>>(par_iter: I) -> Self;
}

/// Collections that a parallel iterator's items can be added to, in order.
///
/// # Examples
///
/// ```
/// use spindle_executor::prelude::*;
/// let mut v = vec![0];
/// v.par_extend(1..4);
/// assert_eq!(v, [0, 1, 2, 3]);
/// ```
pub trait ParallelExtend<T: Send> {
    /// Adds the iterator's items.
    fn par_extend<I: IntoParallelIterator<Item = T>>(&mut self, par_iter: I);
}

impl<T: Send> ParallelExtend<T> for Vec<T> {
    fn par_extend<I: IntoParallelIterator<Item = T>>(&mut self, par_iter: I) {
        let iter = par_iter.into_par_iter();
        match iter.opt_len() {
            Some(len) => collect_in_place(iter, len, self),
            None => {
                let list = collect_list(iter);
                self.reserve(list.iter().map(Vec::len).sum());
                for mut part in list {
                    self.append(&mut part);
                }
            }
        }
    }
}

impl<T: Send> FromParallelIterator<T> for Vec<T> {
    fn from_par_iter<I: IntoParallelIterator<Item = T>>(par_iter: I) -> Self {
        let mut vec = Vec::new();
        vec.par_extend(par_iter);
        vec
    }
}

/// Collections built sequentially from the parallel iteration's per-leaf vectors, in order.
macro_rules! extend_from_list {
    ($([$($g:tt)*] $coll:ty, $item:ty $(, where $($w:tt)*)?);* $(;)?) => {$(
        impl<$($g)*> ParallelExtend<$item> for $coll $(where $($w)*)? {
            fn par_extend<I: IntoParallelIterator<Item = $item>>(&mut self, par_iter: I) {
                let list = collect_list(par_iter.into_par_iter());
                for part in list {
                    self.extend(part);
                }
            }
        }

        impl<$($g)*> FromParallelIterator<$item> for $coll $(where $($w)*)? {
            fn from_par_iter<I: IntoParallelIterator<Item = $item>>(par_iter: I) -> Self {
                let mut collection = Self::default();
                collection.par_extend(par_iter);
                collection
            }
        }
    )*};
}

extend_from_list! {
    [K: Eq + Hash + Send, V: Send, S: BuildHasher + Default + Send] HashMap<K, V, S>, (K, V);
    [T: Eq + Hash + Send, S: BuildHasher + Default + Send] HashSet<T, S>, T;
    [K: Ord + Send, V: Send] BTreeMap<K, V>, (K, V);
    [T: Ord + Send] BTreeSet<T>, T;
    [T: Send] VecDeque<T>, T;
    [] String, char;
    ['a] String, &'a char;
    ['a] String, &'a str;
    [] String, String;
}

impl FromParallelIterator<()> for () {
    fn from_par_iter<I: IntoParallelIterator<Item = ()>>(par_iter: I) {
        par_iter.into_par_iter().for_each(drop);
    }
}

/// The items of an iterator of unknown length: one vector per leaf, in order.
fn collect_list<I: ParallelIterator>(iter: I) -> LinkedList<Vec<I::Item>> {
    iter.fold(Vec::new, |mut part, item| {
        part.push(item);
        part
    })
    .map(|part| {
        let mut list = LinkedList::new();
        if !part.is_empty() {
            list.push_back(part);
        }
        list
    })
    .reduce(LinkedList::new, |mut left, mut right| {
        left.append(&mut right);
        left
    })
}

/// Collects exactly `len` items of an indexed iterator into `vec`'s spare capacity (C1).
fn collect_in_place<I: ParallelIterator>(iter: I, len: usize, vec: &mut Vec<I::Item>) {
    vec.reserve(len);
    let start = vec.len();
    // The first `len` slots of the spare capacity: `reserve` made room for them.
    let target = vec.spare_capacity_mut()[..len]
        .as_mut_ptr()
        .cast::<I::Item>();
    let result = iter.drive_unindexed(CollectConsumer {
        target,
        len,
        marker: PhantomData,
    });
    let written = result.initialized;
    assert!(
        written == len,
        "a parallel iterator reported {len} items and produced {written}"
    );
    // The result owns every slot (C1): hand them to the vector.
    mem::forget(result);
    // SAFETY: the `len` slots after `start` are initialized (C1, checked above).
    unsafe { vec.set_len(start + len) };
}

/// The consumer of the slots `target..target + len` (C1).
struct CollectConsumer<'v, T> {
    target: *mut T,
    len: usize,
    marker: PhantomData<&'v mut [T]>,
}

// SAFETY: it stands for exclusive access to its slots (C1), like a `&mut [T]`.
unsafe impl<T: Send> Send for CollectConsumer<'_, T> {}

impl<'v, T: Send> Consumer<T> for CollectConsumer<'v, T> {
    type Folder = CollectResult<'v, T>;
    type Reducer = CollectReducer;
    type Result = CollectResult<'v, T>;

    fn split_at(self, index: usize) -> (Self, Self, CollectReducer) {
        assert!(index <= self.len, "cut past the end of the collect target");
        // SAFETY: `index <= len`, so the pointer stays inside (or one past) the target.
        let right = unsafe { self.target.add(index) };
        (
            CollectConsumer {
                target: self.target,
                len: index,
                marker: PhantomData,
            },
            CollectConsumer {
                target: right,
                len: self.len - index,
                marker: PhantomData,
            },
            CollectReducer,
        )
    }

    fn into_folder(self) -> CollectResult<'v, T> {
        CollectResult {
            start: self.target,
            total: self.len,
            initialized: 0,
            marker: PhantomData,
        }
    }
}

/// The slots a consumer has written, `start..start + initialized`, out of its `total` (C1).
struct CollectResult<'v, T> {
    start: *mut T,
    total: usize,
    initialized: usize,
    marker: PhantomData<&'v mut [T]>,
}

// SAFETY: it owns the items it wrote and has exclusive access to its other slots (C1).
unsafe impl<T: Send> Send for CollectResult<'_, T> {}

impl<T> Folder<T> for CollectResult<'_, T> {
    type Result = Self;

    #[inline]
    fn consume(mut self, item: T) -> Self {
        assert!(
            self.initialized < self.total,
            "a parallel iterator produced more items than it reported"
        );
        // SAFETY: the slot is ours and not yet written (C1).
        unsafe { self.start.add(self.initialized).write(item) };
        self.initialized += 1;
        self
    }

    fn consume_iter<I: IntoIterator<Item = T>>(mut self, iter: I) -> Self {
        for item in iter {
            self = self.consume(item);
        }
        self
    }

    fn complete(self) -> Self {
        self
    }
}

impl<T> Drop for CollectResult<'_, T> {
    fn drop(&mut self) {
        // SAFETY: we own exactly the written slots (C1).
        unsafe {
            ptr::drop_in_place(ptr::slice_from_raw_parts_mut(self.start, self.initialized));
        }
    }
}

struct CollectReducer;

impl<'v, T> Reducer<CollectResult<'v, T>> for CollectReducer {
    fn reduce(
        self,
        mut left: CollectResult<'v, T>,
        right: CollectResult<'v, T>,
    ) -> CollectResult<'v, T> {
        // Adjacent only if the left one is complete: then the right one's items join it.
        if left.start.wrapping_add(left.initialized) == right.start {
            left.total += right.total;
            left.initialized += right.initialized;
            mem::forget(right);
        }
        // Otherwise `right` is dropped here with its items (C1).
        left
    }
}

/// [`ParallelIterator::unzip`]: each leaf into two vectors, then both lists appended in order.
pub(crate) fn unzip<I, A, B, FromA, FromB>(iter: I) -> (FromA, FromB)
where
    I: ParallelIterator<Item = (A, B)>,
    FromA: Default + Send + Extend<A>,
    FromB: Default + Send + Extend<B>,
    A: Send,
    B: Send,
{
    split_in_two(iter, |(a, b), (left, right): &mut (Vec<A>, Vec<B>)| {
        left.push(a);
        right.push(b);
    })
}

/// [`ParallelIterator::partition`]: each leaf into two vectors, then both lists appended.
pub(crate) fn partition<I, A, B, P>(iter: I, predicate: &P) -> (A, B)
where
    I: ParallelIterator,
    A: Default + Send + Extend<I::Item>,
    B: Default + Send + Extend<I::Item>,
    P: Fn(&I::Item) -> bool + Sync,
{
    split_in_two(
        iter,
        |item, (yes, no): &mut (Vec<I::Item>, Vec<I::Item>)| {
            if predicate(&item) {
                yes.push(item);
            } else {
                no.push(item);
            }
        },
    )
}

/// Folds each leaf into a pair of vectors with `put`, links them in order, and extends two
/// fresh collections with them.
fn split_in_two<I, X, Y, FromX, FromY, F>(iter: I, put: F) -> (FromX, FromY)
where
    I: ParallelIterator,
    X: Send,
    Y: Send,
    FromX: Default + Extend<X>,
    FromY: Default + Extend<Y>,
    F: Fn(I::Item, &mut (Vec<X>, Vec<Y>)) + Sync + Send,
{
    type Lists<X, Y> = (LinkedList<Vec<X>>, LinkedList<Vec<Y>>);
    let (xs, ys): Lists<X, Y> = iter
        .fold(
            || (Vec::new(), Vec::new()),
            |mut parts, item| {
                put(item, &mut parts);
                parts
            },
        )
        .map(|(x, y)| {
            let (mut xs, mut ys) = (LinkedList::new(), LinkedList::new());
            if !x.is_empty() {
                xs.push_back(x);
            }
            if !y.is_empty() {
                ys.push_back(y);
            }
            (xs, ys)
        })
        .reduce(
            || (LinkedList::new(), LinkedList::new()),
            |mut left, mut right| {
                left.0.append(&mut right.0);
                left.1.append(&mut right.1);
                left
            },
        );
    let (mut from_x, mut from_y) = (FromX::default(), FromY::default());
    for part in xs {
        from_x.extend(part);
    }
    for part in ys {
        from_y.extend(part);
    }
    (from_x, from_y)
}
