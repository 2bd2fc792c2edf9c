//! `for_each`, `for_each_with`, `for_each_init`.

use crate::iter::plumbing::{Consumer, Folder};

use super::NoopReducer;

pub(crate) struct ForEachConsumer<'f, F> {
    op: &'f F,
}

impl<'f, F> ForEachConsumer<'f, F> {
    pub(crate) fn new(op: &'f F) -> Self {
        ForEachConsumer { op }
    }
}

impl<T, F: Fn(T) + Sync> Consumer<T> for ForEachConsumer<'_, F> {
    type Folder = Self;
    type Reducer = NoopReducer;
    type Result = ();
    fn split_at(self, _index: usize) -> (Self, Self, NoopReducer) {
        (ForEachConsumer { op: self.op }, self, NoopReducer)
    }
    fn into_folder(self) -> Self {
        self
    }
}

impl<T, F: Fn(T)> Folder<T> for ForEachConsumer<'_, F> {
    type Result = ();
    fn consume(self, item: T) -> Self {
        (self.op)(item);
        self
    }
    fn consume_iter<I: IntoIterator<Item = T>>(self, iter: I) -> Self {
        iter.into_iter().for_each(self.op);
        self
    }
    fn complete(self) {}
}

pub(crate) struct ForEachWithConsumer<'f, U, F> {
    item: U,
    op: &'f F,
}

impl<'f, U, F> ForEachWithConsumer<'f, U, F> {
    pub(crate) fn new(item: U, op: &'f F) -> Self {
        ForEachWithConsumer { item, op }
    }
}

impl<T, U: Send + Clone, F: Fn(&mut U, T) + Sync> Consumer<T> for ForEachWithConsumer<'_, U, F> {
    type Folder = Self;
    type Reducer = NoopReducer;
    type Result = ();
    fn split_at(self, _index: usize) -> (Self, Self, NoopReducer) {
        let left = ForEachWithConsumer {
            item: self.item.clone(),
            op: self.op,
        };
        (left, self, NoopReducer)
    }
    fn into_folder(self) -> Self {
        self
    }
}

impl<T, U, F: Fn(&mut U, T)> Folder<T> for ForEachWithConsumer<'_, U, F> {
    type Result = ();
    fn consume(mut self, item: T) -> Self {
        (self.op)(&mut self.item, item);
        self
    }
    fn consume_iter<I: IntoIterator<Item = T>>(mut self, iter: I) -> Self {
        let op = self.op;
        iter.into_iter().for_each(|item| op(&mut self.item, item));
        self
    }
    fn complete(self) {}
}

pub(crate) struct ForEachInitConsumer<'f, INIT, F> {
    init: &'f INIT,
    op: &'f F,
}

impl<'f, INIT, F> ForEachInitConsumer<'f, INIT, F> {
    pub(crate) fn new(init: &'f INIT, op: &'f F) -> Self {
        ForEachInitConsumer { init, op }
    }
}

impl<'f, T, U, INIT, F> Consumer<T> for ForEachInitConsumer<'f, INIT, F>
where
    INIT: Fn() -> U + Sync,
    F: Fn(&mut U, T) + Sync,
{
    type Folder = ForEachWithConsumer<'f, U, F>;
    type Reducer = NoopReducer;
    type Result = ();
    fn split_at(self, _index: usize) -> (Self, Self, NoopReducer) {
        let left = ForEachInitConsumer {
            init: self.init,
            op: self.op,
        };
        (left, self, NoopReducer)
    }
    fn into_folder(self) -> Self::Folder {
        ForEachWithConsumer {
            item: (self.init)(),
            op: self.op,
        }
    }
}
