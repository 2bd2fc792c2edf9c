//! Whether the machine was busy while the tour ran, so the summary can say when its figures
//! are not representative: the load average and the CPU times of `/proc` (Linux), read at the
//! start and at the end of the run. Elsewhere the summary says it could not check.
//!
//! Tested by hand: `stress --cpu 4` (or a second `cargo build`) beside the tour makes it warn.

use std::fs;

/// One reading of the machine's state; each part is `None` where `/proc` could not be read.
pub(crate) struct Snapshot {
    /// The 1-minute load average.
    load: Option<f64>,
    /// CPU times of all cores together, from the first line of `/proc/stat`.
    cpu: Option<CpuTimes>,
    /// CPU time used by this process (all its threads), in the same ticks as `cpu`.
    own: Option<u64>,
}

/// Clock ticks (USER_HZ) spent by all cores together since boot.
#[derive(Clone, Copy)]
struct CpuTimes {
    total: u64,
    /// Idle and waiting for I/O: the time no program wanted a core.
    idle: u64,
    /// Time the hypervisor gave this machine's cores to someone else.
    steal: u64,
}

/// Above this share of stolen time, the virtual machine's cores were not its own.
const STEAL_LIMIT: f64 = 5.0;
/// Above this share of all cores used by other processes, they competed with the tour.
const OTHERS_LIMIT: f64 = 25.0;

/// The cores the tour may use: what its thread pools size themselves by.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The case a figure was measured in, by the threads that took part: one, at most one per
/// core, or more threads than cores (then some wait for a core, and the figure includes it).
pub(crate) fn case(threads: usize) -> String {
    match (threads, cores()) {
        (1, _) => "same thread".to_owned(),
        (n, cores) if n > cores => format!("{n} threads > {cores} cores"),
        (n, _) => format!("{n} threads"),
    }
}

impl Snapshot {
    /// Reads the load average and the CPU times now.
    pub(crate) fn take() -> Self {
        Snapshot {
            load: fs::read_to_string("/proc/loadavg")
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse().ok()),
            cpu: fs::read_to_string("/proc/stat")
                .ok()
                .and_then(|s| cpu_times(&s)),
            own: fs::read_to_string("/proc/self/stat")
                .ok()
                .and_then(|s| own_ticks(&s)),
        }
    }
}

/// Parses the `cpu` line of `/proc/stat`: user nice system idle iowait irq softirq steal
/// (guest time is already counted in user, so it is left out of the total).
fn cpu_times(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let t: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let [user, nice, system, idle, iowait, irq, softirq, steal] = t[..] else {
        return None;
    };
    Some(CpuTimes {
        total: user + nice + system + idle + iowait + irq + softirq + steal,
        idle: idle + iowait,
        steal,
    })
}

/// Parses utime + stime (fields 14 and 15) of `/proc/self/stat`; the name, field 2, is in
/// parentheses and may hold spaces, so the count starts after its closing one.
fn own_ticks(stat: &str) -> Option<u64> {
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// Prints what the machine was doing over the run and, at the top, a warning if it was busy:
/// the load average above the number of cores, more than `STEAL_LIMIT` % of the time stolen,
/// or other processes using more than `OTHERS_LIMIT` % of all cores.
pub(crate) fn print_report(start: &Snapshot, end: &Snapshot) {
    let cores = cores();
    let (Some(load_start), Some(load_end), Some(a), Some(b)) =
        (start.load, end.load, start.cpu, end.cpu)
    else {
        println!(
            "machine: could not check whether it was busy (no /proc/loadavg or /proc/stat: not Linux?);"
        );
        println!("         on a loaded machine these figures are not representative");
        return;
    };
    let total = b.total.saturating_sub(a.total).max(1) as f64;
    let share = |ticks: u64| 100.0 * ticks as f64 / total;
    let busy = share((b.total - b.idle).saturating_sub(a.total - a.idle));
    let steal = share(b.steal.saturating_sub(a.steal));
    let own = match (start.own, end.own) {
        (Some(s), Some(e)) => Some(share(e.saturating_sub(s)).min(busy)),
        _ => None,
    };
    let others = own.map(|own| busy - own);

    let load = load_start.max(load_end);
    let mut reasons = Vec::new();
    if load > cores as f64 {
        reasons.push(format!("1-minute load average {load:.2} > {cores} cores"));
    }
    if steal > STEAL_LIMIT {
        reasons.push(format!("{steal:.1} % of CPU time stolen by the hypervisor"));
    }
    if let Some(others) = others.filter(|&o| o > OTHERS_LIMIT) {
        reasons.push(format!("other processes used {others:.0} % of all cores"));
    }
    if !reasons.is_empty() {
        println!(
            "!! WARNING: these figures were taken on a busy machine and are not representative:"
        );
        println!("!! {}. Rerun on an idle machine.", reasons.join("; "));
    }
    let split = match (own, others) {
        (Some(own), Some(others)) => {
            format!(" (the tour {own:.0} %, other processes {others:.0} %)")
        }
        _ => String::new(),
    };
    println!(
        "machine: {cores} cores; 1-minute load average {load_start:.2} at start, {load_end:.2} at end;"
    );
    println!("         over the run all cores were {busy:.0} % busy{split}, {steal:.1} % stolen");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_stat_and_self_stat() {
        let t = cpu_times("cpu  10 1 5 100 4 0 2 3 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\n").unwrap();
        assert_eq!((t.total, t.idle, t.steal), (125, 104, 3));
        let own = own_ticks("42 (a (b) c) R 1 1 1 0 -1 4194304 99 0 0 0 7 5 0 0 20").unwrap();
        assert_eq!(own, 12);
    }
}
