//! Marsaglia's xorshift64, shared by the examples that generate their input (`pipeline`,
//! `word_count`): small, fast, and the same sequence on every run and machine. Included with
//! `#[path]`; not an example of its own.

/// The generator's state; start it from any nonzero seed.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    /// The next 64 pseudo-random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
