//! Id providers: how an item that owns a child pool hands out ids for the child items it
//! creates (messaging_thread_pool's `id_provider` module, same names and paths).
//!
//! Several parents sharing one child pool must not reuse each other's ids, so they share one
//! provider, usually as an `Arc<dyn IdProvider>`.
//!
//! ```
//! use std::sync::Arc;
//! use spindle_pool::id_provider::{IdProvider, IdProviderMutex};
//!
//! let ids: Arc<dyn IdProvider> = Arc::new(IdProviderMutex::new(10));
//! let other_parent = Arc::clone(&ids);
//! assert_eq!(ids.next_id(), 10);
//! assert_eq!(other_parent.next_id(), 11);
//! assert_eq!(ids.peek_next_id(), 12);
//! ```

use std::fmt::Debug;

pub mod id_provider_mutex;
pub mod id_provider_static;

pub use id_provider_mutex::IdProviderMutex;
pub use id_provider_static::IdProviderStatic;

/// A source of unique ids, shareable across threads.
///
/// ```
/// use spindle_pool::id_provider::{IdProvider, IdProviderMutex};
/// let ids = IdProviderMutex::new(0);
/// assert_eq!((ids.next_id(), ids.next_id()), (0, 1));
/// ```
pub trait IdProvider: Debug + Send + Sync {
    /// The id the next call to [`next_id`](IdProvider::next_id) will return (if no other
    /// thread takes it first).
    fn peek_next_id(&self) -> u64;

    /// Takes the next id.
    fn next_id(&self) -> u64;
}
