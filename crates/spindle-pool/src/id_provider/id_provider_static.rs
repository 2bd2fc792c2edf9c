//! [`IdProviderStatic`]: one counter for the whole process.

use std::sync::atomic::{AtomicU64, Ordering};

use super::IdProvider;

/// The process-wide counter every [`IdProviderStatic`] shares.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// Hands out ids from one counter shared by the whole process (starting at 0), so ids from
/// any two of these never collide; the value carries no state.
///
/// ```
/// use spindle_pool::id_provider::{IdProvider, IdProviderStatic};
/// let a = IdProviderStatic.next_id();
/// let b = IdProviderStatic.next_id();
/// assert!(b > a);
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct IdProviderStatic;

impl IdProvider for IdProviderStatic {
    fn peek_next_id(&self) -> u64 {
        NEXT_ID.load(Ordering::SeqCst)
    }

    fn next_id(&self) -> u64 {
        NEXT_ID.fetch_add(1, Ordering::SeqCst)
    }
}
