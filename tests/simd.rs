//! The SIMD paths (`mixgrad::SimdPath`) against the scalar code, each path
//! the CPU has forced in turn:
//!
//! * the lane `exp` and normal tails: the scalar functions' bits in every
//!   lane, and so within their budgets of the high-precision references
//!   (`tests/data/exp.txt`, 60 digits: 0.52 ulp, 1.6 ulp below −512;
//!   `tests/data/normal_tails.txt`, 50 digits: 4ε, 8ε below |z| = √2);
//! * `vjp_many`, whose summed gradient the lanes compute: the scalar path's
//!   bits (and its errors) on random mixtures, ordinary and hard (far-apart
//!   components, log-domain densities, dead components, huge cotangents,
//!   points far out, rows that need the rescue pass), for `K` on both sides
//!   of the lanes' limit and row counts that are not multiples of the lane
//!   count;
//! * the lanes are taken: on ordinary mixtures they sum the leading rows.
//!
//! The path is process-wide state, so every test here holds one lock.
//! Under Miri (`cargo +nightly miri test --features soft-floats --test
//! simd`) the tests run a fraction of their cases.

mod common;

use std::sync::Mutex;

use mixgrad::internals::{
    exp, exp_slice, ndtr::tails_density_f64, tails_density_slice, vjp_sum_lanes,
};
use mixgrad::{
    force_simd_path, DiagMixtureRef, ErrorKind, SeedableRng, SimdPath, Xoshiro256PlusPlus,
};

static PATH: Mutex<()> = Mutex::new(());

/// The vector paths this CPU has (under Miri the first, SSE2 or NEON: the
/// interpreter runs every path alike, and slowly).
fn vector_paths() -> Vec<SimdPath> {
    let paths = SimdPath::ALL
        .into_iter()
        .filter(|p| *p != SimdPath::Scalar && p.is_available());
    paths.take(if cfg!(miri) { 1 } else { 5 }).collect()
}

/// Runs `f` on each vector path, forced, then restores detection.
fn on_each_path(mut f: impl FnMut(SimdPath)) {
    let _lock = PATH.lock().unwrap_or_else(|e| e.into_inner());
    let paths = vector_paths();
    if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        assert!(!paths.is_empty(), "SSE2 or NEON is always there");
    }
    for path in paths {
        force_simd_path(Some(path)).unwrap();
        f(path);
    }
    force_simd_path(None).unwrap();
}

