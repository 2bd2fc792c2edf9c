use spindle_pool::pool_item;

pub struct Item;

#[pool_item]
impl Item {
    pub fn new(_id: u64) -> Self {
        Item
    }

    #[messaging(GetRequest, GetResponse)]
    pub fn get(&self) -> u32 {
        1
    }

    #[messaging(GetRequest, FetchResponse)]
    pub fn fetch(&self) -> u32 {
        2
    }

    #[messaging(PeekRequest, GetResponse)]
    pub fn peek(&self) -> u32 {
        3
    }

    #[messaging(SameName, SameName)]
    pub fn same(&self) {}

    #[messaging(ItemApi, ApiResponse)]
    pub fn api(&self) {}
}

fn main() {}
