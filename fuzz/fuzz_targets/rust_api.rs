//! The Rust API on arbitrary problems (layout: `src/lib.rs`), for every
//! location-scale family (docs/math.md §9; the byte after the seed picks
//! it, Gaussian where the input ends before it).
//!
//! Properties: no panic; a mixture is refused exactly when a parameter breaks
//! the rules of docs/math.md §2 and §5, with the first error of the
//! documented order; per-call inputs are refused exactly when invalid,
//! leaving every output untouched; valid input gives finite outputs
//! (`vjp`/`jacobian` may refuse with `ZeroDensity` only), and
//! `cdf(quantile(u))` is `u` to the docs/math.md §6 backward tolerance
//! (with §9.2's carried rounding for the other families); for `D = 1`
//! the cdf is monotone in `x` (to the §6 tolerance); a view
//! `with_log_scales` answers bit for bit as the plain one.
//!
//! The batch forms (docs/math.md §8: the `*_many` methods of the problem's
//! mixture, and a [`DiagBatchRef`] of `n` rotations of it) run on 0 to 3
//! rows, or 65 on small problems, built from the problem's `x`, `u` and
//! `x̄` as the C target builds them (`row_choice`), against the single
//! calls on each row as the oracle: the error the rows' errors imply,
//! named in the first bad row; on success the same bits (a summed
//! gradient: the single gradients added in row order to `+0`; a sampler:
//! the draws of consecutive single calls, the generator left where they
//! leave it); on refusal nothing written. They run on one of the SIMD
//! paths the CPU has (`simd_path_for`, from the problem's seed), the
//! scalar one included.
//!
//! Full covariance (docs/math.md §10): every problem with `K ≤ 4` and
//! `D ≤ 4` also poses a full-covariance one (`tril_problem`: the scales on
//! the diagonals, the entries off them from the input's tail), checked in
//! [`tril`]: refused exactly when a parameter breaks the rules, with the
//! first error of the documented order; per-call inputs (`x`, `x̄`, `u`)
//! refused exactly when invalid and a workspace one value short always,
//! every output untouched and the generator not advanced; valid input
//! gives `cdf` in [0, 1], finite `quantile`, `log q` and samples, no NaN
//! from `vjp`/`jacobian` where the diagonal mixture promises none (they
//! may refuse with `ZeroDensity`), and `cdf(quantile(u))` is `u` to the
//! §6 tolerance; entries above the diagonals set to NaN change no result,
//! bit for bit, on another kind of workspace.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mixgrad::{
    Cauchy, DiagBatchRef, DiagMixtureRef, Error, ErrorKind, Family, FamilyKind, Gamma, Gaussian,
    Laplace, LogProbGrad, Logistic, SeedableRng, SolveStats, TrilLogProbGrad, TrilMixtureRef,
    TrilScratch, TrilWorkspace, Xoshiro256PlusPlus,
};
use mixgrad_fuzz::{
    carried_rounding, decode, poisoned, remember, round_trip_ok, same_bits, show_problem_on_panic,
    simd_path_for, tail_floor, tail_tolerance, tril_problem, untouched, Form, Problem, Real,
    FLAG_F32,
};

fuzz_target!(init: show_problem_on_panic(), |data: &[u8]| {
    remember(data);
    if data.first().is_some_and(|f| f & FLAG_F32 != 0) {
        let p = decode::<f32>(data);
        tril(&p);
        gamma(&p);
        by_family(&p);
    } else {
        let p = decode::<f64>(data);
        tril(&p);
        gamma(&p);
        by_family(&p);
    }
});

/// The Gamma distribution on the problem's values: the shape and rate are
/// the first two logits (any value, so the refusals are reached), `x` and
/// `u` the first entries of the point. Oracles: the documented error
/// order, probabilities in [0, 1] with `P + Q = 1` to rounding, a finite
/// quantile `≥ 0` that `cdf` maps back to `u` (bracketed by its 64-ulp
/// neighbours, to the stated relative slack), `dx/dα ≥ 0` and never NaN,
/// `dx/dβ = −x/β` exactly.
fn gamma<F: Real>(p: &Problem<F>) {
    let (Some(&alpha), Some(&x), Some(&u)) = (p.logits.first(), p.x.first(), p.u.first()) else {
        return;
    };
    let rate = p.logits.get(1).copied().unwrap_or(F::ONE);
    let positive = |v: F| v.is_finite() && v > F::ZERO;
    let shape_ok =
        positive(alpha) && alpha >= F::MIN_POSITIVE && alpha.to_f64() <= mixgrad::GAMMA_MAX_SHAPE;
    let g = match Gamma::new(alpha, rate) {
        Ok(g) => g,
        Err(e) => {
            let want = if shape_ok {
                ErrorKind::InvalidRate
            } else {
                ErrorKind::InvalidShape
            };
            assert!(!(shape_ok && positive(rate)));
            assert_eq!(e.kind(), want, "gamma({alpha:?}, {rate:?})");
            return;
        }
    };
    let x_error = |zero_ok: bool| {
        if !x.is_finite() {
            Some(ErrorKind::NonFiniteX)
        } else if x > F::ZERO || (zero_ok && x == F::ZERO) {
            None
        } else {
            Some(ErrorKind::XOutsideSupport)
        }
    };
    match (g.cdf(x), g.ccdf(x), x_error(true)) {
        (Ok(c), Ok(q), None) => {
            assert!(
                c >= F::ZERO && c <= F::ONE && q >= F::ZERO && q <= F::ONE,
                "{c:?} {q:?}"
            );
            let sum = c.to_f64() + q.to_f64();
            assert!(
                (sum - 1.0).abs() <= 8.0 * F::EPSILON.to_f64(),
                "P + Q = {sum}"
            );
        }
        (Err(a), Err(b), Some(want)) => assert_eq!((a.kind(), b.kind()), (want, want)),
        (c, q, want) => panic!("gamma cdf {c:?} ccdf {q:?}, expected {want:?}"),
    }
    match (g.dx_dalpha(x), g.dx_drate(x), x_error(false)) {
        (Ok(da), Ok(db), None) => {
            assert!(da >= F::ZERO, "dx/dα = {da:?} at x = {x:?}");
            assert_eq!(db.bits(), (-x / rate).bits());
        }
        (Err(a), Err(b), Some(want)) => {
            assert_eq!(a.kind(), want);
            assert_eq!(b.kind(), want);
        }
        // βx overflowing or underflowing: dx/dα refuses, dx/dβ does not.
        (Err(a), Ok(_), None) => {
            assert_eq!(a.kind(), ErrorKind::XOutsideSupport);
            let y = rate * x;
            assert!(y == F::ZERO || !y.is_finite(), "dx/dα refused βx = {y:?}");
        }
        (a, b, want) => panic!("gamma grad {a:?} {b:?}, expected {want:?}"),
    }
    if !(u > F::ZERO && u < F::ONE) {
        assert_eq!(
            g.quantile(u).map_err(|e| e.kind()),
            Err(ErrorKind::UniformOutOfRange)
        );
        return;
    }
    let q = g.quantile(u).expect("quantile of u inside (0, 1)");
    if q == F::INFINITY {
        // Documented: `+∞` only where the standard quantile `y` is finite
        // and `y/β` overflows (a rate far below the shape).
        let y = Gamma::new(alpha, F::ONE).and_then(|s| s.quantile(u));
        let y = y.expect("the standard quantile");
        assert!(
            y.is_finite() && y / rate == F::INFINITY,
            "gamma quantile ∞ from y = {y:?}"
        );
        return;
    }
    assert!(q.is_finite() && q >= F::ZERO, "gamma quantile {q:?}");
    gamma_round_trip(&g, u, q);
}

