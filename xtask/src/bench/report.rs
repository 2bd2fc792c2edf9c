//! `BENCHMARKS.md`: one run's results as markdown, generated and never edited by hand.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use spindle_bench_support::results::{CpuPerItem, Rounds, Table};

use super::criterion::{Entry, Group, Results};
use super::machine::Machine;

/// The run being reported.
pub(crate) struct Run<'a> {
    pub(crate) started: SystemTime,
    pub(crate) elapsed: Duration,
    /// The arguments passed through to criterion (a filter, usually).
    pub(crate) args: &'a [String],
    /// Threads that burned CPU for the busy tables (0: none).
    pub(crate) busy: usize,
    pub(crate) machine: &'a Machine,
}

/// The heading and the note of the tables the benches measure themselves, other than rounds.
const BREAK_EVEN: (&str, &str) = (
    "Pool break-even (benches/pool.rs)",
    "When does a 2-thread pool beat one thread doing the same requests itself? Wall ns per \
     request (median of interleaved runs) and the speedup 1 thread / pool: above 1, the pool \
     wins.",
);
const CPU_PER_ITEM: (&str, &str) = (
    "Blocking queues: CPU time per item (benches/queue.rs)",
    "CPU time of all threads per item moved, for the `blocking_*` criterion groups above \
     (their tables show wall time); lower means less spinning.",
);
const ASYNC_CPU_PER_OP: (&str, &str) = (
    "Async workloads: CPU time per operation (benches/async.rs)",
    "CPU time of all threads per operation (item moved, job awaited, round trip), for the \
     `async_*` criterion groups above (their tables show wall time); lower means less \
     spinning. A contender that spins where another parks can win on wall time and lose here: \
     read the two together.",
);

/// The whole file: `tables` are the benches' own (in the order read), `unreadable` the
/// results files that could not be read.
pub(crate) fn render(
    run: &Run<'_>,
    results: &Results,
    tables: &[Table],
    unreadable: &[String],
) -> String {
    let mut out = String::new();
    header(&mut out, run);
    how_to_read(&mut out);
    let rounds: Vec<&Rounds> = tables
        .iter()
        .filter_map(|t| match t {
            Table::Rounds(r) => Some(r),
            _ => None,
        })
        .collect();
    if !rounds.is_empty() {
        out.push_str("\n## Interleaved rounds\n");
        if rounds.iter().any(|r| r.busy > 0) {
            out.push_str(BUSY_NOTE);
        }
        // A busy table goes beside the idle table of the same workload; one without an idle
        // twin stands alone.
        let twin = |idle: &Rounds| {
            rounds
                .iter()
                .copied()
                .find(|r| r.busy > 0 && r.title == idle.title)
        };
        for &section in &rounds {
            if section.busy == 0 {
                match twin(section) {
                    Some(busy) => busy_and_idle_table(&mut out, section, busy),
                    None => rounds_table(&mut out, section),
                }
            } else if !rounds
                .iter()
                .any(|r| r.busy == 0 && r.title == section.title)
            {
                rounds_table(&mut out, section);
            }
        }
    }
    if !results.groups.is_empty() {
        out.push_str(
            "\n## Criterion groups\n\n\
             Per contender: criterion's median and mean time per iteration, the median divided \
             by the elements one iteration processes (when the group declares them), and the \
             median over the reference's median. The reference is the group's Spindle contender \
             (the first one run whose name starts with `spindle`), or the fastest when no \
             Spindle contender ran; its row is in bold.\n",
        );
        for group in &results.groups {
            group_table(&mut out, group);
        }
    }
    let others: Vec<((&str, &str), String)> = tables
        .iter()
        .filter_map(|t| match t {
            Table::Rounds(_) => None,
            Table::BreakEven(table) => Some((BREAK_EVEN, table.to_string())),
            Table::CpuPerItem(table) => Some((cpu_heading(table), table.to_string())),
        })
        .collect();
    if !others.is_empty() {
        out.push_str("\n## Other printed tables\n");
        for ((heading, note), text) in others {
            let _ = write!(out, "\n### {heading}\n\n{note}\n\n```text\n{text}\n```\n");
        }
    }
    footer(&mut out, results, unreadable);
    out
}

