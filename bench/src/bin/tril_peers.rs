//! The `mixgrad` side of `bench/compare_peers.py --tril`: the
//! full-covariance mixture of `mixgrad_bench::problem::tril_problem`, f64,
//! one thread.
//!
//! ```text
//! tril_peers problem K D        # one JSON line: logits, means, scale_tril (K·D·D, row-major)
//! tril_peers time K D N B       # one JSON line per operation: ns per sample
//! tril_peers moments K D N SEED # one JSON line: mean and variance per sample of the gradient
//! ```
//!
//! `time` runs each operation for about `N` samples (best of five): at
//! batch 1, single calls (`sample_ancestral` or `sample_quantile`, then
//! `vjp` with `x̄ = 2x`, the gradient of `Σ x_d²`); at `…/many`, calls of
//! `B` samples of the one mixture, each row a single call whose gradient
//! is added into one sum (what a caller writes with the single calls).
//!
//! `moments` draws `N` points with the ancestral sampler and takes the
//! pathwise gradient of `f(x) = Σ x_d²` at each (`vjp` with `x̄ = 2x`):
//! its mean estimates `∇θ E[f(x)]`; the variance is per sample, for each
//! of the `K + K·D + K·D·D` parameters (zero above the diagonals).
//!
//! A counting global allocator checks that the timed loops allocate
//! nothing.

use std::hint::black_box;
use std::time::Instant;

use mixgrad::{SeedableRng, TrilMixtureRef, Xoshiro256PlusPlus};

use mixgrad_bench::counting_alloc::{allocations, Counting};
use mixgrad_bench::problem::tril_problem;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Best of five runs of `calls` calls of `body`, each doing `rows`
/// samples, in ns per sample; panics if a run allocated.
fn time_rows(calls: usize, rows: usize, mut body: impl FnMut()) -> f64 {
    body(); // warm up
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let before = allocations();
        let start = Instant::now();
        for _ in 0..calls {
            body();
        }
        let ns = start.elapsed().as_nanos() as f64 / (calls * rows) as f64;
        assert_eq!(before, allocations(), "the timed loop allocated");
        best = best.min(ns);
    }
    best
}

/// A JSON array of the values (shortest round-trip decimal form).
fn json_array(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[{}]", items.join(", "))
}

/// The gradient buffers of one mixture: logits, means, scale_tril.
struct Grad {
    a: Vec<f64>,
    m: Vec<f64>,
    l: Vec<f64>,
}

impl Grad {
    fn new(k: usize, d: usize) -> Self {
        Grad {
            a: vec![0.0; k],
            m: vec![0.0; k * d],
            l: vec![0.0; k * d * d],
        }
    }

    fn iter(&self) -> impl Iterator<Item = &f64> {
        self.a.iter().chain(&self.m).chain(&self.l)
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        self.a.iter_mut().chain(&mut self.m).chain(&mut self.l)
    }

    fn fill(&mut self, v: f64) {
        self.iter_mut().for_each(|g| *g = v);
    }

