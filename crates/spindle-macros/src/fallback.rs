//! What `#[pool_item]` emits when the input has errors: the user's code as it was (less the
//! `#[messaging]` attributes, which nothing else would resolve) and a `compile_error!` per
//! error, so the build reports the misuse and not a cascade of errors it causes. When the impl
//! block itself is sound, the messages without errors are still generated, so code that uses
//! them (and an IDE) keeps working while the user fixes the others.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use crate::parse::Model;

/// The input could not become a model (not an inherent impl of a named type).
pub(crate) fn unparsed(input: TokenStream, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    let item = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Impl(mut item)) => {
            strip_messaging(&mut item);
            item.into_token_stream()
        }
        _ => input,
    };
    quote!(#item #error)
}

/// The model had errors; `salvage` is what could still be generated, if anything.
pub(crate) fn expand(
    model: &Model,
    salvage: Option<TokenStream>,
    error: syn::Error,
) -> TokenStream {
    let item = &model.item;
    let error = error.into_compile_error();
    quote!(#item #salvage #error)
}

/// Removes `#[messaging]` from every item of the impl (a trait impl's, here).
fn strip_messaging(item: &mut syn::ItemImpl) {
    for impl_item in &mut item.items {
        let attrs = match impl_item {
            syn::ImplItem::Fn(f) => &mut f.attrs,
            syn::ImplItem::Const(c) => &mut c.attrs,
            syn::ImplItem::Type(t) => &mut t.attrs,
            syn::ImplItem::Macro(m) => &mut m.attrs,
            _ => continue,
        };
        attrs.retain(|attr| !attr.path().is_ident("messaging"));
    }
}
