//! `Share<T>`: state several actors of one runtime use, borrowed through the runtime's `Core`.
//!
//! # Invariants
//! - **H1** The value is borrowed only by [`Share::ro`] and [`Share::rw`], whose borrows last
//!   no longer than a borrow of the owning runtime's [`Core`] (`&Core` for `ro`, `&mut Core` for
//!   `rw`), and both check that the `Core` is the owner's. The borrow checker then forbids an
//!   `rw` overlapping any other borrow, exactly as if the value were a field of the `Core`.

use std::cell::UnsafeCell;
use std::fmt;
use std::rc::Rc;

use crate::runtime::core::Core;
use crate::runtime::shared::Shared;

/// State shared by the actors of one runtime without `RefCell`: borrowing it needs the
/// runtime's [`Core`] (a call's [`Cx`](crate::Cx) dereferences to it), so the compiler proves
/// no two borrows conflict and nothing can fail at run time.
///
/// # Examples
///
/// ```
/// use spindle_actor::{Runtime, Share};
///
/// let mut rt = Runtime::new();
/// let hits = Share::new(&rt, 0u64);
/// let (h1, h2) = (hits.clone(), hits.clone());
/// let a = rt.spawn(move |_| h1);
/// let b = rt.spawn(move |_| h2);
/// a.call(|h, cx| *h.rw(cx) += 1);
/// b.call(|h, cx| *h.rw(cx) += 10);
/// rt.run(std::time::Instant::now());
/// assert_eq!(*hits.ro(&rt), 11);
/// ```
pub struct Share<T> {
    inner: Rc<ShareInner<T>>,
}

struct ShareInner<T> {
    owner: Rc<Shared<Core>>,
    value: UnsafeCell<T>,
}

impl<T> Share<T> {
    /// Shares `value` among the actors of `core`'s runtime.
    ///
    /// ```
    /// let rt = spindle_actor::Runtime::new();
    /// let config = spindle_actor::Share::new(&rt, "v1");
    /// assert_eq!(*config.ro(&rt), "v1");
    /// ```
    pub fn new(core: &Core, value: T) -> Self {
        let inner = ShareInner {
            owner: Rc::clone(&core.shared),
            value: UnsafeCell::new(value),
        };
        Self {
            inner: Rc::new(inner),
        }
    }

    /// Borrows the value for reading, for as long as `core` is borrowed.
    ///
    /// # Panics
    ///
    /// If `core` belongs to another runtime than the one the share was made on.
    ///
    /// ```
    /// let rt = spindle_actor::Runtime::new();
    /// let s = spindle_actor::Share::new(&rt, vec![1, 2]);
    /// assert_eq!(s.ro(&rt).len(), 2);
    /// ```
    pub fn ro<'a>(&'a self, core: &'a Core) -> &'a T {
        self.check(core);
        // SAFETY: H1: `core` is the owner and is borrowed shared for 'a, so no `rw` borrow
        // (which needs it exclusively) can exist for 'a.
        unsafe { &*self.inner.value.get() }
    }

    /// Borrows the value for writing, for as long as `core` is borrowed.
    ///
    /// # Panics
    ///
    /// If `core` belongs to another runtime than the one the share was made on.
    ///
    /// ```
    /// let mut rt = spindle_actor::Runtime::new();
    /// let s = spindle_actor::Share::new(&rt, 1);
    /// *s.rw(&mut rt) += 1;
    /// assert_eq!(*s.ro(&rt), 2);
    /// ```
    pub fn rw<'a>(&'a self, core: &'a mut Core) -> &'a mut T {
        self.check(core);
        // SAFETY: H1: `core` is the owner and is borrowed exclusively for 'a, so no other
        // borrow of the value (each needs a borrow of `core`) can exist for 'a.
        unsafe { &mut *self.inner.value.get() }
    }

    fn check(&self, core: &Core) {
        assert!(
            Rc::ptr_eq(&self.inner.owner, &core.shared),
            "Share used with the Core of another runtime than the one it was made on"
        );
    }
}

impl<T> Clone for Share<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Rc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for Share<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Share")
    }
}
