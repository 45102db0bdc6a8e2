//! The gamma function's logarithm, digamma, and the regularised incomplete
//! gamma functions `P(α, y)` and `Q(α, y)` with their shape derivative
//! (docs/math.md §11).
//!
//! Everything is written against [`Float`] and loops at most a bounded
//! number of times: no table lookups by computed index, no panics. The
//! prefactor `y^α e^{−y}/Γ(α)` is formed directly for `α < 10` (a
//! correctly rounded power, so a relative error of a few `ε` however small
//! `y` is, where `exp(α ln y − y − ln Γ(α))` would add `ε·|α ln y|`), in
//! the log domain where that under- or overflows, and for `α ≥ 10` as
//! `−α·(λ − 1 − ln λ) + ½ ln α − ln √(2π) − s(α)` (`λ = y/α`, `s` the
//! Stirling correction), which keeps its relative error at
//! `ε·(1 + α(λ − 1 − ln λ))` instead of `ε·α ln α`.

// The constants keep the digits they were computed with.
#![allow(clippy::excessive_precision)]

use crate::Float;

/// `(−1)^k (ζ(k) − 1)/k` for `k = 2, 3, …, 31` (Abramowitz & Stegun
/// 6.1.33): `ln Γ(2 + x) = (1 − γ)x + Σ_k c_k x^k`, converging like
/// `(x/2)^k`.
const ZETA_M1: [f64; 30] = [
    0.322_467_033_424_113_218_24,
    -0.067_352_301_053_198_095_133,
    0.020_580_808_427_784_547_879,
    -0.007_385_551_028_673_985_266_3,
    0.002_890_510_330_741_523_285_8,
    -0.001_192_753_911_703_260_977_1,
    0.000_509_669_524_743_042_422_34,
    -0.000_223_154_758_453_579_379_76,
    0.000_099_457_512_781_808_533_715,
    -0.000_044_926_236_738_133_141_7,
    0.000_020_507_212_775_670_691_553,
    -9.439_488_275_268_395_904e-6,
    4.374_866_789_907_487_804_2e-6,
    -2.039_215_753_801_366_236_8e-6,
    9.551_412_130_407_419_832_9e-7,
    -4.492_469_198_764_566_043_3e-7,
    2.120_718_480_555_466_586_9e-7,
    -1.004_322_482_396_809_960_9e-7,
    4.769_810_169_363_980_565_8e-8,
    -2.271_109_460_894_316_491e-8,
    1.083_865_921_489_695_409_1e-8,
    -5.183_475_041_970_046_655_1e-9,
    2.483_674_543_802_478_317_2e-9,
    -1.192_140_140_586_091_207_4e-9,
    5.731_367_241_678_862_013_3e-10,
    -2.759_522_885_124_233_145_2e-10,
    1.330_476_437_424_448_948_1e-10,
    -6.422_964_563_838_100_022_1e-11,
    3.104_424_774_732_227_276_2e-11,
    -1.502_138_408_075_414_217_1e-11,
];

/// `1 − γ` (Euler's constant).
const ONE_MINUS_EULER: f64 = 0.422_784_335_098_467_139_393_5;

/// `B_{2k}/(2k(2k − 1))`, `k = 1…9`: the Stirling series of `ln Γ`.
const STIRLING: [f64; 9] = [
    0.083_333_333_333_333_333_333,
    -0.002_777_777_777_777_777_777_8,
    0.000_793_650_793_650_793_650_79,
    -0.000_595_238_095_238_095_238_1,
    0.000_841_750_841_750_841_750_84,
    -0.001_917_526_917_526_917_526_9,
    0.006_410_256_410_256_410_256_4,
    -0.029_550_653_594_771_241_83,
    0.179_644_372_368_830_573_16,
];

/// `B_{2k}/(2k)`, `k = 1…9`: the asymptotic series of `ψ`.
const DIGAMMA_ASYMPTOTIC: [f64; 9] = [
    0.083_333_333_333_333_333_333,
    -0.008_333_333_333_333_333_333_3,
    0.003_968_253_968_253_968_254,
    -0.004_166_666_666_666_666_666_7,
    0.007_575_757_575_757_575_757_6,
    -0.021_092_796_092_796_092_796,
    0.083_333_333_333_333_333_333,
    -0.443_259_803_921_568_627_45,
    3.053_954_330_270_119_743_8,
];

