//! The free functions: on the current worker's pool inside a pool, on the global pool
//! outside, built on first use with the default settings.

use std::sync::mpsc;
use std::thread;

use spindle_executor::{
    BuildError, ThreadPool, ThreadPoolBuilder, current_num_threads, current_thread_index, join,
    scope, spawn,
};

fn thread_name() -> String {
    thread::current().name().unwrap_or("").to_owned()
}

fn named_pool(prefix: &'static str, threads: usize) -> ThreadPool {
    ThreadPool::builder()
        .num_threads(threads)
        .thread_name(move |i| format!("{prefix}{i}"))
        .build()
        .unwrap()
}

#[test]
fn inside_a_pool_the_free_functions_use_that_pool() {
    let pool = named_pool("own-", 3);
    pool.install(|| {
        assert_eq!(current_num_threads(), 3);
        assert!(current_thread_index().is_some_and(|i| i < 3));
        let (a, b) = join(thread_name, thread_name);
        assert!(a.starts_with("own-") && b.starts_with("own-"), "{a} / {b}");
        let names = std::sync::Mutex::new(Vec::new());
        scope(|s| {
            for _ in 0..8 {
                s.spawn(|_| names.lock().unwrap().push(thread_name()));
            }
        });
        let names = names.into_inner().unwrap();
        assert_eq!(names.len(), 8);
        assert!(names.iter().all(|n| n.starts_with("own-")), "{names:?}");
        let (tx, rx) = mpsc::channel();
        spawn(move || tx.send(thread_name()).unwrap());
        assert!(rx.recv().unwrap().starts_with("own-"));
    });
}

#[test]
fn outside_every_pool_the_free_functions_use_the_global_pool() {
    assert_eq!(current_thread_index(), None);
    let (a, b) = join(current_thread_index, current_thread_index);
    assert!(
        a.is_some() && b.is_some(),
        "join did not move into the global pool"
    );
    let (tx, rx) = mpsc::channel();
    spawn(move || tx.send(current_thread_index()).unwrap());
    assert!(rx.recv().unwrap().is_some());
    let mut squares = vec![0u64; 100];
    scope(|s| {
        for (i, slot) in squares.iter_mut().enumerate() {
            s.spawn(move |_| *slot = (i * i) as u64);
        }
    });
    assert_eq!(squares[99], 99 * 99);
    let expected = thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(current_num_threads(), expected);
}

#[test]
fn a_free_join_recurses_without_a_pool_reference() {
    fn sum(range: std::ops::Range<u64>) -> u64 {
        if range.end - range.start <= 64 {
            return range.sum();
        }
        let mid = range.start + (range.end - range.start) / 2;
        let (a, b) = join(|| sum(range.start..mid), || sum(mid..range.end));
        a + b
    }
    let n = if cfg!(miri) { 1_000 } else { 1_000_000 };
    assert_eq!(sum(0..n), n * (n - 1) / 2);
}

#[test]
fn a_panic_in_a_free_spawn_is_contained_and_the_pool_goes_on() {
    spawn(|| panic!("contained"));
    let (tx, rx) = mpsc::channel();
    spawn(move || tx.send(7).unwrap());
    assert_eq!(rx.recv().unwrap(), 7);
}

#[test]
fn build_global_is_refused_once_the_global_pool_exists() {
    // Any free function builds it; the other tests in this binary may have done so already.
    let _ = current_num_threads();
    let again = ThreadPoolBuilder::new().num_threads(1).build_global();
    assert!(matches!(again, Err(BuildError::GlobalPoolExists)));
    assert_eq!(
        again.unwrap_err().to_string(),
        "the global pool is already built (by an earlier build_global, or with the default \
         settings on first use)"
    );
}
