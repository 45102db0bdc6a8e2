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
            "cdf" => mix.cdf(black_box(x), &mut out).unwrap(),
            "vjp" => mix
                .vjp(black_box(x), &x_bar, &mut a, &mut m, &mut s)
                .unwrap(),
            "sample_quantile" => {
                mix.sample_quantile(&mut rng, &mut out, None).unwrap();
            }
            "sample_ancestral" => {
                mix.sample_ancestral(&mut rng, &mut out).unwrap();
            }
            _ => {}
        }
        black_box((&out, &a, &m, &s));
    }
}
