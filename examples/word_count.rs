//! Parallel word count with Spindle's parallel iterators: the classic map-reduce, written as a
//! rayon user writes it.
//!
//! A ~20 MiB corpus of pseudo-random words from a fixed, skewed vocabulary is generated
//! deterministically (xorshift, fixed seed), cut into chunks at word boundaries, and counted
//! with one iterator pipeline on the global pool:
//!
//! ```text
//! pieces.par_iter()
//!     .fold(Counts::new, |counts, piece| add(counts, piece))   // map: a HashMap per leaf
//!     .reduce(Counts::new, merge)                              // reduce: merged in order
//! ```
//!
//! The maps borrow the corpus (no word is copied); `fold` keeps one map per leaf of the
//! iteration, not per chunk, and `reduce` merges them pairwise, in parallel.
//!
//! The same corpus is counted sequentially with one `HashMap`; the two results must be equal
//! (the example panics otherwise). It prints the top 5 words and the timings (best of 3 runs
//! each) with the speedup.
//!
//! Run with `cargo run --release --example word_count`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use spindle::prelude::*;

#[path = "shared/xorshift.rs"]
mod xorshift;
use xorshift::XorShift;

/// Bytes of text to generate.
const CORPUS_BYTES: usize = 20 << 20;
/// Chunks per worker the corpus is cut into: enough for stealing to even out the load, few
/// enough that merging the per-chunk maps (each holding most of the vocabulary) stays cheap.
const CHUNKS_PER_WORKER: usize = 8;
/// Timed runs of each way of counting; the best is reported.
const RUNS: usize = 3;

/// Word -> occurrences; the words borrow the corpus.
type Counts<'a> = HashMap<&'a str, u64>;

/// Draws from the shared generator ([`XorShift`]) as floats too.
impl XorShift {
    /// A float in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Common words first (they get the highest frequencies), then made-up words from syllables.
fn vocabulary() -> Vec<String> {
    const COMMON: &[&str] = &[
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be",
        "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have",
        "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has",
        "there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "thread",
        "queue", "actor", "pool", "lock", "spin", "park", "steal", "join", "scope", "spindle",
    ];
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "bri", "dra", "fel", "gon", "hul",
        "jas", "kor",
    ];
    let mut words: Vec<String> = COMMON.iter().map(|w| w.to_string()).collect();
    for a in SYLLABLES {
        for b in SYLLABLES {
            words.push(format!("{a}{b}"));
            for c in SYLLABLES.iter().take(14) {
                words.push(format!("{a}{b}{c}"));
            }
        }
    }
    words
}

/// The corpus: words drawn with a Zipf-like skew (rank = n * u^3), separated by spaces and
/// the odd newline. Returns the text and the number of words in it.
fn generate(vocabulary: &[String]) -> (String, u64) {
    let mut rng = XorShift(0x5EED_CAFE_F00D_D00D);
    let mut text = String::with_capacity(CORPUS_BYTES + 64);
    let mut words = 0u64;
    while text.len() < CORPUS_BYTES {
        let u = rng.unit();
        let rank = ((vocabulary.len() as f64) * u * u * u) as usize;
        text.push_str(&vocabulary[rank.min(vocabulary.len() - 1)]);
        text.push(if rng.next() % 13 == 0 { '\n' } else { ' ' });
        words += 1;
    }
    (text, words)
}

/// Cuts `text` into about `n` pieces, each ending just after a whitespace byte, so no word is
/// split between two chunks.
fn chunks(text: &str, n: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let target = text.len().div_ceil(n);
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    while start < bytes.len() {
        let mut end = (start + target).min(bytes.len());
        while end < bytes.len() && !bytes[end - 1].is_ascii_whitespace() {
            end += 1;
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

/// The sequential kernel: adds the words of `text` to `counts`.
fn add<'a>(mut counts: Counts<'a>, text: &'a str) -> Counts<'a> {
    for word in text.split_ascii_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

/// The sequential baseline: one map for the whole text.
fn count(text: &str) -> Counts<'_> {
    add(Counts::with_capacity(4096), text)
}

/// The parallel count: a map per leaf of the iteration, merged in parallel.
fn count_parallel<'a>(pieces: &[&'a str]) -> Counts<'a> {
    pieces
        .par_iter()
        .fold(Counts::new, |counts, piece| add(counts, piece))
        .reduce(Counts::new, merge)
}

