use spindle_pool::pool_item;

pub struct Item {
    count: u32,
}

#[pool_item]
impl Item {
    pub fn new(_id: u64) -> Self {
        Self { count: 0 }
    }

    #[messaging(VersionRequest, VersionResponse)]
    pub fn version() -> u32 {
        1
    }

    #[messaging(FinishRequest, FinishResponse)]
    pub fn finish(self) -> u32 {
        self.count
    }

    #[messaging(ShareRequest, ShareResponse)]
    pub fn share(self: std::rc::Rc<Self>) -> u32 {
        self.count
    }
}

fn main() {}
