//! The batch layer (the `*_many` methods and `DiagBatchRef`) against the
//! single calls it is made of, with the single calls as the only oracle:
//!
//! * every row is the single call's result, bit for bit;
//! * a summed gradient is the single-call gradients added in row order to
//!   `+0`, entry by entry, bit for bit (the f64 rescue pass included);
//! * a sampler leaves the generator where `n` consecutive single calls
//!   leave it;
//! * a refusal names the first bad row (`Error::row`) and writes nothing;
//!   the zero-density refusal is found before anything is written;
//! * `n = 0` is valid: summed outputs become `+0`, the generator stays put.
//!
//! The property tests draw 500 cases per precision (`PROPTEST_CASES`
//! overrides); `rows_split_across_threads_are_the_single_calls` draws 4
//! cases of shapes the `rayon` feature splits across threads
//! (`MIXGRAD_SPLIT_CASES` overrides), so `cargo test --features rayon
//! --test batch` checks the parallel paths against the same oracle.
//!
//! Under Miri (`cargo +nightly miri test --features soft-floats --test
//! batch`) the property tests run a handful of small cases, the tests of
//! hundreds of rows are skipped, and a NaN matches any NaN (Miri picks NaN
//! payloads at random).

// Index loops over several parallel arrays read better than zips here.
#![allow(clippy::needless_range_loop)]

use std::fmt::Debug;

use mixgrad::{
    Buffer, Cauchy, DiagBatchRef, DiagMixtureRef, Error, ErrorKind, Family, FamilyKind, Float,
    Gaussian, Laplace, LogProbGrad, Logistic, SeedableRng, SolveStats, Xoshiro256PlusPlus,
    HOISTED_LOG_SCALES, MAX_COMPONENTS,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

// ---- Precision-generic helpers ----------------------------------------

/// The two precisions, with their bits and a poison value.
trait Real: Float + Debug {
    fn bits(self) -> u64;
    /// A quiet NaN with a payload no computation produces: outputs are
    /// filled with it, and "untouched" compares bits.
    fn poison() -> Self;
}

impl Real for f64 {
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn poison() -> f64 {
        f64::from_bits(0x7ff8_dead_beef_0001)
    }
}

impl Real for f32 {
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
    fn poison() -> f32 {
        f32::from_bits(0x7fc0_beef)
    }
}

fn poisoned<F: Real>(len: usize) -> Vec<F> {
    vec![F::poison(); len]
}

fn untouched<F: Real>(buf: &[F]) -> bool {
    buf.iter().all(|v| v.bits() == F::poison().bits())
}

fn conv<F: Real>(v: &[f64]) -> Vec<F> {
    v.iter().map(|&x| F::from_f64(x)).collect()
}

/// Bitwise equality; under Miri a NaN also matches any NaN, since Miri
/// chooses the payload (and sign) of every NaN an operation produces.
fn same<F: Real>(a: F, b: F) -> bool {
    a.bits() == b.bits() || (cfg!(miri) && a.is_nan() && b.is_nan())
}

#[track_caller]
fn assert_same<F: Real>(what: &str, got: &[F], want: &[F]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            same(g, w),
            "{what}[{i}]: batch {g:?} ({:#x}), single calls {w:?} ({:#x})",
            g.bits(),
            w.bits()
        );
    }
}

/// `((+0 + g₀) + g₁) + …`: the documented order of a summed gradient.
fn row_order_sum<F: Real>(len: usize, rows: &[Vec<F>]) -> Vec<F> {
    let mut sum = vec![F::ZERO; len];
    for g in rows {
        assert_eq!(g.len(), len);
        for (s, &v) in sum.iter_mut().zip(g) {
            *s += v;
        }
    }
    sum
}

/// Row `i` of `buf` (`width` values each).
fn row<F>(buf: &[F], i: usize, width: usize) -> &[F] {
    &buf[i * width..][..width]
}

fn row_mut<F>(buf: &mut [F], i: usize, width: usize) -> &mut [F] {
    &mut buf[i * width..][..width]
}

/// The error a batch call must return for a refusal of row `row` whose
/// single call returned `single`: the same kind and place, in that row.
#[track_caller]
fn assert_row_error(got: Error, single: Error, row: usize) {
    assert_eq!(got.kind(), single.kind(), "{got} vs {single}");
    assert_eq!(got.row(), Some(row), "{got}");
    assert_eq!(
        (got.buffer(), got.index(), got.component(), got.dim()),
        (
            single.buffer(),
            single.index(),
            single.component(),
            single.dim()
        ),
        "{got} vs {single}"
    );
    assert!(got.to_string().contains(&format!("row {row}")), "{got}");
}

/// A uniform converted to `F`, kept strictly inside (0, 1).
fn unit<F: Real>(v: &[f64]) -> Vec<F> {
    v.iter()
        .map(|&p| {
            let u = F::from_f64(p);
            if u <= F::ZERO {
                F::MIN_POSITIVE
            } else if u >= F::ONE {
                F::ONE - F::EPSILON * F::HALF
            } else {
                u
            }
        })
        .collect()
}

// ---- Random cases -----------------------------------------------------

/// How a row's point is made.
#[derive(Debug, Clone, Copy)]
enum Point {
    /// The quantile of the row's `u` under the row's mixture: a sample.
    Sample,
    /// A point within ±10 of the origin, anywhere relative to the mixture.
    Near,
    /// That point times 1e4: usually in a far tail (zero density).
    Far,
}

/// One random problem: a mixture for the `*_many` forms, `n` mixtures of
/// the same shape for a `DiagBatchRef`, and `n` rows of inputs.
#[derive(Debug, Clone)]
struct Case {
    /// The family of every mixture of the case.
    family: FamilyKind,
    k: usize,
    d: usize,
    n: usize,
    logits: Vec<f64>,
    means: Vec<f64>,
    scales: Vec<f64>,
    batch_logits: Vec<f64>,
    batch_means: Vec<f64>,
    batch_scales: Vec<f64>,
    points: Vec<Point>,
    near: Vec<f64>,
    u: Vec<f64>,
    x_bar: Vec<f64>,
    seed: u64,
    /// Run the `*_many` forms on a view `with_log_scales`.
    stored_log_scales: bool,
    /// Which outputs of `log_prob_grad` to ask for (bits 0..4: x, logits,
    /// means, scales).
    wanted: u8,
}

#[derive(Clone, Copy)]
struct Limits {
    /// `K`, `D` and `n` from the first to the second, inclusive.
    k: (usize, usize),
    d: (usize, usize),
    n: (usize, usize),
}

const LIMITS: Limits = if cfg!(miri) {
    Limits {
        k: (1, 3),
        d: (1, 2),
        n: (0, 3),
    }
} else {
    Limits {
        k: (1, 10),
        d: (1, 6),
        n: (0, 12),
    }
};

/// Shapes the `rayon` feature splits across threads: `K·D ≥ 416`, so a
/// task holds at most 19 rows (at least 8192 parameter entries and 16
/// rows, `src/batch/drive.rs`) and 40 rows or more make two tasks or
/// more. Without the feature the same rows run on one thread.
const SPLIT_LIMITS: Limits = Limits {
    k: (8, 10),
    d: (52, 64),
    n: (40, 56),
};

/// Cases per property test and precision: `PROPTEST_CASES` overrides.
fn cases() -> u32 {
    let default = if cfg!(miri) { 2 } else { 500 };
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config() -> Config {
    config_with(cases())
}

fn config_with(cases: u32) -> Config {
    Config {
        cases,
        // Miri runs in isolation: no regression files.
        failure_persistence: if cfg!(miri) {
            None
        } else {
            Config::default().failure_persistence
        },
        ..Config::default()
    }
}

/// Logits spanning e^±30, a tenth of them −∞ (at least one finite).
fn logit() -> impl Strategy<Value = f64> {
    prop_oneof![9 => -30.0f64..30.0, 1 => Just(f64::NEG_INFINITY)]
}

/// Means mostly within ±5, some up to ±1e3.
fn mean() -> impl Strategy<Value = f64> {
    prop_oneof![3 => -5.0f64..5.0, 1 => -1e3f64..1e3]
}

/// Scales mostly in [0.1, 3], a quarter over twelve orders of magnitude.
fn scale() -> impl Strategy<Value = f64> {
    prop_oneof![3 => 0.1f64..3.0, 1 => (-6.0f64..6.0).prop_map(|e| 10f64.powf(e))]
}

fn uniform() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => 1e-6f64..(1.0 - 1e-6),
        1 => (-300.0f64..-6.0).prop_map(|e| 10f64.powf(e)),
        1 => (-15.9f64..-6.0).prop_map(|e| 1.0 - 10f64.powf(e)),
    ]
}

/// Cotangents: mostly moderate, some zero, some beyond `1/ε²` (the
/// cotangent scaling of the reverse sweep).
fn cotangent() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -2.0f64..2.0,
        1 => Just(0.0),
        1 => (-1.0f64..1.0).prop_map(|v| v * 1e35),
    ]
}

/// Half the cases Gaussian (the SIMD lanes), the rest the other families
/// (the scalar rows).
fn family() -> impl Strategy<Value = FamilyKind> {
    prop_oneof![
        3 => Just(FamilyKind::Gaussian),
        1 => Just(FamilyKind::Logistic),
        1 => Just(FamilyKind::Laplace),
        1 => Just(FamilyKind::Cauchy),
    ]
}

fn point() -> impl Strategy<Value = Point> {
    prop_oneof![60 => Just(Point::Sample), 3 => Just(Point::Near), 1 => Just(Point::Far)]
}

/// Every group of `k` logits keeps at least one finite value.
fn with_active(mut logits: Vec<f64>, k: usize) -> Vec<f64> {
    for group in logits.chunks_mut(k) {
        if group.iter().all(|a| !a.is_finite()) {
            group[0] = 0.0;
        }
    }
    logits
}

