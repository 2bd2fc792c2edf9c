//! `id_provider` (messaging_thread_pool's id providers) and `SenderAndReceiver::send_and_receive_one`.

use std::sync::Arc;
use std::thread;

use spindle_pool::compat::id_provider::id_provider_mutex::IdProviderMutex;
use spindle_pool::id_provider::{IdProvider, IdProviderStatic};
use spindle_pool::{IdTargeted, ItemPool, PoolError, SenderAndReceiver, pool_item};

#[test]
fn mutex_provider_counts_from_its_start_and_peek_does_not_take() {
    let ids = IdProviderMutex::new(5);
    assert_eq!(ids.peek_next_id(), 5);
    assert_eq!(ids.peek_next_id(), 5);
    assert_eq!(ids.next_id(), 5);
    assert_eq!(ids.next_id(), 6);
    assert_eq!(IdProviderMutex::default().next_id(), 0);
}

#[test]
fn mutex_provider_clone_starts_at_the_same_next_id_but_counts_alone() {
    let ids = IdProviderMutex::new(7);
    ids.next_id();
    let copy = ids.clone();
    assert_eq!(copy.peek_next_id(), 8);
    assert_eq!(ids, copy);
    copy.next_id();
    assert_eq!(ids.peek_next_id(), 8, "the clone has a counter of its own");
    assert_ne!(ids, copy);
}

#[test]
fn shared_mutex_provider_never_repeats_an_id_across_threads() {
    let ids: Arc<dyn IdProvider> = Arc::new(IdProviderMutex::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let ids = Arc::clone(&ids);
            thread::spawn(move || (0..250).map(|_| ids.next_id()).collect::<Vec<_>>())
        })
        .collect();
    let mut all: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..1000).collect::<Vec<_>>());
}

#[test]
fn static_provider_values_share_one_increasing_counter() {
    // Other tests in this binary do not use the static counter, but only increase is asserted.
    let first = IdProviderStatic.next_id();
    let peeked = IdProviderStatic.peek_next_id();
    let second = IdProviderStatic.next_id();
    assert!(peeked > first);
    assert!(second >= peeked);
}

/// An item that answers with its id and the value sent.
#[derive(Debug)]
pub struct Echo {
    id: u64,
}

impl IdTargeted for Echo {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item]
impl Echo {
    /// The item `id`.
    pub fn new(id: u64) -> Self {
        Echo { id }
    }

    /// Its id and `value`.
    #[messaging(EchoRequest, EchoResponse)]
    pub fn echo(&self, value: u32) -> (u64, u32) {
        (self.id, value)
    }
}

#[test]
fn send_and_receive_one_answers_like_send_and_receive_once() {
    let pool = ItemPool::<Echo>::new(2).unwrap();
    let sender: &dyn Fn(EchoRequest) -> Result<EchoResponse, PoolError> =
        &|r| SenderAndReceiver::send_and_receive_one(&pool, r);
    assert_eq!(
        SenderAndReceiver::send_and_receive_one(&pool, EchoInit(3))
            .unwrap()
            .id(),
        3
    );
    assert_eq!(sender(EchoRequest(3, 9)).unwrap().result, (3, 9));
    assert!(matches!(
        sender(EchoRequest(4, 1)),
        Err(PoolError::UnknownId(4))
    ));
}
