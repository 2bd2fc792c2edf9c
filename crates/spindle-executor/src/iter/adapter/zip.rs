//! `zip`: the items of two indexed iterators in pairs.

use crate::iter::plumbing::{Consumer, Producer, ProducerCallback, bridge};
use crate::iter::{IndexedParallelIterator, ParallelIterator};

/// The iterator of [`IndexedParallelIterator::zip`]: as long as the shorter of the two.
///
/// ```
/// use spindle_executor::prelude::*;
/// let dot: i32 = [1, 2, 3].par_iter().zip(&[4, 5, 6]).map(|(a, b)| a * b).sum();
/// assert_eq!(dot, 32);
/// ```
#[derive(Debug, Clone)]
#[must_use = "iterator adapters do nothing until consumed"]
pub struct Zip<A, B> {
    a: A,
    b: B,
}

impl<A, B> Zip<A, B> {
    pub(crate) fn new(a: A, b: B) -> Self {
        Zip { a, b }
    }
}

impl<A: IndexedParallelIterator, B: IndexedParallelIterator> ParallelIterator for Zip<A, B> {
    type Item = (A::Item, B::Item);
    fn drive_unindexed<C: Consumer<Self::Item>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }
    fn opt_len(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<A: IndexedParallelIterator, B: IndexedParallelIterator> IndexedParallelIterator for Zip<A, B> {
    fn len(&self) -> usize {
        self.a.len().min(self.b.len())
    }

    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        // Two nested callbacks: first `a`'s producer, then `b`'s, then both to `callback`.
        struct CallbackA<CB, B> {
            callback: CB,
            b: B,
        }
        impl<ItemA, CB, B> ProducerCallback<ItemA> for CallbackA<CB, B>
        where
            B: IndexedParallelIterator,
            CB: ProducerCallback<(ItemA, B::Item)>,
        {
            type Output = CB::Output;
            fn callback<PA: Producer<Item = ItemA>>(self, a: PA) -> CB::Output {
                self.b.with_producer(CallbackB {
                    callback: self.callback,
                    a,
                })
            }
        }
        struct CallbackB<CB, PA> {
            callback: CB,
            a: PA,
        }
        impl<ItemB, CB, PA> ProducerCallback<ItemB> for CallbackB<CB, PA>
        where
            PA: Producer,
            CB: ProducerCallback<(PA::Item, ItemB)>,
        {
            type Output = CB::Output;
            fn callback<PB: Producer<Item = ItemB>>(self, b: PB) -> CB::Output {
                self.callback.callback(ZipProducer { a: self.a, b })
            }
        }
        self.a.with_producer(CallbackA {
            callback,
            b: self.b,
        })
    }
}

struct ZipProducer<PA, PB> {
    a: PA,
    b: PB,
}

impl<PA: Producer, PB: Producer> Producer for ZipProducer<PA, PB> {
    type Item = (PA::Item, PB::Item);
    type IntoIter = core::iter::Zip<PA::IntoIter, PB::IntoIter>;
    fn into_iter(self) -> Self::IntoIter {
        self.a.into_iter().zip(self.b.into_iter())
    }
    fn min_len(&self) -> usize {
        self.a.min_len().max(self.b.min_len())
    }
    fn max_len(&self) -> usize {
        self.a.max_len().min(self.b.max_len())
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a_left, a_right) = self.a.split_at(index);
        let (b_left, b_right) = self.b.split_at(index);
        (
            ZipProducer {
                a: a_left,
                b: b_left,
            },
            ZipProducer {
                a: a_right,
                b: b_right,
            },
        )
    }
}
