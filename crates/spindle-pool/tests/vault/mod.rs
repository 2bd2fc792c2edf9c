//! A `#[pool_item]` for the reliability suites whose every user-code point can be made to
//! panic: its constructor, a method, its shutdown hook, its `Drop`. Its state and every
//! request and response carry drop-counted tokens.

#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::cell::RefCell;
use std::rc::Rc;

use spindle_pool::{IdTargeted, ThreadShutdownResponse, pool_item};

use spindle_test_support::Token;

/// Where a vault fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Its constructor panics.
    New,
    /// Its shutdown hook panics.
    Hook,
    /// Its `Drop` panics (on removal, after a panicking method, at shutdown).
    Drop,
    /// Its `OpenVault`'s `id()` panics on the pool's threads (not on the caller's).
    Id,
}

/// A request argument whose `Drop` panics unless it was defused (or the thread is already
/// unwinding). Its token counts its drops either way.
#[derive(Debug, PartialEq)]
pub struct Bomb(pub Option<Token>);

impl Bomb {
    pub fn new(token: Token) -> Self {
        Bomb(Some(token))
    }

    /// Takes the token out: the bomb no longer panics when dropped.
    pub fn defuse(mut self) -> Token {
        self.0.take().expect("a live bomb")
    }
}

impl Clone for Bomb {
    fn clone(&self) -> Self {
        Bomb(self.0.clone())
    }
}

impl Drop for Bomb {
    fn drop(&mut self) {
        if let Some(token) = &self.0 {
            if !std::thread::panicking() {
                panic!("bomb {} went off", token.id());
            }
        }
    }
}

/// Creates a vault: its id, the token its state holds, and where it fails.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenVault {
    pub id: u64,
    pub token: Token,
    pub fault: Fault,
    /// Carried along (defused by the constructor): its `Drop` panics if the init is refused.
    pub bomb: Option<Bomb>,
}

impl OpenVault {
    pub fn new(id: u64, token: Token) -> Self {
        Self::failing(id, token, Fault::None)
    }

    pub fn failing(id: u64, token: Token, fault: Fault) -> Self {
        OpenVault {
            id,
            token,
            fault,
            bomb: None,
        }
    }

    /// An init carrying a [`Bomb`]: refused (a duplicate id), it panics as it is dropped.
    pub fn with_bomb(id: u64, token: Token, bomb: Bomb) -> Self {
        OpenVault {
            bomb: Some(bomb),
            ..Self::new(id, token)
        }
    }
}

impl IdTargeted for OpenVault {
    fn id(&self) -> u64 {
        let on_pool_thread = std::thread::current()
            .name()
            .is_some_and(|name| name.starts_with("Vault-"));
        if self.fault == Fault::Id && on_pool_thread {
            panic!("vault {}: id failed", self.id);
        }
        self.id
    }
}

crate::common::init_request!(Vault: OpenVault);

/// An item with non-`Send` state holding tokens.
#[derive(Debug)]
pub struct Vault {
    id: u64,
    fault: Fault,
    _token: Token,
    held: Rc<RefCell<Vec<Token>>>,
}

impl IdTargeted for Vault {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item(Init = "OpenVault", Shutdown = "close")]
impl Vault {
    pub fn new(init: OpenVault) -> Self {
        let OpenVault {
            id,
            token,
            fault,
            bomb,
        } = init;
        let _bomb_token = bomb.map(Bomb::defuse);
        if fault == Fault::New {
            drop(token);
            panic!("vault {id}: constructor failed");
        }
        Vault {
            id,
            fault,
            _token: token,
            held: Rc::default(),
        }
    }

    /// Keeps `token`; returns how many it holds.
    #[messaging(StoreRequest, StoreResponse)]
    pub fn store(&mut self, token: Token) -> usize {
        self.held.borrow_mut().push(token);
        self.held.borrow().len()
    }

    /// Hands `token` back in the response.
    #[messaging(EchoRequest, EchoResponse)]
    pub fn echo(&self, token: Token) -> Token {
        token
    }

    /// Panics (the argument is dropped as the stack unwinds).
    #[messaging(FailRequest, FailResponse)]
    pub fn fail(&mut self, token: Token) -> usize {
        let _token = token;
        panic!("vault {}: method failed", self.id)
    }

    /// Keeps the bomb's token, defused; returns how many tokens it holds.
    #[messaging(TakeRequest, TakeResponse)]
    pub fn take(&mut self, bomb: Bomb) -> usize {
        self.store(bomb.defuse())
    }

    /// Panics with a payload whose own `Drop` panics.
    #[messaging(BombRequest, BombResponse)]
    pub fn bomb(&mut self, token: Token) -> usize {
        std::panic::panic_any(spindle_test_support::BombPayload(token))
    }

    fn close(&mut self) -> Vec<ThreadShutdownResponse> {
        assert!(self.fault != Fault::Hook, "vault {}: hook failed", self.id);
        vec![ThreadShutdownResponse::new(1000 + self.id, Vec::new())]
    }
}

impl Drop for Vault {
    fn drop(&mut self) {
        if self.fault == Fault::Drop && !std::thread::panicking() {
            panic!("vault {}: drop failed", self.id);
        }
    }
}
