//! The expansion's output, checked as text: each case expands one input and names what the
//! output must and must not contain (spaces aside).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Type;
use syn::visit_mut::VisitMut;

use super::messages::ReplaceSelf;
use super::pool_item;

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

/// One expansion: `#[pool_item(args)]` on `input`, and what its output has and lacks.
struct Case {
    what: &'static str,
    args: TokenStream,
    input: TokenStream,
    has: &'static [&'static str],
    lacks: &'static [&'static str],
}

/// Expands each case and checks its output, spaces aside; returns the outputs.
#[track_caller]
fn check(cases: Vec<Case>) -> Vec<String> {
    cases
        .into_iter()
        .map(|case| {
            let out = pool_item(case.args, case.input).to_string();
            let flat = out.replace(' ', "");
            for expected in case.has {
                let found = flat.contains(&expected.replace(' ', ""));
                assert!(found, "{}: {expected}\nnot in\n{out}", case.what);
            }
            for unexpected in case.lacks {
                let found = flat.contains(&unexpected.replace(' ', ""));
                assert!(!found, "{}: {unexpected}\nin\n{out}", case.what);
            }
            out
        })
        .collect()
}

#[test]
fn generates_the_items_code() {
    check(vec![
        Case {
            what: "the seed example",
            args: quote!(),
            input: quote! {
                impl UserSession {
                    pub fn new(id: u64) -> Self { UserSession { id } }
                    #[messaging(LogActionRequest, LogActionResponse)]
                    pub fn log_action(&self, action: String) -> usize { 0 }
                    #[messaging(GetLogRequest, GetLogResponse)]
                    pub fn get_log(&self) -> Vec<String> { Vec::new() }
                }
            },
            has: &[
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
            lacks: &["#[messaging(", "shutdown_pool"],
        },
        Case {
            what: "every option",
            args: quote! { Init = "MyInit", Shutdown = "cleanup", crate = "spindle::pool" },
            input: quote! {
                impl Item {
                    #[messaging(SetRequest, SetResponse)]
                    fn set(&mut self, a: u8, (b, c): (u8, u8)) {}
                }
            },
            has: &[
                "type Init = MyInit;",
                "::core::result::Result::Ok(Self::new(init))",
                "fn shutdown_pool(&mut self) -> ::std::vec::Vec<spindle::pool::ThreadShutdownResponse> \
                 { Self::cleanup(self) }",
                "impl spindle::pool::PoolItem for Item",
                "Self::set(self, arg0, arg1); ItemApiResponse::SetResponse(SetResponse { id: id, result: (), })",
                "pub result: (),",
                "Request for `Item::set`: the item's id, then `a`, argument 2.",
            ],
            lacks: &["ItemInit", "::spindle_pool"],
        },
        Case {
            what: "a generic impl: every generated type takes its parameters",
            args: quote! { Init = "BatchInit<P>" },
            input: quote! {
                impl<P: Pools> Batch<P> where P: Clone {
                    pub fn new(init: BatchInit<P>) -> Self { Batch::open(init) }
                    #[messaging(SumRequest, SumResponse)]
                    pub fn sum(&self, pool: P::Pool) -> u64 { 0 }
                }
            },
            has: &[
                "pub struct SumRequest<P: Pools>(pub u64, pub P::Pool, \
                 pub ::core::marker::PhantomData<fn() -> P>) where P: Clone;",
                "pub struct SumResponse<P: Pools> where P: Clone {",
                "pub phantom: ::core::marker::PhantomData<fn() -> P>,",
                "impl<P: Pools> ::spindle_pool::PoolItem for Batch<P> where P: Clone, {",
                "type Api = BatchApi<P>;",
                "impl<P: Pools> ::spindle_pool::RequestWithResponse<Batch<P>> for SumRequest<P> \
                 where P: Clone, {",
                "type Response = SumResponse<P>;",
                "BatchApi::SumRequest(SumRequest(id, arg0, _)) =>",
                "SumResponse { id: id, result: result, phantom: ::core::marker::PhantomData, }",
                "pub enum BatchApi<P: Pools> where P: Clone { #[doc = \"Calls `Batch::sum`.\"] \
                 SumRequest(SumRequest<P>), }",
            ],
            lacks: &["__Phantom", "BatchInit(pub"],
        },
        Case {
            what: "a generic impl with no messages: the enums hold the parameters",
            args: quote!(),
            input: quote! { impl<A, B> Pair<A, B> { fn new(id: u64) -> Self { Pair::empty(id) } } },
            has: &[
                "pub struct PairInit<A, B>(pub u64, pub ::core::marker::PhantomData<fn() -> (A, B)>);",
                "__Phantom(::core::convert::Infallible, ::core::marker::PhantomData<fn() -> (A, B)>),",
                "PairApi::__Phantom(never, _) => match never {},",
                "type Init = PairInit<A, B>;",
            ],
            lacks: &[],
        },
        Case {
            what: "no messages",
            args: quote!(),
            input: quote! { impl Item { fn new(id: u64) -> Self { Item { id } } } },
            has: &[
                "pub enum ItemApi {}",
                "pub enum ItemApiResponse {}",
                "match *self {}",
                "match request {}",
            ],
            lacks: &[],
        },
    ]);
}

#[test]
fn errors_fall_back() {
    let outs = check(vec![
        Case {
            what: "a bad method: the impl is kept, the sound message still generated",
            args: quote!(),
            input: quote! {
                impl Item {
                    #[messaging(GoodRequest, GoodResponse)] fn good(&self) {}
                    #[messaging(BadRequest, BadResponse)] fn bad(self) {}
                }
            },
            has: &["compile_error", "fn bad(self) {}", "struct GoodRequest"],
            lacks: &["struct BadRequest", "#[messaging("],
        },
        Case {
            what: "a bad option: only the impl block",
            args: quote! { Colour = "blue" },
            input: quote! { impl Item { #[messaging(GoodRequest, GoodResponse)] fn good(&self) {} } },
            has: &["compile_error", "fn good(&self) {}"],
            lacks: &["GoodRequest", "#[messaging("],
        },
        Case {
            what: "not an impl: the item as it was",
            args: quote!(),
            input: quote! { struct Item; },
            has: &["compile_error"],
            lacks: &[],
        },
        Case {
            what: "a trait impl: re-emitted without its `#[messaging]`",
            args: quote!(),
            input: quote! { impl Tr for Item { #[messaging(A, B)] fn f(&self) {} } },
            has: &["impl Tr for Item { fn f(&self) {} }", "compile_error"],
            lacks: &["#[messaging("],
        },
    ]);
    assert!(outs[2].starts_with("struct Item ;"), "{}", outs[2]);
}
