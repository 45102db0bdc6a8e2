//! The quantile `y = P⁻¹(α, u)` of Gamma(α, 1) (docs/math.md §11): a
//! safeguarded Newton iteration on the logarithm of the smaller tail —
//! `ln P` against `ln y` below the median, `ln Q` against `y` above — each
//! nearly linear in its variable far out, inside a bracket that shrinks
//! with every evaluation.

use crate::special::gamma::{incomplete_gamma, ln_gamma};
use crate::Float;

/// Evaluations before the bracket's midpoint is accepted as the answer;
/// Newton from the initial guesses needs fewer than ten.
const MAX_ITERATIONS: usize = 100;

/// `P⁻¹(a, u)` for finite `a > 0` and `u` strictly inside (0, 1).
pub(crate) fn standard_quantile<F: Float>(a: F, u: F) -> F {
    // For a < 1 the upper tail's Newton in y cannot reach a tiny answer:
    // where Q ≈ y^{a−1}e^{−y}/Γ(a) has no root y ≥ 1, solve on ln P.
    let tiny_answer = a < F::ONE && -(F::ONE - u).ln() < ln_gamma(a);
    if u <= F::HALF || tiny_answer {
        lower(a, u)
    } else {
        // Exact for u > ½.
        upper(a, F::ONE - u)
    }
}

/// Wilson–Hilferty: `y ≈ a(1 − 1/(9a) + z/(3√a))³`, `z = Φ⁻¹(u)`; `None`
/// where the cube's base is not positive (small `a`, far lower tail).
fn wilson_hilferty<F: Float>(a: F, z: F) -> Option<F> {
    let c = F::ONE - F::ONE / (F::from_f64(9.0) * a) + z / (F::from_f64(3.0) * a.sqrt());
    (c > F::ZERO).then(|| a * c * c * c)
}

/// `u ≤ ½`: Newton on `ln P(a, y) = ln u` in `ln y`. Since `e^{−t} ≤ 1`,
/// `P(a, y) ≤ y^a/Γ(a + 1)`, so `y_s = (u·Γ(a + 1))^{1/a}` is below the
/// answer; the median, below `a`, is above it.
fn lower<F: Float>(a: F, u: F) -> F {
    let ln_u = u.ln();
    let ln_ys = (ln_u + ln_gamma(a + F::ONE)) / a;
    let ys = ln_ys.exp();
    if ln_ys < F::MIN_POSITIVE.ln() {
        // The answer is `y_s(1 + O(y_s/a))`: subnormal or zero.
        return ys;
    }
    // `ys` is a lower bound only before rounding: `ln_ys` carries an
    // absolute error of a few `ε·(1 + |ln u| + |ln Γ(a + 1)|)/a`, which is
    // the relative error of `ys` and can put it just above the answer (the
    // bracket would then exclude it). Widen by a safe multiple.
    let slack = F::from_f64(16.0) * F::EPSILON * (F::ONE + ln_ys.abs());
    let (mut lo, mut hi) = (ys * (F::ONE - slack), a.max(ys));
    let guess = if a >= F::ONE {
        wilson_hilferty(a, F::normal_quantile(u)).unwrap_or(ys)
    } else {
        ys
    };
    let mut y = guess.max(lo).min(hi);
    for _ in 0..MAX_ITERATIONS {
        let t = incomplete_gamma(a, y);
        // ln(P/u) from the quotient where both are normal: `ln P − ln u`
        // rounds two logarithms of magnitude up to 745, an error of
        // ~ε·|ln u| in `ln y` that the tiny-answer tail cannot afford.
        let g = if t.p >= F::MIN_POSITIVE && u >= F::MIN_POSITIVE {
            (t.p / u).ln()
        } else {
            t.ln_p - ln_u
        };
        if g < F::ZERO {
            lo = y;
        } else {
            hi = y;
        }
        // d ln P / d ln y = y f(y) / P.
        let step = -g * (t.ln_p - t.ln_yf).exp();
        let next = y * step.exp();
        // Converged: the step is at the rounding level (y itself is a
        // bracket end now, so test before the safeguard).
        if step.abs() <= F::from_f64(4.0) * F::EPSILON {
            return next;
        }
        y = if next > lo && next < hi {
            next
        } else {
            lo.sqrt() * hi.sqrt()
        };
    }
    y
}

/// `u > ½`, `q = 1 − u`: Newton on `ln Q(a, y) = ln q` in `y`. The initial
/// guess is Wilson–Hilferty, or for `a < 1` the fixed point of
/// `y = −ln q − ln Γ(a) + (a − 1) ln y` (from `Q ≈ y^{a−1}e^{−y}/Γ(a)`).
fn upper<F: Float>(a: F, q: F) -> F {
    let ln_q = q.ln();
    let mut guess = if a >= F::ONE {
        wilson_hilferty(a, -F::normal_quantile(q))
    } else {
        None
    };
    if guess.is_none() {
        let base = -ln_q - ln_gamma(a);
        let mut y = base.max(F::ONE);
        for _ in 0..3 {
            y = (base + (a - F::ONE) * y.ln()).max(F::ONE);
        }
        guess = Some(y);
    }
    let (mut lo, mut hi) = (F::ZERO, F::INFINITY);
    let mut y = guess.unwrap_or(a);
    for _ in 0..MAX_ITERATIONS {
        let t = incomplete_gamma(a, y);
        // g < 0: Q(y) > q, y is too small.
        let g = ln_q - t.ln_q;
        if g < F::ZERO {
            lo = y;
        } else {
            hi = y;
        }
        // d ln Q / dy = −f(y)/Q.
        let step = -g * y * (t.ln_q - t.ln_yf).exp();
        let next = y + step;
        if step.abs() <= F::from_f64(4.0) * F::EPSILON * y {
            return next;
        }
        y = if next > lo && next < hi {
            next
        } else if hi.is_finite() {
            lo + (hi - lo) * F::HALF
        } else {
            y * F::TWO
        };
    }
    y
}
