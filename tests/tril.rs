//! Full-covariance mixtures against independent computations: the
//! diagonal mixture for a diagonal `L`, the closed forms of `K = 1`,
//! central differences of the sampler `x(u; θ)` and of `log_prob`, the
//! multivariate normal density written out, round trips, the refusals,
//! and unbiased pathwise gradients of `E[xᵀAx]`. Under Miri the tests
//! with many draws are skipped; the rest exercise every slice the scratch
//! is split into.

#![allow(clippy::needless_range_loop)]

use mixgrad::{
    DiagMixtureRef, ErrorKind, SeedableRng, TrilLogProbGrad, TrilMixtureRef, Xoshiro256PlusPlus,
};

/// A mixture's parameters, owned.
#[derive(Clone, Debug)]
struct Params {
    k: usize,
    d: usize,
    logits: Vec<f64>,
    means: Vec<f64>,
    tril: Vec<f64>,
}

impl Params {
    fn view(&self) -> TrilMixtureRef<'_, f64> {
        TrilMixtureRef::new(&self.logits, &self.means, &self.tril, self.d).unwrap()
    }

    fn work(&self) -> Vec<f64> {
        vec![f64::NAN; TrilMixtureRef::<f64>::work_len(self.k, self.d).unwrap()]
    }

    /// All parameters, flat: logits, means, factors.
    fn flat(&self) -> Vec<f64> {
        [&self.logits[..], &self.means, &self.tril].concat()
    }

    fn with_flat(&self, v: &[f64]) -> Params {
        let (k, kd) = (self.k, self.k * self.d);
        Params {
            logits: v[..k].to_vec(),
            means: v[k..k + kd].to_vec(),
            tril: v[k + kd..].to_vec(),
            ..self.clone()
        }
    }

    fn quantile(&self, u: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0; self.d];
        self.view()
            .quantile(u, &mut x, &mut self.work()[..])
            .unwrap();
        x
    }
}

fn lcg(s: &mut u64) -> f64 {
    *s = s
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*s >> 11) as f64 / 9007199254740992.0
}

/// A random mixture: means in ±2, factors with diagonals in [0.4, 1.6]
/// and off-diagonal entries in ±0.8 (the entries above the diagonal NaN:
/// they must never be read).
fn random(seed: u64, k: usize, d: usize) -> Params {
    let mut s = seed;
    let logits = (0..k).map(|_| 2.0 * lcg(&mut s) - 1.0).collect();
    let means = (0..k * d).map(|_| 4.0 * lcg(&mut s) - 2.0).collect();
    let mut tril = vec![f64::NAN; k * d * d];
    for c in 0..k {
        for i in 0..d {
            for j in 0..=i {
                let v = if i == j {
                    0.4 + 1.2 * lcg(&mut s)
                } else {
                    1.6 * lcg(&mut s) - 0.8
                };
                tril[(c * d + i) * d + j] = v;
            }
        }
    }
    Params {
        k,
        d,
        logits,
        means,
        tril,
    }
}

/// `log q(x)` written out: `logsumexp_k(log π_k + log N(x; μ_k, L_k L_kᵀ))`
/// with `L_k⁻¹(x − μ_k)` by substitution, independently of the crate.
fn log_q(p: &Params, x: &[f64]) -> f64 {
    let (k, d) = (p.k, p.d);
    let max_a = p.logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lse_a = max_a + p.logits.iter().map(|a| (a - max_a).exp()).sum::<f64>().ln();
    let terms: Vec<f64> = (0..k)
        .map(|c| {
            let l = |i: usize, j: usize| p.tril[(c * d + i) * d + j];
            let mut z = vec![0.0; d];
            let mut acc = p.logits[c] - lse_a;
            for i in 0..d {
                let s: f64 = (0..i).map(|j| l(i, j) * z[j]).sum();
                z[i] = (x[i] - p.means[c * d + i] - s) / l(i, i);
                acc += -0.5 * z[i] * z[i] - l(i, i).ln() - 0.5 * (2.0 * std::f64::consts::PI).ln();
            }
            acc
        })
        .collect();
    let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
}