/// `cdf(quantile(u)) = u` in backward form: `u` lies between the CDF at
/// the quantile's 64-ulp neighbours, widened by a relative slack of
/// `ROUND_TRIP_REL` (on the smaller tail); a quantile of 0 means
/// `u ≤ cdf` of the smallest positive number.
fn gamma_round_trip<F: Real>(g: &Gamma<F>, u: F, q: F) {
    let uf = u.to_f64();
    let m = uf.min(1.0 - uf);
    if m < F::CONTRACT_U.to_f64() {
        return;
    }
    let slack = F::ROUND_TRIP_REL * m + F::EPSILON.to_f64() * uf;
    let cdf = |x: F| g.cdf(x).expect("cdf of a finite x ≥ 0").to_f64();
    let (mut lo, mut hi) = (q, q);
    for _ in 0..64 {
        (lo, hi) = (lo.next_toward(false), hi.next_toward(true));
    }
    let lo = if lo < F::ZERO { F::ZERO } else { lo };
    let (below, above) = (cdf(lo), cdf(hi));
    assert!(
        uf >= below - slack && uf <= above + slack,
        "gamma round trip: u={uf:e} x={q:e}: cdf {below:e} .. {above:e}"
    );
}

/// The checks, monomorphised for the problem's family.
fn by_family<F: Real>(p: &Problem<F>) {
    match p.family() {
        FamilyKind::Gaussian => check(p, Gaussian),
        FamilyKind::Logistic => check(p, Logistic),
        FamilyKind::Laplace => check(p, Laplace),
        FamilyKind::Cauchy => check(p, Cauchy),
    }
}

fn check<F: Real, G: Family>(p: &Problem<F>, family: G) {
    let mix = DiagMixtureRef::of_family(family, &p.logits, &p.means, &p.scales, p.d);
    let mix = match (mix, p.expected_param_error()) {
        (Ok(mix), None) => mix,
        (Err(got), Some(want)) => {
            assert_eq!(got.kind(), want, "wrong error for {p:?}");
            packed_refusal(p, family, want);
            return;
        }
        (got, want) => panic!("construction {got:?}, expected error {want:?}: {p:?}"),
    };
    let (k, d) = (p.k, p.d);

    // log_prob and its gradients: log q is finite (a point beyond the
    // clamp gets a saturated value), no gradient is NaN.
    let (mut gx, mut ga) = (poisoned::<F>(d), poisoned::<F>(k));
    let (mut gm, mut gs) = (poisoned::<F>(k * d), poisoned::<F>(k * d));
    let grads = LogProbGrad {
        x: Some(&mut gx),
        logits: Some(&mut ga),
        means: Some(&mut gm),
        scales: Some(&mut gs),
    };
    let lp = mix.log_prob_grad(&p.x, grads);
    if p.x_valid() {
        let lp = lp.expect("log_prob refused a finite x");
        assert!(lp.is_finite(), "log_prob = {lp}: {p:?}");
        assert_eq!(mix.log_prob(&p.x).map(F::bits), Ok(lp.bits()));
        for g in gx.iter().chain(&ga).chain(&gm).chain(&gs) {
            assert!(!g.is_nan(), "log_prob gradient NaN: {p:?}");
        }
    } else {
        assert_eq!(lp.map_err(|e| e.kind()), Err(ErrorKind::NonFiniteX));
        assert!(untouched(&gx) && untouched(&ga) && untouched(&gm) && untouched(&gs));
    }

    // cdf with its complement and density.
    let (mut u, mut uc, mut dens) = (poisoned::<F>(d), poisoned::<F>(d), poisoned::<F>(d));
    let r = mix.cdf_density(&p.x, &mut u, Some(&mut uc), Some(&mut dens));
    if p.x_valid() {
        r.expect("cdf refused a finite x");
        for i in 0..d {
            assert!(u[i] >= F::ZERO && u[i] <= F::ONE, "cdf = {}", u[i]);
            assert!(uc[i] >= F::ZERO && uc[i] <= F::ONE, "ccdf = {}", uc[i]);
            assert!(
                dens[i] >= F::ZERO && !dens[i].is_nan(),
                "density = {}",
                dens[i]
            );
        }
    } else {
        assert_eq!(r.map_err(|e| e.kind()), Err(ErrorKind::NonFiniteX));
        assert!(untouched(&u) && untouched(&uc) && untouched(&dens));
    }
    if d == 1 && p.x_valid() {
        monotone(p, &mix, (u[0], uc[0]));
    }

    // quantile, and the round trip back through cdf.
    let mut x = poisoned::<F>(d);
    let r = mix.quantile(&p.u, &mut x);
    if p.u_valid() {
        r.expect("quantile refused u in (0, 1)");
        assert!(x.iter().all(|v| v.is_finite()), "quantile = {x:?}");
        let (mut f, mut fc) = (vec![F::ZERO; d], vec![F::ZERO; d]);
        mix.cdf_density(&x, &mut f, Some(&mut fc), None)
            .expect("cdf of a quantile");
        for i in 0..d {
            let carried = carried_rounding(G::KIND, &x, &p.means, &p.scales, p.k, i);
            let tails = |xi: F| {
                let mut at = x.clone();
                at[i] = xi;
                let (mut f, mut fc) = (vec![F::ZERO; d], vec![F::ZERO; d]);
                mix.cdf_density(&at, &mut f, Some(&mut fc), None)
                    .expect("cdf of a quantile");
                (f[i], fc[i])
            };
            let floor = tail_floor::<F>(G::KIND);
            if let Err(msg) = round_trip_ok(p.u[i], x[i], (f[i], fc[i]), carried, floor, tails) {
                panic!("dimension {i}: {msg}");
            }
        }
    } else {
        assert_eq!(r.map_err(|e| e.kind()), Err(ErrorKind::UniformOutOfRange));
        assert!(untouched(&x));
    }

    // vjp. "Tame": scales in [1e-3, 1e3], |x| ≤ 1e3 and x not in the far
    // tails (log q ≥ −30), where no true gradient comes near the float range:
    // every entry finite. "NaN-free": in f64, every scale a normal number
    // and |x̄| ≤ 1; in f32, the same problem solved in f64 has every entry
    // within ±1e30. Outside, a true gradient beyond the float range (x̄ near
    // MAX; ∂/∂σ ∝ 1/σ for a subnormal σ; f32 scales 1e60 apart) overflows
    // to ±∞, or to NaN where two overflowing terms of opposite sign meet
    // (docs/numerics.md, "Degrading gracefully" and "Honest limits").
    let is_f32 = core::mem::size_of::<F>() == 4;
    let widen = |v: &[F]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
    let (l64, m64, s64) = (widen(&p.logits), widen(&p.means), widen(&p.scales));
    let (x64, xb64) = (widen(&p.x), widen(&p.x_bar));
    let in_f32_range = |g: &[f64]| g.iter().all(|v| v.abs() <= 1e30);
    // Both need normal scales: below 1/MAX, 1/σ alone overflows, and then
    // so does the rounding noise that S_k carries (a true zero computed as
    // ±ε·p) once multiplied by z/σ; two such infinities of opposite sign
    // make a NaN. (Found in f32: σ = 1.4e-45 next to σ = 1e38.) In f64,
    // scales of at least 1e-150: below, the terms 1/(f·σ) can pass even
    // the rescued range (found: σ = 1e-300 beside a Cauchy density of
    // about 1e-281; `Real::NAN_FREE_SCALE`).
    let normal_scales = p
        .scales
        .iter()
        .all(|s| *s >= F::MIN_POSITIVE && s.to_f64() >= F::NAN_FREE_SCALE);
    let nan_free = normal_scales
        && if is_f32 {
            let m =
                DiagMixtureRef::of_family(family, &l64, &m64, &s64, d).expect("valid in f64 too");
            let (mut a, mut mb, mut sb) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
            m.vjp(&x64, &xb64, &mut a, &mut mb, &mut sb).is_ok()
                && in_f32_range(&a)
                && in_f32_range(&mb)
                && in_f32_range(&sb)
        } else {
            p.x_bar.iter().all(|v| v.abs() <= F::ONE)
        };
    let in_range = |v: &F, lo: f64, hi: f64| (lo..=hi).contains(&v.to_f64().abs());
    let tame = p.x_valid()
        && p.scales.iter().all(|s| in_range(s, 1e-3, 1e3))
        && p.x.iter().all(|v| in_range(v, 0.0, 1e3))
        && mix.log_prob(&p.x).is_ok_and(|lp| lp.to_f64() >= -30.0);
    let (mut a, mut m, mut s) = (poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d));
    let r = mix.vjp(&p.x, &p.x_bar, &mut a, &mut m, &mut s);
    let expected = if !p.x_valid() {
        Some(ErrorKind::NonFiniteX)
    } else if !p.x_bar_valid() {
        Some(ErrorKind::NonFiniteCotangent)
    } else {
        None
    };
    match (r.map_err(|e| e.kind()), expected) {
        (Ok(()), None) => {
            // Never NaN. A true gradient beyond the largest float (x̄ near
            // MAX, σ subnormal: ∂/∂σ ∝ 1/σ, deep gaps: ∝ 1/f) overflows to
            // ±∞; on tame problems every entry is finite.
            let tame = tame && p.x_bar.iter().all(|v| v.abs() <= F::ONE);
            for g in a.iter().chain(&m).chain(&s) {
                assert!(!g.is_nan() || !nan_free, "vjp gave NaN");
                assert!(g.is_finite() || !tame, "vjp gave {g} on a tame problem");
            }
        }
        (Err(ErrorKind::ZeroDensity), None) => {
            assert!(untouched(&a) && untouched(&m) && untouched(&s))
        }
        (Err(got), Some(want)) => {
            assert_eq!(got, want);
            assert!(untouched(&a) && untouched(&m) && untouched(&s));
        }
        (got, want) => panic!("vjp {got:?}, expected {want:?}: {p:?}"),
    }

    // The Jacobian, kept to small problems (it is O(D²K) in time and
    // D·(K + 2KD) in memory).
    if d <= 8 {
        let mut jac = poisoned::<F>(d * (k + 2 * k * d));
        match mix.jacobian(&p.x, &mut jac).map_err(|e| e.kind()) {
            Ok(()) => {
                let nan_free = normal_scales
                    && (!is_f32 || {
                        let m = DiagMixtureRef::of_family(family, &l64, &m64, &s64, d)
                            .expect("valid in f64");
                        let mut j64 = vec![0.0; jac.len()];
                        m.jacobian(&x64, &mut j64).is_ok() && in_f32_range(&j64)
                    });
                assert!(!nan_free || jac.iter().all(|g| !g.is_nan()), "jacobian NaN");
                assert!(
                    !tame || jac.iter().all(|g| g.is_finite()),
                    "jacobian inf, tame"
                );
            }
            Err(ErrorKind::NonFiniteX) => assert!(!p.x_valid() && untouched(&jac)),
            Err(ErrorKind::ZeroDensity) => assert!(untouched(&jac)),
            Err(e) => panic!("jacobian: {e:?}"),
        }
    }

    // Both samplers from a fixed seed: finite samples, u strictly inside.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed);
    let (mut xs, mut us) = (vec![F::ZERO; d], vec![F::ZERO; d]);
    mix.sample_quantile(&mut rng, &mut xs, Some(&mut us))
        .expect("quantile sampler");
    assert!(xs.iter().all(|v| v.is_finite()));
    assert!(us.iter().all(|&v| v > F::ZERO && v < F::ONE));
    let c = mix
        .sample_ancestral(&mut rng, &mut xs)
        .expect("ancestral sampler");
    assert!(
        c < k && p.logits[c].is_finite(),
        "drew component {c} of weight zero"
    );
    assert!(xs.iter().all(|v| v.is_finite()));

    // The view with ln σ computed once: bit-identical everywhere; a buffer
    // of the wrong length is refused and left untouched.
    let mut short = poisoned::<F>(k * d - 1);
    assert_eq!(
        mix.with_log_scales(&mut short).err().map(|e| e.kind()),
        Some(ErrorKind::BufferLength)
    );
    assert!(untouched(&short));
    let mut log_scales = poisoned::<F>(k * d);
    let fast = mix.with_log_scales(&mut log_scales).expect("a K·D buffer");
    let bits = |v: &[F]| v.iter().map(|x| x.bits()).collect::<Vec<_>>();
    let same =
        |name: &str, a: &[F], b: &[F]| assert_eq!(bits(a), bits(b), "{name} with log scales");
    let (mut f1, mut f2) = (poisoned::<F>(d), poisoned::<F>(d));
    let (mut q1, mut q2) = (poisoned::<F>(d), poisoned::<F>(d));
    let r1 = mix.cdf_density(&p.x, &mut f1, None, Some(&mut q1));
    assert_eq!(r1, fast.cdf_density(&p.x, &mut f2, None, Some(&mut q2)));
    same("cdf", &f1, &f2);
    same("density", &q1, &q2);
    let r1 = mix.quantile(&p.u, &mut f1);
    assert_eq!(r1, fast.quantile(&p.u, &mut f2));
    same("quantile", &f1, &f2);
    let (mut a1, mut m1, mut s1) = (poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d));
    let (mut a2, mut m2, mut s2) = (poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d));
    let r1 = mix.vjp(&p.x, &p.x_bar, &mut a1, &mut m1, &mut s1);
    assert_eq!(r1, fast.vjp(&p.x, &p.x_bar, &mut a2, &mut m2, &mut s2));
    same("vjp logits", &a1, &a2);
    same("vjp means", &m1, &m2);
    same("vjp scales", &s1, &s2);
    let (r1, r2) = (mix.log_prob(&p.x), fast.log_prob(&p.x));
    assert_eq!(r1.map(F::bits), r2.map(F::bits), "log_prob with log scales");

    batches(p, &mix);
}

