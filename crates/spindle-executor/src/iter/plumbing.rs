//! The traits a parallel iterator is built from, and the driver that splits it over the pool:
//! rayon's producer/consumer design, with the names of `rayon::iter::plumbing`, so a source or
//! consumer written for one reads the same for the other.
//!
//! - A [`Producer`] is an indexed piece of the input that can be cut in two at an index and
//!   turned into a sequential iterator: a slice, a range, a drained vector, or an adapter over
//!   another producer (map, zip, enumerate...).
//! - A [`Consumer`] is the matching piece of the output: cut at the same index, it gives two
//!   consumers and the [`Reducer`] that joins their results in order. Turned into a
//!   [`Folder`], it takes the items of its piece one after the other.
//! - [`bridge_producer_consumer`] cuts both in halves with the pool's `join`, while it is worth
//!   it (below), and folds each leaf sequentially; the results are reduced on the way back up,
//!   left before right, so order-sensitive reductions (collect, `reduce` with an associative
//!   operation) see the sequential order.
//!
//! # When to split
//!
//! As rayon's adaptive splitter: a leaf starts with as many splits as the pool has threads
//! (each split halves the count); a half that was stolen, and so runs on another thread,
//! resets it to at least the thread count, because a steal means some worker ran out of work.
//! A piece shorter than twice its producer's [`min_len`](Producer::min_len) is never cut, and
//! a piece longer than [`max_len`](Producer::max_len) always is. A `join` whose pool has no
//! idle worker skips its deque altogether (the executor's `join`), so splitting on a busy pool
//! costs two function calls.
//!
//! # Stopping
//!
//! A leaf folds its producer in pieces (the first of [`PIECE`] items, each later one twice as
//! long while they take under 20 µs) and, between two, looks at the iteration's stop flag and
//! at [`Folder::full`]: a panic anywhere sets the flag (and `find_any` and friends make their
//! folders full), so the other leaves stop within a piece, tens of microseconds, and no new
//! leaf starts.
//!
//! # Started outside a pool
//!
//! From a thread that is no pool's worker, the iteration runs on the global pool without
//! being handed to a worker: it is cut into a few parts up front and run as one of the
//! executor's batches over them, the calling thread taking part (see `from_outside`). A
//! short iteration then costs no wake-up of the caller, the 15-30 µs that dominate rayon's
//! call from outside on this machine (`BENCHMARKS.md`). The panic itself is resumed on the caller once every half has
//! returned, as `join` does; what was produced and not consumed is dropped by its producer,
//! what was consumed and not returned by its folder's result.

use core::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::join::join_on_worker;
use crate::primitive::{AtomicBool, Ordering};
use crate::registry::{Registry, WorkerThread};

use super::IndexedParallelIterator;

/// Items a leaf folds first between two looks at the stop flag and [`Folder::full`]; later
/// pieces grow while they are fast (see `leaf`).
pub const PIECE: usize = 1024;
/// A piece that takes less than this is followed by one twice as long.
const FAST_PIECE: Duration = Duration::from_micros(20);

/// An indexed piece of a parallel iterator's input: cut in two by [`split_at`](Self::split_at),
/// or iterated sequentially by [`into_iter`](Self::into_iter).
///
/// # Examples
///
/// A source of the numbers `start..end`, squared, written from scratch:
///
/// ```
/// use spindle_executor::iter::plumbing::{bridge, Producer, ProducerCallback, Consumer};
/// use spindle_executor::prelude::*;
///
/// struct Squares { start: u64, end: u64 }
/// impl Producer for Squares {
///     type Item = u64;
///     type IntoIter = std::iter::Map<std::ops::Range<u64>, fn(u64) -> u64>;
///     fn into_iter(self) -> Self::IntoIter { (self.start..self.end).map(|x| x * x) }
///     fn split_at(self, index: usize) -> (Self, Self) {
///         let mid = self.start + index as u64;
///         (Squares { start: self.start, end: mid }, Squares { start: mid, end: self.end })
///     }
/// }
///
/// struct ParSquares(u64);
/// impl ParallelIterator for ParSquares {
///     type Item = u64;
///     fn drive_unindexed<C: Consumer<u64>>(self, consumer: C) -> C::Result { bridge(self, consumer) }
///     fn opt_len(&self) -> Option<usize> { Some(self.0 as usize) }
/// }
/// impl IndexedParallelIterator for ParSquares {
///     fn len(&self) -> usize { self.0 as usize }
///     fn with_producer<CB: ProducerCallback<u64>>(self, callback: CB) -> CB::Output {
///         callback.callback(Squares { start: 0, end: self.0 })
///     }
/// }
///
/// assert_eq!(ParSquares(4).sum::<u64>(), 0 + 1 + 4 + 9);
/// ```
pub trait Producer: Send + Sized {
    /// The items produced.
    type Item;
    /// The sequential iterator over this piece's items.
    type IntoIter: Iterator<Item = Self::Item>;

