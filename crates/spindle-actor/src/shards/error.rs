//! [`ShardError`]: why a request to running shards failed (building them fails with a
//! [`BuildError`](crate::BuildError) instead).

use std::error::Error;
use std::fmt;

/// Why a request to running shards failed.
///
/// Building the shards is not a request: [`Shards::new`](crate::Shards::new) and
/// [`ShardsBuilder::build`](crate::ShardsBuilder::build) fail with a
/// [`BuildError`](crate::BuildError), as every builder of the toolkit does.
///
/// ```
/// use spindle_actor::{ShardError, Shards};
/// let shards = Shards::new(1)?;
/// assert_eq!(shards.spawn(3, |_| ()).unwrap_err(), ShardError::NoSuchShard(3));
/// # Ok::<(), spindle_actor::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShardError {
    /// No shard has this index.
    NoSuchShard(usize),
    /// The shards have been shut down.
    ShutDown,
    /// The blocking [`Shards::spawn`](crate::Shards::spawn) was called on a shard thread (of
    /// this or any other `Shards`): it would stop that shard's runtime until the target
    /// answers, and two shards waiting on each other would never answer. From an actor, use
    /// [`Shards::spawn_then`](crate::Shards::spawn_then) (or `cx.spawn` for an actor on the
    /// same shard).
    WouldBlock {
        /// The shard the actor was to start on.
        shard: usize,
    },
}

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchShard(i) => write!(f, "no shard {i}"),
            Self::ShutDown => f.write_str("the shards have been shut down"),
            Self::WouldBlock { shard } => write!(
                f,
                "Shards::spawn onto shard {shard} would block a shard thread, and shards waiting \
                 on each other deadlock; from an actor, use Shards::spawn_then"
            ),
        }
    }
}

impl Error for ShardError {}