/// For `D = 1`: `F` does not fall and `1 − F` does not rise from `x` to a
/// point a little above it (`2⁻⁸` of `|x|` or of the smallest scale, the
/// larger), to within the cdf's tolerance at both points.
fn monotone<F: Real, G: Family>(p: &Problem<F>, mix: &DiagMixtureRef<'_, F, G>, at_x: (F, F)) {
    let x0 = p.x[0];
    let smallest = p.scales.iter().fold(F::INFINITY, |m, &s| m.min(s));
    let step = (x0.abs().to_f64() * (1.0 / 256.0)).max(smallest.to_f64() / 256.0);
    let x1 = F::from_f64(x0.to_f64() + step);
    if !x1.is_finite() || x1 <= x0 {
        return;
    }
    let (mut f1, mut fc1) = ([F::ZERO], [F::ZERO]);
    mix.cdf_density(&[x1], &mut f1, Some(&mut fc1), None)
        .expect("cdf of a finite x");
    let (f0, fc0) = (at_x.0.to_f64(), at_x.1.to_f64());
    let (f1, fc1) = (f1[0].to_f64(), fc1[0].to_f64());
    let tol = tail_tolerance::<F>(f0.min(fc0), 0.0) + tail_tolerance::<F>(f1.min(fc1), 0.0);
    // Above ½ a value is 1 minus the smaller tail: the contract bounds its
    // error absolutely (f64 1e-14, f32 1e-6).
    let above_half = |a: f64, b: f64| {
        if a.max(b) > 0.5 {
            0.01 * F::ROUND_TRIP_REL
        } else {
            0.0
        }
    };
    let (tol_f, tol_fc) = (tol + above_half(f0, f1), tol + above_half(fc0, fc1));
    assert!(
        f1 >= f0 - tol_f,
        "cdf falls: F({x0:e}) = {f0:e}, F({x1:e}) = {f1:e}"
    );
    assert!(
        fc1 <= fc0 + tol_fc,
        "1 - cdf rises: Fc({x0:e}) = {fc0:e}, Fc({x1:e}) = {fc1:e}"
    );
}

