//! `Send`/`Sync` contracts, checked at compile time: the pool, its errors, reports and the
//! messages that cross threads are thread-safe, though the items are not. (What does not
//! compile at a call site, a non-`Send` request or response, is in the crate docs'
//! `compile_fail` examples.) `pool.rs` checks `ThreadPool: Send + Sync` too.

mod vault;

use std::error::Error;

use spindle_pool::{
    AddResponse, BuildError, Builder, Message, PoolError, RemovePoolItemRequest,
    RemovePoolItemResponse, Reply, Responses, SenderAndReceiverMock, ThreadPool,
    ThreadShutdownResponse,
};
use vault::{EchoRequest, EchoResponse, OpenVault, Vault, VaultApi, VaultApiResponse};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}
fn shareable_error<E: Error + Send + Sync + 'static>() {}

/// Compiles only if `$t` does *not* implement `$tr` (the `static_assertions` trick: with the
/// impl, the two blanket impls below make the call ambiguous).
macro_rules! assert_not_impl {
    ($t:ty: $tr:path) => {{
        trait AmbiguousIfImpl<A> {
            fn check() {}
        }
        impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
        #[allow(dead_code)]
        struct Invalid;
        impl<T: ?Sized + $tr> AmbiguousIfImpl<Invalid> for T {}
        let _ = <$t as AmbiguousIfImpl<_>>::check;
    }};
}

#[test]
fn the_pool_and_its_builder_cross_threads_though_the_items_do_not() {
    assert_not_impl!(Vault: Send); // it holds an `Rc`
    send_sync::<ThreadPool<Vault>>();
    send_sync::<std::sync::Arc<ThreadPool<Vault>>>();
    send_sync::<Builder<Vault>>();
    send_sync::<SenderAndReceiverMock<Vault>>();
    // A call's responses may be consumed on another thread than the caller's.
    send::<Responses<'static, Vault, EchoRequest>>();
}

#[test]
fn everything_that_crosses_to_and_from_a_pool_thread_is_send() {
    send::<OpenVault>();
    send::<EchoRequest>();
    send::<EchoResponse>();
    send::<VaultApi>();
    send::<VaultApiResponse>();
    send::<Message<Vault>>();
    send::<Reply<Vault>>();
    send_sync::<RemovePoolItemRequest>();
    send_sync::<RemovePoolItemResponse>();
    send_sync::<AddResponse>();
    send_sync::<ThreadShutdownResponse>();
}

#[test]
fn errors_box_as_send_sync_errors() {
    shareable_error::<PoolError>();
    shareable_error::<BuildError>();
    shareable_error::<spindle_pool::NewPoolItemError>();
}
