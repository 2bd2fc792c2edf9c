//! A tour of Spindle: every part at work, with figures measured on this machine in this run.
//!
//! Run with `cargo run --release --example tour`.

mod actor;
mod executor;
mod pool;
mod queue;
mod summary;

fn main() {
    println!(
        "Spindle tour ({} cores)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    queue::tour();
    executor::tour();
    actor::tour();
    pool::tour();
    summary::print();
}