// ---- The batch forms (docs/math.md §8) ----------------------------------

/// How many rows a problem's batch checks take, and whether they are the
/// problem's `x`, `u` and `x̄` rotated or nudged: the same choice, from the
/// same seed bytes, as the C target's `Rows::new` (fuzz/make_seeds.py
/// writes seeds for each). The last seed byte picks the count (0 to 3, or
/// 65 on small problems), bit 3 nudged rows; bit 5 runs the `*_many` forms
/// on the view `with_log_scales`.
fn row_choice(seed: u64, kd: usize) -> (usize, bool, bool) {
    let sel = (seed >> 56) as u8;
    let n = match sel % 8 {
        0 | 3 => 2,
        1 => 1,
        2 | 4 | 7 => 3,
        5 => 0,
        _ if kd <= 64 => 65,
        _ => 3,
    };
    (n, sel & 8 != 0 || n > 3, sel & 32 != 0)
}

/// `v` moved `(i + 1) / 2` floats down (odd `i`) or up (even `i`), if
/// finite: row `i` of the nudged rows.
fn nudged<F: Real>(v: F, i: usize) -> F {
    let mut v = v;
    if v.is_finite() {
        for _ in 0..i.div_ceil(2) {
            v = v.next_toward(i.is_multiple_of(2));
        }
    }
    v
}

/// `n` mixtures packed, mixture `i` the problem's with its components
/// rotated by `i` (component `c` is the problem's `(c + i) % K`): as valid
/// as the problem's, with other values where they sit.
fn rotations<F: Real>(p: &Problem<F>, n: usize) -> [Vec<F>; 3] {
    let (k, d) = (p.k, p.d);
    let rotated = |v: &[F], width: usize| -> Vec<F> {
        (0..n)
            .flat_map(|i| {
                (0..k).flat_map(move |c| {
                    let src = (c + i) % k;
                    v[src * width..(src + 1) * width].iter().copied()
                })
            })
            .collect()
    };
    [
        rotated(&p.logits, 1),
        rotated(&p.means, d),
        rotated(&p.scales, d),
    ]
}

/// A packed batch of an invalid mixture's rotations: refused with the
/// single mixture's error, in row 0 for a value (mixture 0 is the
/// problem's own), in no row for a shape; with no mixture (`n = 0`) only
/// the shape is checked.
fn packed_refusal<F: Real, G: Family>(p: &Problem<F>, family: G, want: ErrorKind) {
    if p.k * p.d > 16384 {
        return;
    }
    let (n, _, _) = row_choice(p.seed, p.k * p.d);
    let [l, m, s] = rotations(p, n);
    let shape = [
        ErrorKind::NoComponents,
        ErrorKind::NoDimensions,
        ErrorKind::TooManyComponents,
    ];
    let got = DiagBatchRef::of_family(family, &l, &m, &s, p.k, p.d);
    if shape.contains(&want) {
        let e = got.expect_err("a packed batch of a bad shape");
        assert_eq!((e.kind(), e.row()), (want, None), "packed batch: {e}");
    } else if n == 0 {
        assert_eq!(got.map(|b| b.len()), Ok(0), "an empty packed batch");
    } else {
        let e = got.expect_err("a packed batch of invalid mixtures");
        assert_eq!((e.kind(), e.row()), (want, Some(0)), "packed batch: {e}");
    }
}

/// The rows of the batch checks and the mixtures they go with.
struct Rows<'a, F, G: Family> {
    n: usize,
    k: usize,
    d: usize,
    /// The problem's mixture: every row's in the `*_many` forms, and their
    /// oracle.
    mix: DiagMixtureRef<'a, F, G>,
    /// The view the `*_many` forms run on: `mix`, or `mix` with `ln σ`
    /// stored.
    many: DiagMixtureRef<'a, F, G>,
    /// The rotations, packed.
    batch: DiagBatchRef<'a, F, G>,
    /// Mixture `i` of `batch` as a view of its own: the oracle's.
    mixes: Vec<DiagMixtureRef<'a, F, G>>,
    /// `n·D` points, uniforms and cotangents.
    x: Vec<F>,
    u: Vec<F>,
    x_bar: Vec<F>,
    seed: u64,
    /// Which optional outputs the calls get: bit `j` for output `j` of
    /// `log_prob_grad` (`x`, logits, means, scales), bit 0 also `u` of the
    /// quantile samplers, bit 1 the components of the ancestral ones. The
    /// second-last seed byte, inverted (zeros ask for everything).
    mask: u8,
}

impl<F: Real, G: Family> Rows<'_, F, G> {
    /// The mixture of row `i` in `form`.
    fn one(&self, form: Form, i: usize) -> &DiagMixtureRef<'_, F, G> {
        match form {
            Form::Many => &self.mix,
            Form::Packed => &self.mixes[i],
        }
    }

    fn wants(&self, bit: u8) -> bool {
        self.mask & (1 << bit) != 0
    }
}

/// Row `i` of `v` (`width` values a row).
fn row_at<F>(v: &[F], i: usize, width: usize) -> &[F] {
    &v[i * width..][..width]
}

/// The error a batch call must return over rows whose single calls
/// returned `singles`: the first row's error, except that a gradient checks
/// every row's `x` before any row's cotangent and runs the zero-density
/// pre-pass last; `None` if every row went through.
fn first_error(singles: &[Option<Error>], vjp: bool) -> Option<(usize, Error)> {
    let first = |pick: &dyn Fn(&Error) -> bool| {
        singles
            .iter()
            .enumerate()
            .find_map(|(i, e)| e.filter(|e| pick(e)).map(|e| (i, e)))
    };
    if !vjp {
        return first(&|_| true);
    }
    [
        ErrorKind::NonFiniteX,
        ErrorKind::NonFiniteCotangent,
        ErrorKind::ZeroDensity,
    ]
    .into_iter()
    .find_map(|kind| first(&|e| e.kind() == kind))
}

/// Asserts that the batch call's result `got` is what its rows' single
/// calls imply, and then either every output equal to its oracle, bit for
/// bit, or (refused: the single call's error, in its row) every output
/// untouched.
#[track_caller]
fn judge<F: Real>(
    what: &str,
    form: Form,
    got: Result<(), Error>,
    want: Option<(usize, Error)>,
    outs: &[(&[F], &[F])],
) {
    match (got, want) {
        (Ok(()), None) => {
            for (j, &(out, oracle)) in outs.iter().enumerate() {
                assert!(
                    same_bits(out, oracle),
                    "{form:?} {what}: output {j} differs"
                );
            }
        }
        (Err(e), Some((row, single))) => {
            assert_eq!(e.kind(), single.kind(), "{form:?} {what}: {e} vs {single}");
            assert_eq!(e.row(), Some(row), "{form:?} {what}: {e}");
            let place = |e: &Error| (e.buffer(), e.index(), e.component(), e.dim());
            assert_eq!(
                place(&e),
                place(&single),
                "{form:?} {what}: {e} vs {single}"
            );
            for (j, &(out, _)) in outs.iter().enumerate() {
                assert!(untouched(out), "{form:?} {what}: refusal wrote output {j}");
            }
        }
        (got, want) => panic!("{form:?} {what}: {got:?}, expected {want:?}"),
    }
}