/// A reference table (`tests/data/*.txt`): under Miri (which interprets
/// thousands of times slower, parsing included) every 256th row.
fn reference(text: &str) -> Vec<(f64, f64, f64)> {
    let step = if cfg!(miri) { 256 } else { 1 };
    let rows = text.lines().filter(|l| !l.starts_with('#')).step_by(step);
    common::triples(&rows.collect::<Vec<_>>().join("\n"))
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn ulp(v: f64) -> f64 {
    f64::from_bits(v.to_bits() + 1) - v
}

#[test]
fn forcing_a_path_the_cpu_lacks_is_refused() {
    let _lock = PATH.lock().unwrap_or_else(|e| e.into_inner());
    let before = mixgrad::simd_path();
    for path in SimdPath::ALL {
        match force_simd_path(Some(path)) {
            Ok(()) => assert!(path.is_available() && mixgrad::simd_path() == path),
            Err(e) => {
                assert!(!path.is_available());
                assert_eq!(e.kind(), ErrorKind::SimdPathUnavailable);
            }
        }
        assert_eq!(SimdPath::from_name(path.name()), Some(path));
    }
    force_simd_path(None).unwrap();
    assert_eq!(mixgrad::simd_path(), before, "detection is deterministic");
    assert!(force_simd_path(Some(SimdPath::Scalar)).is_ok());
    force_simd_path(None).unwrap();
}

#[test]
fn lane_exp_is_the_scalar_exp_and_within_its_ulp_budget() {
    let table = reference(include_str!("data/exp.txt"));
    let mut xs: Vec<f64> = table.iter().map(|t| t.0).collect();
    xs.extend([
        0.0,
        -0.0,
        5e-324,
        -511.999,
        -512.0,
        -512.0001,
        -745.0,
        -746.0,
        -746.0001,
        -1e300,
        f64::NEG_INFINITY,
        511.999,
        512.0,
        709.0,
        710.0,
        f64::INFINITY,
        f64::NAN,
    ]);
    on_each_path(|path| {
        let mut out = vec![0.0; xs.len()];
        exp_slice(&xs, &mut out).expect("a vector path");
        for (&x, &got) in xs.iter().zip(&out) {
            assert!(same_bits(got, exp(x)), "{path:?}: exp({x:e}) = {got:e}");
        }
        let mut worst = [0.0f64; 2];
        for (&(x, hi, lo), &got) in table.iter().zip(&out) {
            let err = ((got - hi) - lo).abs() / ulp(hi);
            let slot = &mut worst[usize::from(x < -512.0)];
            *slot = slot.max(err);
        }
        assert!(worst[0] <= 0.52 && worst[1] <= 1.6, "{path:?}: {worst:?}");
    });
}

#[test]
fn lane_tails_are_the_scalar_tails_and_within_their_budget() {
    let table = reference(include_str!("data/normal_tails.txt"));
    let mut zs: Vec<f64> = table.iter().flat_map(|t| [t.0, -t.0]).collect();
    zs.extend([39.99, 40.0, -40.0, 1e3, -1e150, 2.9e135, 1e-300, -5e-324]);
    on_each_path(|path| {
        let mut out = vec![0.0; 3 * zs.len()];
        tails_density_slice(&zs, &mut out).expect("a vector path");
        for (&z, got) in zs.iter().zip(out.chunks(3)) {
            let (lower, upper, dens) = tails_density_f64(z);
            let same = same_bits(got[0], lower) && same_bits(got[1], upper);
            assert!(same && same_bits(got[2], dens), "{path:?}: z = {z:e}");
        }
        for (i, &(z, upper, density)) in table.iter().enumerate() {
            let got = &out[6 * i..6 * i + 3];
            if upper >= f64::MIN_POSITIVE {
                let budget = if z < core::f64::consts::SQRT_2 {
                    8.0
                } else {
                    4.0
                };
                let rel = ((got[1] - upper) / upper).abs() / f64::EPSILON;
                assert!(rel <= budget, "{path:?}: z = {z}: {rel} eps");
            }
            if density >= f64::MIN_POSITIVE {
                let rel = ((got[2] - density) / density).abs() / f64::EPSILON;
                assert!(rel <= 4.0, "{path:?}: z = {z}: density {rel} eps");
            }
        }
    });
}

/// xorshift64 uniforms in [0, 1).
struct Src(u64);

impl Src {
    fn unif(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.unif() * n as f64) as usize
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unif()
    }
}

/// A random problem of one of several regimes: `(logits, means, scales, D,
/// x, x̄)`.
type Problem = (Vec<f64>, Vec<f64>, Vec<f64>, usize, Vec<f64>, Vec<f64>);

fn problem(src: &mut Src, case: usize) -> Problem {
    let regime = case % 6;
    let k = 1 + src.below(if cfg!(miri) { 4 } else { 17 });
    let d = if case.is_multiple_of(7) {
        1 + src.below(48)
    } else {
        1 + src.below(9)
    };
    let n = [1, 2, 3, 7, 8, 9, 16, 17, 31, 64][src.below(if cfg!(miri) { 6 } else { 10 })];
    let spread = [3.0, 60.0, 3.0, 3.0, 3.0, 3.0][regime];
    let mut logits: Vec<f64> = (0..k).map(|_| src.range(-3.0, 3.0)).collect();
    if regime == 2 && k > 1 {
        logits[src.below(k)] = f64::NEG_INFINITY;
        logits[0] = -700.0;
    }
    let means: Vec<f64> = (0..k * d).map(|_| src.range(-spread, spread)).collect();
    let scales: Vec<f64> = (0..k * d)
        .map(|_| match regime {
            3 => 10f64.powf(src.range(-150.0, 150.0)),
            _ => src.range(-2.0, 1.0).exp(),
        })
        .collect();
    let mix = DiagMixtureRef::new(&logits, &means, &scales, d).unwrap();
    let mut x = vec![0.0; n * d];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(case as u64);
    mix.sample_ancestral_many(&mut rng, &mut x, None).unwrap();
    if regime == 1 && case % 4 == 1 {
        // A point between the far-apart components.
        let i = src.below(n * d);
        x[i] = src.range(-spread, spread);
    }
    if regime == 5 {
        // A point far out: log-domain densities, paths beyond the recovery
        // limit, rows that need the rescue pass or fail the zero-density
        // test.
        let i = src.below(n * d);
        x[i] += [8.0, 40.0, 1e9, -3e12, 1e150][src.below(5)];
    }
    let x_bar = (0..n * d)
        .map(|_| match regime {
            4 => src.range(-1.0, 1.0) * 10f64.powi(src.below(300) as i32),
            _ => src.range(-1.0, 1.0),
        })
        .collect();
    (logits, means, scales, d, x, x_bar)
}

