//! `par_iter()` and `par_iter_mut()` over slices, arrays and `Vec`s.

use crate::iter::IntoParallelIterator;
use crate::iter::plumbing::Producer;

use super::indexed_source;

/// A parallel iterator over `&T` in a slice: `slice.par_iter()`.
///
/// ```
/// use spindle_executor::prelude::*;
/// assert_eq!([1, 2, 3].par_iter().max(), Some(&3));
/// ```
#[derive(Debug, Clone)]
pub struct SliceIter<'data, T> {
    slice: &'data [T],
}

/// A parallel iterator over `&mut T` in a slice: `slice.par_iter_mut()`.
///
/// ```
/// use spindle_executor::prelude::*;
/// let mut v = [1, 2, 3];
/// v.par_iter_mut().for_each(|x| *x += 1);
/// assert_eq!(v, [2, 3, 4]);
/// ```
#[derive(Debug)]
pub struct SliceIterMut<'data, T> {
    slice: &'data mut [T],
}

indexed_source!(impl['data, T: Sync + 'data] SliceIter<'data, T> => &'data T,
    len(s) s.slice.len(), with_producer(p, cb) cb.callback(SliceProducer { slice: p.slice }));
indexed_source!(impl['data, T: Send + 'data] SliceIterMut<'data, T> => &'data mut T,
    len(s) s.slice.len(), with_producer(p, cb) cb.callback(SliceMutProducer { slice: p.slice }));

/// The producer of [`SliceIter`]: a sub-slice.
struct SliceProducer<'data, T> {
    slice: &'data [T],
}

impl<'data, T: Sync> Producer for SliceProducer<'data, T> {
    type Item = &'data T;
    type IntoIter = core::slice::Iter<'data, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.slice.iter()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (left, right) = self.slice.split_at(index);
        (
            SliceProducer { slice: left },
            SliceProducer { slice: right },
        )
    }
}

/// The producer of [`SliceIterMut`]: a mutable sub-slice.
struct SliceMutProducer<'data, T> {
    slice: &'data mut [T],
}

impl<'data, T: Send> Producer for SliceMutProducer<'data, T> {
    type Item = &'data mut T;
    type IntoIter = core::slice::IterMut<'data, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.slice.iter_mut()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (left, right) = self.slice.split_at_mut(index);
        (
            SliceMutProducer { slice: left },
            SliceMutProducer { slice: right },
        )
    }
}

impl<'data, T: Sync + 'data> IntoParallelIterator for &'data [T] {
    type Iter = SliceIter<'data, T>;
    type Item = &'data T;
    fn into_par_iter(self) -> Self::Iter {
        SliceIter { slice: self }
    }
}

impl<'data, T: Sync + 'data> IntoParallelIterator for &'data Vec<T> {
    type Iter = SliceIter<'data, T>;
    type Item = &'data T;
    fn into_par_iter(self) -> Self::Iter {
        SliceIter { slice: self }
    }
}

impl<'data, T: Sync + 'data, const N: usize> IntoParallelIterator for &'data [T; N] {
    type Iter = SliceIter<'data, T>;
    type Item = &'data T;
    fn into_par_iter(self) -> Self::Iter {
        SliceIter { slice: self }
    }
}

impl<'data, T: Send + 'data> IntoParallelIterator for &'data mut [T] {
    type Iter = SliceIterMut<'data, T>;
    type Item = &'data mut T;
    fn into_par_iter(self) -> Self::Iter {
        SliceIterMut { slice: self }
    }
}

impl<'data, T: Send + 'data> IntoParallelIterator for &'data mut Vec<T> {
    type Iter = SliceIterMut<'data, T>;
    type Item = &'data mut T;
    fn into_par_iter(self) -> Self::Iter {
        SliceIterMut { slice: self }
    }
}

impl<'data, T: Send + 'data, const N: usize> IntoParallelIterator for &'data mut [T; N] {
    type Iter = SliceIterMut<'data, T>;
    type Item = &'data mut T;
    fn into_par_iter(self) -> Self::Iter {
        SliceIterMut { slice: self }
    }
}
