//! Checks a [`Model`] before expansion: whatever would make the generated code fail to compile
//! (or compile into something surprising) is reported here, on the token the user must change.
//! Expansion itself never finds a user error.

use std::collections::HashMap;

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{FnArg, Ident, ReturnType, Signature, Type};

use crate::parse::{Errors, Message, Model};

/// Checks the impl block as a whole: type parameters (with bounds and `where` clauses) are
/// fine, since every generated type takes them too; lifetime and const parameters are not.
/// Returns whether it passed: if not, nothing can be generated for it.
pub(crate) fn item(model: &Model, errors: &mut Errors) -> bool {
    let mut ok = true;
    for param in &model.item.generics.params {
        match param {
            syn::GenericParam::Type(_) => {}
            syn::GenericParam::Lifetime(lifetime) => {
                errors.push(syn::Error::new_spanned(
                    lifetime,
                    "`#[pool_item]` doesn't support lifetime parameters: a pool item lives on a \
                     pool thread for as long as the pool, so it and its messages are `'static`",
                ));
                ok = false;
            }
            syn::GenericParam::Const(constant) => {
                errors.push(syn::Error::new_spanned(
                    constant,
                    "`#[pool_item]` doesn't support const parameters: use a type parameter \
                     (a marker type with an associated const) or a concrete value",
                ));
                ok = false;
            }
        }
    }
    ok
}

/// Checks each `#[messaging]` method's signature and that all the names it asks for are
/// distinct. Returns the messages with no error of their own, the first of any two that share
/// a name included: what the fallback can still generate.
pub(crate) fn messages<'a>(model: &'a Model, errors: &mut Errors) -> Vec<&'a Message> {
    let mut sound: Vec<&Message> = Vec::new();
    let mut names = Names::new(model);
    for message in &model.messages {
        let sig_ok = signature(message, errors);
        let names_ok = names.claim(message, errors);
        if sig_ok && names_ok {
            sound.push(message);
        }
    }
    sound
}

/// The type names taken so far: generated ones first, then each message's.
struct Names {
    taken: HashMap<String, String>,
}

impl Names {
    fn new(model: &Model) -> Self {
        let name = &model.name;
        let mut taken = HashMap::new();
        taken.insert(name.to_string(), "the pool item itself".to_owned());
        taken.insert(
            format!("{name}Api"),
            "the generated request enum".to_owned(),
        );
        taken.insert(
            format!("{name}ApiResponse"),
            "the generated response enum".to_owned(),
        );
        if model.options.init.is_none() {
            taken.insert(
                format!("{name}Init"),
                "the generated init request".to_owned(),
            );
        }
        Self { taken }
    }

    /// Takes the message's two names, or reports which is already taken, and by what.
    fn claim(&mut self, message: &Message, errors: &mut Errors) -> bool {
        let method = &message.sig.ident;
        let mut ok = true;
        for (ident, role) in [
            (&message.request, "request"),
            (&message.response, "response"),
        ] {
            let name = ident.to_string();
            if matches!(name.as_str(), "Self" | "self" | "crate" | "super") {
                errors.push(syn::Error::new_spanned(
                    ident,
                    format!("`{name}` can't name a type: choose a name for the {role} struct"),
                ));
                ok = false;
                continue;
            }
            if let Some(owner) = self.taken.get(&name) {
                errors.push(syn::Error::new_spanned(
                    ident,
                    format!(
                        "`{name}` is already the name of {owner}: each request and response \
                         needs a name of its own"
                    ),
                ));
                ok = false;
                continue;
            }
            self.taken.insert(name, format!("the {role} of `{method}`"));
        }
        ok
    }
}

