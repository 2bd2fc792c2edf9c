//! The tables as text: what the benches print, and what `cargo xtask bench` puts in
//! `BENCHMARKS.md` (in a `text` block), from the same [`crate::results`] values, so both show
//! the same lines.

use std::fmt::{self, Display, Formatter};

use crate::results::{BreakEven, CpuPerItem};

/// `ns` as `28 ns`, `3 µs` or `1.07 µs`.
///
/// ```
/// use spindle_bench_support::text::duration;
/// assert_eq!(duration(28.0), "28 ns");
/// assert_eq!(duration(3_000.0), "3 µs");
/// assert_eq!(duration(1_070.0), "1.07 µs");
/// ```
pub fn duration(ns: f64) -> String {
    let us = ns / 1e3;
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if us.fract() == 0.0 {
        format!("{us:.0} µs")
    } else {
        format!("{us:.2} µs")
    }
}

/// The break-even table: a header, one line per amount of work, then each pool's crossing.
impl Display for BreakEven {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "break_even: n requests over {} items on {} threads, W of work each \
             (burn: {:.2} iterations/ns)",
            self.items, self.threads, self.burn_per_ns
        )?;
        writeln!(
            f,
            "  wall ns per request, median of {} interleaved runs of >= {} ms \
             | speedup = 1 thread / pool (above 1: the pool wins)",
            self.runs, self.budget_ms
        )?;
        write!(f, "  {:>8} {:>7} {:>10}", "W", "n", "1 thread")?;
        for label in &self.pools {
            write!(f, " | {label:>22} {:>7}", "speedup")?;
        }
        writeln!(f)?;
        for row in &self.rows {
            let one = row.one_thread_ns;
            write!(
                f,
                "  {:>8} {:>7} {one:>10.1}",
                duration(row.work_ns as f64),
                row.requests
            )?;
            for &p in &row.pool_ns {
                write!(f, " | {p:>22.1} {:>6.2}x", one / p)?;
            }
            writeln!(f)?;
        }
        write!(
            f,
            "  smallest W where 2 threads beat 1 (crossing interpolated in pool − 1-thread ns):"
        )?;
        let largest = self.rows.last().map_or(0, |row| row.work_ns);
        for c in &self.crossings {
            let label = &c.pool;
            match (c.wins_at_ns, c.loses_at_ns, c.crossing_ns) {
                (None, ..) => write!(
                    f,
                    "\n    {label:<22} never, up to {}",
                    duration(largest as f64)
                )?,
                (Some(_), None, _) => {
                    write!(f, "\n    {label:<22} W = 0: wins even on trivial requests")?
                }
                (Some(w1), Some(w0), crossing) => write!(
                    f,
                    "\n    {label:<22} W = {} (loses at {}; crossing ≈ {})",
                    duration(w1 as f64),
                    duration(w0 as f64),
                    duration(crossing.unwrap_or(f64::NAN))
                )?,
            }
        }
        Ok(())
    }
}

/// The CPU-time summary: a header, then one `{group} {contender} {ns} ns` line per row.
impl Display for CpuPerItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "CPU time per item (all threads), blocking workloads:")?;
        for row in &self.rows {
            write!(
                f,
                "\n{:<26} {:<30} {:>8.1} ns",
                row.group, row.contender, row.cpu_ns
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{BreakEvenRow, CpuRow, Crossing};

    #[test]
    fn break_even_prints_rows_and_crossings() {
        let table = BreakEven {
            items: 1000,
            threads: 2,
            runs: 5,
            budget_ms: 100,
            burn_per_ns: 0.98,
            load: None,
            pools: vec!["spindle-pool".into()],
            rows: vec![BreakEvenRow {
                work_ns: 100,
                requests: 200_000,
                one_thread_ns: 82.5,
                pool_ns: vec![56.6],
            }],
            crossings: vec![Crossing {
                pool: "spindle-pool".into(),
                wins_at_ns: Some(100),
                loses_at_ns: Some(0),
                crossing_ns: Some(28.0),
            }],
        };
        let text = table.to_string();
        assert!(text.starts_with("break_even: n requests over 1000 items on 2 threads"));
        assert!(text.contains("    100 ns  200000       82.5 |                   56.6   1.46x"));
        assert!(
            text.ends_with("spindle-pool           W = 100 ns (loses at 0 ns; crossing ≈ 28 ns)")
        );
    }

    #[test]
    fn cpu_per_item_prints_one_line_per_row() {
        let table = CpuPerItem {
            rows: vec![CpuRow {
                group: "blocking_bounded_2p2c".into(),
                contender: "spindle BoundedQueue".into(),
                cpu_ns: 53.3,
            }],
        };
        assert_eq!(
            table.to_string(),
            "CPU time per item (all threads), blocking workloads:\n\
             blocking_bounded_2p2c      spindle BoundedQueue               53.3 ns"
        );
    }
}