/// The batch forms on the rows of [`row_choice`], each against the single
/// calls on each row: the error the rows' errors imply, and on success the
/// same bits (a summed gradient: the single gradients added in row order
/// to `+0`; a sampler: the draws of consecutive single calls, leaving the
/// generator where they leave it); on refusal nothing written.
fn batches<F: Real, G: Family>(p: &Problem<F>, mix: &DiagMixtureRef<'_, F, G>) {
    let (k, d) = (p.k, p.d);
    if k * d > 16384 {
        return;
    }
    let (n, nudge, stored) = row_choice(p.seed, k * d);
    mixgrad::force_simd_path(Some(simd_path_for(p.seed))).expect("an available path");
    let sources = [&p.x, &p.u, &p.x_bar];
    let rows = |j: usize| -> Vec<F> {
        (0..n)
            .flat_map(|i| {
                let base = if nudge {
                    sources[j]
                } else {
                    sources[(i + j) % 3]
                };
                base.iter()
                    .map(move |&v| if nudge { nudged(v, i) } else { v })
            })
            .collect()
    };
    let [l, m, s] = rotations(p, n);
    let batch = DiagBatchRef::of_family(mix.family(), &l, &m, &s, k, d)
        .expect("rotations of a valid mixture");
    assert_eq!(
        (batch.len(), batch.num_components(), batch.num_dims()),
        (n, k, d)
    );
    let mixes: Vec<_> = (0..n)
        .map(|i| {
            let (a, b) = (&l[i * k..][..k], i * k * d..(i + 1) * k * d);
            DiagMixtureRef::of_family(mix.family(), a, &m[b.clone()], &s[b], d).expect("a rotation")
        })
        .collect();
    let mut log_scales = poisoned::<F>(k * d);
    let many = if stored {
        mix.with_log_scales(&mut log_scales).expect("a K·D buffer")
    } else {
        *mix
    };
    let r = Rows {
        n,
        k,
        d,
        mix: *mix,
        many,
        batch,
        mixes,
        x: rows(0),
        u: rows(1),
        x_bar: rows(2),
        seed: p.seed,
        mask: !((p.seed >> 48) as u8),
    };
    for form in [Form::Many, Form::Packed] {
        log_prob(&r, form);
        log_prob_grad(&r, form);
        per_dimension(&r, form, false);
        per_dimension(&r, form, true);
        vjp(&r, form);
        first_zero_density(&r, form);
        samplers(&r, form);
    }
}

fn log_prob<F: Real, G: Family>(r: &Rows<'_, F, G>, form: Form) {
    let d = r.d;
    let mut want = poisoned::<F>(r.n);
    let singles: Vec<Option<Error>> = (0..r.n)
        .map(|i| match r.one(form, i).log_prob(row_at(&r.x, i, d)) {
            Ok(v) => {
                want[i] = v;
                None
            }
            Err(e) => Some(e),
        })
        .collect();
    let mut got = poisoned::<F>(r.n);
    let res = match form {
        Form::Many => r.many.log_prob_many(&r.x, &mut got),
        Form::Packed => r.batch.log_prob(&r.x, &mut got),
    };
    let want_err = first_error(&singles, false);
    judge("log_prob", form, res, want_err, &[(&got, &want)]);
}

fn log_prob_grad<F: Real, G: Family>(r: &Rows<'_, F, G>, form: Form) {
    let (n, k, d) = (r.n, r.k, r.d);
    let widths = [d, k, k * d, k * d];
    // Per row: x always; the parameter gradients summed or per mixture.
    let lens = [
        n * d,
        form.grad_len(r.n, k),
        form.grad_len(r.n, k * d),
        form.grad_len(r.n, k * d),
    ];
    let mut want: Vec<Vec<F>> = (0..4)
        .map(|j| {
            if j == 0 {
                poisoned(n * d)
            } else {
                form.grad_start(r.n, widths[j])
            }
        })
        .collect();
    let mut want_lp = poisoned::<F>(n);
    let mut singles = Vec::with_capacity(n);
    for i in 0..n {
        let mut g: Vec<Vec<F>> = widths.iter().map(|&w| poisoned(w)).collect();
        let [gx, ga, gm, gs] = &mut g[..] else {
            unreachable!()
        };
        let grad = LogProbGrad {
            x: r.wants(0).then_some(&mut gx[..]),
            logits: r.wants(1).then_some(&mut ga[..]),
            means: r.wants(2).then_some(&mut gm[..]),
            scales: r.wants(3).then_some(&mut gs[..]),
        };
        match r.one(form, i).log_prob_grad(row_at(&r.x, i, d), grad) {
            Ok(v) => {
                want_lp[i] = v;
                want[0][i * d..][..d].copy_from_slice(&g[0]);
                for j in 1..4 {
                    form.fold(&mut want[j], i, &g[j]);
                }
                singles.push(None);
            }
            Err(e) => singles.push(Some(e)),
        }
    }
    let mut got: Vec<Vec<F>> = lens.iter().map(|&len| poisoned(len)).collect();
    let mut lp = poisoned::<F>(n);
    let [gx, ga, gm, gs] = &mut got[..] else {
        unreachable!()
    };
    let grad = LogProbGrad {
        x: r.wants(0).then_some(&mut gx[..]),
        logits: r.wants(1).then_some(&mut ga[..]),
        means: r.wants(2).then_some(&mut gm[..]),
        scales: r.wants(3).then_some(&mut gs[..]),
    };
    let res = match form {
        Form::Many => r.many.log_prob_grad_many(&r.x, &mut lp, grad),
        Form::Packed => r.batch.log_prob_grad(&r.x, &mut lp, grad),
    };
    // An output not asked for stays poisoned, whatever the rows.
    let not_asked: Vec<Vec<F>> = lens.iter().map(|&len| poisoned(len)).collect();
    let mut outs: Vec<(&[F], &[F])> = vec![(&lp, &want_lp)];
    for j in 0..4 {
        let oracle = if r.wants(j as u8) {
            &want[j]
        } else {
            &not_asked[j]
        };
        outs.push((&got[j], oracle));
    }
    judge(
        "log_prob_grad",
        form,
        res,
        first_error(&singles, false),
        &outs,
    );
    for j in (0..4).filter(|&j| !r.wants(j as u8)) {
        assert!(
            untouched(&got[j]),
            "{form:?} log_prob_grad wrote output {j}, not asked for"
        );
    }
}

/// `cdf` (`x` in, `u` out) or `quantile` (`u` in, `x` out), row by row,
/// with the quantile solver's counts summed.
fn per_dimension<F: Real, G: Family>(r: &Rows<'_, F, G>, form: Form, quantile: bool) {
    let (n, d) = (r.n, r.d);
    let input = if quantile { &r.u } else { &r.x };
    let mut want = poisoned::<F>(n * d);
    let mut stats = SolveStats::default();
    let singles: Vec<Option<Error>> = (0..n)
        .map(|i| {
            let (mix, row) = (r.one(form, i), row_at(input, i, d));
            let out = &mut want[i * d..][..d];
            let res = if quantile {
                mix.quantile_with_stats(row, out).map(|s| stats.merge(s))
            } else {
                mix.cdf(row, out)
            };
            res.err()
        })
        .collect();
    let mut got = poisoned::<F>(n * d);
    let res = match (form, quantile) {
        (Form::Many, false) => r.many.cdf_many(input, &mut got),
        (Form::Packed, false) => r.batch.cdf(input, &mut got),
        (Form::Many, true) => r.many.quantile_many(input, &mut got).map(|s| {
            assert_eq!(s, stats, "quantile_many stats");
        }),
        (Form::Packed, true) => r.batch.quantile(input, &mut got).map(|s| {
            assert_eq!(s, stats, "packed quantile stats");
        }),
    };
    let what = if quantile { "quantile" } else { "cdf" };
    judge(
        what,
        form,
        res,
        first_error(&singles, false),
        &[(&got, &want)],
    );
}

