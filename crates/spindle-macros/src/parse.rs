//! Turns `#[pool_item(..)]`'s options and the impl block into a [`Model`].
//!
//! Parsing stops only where no model can be built (the item is not an inherent impl of a named
//! type); every other problem is pushed onto [`Errors`] and parsing goes on, so one build
//! reports all of them. A `#[messaging]` attribute that doesn't parse is still stripped from its
//! method, so the fallback never leaves an attribute the compiler can't resolve.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, ImplItem, ItemImpl, LitStr, Meta, Path, Signature, Token, Type};

/// The impl block `#[pool_item]` sits on, with what it asks for.
pub(crate) struct Model {
    /// The impl block as the user wrote it, less its `#[messaging]` attributes.
    pub(crate) item: ItemImpl,
    /// The last segment of the implementing type's path: `UserSession`.
    pub(crate) name: Ident,
    /// The `#[pool_item(..)]` options.
    pub(crate) options: Options,
    /// The `#[messaging]` methods, in order.
    pub(crate) messages: Vec<Message>,
}

/// `#[pool_item(Init = "..", Shutdown = "..", crate = "..")]`.
pub(crate) struct Options {
    /// `Init`: the user's own init request, replacing the generated `{Type}Init`.
    pub(crate) init: Option<Type>,
    /// `Shutdown`: the method `shutdown_pool` calls.
    pub(crate) shutdown: Option<Ident>,
    /// `crate`: the path to spindle-pool; found in the item crate's manifest by default
    /// ([`crate::runtime`]).
    pub(crate) krate: Path,
    /// Whether every option parsed: if not, the defaults standing in for a bad one could
    /// generate code the user didn't ask for, so nothing is generated.
    pub(crate) valid: bool,
}

/// One `#[messaging(Request, Response)]` method.
pub(crate) struct Message {
    /// The request struct's name.
    pub(crate) request: Ident,
    /// The response struct's name.
    pub(crate) response: Ident,
    /// The method's signature.
    pub(crate) sig: Signature,
}

/// Errors collected on the way, combined into one `syn::Error` at the end.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }

    /// Ends with a last error: all of them, combined.
    pub(crate) fn fail(&mut self, error: syn::Error) -> syn::Error {
        match self.0.take() {
            Some(mut first) => {
                first.combine(error);
                first
            }
            None => error,
        }
    }
}

/// The attribute `#[pool_item]` reads on methods.
const MESSAGING: &str = "messaging";

/// Builds the model, pushing the errors that don't prevent it onto `errors`. Fails, with all
/// errors so far, when the item can't be a model.
pub(crate) fn model(
    args: TokenStream,
    input: TokenStream,
    errors: &mut Errors,
) -> syn::Result<Model> {
    let mut option_errors = Errors::default();
    let mut options = options(args, &mut option_errors);
    options.valid = option_errors.is_empty();
    if let Err(error) = option_errors.finish() {
        errors.push(error);
    }
    let item = match syn::parse2::<syn::Item>(input) {
        Ok(syn::Item::Impl(item)) => item,
        Ok(other) => {
            return Err(errors.fail(syn::Error::new(item_keyword_span(&other), NOT_AN_IMPL)));
        }
        Err(error) => return Err(errors.fail(error)),
    };
    let mut item = item;
    let messages = messages(&mut item, errors);
    if let Some((bang, path, for_token)) = &item.trait_ {
        let span = quote::quote!(#bang #path #for_token);
        return Err(errors.fail(syn::Error::new_spanned(span, TRAIT_IMPL)));
    }
    let Some(name) = type_name(&item.self_ty) else {
        return Err(errors.fail(syn::Error::new_spanned(&item.self_ty, NOT_A_NAMED_TYPE)));
    };
    Ok(Model {
        item,
        name,
        options,
        messages,
    })
}

const NOT_AN_IMPL: &str = "`#[pool_item]` goes on an impl block: `#[pool_item] impl MyItem { .. }`";
const TRAIT_IMPL: &str = "`#[pool_item]` goes on an inherent impl block (`impl MyItem { .. }`), \
     not on a trait impl";
const NOT_A_NAMED_TYPE: &str = "`#[pool_item]` needs a struct or enum named by a path here, \
     as in `impl MyItem { .. }`";

/// The span of the keyword that says what the item is (`struct`, `fn`, ..), else the whole item.
fn item_keyword_span(item: &syn::Item) -> Span {
    match item {
        syn::Item::Struct(s) => s.struct_token.span,
        syn::Item::Enum(e) => e.enum_token.span,
        syn::Item::Union(u) => u.union_token.span,
        syn::Item::Fn(f) => f.sig.fn_token.span,
        syn::Item::Trait(t) => t.trait_token.span,
        syn::Item::Mod(m) => m.mod_token.span,
        syn::Item::Const(c) => c.const_token.span,
        syn::Item::Static(s) => s.static_token.span,
        syn::Item::Type(t) => t.type_token.span,
        other => other.span(),
    }
}

/// The name the generated items are derived from: the last segment of a plain path type.
fn type_name(ty: &Type) -> Option<Ident> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .map(|segment| segment.ident.clone()),
        Type::Paren(paren) => type_name(&paren.elem),
        Type::Group(group) => type_name(&group.elem),
        _ => None,
    }
}

