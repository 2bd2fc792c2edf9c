//! The consumers behind the terminal methods: each is a [`Consumer`](super::plumbing::Consumer)
//! whose folder keeps one accumulator per leaf and whose reducer merges two, left first. None
//! allocates, except those that collect.

mod collect;
mod find;
mod for_each;
mod reduce;

pub use collect::{FromParallelIterator, ParallelExtend};
pub(crate) use collect::{partition, unzip};
pub(crate) use find::FindConsumer;
pub(crate) use for_each::{ForEachConsumer, ForEachInitConsumer, ForEachWithConsumer};
pub(crate) use reduce::{CountConsumer, ProductConsumer, ReduceConsumer, SumConsumer};

use super::plumbing::Reducer;

/// The reducer of consumers whose result is `()`.
pub(crate) struct NoopReducer;

impl Reducer<()> for NoopReducer {
    fn reduce(self, _: (), _: ()) {}
}
