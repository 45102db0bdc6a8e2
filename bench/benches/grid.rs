//! `cargo bench -p mixgrad-bench --bench grid`: every operation over the
//! grid K ∈ {1, 4, 8, 32}, D ∈ {1, 4, 32, 128}, f32 and f64; `cdf`, `vjp`
//! and both sample + vjp also on a view `with_log_scales` (`…/log_scales`).
//! Criterion reports time per call, which is time per sample. Before
//! timing, the solver's work is printed (mean and maximum CDF evaluations
//! per dimension of the quantile sampler), and every operation is checked
//! to allocate nothing, through a counting global allocator (the library
//! itself has no allocator to call: it is `no_std` without `alloc`; this
//! proves the benches measure no hidden allocation).
//!
//! Filter as usual: `cargo bench -p mixgrad-bench --bench grid -- 'f64/K8/D4/'`;
//! `… -- --test` runs every body once, as a quick smoke test.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use mixgrad::{DiagMixtureRef, Float, RngCore, SeedableRng, SolveStats, Xoshiro256PlusPlus};

use mixgrad_bench::counting_alloc::{assert_no_allocation, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

const KS: [usize; 4] = [1, 4, 8, 32];
const DS: [usize; 4] = [1, 4, 32, 128];
/// Inputs cycle through this many points so that no single lucky `u` or
/// `x` is timed.
const POINTS: usize = 64;

trait Precision: Float + std::fmt::Debug {
    const NAME: &'static str;
    fn of(v: f64) -> Self;
}
impl Precision for f32 {
    const NAME: &'static str = "f32";
    fn of(v: f64) -> Self {
        v as f32
    }
}
impl Precision for f64 {
    const NAME: &'static str = "f64";
    fn of(v: f64) -> Self {
        v
    }
}

/// A random mixture with overlapping components, and a pool of samples,
/// their uniforms and cotangents.
struct Problem<F> {
    d: usize,
    logits: Vec<F>,
    means: Vec<F>,
    scales: Vec<F>,
    x: Vec<Vec<F>>,
    u: Vec<Vec<F>>,
    x_bar: Vec<Vec<F>>,
}

impl<F: Precision> Problem<F> {
    fn new(k: usize, d: usize) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64((k * 1000 + d) as u64);
        let mut unif = |lo: f64, hi: f64| {
            lo + (hi - lo) * ((rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0)
        };
        let logits = (0..k).map(|_| F::of(unif(-1.5, 1.5))).collect();
        let means = (0..k * d).map(|_| F::of(unif(-2.0, 2.0))).collect();
        let scales = (0..k * d).map(|_| F::of(unif(0.4, 1.6))).collect();
        let x_bar = (0..POINTS)
            .map(|_| (0..d).map(|_| F::of(unif(-1.0, 1.0))).collect())
            .collect();
        let mut p = Problem {
            d,
            logits,
            means,
            scales,
            x: Vec::new(),
            u: Vec::new(),
            x_bar,
        };
        let mut sampler = Xoshiro256PlusPlus::seed_from_u64(7);
        for _ in 0..POINTS {
            let (mut x, mut u) = (vec![F::ZERO; d], vec![F::ZERO; d]);
            p.view()
                .sample_quantile(&mut sampler, &mut x, Some(&mut u))
                .unwrap();
            p.x.push(x);
            p.u.push(u);
        }
        p
    }

    fn view(&self) -> DiagMixtureRef<'_, F> {
        DiagMixtureRef::new(&self.logits, &self.means, &self.scales, self.d).unwrap()
    }
}

/// Mean and maximum CDF evaluations per dimension of the quantile sampler.
fn solver_work<F: Precision>() {
    println!(
        "\nquantile solver work ({}): mean / max CDF evaluations per dimension",
        F::NAME
    );
    print!("{:>6}", "K \\ D");
    for d in DS {
        print!("{d:>14}");
    }
    println!();
    for k in KS {
        print!("{k:>6}");
        for d in DS {
            let p = Problem::<F>::new(k, d);
            let mix = p.view();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(99);
            let mut stats = SolveStats::default();
            let mut x = vec![F::ZERO; d];
            for _ in 0..(20_000 / d).max(200) {
                stats.merge(mix.sample_quantile(&mut rng, &mut x, None).unwrap());
            }
            print!("{:>9.2} / {:<2}", stats.mean_per_dim(), stats.max_per_dim);
        }
        println!();
    }
}