fn vjp<F: Real, G: Family>(r: &Rows<'_, F, G>, form: Form) {
    let (k, d) = (r.k, r.d);
    let widths = [k, k * d, k * d];
    let mut want: Vec<Vec<F>> = widths.iter().map(|&w| form.grad_start(r.n, w)).collect();
    let mut singles = Vec::with_capacity(r.n);
    for i in 0..r.n {
        let mut g: Vec<Vec<F>> = widths.iter().map(|&w| poisoned(w)).collect();
        let [a, m, s] = &mut g[..] else {
            unreachable!()
        };
        let (x, xb) = (row_at(&r.x, i, d), row_at(&r.x_bar, i, d));
        match r.one(form, i).vjp(x, xb, a, m, s) {
            Ok(()) => {
                for j in 0..3 {
                    form.fold(&mut want[j], i, &g[j]);
                }
                singles.push(None);
            }
            Err(e) => singles.push(Some(e)),
        }
    }
    let mut got: Vec<Vec<F>> = widths
        .iter()
        .map(|&w| poisoned(form.grad_len(r.n, w)))
        .collect();
    let [a, m, s] = &mut got[..] else {
        unreachable!()
    };
    let res = match form {
        Form::Many => r.many.vjp_many(&r.x, &r.x_bar, a, m, s),
        Form::Packed => r.batch.vjp(&r.x, &r.x_bar, a, m, s),
    };
    let outs: Vec<(&[F], &[F])> = (0..3).map(|j| (&got[j][..], &want[j][..])).collect();
    judge("vjp", form, res, first_error(&singles, true), &outs);
}

/// The locator names the first row a `vjp` refuses for its density: the
/// rows' single `vjp`s with a zero cotangent (finite, so only `x` and the
/// density can refuse them) are the oracle.
fn first_zero_density<F: Real, G: Family>(r: &Rows<'_, F, G>, form: Form) {
    let (k, d) = (r.k, r.d);
    let zero = vec![F::ZERO; d];
    let singles: Vec<Option<Error>> = (0..r.n)
        .map(|i| {
            let (mut a, mut m, mut s) = (poisoned(k), poisoned(k * d), poisoned(k * d));
            let x = row_at(&r.x, i, d);
            r.one(form, i).vjp(x, &zero, &mut a, &mut m, &mut s).err()
        })
        .collect();
    let res = match form {
        Form::Many => r.many.first_zero_density_many(&r.x),
        Form::Packed => r.batch.first_zero_density(&r.x),
    };
    match first_error(&singles, true) {
        Some((i, e)) if e.kind() == ErrorKind::ZeroDensity => {
            assert_eq!(res, Ok(Some(i)), "{form:?} first_zero_density")
        }
        None => assert_eq!(res, Ok(None), "{form:?} first_zero_density"),
        want => judge::<F>("first_zero_density", form, res.map(|_| ()), want, &[]),
    }
}

/// Both samplers: the draws of `n` consecutive single calls from the same
/// generator, which they leave where the single calls leave it.
fn samplers<F: Real, G: Family>(r: &Rows<'_, F, G>, form: Form) {
    let (n, d) = (r.n, r.d);
    let (with_u, with_c) = (r.wants(0), r.wants(1));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(r.seed);
    let mut by_hand = rng.clone();

    let (mut x, mut u) = (poisoned::<F>(n * d), poisoned::<F>(n * d));
    let u_out = with_u.then_some(&mut u[..]);
    let stats = match form {
        Form::Many => r.many.sample_quantile_many(&mut rng, &mut x, u_out),
        Form::Packed => r.batch.sample_quantile(&mut rng, &mut x, u_out),
    }
    .expect("a quantile sampler of n rows");
    let (mut xw, mut uw) = (poisoned::<F>(n * d), poisoned::<F>(n * d));
    let mut want = SolveStats::default();
    for i in 0..n {
        let ui = with_u.then(|| &mut uw[i * d..][..d]);
        let xi = &mut xw[i * d..][..d];
        let s = r.one(form, i).sample_quantile(&mut by_hand, xi, ui);
        want.merge(s.expect("a quantile sampler"));
    }
    assert_eq!(stats, want, "{form:?} sample_quantile stats");
    assert!(same_bits(&x, &xw), "{form:?} sample_quantile x");
    assert!(same_bits(&u, &uw), "{form:?} sample_quantile u");
    assert!(rng == by_hand, "{form:?} sample_quantile: generator state");

    let mut x = poisoned::<F>(n * d);
    let mut comps = vec![usize::MAX; n];
    let c_out = with_c.then_some(&mut comps[..]);
    match form {
        Form::Many => r.many.sample_ancestral_many(&mut rng, &mut x, c_out),
        Form::Packed => r.batch.sample_ancestral(&mut rng, &mut x, c_out),
    }
    .expect("an ancestral sampler of n rows");
    let mut xw = poisoned::<F>(n * d);
    let mut cw = vec![usize::MAX; n];
    for i in 0..n {
        let c = r
            .one(form, i)
            .sample_ancestral(&mut by_hand, &mut xw[i * d..][..d]);
        let c = c.expect("an ancestral sampler");
        if with_c {
            cw[i] = c;
        }
    }
    assert!(same_bits(&x, &xw), "{form:?} sample_ancestral x");
    assert_eq!(comps, cw, "{form:?} sample_ancestral components");
    assert!(rng == by_hand, "{form:?} sample_ancestral: generator state");
}

// ---- Full covariance (docs/math.md §10) ---------------------------------

/// What every operation of a full-covariance mixture returned on one
/// problem and workspace: each result (the error's kind) and each output
/// buffer, poisoned before the call.
#[derive(Debug)]
struct TrilOuts<F> {
    cdf: (Result<(), ErrorKind>, Vec<F>),
    quantile: (Result<(), ErrorKind>, Vec<F>),
    log_prob: Result<F, ErrorKind>,
    log_prob_grad: (Result<F, ErrorKind>, [Vec<F>; 4]),
    vjp: (Result<(), ErrorKind>, [Vec<F>; 3]),
    jacobian: (Result<(), ErrorKind>, Vec<F>),
    sample_quantile: (Result<(), ErrorKind>, Vec<F>, Vec<F>),
    /// The generator after `sample_quantile`.
    rng: Xoshiro256PlusPlus,
}

impl<F: Real> TrilOuts<F> {
    /// Every result and output as text of bits, for "the same bits".
    fn bits(&self) -> String {
        let b = |v: &[F]| format!("{:?}", v.iter().map(|x| x.bits()).collect::<Vec<_>>());
        let r = |r: &Result<F, ErrorKind>| format!("{:?}", r.map(F::bits));
        let mut s = format!("{:?} {}", self.cdf.0, b(&self.cdf.1));
        s += &format!(" {:?} {}", self.quantile.0, b(&self.quantile.1));
        s += &format!(" {}", r(&self.log_prob));
        s += &format!(" {}", r(&self.log_prob_grad.0));
        for g in &self.log_prob_grad.1 {
            s += &b(g);
        }
        s += &format!(" {:?}", self.vjp.0);
        for g in &self.vjp.1 {
            s += &b(g);
        }
        s += &format!(" {:?} {}", self.jacobian.0, b(&self.jacobian.1));
        let (r, x, u) = &self.sample_quantile;
        s += &format!(" {r:?} {} {}", b(x), b(u));
        s
    }
}

