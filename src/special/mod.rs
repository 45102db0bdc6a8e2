//! Special functions of the standard normal: both tails and the density
//! ([`normal`], and [`ndtr`] for f64 from one `exp`), and the quantile
//! ([`ndtri`]).
//!
//! Which implementation each precision uses is this module's choice, made
//! once in [`NormalFunctions`]: f64 takes the tails and the density from one
//! `exp`, f32 calls `erfcf` and `expf` separately (cheap there, and no f64
//! detour that would be soft-float on a microcontroller).

pub mod gamma;
pub mod ndtr;
pub mod ndtri;
pub mod normal;

/// The normal special functions, per precision.
pub trait NormalFunctions: Sized {
    /// `(Φ(z), Φc(z), φ(z))`: both tails and the density of the standard
    /// normal, the smaller tail and the density to full relative accuracy.
    fn normal_tails_density(z: Self) -> (Self, Self, Self);
    /// The standard normal quantile `Φ⁻¹(p)` for `p` in (0, 1).
    fn normal_quantile(p: Self) -> Self;
    /// `ln x` of a positive finite `x` (a validated scale), equal to
    /// [`Float::ln`](crate::Float::ln) there; in f64 without a branch, so
    /// that a row of them vectorises.
    fn ln_scale(x: Self) -> Self;
}

impl NormalFunctions for f64 {
    #[inline(always)]
    fn normal_tails_density(z: f64) -> (f64, f64, f64) {
        ndtr::tails_density_f64(z)
    }
    #[inline]
    fn normal_quantile(p: f64) -> f64 {
        ndtri::ndtri_f64(p)
    }
    #[inline(always)]
    fn ln_scale(x: f64) -> f64 {
        crate::elementary::ln::ln_positive(x)
    }
}

impl NormalFunctions for f32 {
    #[inline(always)]
    fn normal_tails_density(z: f32) -> (f32, f32, f32) {
        normal::tails_density_separately(z)
    }
    #[inline]
    fn normal_quantile(p: f32) -> f32 {
        ndtri::ndtri_f32(p)
    }
    #[inline(always)]
    fn ln_scale(x: f32) -> f32 {
        libm::logf(x)
    }
}
