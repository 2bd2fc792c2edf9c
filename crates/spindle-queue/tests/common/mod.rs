//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Scales a workload down under Miri, which runs code ~1000× slower.
pub fn scaled(n: usize) -> usize {
    if cfg!(miri) { (n / 1000).max(8) } else { n }
}

/// A value that counts its drops in a shared counter.
#[derive(Debug)]
pub struct DropCounter(pub Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Checks that `received`, gathered from all consumers, holds each of `0..total` exactly once.
pub fn assert_each_once(received: impl IntoIterator<Item = u64>, total: u64) {
    let mut seen = vec![false; total as usize];
    let mut count = 0u64;
    for v in received {
        assert!(v < total, "value {v} was never pushed");
        assert!(!seen[v as usize], "value {v} popped twice");
        seen[v as usize] = true;
        count += 1;
    }
    assert_eq!(count, total, "values lost");
}

/// Checks that, for each producer, the values a consumer saw arrive in the order pushed.
/// Values encode `producer * stride + sequence`.
pub fn assert_per_producer_fifo(received: &[u64], producers: u64, stride: u64) {
    let mut last = vec![None::<u64>; producers as usize];
    for &v in received {
        let (p, seq) = ((v / stride) as usize, v % stride);
        if let Some(prev) = last[p] {
            assert!(seq > prev, "producer {p}: {seq} popped after {prev}");
        }
        last[p] = Some(seq);
    }
}