/// The async bench's CPU table (every group named `async_*`) gets its own heading; any other
/// is the queue bench's.
fn cpu_heading(table: &CpuPerItem) -> (&'static str, &'static str) {
    let is_async =
        !table.rows.is_empty() && table.rows.iter().all(|row| row.group.starts_with("async_"));
    if is_async {
        ASYNC_CPU_PER_OP
    } else {
        CPU_PER_ITEM
    }
}

fn header(out: &mut String, run: &Run<'_>) {
    let machine = run.machine;
    let busy = match run.busy {
        0 => String::new(),
        n => format!(" --busy {n}"),
    };
    let command = if run.args.is_empty() {
        format!("`cargo xtask bench{busy}`")
    } else {
        format!("`cargo xtask bench{busy} -- {}`", run.args.join(" "))
    };
    let _ = write!(
        out,
        "# Benchmarks\n\n\
         <!-- Generated by `cargo xtask bench` (xtask/src/bench.rs); do not edit by hand. -->\n\n\
         This file is produced by `cargo xtask bench`, which runs \
         `cargo bench --workspace --benches` and writes what that run measured; rerun it to \
         refresh the file rather than editing it. Criterion's HTML reports for the same run are \
         under `target/criterion` (start at `target/criterion/report/index.html`).\n\n\
         | | |\n\
         |---|---|\n\
         | Ran | {} (took {}) |\n\
         | Command | {command} |\n\
         | CPU | {} |\n\
         | Logical cores | {} |\n\
         | Memory | {} |\n\
         | Toolchain | {} |\n\
         | Commit | {} |\n",
        utc(run.started),
        elapsed(run.elapsed),
        md(&machine.cpu),
        md(&machine.logical_cores),
        md(&machine.memory),
        md(&machine.rustc),
        md(&machine.commit),
    );
    if !run.args.is_empty() {
        out.push_str(
            "\nFiltered run: the arguments went to criterion, so only the benchmarks they \
             matched are in the criterion tables (the other tables come from every bench \
             binary that measured them).\n",
        );
    }
}

fn how_to_read(out: &mut String) {
    out.push_str(
        "\n## How to read this\n\n\
         - **Interleaved rounds are the figures to trust on a noisy machine.** Each round runs \
         every contender once, in an order that rotates from round to round, and the ratio is \
         taken within the round; the tables give each contender's median figure and its median \
         per-round ratio. The ratio is *contender / first contender* (the table's reference, \
         named in its ratio column; Spindle's, unless the table says otherwise): above 1 means \
         the reference is faster, so where the reference is Spindle, above 1 means Spindle is \
         faster.\n\
         - **Criterion tables:** each contender's samples are taken in one stretch of time, so \
         on a busy or shared machine a contender can land in a fast or a slow stretch; compare \
         their ratios with care. Their ratio column is **peer / Spindle** (median time over \
         Spindle's median time): above 1 means Spindle is faster, below 1 the peer is.\n\
         - Only results this run wrote are shown: criterion keeps older results under \
         `target/criterion`, and those are left out (the groups left out are named at the end \
         of the file).\n",
    );
}

/// The unit of a rounds table, and what its figures are divided by: µs when the reference's
/// median is 10 µs or more, else ns (per `per`).
fn rounds_unit(section: &Rounds) -> (String, f64) {
    let reference = section.rows.first().map_or(0.0, |r| r.ns_quartiles.median);
    if reference >= 10_000.0 {
        (format!("µs/{}", section.per), 1e3)
    } else {
        (format!("ns/{}", section.per), 1.0)
    }
}

