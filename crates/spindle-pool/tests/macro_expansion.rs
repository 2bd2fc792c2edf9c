//! What `#[pool_item]` generates, exercised without a running pool: the request and response
//! types, `IdTargeted`, `RequestWithResponse` round trips, and `PoolItem` driven by hand.
//! `deny(warnings)` holds the generated code to the workspace lints (`missing_docs`,
//! `unreachable_pub`, dead code) in a crate root and in private modules.

#![deny(warnings)]

use spindle_pool::{
    AddResponse, IdTargeted, IntoReply, Message, PoolItem, RemovePoolItemResponse, Reply,
    RequestWithResponse, ThreadShutdownResponse,
};

/// The seed example (messaging_thread_pool's `UserSession`), with only its `use` lines changed.
pub mod user_session {
    // The seed's own items have no docs; the generated ones are checked in the other modules.
    #![allow(missing_docs)]

    use spindle_pool::{IdTargeted, pool_item};
    use std::cell::RefCell;
    use std::rc::Rc;

    // A helper struct that needs access to the session's data.
    // In a standard thread pool, this would likely need Arc<Mutex<Vec<String>>>.
    // Here, we can use Rc<RefCell<...>> because UserSession never leaves its thread.
    #[derive(Debug, Clone)]
    struct HistoryTracker {
        // Shared access to the history log
        log: Rc<RefCell<Vec<String>>>,
    }

    impl HistoryTracker {
        fn add_entry(&self, entry: String) {
            // No locks! Just borrow_mut().
            self.log.borrow_mut().push(entry);
        }
    }

    // The main PoolItem
    #[derive(Debug)]
    pub struct UserSession {
        id: u64,
        // We hold the data
        log: Rc<RefCell<Vec<String>>>,
        // Our helper also holds a reference to the SAME data
        tracker: HistoryTracker,
    }

    impl IdTargeted for UserSession {
        fn id(&self) -> u64 {
            self.id
        }
    }

    #[pool_item]
    impl UserSession {
        pub fn new(id: u64) -> Self {
            let log = Rc::new(RefCell::new(Vec::new()));
            let tracker = HistoryTracker { log: log.clone() };

            Self { id, log, tracker }
        }

        #[messaging(LogActionRequest, LogActionResponse)]
        pub fn log_action(&self, action: String) -> usize {
            // We use the helper to modify the state
            self.tracker.add_entry(format!("Action: {}", action));

            // We can read the state directly
            self.log.borrow().len()
        }

        #[messaging(GetLogRequest, GetLogResponse)]
        pub fn get_log(&self) -> Vec<String> {
            self.log.borrow().clone()
        }
    }
}

use user_session::{
    GetLogRequest, GetLogResponse, LogActionRequest, LogActionResponse, UserSession,
    UserSessionApi, UserSessionApiResponse, UserSessionInit,
};

/// `&mut self` methods, several arguments, a method returning nothing, pattern arguments,
/// `Self` in a signature, and a shutdown hook: at the crate root.
#[derive(Debug, Clone, PartialEq)]
pub struct Counter {
    id: u64,
    total: i64,
    history: Vec<i64>,
}

#[spindle_pool::pool_item(Shutdown = "report")]
impl Counter {
    /// A counter at zero.
    pub fn new(id: u64) -> Self {
        Self {
            id,
            total: 0,
            history: Vec::new(),
        }
    }

    /// Adds `by`, `times` times.
    #[messaging(AddRequest, AddResponse2)]
    pub fn add(&mut self, by: i64, times: u32) -> i64 {
        for _ in 0..times {
            self.total += by;
            self.history.push(by);
        }
        self.total
    }

    #[messaging(ResetRequest, ResetResponse)]
    fn reset(&mut self) {
        self.total = 0;
    }

    #[messaging(ScaleRequest, ScaleResponse)]
    #[allow(clippy::needless_arbitrary_self_type)] // the typed receiver is under test
    fn scale(self: &mut Self, (numerator, denominator): (i64, i64), _unused: ()) -> Option<Self> {
        if denominator == 0 {
            return None;
        }
        self.total = self.total * numerator / denominator;
        Some(self.clone())
    }

