//! `build_global` before first use: the free functions then run on a pool with these
//! settings. Its own test binary, so no other test builds the global pool first.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use spindle_executor::{BuildError, ThreadPoolBuilder, current_num_threads, join};

mod common;

#[test]
fn build_global_sets_the_pool_the_free_functions_use_once() {
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    ThreadPoolBuilder::new()
        .num_threads(2)
        .thread_name(|i| format!("global-{i}"))
        .start_handler(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .build_global()
        .unwrap();
    assert_eq!(current_num_threads(), 2);
    let (a, b) = join(
        || std::thread::current().name().map(str::to_owned),
        || std::thread::current().name().map(str::to_owned),
    );
    for name in [a, b] {
        assert!(name.is_some_and(|n| n.starts_with("global-")));
    }
    common::eventually("the start handlers did not all run", || {
        started.load(Ordering::SeqCst) == 2
    });
    assert!(matches!(
        ThreadPoolBuilder::new().build_global(),
        Err(BuildError::GlobalPoolExists)
    ));
}