/// Parses `Init = "T"`, `Shutdown = "f"` and `crate = "path"` (each also without quotes).
fn options(args: TokenStream, errors: &mut Errors) -> Options {
    let mut init = None;
    let mut shutdown = None;
    let mut krate = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("Init") {
            set(
                &mut init,
                &meta,
                errors,
                Type::parse,
                "a type, as in `Init = \"MyInit\"`",
            )
        } else if meta.path.is_ident("Shutdown") {
            set(&mut shutdown, &meta, errors, Ident::parse, METHOD_NAME)
        } else if meta.path.is_ident("crate") {
            set(&mut krate, &meta, errors, Path::parse_mod_style, CRATE_PATH)
        } else {
            errors.push(unknown_option(&meta.path));
            skip_value(&meta)
        }
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    Options {
        init,
        shutdown,
        krate: krate.unwrap_or_else(crate::runtime::path),
        valid: true,
    }
}

const METHOD_NAME: &str = "a method name, as in `Shutdown = \"cleanup\"`";
const CRATE_PATH: &str = "a path, as in `crate = \"spindle::pool\"`";

fn unknown_option(key: &Path) -> syn::Error {
    let hint = match key.get_ident().map(Ident::to_string).as_deref() {
        Some("init") => "; did you mean `Init`?",
        Some("shutdown") => "; did you mean `Shutdown`?",
        _ => "",
    };
    let name = quote::ToTokens::to_token_stream(key)
        .to_string()
        .replace(' ', "");
    syn::Error::new_spanned(
        key,
        format!(
            "unknown `#[pool_item]` option `{name}`{hint}\n\
             expected `Init = \"MyInit\"`, `Shutdown = \"cleanup\"` or `crate = \"spindle::pool\"`"
        ),
    )
}

