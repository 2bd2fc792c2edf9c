use spindle_pool::pool_item;

#[pool_item]
pub struct Item {
    id: u64,
}

#[pool_item]
fn helper() {}

fn main() {
    let _ = Item { id: 1 }.id;
    helper();
}
