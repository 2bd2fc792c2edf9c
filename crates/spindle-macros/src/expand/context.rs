//! [`Context`]: what every part of the expansion needs.

use quote::format_ident;
use syn::{Ident, Type};

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
            name,
        }
    }

    /// `UserSession::log_action`, for docs.
    pub(crate) fn method_path(&self, method: &Ident) -> String {
        format!("{}::{}", self.name, method)
    }
}