fn rounds_table(out: &mut String, section: &Rounds) {
    let reference_name = section.rows.first().map_or("", |r| r.contender.as_str());
    let reference = md(reference_name);
    let _ = write!(
        out,
        "\n### {}\n\n{} interleaved rounds; ratio = contender / {reference}.",
        md(&section.title),
        section.rounds
    );
    if !is_spindle(reference_name) {
        let spindle: Vec<String> = section
            .rows
            .iter()
            .filter(|row| is_spindle(&row.contender))
            .map(|row| md(&row.contender))
            .collect();
        let _ = write!(
            out,
            " The reference here is {reference}, not Spindle: above 1 means {reference} is \
             faster"
        );
        if !spindle.is_empty() {
            let _ = write!(
                out,
                ", and {}'s ratio is Spindle / {reference} (below 1: Spindle is faster)",
                spindle.join(" and ")
            );
        }
        out.push('.');
    }
    let (unit, scale) = rounds_unit(section);
    let _ = write!(
        out,
        "\n\n| Contender | Median {} | Ratio to {reference} |\n|---|---:|---:|\n",
        md(&unit)
    );
    for (i, row) in section.rows.iter().enumerate() {
        let name = if i == 0 {
            format!("**{}**", md(&row.contender))
        } else {
            md(&row.contender)
        };
        let _ = writeln!(
            out,
            "| {name} | {:.2} | {:.2}x |",
            row.ns_quartiles.median / scale,
            row.ratio.median
        );
    }
}

/// What the busy columns mean.
const BUSY_NOTE: &str = "\nBusy columns: the same rounds again in the same run, with threads \
     burning CPU at normal priority (`cargo xtask bench --busy N`; N is in each table's \
     heading), so every contender shares its cores as in a real program. Medians carry the \
     spread of the rounds (min–max); *busy / idle* is each contender's own slowdown.\n";

/// A workload measured idle and busy in one run: median with spread and ratio for each, and
/// each contender's slowdown.
fn busy_and_idle_table(out: &mut String, idle: &Rounds, busy: &Rounds) {
    let reference = md(idle.rows.first().map_or("", |r| r.contender.as_str()));
    let _ = write!(
        out,
        "\n### {}\n\n{} interleaved rounds idle, {} with {} threads burning CPU; ratio = \
         contender / {reference}.",
        md(&idle.title),
        idle.rounds,
        busy.rounds,
        busy.busy
    );
    let (unit, scale) = rounds_unit(idle);
    let _ = write!(
        out,
        "\n\n| Contender | Idle {unit} (min–max) | Idle ratio | Busy {unit} (min–max) | Busy \
         ratio | Busy / idle |\n|---|---:|---:|---:|---:|---:|\n",
        unit = md(&unit)
    );
    let spread = |q: &spindle_bench_support::results::Quartiles| {
        format!(
            "{:.2} ({:.2}–{:.2})",
            q.median / scale,
            q.min / scale,
            q.max / scale
        )
    };
    for (i, row) in idle.rows.iter().enumerate() {
        let name = if i == 0 {
            format!("**{}**", md(&row.contender))
        } else {
            md(&row.contender)
        };
        let Some(hot) = busy.rows.iter().find(|r| r.contender == row.contender) else {
            let _ = writeln!(
                out,
                "| {name} | {} | {:.2}x | – | – | – |",
                spread(&row.ns_quartiles),
                row.ratio.median
            );
            continue;
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {:.2}x | {} | {:.2}x | {:.2}x |",
            spread(&row.ns_quartiles),
            row.ratio.median,
            spread(&hot.ns_quartiles),
            hot.ratio.median,
            hot.ns_quartiles.median / row.ns_quartiles.median
        );
    }
}

/// The row the ratios are taken to: the first Spindle contender, else the fastest.
fn reference(entries: &[Entry]) -> Option<(usize, bool)> {
    if let Some(i) = entries.iter().position(|e| is_spindle(&e.function)) {
        return Some((i, true));
    }
    let fastest = (0..entries.len())
        .min_by(|&a, &b| entries[a].median_ns.total_cmp(&entries[b].median_ns))?;
    Some((fastest, false))
}

fn is_spindle(name: &str) -> bool {
    name.trim_start()
        .to_ascii_lowercase()
        .starts_with("spindle")
}

