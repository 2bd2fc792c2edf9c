//! `spindle_pool::compat`: messaging_thread_pool's surface on Spindle's pool. `AddResponse`'s
//! shape, `RequestWithResponse`'s default methods for a hand-written `Init`, the
//! `ThreadRequestResponse` / `RequestResponse` enums and their conversions, a mock of
//! `ThreadRequestResponse`s, and the names and module paths `use messaging_thread_pool::*`
//! reaches. (The mock's own behaviours are in `mock.rs`.)

mod common;

use std::fmt::Debug;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use common::{Meter, MeterApi, MeterApiResponse, MeterInit, RecordRequest, RecordResponse};
use spindle_pool::compat::*;
use spindle_pool::{IntoReply, Message, Reply};
use spindle_test_support::{LIMIT, send_sync, within};

/// The message of the panic `f` raises.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it should have panicked");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

type Trr = ThreadRequestResponse<Meter>;

/// A request as a `ThreadRequestResponse`, through the pool's `Message` (the `From<Message>`
/// impl under test; `#[pool_item]`'s own `From` impls for its types are the macro's tests').
fn trr<T: RequestWithResponse<Meter> + 'static>(request: T) -> Trr {
    request.into_message().into()
}

/// A response as a `ThreadRequestResponse`, through the pool's `Reply` (`From<Reply>`).
fn answer(response: impl IntoReply<Meter>) -> Trr {
    response.into_reply().into()
}

// ---- AddResponse ---------------------------------------------------------------------------

#[test]
fn add_response_holds_an_id_and_a_result() {
    let added = AddResponse::new(3, Ok(3));
    assert_eq!((added.id(), added.result()), (3, Ok(&3)));
    let refused = AddResponse::new(4, Err("full".to_owned()));
    assert_eq!(refused.id(), 4);
    assert_eq!(refused.result(), Err(&"full".to_owned()));
    assert_ne!(added, refused);
    assert_eq!(refused.clone(), refused);
    assert_eq!(
        format!("{refused:?}"),
        r#"AddResponse { id: 4, result: Err("full") }"#
    );
}

#[test]
fn add_response_refuses_a_success_for_another_id() {
    let message = panic_message(|| {
        AddResponse::new(1, Ok(2));
    });
    assert!(
        message.contains("id in the success result must match"),
        "{message}"
    );
}

#[test]
fn add_response_is_no_wider_than_a_removal_response() {
    // So that a `Reply` (every call's buffer slot) is no wider for it.
    assert!(size_of::<AddResponse>() <= size_of::<RemovePoolItemResponse>());
}

#[test]
fn a_pool_answers_ok_and_reports_a_failed_constructor_as_an_error() {
    within(LIMIT, || {
        let pool = ThreadPool::<common::Cell>::new(2);
        let added = pool.send_and_receive_once(common::CellInit(5)).unwrap();
        assert_eq!(added.result(), Ok(&5));
        // messaging_thread_pool would answer `AddResponse { result: Err(..) }`; Spindle's call
        // fails with a typed error instead.
        let err = pool
            .send_and_receive_once(common::CellInit(999))
            .unwrap_err();
        assert!(
            matches!(err, PoolError::NewItem { id: 999, ref message } if message == "refused"),
            "{err:?}"
        );
    });
}

// ---- RequestWithResponse's defaults, for a hand-written Init ----------------------------------

/// An item created from a hand-written `Init` that states only its response type.
#[derive(Debug)]
pub struct Shelf {
    id: u64,
    capacity: usize,
}

impl IdTargeted for Shelf {
    fn id(&self) -> u64 {
        self.id
    }
}

/// `Shelf`'s `Init`: its id and a capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct ShelfAddRequest {
    id: u64,
    capacity: usize,
}

impl IdTargeted for ShelfAddRequest {
    fn id(&self) -> u64 {
        self.id
    }
}

impl RequestWithResponse<Shelf> for ShelfAddRequest {
    type Response = AddResponse;
}

impl From<ShelfAddRequest> for ThreadRequestResponse<Shelf> {
    fn from(request: ShelfAddRequest) -> Self {
        ThreadRequestResponse::<Shelf>::AddPoolItem(RequestResponse::Request(request))
    }
}

