//! The errors every Spindle crate shares: [`Closed`] (refused, value handed back) and
//! [`BuildError`] (a pool, runtime or queue could not be built).

use core::fmt;
use std::error::Error;
use std::io;

/// The most threads any Spindle pool starts: per-thread state is allocated up front, so an
/// absurd count is a [`BuildError::TooManyThreads`] instead of an allocation failure later.
pub const MAX_THREADS: usize = 1 << 16;

/// A value refused because the other side is closed or shut down, handed back unchanged.
///
/// The one "refused" type of the toolkit: a push into a closed queue, a job given to a pool
/// that has shut down, a call to an actor runtime that has gone. `into_inner` returns the value
/// (the closure, the message, the item) so nothing is lost. `Debug` and `Display` do not need
/// `T: Debug`; the error is `Send + Sync` when `T` is.
///
/// Where nothing was handed in, `Closed<()>` (the default parameter) says the other side is
/// closed and has nothing left: a blocking pop from a queue that is closed and drained returns
/// `Err(Closed(()))`, after every value pushed before the close has been delivered.
///
/// # Examples
///
/// ```
/// use spindle_utils::Closed;
///
/// let refused = Closed(String::from("job"));
/// assert_eq!(refused.to_string(), "refused: the receiving side is closed; the value is handed back");
/// assert_eq!(refused.into_inner(), "job");
/// assert_eq!(format!("{:?}", Closed(())), "Closed(..)"); // no `T: Debug` needed
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Closed<T = ()>(pub T);

impl<T> Closed<T> {
    /// The value that could not be delivered.
    ///
    /// ```
    /// assert_eq!(spindle_utils::Closed(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closed(..)")
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("refused: the receiving side is closed; the value is handed back")
    }
}

impl<T> Error for Closed<T> {}

/// A thread pool, shard set, item pool, runtime or queue could not be built.
///
/// One type for every builder of the toolkit (`ThreadPoolBuilder`, `ShardsBuilder`,
/// `ItemPoolBuilder`, `RuntimeBuilder`): what can go wrong while building is the same
/// everywhere (a thread count, a size, the OS refusing a thread). Runtime failures have their
/// own types in each crate. The `io::Error` of a refused thread is kept as the `source()`.
///
/// # Examples
///
/// ```
/// use spindle_utils::BuildError;
///
/// let e = BuildError::ZeroThreads;
/// assert_eq!(e.to_string(), "a pool needs at least one thread");
/// let e = BuildError::Spawn(std::io::Error::other("no threads left"));
/// assert!(std::error::Error::source(&e).is_some());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// Zero threads (or shards) were asked for.
    ZeroThreads,
    /// More than [`MAX_THREADS`] threads, or more than the per-thread state fits in memory.
    TooManyThreads(usize),
    /// A size setting (named by `setting`, e.g. `"queue_bytes"`) overflows or cannot be
    /// allocated.
    TooLarge {
        /// The builder setting, as its method is named.
        setting: &'static str,
        /// The value asked for.
        requested: usize,
    },
    /// The operating system refused to start a thread.
    Spawn(io::Error),
    /// The global pool exists already: `build_global` was called before, or a free function
    /// such as `spindle_executor::join` built it with the default settings on first use.
    GlobalPoolExists,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroThreads => f.write_str("a pool needs at least one thread"),
            Self::TooManyThreads(n) => write!(
                f,
                "a pool of {n} threads is too large (at most {MAX_THREADS}, with their \
                 per-thread state allocated up front)"
            ),
            Self::TooLarge { setting, requested } => {
                write!(f, "`{setting}({requested})` is too large to allocate")
            }
            Self::Spawn(e) => write!(f, "could not start a thread: {e}"),
            Self::GlobalPoolExists => f.write_str(
                "the global pool is already built (by an earlier build_global, or with the \
                 default settings on first use)",
            ),
        }
    }
}

impl Error for BuildError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Spawn(e) => Some(e),
            Self::ZeroThreads
            | Self::TooManyThreads(_)
            | Self::TooLarge { .. }
            | Self::GlobalPoolExists => None,
        }
    }
}

impl From<io::Error> for BuildError {
    fn from(e: io::Error) -> Self {
        Self::Spawn(e)
    }
}