/// Reads `= value` (a string literal holding `T`, or `T` itself) into `slot`; a second value
/// for the same key is an error. A bad string is reported and skipped; bad tokens end parsing,
/// since there is no telling where the next option starts.
fn set<T>(
    slot: &mut Option<T>,
    meta: &syn::meta::ParseNestedMeta<'_>,
    errors: &mut Errors,
    parser: fn(ParseStream<'_>) -> syn::Result<T>,
    expected: &str,
) -> syn::Result<()> {
    let key = meta
        .path
        .get_ident()
        .map(Ident::to_string)
        .unwrap_or_default();
    if !meta.input.peek(Token![=]) {
        return Err(syn::Error::new_spanned(
            &meta.path,
            format!("expected `{key} = ..` (the option needs a value)"),
        ));
    }
    let input = meta.value()?;
    let value = if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        match lit.parse_with(parser) {
            Ok(value) => value,
            Err(_) => {
                errors.push(syn::Error::new(lit.span(), format!("expected {expected}")));
                return Ok(());
            }
        }
    } else {
        parser(input)
            .map_err(|error| syn::Error::new(error.span(), format!("expected {expected}")))?
    };
    if slot.is_some() {
        errors.push(syn::Error::new_spanned(
            &meta.path,
            format!("duplicate `#[pool_item]` option `{key}`"),
        ));
    } else {
        *slot = Some(value);
    }
    Ok(())
}

/// Consumes an unknown option's `= value` or `(..)`, if any, so the options after it still parse.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// Strips every `#[messaging]` attribute from the impl block, reading the ones on methods.
fn messages(item: &mut ItemImpl, errors: &mut Errors) -> Vec<Message> {
    let mut messages = Vec::new();
    for impl_item in &mut item.items {
        let (attrs, sig) = match impl_item {
            ImplItem::Fn(method) => (&mut method.attrs, Some(&method.sig)),
            ImplItem::Const(c) => (&mut c.attrs, None),
            ImplItem::Type(t) => (&mut t.attrs, None),
            ImplItem::Macro(m) => (&mut m.attrs, None),
            _ => continue,
        };
        let mut found: Vec<Attribute> = Vec::new();
        attrs.retain(|attr| {
            let is_messaging = attr.path().is_ident(MESSAGING);
            if is_messaging {
                found.push(attr.clone());
            }
            !is_messaging
        });
        let Some(sig) = sig else {
            for attr in &found {
                errors.push(syn::Error::new_spanned(
                    attr,
                    "`#[messaging]` goes on a method (`fn`) of the impl block",
                ));
            }
            continue;
        };
        for extra in found.iter().skip(1) {
            errors.push(syn::Error::new_spanned(
                extra,
                format!(
                    "duplicate `#[messaging]` on `{}`: a method answers one request",
                    sig.ident
                ),
            ));
        }
        if let Some(attr) = found.first() {
            match names(attr) {
                Ok((request, response)) => messages.push(Message {
                    request,
                    response,
                    sig: sig.clone(),
                }),
                Err(error) => errors.push(error),
            }
        }
    }
    messages
}

const MESSAGING_USAGE: &str = "expected `#[messaging(RequestName, ResponseName)]`, \
     as in `#[messaging(LogActionRequest, LogActionResponse)]`";

/// Reads `#[messaging(Request, Response)]`.
fn names(attr: &Attribute) -> syn::Result<(Ident, Ident)> {
    let list = match &attr.meta {
        Meta::List(list) => list,
        Meta::Path(_) | Meta::NameValue(_) => {
            return Err(syn::Error::new_spanned(attr, MESSAGING_USAGE));
        }
    };
    let names = list.parse_args_with(Punctuated::<Name, Token![,]>::parse_terminated)?;
    let mut idents = Vec::new();
    let mut errors = Errors::default();
    for name in &names {
        match &name.0 {
            Ok(ident) => idents.push(ident.clone()),
            Err(error) => errors.push(error.clone()),
        }
    }
    errors.finish()?;
    match idents.as_slice() {
        [request, response] => Ok((request.clone(), response.clone())),
        [] => Err(syn::Error::new_spanned(attr, MESSAGING_USAGE)),
        [request] => Err(syn::Error::new_spanned(
            request,
            format!(
                "`#[messaging]` needs a response name too: `#[messaging({request}, {})]`",
                response_for(request),
            ),
        )),
        [_, _, extra @ ..] => Err(syn::Error::new_spanned(
            quote::quote!(#(#extra),*),
            "`#[messaging]` takes two names, the request's and the response's",
        )),
    }
}

/// One name in `#[messaging(..)]`: an identifier, or why it isn't one.
struct Name(syn::Result<Ident>);

impl Parse for Name {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            return Ok(Name(Err(syn::Error::new_spanned(
                &lit,
                format!(
                    "expected a name, not a string: write `{}` without quotes",
                    lit.value()
                ),
            ))));
        }
        let ty: Type = input.parse()?;
        let name = match &ty {
            Type::Path(path) if path.qself.is_none() => match path.path.get_ident() {
                Some(ident) => Ok(ident.clone()),
                None if path.path.segments.len() == 1 => Err(syn::Error::new_spanned(
                    &path.path.segments[0].arguments,
                    "expected a plain name: the generated types can't be generic",
                )),
                None => Err(syn::Error::new_spanned(
                    path,
                    "expected a plain name, not a path: the macro defines this type here",
                )),
            },
            other => Err(syn::Error::new_spanned(other, "expected a type name")),
        };
        Ok(Name(name))
    }
}