#[pool_item(Init = "ShelfAddRequest")]
impl Shelf {
    /// A shelf of the requested capacity.
    pub fn new(init: ShelfAddRequest) -> Self {
        Shelf {
            id: init.id,
            capacity: init.capacity,
        }
    }

    /// Its capacity.
    #[messaging(CapacityRequest, CapacityResponse)]
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// A request that is not `Shelf`'s `Init` but leaves out both methods: a programming error.
#[derive(Debug)]
pub struct Stray(u64);

impl IdTargeted for Stray {
    fn id(&self) -> u64 {
        self.0
    }
}

impl RequestWithResponse<Shelf> for Stray {
    type Response = RemovePoolItemResponse;
}

#[test]
fn an_init_with_only_its_response_type_goes_through_a_pool() {
    within(LIMIT, || {
        let pool = ThreadPool::<Shelf>::new(2);
        let added = pool
            .send_and_receive_once(ShelfAddRequest { id: 1, capacity: 4 })
            .unwrap();
        assert_eq!(added.result(), Ok(&1));
        let batch: Vec<u64> = pool
            .send_and_receive((2..6).map(|id| ShelfAddRequest { id, capacity: 0 }))
            .unwrap()
            .map(|added| added.id())
            .collect();
        assert_eq!(batch, [2, 3, 4, 5]);
        let capacity = pool.send_and_receive_once(CapacityRequest(1)).unwrap();
        assert_eq!(capacity.result, 4);
        assert!(matches!(
            pool.send_and_receive_once(ShelfAddRequest { id: 1, capacity: 9 }),
            Err(PoolError::DuplicateId(1))
        ));
    });
}

#[test]
fn the_default_methods_wrap_and_unwrap_an_init() {
    let init = ShelfAddRequest { id: 7, capacity: 2 };
    assert_eq!(init.clone().into_message(), Message::<Shelf>::Add(init));
    let added = ShelfAddRequest::from_reply(Reply::Added(AddResponse::new(7, Ok(7))));
    assert_eq!(added, AddResponse::new(7, Ok(7)));
    // And through a mock, which goes through both.
    let mock = SenderAndReceiverMock::<Shelf, ShelfAddRequest>::new_with_expected_requests(
        vec![ShelfAddRequest { id: 8, capacity: 1 }],
        vec![AddResponse::new(8, Ok(8))],
    );
    let added = mock
        .send_and_receive_one(ShelfAddRequest { id: 8, capacity: 1 })
        .unwrap();
    assert_eq!(added.id(), 8);
}

#[test]
fn the_default_into_message_panics_for_a_request_other_than_the_init_naming_it() {
    within(LIMIT, || {
        let pool = ThreadPool::<Shelf>::new(1);
        let message = panic_message(|| {
            let _ = pool.send_and_receive_once(Stray(1));
        });
        assert!(message.contains("Stray"), "{message}");
        assert!(message.contains("into_message"), "{message}");
        assert!(message.contains("ShelfAddRequest"), "{message}");
        // The panic was the caller's, before anything was sent: the pool still serves.
        pool.send_and_receive_once(ShelfAddRequest { id: 1, capacity: 3 })
            .unwrap();
        assert_eq!(
            pool.send_and_receive_once(CapacityRequest(1))
                .unwrap()
                .result,
            3
        );
    });
}

#[test]
fn the_default_from_reply_panics_unless_the_response_is_an_add_response() {
    let message = panic_message(|| {
        Stray::from_reply(Reply::Added(AddResponse::new(1, Ok(1))));
    });
    assert!(
        message.contains("Stray") && message.contains("from_reply"),
        "{message}"
    );
    // A reply of another kind than `Added` is the mock's mistake, reported as such.
    let message = panic_message(|| {
        ShelfAddRequest::from_reply(Reply::Removed(RemovePoolItemResponse::new(1, true)));
    });
    assert!(message.contains("a response of another kind"), "{message}");
}

// ---- RequestResponse -----------------------------------------------------------------------

#[test]
fn request_response_holds_a_request_or_its_response() {
    let request = RequestResponse::<Meter, MeterInit>::new(MeterInit(2));
    assert_eq!(request.request(), &MeterInit(2));
    assert_eq!(request.id(), 2);
    assert_eq!(request.clone(), request);
    assert_eq!(format!("{request:?}"), "Request(MeterInit(2))");
    let response = RequestResponse::<Meter, MeterInit>::Response(AddResponse::new(2, Ok(2)));
    assert_ne!(request, response);
    assert_eq!(response.clone(), response);
    assert!(format!("{response:?}").starts_with("Response(AddResponse"));
}

#[test]
fn a_response_has_no_request_and_no_id() {
    let response = RequestResponse::<Meter, RemovePoolItemRequest>::Response(
        RemovePoolItemResponse::new(1, true),
    );
    assert_eq!(
        panic_message(|| {
            let _ = response.request();
        }),
        "not expected"
    );
    assert!(
        panic_message(|| {
            let _ = response.id();
        })
        .contains("only requests")
    );
}

// ---- ThreadRequestResponse -----------------------------------------------------------------

#[test]
fn requests_convert_into_the_request_variants() {
    let init: Trr = trr(MeterInit(1));
    assert_eq!(
        init,
        Trr::AddPoolItem(RequestResponse::Request(MeterInit(1)))
    );
    let remove: Trr = RemovePoolItemRequest(2).into();
    assert_eq!(
        remove,
        Trr::RemovePoolItem(RequestResponse::Request(RemovePoolItemRequest(2)))
    );
    let call: Trr = trr(RecordRequest(3, 4));
    assert_eq!(
        call,
        Trr::MessagePoolItem(MeterApi::RecordRequest(RecordRequest(3, 4)))
    );
    assert_eq!((init.id(), remove.id(), call.id()), (1, 2, 3));
    assert_eq!(IdTargeted::id(&call), 3);
    // And back, as the pool's `Message`s.
    assert_eq!(init.into_message(), MeterInit(1).into_message());
    assert_eq!(
        remove.into_message(),
        Message::Remove(RemovePoolItemRequest(2))
    );
    assert_eq!(call.into_message(), RecordRequest(3, 4).into_message());
}

#[test]
fn responses_convert_into_the_response_variants_and_back() {
    // `From<AddResponse>`, `From<RemovePoolItemResponse>` and back are this crate's; a method's
    // response goes through `Reply` (`#[pool_item]` generates its own `From` impls).
    let added: Trr = AddResponse::new(1, Ok(1)).into();
    assert_eq!(
        added,
        Trr::AddPoolItem(RequestResponse::Response(AddResponse::new(1, Ok(1))))
    );
    assert_eq!(AddResponse::from(added), AddResponse::new(1, Ok(1)));

    let removed: Trr = RemovePoolItemResponse::new(2, false).into();
    assert_eq!(
        removed,
        Trr::RemovePoolItem(RequestResponse::Response(RemovePoolItemResponse::new(
            2, false
        )))
    );
    assert_eq!(
        RemovePoolItemResponse::from(removed),
        RemovePoolItemResponse::new(2, false)
    );

    let recorded: Trr = answer(RecordResponse { id: 3, result: 9 });
    assert_eq!(
        recorded,
        Trr::MessagePoolItemResponse(MeterApiResponse::RecordResponse(RecordResponse {
            id: 3,
            result: 9
        }))
    );
    assert_eq!(
        RecordRequest::from_reply(recorded.into_reply()),
        RecordResponse { id: 3, result: 9 }
    );
}

#[test]
fn messages_and_replies_convert_into_it_variant_for_variant() {
    assert_eq!(
        Trr::from(Message::<Meter>::Add(MeterInit(1))),
        Trr::AddPoolItem(RequestResponse::Request(MeterInit(1)))
    );
    assert_eq!(
        Trr::from(Message::<Meter>::Remove(RemovePoolItemRequest(1))),
        Trr::RemovePoolItem(RequestResponse::Request(RemovePoolItemRequest(1)))
    );
    assert_eq!(
        Trr::from(RecordRequest(1, 2).into_message()),
        Trr::MessagePoolItem(MeterApi::RecordRequest(RecordRequest(1, 2)))
    );
    assert_eq!(
        Trr::from(Reply::<Meter>::Added(AddResponse::new(1, Ok(1)))),
        Trr::AddPoolItem(RequestResponse::Response(AddResponse::new(1, Ok(1))))
    );
    assert_eq!(
        Trr::from(Reply::<Meter>::Removed(RemovePoolItemResponse::new(
            1, true
        ))),
        Trr::RemovePoolItem(RequestResponse::Response(RemovePoolItemResponse::new(
            1, true
        )))
    );
    let recorded = RecordResponse { id: 1, result: 2 };
    assert_eq!(
        Trr::from(IntoReply::<Meter>::into_reply(recorded.clone())),
        Trr::MessagePoolItemResponse(MeterApiResponse::RecordResponse(recorded.clone()))
    );
    // The response variants become the pool's `Reply`s.
    assert_eq!(answer(recorded.clone()).into_reply(), recorded.into_reply());
    assert_eq!(
        Trr::from(AddResponse::new(4, Ok(4))).into_reply(),
        Reply::Added(AddResponse::new(4, Ok(4)))
    );
    assert_eq!(
        Trr::from(RemovePoolItemResponse::new(4, true)).into_reply(),
        Reply::Removed(RemovePoolItemResponse::new(4, true))
    );
    assert_ne!(trr(MeterInit(1)), Trr::from(RemovePoolItemRequest(1)));
}

#[test]
fn a_variant_of_the_wrong_direction_panics() {
    let as_request = panic_message(|| {
        let _ = Trr::from(AddResponse::new(1, Ok(1))).into_message();
    });
    assert!(
        as_request.contains("a response sent as a request"),
        "{as_request}"
    );
    let as_request = panic_message(|| {
        let _ = answer(RecordResponse { id: 1, result: 1 }).into_message();
    });
    assert!(
        as_request.contains("a response sent as a request"),
        "{as_request}"
    );
    let as_reply = panic_message(|| {
        let _ = trr(RecordRequest(1, 1)).into_reply();
    });
    assert!(
        as_reply.contains("a request given as a response"),
        "{as_reply}"
    );
    let as_reply = panic_message(|| {
        let _ = Trr::from(RemovePoolItemRequest(1)).into_reply();
    });
    assert!(
        as_reply.contains("a request given as a response"),
        "{as_reply}"
    );
    assert!(
        panic_message(|| {
            let _ = answer(RecordResponse { id: 1, result: 1 }).id();
        })
        .contains("only requests")
    );
}

#[test]
fn converting_the_wrong_variant_into_a_response_panics() {
    assert_eq!(
        panic_message(|| {
            let _ = AddResponse::from(trr(MeterInit(1)));
        }),
        "unexpected"
    );
    assert_eq!(
        panic_message(|| {
            let added = Trr::from(AddResponse::new(1, Ok(1)));
            let _ = RemovePoolItemResponse::from(added);
        }),
        "not expected"
    );
}

#[test]
fn debug_shows_the_variant_and_its_contents() {
    assert_eq!(
        format!("{:?}", trr(MeterInit(5))),
        "AddPoolItem(Request(MeterInit(5)))"
    );
    assert_eq!(
        format!("{:?}", Trr::from(RemovePoolItemRequest(5))),
        "RemovePoolItem(Request(RemovePoolItemRequest(5)))"
    );
    assert!(format!("{:?}", trr(RecordRequest(5, 1))).starts_with("MessagePoolItem("));
    assert!(
        format!("{:?}", answer(RecordResponse { id: 5, result: 1 }))
            .starts_with("MessagePoolItemResponse(")
    );
}

#[test]
fn it_can_be_sent_to_a_pool_as_a_request() {
    within(LIMIT, || {
        let pool = ThreadPool::<Meter>::new(2);
        let added = pool.send_and_receive_once(trr(MeterInit(1))).unwrap();
        assert_eq!(AddResponse::from(added).result(), Ok(&1));
        let answers: Vec<Trr> = pool
            .send_and_receive([
                trr(RecordRequest(1, 5)),
                trr(RecordRequest(1, 6)),
                Trr::from(RemovePoolItemRequest(1)),
            ])
            .unwrap()
            .collect();
        assert_eq!(
            answers,
            [
                answer(RecordResponse { id: 1, result: 5 }),
                answer(RecordResponse { id: 1, result: 11 }),
                Trr::from(RemovePoolItemResponse::new(1, true)),
            ]
        );
    });
}

// ---- A mock of ThreadRequestResponses, sent typed requests -------------------------------------

/// Code under test that owns its child pool through `SenderAndReceiver`.
struct Totals<S: SenderAndReceiver<Meter>> {
    meters: Vec<u64>,
    pool: S,
}

impl<S: SenderAndReceiver<Meter>> Totals<S> {
    fn open(pool: S, meters: Vec<u64>) -> Self {
        pool.send_and_receive(meters.iter().map(|&id| MeterInit(id)))
            .unwrap()
            .for_each(|added: AddResponse| assert!(added.result().is_ok()));
        Totals { meters, pool }
    }

