//! Parallel iterators: one program (`par_iter/program.rs`) written against rayon's API is
//! compiled twice, after `use rayon::prelude::*` and after `use spindle_executor::prelude::*`
//! (so the `use` line is the only change), and each of its functions must give what the
//! sequential iterator gives, with both, at lengths 0, 1, 2, 3, 1000 and 10^6 and several
//! minimum piece lengths. Results that may legitimately differ (`find_any`) are checked for
//! validity instead.

#![allow(clippy::type_complexity)]

use std::collections::HashMap;
use std::num::Wrapping;

#[allow(dead_code, unused_imports, unreachable_pub)]
mod with_rayon {
    use rayon::prelude::*;
    include!("par_iter/program.rs");
}

#[allow(dead_code, unused_imports, unreachable_pub)]
mod with_spindle {
    use spindle_executor::prelude::*;
    include!("par_iter/program.rs");
}

use with_spindle::{EMPTY, Hash, combine, leaf};

/// Lengths every function runs at (shorter under Miri, where 10^6 would take hours).
fn lengths() -> &'static [usize] {
    if cfg!(miri) {
        &[0, 1, 2, 3, 100]
    } else {
        &[0, 1, 2, 3, 1000, 1_000_000]
    }
}

/// A pool of three threads, one more than the machine's cores, for the runs started on a
/// worker.
fn pool() -> &'static spindle_executor::ThreadPool {
    static POOL: std::sync::OnceLock<spindle_executor::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| spindle_executor::ThreadPool::new(3).unwrap())
}

/// Minimum piece lengths (`with_min_len`) every function runs with.
const MIN_LENS: [usize; 3] = [1, 7, 1000];

/// Pseudo-random input with repeats: a xorshift sequence, reduced so keys collide.
fn input(len: usize) -> Vec<u64> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ len as u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % 100_000
        })
        .collect()
}

/// Runs `f` from both programs on every length and minimum piece length, and compares each
/// result with `expected` on the same input.
fn check<R: PartialEq + std::fmt::Debug + Send>(
    name: &str,
    spindle: fn(&[u64], usize) -> R,
    rayon: fn(&[u64], usize) -> R,
    expected: impl Fn(&[u64]) -> R,
) {
    for &len in lengths() {
        let v = input(len);
        let want = expected(&v);
        // The longest inputs once, with the default piece length: they are the slow ones.
        let min_lens: &[usize] = if len >= 1_000_000 { &[1] } else { &MIN_LENS };
        for &m in min_lens {
            assert_eq!(
                spindle(&v, m),
                want,
                "{name}: spindle, len {len}, min_len {m}"
            );
            // Started on a worker: the join-based path, rather than the batch from outside.
            let on_worker = pool().install(|| spindle(&v, m));
            assert_eq!(
                on_worker, want,
                "{name}: spindle on a worker, len {len}, min_len {m}"
            );
            assert_eq!(rayon(&v, m), want, "{name}: rayon, len {len}, min_len {m}");
        }
    }
}

macro_rules! same_as_sequential {
    ($($name:ident => $expected:expr;)*) => {$(
        #[test]
        fn $name() {
            check(stringify!($name), with_spindle::$name, with_rayon::$name, $expected);
        }
    )*};
}

fn hash_of(v: &[u64]) -> Hash {
    v.iter().fold(EMPTY, |acc, &x| combine(acc, leaf(x)))
}

fn sorted(v: &[u64]) -> Vec<u64> {
    let mut w = v.to_vec();
    w.sort_unstable();
    w
}

