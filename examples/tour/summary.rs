//! The tour's closing table: the headline figure of each part, measured in this run.

use std::sync::Mutex;

/// One line of the summary: what was measured, Spindle's figure, the baseline's.
struct Row {
    part: &'static str,
    workload: &'static str,
    unit: &'static str,
    spindle: f64,
    baseline: Option<(&'static str, f64)>,
}

static ROWS: Mutex<Vec<Row>> = Mutex::new(Vec::new());

/// Records a figure (lower is better) and, if there is one, the baseline's in the same unit.
pub(crate) fn record(
    part: &'static str,
    workload: &'static str,
    unit: &'static str,
    spindle: f64,
    baseline: Option<(&'static str, f64)>,
) {
    ROWS.lock().expect("no panic while recording").push(Row {
        part,
        workload,
        unit,
        spindle,
        baseline,
    });
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
