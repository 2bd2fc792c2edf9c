//! Offloading heavy work from an actor to a spindle-executor pool (feature `executor`).
//!
//! The work runs on a pool worker; its result comes back to the actor as an ordinary call,
//! through the actor's [`Remote`]. The continuation is guaranteed to run exactly once while the
//! actor and its runtime live: with the result, with the work's panic, or with
//! [`OffloadError::NotRun`] if the pool refused or dropped the job.

use std::error::Error;
use std::fmt;

use spindle_executor::ThreadPool;
use spindle_utils::Panic;

use crate::actor::Cx;
use crate::remote::Remote;

/// Why offloaded work produced no value.
///
/// `Send + Sync`, so it boxes into `Box<dyn Error + Send + Sync>` (and `anyhow`).
///
/// ```
/// use spindle_actor::{OffloadError, Panic};
/// let e = OffloadError::Panicked(Panic::new(Box::new("bad input")));
/// assert_eq!(e.to_string(), "offloaded work panicked: bad input");
/// let shared: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
/// # drop(shared);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum OffloadError {
    /// The work panicked on the pool; the actor was not affected. The [`Panic`] keeps the
    /// payload.
    Panicked(Panic),
    /// The pool was shut down before the work ran.
    NotRun,
}

impl fmt::Display for OffloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked(p) => match p.message() {
                Some(message) => write!(f, "offloaded work panicked: {message}"),
                None => f.write_str("offloaded work panicked with a non-string payload"),
            },
            Self::NotRun => f.write_str("offloaded work did not run: the pool was shut down"),
        }
    }
}

impl Error for OffloadError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Panicked(p) => Some(p),
            Self::NotRun => None,
        }
    }
}

/// The work, its continuation, and the way back; delivers exactly once (on `run` or on drop).
struct Parcel<A: 'static, R, W, T>
where
    T: FnOnce(&mut A, &mut Cx<'_, A>, Result<R, OffloadError>) + Send + 'static,
    R: Send + 'static,
{
    work: Option<W>,
    then: Option<T>,
    home: Remote<A>,
    _result: std::marker::PhantomData<fn() -> R>,
}

impl<A: 'static, R, W, T> Parcel<A, R, W, T>
where
    W: FnOnce() -> R,
    T: FnOnce(&mut A, &mut Cx<'_, A>, Result<R, OffloadError>) + Send + 'static,
    R: Send + 'static,
{
    fn run(mut self) {
        let Some(work) = self.work.take() else { return };
        let result = spindle_utils::catch(work).map_err(OffloadError::Panicked);
        self.deliver(result);
    }

    fn deliver(&mut self, result: Result<R, OffloadError>) {
        if let Some(then) = self.then.take() {
            // If the runtime is gone, the continuation has nobody to run for: drop it.
            let _ = self.home.call(move |actor, cx| then(actor, cx, result));
        }
    }
}

impl<A: 'static, R, W, T> Drop for Parcel<A, R, W, T>
where
    T: FnOnce(&mut A, &mut Cx<'_, A>, Result<R, OffloadError>) + Send + 'static,
    R: Send + 'static,
{
    fn drop(&mut self) {
        if let Some(then) = self.then.take() {
            let _ = self
                .home
                .call(move |actor, cx| then(actor, cx, Err(OffloadError::NotRun)));
        }
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "executor")))]
impl<A: 'static> Cx<'_, A> {
    /// Runs `work` on `pool` and then calls this actor with `then` and the result (or the
    /// work's panic), as an ordinary call. The actor keeps running meanwhile. Costs two
    /// allocations: the pool's job and the call that brings the result back.
    ///
    /// ```
    /// use spindle_actor::{Cx, OffloadError, Runtime};
    /// use spindle_executor::ThreadPool;
    ///
    /// struct Hasher { digest: Option<u64> }
    /// impl Hasher {
    ///     fn hash(&mut self, cx: &mut Cx<'_, Self>, data: Vec<u8>) {
    ///         let pool = POOL.get_or_init(|| ThreadPool::new(2).unwrap());
    ///         cx.offload(pool, move || data.iter().fold(0u64, |h, b| h.wrapping_mul(31) + u64::from(*b)),
    ///             |this, _, result: Result<u64, OffloadError>| this.digest = result.ok());
    ///     }
    /// }
    /// static POOL: std::sync::OnceLock<ThreadPool> = std::sync::OnceLock::new();
    ///
    /// let mut rt = Runtime::new();
    /// let hasher = rt.spawn(|_| Hasher { digest: None });
    /// hasher.call(|this, cx| this.hash(cx, b"spindle".to_vec()));
    /// rt.run_until(|core| hasher.query(core, |h, _| h.digest.is_some()) == Some(true)).unwrap();
    /// ```
    pub fn offload<R, W, T>(&mut self, pool: &ThreadPool, work: W, then: T)
    where
        W: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
        T: FnOnce(&mut A, &mut Cx<'_, A>, Result<R, OffloadError>) + Send + 'static,
    {
        let parcel = Parcel {
            work: Some(work),
            then: Some(then),
            home: self.this().remote(),
            _result: Default::default(),
        };
        // Refused (the pool is shut down): the parcel comes back inside the error and its drop
        // delivers `NotRun`.
        let _ = pool.execute(move || parcel.run());
    }
}