same_as_sequential! {
    for_each_sum => |v| v.iter().sum();
    for_each_with_collects => sorted;
    for_each_init_sum => |v| v.iter().map(|x| x * 3).sum();
    sum_of_squares => |v| v.iter().map(|x| x * x).sum();
    product_wrapping => |v| v.iter().map(|x| Wrapping(x | 1)).product();
    reduce_hash => hash_of;
    reduce_with_hash => |v| (!v.is_empty()).then(|| hash_of(v));
    fold_reduce_hash => hash_of;
    min_max => |v| (v.iter().copied().min(), v.iter().copied().max());
    min_max_by_key_ties => |v| {
        let it = || v.iter().copied().enumerate();
        [
            it().min_by_key(|&(_, x)| x % 10),
            it().max_by_key(|&(_, x)| x % 10),
            it().min_by(|a, b| (a.1 % 10).cmp(&(b.1 % 10))),
            it().max_by(|a, b| (a.1 % 10).cmp(&(b.1 % 10))),
        ]
    };
    counts => |v| (v.len(), v.iter().filter(|&&x| x % 3 == 0).count());
    any_all => |v| [
        v.contains(&1234),
        v.iter().any(|&x| x > u64::MAX / 2),
        v.iter().all(|&x| x < u64::MAX / 2),
        v.iter().all(|&x| x % 2 == 0),
    ];
    map_collect => |v| v.iter().map(|x| x * 3 + 1).collect();
    filter_collect => |v| v.iter().copied().filter(|x| x % 3 == 1).collect();
    filter_map_collect => |v| v.iter().filter_map(|&x| (x % 5 == 2).then_some(x / 5)).collect();
    flat_map_iter_collect => |v| v.iter().flat_map(|&x| (0..x % 4).map(move |k| x + k)).collect();
    enumerate_zip_collect => |v| v.iter().zip(v.iter().map(|x| x + 7)).enumerate().map(|(i, (a, b))| (i, a * b)).collect();
    zip_uneven => |v| v.iter().copied().zip(0..v.len() / 2).collect();
    chunks_collect => |v| v.chunks(7).map(<[u64]>::to_vec).collect();
    cloned_inspect => |v| (v.iter().map(|x| x.to_string()).collect(), v.len());
    max_len_sum => |v| v.iter().sum();
    collect_hash_map => |v| v.iter().enumerate().map(|(i, &x)| (x % 100, i)).collect::<HashMap<_, _>>();
    collect_string => |v| v.iter().map(|&x| char::from(b'a' + (x % 26) as u8)).collect();
    collect_strs => |v| v.iter().map(|&x| ["x", "yy", "zzz"][(x % 3) as usize]).collect();
    unzip_partition => |v| (
        v.iter().map(|&x| (x, x * 2)).unzip(),
        v.iter().copied().partition(|x| x % 2 == 0),
    );
    iter_mut => |v| v.iter().map(|x| x * 2 + 1).collect();
    vec_into_par_iter => |v| v.iter().map(|x| x.to_string() + "!").collect();
    ranges => |v| {
        let n = v.len();
        (
            (0..n as u64).sum(),
            (-(n as i64)..n as i64).map(|x| x * 3).sum(),
            (0..n).filter(|x| x % 7 == 0).count(),
            (-3..(n as i32).min(50)).collect(),
        )
    };
    arrays => |_| (28, vec!["a".into(), "b".into(), "c".into()], (0..9).map(|i| i * 2).collect());
    slice_views => |v| {
        let mut w = v.to_vec();
        for (i, c) in w.chunks_mut(4).enumerate() {
            for x in c {
                *x += i as u64;
            }
        }
        (
            v.chunks(5).map(|c| c.iter().sum()).collect(),
            v.windows(3).map(|w| w[2] ^ w[0]).collect(),
            w,
        )
    };
    sorts => |v| {
        let mut up = v.to_vec();
        up.sort();
        let mut down = v.to_vec();
        down.sort_by(|x, y| y.cmp(x));
        let mut by_key = v.to_vec();
        by_key.sort_by_key(|x| x % 1000);
        let keys = {
            let mut k: Vec<u64> = v.iter().map(|x| x % 1000).collect();
            k.sort_unstable();
            k
        };
        vec![up.clone(), up, down.clone(), down, by_key, keys]
    };
    stable_sort_pairs => |v| {
        let mut pairs: Vec<(u64, usize)> = v.iter().enumerate().map(|(i, &x)| (x % 16, i)).collect();
        pairs.sort_by_key(|p| p.0);
        pairs
    };
    mutex_word_count => |v| {
        let mut map = HashMap::new();
        for &x in v {
            *map.entry(x % 13).or_insert(0) += 1;
        }
        let mut out: Vec<(u64, usize)> = map.into_iter().collect();
        out.sort_unstable();
        out
    };
}

/// `find_any` and `position_any` may return any match: check that what they return matches,
/// and that they find one exactly when there is one.
#[test]
fn find_any_and_position_any_find_a_match_when_there_is_one() {
    for &len in lengths() {
        let v = input(len);
        let has = v.iter().any(|&x| x % 97 == 5);
        for &m in &MIN_LENS {
            for (found, position, never) in [
                with_spindle::find_any_position_any(&v, m),
                pool().install(|| with_spindle::find_any_position_any(&v, m)),
                with_rayon::find_any_position_any(&v, m),
            ] {
                assert_eq!(found.is_some(), has, "len {len}");
                assert!(found.is_none_or(|x| x % 97 == 5));
                assert_eq!(position.is_some(), has);
                assert!(position.is_none_or(|i| v[i] % 97 == 5));
                assert_eq!(never, None);
            }
        }
    }
}