fn case(lim: Limits) -> impl Strategy<Value = Case> {
    let Limits { k, d, n } = lim;
    (k.0..=k.1, d.0..=d.1, n.0..=n.1).prop_flat_map(|(k, d, n)| {
        let params = move |m: usize| {
            (
                prop::collection::vec(logit(), m * k),
                prop::collection::vec(mean(), m * k * d),
                prop::collection::vec(scale(), m * k * d),
            )
        };
        (
            params(1),
            params(n),
            prop::collection::vec(point(), n),
            prop::collection::vec(-10.0f64..10.0, n * d),
            prop::collection::vec(uniform(), n * d),
            prop::collection::vec(cotangent(), n * d),
            any::<u64>(),
            any::<bool>(),
            any::<u8>(),
            family(),
        )
            .prop_map(
                move |(one, many, points, near, u, x_bar, seed, stored, wanted, family)| Case {
                    family,
                    k,
                    d,
                    n,
                    logits: with_active(one.0, k),
                    means: one.1,
                    scales: one.2,
                    batch_logits: with_active(many.0, k),
                    batch_means: many.1,
                    batch_scales: many.2,
                    points,
                    near,
                    u,
                    x_bar,
                    seed,
                    stored_log_scales: stored,
                    wanted,
                },
            )
    })
}

/// Row `i`'s point, made as `c.points[i]` says, under `mix`. A sample uses
/// the row's `u` pulled into [0.001, 0.999]: the extreme `u` of the cases
/// are for the quantile calls, and their samples would mostly be refused
/// by the gradients (zero density), which the other kinds of point cover.
fn make_point<F: Real, G: Family>(c: &Case, i: usize, mix: &DiagMixtureRef<'_, F, G>, x: &mut [F]) {
    let near = row(&c.near, i, c.d);
    match c.points[i] {
        Point::Sample => {
            let u: Vec<f64> = row(&c.u, i, c.d)
                .iter()
                .map(|u| 0.001 + 0.998 * u)
                .collect();
            mix.quantile(&unit::<F>(&u), x).unwrap()
        }
        Point::Near => x.copy_from_slice(&conv::<F>(near)),
        Point::Far => {
            let far: Vec<f64> = near.iter().map(|v| v * 1e4).collect();
            x.copy_from_slice(&conv::<F>(&far))
        }
    }
}

// ---- The single-call oracle ---------------------------------------------

/// `(ā, μ̄, σ̄)`.
type Grad<F> = (Vec<F>, Vec<F>, Vec<F>);

/// Everything the single calls return for one row.
struct SingleRow<F> {
    cdf: Vec<F>,
    quantile: Vec<F>,
    stats: SolveStats,
    log_prob: F,
    grad_x: Vec<F>,
    grad_logits: Vec<F>,
    grad_means: Vec<F>,
    grad_scales: Vec<F>,
    vjp: Result<Grad<F>, Error>,
}

fn single_row<F: Real, G: Family>(
    mix: &DiagMixtureRef<'_, F, G>,
    x: &[F],
    u: &[F],
    x_bar: &[F],
) -> SingleRow<F> {
    let (k, d) = (mix.num_components(), mix.num_dims());
    let mut cdf = poisoned(d);
    mix.cdf(x, &mut cdf).unwrap();
    let mut quantile = poisoned(d);
    let stats = mix.quantile_with_stats(u, &mut quantile).unwrap();
    let (mut gx, mut ga, mut gm, mut gs) =
        (poisoned(d), poisoned(k), poisoned(k * d), poisoned(k * d));
    let log_prob = mix
        .log_prob_grad(
            x,
            LogProbGrad {
                x: Some(&mut gx),
                logits: Some(&mut ga),
                means: Some(&mut gm),
                scales: Some(&mut gs),
            },
        )
        .unwrap();
    assert_eq!(mix.log_prob(x).unwrap().bits(), log_prob.bits());
    let (mut va, mut vm, mut vs) = (poisoned(k), poisoned(k * d), poisoned(k * d));
    let vjp = mix
        .vjp(x, x_bar, &mut va, &mut vm, &mut vs)
        .map(|()| (va, vm, vs));
    if let Err(e) = vjp {
        assert_eq!(e.kind(), ErrorKind::ZeroDensity, "{e}");
    }
    SingleRow {
        cdf,
        quantile,
        stats,
        log_prob,
        grad_x: gx,
        grad_logits: ga,
        grad_means: gm,
        grad_scales: gs,
        vjp,
    }
}

fn merged(rows: &[SingleRow<impl Sized>]) -> SolveStats {
    let mut stats = SolveStats::default();
    for r in rows {
        stats.merge(r.stats);
    }
    stats
}

/// The first row a single `vjp` refuses (`ZeroDensity`), with its error.
fn first_refusal<F>(rows: &[SingleRow<F>]) -> Option<(usize, Error)> {
    rows.iter()
        .enumerate()
        .find_map(|(i, r)| r.vjp.as_ref().err().map(|&e| (i, e)))
}

// ---- The checks -----------------------------------------------------------

/// The samplers of `mix` (`many`) against `n` single calls from the same
/// generator state.
fn check_many_samplers<F: Real, G: Family>(
    mix: &DiagMixtureRef<'_, F, G>,
    oracle: &DiagMixtureRef<'_, F, G>,
    n: usize,
    seed: u64,
) {
    let (k, d) = (oracle.num_components(), oracle.num_dims());
    for with_u in [true, false] {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut by_hand = rng.clone();
        let (mut x, mut u) = (poisoned::<F>(n * d), poisoned::<F>(n * d));
        let stats = mix
            .sample_quantile_many(&mut rng, &mut x, with_u.then_some(&mut u[..]))
            .unwrap();
        let (mut xw, mut uw) = (poisoned::<F>(n * d), poisoned::<F>(n * d));
        let mut want = SolveStats::default();
        for i in 0..n {
            let ui = with_u.then(|| row_mut(&mut uw, i, d));
            want.merge(
                oracle
                    .sample_quantile(&mut by_hand, row_mut(&mut xw, i, d), ui)
                    .unwrap(),
            );
        }
        assert_same("sample_quantile_many x", &x, &xw);
        assert_same("sample_quantile_many u", &u, &uw);
        assert_eq!(stats, want, "sample_quantile_many stats");
        assert!(rng == by_hand, "sample_quantile_many: generator state");

        let mut x = poisoned::<F>(n * d);
        let mut comps = vec![usize::MAX; n];
        mix.sample_ancestral_many(&mut rng, &mut x, with_u.then_some(&mut comps[..]))
            .unwrap();
        let mut xw = poisoned::<F>(n * d);
        let mut cw = vec![usize::MAX; n];
        for i in 0..n {
            let c = oracle
                .sample_ancestral(&mut by_hand, row_mut(&mut xw, i, d))
                .unwrap();
            assert!(c < k);
            if with_u {
                cw[i] = c;
            }
        }
        assert_same("sample_ancestral_many x", &x, &xw);
        assert_eq!(comps, cw, "sample_ancestral_many components");
        assert!(rng == by_hand, "sample_ancestral_many: generator state");
    }
}

/// The `log_prob_grad` outputs `wanted` asks for, poisoned.
struct GradOut<F> {
    x: Option<Vec<F>>,
    logits: Option<Vec<F>>,
    means: Option<Vec<F>>,
    scales: Option<Vec<F>>,
}

impl<F: Real> GradOut<F> {
    fn new(wanted: u8, lens: [usize; 4]) -> Self {
        let pick = |bit: u8, len| (wanted & (1 << bit) != 0).then(|| poisoned(len));
        GradOut {
            x: pick(0, lens[0]),
            logits: pick(1, lens[1]),
            means: pick(2, lens[2]),
            scales: pick(3, lens[3]),
        }
    }

    fn grad(&mut self) -> LogProbGrad<'_, F> {
        LogProbGrad {
            x: self.x.as_deref_mut(),
            logits: self.logits.as_deref_mut(),
            means: self.means.as_deref_mut(),
            scales: self.scales.as_deref_mut(),
        }
    }
}

fn check_case<F: Real>(c: &Case) {
    match c.family {
        FamilyKind::Gaussian => check_case_of::<F, _>(Gaussian, c),
        FamilyKind::Logistic => check_case_of::<F, _>(Logistic, c),
        FamilyKind::Laplace => check_case_of::<F, _>(Laplace, c),
        FamilyKind::Cauchy => check_case_of::<F, _>(Cauchy, c),
    }
}

