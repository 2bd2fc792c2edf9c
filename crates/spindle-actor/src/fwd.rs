//! `Fwd` (forward many messages) and `Ret` (return one value, or `None`).

use std::fmt;
use std::rc::Rc;

/// A cloneable endpoint that forwards each message it is given, usually as a call to an actor
/// (made with [`Actor::fwd`](crate::Actor::fwd)). Creating one allocates once; forwarding
/// through it does not allocate.
///
/// # Examples
///
/// ```
/// use spindle_actor::Fwd;
/// use std::{cell::RefCell, rc::Rc};
///
/// let seen = Rc::new(RefCell::new(Vec::new()));
/// let sink = seen.clone();
/// let fwd = Fwd::new(move |m: &str| sink.borrow_mut().push(m));
/// let copy = fwd.clone();
/// fwd.fwd("a");
/// copy.fwd("b");
/// assert_eq!(*seen.borrow(), ["a", "b"]);
/// ```
pub struct Fwd<M: 'static>(Rc<dyn Fn(M)>);

impl<M: 'static> Fwd<M> {
    /// A `Fwd` that calls `f` with each message, right away.
    ///
    /// ```
    /// let fwd = spindle_actor::Fwd::new(|n: u32| assert_eq!(n, 1));
    /// fwd.fwd(1);
    /// ```
    pub fn new(f: impl Fn(M) + 'static) -> Self {
        Self(Rc::new(f))
    }

    /// Forwards one message.
    ///
    /// ```
    /// let fwd = spindle_actor::Fwd::new(|_: ()| {});
    /// fwd.fwd(());
    /// ```
    #[inline]
    pub fn fwd(&self, message: M) {
        (self.0)(message)
    }

    /// A `Fwd` that drops every message (a placeholder).
    ///
    /// ```
    /// spindle_actor::Fwd::<String>::discard().fwd("ignored".into());
    /// ```
    pub fn discard() -> Self {
        Self::new(drop)
    }
}

impl<M: 'static> Clone for Fwd<M> {
    fn clone(&self) -> Self {
        Self(Rc::clone(&self.0))
    }
}

impl<M: 'static> fmt::Debug for Fwd<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fwd")
    }
}

/// A one-shot reply: [`ret`](Ret::ret) delivers `Some(value)`; dropping it unanswered delivers
/// `None`, so a caller always hears back, even when the actor that held it stopped or its call
/// was dropped. Usually made with [`Actor::ret`](crate::Actor::ret). Creating one allocates once.
///
/// # Examples
///
/// ```
/// use spindle_actor::Ret;
/// use std::{cell::Cell, rc::Rc};
///
/// let got = Rc::new(Cell::new(None));
/// let (a, b) = (got.clone(), got.clone());
/// Ret::new(move |v: Option<u8>| a.set(Some(v))).ret(5);
/// assert_eq!(got.get(), Some(Some(5)));
/// drop(Ret::new(move |v: Option<u8>| b.set(Some(v))));
/// assert_eq!(got.get(), Some(None));
/// ```
pub struct Ret<M: 'static>(Option<Box<dyn FnOnce(Option<M>)>>);

impl<M: 'static> Ret<M> {
    /// A `Ret` that calls `f` with `Some(value)`, or with `None` when dropped unanswered.
    ///
    /// ```
    /// spindle_actor::Ret::new(|v: Option<&str>| assert_eq!(v, Some("done"))).ret("done");
    /// ```
    pub fn new(f: impl FnOnce(Option<M>) + 'static) -> Self {
        Self(Some(Box::new(f)))
    }

    /// Delivers the reply.
    ///
    /// ```
    /// spindle_actor::Ret::new(|v: Option<i32>| assert_eq!(v, Some(-1))).ret(-1);
    /// ```
    pub fn ret(mut self, value: M) {
        if let Some(f) = self.0.take() {
            f(Some(value));
        }
    }
}

impl<M: 'static> Drop for Ret<M> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f(None);
        }
    }
}

impl<M: 'static> fmt::Debug for Ret<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ret")
    }
}
