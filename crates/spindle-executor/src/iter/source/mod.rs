//! The sources: slices, arrays and `Vec`s (by reference and by value), ranges of integers, and
//! a slice's chunks and windows. Each is an indexed parallel iterator whose producer is a
//! sub-slice or sub-range, cut in O(1).

mod chunks;
mod range;
mod slice;
mod vec;

pub use chunks::{ChunksIter, ChunksMutIter, WindowsIter};
pub use range::RangeIter;
pub use slice::{SliceIter, SliceIterMut};
pub use vec::{ArrayIntoIter, VecIntoIter};

/// Parallel views of a shared slice: `par_chunks` and `par_windows` (rayon's `ParallelSlice`).
///
/// # Examples
///
/// ```
/// use spindle_executor::prelude::*;
/// let v = [1, 2, 3, 4, 5];
/// let sums: Vec<i32> = v.par_chunks(2).map(|c| c.iter().sum()).collect();
/// assert_eq!(sums, [3, 7, 5]);
/// let pairs: Vec<i32> = v.par_windows(2).map(|w| w[1] - w[0]).collect();
/// assert_eq!(pairs, [1, 1, 1, 1]);
/// ```
pub trait ParallelSlice<T: Sync> {
    /// The slice itself.
    fn as_parallel_slice(&self) -> &[T];

    /// The slice's chunks of `chunk_size` elements (the last one shorter), in parallel.
    ///
    /// # Panics
    ///
    /// If `chunk_size` is 0, as [`slice::chunks`].
    fn par_chunks(&self, chunk_size: usize) -> ChunksIter<'_, T> {
        ChunksIter::new(self.as_parallel_slice(), chunk_size)
    }

    /// The slice's overlapping windows of `window_size` elements, in parallel.
    ///
    /// # Panics
    ///
    /// If `window_size` is 0, as [`slice::windows`].
    fn par_windows(&self, window_size: usize) -> WindowsIter<'_, T> {
        WindowsIter::new(self.as_parallel_slice(), window_size)
    }
}

impl<T: Sync> ParallelSlice<T> for [T] {
    fn as_parallel_slice(&self) -> &[T] {
        self
    }
}

/// Parallel views and sorts of a mutable slice: `par_chunks_mut` and the `par_sort` family
/// (rayon's `ParallelSliceMut`).
///
/// The sorts: [`par_sort_unstable`](Self::par_sort_unstable) and its `_by`/`_by_key` forms
/// split the slice at its exact median (the standard library's `select_nth_unstable_by`) and
/// sort the halves in parallel, down to about two parts per thread, which the standard
/// library's `sort_unstable_by` sorts; no allocation. [`par_sort`](Self::par_sort) and its
/// forms are stable: parts sorted in parallel by the standard library's `sort_by`, then
/// merged in parallel through one buffer of the slice's length. Both sort short slices (and
/// everything on a one-thread pool) with the standard library alone.
///
/// # Examples
///
/// ```
/// use spindle_executor::prelude::*;
/// let mut v = [0u8; 5];
/// v.par_chunks_mut(2).enumerate().for_each(|(i, c)| c.fill(i as u8));
/// assert_eq!(v, [0, 0, 1, 1, 2]);
/// ```
pub trait ParallelSliceMut<T: Send> {
    /// The slice itself.
    fn as_parallel_slice_mut(&mut self) -> &mut [T];