/// Folds the smaller map into the larger.
fn merge<'a>(a: Counts<'a>, b: Counts<'a>) -> Counts<'a> {
    let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (word, n) in small {
        *big.entry(word).or_insert(0) += n;
    }
    big
}

/// The words ordered by count, most frequent first (ties by word, so the order is stable).
fn top(counts: &Counts<'_>, n: usize) -> Vec<(String, u64)> {
    let mut all: Vec<(&str, u64)> = counts.iter().map(|(w, c)| (*w, *c)).collect();
    all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    all.into_iter()
        .take(n)
        .map(|(w, c)| (w.to_owned(), c))
        .collect()
}

/// Runs `f` `RUNS` times and returns the last result with the best time.
fn best_of<R>(mut f: impl FnMut() -> R) -> (R, Duration) {
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = black_box(f());
        best = best.min(t.elapsed());
        result = Some(r);
    }
    (result.expect("RUNS > 0"), best)
}

fn main() {
    let workers = spindle::executor::current_num_threads();
    let vocabulary = vocabulary();

    let t = Instant::now();
    let (corpus, generated_words) = generate(&vocabulary);
    let generate_time = t.elapsed();
    let pieces = chunks(&corpus, CHUNKS_PER_WORKER * workers);
    assert_eq!(
        pieces.concat().len(),
        corpus.len(),
        "chunks must cover the corpus"
    );

    // Baseline: one thread, one map.
    let (sequential, seq_time) = best_of(|| count(black_box(&corpus)));

    // Parallel: fold + reduce over the chunks, on the global pool.
    let (parallel, total_time) = best_of(|| count_parallel(black_box(&pieces)));

    // The two ways must agree, word for word.
    let occurrences: u64 = parallel.values().sum();
    assert_eq!(occurrences, generated_words, "parallel count lost words");
    assert_eq!(
        sequential.values().sum::<u64>(),
        generated_words,
        "sequential count lost words"
    );
    assert_eq!(
        parallel, sequential,
        "parallel and sequential counts differ"
    );
    let top5 = top(&parallel, 5);
    assert_eq!(top5, top(&sequential, 5));
    assert_eq!(
        top5[0].0, "the",
        "the skew puts the first word of the vocabulary on top"
    );

    println!(
        "word count: {:.1} MiB corpus, {} words ({} distinct of a {}-word vocabulary), \
         {} chunks, {} workers",
        corpus.len() as f64 / (1 << 20) as f64,
        generated_words,
        parallel.len(),
        vocabulary.len(),
        pieces.len(),
        workers
    );
    println!("\ntop 5 words:");
    for (rank, (word, n)) in top5.iter().enumerate() {
        println!(
            "  {}. {word:<8} {n:>8}  ({:.2}%)",
            rank + 1,
            100.0 * *n as f64 / generated_words as f64
        );
    }
    println!(
        "\ncounts match: parallel == sequential for all {} words ({} occurrences)",
        parallel.len(),
        occurrences
    );

    let mb = corpus.len() as f64 / (1 << 20) as f64;
    let row = |name: &str, d: Duration| {
        println!(
            "  {name:<44} {:>9.2?} {:>8.0} MiB/s",
            d,
            mb / d.as_secs_f64()
        );
    };
    println!("\ntimings (best of {RUNS}):");
    row("generate corpus (xorshift, sequential)", generate_time);
    row("sequential count, one HashMap", seq_time);
    row("parallel: par_iter().fold(..).reduce(..)", total_time);
    println!(
        "  speedup over sequential: {:.2}x on {} workers",
        seq_time.as_secs_f64() / total_time.as_secs_f64(),
        workers
    );
}