/// `vjp_many` on the path in use: the result, and the gradient's bits.
fn vjp_many(p: &Problem) -> (Result<(), ErrorKind>, Vec<f64>) {
    let (logits, means, scales, d, x, x_bar) = p;
    let mix = DiagMixtureRef::new(logits, means, scales, *d).unwrap();
    let (k, kd) = (logits.len(), means.len());
    let mut g = vec![f64::from_bits(0x7ff8_dead_beef_0001); k + 2 * kd];
    let (a, rest) = g.split_at_mut(k);
    let (m, s) = rest.split_at_mut(kd);
    let r = mix.vjp_many(x, x_bar, a, m, s).map_err(|e| e.kind());
    (r, g)
}

#[test]
fn vjp_many_on_every_path_is_the_scalar_paths_bits() {
    let mut src = Src(0x853c_49e6_748f_ea9b);
    let cases = if cfg!(miri) { 6 } else { 600 };
    let problems: Vec<Problem> = (0..cases).map(|c| problem(&mut src, c)).collect();
    let expected: Vec<_> = {
        let _lock = PATH.lock().unwrap_or_else(|e| e.into_inner());
        force_simd_path(Some(SimdPath::Scalar)).unwrap();
        let r = problems.iter().map(vjp_many).collect();
        force_simd_path(None).unwrap();
        r
    };
    let mut refused = [0; 6];
    for (case, e) in expected.iter().enumerate() {
        refused[case % 6] += usize::from(e.0.is_err());
    }
    if !cfg!(miri) {
        let most = refused.iter().all(|&r| r < 70);
        assert!(
            most && refused[1] > 0 && refused[5] > 0,
            "refusals per regime: {refused:?}"
        );
    }
    on_each_path(|path| {
        for (case, (p, want)) in problems.iter().zip(&expected).enumerate() {
            let got = vjp_many(p);
            assert_eq!(got.0, want.0, "{path:?}, case {case}");
            let same = got.1.iter().zip(&want.1).all(|(&a, &b)| same_bits(a, b));
            assert!(same, "{path:?}, case {case}: {p:?}");
        }
    });
}

#[test]
fn the_lanes_sum_the_leading_rows_of_ordinary_batches() {
    let mut src = Src(0x2545_f491_4f6c_dd1d);
    on_each_path(|path| {
        for _ in 0..if cfg!(miri) { 1 } else { 50 } {
            let (k, d, n) = if cfg!(miri) {
                (2, 2, 9)
            } else {
                (1 + src.below(16), 1 + src.below(8), 8 + src.below(40))
            };
            let logits: Vec<f64> = (0..k).map(|_| src.range(-1.0, 1.0)).collect();
            let means: Vec<f64> = (0..k * d).map(|_| src.range(-1.0, 1.0)).collect();
            let scales: Vec<f64> = (0..k * d).map(|_| src.range(0.5, 2.0)).collect();
            let mix = DiagMixtureRef::new(&logits, &means, &scales, d).unwrap();
            let x: Vec<f64> = (0..n * d).map(|_| src.range(-2.0, 2.0)).collect();
            let (mut a, mut m, mut s) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
            let rows = vjp_sum_lanes(&mix, &x, &x, (&mut a, &mut m, &mut s));
            // Rows per block: one AVX-512 register, two of the others.
            let lanes = match path {
                SimdPath::Avx512 | SimdPath::Avx2 => 8,
                _ => 4,
            };
            assert_eq!(
                rows,
                Some(n - n % lanes),
                "{path:?}: K = {k}, D = {d}, n = {n}"
            );
        }
    });
}
