//! The hasher of each thread's item map: ids are `u64`s chosen by the application, so one
//! multiplication (Fibonacci hashing) spreads them over both the low bits (the bucket) and the
//! high bits (hashbrown's tag) at a fraction of SipHash's cost. Not DoS-resistant: ids are not
//! expected to come from an adversary.

use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed by item id.
pub(crate) type IdMap<V> = std::collections::HashMap<u64, V, BuildHasherDefault<IdHasher>>;

#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; a byte fallback keeps the trait total (FNV-1a).
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_spread_over_low_and_high_bits() {
        let mut low = std::collections::HashSet::new();
        let mut high = std::collections::HashSet::new();
        for id in 0..1024u64 {
            let mut h = IdHasher::default();
            h.write_u64(id);
            low.insert(h.finish() & 1023);
            high.insert(h.finish() >> 57);
        }
        assert_eq!(low.len(), 1024, "a bijection on the low bits");
        assert!(high.len() > 100, "tags vary: {}", high.len());
    }
}