/// Checks one method's signature: a plain `&self`/`&mut self` method with owned argument and
/// return types. Returns whether it passed.
fn signature(message: &Message, errors: &mut Errors) -> bool {
    let sig = &message.sig;
    let mut local = Errors::default();
    if let Some(asyncness) = &sig.asyncness {
        local.push(syn::Error::new_spanned(
            asyncness,
            "a `#[messaging]` method can't be `async`: the pool thread calls it and sends back \
             what it returns",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        local.push(syn::Error::new_spanned(
            unsafety,
            "a `#[messaging]` method can't be `unsafe`: the generated code would call it with \
             no way to uphold its contract",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        local.push(syn::Error::new_spanned(
            &sig.generics,
            "a `#[messaging]` method can't be generic: its arguments and result become fields \
             of the request and response structs, which need concrete types",
        ));
    }
    receiver(sig, &mut local);
    for input in sig.inputs.iter().skip(1) {
        if let FnArg::Typed(arg) = input {
            owned(&arg.ty, Position::Argument(&message.request), &mut local);
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        owned(ty, Position::Result(&message.response), &mut local);
    }
    let ok = local.is_empty();
    if let Err(error) = local.finish() {
        errors.push(error);
    }
    ok
}

/// The method must take `&self` or `&mut self` (also written `self: &Self`, `self: &mut Self`).
fn receiver(sig: &Signature, errors: &mut Errors) {
    let method = &sig.ident;
    match sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => {
            let by_reference = match &*receiver.ty {
                Type::Reference(reference) => is_self(&reference.elem),
                _ => false,
            };
            if by_reference {
                return;
            }
            let message = if receiver.colon_token.is_none() {
                format!(
                    "`#[messaging]` method `{method}` takes `self` by value, which would consume \
                     the pool item: take `&self` or `&mut self`"
                )
            } else {
                format!(
                    "`#[messaging]` method `{method}` must take `&self` or `&mut self`: the pool \
                     keeps the item and lends it to each call"
                )
            };
            errors.push(syn::Error::new_spanned(receiver, message));
        }
        first => {
            let span = match first {
                Some(arg) => arg.span(),
                None => sig.paren_token.span.join(),
            };
            errors.push(syn::Error::new(
                span,
                format!(
                    "`#[messaging]` method `{method}` has no `self`: a message is answered by a \
                     pool item, so take `&self` or `&mut self` first"
                ),
            ));
        }
    }
}

fn is_self(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path.qself.is_none() && path.path.is_ident("Self"),
        Type::Paren(paren) => is_self(&paren.elem),
        Type::Group(group) => is_self(&group.elem),
        _ => false,
    }
}

/// Where a type ends up, for the error message.
#[derive(Clone, Copy)]
enum Position<'a> {
    /// An argument: a field of this request.
    Argument(&'a Ident),
    /// The return type: the `result` of this response.
    Result(&'a Ident),
}

/// Checks that a type can be a field of a generated struct that crosses threads: no borrowed
/// data (references and lifetimes other than `'static`) and no `impl Trait`.
fn owned(ty: &Type, position: Position<'_>, errors: &mut Errors) {
    let mut visitor = Borrows {
        position,
        errors,
        higher_ranked: 0,
    };
    visitor.visit_type(ty);
}

struct Borrows<'a, 'e> {
    position: Position<'a>,
    errors: &'e mut Errors,
    /// Inside `fn(&T)`, `Fn(&T)` or `for<'a>`: lifetimes there are bound, not borrowed.
    higher_ranked: usize,
}

impl Borrows<'_, '_> {
    fn borrowed(&mut self, tokens: &dyn ToTokens) {
        let message = match self.position {
            Position::Argument(request) => format!(
                "a `#[messaging]` argument can't borrow: it becomes a field of `{request}`, \
                 which is sent to the item's thread; take an owned type (`String` for `&str`, \
                 `Vec<T>` for `&[T]`) or a `&'static` one"
            ),
            Position::Result(response) => format!(
                "a `#[messaging]` method can't return a borrow: the result becomes a field of \
                 `{response}`, which is sent back from the item's thread; return an owned value"
            ),
        };
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    fn in_higher_ranked(&mut self, visit: impl FnOnce(&mut Self)) {
        self.higher_ranked += 1;
        visit(self);
        self.higher_ranked -= 1;
    }
}

impl<'ast> Visit<'ast> for Borrows<'_, '_> {
    fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
        let is_static = reference
            .lifetime
            .as_ref()
            .is_some_and(|l| l.ident == "static");
        if self.higher_ranked == 0 && !is_static {
            self.borrowed(reference);
            return;
        }
        syn::visit::visit_type_reference(self, reference);
    }

    fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
        if self.higher_ranked == 0 && lifetime.ident != "static" {
            self.borrowed(lifetime);
        }
    }

    fn visit_type_impl_trait(&mut self, impl_trait: &'ast syn::TypeImplTrait) {
        let message = match self.position {
            Position::Argument(request) => format!(
                "a `#[messaging]` argument can't be `impl Trait`: it becomes a field of \
                 `{request}`, which needs a concrete type"
            ),
            Position::Result(response) => format!(
                "a `#[messaging]` method can't return `impl Trait`: the result becomes a field \
                 of `{response}`, which needs a concrete type"
            ),
        };
        self.errors
            .push(syn::Error::new_spanned(impl_trait, message));
    }

    fn visit_type_never(&mut self, never: &'ast syn::TypeNever) {
        if let Position::Result(_) = self.position {
            self.errors.push(syn::Error::new_spanned(
                never,
                "a `#[messaging]` method must return: the caller waits for its response",
            ));
        }
    }

    fn visit_type_bare_fn(&mut self, bare_fn: &'ast syn::TypeBareFn) {
        self.in_higher_ranked(|this| syn::visit::visit_type_bare_fn(this, bare_fn));
    }

    fn visit_parenthesized_generic_arguments(
        &mut self,
        args: &'ast syn::ParenthesizedGenericArguments,
    ) {
        self.in_higher_ranked(|this| syn::visit::visit_parenthesized_generic_arguments(this, args));
    }

    fn visit_trait_bound(&mut self, bound: &'ast syn::TraitBound) {
        if bound.lifetimes.is_some() {
            self.in_higher_ranked(|this| syn::visit::visit_trait_bound(this, bound));
        } else {
            syn::visit::visit_trait_bound(self, bound);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use proc_macro2::TokenStream;
    use quote::quote;

    /// The errors for `input`, and the names of the messages that would still be generated.
    fn check(args: TokenStream, input: TokenStream) -> (Vec<String>, Vec<String>) {
        let mut errors = Errors::default();
        let model = parse::model(args, input, &mut errors).unwrap_or_else(|e| panic!("{e}"));
        assert!(errors.is_empty());
        item(&model, &mut errors);
        let sound = messages(&model, &mut errors)
            .iter()
            .map(|m| m.request.to_string())
            .collect();
        let errors = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        (errors, sound)
    }

    fn method_errors(method: TokenStream) -> Vec<String> {
        let (errors, _) = check(
            quote!(),
            quote! { impl Item { #[messaging(Req, Resp)] #method } },
        );
        errors
    }

    #[test]
    fn plain_methods_pass() {
        for method in [
            quote! { fn get(&self) -> u32 { 0 } },
            quote! { pub fn set(&mut self, value: String, (a, b): (u8, u8), _: Vec<u8>) {} },
            quote! {
                fn typed(self: &mut Self, key: &'static str) -> Option<Box<dyn Fn(&str) -> &str>> {
                    None
                }
            },
            quote! { fn hr(self: &Self, f: fn(&u8) -> &u8, g: Box<dyn for<'a> Fn(&'a u8)>) {} },
            quote! { const fn c(&self) -> Self { Self { id: 0 } } },
        ] {
            assert_eq!(
                method_errors(method.clone()),
                Vec::<String>::new(),
                "{method}"
            );
        }
    }

    #[test]
    fn receivers() {
        let no_self = "`#[messaging]` method `f` has no `self`: a message is answered by a pool \
                       item, so take `&self` or `&mut self` first";
        assert_eq!(method_errors(quote! { fn f() {} }), [no_self]);
        assert_eq!(method_errors(quote! { fn f(x: u32) {} }), [no_self]);
        let by_value = "`#[messaging]` method `f` takes `self` by value, which would consume the \
                        pool item: take `&self` or `&mut self`";
        assert_eq!(method_errors(quote! { fn f(self) {} }), [by_value]);
        assert_eq!(method_errors(quote! { fn f(mut self) {} }), [by_value]);
        let other = "`#[messaging]` method `f` must take `&self` or `&mut self`: the pool keeps \
                     the item and lends it to each call";
        assert_eq!(method_errors(quote! { fn f(self: Box<Self>) {} }), [other]);
        assert_eq!(method_errors(quote! { fn f(self: &Rc<Self>) {} }), [other]);
    }

    #[test]
    fn borrowed_and_opaque_types() {
        let arg = "a `#[messaging]` argument can't borrow";
        let ret = "a `#[messaging]` method can't return a borrow";
        for (method, expected) in [
            (quote! { fn f(&self, s: &str) {} }, arg),
            (quote! { fn f(&self, s: Vec<&mut u8>) {} }, arg),
            (quote! { fn f(&self, s: Cow<'_, str>) {} }, arg),
            (quote! { fn f(&self, s: Box<dyn Send + 'a>) {} }, arg),
            (quote! { fn f(&self) -> &str { "" } }, ret),
            (
                quote! { fn f(&self, s: impl Into<String>) {} },
                "a `#[messaging]` argument can't be `impl Trait`",
            ),
            (
                quote! { fn f(&self) -> impl Send {} },
                "a `#[messaging]` method can't return `impl Trait`",
            ),
            (
                quote! { fn f(&self) -> ! { loop {} } },
                "a `#[messaging]` method must return",
            ),
        ] {
            let errors = method_errors(method.clone());
            assert_eq!(errors.len(), 1, "{method}: {errors:?}");
            assert!(errors[0].starts_with(expected), "{method}: {errors:?}");
        }
    }

    #[test]
    fn async_unsafe_generic_all_reported() {
        let errors = method_errors(quote! { async unsafe fn f<T>(self, t: &T) {} });
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].contains("can't be `async`"));
        assert!(errors[1].contains("can't be `unsafe`"));
        assert!(errors[2].contains("can't be generic"));
        assert!(errors[3].contains("by value"));
        assert!(errors[4].contains("can't borrow"));
    }

    #[test]
    fn type_parameters_pass_lifetimes_and_consts_do_not() {
        let (errors, _) = check(quote!(), quote! { impl<T: Send> Item<T> where T: Clone {} });
        assert!(errors.is_empty(), "{errors:?}");
        let (errors, _) = check(quote!(), quote! { impl Item<u32> {} });
        assert!(errors.is_empty(), "{errors:?}");
        let (errors, _) = check(
            quote!(),
            quote! { impl<'a, T, const N: usize> Item<'a, T, N> {} },
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("`#[pool_item]` doesn't support lifetime parameters"));
        assert!(errors[1].starts_with("`#[pool_item]` doesn't support const parameters"));
    }

    #[test]
    fn duplicate_names() {
        let (errors, sound) = check(
            quote!(),
            quote! {
                impl Item {
                    #[messaging(ARequest, AResponse)] fn a(&self) {}
                    #[messaging(ARequest, BResponse)] fn b(&self) {}
                    #[messaging(CRequest, AResponse)] fn c(&self) {}
                    #[messaging(DRequest, DRequest)] fn d(&self) {}
                    #[messaging(ItemApi, EResponse)] fn e(&self) {}
                    #[messaging(ItemInit, FResponse)] fn f(&self) {}
                    #[messaging(GRequest, Self)] fn g(&self) {}
                    #[messaging(HRequest, HResponse)] fn h(self) {}
                }
            },
        );
        let expected = [
            "`ARequest` is already the name of the request of `a`: each request and response needs a name of its own",
            "`AResponse` is already the name of the response of `a`: each request and response needs a name of its own",
            "`DRequest` is already the name of the request of `d`: each request and response needs a name of its own",
            "`ItemApi` is already the name of the generated request enum: each request and response needs a name of its own",
            "`ItemInit` is already the name of the generated init request: each request and response needs a name of its own",
            "`Self` can't name a type: choose a name for the response struct",
        ];
        assert_eq!(errors[..expected.len()], expected);
        assert_eq!(errors.len(), expected.len() + 1);
        assert_eq!(sound, ["ARequest"]);

        // With a custom Init, `{Type}Init` is free.
        let (errors, sound) = check(
            quote! { Init = "Custom" },
            quote! { impl Item { #[messaging(ItemInit, R)] fn f(&self) {} } },
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(sound, ["ItemInit"]);
    }
}
