//! The item's own parts: its `Init` request (unless the user names one) and `impl PoolItem`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::Type;

use super::context::Context;
use super::messages::Generated;

/// `{Type}Init`, when no `Init` option names the user's own.
pub(crate) fn init(cx: &Context<'_>) -> TokenStream {
    let Context {
        krate,
        self_ty,
        init,
        name,
        ..
    } = cx;
    let doc = format!("Creates the `{name}` item with this id, by calling `{name}::new(id)`.");
    quote! {
        #[doc = #doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
        pub struct #init(pub u64);

        impl #krate::IdTargeted for #init {
            fn id(&self) -> u64 {
                self.0
            }
        }

        impl #krate::RequestWithResponse<#self_ty> for #init {
            type Response = #krate::AddResponse;

            fn into_message(self) -> #krate::Message<#self_ty> {
                #krate::Message::Add(self)
            }

            fn from_reply(reply: #krate::Reply<#self_ty>) -> #krate::AddResponse {
                match reply {
                    #krate::Reply::Added(added) => added,
                    _ => #krate::__private::wrong_reply::<Self>(),
                }
            }
        }
    }
}

/// `impl PoolItem for Type`.
pub(crate) fn pool_item_impl(cx: &Context<'_>, messages: &[Generated<'_>]) -> TokenStream {
    let Context {
        model,
        krate,
        self_ty,
        api,
        api_response,
        name,
        ..
    } = cx;
    // Spanned on what the user wrote, so a missing or mismatched `new` or shutdown method is
    // reported there rather than on the attribute.
    let (init_ty, new_pool_item) = match &model.options.init {
        Some(init) => {
            let span = init_span(init);
            (
                init.to_token_stream(),
                quote_spanned!(span=> Self::new(init)),
            )
        }
        None => {
            let init = &cx.init;
            let span = model.name.span();
            (quote!(#init), quote_spanned!(span=> Self::new(init.0)))
        }
    };
    let shutdown = model.options.shutdown.as_ref().map(|method| {
        quote! {
            fn shutdown_pool(&mut self) -> ::std::vec::Vec<#krate::ThreadShutdownResponse> {
                Self::#method(self)
            }
        }
    });
    let arms = messages.iter().map(|m| m.arm(cx));
    quote! {
        impl #krate::PoolItem for #self_ty {
            type Init = #init_ty;
            type Api = #api;
            type ApiResponse = #api_response;

            fn new_pool_item(
                init: #init_ty,
            ) -> ::core::result::Result<Self, #krate::NewPoolItemError> {
                ::core::result::Result::Ok(#new_pool_item)
            }

            fn process_message(&mut self, request: #api) -> #api_response {
                match request {
                    #(#arms)*
                }
            }

            #shutdown

            fn name() -> &'static str {
                #name
            }
        }
    }
}

/// The span of the `Init` option's type (its first token: one for a string literal).
fn init_span(init: &Type) -> Span {
    init.to_token_stream()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}
