//! The registry: what the cross-thread handles name by number, kept on the runtime's thread.
//!
//! A [`Remote`](crate::Remote) or a [`Waker`](crate::Waker) is `Send`, but what it reaches (an
//! actor's cell, a waker's handler) is `Rc`-based and stays on the runtime's thread. So a handle
//! carries a [`SlotKey`], and the runtime looks the slot up here when the handle's letter
//! arrives. A freed slot gets a new generation before it is reused, so the letter of a stale
//! handle finds nothing rather than the actor that took its slot over (`tests/bad_input.rs`).
//!
//! No method here runs user code (a closure, or the `Drop` of user data): each moves a value
//! in, moves one out and hands it back, or clones an `Rc`/`Arc`. That is what lets the runtime's
//! [`Shared`](crate::runtime::shared::Shared) call them through a reference into its cell
//! (invariant SH1 there); the caller drops what comes back once that reference is gone.

use std::any::Any;
use std::rc::Rc;

use spindle_utils::sync::Arc;
use spindle_utils::sync::atomic::AtomicBool;

use crate::fwd::Fwd;

/// A slot and the generation it had when a handle was made for it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct SlotKey {
    index: u32,
    generation: u32,
}

impl SlotKey {
    /// A key no slot ever has: the handle of an actor that had stopped before it was made.
    pub(crate) const NONE: SlotKey = SlotKey {
        index: u32::MAX,
        generation: 0,
    };
}

/// What a registered waker's letters reach: its handler, and the flag its handles share (the
/// coalescing protocol is in `remote/waker.rs`).
#[derive(Clone)]
pub(crate) struct WakerEntry {
    pub(crate) handler: Fwd<()>,
    pub(crate) pending: Arc<AtomicBool>,
}

/// The actors that have a `Remote` (by their type-erased cell) and the wakers of one runtime.
#[derive(Default)]
pub(crate) struct Registry {
    actors: Slots<Rc<dyn Any>>,
    wakers: Slots<WakerEntry>,
}

impl Registry {
    /// Registers an actor's cell; its handles carry the key.
    pub(crate) fn insert_actor(&mut self, cell: Rc<dyn Any>) -> SlotKey {
        self.actors.insert(cell)
    }

    /// The actor's cell registered under `key`, if the slot still has that generation.
    pub(crate) fn actor(&self, key: SlotKey) -> Option<Rc<dyn Any>> {
        self.actors.get(key).cloned()
    }

    /// Unregisters an actor, handing its entry back for the caller to drop.
    #[must_use]
    pub(crate) fn remove_actor(&mut self, key: SlotKey) -> Option<Rc<dyn Any>> {
        self.actors.remove(key)
    }

    /// Registers a waker; its handles carry the slot's index (a waker's slot is freed only by
    /// its own last handle's letter, so the index alone cannot go stale).
    pub(crate) fn insert_waker(&mut self, entry: WakerEntry) -> u32 {
        self.wakers.insert(entry).index
    }

    /// A clone of the waker in slot `index`.
    pub(crate) fn waker(&self, index: u32) -> Option<WakerEntry> {
        self.wakers.get(self.wakers.key_of(index)?).cloned()
    }

    /// Unregisters the waker in slot `index`, handing its entry back for the caller to drop.
    #[must_use]
    pub(crate) fn remove_waker(&mut self, index: u32) -> Option<WakerEntry> {
        self.wakers.remove(self.wakers.key_of(index)?)
    }

    /// Every entry, for the runtime's teardown (which drops each on its own).
    pub(crate) fn into_entries(self) -> (Vec<Rc<dyn Any>>, Vec<WakerEntry>) {
        (self.actors.into_values(), self.wakers.into_values())
    }
}

/// A generational slab: values by slot; a freed slot is reused under a new generation.
struct Slots<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slots<T> {
    fn insert(&mut self, value: T) -> SlotKey {
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            slot.value = Some(value); // the slot is vacant: nothing is dropped
            return SlotKey {
                index,
                generation: slot.generation,
            };
        }
        let index = u32::try_from(self.slots.len())
            .ok()
            .filter(|&i| i != SlotKey::NONE.index)
            .expect("fewer than 2^32 - 1 registered handles");
        self.slots.push(Slot {
            generation: 0,
            value: Some(value),
        });
        SlotKey {
            index,
            generation: 0,
        }
    }

    /// The key slot `index` has now, if it is occupied.
    fn key_of(&self, index: u32) -> Option<SlotKey> {
        let slot = self.slots.get(index as usize)?;
        slot.value.as_ref()?;
        Some(SlotKey {
            index,
            generation: slot.generation,
        })
    }

    fn get(&self, key: SlotKey) -> Option<&T> {
        let slot = self.slots.get(key.index as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        slot.value.as_ref()
    }

    fn remove(&mut self, key: SlotKey) -> Option<T> {
        let slot = self.slots.get_mut(key.index as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        let value = slot.value.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(key.index);
        Some(value)
    }

    fn into_values(self) -> Vec<T> {
        self.slots
            .into_iter()
            .filter_map(|slot| slot.value)
            .collect()
    }
}