/// Where the asymptotic series of `ln Γ` and `ψ` take over: there nine
/// terms are below `ε`.
const ASYMPTOTIC_FROM: f64 = 10.0;

/// `Σ c_i w^i` by Horner's rule, highest coefficient last.
#[inline]
fn horner<F: Float>(coeffs: &[f64], w: F) -> F {
    coeffs
        .iter()
        .rev()
        .fold(F::ZERO, |acc, &c| acc * w + F::from_f64(c))
}

/// `ln Γ(2 + x)` for `|x| ≤ ½`, to full relative accuracy (it vanishes at
/// `x = 0`, where the shape derivative's series needs it exactly).
pub fn ln_gamma_2p<F: Float>(x: F) -> F {
    x * (F::from_f64(ONE_MINUS_EULER) + x * horner(&ZETA_M1, x))
}

/// `ln Γ(1 + x)` for `|x| ≤ ½`, to full relative accuracy.
pub fn ln_gamma_1p<F: Float>(x: F) -> F {
    ln_gamma_2p(x) - x.ln_1p()
}

/// The Stirling correction `s(a) = ln Γ(a) − (a − ½) ln a + a − ln √(2π)`,
/// for `a ≥ 10`.
fn stirling_correction<F: Float>(a: F) -> F {
    let r = F::ONE / a;
    r * horner(&STIRLING, r * r)
}

/// `ln Γ(a)` for finite `a > 0`: absolute error a few `ε` below 10,
/// relative error a few `ε` above.
pub fn ln_gamma<F: Float>(a: F) -> F {
    let half = F::HALF;
    let three_halves = F::from_f64(1.5);
    if a < half {
        return ln_gamma_1p(a) - a.ln();
    }
    if a < three_halves {
        return ln_gamma_1p(a - F::ONE);
    }
    if a < F::from_f64(ASYMPTOTIC_FROM) {
        // Down to [½, 3/2): `a − n` is exact (the subtraction only drops
        // bits), and the product of at most nine factors cannot overflow.
        let mut b = a;
        let mut product = F::ONE;
        while b >= three_halves {
            b -= F::ONE;
            product *= b;
        }
        return product.ln() + ln_gamma_1p(b - F::ONE);
    }
    (a - half) * a.ln() - a + F::LN_SQRT_2PI + stirling_correction(a)
}

/// The digamma function `ψ(a) = Γ'(a)/Γ(a)` for finite `a > 0` (absolute
/// error a few `ε·max(1, |ψ|)`).
pub fn digamma<F: Float>(a: F) -> F {
    let limit = F::from_f64(ASYMPTOTIC_FROM);
    let mut b = a;
    let mut shift = F::ZERO;
    while b < limit {
        shift += F::ONE / b;
        b += F::ONE;
    }
    let r2 = F::ONE / (b * b);
    b.ln() - F::HALF / b - r2 * horner(&DIGAMMA_ASYMPTOTIC, r2) - shift
}

/// `t − ln(1 + t)` for `t > −1`, without the cancellation near 0: with
/// `w = t/(2 + t)`, `ln(1 + t) = 2 atanh w` and `t − 2w = w t`, so
/// `t − ln(1 + t) = w t − 2(w³/3 + w⁵/5 + …)`, all of one sign.
pub fn t_minus_ln_1p<F: Float>(t: F) -> F {
    let w = t / (F::TWO + t);
    if w.abs() > F::from_f64(0.35) {
        return t - t.ln_1p();
    }
    let w2 = w * w;
    let mut term = w * w2;
    let mut sum = F::ZERO;
    let mut k = F::from_f64(3.0);
    // |w| ≤ 0.35: 40 odd powers reach far below ε.
    for _ in 0..40 {
        let add = term / k;
        sum += add;
        if add.abs() <= F::EPSILON * F::from_f64(1e-3) * sum.abs() {
            break;
        }
        term *= w2;
        k += F::TWO;
    }
    w * t - F::TWO * sum
}

