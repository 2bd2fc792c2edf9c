//! The actor benches (being written).
fn main() {}
