//! [`SmallCall`]: a `FnOnce(&mut C)` kept inline, without allocating, when it
//! is small enough.
//!
//! Timer calls are short closures: an actor handle and an argument or two.
//! Boxing each one (`Box<dyn FnOnce>`, as Stakker does) costs an allocation
//! and a free per timer, which dominates the cost of a timer store that is
//! otherwise just a heap of 16-byte entries. A `SmallCall` instead keeps the
//! closure in 48 bytes of inline storage next to one function pointer, and
//! falls back to a `Box` only for closures that do not fit (more than 48
//! bytes, or aligned to more than 8); the `Box` is a thin pointer, so it
//! always fits inline itself.
//!
//! The function pointer (`thunk`) is a monomorphised `call_or_drop::<C, F>`:
//! it moves the `F` out of the storage and either calls it (given a context)
//! or drops it (given none). That one pointer replaces a vtable, so nothing
//! depends on the layout of trait objects or any other unspecified layout.
//!
//! # Invariants
//!
//! - **S1**: `storage` holds, at offset 0, an initialised value of the type
//!   `F` that `thunk` was instantiated with, and that type fits the storage
//!   (`fits::<F>()`: size at most [`INLINE_SIZE`], alignment at most
//!   [`INLINE_ALIGN`]). This holds from construction until the value is
//!   consumed by the thunk.
//! - **S2**: the value is consumed exactly once: by `run` (thunk given
//!   `Some(cx)`) or else by `Drop` (thunk given `None`). `run` wraps `self`
//!   in `ManuallyDrop` first, so `Drop` never sees a consumed value, even if
//!   the closure panics.
//! - **S3**: the value is only ever moved as part of moving the whole
//!   `SmallCall`. That is a plain byte copy, as every Rust move is, and it
//!   keeps pointer provenance because the storage is a `MaybeUninit` (a
//!   union). Nothing takes the address of the stored value beyond a single
//!   thunk call, so moving it in between is fine.
//!
//! `SmallCall` is neither `Send` nor `Sync` (whatever `F` is): it carries a
//! `PhantomData<Box<dyn FnOnce(&mut C)>>`, so the auto traits and drop check
//! treat it exactly like the boxed closure it replaces. Without that marker
//! the byte storage would make it `Send` even when holding an `Rc`.

use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop, MaybeUninit};

/// Bytes of inline storage: room for an actor handle plus a few arguments.
pub(crate) const INLINE_SIZE: usize = 48;
/// Alignment of the inline storage.
pub(crate) const INLINE_ALIGN: usize = 8;

/// The inline storage: 48 bytes aligned to 8 on every target. The explicit
/// `align` rather than `[usize; 6]` keeps the size and alignment the same on
/// 32-bit targets too.
#[repr(C, align(8))]
struct Storage(MaybeUninit<[u8; INLINE_SIZE]>);

// The `align` attribute above must agree with the constant the checks use.
const _: () = assert!(mem::align_of::<Storage>() == INLINE_ALIGN);
const _: () = assert!(mem::size_of::<Storage>() == INLINE_SIZE);
// The boxed fallback relies on a `Box` of any sized type fitting inline: a
// `Box<T>` for `T: Sized` is one thin pointer, whatever `T` is.
const _: () = assert!(fits::<Box<[u64; 1024]>>());

/// Whether a value of type `F` can be stored inline (S1's size condition).
const fn fits<F>() -> bool {
    mem::size_of::<F>() <= INLINE_SIZE && mem::align_of::<F>() <= INLINE_ALIGN
}

/// The boxed closure `SmallCall` stands in for: its marker type.
type BoxedCall<C> = Box<dyn FnOnce(&mut C)>;

/// A `FnOnce(&mut C)` stored inline (no allocation) when it fits, boxed
/// otherwise.
///
/// 56 bytes: the storage, the thunk pointer and, on 32-bit targets,
/// padding. The thunk pointer is never null, so `Option<SmallCall<C>>` is 56
/// bytes too, and so is an enum with a `SmallCall` variant and a small
/// other one: the timer slab relies on that niche to keep slots at 64 bytes.
pub(crate) struct SmallCall<C> {
    /// The closure (or its box); see S1.
    storage: Storage,
    /// Moves the closure out of `storage`, then calls it with `Some(cx)` or
    /// drops it for `None`.
    thunk: unsafe fn(*mut u8, Option<&mut C>),
    /// Auto traits and drop check as for `Box<dyn FnOnce(&mut C)>`.
    _marker: PhantomData<BoxedCall<C>>,
}

