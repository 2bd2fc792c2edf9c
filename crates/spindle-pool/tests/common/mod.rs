//! A pool item written by hand (no macro), shared by the runtime tests.
#![allow(dead_code, unreachable_pub, unused_macros)]

use std::cell::RefCell;
use std::rc::Rc;

use spindle_pool::{
    IdTargeted, IntoReply, Message, NewPoolItemError, PoolItem, Reply, RequestWithResponse,
    ThreadShutdownResponse, pool_item,
};

/// `assert_eq!` for values holding [`PoolError`](spindle_pool::PoolError)s, which are not
/// `PartialEq` (the panics they carry are not): equal when their `Debug` forms are, which show
/// every field, a panic's message included.
#[track_caller]
pub fn assert_same(actual: &impl std::fmt::Debug, expected: &impl std::fmt::Debug) {
    assert_eq!(format!("{actual:?}"), format!("{expected:?}"));
}

/// Runs `test` under the watchdog with fresh [`Tokens`](spindle_test_support::Tokens); once it
/// returns (its pool and everything else holding tokens dropped), checks that every token was
/// dropped exactly once.
pub fn with_tokens(test: impl FnOnce(&spindle_test_support::Tokens) + Send + 'static) {
    spindle_test_support::within(spindle_test_support::LIMIT, || {
        let tokens = spindle_test_support::Tokens::new();
        test(&tokens);
        tokens.assert_each_dropped_once();
    });
}

/// Sends `requests` as one batch, every one to succeed, and drops the answers.
#[track_caller]
pub fn send_all<P: PoolItem + 'static, R: RequestWithResponse<P> + 'static>(
    pool: &spindle_pool::ItemPool<P>,
    requests: impl IntoIterator<Item = R>,
) {
    pool.send_and_receive(requests).unwrap().for_each(drop);
}

/// A panic as an item's method raises it: `panic!` with a formatted message.
pub fn panic(message: &str) -> spindle_pool::Panic {
    spindle_pool::Panic::new(Box::new(message.to_owned()))
}

/// Constructor calls per id, across the test binary (tests use ids of their own).
pub static CONSTRUCTED: std::sync::Mutex<std::collections::BTreeMap<u64, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// How many times an item with this id was constructed.
pub fn constructed(id: u64) -> usize {
    CONSTRUCTED.lock().unwrap().get(&id).copied().unwrap_or(0)
}

/// An item with non-Send state, a constructor that can fail or panic, and a shutdown hook.
#[derive(Debug)]
pub struct Cell {
    pub id: u64,
    pub values: Rc<RefCell<Vec<i64>>>,
}

