//! The parallel sorts behind [`ParallelSliceMut`](super::ParallelSliceMut)'s `par_sort` family.
//!
//! - **Unstable** (`par_sort_unstable` and its forms): a quicksort with exact medians. The
//!   standard library's `select_nth_unstable_by` puts the median in the middle, the smaller
//!   elements before it and the larger after (`O(n)`, with its branch-free partition), and the
//!   two halves are sorted under `join`, down to about two parts per thread, each sorted by
//!   `sort_unstable_by`. The halves are exactly equal, so no input splits badly, and nothing
//!   is allocated. Rayon's `par_sort_unstable` partitions around a sampled pivot instead and
//!   recurses to small parts; here the parts are the standard library's to sort, which it does
//!   faster.
//! - **Stable** (`par_sort` and its forms): a merge sort. The slice is cut in halves under
//!   `join` down to about `len / (2 * threads)` elements (at least [`SEQUENTIAL`]); each part
//!   is sorted by the standard library's stable `sort_by`; on the way back up two sorted halves
//!   are merged into a buffer of the slice's length, in parallel (cut at a binary-searched
//!   point that keeps equal elements in order), and copied back, in parallel too. One buffer
//!   of the slice's length is allocated (rayon's stable sort allocates one too).
//!
//! Short slices, and every slice on a one-thread pool, are sorted by the standard library
//! alone.
//!
//! # Invariants
//!
//! - **M1 (the slice stays whole).** In the stable sort, a merge only reads the slice (bitwise) and writes the
//!   buffer, whose contents are never dropped; the slice is overwritten only by the copy back
//!   of a finished merge, which cannot panic. So if a comparison panics, every element is
//!   still in the slice exactly once, and nothing is dropped twice or leaked.

use core::cmp::Ordering;
use core::mem::MaybeUninit;
use core::ptr;

use crate::global::{current_num_threads, join};

/// Parts this short are sorted by the standard library on one thread.
const SEQUENTIAL: usize = 4096;
/// Merges (and copies back) this short a run on one thread.
const SEQUENTIAL_MERGE: usize = 16 * 1024;

/// Sorts `v` by `compare`, not necessarily stably, in parallel (module docs).
pub(crate) fn unstable<T, F>(v: &mut [T], compare: &F)
where
    T: Send,
    F: Fn(&T, &T) -> Ordering + Sync,
{
    let threads = current_num_threads();
    if v.len() <= SEQUENTIAL || threads == 1 {
        v.sort_unstable_by(compare);
        return;
    }
    // Halve until there are about two parts per thread.
    let depth = (2 * threads).next_power_of_two().trailing_zeros();
    select_sort(v, depth, compare);
}

/// Quicksort with exact medians: the standard library's `select_nth_unstable_by` moves the
/// median into the middle with everything not greater before it and everything not less
/// after it (in `O(n)`, with its branch-free partition), then the halves are sorted under
/// `join`, down to `depth` levels, and the parts by `sort_unstable_by`. Allocates nothing;
/// a panicking comparison leaves a permutation of the slice, as the standard library's
/// functions guarantee.
fn select_sort<T: Send, F: Fn(&T, &T) -> Ordering + Sync>(v: &mut [T], depth: u32, compare: &F) {
    if depth == 0 || v.len() <= SEQUENTIAL {
        v.sort_unstable_by(compare);
        return;
    }
    let mid = v.len() / 2;
    let (left, _median, right) = v.select_nth_unstable_by(mid, compare);
    join(
        || select_sort(left, depth - 1, compare),
        || select_sort(right, depth - 1, compare),
    );
}

/// Sorts `v` by `compare`, stably, in parallel (module docs).
pub(crate) fn stable<T, F>(v: &mut [T], compare: &F)
where
    T: Send,
    F: Fn(&T, &T) -> Ordering + Sync,
{
    let sort_part = &|part: &mut [T]| part.sort_by(compare);
    let threads = current_num_threads();
    if v.len() <= SEQUENTIAL || threads == 1 {
        sort_part(v);
        return;
    }
    let mut buffer: Vec<MaybeUninit<T>> = Vec::with_capacity(v.len());
    // SAFETY: `MaybeUninit` needs no initialization, and the buffer's contents are never
    // dropped as `T` (M1).
    unsafe { buffer.set_len(v.len()) };
    let leaf = (v.len() / (2 * threads)).max(SEQUENTIAL);
    let is_less = |a: &T, b: &T| compare(a, b) == Ordering::Less;
    mergesort(v, &mut buffer, leaf, &is_less, sort_part);
}

