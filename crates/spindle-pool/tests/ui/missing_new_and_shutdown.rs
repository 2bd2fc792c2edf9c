// Not the macro's own checks: what the compiler says when the generated code meets a missing
// constructor or shutdown method, or a constructor of the wrong type, pointing at the names the
// user wrote.
use spindle_pool::{IdTargeted, pool_item};

pub struct Item;

#[pool_item(Shutdown = "cleanup")]
impl Item {
    pub fn create(_id: u64) -> Self {
        Item
    }
}

pub struct Account;

pub struct OpenAccount(pub u64);

impl IdTargeted for OpenAccount {
    fn id(&self) -> u64 {
        self.0
    }
}

#[pool_item(Init = "OpenAccount")]
impl Account {
    pub fn new(_id: u64) -> Self {
        Account
    }
}

fn main() {}

// Below the cases, so that the expected errors keep their lines: a user's `Init` is a request
// answered with an `AddResponse` (`PoolItem::Init`'s bound); the trait's defaults do the rest.
impl spindle_pool::RequestWithResponse<Account> for OpenAccount {
    type Response = spindle_pool::AddResponse;
}