fn check_case_of<F: Real, G: Family>(family: G, c: &Case) {
    let (k, d, n) = (c.k, c.d, c.n);
    let (logits, means, scales) = (
        conv::<F>(&c.logits),
        conv::<F>(&c.means),
        conv::<F>(&c.scales),
    );
    let oracle = DiagMixtureRef::of_family(family, &logits, &means, &scales, d).unwrap();
    let mut log_scales = vec![F::ZERO; k * d];
    let mix = if c.stored_log_scales {
        oracle.with_log_scales(&mut log_scales).unwrap()
    } else {
        oracle
    };
    let u = unit::<F>(&c.u);
    let x_bar = conv::<F>(&c.x_bar);

    // ---- n points of one mixture.
    check_many_samplers(&mix, &oracle, n, c.seed);
    let mut x = poisoned::<F>(n * d);
    for i in 0..n {
        make_point(c, i, &oracle, row_mut(&mut x, i, d));
    }
    let singles: Vec<SingleRow<F>> = (0..n)
        .map(|i| single_row(&oracle, row(&x, i, d), row(&u, i, d), row(&x_bar, i, d)))
        .collect();

    let mut out = poisoned::<F>(n * d);
    mix.cdf_many(&x, &mut out).unwrap();
    let want: Vec<F> = singles.iter().flat_map(|r| r.cdf.clone()).collect();
    assert_same("cdf_many", &out, &want);

    let mut out = poisoned::<F>(n * d);
    let stats = mix.quantile_many(&u, &mut out).unwrap();
    let want: Vec<F> = singles.iter().flat_map(|r| r.quantile.clone()).collect();
    assert_same("quantile_many", &out, &want);
    assert_eq!(stats, merged(&singles), "quantile_many stats");

    let want_lp: Vec<F> = singles.iter().map(|r| r.log_prob).collect();
    let mut lp = poisoned::<F>(n);
    mix.log_prob_many(&x, &mut lp).unwrap();
    assert_same("log_prob_many", &lp, &want_lp);

    // Every output, then the subset the case asks for.
    for wanted in [0b1111, c.wanted] {
        let mut g = GradOut::<F>::new(wanted, [n * d, k, k * d, k * d]);
        let mut lp = poisoned::<F>(n);
        mix.log_prob_grad_many(&x, &mut lp, g.grad()).unwrap();
        assert_same("log_prob_grad_many log q", &lp, &want_lp);
        if let Some(gx) = &g.x {
            let want: Vec<F> = singles.iter().flat_map(|r| r.grad_x.clone()).collect();
            assert_same("log_prob_grad_many x", gx, &want);
        }
        let sums = [
            (&g.logits, k, "logits", &|r: &SingleRow<F>| {
                r.grad_logits.clone()
            }),
            (&g.means, k * d, "means", &|r: &SingleRow<F>| {
                r.grad_means.clone()
            }),
            (&g.scales, k * d, "scales", &|r: &SingleRow<F>| {
                r.grad_scales.clone()
            }),
        ]
            as [(
                &Option<Vec<F>>,
                usize,
                &str,
                &dyn Fn(&SingleRow<F>) -> Vec<F>,
            ); 3];
        for (got, len, name, part) in sums {
            if let Some(got) = got {
                let rows: Vec<Vec<F>> = singles.iter().map(part).collect();
                let want = row_order_sum(len, &rows);
                assert_same(&format!("log_prob_grad_many {name} (sum)"), got, &want);
            }
        }
    }

    let (mut a, mut m, mut s) = (poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d));
    let r = mix.vjp_many(&x, &x_bar, &mut a, &mut m, &mut s);
    let first = mix.first_zero_density_many(&x).unwrap();
    match first_refusal(&singles) {
        Some((i, single)) => {
            assert_row_error(r.unwrap_err(), single, i);
            assert!(
                untouched(&a) && untouched(&m) && untouched(&s),
                "vjp_many wrote on refusal"
            );
            assert_eq!(first, Some(i), "first_zero_density_many");
        }
        None => {
            r.unwrap();
            assert_eq!(first, None, "first_zero_density_many");
            let ok = |r: &SingleRow<F>| r.vjp.as_ref().ok().cloned().unwrap();
            let parts: Vec<_> = singles.iter().map(ok).collect();
            let l: Vec<Vec<F>> = parts.iter().map(|p| p.0.clone()).collect();
            let mm: Vec<Vec<F>> = parts.iter().map(|p| p.1.clone()).collect();
            let ss: Vec<Vec<F>> = parts.iter().map(|p| p.2.clone()).collect();
            assert_same("vjp_many logits (sum)", &a, &row_order_sum(k, &l));
            assert_same("vjp_many means (sum)", &m, &row_order_sum(k * d, &mm));
            assert_same("vjp_many scales (sum)", &s, &row_order_sum(k * d, &ss));
        }
    }

    // ---- n mixtures, one point each.
    let (bl, bm, bs) = (
        conv::<F>(&c.batch_logits),
        conv::<F>(&c.batch_means),
        conv::<F>(&c.batch_scales),
    );
    let batch = DiagBatchRef::of_family(family, &bl, &bm, &bs, k, d).unwrap();
    assert_eq!((batch.len(), batch.is_empty()), (n, n == 0));
    assert_eq!((batch.num_components(), batch.num_dims()), (k, d));
    assert!(batch.mixture(n).is_none());
    assert_eq!(batch.iter().count(), n);
    // The oracle: views built from the slices themselves.
    let views: Vec<DiagMixtureRef<'_, F, G>> = (0..n)
        .map(|i| {
            DiagMixtureRef::of_family(
                family,
                row(&bl, i, k),
                row(&bm, i, k * d),
                row(&bs, i, k * d),
                d,
            )
            .unwrap()
        })
        .collect();
    for (i, (got, want)) in batch.iter().zip(&views).enumerate() {
        let same_view = |g: &DiagMixtureRef<'_, F, G>| {
            g.logits().as_ptr() == want.logits().as_ptr()
                && g.means().as_ptr() == want.means().as_ptr()
                && g.scales().as_ptr() == want.scales().as_ptr()
                && g.logits().len() == k
                && g.means().len() == k * d
                && g.num_dims() == d
        };
        assert!(same_view(&got), "iter() mixture {i}");
        assert!(same_view(&batch.mixture(i).unwrap()), "mixture({i})");
    }

    // Samplers.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(c.seed ^ 0x5eed);
    let mut by_hand = rng.clone();
    let (mut xs, mut us) = (poisoned::<F>(n * d), poisoned::<F>(n * d));
    let stats = batch
        .sample_quantile(&mut rng, &mut xs, Some(&mut us))
        .unwrap();
    let (mut xw, mut uw) = (poisoned::<F>(n * d), poisoned::<F>(n * d));
    let mut want = SolveStats::default();
    for (i, v) in views.iter().enumerate() {
        let (xi, ui) = (row_mut(&mut xw, i, d), row_mut(&mut uw, i, d));
        want.merge(v.sample_quantile(&mut by_hand, xi, Some(ui)).unwrap());
    }
    assert_same("batch sample_quantile x", &xs, &xw);
    assert_same("batch sample_quantile u", &us, &uw);
    assert_eq!(stats, want);
    assert!(rng == by_hand, "batch sample_quantile: generator state");
    let mut comps = vec![usize::MAX; n];
    batch
        .sample_ancestral(&mut rng, &mut xs, Some(&mut comps))
        .unwrap();
    for (i, v) in views.iter().enumerate() {
        let c = v
            .sample_ancestral(&mut by_hand, row_mut(&mut xw, i, d))
            .unwrap();
        assert_eq!(comps[i], c, "batch sample_ancestral component {i}");
    }
    assert_same("batch sample_ancestral x", &xs, &xw);
    batch.sample_ancestral(&mut rng, &mut xs, None).unwrap();
    for (i, v) in views.iter().enumerate() {
        v.sample_ancestral(&mut by_hand, row_mut(&mut xw, i, d))
            .unwrap();
    }
    assert_same("batch sample_ancestral x (no components)", &xs, &xw);
    assert!(rng == by_hand, "batch sample_ancestral: generator state");

    // Per-mixture results.
    let mut x = poisoned::<F>(n * d);
    for (i, v) in views.iter().enumerate() {
        make_point(c, i, v, row_mut(&mut x, i, d));
    }
    let singles: Vec<SingleRow<F>> = views
        .iter()
        .enumerate()
        .map(|(i, v)| single_row(v, row(&x, i, d), row(&u, i, d), row(&x_bar, i, d)))
        .collect();
    let mut out = poisoned::<F>(n * d);
    batch.cdf(&x, &mut out).unwrap();
    let want: Vec<F> = singles.iter().flat_map(|r| r.cdf.clone()).collect();
    assert_same("batch cdf", &out, &want);
    let mut out = poisoned::<F>(n * d);
    let stats = batch.quantile(&u, &mut out).unwrap();
    let want: Vec<F> = singles.iter().flat_map(|r| r.quantile.clone()).collect();
    assert_same("batch quantile", &out, &want);
    assert_eq!(stats, merged(&singles), "batch quantile stats");
    let want_lp: Vec<F> = singles.iter().map(|r| r.log_prob).collect();
    let mut lp = poisoned::<F>(n);
    batch.log_prob(&x, &mut lp).unwrap();
    assert_same("batch log_prob", &lp, &want_lp);
    for wanted in [0b1111, c.wanted] {
        let mut g = GradOut::<F>::new(wanted, [n * d, n * k, n * k * d, n * k * d]);
        let mut lp = poisoned::<F>(n);
        batch.log_prob_grad(&x, &mut lp, g.grad()).unwrap();
        assert_same("batch log_prob_grad log q", &lp, &want_lp);
        let parts = [
            (&g.x, "x", &|r: &SingleRow<F>| r.grad_x.clone()),
            (&g.logits, "logits", &|r: &SingleRow<F>| {
                r.grad_logits.clone()
            }),
            (&g.means, "means", &|r: &SingleRow<F>| r.grad_means.clone()),
            (&g.scales, "scales", &|r: &SingleRow<F>| {
                r.grad_scales.clone()
            }),
        ] as [(&Option<Vec<F>>, &str, &dyn Fn(&SingleRow<F>) -> Vec<F>); 4];
        for (got, name, part) in parts {
            if let Some(got) = got {
                let want: Vec<F> = singles.iter().flat_map(part).collect();
                assert_same(&format!("batch log_prob_grad {name}"), got, &want);
            }
        }
    }
    let (mut a, mut m, mut s) = (
        poisoned::<F>(n * k),
        poisoned::<F>(n * k * d),
        poisoned::<F>(n * k * d),
    );
    let r = batch.vjp(&x, &x_bar, &mut a, &mut m, &mut s);
    let first = batch.first_zero_density(&x).unwrap();
    match first_refusal(&singles) {
        Some((i, single)) => {
            assert_row_error(r.unwrap_err(), single, i);
            assert!(
                untouched(&a) && untouched(&m) && untouched(&s),
                "batch vjp wrote on refusal"
            );
            assert_eq!(first, Some(i), "batch first_zero_density");
        }
        None => {
            r.unwrap();
            assert_eq!(first, None, "batch first_zero_density");
            let ok = |r: &SingleRow<F>| r.vjp.as_ref().ok().cloned().unwrap();
            let parts: Vec<_> = singles.iter().map(ok).collect();
            let l: Vec<F> = parts.iter().flat_map(|p| p.0.clone()).collect();
            let mm: Vec<F> = parts.iter().flat_map(|p| p.1.clone()).collect();
            let ss: Vec<F> = parts.iter().flat_map(|p| p.2.clone()).collect();
            assert_same("batch vjp logits", &a, &l);
            assert_same("batch vjp means", &m, &mm);
            assert_same("batch vjp scales", &s, &ss);
        }
    }
}

/// Where a refusal case puts its bad value.
#[derive(Debug, Clone, Copy)]
enum Bad {
    X(f64),
    U(f64),
    XBar(f64),
}

fn bad() -> impl Strategy<Value = Bad> {
    let x = prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)];
    let u = prop_oneof![
        Just(0.0),
        Just(-0.0),
        Just(1.0),
        Just(1.5),
        Just(-1e-300),
        Just(f64::NAN),
        Just(f64::INFINITY),
    ];
    let xb = prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)];
    prop_oneof![
        x.prop_map(Bad::X),
        u.prop_map(Bad::U),
        xb.prop_map(Bad::XBar)
    ]
}

/// One or two bad entries of one kind (`(row, dim)` taken modulo the
/// shape): every call that reads that buffer refuses with the first bad
/// row, writes nothing and leaves the generator alone.
fn check_refusal<F: Real>(c: &Case, bad: Bad, spots: &[(usize, usize)]) {
    match c.family {
        FamilyKind::Gaussian => check_refusal_of::<F, _>(Gaussian, c, bad, spots),
        FamilyKind::Logistic => check_refusal_of::<F, _>(Logistic, c, bad, spots),
        FamilyKind::Laplace => check_refusal_of::<F, _>(Laplace, c, bad, spots),
        FamilyKind::Cauchy => check_refusal_of::<F, _>(Cauchy, c, bad, spots),
    }
}

