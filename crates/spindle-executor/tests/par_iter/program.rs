// A program written against rayon's parallel-iterator API. `tests/par_iter.rs` includes it
// twice, once after `use rayon::prelude::*;` and once after `use spindle_executor::prelude::*;`:
// that it compiles both ways is half the test; that both give the sequential results is the
// other half. Every function takes the input and a minimum piece length (`with_min_len`).

use std::collections::HashMap;
use std::num::Wrapping;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// An associative, non-commutative combination: the polynomial hash of a sequence, with its
/// length's power, so that `combine(h(a), h(b)) == h(a ++ b)` and order matters.
pub type Hash = (u64, u64);
pub const EMPTY: Hash = (0, 1);
const BASE: u64 = 1_000_003;
pub fn leaf(x: u64) -> Hash {
    (x.wrapping_add(1), BASE)
}
pub fn combine(a: Hash, b: Hash) -> Hash {
    (a.0.wrapping_mul(b.1).wrapping_add(b.0), a.1.wrapping_mul(b.1))
}

pub fn for_each_sum(v: &[u64], m: usize) -> u64 {
    let total = AtomicU64::new(0);
    v.par_iter().with_min_len(m).for_each(|x| {
        total.fetch_add(*x, Ordering::Relaxed);
    });
    total.into_inner()
}

pub fn for_each_with_collects(v: &[u64], m: usize) -> Vec<u64> {
    let (tx, rx) = std::sync::mpsc::channel();
    v.par_iter().with_min_len(m).for_each_with(tx, |tx, x| tx.send(*x).unwrap());
    let mut got: Vec<u64> = rx.iter().collect();
    got.sort_unstable();
    got
}

pub fn for_each_init_sum(v: &[u64], m: usize) -> u64 {
    let total = AtomicU64::new(0);
    let inits = AtomicUsize::new(0);
    v.par_iter().with_min_len(m).for_each_init(
        || {
            inits.fetch_add(1, Ordering::Relaxed);
            3u64
        },
        |three, x| {
            total.fetch_add(x * *three, Ordering::Relaxed);
        },
    );
    total.into_inner()
}

pub fn sum_of_squares(v: &[u64], m: usize) -> u64 {
    v.par_iter().with_min_len(m).map(|x| x * x).sum()
}

pub fn product_wrapping(v: &[u64], m: usize) -> Wrapping<u64> {
    v.par_iter().with_min_len(m).map(|x| Wrapping(x | 1)).product()
}

pub fn reduce_hash(v: &[u64], m: usize) -> Hash {
    v.par_iter().with_min_len(m).map(|&x| leaf(x)).reduce(|| EMPTY, combine)
}

pub fn reduce_with_hash(v: &[u64], m: usize) -> Option<Hash> {
    v.par_iter().with_min_len(m).map(|&x| leaf(x)).reduce_with(combine)
}

pub fn fold_reduce_hash(v: &[u64], m: usize) -> Hash {
    v.par_iter()
        .with_min_len(m)
        .fold(|| EMPTY, |acc, &x| combine(acc, leaf(x)))
        .reduce(|| EMPTY, combine)
}

pub fn min_max(v: &[u64], m: usize) -> (Option<u64>, Option<u64>) {
    let it = || v.par_iter().with_min_len(m).copied();
    (it().min(), it().max())
}

/// Ties broken as the sequential iterator does: the first least, the last greatest.
pub fn min_max_by_key_ties(v: &[u64], m: usize) -> [Option<(usize, u64)>; 4] {
    let it = || v.par_iter().with_min_len(m).copied().enumerate();
    [
        it().min_by_key(|&(_, x)| x % 10),
        it().max_by_key(|&(_, x)| x % 10),
        it().min_by(|a, b| (a.1 % 10).cmp(&(b.1 % 10))),
        it().max_by(|a, b| (a.1 % 10).cmp(&(b.1 % 10))),
    ]
}

pub fn counts(v: &[u64], m: usize) -> (usize, usize) {
    (
        v.par_iter().with_min_len(m).count(),
        v.par_iter().with_min_len(m).filter(|&&x| x % 3 == 0).count(),
    )
}