#[test]
#[cfg_attr(miri, ignore = "many draws: too slow under Miri")]
fn log_prob_is_the_mixture_of_multivariate_normals() {
    for (seed, k, d) in [(1, 1, 1), (2, 3, 2), (3, 4, 5), (4, 2, 8)] {
        let p = random(seed, k, d);
        let mut s = seed;
        for _ in 0..20 {
            let x: Vec<f64> = (0..d).map(|_| 6.0 * lcg(&mut s) - 3.0).collect();
            let got = p.view().log_prob(&x, &mut p.work()[..]).unwrap();
            let want = log_q(&p, &x);
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1.0),
                "{got} vs {want}"
            );
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "many draws: too slow under Miri")]
fn quantile_inverts_cdf() {
    for (seed, k, d) in [(5, 1, 3), (6, 3, 4), (7, 8, 6)] {
        let p = random(seed, k, d);
        let mut s = seed;
        for _ in 0..50 {
            let u: Vec<f64> = (0..d).map(|_| 0.001 + 0.998 * lcg(&mut s)).collect();
            let x = p.quantile(&u);
            let mut back = vec![0.0; d];
            p.view().cdf(&x, &mut back, &mut p.work()[..]).unwrap();
            for i in 0..d {
                assert!((back[i] - u[i]).abs() <= 1e-13 * u[i].min(1.0 - u[i]).max(1e-3));
            }
        }
    }
}

#[test]
fn a_diagonal_factor_is_the_diagonal_mixture() {
    let p0 = random(8, 3, 4);
    let mut p = p0.clone();
    let mut scales = vec![0.0; p.k * p.d];
    for c in 0..p.k {
        for i in 0..p.d {
            for j in 0..i {
                p.tril[(c * p.d + i) * p.d + j] = 0.0;
            }
            scales[c * p.d + i] = p.tril[(c * p.d + i) * p.d + i];
        }
    }
    let diag = DiagMixtureRef::new(&p.logits, &p.means, &scales, p.d).unwrap();
    let u = [0.1, 0.5, 0.93, 1e-6];
    let x = p.quantile(&u);
    let mut xd = vec![0.0; p.d];
    diag.quantile(&u, &mut xd).unwrap();
    for i in 0..p.d {
        assert!((x[i] - xd[i]).abs() <= 4.0 * f64::EPSILON * x[i].abs().max(1.0));
    }
    let (k, d) = (p.k, p.d);
    let (mut a, mut m, mut l) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d * d]);
    let xbar = [0.7, -1.1, 0.4, 2.0];
    p.view()
        .vjp(&xd, &xbar, &mut a, &mut m, &mut l, &mut p.work()[..])
        .unwrap();
    let (mut da, mut dm, mut ds) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
    diag.vjp(&xd, &xbar, &mut da, &mut dm, &mut ds).unwrap();
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * (1.0 + y.abs());
    for c in 0..k {
        assert!(close(a[c], da[c]), "logit {c}: {} vs {}", a[c], da[c]);
        for i in 0..d {
            assert!(close(m[c * d + i], dm[c * d + i]));
            assert!(close(l[(c * d + i) * d + i], ds[c * d + i]));
        }
    }
}