    /// This piece's items, in order.
    fn into_iter(self) -> Self::IntoIter;

    /// The shortest piece worth running on its own: pieces shorter than twice this are not cut.
    fn min_len(&self) -> usize {
        1
    }

    /// The longest piece to run without cutting it.
    fn max_len(&self) -> usize {
        usize::MAX
    }

    /// Cuts the piece in two: the first `index` items, and the rest.
    fn split_at(self, index: usize) -> (Self, Self);

    /// Feeds every item of this piece to `folder`, stopping early if it gets
    /// [full](Folder::full). Override it when the source can do better than `into_iter`.
    fn fold_with<F: Folder<Self::Item>>(self, folder: F) -> F {
        folder.consume_iter(self.into_iter())
    }
}

/// The output side of a parallel iteration, for items of type `Item`: cut at an index into two
/// consumers and the [`Reducer`] of their results, or turned into a sequential [`Folder`].
///
/// Consumers that do not care where they are cut (a sum, a `for_each`) ignore the index;
/// collecting into a `Vec` in place writes the left part before `index` and the right after it.
pub trait Consumer<Item>: Send + Sized {
    /// The sequential side of this consumer.
    type Folder: Folder<Item, Result = Self::Result>;
    /// How the results of the two halves are joined, left first.
    type Reducer: Reducer<Self::Result>;
    /// The result of consuming a piece.
    type Result: Send;

    /// Cuts this consumer for the items before `index` and those from `index` on.
    fn split_at(self, index: usize) -> (Self, Self, Self::Reducer);

    /// The folder that consumes this consumer's items one after the other.
    fn into_folder(self) -> Self::Folder;

    /// Whether no more items are wanted (e.g. `find_any` found one): the driver then stops.
    fn full(&self) -> bool {
        false
    }
}

/// The sequential side of a [`Consumer`]: takes items one by one and yields the result.
pub trait Folder<Item>: Sized {
    /// The result, once every item is consumed.
    type Result;

    /// Takes one item.
    fn consume(self, item: Item) -> Self;

    /// Takes every item of `iter`, in order, until [full](Self::full). Override it to let a
    /// sequential adapter (`iter.map(f)`, `iter.filter(p)`) see the whole run of items, so the
    /// compiler can vectorise it.
    fn consume_iter<I: IntoIterator<Item = Item>>(mut self, iter: I) -> Self {
        for item in iter {
            self = self.consume(item);
            if self.full() {
                break;
            }
        }
        self
    }

    /// The result of what was consumed.
    fn complete(self) -> Self::Result;

    /// Whether no more items are wanted.
    fn full(&self) -> bool {
        false
    }
}

/// Joins the results of two adjacent pieces, the left one first.
pub trait Reducer<Result> {
    /// The result of both pieces, `left`'s items coming before `right`'s.
    fn reduce(self, left: Result, right: Result) -> Result;
}

/// What [`IndexedParallelIterator::with_producer`] hands its producer to: a generic callback,
/// since the producer may borrow from the iterator (a drained `Vec`'s buffer).
pub trait ProducerCallback<Item> {
    /// What the callback returns.
    type Output;
    /// Runs with the iterator's producer.
    fn callback<P: Producer<Item = Item>>(self, producer: P) -> Self::Output;
}

/// Drives an indexed parallel iterator into `consumer`: [`bridge_producer_consumer`] with the
/// iterator's producer. The usual body of a source's
/// [`drive_unindexed`](super::ParallelIterator::drive_unindexed).
pub fn bridge<I, C>(iter: I, consumer: C) -> C::Result
where
    I: IndexedParallelIterator,
    C: Consumer<I::Item>,
{
    struct Callback<C> {
        len: usize,
        consumer: C,
    }
    impl<C: Consumer<T>, T> ProducerCallback<T> for Callback<C> {
        type Output = C::Result;
        fn callback<P: Producer<Item = T>>(self, producer: P) -> C::Result {
            bridge_producer_consumer(self.len, producer, self.consumer)
        }
    }
    let len = iter.len();
    iter.with_producer(Callback { len, consumer })
}

/// Splits `producer` (of `len` items) and `consumer` over the pool and reduces the results in
/// order (module docs): on the current worker's pool when called from a worker, else on the
/// global pool (moved onto one of its workers first), else, if the global pool could not be
/// built, on the calling thread alone.
pub fn bridge_producer_consumer<P, C>(len: usize, producer: P, consumer: C) -> C::Result
where
    P: Producer,
    C: Consumer<P::Item>,
{
    if let Some(worker) = WorkerThread::current() {
        return root(worker, len, producer, consumer);
    }
    match crate::global::global() {
        Some(pool) => from_outside(&pool.registry, len, producer, consumer),
        None => sequential(len, producer, consumer),
    }
}

