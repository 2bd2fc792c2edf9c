//! The flat call queue: `FnOnce(&mut C)` closures stored back to back in one reused buffer.
//!
//! Each entry is `[thunk][closure bytes][padding]`. The thunk is a plain `unsafe fn`
//! monomorphised for the closure's type when it is pushed; it knows the closure's size and
//! alignment statically, so it can read the closure out, advance the cursor past the entry, and
//! then run or drop it. Nothing inspects a trait object's vtable (Stakker's flat queue reads
//! rustc's vtable layout, which is unspecified and which Miri cannot check).
//!
//! Layout rules, which keep every closure at a fixed offset (8 bytes) from its thunk:
//! - the buffer is 16-byte aligned and every entry starts on an 8-byte boundary;
//! - a closure aligned to 16 needs its thunk at an offset ≡ 8 (mod 16): when the write position
//!   is not, a one-word padding entry (a thunk that only advances the cursor) goes first;
//! - closures larger than [`MAX_INLINE`] bytes or aligned to more than 16 are boxed, and the box
//!   is what the queue stores, so a few huge closures do not make the buffer grow.
//!
//! The buffer grows by doubling; the runtime keeps two and swaps them (one being run while calls
//! are pushed onto the other), so in steady state nothing allocates. Only when both are empty
//! does the runtime shrink one that a burst grew past its retained size ([`FlatQueue::shrink_to`]).
//!
//! # Invariants
//! - **F1** `buf[head..len]` is a sequence of valid entries: at each entry start is a thunk written
//!   by [`FlatQueue::push`] for a closure type `F`, followed at offset [`HEADER`] by a live,
//!   properly aligned `F`, and the entry occupies [`entry_size::<F>()`] bytes.
//! - **F2** `cap` is the size of the allocation behind `buf` (0 means no allocation), which is
//!   aligned to [`ALIGN`].
//! - **F3** An entry is consumed (read out or dropped) at most once: the thunk is only called
//!   by [`FlatQueue::run_all`] or [`FlatQueue::clear`], each of which first forgets the entries
//!   it will walk by making `head` equal to `len`.
//!
//! Entries do not start at offset 0 after each run: the next batch is written where the last
//! one ended, until the first half of the buffer is used up. A runtime whose calls each queue
//! one more (a chain) would otherwise write every call at the same address, and when that
//! address shared its low 12 bits with a hot stack slot, every call paid a 4K-aliasing stall
//! (measured: chained calls 6.7 ns or 13 ns depending on unrelated code layout).

use std::alloc::{self, Layout};
use std::any::Any;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;

use spindle_utils::drop_payload;

/// Alignment of the buffer, and the largest closure alignment stored inline.
const ALIGN: usize = 16;
/// Bytes of an entry's header: the thunk.
const HEADER: usize = mem::size_of::<usize>();
/// Largest closure stored inline; larger ones are boxed.
pub(crate) const MAX_INLINE: usize = 256;

/// A thunk: reads the closure at `entry + HEADER`, advances `*cursor` past the entry, then runs
/// the closure with `cx` (or drops it when `cx` is `None`).
type Thunk<C> = unsafe fn(entry: *mut u8, cursor: &mut usize, cx: Option<&mut C>);

/// What an entry holds, in trait-object terms.
type Call<C> = dyn FnOnce(&mut C);

/// Bytes an entry with a closure of type `F` occupies (header, closure, padding to 8).
const fn entry_size<F>() -> usize {
    (HEADER + mem::size_of::<F>()).next_multiple_of(HEADER)
}

/// A queue of `FnOnce(&mut C)` closures stored inline in one growable buffer.
pub(crate) struct FlatQueue<C> {
    buf: NonNull<u8>,
    /// Start of the live entries.
    head: usize,
    /// End of the live entries: where the next entry is written.
    len: usize,
    cap: usize,
    /// Owns closures that take `&mut C` (for drop check and auto traits).
    _calls: std::marker::PhantomData<Box<Call<C>>>,
}

impl<C> FlatQueue<C> {
    /// An empty queue with room for `bytes` of entries (rounded up to a power of two, at least
    /// 256); `None`, allocating nothing, if that many bytes cannot be allocated (the size
    /// overflows, or the allocator refuses).
    pub(crate) fn try_with_capacity(bytes: usize) -> Option<Self> {
        let mut queue = Self {
            buf: NonNull::dangling(),
            head: 0,
            len: 0,
            cap: 0,
            _calls: Default::default(),
        };
        if bytes > 0 && !queue.try_grow(bytes) {
            return None;
        }
        Some(queue)
    }