#[test]
fn single_component_is_mu_plus_l_epsilon() {
    let p = random(9, 1, 4);
    let u = [0.2, 0.9, 0.5, 1e-4];
    let x = p.quantile(&u);
    let eps: Vec<f64> = u.iter().map(|&v| probit(v)).collect();
    let d = p.d;
    for i in 0..d {
        let want: f64 = p.means[i] + (0..=i).map(|j| p.tril[i * d + j] * eps[j]).sum::<f64>();
        assert!((x[i] - want).abs() <= 1e-13 * want.abs().max(1.0), "x_{i}");
    }
    let cols = 1 + d + d * d;
    let mut jac = vec![0.0; d * cols];
    p.view().jacobian(&x, &mut jac, &mut p.work()[..]).unwrap();
    for i in 0..d {
        let row = &jac[i * cols..(i + 1) * cols];
        assert_eq!(row[0], 0.0, "dx/da");
        for j in 0..d {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!(
                (row[1 + j] - want).abs() <= 2.0 * f64::EPSILON,
                "dx_{i}/dμ_{j}"
            );
        }
        for r in 0..d {
            for c in 0..d {
                let want = if r == i && c <= r { eps[c] } else { 0.0 };
                let got = row[1 + d + r * d + c];
                assert!(
                    (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
                    "dx_{i}/dL[{r}][{c}] = {got} vs {want}"
                );
            }
        }
    }
}

/// `Φ⁻¹` by bisection on `erfc` (test-only).
fn probit(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if 0.5 * libm::erfc(-mid / std::f64::consts::SQRT_2) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[test]
#[cfg_attr(miri, ignore = "many draws: too slow under Miri")]
fn jacobian_and_vjp_match_central_differences_of_the_sampler() {
    for (seed, k, d) in [(10, 2, 3), (11, 3, 4), (12, 1, 2)] {
        let p = random(seed, k, d);
        let mut s = seed;
        let u: Vec<f64> = (0..d).map(|_| 0.05 + 0.9 * lcg(&mut s)).collect();
        let x = p.quantile(&u);
        let cols = k + k * d + k * d * d;
        let mut jac = vec![0.0; d * cols];
        p.view().jacobian(&x, &mut jac, &mut p.work()[..]).unwrap();
        let theta = p.flat();
        for c in 0..cols {
            if theta[c].is_nan() {
                // Above a diagonal: never read, so its column is zero.
                assert!((0..d).all(|i| jac[i * cols + c] == 0.0));
                continue;
            }
            let h = 1e-6 * theta[c].abs().max(1.0);
            let (mut tp, mut tm) = (theta.clone(), theta.clone());
            tp[c] += h;
            tm[c] -= h;
            let (xp, xm) = (p.with_flat(&tp).quantile(&u), p.with_flat(&tm).quantile(&u));
            for i in 0..d {
                let fd = (xp[i] - xm[i]) / (2.0 * h);
                let got = jac[i * cols + c];
                assert!(
                    (got - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "seed {seed} column {c} row {i}: {got} vs {fd}"
                );
            }
        }
        // vjp = x̄ᵀ J.
        let xbar: Vec<f64> = (0..d).map(|i| 1.0 - 0.3 * i as f64).collect();
        let (mut a, mut m, mut l) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d * d]);
        p.view()
            .vjp(&x, &xbar, &mut a, &mut m, &mut l, &mut p.work()[..])
            .unwrap();
        let g: Vec<f64> = [a, m, l].concat();
        for c in 0..cols {
            let want: f64 = (0..d).map(|i| xbar[i] * jac[i * cols + c]).sum();
            assert!(
                (g[c] - want).abs() <= 1e-12 * (1.0 + want.abs()),
                "vjp column {c}"
            );
        }
    }
}

#[test]
fn log_prob_grad_matches_central_differences() {
    let p = random(13, 3, 3);
    let (k, d) = (p.k, p.d);
    let x = [0.3, -1.2, 0.8];
    let (mut gx, mut ga, mut gm, mut gl) = (
        vec![0.0; d],
        vec![0.0; k],
        vec![0.0; k * d],
        vec![0.0; k * d * d],
    );
    let lp = p
        .view()
        .log_prob_grad(
            &x,
            TrilLogProbGrad {
                x: Some(&mut gx),
                logits: Some(&mut ga),
                means: Some(&mut gm),
                scale_tril: Some(&mut gl),
            },
            &mut p.work()[..],
        )
        .unwrap();
    assert!((lp - log_q(&p, &x)).abs() < 1e-13);
    let theta = p.flat();
    let g: Vec<f64> = [ga, gm, gl].concat();
    for c in 0..theta.len() {
        if theta[c].is_nan() {
            assert_eq!(g[c], 0.0);
            continue;
        }
        let h = 1e-6;
        let (mut tp, mut tm) = (theta.clone(), theta.clone());
        tp[c] += h;
        tm[c] -= h;
        let fd = (log_q(&p.with_flat(&tp), &x) - log_q(&p.with_flat(&tm), &x)) / (2.0 * h);
        assert!(
            (g[c] - fd).abs() <= 1e-7 * (1.0 + fd.abs()),
            "param {c}: {} vs {fd}",
            g[c]
        );
    }
    for i in 0..d {
        let mut xp = x;
        let mut xm = x;
        xp[i] += 1e-6;
        xm[i] -= 1e-6;
        let fd = (log_q(&p, &xp) - log_q(&p, &xm)) / 2e-6;
        assert!((gx[i] - fd).abs() <= 1e-7 * (1.0 + fd.abs()), "x_{i}");
    }
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let p = random(14, 2, 2);
    let new = |a: &[f64], m: &[f64], l: &[f64], d| {
        TrilMixtureRef::new(a, m, l, d)
            .map(|_| ())
            .map_err(|e| e.kind())
    };
    assert_eq!(new(&[], &[], &[], 2), Err(ErrorKind::NoComponents));
    assert_eq!(
        new(&p.logits, &p.means, &p.tril, 0),
        Err(ErrorKind::NoDimensions)
    );
    assert_eq!(
        new(&p.logits, &p.means[..3], &p.tril, 2),
        Err(ErrorKind::ParameterShape)
    );
    assert_eq!(
        new(&p.logits, &p.means, &p.tril[..7], 2),
        Err(ErrorKind::ParameterShape)
    );
    let mut bad = p.tril.clone();
    bad[2] = f64::INFINITY; // (1, 0) of L_0: below the diagonal
    assert_eq!(
        new(&p.logits, &p.means, &bad, 2),
        Err(ErrorKind::NonFiniteScale)
    );
    let err = TrilMixtureRef::new(&p.logits, &p.means, &bad, 2).unwrap_err();
    assert_eq!((err.component(), err.dim()), (Some(0), Some(1)));
    let mut bad = p.tril.clone();
    bad[7] = -1.0; // (1, 1) of L_1
    assert_eq!(
        new(&p.logits, &p.means, &bad, 2),
        Err(ErrorKind::NonPositiveScale)
    );
    let mut above = p.tril.clone();
    above[1] = f64::NAN; // above the diagonal: never read
    assert!(new(&p.logits, &p.means, &above, 2).is_ok());

    let v = p.view();
    let poison = f64::from_bits(0x7ff8_dead_beef_0001);
    let untouched = |b: &[f64]| b.iter().all(|x| x.to_bits() == poison.to_bits());
    let mut x = [poison; 2];
    let short = &mut vec![0.0; TrilMixtureRef::<f64>::work_len(2, 2).unwrap() - 1][..];
    let e = v.quantile(&[0.5, 0.5], &mut x, short).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BufferLength);
    assert!(untouched(&x));
    assert_eq!(
        v.quantile(&[0.5, 1.0], &mut x, &mut p.work()[..])
            .unwrap_err()
            .kind(),
        ErrorKind::UniformOutOfRange
    );
    let (mut a, mut m, mut l) = ([poison; 2], [poison; 4], [poison; 8]);
    let e = v
        .vjp(
            &[0.0, f64::NAN],
            &[1.0, 1.0],
            &mut a,
            &mut m,
            &mut l,
            &mut p.work()[..],
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonFiniteX);
    let e = v
        .vjp(
            &[0.0, 0.0],
            &[1.0, f64::INFINITY],
            &mut a,
            &mut m,
            &mut l,
            &mut p.work()[..],
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonFiniteCotangent);
    assert!(untouched(&a) && untouched(&m) && untouched(&l));
    // Far outside every component the density underflows: refused.
    let e = v
        .vjp(
            &[1e200, 0.0],
            &[1.0, 1.0],
            &mut a,
            &mut m,
            &mut l,
            &mut p.work()[..],
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ZeroDensity);
    assert!(untouched(&a) && untouched(&m) && untouched(&l));
}

