//! Worker start and exit hooks: run on each worker, before its first job and after its last,
//! each contained.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use spindle_executor::ThreadPool;

thread_local! {
    static SET_UP: Cell<Option<usize>> = const { Cell::new(None) };
}

#[test]
fn the_start_hook_runs_on_each_worker_before_its_jobs() {
    let pool = ThreadPool::builder()
        .num_threads(2)
        .start_handler(|index| SET_UP.with(|s| s.set(Some(index))))
        .build()
        .unwrap();
    // Every job sees the thread-local its worker's hook set, with the worker's own index.
    let seen = Mutex::new(Vec::new());
    pool.scope(|s| {
        for _ in 0..16 {
            s.spawn(|_| {
                let index = spindle_executor::current_thread_index();
                seen.lock().unwrap().push((SET_UP.with(Cell::get), index));
            });
        }
    });
    for (set_up, index) in seen.into_inner().unwrap() {
        assert!(set_up.is_some());
        assert_eq!(set_up, index);
    }
}

#[test]
fn the_exit_hook_runs_once_per_worker_at_shutdown() {
    let exited = Arc::new(Mutex::new(Vec::new()));
    let pool = {
        let exited = Arc::clone(&exited);
        ThreadPool::builder()
            .num_threads(3)
            .exit_handler(move |index| exited.lock().unwrap().push(index))
            .build()
            .unwrap()
    };
    pool.install(|| ());
    assert!(exited.lock().unwrap().is_empty());
    pool.shutdown();
    let mut exited = exited.lock().unwrap().clone();
    exited.sort_unstable();
    assert_eq!(exited, [0, 1, 2]);
}

#[test]
fn a_panicking_hook_goes_to_the_panic_handler_and_the_worker_still_works() {
    let panics = Arc::new(AtomicUsize::new(0));
    let pool = {
        let panics = Arc::clone(&panics);
        ThreadPool::builder()
            .num_threads(2)
            .start_handler(|_| panic!("start hook"))
            .exit_handler(|_| panic!("exit hook"))
            .panic_handler(move |_| {
                panics.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap()
    };
    assert_eq!(pool.install(|| 6 * 7), 42);
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
    pool.shutdown();
    assert_eq!(
        panics.load(Ordering::SeqCst),
        4,
        "two start and two exit panics"
    );
}
