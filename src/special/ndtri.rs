//! The standard normal quantile `Φ^{-1}(p)` (docs/math.md §3.1).
//!
//! M. J. Wichura, *Algorithm AS 241: The Percentage Points of the Normal
//! Distribution*, Applied Statistics 37(3), 477–484, 1988. `PPND16` (relative
//! accuracy about 1e-16) for `f64`, `PPND7` (about 1e-7) for `f32`. Both use
//! `sqrt(-ln(min(p, 1-p)))` in the tails, so they keep full relative accuracy
//! down to the smallest subnormal `p`.
//!
//! The quantile solver only uses this value for its bracket and first guess
//! and then polishes the root on the mixture CDF itself, so the last bits of
//! this approximation never reach a result.
//!
//! The coefficients keep the digits Wichura published (more than an `f64`
//! holds), so they can be checked against the paper character by character.
#![allow(clippy::excessive_precision)]

/// Evaluates `c[0] + c[1] r + … + c[N-1] r^{N-1}` by Horner's rule.
#[inline(always)]
fn horner<const N: usize>(c: &[f64; N], r: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * r + ci)
}

#[inline(always)]
fn horner_f32<const N: usize>(c: &[f32; N], r: f32) -> f32 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * r + ci)
}

// PPND16 coefficients, constant term first.
const A16: [f64; 8] = [
    3.387_132_872_796_366_608_0,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
const B16: [f64; 8] = [
    1.0,
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083_0e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061_0e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561_0e3,
];
const C16: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_90,
    5.769_497_221_460_691_405_50,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_70e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_40e-4,
];
const D16: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_40,
    6.897_673_349_851_000_045_50e-1,
    1.481_039_764_274_800_745_90e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946_00e-4,
    1.050_750_071_644_416_843_24e-9,
];
const E16: [f64; 8] = [
    6.657_904_643_501_103_777_20,
    5.463_784_911_164_114_369_90,
    1.784_826_539_917_291_335_80,
    2.965_605_718_285_048_912_30e-1,
    2.653_218_952_657_612_309_30e-2,
    1.242_660_947_388_078_438_60e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
const F16: [f64; 8] = [
    1.0,
    5.998_322_065_558_879_376_90e-1,
    1.369_298_809_227_358_053_10e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591_00e-4,
    1.846_318_317_510_054_681_80e-5,
    1.421_511_758_316_445_888_70e-7,
    2.044_263_103_389_939_785_64e-15,
];

/// `Φ^{-1}(p)` in `f64` (AS 241 `PPND16`).
///
/// Domain: `0 < p < 1`. Returns `-∞`/`+∞` at `p = 0`/`p = 1` and NaN for NaN
/// or `p` outside `[0, 1]`; the crate only calls it for `p` in (0, 1).
pub fn ndtri_f64(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * horner(&A16, r) / horner(&B16, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail.is_nan() || tail < 0.0 {
        return f64::NAN;
    }
    if tail == 0.0 {
        return q.signum() * f64::INFINITY;
    }
    let r = libm::sqrt(-libm::log(tail));
    let v = if r <= 5.0 {
        let r = r - 1.6;
        horner(&C16, r) / horner(&D16, r)
    } else {
        let r = r - 5.0;
        horner(&E16, r) / horner(&F16, r)
    };
    if q < 0.0 {
        -v
    } else {
        v
    }
}

const A7: [f32; 4] = [3.387_132_7, 50.434_27, 159.291_13, 59.109_375];
const B7: [f32; 4] = [1.0, 17.895_17, 78.757_76, 67.187_56];
const C7: [f32; 4] = [1.423_437_3, 2.756_815_4, 1.306_728_5, 0.170_238_21];
const D7: [f32; 3] = [1.0, 0.737_001_6, 0.120_211_33];
const E7: [f32; 4] = [6.657_905, 3.081_226_3, 0.428_682_94, 0.017_337_204];
const F7: [f32; 3] = [1.0, 0.241_978_94, 0.012_258_203];

/// `Φ^{-1}(p)` in `f32` (AS 241 `PPND7`, about 7 significant digits).
///
/// Same domain and edge behaviour as [`ndtri_f64`].
pub fn ndtri_f32(p: f32) -> f32 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * horner_f32(&A7, r) / horner_f32(&B7, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail.is_nan() || tail < 0.0 {
        return f32::NAN;
    }
    if tail == 0.0 {
        return q.signum() * f32::INFINITY;
    }
    let r = crate::elementary::sqrtf::sqrtf(-libm::logf(tail));
    let v = if r <= 5.0 {
        let r = r - 1.6;
        horner_f32(&C7, r) / horner_f32(&D7, r)
    } else {
        let r = r - 5.0;
        horner_f32(&E7, r) / horner_f32(&F7, r)
    };
    if q < 0.0 {
        -v
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Φ(z) in f64 from libm's erfc, accurate to a few ulp in both tails.
    fn phi(z: f64) -> f64 {
        0.5 * libm::erfc(-z / core::f64::consts::SQRT_2)
    }

    #[test]
    fn ppnd16_inverts_phi_to_full_precision() {
        // Round trip through Φ: the error in z is (error in Φ)/φ(z); compare
        // in probability space, relative to the smaller tail.
        let mut p = 1e-300_f64;
        while p < 0.5 {
            for q in [p, 1.0 - p].into_iter().filter(|&q| q < 1.0) {
                let z = ndtri_f64(q);
                let back = if q < 0.5 { phi(z) } else { 1.0 - phi(z) };
                let want = if q < 0.5 { q } else { 1.0 - q };
                // Relative error of the tail probability: z² × (relative
                // error of z, and again of erfc's rounded argument): the
                // 8ε(1 + z²) budget of docs/math.md §6.
                let tol = 8.0 * f64::EPSILON * (1.0 + z * z);
                assert!(
                    ((back - want) / want).abs() <= tol,
                    "p = {q:e}: z = {z}, Φ(z) = {back:e}"
                );
            }
            p *= 3.7;
        }
        assert_eq!(ndtri_f64(0.5), 0.0);
    }

    #[test]
    fn ppnd16_known_values() {
        // mpmath, 50 digits: -sqrt(2)*erfinv(1-2p).
        let cases = [
            (0.975, 1.959_963_984_540_054),
            (1e-10, -6.361_340_902_404_056),
            (1e-300, -37.047_096_299_361_2),
        ];
        for (p, z) in cases {
            assert!((ndtri_f64(p) - z).abs() <= 4e-15 * z.abs(), "p = {p}");
        }
    }

    #[test]
    fn ppnd7_is_adequate_for_f32() {
        let mut p = 1e-38_f64;
        while p < 0.99 {
            let z32 = ndtri_f32(p as f32) as f64;
            let z64 = ndtri_f64((p as f32) as f64);
            assert!((z32 - z64).abs() <= 2e-6 * (1.0 + z64.abs()), "p = {p:e}");
            p *= 1.9;
        }
    }

    #[test]
    fn edges_give_infinities_not_panics() {
        assert_eq!(ndtri_f64(0.0), f64::NEG_INFINITY);
        assert_eq!(ndtri_f64(1.0), f64::INFINITY);
        assert!(ndtri_f64(f64::NAN).is_nan());
        assert!(ndtri_f64(-1.0).is_nan());
        assert_eq!(ndtri_f32(0.0), f32::NEG_INFINITY);
        assert!(ndtri_f32(2.0).is_nan());
        // The smallest subnormal still has a finite quantile.
        assert!(ndtri_f64(f64::from_bits(1)).is_finite());
        assert!(ndtri_f32(f32::from_bits(1)).is_finite());
    }
}