/// `E[xᵀAx] = Σ_k π_k (μ_kᵀAμ_k + tr(A L_k L_kᵀ))` and its gradient.
fn quadratic_form_gradient(p: &Params, a: &[f64]) -> Vec<f64> {
    let (k, d) = (p.k, p.d);
    let w: Vec<f64> = p.logits.iter().map(|v| v.exp()).collect();
    let tot: f64 = w.iter().sum();
    let pi: Vec<f64> = w.iter().map(|v| v / tot).collect();
    let am = |i: usize, j: usize| a[i * d + j];
    let mut value = vec![0.0; k];
    let mut g_mu = vec![0.0; k * d];
    let mut g_l = vec![0.0; k * d * d];
    for c in 0..k {
        let mu = &p.means[c * d..(c + 1) * d];
        let l = |i: usize, j: usize| {
            if j <= i {
                p.tril[(c * d + i) * d + j]
            } else {
                0.0
            }
        };
        let mut v = 0.0;
        for i in 0..d {
            for j in 0..d {
                v += mu[i] * am(i, j) * mu[j];
                // tr(A L Lᵀ) = Σ_ij A_ij (L Lᵀ)_ji
                let llt: f64 = (0..d).map(|r| l(j, r) * l(i, r)).sum();
                v += am(i, j) * llt;
            }
            g_mu[c * d + i] = pi[c] * (0..d).map(|j| (am(i, j) + am(j, i)) * mu[j]).sum::<f64>();
        }
        // ∂ tr(A L Lᵀ)/∂L = (A + Aᵀ) L, lower part.
        for i in 0..d {
            for j in 0..=i {
                g_l[(c * d + i) * d + j] =
                    pi[c] * (0..d).map(|r| (am(i, r) + am(r, i)) * l(r, j)).sum::<f64>();
            }
        }
        value[c] = v;
    }
    let mean: f64 = (0..k).map(|c| pi[c] * value[c]).sum();
    let g_a: Vec<f64> = (0..k).map(|c| pi[c] * (value[c] - mean)).collect();
    [g_a, g_mu, g_l].concat()
}