fn check_refusal_of<F: Real, G: Family>(family: G, c: &Case, bad: Bad, spots: &[(usize, usize)]) {
    let (k, d, n) = (c.k, c.d, c.n);
    if n == 0 {
        return;
    }
    let (logits, means, scales) = (
        conv::<F>(&c.logits),
        conv::<F>(&c.means),
        conv::<F>(&c.scales),
    );
    let mix = DiagMixtureRef::of_family(family, &logits, &means, &scales, d).unwrap();
    let (bl, bm, bs) = (
        conv::<F>(&c.batch_logits),
        conv::<F>(&c.batch_means),
        conv::<F>(&c.batch_scales),
    );
    let batch = DiagBatchRef::of_family(family, &bl, &bm, &bs, k, d).unwrap();
    let mut u = unit::<F>(&c.u);
    let mut x_bar = conv::<F>(&c.x_bar);
    let mut x = poisoned::<F>(n * d);
    for i in 0..n {
        make_point(c, i, &mix, row_mut(&mut x, i, d));
    }
    let spots: Vec<(usize, usize)> = spots.iter().map(|&(i, j)| (i % n, j % d)).collect();
    let first = spots.iter().map(|s| s.0).min().unwrap();
    let (buf, value) = match bad {
        Bad::X(v) => (&mut x, v),
        Bad::U(v) => (&mut u, v),
        Bad::XBar(v) => (&mut x_bar, v),
    };
    for &(i, j) in &spots {
        buf[i * d + j] = F::from_f64(value);
    }
    // The single call's refusal of the first bad row.
    let single = |v: &DiagMixtureRef<'_, F, G>| -> Error {
        let (xi, ui, xb) = (row(&x, first, d), row(&u, first, d), row(&x_bar, first, d));
        match bad {
            Bad::X(_) => v.cdf(xi, &mut poisoned(d)).unwrap_err(),
            Bad::U(_) => v.quantile(ui, &mut poisoned(d)).unwrap_err(),
            Bad::XBar(_) => v
                .vjp(
                    xi,
                    xb,
                    &mut poisoned(k),
                    &mut poisoned(k * d),
                    &mut poisoned(k * d),
                )
                .unwrap_err(),
        }
    };
    let want = single(&mix);
    let want_batch = single(&batch.mixture(first).unwrap());
    let check = |what: &str, r: Result<(), Error>, want: Error, outs: &[&[F]]| {
        let e = r.expect_err(what);
        assert_row_error(e, want, first);
        for o in outs {
            assert!(untouched(o), "{what} wrote on refusal");
        }
    };
    match bad {
        Bad::X(_) => {
            let mut out = poisoned::<F>(n * d);
            check("cdf_many", mix.cdf_many(&x, &mut out), want, &[&out]);
            let mut lp = poisoned::<F>(n);
            check(
                "log_prob_many",
                mix.log_prob_many(&x, &mut lp),
                want,
                &[&lp],
            );
            let mut g = GradOut::<F>::new(0b1111, [n * d, k, k * d, k * d]);
            let r = mix.log_prob_grad_many(&x, &mut lp, g.grad());
            let outs = [
                &lp[..],
                g.x.as_deref().unwrap(),
                g.logits.as_deref().unwrap(),
            ];
            check("log_prob_grad_many", r, want, &outs);
            assert!(
                untouched(g.means.as_deref().unwrap()) && untouched(g.scales.as_deref().unwrap())
            );
            let (mut a, mut m, mut s) =
                (poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d));
            let r = mix.vjp_many(&x, &x_bar, &mut a, &mut m, &mut s);
            check("vjp_many", r, want, &[&a, &m, &s]);
            let r = mix.first_zero_density_many(&x).map(|_| ());
            check("first_zero_density_many", r, want, &[]);

            check("batch cdf", batch.cdf(&x, &mut out), want_batch, &[&out]);
            check(
                "batch log_prob",
                batch.log_prob(&x, &mut lp),
                want_batch,
                &[&lp],
            );
            let mut g = GradOut::<F>::new(0b1111, [n * d, n * k, n * k * d, n * k * d]);
            let r = batch.log_prob_grad(&x, &mut lp, g.grad());
            check(
                "batch log_prob_grad",
                r,
                want_batch,
                &[&lp, g.x.as_deref().unwrap()],
            );
            assert!(
                untouched(g.logits.as_deref().unwrap()) && untouched(g.means.as_deref().unwrap())
            );
            assert!(untouched(g.scales.as_deref().unwrap()));
            let (mut a, mut m, mut s) = (
                poisoned::<F>(n * k),
                poisoned::<F>(n * k * d),
                poisoned::<F>(n * k * d),
            );
            let r = batch.vjp(&x, &x_bar, &mut a, &mut m, &mut s);
            check("batch vjp", r, want_batch, &[&a, &m, &s]);
            let r = batch.first_zero_density(&x).map(|_| ());
            check("batch first_zero_density", r, want_batch, &[]);
        }
        Bad::U(_) => {
            let mut out = poisoned::<F>(n * d);
            check(
                "quantile_many",
                mix.quantile_many(&u, &mut out).map(|_| ()),
                want,
                &[&out],
            );
            let r = batch.quantile(&u, &mut out).map(|_| ());
            check("batch quantile", r, want_batch, &[&out]);
        }
        Bad::XBar(_) => {
            // x itself may be refused first (zero density comes after the
            // input checks, so it cannot be): only cotangents are bad here.
            let (mut a, mut m, mut s) =
                (poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d));
            let r = mix.vjp_many(&x, &x_bar, &mut a, &mut m, &mut s);
            check("vjp_many", r, want, &[&a, &m, &s]);
            let (mut a, mut m, mut s) = (
                poisoned::<F>(n * k),
                poisoned::<F>(n * k * d),
                poisoned::<F>(n * k * d),
            );
            let r = batch.vjp(&x, &x_bar, &mut a, &mut m, &mut s);
            check("batch vjp", r, want_batch, &[&a, &m, &s]);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_row_and_sum_is_the_single_calls_f64(c in case(LIMITS)) {
        check_case::<f64>(&c);
    }

    #[test]
    fn every_row_and_sum_is_the_single_calls_f32(c in case(LIMITS)) {
        check_case::<f32>(&c);
    }

    #[test]
    fn refusals_name_the_first_bad_row_and_write_nothing(
        c in case(LIMITS),
        bad in bad(),
        spots in prop::collection::vec((0usize..64, 0usize..64), 1..=2),
        f32_too in any::<bool>(),
    ) {
        check_refusal::<f64>(&c, bad, &spots);
        if f32_too {
            check_refusal::<f32>(&c, bad, &spots);
        }
    }
}

/// The case with every point a sample: its gradients go through (a far
/// point usually makes `vjp` refuse), so the summed and per-mixture
/// gradients are compared too.
fn all_samples(c: &Case) -> Case {
    Case {
        points: vec![Point::Sample; c.n],
        ..c.clone()
    }
}

/// The case with far points (usually of zero density) in rows `rows` as
/// well: on both sides of the first split, the refusal named must be the
/// earlier task's; in the last task only, its row counted from the call's
/// first row, not the task's.
fn far_in(c: &Case, rows: &[usize]) -> Case {
    let mut points = c.points.clone();
    for &i in rows {
        points[i] = Point::Far;
    }
    Case {
        points,
        ..c.clone()
    }
}

/// With the `rayon` feature the rows of these calls are split across
/// threads: still the single calls' bits, the first bad row named. A few
/// cases of a few thousand rows each (`PROPTEST_CASES` does not apply).
#[test]
#[cfg_attr(miri, ignore = "hundreds of rows of K·D ≥ 416: slow under Miri")]
fn rows_split_across_threads_are_the_single_calls() {
    let cases = std::env::var("MIXGRAD_SPLIT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let mut runner = proptest::test_runner::TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    let strategy = (
        case(SPLIT_LIMITS),
        bad(),
        prop::collection::vec((0usize..64, 0usize..64), 1..=2),
    );
    runner
        .run(&strategy, |(c, bad, spots)| {
            check_case::<f64>(&far_in(&c, &[3, c.n - 2]));
            check_case::<f64>(&all_samples(&c));
            check_case::<f32>(&far_in(&all_samples(&c), &[c.n - 2]));
            check_refusal::<f64>(&c, bad, &spots);
            Ok(())
        })
        .unwrap();
}

// ---- Deterministic cases ---------------------------------------------------

fn single_vjp<F: Real, G: Family>(
    mix: &DiagMixtureRef<'_, F, G>,
    x: &[F],
    x_bar: &[F],
) -> Result<Grad<F>, Error> {
    let (k, d) = (mix.num_components(), mix.num_dims());
    let (mut a, mut m, mut s) = (poisoned(k), poisoned(k * d), poisoned(k * d));
    mix.vjp(x, x_bar, &mut a, &mut m, &mut s)
        .map(|()| (a, m, s))
}

/// The single-call vjps of every row, added in row order to `+0`.
fn summed_vjp<F: Real, G: Family>(mix: &DiagMixtureRef<'_, F, G>, x: &[F], x_bar: &[F]) -> Grad<F> {
    let (k, d) = (mix.num_components(), mix.num_dims());
    let rows: Vec<Grad<F>> = (0..x.len() / d)
        .map(|i| single_vjp(mix, row(x, i, d), row(x_bar, i, d)).unwrap())
        .collect();
    let part = |f: fn(&Grad<F>) -> &Vec<F>| rows.iter().map(|g| f(g).clone()).collect::<Vec<_>>();
    (
        row_order_sum(k, &part(|g| &g.0)),
        row_order_sum(k * d, &part(|g| &g.1)),
        row_order_sum(k * d, &part(|g| &g.2)),
    )
}

/// `vjp_many` against [`summed_vjp`], bit for bit.
#[track_caller]
fn assert_vjp_many_is_the_sum<F: Real, G: Family>(
    what: &str,
    mix: &DiagMixtureRef<'_, F, G>,
    x: &[F],
    x_bar: &[F],
) -> Grad<F> {
    let (k, d) = (mix.num_components(), mix.num_dims());
    let want = summed_vjp(mix, x, x_bar);
    let (mut a, mut m, mut s) = (poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d));
    mix.vjp_many(x, x_bar, &mut a, &mut m, &mut s).unwrap();
    assert_same(&format!("{what}: vjp_many logits"), &a, &want.0);
    assert_same(&format!("{what}: vjp_many means"), &m, &want.1);
    assert_same(&format!("{what}: vjp_many scales"), &s, &want.2);
    want
}