    fn record_all(&self, amount: u64) -> u64 {
        self.pool
            .send_and_receive(self.meters.iter().map(|&id| RecordRequest(id, amount)))
            .unwrap()
            .map(|r: RecordResponse| r.result)
            .sum()
    }
}

#[test]
fn a_mock_of_thread_request_responses_takes_requests_of_every_kind() {
    let expected: Vec<Trr> = vec![
        trr(MeterInit(1)),
        trr(MeterInit(2)),
        trr(RecordRequest(1, 10)),
        trr(RecordRequest(2, 10)),
    ];
    let responses: Vec<Trr> = vec![
        AddResponse::new(1, Ok(1)).into(),
        AddResponse::new(2, Ok(2)).into(),
        answer(RecordResponse { id: 1, result: 100 }),
        answer(RecordResponse { id: 2, result: 200 }),
    ];
    let mock = SenderAndReceiverMock::new_with_expected_requests(expected, responses);
    let totals = Totals::open(mock, vec![1, 2]);
    assert_eq!(totals.record_all(10), 300, "the canned answers");
    totals.pool.assert_is_complete();
}

#[test]
fn a_mock_of_thread_request_responses_checks_the_requests() {
    let mock = SenderAndReceiverMock::<Meter, Trr>::new_with_expected_requests(
        vec![trr(MeterInit(1))],
        vec![AddResponse::new(1, Ok(1)).into()],
    );
    let message = panic_message(|| {
        let _ = Totals::open(mock, vec![2]);
    });
    assert!(
        message.contains("expected and actual requests differ"),
        "{message}"
    );
}

#[test]
fn the_pool_infers_its_item_from_the_code_that_uses_it() {
    within(LIMIT, || {
        // `ThreadPool::new` with no turbofish: the `S: SenderAndReceiver<Meter>` bound says it.
        let totals = Totals::open(ThreadPool::new(3), vec![1, 2, 3]);
        assert_eq!(totals.record_all(2), 6);
        assert_eq!(totals.record_all(1), 9);
        assert_eq!(totals.pool.thread_count(), 3);
    });
}

// ---- A generic item over its child pool, mocked or real ----------------------------------------

/// A parent item generic over its child pool, with a hand-written generic `Init`.
#[derive(Debug)]
pub struct Group<S: SenderAndReceiver<Meter> + Send + Sync + Debug + 'static> {
    id: u64,
    meters: Vec<u64>,
    pool: Arc<S>,
}