    /// An empty queue with room for `bytes` of entries.
    ///
    /// # Panics
    ///
    /// Where [`try_with_capacity`](Self::try_with_capacity) gives `None`.
    #[cfg(test)]
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Self::try_with_capacity(bytes).expect("queue capacity overflow")
    }

    /// True when no call is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.head == self.len
    }

    /// Bytes the buffer can hold before it grows.
    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// Frees the buffer of an empty queue down to `limit` bytes (a power of two, or 0) if it is
    /// larger; allocates nothing, and keeps the larger buffer if the allocator refuses.
    pub(crate) fn shrink_to(&mut self, limit: usize) {
        debug_assert!(self.is_empty() && (limit == 0 || limit.is_power_of_two()));
        if self.cap <= limit || !self.is_empty() {
            return;
        }
        let old = Layout::from_size_align(self.cap, ALIGN).expect("valid when allocated");
        if limit == 0 {
            // SAFETY: `buf` was allocated with `old` (F2); the queue is empty, so no entry is
            // lost, and `buf` is replaced before any use.
            unsafe { alloc::dealloc(self.buf.as_ptr(), old) };
            self.buf = NonNull::dangling();
        } else {
            // SAFETY: `buf` was allocated with `old` (F2); `limit` is non-zero and a power of two
            // no larger than `cap`, so it rounds to ALIGN without overflow. The queue is empty:
            // no entry lies beyond the new size.
            let ptr = unsafe { alloc::realloc(self.buf.as_ptr(), old, limit) };
            let Some(ptr) = NonNull::new(ptr) else {
                return; // the old buffer is still valid: keep it
            };
            self.buf = ptr;
        }
        (self.head, self.len, self.cap) = (0, 0, limit);
    }

    /// Appends a closure.
    #[inline]
    pub(crate) fn push<F: FnOnce(&mut C) + 'static>(&mut self, f: F) {
        if mem::size_of::<F>() > MAX_INLINE || mem::align_of::<F>() > ALIGN {
            let boxed = Box::new(f);
            self.push_inline(move |cx: &mut C| boxed(cx));
        } else {
            self.push_inline(f);
        }
    }

    /// Appends a closure that fits inline (size and alignment checked by `push`).
    #[inline(always)]
    fn push_inline<F: FnOnce(&mut C) + 'static>(&mut self, f: F) {
        debug_assert!(mem::size_of::<F>() <= MAX_INLINE && mem::align_of::<F>() <= ALIGN);
        if mem::align_of::<F>() > HEADER && (self.len + HEADER) % ALIGN != 0 {
            self.push_entry(padding::<C> as Thunk<C>, HEADER, |_| {});
        }
        let size = entry_size::<F>();
        self.push_entry(run_or_drop::<C, F> as Thunk<C>, size, |closure| {
            // SAFETY: `push_entry` hands out the entry's closure slot: `size - HEADER` bytes at
            // offset HEADER, inside the allocation (F2), aligned for F by the padding rule above.
            unsafe { closure.cast::<F>().write(f) }
        });
    }

    /// Reserves `size` bytes, writes `thunk`, lets `write` fill the rest, and commits.
    #[inline(always)]
    fn push_entry(&mut self, thunk: Thunk<C>, size: usize, write: impl FnOnce(*mut u8)) {
        if self.cap - self.len < size {
            self.make_room(size);
        }
        // SAFETY: `len + size <= cap` now, so the entry lies inside the allocation (F2); `len`
        // is a multiple of 8 and the buffer is 16-aligned, so the thunk slot is aligned.
        unsafe {
            let entry = self.buf.as_ptr().add(self.len);
            entry.cast::<Thunk<C>>().write(thunk);
            write(entry.add(HEADER));
        }
        self.len += size;
    }

    /// Makes room for an entry of `size` bytes at `len`: first by moving the live entries to the
    /// front (they roll forward from run to run), then, if that is not enough, by growing. So
    /// the buffer grows only when the live entries themselves need it.
    #[cold]
    fn make_room(&mut self, size: usize) {
        if self.head > 0 {
            // A multiple of ALIGN, so every entry keeps its alignment.
            let shift = self.head - self.head % ALIGN;
            let live = self.len - self.head;
            // SAFETY: both ranges lie inside the allocation (F2): the live entries `buf[head..len]`
            // and the same length `shift` bytes earlier. `ptr::copy` allows the overlap; entries
            // are moved bytewise, which is how Rust moves any value (F1 holds at the new place).
            unsafe {
                let base = self.buf.as_ptr();
                std::ptr::copy(base.add(self.head), base.add(self.head - shift), live);
            }
            self.head -= shift;
            self.len -= shift;
        }
        if self.cap - self.len < size {
            self.grow(self.len + size);
        }
    }

    /// Makes room for at least `needed` bytes, doubling.
    ///
    /// # Panics
    ///
    /// If the size overflows (as `Vec` does); an allocation failure aborts.
    #[cold]
    fn grow(&mut self, needed: usize) {
        if !self.try_grow(needed) {
            match Self::layout_for(needed) {
                Some(layout) => alloc::handle_alloc_error(layout),
                None => panic!("queue capacity overflow"),
            }
        }
    }

    /// The layout of a buffer for at least `needed` bytes: a power of two, at least 256.
    fn layout_for(needed: usize) -> Option<Layout> {
        let cap = needed.checked_next_power_of_two()?.max(256);
        Layout::from_size_align(cap, ALIGN).ok()
    }

    /// Makes room for at least `needed` bytes, doubling; false, changing nothing, if the size
    /// overflows or the allocator refuses.
    #[cold]
    fn try_grow(&mut self, needed: usize) -> bool {
        let Some(layout) = Self::layout_for(needed) else {
            return false;
        };
        let new_cap = layout.size();
        let ptr = if self.cap == 0 {
            // SAFETY: `layout` has a non-zero size (at least 256).
            unsafe { alloc::alloc(layout) }
        } else {
            let old = Layout::from_size_align(self.cap, ALIGN).expect("valid before");
            // SAFETY: `buf` was allocated with `old` (F2); the new size is non-zero and rounding
            // it up to ALIGN does not overflow (checked by `layout_for`). Entries are moved
            // bytewise, which is how Rust moves any value.
            unsafe { alloc::realloc(self.buf.as_ptr(), old, new_cap) }
        };
        // On failure the old buffer (if any) is untouched and still ours (F2 holds).
        let Some(ptr) = NonNull::new(ptr) else {
            return false;
        };
        self.buf = ptr;
        self.cap = new_cap;
        true
    }

    /// Moves this queue's entries into `empty` by exchanging buffers, field by field so that
    /// `len` travels as a scalar; false, moving nothing, if there are none.
    #[inline]
    pub(crate) fn move_into(&mut self, empty: &mut Self) -> bool {
        debug_assert!(empty.is_empty());
        let (head, len) = (self.head, self.len);
        if head == len {
            return false;
        }
        mem::swap(&mut self.buf, &mut empty.buf);
        mem::swap(&mut self.cap, &mut empty.cap);
        // This queue takes the other buffer, empty, at the position its writing had reached.
        (self.head, self.len) = (empty.len, empty.len);
        (empty.head, empty.len) = (head, len);
        true
    }

    /// Forgets the live entries (F3) and returns their range. The next entry goes where they
    /// ended, or back to the start once past the buffer's first half.
    fn take_entries(&mut self) -> (usize, usize) {
        let (head, len) = (self.head, self.len);
        let next = if len > self.cap / 2 { 0 } else { len };
        (self.head, self.len) = (next, next);
        (head, len)
    }

    /// Drops every queued closure unrun, in order (capacity kept). A closure whose `Drop`
    /// panics does not stop the others from being dropped: each panic is caught and its payload
    /// dropped (contained too, [`drop_payload`]).
    pub(crate) fn clear(&mut self) {
        let mut rest = self.take_remaining();
        while let Some(outcome) = rest.step(None) {
            if let Err(payload) = outcome {
                drop_payload(payload);
            }
        }
    }

    /// Takes every queued entry out of the queue, as a walk that consumes them (F3).
    fn take_remaining(&mut self) -> Remaining<C> {
        let (head, len) = self.take_entries();
        Remaining {
            buf: self.buf.as_ptr(),
            cursor: head,
            len,
            _c: Default::default(),
        }
    }

    /// Runs every queued closure in order with `cx`, leaving the queue empty (capacity kept).
    ///
    /// A closure that panics does not stop the run: its panic is handed to `on_panic` and the
    /// next closure runs. (If `on_panic` itself panics, the entries after it are dropped unrun
    /// before the panic continues, so nothing is leaked or run twice.)
    pub(crate) fn run_all(
        &mut self,
        cx: &mut C,
        mut on_panic: impl FnMut(&mut C, Box<dyn Any + Send>),
    ) {
        let mut rest = self.take_remaining();
        while let Some(outcome) = rest.step(Some(&mut *cx)) {
            if let Err(payload) = outcome {
                on_panic(cx, payload);
            }
        }
    }
}

