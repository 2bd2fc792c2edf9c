//! `#[pool_item]` on generic impls: type parameters with bounds and `where` clauses, generic
//! messages (their arguments and results mention the parameters, or not), a generic `Init` of
//! the user's own, an item with no messages, and an item generic over the pool it talks to —
//! the same code run against a real child pool and against a mock.

// The items are `pub` (generated types must be at least as visible as the items they name);
// their constructors need no docs here.
#![allow(missing_docs)]

use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::Arc;

use spindle_pool::{
    AddResponse, IdTargeted, ItemPool, Message, PoolError, PoolItem, Reply, RequestWithResponse,
    SenderAndReceiver, SenderAndReceiverMock, pool_item,
};

/// What a `Store<V>` keeps: any value that can be cloned out and compared.
pub trait Value: Clone + PartialEq + Debug + Send + 'static {}
impl Value for u64 {}
impl Value for String {}

/// An item generic over the values it stores, with a bound and a `where` clause.
#[derive(Debug)]
pub struct Store<V: Value> {
    id: u64,
    values: Vec<V>,
}

#[pool_item]
impl<V: Value> Store<V>
where
    V: Default,
{
    pub fn new(id: u64) -> Self {
        Store {
            id,
            values: vec![V::default()],
        }
    }

    /// Mentions the parameter in its argument.
    #[messaging(PushRequest, PushResponse)]
    pub fn push(&mut self, value: V) -> usize {
        self.values.push(value);
        self.values.len()
    }

    /// Mentions it in its result.
    #[messaging(LastRequest, LastResponse)]
    pub fn last(&self) -> Option<V> {
        self.values.last().cloned()
    }

    /// Mentions it nowhere: the request still names the item's type (`CountRequest<V>`).
    #[messaging(CountRequest, CountResponse)]
    pub fn count(&self) -> usize {
        self.values.len()
    }
}

impl<V: Value> IdTargeted for Store<V> {
    fn id(&self) -> u64 {
        self.id
    }
}

#[test]
fn one_generic_impl_serves_each_instantiation() {
    let numbers = ItemPool::<Store<u64>>::new(2).unwrap();
    let words = ItemPool::<Store<String>>::new(1).unwrap();
    numbers
        .send_and_receive([StoreInit(1, PhantomData), StoreInit(2, PhantomData)])
        .unwrap()
        .for_each(drop);
    words
        .send_and_receive_once(StoreInit(1, PhantomData))
        .unwrap();

    let pushed = numbers
        .send_and_receive_once(PushRequest(2, 40, PhantomData))
        .unwrap();
    assert_eq!((pushed.id, pushed.result), (2, 2));
    let pushed = words
        .send_and_receive_once(PushRequest(1, "forty".to_owned(), PhantomData))
        .unwrap();
    assert_eq!(pushed.result, 2);

    let last: LastResponse<u64> = numbers
        .send_and_receive_once(LastRequest(2, PhantomData))
        .unwrap();
    assert_eq!(last.result, Some(40));
    let last = words
        .send_and_receive_once(LastRequest::<String>(1, PhantomData))
        .unwrap();
    assert_eq!(last.result.as_deref(), Some("forty"));
    let lens: Vec<usize> = numbers
        .send_and_receive((1..=2).map(|id| CountRequest(id, PhantomData)))
        .unwrap()
        .map(|r: CountResponse<u64>| r.result)
        .collect();
    assert_eq!(lens, [1, 2]);
    assert_eq!(<Store<u64> as PoolItem>::name(), "Store");
    numbers.shutdown();
    words.shutdown();
}

#[test]
fn generated_generic_types_compare_clone_and_print() {
    let request = PushRequest::<u64>(3, 9, PhantomData);
    assert_eq!(request.clone(), request);
    assert_ne!(request, PushRequest(3, 8, PhantomData));
    assert_eq!(format!("{request:?}"), "PushRequest(3, 9)");
    let response = LastResponse::<String> {
        id: 3,
        result: None,
        phantom: PhantomData,
    };
    assert_eq!(response.clone(), response);
    assert_eq!(
        format!("{response:?}"),
        r#"LastResponse { id: 3, result: None }"#
    );
    assert_eq!(StoreInit::<u64>(4, PhantomData).id(), 4);
    // The requests map onto the item's own `Api`, and answers come back typed.
    let message = CountRequest::<u64>(5, PhantomData).into_message();
    assert!(matches!(
        message,
        Message::Call(StoreApi::CountRequest(CountRequest(5, _)))
    ));
    let reply: Reply<Store<u64>> = Reply::Call(StoreApiResponse::CountResponse(CountResponse {
        id: 5,
        result: 1,
        phantom: PhantomData,
    }));
    assert_eq!(CountRequest::<u64>::from_reply(reply).result, 1);
}

/// A type parameter that the item holds only as a marker: `Tagged<Metres>` and
/// `Tagged<Seconds>` are different items with different messages.
#[derive(Debug)]
pub struct Tagged<Unit> {
    id: u64,
    unit: PhantomData<fn() -> Unit>,
}

pub struct Metres;
pub struct Seconds;

#[pool_item]
impl<Unit> Tagged<Unit> {
    pub fn new(id: u64) -> Self {
        Tagged {
            id,
            unit: PhantomData,
        }
    }
}

impl<Unit> IdTargeted for Tagged<Unit> {
    fn id(&self) -> u64 {
        self.id
    }
}

