//! `#[pool_item]`, the attribute that turns an impl block into a
//! [spindle-pool](https://docs.rs/spindle-pool) pool item: one request and one response struct
//! per `#[messaging]` method, the item's `Api` and `ApiResponse` enums, its `Init` request and
//! its `PoolItem` impl.
//!
//! Use it through `spindle_pool::pool_item` (or `spindle::pool::pool_item`), not from this
//! crate: the generated code names spindle-pool's traits. The examples here run against
//! spindle-pool; its crate docs show a pool answering the requests.
//!
//! The macro works in three steps, one module each: `parse` reads the options and the impl block
//! into a model, `validate` reports every misuse on the token to change, and `expand` generates
//! the code. On errors, `fallback` re-emits the impl block so that only the misuse is reported.

#![deny(missing_docs)]

mod expand;
mod fallback;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Makes the type of an inherent impl block a pool item: each method marked
/// `#[messaging(Request, Response)]` becomes a request the pool routes to an item by id.
///
/// ```
/// use spindle_pool::{pool_item, IdTargeted, PoolItem, RequestWithResponse};
///
/// pub struct Counter {
///     id: u64,
///     count: u64,
/// }
///
/// #[pool_item]
/// impl Counter {
///     /// Called for `CounterInit(id)`.
///     pub fn new(id: u64) -> Self {
///         Counter { id, count: 0 }
///     }
///
///     #[messaging(IncrementRequest, IncrementResponse)]
///     pub fn increment(&mut self, by: u64) -> u64 {
///         self.count += by;
///         self.count
///     }
///
///     #[messaging(ResetRequest, ResetResponse)]
///     pub fn reset(&mut self) {
///         self.count = 0;
///     }
/// }
///
/// // What the pool does on the item's thread, done here by hand:
/// let mut counter = Counter::new_pool_item(CounterInit(7)).unwrap();
/// let response = counter.process_message(CounterApi::IncrementRequest(IncrementRequest(7, 5)));
/// assert_eq!(
///     response,
///     CounterApiResponse::IncrementResponse(IncrementResponse { id: 7, result: 5 })
/// );
/// assert_eq!(counter.id, 7);
///
/// // Requests know their item and their response type.
/// assert_eq!(IncrementRequest(7, 1).id(), 7);
/// let _: ResetResponse = ResetRequest::from_reply(spindle_pool::Reply::Call(
///     CounterApiResponse::ResetResponse(ResetResponse { id: 7, result: () }),
/// ));
/// ```
///
/// # What is generated
///
/// For `impl Counter` above, next to the impl block (which is kept as written, less the
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
///   unwraps `Reply::Added`):
///
///   ```
///   use spindle_pool::{pool_item, AddResponse, IdTargeted, Message, PoolItem, Reply, RequestWithResponse};
///
///   #[derive(Debug, Clone, PartialEq)]
///   pub struct OpenAccount { pub id: u64, pub balance: u64 }
///
///   impl IdTargeted for OpenAccount {
///       fn id(&self) -> u64 { self.id }
///   }
///
///   impl RequestWithResponse<Account> for OpenAccount {
///       type Response = AddResponse;
///       fn into_message(self) -> Message<Account> { Message::Add(self) }
///       fn from_reply(reply: Reply<Account>) -> AddResponse {
///           match reply {
///               Reply::Added(added) => added,
///               _ => panic!("not the answer to an OpenAccount"),
///           }
///       }
///   }
///
///   pub struct Account { balance: u64 }
///
///   #[pool_item(Init = "OpenAccount")]
///   impl Account {
///       pub fn new(init: OpenAccount) -> Self {
///           Account { balance: init.balance }
///       }
///
///       #[messaging(BalanceRequest, BalanceResponse)]
///       pub fn balance(&self) -> u64 { self.balance }
///   }
///
///   let account = Account::new_pool_item(OpenAccount { id: 1, balance: 10 }).unwrap();
///   assert_eq!(account.balance, 10);
///   ```
///
/// - **`Shutdown = "cleanup"`**: `PoolItem::shutdown_pool` calls `self.cleanup()`, a method
///   taking `&self` or `&mut self` and returning `Vec<ThreadShutdownResponse>` (the reports of
///   pools the item owns), when the pool shuts down. Without it, shutdown reports nothing.
///
/// - **`crate = "spindle::pool"`**: the path the generated code uses to reach spindle-pool,
///   `::spindle_pool` by default. Set it when the item's crate depends on the `spindle` facade
///   rather than on spindle-pool, or re-exports spindle-pool under another name.
///
/// The options combine: `#[pool_item(Init = "OpenAccount", Shutdown = "cleanup", crate =
/// "spindle::pool")]`.
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
