//! The `mixgrad` side of `bench/compare_peers.py`.
//!
//! ```text
//! mixgrad-bench time K D N      # one JSON line per operation: ns per sample (single thread),
//!                               # on the plain view and on one with_log_scales ("/prepared")
//! mixgrad-bench vjp < problem   # K D, logits, means, scales, x, x_bar -> the vjp, one value per line
//! ```
//!
//! The mixture for `time` is the one the script also gives the peers:
//! logits, means and scales from a fixed formula (see `problem`). A counting
//! global allocator checks that the timed loops allocate nothing.

use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use mixgrad::{DiagMixtureRef, SeedableRng, Xoshiro256PlusPlus};

use mixgrad_bench::counting_alloc::{allocations, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The benchmark mixture, identical to `problem()` in compare_peers.py:
/// logits `sin(k)`, means `2 sin(1.3 k + 0.7 d)`, scales
/// `1 + 0.5 cos(0.9 k + 1.1 d)` (overlapping components, no randomness to
/// reproduce across languages).
fn problem(k: usize, d: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let logits = (0..k).map(|i| (i as f64).sin()).collect();
    let mut means = Vec::with_capacity(k * d);
    let mut scales = Vec::with_capacity(k * d);
    for i in 0..k {
        for j in 0..d {
            means.push(2.0 * (1.3 * i as f64 + 0.7 * j as f64).sin());
            scales.push(1.0 + 0.5 * (0.9 * i as f64 + 1.1 * j as f64).cos());
        }
    }
    (logits, means, scales)
}

/// Best of five runs of `n` calls, in ns per call; panics if the loop allocated.
fn time(n: usize, mut body: impl FnMut()) -> f64 {
    body(); // warm up
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let before = allocations();
        let start = Instant::now();
        for _ in 0..n {
            body();
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        assert_eq!(before, allocations(), "the timed loop allocated");
        best = best.min(ns);
    }
    best
}

fn cmd_time(k: usize, d: usize, n: usize) {
    let (logits, means, scales) = problem(k, d);
    let mix = DiagMixtureRef::new(&logits, &means, &scales, d).expect("valid mixture");
    time_ops(&mix, "", n);
    // The same mixture serving many calls (a batch): ln σ computed once.
    let mut log_scales = vec![0.0; k * d];
    let prepared = mix.with_log_scales(&mut log_scales).expect("buffer of K·D");
    time_ops(&prepared, "/prepared", n);
}

/// Times every operation on `mix`, printing one JSON line each (`op` gets
/// `suffix`).
fn time_ops(mix: &DiagMixtureRef<'_, f64>, suffix: &str, n: usize) {
    let (k, d) = (mix.num_components(), mix.num_dims());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let x_bar: Vec<f64> = (0..d).map(|j| 1.0 + 0.1 * j as f64).collect();
    let mut x = vec![0.0; d];
    let (mut ga, mut gm, mut gs) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
    let mut u = vec![0.0; d];
    let mut ops: Vec<(&str, f64)> = Vec::new();
    ops.push((
        "ancestral",
        time(n, || {
            mix.sample_ancestral(&mut rng, &mut x).unwrap();
            black_box(&x);
        }),
    ));
    ops.push((
        "quantile",
        time(n, || {
            mix.sample_quantile(&mut rng, &mut x, None).unwrap();
            black_box(&x);
        }),
    ));
    ops.push((
        "ancestral+vjp",
        time(n, || {
            mix.sample_ancestral(&mut rng, &mut x).unwrap();
            mix.vjp(&x, &x_bar, &mut ga, &mut gm, &mut gs).unwrap();
            black_box(&gs);
        }),
    ));
    ops.push((
        "quantile+vjp",
        time(n, || {
            mix.sample_quantile(&mut rng, &mut x, None).unwrap();
            mix.vjp(&x, &x_bar, &mut ga, &mut gm, &mut gs).unwrap();
            black_box(&gs);
        }),
    ));
    mix.sample_quantile(&mut rng, &mut x, None).unwrap();
    ops.push((
        "cdf",
        time(n, || {
            mix.cdf(black_box(&x), &mut u).unwrap();
        }),
    ));
    ops.push((
        "vjp",
        time(n, || {
            mix.vjp(black_box(&x), &x_bar, &mut ga, &mut gm, &mut gs)
                .unwrap();
        }),
    ));
    for (op, ns) in ops {
        println!(r#"{{"op": "{op}{suffix}", "K": {k}, "D": {d}, "ns_per_sample": {ns:.1}}}"#);
    }
}

fn cmd_vjp() {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .expect("read stdin");
    let v: Vec<f64> = input
        .split_whitespace()
        .map(|t| t.parse().expect("a number"))
        .collect();
    let (k, d) = (v[0] as usize, v[1] as usize);
    let mut rest = &v[2..];
    let mut take = |n: usize| {
        let (head, tail) = rest.split_at(n);
        rest = tail;
        head.to_vec()
    };
    let (logits, means, scales, x, x_bar) = (take(k), take(k * d), take(k * d), take(d), take(d));
    let mix = DiagMixtureRef::new(&logits, &means, &scales, d).expect("valid mixture");
    let (mut ga, mut gm, mut gs) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
    mix.vjp(&x, &x_bar, &mut ga, &mut gm, &mut gs).expect("vjp");
    for g in ga.iter().chain(&gm).chain(&gs) {
        println!("{g:.17e}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let num = |i: usize| -> usize { args[i].parse().expect("a count") };
    match args.get(1).map(String::as_str) {
        Some("time") if args.len() == 5 => cmd_time(num(2), num(3), num(4)),
        Some("vjp") => cmd_vjp(),
        _ => {
            eprintln!("usage: mixgrad-bench time K D N | mixgrad-bench vjp < problem");
            std::process::exit(2);
        }
    }
}