/// The packed batch of `n` copies of `mix` against its single calls.
#[track_caller]
fn assert_batch_vjp_is_per_row<F: Real, G: Family>(
    what: &str,
    mix: &DiagMixtureRef<'_, F, G>,
    x: &[F],
    x_bar: &[F],
) {
    let (k, d) = (mix.num_components(), mix.num_dims());
    let n = x.len() / d;
    let logits: Vec<F> = (0..n).flat_map(|_| mix.logits().to_vec()).collect();
    let means: Vec<F> = (0..n).flat_map(|_| mix.means().to_vec()).collect();
    let scales: Vec<F> = (0..n).flat_map(|_| mix.scales().to_vec()).collect();
    let batch = DiagBatchRef::new(&logits, &means, &scales, k, d).unwrap();
    let (mut a, mut m, mut s) = (
        poisoned::<F>(n * k),
        poisoned::<F>(n * k * d),
        poisoned::<F>(n * k * d),
    );
    batch.vjp(x, x_bar, &mut a, &mut m, &mut s).unwrap();
    for i in 0..n {
        let (ga, gm, gs) = single_vjp(mix, row(x, i, d), row(x_bar, i, d)).unwrap();
        assert_same(
            &format!("{what}: batch vjp logits, row {i}"),
            row(&a, i, k),
            &ga,
        );
        assert_same(
            &format!("{what}: batch vjp means, row {i}"),
            row(&m, i, k * d),
            &gm,
        );
        assert_same(
            &format!("{what}: batch vjp scales, row {i}"),
            row(&s, i, k * d),
            &gs,
        );
    }
}

/// The mixture and point of adversarial.rs's
/// `fuzz_gradient_beyond_the_float_range_overflows_without_nan`: the true
/// gradient of `x₅` is about 1e386, and the first reverse sweep meets
/// `∞ − ∞`; the single call's second pass, with the cotangent scaled by
/// `2^-768`, gives `±∞` entries and no NaN.
fn rescue_mixture() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let logits = vec![
        3.125,
        7.37e-150,
        0.0,
        -5.6875,
        -5.268_566_205_537_548e87,
        1e-300,
    ];
    let means = [
        [1e-300, 1e-300, -0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1e-300, 1e-300],
        [1e-300; 6],
        [1e-300; 6],
        [5.0625, -1.0, -1.0, -1.0, -1.0, -1.0],
        [-1.0, f64::MAX, f64::MAX, 7.5625, -0.0625, 0.0],
    ]
    .concat();
    let scales = [
        vec![1e300, 1.0, f64::MAX, 1e-300, 1e-300, 1e-300],
        vec![
            1e-300,
            1e-300,
            1e-300,
            1e-300,
            1e-300,
            1.587_502_185_615_919e88,
        ],
        vec![
            2.0,
            1.224_167_770_289_121_6e-250,
            1e-300,
            1e-300,
            1e-300,
            1e-300,
        ],
        vec![1e-300; 18],
    ]
    .concat();
    (logits, means, scales)
}

const RESCUE_X: [f64; 6] = [
    1e-300,
    1e-300,
    1e-300,
    1e-300,
    1e-300,
    -5.268_566_205_536_858e-291,
];

/// Four points of the rescue mixture whose gradients under
/// [`ORDINARY_BAR`] are ordinary (finite: no rescue), as bits: draws 21,
/// 38, 87 and 120 (from 0) of its quantile sampler from
/// `Xoshiro256PlusPlus::seed_from_u64(2024)`, the first four such. A
/// search for them would cost over a minute under Miri.
const ORDINARY_X: [[u64; 6]; 4] = [
    [
        0xbfefffffffffffff,
        0x8c13b36990261c70,
        0x81a274f94d9cf436,
        0x01bf5d4cad5dadb4,
        0x81b69b67c5b67b54,
        0x01c2863badeaee92,
    ],
    [
        0xbff14de0509a2473,
        0x8c0618fa26a5ded5,
        0x01ac009c4b4df5b5,
        0x01a03f9ffa466a7f,
        0x01a528d1cafdf106,
        0x018fc8b48f3e1cea,
    ],
    [
        0xbfefffffffffffff,
        0x0be0d0ca267a0d08,
        0x01bbf57f6f2cd6f1,
        0x80e5f10af590e000,
        0x01a146532eeb432e,
        0x01a942bda32b029b,
    ],
    [
        0xbfefffffffffffff,
        0x0bf7f03a9e802c1b,
        0x01b7cd608bddf9ab,
        0x01aa5b10840f3055,
        0x017106ee860b7970,
        0x019f80babeeebedc,
    ],
];

const ORDINARY_BAR: [f64; 6] = [0.5, -1.0, 0.25, 2.0, -0.75, 1.0];

/// [`ORDINARY_X`], checked ordinary under `mix`.
fn ordinary_rows(mix: &DiagMixtureRef<'_, f64>) -> [[f64; 6]; 4] {
    let rows = ORDINARY_X.map(|r| r.map(f64::from_bits));
    for x in &rows {
        let (a, m, s) = single_vjp(mix, x, &ORDINARY_BAR).unwrap();
        assert!(
            a.iter().chain(&m).chain(&s).all(|g| g.is_finite()),
            "{x:?} is not an ordinary row"
        );
    }
    rows
}

#[test]
fn rows_that_take_the_rescue_pass_sum_as_the_single_calls_do_f64() {
    let (logits, means, scales) = rescue_mixture();
    let mix = DiagMixtureRef::new(&logits, &means, &scales, 6).unwrap();
    // Two rescue rows: x̄ = e₅, and a mixed cotangent of the opposite sign.
    let rescue_bars = [
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
        [0.5, 0.0, 0.0, -0.25, 0.0, -3.0],
    ];
    for x_bar in &rescue_bars {
        let (a, m, s) = single_vjp(&mix, &RESCUE_X, x_bar).unwrap();
        let g: Vec<f64> = a.iter().chain(&m).chain(&s).copied().collect();
        // Only the rescue pass gives infinities without NaN here: the first
        // sweep's overflowing terms meet as ∞ − ∞.
        assert!(g.iter().all(|v| !v.is_nan()), "{g:?}");
        assert!(g.iter().any(|v| v.is_infinite()), "{g:?}");
    }
    let ordinary = ordinary_rows(&mix);
    let o = |i: usize| (ordinary[i], ORDINARY_BAR);
    let r = |j: usize| (RESCUE_X, rescue_bars[j]);
    // (what, rows of (x, x̄))
    type Rows = Vec<([f64; 6], [f64; 6])>;
    let layouts: [(&str, Rows); 7] = [
        (
            "rescue row in the middle",
            vec![o(0), o(1), r(0), o(2), o(3)],
        ),
        ("two rescue rows", vec![o(0), r(0), o(1), r(1), o(2)]),
        ("two rescue rows in a row", vec![o(3), r(1), r(0), o(0)]),
        ("rescue row first", vec![r(0), o(0), o(1)]),
        ("rescue row last", vec![o(0), o(1), r(1)]),
        ("rescue row alone", vec![r(0)]),
        ("rescue rows only", vec![r(0), r(1), r(0)]),
    ];
    let mut log_scales = vec![0.0; scales.len()];
    let stored = mix.with_log_scales(&mut log_scales).unwrap();
    // Under Miri (about 5 s a layout) only the second: a rescue row met
    // after ordinary rows, then a later row that needs the rescue too.
    let layouts = if cfg!(miri) {
        &layouts[1..2]
    } else {
        &layouts[..]
    };
    for (what, rows) in layouts {
        let x: Vec<f64> = rows.iter().flat_map(|r| r.0).collect();
        let x_bar: Vec<f64> = rows.iter().flat_map(|r| r.1).collect();
        let sum = assert_vjp_many_is_the_sum(what, &mix, &x, &x_bar);
        assert_vjp_many_is_the_sum(what, &stored, &x, &x_bar);
        assert_batch_vjp_is_per_row(what, &mix, &x, &x_bar);
        // The sum holds the rescued rows' infinities (NaN only where two of
        // opposite sign met in the sum itself).
        let g: Vec<f64> = sum.0.iter().chain(&sum.1).chain(&sum.2).copied().collect();
        assert!(g.iter().any(|v| !v.is_finite()), "{what}: {g:?}");
    }
}

/// Enough rows for the `rayon` feature to split the call across threads
/// (`cargo test --features rayon --test batch`; `K·D = 36` splits from
/// 456 rows), with rescue rows on both sides of the splits: the same bits
/// as the single calls in row order.
#[test]
#[cfg_attr(miri, ignore = "a thousand rows: slow under Miri")]
fn rescue_rows_among_a_thousand_rows_f64() {
    let (logits, means, scales) = rescue_mixture();
    let mix = DiagMixtureRef::new(&logits, &means, &scales, 6).unwrap();
    let ordinary = ordinary_rows(&mix);
    let rescue_bar = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0];
    let n = 1024;
    let (mut x, mut x_bar) = (Vec::new(), Vec::new());
    for i in 0..n {
        if [7, 255, 256, 511, 512, 700, 1023].contains(&i) {
            x.extend(RESCUE_X);
            x_bar.extend(rescue_bar);
        } else {
            x.extend(ordinary[i % 4]);
            x_bar.extend(ORDINARY_BAR);
        }
    }
    assert_vjp_many_is_the_sum("1024 rows", &mix, &x, &x_bar);
    assert_batch_vjp_is_per_row("1024 rows", &mix, &x, &x_bar);
}

/// A 2-D mixture of three components for the refusal cases.
const LOGITS: [f64; 3] = [0.0, -0.7, 0.4];
const MEANS: [f64; 6] = [-2.0, 0.0, 0.5, 1.0, 2.5, -1.0];
const SCALES: [f64; 6] = [0.5, 1.0, 0.8, 0.3, 1.2, 0.6];

fn small_mixture() -> DiagMixtureRef<'static, f64> {
    DiagMixtureRef::new(&LOGITS, &MEANS, &SCALES, 2).unwrap()
}

/// `n` copies of [`small_mixture`]'s parameters, packed.
fn small_batch_params(n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    (LOGITS.repeat(n), MEANS.repeat(n), SCALES.repeat(n))
}

/// Five ordinary points of [`small_mixture`] (D = 2).
const FIVE_X: [f64; 10] = [-1.5, 0.2, 0.0, 1.0, 2.0, -0.5, 0.7, 0.9, -2.2, 0.1];