impl<S: SenderAndReceiver<Meter> + Send + Sync + Debug + 'static> IdTargeted for Group<S> {
    fn id(&self) -> u64 {
        self.id
    }
}

/// `Group`'s `Init`: the child pool and the ids to open in it.
#[derive(Debug)]
pub struct GroupAddRequest<S> {
    id: u64,
    meters: Vec<u64>,
    pool: Arc<S>,
}

impl<S> IdTargeted for GroupAddRequest<S> {
    fn id(&self) -> u64 {
        self.id
    }
}

impl<S: SenderAndReceiver<Meter> + Send + Sync + Debug + 'static>
    request_with_response::RequestWithResponse<Group<S>> for GroupAddRequest<S>
{
    type Response = AddResponse;
}

impl<S: SenderAndReceiver<Meter> + Send + Sync + Debug + 'static> From<GroupAddRequest<S>>
    for ThreadRequestResponse<Group<S>>
{
    fn from(request: GroupAddRequest<S>) -> Self {
        ThreadRequestResponse::<Group<S>>::AddPoolItem(RequestResponse::Request(request))
    }
}

#[pool_item(Init = "GroupAddRequest<S>")]
impl<S: SenderAndReceiver<Meter> + Send + Sync + Debug + 'static> Group<S> {
    /// Opens the group's meters in the child pool.
    pub fn new(init: GroupAddRequest<S>) -> Self {
        init.pool
            .send_and_receive(init.meters.iter().map(|&id| MeterInit(id)))
            .unwrap()
            .for_each(drop);
        Group {
            id: init.id,
            meters: init.meters,
            pool: init.pool,
        }
    }

    /// Records `amount` on every meter of the group; the sum of their totals.
    #[messaging(RecordAllRequest, RecordAllResponse)]
    pub fn record_all(&self, amount: u64) -> u64 {
        self.pool
            .send_and_receive(self.meters.iter().map(|&id| RecordRequest(id, amount)))
            .unwrap()
            .map(|r| r.result)
            .sum()
    }
}