/// Every operation of `mix` on the problem's inputs, on `work`.
fn tril_outs<F: Real, W: TrilWorkspace<F> + ?Sized>(
    mix: &TrilMixtureRef<'_, F>,
    p: &Problem<F>,
    work: &mut W,
) -> TrilOuts<F> {
    let (k, d) = (p.k, p.d);
    let kind = |r: Result<(), Error>| r.map_err(|e| e.kind());
    let mut u = poisoned::<F>(d);
    let cdf = kind(mix.cdf(&p.x, &mut u, work));
    let mut x = poisoned::<F>(d);
    let quantile = kind(mix.quantile(&p.u, &mut x, work).map(|_| ()));
    let log_prob = mix.log_prob(&p.x, work).map_err(|e| e.kind());
    let mut g = [d, k, k * d, k * d * d].map(poisoned::<F>);
    let [gx, ga, gm, gl] = &mut g;
    let grad = TrilLogProbGrad {
        x: Some(gx),
        logits: Some(ga),
        means: Some(gm),
        scale_tril: Some(gl),
    };
    let lpg = mix.log_prob_grad(&p.x, grad, work).map_err(|e| e.kind());
    let mut v = [k, k * d, k * d * d].map(poisoned::<F>);
    let [a, m, l] = &mut v;
    let vjp = kind(mix.vjp(&p.x, &p.x_bar, a, m, l, work));
    let mut jac = poisoned::<F>(d * (k + k * d + k * d * d));
    let jacobian = kind(mix.jacobian(&p.x, &mut jac, work));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed);
    let (mut xs, mut us) = (poisoned::<F>(d), poisoned::<F>(d));
    let sq = kind(
        mix.sample_quantile(&mut rng, &mut xs, Some(&mut us), work)
            .map(|_| ()),
    );
    TrilOuts {
        cdf: (cdf, u),
        quantile: (quantile, x),
        log_prob,
        log_prob_grad: (lpg, g),
        vjp: (vjp, v),
        jacobian: (jacobian, jac),
        sample_quantile: (sq, xs, us),
        rng,
    }
}

/// The full-covariance checks (see the module docs).
fn tril<F: Real>(p: &Problem<F>) {
    let Some(t) = tril_problem(p) else {
        return;
    };
    let (k, d) = (p.k, p.d);
    let mix = TrilMixtureRef::new(&p.logits, &p.means, &t.scale_tril, d);
    let mix = match (mix, p.expected_tril_error(&t.scale_tril)) {
        (Ok(mix), None) => mix,
        (Err(got), Some(want)) => {
            assert_eq!(got.kind(), want, "tril: wrong error");
            return;
        }
        (got, want) => panic!("tril construction {got:?}, expected error {want:?}"),
    };
    let need = TrilMixtureRef::<F>::work_len(k, d).expect("a small K·(5 + 3D)");

    // The checks' workspace, and the NaN-above twin on another kind.
    let stack = || Box::new(TrilScratch::<F, 4, 4>::new());
    let outs = match t.control & 3 {
        1 => tril_outs(&mix, p, &mut poisoned::<F>(need)[..]),
        2 => tril_outs(&mix, p, &mut poisoned::<F>(need + 1)[..]),
        _ => tril_outs(&mix, p, &mut *stack()),
    };
    let mut nan_above = t.scale_tril.clone();
    for (i, v) in nan_above.iter_mut().enumerate() {
        if i % d > i % (d * d) / d {
            *v = F::from_f64(f64::NAN);
        }
    }
    let twin = TrilMixtureRef::new(&p.logits, &p.means, &nan_above, d)
        .expect("entries above the diagonals are not read");
    let twin_outs = match t.control & 3 {
        1 | 2 => tril_outs(&twin, p, &mut *stack()),
        _ => tril_outs(&twin, p, &mut poisoned::<F>(need)[..]),
    };
    assert_eq!(
        outs.bits(),
        twin_outs.bits(),
        "tril: NaN above the diagonals changed a result"
    );
    assert!(outs.rng == twin_outs.rng);

    // A workspace one value short: the per-call inputs are checked first,
    // then the workspace; nothing written, the generator not advanced.
    let short = tril_outs(&mix, p, &mut poisoned::<F>(need - 1)[..]);
    let input_error = |full: Result<(), ErrorKind>| match full {
        Err(e) if e != ErrorKind::ZeroDensity => Err(e),
        _ => Err(ErrorKind::BufferLength),
    };
    let unit = |r: Result<F, ErrorKind>| r.map(|_| ());
    assert_eq!(short.cdf.0, input_error(outs.cdf.0), "tril short cdf");
    assert_eq!(short.quantile.0, input_error(outs.quantile.0));
    assert_eq!(unit(short.log_prob), input_error(unit(outs.log_prob)));
    assert_eq!(
        unit(short.log_prob_grad.0),
        input_error(unit(outs.log_prob_grad.0))
    );
    assert_eq!(short.vjp.0, input_error(outs.vjp.0), "tril short vjp");
    assert_eq!(short.jacobian.0, input_error(outs.jacobian.0));
    assert_eq!(short.sample_quantile.0, Err(ErrorKind::BufferLength));
    assert!(short.rng == Xoshiro256PlusPlus::seed_from_u64(p.seed));
    let all_untouched = [&short.cdf.1, &short.quantile.1, &short.jacobian.1]
        .into_iter()
        .chain(&short.log_prob_grad.1)
        .chain(&short.vjp.1)
        .chain([&short.sample_quantile.1, &short.sample_quantile.2])
        .all(|v| untouched(v));
    assert!(all_untouched, "tril: a refusal for the workspace wrote");

    tril_oracles(p, &t.scale_tril, &mix, &outs);
}