#[test]
#[cfg_attr(miri, ignore = "many draws: too slow under Miri")]
fn pathwise_gradients_are_unbiased() {
    let mut p = random(15, 3, 2);
    for v in p.tril.iter_mut().filter(|v| v.is_nan()) {
        *v = 0.0;
    }
    let a = [1.0, 0.4, -0.2, 0.7];
    let want = quadratic_form_gradient(&p, &a);
    let (k, d) = (p.k, p.d);
    let n = 40_000;
    for ancestral in [false, true] {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(16 + ancestral as u64);
        let (mut sum, mut sum2) = (vec![0.0; want.len()], vec![0.0; want.len()]);
        let mut work = p.work();
        for _ in 0..n {
            let mut x = [0.0; 2];
            if ancestral {
                p.view().sample_ancestral(&mut rng, &mut x).unwrap();
            } else {
                p.view()
                    .sample_quantile(&mut rng, &mut x, None, &mut work[..])
                    .unwrap();
            }
            // x̄ = (A + Aᵀ) x
            let xbar = [
                2.0 * a[0] * x[0] + (a[1] + a[2]) * x[1],
                (a[1] + a[2]) * x[0] + 2.0 * a[3] * x[1],
            ];
            let (mut ga, mut gm, mut gl) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d * d]);
            p.view()
                .vjp(&x, &xbar, &mut ga, &mut gm, &mut gl, &mut work[..])
                .unwrap();
            for (c, v) in [ga, gm, gl].concat().into_iter().enumerate() {
                sum[c] += v;
                sum2[c] += v * v;
            }
        }
        for c in 0..want.len() {
            let mean = sum[c] / n as f64;
            let se = ((sum2[c] / n as f64 - mean * mean) / n as f64).sqrt();
            if se == 0.0 {
                assert_eq!(mean, want[c], "coordinate {c}");
                continue;
            }
            let z = (mean - want[c]) / se;
            assert!(
                z.abs() < 5.0,
                "ancestral {ancestral}: coordinate {c}: {mean} ± {se} vs {} ({z:.1} SE)",
                want[c]
            );
        }
    }
}