    fn report(&self) -> Vec<ThreadShutdownResponse> {
        vec![ThreadShutdownResponse::new(self.id, Vec::new())]
    }
}

/// A custom `Init` request, named as a path, and spindle-pool reached under another path: in a
/// private module.
mod custom {
    use spindle_pool::{AddResponse, IdTargeted, Message, Reply, RequestWithResponse};

    /// What the facade crate does: spindle-pool reached as `spindle::pool`.
    mod facade {
        pub(crate) use spindle_pool as pool;
    }

    /// Creates an [`Account`] with an opening balance.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) struct OpenAccount {
        pub(crate) id: u64,
        pub(crate) opening_balance: u64,
    }

    impl IdTargeted for OpenAccount {
        fn id(&self) -> u64 {
            self.id
        }
    }

    impl RequestWithResponse<Account> for OpenAccount {
        type Response = AddResponse;

        fn into_message(self) -> Message<Account> {
            Message::Add(self)
        }

        fn from_reply(reply: Reply<Account>) -> AddResponse {
            match reply {
                Reply::Added(added) => added,
                _ => panic!("not an Added reply"),
            }
        }
    }

    /// A bank account.
    pub(crate) struct Account {
        balance: u64,
    }

    #[spindle_pool::pool_item(Init = self::OpenAccount, crate = "self::facade::pool")]
    impl Account {
        pub(crate) fn new(init: OpenAccount) -> Self {
            Self {
                balance: init.opening_balance,
            }
        }

        #[messaging(DepositRequest, DepositResponse)]
        pub(crate) fn deposit(&mut self, amount: u64) -> u64 {
            self.balance += amount;
            self.balance
        }
    }
}

use custom::{
    Account, AccountApi, AccountApiResponse, DepositRequest, DepositResponse, OpenAccount,
};

/// No `#[messaging]` methods: empty `Api` and `ApiResponse` enums.
pub struct Silent;

#[spindle_pool::pool_item]
impl Silent {
    /// The silent item.
    pub fn new(_id: u64) -> Self {
        Silent
    }
}

#[test]
fn requests_name_their_item() {
    assert_eq!(LogActionRequest(3, "Login".into()).id(), 3);
    assert_eq!(GetLogRequest(4).id(), 4);
    assert_eq!(UserSessionInit(5).id(), 5);
    assert_eq!(
        UserSessionApi::LogActionRequest(LogActionRequest(6, String::new())).id(),
        6
    );
    assert_eq!(UserSessionApi::GetLogRequest(GetLogRequest(7)).id(), 7);
    assert_eq!(AddRequest(8, 1, 2).id(), 8);
    assert_eq!(CounterApi::ResetRequest(ResetRequest(9)).id(), 9);
    assert_eq!(DepositRequest(10, 5).id(), 10);
    assert_eq!(AccountApi::DepositRequest(DepositRequest(11, 5)).id(), 11);
}

#[test]
fn the_seed_example_by_hand() {
    let mut session = UserSession::new_pool_item(UserSessionInit(1)).expect("session creation");
    assert_eq!(session.id(), 1);
    let counts: Vec<usize> = ["Login", "ViewProfile", "Logout"]
        .into_iter()
        .map(|action| {
            let request = UserSessionApi::LogActionRequest(LogActionRequest(1, action.into()));
            match session.process_message(request) {
                UserSessionApiResponse::LogActionResponse(LogActionResponse { id, result }) => {
                    assert_eq!(id, 1);
                    result
                }
                other => panic!("unexpected {other:?}"),
            }
        })
        .collect();
    assert_eq!(counts, [1, 2, 3]);

    let response = session.process_message(UserSessionApi::GetLogRequest(GetLogRequest(1)));
    assert_eq!(
        response,
        UserSessionApiResponse::GetLogResponse(GetLogResponse {
            id: 1,
            result: vec![
                "Action: Login".to_owned(),
                "Action: ViewProfile".to_owned(),
                "Action: Logout".to_owned()
            ],
        })
    );
    assert_eq!(UserSession::name(), "UserSession");
    assert!(session.shutdown_pool().is_empty());
}