#[track_caller]
fn assert_refused(
    r: Result<(), Error>,
    kind: ErrorKind,
    row: usize,
    dim: usize,
    buffer: Buffer,
) -> Error {
    let e = r.expect_err("a refusal");
    assert_eq!(e.kind(), kind, "{e}");
    assert_eq!(e.row(), Some(row), "{e}");
    assert_eq!((e.buffer(), e.dim()), (Some(buffer), Some(dim)), "{e}");
    assert!(e.to_string().contains(&format!(" of row {row} ")), "{e}");
    e
}

#[test]
fn a_bad_x_in_row_3_of_5_refuses_every_call_and_writes_nothing() {
    let mix = small_mixture();
    let (bl, bm, bs) = small_batch_params(5);
    let batch = DiagBatchRef::new(&bl, &bm, &bs, 3, 2).unwrap();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut x = FIVE_X;
        x[3 * 2 + 1] = bad;
        // Row 4 is bad as well: the first bad row is the one named.
        x[4 * 2] = bad;
        let x_bar = [1.0; 10];
        let kind = ErrorKind::NonFiniteX;
        let e = {
            let mut u = poisoned::<f64>(10);
            let e = assert_refused(mix.cdf_many(&x, &mut u), kind, 3, 1, Buffer::X);
            assert!(untouched(&u));
            e
        };
        assert_eq!(
            e.to_string(),
            "an x is not finite: x[1] of row 3 (dimension 1)"
        );
        assert_eq!(e.index(), Some(1));

        let mut lp = poisoned::<f64>(5);
        assert_refused(mix.log_prob_many(&x, &mut lp), kind, 3, 1, Buffer::X);
        assert!(untouched(&lp));
        let mut g = GradOut::<f64>::new(0b1111, [10, 3, 6, 6]);
        assert_refused(
            mix.log_prob_grad_many(&x, &mut lp, g.grad()),
            kind,
            3,
            1,
            Buffer::X,
        );
        assert!(untouched(&lp));
        for out in [&g.x, &g.logits, &g.means, &g.scales] {
            assert!(untouched(out.as_deref().unwrap()));
        }
        let (mut a, mut m, mut s) = (poisoned::<f64>(3), poisoned::<f64>(6), poisoned::<f64>(6));
        assert_refused(
            mix.vjp_many(&x, &x_bar, &mut a, &mut m, &mut s),
            kind,
            3,
            1,
            Buffer::X,
        );
        assert!(untouched(&a) && untouched(&m) && untouched(&s));
        let r = mix.first_zero_density_many(&x).map(|_| ());
        assert_refused(r, kind, 3, 1, Buffer::X);

        let mut u = poisoned::<f64>(10);
        assert_refused(batch.cdf(&x, &mut u), kind, 3, 1, Buffer::X);
        assert!(untouched(&u));
        assert_refused(batch.log_prob(&x, &mut lp), kind, 3, 1, Buffer::X);
        assert!(untouched(&lp));
        let mut g = GradOut::<f64>::new(0b1111, [10, 15, 30, 30]);
        assert_refused(
            batch.log_prob_grad(&x, &mut lp, g.grad()),
            kind,
            3,
            1,
            Buffer::X,
        );
        assert!(untouched(&lp));
        for out in [&g.x, &g.logits, &g.means, &g.scales] {
            assert!(untouched(out.as_deref().unwrap()));
        }
        let (mut a, mut m, mut s) = (
            poisoned::<f64>(15),
            poisoned::<f64>(30),
            poisoned::<f64>(30),
        );
        assert_refused(
            batch.vjp(&x, &x_bar, &mut a, &mut m, &mut s),
            kind,
            3,
            1,
            Buffer::X,
        );
        assert!(untouched(&a) && untouched(&m) && untouched(&s));
        assert_refused(
            batch.first_zero_density(&x).map(|_| ()),
            kind,
            3,
            1,
            Buffer::X,
        );
    }

    // A bad u in row 3, and a bad cotangent in row 3.
    let mut u = [0.3; 10];
    u[3 * 2] = 1.0;
    u[4 * 2 + 1] = 0.0;
    let mut x = poisoned::<f64>(10);
    let kind = ErrorKind::UniformOutOfRange;
    assert_refused(
        mix.quantile_many(&u, &mut x).map(|_| ()),
        kind,
        3,
        0,
        Buffer::U,
    );
    assert!(untouched(&x));
    assert_refused(
        batch.quantile(&u, &mut x).map(|_| ()),
        kind,
        3,
        0,
        Buffer::U,
    );
    assert!(untouched(&x));
    let mut x_bar = [1.0; 10];
    x_bar[3 * 2 + 1] = f64::INFINITY;
    let kind = ErrorKind::NonFiniteCotangent;
    let (mut a, mut m, mut s) = (poisoned::<f64>(3), poisoned::<f64>(6), poisoned::<f64>(6));
    let r = mix.vjp_many(&FIVE_X, &x_bar, &mut a, &mut m, &mut s);
    assert_refused(r, kind, 3, 1, Buffer::XBar);
    assert!(untouched(&a) && untouched(&m) && untouched(&s));
    let (mut a, mut m, mut s) = (
        poisoned::<f64>(15),
        poisoned::<f64>(30),
        poisoned::<f64>(30),
    );
    let r = batch.vjp(&FIVE_X, &x_bar, &mut a, &mut m, &mut s);
    assert_refused(r, kind, 3, 1, Buffer::XBar);
    assert!(untouched(&a) && untouched(&m) && untouched(&s));
}

#[test]
fn bad_parameters_in_mixture_2_refuse_the_batch() {
    let n = 4;
    // (what to break in mixture `i`, the kind expected)
    type Breaker = fn(&mut [f64], &mut [f64], &mut [f64]);
    let cases: [(Breaker, ErrorKind); 8] = [
        (|l, _, _| l[1] = f64::NAN, ErrorKind::NanLogit),
        (|l, _, _| l[2] = f64::INFINITY, ErrorKind::InfiniteLogit),
        (
            |l, _, _| l.fill(f64::NEG_INFINITY),
            ErrorKind::NoActiveComponent,
        ),
        (|_, m, _| m[3] = f64::NAN, ErrorKind::NonFiniteMean),
        (|_, m, _| m[5] = f64::NEG_INFINITY, ErrorKind::NonFiniteMean),
        (|_, _, s| s[4] = f64::INFINITY, ErrorKind::NonFiniteScale),
        (|_, _, s| s[1] = 0.0, ErrorKind::NonPositiveScale),
        (|_, _, s| s[0] = -1.0, ErrorKind::NonPositiveScale),
    ];
    for (brk, kind) in cases {
        for later in [None, Some(3)] {
            let (mut l, mut m, mut s) = small_batch_params(n);
            for i in std::iter::once(2).chain(later) {
                brk(
                    &mut l[i * 3..][..3],
                    &mut m[i * 6..][..6],
                    &mut s[i * 6..][..6],
                );
            }
            let e = DiagBatchRef::new(&l, &m, &s, 3, 2).unwrap_err();
            let single = DiagMixtureRef::new(&l[6..9], &m[12..18], &s[12..18], 2).unwrap_err();
            assert_eq!(e.kind(), kind, "{e}");
            assert_eq!(single.kind(), kind);
            assert_eq!(e.row(), Some(2), "{e}");
            assert_eq!(
                (e.buffer(), e.index(), e.component(), e.dim()),
                (
                    single.buffer(),
                    single.index(),
                    single.component(),
                    single.dim()
                ),
                "{e} vs {single}"
            );
            assert!(e.to_string().contains("row 2"), "{e}");
        }
    }
    // Two different faults: the first mixture's is the one reported.
    let (mut l, m, mut s) = small_batch_params(n);
    s[2 * 6] = -1.0;
    l[3] = f64::NAN;
    let e = DiagBatchRef::new(&l, &m, &s, 3, 2).unwrap_err();
    assert_eq!(
        (e.kind(), e.row(), e.component()),
        (ErrorKind::NanLogit, Some(1), Some(0))
    );
    assert_eq!(
        e.to_string(),
        "a logit is NaN: logits[0] of row 1 (component 0)"
    );
    let (mut l, m, s) = small_batch_params(n);
    l[6..9].fill(f64::NEG_INFINITY);
    let e = DiagBatchRef::new(&l, &m, &s, 3, 2).unwrap_err();
    assert_eq!(e.to_string(), "every logit is -inf: row 2");
}

#[test]
fn batch_shapes_are_checked_before_the_values() {
    let (l, m, s) = small_batch_params(3);
    let new =
        |l: &[f64], m: &[f64], s: &[f64], k, d| DiagBatchRef::new(l, m, s, k, d).map(|b| b.len());
    assert_eq!(new(&l, &m, &s, 3, 2), Ok(3));
    let shape = |r: Result<usize, Error>, buffer| {
        let e = r.unwrap_err();
        assert_eq!(
            (e.kind(), e.buffer(), e.row()),
            (ErrorKind::ParameterShape, Some(buffer), None),
            "{e}"
        );
    };
    shape(new(&l[..8], &m, &s, 3, 2), Buffer::Logits);
    shape(new(&l, &m[..17], &s, 3, 2), Buffer::Means);
    shape(new(&l, &m, &s[..17], 3, 2), Buffer::Scales);
    shape(new(&l[..6], &m, &s, 3, 2), Buffer::Means);
    shape(new(&l, &m, &s, 3, 3), Buffer::Means);
    let kind = |r: Result<usize, Error>| r.unwrap_err().kind();
    assert_eq!(kind(new(&l, &m, &s, 0, 2)), ErrorKind::NoComponents);
    assert_eq!(kind(new(&l, &m, &s, 3, 0)), ErrorKind::NoDimensions);
    let big = vec![0.0; MAX_COMPONENTS + 1];
    assert_eq!(
        kind(new(&big, &big, &big, MAX_COMPONENTS + 1, 1)),
        ErrorKind::TooManyComponents
    );
    // A bad value with a bad shape: the shape is reported.
    let mut bad = l.clone();
    bad[0] = f64::NAN;
    shape(new(&bad, &m[..17], &s, 3, 2), Buffer::Means);
}

/// Two components 2e6 apart in 1-D: a point between them lies where the
/// density underflows, one near either is ordinary.
const GAP_LOGITS: [f64; 2] = [0.0, 0.0];
const GAP_MEANS: [f64; 2] = [-1e6, 1e6];
const GAP_SCALES: [f64; 2] = [1.0, 1.0];