/// `ln(y^a e^{−y}/Γ(a)) = ln(y·f(y))` for finite `a > 0`, `y > 0`, `f` the
/// density of Gamma(a, 1).
pub fn ln_prefactor<F: Float>(a: F, y: F) -> F {
    if a < F::from_f64(ASYMPTOTIC_FROM) {
        return a * y.ln() - y - ln_gamma(a);
    }
    // λ − 1 − ln λ: through ln(1 + t) near λ = 1, directly (ln y − ln a
    // keeps a tiny y/a from underflowing) below λ = ½.
    let phi = if y < a * F::HALF {
        y / a - F::ONE - (y.ln() - a.ln())
    } else {
        t_minus_ln_1p((y - a) / a)
    };
    -a * phi + F::HALF * a.ln() - F::LN_SQRT_2PI - stirling_correction(a)
}

/// `y·f(y) = y^a e^{−y}/Γ(a)` itself for `a < 10`, and for larger `a`
/// below `y = a/2`, to a few `ε`, or `None` where a factor or the result is
/// not a normal number (then only [`ln_prefactor`] can represent it). `Γ(a)` comes from the same
/// reductions as [`ln_gamma`], exponentiating only `ln Γ(1 + x)`, `|x| ≤ ½`,
/// which is below 0.13 in magnitude: `exp(ln Γ(a))` would carry the
/// absolute error of `ln Γ(a)` into a relative one.
pub fn prefactor<F: Float>(a: F, y: F) -> Option<F> {
    let power = y.powf(a);
    let decay = (-y).exp();
    let normal = |v: F| v >= F::MIN_POSITIVE && v.is_finite();
    if !(normal(power) && normal(decay)) {
        return None;
    }
    if a >= F::from_f64(ASYMPTOTIC_FROM) {
        // Below λ = ½ the log form loses `ε·α(λ − 1 − ln λ)`; Stirling,
        // `Γ(a) = √(2π) a^{a−½} e^{−a} e^{s(a)}`, as a product of powers
        // and exponentials of exact arguments loses a few `ε` (while
        // `a^a` and `e^a` are finite: `a` up to ~140 in f64, ~30 in f32).
        if y >= a * F::HALF {
            return None;
        }
        let (scale, growth) = (a.powf(a), a.exp());
        if !(normal(scale) && normal(growth)) {
            return None;
        }
        let ratio = power / scale;
        let value = ratio
            * growth
            * decay
            * (a.sqrt() * F::FRAC_1_SQRT_2PI)
            * (-stirling_correction(a)).exp();
        return (normal(ratio) && normal(value)).then_some(value);
    }
    let three_halves = F::from_f64(1.5);
    let value = if a < F::HALF {
        // Γ(a) = Γ(1 + a)/a, without forming 1/a (which overflows for a
        // tiny `a`).
        a * (power * decay) / ln_gamma_1p(a).exp()
    } else if a < three_halves {
        power * decay / ln_gamma_1p(a - F::ONE).exp()
    } else {
        let mut b = a;
        let mut product = F::ONE;
        while b >= three_halves {
            b -= F::ONE;
            product *= b;
        }
        power * decay / (product * ln_gamma_1p(b - F::ONE).exp())
    };
    normal(value).then_some(value)
}

/// The cap on series and continued-fraction terms: near `y = a` both need
/// about `9√a` (their terms fall like `e^{−n²/2a}`), far from it fewer.
fn max_terms<F: Float>(a: F) -> usize {
    let cap = (F::from_f64(12.0) * a.sqrt())
        .min(F::from_f64(2e6))
        .to_f64();
    64 + cap as usize
}

/// The series of the lower function (used for `y < a + 1`):
/// `P = R·S`, `S = Σ_{n≥0} t_n`, `t_n = y^n/(a(a+1)…(a+n))`, `R` the
/// prefactor. Returns `(S, Σ_n t_n H'_n)` with `H'_n = Σ_{k=1}^{n} 1/(a+k)`:
/// `∂P/∂a = R·((ln y − ψ(1 + a))·S − Σ t_n H'_n)`, the `1/a` of
/// `ψ(a) = ψ(1 + a) − 1/a` and of every `H_n` cancelled beforehand.
pub fn lower_series<F: Float>(a: F, y: F) -> (F, F) {
    let mut term = F::ONE / a;
    let mut sum = term;
    let mut harmonic = F::ZERO;
    let mut weighted = F::ZERO;
    let mut denominator = a;
    for _ in 0..max_terms(a) {
        denominator += F::ONE;
        term *= y / denominator;
        harmonic += F::ONE / denominator;
        sum += term;
        let add = term * harmonic;
        weighted += add;
        if term <= sum * F::EPSILON * F::HALF && add <= weighted * F::EPSILON * F::HALF {
            break;
        }
    }
    (sum, weighted)
}

