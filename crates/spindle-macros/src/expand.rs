//! Generates a pool item's messages and its `PoolItem` impl from a validated [`Model`].

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::visit_mut::VisitMut;
use syn::{FnArg, Ident, Pat, ReturnType, Type};

use crate::fallback;
use crate::parse::{self, Errors, Message, Model};
use crate::validate;

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
    let messages: Vec<Generated> = messages.iter().map(|m| Generated::new(&cx, m)).collect();
    let per_message = messages.iter().map(|m| m.items(&cx));
    let api = api(&cx, &messages);
    let init = match &model.options.init {
        Some(_) => TokenStream::new(),
        None => init(&cx),
    };
    let pool_item = pool_item_impl(&cx, &messages);
    quote! {
        #(#per_message)*
        #api
        #init
        #pool_item
    }
}

/// What every part of the expansion needs.
struct Context<'a> {
    model: &'a Model,
    /// The path to spindle-pool.
    krate: &'a syn::Path,
    /// The implementing type, as written after `impl`.
    self_ty: &'a Type,
    /// Its name as a string, for docs and `PoolItem::name`.
    name: String,
    api: Ident,
    api_response: Ident,
    init: Ident,
}

impl<'a> Context<'a> {
    fn new(model: &'a Model) -> Self {
        // Call-site spans: these names are the macro's, not the user's.
        let name = model.name.to_string();
        Context {
            model,
            krate: &model.options.krate,
            self_ty: &model.item.self_ty,
            api: format_ident!("{name}Api"),
            api_response: format_ident!("{name}ApiResponse"),
            init: format_ident!("{name}Init"),
            name,
        }
    }

    /// `UserSession::log_action`, for docs.
    fn method_path(&self, method: &Ident) -> String {
        format!("{}::{}", self.name, method)
    }
}

/// One message's parts, with `Self` in its types replaced by the implementing type.
struct Generated<'a> {
    message: &'a Message,
    /// The argument types after the receiver: the request's fields after the id.
    arg_types: Vec<Type>,
    /// The argument names for docs (`argument 2` for a pattern).
    arg_names: Vec<String>,
    /// The return type, `None` for `()`.
    output: Option<Type>,
}

impl<'a> Generated<'a> {
    fn new(cx: &Context<'_>, message: &'a Message) -> Self {
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
    fn items(&self, cx: &Context<'_>) -> TokenStream {
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
        quote! {
            #[doc = #request_doc]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
            pub struct #request(pub u64 #(, pub #arg_types)*);

            impl #krate::IdTargeted for #request {
                fn id(&self) -> u64 {
                    self.0
                }
            }

            #[doc = #response_doc]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
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
    fn arm(&self, cx: &Context<'_>) -> TokenStream {
        let Context {
            api, api_response, ..
        } = cx;
        let Message {
            request,
            response,
            sig,
        } = self.message;
        let method = &sig.ident;
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
fn api(cx: &Context<'_>, messages: &[Generated<'_>]) -> TokenStream {
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
    quote! {
        #[doc = #api_doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
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

        #[doc = #api_response_doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
        pub enum #api_response {
            #(
                #[doc = #response_docs]
                #responses(#responses),
            )*
        }
    }
}

/// `{Type}Init`, when no `Init` option names the user's own.
fn init(cx: &Context<'_>) -> TokenStream {
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
fn pool_item_impl(cx: &Context<'_>, messages: &[Generated<'_>]) -> TokenStream {
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

fn is_unit(ty: &Type) -> bool {
    match ty {
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Paren(paren) => is_unit(&paren.elem),
        _ => false,
    }
}

/// Replaces `Self` with the implementing type: the generated structs are outside the impl.
struct ReplaceSelf<'a>(&'a Type);

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

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(args: TokenStream, input: TokenStream) -> String {
        pool_item(args, input).to_string()
    }

    #[test]
    fn replaces_self_in_types() {
        let self_ty: Type = syn::parse_quote! { crate::Item };
        for (before, after) in [
            (quote! { Self }, quote! { crate::Item }),
            (quote! { Vec<Self> }, quote! { Vec<crate::Item> }),
            (
                quote! { Option<(Self, u8)> },
                quote! { Option<(crate::Item, u8)> },
            ),
            (
                quote! { Self::Assoc<Self> },
                quote! { <crate::Item>::Assoc<crate::Item> },
            ),
            (
                quote! { <Self as Trait>::X },
                quote! { <crate::Item as Trait>::X },
            ),
            (quote! { SelfLike }, quote! { SelfLike }),
        ] {
            let mut ty: Type = syn::parse2(before).unwrap();
            ReplaceSelf(&self_ty).visit_type_mut(&mut ty);
            assert_eq!(ty.to_token_stream().to_string(), after.to_string());
        }
    }