pub fn any_all(v: &[u64], m: usize) -> [bool; 4] {
    let it = || v.par_iter().with_min_len(m);
    [
        it().any(|&x| x == 1234),
        it().any(|&x| x > u64::MAX / 2),
        it().all(|&x| x < u64::MAX / 2),
        it().all(|&x| x % 2 == 0),
    ]
}

/// What `find_any` and `position_any` found, for the caller to check (any match will do).
pub fn find_any_position_any(v: &[u64], m: usize) -> (Option<u64>, Option<usize>, Option<u64>) {
    (
        v.par_iter().with_min_len(m).copied().find_any(|&x| x % 97 == 5),
        v.par_iter().with_min_len(m).position_any(|&x| x % 97 == 5),
        v.par_iter().with_min_len(m).copied().find_any(|&x| x == u64::MAX),
    )
}

pub fn map_collect(v: &[u64], m: usize) -> Vec<u64> {
    v.par_iter().with_min_len(m).map(|x| x * 3 + 1).collect()
}

pub fn filter_collect(v: &[u64], m: usize) -> Vec<u64> {
    v.par_iter().with_min_len(m).copied().filter(|x| x % 3 == 1).collect()
}

pub fn filter_map_collect(v: &[u64], m: usize) -> Vec<u64> {
    v.par_iter()
        .with_min_len(m)
        .filter_map(|&x| (x % 5 == 2).then_some(x / 5))
        .collect()
}

pub fn flat_map_iter_collect(v: &[u64], m: usize) -> Vec<u64> {
    v.par_iter()
        .with_min_len(m)
        .flat_map_iter(|&x| (0..x % 4).map(move |k| x + k))
        .collect()
}

pub fn enumerate_zip_collect(v: &[u64], m: usize) -> Vec<(usize, u64)> {
    let other: Vec<u64> = v.iter().map(|x| x + 7).collect();
    v.par_iter()
        .with_min_len(m)
        .zip(other.par_iter())
        .enumerate()
        .map(|(i, (a, b))| (i, a * b))
        .collect()
}

pub fn zip_uneven(v: &[u64], m: usize) -> Vec<(u64, usize)> {
    let half = v.len() / 2;
    v.par_iter()
        .with_min_len(m)
        .copied()
        .zip(0..half)
        .collect()
}

pub fn chunks_collect(v: &[u64], m: usize) -> Vec<Vec<u64>> {
    v.par_iter().with_min_len(m).copied().chunks(7).collect()
}

pub fn cloned_inspect(v: &[u64], m: usize) -> (Vec<String>, usize) {
    let strings: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    let seen = AtomicUsize::new(0);
    let out: Vec<String> = strings
        .par_iter()
        .with_min_len(m)
        .cloned()
        .inspect(|_| {
            seen.fetch_add(1, Ordering::Relaxed);
        })
        .collect();
    (out, seen.into_inner())
}

pub fn max_len_sum(v: &[u64], _m: usize) -> u64 {
    v.par_iter().with_max_len(3).sum()
}

pub fn collect_hash_map(v: &[u64], m: usize) -> HashMap<u64, usize> {
    v.par_iter()
        .with_min_len(m)
        .enumerate()
        .map(|(i, &x)| (x % 100, i))
        .collect::<Vec<_>>()
        .into_par_iter()
        .collect()
}

pub fn collect_string(v: &[u64], m: usize) -> String {
    v.par_iter()
        .with_min_len(m)
        .map(|&x| char::from(b'a' + (x % 26) as u8))
        .collect()
}

pub fn collect_strs(v: &[u64], m: usize) -> String {
    let words = ["x", "yy", "zzz"];
    v.par_iter().with_min_len(m).map(|&x| words[(x % 3) as usize]).collect()
}

pub fn unzip_partition(v: &[u64], m: usize) -> ((Vec<u64>, Vec<u64>), (Vec<u64>, Vec<u64>)) {
    let unzipped = v.par_iter().with_min_len(m).map(|&x| (x, x * 2)).unzip();
    let parted = v.par_iter().with_min_len(m).copied().partition(|x| x % 2 == 0);
    (unzipped, parted)
}

