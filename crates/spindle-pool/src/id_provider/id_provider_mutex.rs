//! [`IdProviderMutex`]: a counter of its own behind a lock.

use std::sync::{Mutex, MutexGuard};

use super::IdProvider;

/// Hands out successive ids from a counter of its own, starting where [`new`](Self::new)
/// says. A clone starts a new counter at the same next id (the two then hand out the same
/// ids: share one provider through an `Arc` instead); equality compares the next ids.
///
/// ```
/// use spindle_pool::id_provider::{IdProvider, IdProviderMutex};
/// let ids = IdProviderMutex::new(7);
/// let copy = ids.clone();
/// assert_eq!(ids.peek_next_id(), copy.peek_next_id());
/// assert_eq!(ids.next_id(), 7);
/// assert_ne!(ids, copy);
/// ```
#[derive(Debug, Default)]
pub struct IdProviderMutex {
    next: Mutex<u64>,
}

impl IdProviderMutex {
    /// A provider whose first id is `first`.
    ///
    /// ```
    /// use spindle_pool::id_provider::{IdProvider, IdProviderMutex};
    /// assert_eq!(IdProviderMutex::new(3).next_id(), 3);
    /// ```
    pub fn new(first: u64) -> Self {
        Self {
            next: Mutex::new(first),
        }
    }

    // A panic while the lock is held cannot leave the counter half-updated (one `u64`
    // write), so a poisoned lock is used as it is.
    fn counter(&self) -> MutexGuard<'_, u64> {
        self.next.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clone for IdProviderMutex {
    fn clone(&self) -> Self {
        Self::new(self.peek_next_id())
    }
}

impl PartialEq for IdProviderMutex {
    fn eq(&self, other: &Self) -> bool {
        self.peek_next_id() == other.peek_next_id()
    }
}

impl IdProvider for IdProviderMutex {
    fn peek_next_id(&self) -> u64 {
        *self.counter()
    }

    fn next_id(&self) -> u64 {
        let mut next = self.counter();
        let id = *next;
        *next += 1;
        id
    }
}
