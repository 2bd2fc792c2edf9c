//! The tables the benches print to stdout themselves, found in the captured output.
//!
//! Two kinds:
//! - interleaved rounds (`benches/support/rounds.rs`): a header
//!   `{title}, {rounds} interleaved rounds: median {unit} | median ratio to {first}` and then
//!   one indented line per contender, `  {name}  {figure} | {ratio}x`;
//! - free-form tables kept verbatim: the pool bench's `break_even:` section (header, then
//!   indented lines) and the queue bench's `CPU time per item` summary (header, then one
//!   `{workload} {contender} {ns} ns` line per run).

/// One interleaved-rounds section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rounds {
    pub(crate) title: String,
    pub(crate) rounds: String,
    /// The figure's unit, as printed (`ns/call`, `µs`, ...).
    pub(crate) unit: String,
    /// The contender the ratios are taken to (the first one).
    pub(crate) reference: String,
    pub(crate) rows: Vec<RoundsRow>,
}

/// One contender's line in an interleaved-rounds section; figures as printed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoundsRow {
    pub(crate) name: String,
    pub(crate) figure: String,
    /// Median of the per-round ratios contender / reference, without the trailing `x`.
    pub(crate) ratio: String,
}

/// A printed table kept as text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verbatim {
    pub(crate) kind: &'static VerbatimKind,
    /// The header line and the lines after it, as printed.
    pub(crate) lines: Vec<String>,
}

/// A kind of free-form table: how to recognise its header and its body lines.
#[derive(Debug)]
pub(crate) struct VerbatimKind {
    /// The header line starts with this.
    prefix: &'static str,
    /// Heading in the report.
    pub(crate) heading: &'static str,
    /// Where it comes from and how to read it, for the report.
    pub(crate) note: &'static str,
    /// Whether a line after the header still belongs to the table.
    continues: fn(&str) -> bool,
    /// Whether each line after the header starts with the criterion group it is about: such
    /// lines are kept only when that group ran (a filtered run still prints the others).
    rows_name_groups: bool,
}

/// Kinds are told apart by their header prefix.
impl PartialEq for VerbatimKind {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix
    }
}

/// The free-form tables worth keeping.
pub(crate) const VERBATIM_KINDS: &[VerbatimKind] = &[
    VerbatimKind {
        prefix: "break_even:",
        heading: "Pool break-even (benches/pool.rs)",
        note: "When does a 2-thread pool beat one thread doing the same requests itself? \
               Wall ns per request (median of interleaved runs) and the speedup \
               1 thread / pool: above 1, the pool wins.",
        continues: |line| line.starts_with(' ') && !line.trim().is_empty(),
        rows_name_groups: false,
    },
    VerbatimKind {
        prefix: "CPU time per item",
        heading: "Blocking queues: CPU time per item (benches/queue.rs)",
        note: "CPU time of all threads per item moved, for the `blocking_*` criterion groups \
               above (their tables show wall time); lower means less spinning.",
        continues: |line| !line.trim().is_empty() && line.trim_end().ends_with(" ns"),
        rows_name_groups: true,
    },
];

/// Everything found in one run's stdout, in the order printed.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Printed {
    pub(crate) rounds: Vec<Rounds>,
    pub(crate) verbatim: Vec<Verbatim>,
}

impl Printed {
    pub(crate) fn is_empty(&self) -> bool {
        self.rounds.is_empty() && self.verbatim.is_empty()
    }

    /// Drops the rows about criterion groups that did not run (`ran` lists those that did),
    /// and tables left with no rows.
    pub(crate) fn keep_groups_that_ran(&mut self, ran: &[&str]) {
        for table in &mut self.verbatim {
            if table.kind.rows_name_groups {
                let mut lines = std::mem::take(&mut table.lines).into_iter();
                table.lines.extend(lines.next());
                table.lines.extend(lines.filter(|line| {
                    line.split_whitespace()
                        .next()
                        .is_some_and(|group| ran.contains(&group))
                }));
            }
        }
        self.verbatim.retain(|table| table.lines.len() > 1);
    }
}

/// Finds the printed tables in `lines` (stdout, one entry per line).
pub(crate) fn scan(lines: &[String]) -> Printed {
    let mut printed = Printed::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        i += 1;
        if let Some(mut section) = rounds_header(line) {
            while let Some(row) = lines.get(i).and_then(|l| rounds_row(l)) {
                section.rows.push(row);
                i += 1;
            }
            if !section.rows.is_empty() {
                printed.rounds.push(section);
            }
        } else if let Some(kind) = VERBATIM_KINDS.iter().find(|k| line.starts_with(k.prefix)) {
            let mut table = vec![line.to_owned()];
            while let Some(next) = lines.get(i).filter(|l| (kind.continues)(l)) {
                table.push(next.trim_end().to_owned());
                i += 1;
            }
            // A header with nothing under it (a filter excluded its runs) is left out.
            if table.len() > 1 {
                printed.verbatim.push(Verbatim { kind, lines: table });
            }
        }
    }
    printed
}

/// `{title}, {rounds} interleaved rounds: median {unit} | median ratio to {first}`.
fn rounds_header(line: &str) -> Option<Rounds> {
    let (head, rest) = line.split_once(" interleaved rounds: median ")?;
    let (title, rounds) = head.rsplit_once(", ")?;
    let (unit, reference) = rest.split_once(" | median ratio to ")?;
    Some(Rounds {
        title: title.trim().to_owned(),
        rounds: rounds.trim().to_owned(),
        unit: unit.trim().to_owned(),
        reference: reference.trim().to_owned(),
        rows: Vec::new(),
    })
}

