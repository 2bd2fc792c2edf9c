//! Interleaved rounds, shared by the bench files: every contender runs once per round, in an
//! order that rotates each round, and each one's median and its median per-round ratio to the
//! first contender are printed. On a noisy 2-core machine a contender's criterion samples all
//! fall in one stretch of time; a ratio taken within a round cancels most of the swing.

/// One contender: a name and a run that returns its figure (lower is better).
pub(crate) type Contender<'a> = (&'a str, Box<dyn FnMut() -> f64 + 'a>);

/// Runs `contenders` for `rounds` rounds and prints `title`, then one line per contender:
/// median figure in `unit`, and median ratio to `contenders[0]`.
pub(crate) fn interleaved(
    title: &str,
    unit: &str,
    mut contenders: Vec<Contender<'_>>,
    rounds: usize,
) {
    let n = contenders.len();
    let mut figures = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for i in (0..n).map(|k| (k + round) % n) {
            figures[i].push((contenders[i].1)());
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "\n{title}, {rounds} interleaved rounds: median {unit} | median ratio to {}",
        contenders[0].0
    );
    for (i, (name, _)) in contenders.iter().enumerate() {
        let ratios = (0..rounds).map(|r| figures[i][r] / figures[0][r]).collect();
        println!(
            "  {name:<32} {:>9.2} | {:.2}x",
            median(figures[i].clone()),
            median(ratios)
        );
    }
}