#[test]
fn messages_round_trip() {
    let request = LogActionRequest(2, "x".into());
    assert_eq!(
        request.clone().into_message(),
        Message::<UserSession>::Call(UserSessionApi::LogActionRequest(request))
    );
    let response = LogActionResponse { id: 2, result: 9 };
    let reply = response.clone().into_reply();
    assert_eq!(
        reply,
        Reply::<UserSession>::Call(UserSessionApiResponse::LogActionResponse(response.clone()))
    );
    assert_eq!(LogActionRequest::from_reply(reply), response);

    let response = GetLogResponse {
        id: 2,
        result: vec!["a".into()],
    };
    assert_eq!(
        GetLogRequest::from_reply(response.clone().into_reply()),
        response
    );

    assert_eq!(
        UserSessionInit(3).into_message(),
        Message::<UserSession>::Add(UserSessionInit(3))
    );
    let added = AddResponse::new(3);
    assert_eq!(
        IntoReply::<UserSession>::into_reply(added),
        Reply::<UserSession>::Added(added)
    );
    assert_eq!(UserSessionInit::from_reply(Reply::Added(added)), added);
}

#[test]
#[should_panic(expected = "LogActionRequest")]
fn a_reply_of_another_kind_panics() {
    let reply = GetLogResponse {
        id: 1,
        result: Vec::new(),
    }
    .into_reply();
    let _ = LogActionRequest::from_reply(reply);
}

#[test]
#[should_panic(expected = "UserSessionInit")]
fn an_init_reply_of_another_kind_panics() {
    let _ = UserSessionInit::from_reply(Reply::Removed(RemovePoolItemResponse::new(1, true)));
}

#[test]
fn mutable_state_two_arguments_and_unit_results() {
    let mut counter = Counter::new_pool_item(CounterInit(7)).unwrap();
    let added = counter.process_message(AddRequest(7, 5, 3).into_api());
    assert_eq!(
        added,
        CounterApiResponse::AddResponse2(AddResponse2 { id: 7, result: 15 })
    );
    assert_eq!(counter.history, [5, 5, 5]);

    let scaled = counter.process_message(CounterApi::ScaleRequest(ScaleRequest(7, (2, 3), ())));
    let expected = Counter {
        id: 7,
        total: 10,
        history: vec![5, 5, 5],
    };
    assert_eq!(
        scaled,
        CounterApiResponse::ScaleResponse(ScaleResponse {
            id: 7,
            result: Some(expected)
        })
    );

    let reset = counter.process_message(CounterApi::ResetRequest(ResetRequest(7)));
    assert_eq!(
        reset,
        CounterApiResponse::ResetResponse(ResetResponse { id: 7, result: () })
    );
    assert_eq!(counter.total, 0);

    assert_eq!(Counter::name(), "Counter");
    let reports = counter.shutdown_pool();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].thread_id(), 7);
}

/// Unwraps a request into its `Api` variant through `into_message`, as the pool does.
trait IntoApi {
    fn into_api(self) -> CounterApi;
}

impl<R: RequestWithResponse<Counter>> IntoApi for R {
    fn into_api(self) -> CounterApi {
        match self.into_message() {
            Message::Call(api) => api,
            _ => panic!("not a call"),
        }
    }
}

#[test]
fn a_custom_init_and_crate_path() {
    let init = OpenAccount {
        id: 4,
        opening_balance: 100,
    };
    assert_eq!(
        init.clone().into_message(),
        Message::<Account>::Add(init.clone())
    );
    let mut account = Account::new_pool_item(init).unwrap();
    let response = account.process_message(AccountApi::DepositRequest(DepositRequest(4, 20)));
    assert_eq!(
        response,
        AccountApiResponse::DepositResponse(DepositResponse { id: 4, result: 120 })
    );
    assert_eq!(Account::name(), "Account");
}

#[test]
fn an_item_without_messages() {
    let mut silent = Silent::new_pool_item(SilentInit(1)).unwrap();
    assert!(silent.shutdown_pool().is_empty());
    assert_eq!(Silent::name(), "Silent");
    fn never_called(silent: &mut Silent, request: SilentApi) -> SilentApiResponse {
        silent.process_message(request)
    }
    let _ = never_called;
    assert_eq!(SilentInit(2).into_message().id(), 2);
}
