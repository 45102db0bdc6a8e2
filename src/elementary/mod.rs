//! Elementary functions the crate computes itself instead of calling
//! `libm`: the f64 `exp` without a division, the f64 `ln` of positive
//! numbers without a branch (so that a row of them vectorises), and the
//! f32 square root without `libm`'s table (the flash budget of small
//! microcontrollers). Each depends on nothing but `core`; each is tested
//! against high-precision references in `tests/`.

pub(crate) mod arith;
pub(crate) mod double_length;
pub mod exp;
pub(crate) mod exp_table;
pub mod ln;
pub mod sqrtf;
