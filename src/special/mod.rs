//! Special functions: the normal tails and density, and the normal quantile.
//!
//! `exp`, `ln` (and `erfc` for f32) come from `libm` through
//! [`Float`](crate::Float); [`ndtr`] computes the f64 tails and density from
//! one `exp`, [`normal`] dispatches per precision, [`ndtri`] inverts.

pub mod ndtr;
pub mod ndtri;
pub mod normal;
