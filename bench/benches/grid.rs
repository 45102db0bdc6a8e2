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
//! The batch calls are timed on a subset, `{f32,f64}/batch/K…/D…/n64`:
//! for `sample_quantile+vjp`, `vjp`, `log_prob` and `cdf`, a loop of `n`
//! single calls on one view (`…/loop`) against the `*_many` call
//! (`…/many`), and a loop over `n` different mixtures
//! (`…/loop_mixtures`) against one `DiagBatchRef` call (`…/batch`);
//! criterion's throughput is rows per second. The full grid of the batch
//! calls is `cargo run --release -p mixgrad-bench --bin batch_table`.
//!
//! Filter as usual: `cargo bench -p mixgrad-bench --bench grid -- 'f64/K8/D4/'`
//! (`-- '/batch/'` for the batch groups alone); `… -- --test` runs every
//! body once, as a quick smoke test.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use mixgrad::{
    DiagBatchRef, DiagMixtureRef, Float, RngCore, SeedableRng, SolveStats, Xoshiro256PlusPlus,
};

use mixgrad_bench::counting_alloc::{allocations, assert_no_allocation, Counting};
use mixgrad_bench::problem::{batch_problem, x_bar};

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

/// The cells of the batch groups: `(K, D)`, each with `BATCH_ROWS` rows.
const BATCH_CELLS: [(usize, usize); 3] = [(1, 1), (8, 4), (8, 32)];
const BATCH_ROWS: usize = 64;

