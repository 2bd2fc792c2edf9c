//! Per `#[messaging]` method: its request and response structs with their trait impls and its
//! `process_message` arm; and the item's `Api` and `ApiResponse` enums over all of them.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{FnArg, Ident, Pat, ReturnType, Type};

use super::context::Context;
use crate::parse::Message;

/// One message's parts, with `Self` in its types replaced by the implementing type.
pub(crate) struct Generated<'a> {
    pub(crate) message: &'a Message,
    /// The argument types after the receiver: the request's fields after the id.
    arg_types: Vec<Type>,
    /// The argument names for docs (`argument 2` for a pattern).
    arg_names: Vec<String>,
    /// The return type, `None` for `()`.
    output: Option<Type>,
}

impl<'a> Generated<'a> {
    pub(crate) fn new(cx: &Context<'_>, message: &'a Message) -> Self {
        let mut arg_types = Vec::new();
        let mut arg_names = Vec::new();
        for (index, input) in message.sig.inputs.iter().skip(1).enumerate() {
            if let FnArg::Typed(arg) = input {
                let mut ty = (*arg.ty).clone();
                ReplaceSelf(cx.self_ty).visit_type_mut(&mut ty);
                arg_types.push(ty);
                arg_names.push(match &*arg.pat {
                    Pat::Ident(pat) => format!("`{}`", pat.ident),
                    _ => format!("argument {}", index + 1),
                });
            }
        }
        let output = match &message.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) if is_unit(ty) => None,
            ReturnType::Type(_, ty) => {
                let mut ty = (**ty).clone();
                ReplaceSelf(cx.self_ty).visit_type_mut(&mut ty);
                Some(ty)
            }
        };
        Generated {
            message,
            arg_types,
            arg_names,
            output,
        }
    }

    /// The request and response structs and their trait impls.
    pub(crate) fn items(&self, cx: &Context<'_>) -> TokenStream {
        let Context {
            krate,
            self_ty,
            api,
            api_response,
            ..
        } = cx;
        let Message {
            request,
            response,
            sig,
        } = self.message;
        let method = cx.method_path(&sig.ident);
        let arg_types = &self.arg_types;
        let request_doc = match self.arg_names.as_slice() {
            [] => format!("Request for `{method}`: the item's id."),
            names => format!(
                "Request for `{method}`: the item's id, then {}.",
                names.join(", ")
            ),
        };
        let response_doc = format!("Response from `{method}`.");
        let result_doc = format!("What `{method}` returned.");
        let result_ty = match &self.output {
            Some(ty) => ty.to_token_stream(),
            None => quote!(()),
        };
        let fields: Vec<syn::Index> = (1..=arg_types.len()).map(syn::Index::from).collect();
        let request_derives = clone_and_eq(
            request,
            arg_types,
            quote!(Self(self.0 #(, ::core::clone::Clone::clone(&self.#fields))*)),
            quote!(self.0 == other.0 #(&& self.#fields == other.#fields)*),
        );
        let response_derives = clone_and_eq(
            response,
            std::slice::from_ref(&syn::parse_quote!(#result_ty)),
            quote!(Self {
                id: self.id,
                result: ::core::clone::Clone::clone(&self.result)
            }),
            quote!(self.id == other.id && self.result == other.result),
        );
        quote! {
            #[doc = #request_doc]
            #[derive(::core::fmt::Debug)]
            pub struct #request(pub u64 #(, pub #arg_types)*);

            #request_derives

            impl #krate::IdTargeted for #request {
                fn id(&self) -> u64 {
                    self.0
                }
            }

            #response_derives

            #[doc = #response_doc]
            #[derive(::core::fmt::Debug)]
            pub struct #response {
                /// The id of the item that answered.
                pub id: u64,
                #[doc = #result_doc]
                pub result: #result_ty,
            }

            impl #krate::RequestWithResponse<#self_ty> for #request {
                type Response = #response;

                fn into_message(self) -> #krate::Message<#self_ty> {
                    #krate::Message::Call(#api::#request(self))
                }

                fn from_reply(reply: #krate::Reply<#self_ty>) -> #response {
                    match reply {
                        #krate::Reply::Call(#api_response::#response(response)) => response,
                        _ => #krate::__private::wrong_reply::<Self>(),
                    }
                }
            }

            impl #krate::IntoReply<#self_ty> for #response {
                fn into_reply(self) -> #krate::Reply<#self_ty> {
                    #krate::Reply::Call(#api_response::#response(self))
                }
            }
        }
    }

    /// `process_message`'s arm for this message.
    pub(crate) fn arm(&self, cx: &Context<'_>) -> TokenStream {
        let (api, api_response) = (&cx.api, &cx.api_response);
        let (request, response) = (&self.message.request, &self.message.response);
        let method = &self.message.sig.ident;
        // Mixed-site: locals of the macro's own, out of reach of the user's names.
        let id = Ident::new("id", Span::mixed_site());
        let result = Ident::new("result", Span::mixed_site());
        let args: Vec<Ident> = (0..self.arg_types.len())
            .map(|i| format_ident!("arg{}", i, span = Span::mixed_site()))
            .collect();
        let call = quote!(Self::#method(self, #(#args),*));
        // A method returning `()` is called as a statement, not bound to a unit `let`.
        let (call, result) = match &self.output {
            Some(_) => (quote!(let #result = #call;), quote!(#result)),
            None => (quote!(#call;), quote!(())),
        };
        quote! {
            #api::#request(#request(#id, #(#args),*)) => {
                #call
                #api_response::#response(#response { id: #id, result: #result })
            }
        }
    }
}

/// The `Api` and `ApiResponse` enums.
pub(crate) fn api(cx: &Context<'_>, messages: &[Generated<'_>]) -> TokenStream {
    let Context {
        krate,
        api,
        api_response,
        name,
        ..
    } = cx;
    let requests: Vec<&Ident> = messages.iter().map(|m| &m.message.request).collect();
    let responses: Vec<&Ident> = messages.iter().map(|m| &m.message.response).collect();
    let request_docs = messages
        .iter()
        .map(|m| format!("Calls `{}`.", cx.method_path(&m.message.sig.ident)));
    let response_docs = messages
        .iter()
        .map(|m| format!("Answers `{}`.", cx.method_path(&m.message.sig.ident)));
    let api_doc = format!(
        "Requests to `{name}` items: one variant per `#[messaging]` method (`PoolItem::Api`)."
    );
    let api_response_doc = format!(
        "Responses from `{name}` items, variant by variant with [`{api}`] \
         (`PoolItem::ApiResponse`)."
    );
    let api_derives = enum_clone_and_eq(api, &requests);
    let api_response_derives = enum_clone_and_eq(api_response, &responses);
    quote! {
        #api_derives

        #[doc = #api_doc]
        #[derive(::core::fmt::Debug)]
        pub enum #api {
            #(
                #[doc = #request_docs]
                #requests(#requests),
            )*
        }

        impl #krate::IdTargeted for #api {
            fn id(&self) -> u64 {
                match *self {
                    #(Self::#requests(ref request) => request.0,)*
                }
            }
        }

        #api_response_derives

        #[doc = #api_response_doc]
        #[derive(::core::fmt::Debug)]
        pub enum #api_response {
            #(
                #[doc = #response_docs]
                #responses(#responses),
            )*
        }
    }
}

