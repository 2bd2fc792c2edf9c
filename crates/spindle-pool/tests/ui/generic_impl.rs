use spindle_pool::pool_item;

pub struct Item<T> {
    value: T,
}

#[pool_item]
impl<T: Clone + Send + 'static> Item<T> {
    pub fn new(value: T) -> Self {
        Self { value }
    }

    #[messaging(GetRequest, GetResponse)]
    pub fn get(&self) -> T {
        self.value.clone()
    }
}

pub struct Fixed<T>(T);

#[pool_item]
impl Fixed<u32> {
    pub fn new(id: u64) -> Self {
        Fixed(id as u32)
    }
}

fn main() {}
