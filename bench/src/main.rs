//! The `mixgrad` side of `bench/compare_peers.py`.
//!
//! ```text
//! mixgrad-bench time K D N [B]  # one JSON line per operation: ns per sample (single thread)
//! mixgrad-bench vjp < problem   # K D, logits, means, scales, x, x_bar -> the vjp, one value per line
//! ```
//!
//! `time` runs each operation `N` times (best of five) as single calls on
//! the plain view and on one `with_log_scales` (`…/prepared`); then, in
//! calls of `B` rows (default 1024) for about `N` rows in all, the batch
//! forms: `…/many`, `B` points of the one mixture
//! (`sample_ancestral_many`, `sample_quantile_many`, `vjp_many` summed,
//! `cdf_many`), and `…/batch`, one point from each of `B` different
//! mixtures packed in a `DiagBatchRef` (its samplers and per-mixture
//! `vjp`).
//!
//! The mixtures for `time` are the ones the script also gives the peers
//! (`mixgrad_bench::problem`: fixed formulas, no randomness). A counting
//! global allocator checks that the timed loops allocate nothing (the batch
//! forms excepted when built with the `rayon` feature, whose threads have
//! buffers).

use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use mixgrad::{DiagBatchRef, DiagMixtureRef, SeedableRng, Xoshiro256PlusPlus};

use mixgrad_bench::counting_alloc::{allocations, Counting};
use mixgrad_bench::problem::{batch_problem, problem, x_bar};

/// `MIXGRAD_SIMD=scalar|sse2|avx2|avx512|neon` forces the batch kernels'
/// instruction set (default: the widest the CPU has).
fn force_simd_from_env() {
    if let Ok(name) = std::env::var("MIXGRAD_SIMD") {
        let path = mixgrad::SimdPath::from_name(&name).expect("MIXGRAD_SIMD: an unknown path");
        mixgrad::force_simd_path(Some(path)).expect("MIXGRAD_SIMD: not available here");
    }
    eprintln!("SIMD path: {}", mixgrad::simd_path().name());
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Best of five runs of `calls` calls of `body`, each doing `rows` samples,
/// in ns per sample; panics if the loop allocated (unless `may_allocate`).
fn time_rows(calls: usize, rows: usize, may_allocate: bool, mut body: impl FnMut()) -> f64 {
    body(); // warm up
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let before = allocations();
        let start = Instant::now();
        for _ in 0..calls {
            body();
        }
        let ns = start.elapsed().as_nanos() as f64 / (calls * rows) as f64;
        if !may_allocate {
            assert_eq!(before, allocations(), "the timed loop allocated");
        }
        best = best.min(ns);
    }
    best
}

/// Best of five runs of `n` single calls, in ns per call.
fn time(n: usize, body: impl FnMut()) -> f64 {
    time_rows(n, 1, false, body)
}