#[test]
fn a_generic_parent_with_a_hand_written_init_runs_over_a_real_child_pool() {
    within(LIMIT, || {
        let children = Arc::new(ThreadPool::<Meter>::new(2));
        let parents = ThreadPool::<Group<ThreadPool<Meter>>>::new(2);
        parents
            .send_and_receive((0..2).map(|id| GroupAddRequest {
                id,
                meters: vec![10 * id, 10 * id + 1],
                pool: Arc::clone(&children),
            }))
            .unwrap()
            .for_each(|added| assert!(added.result().is_ok()));
        let sums: Vec<u64> = parents
            .send_and_receive([
                RecordAllRequest(0, 3, PhantomData),
                RecordAllRequest(1, 4, PhantomData),
            ])
            .unwrap()
            .map(|r| r.result)
            .collect();
        assert_eq!(sums, [6, 8]);
    });
}

#[test]
fn a_generic_parent_with_a_hand_written_init_runs_over_a_mocked_child_pool() {
    within(LIMIT, || {
        type Mock = SenderAndReceiverMock<Meter, Trr>;
        let mock: Arc<Mock> = Arc::new(SenderAndReceiverMock::new_with_expected_requests(
            vec![trr(MeterInit(7)), trr(RecordRequest(7, 1))],
            vec![
                AddResponse::new(7, Ok(7)).into(),
                answer(RecordResponse { id: 7, result: 41 }),
            ],
        ));
        let parents = ThreadPool::<Group<Mock>>::new(1);
        parents
            .send_and_receive_once(GroupAddRequest {
                id: 0,
                meters: vec![7],
                pool: Arc::clone(&mock),
            })
            .unwrap();
        let sum = parents
            .send_and_receive_once(RecordAllRequest(0, 1, PhantomData))
            .unwrap();
        assert_eq!(sum.result, 41);
        mock.assert_is_complete();
    });
}

