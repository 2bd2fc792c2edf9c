//! The item's own parts: its `Init` request (unless the user names one) and `impl PoolItem`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::Type;

use super::context::{Context, Generics};
use super::messages::Generated;

/// `{Type}Init`, when no `Init` option names the user's own.
pub(crate) fn init(cx: &Context<'_>) -> TokenStream {
    let Context {
        krate,
        self_ty,
        init,
        name,
        generics,
        ..
    } = cx;
    let Generics {
        params,
        args,
        decl_where,
        ..
    } = generics;
    let impl_where = generics.impl_where();
    let (phantom_field, phantom_value) = (generics.tuple_field(), generics.tuple_value());
    let doc = match generics.phantom {
        None => format!("Creates the `{name}` item with this id, by calling `{name}::new(id)`."),
        Some(_) => format!(
            "Creates the `{name}` item with this id, by calling `{name}::new(id)`; the \
             `PhantomData` stands for the item's type parameters."
        ),
    };
    let init_ty = quote!(#init #args);
    let derives = super::messages::derives(
        cx,
        &init_ty,
        &[],
        quote!(Self(self.0 #phantom_value)),
        quote!(self.0 == other.0),
        {
            let name = init.to_string();
            quote!(f.debug_tuple(#name).field(&self.0).finish())
        },
    );
    let trr = quote!(#krate::compat::ThreadRequestResponse<#self_ty>);
    let conversions = quote! {
        impl #params ::core::convert::From<#init_ty> for #trr #impl_where {
            fn from(init: #init_ty) -> Self {
                #krate::compat::ThreadRequestResponse::AddPoolItem(
                    #krate::compat::RequestResponse::Request(init),
                )
            }
        }
    };
    let conversions = super::COMPAT_CONVERSIONS.then_some(conversions);
    quote! {
        #[doc = #doc]
        pub struct #init #params (pub u64 #phantom_field) #decl_where;

        #derives

        impl #params #krate::IdTargeted for #init_ty #impl_where {
            fn id(&self) -> u64 {
                self.0
            }
        }

        impl #params #krate::RequestWithResponse<#self_ty> for #init_ty #impl_where {
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

        #conversions
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
        generics,
        ..
    } = cx;
    let (params, args) = (&generics.params, &generics.args);
    let impl_where = generics.impl_where();
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
            (
                quote!(#init #args),
                quote_spanned!(span=> Self::new(init.0)),
            )
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
    let phantom_arm = (generics.phantom.is_some() && messages.is_empty())
        .then(|| quote!(#api::__Phantom(never, _) => match never {},));
    quote! {
        impl #params #krate::PoolItem for #self_ty #impl_where {
            type Init = #init_ty;
            type Api = #api #args;
            type ApiResponse = #api_response #args;

            fn new_pool_item(
                init: #init_ty,
            ) -> ::core::result::Result<Self, #krate::NewPoolItemError> {
                ::core::result::Result::Ok(#new_pool_item)
            }

            fn process_message(&mut self, request: #api #args) -> #api_response #args {
                match request {
                    #(#arms)*
                    #phantom_arm
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
