//! messaging_thread_pool's names, for code ported from it: `use spindle_pool::compat::*` (or
//! the names one by one) in place of `use messaging_thread_pool::*` and
//! `use messaging_thread_pool_macros::pool_item`, and the code compiles as it was written.
//!
//! The one difference in shape is the pool itself: messaging_thread_pool's
//! `ThreadPool::<P>::new(n)` returns a pool and panics on a bad thread count, where
//! [`ItemPool::new`] returns a `Result`. [`ThreadPool`] here is a thin wrapper over
//! [`ItemPool`] with messaging_thread_pool's constructor; everything else is the pool's own
//! (through `Deref`), and [`into_inner`](ThreadPool::into_inner) or `From` converts between
//! the two. New code should use [`ItemPool`] directly.
//!
//! # Examples
//!
//! ```
//! use spindle_pool::compat::{pool_item, IdTargeted, ThreadPool};
//!
//! #[derive(Debug)]
//! pub struct Greeter { id: u64 }
//! impl IdTargeted for Greeter { fn id(&self) -> u64 { self.id } }
//!
//! #[pool_item]
//! impl Greeter {
//!     pub fn new(id: u64) -> Self { Greeter { id } }
//!     #[messaging(GreetRequest, GreetResponse)]
//!     pub fn greet(&self) -> String { format!("hello from {}", self.id) }
//! }
//!
//! let thread_pool = ThreadPool::<Greeter>::new(2); // a pool, as in messaging_thread_pool
//! thread_pool.send_and_receive_once(GreeterInit(1)).unwrap();
//! let reply = thread_pool.send_and_receive_once(GreetRequest(1)).unwrap();
//! assert_eq!(reply.result, "hello from 1");
//! assert_eq!(thread_pool.thread_count(), 2);
//! ```

use std::ops::Deref;

use crate::pool::ItemPool;

pub use crate::error::PoolError;
pub use crate::id_provider;
pub use crate::item::{
    AddResponse, IdTargeted, NewPoolItemError, PoolItem, RemovePoolItemRequest,
    RemovePoolItemResponse, RequestWithResponse, ThreadShutdownResponse,
};
pub use crate::mock::{SenderAndReceiver, SenderAndReceiverMock};
pub use spindle_macros::pool_item;

/// messaging_thread_pool's `ThreadPool`: an [`ItemPool`] whose [`new`](ThreadPool::new)
/// returns the pool itself and panics on a bad thread count, as messaging_thread_pool's does.
///
/// It dereferences to the [`ItemPool`], so every method of the pool is there
/// (`send_and_receive`, `send_and_receive_once`, `shutdown`, `thread_count`, ...), and it is a
/// [`SenderAndReceiver`] like the pool.
///
/// ```
/// # #[derive(Debug)] pub struct Item { id: u64 }
/// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
/// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
/// use spindle_pool::{ItemPool, compat::ThreadPool};
///
/// let pool = ThreadPool::<Item>::new(2);
/// assert_eq!(pool.num_threads(), 2);
/// let pool: ItemPool<Item> = pool.into_inner();
/// let pool = ThreadPool::from(pool);
/// # drop(pool);
/// ```
pub struct ThreadPool<P: PoolItem>(ItemPool<P>);

impl<P: PoolItem> ThreadPool<P> {
    /// A pool of `threads` threads.
    ///
    /// # Panics
    ///
    /// If the pool cannot be built: zero threads, more than [`MAX_THREADS`](crate::MAX_THREADS),
    /// or a thread the OS refuses to start (messaging_thread_pool panics on these too). Use
    /// [`ItemPool::new`] to get the [`BuildError`](crate::BuildError) instead.
    ///
    /// ```should_panic
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::compat::ThreadPool::<Item>::new(0); // panics
    /// ```
    #[track_caller]
    pub fn new(threads: usize) -> Self {
        match ItemPool::new(threads) {
            Ok(pool) => ThreadPool(pool),
            Err(e) => panic!("could not build a pool of {threads} threads: {e}"),
        }
    }

    /// The [`ItemPool`] inside.
    ///
    /// ```
    /// # #[derive(Debug)] pub struct Item { id: u64 }
    /// # impl spindle_pool::IdTargeted for Item { fn id(&self) -> u64 { self.id } }
    /// # #[spindle_pool::pool_item] impl Item { pub fn new(id: u64) -> Self { Item { id } } }
    /// let pool = spindle_pool::compat::ThreadPool::<Item>::new(1).into_inner();
    /// assert_eq!(pool.num_threads(), 1);
    /// ```
    pub fn into_inner(self) -> ItemPool<P> {
        self.0
    }
}

impl<P: PoolItem> Deref for ThreadPool<P> {
    type Target = ItemPool<P>;

    fn deref(&self) -> &ItemPool<P> {
        &self.0
    }
}

impl<P: PoolItem> From<ItemPool<P>> for ThreadPool<P> {
    fn from(pool: ItemPool<P>) -> Self {
        ThreadPool(pool)
    }
}

impl<P: PoolItem> From<ThreadPool<P>> for ItemPool<P> {
    fn from(pool: ThreadPool<P>) -> Self {
        pool.0
    }
}

impl<P: PoolItem> std::fmt::Debug for ThreadPool<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ThreadPool").field(&self.0).finish()
    }
}

impl<P: PoolItem> SenderAndReceiver<P> for ThreadPool<P> {
    fn send_and_receive<'a, T: RequestWithResponse<P>>(
        &'a self,
        requests: impl IntoIterator<Item = T>,
    ) -> Result<Box<dyn Iterator<Item = T::Response> + 'a>, PoolError> {
        SenderAndReceiver::send_and_receive(&self.0, requests)
    }

    fn send_and_receive_once<T: RequestWithResponse<P>>(
        &self,
        request: T,
    ) -> Result<T::Response, PoolError> {
        self.0.send_and_receive_once(request)
    }
}
