//! A tour of Spindle: every part at work, with figures measured on this machine in this run.
//!
//! Run with `cargo run --release --example tour`.

mod actor;
mod executor;
mod machine;
mod pool;
mod queue;
mod summary;

fn main() {
    let start = machine::Snapshot::take();
    println!("Spindle tour ({} cores)", machine::cores());
    println!("in every table, {}\n", summary::RATIO);
    queue::tour();
    executor::tour();
    actor::tour();
    pool::tour();
    summary::print(&start, &machine::Snapshot::take());
}