fn group_table(out: &mut String, group: &Group) {
    let _ = write!(out, "\n### `{}`\n\n", group.name.replace('`', "'"));
    let mut counts: Vec<Option<u64>> = group.entries.iter().map(|e| e.elements).collect();
    counts.dedup();
    if let [Some(n)] = counts[..] {
        let _ = write!(
            out,
            "{} element{} per iteration. ",
            count(n),
            if n == 1 { "" } else { "s" }
        );
    }
    let Some((reference, spindle)) = reference(&group.entries) else {
        return;
    };
    let reference_name = md(&group.entries[reference].name);
    let column = if spindle {
        let _ = write!(out, "Reference: {reference_name}.");
        "peer / Spindle"
    } else {
        let _ = write!(
            out,
            "No Spindle contender ran in this group: the reference is the fastest, \
             {reference_name}."
        );
        "peer / fastest"
    };
    if group.stale > 0 {
        let _ = write!(
            out,
            " {} more contender{} did not run this time and {} left out.",
            group.stale,
            if group.stale == 1 { "" } else { "s" },
            if group.stale == 1 { "is" } else { "are" }
        );
    }
    // The per-element column only when some contender declares elements.
    let per_element = group.entries.iter().any(|e| e.elements.is_some());
    let (element_head, element_rule) = if per_element {
        (" Median / element |", "---:|")
    } else {
        ("", "")
    };
    let _ = write!(
        out,
        "\n\n| Contender | Median / iteration | Mean / iteration |{element_head} {column} |\n\
         |---|---:|---:|{element_rule}---:|\n"
    );
    let base = group.entries[reference].median_ns;
    for (i, entry) in group.entries.iter().enumerate() {
        let name = if i == reference {
            format!("**{}**", md(&entry.name))
        } else {
            md(&entry.name)
        };
        let element = match (per_element, entry.elements) {
            (false, _) => String::new(),
            (true, None) => " — |".to_owned(),
            (true, Some(n)) => format!(" {} |", time(entry.median_ns / n as f64)),
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} |{element} {} |",
            time(entry.median_ns),
            time(entry.mean_ns),
            ratio(entry.median_ns / base)
        );
    }
}

fn footer(out: &mut String, results: &Results, unreadable: &[String]) {
    out.push_str("\n---\n\n");
    if results.stale_groups.is_empty() {
        out.push_str(
            "Every criterion group with results under `target/criterion` ran this time; none \
             was left out.\n",
        );
    } else {
        let names: Vec<String> = results
            .stale_groups
            .iter()
            .map(|g| format!("`{}`", g.replace('`', "'")))
            .collect();
        let _ = writeln!(
            out,
            "Left out, not run this time (their results under `target/criterion` are from an \
             earlier run): {}.",
            names.join(", ")
        );
    }
    for (what, list) in [
        (
            "Results written this run that could not be read",
            results.unreadable.as_slice(),
        ),
        ("Bench results files that could not be read", unreadable),
    ] {
        if !list.is_empty() {
            let list: Vec<String> = list.iter().map(|u| md(u)).collect();
            let _ = writeln!(out, "\n{what}: {}.", list.join("; "));
        }
    }
}

/// Escapes what would break a table cell or turn into HTML or emphasis.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '*' | '\\' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// About three significant figures.
fn sig3(value: f64) -> String {
    match value.abs() {
        v if v >= 100.0 => format!("{value:.0}"),
        v if v >= 10.0 => format!("{value:.1}"),
        _ => format!("{value:.2}"),
    }
}

/// Nanoseconds in the unit that keeps the figure between 1 and 1000.
fn time(ns: f64) -> String {
    match ns {
        ns if ns < 1e3 => format!("{} ns", sig3(ns)),
        ns if ns < 1e6 => format!("{} µs", sig3(ns / 1e3)),
        ns if ns < 1e9 => format!("{} ms", sig3(ns / 1e6)),
        ns => format!("{} s", sig3(ns / 1e9)),
    }
}

fn ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else {
        format!("{r:.2}x")
    }
}

/// `200000` as `200 000`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn elapsed(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

