//! `into_par_iter()` of a `Vec` or an array: its items moved out, each exactly once.
//!
//! # Invariants
//!
//! - **V1 (each item owned once).** Before its producer is made, the vector's length is set to
//!   zero (an array is put in `ManuallyDrop`): from then on the items belong to the
//!   [`DrainProducer`]s, each of which owns the items of its sub-slice and nothing else
//!   (`split_at` hands both halves on and leaves itself empty). An item leaves its owner either
//!   read out by the [`SliceDrain`] iterator (which then owns the rest) or dropped in place by
//!   the owner's `Drop`; so every item is moved out or dropped once, also when a closure
//!   panics half-way. The vector itself frees only its buffer.

use core::mem::{self, ManuallyDrop};
use core::ptr;

use crate::iter::IntoParallelIterator;
use crate::iter::plumbing::{Producer, ProducerCallback};

/// A parallel iterator that moves the items out of a `Vec`: `vec.into_par_iter()`.
///
/// ```
/// use spindle_executor::prelude::*;
/// let v = vec![String::from("a"), String::from("bc")];
/// assert_eq!(v.into_par_iter().map(|s| s.len()).sum::<usize>(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct VecIntoIter<T> {
    vec: Vec<T>,
}

/// A parallel iterator that moves the items out of an array: `array.into_par_iter()`.
///
/// ```
/// use spindle_executor::prelude::*;
/// let v: Vec<String> = [String::from("a"), String::from("b")].into_par_iter().collect();
/// assert_eq!(v, ["a", "b"]);
/// ```
#[derive(Debug, Clone)]
pub struct ArrayIntoIter<T, const N: usize> {
    array: [T; N],
}

impl<T: Send> IntoParallelIterator for Vec<T> {
    type Iter = VecIntoIter<T>;
    type Item = T;
    fn into_par_iter(self) -> Self::Iter {
        VecIntoIter { vec: self }
    }
}

impl<T: Send, const N: usize> IntoParallelIterator for [T; N] {
    type Iter = ArrayIntoIter<T, N>;
    type Item = T;
    fn into_par_iter(self) -> Self::Iter {
        ArrayIntoIter { array: self }
    }
}

super::indexed_source!(impl[T: Send] VecIntoIter<T> => T,
    len(s) s.vec.len(), with_producer(p, cb) drain_vec(p.vec, cb));
super::indexed_source!(impl[T: Send, const N: usize] ArrayIntoIter<T, N> => T,
    len(_s) N, with_producer(p, cb) drain_array(p.array, cb));

fn drain_vec<T: Send, CB: ProducerCallback<T>>(mut vec: Vec<T>, callback: CB) -> CB::Output {
    let len = vec.len();
    // SAFETY: the items now belong to the producer (V1); the vector keeps only its buffer,
    // which outlives the producer (it is dropped after the callback returns or unwinds).
    let producer = unsafe {
        vec.set_len(0);
        DrainProducer::new(core::slice::from_raw_parts_mut(vec.as_mut_ptr(), len))
    };
    callback.callback(producer)
}

fn drain_array<T: Send, CB: ProducerCallback<T>, const N: usize>(
    array: [T; N],
    callback: CB,
) -> CB::Output {
    let mut array = ManuallyDrop::new(array);
    // SAFETY: the array is never dropped as such: its items belong to the producer (V1).
    let producer = unsafe { DrainProducer::new(&mut array[..]) };
    callback.callback(producer)
}

/// Owns the items of its sub-slice (V1).
struct DrainProducer<'data, T> {
    slice: &'data mut [T],
}

impl<'data, T> DrainProducer<'data, T> {
    /// # Safety
    ///
    /// The items of `slice` are the producer's: nothing else reads or drops them (V1).
    unsafe fn new(slice: &'data mut [T]) -> Self {
        DrainProducer { slice }
    }
}

impl<'data, T: Send> Producer for DrainProducer<'data, T> {
    type Item = T;
    type IntoIter = SliceDrain<'data, T>;

    fn into_iter(mut self) -> Self::IntoIter {
        let slice = mem::take(&mut self.slice);
        SliceDrain {
            iter: slice.iter_mut(),
        }
    }

    fn split_at(mut self, index: usize) -> (Self, Self) {
        let slice = mem::take(&mut self.slice);
        let (left, right) = slice.split_at_mut(index);
        // SAFETY: the halves own what `self` owned, and `self` is left empty (V1).
        unsafe { (DrainProducer::new(left), DrainProducer::new(right)) }
    }
}

impl<T> Drop for DrainProducer<'_, T> {
    fn drop(&mut self) {
        let slice = mem::take(&mut self.slice);
        // SAFETY: these items are ours and were never read out (V1).
        unsafe { ptr::drop_in_place(slice) };
    }
}

/// Moves the items of a [`DrainProducer`]'s sub-slice out, in order (V1).
struct SliceDrain<'data, T> {
    iter: core::slice::IterMut<'data, T>,
}

impl<T> Iterator for SliceDrain<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        // SAFETY: each item is yielded once, and the iterator moves past it, so it is never
        // read or dropped again (V1).
        self.iter.next().map(|item| unsafe { ptr::read(item) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

impl<T> ExactSizeIterator for SliceDrain<'_, T> {}

impl<T> Drop for SliceDrain<'_, T> {
    fn drop(&mut self) {
        let rest = mem::take(&mut self.iter).into_slice();
        // SAFETY: the items not yielded are still ours (V1).
        unsafe { ptr::drop_in_place(rest) };
    }
}
