use spindle_pool::pool_item;

pub struct Item;

#[pool_item]
impl Clone for Item {
    #[messaging(CloneRequest, CloneResponse)]
    fn clone(&self) -> Self {
        Item
    }
}

fn main() {
    let _ = Item.clone();
}
