//! The hand-rolled baseline: the simple design a pool of id-addressed items starts as. `threads`
//! threads, each owning a `HashMap<u64, Item>` of the ids that route to it (`id % threads`);
//! one unbounded crossbeam channel per thread carrying one `(slot, request)` message per
//! request; one reply channel back to the caller, whose replies are put back in request order.

use std::collections::HashMap;
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, Sender, unbounded};

/// A request: the target id and the method's argument.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Request {
    /// Add `.1` to item `.0`'s count.
    Inc(u64, u64),
    /// Burn `.1` iterations on item `.0`.
    Spin(u64, u64),
}

impl Request {
    fn id(&self) -> u64 {
        match *self {
            Request::Inc(id, _) | Request::Spin(id, _) => id,
        }
    }
}

/// The item: the same counter as the pools'.
struct Item {
    n: u64,
}

impl Item {
    fn answer(&mut self, request: Request) -> u64 {
        match request {
            Request::Inc(_, k) => self.n += k,
            Request::Spin(_, iters) => self.n = self.n.wrapping_add(crate::burn(iters)),
        }
        self.n
    }
}

/// The pool; one caller at a time (`&mut self`), which owns the one reply channel.
pub(crate) struct Pool {
    inboxes: Vec<Sender<(usize, Request)>>,
    replies: Receiver<(usize, u64)>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    /// `threads` threads holding items `0..items` between them.
    pub(crate) fn new(threads: usize, items: u64) -> Self {
        let (reply, replies) = unbounded();
        let mut inboxes = Vec::with_capacity(threads);
        let mut handles = Vec::with_capacity(threads);
        for index in 0..threads {
            let (inbox, requests) = unbounded::<(usize, Request)>();
            let reply = reply.clone();
            let handle = thread::Builder::new()
                .name(format!("baseline-{index}"))
                .spawn(move || {
                    let mut items: HashMap<u64, Item> = (0..items)
                        .filter(|id| (id % threads as u64) as usize == index)
                        .map(|id| (id, Item { n: 0 }))
                        .collect();
                    for (slot, request) in requests {
                        let item = items.get_mut(&request.id()).expect("unknown id");
                        if reply.send((slot, item.answer(request))).is_err() {
                            break;
                        }
                    }
                })
                .expect("spawn a baseline thread");
            inboxes.push(inbox);
            handles.push(handle);
        }
        Self {
            inboxes,
            replies,
            threads: handles,
        }
    }

    /// Sends every request, one channel message each, and returns the results in request order.
    pub(crate) fn send_and_receive(
        &mut self,
        requests: impl IntoIterator<Item = Request>,
    ) -> Vec<u64> {
        let threads = self.inboxes.len() as u64;
        let mut sent = 0;
        for (slot, request) in requests.into_iter().enumerate() {
            self.inboxes[(request.id() % threads) as usize]
                .send((slot, request))
                .expect("baseline thread alive");
            sent += 1;
        }
        let mut results = vec![0; sent];
        for _ in 0..sent {
            let (slot, result) = self.replies.recv().expect("baseline thread alive");
            results[slot] = result;
        }
        results
    }

    /// One request, one reply.
    pub(crate) fn send_and_receive_once(&mut self, request: Request) -> u64 {
        self.send_and_receive([request])[0]
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.inboxes.clear();
        for handle in self.threads.drain(..) {
            handle.join().unwrap();
        }
    }
}