pub fn iter_mut(v: &[u64], m: usize) -> Vec<u64> {
    let mut w = v.to_vec();
    w.par_iter_mut().with_min_len(m).for_each(|x| *x = *x * 2 + 1);
    w
}

pub fn vec_into_par_iter(v: &[u64], m: usize) -> Vec<String> {
    let strings: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    strings
        .into_par_iter()
        .with_min_len(m)
        .map(|s| s + "!")
        .collect()
}

pub fn ranges(v: &[u64], m: usize) -> (u64, i64, usize, Vec<i32>) {
    let n = v.len();
    (
        (0..n as u64).into_par_iter().sum(),
        (-(n as i64)..n as i64).into_par_iter().map(|x| x * 3).sum(),
        (0..n).into_par_iter().with_min_len(m).filter(|x| x % 7 == 0).count(),
        (-3..(n as i32).min(50)).into_par_iter().with_min_len(m).collect(),
    )
}

pub fn arrays(_v: &[u64], m: usize) -> (u64, Vec<String>, Vec<u32>) {
    let numbers = [1u64, 2, 3, 4, 5, 6, 7];
    let words = [String::from("a"), String::from("b"), String::from("c")];
    let mut counters = [0u32; 9];
    counters.par_iter_mut().enumerate().for_each(|(i, c)| *c = i as u32 * 2);
    (
        numbers.par_iter().with_min_len(m).sum(),
        words.into_par_iter().with_min_len(m).collect(),
        counters.to_vec(),
    )
}

pub fn slice_views(v: &[u64], _m: usize) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
    let chunk_sums = v.par_chunks(5).map(|c| c.iter().sum()).collect();
    let window_diffs = v.par_windows(3).map(|w| w[2] ^ w[0]).collect();
    let mut w = v.to_vec();
    w.par_chunks_mut(4).enumerate().for_each(|(i, c)| {
        for x in c {
            *x += i as u64;
        }
    });
    (chunk_sums, window_diffs, w)
}

pub fn sorts(v: &[u64], _m: usize) -> Vec<Vec<u64>> {
    let mut out = Vec::new();
    let mut a = v.to_vec();
    a.par_sort();
    out.push(a);
    let mut a = v.to_vec();
    a.par_sort_unstable();
    out.push(a);
    let mut a = v.to_vec();
    a.par_sort_by(|x, y| y.cmp(x));
    out.push(a);
    let mut a = v.to_vec();
    a.par_sort_unstable_by(|x, y| y.cmp(x));
    out.push(a);
    let mut a = v.to_vec();
    a.par_sort_by_key(|x| x % 1000);
    out.push(a);
    let mut a = v.to_vec();
    a.par_sort_unstable_by_key(|x| x % 1000);
    out.push(a.iter().map(|x| x % 1000).collect());
    out
}

/// A stable sort keeps the input order of equal keys.
pub fn stable_sort_pairs(v: &[u64], _m: usize) -> Vec<(u64, usize)> {
    let mut pairs: Vec<(u64, usize)> = v.iter().enumerate().map(|(i, &x)| (x % 16, i)).collect();
    pairs.par_sort_by_key(|p| p.0);
    pairs
}

pub fn mutex_word_count(v: &[u64], m: usize) -> Vec<(u64, usize)> {
    let counts = Mutex::new(HashMap::new());
    let local: HashMap<u64, usize> = v
        .par_iter()
        .with_min_len(m)
        .fold(HashMap::new, |mut map, &x| {
            *map.entry(x % 13).or_insert(0) += 1;
            map
        })
        .reduce(HashMap::new, |mut a, b| {
            for (k, n) in b {
                *a.entry(k).or_insert(0) += n;
            }
            a
        });
    counts.lock().unwrap().extend(local);
    let mut out: Vec<(u64, usize)> = counts.into_inner().unwrap().into_iter().collect();
    out.sort_unstable();
    out
}
