//! `into_par_iter()` of a range of integers, `a..b` or `a..=b`.
//!
//! One generic impl per range type (over the sealed [`RangeInteger`]), as rayon has, so an
//! unsuffixed literal range like `(0..10).into_par_iter()` infers `i32` as a sequential range
//! does.

use core::ops::{Range, RangeInclusive};

use crate::iter::IntoParallelIterator;
use crate::iter::plumbing::Producer;

mod sealed {
    pub trait Sealed {}
}

/// The integer types whose ranges are parallel iterators: every primitive integer narrower
/// than 128 bits.
pub trait RangeInteger: Copy + Send + Sync + PartialOrd + sealed::Sealed + 'static {
    /// `Range<Self>`, the sequential iterator.
    #[doc(hidden)]
    type Iter: Iterator<Item = Self>;
    /// `start..end`.
    #[doc(hidden)]
    fn iter(start: Self, end: Self) -> Self::Iter;
    /// `end - start` for `start <= end`, as a `usize`.
    #[doc(hidden)]
    fn distance(start: Self, end: Self) -> usize;
    /// `self + n`, wrapping (exact whenever the result is in the range).
    #[doc(hidden)]
    fn forward(self, n: usize) -> Self;
}

macro_rules! range_integer {
    ($($t:ty => $u:ty),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl RangeInteger for $t {
            type Iter = Range<$t>;
            #[inline]
            fn iter(start: Self, end: Self) -> Range<$t> {
                start..end
            }
            #[inline]
            fn distance(start: Self, end: Self) -> usize {
                // In the unsigned type of the same width: exact in two's complement.
                let d = (end as $u).wrapping_sub(start as $u);
                usize::try_from(d).expect("a range longer than usize::MAX")
            }
            #[inline]
            fn forward(self, n: usize) -> Self {
                (self as $u).wrapping_add(n as $u) as $t
            }
        }
    )*};
}

range_integer!(u8 => u8, u16 => u16, u32 => u32, u64 => u64, usize => usize,
    i8 => u8, i16 => u16, i32 => u32, i64 => u64, isize => usize);

/// A parallel iterator over a range of integers: `(a..b).into_par_iter()` or
/// `(a..=b).into_par_iter()`.
///
/// ```
/// use spindle_executor::prelude::*;
/// assert_eq!((0..10u64).into_par_iter().sum::<u64>(), 45);
/// assert_eq!((-5..5).into_par_iter().count(), 10);
/// assert_eq!((1..=255u8).into_par_iter().map(u32::from).sum::<u32>(), 32_640);
/// ```
#[derive(Debug, Clone)]
pub struct RangeIter<T> {
    start: T,
    len: usize,
}

impl<T: RangeInteger> IntoParallelIterator for Range<T> {
    type Iter = RangeIter<T>;
    type Item = T;
    fn into_par_iter(self) -> Self::Iter {
        let len = if self.start < self.end {
            T::distance(self.start, self.end)
        } else {
            0
        };
        RangeIter {
            start: self.start,
            len,
        }
    }
}

impl<T: RangeInteger> IntoParallelIterator for RangeInclusive<T> {
    type Iter = RangeIter<T>;
    type Item = T;
    fn into_par_iter(self) -> Self::Iter {
        let (start, end) = (*self.start(), *self.end());
        // `is_empty` also covers a range already iterated to its end.
        let len = if self.is_empty() {
            0
        } else {
            T::distance(start, end)
                .checked_add(1)
                .expect("a range longer than usize::MAX")
        };
        RangeIter { start, len }
    }
}

super::indexed_source!(impl[T: RangeInteger] RangeIter<T> => T,
    len(s) s.len,
    with_producer(p, cb) cb.callback(RangeProducer { start: p.start, len: p.len }));

/// The producer of [`RangeIter`]: `len` integers from `start`.
struct RangeProducer<T> {
    start: T,
    len: usize,
}

impl<T: RangeInteger> Producer for RangeProducer<T> {
    type Item = T;
    /// A plain `Range` (whose folds the compiler vectorises), and the one integer that a
    /// range can not hold as its end: the type's largest, for a piece of `a..=MAX` ending there.
    type IntoIter = core::iter::Chain<T::Iter, core::option::IntoIter<T>>;
    fn into_iter(self) -> Self::IntoIter {
        if self.len == 0 {
            return T::iter(self.start, self.start).chain(None);
        }
        let last = self.start.forward(self.len - 1);
        let end = last.forward(1);
        if end > last {
            T::iter(self.start, end).chain(None)
        } else {
            // `last` is the type's largest value: `end` wrapped.
            T::iter(self.start, last).chain(Some(last))
        }
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        (
            RangeProducer {
                start: self.start,
                len: index,
            },
            RangeProducer {
                start: self.start.forward(index),
                len: self.len - index,
            },
        )
    }
}
