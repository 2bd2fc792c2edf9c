//! What `#[pool_item]` generates, exercised without a running pool: the request and response
//! types, `IdTargeted`, `RequestWithResponse` round trips, and `PoolItem` driven by hand.
//! `deny(warnings)` holds the generated code to the workspace lints (`missing_docs`,
//! `unreachable_pub`, dead code) in a crate root and in private modules.

#![deny(warnings)]

use spindle_pool::{
    AddResponse, IdTargeted, IntoReply, Message, PoolItem, RemovePoolItemResponse, Reply,
    RequestWithResponse, ThreadShutdownResponse,
};

/// `&self` methods over state in a `RefCell`, in a public module.
pub mod journal {
    use spindle_pool::{IdTargeted, pool_item};
    use std::cell::RefCell;

    /// Notes, in the order they were taken.
    #[derive(Debug)]
    pub struct Journal {
        id: u64,
        notes: RefCell<Vec<String>>,
    }

    #[pool_item]
    impl Journal {
        /// An empty journal.
        pub fn new(id: u64) -> Self {
            Self {
                id,
                notes: RefCell::default(),
            }
        }

        /// Takes a note; returns how many there are.
        #[messaging(NoteRequest, NoteResponse)]
        pub fn note(&self, text: String) -> usize {
            let mut notes = self.notes.borrow_mut();
            notes.push(format!("note: {text}"));
            notes.len()
        }

        /// The notes so far.
        #[messaging(NotesRequest, NotesResponse)]
        pub fn notes(&self) -> Vec<String> {
            self.notes.borrow().clone()
        }
    }

    impl IdTargeted for Journal {
        fn id(&self) -> u64 {
            self.id
        }
    }
}

use journal::{
    Journal, JournalApi, JournalApiResponse, JournalInit, NoteRequest, NoteResponse, NotesRequest,
    NotesResponse,
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

    // Written out by hand on purpose, as a user of `Init = ...` writes it (the other tests'
    // hand-written items take theirs from `common::init_request!`).
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
    assert_eq!(NoteRequest(3, "Login".into()).id(), 3);
    assert_eq!(NotesRequest(4).id(), 4);
    assert_eq!(JournalInit(5).id(), 5);
    assert_eq!(
        JournalApi::NoteRequest(NoteRequest(6, String::new())).id(),
        6
    );
    assert_eq!(JournalApi::NotesRequest(NotesRequest(7)).id(), 7);
    assert_eq!(AddRequest(8, 1, 2).id(), 8);
    assert_eq!(CounterApi::ResetRequest(ResetRequest(9)).id(), 9);
    assert_eq!(DepositRequest(10, 5).id(), 10);
    assert_eq!(AccountApi::DepositRequest(DepositRequest(11, 5)).id(), 11);
}

#[test]
fn a_self_item_by_hand() {
    let mut journal = Journal::new_pool_item(JournalInit(1)).expect("journal creation");
    assert_eq!(journal.id(), 1);
    let counts: Vec<usize> = ["Login", "ViewProfile", "Logout"]
        .into_iter()
        .map(|action| {
            let request = JournalApi::NoteRequest(NoteRequest(1, action.into()));
            match journal.process_message(request) {
                JournalApiResponse::NoteResponse(NoteResponse { id, result }) => {
                    assert_eq!(id, 1);
                    result
                }
                other => panic!("unexpected {other:?}"),
            }
        })
        .collect();
    assert_eq!(counts, [1, 2, 3]);

    let response = journal.process_message(JournalApi::NotesRequest(NotesRequest(1)));
    assert_eq!(
        response,
        JournalApiResponse::NotesResponse(NotesResponse {
            id: 1,
            result: vec![
                "note: Login".to_owned(),
                "note: ViewProfile".to_owned(),
                "note: Logout".to_owned()
            ],
        })
    );
    assert_eq!(Journal::name(), "Journal");
    assert!(journal.shutdown_pool().is_empty());
}

#[test]
fn messages_round_trip() {
    let request = NoteRequest(2, "x".into());
    assert_eq!(
        request.clone().into_message(),
        Message::<Journal>::Call(JournalApi::NoteRequest(request))
    );
    let response = NoteResponse { id: 2, result: 9 };
    let reply = response.clone().into_reply();
    assert_eq!(
        reply,
        Reply::<Journal>::Call(JournalApiResponse::NoteResponse(response.clone()))
    );
    assert_eq!(NoteRequest::from_reply(reply), response);

    let response = NotesResponse {
        id: 2,
        result: vec!["a".into()],
    };
    assert_eq!(
        NotesRequest::from_reply(response.clone().into_reply()),
        response
    );

    assert_eq!(
        JournalInit(3).into_message(),
        Message::<Journal>::Add(JournalInit(3))
    );
    let added = AddResponse::new(3, Ok(3));
    assert_eq!(
        IntoReply::<Journal>::into_reply(added.clone()),
        Reply::<Journal>::Added(added.clone())
    );
    assert_eq!(JournalInit::from_reply(Reply::Added(added.clone())), added);
}

#[test]
#[should_panic(expected = "NoteRequest")]
fn a_reply_of_another_kind_panics() {
    let reply = NotesResponse {
        id: 1,
        result: Vec::new(),
    }
    .into_reply();
    let _ = NoteRequest::from_reply(reply);
}

#[test]
#[should_panic(expected = "JournalInit")]
fn an_init_reply_of_another_kind_panics() {
    let _ = JournalInit::from_reply(Reply::Removed(RemovePoolItemResponse::new(1, true)));
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

impl<R: RequestWithResponse<Counter> + 'static> IntoApi for R {
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