/// The oracles on the results of a valid full-covariance mixture.
fn tril_oracles<F: Real>(
    p: &Problem<F>,
    tril: &[F],
    mix: &TrilMixtureRef<'_, F>,
    outs: &TrilOuts<F>,
) {
    let (k, d) = (p.k, p.d);
    let mut work = TrilScratch::<F, 4, 4>::new();
    let diag = |i: usize| i % d == i % (d * d) / d;
    let lower = |i: usize| i % d <= i % (d * d) / d;
    // Every diagonal entry a normal number (in f64 at least 1e-150): below
    // 1/MAX, 1/L[d][d] alone overflows, and two such infinities of
    // opposite sign make a NaN (the diagonal mixture's condition).
    // And every off-diagonal entry within 1e30 of its row's diagonal: the
    // transposed substitution carries the adjoint times `L[d][j]/L[d][d]`
    // into earlier dimensions, and where that overflows while the true
    // gradient is finite (two paths through `x_j` that cancel) the sweep
    // meets ∞ − ∞ (found: `L[1][0] = −MAX` over `L[1][1] = 1.5e9`;
    // docs/numerics.md, "Honest limits").
    let row_diag = |i: usize| tril[i - i % d + i % (d * d) / d];
    let normal = tril.iter().enumerate().all(|(i, v)| {
        if diag(i) {
            *v >= F::MIN_POSITIVE && v.to_f64() >= F::NAN_FREE_SCALE
        } else {
            !lower(i) || v.abs().to_f64() <= 1e30 * row_diag(i).to_f64()
        }
    });

    // cdf: in [0, 1]; a NaN x refused, u untouched.
    let (r, u) = &outs.cdf;
    if p.x_valid() {
        assert_eq!(*r, Ok(()), "tril cdf refused a finite x");
        assert!(
            u.iter().all(|&v| v >= F::ZERO && v <= F::ONE),
            "tril cdf = {u:?}"
        );
    } else {
        assert_eq!(*r, Err(ErrorKind::NonFiniteX));
        assert!(untouched(u));
    }

    // quantile: finite, and back through cdf to u.
    let (r, x) = &outs.quantile;
    if p.u_valid() {
        assert_eq!(*r, Ok(()), "tril quantile refused u in (0, 1)");
        assert!(x.iter().all(|v| v.is_finite()), "tril quantile = {x:?}");
        let mut f = vec![F::ZERO; d];
        mix.cdf(x, &mut f, &mut work).expect("cdf of a quantile");
        for i in 0..d {
            let cdf_at = |xi: F| {
                let mut at = x.clone();
                at[i] = xi;
                let mut f = vec![F::ZERO; d];
                mix.cdf(&at, &mut f, &mut TrilScratch::<F, 4, 4>::new())
                    .expect("cdf of a finite x");
                f[i]
            };
            if let Err(msg) = tril_round_trip(p.u[i], x[i], f[i], cdf_at) {
                panic!("tril dimension {i}: {msg}");
            }
        }
    } else {
        assert_eq!(*r, Err(ErrorKind::UniformOutOfRange));
        assert!(untouched(x));
    }

    // log q: finite, the same bits with its gradients; those finite on
    // tame problems (entries of L in [1e-3, 1e3] on the diagonals and at
    // most 1e3 off them, |x| ≤ 1e3, log q ≥ −30). Outside, a gradient may
    // overflow (a diagonal entry near 1/MAX, or a clamped z over a tiny
    // one) and, where two overflowing terms of opposite signs meet, be NaN.
    // (An overflowing adjoint times an exact zero of L or z is 0, not NaN:
    // the first fuzz finding here.)
    let in_range = |v: &F, lo: f64, hi: f64| (lo..=hi).contains(&v.to_f64().abs());
    let tame = p.x_valid()
        && tril.iter().enumerate().all(|(i, v)| {
            if diag(i) {
                in_range(v, 1e-3, 1e3)
            } else {
                !lower(i) || in_range(v, 0.0, 1e3)
            }
        })
        && p.x.iter().all(|v| in_range(v, 0.0, 1e3))
        && outs.log_prob.is_ok_and(|lp| lp.to_f64() >= -30.0);
    let (lpg, g) = &outs.log_prob_grad;
    if p.x_valid() {
        let lp = outs.log_prob.expect("tril log_prob refused a finite x");
        assert!(lp.is_finite(), "tril log_prob = {lp}");
        assert_eq!(lpg.map(F::bits), Ok(lp.bits()));
        assert!(
            !tame || g.iter().flatten().all(|v| v.is_finite()),
            "tril log_prob gradient not finite on a tame problem: {g:?}"
        );
    } else {
        assert_eq!(outs.log_prob, Err(ErrorKind::NonFiniteX));
        assert_eq!(*lpg, Err(ErrorKind::NonFiniteX));
        assert!(g.iter().all(|v| untouched(v)));
    }

    // vjp and jacobian: the input errors, else Ok or ZeroDensity; no NaN
    // where the diagonal mixture promises none (normal diagonal entries,
    // |x̄| ≤ 1, and in f32 the same problem's f64 gradient within ±1e30);
    // finite on tame problems (entries of L in [1e-3, 1e3] on the
    // diagonals and at most 1e3 off them, |x| ≤ 1e3, log q ≥ −30).
    let is_f32 = core::mem::size_of::<F>() == 4;
    let widen = |v: &[F]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
    let small_bar = p.x_bar.iter().all(|v| v.abs() <= F::ONE);
    let nan_free = normal
        && small_bar
        && (!is_f32 || {
            let (l64, m64, t64) = (widen(&p.logits), widen(&p.means), widen(tril));
            let m = TrilMixtureRef::new(&l64, &m64, &t64, d).expect("valid in f64 too");
            let mut a = vec![0.0; k + k * d + k * d * d];
            let (ga, rest) = a.split_at_mut(k);
            let (gm, gl) = rest.split_at_mut(k * d);
            let mut w = TrilScratch::<f64, 4, 4>::new();
            m.vjp(&widen(&p.x), &widen(&p.x_bar), ga, gm, gl, &mut w)
                .is_ok()
                && a.iter().all(|v| v.abs() <= 1e30)
        });
    let tame = tame && small_bar;
    let expected = if !p.x_valid() {
        Some(ErrorKind::NonFiniteX)
    } else if !p.x_bar_valid() {
        Some(ErrorKind::NonFiniteCotangent)
    } else {
        None
    };
    let (r, v) = &outs.vjp;
    match (*r, expected) {
        (Ok(()), None) => {
            for g in v.iter().flatten() {
                assert!(!g.is_nan() || !nan_free, "tril vjp gave NaN: {v:?}");
                assert!(
                    g.is_finite() || !tame,
                    "tril vjp gave {g} on a tame problem"
                );
            }
            // Zero above the diagonals.
            assert!(v[2]
                .iter()
                .enumerate()
                .all(|(i, g)| lower(i) || *g == F::ZERO));
        }
        (Err(ErrorKind::ZeroDensity), None) => assert!(v.iter().all(|g| untouched(g))),
        (Err(got), Some(want)) => {
            assert_eq!(got, want, "tril vjp");
            assert!(v.iter().all(|g| untouched(g)));
        }
        (got, want) => panic!("tril vjp {got:?}, expected {want:?}"),
    }
    let (r, jac) = &outs.jacobian;
    match *r {
        Ok(()) => {
            assert!(p.x_valid());
            let nan_free = nan_free && !is_f32;
            assert!(
                !nan_free || jac.iter().all(|g| !g.is_nan()),
                "tril jacobian NaN"
            );
            assert!(
                !tame || jac.iter().all(|g| g.is_finite()),
                "tril jacobian inf, tame"
            );
        }
        Err(ErrorKind::NonFiniteX) => assert!(!p.x_valid() && untouched(jac)),
        Err(ErrorKind::ZeroDensity) => assert!(p.x_valid() && untouched(jac)),
        Err(e) => panic!("tril jacobian: {e:?}"),
    }

    // Both samplers: finite samples, u strictly inside, a component of
    // positive weight.
    let (r, xs, us) = &outs.sample_quantile;
    assert_eq!(*r, Ok(()), "tril quantile sampler");
    assert!(xs.iter().all(|v| v.is_finite()), "tril sample {xs:?}");
    assert!(us.iter().all(|&v| v > F::ZERO && v < F::ONE));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed);
    let mut xa = poisoned::<F>(d);
    let c = mix
        .sample_ancestral(&mut rng, &mut xa)
        .expect("tril ancestral sampler");
    assert!(
        c < k && p.logits[c].is_finite(),
        "drew component {c} of weight zero"
    );
    assert!(
        xa.iter().all(|v| v.is_finite()),
        "tril ancestral sample {xa:?}"
    );
}

/// The round trip of one coordinate: `F(x̂) = u` to the backward tolerance
/// of docs/math.md §6 (`ROUND_TRIP_REL·(1 + z²)` relative to the smaller
/// tail `m`, plus an ulp of 1 above ½, where `F` is a value near 1), or
/// `x̂` within the 8 ulp of the root that §6 allows, or saturated at ±MAX
/// on the root's side. Coordinate `d`'s quantile and `cdf` see the same
/// `x_<d` and so the same computed conditional (§10.1): the rounding the
/// substitution and the log-weights carry cancels out, and the check is
/// the one-dimensional one. `cdf_at(x)` is `F` with this coordinate at `x`.
fn tril_round_trip<F: Real>(u: F, x: F, at_x: F, cdf_at: impl Fn(F) -> F) -> Result<(), String> {
    let (uf, got) = (u.to_f64(), at_x.to_f64());
    let upper = uf > 0.5;
    let m = if upper { 1.0 - uf } else { uf };
    if m < F::CONTRACT_U.to_f64() {
        return Ok(());
    }
    let z2 = 2.0 * (-m.ln()).max(0.0);
    let one_ulp = if upper { F::EPSILON.to_f64() } else { 0.0 };
    let tol = F::ROUND_TRIP_REL * (1.0 + z2) * m + one_ulp;
    if (got - uf).abs() <= tol {
        return Ok(());
    }
    if (x == -F::MAX && got >= uf) || (x == F::MAX && got <= uf) {
        return Ok(());
    }
    let (mut lo, mut hi) = (x, x);
    for _ in 0..8 {
        (lo, hi) = (lo.next_toward(false), hi.next_toward(true));
    }
    let (below, above) = (cdf_at(lo).to_f64(), cdf_at(hi).to_f64());
    if uf >= below.min(above) - tol && uf <= below.max(above) + tol {
        return Ok(());
    }
    Err(format!(
        "round trip: u={u:e} x={x:e} F={got:e} tol={tol:e}, neighbours {below:e} {above:e}"
    ))
}
