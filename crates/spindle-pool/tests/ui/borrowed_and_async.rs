use spindle_pool::pool_item;

pub struct Item {
    name: String,
}

#[pool_item]
impl Item {
    pub fn new(_id: u64) -> Self {
        Self {
            name: String::new(),
        }
    }

    #[messaging(RenameRequest, RenameResponse)]
    pub fn rename(&mut self, name: &str) {
        self.name = name.to_owned();
    }

    #[messaging(NameRequest, NameResponse)]
    pub fn name(&self) -> &str {
        &self.name
    }

    #[messaging(WordsRequest, WordsResponse)]
    pub fn words(&self, sep: Option<&'static str>, words: Vec<std::borrow::Cow<'_, str>>) -> usize {
        sep.map_or(words.len(), |_| 0)
    }

    #[messaging(FetchRequest, FetchResponse)]
    pub async fn fetch(&self) -> String {
        self.name.clone()
    }

    #[messaging(PokeRequest, PokeResponse)]
    pub unsafe fn poke(&self) {}
}

fn main() {}