impl<C> SmallCall<C> {
    /// Wraps `f`, inline if it fits in 48 bytes aligned to 8, else boxed.
    #[inline]
    pub(crate) fn new<F: FnOnce(&mut C) + 'static>(f: F) -> Self {
        if const { fits::<F>() } {
            // SAFETY: `F` fits, just checked: the precondition of `new_inline`.
            unsafe { Self::new_inline(f) }
        } else {
            // SAFETY: `Box<F>` fits, by the const assertion next to `fits`
            // (a box of a sized type is one thin pointer). Calling a
            // `Box<F>` calls the `F` inside and frees the box.
            unsafe { Self::new_inline(Box::new(f)) }
        }
    }

    /// Stores `f` itself in the inline storage.
    ///
    /// # Safety
    ///
    /// `fits::<F>()` must be true: `F` at most [`INLINE_SIZE`] bytes and
    /// aligned to at most [`INLINE_ALIGN`].
    #[inline]
    unsafe fn new_inline<F: FnOnce(&mut C)>(f: F) -> Self {
        debug_assert!(fits::<F>());
        let mut storage = Storage(MaybeUninit::uninit());
        // SAFETY: the storage is 48 bytes aligned to 8 and the caller
        // guarantees `F` fits, so the write is in bounds and aligned (a
        // zero-sized `F` writes nothing at an aligned, non-null address).
        // This establishes S1 for the thunk stored below.
        unsafe { storage.0.as_mut_ptr().cast::<F>().write(f) };
        Self {
            storage,
            thunk: call_or_drop::<C, F>,
            _marker: PhantomData,
        }
    }

    /// Runs the closure with `cx`, consuming it.
    #[inline]
    pub(crate) fn run(self, cx: &mut C) {
        // `ManuallyDrop` keeps `Drop` from consuming the value a second
        // time, including when the closure unwinds (S2).
        let mut this = ManuallyDrop::new(self);
        let thunk = this.thunk;
        // SAFETY: S1: `storage` holds the live `F` that `thunk` was
        // instantiated for, and this is its one consumption (S2): `this`
        // is never dropped and not used after this call.
        unsafe { thunk(this.storage.0.as_mut_ptr().cast::<u8>(), Some(cx)) }
    }
}

impl<C> Drop for SmallCall<C> {
    /// Drops a closure that was never run.
    fn drop(&mut self) {
        // SAFETY: S1: `storage` holds the live `F` that `thunk` was
        // instantiated for; `run` never lets `Drop` run (S2), so reaching
        // here means it was not consumed, and this is its one consumption.
        unsafe { (self.thunk)(self.storage.0.as_mut_ptr().cast::<u8>(), None) }
    }
}

