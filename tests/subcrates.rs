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

#[spindle::pool::pool_item]
impl ItemForPrelude {
    /// A new item.
    pub fn new(id: u64) -> Self {
        ItemForPrelude { id }
    }
}

#[test]
fn one_error_family_across_the_parts() {
    use spindle::BuildError;
    use std::any::TypeId;
    fn same<A: 'static, B: 'static>() -> bool {
        TypeId::of::<A>() == TypeId::of::<B>()
    }
    // A refused value, a caught panic and a build failure are one type each, whichever part
    // hands it out, so one `match` works everywhere.
    assert!(same::<spindle::Closed<u8>, spindle::queue::Closed<u8>>());
    assert!(same::<spindle::Closed<u8>, spindle::executor::Closed<u8>>());
    assert!(same::<spindle::Closed<u8>, spindle::actor::Closed<u8>>());
    assert!(same::<spindle::Panic, spindle::executor::Panic>());
    assert!(same::<spindle::Panic, spindle::actor::Panic>());
    assert!(same::<spindle::Panic, spindle::pool::Panic>());
    assert!(same::<BuildError, spindle::executor::BuildError>());
    assert!(same::<BuildError, spindle::actor::BuildError>());
    assert!(same::<BuildError, spindle::pool::BuildError>());

    // And every `new` fails the same way, with a `Result`.
    assert!(matches!(
        spindle::executor::ThreadPool::new(0),
        Err(BuildError::ZeroThreads)
    ));
    assert!(matches!(
        spindle::actor::Shards::new(0),
        Err(BuildError::ZeroThreads)
    ));
    assert!(matches!(
        spindle::pool::ItemPool::<ItemForPrelude>::new(0),
        Err(BuildError::ZeroThreads)
    ));
}