fn bench_precision<F: Precision>(c: &mut Criterion) {
    for k in KS {
        for d in DS {
            let p = Problem::<F>::new(k, d);
            let mix = p.view();
            let params = k + 2 * k * d;
            let (mut out, mut out2) = (vec![F::ZERO; d], vec![F::ZERO; d]);
            let (mut ga, mut gm, mut gs) =
                (vec![F::ZERO; k], vec![F::ZERO; k * d], vec![F::ZERO; k * d]);
            let mut jac = vec![F::ZERO; d * params];
            let mut log_scales = vec![F::ZERO; k * d];
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
            let mut i = 0usize;
            let mut next = || {
                i = (i + 1) % POINTS;
                i
            };

            // Every timed body, run once under the allocation counter first.
            assert_no_allocation("the operations", || {
                mix.cdf(&p.x[0], &mut out).unwrap();
                mix.log_prob(&p.x[0]).unwrap();
                mix.quantile(&p.u[0], &mut out).unwrap();
                mix.sample_quantile(&mut rng, &mut out, None).unwrap();
                mix.sample_ancestral(&mut rng, &mut out).unwrap();
                mix.vjp(&p.x[0], &p.x_bar[0], &mut ga, &mut gm, &mut gs)
                    .unwrap();
                mix.jacobian(&p.x[0], &mut jac).unwrap();
                let fast = mix.with_log_scales(&mut log_scales).unwrap();
                fast.cdf(&p.x[0], &mut out).unwrap();
                fast.vjp(&p.x[0], &p.x_bar[0], &mut ga, &mut gm, &mut gs)
                    .unwrap();
            });

            let mut g = c.benchmark_group(format!("{}/K{k}/D{d}", F::NAME));
            let id = |op: &str| BenchmarkId::from_parameter(op);
            g.bench_function(id("cdf"), |b| {
                b.iter(|| mix.cdf(black_box(&p.x[next()]), &mut out).unwrap())
            });
            g.bench_function(id("log_prob"), |b| {
                b.iter(|| mix.log_prob(black_box(&p.x[next()])).unwrap())
            });
            g.bench_function(id("quantile"), |b| {
                b.iter(|| mix.quantile(black_box(&p.u[next()]), &mut out).unwrap())
            });
            g.bench_function(id("sample_quantile"), |b| {
                b.iter(|| mix.sample_quantile(&mut rng, &mut out, None).unwrap())
            });
            g.bench_function(id("sample_ancestral"), |b| {
                b.iter(|| mix.sample_ancestral(&mut rng, &mut out).unwrap())
            });
            g.bench_function(id("vjp"), |b| {
                b.iter(|| {
                    let j = next();
                    mix.vjp(black_box(&p.x[j]), &p.x_bar[j], &mut ga, &mut gm, &mut gs)
                        .unwrap()
                })
            });
            g.bench_function(id("sample_ancestral+vjp"), |b| {
                b.iter(|| {
                    mix.sample_ancestral(&mut rng, &mut out2).unwrap();
                    mix.vjp(&out2, &p.x_bar[next()], &mut ga, &mut gm, &mut gs)
                        .unwrap()
                })
            });
            g.bench_function(id("sample_quantile+vjp"), |b| {
                b.iter(|| {
                    mix.sample_quantile(&mut rng, &mut out2, None).unwrap();
                    mix.vjp(&out2, &p.x_bar[next()], &mut ga, &mut gm, &mut gs)
                        .unwrap()
                })
            });
            g.bench_function(id("jacobian"), |b| {
                b.iter(|| mix.jacobian(black_box(&p.x[next()]), &mut jac).unwrap())
            });

            // The same mixture serving many calls: ln σ computed once.
            let fast = mix.with_log_scales(&mut log_scales).unwrap();
            g.bench_function(id("cdf/log_scales"), |b| {
                b.iter(|| fast.cdf(black_box(&p.x[next()]), &mut out).unwrap())
            });
            g.bench_function(id("vjp/log_scales"), |b| {
                b.iter(|| {
                    let j = next();
                    fast.vjp(black_box(&p.x[j]), &p.x_bar[j], &mut ga, &mut gm, &mut gs)
                        .unwrap()
                })
            });
            g.bench_function(id("sample_ancestral+vjp/log_scales"), |b| {
                b.iter(|| {
                    fast.sample_ancestral(&mut rng, &mut out2).unwrap();
                    fast.vjp(&out2, &p.x_bar[next()], &mut ga, &mut gm, &mut gs)
                        .unwrap()
                })
            });
            g.bench_function(id("sample_quantile+vjp/log_scales"), |b| {
                b.iter(|| {
                    fast.sample_quantile(&mut rng, &mut out2, None).unwrap();
                    fast.vjp(&out2, &p.x_bar[next()], &mut ga, &mut gm, &mut gs)
                        .unwrap()
                })
            });
            g.finish();
        }
    }
}

fn main() {
    solver_work::<f64>();
    solver_work::<f32>();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
        .configure_from_args();
    bench_precision::<f64>(&mut c);
    bench_precision::<f32>(&mut c);
    c.final_summary();
}