fn mergesort<T, L, S>(
    v: &mut [T],
    buffer: &mut [MaybeUninit<T>],
    leaf: usize,
    is_less: &L,
    sort_part: &S,
) where
    T: Send,
    L: Fn(&T, &T) -> bool + Sync,
    S: Fn(&mut [T]) + Sync,
{
    let len = v.len();
    if len <= leaf {
        sort_part(v);
        return;
    }
    let mid = len / 2;
    {
        let (left, right) = v.split_at_mut(mid);
        let (left_buf, right_buf) = buffer.split_at_mut(mid);
        join(
            || mergesort(left, left_buf, leaf, is_less, sort_part),
            || mergesort(right, right_buf, leaf, is_less, sort_part),
        );
    }
    let dest = Ptr(buffer.as_mut_ptr().cast::<T>());
    {
        let (left, right) = v.split_at_mut(mid);
        merge(left, right, dest, is_less);
    }
    // SAFETY: the merge wrote every slot of the buffer with a bitwise copy of a distinct
    // element of `v`; copying them back makes `v` the sorted permutation, and the buffer is
    // never dropped as `T` (M1).
    unsafe { copy_back(dest, Ptr(v.as_mut_ptr()), len) };
}

/// A pointer sent to the other half of a parallel merge or copy: each half writes its own
/// disjoint range through it.
struct Ptr<T>(*mut T);

impl<T> Clone for Ptr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Ptr<T> {}

// SAFETY: the halves of a merge or copy write disjoint slots (see `merge`, `copy_back`), as
// two `&mut` halves of one slice would.
unsafe impl<T: Send> Send for Ptr<T> {}

/// Merges the sorted runs `a` and `b` into `dest[..a.len() + b.len()]` by bitwise copies,
/// `a`'s elements first among equal ones; long merges are cut in two and run under `join`.
/// (The runs are only read; they are `&mut` so that their halves may go to other threads
/// with `T: Send` alone, as the halves of a `&mut` slice may.)
fn merge<T: Send, L: Fn(&T, &T) -> bool + Sync>(
    a: &mut [T],
    b: &mut [T],
    dest: Ptr<T>,
    is_less: &L,
) {
    if a.len() + b.len() <= SEQUENTIAL_MERGE {
        // SAFETY: `dest` has room for both runs (caller), and the runs are valid slices.
        unsafe { merge_sequential(a, b, dest.0, is_less) };
        return;
    }
    // Cut the longer run in the middle and the other where that element would go, keeping
    // equal elements of `a` before those of `b`.
    let (i, j) = if a.len() >= b.len() {
        let i = a.len() / 2;
        (i, b.partition_point(|x| is_less(x, &a[i])))
    } else {
        let j = b.len() / 2;
        (a.partition_point(|x| !is_less(&b[j], x)), j)
    };
    let (a_left, a_right) = a.split_at_mut(i);
    let (b_left, b_right) = b.split_at_mut(j);
    // SAFETY: `i + j <= a.len() + b.len()`, inside the destination.
    let right_dest = Ptr(unsafe { dest.0.add(i + j) });
    join(
        move || merge(a_left, b_left, dest, is_less),
        move || merge(a_right, b_right, right_dest, is_less),
    );
}

/// The sequential merge: one bitwise copy per element, the choice made without a branch.
///
/// # Safety
///
/// `dest` is valid for `a.len() + b.len()` writes and overlaps neither run.
unsafe fn merge_sequential<T, L: Fn(&T, &T) -> bool>(a: &[T], b: &[T], dest: *mut T, is_less: &L) {
    let (mut pa, a_end) = (a.as_ptr(), a.as_ptr_range().end);
    let (mut pb, b_end) = (b.as_ptr(), b.as_ptr_range().end);
    let mut out = dest;
    // SAFETY: `pa` and `pb` stay within their runs (each advances only while below its end),
    // and `out` advances once per element written, within `dest`'s room (caller).
    unsafe {
        while pa != a_end && pb != b_end {
            // Take from `b` only if strictly less: equal elements keep `a` first (stability).
            let take_b = is_less(&*pb, &*pa);
            let src = if take_b { pb } else { pa };
            ptr::copy_nonoverlapping(src, out, 1);
            pa = pa.add(usize::from(!take_b));
            pb = pb.add(usize::from(take_b));
            out = out.add(1);
        }
        let rest_a = a_end.offset_from(pa) as usize;
        ptr::copy_nonoverlapping(pa, out, rest_a);
        let rest_b = b_end.offset_from(pb) as usize;
        ptr::copy_nonoverlapping(pb, out.add(rest_a), rest_b);
    }
}

/// Copies `len` elements from `src` to `dst`, in parallel halves when long.
///
/// # Safety
///
/// `src` is valid for `len` reads and `dst` for `len` writes, and they do not overlap.
unsafe fn copy_back<T: Send>(src: Ptr<T>, dst: Ptr<T>, len: usize) {
    if len <= SEQUENTIAL_MERGE {
        // SAFETY: the caller's contract.
        unsafe { ptr::copy_nonoverlapping(src.0, dst.0, len) };
        return;
    }
    let mid = len / 2;
    // SAFETY: `mid < len`, inside both ranges.
    let (src_right, dst_right) = unsafe { (Ptr(src.0.add(mid)), Ptr(dst.0.add(mid))) };
    join(
        // SAFETY: the halves are disjoint parts of the caller's ranges.
        move || unsafe { copy_back(src, dst, mid) },
        // SAFETY: as above.
        move || unsafe { copy_back(src_right, dst_right, len - mid) },
    );
}