/// `2025-03-01 14:05:09 UTC`.
fn utc(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use spindle_bench_support::results::{CpuRow, Quartiles, RoundsRow};

    fn rounds(title: &str, per: &str, rows: &[(&str, f64, f64)]) -> Table {
        Table::Rounds(Rounds {
            title: title.into(),
            per: per.into(),
            rounds: 15,
            load: None,
            busy: 0,
            rows: rows
                .iter()
                .map(|&(contender, ns, ratio)| RoundsRow {
                    contender: contender.into(),
                    ns: vec![ns],
                    ns_quartiles: Quartiles::of(&[ns]),
                    ratio: Quartiles::of(&[ratio]),
                })
                .collect(),
        })
    }

    fn entry(name: &str, median_ns: f64, elements: Option<u64>) -> Entry {
        Entry {
            name: name.to_owned(),
            function: name.to_owned(),
            median_ns,
            mean_ns: median_ns * 1.1,
            elements,
            written: UNIX_EPOCH,
        }
    }

    #[test]
    fn formats_dates_times_and_counts() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00:00 UTC");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3661); // 2000-02-29
        assert_eq!(utc(t), "2000-02-29 01:01:01 UTC");
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(time(2.834), "2.83 ns");
        assert_eq!(time(27_822_686.45), "27.8 ms");
        assert_eq!(time(190_000.0), "190 µs");
        assert_eq!(time(3.2e9), "3.20 s");
        assert_eq!(ratio(2.5312), "2.53x");
        assert_eq!(ratio(150.4), "150x");
        assert_eq!(count(1), "1");
        assert_eq!(count(1000), "1 000");
        assert_eq!(count(200_000), "200 000");
        assert_eq!(elapsed(Duration::from_secs(725)), "12 min 5 s");
        assert_eq!(md("a|b <dyn F> *x*"), "a\\|b &lt;dyn F&gt; \\*x\\*");
    }

    #[test]
    fn the_async_cpu_table_gets_its_own_heading() {
        let table = |groups: &[&str]| CpuPerItem {
            rows: groups
                .iter()
                .map(|&group| CpuRow {
                    group: group.into(),
                    contender: "spindle Queue".into(),
                    cpu_ns: 35.2,
                })
                .collect(),
        };
        assert_eq!(
            cpu_heading(&table(&[
                "async_mpmc_unbounded_2p2c",
                "async_ask_round_trip"
            ])),
            ASYNC_CPU_PER_OP
        );
        assert_eq!(
            cpu_heading(&table(&["blocking_bounded_2p2c"])),
            CPU_PER_ITEM
        );
        assert_eq!(
            cpu_heading(&table(&["async_offload_job", "blocking_bounded_2p2c"])),
            CPU_PER_ITEM
        );
        assert_eq!(cpu_heading(&table(&[])), CPU_PER_ITEM);
    }

    #[test]
    fn picks_the_first_spindle_contender_else_the_fastest() {
        let entries = [
            entry("rayon", 5.0, None),
            entry("spindle join", 6.0, None),
            entry("spindle scope", 4.0, None),
        ];
        assert_eq!(reference(&entries), Some((1, true)));
        let peers = [entry("rayon", 5.0, None), entry("threadpool", 3.0, None)];
        assert_eq!(reference(&peers), Some((1, false)));
        assert_eq!(reference(&[]), None);
    }

    #[test]
    fn renders_every_part() {
        let machine = Machine {
            cpu: "Test CPU".into(),
            logical_cores: "2".into(),
            memory: "23.4 GiB".into(),
            rustc: "rustc 1.95.0".into(),
            commit: "abc1234".into(),
        };
        let args = vec!["call".to_owned()];
        let run = Run {
            started: UNIX_EPOCH,
            elapsed: Duration::from_secs(61),
            args: &args,
            busy: 2,
            machine: &machine,
        };
        let results = Results {
            groups: vec![
                Group {
                    name: "call".into(),
                    entries: vec![
                        entry("spindle Actor::call", 2_000.0, Some(1000)),
                        entry("naive VecDeque<Box<dyn FnOnce>>", 5_000.0, Some(1000)),
                    ],
                    stale: 1,
                },
                Group {
                    name: "fib".into(),
                    entries: vec![entry("rayon", 10.0, None), entry("threadpool", 5.0, None)],
                    stale: 0,
                },
            ],
            stale_groups: vec!["blocking_old".into()],
            unreadable: vec![],
        };
        let tables = [
            rounds(
                "call: 1000 outside calls + run",
                "call",
                &[
                    ("spindle Actor::call", 2.834, 1.0),
                    ("stakker call!", 7.14, 2.53),
                ],
            ),
            rounds(
                "fib(25)",
                "run",
                &[("rayon", 100_000.0, 1.0), ("spindle", 80_000.0, 0.8)],
            ),
            Table::CpuPerItem(CpuPerItem {
                rows: vec![CpuRow {
                    group: "blocking_bounded_2p2c".into(),
                    contender: "spindle BoundedQueue".into(),
                    cpu_ns: 53.3,
                }],
            }),
        ];
        let text = render(&run, &results, &tables, &["pool.json: bad".to_owned()]);

        for expected in [
            "| Ran | 1970-01-01 00:00:00 UTC (took 1 min 1 s) |",
            "| Command | `cargo xtask bench --busy 2 -- call` |",
            "Filtered run",
            "| Contender | Median ns/call | Ratio to spindle Actor::call |",
            "| **spindle Actor::call** | 2.83 | 1.00x |",
            "| stakker call! | 7.14 | 2.53x |",
            "| Contender | Median µs/run | Ratio to rayon |",
            "| spindle | 80.00 | 0.80x |",
            "The reference here is rayon, not Spindle",
            "spindle's ratio is Spindle / rayon",
            "1 000 elements per iteration. Reference: spindle Actor::call. 1 more contender did \
             not run this time and is left out.",
            "| Contender | Median / iteration | Mean / iteration | Median / element | peer / Spindle |",
            "| **spindle Actor::call** | 2.00 µs | 2.20 µs | 2.00 ns | 1.00x |",
            "| naive VecDeque&lt;Box&lt;dyn FnOnce&gt;&gt; | 5.00 µs | 5.50 µs | 5.00 ns | 2.50x |",
            "the reference is the fastest, threadpool.",
            "| Contender | Median / iteration | Mean / iteration | peer / fastest |\n|---|---:|---:|---:|",
            "| rayon | 10.0 ns | 11.0 ns | 2.00x |",
            "```text\nCPU time per item (all threads), blocking workloads:\n\
             blocking_bounded_2p2c      spindle BoundedQueue               53.3 ns\n```",
            "Bench results files that could not be read: pool.json: bad.",
            "`blocking_old`",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        // A busy twin goes beside its idle table.
        let mut busy = rounds(
            "call: 1000 outside calls + run",
            "call",
            &[
                ("spindle Actor::call", 5.668, 1.0),
                ("stakker call!", 21.42, 3.78),
            ],
        );
        if let Table::Rounds(r) = &mut busy {
            r.busy = 2;
        }
        let both = render(&run, &results, &[tables[0].clone(), busy], &[]);
        for expected in [
            "Busy columns:",
            "15 interleaved rounds idle, 15 with 2 threads burning CPU",
            "| **spindle Actor::call** | 2.83 (2.83–2.83) | 1.00x | 5.67 (5.67–5.67) | 1.00x | 2.00x |",
            "| stakker call! | 7.14 (7.14–7.14) | 2.53x | 21.42 (21.42–21.42) | 3.78x | 3.00x |",
        ] {
            assert!(both.contains(expected), "missing {expected:?} in:\n{both}");
        }
        assert_eq!(
            both.matches("### call: 1000 outside calls + run").count(),
            1
        );
        // Sections in order: rounds, criterion, printed tables.
        let at = |s: &str| text.find(s).unwrap();
        assert!(at("## Interleaved rounds") < at("## Criterion groups"));
        assert!(at("## Criterion groups") < at("## Other printed tables"));
    }
}
