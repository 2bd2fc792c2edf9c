//! Per `#[messaging]` method: its request and response structs with their trait impls and its
//! `process_message` arm; and the item's `Api` and `ApiResponse` enums over all of them.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{FnArg, Ident, Pat, ReturnType, Type};

use super::context::{Context, Generics};
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
            generics,
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
        let phantom_doc = match generics.phantom {
            Some(_) => "\n\nThe last field is a `PhantomData`: the item's type parameters.",
            None => "",
        };
        let request_doc = format!("{request_doc}{phantom_doc}");
        let response_doc = format!("Response from `{method}`.");
        let result_doc = format!("What `{method}` returned.");
        let result_ty = match &self.output {
            Some(ty) => ty.to_token_stream(),
            None => quote!(()),
        };
        let Generics {
            params,
            args,
            decl_where,
            ..
        } = generics;
        let impl_where = generics.impl_where();
        let fields: Vec<syn::Index> = (1..=arg_types.len()).map(syn::Index::from).collect();
        let (phantom_field, phantom_value) = (generics.tuple_field(), generics.tuple_value());
        let request_ty = quote!(#request #args);
        let response_ty = quote!(#response #args);
        let request_derives = derives(
            cx,
            &request_ty,
            arg_types,
            quote!(Self(self.0 #(, ::core::clone::Clone::clone(&self.#fields))* #phantom_value)),
            quote!(self.0 == other.0 #(&& self.#fields == other.#fields)*),
            {
                let name = request.to_string();
                quote!(f.debug_tuple(#name).field(&self.0) #(.field(&self.#fields))*.finish())
            },
        );
        let phantom_named_value = generics
            .phantom
            .as_ref()
            .map(|_| quote!(phantom: ::core::marker::PhantomData,));
        let response_derives = derives(
            cx,
            &response_ty,
            std::slice::from_ref(&syn::parse_quote!(#result_ty)),
            quote!(Self {
                id: self.id,
                result: ::core::clone::Clone::clone(&self.result),
                #phantom_named_value
            }),
            quote!(self.id == other.id && self.result == other.result),
            {
                let name = response.to_string();
                quote!(f.debug_struct(#name).field("id", &self.id).field("result", &self.result).finish())
            },
        );
        let phantom_named_field = generics.phantom.as_ref().map(|phantom| {
            quote! {
                /// The item's type parameters.
                pub phantom: #phantom,
            }
        });
        let trr = quote!(#krate::compat::ThreadRequestResponse<#self_ty>);
        let conversions = quote! {
            impl #params ::core::convert::From<#request_ty> for #trr #impl_where {
                fn from(request: #request_ty) -> Self {
                    #krate::compat::ThreadRequestResponse::MessagePoolItem(#api::#request(request))
                }
            }

            impl #params ::core::convert::From<#response_ty> for #trr #impl_where {
                fn from(response: #response_ty) -> Self {
                    #krate::compat::ThreadRequestResponse::MessagePoolItemResponse(
                        #api_response::#response(response),
                    )
                }
            }

            impl #params ::core::convert::From<#trr> for #response_ty #impl_where {
                fn from(response: #trr) -> Self {
                    match response {
                        #krate::compat::ThreadRequestResponse::MessagePoolItemResponse(
                            #api_response::#response(response),
                        ) => response,
                        _ => #krate::__private::wrong_reply::<#request_ty>(),
                    }
                }
            }
        };
        let conversions = super::COMPAT_CONVERSIONS.then_some(conversions);
        quote! {
            #[doc = #request_doc]
            pub struct #request #params (pub u64 #(, pub #arg_types)* #phantom_field) #decl_where;

            #request_derives

            impl #params #krate::IdTargeted for #request_ty #impl_where {
                fn id(&self) -> u64 {
                    self.0
                }
            }

            #response_derives

            #[doc = #response_doc]
            pub struct #response #params #decl_where {
                /// The id of the item that answered.
                pub id: u64,
                #[doc = #result_doc]
                pub result: #result_ty,
                #phantom_named_field
            }

            impl #params #krate::RequestWithResponse<#self_ty> for #request_ty #impl_where {
                type Response = #response_ty;

                fn into_message(self) -> #krate::Message<#self_ty> {
                    #krate::Message::Call(#api::#request(self))
                }

                fn from_reply(reply: #krate::Reply<#self_ty>) -> #response_ty {
                    match reply {
                        #krate::Reply::Call(#api_response::#response(response)) => response,
                        _ => #krate::__private::wrong_reply::<Self>(),
                    }
                }
            }

            impl #params #krate::IntoReply<#self_ty> for #response_ty #impl_where {
                fn into_reply(self) -> #krate::Reply<#self_ty> {
                    #krate::Reply::Call(#api_response::#response(self))
                }
            }

            #conversions
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
        let rest = cx.generics.tuple_pattern();
        let phantom = cx
            .generics
            .phantom
            .as_ref()
            .map(|_| quote!(phantom: ::core::marker::PhantomData,));
        quote! {
            #api::#request(#request(#id #(, #args)* #rest)) => {
                #call
                #api_response::#response(#response { id: #id, result: #result, #phantom })
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
    // A generic item with no messages: its enums would not use the parameters, so they hold
    // them in a variant that cannot be built.
    let phantom = match (&generics.phantom, messages.is_empty()) {
        (Some(phantom), true) => Some(phantom),
        _ => None,
    };
    let phantom_variant = phantom.map(|phantom| {
        quote! {
            #[doc(hidden)]
            __Phantom(::core::convert::Infallible, #phantom),
        }
    });
    let phantom_id = phantom.map(|_| quote!(Self::__Phantom(never, _) => match never {},));
    let api_derives = enum_derives(cx, api, &requests, phantom.is_some());
    let api_response_derives = enum_derives(cx, api_response, &responses, phantom.is_some());
    quote! {
        #api_derives

        #[doc = #api_doc]
        pub enum #api #params #decl_where {
            #(
                #[doc = #request_docs]
                #requests(#requests #args),
            )*
            #phantom_variant
        }

        impl #params #krate::IdTargeted for #api #args #impl_where {
            fn id(&self) -> u64 {
                match *self {
                    #(Self::#requests(ref request) => request.0,)*
                    #phantom_id
                }
            }
        }

        #api_response_derives

        #[doc = #api_response_doc]
        pub enum #api_response #params #decl_where {
            #(
                #[doc = #response_docs]
                #responses(#responses #args),
            )*
            #phantom_variant
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

/// [`derives`] for an enum whose variants each hold the struct of the same name, and the
/// uninhabited `__Phantom` variant when `phantom`.
fn enum_derives(cx: &Context<'_>, name: &Ident, variants: &[&Ident], phantom: bool) -> TokenStream {
    let args = &cx.generics.args;
    let types: Vec<Type> = variants
        .iter()
        .map(|v| syn::parse_quote!(#v #args))
        .collect();
    let never = phantom.then(|| quote!(Self::__Phantom(never, _) => match never {},));
    let names = variants.iter().map(|v| v.to_string());
    derives(
        cx,
        &quote!(#name #args),
        &types,
        quote!(match *self {
            #(Self::#variants(ref v) => Self::#variants(::core::clone::Clone::clone(v)),)*
            #never
        }),
        quote!(match (self, other) {
            #((Self::#variants(a), Self::#variants(b)) => a == b,)*
            #[allow(unreachable_patterns)]
            _ => false,
        }),
        quote!(match *self {
            #(Self::#variants(ref v) => f.debug_tuple(#names).field(v).finish(),)*
            #never
        }),
    )
}

/// `Clone`, `PartialEq` and `Debug` for a generated type, each holding only where its fields'
/// types have the trait (a `for<'__a>` bound, which stable Rust checks where the impl is used,
/// not where it is written): a message may take or return a type without them, such as
/// `PoolError`, and its request and response types still compile, without those traits. Written
/// out rather than derived, since a derive would also demand the trait of every type parameter
/// (`P: Debug`), though only the fields need it and the `PhantomData` has all three for any `P`.
pub(crate) fn derives(
    cx: &Context<'_>,
    ty: &TokenStream,
    fields: &[Type],
    clone: TokenStream,
    eq: TokenStream,
    debug: TokenStream,
) -> TokenStream {
    let params = &cx.generics.params;
    let predicates = &cx.generics.predicates;
    quote! {
        impl #params ::core::clone::Clone for #ty
        where
            #(for<'__a> #fields: ::core::clone::Clone,)*
            #(#predicates,)*
        {
            fn clone(&self) -> Self {
                #clone
            }
        }

        impl #params ::core::cmp::PartialEq for #ty
        where
            #(for<'__a> #fields: ::core::cmp::PartialEq,)*
            #(#predicates,)*
        {
            fn eq(&self, other: &Self) -> bool {
                #eq
            }
        }

        impl #params ::core::fmt::Debug for #ty
        where
            #(for<'__a> #fields: ::core::fmt::Debug,)*
            #(#predicates,)*
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #debug
            }
        }
    }
}
