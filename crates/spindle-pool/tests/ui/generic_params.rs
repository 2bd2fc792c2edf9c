// Type parameters are supported (see tests/generic_items.rs); lifetime and const parameters
// are not, each with its own error on the parameter.
use spindle_pool::pool_item;

pub struct Borrowing<'a> {
    name: &'a str,
}

#[pool_item]
impl<'a> Borrowing<'a> {
    pub fn new(_id: u64) -> Self {
        Borrowing { name: "" }
    }

    #[messaging(NameRequest, NameResponse)]
    pub fn name(&self) -> usize {
        self.name.len()
    }
}

pub struct Buffer<const N: usize>([u8; N]);

#[pool_item]
impl<const N: usize> Buffer<N> {
    pub fn new(_id: u64) -> Self {
        Buffer([0; N])
    }
}

fn main() {}