    fn add(&mut self, other: &Grad) {
        for (s, g) in self.iter_mut().zip(other.iter()) {
            *s += g;
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Sampler {
    Ancestral,
    Quantile,
}

/// One sample into `x` and the gradient of `Σ x_d²` at it into `g`.
fn sample_and_vjp(
    mix: &TrilMixtureRef<'_, f64>,
    sampler: Sampler,
    rng: &mut Xoshiro256PlusPlus,
    x: &mut [f64],
    x_bar: &mut [f64],
    g: &mut Grad,
    work: &mut [f64],
) {
    match sampler {
        Sampler::Ancestral => {
            mix.sample_ancestral(rng, x).unwrap();
        }
        Sampler::Quantile => {
            mix.sample_quantile(rng, x, None, work).unwrap();
        }
    }
    for (b, &v) in x_bar.iter_mut().zip(x.iter()) {
        *b = 2.0 * v;
    }
    mix.vjp(x, x_bar, &mut g.a, &mut g.m, &mut g.l, work)
        .unwrap();
}

fn cmd_problem(k: usize, d: usize) {
    let (logits, means, tril) = tril_problem(k, d);
    println!(
        r#"{{"K": {k}, "D": {d}, "logits": {}, "means": {}, "scale_tril": {}}}"#,
        json_array(&logits),
        json_array(&means),
        json_array(&tril)
    );
}

fn cmd_time(k: usize, d: usize, n: usize, batch: usize) {
    let (logits, means, tril) = tril_problem(k, d);
    let mix = TrilMixtureRef::new(&logits, &means, &tril, d).expect("valid mixture");
    let mut work = vec![0.0; TrilMixtureRef::<f64>::work_len(k, d).expect("a size")];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let (mut x, mut x_bar) = (vec![0.0; d], vec![0.0; d]);
    let (mut g, mut sum) = (Grad::new(k, d), Grad::new(k, d));
    let print = |op: &str, ns: f64| {
        println!(r#"{{"op": "{op}", "K": {k}, "D": {d}, "ns_per_sample": {ns:.1}}}"#);
    };
    for (name, sampler) in [
        ("ancestral", Sampler::Ancestral),
        ("quantile", Sampler::Quantile),
    ] {
        let ns = time_rows(n, 1, || {
            match sampler {
                Sampler::Ancestral => mix.sample_ancestral(&mut rng, &mut x).map(|_| ()),
                Sampler::Quantile => mix
                    .sample_quantile(&mut rng, &mut x, None, &mut work[..])
                    .map(|_| ()),
            }
            .unwrap();
            black_box(&x);
        });
        print(name, ns);
        let ns = time_rows(n, 1, || {
            sample_and_vjp(
                &mix, sampler, &mut rng, &mut x, &mut x_bar, &mut g, &mut work,
            );
            black_box(&g.l);
        });
        print(&format!("{name}+vjp"), ns);
        let calls = n.div_ceil(batch).max(1);
        let ns = time_rows(calls, batch, || {
            sum.fill(0.0);
            for _ in 0..batch {
                sample_and_vjp(
                    &mix, sampler, &mut rng, &mut x, &mut x_bar, &mut g, &mut work,
                );
                sum.add(&g);
            }
            black_box(&sum.l);
        });
        print(&format!("{name}+vjp/many"), ns);
    }
}

fn cmd_moments(k: usize, d: usize, n: usize, seed: u64) {
    let (logits, means, tril) = tril_problem(k, d);
    let mix = TrilMixtureRef::new(&logits, &means, &tril, d).expect("valid mixture");
    let mut work = vec![0.0; TrilMixtureRef::<f64>::work_len(k, d).expect("a size")];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut x, mut x_bar) = (vec![0.0; d], vec![0.0; d]);
    let mut g = Grad::new(k, d);
    // Welford's running mean and sum of squared deviations, per parameter.
    let p = k + k * d + k * d * d;
    let (mut mean, mut m2) = (vec![0.0; p], vec![0.0; p]);
    for i in 0..n {
        sample_and_vjp(
            &mix,
            Sampler::Ancestral,
            &mut rng,
            &mut x,
            &mut x_bar,
            &mut g,
            &mut work,
        );
        let count = (i + 1) as f64;
        for ((mu, s), &v) in mean.iter_mut().zip(m2.iter_mut()).zip(g.iter()) {
            let delta = v - *mu;
            *mu += delta / count;
            *s += delta * (v - *mu);
        }
    }
    let var: Vec<f64> = m2.iter().map(|s| s / (n.max(2) - 1) as f64).collect();
    println!(
        r#"{{"K": {k}, "D": {d}, "n": {n}, "mean": {}, "var": {}}}"#,
        json_array(&mean),
        json_array(&var)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let num = |i: usize| -> usize { args[i].parse().expect("a count") };
    match args.get(1).map(String::as_str) {
        Some("problem") if args.len() == 4 => cmd_problem(num(2), num(3)),
        Some("time") if args.len() == 6 => cmd_time(num(2), num(3), num(4), num(5)),
        Some("moments") if args.len() == 6 => cmd_moments(num(2), num(3), num(4), num(5) as u64),
        _ => {
            eprintln!(
                "usage: tril_peers problem K D | tril_peers time K D N B | \
                 tril_peers moments K D N SEED"
            );
            std::process::exit(2);
        }
    }
}
