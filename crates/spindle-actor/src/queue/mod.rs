//! How calls are stored. `flat.rs` is the runtime's call queue: closures back to back in one
//! reused buffer; `small_call.rs` is one closure kept inline, the element of the timer slab and
//! the idle queue. Both are generic over the context `C` a call receives (the runtime's
//! `Core`), so they know nothing of actors or runtimes; both are unsafe containers, with their
//! invariants written at the top of their file.

pub(crate) mod flat;
pub(crate) mod small_call;
