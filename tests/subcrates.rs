//! Each part is reachable through the facade, and the prelude names what it promises.

#[test]
fn every_part_is_re_exported() {
    let q = spindle::queue::Queue::new();
    q.push(1u8).unwrap();
    assert_eq!(q.pop(), Some(1));

    let pool = spindle::executor::ThreadPool::new(1).unwrap();
    assert_eq!(pool.join(|| 1, || 2), (1, 2));

    let mut rt = spindle::actor::Runtime::new();
    let a = rt.spawn(|_| 5u8);
    rt.run(std::time::Instant::now());
    assert_eq!(rt.query(&a, |n, _| *n), Some(5));

    let _: fn(u64) -> spindle::pool::RemovePoolItemRequest = spindle::pool::RemovePoolItemRequest;
}

#[test]
fn the_prelude_holds_both_thread_pools_apart() {
    use spindle::prelude::*;
    fn names<T>(_: Option<T>) {}
    names::<ThreadPool>(None);
    names::<Queue<u8>>(None);
    names::<BoundedQueue<u8>>(None);
    names::<Runtime>(None);
    names::<Shards>(None);
    #[derive(Debug)]
    struct Item;
    impl IdTargeted for Item {
        fn id(&self) -> u64 {
            0
        }
    }
    assert_eq!(Item.id(), 0);
    let _ = std::any::type_name::<ItemPool<ItemForPrelude>>();
}

/// A minimal item, to name `ItemPool<_>` from the prelude.
#[derive(Debug)]
pub struct ItemForPrelude {
    id: u64,
}

impl spindle::pool::IdTargeted for ItemForPrelude {
    fn id(&self) -> u64 {
        self.id
    }
}

#[spindle::pool::pool_item(crate = "spindle::pool")]
impl ItemForPrelude {
    /// A new item.
    pub fn new(id: u64) -> Self {
        ItemForPrelude { id }
    }
}