// ---- Names and paths --------------------------------------------------------------------------

#[test]
fn messaging_thread_pool_paths_resolve() {
    use spindle_pool::compat::id_provider::IdProvider;
    use spindle_pool::compat::id_provider::id_provider_mutex::IdProviderMutex;
    use spindle_pool::compat::request_response::RequestResponse as ByModule;
    use spindle_pool::compat::request_with_response::RequestWithResponse as ByPath;
    use spindle_pool::compat::thread_request_response::{
        AddResponse as Added, ThreadRequestResponse as TrrByModule,
    };

    fn is_request<P: PoolItem, T: ByPath<P>>() {}
    is_request::<Meter, MeterInit>();
    is_request::<Meter, RemovePoolItemRequest>();
    is_request::<Meter, TrrByModule<Meter>>();
    let ids: Arc<dyn IdProvider> = Arc::new(IdProviderMutex::new(3));
    assert_eq!(ids.next_id(), 3);
    let request: ByModule<Meter, MeterInit> = RequestResponse::new(MeterInit(1));
    assert_eq!(TrrByModule::AddPoolItem(request), trr(MeterInit(1)));
    assert_eq!(Added::new(1, Ok(1)), AddResponse::new(1, Ok(1)));
    // The rest of the names `use messaging_thread_pool::*` reaches, through the glob.
    let _: fn(u64, Vec<ThreadShutdownResponse>) -> ThreadShutdownResponse =
        ThreadShutdownResponse::new;
    let _ = NewPoolItemError::from("no");
}

#[test]
fn the_thread_pool_is_debug_send_and_sync() {
    send_sync::<ThreadPool<Meter>>();
    send_sync::<ThreadRequestResponse<Meter>>();
    fn sender<S: SenderAndReceiver<Meter> + Debug + Send + Sync>(_: &S) {}
    within(LIMIT, || {
        let pool = ThreadPool::<Meter>::new(1);
        sender(&pool);
        assert!(format!("{pool:?}").contains("threads: 1"), "{pool:?}");
        let reports = pool.shutdown();
        assert_eq!(reports.len(), 1);
    });
}
