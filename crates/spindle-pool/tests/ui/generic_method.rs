use spindle_pool::pool_item;

pub struct Item {
    values: Vec<String>,
}

#[pool_item]
impl Item {
    pub fn new(_id: u64) -> Self {
        Self { values: Vec::new() }
    }

    #[messaging(PushRequest, PushResponse)]
    pub fn push<T: ToString>(&mut self, value: T) {
        self.values.push(value.to_string());
    }

    #[messaging(ExtendRequest, ExtendResponse)]
    pub fn extend(&mut self, values: impl IntoIterator<Item = String>) {
        self.values.extend(values);
    }

    #[messaging(IterRequest, IterResponse)]
    pub fn iter(&self) -> impl Iterator<Item = String> {
        self.values.clone().into_iter()
    }
}

fn main() {}
