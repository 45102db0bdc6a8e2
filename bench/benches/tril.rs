//! `cargo bench -p mixgrad-bench --bench tril`: the full-covariance
//! mixture (docs/math.md §10) at K = 8, D ∈ {4, 16, 64}, f64: `cdf`,
//! `vjp`, `log_prob`, the quantile sampler, the ancestral sampler, and
//! quantile sample + `vjp`, each on caller scratch, on the mixture of
//! `mixgrad_bench::problem::tril_problem`. Criterion reports the
//! time per call (per sample). `… -- --test` runs every body once.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use mixgrad::{SeedableRng, TrilMixtureRef, Xoshiro256PlusPlus};
use mixgrad_bench::problem::tril_problem;

const K: usize = 8;
const DS: [usize; 3] = [4, 16, 64];
const POINTS: usize = 64;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("f64/tril");
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for d in DS {
        let (logits, means, tril) = tril_problem(K, d);
        let mix = TrilMixtureRef::new(&logits, &means, &tril, d).unwrap();
        let mut work = vec![0.0; TrilMixtureRef::<f64>::work_len(K, d).unwrap()];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut xs = vec![vec![0.0; d]; POINTS];
        for x in &mut xs {
            mix.sample_quantile(&mut rng, x, None, &mut work[..])
                .unwrap();
        }
        let x_bar = vec![1.0; d];
        let (mut a, mut m, mut l) = (vec![0.0; K], vec![0.0; K * d], vec![0.0; K * d * d]);
        let mut u = vec![0.0; d];
        let id = |op: &str| BenchmarkId::new(op, format!("K{K}/D{d}"));
        let mut i = 0;
        group.bench_function(id("cdf"), |b| {
            b.iter(|| {
                i = (i + 1) % POINTS;
                mix.cdf(black_box(&xs[i]), &mut u, &mut work[..]).unwrap();
            })
        });
        group.bench_function(id("log_prob"), |b| {
            b.iter(|| {
                i = (i + 1) % POINTS;
                black_box(mix.log_prob(black_box(&xs[i]), &mut work[..]).unwrap());
            })
        });
        group.bench_function(id("vjp"), |b| {
            b.iter(|| {
                i = (i + 1) % POINTS;
                let x = black_box(&xs[i]);
                mix.vjp(x, &x_bar, &mut a, &mut m, &mut l, &mut work[..])
                    .unwrap();
            })
        });
        let mut x = vec![0.0; d];
        group.bench_function(id("sample_quantile"), |b| {
            b.iter(|| {
                mix.sample_quantile(&mut rng, &mut x, None, &mut work[..])
                    .unwrap();
            })
        });
        group.bench_function(id("sample_ancestral"), |b| {
            b.iter(|| mix.sample_ancestral(&mut rng, &mut x).unwrap())
        });
        group.bench_function(id("sample_quantile+vjp"), |b| {
            b.iter(|| {
                mix.sample_quantile(&mut rng, &mut x, None, &mut work[..])
                    .unwrap();
                mix.vjp(&x, &x_bar, &mut a, &mut m, &mut l, &mut work[..])
                    .unwrap();
            })
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