#[test]
fn a_zero_density_row_refuses_the_gradient_and_writes_nothing() {
    let mix = DiagMixtureRef::new(&GAP_LOGITS, &GAP_MEANS, &GAP_SCALES, 1).unwrap();
    let x_bar = [1.0; 5];
    for (x, first) in [
        ([1e6 + 0.5, 0.0, -1e6, -1e6 + 3.0, 1e6], 1),
        // Only the last row: the pre-pass finds it before rows 0..3 are
        // summed into the outputs.
        ([1e6 + 0.5, -1e6 - 1.0, -1e6, 1e6 - 2.0, 0.0], 4),
    ] {
        let single = single_vjp(&mix, &x[first..][..1], &x_bar[..1]).unwrap_err();
        assert_eq!(single.kind(), ErrorKind::ZeroDensity);
        let (mut a, mut m, mut s) = (poisoned::<f64>(2), poisoned::<f64>(2), poisoned::<f64>(2));
        let e = mix
            .vjp_many(&x, &x_bar, &mut a, &mut m, &mut s)
            .unwrap_err();
        assert_row_error(e, single, first);
        assert_eq!(
            e.to_string(),
            format!("a conditional density underflows; the gradient is not representable: x[0] of row {first} (dimension 0)")
        );
        assert!(untouched(&a) && untouched(&m) && untouched(&s));
        assert_eq!(mix.first_zero_density_many(&x), Ok(Some(first)));
        // log q has no such refusal.
        let mut lp = poisoned::<f64>(5);
        let mut g = GradOut::<f64>::new(0b1111, [5, 2, 2, 2]);
        mix.log_prob_grad_many(&x, &mut lp, g.grad()).unwrap();

        let (l, mm, ss) = (
            GAP_LOGITS.repeat(5),
            GAP_MEANS.repeat(5),
            GAP_SCALES.repeat(5),
        );
        let batch = DiagBatchRef::new(&l, &mm, &ss, 2, 1).unwrap();
        let (mut a, mut m, mut s) = (
            poisoned::<f64>(10),
            poisoned::<f64>(10),
            poisoned::<f64>(10),
        );
        let e = batch.vjp(&x, &x_bar, &mut a, &mut m, &mut s).unwrap_err();
        assert_row_error(e, single, first);
        assert!(untouched(&a) && untouched(&m) && untouched(&s));
        assert_eq!(batch.first_zero_density(&x), Ok(Some(first)));
        // Without the refused rows the same calls go through.
        let kept: Vec<f64> = x
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != first)
            .map(|(_, &v)| v)
            .collect();
        assert_eq!(mix.first_zero_density_many(&kept), Ok(None));
        assert_vjp_many_is_the_sum("kept rows", &mix, &kept, &x_bar[..4]);
    }

    // In 2-D, refused at dimension 1 of row 1 (dimension 0 is ordinary).
    let (l, m, s) = ([0.0, 0.0], [0.0, -1e6, 0.0, 1e6], [1.0; 4]);
    let mix = DiagMixtureRef::new(&l, &m, &s, 2).unwrap();
    let x = [0.1, 1e6, 0.2, 0.0, -0.3, -1e6];
    let single = single_vjp(&mix, &x[2..4], &[1.0, 1.0]).unwrap_err();
    assert_eq!(single.dim(), Some(1));
    let (mut a, mut m, mut s) = (poisoned::<f64>(2), poisoned::<f64>(4), poisoned::<f64>(4));
    let e = mix
        .vjp_many(&x, &[1.0; 6], &mut a, &mut m, &mut s)
        .unwrap_err();
    assert_row_error(e, single, 1);
    assert!(untouched(&a) && untouched(&m) && untouched(&s));
}

#[test]
fn lengths_that_are_not_whole_rows_are_refused() {
    let mix = small_mixture();
    let length = |r: Result<(), Error>, buffer: Buffer| {
        let e = r.unwrap_err();
        assert_eq!(
            (e.kind(), e.buffer(), e.row()),
            (ErrorKind::BufferLength, Some(buffer), None),
            "{e}"
        );
    };
    let x5 = [0.5; 5];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let fresh = rng.clone();
    let mut out = poisoned::<f64>(5);
    length(
        mix.sample_quantile_many(&mut rng, &mut out, None)
            .map(|_| ()),
        Buffer::Output,
    );
    length(
        mix.sample_ancestral_many(&mut rng, &mut out, None),
        Buffer::Output,
    );
    assert!(untouched(&out));
    let (mut x4, mut u6) = (poisoned::<f64>(4), poisoned::<f64>(6));
    length(
        mix.sample_quantile_many(&mut rng, &mut x4, Some(&mut u6))
            .map(|_| ()),
        Buffer::Output,
    );
    let mut comps = [usize::MAX; 3];
    length(
        mix.sample_ancestral_many(&mut rng, &mut x4, Some(&mut comps)),
        Buffer::Components,
    );
    assert!(untouched(&x4) && untouched(&u6) && comps == [usize::MAX; 3]);
    assert!(rng == fresh, "a refused sampler advanced the generator");
    length(mix.cdf_many(&x5, &mut out), Buffer::X);
    length(
        mix.quantile_many(&[0.5; 5], &mut out).map(|_| ()),
        Buffer::U,
    );
    length(mix.cdf_many(&[0.5; 4], &mut out), Buffer::Output);
    length(
        mix.quantile_many(&[0.5; 4], &mut out).map(|_| ()),
        Buffer::Output,
    );
    assert!(untouched(&out));
    let mut lp = poisoned::<f64>(3);
    length(mix.log_prob_many(&x5, &mut lp), Buffer::X);
    length(mix.log_prob_many(&[0.5; 4], &mut lp), Buffer::Output);
    let mut g = GradOut::<f64>::new(0b1111, [5, 3, 6, 6]);
    length(
        mix.log_prob_grad_many(&[0.5; 4], &mut lp[..2], g.grad()),
        Buffer::Output,
    );
    assert!(untouched(&lp) && untouched(g.x.as_deref().unwrap()));
    length(mix.first_zero_density_many(&x5).map(|_| ()), Buffer::X);
    let (mut a, mut m, mut s) = (poisoned::<f64>(3), poisoned::<f64>(6), poisoned::<f64>(6));
    length(
        mix.vjp_many(&x5, &[1.0; 5], &mut a, &mut m, &mut s),
        Buffer::X,
    );
    length(
        mix.vjp_many(&[0.5; 4], &[1.0; 6], &mut a, &mut m, &mut s),
        Buffer::XBar,
    );
    length(
        mix.vjp_many(&[0.5; 4], &[1.0; 4], &mut a[..2], &mut m, &mut s),
        Buffer::LogitsBar,
    );
    assert!(untouched(&a) && untouched(&m) && untouched(&s));

    let (bl, bm, bs) = small_batch_params(2);
    let batch = DiagBatchRef::new(&bl, &bm, &bs, 3, 2).unwrap();
    length(
        batch.sample_quantile(&mut rng, &mut out, None).map(|_| ()),
        Buffer::Output,
    );
    length(
        batch.sample_ancestral(&mut rng, &mut x4, Some(&mut comps)),
        Buffer::Components,
    );
    assert!(rng == fresh, "a refused sampler advanced the generator");
    length(batch.cdf(&x5, &mut out), Buffer::X);
    length(batch.cdf(&[0.5; 6], &mut out), Buffer::X);
    length(batch.quantile(&[0.5; 5], &mut out).map(|_| ()), Buffer::U);
    length(batch.log_prob(&[0.5; 4], &mut lp), Buffer::Output);
    length(batch.first_zero_density(&x5).map(|_| ()), Buffer::X);
    length(
        batch.vjp(&[0.5; 4], &[1.0; 4], &mut a, &mut m, &mut s),
        Buffer::LogitsBar,
    );
    assert!(untouched(&out) && untouched(&lp));
    assert!(untouched(&a) && untouched(&m) && untouched(&s));
}

/// `n = 0`: every form succeeds; summed outputs become `+0` (from poison),
/// nothing else is written and the generator does not move.
fn check_empty<F: Real>() {
    let (l, m, s) = (conv::<F>(&LOGITS), conv::<F>(&MEANS), conv::<F>(&SCALES));
    let mix = DiagMixtureRef::new(&l, &m, &s, 2).unwrap();
    let zeros = |v: &[F]| v.iter().all(|g| g.bits() == F::ZERO.bits());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let fresh = rng.clone();
    let none: &[F] = &[];
    let empty = || Vec::<F>::new();
    assert_eq!(
        mix.sample_quantile_many(&mut rng, &mut empty(), Some(&mut empty())),
        Ok(SolveStats::default())
    );
    assert_eq!(
        mix.sample_ancestral_many(&mut rng, &mut empty(), Some(&mut [])),
        Ok(())
    );
    assert!(rng == fresh);
    assert_eq!(mix.cdf_many(none, &mut empty()), Ok(()));
    assert_eq!(
        mix.quantile_many(none, &mut empty()),
        Ok(SolveStats::default())
    );
    assert_eq!(mix.log_prob_many(none, &mut empty()), Ok(()));
    assert_eq!(mix.first_zero_density_many(none), Ok(None));
    let mut g = GradOut::<F>::new(0b1111, [0, 3, 6, 6]);
    mix.log_prob_grad_many(none, &mut empty(), g.grad())
        .unwrap();
    for out in [&g.logits, &g.means, &g.scales] {
        assert!(zeros(out.as_deref().unwrap()));
    }
    let (mut a, mut mb, mut sb) = (poisoned::<F>(3), poisoned::<F>(6), poisoned::<F>(6));
    mix.vjp_many(none, none, &mut a, &mut mb, &mut sb).unwrap();
    assert!(zeros(&a) && zeros(&mb) && zeros(&sb));

    let batch = DiagBatchRef::new(none, none, none, 3, 2).unwrap();
    assert_eq!((batch.len(), batch.is_empty()), (0, true));
    assert!(batch.mixture(0).is_none());
    assert_eq!(batch.iter().count(), 0);
    assert_eq!(
        batch.sample_quantile(&mut rng, &mut empty(), Some(&mut empty())),
        Ok(SolveStats::default())
    );
    assert_eq!(
        batch.sample_ancestral(&mut rng, &mut empty(), Some(&mut [])),
        Ok(())
    );
    assert!(rng == fresh);
    assert_eq!(batch.cdf(none, &mut empty()), Ok(()));
    assert_eq!(
        batch.quantile(none, &mut empty()),
        Ok(SolveStats::default())
    );
    assert_eq!(batch.log_prob(none, &mut empty()), Ok(()));
    let mut g = GradOut::<F>::new(0b1111, [0; 4]);
    assert_eq!(batch.log_prob_grad(none, &mut empty(), g.grad()), Ok(()));
    assert_eq!(
        batch.vjp(none, none, &mut empty(), &mut empty(), &mut empty()),
        Ok(())
    );
    assert_eq!(batch.first_zero_density(none), Ok(None));
    // An empty batch still checks the shape it was given.
    assert_eq!(
        DiagBatchRef::<F>::new(none, none, none, 0, 2)
            .unwrap_err()
            .kind(),
        ErrorKind::NoComponents
    );
    assert_eq!(
        DiagBatchRef::<F>::new(none, &m, &s, 3, 2)
            .unwrap_err()
            .kind(),
        ErrorKind::ParameterShape
    );
}