/// Parts per participant for an iteration started outside the pool (see [`from_outside`]).
const PARTS_PER_PARTICIPANT: usize = 4;
/// At most this many parts for an iteration started outside the pool.
const MAX_PARTS: usize = 64;

/// One of the parts an iteration started outside the pool is cut into: its producer and
/// consumer until a participant takes them, then its result.
struct Part<P, C: Consumer<P::Item>, R>
where
    P: Producer,
{
    work: UnsafeCell<Option<(P, C, usize)>>,
    result: UnsafeCell<Option<R>>,
}

/// The parts, shared by the batch's participants.
struct Parts<'a, P: Producer, C: Consumer<P::Item>>(&'a [Part<P, C, C::Result>]);

// SAFETY: each part is taken and its result written by exactly one participant (the batch
// runs each index once, T1 in `batch`), and read by the caller only after every participant
// has finished (T2/B3); the producers, consumers and results are `Send`.
unsafe impl<P: Producer, C: Consumer<P::Item>> Sync for Parts<'_, P, C> {}

/// An iteration started on a thread outside every pool: cut into a few parts up front
/// ([`PARTS_PER_PARTICIPANT`] per thread of the pool), run as one of the executor's batches
/// over the part indices with the calling thread taking part, so the caller is never parked
/// and woken for a short iteration, and on a busy machine the batch's own rules let it run
/// the iteration alone. Each part runs sequentially on whoever claims it; the batch balances
/// by handing out parts. The results are reduced in order, right to left, with the reducers
/// of the cuts that made them.
fn from_outside<P: Producer, C: Consumer<P::Item>>(
    registry: &Arc<Registry>,
    len: usize,
    producer: P,
    consumer: C,
) -> C::Result {
    let threads = registry.num_threads();
    // The caller takes one worker's place in the batch: `threads` participants.
    let count = (PARTS_PER_PARTICIPANT * threads).min(MAX_PARTS).min(len);
    if count <= 1 {
        return sequential(len, producer, consumer);
    }
    let parts: [Part<P, C, C::Result>; MAX_PARTS] = core::array::from_fn(|_| Part {
        work: UnsafeCell::new(None),
        result: UnsafeCell::new(None),
    });
    let mut reducers: [Option<C::Reducer>; MAX_PARTS] = core::array::from_fn(|_| None);
    let (mut producer, mut consumer, mut left) = (producer, consumer, len);
    for i in 0..count - 1 {
        // Near-equal parts: each takes its share of what is left.
        let size = left / (count - i);
        let (head, tail) = producer.split_at(size);
        let (head_c, tail_c, reducer) = consumer.split_at(size);
        reducers[i] = Some(reducer);
        // SAFETY: no participant exists yet.
        unsafe { *parts[i].work.get() = Some((head, head_c, size)) };
        (producer, consumer, left) = (tail, tail_c, left - size);
    }
    // SAFETY: as above.
    unsafe { *parts[count - 1].work.get() = Some((producer, consumer, left)) };
    let stop = AtomicBool::new(false);
    let shared = Parts(&parts[..count]);
    let run = |indices: core::ops::Range<usize>| {
        let shared = &shared;
        for part in &shared.0[indices] {
            // SAFETY: this participant is the only one given this index (T1 in `batch`).
            let Some((producer, consumer, len)) = (unsafe { (*part.work.get()).take() }) else {
                continue;
            };
            // Sequentially, on a worker too: the batch already spreads the parts over
            // exactly `threads` participants, and a `join` here would wake the one worker
            // the caller stands in for, one thread more than the pool has cores for.
            let result = leaf(&stop, len, producer, consumer);
            // SAFETY: as above; the caller reads it after every participant finished.
            unsafe { *part.result.get() = Some(result) };
        }
    };
    if !crate::batch::for_each_chunk_from_outside(registry, count, &run) {
        // Nested in one of this thread's own outside batches: the parts run here.
        run(0..count);
    }
    // Every part has run: the batch returns only once every participant has finished (and
    // resumes the first panic instead, if there was one).
    // SAFETY: no participant is left.
    let take = |i: usize| unsafe { (*parts[i].result.get()).take() };
    let mut acc = take(count - 1);
    for i in (0..count - 1).rev() {
        acc = match (take(i), acc, reducers[i].take()) {
            (Some(left), Some(right), Some(reducer)) => Some(reducer.reduce(left, right)),
            _ => None,
        };
    }
    acc.expect("every part of a parallel iteration runs")
}

/// The whole iteration on this thread, with the same stop rules.
fn sequential<P: Producer, C: Consumer<P::Item>>(
    len: usize,
    producer: P,
    consumer: C,
) -> C::Result {
    let stop = AtomicBool::new(false);
    leaf(&stop, len, producer, consumer)
}

