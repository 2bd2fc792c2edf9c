//! Where the generated code finds spindle-pool when `#[pool_item]` has no `crate = ".."`.
//!
//! The item's crate may depend on spindle-pool, on the facade package `spindlekit` (whose
//! library is named `spindle`, with spindle-pool at `spindle::pool`), or on either under a name
//! of its own (`sk = { package = "spindlekit", .. }`). [`proc_macro_crate`] reads the manifest of
//! the crate being compiled (`CARGO_MANIFEST_DIR/Cargo.toml`) and gives the name each package is
//! known by there; [`choose`] turns those answers into a path, and stays a pure function so the
//! choice is unit-tested without a manifest.

use proc_macro_crate::FoundCrate;
use proc_macro2::Span;
use syn::{Ident, Path, parse_quote};

/// spindle-pool's package name.
const POOL: &str = "spindle-pool";
/// The facade's package name.
const FACADE: &str = "spindlekit";
/// The facade's library name: what code writes when the dependency is not renamed.
const FACADE_LIB: &str = "spindle";

/// The path to spindle-pool for the crate being compiled now.
pub(crate) fn path() -> Path {
    choose(
        proc_macro_crate::crate_name(POOL).ok(),
        // Only asked when spindle-pool itself is not a dependency.
        || proc_macro_crate::crate_name(FACADE).ok(),
    )
}

/// spindle-pool first, then the facade; `::spindle_pool` when neither is in the manifest, so
/// the compiler's "unresolved" error names the crate the user should add.
fn choose(pool: Option<FoundCrate>, facade: impl FnOnce() -> Option<FoundCrate>) -> Path {
    match pool {
        // `Itself` comes back for spindle-pool's own lib *and* its doctests (proc-macro-crate
        // tells integration tests apart, through `CARGO_TARGET_TMPDIR`, but not doctests). A
        // doctest is another crate, where `crate::` would be wrong; the lib does not use the
        // macro on itself, so `::spindle_pool` is right in both places.
        Some(FoundCrate::Itself) => parse_quote!(::spindle_pool),
        Some(FoundCrate::Name(name)) => {
            let name = ident(&name);
            parse_quote!(::#name)
        }
        None => match facade() {
            // The facade's own doctests (its lib does not use the macro either).
            Some(FoundCrate::Itself) => facade_pool(FACADE_LIB),
            // Not renamed: the dependency's key is the package name, but code names the
            // library, `spindle`.
            Some(FoundCrate::Name(name)) if name == FACADE => facade_pool(FACADE_LIB),
            Some(FoundCrate::Name(name)) => facade_pool(&name),
            None => parse_quote!(::spindle_pool),
        },
    }
}

/// `::{facade}::pool`.
fn facade_pool(facade: &str) -> Path {
    let facade = ident(facade);
    parse_quote!(::#facade::pool)
}

/// proc-macro-crate hands back names already made identifiers (`-` as `_`).
fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn text(path: Path) -> String {
        path.to_token_stream().to_string().replace(' ', "")
    }

    fn name(name: &str) -> Option<FoundCrate> {
        Some(FoundCrate::Name(name.to_owned()))
    }

    #[test]
    fn spindle_pool_wins_and_keeps_its_name() {
        let facade_not_asked = || -> Option<FoundCrate> { panic!("facade looked up") };
        assert_eq!(
            text(choose(name("spindle_pool"), facade_not_asked)),
            "::spindle_pool"
        );
        assert_eq!(text(choose(name("pool"), facade_not_asked)), "::pool");
        assert_eq!(
            text(choose(Some(FoundCrate::Itself), facade_not_asked)),
            "::spindle_pool"
        );
    }

    #[test]
    fn the_facade_by_its_library_name_or_its_new_name() {
        assert_eq!(text(choose(None, || name("spindlekit"))), "::spindle::pool");
        assert_eq!(text(choose(None, || name("sk"))), "::sk::pool");
        assert_eq!(
            text(choose(None, || Some(FoundCrate::Itself))),
            "::spindle::pool"
        );
    }

    #[test]
    fn neither_falls_back_to_spindle_pool() {
        assert_eq!(text(choose(None, || None)), "::spindle_pool");
    }

    #[test]
    fn this_crates_manifest_has_neither() {
        // spindle-macros depends on neither (no dev-dependency cycle), so its own tests see the
        // fallback; the expansion tests rely on it.
        assert_eq!(text(path()), "::spindle_pool");
    }
}