/// Moves an `F` out of `storage`, then calls it with `cx` or, given `None`,
/// drops it.
///
/// # Safety
///
/// `storage` must point to an initialised `F`, suitably aligned, that the
/// caller owns and gives up: afterwards the memory holds no value and must
/// not be read as an `F` again.
unsafe fn call_or_drop<C, F: FnOnce(&mut C)>(storage: *mut u8, cx: Option<&mut C>) {
    // SAFETY: the caller guarantees `storage` points to an initialised,
    // aligned `F` whose ownership passes to us.
    let f = unsafe { storage.cast::<F>().read() };
    match cx {
        Some(cx) => f(cx),
        None => drop(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::rc::Rc;

    /// Counts its drops in a shared cell.
    struct DropCount(Rc<Cell<usize>>);

    impl Drop for DropCount {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    fn fits_val<F>(_: &F) -> bool {
        fits::<F>()
    }

    #[test]
    fn sizes() {
        assert_eq!(mem::size_of::<SmallCall<()>>(), 56);
        assert_eq!(mem::size_of::<Option<SmallCall<()>>>(), 56);
        assert_eq!(mem::align_of::<SmallCall<()>>(), 8);
    }

    #[test]
    fn runs_inline_closure() {
        let a = 40u64;
        let b = Rc::new(Cell::new(2u64));
        let b2 = Rc::clone(&b);
        let f = move |cx: &mut u64| *cx = a + b2.get();
        assert!(fits_val(&f));
        let call = SmallCall::new(f);
        let mut cx = 0;
        call.run(&mut cx);
        assert_eq!(cx, 42);
        assert_eq!(Rc::strong_count(&b), 1, "captures dropped after running");
    }

    #[test]
    fn runs_boxed_closure() {
        let big = [3u64; 16];
        let f = move |cx: &mut u64| *cx = big.iter().sum();
        assert!(!fits_val(&f));
        let call = SmallCall::new(f);
        let mut cx = 0;
        call.run(&mut cx);
        assert_eq!(cx, 48);
    }

    #[test]
    fn exactly_48_bytes_is_inline() {
        let data = [7u64; 6];
        let f = move |cx: &mut u64| *cx = data[5];
        assert_eq!(mem::size_of_val(&f), 48);
        assert!(fits_val(&f));
        let mut cx = 0;
        SmallCall::new(f).run(&mut cx);
        assert_eq!(cx, 7);
    }

    #[test]
    fn drops_unrun_closure_once() {
        let count = Rc::new(Cell::new(0));
        // Inline.
        let d = DropCount(Rc::clone(&count));
        let f = move |_: &mut ()| drop(d);
        assert!(fits_val(&f));
        drop(SmallCall::new(f));
        assert_eq!(count.get(), 1);
        // Boxed.
        let d = DropCount(Rc::clone(&count));
        let pad = [0u8; 64];
        let f = move |_: &mut ()| drop((d, pad));
        assert!(!fits_val(&f));
        drop(SmallCall::new(f));
        assert_eq!(count.get(), 2);
    }

    #[test]
    fn run_drops_captures_once() {
        let count = Rc::new(Cell::new(0));
        let d = DropCount(Rc::clone(&count));
        SmallCall::new(move |_: &mut ()| {
            let _keep = &d;
        })
        .run(&mut ());
        assert_eq!(count.get(), 1);
        let d = DropCount(Rc::clone(&count));
        let pad = [0u8; 64];
        SmallCall::new(move |_: &mut ()| {
            let _keep = (&d, &pad);
        })
        .run(&mut ());
        assert_eq!(count.get(), 2);
    }

    #[test]
    fn zero_sized_closures() {
        fn double(cx: &mut u32) {
            *cx *= 2;
        }
        let f = |cx: &mut u32| *cx += 1;
        assert_eq!(mem::size_of_val(&f), 0);
        let mut cx = 1;
        SmallCall::new(f).run(&mut cx);
        SmallCall::new(double).run(&mut cx);
        assert_eq!(cx, 4);
        drop(SmallCall::new(f));

        // A zero-sized capture with a destructor is dropped exactly once.
        thread_local!(static ZST_DROPS: Cell<usize> = const { Cell::new(0) });
        struct Zst;
        impl Drop for Zst {
            fn drop(&mut self) {
                ZST_DROPS.with(|c| c.set(c.get() + 1));
            }
        }
        let z = Zst;
        let f = move |_: &mut u32| drop(z);
        assert_eq!(mem::size_of_val(&f), 0);
        drop(SmallCall::new(f));
        assert_eq!(ZST_DROPS.with(Cell::get), 1);
        let z = Zst;
        SmallCall::new(move |_: &mut u32| drop(z)).run(&mut cx);
        assert_eq!(ZST_DROPS.with(Cell::get), 2);
    }

    #[test]
    fn over_aligned_capture_is_boxed_and_aligned() {
        #[repr(align(32))]
        struct Aligned {
            value: u64,
            _drops: DropCount,
        }
        let count = Rc::new(Cell::new(0));
        let a = Aligned {
            value: 9,
            _drops: DropCount(Rc::clone(&count)),
        };
        let f = move |cx: &mut u64| {
            assert_eq!((&a as *const Aligned).addr() % 32, 0);
            *cx = a.value;
        };
        assert!(!fits_val(&f));
        let mut cx = 0;
        SmallCall::new(f).run(&mut cx);
        assert_eq!((cx, count.get()), (9, 1));
        let a = Aligned {
            value: 1,
            _drops: DropCount(Rc::clone(&count)),
        };
        drop(SmallCall::new(move |_: &mut u64| drop(a)));
        assert_eq!(count.get(), 2);
    }

    #[test]
    fn panicking_closure_drops_captures_once() {
        let count = Rc::new(Cell::new(0));
        let d = DropCount(Rc::clone(&count));
        let inline = SmallCall::new(move |_: &mut ()| {
            let _keep = &d;
            panic!("inline boom");
        });
        let d = DropCount(Rc::clone(&count));
        let pad = [0u8; 64];
        let boxed = SmallCall::new(move |_: &mut ()| {
            let _keep = (&d, &pad);
            panic!("boxed boom");
        });
        for call in [inline, boxed] {
            let before = count.get();
            let r = catch_unwind(AssertUnwindSafe(|| call.run(&mut ())));
            assert!(r.is_err());
            assert_eq!(count.get(), before + 1);
        }
        assert_eq!(count.get(), 2);
    }

    #[test]
    fn survives_moves() {
        // Growing the vector moves the calls; boxed captures check that the
        // pointers inside the inline bytes survive the moves.
        let count = Rc::new(Cell::new(0));
        let n = if cfg!(miri) { 20 } else { 200 };
        let mut calls = Vec::new();
        for i in 0..n {
            let d = DropCount(Rc::clone(&count));
            let boxed = Box::new(i);
            calls.push(SmallCall::new(move |cx: &mut Vec<u64>| {
                let _keep = &d;
                cx.push(*boxed);
            }));
        }
        let mut out = Vec::new();
        for call in calls.drain(..n as usize / 2) {
            call.run(&mut out);
        }
        assert_eq!(out, (0..n / 2).collect::<Vec<_>>());
        drop(calls);
        assert_eq!(count.get(), n as usize);
    }
}