/// The entries of a buffer not yet consumed; dropping it drops them (on unwind from `run_all`).
struct Remaining<C> {
    buf: *mut u8,
    cursor: usize,
    len: usize,
    _c: std::marker::PhantomData<fn(&mut C)>,
}

impl<C> Remaining<C> {
    /// Consumes the next entry, containing its panic: runs it with `cx`, or drops it unrun when
    /// `cx` is `None`. `None` once every entry is consumed.
    fn step(&mut self, cx: Option<&mut C>) -> Option<std::thread::Result<()>> {
        if self.cursor >= self.len {
            return None;
        }
        let buf = self.buf;
        let cursor = &mut self.cursor;
        Some(catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: `cursor` is at an entry start inside `buf[head..len]` (F1: the previous
            // thunk advanced it exactly past its entry, even when it unwound); `take_entries`
            // forgot the range, so this walk is the only consumer of these entries (F3).
            unsafe {
                let entry = buf.add(*cursor);
                let thunk = entry.cast::<Thunk<C>>().read();
                thunk(entry, cursor, cx);
            }
        })))
    }
}

impl<C> Drop for Remaining<C> {
    fn drop(&mut self) {
        while self.cursor < self.len {
            // SAFETY: as in `Remaining::step`: `cursor` is at an unconsumed entry start (F1, F3).
            unsafe {
                let entry = self.buf.add(self.cursor);
                let thunk = entry.cast::<Thunk<C>>().read();
                thunk(entry, &mut self.cursor, None);
            }
        }
    }
}

