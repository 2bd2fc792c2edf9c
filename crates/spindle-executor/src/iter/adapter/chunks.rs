//! `chunks`: the items of an indexed iterator in `Vec`s of a given size.

use crate::iter::plumbing::{Consumer, Producer, ProducerCallback, bridge};
use crate::iter::{IndexedParallelIterator, ParallelIterator};

/// The iterator of [`IndexedParallelIterator::chunks`]: one `Vec` per `size` items, the last
/// one shorter.
///
/// ```
/// use spindle_executor::prelude::*;
/// let sums: Vec<i32> = (1..=5).into_par_iter().chunks(2).map(|c| c.iter().sum()).collect();
/// assert_eq!(sums, [3, 7, 5]);
/// ```
#[derive(Debug, Clone)]
#[must_use = "iterator adapters do nothing until consumed"]
pub struct Chunks<I> {
    base: I,
    size: usize,
}

impl<I> Chunks<I> {
    pub(crate) fn new(base: I, size: usize) -> Self {
        Chunks { base, size }
    }
}

impl<I: IndexedParallelIterator> ParallelIterator for Chunks<I> {
    type Item = Vec<I::Item>;
    fn drive_unindexed<C: Consumer<Self::Item>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }
    fn opt_len(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<I: IndexedParallelIterator> IndexedParallelIterator for Chunks<I> {
    fn len(&self) -> usize {
        self.base.len().div_ceil(self.size)
    }
    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        struct Callback<CB> {
            callback: CB,
            size: usize,
            len: usize,
        }
        impl<T, CB: ProducerCallback<Vec<T>>> ProducerCallback<T> for Callback<CB> {
            type Output = CB::Output;
            fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
                self.callback.callback(ChunksProducer {
                    base,
                    size: self.size,
                    len: self.len,
                })
            }
        }
        let len = self.base.len();
        let size = self.size;
        self.base.with_producer(Callback {
            callback,
            size,
            len,
        })
    }
}

/// `len` base items, yielded `size` at a time.
struct ChunksProducer<P> {
    base: P,
    size: usize,
    len: usize,
}

impl<P: Producer> Producer for ChunksProducer<P> {
    type Item = Vec<P::Item>;
    type IntoIter = ChunksIter<P::IntoIter>;
    fn into_iter(self) -> Self::IntoIter {
        ChunksIter {
            iter: self.base.into_iter(),
            size: self.size,
            left: self.len,
        }
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let at = index.saturating_mul(self.size).min(self.len);
        let (left, right) = self.base.split_at(at);
        let size = self.size;
        (
            ChunksProducer {
                base: left,
                size,
                len: at,
            },
            ChunksProducer {
                base: right,
                size,
                len: self.len - at,
            },
        )
    }
}

struct ChunksIter<I> {
    iter: I,
    size: usize,
    left: usize,
}

impl<I: Iterator> Iterator for ChunksIter<I> {
    type Item = Vec<I::Item>;
    fn next(&mut self) -> Option<Vec<I::Item>> {
        if self.left == 0 {
            return None;
        }
        let n = self.size.min(self.left);
        self.left -= n;
        Some(self.iter.by_ref().take(n).collect())
    }
}
