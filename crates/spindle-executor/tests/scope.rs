//! Scopes: borrowed data, nesting, many and large tasks, panics after everything finished.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use spindle_executor::{Scope, ThreadPool};

#[test]
fn tasks_write_into_borrowed_slots() {
    let pool = ThreadPool::new(2).unwrap();
    let mut out = vec![0usize; 500];
    let offset = 7;
    pool.scope(|s| {
        for (i, slot) in out.iter_mut().enumerate() {
            s.spawn(move |_| *slot = i + offset);
        }
    });
    assert!(out.iter().enumerate().all(|(i, &v)| v == i + 7));
}

/// Spawns a binary tree of tasks `depth` deep, counting the leaves.
fn tree<'scope>(s: &Scope<'scope>, depth: u32, leaves: &'scope AtomicUsize) {
    if depth == 0 {
        leaves.fetch_add(1, Ordering::Relaxed);
        return;
    }
    s.spawn(move |s| tree(s, depth - 1, leaves));
    s.spawn(move |s| tree(s, depth - 1, leaves));
}

#[test]
fn nested_spawns_are_all_awaited() {
    let pool = ThreadPool::new(3).unwrap();
    let leaves = AtomicUsize::new(0);
    let depth = if cfg!(miri) { 4 } else { 12 };
    pool.scope(|s| tree(s, depth, &leaves));
    assert_eq!(leaves.load(Ordering::Relaxed), 1 << depth);
}

#[test]
fn large_closures_and_more_tasks_than_slots_work() {
    let pool = ThreadPool::new(2).unwrap();
    let sum = AtomicUsize::new(0);
    let big = [1usize; 32]; // 256 bytes captured by value: boxed, not inline
    pool.scope(|s| {
        for _ in 0..300 {
            let sum = &sum;
            s.spawn(move |_| {
                sum.fetch_add(big.iter().sum::<usize>(), Ordering::Relaxed);
            });
            s.spawn(move |_| {
                sum.fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    assert_eq!(sum.load(Ordering::Relaxed), 300 * 32 + 300);
}

/// Runs `body` in a scope on `pool`, handing it a counter its tasks may borrow; the scope must
/// panic. Returns the panic's payload and the count once the scope returned.
fn a_panicking_scope(
    pool: &ThreadPool,
    body: impl for<'s> FnOnce(&Scope<'s>, &'s AtomicUsize) + Send,
) -> (Box<dyn std::any::Any + Send>, usize) {
    let finished = AtomicUsize::new(0);
    let result = catch_unwind(AssertUnwindSafe(|| pool.scope(|s| body(s, &finished))));
    (result.unwrap_err(), finished.load(Ordering::SeqCst))
}

#[test]
fn a_panicking_task_reaches_the_caller_after_every_task_finished() {
    let pool = ThreadPool::new(2).unwrap();
    let (payload, finished) = a_panicking_scope(&pool, |s, finished| {
        s.spawn(|_| panic!("scoped task"));
        for _ in 0..10 {
            s.spawn(move |_| {
                thread::sleep(Duration::from_millis(1));
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"scoped task"));
    assert_eq!(finished, 10);
    assert_eq!(pool.install(|| 1), 1);
}

#[test]
fn a_panicking_body_still_waits_for_its_tasks() {
    let pool = ThreadPool::new(2).unwrap();
    let (payload, finished) = a_panicking_scope(&pool, |s, finished| {
        s.spawn(move |_| {
            thread::sleep(Duration::from_millis(5));
            finished.fetch_add(1, Ordering::SeqCst);
        });
        panic!("body");
    });
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"body"));
    assert_eq!(finished, 1);
}

/// Spawns `tasks` scoped tasks on `pool`, each counting itself; the count once the scope ended.
fn count_in_a_scope(pool: &ThreadPool, tasks: usize) -> usize {
    let n = AtomicUsize::new(0);
    pool.scope(|s| {
        (0..tasks).for_each(|_| {
            s.spawn(|_| {
                n.fetch_add(1, Ordering::Relaxed);
            })
        })
    });
    n.into_inner()
}

#[test]
fn scopes_inside_tasks_and_joins() {
    let pool = ThreadPool::new(2).unwrap();
    let (a, b) = pool.join(
        || count_in_a_scope(&pool, 50),
        || count_in_a_scope(&pool, 30),
    );
    assert_eq!((a, b), (50, 30));
}

#[test]
fn after_shutdown_a_scope_runs_on_the_caller() {
    let pool = ThreadPool::new(2).unwrap();
    pool.shutdown();
    let me = thread::current().id();
    let mut ids = Vec::new();
    let ids_ref = std::sync::Mutex::new(&mut ids);
    pool.scope(|s| {
        for _ in 0..3 {
            s.spawn(|_| ids_ref.lock().unwrap().push(thread::current().id()));
        }
    });
    assert_eq!(ids, vec![me; 3]);
}
