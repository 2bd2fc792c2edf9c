use spindle_pool::pool_item;

pub struct A;

#[pool_item(init = "AInit", Shutdown = "stop", Shutdown = "halt", Threads = 4)]
impl A {
    pub fn new(_id: u64) -> Self {
        A
    }
}

pub struct B;

#[pool_item(Init)]
impl B {
    pub fn new(_id: u64) -> Self {
        B
    }
}

pub struct C;

#[pool_item(Init = "not a type", Shutdown = "self.stop", crate = "::")]
impl C {
    pub fn new(_id: u64) -> Self {
        C
    }
}

fn main() {}