/// The batch calls against loops of single calls, on [`BATCH_CELLS`].
fn bench_batches<F: Precision>(c: &mut Criterion) {
    let n = BATCH_ROWS;
    for (k, d) in BATCH_CELLS {
        let kd = k * d;
        let (logits, means, scales) = batch_problem::<F>(k, d, n);
        let batch = DiagBatchRef::new(&logits, &means, &scales, k, d).unwrap();
        let views: Vec<DiagMixtureRef<'_, F>> = batch.iter().collect();
        let mix = views[0];
        let xb = x_bar::<F>(d, n);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let (mut x_one, mut x_each) = (vec![F::ZERO; n * d], vec![F::ZERO; n * d]);
        mix.sample_quantile_many(&mut rng, &mut x_one, None)
            .unwrap();
        batch.sample_quantile(&mut rng, &mut x_each, None).unwrap();
        // Outputs: a row's, the summed totals, per-mixture rows.
        let (mut ga, mut gm, mut gs) = (vec![F::ZERO; k], vec![F::ZERO; kd], vec![F::ZERO; kd]);
        let (mut ta, mut tm, mut ts) = (vec![F::ZERO; k], vec![F::ZERO; kd], vec![F::ZERO; kd]);
        let (mut ra, mut rm, mut rs) = (
            vec![F::ZERO; n * k],
            vec![F::ZERO; n * kd],
            vec![F::ZERO; n * kd],
        );
        let (mut x, mut u, mut lp) = (vec![F::ZERO; n * d], vec![F::ZERO; n * d], vec![F::ZERO; n]);

        // The batch calls allocate only on rayon's threads (their buffers).
        let before = allocations();
        mix.vjp_many(&x_one, &xb, &mut ta, &mut tm, &mut ts)
            .unwrap();
        batch.vjp(&x_each, &xb, &mut ra, &mut rm, &mut rs).unwrap();
        mix.sample_quantile_many(&mut rng, &mut x, None).unwrap();
        batch.sample_quantile(&mut rng, &mut x, None).unwrap();
        mix.log_prob_many(&x_one, &mut lp).unwrap();
        batch.log_prob(&x_each, &mut lp).unwrap();
        mix.cdf_many(&x_one, &mut u).unwrap();
        batch.cdf(&x_each, &mut u).unwrap();
        if !cfg!(feature = "rayon") {
            assert_eq!(before, allocations(), "a batch call allocated");
        }

        let mut g = c.benchmark_group(format!("{}/batch/K{k}/D{d}/n{n}", F::NAME));
        g.throughput(Throughput::Elements(n as u64));
        let id = |op: &str| BenchmarkId::from_parameter(op);
        let rows = |v: &[F]| v.chunks_exact(d).map(<[F]>::to_vec).collect::<Vec<_>>();
        let (x1, xe, xbr) = (rows(&x_one), rows(&x_each), rows(&xb));
        let add = |t: &mut [F], g: &[F]| t.iter_mut().zip(g).for_each(|(t, &g)| *t += g);

        g.bench_function(id("sample_quantile+vjp/loop"), |b| {
            b.iter(|| {
                for v in [&mut ta, &mut tm, &mut ts] {
                    v.fill(F::ZERO);
                }
                for xbi in &xbr {
                    mix.sample_quantile(&mut rng, &mut x[..d], None).unwrap();
                    mix.vjp(&x[..d], xbi, &mut ga, &mut gm, &mut gs).unwrap();
                    add(&mut ta, &ga);
                    add(&mut tm, &gm);
                    add(&mut ts, &gs);
                }
            })
        });
        g.bench_function(id("sample_quantile+vjp/many"), |b| {
            b.iter(|| {
                mix.sample_quantile_many(&mut rng, &mut x, None).unwrap();
                mix.vjp_many(&x, &xb, &mut ta, &mut tm, &mut ts).unwrap();
            })
        });
        g.bench_function(id("sample_quantile+vjp/loop_mixtures"), |b| {
            b.iter(|| {
                for (i, (m, xbi)) in views.iter().zip(&xbr).enumerate() {
                    m.sample_quantile(&mut rng, &mut x[..d], None).unwrap();
                    let (a, mu, s) = (
                        &mut ra[i * k..][..k],
                        &mut rm[i * kd..][..kd],
                        &mut rs[i * kd..][..kd],
                    );
                    m.vjp(&x[..d], xbi, a, mu, s).unwrap();
                }
            })
        });
        g.bench_function(id("sample_quantile+vjp/batch"), |b| {
            b.iter(|| {
                batch.sample_quantile(&mut rng, &mut x, None).unwrap();
                batch.vjp(&x, &xb, &mut ra, &mut rm, &mut rs).unwrap();
            })
        });
        g.bench_function(id("vjp/loop"), |b| {
            b.iter(|| {
                for v in [&mut ta, &mut tm, &mut ts] {
                    v.fill(F::ZERO);
                }
                for (xi, xbi) in x1.iter().zip(&xbr) {
                    mix.vjp(black_box(xi), xbi, &mut ga, &mut gm, &mut gs)
                        .unwrap();
                    add(&mut ta, &ga);
                    add(&mut tm, &gm);
                    add(&mut ts, &gs);
                }
            })
        });
        g.bench_function(id("vjp/many"), |b| {
            b.iter(|| {
                mix.vjp_many(black_box(&x_one), &xb, &mut ta, &mut tm, &mut ts)
                    .unwrap()
            })
        });
        g.bench_function(id("vjp/loop_mixtures"), |b| {
            b.iter(|| {
                for (i, (m, (xi, xbi))) in views.iter().zip(xe.iter().zip(&xbr)).enumerate() {
                    let (a, mu, s) = (
                        &mut ra[i * k..][..k],
                        &mut rm[i * kd..][..kd],
                        &mut rs[i * kd..][..kd],
                    );
                    m.vjp(black_box(xi), xbi, a, mu, s).unwrap();
                }
            })
        });
        g.bench_function(id("vjp/batch"), |b| {
            b.iter(|| {
                batch
                    .vjp(black_box(&x_each), &xb, &mut ra, &mut rm, &mut rs)
                    .unwrap()
            })
        });
        g.bench_function(id("log_prob/loop"), |b| {
            b.iter(|| {
                for (xi, out) in x1.iter().zip(lp.iter_mut()) {
                    *out = mix.log_prob(black_box(xi)).unwrap();
                }
            })
        });
        g.bench_function(id("log_prob/many"), |b| {
            b.iter(|| mix.log_prob_many(black_box(&x_one), &mut lp).unwrap())
        });
        g.bench_function(id("log_prob/loop_mixtures"), |b| {
            b.iter(|| {
                for (m, (xi, out)) in views.iter().zip(xe.iter().zip(lp.iter_mut())) {
                    *out = m.log_prob(black_box(xi)).unwrap();
                }
            })
        });
        g.bench_function(id("log_prob/batch"), |b| {
            b.iter(|| batch.log_prob(black_box(&x_each), &mut lp).unwrap())
        });
        g.bench_function(id("cdf/loop"), |b| {
            b.iter(|| {
                for (xi, ui) in x1.iter().zip(u.chunks_exact_mut(d)) {
                    mix.cdf(black_box(xi), ui).unwrap();
                }
            })
        });
        g.bench_function(id("cdf/many"), |b| {
            b.iter(|| mix.cdf_many(black_box(&x_one), &mut u).unwrap())
        });
        g.bench_function(id("cdf/loop_mixtures"), |b| {
            b.iter(|| {
                for (m, (xi, ui)) in views.iter().zip(xe.iter().zip(u.chunks_exact_mut(d))) {
                    m.cdf(black_box(xi), ui).unwrap();
                }
            })
        });
        g.bench_function(id("cdf/batch"), |b| {
            b.iter(|| batch.cdf(black_box(&x_each), &mut u).unwrap())
        });
        g.finish();
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
    bench_batches::<f64>(&mut c);
    bench_batches::<f32>(&mut c);
    c.final_summary();
}