fn root<P: Producer, C: Consumer<P::Item>>(
    worker: &WorkerThread,
    len: usize,
    producer: P,
    consumer: C,
) -> C::Result {
    let threads = worker.registry().num_threads();
    let splitter = Splitter::new(threads, producer.min_len(), producer.max_len(), len);
    let stop = AtomicBool::new(false);
    let ctx = Ctx {
        stop: &stop,
        threads,
    };
    helper(worker, &ctx, len, false, splitter, producer, consumer)
}

/// What every half of one iteration shares.
struct Ctx<'a> {
    /// Set by the first panic (module docs).
    stop: &'a AtomicBool,
    threads: usize,
}

impl Ctx<'_> {
    #[inline]
    fn stopped(&self) -> bool {
        // Relaxed: it only stops work; the panic travels through `join`.
        self.stop.load(Ordering::Relaxed)
    }
}

/// rayon's length splitter (module docs).
#[derive(Clone, Copy)]
struct Splitter {
    splits: usize,
    min: usize,
}

impl Splitter {
    fn new(threads: usize, min_len: usize, max_len: usize, len: usize) -> Self {
        let min_splits = len / max_len.max(1);
        Splitter {
            splits: threads.max(min_splits),
            min: min_len.max(1),
        }
    }

    #[inline]
    fn try_split(&mut self, len: usize, migrated: bool, threads: usize) -> bool {
        if len / 2 < self.min {
            return false;
        }
        if migrated {
            self.splits = threads.max(self.splits / 2);
            true
        } else if self.splits > 0 {
            self.splits /= 2;
            true
        } else {
            false
        }
    }
}

fn helper<P: Producer, C: Consumer<P::Item>>(
    worker: &WorkerThread,
    ctx: &Ctx<'_>,
    len: usize,
    migrated: bool,
    mut splitter: Splitter,
    producer: P,
    consumer: C,
) -> C::Result {
    if consumer.full() || ctx.stopped() {
        return consumer.into_folder().complete();
    }
    if !splitter.try_split(len, migrated, ctx.threads) {
        return leaf(ctx.stop, len, producer, consumer);
    }
    let mid = len / 2;
    let (left_p, right_p) = producer.split_at(mid);
    let (left_c, right_c, reducer) = consumer.split_at(mid);
    let origin = worker.index();
    // Both halves look their worker up again: `WorkerThread` is not `Sync`, so the closures
    // may not capture it. The left half runs right here; the right one here or on a thief of
    // the same pool (only its workers steal from this deque).
    let (left, right) = join_on_worker(
        worker,
        move || match WorkerThread::current() {
            Some(here) => helper(here, ctx, mid, false, splitter, left_p, left_c),
            None => leaf(ctx.stop, mid, left_p, left_c),
        },
        move || match WorkerThread::current() {
            Some(here) => {
                let moved = here.index() != origin;
                helper(here, ctx, len - mid, moved, splitter, right_p, right_c)
            }
            None => leaf(ctx.stop, len - mid, right_p, right_c),
        },
    );
    stop_on_panic(ctx.stop, || reducer.reduce(left, right))
}

/// Folds a leaf sequentially, in pieces, stopping early if it becomes full or the iteration
/// stops (module docs). Pieces start at [`PIECE`] items and double while a piece takes less
/// than [`FAST_PIECE`]: cheap items get long pieces (a look at the clock and the flag per
/// piece costs nothing against them), costly ones keep short ones, so a panic elsewhere is
/// noticed within about that time either way.
fn leaf<P: Producer, C: Consumer<P::Item>>(
    stop: &AtomicBool,
    mut len: usize,
    mut producer: P,
    consumer: C,
) -> C::Result {
    stop_on_panic(stop, move || {
        // A part started after a find or a panic elsewhere does no work at all.
        // Relaxed: as `Ctx::stopped`.
        if consumer.full() || stop.load(Ordering::Relaxed) {
            return consumer.into_folder().complete();
        }
        let mut folder = consumer.into_folder();
        let mut piece = PIECE;
        let mut since = Instant::now();
        while len > piece {
            let (head, tail) = producer.split_at(piece);
            folder = head.fold_with(folder);
            // Relaxed: as `Ctx::stopped`.
            if folder.full() || stop.load(Ordering::Relaxed) {
                return folder.complete();
            }
            producer = tail;
            len -= piece;
            let now = Instant::now();
            if now.duration_since(since) < FAST_PIECE {
                piece = piece.saturating_mul(2);
            }
            since = now;
        }
        producer.fold_with(folder).complete()
    })
}

/// Runs `f`; if it panics, raises the stop flag before the panic goes on unwinding.
#[inline]
fn stop_on_panic<R>(stop: &AtomicBool, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            stop.store(true, Ordering::Relaxed);
            resume_unwind(payload)
        }
    }
}
