//! The tour's closing table: the headline figure of each part, measured in this run.

use std::sync::Mutex;

/// The baseline a figure is measured against, if any: its name and its figure.
type Baseline = Option<(&'static str, f64)>;

/// One line of the summary: what was measured, Spindle's figure, the baseline's.
struct Row {
    part: &'static str,
    workload: &'static str,
    unit: &'static str,
    spindle: f64,
    baseline: Baseline,
}

static ROWS: Mutex<Vec<Row>> = Mutex::new(Vec::new());

/// Records a figure (lower is better) and, if there is one, the baseline's in the same unit.
pub(crate) fn record(
    part: &'static str,
    workload: &'static str,
    unit: &'static str,
    spindle: f64,
    baseline: Baseline,
) {
    ROWS.lock().expect("no panic while recording").push(Row {
        part,
        workload,
        unit,
        spindle,
        baseline,
    });
}

/// Records several figures of one part, all in `unit`: `(workload, spindle, baseline)` each.
pub(crate) fn record_each(
    part: &'static str,
    unit: &'static str,
    rows: &[(&'static str, f64, Baseline)],
) {
    for &(workload, spindle, baseline) in rows {
        record(part, workload, unit, spindle, baseline);
    }
}

/// Prints the header of a part's table of figures per item: the first column's title, then
/// the titles of the per-item, per-second and ratio columns.
pub(crate) fn per_item_header(title: &str, per_item: &str, per_second: &str, ratio: &str) {
    println!("\n{title:<44} {per_item:>9} {per_second:>12} {ratio:>10}");
}

/// Prints a row of such a table: `ns` per item, items per second, and the ratio of `ns` to
/// the baseline's figure `vs`, if there is one.
pub(crate) fn per_item_row(name: &str, ns: f64, vs: Option<f64>) {
    let ratio = vs.map_or_else(String::new, |b| format!("{:.2}x", ns / b));
    println!("{name:<44} {ns:>9.1} {:>12.0} {ratio:>10}", 1e9 / ns);
}

/// Prints every recorded row.
pub(crate) fn print() {
    let rows = ROWS.lock().expect("no panic while recording");
    println!("\n== summary (this run; ratio = Spindle / baseline, below 1.00x is faster) ==");
    println!(
        "{:<9} {:<42} {:>12} {:>12}  {:<26} {:>7}",
        "part", "workload", "spindle", "baseline", "baseline is", "ratio"
    );
    for row in rows.iter() {
        let (name, base, ratio) = match row.baseline {
            Some((name, base)) => (
                name,
                format!("{base:.2} {}", row.unit),
                format!("{:.2}x", row.spindle / base),
            ),
            None => ("-", "-".to_owned(), "-".to_owned()),
        };
        println!(
            "{:<9} {:<42} {:>12} {:>12}  {:<26} {:>7}",
            row.part,
            row.workload,
            format!("{:.2} {}", row.spindle, row.unit),
            base,
            name,
            ratio
        );
    }
}