/// Legendre's continued fraction of the upper function (used for
/// `y ≥ a + 1`): `Q = R·h`, `h = 1/(b₀ + a₁/(b₁ + a₂/(b₂ + …)))` with
/// `b_n = y + 2n + 1 − a`, `a_n = −n(n − a)`, by the modified Lentz method.
pub fn upper_fraction<F: Float>(a: F, y: F) -> F {
    let tiny = F::MIN_POSITIVE * F::from_f64(1e3);
    let mut b = y + F::ONE - a;
    let mut c = F::ONE / tiny;
    let mut d = F::ONE / b;
    let mut h = d;
    let mut n = F::ZERO;
    for _ in 0..max_terms(a) {
        n += F::ONE;
        let an = -n * (n - a);
        b += F::TWO;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = F::ONE / d;
        let delta = d * c;
        h *= delta;
        if (delta - F::ONE).abs() <= F::EPSILON * F::HALF {
            break;
        }
    }
    h
}

/// `(h, ∂h/∂a)` of [`upper_fraction`], from the convergents `p_n/q_n` of
/// `1/h` and their derivatives (`∂b_n/∂a = −1`, `∂a_n/∂a = n`), all four
/// recurrences rescaled by `p_n` every step so that `p_n = 1`:
/// `h = q_n`, `∂h/∂a = q'_n − q_n p'_n`.
pub fn upper_fraction_da<F: Float>(a: F, y: F) -> (F, F) {
    // (p, q, p', q') at n − 1 and n − 2.
    let b0 = y + F::ONE - a;
    let (mut p1, mut q1, mut dp1, mut dq1) = (F::ONE, F::ONE / b0, -F::ONE / b0, F::ZERO);
    let (mut p2, mut q2, mut dp2, mut dq2) = (F::ONE / b0, F::ZERO, F::ZERO, F::ZERO);
    let mut b = b0;
    let mut n = F::ZERO;
    for _ in 0..max_terms(a) {
        n += F::ONE;
        let an = -n * (n - a);
        b += F::TWO;
        let p = b * p1 + an * p2;
        let q = b * q1 + an * q2;
        let dp = -p1 + b * dp1 + n * p2 + an * dp2;
        let dq = -q1 + b * dq1 + n * q2 + an * dq2;
        let scale = F::ONE / p;
        let (h_old, dh_old) = (q1, dq1 - q1 * dp1);
        (p2, q2, dp2, dq2) = (p1 * scale, q1 * scale, dp1 * scale, dq1 * scale);
        (p1, q1, dp1, dq1) = (F::ONE, q * scale, dp * scale, dq * scale);
        let dh = dq1 - q1 * dp1;
        let tol = F::EPSILON * F::HALF;
        if (q1 - h_old).abs() <= tol * q1.abs() && (dh - dh_old).abs() <= tol * dh.abs() {
            break;
        }
    }
    (q1, dq1 - q1 * dp1)
}

/// `Q(a, y)` for `a < 1` and `y < a + 1` without forming `1 − P`:
/// `Q = −expm1(a ln y − ln Γ(1 + a)) − (y^a/Γ(1 + a))·a·Σ_{n≥1} (−y)^n/(n!(a + n))`,
/// both terms positive (Gautschi's form for small `a`).
fn upper_small_shape<F: Float>(a: F, y: F) -> F {
    let ln_gamma_1p_a = if a < F::HALF {
        ln_gamma_1p(a)
    } else {
        ln_gamma_2p(a - F::ONE)
    };
    let e = a * y.ln() - ln_gamma_1p_a;
    let mut power = F::ONE;
    let mut sum = F::ZERO;
    let mut n = F::ZERO;
    // y < 2: the alternating terms y^n/n! are below ε after 30.
    for _ in 0..40 {
        n += F::ONE;
        power *= -y / n;
        let add = power / (a + n);
        sum += add;
        if add.abs() <= F::EPSILON * F::from_f64(1e-2) * sum.abs() {
            break;
        }
    }
    -e.exp_m1() - e.exp() * a * sum
}