#[test]
fn owned_type_and_stack_scratch_give_the_views_bits() {
    use mixgrad::{TrilMixture, TrilScratch};
    let p = random(17, 2, 3);
    let mut tril = [[[0.0; 3]; 3]; 2];
    let mut means = [[0.0; 3]; 2];
    for c in 0..2 {
        for i in 0..3 {
            means[c][i] = p.means[c * 3 + i];
            for j in 0..=i {
                tril[c][i][j] = p.tril[(c * 3 + i) * 3 + j];
            }
        }
    }
    let owned = TrilMixture::<f64, 2, 3>::new([p.logits[0], p.logits[1]], means, tril).unwrap();
    let u = [0.3, 0.01, 0.77];
    let x = owned.quantile(&u).unwrap();
    assert_eq!(
        x.map(f64::to_bits).to_vec(),
        p.quantile(&u)
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    );
    let g = owned.vjp(&x, &[1.0, -0.5, 2.0]).unwrap();
    let (mut a, mut m, mut l) = (vec![0.0; 2], vec![0.0; 6], vec![0.0; 18]);
    p.view()
        .vjp(
            &x,
            &[1.0, -0.5, 2.0],
            &mut a,
            &mut m,
            &mut l,
            &mut p.work()[..],
        )
        .unwrap();
    assert_eq!(g.logits.to_vec(), a);
    assert_eq!(g.means.as_flattened().to_vec(), m);
    assert_eq!(g.scale_tril.as_flattened().as_flattened().to_vec(), l);
    // Stack scratch larger than the mixture serves; smaller is refused.
    let mut big = TrilScratch::<f64, 4, 5>::new();
    let mut x2 = [0.0; 3];
    p.view().quantile(&u, &mut x2, &mut big).unwrap();
    assert_eq!(x2, x);
    let mut small = TrilScratch::<f64, 2, 2>::new();
    let e = p.view().quantile(&u, &mut x2, &mut small).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BufferLength);
}

