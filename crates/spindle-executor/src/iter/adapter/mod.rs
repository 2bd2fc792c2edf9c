//! The adapters: each wraps the iterator below it and, where the adapter keeps item
//! positions (`map`, `enumerate`, `zip`...), its producer too, so an indexed iterator stays
//! indexed through it. Adapters that drop or multiply items (`filter`, `flat_map_iter`, `fold`)
//! wrap only the consumer: the iteration is cut by the source's positions, and what each leaf
//! yields goes to the consumer above.
//!
//! A wrapped folder hands whole runs of items to the folder above through a sequential
//! adapter (`iter.map(f)`, `iter.filter(p)`), so each leaf's loop is the one the standard
//! library's iterator would compile to.

mod chunks;
mod enumerate;
mod filter;
mod fold;
mod len;
mod map;
mod zip;

pub use chunks::Chunks;
pub use enumerate::Enumerate;
pub use filter::{Filter, FilterMap, FlatMapIter};
pub use fold::Fold;
pub use len::{MaxLen, MinLen};
pub use map::{Cloned, Copied, Inspect, Map};
pub use zip::Zip;
