//! Double-length arithmetic: a value as the unevaluated sum `hi + lo` of
//! two floats (`|lo| ≤ ulp(hi)/2`), about twice the precision. The quantile
//! solver's flat gaps (docs/math.md §9.4) need a cumulative weight `Σ p_k`
//! to far below `ε`; nothing else uses it. Knuth's sums and Dekker's
//! products (`core` has no fused multiply-add on every target).

use crate::kernel::log_weights::two_sum;
use crate::Float;

/// `hi + lo`, normalised.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleLength<F> {
    pub hi: F,
    pub lo: F,
}

/// `a + b` exactly as `s + e` when `|a| ≥ |b|` (or `a = 0`).
#[inline]
fn fast_two_sum<F: Float>(a: F, b: F) -> DoubleLength<F> {
    let s = a + b;
    DoubleLength {
        hi: s,
        lo: b - (s - a),
    }
}

/// `a` as `hi + lo` with `hi` holding the upper half of the significand
/// (Veltkamp's split).
#[inline]
fn split<F: Float>(a: F) -> (F, F) {
    let c = F::SPLITTER * a;
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `a·b` exactly as `p + e` (Dekker), barring overflow and underflow.
#[inline]
pub(crate) fn two_prod<F: Float>(a: F, b: F) -> DoubleLength<F> {
    let p = a * b;
    let ((ah, al), (bh, bl)) = (split(a), split(b));
    let e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    DoubleLength { hi: p, lo: e }
}

impl<F: Float> DoubleLength<F> {
    /// `v` exactly.
    #[inline]
    pub fn from(v: F) -> Self {
        DoubleLength { hi: v, lo: F::ZERO }
    }

    /// The nearest float.
    #[inline]
    pub fn value(self) -> F {
        self.hi + self.lo
    }

    /// `−self`, exactly.
    #[inline]
    pub fn neg(self) -> Self {
        DoubleLength {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    /// `self + o`, accurate also where the two nearly cancel.
    #[inline]
    pub fn add(self, o: Self) -> Self {
        let (s, e) = two_sum(self.hi, o.hi);
        let (t, f) = two_sum(self.lo, o.lo);
        let r = fast_two_sum(s, e + t);
        fast_two_sum(r.hi, r.lo + f)
    }

    /// `self · o`.
    #[inline]
    pub fn mul(self, o: Self) -> Self {
        let p = two_prod(self.hi, o.hi);
        fast_two_sum(p.hi, p.lo + (self.hi * o.lo + self.lo * o.hi))
    }

    /// `self / k` for a float `k`.
    #[inline]
    pub fn div(self, k: F) -> Self {
        let q = self.hi / k;
        let p = two_prod(q, k);
        let r = ((self.hi - p.hi) - p.lo + self.lo) / k;
        fast_two_sum(q, r)
    }

    /// `self · 2^e` for a power of two `scale = 2^e`: exact while both
    /// parts stay normal.
    #[inline]
    pub fn scale(self, scale: F) -> Self {
        DoubleLength {
            hi: self.hi * scale,
            lo: self.lo * scale,
        }
    }
}

/// `ln 2` to double length (f64).
const LN_2: DoubleLength<f64> = DoubleLength {
    hi: core::f64::consts::LN_2,
    lo: 2.319_046_813_846_299_6e-17,
};

/// `e^a` to double length (relative error about `2^-100`) for `a ≤ 0`;
/// exactly 0 below `−745`, where `e^a` underflows. `a = n ln 2 + r` with
/// `|r| ≤ ln 2/2`, then `e^{r/256} − 1` from its Taylor series (ten terms
/// reach `2^-110` for `|r/256| < 0.0014`) and squared back eight times as
/// `m ← 2m + m²`, which keeps the small `e^{…} − 1` accurate.
pub(crate) fn exp_f64(a: DoubleLength<f64>) -> DoubleLength<f64> {
    if a.hi < -745.0 {
        return DoubleLength::from(0.0);
    }
    let n = libm::round(a.hi / LN_2.hi);
    let r = a
        .add(two_prod(n, LN_2.hi).neg())
        .add(DoubleLength::from(-n * LN_2.lo));
    let s = r.scale(1.0 / 256.0);
    let mut inner = DoubleLength::from(1.0);
    for k in (2..=10).rev() {
        inner = DoubleLength::from(1.0).add(s.mul(inner).div(f64::from(k)));
    }
    let mut m = s.mul(inner);
    for _ in 0..8 {
        m = m.scale(2.0).add(m.mul(m));
    }
    let e_r = DoubleLength::from(1.0).add(m);
    // 2^n in two steps: n reaches −1075, below the normal exponents.
    let half = n * 0.5;
    let (n1, n2) = (libm::floor(half), n - libm::floor(half));
    e_r.scale(pow2(n1)).scale(pow2(n2))
}

/// `2^n` for an integral `n` in `[−1022, 1023]`.
#[inline]
fn pow2(n: f64) -> f64 {
    // The exponent field of 2^n is n + 1023.
    f64::from_bits(((n as i64 + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mpmath at 50 digits, for `a` the double-length value given:
    /// `(a, e^a)` as double-length pairs.
    #[test]
    fn exp_matches_high_precision_references() {
        let cases = [
            (
                (-1.0, 0.0),
                (0.367_879_441_171_442_33, -1.242_875_367_278_836_3e-17),
            ),
            (
                (-0.5, 0.0),
                (0.606_530_659_712_633_4, -6.593_178_415_491_414e-19),
            ),
            (
                (-10.0, 0.0),
                (4.539_992_976_248_485_4e-5, -2.637_554_055_327_531e-21),
            ),
            (
                (-100.0, 0.0),
                (3.720_075_976_020_836e-44, -1.570_502_490_773_200_8e-60),
            ),
            ((-1e-20, 0.0), (1.0, -1e-20)),
            (
                (-0.3466, 0.0),
                (0.707_088_106_941_018_9, -4.768_387_989_392_634e-17),
            ),
            // ln 0.3 to double length: e^{ln 0.3} is 0.3 to double length.
            (
                (-1.203_972_804_325_936, -9.568_195_493_682_166e-17),
                (0.3, 1.110_223_024_625_156_6e-17),
            ),
        ];
        for ((ah, al), (wh, wl)) in cases {
            let got = exp_f64(DoubleLength { hi: ah, lo: al });
            let err = ((got.hi - wh) + (got.lo - wl)).abs() / wh;
            assert!(err < 1e-30, "e^({ah} + {al}): {got:?}, error {err:e}");
        }
        let got = exp_f64(DoubleLength::from(-700.25));
        assert!((got.value() / 7.678_723_813_110_872e-305 - 1.0).abs() < 1e-15);
        assert_eq!(exp_f64(DoubleLength::from(-746.0)).value(), 0.0);
    }

    #[test]
    fn products_and_sums_are_exact() {
        let p = two_prod(0.1f64, 0.7);
        // 0.1·0.7 in exact rational arithmetic on the doubles, by hand:
        // the error term is what fma(0.1, 0.7, −p) would give.
        assert_eq!(p.hi, 0.1 * 0.7);
        assert_eq!(p.lo, libm::fma(0.1, 0.7, -p.hi));
        let s = DoubleLength::from(1.0f64).add(DoubleLength::from(1e-30));
        assert_eq!((s.hi, s.lo), (1.0, 1e-30));
        let c = s.add(DoubleLength::from(-1.0));
        assert_eq!(c.value(), 1e-30);
    }
}