#[test]
fn empty_batches_are_valid_f64() {
    check_empty::<f64>();
}

#[test]
fn empty_batches_are_valid_f32() {
    check_empty::<f32>();
}

/// A mixture whose `K·D` exceeds what a call hoists on the stack: the rows
/// compute `ln σ` themselves, with the same bits.
#[test]
#[cfg_attr(
    miri,
    ignore = "K = 64 with D beyond the hoisted ln σ is slow under Miri"
)]
fn mixtures_beyond_the_hoisted_log_scales() {
    let (k, d, n) = (64, HOISTED_LOG_SCALES / 64 + 1, 3);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(64);
    let mut next = |lo: f64, hi: f64| lo + (hi - lo) * mixgrad::uniform_f64(&mut rng);
    let logits: Vec<f64> = (0..k).map(|_| next(-2.0, 2.0)).collect();
    let means: Vec<f64> = (0..k * d).map(|_| next(-2.0, 2.0)).collect();
    let scales: Vec<f64> = (0..k * d).map(|_| next(0.5, 2.0)).collect();
    let mix = DiagMixtureRef::new(&logits, &means, &scales, d).unwrap();
    assert!(k * d > HOISTED_LOG_SCALES);
    let mut draw = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut by_hand = draw.clone();
    let (mut x, mut u) = (poisoned::<f64>(n * d), poisoned::<f64>(n * d));
    mix.sample_quantile_many(&mut draw, &mut x, Some(&mut u))
        .unwrap();
    let (mut xw, mut uw) = (poisoned::<f64>(n * d), poisoned::<f64>(n * d));
    for i in 0..n {
        mix.sample_quantile(
            &mut by_hand,
            row_mut(&mut xw, i, d),
            Some(row_mut(&mut uw, i, d)),
        )
        .unwrap();
    }
    assert_same("sample_quantile_many x", &x, &xw);
    assert_same("sample_quantile_many u", &u, &uw);
    let mut out = poisoned::<f64>(n * d);
    mix.cdf_many(&x, &mut out).unwrap();
    for i in 0..n {
        let mut want = poisoned::<f64>(d);
        mix.cdf(row(&x, i, d), &mut want).unwrap();
        assert_same("cdf_many", row(&out, i, d), &want);
    }
    let mut lp = poisoned::<f64>(n);
    mix.log_prob_many(&x, &mut lp).unwrap();
    for i in 0..n {
        assert_same(
            "log_prob_many",
            &lp[i..=i],
            &[mix.log_prob(row(&x, i, d)).unwrap()],
        );
    }
    let x_bar: Vec<f64> = (0..n * d)
        .map(|j| if j % 3 == 0 { 1.0 } else { -0.5 })
        .collect();
    assert_vjp_many_is_the_sum("K·D beyond the hoisted ln σ", &mix, &x, &x_bar);
    assert_batch_vjp_is_per_row("K·D beyond the hoisted ln σ", &mix, &x, &x_bar);
}

/// The owned mixture's batch forms, over rows of `[F; D]`, are the view's.
#[test]
fn owned_mixtures_have_the_same_many_forms() {
    use mixgrad::DiagMixture;
    let owned = DiagMixture::<f64, 3, 2>::new(
        LOGITS,
        [
            [MEANS[0], MEANS[1]],
            [MEANS[2], MEANS[3]],
            [MEANS[4], MEANS[5]],
        ],
        [
            [SCALES[0], SCALES[1]],
            [SCALES[2], SCALES[3]],
            [SCALES[4], SCALES[5]],
        ],
    )
    .unwrap();
    let view = small_mixture();
    let x: Vec<[f64; 2]> = FIVE_X.chunks(2).map(|r| [r[0], r[1]]).collect();
    let x_bar = [
        [1.0, -0.5],
        [0.25, 2.0],
        [0.0, 1.0],
        [-1.0, -1.0],
        [3.0, 0.5],
    ];
    let flat_bar: Vec<f64> = x_bar.concat();
    let g = owned.vjp_many(&x, &x_bar).unwrap();
    let want = summed_vjp(&view, &FIVE_X, &flat_bar);
    assert_same("owned vjp_many logits", &g.logits, &want.0);
    assert_same("owned vjp_many means", g.means.as_flattened(), &want.1);
    assert_same("owned vjp_many scales", g.scales.as_flattened(), &want.2);
    let (mut lp, mut gx) = ([0.0; 5], [[0.0; 2]; 5]);
    let g = owned
        .log_prob_grad_many(&x, &mut lp, Some(&mut gx))
        .unwrap();
    let mut vlp = poisoned::<f64>(5);
    let mut vg = GradOut::<f64>::new(0b1111, [10, 3, 6, 6]);
    view.log_prob_grad_many(&FIVE_X, &mut vlp, vg.grad())
        .unwrap();
    assert_same("owned log_prob_grad_many log q", &lp, &vlp);
    assert_same(
        "owned log_prob_grad_many x",
        gx.as_flattened(),
        vg.x.as_deref().unwrap(),
    );
    assert_same(
        "owned log_prob_grad_many logits",
        &g.logits,
        vg.logits.as_deref().unwrap(),
    );
    assert_same(
        "owned log_prob_grad_many means",
        g.means.as_flattened(),
        vg.means.as_deref().unwrap(),
    );
    assert_same(
        "owned log_prob_grad_many scales",
        g.scales.as_flattened(),
        vg.scales.as_deref().unwrap(),
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let mut by_hand = rng.clone();
    let (mut xs, mut us) = ([[0.0; 2]; 4], [[0.0; 2]; 4]);
    owned
        .sample_quantile_many(&mut rng, &mut xs, Some(&mut us))
        .unwrap();
    for i in 0..4 {
        let (xi, ui) = owned.sample_quantile(&mut by_hand);
        assert_same("owned sample_quantile_many x", &xs[i], &xi);
        assert_same("owned sample_quantile_many u", &us[i], &ui);
    }
    let mut comps = [usize::MAX; 4];
    owned
        .sample_ancestral_many(&mut rng, &mut xs, Some(&mut comps))
        .unwrap();
    for i in 0..4 {
        let (xi, c) = owned.sample_ancestral(&mut by_hand);
        assert_same("owned sample_ancestral_many x", &xs[i], &xi);
        assert_eq!(comps[i], c);
    }
    assert!(rng == by_hand);
    let mut u = [[0.0; 2]; 5];
    owned.cdf_many(&x, &mut u).unwrap();
    let mut back = [[0.0; 2]; 5];
    owned.quantile_many(&u, &mut back).unwrap();
    for i in 0..5 {
        let mut want = [0.0; 2];
        view.cdf(&x[i], &mut want).unwrap();
        assert_same("owned cdf_many", &u[i], &want);
        assert_same(
            "owned quantile_many",
            &back[i],
            &owned.quantile(&u[i]).unwrap(),
        );
    }
    owned.log_prob_many(&x, &mut lp).unwrap();
    assert_same("owned log_prob_many", &lp, &vlp);
}

/// The samplers on such a view refuse before they draw: the generator stays
/// where it was and nothing is written, also at an `n` that the `rayon`
/// feature splits (it draws every row's uniforms first).
#[test]
fn an_unbounded_view_beyond_max_components_draws_nothing() {
    let k = MAX_COMPONENTS + 1;
    let (l, m, s) = (vec![0.0; k], vec![0.0; k], vec![1.0; k]);
    let mix = DiagMixtureRef::new_unbounded(&l, &m, &s, 1).unwrap();
    for n in [2, 6000] {
        let fresh = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut rng = fresh.clone();
        let (mut x, mut u) = (poisoned::<f64>(n), poisoned::<f64>(n));
        let e = mix
            .sample_quantile_many(&mut rng, &mut x, Some(&mut u))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooManyComponents);
        assert!(untouched(&x) && untouched(&u), "n = {n}: written");
        let mut components = vec![usize::MAX; n];
        let e = mix
            .sample_ancestral_many(&mut rng, &mut x, Some(&mut components))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooManyComponents);
        assert!(untouched(&x) && components.iter().all(|&c| c == usize::MAX));
        assert!(rng == fresh, "n = {n}: the generator advanced");
    }
}

/// On a view made by `new_unbounded` with `K > MAX_COMPONENTS`, every call
/// that runs on stack scratch refuses with `TooManyComponents`; the single
/// calls then write nothing, and neither may `log_prob_grad_many`, whose
/// summed outputs start from zero.
#[test]
fn an_unbounded_view_beyond_max_components_writes_nothing() {
    let k = MAX_COMPONENTS + 1;
    let (l, m, s) = (vec![0.0; k], vec![0.0; k], vec![1.0; k]);
    let mix = DiagMixtureRef::new_unbounded(&l, &m, &s, 1).unwrap();
    let x = [0.5, -0.5];
    let single = mix
        .log_prob_grad(&x[..1], LogProbGrad::default())
        .unwrap_err();
    assert_eq!(single.kind(), ErrorKind::TooManyComponents);
    let mut lp = poisoned::<f64>(2);
    let mut g = GradOut::<f64>::new(0b1111, [2, k, k, k]);
    let e = mix.log_prob_grad_many(&x, &mut lp, g.grad()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooManyComponents);
    assert!(untouched(&lp) && untouched(g.x.as_deref().unwrap()));
    assert!(
        untouched(g.logits.as_deref().unwrap()),
        "summed logits written on refusal"
    );
    assert!(
        untouched(g.means.as_deref().unwrap()),
        "summed means written on refusal"
    );
    assert!(
        untouched(g.scales.as_deref().unwrap()),
        "summed scales written on refusal"
    );
}