impl<C> Drop for FlatQueue<C> {
    fn drop(&mut self) {
        self.clear();
        if self.cap > 0 {
            let layout = Layout::from_size_align(self.cap, ALIGN).expect("valid when allocated");
            // SAFETY: `buf` was allocated with this layout (F2) and is not used after this.
            unsafe { alloc::dealloc(self.buf.as_ptr(), layout) };
        }
    }
}

/// The thunk of a closure of type `F`.
///
/// # Safety
/// `entry` must be the start of an unconsumed entry written by `push::<F>` (F1), and the
/// caller must not consume it again (F3).
unsafe fn run_or_drop<C, F: FnOnce(&mut C)>(
    entry: *mut u8,
    cursor: &mut usize,
    cx: Option<&mut C>,
) {
    // SAFETY: by F1 a live, aligned F sits at `entry + HEADER`; reading it moves it out, and
    // the caller never reads this entry again (F3).
    let f = unsafe { entry.add(HEADER).cast::<F>().read() };
    // Advance before running, so an unwinding closure leaves the cursor past its own entry.
    *cursor += entry_size::<F>();
    match cx {
        Some(cx) => f(cx),
        None => drop(f),
    }
}

/// The thunk of a padding entry: one word, no closure.
///
/// # Safety
/// Always safe to call; `unsafe` only to match [`Thunk`].
unsafe fn padding<C>(_entry: *mut u8, cursor: &mut usize, _cx: Option<&mut C>) {
    *cursor += HEADER;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::rc::Rc;

    /// For runs where no closure panics.
    fn no_panic<C>(_: &mut C, payload: Box<dyn std::any::Any + Send>) {
        std::panic::resume_unwind(payload)
    }

    /// Counts its drops.
    struct Tracked(Rc<Cell<usize>>);
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn runs_in_fifo_order_with_mixed_sizes_and_alignments() {
        #[repr(align(16))]
        #[derive(Clone, Copy)]
        struct Wide(u128);
        #[repr(align(64))]
        #[derive(Clone, Copy)]
        struct Over(u8);
        let mut q = FlatQueue::<Vec<u128>>::with_capacity(0);
        for round in 0..3u128 {
            q.push(move |log: &mut Vec<u128>| log.push(round * 10));
            let wide = Wide(round * 10 + 1);
            q.push(move |log: &mut Vec<u128>| log.push(wide.0));
            let big = [round as u8; 1000];
            q.push(move |log: &mut Vec<u128>| {
                log.push(round * 10 + 2 + u128::from(big[999] - round as u8))
            });
            let over = Over(3);
            q.push(move |log: &mut Vec<u128>| log.push(round * 10 + u128::from(over.0)));
            q.push(|_: &mut Vec<u128>| {});
        }
        let mut log = Vec::new();
        q.run_all(&mut log, no_panic);
        assert!(q.is_empty());
        assert_eq!(log, [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
    }

    #[test]
    fn calls_pushed_while_running_go_to_the_other_queue() {
        // The runtime's pattern: run one buffer while pushing onto another.
        let mut running = FlatQueue::<FlatQueue<u32>>::with_capacity(64);
        let mut next = FlatQueue::<u32>::with_capacity(64);
        running.push(|next: &mut FlatQueue<u32>| next.push(|n: &mut u32| *n += 1));
        running.run_all(&mut next, no_panic);
        let mut n = 0;
        next.run_all(&mut n, no_panic);
        assert_eq!(n, 1);
    }

    #[test]
    fn capacity_is_reused() {
        let mut q = FlatQueue::<u64>::with_capacity(1024);
        let cap = q.capacity();
        let mut total = 0;
        for _ in 0..100 {
            for i in 0..20u64 {
                q.push(move |t: &mut u64| *t += i);
            }
            q.run_all(&mut total, no_panic);
        }
        assert_eq!(q.capacity(), cap);
        assert_eq!(total, 100 * 190);
    }

    #[test]
    fn rolling_entries_are_moved_to_the_front_before_the_buffer_grows() {
        #[repr(align(16))]
        #[derive(Clone, Copy)]
        struct Wide(u64);
        let mut q = FlatQueue::<Vec<u64>>::with_capacity(1024);
        let cap = q.capacity();
        let mut log = Vec::new();
        // Small runs walk the write position forward through the first half.
        for i in 0..30 {
            q.push(move |log: &mut Vec<u64>| log.push(i));
            q.run_all(&mut log, no_panic);
        }
        assert!(q.head > 0, "the position rolled forward: {}", q.head);
        // A batch that fits the buffer but not the space after the position: moved, not grown.
        let n = (cap / 32) as u64 - 2; // 16-byte entries and 16-aligned 32-byte entries, mixed
        for i in 0..n {
            if i % 2 == 0 {
                q.push(move |log: &mut Vec<u64>| log.push(100 + i));
            } else {
                let w = Wide(100 + i);
                q.push(move |log: &mut Vec<u64>| log.push(w.0));
            }
        }
        assert_eq!(q.capacity(), cap, "no growth while the live entries fit");
        q.run_all(&mut log, no_panic);
        let expected: Vec<u64> = (0..30).chain((0..n).map(|i| 100 + i)).collect();
        assert_eq!(log, expected);
    }

    #[test]
    fn grows_past_its_capacity_keeping_entries() {
        let mut q = FlatQueue::<Vec<usize>>::with_capacity(0);
        let n = if cfg!(miri) { 300 } else { 10_000 };
        for i in 0..n {
            let pad = [i; 3];
            q.push(move |log: &mut Vec<usize>| log.push(pad[2]));
        }
        let mut log = Vec::new();
        q.run_all(&mut log, no_panic);
        assert_eq!(log, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn unrun_closures_are_dropped_once() {
        let drops = Rc::new(Cell::new(0));
        {
            let mut q = FlatQueue::<()>::with_capacity(0);
            for _ in 0..10 {
                let t = Tracked(drops.clone());
                q.push(move |_: &mut ()| drop(t));
            }
            let big = (Tracked(drops.clone()), [0u8; 512]);
            q.push(move |_: &mut ()| drop(big));
        }
        assert_eq!(drops.get(), 11);
    }

    #[test]
    fn a_panic_mid_run_is_handed_over_and_the_rest_still_runs() {
        let drops = Rc::new(Cell::new(0));
        let ran = Rc::new(Cell::new(0));
        let mut q = FlatQueue::<()>::with_capacity(0);
        for i in 0..6 {
            let t = Tracked(drops.clone());
            let ran = ran.clone();
            q.push(move |_: &mut ()| {
                let _t = t;
                ran.set(ran.get() + 1);
                assert!(i != 2, "boom");
            });
        }
        let mut panics = Vec::new();
        q.run_all(&mut (), |_, p| panics.push(p));
        assert_eq!(panics.len(), 1);
        assert_eq!(ran.get(), 6, "the ones after the panic ran too");
        assert_eq!(drops.get(), 6, "each closure's captures dropped once");
        assert!(q.is_empty());
    }

    #[test]
    fn a_panicking_panic_handler_drops_the_rest_once() {
        let drops = Rc::new(Cell::new(0));
        let mut q = FlatQueue::<()>::with_capacity(0);
        for i in 0..6 {
            let t = Tracked(drops.clone());
            q.push(move |_: &mut ()| {
                let _t = t;
                assert!(i != 2, "boom");
            });
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            q.run_all(&mut (), |_, p| std::panic::resume_unwind(p))
        }));
        assert!(result.is_err());
        assert_eq!(drops.get(), 6, "three ran, one unwound, two dropped unrun");
        assert!(q.is_empty());
        q.push(|_: &mut ()| {});
        q.run_all(&mut (), no_panic);
    }
}
