//! `Send`/`Sync` contracts, checked at compile time: the pool, its errors, reports and the
//! messages that cross threads are thread-safe, though the items are not. (What does not
//! compile at a call site, a non-`Send` request or response, is in the crate docs'
//! `compile_fail` examples.) `pool.rs` checks `ItemPool: Send + Sync` too.

mod common;
mod vault;

use spindle_pool::{
    AddResponse, BuildError, ItemPool, ItemPoolBuilder, Message, PoolError, RemovePoolItemRequest,
    RemovePoolItemResponse, Reply, Responses, SenderAndReceiverMock, ThreadShutdownResponse,
};
use spindle_test_support::{assert_not_impl_any, send, send_sync, shareable_error};
use vault::{EchoRequest, EchoResponse, OpenVault, Vault, VaultApi, VaultApiResponse};

#[test]
fn the_pool_and_its_builder_cross_threads_though_the_items_do_not() {
    assert_not_impl_any!(Vault: Send); // it holds an `Rc`
    send_sync::<ItemPool<Vault>>();
    send_sync::<std::sync::Arc<ItemPool<Vault>>>();
    send_sync::<ItemPoolBuilder<Vault>>();
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
    shareable_error::<spindle_pool::Panic>();
}