/// `FooRequest` → `FooResponse`, otherwise `{name}Response`: the hint for a missing response.
fn response_for(request: &Ident) -> String {
    let request = request.to_string();
    match request.strip_suffix("Request") {
        Some(stem) => format!("{stem}Response"),
        None => format!("{request}Response"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(args: TokenStream, input: TokenStream) -> (Option<Model>, Vec<String>) {
        let mut errors = Errors::default();
        let (model, errors) = match model(args, input, &mut errors) {
            Ok(model) => (Some(model), errors.finish()),
            Err(error) => (None, Err(error)),
        };
        let messages = match errors {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        (model, messages)
    }

    fn text(tokens: &impl quote::ToTokens) -> String {
        tokens.to_token_stream().to_string().replace(' ', "")
    }

    #[test]
    fn reads_messages_and_strips_their_attributes() {
        let (model, errors) = parse(
            quote!(),
            quote! {
                impl Counter {
                    pub fn new(id: u64) -> Self { Self { id, n: 0 } }
                    #[messaging(AddRequest, AddResponse)]
                    #[inline]
                    pub fn add(&mut self, by: u32, times: u32) -> u32 { 0 }
                    #[messaging(GetRequest, GetResponse,)]
                    pub fn get(&self) -> u32 { self.n }
                }
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
        let model = model.unwrap();
        assert_eq!(model.name, "Counter");
        let names: Vec<_> = model
            .messages
            .iter()
            .map(|m| {
                (
                    m.request.to_string(),
                    m.response.to_string(),
                    m.sig.ident.to_string(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("AddRequest".into(), "AddResponse".into(), "add".into()),
                ("GetRequest".into(), "GetResponse".into(), "get".into())
            ]
        );
        let item = quote::ToTokens::to_token_stream(&model.item).to_string();
        assert!(!item.contains("messaging"), "{item}");
        assert!(item.contains("inline"), "{item}");
        assert_eq!(text(&model.options.krate), "::spindle_pool");
    }

    #[test]
    fn options_as_strings_or_tokens() {
        let input = quote! { impl Item {} };
        for args in [
            quote! { Init = "MyInit", Shutdown = "cleanup", crate = "spindle::pool" },
            quote! { Init = MyInit, Shutdown = cleanup, crate = spindle::pool },
        ] {
            let (model, errors) = parse(args, input.clone());
            assert!(errors.is_empty(), "{errors:?}");
            let options = model.unwrap().options;
            assert_eq!(text(&options.init), "MyInit");
            assert_eq!(options.shutdown.unwrap(), "cleanup");
            assert_eq!(text(&options.krate), "spindle::pool");
            assert!(options.valid);
        }
        let (model, errors) = parse(quote! { Init = "my::Init<u32>" }, input);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(text(&model.unwrap().options.init), "my::Init<u32>");
    }

    #[test]
    fn bad_options_are_all_reported() {
        let (model, errors) = parse(
            quote! { init = "A", Init = "B", Init = "C", Colour = blue, Shutdown = "a.b" },
            quote! { impl Item {} },
        );
        assert!(!model.unwrap().options.valid);
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors[0].starts_with("unknown `#[pool_item]` option `init`; did you mean `Init`?")
        );
        assert_eq!(errors[1], "duplicate `#[pool_item]` option `Init`");
        assert!(errors[2].starts_with("unknown `#[pool_item]` option `Colour`"));
        assert_eq!(
            errors[3],
            "expected a method name, as in `Shutdown = \"cleanup\"`"
        );
    }

    #[test]
    fn option_without_value() {
        let (_, errors) = parse(quote! { Init }, quote! { impl Item {} });
        assert_eq!(errors, ["expected `Init = ..` (the option needs a value)"]);
    }

    #[test]
    fn not_an_inherent_impl() {
        let (model, errors) = parse(quote!(), quote! { pub struct Item; });
        assert!(model.is_none());
        assert_eq!(errors, [NOT_AN_IMPL]);
        let (model, errors) = parse(quote!(), quote! { impl Clone for Item {} });
        assert!(model.is_none());
        assert_eq!(errors, [TRAIT_IMPL]);
        let (model, errors) = parse(quote!(), quote! { impl [u8] {} });
        assert!(model.is_none());
        assert_eq!(errors, [NOT_A_NAMED_TYPE]);
    }

    #[test]
    fn bad_messaging_attributes() {
        let cases = [
            (quote! { #[messaging] }, MESSAGING_USAGE.to_owned()),
            (quote! { #[messaging = "A"] }, MESSAGING_USAGE.to_owned()),
            (quote! { #[messaging()] }, MESSAGING_USAGE.to_owned()),
            (
                quote! { #[messaging(GetRequest)] },
                "`#[messaging]` needs a response name too: `#[messaging(GetRequest, GetResponse)]`"
                    .to_owned(),
            ),
            (
                quote! { #[messaging(A, B, C)] },
                "`#[messaging]` takes two names, the request's and the response's".to_owned(),
            ),
            (
                quote! { #[messaging(a::A, B)] },
                "expected a plain name, not a path: the macro defines this type here".to_owned(),
            ),
            (
                quote! { #[messaging("A", B)] },
                "expected a name, not a string: write `A` without quotes".to_owned(),
            ),
            (
                quote! { #[messaging(A<u8>, B)] },
                "expected a plain name: the generated types can't be generic".to_owned(),
            ),
            (
                quote! { #[messaging(&A, B)] },
                "expected a type name".to_owned(),
            ),
            (quote! { #[messaging(A B)] }, "expected `,`".to_owned()),
        ];
        for (attr, expected) in cases {
            let (model, errors) = parse(
                quote!(),
                quote! { impl Item { #attr fn get(&self) -> u32 { 0 } } },
            );
            assert_eq!(errors, [expected], "{attr}");
            let model = model.unwrap();
            assert!(model.messages.is_empty());
            let item = quote::ToTokens::to_token_stream(&model.item).to_string();
            assert!(!item.contains("messaging"), "{item}");
        }
    }

    #[test]
    fn messaging_off_methods_and_twice() {
        let (model, errors) = parse(
            quote!(),
            quote! {
                impl Item {
                    #[messaging(A, B)]
                    const X: u32 = 1;
                    #[messaging(C, D)]
                    #[messaging(E, F)]
                    fn get(&self) {}
                }
            },
        );
        assert_eq!(
            errors,
            [
                "`#[messaging]` goes on a method (`fn`) of the impl block",
                "duplicate `#[messaging]` on `get`: a method answers one request",
            ]
        );
        let model = model.unwrap();
        assert_eq!(model.messages.len(), 1);
        assert_eq!(model.messages[0].request, "C");
    }
}