    /// Whether `out` has `expected`, spaces aside.
    #[track_caller]
    fn assert_has(out: &str, expected: &[&str]) {
        let out = out.replace(' ', "");
        for expected in expected {
            assert!(
                out.contains(&expected.replace(' ', "")),
                "{expected}\nnot in\n{out}"
            );
        }
    }

    #[track_caller]
    fn assert_lacks(out: &str, unexpected: &[&str]) {
        let out = out.replace(' ', "");
        for unexpected in unexpected {
            assert!(
                !out.contains(&unexpected.replace(' ', "")),
                "{unexpected}\nin\n{out}"
            );
        }
    }

    #[test]
    fn generates_the_seed_example() {
        let out = expand(
            quote!(),
            quote! {
                impl UserSession {
                    pub fn new(id: u64) -> Self { UserSession { id } }
                    #[messaging(LogActionRequest, LogActionResponse)]
                    pub fn log_action(&self, action: String) -> usize { 0 }
                    #[messaging(GetLogRequest, GetLogResponse)]
                    pub fn get_log(&self) -> Vec<String> { Vec::new() }
                }
            },
        );
        assert_has(
            &out,
            &[
                "pub struct LogActionRequest(pub u64, pub String);",
                "pub struct GetLogRequest(pub u64);",
                "pub result: usize,",
                "pub result: Vec<String>,",
                "impl ::spindle_pool::PoolItem for UserSession",
                "type Init = UserSessionInit;",
                "pub struct UserSessionInit(pub u64);",
                "::core::result::Result::Ok(Self::new(init.0))",
                r#"fn name() -> &'static str { "UserSession" }"#,
                "let result = Self::log_action(self, arg0);",
                "Request for `UserSession::log_action`: the item's id, then `action`.",
            ],
        );
        assert_lacks(&out, &["#[messaging(", "shutdown_pool"]);
    }

    #[test]
    fn options() {
        let out = expand(
            quote! { Init = "MyInit", Shutdown = "cleanup", crate = "spindle::pool" },
            quote! {
                impl Item {
                    #[messaging(SetRequest, SetResponse)]
                    fn set(&mut self, a: u8, (b, c): (u8, u8)) {}
                }
            },
        );
        assert_has(
            &out,
            &[
                "type Init = MyInit;",
                "::core::result::Result::Ok(Self::new(init))",
                "fn shutdown_pool(&mut self) -> ::std::vec::Vec<spindle::pool::ThreadShutdownResponse> \
                 { Self::cleanup(self) }",
                "impl spindle::pool::PoolItem for Item",
                "Self::set(self, arg0, arg1); ItemApiResponse::SetResponse(SetResponse { id: id, result: () })",
                "pub result: (),",
                "Request for `Item::set`: the item's id, then `a`, argument 2.",
            ],
        );
        assert_lacks(&out, &["ItemInit", "::spindle_pool"]);
    }

    #[test]
    fn no_messages() {
        let out = expand(
            quote!(),
            quote! { impl Item { fn new(id: u64) -> Self { Item { id } } } },
        );
        assert_has(
            &out,
            &[
                "pub enum ItemApi {}",
                "pub enum ItemApiResponse {}",
                "match *self {}",
                "match request {}",
            ],
        );
    }

    #[test]
    fn errors_fall_back() {
        // A bad method: the impl is kept, the sound message still generated.
        let out = expand(
            quote!(),
            quote! {
                impl Item {
                    #[messaging(GoodRequest, GoodResponse)] fn good(&self) {}
                    #[messaging(BadRequest, BadResponse)] fn bad(self) {}
                }
            },
        );
        assert_has(
            &out,
            &["compile_error", "fn bad(self) {}", "struct GoodRequest"],
        );
        assert_lacks(&out, &["struct BadRequest", "#[messaging("]);

        // A bad option: only the impl block.
        let out = expand(
            quote! { Colour = "blue" },
            quote! { impl Item { #[messaging(GoodRequest, GoodResponse)] fn good(&self) {} } },
        );
        assert_has(&out, &["compile_error", "fn good(&self) {}"]);
        assert_lacks(&out, &["GoodRequest", "#[messaging("]);

        // Not an impl: the item as it was.
        let out = expand(quote!(), quote! { struct Item; });
        assert!(out.starts_with("struct Item ;"), "{out}");
        assert_has(&out, &["compile_error"]);

        // A trait impl: re-emitted without its `#[messaging]`.
        let out = expand(
            quote!(),
            quote! { impl Tr for Item { #[messaging(A, B)] fn f(&self) {} } },
        );
        assert_has(
            &out,
            &["impl Tr for Item { fn f(&self) {} }", "compile_error"],
        );
        assert_lacks(&out, &["#[messaging("]);
    }
}
