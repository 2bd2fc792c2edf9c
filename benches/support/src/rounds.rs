//! Interleaved rounds: every contender runs once per round, in an order that rotates each
//! round, and each one's figures and per-round ratios to the first contender are printed and
//! recorded ([`crate::results`]). On a noisy 2-core machine a contender's criterion samples all
//! fall in one stretch of time; a ratio taken within a round cancels most of the swing.

use std::time::{Duration, Instant};

use crate::busy;
use crate::results::{self, Load, Quartiles, Rounds, RoundsRow, Table};

/// One contender: a name and a run that returns its figure, ns per operation.
pub type Contender<'a> = (&'a str, Box<dyn FnMut() -> f64 + 'a>);

/// Runs `contenders` for `rounds` rounds, then prints `title` and one line per contender
/// (median ns per `per`, median ratio to `contenders[0]` and that ratio's quartiles), and
/// records the table in this bench's results file.
///
/// When `cargo xtask bench --busy N` asked for busy tables ([`busy::requested`]), the same
/// rounds run again, in the same run, with `N` threads burning CPU, and that table is recorded
/// too (with `busy: N`).
pub fn interleaved(title: &str, per: &str, mut contenders: Vec<Contender<'_>>, rounds: usize) {
    measure(title, per, &mut contenders, rounds, 0);
    let busy = busy::requested();
    if busy > 0 {
        let _burners = busy::Burners::start(busy);
        measure(title, per, &mut contenders, rounds, busy);
    }
}

fn measure(title: &str, per: &str, contenders: &mut [Contender<'_>], rounds: usize, busy: usize) {
    let before = Load::now();
    let n = contenders.len();
    let mut figures = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for i in (0..n).map(|k| (k + round) % n) {
            figures[i].push((contenders[i].1)());
        }
    }
    let rows: Vec<RoundsRow> = contenders
        .iter()
        .zip(&figures)
        .map(|((name, _), ns)| {
            let ratios: Vec<f64> = ns.iter().zip(&figures[0]).map(|(x, r)| x / r).collect();
            RoundsRow {
                contender: (*name).to_owned(),
                ns_quartiles: Quartiles::of(ns),
                ratio: Quartiles::of(&ratios),
                ns: ns.clone(),
            }
        })
        .collect();
    let table = Rounds {
        title: title.to_owned(),
        per: per.to_owned(),
        rounds,
        load: Load::since(before),
        busy,
        rows,
    };
    print(&table);
    results::record(Table::Rounds(table));
}

fn print(table: &Rounds) {
    let reference = table.rows.first().map_or("", |r| r.contender.as_str());
    let machine = match table.busy {
        0 => String::from("idle"),
        n => format!("busy: {n} threads burning CPU"),
    };
    println!(
        "\n{} ({machine}), {} interleaved rounds: median ns/{} (min-max) | median ratio to \
         {reference} (quartiles)",
        table.title, table.rounds, table.per
    );
    for row in &table.rows {
        let ns = row.ns_quartiles;
        println!(
            "  {:<32} {:>9.2} ({:.2}-{:.2}) | {:.2}x ({:.2}-{:.2})",
            row.contender,
            ns.median,
            ns.min,
            ns.max,
            row.ratio.median,
            row.ratio.p25,
            row.ratio.p75
        );
    }
}

/// ns per operation: `elapsed` over `ops` operations.
pub fn ns_per_op(elapsed: Duration, ops: u64) -> f64 {
    elapsed.as_nanos() as f64 / ops as f64
}

/// Times `run`, which does `ops` operations: ns per operation.
pub fn time_per_op(ops: u64, run: impl FnOnce()) -> f64 {
    let start = Instant::now();
    run();
    ns_per_op(start.elapsed(), ops)
}

/// True when criterion only lists, tests or profiles (`--list`, `--test`, `--profile-time`):
/// the benches skip what they time themselves then.
pub fn quick_mode() -> bool {
    std::env::args()
        .any(|arg| arg == "--list" || arg == "--test" || arg.starts_with("--profile-time"))
}
