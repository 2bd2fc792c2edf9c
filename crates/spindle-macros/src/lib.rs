//! `#[pool_item]`, the attribute that turns an impl block into a
//! [spindle-pool](https://docs.rs/spindle-pool) pool item: one request and one response struct
//! per `#[messaging]` method, the item's `Api` and `ApiResponse` enums, its `Init` request and
//! its `PoolItem` impl.
//!
//! Use it through `spindle_pool::pool_item` (or `spindle::pool::pool_item` from the facade,
//! package `spindlekit`), not from this crate: the generated code names spindle-pool's traits.
//! It finds them by itself, reading the item crate's `Cargo.toml` (with
//! [proc-macro-crate](https://docs.rs/proc-macro-crate)) for spindle-pool or the facade under
//! whatever name the crate gave them:
//!
//! ```ignore
//! // Compiled as spindle-pool's doc tests (docs of `spindle_pool::pool_item`): this crate
//! // cannot depend on spindle-pool, which depends on it, without a cycle that blocks publishing.
//! use spindle::pool::{pool_item, ItemPool};
//!
//! pub struct Counter { id: u64, count: u64 }
//!
//! #[pool_item]
//! impl Counter {
//!     pub fn new(id: u64) -> Self { Counter { id, count: 0 } }
//!
//!     #[messaging(IncrementRequest, IncrementResponse)]
//!     pub fn increment(&mut self, by: u64) -> u64 { self.count += by; self.count }
//! }
//!
//! let pool = ItemPool::<Counter>::new(1).unwrap();
//! pool.send_and_receive_once(CounterInit(7)).unwrap();
//! assert_eq!(pool.send_and_receive_once(IncrementRequest(7, 5)).unwrap().result, 5);
//! ```
//!
//! The runnable examples are in the docs of `spindle_pool::pool_item`, where they compile as
//! spindle-pool's doc tests; the attribute's docs here are the reference that follows them.
//!
//! The macro works in three steps, one module each: `parse` reads the options and the impl block
//! into a model (`runtime` supplies the default path to spindle-pool), `validate` reports every
//! misuse on the token to change, and `expand` generates the code. On errors, `fallback`
//! re-emits the impl block so that only the misuse is reported.

#![deny(missing_docs)]

mod expand;
mod fallback;
mod parse;
mod runtime;
mod validate;

use proc_macro::TokenStream;

/// The reference for `#[pool_item]`: what it generates, the rules for `#[messaging]` methods,
/// the options and the errors. Its examples are in the docs of `spindle_pool::pool_item` (above
/// this text when read there), where they compile as doc tests: this crate cannot depend on
/// spindle-pool, which depends on it.
///
/// # What is generated
///
/// For the `Counter` example (methods `increment(&mut self, by: u64) -> u64` and
/// `reset(&mut self)`), next to the impl block (which is kept as written, less the
/// `#[messaging]` attributes), all `pub`, documented, and deriving `Debug`, `Clone` and
/// `PartialEq` (so argument and return types must implement them):
///
/// | item | what it is |
/// |---|---|
/// | `pub struct IncrementRequest(pub u64, pub u64);` | the item's id, then `increment`'s arguments in order |
/// | `pub struct IncrementResponse { pub id: u64, pub result: u64 }` | the id and what `increment` returned (`result: ()` for `reset`) |
/// | `pub enum CounterApi { IncrementRequest(IncrementRequest), ResetRequest(ResetRequest) }` | `PoolItem::Api` |
/// | `pub enum CounterApiResponse { IncrementResponse(IncrementResponse), .. }` | `PoolItem::ApiResponse` |
/// | `pub struct CounterInit(pub u64);` | `PoolItem::Init`: `new_pool_item` calls `Counter::new(id)` |
/// | `impl PoolItem for Counter` | `process_message` calls the method named by the request |
///
/// The requests, `CounterApi` and `CounterInit` implement `IdTargeted`; the requests and
/// `CounterInit` implement `RequestWithResponse<Counter>` (with `IncrementResponse`, .. and
/// spindle-pool's `AddResponse` as their responses); the responses implement `IntoReply`.
/// `PoolItem::name` is `"Counter"`.
///
/// An impl block with no `#[messaging]` method is a pool item with empty `Api` enums.
///
/// # `#[messaging(Request, Response)]`
///
/// Names the two structs generated for the method. A message method:
///
/// - takes `&self` or `&mut self` (the pool lends the item to each call);
/// - is not `async`, `unsafe` or generic, and takes no `impl Trait`;
/// - takes and returns owned data (`String`, not `&str`; `&'static` is fine), since its
///   arguments and result cross threads inside the request and response; `Self` in its types
///   stands for the item's type;
/// - may use any pattern for an argument (`(a, b): (u8, u8)`): the request holds its type.
///
/// All request and response names in one impl block must differ from one another and from the
/// generated `{Type}Api`, `{Type}ApiResponse` and `{Type}Init`.
///
/// # Options
///
/// Values may be written as strings or as plain tokens (`Init = "MyInit"` or `Init = MyInit`).
///
/// - **`Init = "MyInit"`**: the item is created from the user's own request type instead of a
///   generated `{Type}Init`. `new_pool_item` calls `Self::new(init)`, so the impl's `new` takes
///   a `MyInit`; `MyInit` must implement `IdTargeted` and `RequestWithResponse<Type>` with
///   `type Response = AddResponse` (`into_message` returns `Message::Add(self)`, `from_reply`
///   unwraps `Reply::Added`); spindle-pool's `OpenAccount` example shows one.
///
/// - **`Shutdown = "cleanup"`**: `PoolItem::shutdown_pool` calls `self.cleanup()`, a method
///   taking `&self` or `&mut self` and returning `Vec<ThreadShutdownResponse>` (the reports of
///   pools the item owns), when the pool shuts down. Without it, shutdown reports nothing.
///
/// - **`crate = "path"`**: the path the generated code uses to reach spindle-pool. Without
///   it the macro reads the item crate's `Cargo.toml`: a dependency on spindle-pool gives
///   `::spindle_pool` (`::{name}` if renamed); failing that, one on the facade `spindlekit`
///   gives `::spindle::pool` (`::{name}::pool` if renamed); failing both, `::spindle_pool`,
///   which the compiler then reports as missing. Set it when the crate reaches spindle-pool
///   through a re-export of its own, as in `crate = "crate::runtime"`.
///
/// The options combine: `#[pool_item(Init = "OpenAccount", Shutdown = "cleanup", crate =
/// "crate::runtime")]`.
///
/// # Errors
///
/// A misuse is a compile error on the token to change: `#[pool_item]` on anything but an
/// inherent impl block; a generic impl or type; a `#[messaging]` method that is generic,
/// `async` or `unsafe`, has no `&self`/`&mut self`, borrows in its arguments or result, or uses
/// `impl Trait`; a malformed `#[messaging(..)]`; an unknown or repeated option; a request or
/// response name used twice. The impl block is kept (and, when only some methods are at fault,
/// the others' messages generated), so the error is not buried under others it would cause.
#[proc_macro_attribute]
pub fn pool_item(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::pool_item(args.into(), item.into()).into()
}
