//! `find_any` (and `any`, `all`, `position_any` through it): every leaf stops once any has
//! found an item.

use crate::iter::plumbing::{Consumer, Folder, Reducer};
use crate::primitive::{AtomicBool, Ordering};

pub(crate) struct FindConsumer<'f, P> {
    predicate: &'f P,
    found: &'f AtomicBool,
}

impl<'f, P> FindConsumer<'f, P> {
    pub(crate) fn new(predicate: &'f P, found: &'f AtomicBool) -> Self {
        FindConsumer { predicate, found }
    }
}

impl<P> Clone for FindConsumer<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for FindConsumer<'_, P> {}

impl<'f, T: Send, P: Fn(&T) -> bool + Sync> Consumer<T> for FindConsumer<'f, P> {
    type Folder = FindFolder<'f, T, P>;
    type Reducer = Self;
    type Result = Option<T>;
    fn split_at(self, _index: usize) -> (Self, Self, Self) {
        (self, self, self)
    }
    fn into_folder(self) -> Self::Folder {
        FindFolder {
            consumer: self,
            item: None,
        }
    }
    fn full(&self) -> bool {
        // Relaxed: a hint to stop; the item itself travels back through the reducers.
        self.found.load(Ordering::Relaxed)
    }
}

impl<T, P> Reducer<Option<T>> for FindConsumer<'_, P> {
    fn reduce(self, left: Option<T>, right: Option<T>) -> Option<T> {
        left.or(right)
    }
}

pub(crate) struct FindFolder<'f, T, P> {
    consumer: FindConsumer<'f, P>,
    item: Option<T>,
}

impl<T, P: Fn(&T) -> bool> Folder<T> for FindFolder<'_, T, P> {
    type Result = Option<T>;
    fn consume(mut self, item: T) -> Self {
        if self.item.is_none() && (self.consumer.predicate)(&item) {
            self.consumer.found.store(true, Ordering::Relaxed);
            self.item = Some(item);
        }
        self
    }
    fn consume_iter<I: IntoIterator<Item = T>>(mut self, iter: I) -> Self {
        if self.item.is_none() {
            let predicate = self.consumer.predicate;
            if let Some(item) = iter.into_iter().find(|item| predicate(item)) {
                self.consumer.found.store(true, Ordering::Relaxed);
                self.item = Some(item);
            }
        }
        self
    }
    fn complete(self) -> Option<T> {
        self.item
    }
    fn full(&self) -> bool {
        self.item.is_some() || self.consumer.found.load(Ordering::Relaxed)
    }
}
