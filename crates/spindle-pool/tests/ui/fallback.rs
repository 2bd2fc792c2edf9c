// One bad method: its error alone is reported. The impl block and the other messages are still
// generated, so the code using them (and the pool item) raises no further error.
use spindle_pool::{IdTargeted, PoolItem, pool_item};

pub struct Counter {
    id: u64,
    count: u64,
}

impl IdTargeted for Counter {
    fn id(&self) -> u64 {
        self.id
    }
}

#[pool_item]
impl Counter {
    pub fn new(id: u64) -> Self {
        Self { id, count: 0 }
    }

    #[messaging(IncrementRequest, IncrementResponse)]
    pub fn increment(&mut self) -> u64 {
        self.count += 1;
        self.count
    }

    #[messaging(ResetRequest, ResetResponse)]
    pub fn reset(mut self) {
        self.count = 0;
    }
}

fn main() {
    let mut counter = Counter::new_pool_item(CounterInit(1)).unwrap();
    let response = counter.process_message(CounterApi::IncrementRequest(IncrementRequest(1)));
    assert_eq!(
        response,
        CounterApiResponse::IncrementResponse(IncrementResponse { id: 1, result: 1 })
    );
    let _ = counter.id();
}