/// `  {name} {figure} | {ratio}x`, the name possibly holding spaces.
fn rounds_row(line: &str) -> Option<RoundsRow> {
    if !line.starts_with(' ') {
        return None;
    }
    let (left, ratio) = line.trim().rsplit_once(" | ")?;
    let ratio = ratio.trim().strip_suffix('x')?;
    let (name, figure) = left.trim_end().rsplit_once(' ')?;
    let is_number = |s: &str| s.parse::<f64>().is_ok();
    if !is_number(ratio) || !is_number(figure) || name.trim().is_empty() {
        return None;
    }
    Some(RoundsRow {
        name: name.trim().to_owned(),
        figure: figure.to_owned(),
        ratio: ratio.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn finds_interleaved_rounds_among_criterion_output() {
        let out = lines(
            "\
call/spindle Actor::call
                        time:   [2.8 µs 2.9 µs 3.0 µs]

call: 1000 outside calls + run, 15 interleaved rounds: median ns/call | median ratio to spindle Actor::call
  spindle Actor::call                   2.83 | 1.00x
  stakker call!                         7.14 | 2.53x
  a name longer than thirty-two characters here 12.00 | 4.24x

remote_round_trip: call + reply between two threads, 15 interleaved rounds: median µs/round trip | median ratio to spindle Remote::call + reply
  spindle Remote::call + reply          0.19 | 1.00x
  crossbeam request/reply               0.21 | 1.10x
Benchmarking next/one
                        time:   [1 ns 2 ns 3 ns]
",
        );
        let printed = scan(&out);
        assert_eq!(printed.verbatim, vec![]);
        assert_eq!(printed.rounds.len(), 2);
        let call = &printed.rounds[0];
        assert_eq!(call.title, "call: 1000 outside calls + run");
        assert_eq!(call.rounds, "15");
        assert_eq!(call.unit, "ns/call");
        assert_eq!(call.reference, "spindle Actor::call");
        assert_eq!(
            call.rows[2],
            RoundsRow {
                name: "a name longer than thirty-two characters here".into(),
                figure: "12.00".into(),
                ratio: "4.24".into(),
            }
        );
        let remote = &printed.rounds[1];
        assert_eq!(
            remote.title,
            "remote_round_trip: call + reply between two threads"
        );
        assert_eq!(remote.unit, "µs/round trip");
        assert_eq!(remote.rows.len(), 2);
        assert_eq!(remote.rows[1].name, "crossbeam request/reply");
    }

    #[test]
    fn keeps_break_even_and_cpu_tables_verbatim() {
        let out = lines(
            "\
break_even: n requests over 1000 items on 2 threads, W of work each (burn: 1.02 iterations/ns)
  wall ns per request, median of 5 interleaved runs of >= 100 ms | speedup = 1 thread / pool (above 1: the pool wins)
         W       n   1 thread |           spindle-pool speedup
      0 ns  200000        2.1 |                   15.0   0.14x
  smallest W where 2 threads beat 1 (crossing interpolated in pool − 1-thread ns):
    spindle-pool           W = 1 µs (loses at 300 ns; crossing ≈ 612 ns)
Benchmarking batch/x

CPU time per item (all threads), blocking workloads:
blocking_bounded_2p2c      spindle BoundedQueue              120.5 ns
blocking_bounded_2p2c      std sync_channel                  300.0 ns

CPU time per item (all threads), blocking workloads:

",
        );
        let printed = scan(&out);
        assert_eq!(printed.rounds, vec![]);
        assert_eq!(printed.verbatim.len(), 2, "the empty CPU table is left out");
        assert_eq!(printed.verbatim[0].kind.prefix, "break_even:");
        assert_eq!(printed.verbatim[0].lines.len(), 6);
        assert!(printed.verbatim[0].lines[5].contains("crossing"));
        assert_eq!(printed.verbatim[1].kind.prefix, "CPU time per item");
        assert_eq!(printed.verbatim[1].lines.len(), 3);

        // Rows about groups a filter left out are dropped, then tables left empty.
        let mut filtered = scan(&out);
        filtered.keep_groups_that_ran(&["blocking_bounded_2p2c", "batch"]);
        assert_eq!(filtered, printed, "both rows are of a group that ran");
        filtered.keep_groups_that_ran(&["single_thread"]);
        assert_eq!(filtered.verbatim.len(), 1, "the CPU table is gone");
        assert_eq!(filtered.verbatim[0].kind.prefix, "break_even:");
        assert_eq!(
            filtered.verbatim[0].lines.len(),
            6,
            "break_even is not per group"
        );
    }

    #[test]
    fn rejects_lines_of_other_shapes() {
        assert_eq!(
            rounds_row("                        time:   [1 ns 2 ns 3 ns]"),
            None
        );
        assert_eq!(rounds_row("  W  n | pool speedup"), None);
        assert_eq!(rounds_row("not indented 1.0 | 1.00x"), None);
        assert_eq!(rounds_row("  1.0 | 1.00x"), None);
        assert_eq!(rounds_header("break_even: n requests"), None);
        // A header with no rows after it is dropped.
        assert!(
            scan(&lines(
                "t, 3 interleaved rounds: median ns | median ratio to a\n"
            ))
            .is_empty()
        );
    }
}
