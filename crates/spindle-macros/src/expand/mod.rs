//! Generates a pool item's messages and its `PoolItem` impl from a validated model: the last
//! step of the pipeline (`parse` -> `validate` -> `expand`, or `fallback` on errors), which
//! [`pool_item`] runs in order.
//!
//! - [`context`]: the names every part of the expansion shares;
//! - [`messages`]: per `#[messaging]` method, its request and response structs, and the item's
//!   `Api` and `ApiResponse` enums;
//! - [`item`]: the `Init` request and the `PoolItem` impl.

mod context;
mod item;
mod messages;
#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;
use quote::quote;

use crate::fallback;
use crate::parse::{self, Errors, Message, Model};
use crate::validate;
use context::Context;
use messages::Generated;

/// Whether the `From` conversions to and from `compat::ThreadRequestResponse` are generated.
pub(crate) const COMPAT_CONVERSIONS: bool = true;

/// `#[pool_item]`: parse, validate, expand; on any error, the fallback.
pub(crate) fn pool_item(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let model = match parse::model(args, input.clone(), &mut errors) {
        Ok(model) => model,
        Err(error) => return fallback::unparsed(input, error),
    };
    let item_ok = validate::item(&model, &mut errors);
    let sound = validate::messages(&model, &mut errors);
    match errors.finish() {
        Ok(()) => {
            let item = &model.item;
            let generated = generated(&model, &sound);
            quote!(#item #generated)
        }
        Err(error) => {
            let salvage = (item_ok && model.options.valid).then(|| generated(&model, &sound));
            fallback::expand(&model, salvage, error)
        }
    }
}

/// Everything `#[pool_item]` adds after the impl block, for these messages.
pub(crate) fn generated(model: &Model, messages: &[&Message]) -> TokenStream {
    let cx = Context::new(model);
    let parts: Vec<Generated> = messages.iter().map(|m| Generated::new(&cx, m)).collect();
    let per_message = parts.iter().map(|m| m.items(&cx));
    let api = messages::api(&cx, &parts);
    let init = match &model.options.init {
        Some(_) => TokenStream::new(),
        None => item::init(&cx),
    };
    let pool_item = item::pool_item_impl(&cx, &parts);
    quote! {
        #(#per_message)*
        #api
        #init
        #pool_item
    }
}