/// Prints one JSON line per operation.
fn print(ops: &[(&str, f64)], suffix: &str, k: usize, d: usize) {
    for (op, ns) in ops {
        println!(r#"{{"op": "{op}{suffix}", "K": {k}, "D": {d}, "ns_per_sample": {ns:.1}}}"#);
    }
}

fn cmd_time(k: usize, d: usize, n: usize, batch: usize) {
    let (logits, means, scales) = problem::<f64>(k, d);
    let mix = DiagMixtureRef::new(&logits, &means, &scales, d).expect("valid mixture");
    time_ops(&mix, "", n);
    // The same mixture serving many calls (a batch): ln σ computed once.
    let mut log_scales = vec![0.0; k * d];
    let prepared = mix.with_log_scales(&mut log_scales).expect("buffer of K·D");
    time_ops(&prepared, "/prepared", n);
    let calls = n.div_ceil(batch).max(1);
    time_many(&mix, batch, calls);
    let (logits, means, scales) = batch_problem::<f64>(k, d, batch);
    let packed = DiagBatchRef::new(&logits, &means, &scales, k, d).expect("valid mixtures");
    time_batch(&packed, calls);
}

/// The `*_many` forms on `rows` points of `mix`, `calls` calls per run.
fn time_many(mix: &DiagMixtureRef<'_, f64>, rows: usize, calls: usize) {
    let (k, d) = (mix.num_components(), mix.num_dims());
    let threaded = cfg!(feature = "rayon");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let xb = x_bar::<f64>(d, rows);
    let (mut x, mut u) = (vec![0.0; rows * d], vec![0.0; rows * d]);
    let (mut ga, mut gm, mut gs) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
    let time = |body: &mut dyn FnMut()| time_rows(calls, rows, threaded, body);
    let mut ops: Vec<(&str, f64)> = Vec::new();
    ops.push((
        "ancestral",
        time(&mut || {
            mix.sample_ancestral_many(&mut rng, &mut x, None).unwrap();
            black_box(&x);
        }),
    ));
    ops.push((
        "quantile",
        time(&mut || {
            mix.sample_quantile_many(&mut rng, &mut x, None).unwrap();
            black_box(&x);
        }),
    ));
    ops.push((
        "ancestral+vjp",
        time(&mut || {
            mix.sample_ancestral_many(&mut rng, &mut x, None).unwrap();
            mix.vjp_many(&x, &xb, &mut ga, &mut gm, &mut gs).unwrap();
            black_box(&gs);
        }),
    ));
    ops.push((
        "quantile+vjp",
        time(&mut || {
            mix.sample_quantile_many(&mut rng, &mut x, None).unwrap();
            mix.vjp_many(&x, &xb, &mut ga, &mut gm, &mut gs).unwrap();
            black_box(&gs);
        }),
    ));
    mix.sample_quantile_many(&mut rng, &mut x, None).unwrap();
    ops.push((
        "cdf",
        time(&mut || mix.cdf_many(black_box(&x), &mut u).unwrap()),
    ));
    ops.push((
        "vjp",
        time(&mut || {
            mix.vjp_many(black_box(&x), &xb, &mut ga, &mut gm, &mut gs)
                .unwrap()
        }),
    ));
    print(&ops, "/many", k, d);
}

/// The `DiagBatchRef` forms on `batch`, one point per mixture, `calls`
/// calls per run.
fn time_batch(batch: &DiagBatchRef<'_, f64>, calls: usize) {
    let (k, d, rows) = (batch.num_components(), batch.num_dims(), batch.len());
    let threaded = cfg!(feature = "rayon");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let xb = x_bar::<f64>(d, rows);
    let mut x = vec![0.0; rows * d];
    let (mut ga, mut gm, mut gs) = (
        vec![0.0; rows * k],
        vec![0.0; rows * k * d],
        vec![0.0; rows * k * d],
    );
    let time = |body: &mut dyn FnMut()| time_rows(calls, rows, threaded, body);
    let mut ops: Vec<(&str, f64)> = Vec::new();
    ops.push((
        "ancestral",
        time(&mut || {
            batch.sample_ancestral(&mut rng, &mut x, None).unwrap();
            black_box(&x);
        }),
    ));
    ops.push((
        "quantile",
        time(&mut || {
            batch.sample_quantile(&mut rng, &mut x, None).unwrap();
            black_box(&x);
        }),
    ));
    ops.push((
        "ancestral+vjp",
        time(&mut || {
            batch.sample_ancestral(&mut rng, &mut x, None).unwrap();
            batch.vjp(&x, &xb, &mut ga, &mut gm, &mut gs).unwrap();
            black_box(&gs);
        }),
    ));
    ops.push((
        "quantile+vjp",
        time(&mut || {
            batch.sample_quantile(&mut rng, &mut x, None).unwrap();
            batch.vjp(&x, &xb, &mut ga, &mut gm, &mut gs).unwrap();
            black_box(&gs);
        }),
    ));
    print(&ops, "/batch", k, d);
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
    print(&ops, suffix, k, d);
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
    force_simd_from_env();
    let args: Vec<String> = std::env::args().collect();
    let num = |i: usize| -> usize { args[i].parse().expect("a count") };
    match args.get(1).map(String::as_str) {
        Some("time") if args.len() == 5 => cmd_time(num(2), num(3), num(4), 1024),
        Some("time") if args.len() == 6 => cmd_time(num(2), num(3), num(4), num(5)),
        Some("vjp") => cmd_vjp(),
        _ => {
            eprintln!("usage: mixgrad-bench time K D N [B] | mixgrad-bench vjp < problem");
            std::process::exit(2);
        }
    }
}
