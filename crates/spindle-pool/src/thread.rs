//! A pool thread: owns its items in an id map, answers batches until its inbox closes, then
//! runs every item's shutdown hook.

use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::panic::{AssertUnwindSafe, catch_unwind};

use spindle_queue::Queue;

use crate::error::PoolError;
use crate::hasher::IdMap;
use crate::item::{
    AddResponse, IdTargeted, Message, PoolItem, RemovePoolItemResponse, Reply,
    ThreadShutdownResponse,
};
use crate::job::{Envelope, spin_until};
use crate::primitive::pool_local;

pool_local! {
    /// The pool this thread serves (its address), so calls from inside the pool are refused.
    static SERVING: Cell<usize> = Cell::new(0);
}

/// True when the current thread is one of the threads of the pool identified by `pool`.
pub(crate) fn serving(pool: usize) -> bool {
    SERVING.with(Cell::get) == pool
}

/// The main loop of pool thread `index`.
pub(crate) fn run<P: PoolItem>(
    index: usize,
    pool: usize,
    inbox: &Queue<Envelope<P>>,
) -> ThreadShutdownResponse {
    SERVING.with(|s| s.set(pool));
    let mut items: IdMap<P> = IdMap::default();
    loop {
        // Spin a little before parking: the next batch of a busy caller is usually on its way.
        let envelope = match inbox.pop() {
            Some(envelope) => envelope,
            None if spin_until(|| !inbox.is_empty()) => continue,
            // Drains what was queued before the close, then ends.
            None => match inbox.pop_blocking() {
                Ok(envelope) => envelope,
                Err(_) => break,
            },
        };
        envelope.process(|message| answer(&mut items, message));
    }
    shut_down(index, items)
}

/// Answers one request; a panicking item is removed and reported, never takes the thread down.
fn answer<P: PoolItem>(items: &mut IdMap<P>, message: Message<P>) -> Result<Reply<P>, PoolError> {
    match message {
        Message::Call(request) => {
            let id = request.id();
            let item = items.get_mut(&id).ok_or(PoolError::UnknownId(id))?;
            match catch_unwind(AssertUnwindSafe(|| item.process_message(request))) {
                Ok(response) => Ok(Reply::Call(response)),
                Err(payload) => {
                    let message = panic_message(&*payload);
                    drop_payload(payload);
                    discard(items.remove(&id));
                    Err(PoolError::ItemPanicked { id, message })
                }
            }
        }
        Message::Add(init) => {
            let id = init.id();
            // Checked before the constructor runs: a duplicate builds nothing.
            let Entry::Vacant(slot) = items.entry(id) else {
                return Err(PoolError::DuplicateId(id));
            };
            match catch_unwind(AssertUnwindSafe(|| P::new_pool_item(init))) {
                Ok(Ok(item)) => {
                    slot.insert(item);
                    Ok(Reply::Added(AddResponse::new(id)))
                }
                Ok(Err(e)) => Err(PoolError::NewItem {
                    id,
                    message: e.error_message,
                }),
                Err(payload) => Err(PoolError::ItemPanicked {
                    id,
                    message: panic_message(&*payload),
                }),
            }
        }
        Message::Remove(remove) => {
            let id = remove.id();
            let item = items.remove(&id);
            let existed = item.is_some();
            discard(item);
            Ok(Reply::Removed(RemovePoolItemResponse::new(id, existed)))
        }
    }
}

/// Drops an item, containing a panic in its `Drop`.
fn discard<P>(item: Option<P>) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(item))) {
        drop_payload(payload);
    }
}

/// Drops a panic payload, containing a panic in its own `Drop`. The second payload that such
/// a drop raises is dropped too when it is a message (`&str` or `String`, which cannot panic);
/// any other kind is forgotten, since dropping it could panic again, forever.
fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        match again.downcast::<&'static str>().map(drop) {
            Ok(()) => {}
            Err(again) => match again.downcast::<String>().map(drop) {
                Ok(()) => {}
                Err(unknown) => std::mem::forget(unknown),
            },
        }
    }
}

/// Runs every item's shutdown hook, in id order, on this thread.
fn shut_down<P: PoolItem>(index: usize, items: IdMap<P>) -> ThreadShutdownResponse {
    let mut items: Vec<(u64, P)> = items.into_iter().collect();
    items.sort_unstable_by_key(|(id, _)| *id);
    let mut ids = Vec::with_capacity(items.len());
    let mut panicked = Vec::new();
    let mut children = Vec::new();
    for (id, mut item) in items {
        ids.push(id);
        // The hook and the drop are contained separately, so a `Drop` that panics after the
        // hook returned does not lose the hook's reports.
        match catch_unwind(AssertUnwindSafe(|| item.shutdown_pool())) {
            Ok(reports) => children.extend(reports),
            Err(payload) => {
                panicked.push((id, panic_message(&*payload)));
                drop_payload(payload);
            }
        }
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(item))) {
            panicked.push((id, panic_message(&*payload)));
            drop_payload(payload);
        }
    }
    ThreadShutdownResponse::new(index as u64, children).with_items(ids, panicked)
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}