#[test]
#[cfg_attr(miri, ignore = "many draws: too slow under Miri")]
fn ill_conditioned_factors_give_no_nan() {
    // Condition numbers of L up to about 1e8: a tiny diagonal entry under
    // O(1) entries to its left, and scales 1e8 apart.
    let factors: [[f64; 9]; 3] = [
        [1.0, 0.0, 0.0, 0.999_999, 1e-8, 0.0, -0.5, 0.7, 1.0],
        [1e4, 0.0, 0.0, 3e3, 1e-4, 0.0, 2.0, -1e3, 0.5],
        [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
    ];
    let p = Params {
        k: 3,
        d: 3,
        logits: vec![0.0, -1.0, 0.5],
        means: vec![0.0, 1.0, -1.0, 5.0, 5.0, 5.0, -3.0, 0.0, 2.0],
        tril: factors.concat(),
    };
    let v = p.view();
    let mut work = p.work();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(18);
    let mut refused = 0;
    for i in 0..3000 {
        let mut x = [0.0; 3];
        if i % 2 == 0 {
            v.sample_quantile(&mut rng, &mut x, None, &mut work[..])
                .unwrap();
        } else {
            v.sample_ancestral(&mut rng, &mut x).unwrap();
        }
        assert!(x.iter().all(|x| x.is_finite()), "{x:?}");
        let mut u = [0.0; 3];
        v.cdf(&x, &mut u, &mut work[..]).unwrap();
        assert!(u.iter().all(|u| (0.0..=1.0).contains(u)));
        let lp = v.log_prob(&x, &mut work[..]).unwrap();
        assert!(lp.is_finite());
        let (mut a, mut m, mut l) = ([0.0; 3], [0.0; 9], [0.0; 27]);
        match v.vjp(&x, &[1.0, -1.0, 0.5], &mut a, &mut m, &mut l, &mut work[..]) {
            Ok(()) => assert!(a.iter().chain(&m).chain(&l).all(|g| g.is_finite())),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::ZeroDensity);
                refused += 1;
            }
        }
        let mut gx = [0.0; 3];
        let grad = TrilLogProbGrad {
            x: Some(&mut gx),
            ..TrilLogProbGrad::default()
        };
        v.log_prob_grad(&x, grad, &mut work[..]).unwrap();
        assert!(gx.iter().all(|g| g.is_finite()));
    }
    assert!(refused < 30, "{refused} draws refused");
}

#[test]
fn an_adjoint_beyond_the_float_range_meets_zeros_without_nan() {
    // Diagonal (1, 1e-300, 1), zeros below it, x one unit from the mean in
    // the narrow coordinate: the clamped z over 1e-300 overflows the
    // adjoint, which then meets exact zeros of L and z (a fuzz finding).
    let p = Params {
        k: 1,
        d: 3,
        logits: vec![0.0],
        means: vec![0.0, 1.0, 0.0],
        tril: vec![1.0, 0.0, 0.0, 0.0, 1e-300, 0.0, 0.0, 0.0, 1.0],
    };
    let (mut gx, mut ga, mut gm, mut gl) = ([0.0; 3], [0.0; 1], [0.0; 3], [0.0; 9]);
    let grad = TrilLogProbGrad {
        x: Some(&mut gx),
        logits: Some(&mut ga),
        means: Some(&mut gm),
        scale_tril: Some(&mut gl),
    };
    p.view()
        .log_prob_grad(&[0.0; 3], grad, &mut p.work()[..])
        .unwrap();
    let all = gx.iter().chain(&ga).chain(&gm).chain(&gl);
    assert!(all.clone().all(|g| !g.is_nan()), "{gx:?} {gm:?} {gl:?}");
    // The coordinates the narrow one does not touch: exactly zero.
    assert_eq!((gx[0], gx[2]), (0.0, 0.0));
}

/// A diagonal mixture whose gradient at `x = 0` has terms beyond the float
/// range that cancel (a fuzz finding): `σ = 1e-300` in the dimension the
/// first component owns makes `∂ ln q/∂μ ≈ 3e282`, and the second
/// dimension's density of `3e-291` divides it again.
fn overflowing_terms() -> Params {
    Params {
        k: 3,
        d: 2,
        logits: vec![-690.0, 1.5, 1.0],
        means: vec![3.463133e-318, 1e150, 1.0, 1e-150, 2.0, 0.5],
        tril: [
            [1e-300, 0.0, 0.0, 0.999_999_999_999_999_9],
            [
                1.163_613_636_361_208_4e145,
                0.0,
                0.0,
                1.163_613_636_361_208_4e145,
            ],
            [
                5.956_593_614_706_186e144,
                0.0,
                0.0,
                4.328_464_032_049_174e-308,
            ],
        ]
        .concat(),
    }
}