fn is_unit(ty: &Type) -> bool {
    match ty {
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Paren(paren) => is_unit(&paren.elem),
        _ => false,
    }
}

/// Replaces `Self` with the implementing type: the generated structs are outside the impl.
pub(crate) struct ReplaceSelf<'a>(pub(crate) &'a Type);

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty {
            if path.qself.is_none() && path.path.leading_colon.is_none() {
                let first = path.path.segments.first();
                if first.is_some_and(|s| s.ident == "Self" && s.arguments.is_none()) {
                    let self_ty = self.0;
                    let rest: Vec<_> = path.path.segments.iter().skip(1).cloned().collect();
                    *ty = if rest.is_empty() {
                        self_ty.clone()
                    } else {
                        let mut replaced: Type = syn::parse_quote!(<#self_ty>::placeholder);
                        if let Type::Path(replaced) = &mut replaced {
                            replaced.path.segments = rest.into_iter().collect();
                        }
                        replaced
                    };
                    // The segments kept may mention `Self` again (`Self::A<Self>`).
                    if let Type::Path(path) = ty {
                        for segment in &mut path.path.segments {
                            self.visit_path_arguments_mut(&mut segment.arguments);
                        }
                    }
                    return;
                }
            }
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// [`clone_and_eq`] for an enum whose variants each hold the struct of the same name.
fn enum_clone_and_eq(name: &Ident, variants: &[&Ident]) -> TokenStream {
    let types: Vec<Type> = variants.iter().map(|v| syn::parse_quote!(#v)).collect();
    clone_and_eq(
        name,
        &types,
        quote!(match *self { #(Self::#variants(ref v) => Self::#variants(::core::clone::Clone::clone(v)),)* }),
        quote!(match (self, other) {
            #((Self::#variants(a), Self::#variants(b)) => a == b,)*
            #[allow(unreachable_patterns)]
            _ => false,
        }),
    )
}

/// `Clone` and `PartialEq` for a generated type, holding only where its fields' types have them
/// (a `for<'__a>` bound, which stable Rust checks where the impl is used, not where it is
/// written): a message may take or return a type without them, such as `PoolError`, and its
/// request and response types still compile, without those two traits.
fn clone_and_eq(name: &Ident, fields: &[Type], clone: TokenStream, eq: TokenStream) -> TokenStream {
    quote! {
        impl ::core::clone::Clone for #name
        where
            #(for<'__a> #fields: ::core::clone::Clone,)*
        {
            fn clone(&self) -> Self {
                #clone
            }
        }

        impl ::core::cmp::PartialEq for #name
        where
            #(for<'__a> #fields: ::core::cmp::PartialEq,)*
        {
            fn eq(&self, other: &Self) -> bool {
                #eq
            }
        }
    }
}
