//! The C ABI of [`mixgrad`]: `extern "C"` functions over the core
//! crate, declared in the generated header `include/mixgrad.h`.
//!
//! This crate is the thin layer rustls-ffi calls `ffi`: every function
//! checks its pointers and shapes through the shared helpers in `checks`,
//! hands slices to the core crate, and returns a [`mixgrad_status`]. No
//! function panics (every index is checked; a panic would abort, never
//! unwind into C), allocates, touches global state (but for the instruction
//! set of the batch kernels, `mixgrad_simd_force`), or writes anything
//! when it returns an error. All functions are reentrant and thread-safe;
//! a `mixgrad_rng` is owned by its caller.
//!
//! The static and dynamic libraries (`libmixgrad.a`, `libmixgrad.so`) are
//! built by the `mixgrad-clib` crate beside this one, which adds the panic
//! handler a C library needs. Depend on this crate from Rust when you link
//! C code against mixgrad: its build script exports the header directory
//! as `DEP_MIXGRAD_INCLUDE`.
//!
//! Full-covariance Gaussian mixtures (`mixgrad_tril_*`, docs/math.md §10)
//! run on scratch the caller passes (`mixgrad_tril_work_len()`), as the
//! diagonal `_work` functions do.
//!
//! The Gamma distribution (`mixgrad_gamma_*`, docs/math.md §11) takes its
//! parameters and input by value and writes one output (two for the
//! gradient).
//!
//! Buffers: outputs must not overlap inputs or each other
//! (`MIXGRAD_ERR_OVERLAPPING_BUFFERS`); inputs may overlap each other.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod batch_ops;
mod checks;
mod diag;
mod gamma;
mod locscale;
mod locscale_work;
mod many;
mod ops;
mod packed;
mod rng;
mod sample;
mod scratch;
mod simd;
mod status;
mod tril;
mod tril_many;
mod tril_ops;
mod version;
mod work;

pub use diag::*;
pub use gamma::*;
pub use locscale::*;
pub use locscale_work::*;
pub use many::*;
pub use packed::*;
pub use rng::*;
pub use sample::*;
pub use simd::*;
pub use status::{mixgrad_status, mixgrad_status_str};
pub use tril::*;
pub use tril_many::*;
pub use version::*;
pub use work::*;