#[test]
fn overflowing_terms_take_the_rescue_pass_as_the_diagonal_mixture_does() {
    let p = overflowing_terms();
    let (k, d) = (p.k, p.d);
    let scales: Vec<f64> = (0..k * d).map(|i| p.tril[i * d + i % d]).collect();
    let diag = DiagMixtureRef::new(&p.logits, &p.means, &scales, d).unwrap();
    let mut want = vec![0.0; d * (k + 2 * k * d)];
    diag.jacobian(&[0.0; 2], &mut want).unwrap();
    let mut jac = vec![f64::NAN; d * (k + k * d + k * d * d)];
    p.view()
        .jacobian(&[0.0; 2], &mut jac, &mut p.work()[..])
        .unwrap();
    assert!(jac.iter().all(|g| !g.is_nan()), "{jac:?}");
    let close = |a: f64, b: f64| a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
    for r in 0..d {
        let (got, want) = (&jac[r * 21..(r + 1) * 21], &want[r * 15..(r + 1) * 15]);
        // Logits and means: the same layout.
        for c in 0..k + k * d {
            assert!(
                close(got[c], want[c]),
                "row {r} column {c}: {} vs {}",
                got[c],
                want[c]
            );
        }
        // Each scale is the factor's diagonal entry.
        for (i, &w) in want[k + k * d..].iter().enumerate() {
            let g = got[k + k * d + (i / d) * d * d + (i % d) * d + i % d];
            assert!(close(g, w), "row {r} scale {i}: {g} vs {w}");
        }
    }
    // vjp is the Jacobian's row: the second, which met NaN before.
    let (mut a, mut m, mut l) = ([f64::NAN; 3], [f64::NAN; 6], [f64::NAN; 12]);
    p.view()
        .vjp(
            &[0.0; 2],
            &[0.0, 1.0],
            &mut a,
            &mut m,
            &mut l,
            &mut p.work()[..],
        )
        .unwrap();
    let row: Vec<u64> = a.iter().chain(&m).chain(&l).map(|v| v.to_bits()).collect();
    let jac_row: Vec<u64> = jac[21..].iter().map(|v| v.to_bits()).collect();
    assert_eq!(row, jac_row);
}

#[test]
fn vjp_many_rescues_a_row_and_keeps_the_row_order_sum() {
    // Rows: fine, rescued, fine, rescued (the sum restarts at the second
    // and probes every row after it). The rescued rows overflow with the
    // same sign, so their sum is not ∞ − ∞.
    let p = overflowing_terms();
    let view = p.view();
    let x = [0.0; 8];
    let x_bar = [1.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 2.0];
    let mut work = p.work();
    let (mut a, mut m, mut l) = ([f64::NAN; 3], [f64::NAN; 6], [f64::NAN; 12]);
    view.vjp_many(&x, &x_bar, &mut a, &mut m, &mut l, &mut work[..])
        .unwrap();
    let (mut sa, mut sm, mut sl) = ([0.0; 3], [0.0; 6], [0.0; 12]);
    for i in 0..4 {
        let (mut ga, mut gm, mut gl) = ([0.0; 3], [0.0; 6], [0.0; 12]);
        let row = i * 2..i * 2 + 2;
        view.vjp(
            &x[row.clone()],
            &x_bar[row],
            &mut ga,
            &mut gm,
            &mut gl,
            &mut work[..],
        )
        .unwrap();
        for (s, g) in sa
            .iter_mut()
            .chain(&mut sm)
            .chain(&mut sl)
            .zip(ga.iter().chain(&gm).chain(&gl))
        {
            *s += g;
        }
    }
    let bits = |v: &[f64]| v.iter().map(|g| g.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a), bits(&sa));
    assert_eq!(bits(&m), bits(&sm));
    assert_eq!(bits(&l), bits(&sl));
    assert!(a.iter().chain(&m).chain(&l).all(|g| !g.is_nan()));
}
