//! `par_chunks`, `par_chunks_mut` and `par_windows` over a slice.

use crate::iter::plumbing::Producer;

use super::indexed_source;

/// A parallel iterator over a slice's chunks: `slice.par_chunks(n)`.
///
/// ```
/// use spindle_executor::prelude::*;
/// assert_eq!([1, 2, 3].par_chunks(2).count(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct ChunksIter<'data, T> {
    slice: &'data [T],
    size: usize,
}

/// A parallel iterator over a mutable slice's chunks: `slice.par_chunks_mut(n)`.
///
/// ```
/// use spindle_executor::prelude::*;
/// let mut v = [1, 2, 3];
/// v.par_chunks_mut(2).for_each(|c| c.reverse());
/// assert_eq!(v, [2, 1, 3]);
/// ```
#[derive(Debug)]
pub struct ChunksMutIter<'data, T> {
    slice: &'data mut [T],
    size: usize,
}

/// A parallel iterator over a slice's overlapping windows: `slice.par_windows(n)`.
///
/// ```
/// use spindle_executor::prelude::*;
/// assert_eq!([1, 2, 3].par_windows(2).count(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct WindowsIter<'data, T> {
    slice: &'data [T],
    size: usize,
}

impl<'data, T> ChunksIter<'data, T> {
    pub(super) fn new(slice: &'data [T], size: usize) -> Self {
        assert!(size != 0, "chunk size must be non-zero");
        ChunksIter { slice, size }
    }
}

impl<'data, T> ChunksMutIter<'data, T> {
    pub(super) fn new(slice: &'data mut [T], size: usize) -> Self {
        assert!(size != 0, "chunk size must be non-zero");
        ChunksMutIter { slice, size }
    }
}

impl<'data, T> WindowsIter<'data, T> {
    pub(super) fn new(slice: &'data [T], size: usize) -> Self {
        assert!(size != 0, "window size must be non-zero");
        WindowsIter { slice, size }
    }
}

indexed_source!(impl['data, T: Sync + 'data] ChunksIter<'data, T> => &'data [T],
    len(s) s.slice.len().div_ceil(s.size),
    with_producer(p, cb) cb.callback(ChunksProducer { slice: p.slice, size: p.size }));
indexed_source!(impl['data, T: Send + 'data] ChunksMutIter<'data, T> => &'data mut [T],
    len(s) s.slice.len().div_ceil(s.size),
    with_producer(p, cb) cb.callback(ChunksMutProducer { slice: p.slice, size: p.size }));
indexed_source!(impl['data, T: Sync + 'data] WindowsIter<'data, T> => &'data [T],
    len(s) (s.slice.len() + 1).saturating_sub(s.size),
    with_producer(p, cb) cb.callback(WindowsProducer { slice: p.slice, size: p.size }));

struct ChunksProducer<'data, T> {
    slice: &'data [T],
    size: usize,
}

impl<'data, T: Sync> Producer for ChunksProducer<'data, T> {
    type Item = &'data [T];
    type IntoIter = core::slice::Chunks<'data, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.slice.chunks(self.size)
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let at = index.saturating_mul(self.size).min(self.slice.len());
        let (left, right) = self.slice.split_at(at);
        let size = self.size;
        (
            ChunksProducer { slice: left, size },
            ChunksProducer { slice: right, size },
        )
    }
}

struct ChunksMutProducer<'data, T> {
    slice: &'data mut [T],
    size: usize,
}

impl<'data, T: Send> Producer for ChunksMutProducer<'data, T> {
    type Item = &'data mut [T];
    type IntoIter = core::slice::ChunksMut<'data, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.slice.chunks_mut(self.size)
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let at = index.saturating_mul(self.size).min(self.slice.len());
        let (left, right) = self.slice.split_at_mut(at);
        let size = self.size;
        (
            ChunksMutProducer { slice: left, size },
            ChunksMutProducer { slice: right, size },
        )
    }
}

struct WindowsProducer<'data, T> {
    slice: &'data [T],
    size: usize,
}

impl<'data, T: Sync> Producer for WindowsProducer<'data, T> {
    type Item = &'data [T];
    type IntoIter = core::slice::Windows<'data, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.slice.windows(self.size)
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        // The left part's windows start at 0..index: it needs `index + size - 1` elements; the
        // right part's start at `index`.
        let left_end = (index + self.size - 1).min(self.slice.len());
        let size = self.size;
        (
            WindowsProducer {
                slice: &self.slice[..left_end],
                size,
            },
            WindowsProducer {
                slice: &self.slice[index..],
                size,
            },
        )
    }
}
