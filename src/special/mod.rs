//! Special functions: `exp`, the normal tails and density, and the normal
//! quantile.
//!
//! `ln` (and `erfc`, `exp` for f32) come from `libm` through
//! [`Float`](crate::Float); [`exp`] is the f64 `exp` without a division,
//! [`ln`] the f64 `ln` of the scales without a branch,
//! [`ndtr`] computes the f64 tails and density from one `exp`, [`normal`]
//! dispatches per precision, [`ndtri`] inverts, [`sqrtf`] is the f32
//! square root without `libm`'s table.

pub mod exp;
mod exp_table;
pub mod ln;
pub mod ndtr;
pub mod ndtri;
pub mod normal;
pub mod sqrtf;
