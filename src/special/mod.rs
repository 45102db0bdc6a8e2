//! Special functions: the normal tails and the normal quantile.
//!
//! `erfc`, `exp` and `ln` themselves come from `libm` through
//! [`Float`](crate::Float); this module builds the pieces SPEC §2 names on
//! top of them.

pub mod ndtr;
pub mod ndtri;
pub mod normal;
