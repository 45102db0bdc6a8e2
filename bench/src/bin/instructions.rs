//! A fixed workload for instruction counts under callgrind:
//! `valgrind --tool=callgrind mixgrad-bench-instructions OP VIEW` runs
//! 200 calls of one operation (`cdf`, `vjp`, `sample_quantile`,
//! `sample_ancestral`, or `none` for the fixed overhead) on the benchmark
//! mixture of compare_peers.py at K = 8, D = 32, f64, on the plain view or
//! a `prepared` one (`with_log_scales`). `tools/instructions.sh` subtracts
//! `none` and prints instructions per call.

use std::hint::black_box;

use mixgrad::{DiagMixtureRef, SeedableRng, Xoshiro256PlusPlus};

const K: usize = 8;
const D: usize = 32;
const CALLS: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let op = args.get(1).map_or("none", String::as_str);
    let prepared = args.get(2).is_some_and(|v| v == "prepared");
    let logits: Vec<f64> = (0..K).map(|i| (i as f64).sin()).collect();
    let mut means = Vec::new();
    let mut scales = Vec::new();
    for i in 0..K {
        for j in 0..D {
            means.push(2.0 * (1.3 * i as f64 + 0.7 * j as f64).sin());
            scales.push(1.0 + 0.5 * (0.9 * i as f64 + 1.1 * j as f64).cos());
        }
    }
    let plain = DiagMixtureRef::new(&logits, &means, &scales, D).unwrap();
    let mut buf = vec![0.0; K * D];
    let mix = if prepared {
        plain.with_log_scales(&mut buf).unwrap()
    } else {
        plain
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    // Points drawn from the mixture, the same for every operation.
    let points: Vec<Vec<f64>> = (0..CALLS)
        .map(|_| {
            let mut x = vec![0.0; D];
            mix.sample_ancestral(&mut rng, &mut x).unwrap();
            x
        })
        .collect();
    let x_bar = vec![1.0; D];
    let (mut out, mut a, mut m, mut s) = (
        vec![0.0; D],
        vec![0.0; K],
        vec![0.0; K * D],
        vec![0.0; K * D],
    );
    for x in &points {
        match op {
            "cdf" => cdf(&mix, x, &mut out),
            "vjp" => vjp(&mix, x, &x_bar, (&mut a, &mut m, &mut s)),
            "sample_quantile" => sample_quantile(&mix, &mut rng, &mut out),
            "sample_ancestral" => sample_ancestral(&mix, &mut rng, &mut out),
            _ => {}
        }
        black_box((&out, &a, &m, &s));
    }
}

// Each operation is called out of line, as from another crate: otherwise
// all four are inlined into `main`, and a change to one moves the
// compiler's inlining decisions, and so the counts, of the others.

#[inline(never)]
fn cdf(mix: &DiagMixtureRef<'_, f64>, x: &[f64], u: &mut [f64]) {
    mix.cdf(black_box(x), u).unwrap();
}

#[inline(never)]
fn vjp(
    mix: &DiagMixtureRef<'_, f64>,
    x: &[f64],
    x_bar: &[f64],
    g: (&mut [f64], &mut [f64], &mut [f64]),
) {
    mix.vjp(black_box(x), x_bar, g.0, g.1, g.2).unwrap();
}

#[inline(never)]
fn sample_quantile(mix: &DiagMixtureRef<'_, f64>, rng: &mut Xoshiro256PlusPlus, x: &mut [f64]) {
    mix.sample_quantile(rng, x, None).unwrap();
}

#[inline(never)]
fn sample_ancestral(mix: &DiagMixtureRef<'_, f64>, rng: &mut Xoshiro256PlusPlus, x: &mut [f64]) {
    mix.sample_ancestral(rng, x).unwrap();
}