#[test]
fn a_generic_item_without_messages_needs_no_bound_on_its_parameter() {
    // `Metres` is neither `Debug`, `Clone` nor `Send`: the generated types do not ask.
    let pool = ItemPool::<Tagged<Metres>>::new(1).unwrap();
    let added = pool
        .send_and_receive_once(TaggedInit(7, PhantomData))
        .unwrap();
    assert_eq!(added.id(), 7);
    assert!(matches!(
        pool.send_and_receive_once(TaggedInit(7, PhantomData)),
        Err(PoolError::DuplicateId(7))
    ));
    let reports = pool.shutdown();
    assert_eq!(reports[0].items(), [7]);
    let _other: Option<ItemPool<Tagged<Seconds>>> = None;
}

// --- An item generic over the pool it sends to (real or mocked) ---------------------------

/// The child: a counter.
#[derive(Debug)]
pub struct Counter {
    id: u64,
    count: u64,
}

#[pool_item]
impl Counter {
    pub fn new(id: u64) -> Self {
        Counter { id, count: 0 }
    }

    #[messaging(BumpRequest, BumpResponse)]
    pub fn bump(&mut self, by: u64) -> u64 {
        self.count += by;
        self.count
    }
}

impl IdTargeted for Counter {
    fn id(&self) -> u64 {
        self.id
    }
}

/// The parent: sums its counters through whatever `P` is.
#[derive(Debug)]
pub struct Tally<P: SenderAndReceiver<Counter> + Send + Sync + 'static> {
    id: u64,
    counters: Vec<u64>,
    pool: Arc<P>,
}

/// The parent's own `Init`: generic, carrying the shared child pool.
#[derive(Debug)]
pub struct TallyInit<P> {
    pub id: u64,
    pub counters: Vec<u64>,
    pub pool: Arc<P>,
}

impl<P> IdTargeted for TallyInit<P> {
    fn id(&self) -> u64 {
        self.id
    }
}

impl<P: SenderAndReceiver<Counter> + Send + Sync + 'static> RequestWithResponse<Tally<P>>
    for TallyInit<P>
{
    type Response = AddResponse;

    fn into_message(self) -> Message<Tally<P>> {
        Message::Add(self)
    }

    fn from_reply(reply: Reply<Tally<P>>) -> AddResponse {
        match reply {
            Reply::Added(added) => added,
            _ => unreachable!("an Init is answered with Added"),
        }
    }
}

#[pool_item(Init = "TallyInit<P>")]
impl<P: SenderAndReceiver<Counter> + Send + Sync + 'static> Tally<P> {
    pub fn new(init: TallyInit<P>) -> Self {
        Tally {
            id: init.id,
            counters: init.counters,
            pool: init.pool,
        }
    }

    /// Bumps every counter by `by` and returns the new total.
    #[messaging(BumpAllRequest, BumpAllResponse)]
    pub fn bump_all(&self, by: u64) -> Result<u64, PoolError> {
        let answers = self
            .pool
            .send_and_receive(self.counters.iter().map(|&id| BumpRequest(id, by)))?;
        Ok(answers.map(|r| r.result).sum())
    }
}

impl<P: SenderAndReceiver<Counter> + Send + Sync + 'static> IdTargeted for Tally<P> {
    fn id(&self) -> u64 {
        self.id
    }
}

#[test]
fn a_parent_generic_over_its_child_pool_runs_on_a_real_one() {
    let counters = Arc::new(ItemPool::<Counter>::new(2).unwrap());
    counters
        .send_and_receive((10..14).map(CounterInit))
        .unwrap()
        .for_each(drop);
    let tallies = ItemPool::<Tally<ItemPool<Counter>>>::new(2).unwrap();
    tallies
        .send_and_receive((0..2u64).map(|id| TallyInit {
            id,
            counters: vec![10 + 2 * id, 11 + 2 * id],
            pool: Arc::clone(&counters),
        }))
        .unwrap()
        .for_each(drop);
    let totals: Vec<u64> = tallies
        .send_and_receive([
            BumpAllRequest(0, 5, PhantomData),
            BumpAllRequest(1, 1, PhantomData),
        ])
        .unwrap()
        .map(|r| r.result.unwrap())
        .collect();
    assert_eq!(totals, [10, 2]);
    let again = tallies
        .send_and_receive_once(BumpAllRequest(0, 1, PhantomData))
        .unwrap();
    assert_eq!(again.result.unwrap(), 12);
    tallies.shutdown();
    counters.shutdown();
}

#[test]
fn the_same_parent_runs_on_a_mocked_child_pool() {
    // No child threads: the mock checks the requests the parent sends, in order, and answers
    // them from its canned responses.
    let mock = SenderAndReceiverMock::<Counter, BumpRequest>::new_with_expected_requests(
        vec![BumpRequest(10, 5), BumpRequest(11, 5)],
        vec![
            BumpResponse { id: 10, result: 5 },
            BumpResponse { id: 11, result: 37 },
        ],
    );
    let mock = Arc::new(mock);
    let tallies = ItemPool::<Tally<SenderAndReceiverMock<Counter, BumpRequest>>>::new(1).unwrap();
    tallies
        .send_and_receive_once(TallyInit {
            id: 0,
            counters: vec![10, 11],
            pool: Arc::clone(&mock),
        })
        .unwrap();
    let total = tallies
        .send_and_receive_once(BumpAllRequest(0, 5, PhantomData))
        .unwrap();
    assert_eq!(total.result.unwrap(), 42, "the canned answers, summed");
    assert!(mock.was_called());
    mock.assert_is_complete();
    // A request the mock did not expect fails the mock's check, a panic in the parent's
    // method: contained on the pool thread, it reaches the caller as a typed error.
    let unexpected = tallies.send_and_receive_once(BumpAllRequest(0, 1, PhantomData));
    assert!(
        matches!(unexpected, Err(PoolError::ItemPanicked { id: 0, .. })),
        "{unexpected:?}"
    );
    tallies.shutdown();
}
