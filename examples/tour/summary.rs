//! The tour's tables: one ratio direction for all of them, the helpers that print a part's
//! table, and the closing summary with the headline figure of each part, measured in this run.

use std::sync::Mutex;

use crate::machine::{self, Snapshot};

/// The direction of every ratio the tour prints, stated in its header and in each table.
pub(crate) const RATIO: &str = "ratio = Spindle time / peer time: below 1.00 Spindle is faster";

/// The peer a figure is measured against, if any: its name and its figure.
type Peer = Option<(&'static str, f64)>;

/// One line of the summary: what was measured (and in which case), Spindle's figure, the peer's.
struct Row {
    part: &'static str,
    workload: String,
    unit: &'static str,
    spindle: f64,
    peer: Peer,
}

static ROWS: Mutex<Vec<Row>> = Mutex::new(Vec::new());

/// Width of the first column of the parts' tables.
const NAME: usize = 54;

/// Records a figure (lower is better) and, if there is one, the peer's in the same unit.
pub(crate) fn record(
    part: &'static str,
    workload: impl Into<String>,
    unit: &'static str,
    spindle: f64,
    peer: Peer,
) {
    ROWS.lock().expect("no panic while recording").push(Row {
        part,
        workload: workload.into(),
        unit,
        spindle,
        peer,
    });
}

/// Prints the heading of a part's table: its title, the ratio's direction against `peer`,
/// then the column titles of the per-item and per-second figures.
pub(crate) fn header(title: &str, peer: &str, per_item: &str, per_second: &str) {
    println!("\n{title}\nratio = Spindle time / {peer} time: below 1.00 Spindle is faster");
    println!(
        "{:<NAME$} {per_item:>9} {per_second:>12} {:>6}",
        "workload (case)", "ratio"
    );
}

/// Prints a row of such a table in nanoseconds: `ns` per item, items per second, and the
/// ratio of `ns` to the peer's figure `vs`, if there is one.
pub(crate) fn ns_row(name: &str, ns: f64, vs: Option<f64>) {
    println!(
        "{name:<NAME$} {ns:>9.1} {:>12.0} {:>6}",
        1e9 / ns,
        ratio(ns, vs)
    );
}

/// Prints a row of such a table in microseconds: `us` per trip, trips per second, ratio.
pub(crate) fn us_row(name: &str, us: f64, vs: Option<f64>) {
    println!(
        "{name:<NAME$} {us:>9.2} {:>12.0} {:>6}",
        1e6 / us,
        ratio(us, vs)
    );
}

/// The ratio of Spindle's figure to the peer's, or nothing without a peer.
pub(crate) fn ratio(spindle: f64, peer: Option<f64>) -> String {
    peer.map_or_else(String::new, |p| format!("{:.2}", spindle / p))
}

/// Prints the state of the machine over the run (a warning first if it was busy), then every
/// recorded row.
pub(crate) fn print(start: &Snapshot, end: &Snapshot) {
    let rows = ROWS.lock().expect("no panic while recording");
    println!("\n== summary (this run) ==");
    machine::print_report(start, end);
    println!("{RATIO}");
    println!(
        "{:<8} {:<52} {:>15} {:>15}  {:<21} {:>5}",
        "part", "workload (case)", "spindle", "peer", "peer is", "ratio"
    );
    for row in rows.iter() {
        let (name, peer) = match row.peer {
            Some((name, peer)) => (name, format!("{peer:.2} {}", row.unit)),
            None => ("-", "-".to_owned()),
        };
        println!(
            "{:<8} {:<52} {:>15} {:>15}  {:<21} {:>5}",
            row.part,
            row.workload,
            format!("{:.2} {}", row.spindle, row.unit),
            peer,
            name,
            ratio(row.spindle, row.peer.map(|p| p.1)),
        );
    }
}