    /// The slice's chunks of `chunk_size` elements (the last one shorter), in parallel.
    ///
    /// # Panics
    ///
    /// If `chunk_size` is 0, as [`slice::chunks_mut`].
    fn par_chunks_mut(&mut self, chunk_size: usize) -> ChunksMutIter<'_, T> {
        ChunksMutIter::new(self.as_parallel_slice_mut(), chunk_size)
    }

    /// Sorts the slice in parallel, stably.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let mut v = vec![5, 1, 4, 2, 3];
    /// v.par_sort();
    /// assert_eq!(v, [1, 2, 3, 4, 5]);
    /// ```
    fn par_sort(&mut self)
    where
        T: Ord,
    {
        super::sort::stable(self.as_parallel_slice_mut(), &T::cmp);
    }

    /// Sorts the slice in parallel, stably, by `compare`.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let mut v = vec![(1, 'b'), (0, 'z'), (1, 'a')];
    /// v.par_sort_by(|a, b| a.0.cmp(&b.0));
    /// assert_eq!(v, [(0, 'z'), (1, 'b'), (1, 'a')]);
    /// ```
    fn par_sort_by<F>(&mut self, compare: F)
    where
        F: Fn(&T, &T) -> core::cmp::Ordering + Sync,
    {
        super::sort::stable(self.as_parallel_slice_mut(), &compare);
    }

    /// Sorts the slice in parallel, stably, by the key `f` gives each element.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let mut v = vec![-3i32, 1, -2];
    /// v.par_sort_by_key(|x| x.abs());
    /// assert_eq!(v, [1, -2, -3]);
    /// ```
    fn par_sort_by_key<K, F>(&mut self, f: F)
    where
        K: Ord,
        F: Fn(&T) -> K + Sync,
    {
        super::sort::stable(self.as_parallel_slice_mut(), &|a: &T, b: &T| {
            f(a).cmp(&f(b))
        });
    }

    /// Sorts the slice in parallel; equal elements may be reordered. Allocates nothing.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let mut v: Vec<u64> = (0..10_000).rev().collect();
    /// v.par_sort_unstable();
    /// assert!(v.windows(2).all(|w| w[0] <= w[1]));
    /// ```
    fn par_sort_unstable(&mut self)
    where
        T: Ord,
    {
        super::sort::unstable(self.as_parallel_slice_mut(), &T::cmp);
    }

    /// Sorts the slice in parallel by `compare`; equal elements may be reordered.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let mut v = vec![1, 3, 2];
    /// v.par_sort_unstable_by(|a, b| b.cmp(a));
    /// assert_eq!(v, [3, 2, 1]);
    /// ```
    fn par_sort_unstable_by<F>(&mut self, compare: F)
    where
        F: Fn(&T, &T) -> core::cmp::Ordering + Sync,
    {
        super::sort::unstable(self.as_parallel_slice_mut(), &compare);
    }

    /// Sorts the slice in parallel by the key `f` gives each element; equal elements may be
    /// reordered.
    ///
    /// ```
    /// use spindle_executor::prelude::*;
    /// let mut v = vec!["ccc", "a", "bb"];
    /// v.par_sort_unstable_by_key(|s| s.len());
    /// assert_eq!(v, ["a", "bb", "ccc"]);
    /// ```
    fn par_sort_unstable_by_key<K, F>(&mut self, f: F)
    where
        K: Ord,
        F: Fn(&T) -> K + Sync,
    {
        super::sort::unstable(self.as_parallel_slice_mut(), &|a: &T, b: &T| {
            f(a).cmp(&f(b))
        });
    }
}

impl<T: Send> ParallelSliceMut<T> for [T] {
    fn as_parallel_slice_mut(&mut self) -> &mut [T] {
        self
    }
}

/// The `ParallelIterator` and `IndexedParallelIterator` impls of an indexed source: its length,
/// and how it hands its producer to the callback.
macro_rules! indexed_source {
    (impl[$($g:tt)*] $ty:ty => $item:ty, len($s:ident) $len:expr,
     with_producer($p:ident, $cb:ident) $body:expr) => {
        impl<$($g)*> $crate::iter::ParallelIterator for $ty {
            type Item = $item;
            fn drive_unindexed<C: $crate::iter::plumbing::Consumer<Self::Item>>(
                self,
                consumer: C,
            ) -> C::Result {
                $crate::iter::plumbing::bridge(self, consumer)
            }
            fn opt_len(&self) -> Option<usize> {
                Some($crate::iter::IndexedParallelIterator::len(self))
            }
        }
        impl<$($g)*> $crate::iter::IndexedParallelIterator for $ty {
            fn len(&self) -> usize {
                let $s = self;
                $len
            }
            fn with_producer<CB: $crate::iter::plumbing::ProducerCallback<Self::Item>>(
                self,
                callback: CB,
            ) -> CB::Output {
                let ($p, $cb) = (self, callback);
                $body
            }
        }
    };
}
pub(crate) use indexed_source;