/// Both regularised incomplete gamma functions and their logarithms at
/// `y ≥ 0` (possibly `+∞`), each to full relative accuracy in its own
/// tail, and `ln(y·f(y))`.
#[derive(Clone, Copy, Debug)]
pub struct IncompleteGamma<F> {
    /// `P(a, y)`.
    pub p: F,
    /// `Q(a, y) = 1 − P(a, y)`.
    pub q: F,
    /// `ln P`, accurate where `P` underflows too.
    pub ln_p: F,
    /// `ln Q`, accurate where `Q` underflows too.
    pub ln_q: F,
    /// `ln(y·f(y))`, `f` the density of Gamma(a, 1).
    pub ln_yf: F,
}

/// `P(a, y)`, `Q(a, y)` for finite `a > 0` and `y ≥ 0` (not NaN).
pub fn incomplete_gamma<F: Float>(a: F, y: F) -> IncompleteGamma<F> {
    if y <= F::ZERO || !y.is_finite() {
        let lower = y <= F::ZERO;
        let (p, q) = if lower {
            (F::ZERO, F::ONE)
        } else {
            (F::ONE, F::ZERO)
        };
        let (ln_p, ln_q) = if lower {
            (F::NEG_INFINITY, F::ZERO)
        } else {
            (F::ZERO, F::NEG_INFINITY)
        };
        return IncompleteGamma {
            p,
            q,
            ln_p,
            ln_q,
            ln_yf: F::NEG_INFINITY,
        };
    }
    let direct = prefactor(a, y);
    let ln_yf = match direct {
        Some(yf) => yf.ln(),
        None => ln_prefactor(a, y),
    };
    // `R·t` for the series sum or the fraction `t`, and its logarithm: the
    // product where the prefactor is at hand, so that `P` or `Q` keeps the
    // prefactor's few `ε`; its logarithm from it while it is a normal
    // number, so that the quantile's Newton iteration on `ln P` sees the
    // same accuracy.
    let times_prefactor = |t: F| {
        let v = match direct {
            Some(yf) => yf * t,
            None => (ln_yf + t.ln()).exp(),
        };
        let ln_v = if direct.is_some() && v >= F::MIN_POSITIVE {
            v.ln()
        } else {
            ln_yf + t.ln()
        };
        (v, ln_v)
    };
    if y < a + F::ONE {
        let (s, _) = lower_series(a, y);
        let (p, ln_p) = times_prefactor(s);
        // Near 1 (small shapes) the rounded product can pass 1 by an ulp.
        let (p, ln_p) = (p.min(F::ONE), ln_p.min(F::ZERO));
        let q = if a < F::ONE && p > F::from_f64(0.25) {
            upper_small_shape(a, y)
        } else {
            F::ONE - p
        };
        let ln_q = if p < F::HALF { (-p).ln_1p() } else { q.ln() };
        IncompleteGamma {
            p,
            q,
            ln_p,
            ln_q,
            ln_yf,
        }
    } else {
        let h = upper_fraction(a, y);
        let (q, ln_q) = times_prefactor(h);
        let p = F::ONE - q;
        IncompleteGamma {
            p,
            q,
            ln_p: (-q).ln_1p(),
            ln_q,
            ln_yf,
        }
    }
}

/// `(dy/da)/y` of the quantile map `y(u; a)` at finite `y > 0`, where
/// `dy/da = −(∂P/∂a)/f(y)`. The prefactor `R = y f(y)` cancels, so nothing
/// underflows: `−((ln y − ψ(1 + a))·S − Σ t_n H'_n)` from the series below
/// `a + 1`, `(ln y − ψ(a))·h + ∂h/∂a` from `∂Q/∂a = −∂P/∂a` above.
pub fn quantile_da_over_y<F: Float>(a: F, y: F) -> F {
    if y < a + F::ONE {
        let (s, weighted) = lower_series(a, y);
        weighted - (y.ln() - digamma(a + F::ONE)) * s
    } else {
        let (h, dh) = upper_fraction_da(a, y);
        (y.ln() - digamma(a)) * h + dh
    }
}
