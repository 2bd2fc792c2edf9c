//! [`Context`]: what every part of the expansion needs, the impl's generics included.
//!
//! A generic impl (`impl<P: Bound> Batch<P>`) makes every generated type generic over all of
//! the impl's type parameters, with their bounds, as messaging_thread_pool does: a request of
//! `Batch<P>` is `SumRequest<P>` even when the method's arguments never mention `P`, so that
//! each request names the one item type it belongs to (`RequestWithResponse<Batch<P>>`). A
//! parameter a type would not otherwise use is held by a last `PhantomData` field (`phantom`
//! in the structs with named fields). Its type is `PhantomData<fn() -> P>`, not
//! `PhantomData<P>`: requests and responses cross threads whatever `P` is, and a function
//! pointer is `Send` and `Sync` whatever `P` is, so the field adds no auto-trait bound on `P`.
//! Users write the field as `PhantomData` and never name its type.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::{Ident, Type, WherePredicate, parse_quote};

use crate::parse::Model;

/// What every part of the expansion needs.
pub(crate) struct Context<'a> {
    pub(crate) model: &'a Model,
    /// The path to spindle-pool.
    pub(crate) krate: &'a syn::Path,
    /// The implementing type, as written after `impl`.
    pub(crate) self_ty: &'a Type,
    /// Its name as a string, for docs and `PoolItem::name`.
    pub(crate) name: String,
    pub(crate) api: Ident,
    pub(crate) api_response: Ident,
    pub(crate) init: Ident,
    /// The generics of every generated type and impl.
    pub(crate) generics: Generics,
}

/// The impl's type parameters, as the generated code writes them. All empty for a plain impl.
pub(crate) struct Generics {
    /// `<P: Bound, Q>`: after a generated type's name in its declaration, and after `impl`.
    pub(crate) params: TokenStream,
    /// `<P, Q>`: after a generated type's name where it is used.
    pub(crate) args: TokenStream,
    /// The impl's own `where` clause, for the declarations.
    pub(crate) decl_where: TokenStream,
    /// The impl's own `where` predicates, which every generated impl repeats. Nothing is
    /// added: the pool's traits ask no `'static` of an item or its messages (only a running
    /// pool does, `ItemPool<P>` for `P: 'static`), so code the user writes about the item, such
    /// as a hand-written `Init`'s `RequestWithResponse` impl, needs no bound the impl block
    /// does not have.
    pub(crate) predicates: Vec<WherePredicate>,
    /// `PhantomData<fn() -> (P, Q)>`, when there are parameters.
    pub(crate) phantom: Option<Type>,
}

impl Generics {
    fn new(generics: &syn::Generics) -> Self {
        let params: Vec<&Ident> = generics.type_params().map(|p| &p.ident).collect();
        if generics.params.is_empty() {
            return Generics {
                params: TokenStream::new(),
                args: TokenStream::new(),
                decl_where: TokenStream::new(),
                predicates: Vec::new(),
                phantom: None,
            };
        }
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        let predicates: Vec<WherePredicate> = where_clause
            .map(|w| w.predicates.iter().cloned().collect())
            .unwrap_or_default();
        let phantom: Type = match params.as_slice() {
            [one] => parse_quote!(::core::marker::PhantomData<fn() -> #one>),
            many => parse_quote!(::core::marker::PhantomData<fn() -> (#(#many),*)>),
        };
        Generics {
            params: impl_generics.to_token_stream(),
            args: ty_generics.to_token_stream(),
            decl_where: where_clause.to_token_stream(),
            predicates,
            phantom: Some(phantom),
        }
    }

    /// `where` and the generated impls' predicates, or nothing.
    pub(crate) fn impl_where(&self) -> TokenStream {
        let predicates = &self.predicates;
        if predicates.is_empty() {
            TokenStream::new()
        } else {
            quote!(where #(#predicates,)*)
        }
    }

    /// `, pub PhantomData<..>` after a tuple struct's fields, when generic.
    pub(crate) fn tuple_field(&self) -> TokenStream {
        match &self.phantom {
            Some(phantom) => quote!(, pub #phantom),
            None => TokenStream::new(),
        }
    }

    /// `, ::core::marker::PhantomData` after a tuple struct's values, when generic.
    pub(crate) fn tuple_value(&self) -> TokenStream {
        match &self.phantom {
            Some(_) => quote!(, ::core::marker::PhantomData),
            None => TokenStream::new(),
        }
    }

    /// `, _` after a tuple struct pattern's fields, when generic.
    pub(crate) fn tuple_pattern(&self) -> TokenStream {
        match &self.phantom {
            Some(_) => quote!(, _),
            None => TokenStream::new(),
        }
    }
}

impl<'a> Context<'a> {
    pub(crate) fn new(model: &'a Model) -> Self {
        // Call-site spans: these names are the macro's, not the user's.
        let name = model.name.to_string();
        Context {
            model,
            krate: &model.options.krate,
            self_ty: &model.item.self_ty,
            api: format_ident!("{name}Api"),
            api_response: format_ident!("{name}ApiResponse"),
            init: format_ident!("{name}Init"),
            generics: Generics::new(&model.item.generics),
            name,
        }
    }

    /// `UserSession::log_action`, for docs.
    pub(crate) fn method_path(&self, method: &Ident) -> String {
        format!("{}::{}", self.name, method)
    }
}
