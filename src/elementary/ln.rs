//! `ln` (f64) of a positive finite number without a branch: the main path
//! of FreeBSD's / musl's `log`, which is what `libm::log` runs.
//!
//! The plain view takes `ln σ_kd` of a whole column of `K` scales per
//! dimension (twice in the vjp). `libm::log` branches on its special cases
//! (zero, negative, subnormal, infinite, NaN, exactly 1), so a loop of it
//! stays scalar; the scales are validated positive and finite, so only the
//! subnormals need care, and they are scaled by `2^54` with selects. Over a
//! gathered column the compiler then evaluates two logarithms per SSE2
//! instruction (docs/performance.md).
//!
//! ```text
//! x = 2^k (1 + f),   √2/2 < 1 + f < √2,   s = f/(2 + f)
//! ln(1 + f) = f − (f²/2 − s (f²/2 + R(s²)))     R: degree 7 in s², |err| < 2^-58.45
//! ln x = k·ln2_hi + (ln(1 + f) + k·ln2_lo)
//! ```
//!
//! The same operations in the same order as `libm::log`, so the results stay
//! under 1 ulp. `tests/ln.rs` holds them to 0.75 ulp of a 60-digit mpmath
//! table and within 1 ulp of `libm::log`; it assumes no particular libm
//! version, so it does not ask for bit-identity.

// The coefficients are kept digit for digit as published (FreeBSD e_log.c).
#![allow(clippy::excessive_precision)]

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01; // 3fe62e42 fee00000
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10; // 3dea39ef 35793c76
const LG1: f64 = 6.666_666_666_666_735_130e-01; // 3FE55555 55555593
const LG2: f64 = 3.999_999_999_940_941_908e-01; // 3FD99999 9997FA04
const LG3: f64 = 2.857_142_874_366_239_149e-01; // 3FD24924 94229359
const LG4: f64 = 2.222_219_843_214_978_396e-01; // 3FCC71C5 1D8E78AF
const LG5: f64 = 1.818_357_216_161_805_012e-01; // 3FC74664 96CB03DE
const LG6: f64 = 1.531_383_769_920_937_332e-01; // 3FC39A09 D078C69F
const LG7: f64 = 1.479_819_860_511_658_591e-01; // 3FC2F112 DF3E5244

/// 2^54: brings a subnormal into the normal range.
const TWO_54: f64 = 18_014_398_509_481_984.0;

/// `ln x` for positive finite `x` (subnormals included), within 0.75 ulp of
/// the exact value and 1 ulp of `libm::log` there (`tests/ln.rs`). Zero,
/// negative, infinite and NaN inputs give meaningless finite results: callers
/// pass validated scales only.
#[inline(always)]
pub fn ln_positive(x: f64) -> f64 {
    let subnormal = x < f64::MIN_POSITIVE;
    let x = if subnormal { x * TWO_54 } else { x };
    let bits = x.to_bits();
    // Reduce x into [√2/2, √2): shift the exponent so that mantissas above
    // √2 carry into the next binade, then put the exponent back to 0 (or −1).
    let hx = ((bits >> 32) as u32).wrapping_add(0x3ff0_0000 - 0x3fe6_a09e);
    let k = ((hx >> 20) as i32) - 0x3ff - if subnormal { 54 } else { 0 };
    let hx = (hx & 0x000f_ffff) + 0x3fe6_a09e;
    let m = f64::from_bits((u64::from(hx) << 32) | (bits & 0xffff_ffff));

    let f = m - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let dk = f64::from(k);
    s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
}