impl IdTargeted for Cell {
    fn id(&self) -> u64 {
        self.id
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CellInit(pub u64);
impl IdTargeted for CellInit {
    fn id(&self) -> u64 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CellApi {
    Push(u64, i64),
    Sum(u64),
    Panic(u64),
    Thread(u64),
}
impl IdTargeted for CellApi {
    fn id(&self) -> u64 {
        match self {
            CellApi::Push(id, _) | CellApi::Sum(id) | CellApi::Panic(id) | CellApi::Thread(id) => {
                *id
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CellResponse {
    Len(usize),
    Sum(i64),
    Thread(String),
}

impl PoolItem for Cell {
    type Init = CellInit;
    type Api = CellApi;
    type ApiResponse = CellResponse;

    fn new_pool_item(init: CellInit) -> Result<Self, NewPoolItemError> {
        *CONSTRUCTED.lock().unwrap().entry(init.0).or_default() += 1;
        match init.0 {
            666 => panic!("constructor panicked"),
            999 => Err("refused".into()),
            id => Ok(Cell {
                id,
                values: Rc::default(),
            }),
        }
    }

    fn process_message(&mut self, request: CellApi) -> CellResponse {
        match request {
            CellApi::Push(_, v) => {
                self.values.borrow_mut().push(v);
                CellResponse::Len(self.values.borrow().len())
            }
            CellApi::Sum(_) => CellResponse::Sum(self.values.borrow().iter().sum()),
            CellApi::Panic(_) => panic!("item {} panicked", self.id),
            CellApi::Thread(_) => {
                CellResponse::Thread(std::thread::current().name().unwrap_or("").to_owned())
            }
        }
    }

    fn shutdown_pool(&mut self) -> Vec<ThreadShutdownResponse> {
        assert!(self.id != 13, "unlucky shutdown hook");
        let thread = std::thread::current();
        assert!(
            thread.name().unwrap_or("").starts_with("Cell-"),
            "the hook runs on the item's thread"
        );
        vec![ThreadShutdownResponse::new(1000 + self.id, vec![])]
    }

    fn name() -> &'static str {
        "Cell"
    }
}

/// A request type per API variant, as the macro would generate.
macro_rules! request {
    ($req:ident($($field:ident: $t:ty),*) => $variant:ident, $resp:ident: $rv:ident($rt:ty)) => {
        #[derive(Debug, Clone, PartialEq)]
        pub struct $req(pub u64 $(, pub $t)*);
        impl IdTargeted for $req {
            fn id(&self) -> u64 {
                self.0
            }
        }
        #[derive(Debug, Clone, PartialEq)]
        pub struct $resp {
            pub id: u64,
            pub result: $rt,
        }
        impl IntoReply<Cell> for $resp {
            fn into_reply(self) -> Reply<Cell> {
                Reply::Call(CellResponse::$rv(self.result))
            }
        }
        impl RequestWithResponse<Cell> for $req {
            type Response = $resp;
            #[allow(unused_variables)]
            fn into_message(self) -> Message<Cell> {
                let $req(id $(, $field)*) = self;
                Message::Call(CellApi::$variant(id $(, $field)*))
            }
            fn from_reply(reply: Reply<Cell>) -> $resp {
                match reply {
                    Reply::Call(CellResponse::$rv(result)) => $resp { id: 0, result },
                    _ => panic!("wrong reply"),
                }
            }
        }
    };
}

request!(PushRequest(value: i64) => Push, PushResponse: Len(usize));
request!(SumRequest() => Sum, SumResponse: Sum(i64));
request!(PanicRequest() => Panic, PanicResponse: Len(usize));
request!(ThreadRequest() => Thread, ThreadResponse: Thread(String));

/// `RequestWithResponse` for a hand-written item's `Init` (what `#[pool_item]` generates for
/// its own): `Message::Add` out, `Reply::Added` back. `macro_expansion.rs` writes one out by
/// hand.
macro_rules! init_request {
    ($item:ty: $init:ty) => {
        impl spindle_pool::RequestWithResponse<$item> for $init {
            type Response = spindle_pool::AddResponse;
            fn into_message(self) -> spindle_pool::Message<$item> {
                spindle_pool::Message::Add(self)
            }
            fn from_reply(reply: spindle_pool::Reply<$item>) -> spindle_pool::AddResponse {
                match reply {
                    spindle_pool::Reply::Added(added) => added,
                    _ => panic!("not an Added reply"),
                }
            }
        }
    };
}
#[allow(unused_imports)] // each test binary uses a different subset
pub(crate) use init_request;

/// `RequestWithResponse` and `IntoReply` for a hand-written item whose `Api` is the one
/// request type and whose `ApiResponse` is the one response type.
macro_rules! call_request {
    ($item:ty: $request:ty => $response:ty) => {
        impl spindle_pool::RequestWithResponse<$item> for $request {
            type Response = $response;
            fn into_message(self) -> spindle_pool::Message<$item> {
                spindle_pool::Message::Call(self)
            }
            fn from_reply(reply: spindle_pool::Reply<$item>) -> $response {
                match reply {
                    spindle_pool::Reply::Call(response) => response,
                    _ => panic!("not a Call reply"),
                }
            }
        }
        impl spindle_pool::IntoReply<$item> for $response {
            fn into_reply(self) -> spindle_pool::Reply<$item> {
                spindle_pool::Reply::Call(self)
            }
        }
    };
}
#[allow(unused_imports)] // each test binary uses a different subset
pub(crate) use call_request;

init_request!(Cell: CellInit);

/// A meter: a running total per id; the `#[pool_item]` of the tests that need any item.
#[derive(Debug, PartialEq)]
pub struct Meter {
    id: u64,
    total: u64,
}

#[pool_item]
impl Meter {
    /// An empty meter.
    pub fn new(id: u64) -> Self {
        Meter { id, total: 0 }
    }

    /// Adds `amount`; returns the total.
    #[messaging(RecordRequest, RecordResponse)]
    pub fn record(&mut self, amount: u64) -> u64 {
        self.total += amount;
        self.total
    }
}

impl IdTargeted for Meter {
    fn id(&self) -> u64 {
        self.id
    }
}
