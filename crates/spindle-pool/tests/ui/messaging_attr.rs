use spindle_pool::pool_item;

pub struct Item;

#[pool_item]
impl Item {
    pub fn new(_id: u64) -> Self {
        Item
    }

    #[messaging]
    pub fn a(&self) {}

    #[messaging(BRequest)]
    pub fn b(&self) {}

    #[messaging(CRequest, CResponse, CError)]
    pub fn c(&self) {}

    #[messaging(requests::DRequest, DResponse)]
    pub fn d(&self) {}

    #[messaging("ERequest", EResponse)]
    pub fn e(&self) {}

    #[messaging(FRequest, FResponse)]
    #[messaging(FRequest2, FResponse2)]
    pub fn f(&self) {}

    #[messaging(GRequest, GResponse)]
    pub const G: u32 = 1;
}

fn main() {}
