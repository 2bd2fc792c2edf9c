//! User sessions in an [`ItemPool`]: each session is a non-`Send` item (its history is an
//! `Rc<RefCell<..>>`, shared with a helper, no lock anywhere) pinned to one pool thread and
//! addressed by id. The requests are typed, and so are the failures: an unknown id, a
//! duplicate, a session that panics (removed, its thread and the other sessions keep serving).
//!
//! The seed's own README example, with messaging_thread_pool's names, is
//! `crates/spindle-pool/tests/seed_readme.rs`. Run this one with
//! `cargo run --release --example user_sessions`.

use std::cell::RefCell;
use std::error::Error;
use std::rc::Rc;

use spindle::pool::{IdTargeted, ItemPool, PoolError, RemovePoolItemRequest, pool_item};

/// Shares the session's history: an `Rc`, which is why a session can never leave its thread.
#[derive(Debug, Clone)]
struct History(Rc<RefCell<Vec<String>>>);

impl History {
    fn record(&self, entry: String) -> usize {
        let mut log = self.0.borrow_mut();
        log.push(entry);
        log.len()
    }
}

/// One user's session.
#[derive(Debug)]
pub struct UserSession {
    id: u64,
    history: History,
}

#[pool_item]
impl UserSession {
    /// A session with an empty history.
    pub fn new(id: u64) -> Self {
        Self {
            id,
            history: History(Rc::default()),
        }
    }

    /// Records an action; answers how many the session has seen.
    #[messaging(LogActionRequest, LogActionResponse)]
    pub fn log_action(&self, action: String) -> usize {
        assert!(!action.is_empty(), "an empty action");
        self.history.record(format!("action: {action}"))
    }

    /// The session's history so far.
    #[messaging(GetLogRequest, GetLogResponse)]
    pub fn get_log(&self) -> Vec<String> {
        self.history.0.borrow().clone()
    }
}

impl IdTargeted for UserSession {
    fn id(&self) -> u64 {
        self.id
    }
}

fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    // `new` returns a `Result` in every Spindle crate: 0 threads is `BuildError::ZeroThreads`.
    let pool = ItemPool::<UserSession>::builder()
        .num_threads(2)
        .thread_name(|i| format!("sessions-{i}"))
        .build()?;

    // Sessions 1..=4, spread over the two threads by id.
    pool.send_and_receive((1..=4).map(UserSessionInit))?
        .for_each(drop);

    // One batch: each session's requests run in order on that session's thread.
    let counts: Vec<usize> = pool
        .send_and_receive([
            LogActionRequest(1, "login".into()),
            LogActionRequest(2, "login".into()),
            LogActionRequest(1, "view profile".into()),
            LogActionRequest(1, "logout".into()),
        ])?
        .map(|response| response.result)
        .collect();
    assert_eq!(counts, [1, 1, 2, 3]);

    let log = pool.send_and_receive_once(GetLogRequest(1))?.result;
    assert_eq!(
        log,
        ["action: login", "action: view profile", "action: logout"]
    );
    println!("session 1: {log:?}");

    // The failures are typed, and none of them costs a thread.
    match pool.send_and_receive_once(GetLogRequest(99)) {
        Err(PoolError::UnknownId(99)) => println!("session 99: no such session"),
        other => panic!("expected UnknownId, got {other:?}"),
    }
    match pool.send_and_receive_once(UserSessionInit(2)) {
        Err(PoolError::DuplicateId(2)) => println!("session 2: exists already"),
        other => panic!("expected DuplicateId, got {other:?}"),
    }
    println!("session 3 is sent an empty action: the panic message below is expected");
    match pool.send_and_receive_once(LogActionRequest(3, String::new())) {
        Err(error @ PoolError::ItemPanicked { id: 3, .. }) => println!("session 3: {error}"),
        other => panic!("expected ItemPanicked, got {other:?}"),
    }
    // Session 3 was removed; session 4, maybe on the same thread, keeps serving.
    assert!(matches!(
        pool.send_and_receive_once(GetLogRequest(3)),
        Err(PoolError::UnknownId(3))
    ));
    assert_eq!(
        pool.send_and_receive_once(LogActionRequest(4, "ping".into()))?
            .result,
        1
    );

    assert!(
        pool.send_and_receive_once(RemovePoolItemRequest(4))?
            .item_existed()
    );
    for thread in pool.shutdown() {
        println!(
            "thread {} stopped with sessions {:?}",
            thread.thread_id(),
            thread.items()
        );
    }
    Ok(())
}
