//! The Rust API on arbitrary problems (layout: `src/lib.rs`).
//!
//! Properties: no panic; a mixture is refused exactly when a parameter breaks
//! the rules of docs/math.md §2 and §5, with the first error of the
//! documented order; per-call inputs are refused exactly when invalid,
//! leaving every output untouched; valid input gives finite outputs
//! (`vjp`/`jacobian` may refuse with `ZeroDensity` only), and
//! `cdf(quantile(u))` is `u` to the docs/math.md §6 backward tolerance; a
//! view `with_log_scales` answers bit for bit as the plain one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mixgrad::{DiagMixtureRef, ErrorKind, LogProbGrad, SeedableRng, Xoshiro256PlusPlus};
use mixgrad_fuzz::{
    decode, poisoned, remember, round_trip_ok, show_problem_on_panic, untouched, Problem, Real,
    FLAG_F32,
};

fuzz_target!(init: show_problem_on_panic(), |data: &[u8]| {
    remember(data);
    if data.first().is_some_and(|f| f & FLAG_F32 != 0) {
        check(&decode::<f32>(data));
    } else {
        check(&decode::<f64>(data));
    }
});

fn check<F: Real>(p: &Problem<F>) {
    let mix = DiagMixtureRef::new(&p.logits, &p.means, &p.scales, p.d);
    let mix = match (mix, p.expected_param_error()) {
        (Ok(mix), None) => mix,
        (Err(got), Some(want)) => {
            assert_eq!(got.kind(), want, "wrong error for {p:?}");
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
            let tails = |xi: F| {
                let mut at = x.clone();
                at[i] = xi;
                let (mut f, mut fc) = (vec![F::ZERO; d], vec![F::ZERO; d]);
                mix.cdf_density(&at, &mut f, Some(&mut fc), None)
                    .expect("cdf of a quantile");
                (f[i], fc[i])
            };
            if let Err(msg) = round_trip_ok(p.u[i], x[i], (f[i], fc[i]), tails) {
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
    // make a NaN. (Found in f32: σ = 1.4e-45 next to σ = 1e38.)
    let normal_scales = p.scales.iter().all(|s| *s >= F::MIN_POSITIVE);
    let nan_free = normal_scales
        && if is_f32 {
            let m = DiagMixtureRef::new(&l64, &m64, &s64, d).expect("valid in f64 too");
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
                        let m = DiagMixtureRef::new(&l64, &m64, &s64, d).expect("valid in f64");
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
}
