//! # mixgrad
//!
//! Samples diagonal mixtures — Gaussian, or of another location-scale
//! family ([`Logistic`], [`Laplace`], [`Cauchy`]) — and full-covariance
//! Gaussian mixtures ([`TrilMixtureRef`]), and returns exact pathwise
//! (reparameterisation) gradients of the samples with respect to every
//! parameter — the mixture weights included.
//!
//! It implements A. Graves, *Stochastic Backpropagation through Mixture
//! Density Distributions* (arXiv:1607.05690, 2016): a sample is drawn by the
//! multivariate quantile transform `x_d = F_d^{-1}(u_d | x_<d)`, and since
//! `F_d(x_d | x_<d) = u_d` does not depend on the parameters θ,
//! `dx_d/dθ = −(dF_d/dθ)/f_d`. For a diagonal mixture every conditional is a
//! one-dimensional Gaussian mixture, so all of it has closed forms; the
//! reverse sweep ([`DiagMixtureRef::vjp`]) costs `O(DK)`.
//!
//! `#![no_std]`, no allocation, `O(K)` scratch (on the
//! stack, or the caller's: [`WithWorkspace`]); `f32` and `f64` through the
//! sealed [`Float`] trait. The one global is the instruction set the batch
//! kernels use ([`simd_path`]), detected once on x86-64 and aarch64; it
//! changes their speed, never their bits. The mathematics, with the section numbers the
//! code cites, is in `docs/math.md`.
//!
//! | layer | module (`src/`) | docs/math.md |
//! |---|---|---|
//! | floating-point format; elementary functions | `float.rs`; `elementary/` | |
//! | normal tails, density and quantile | `special/` | §2, §3.1, §7.6 |
//! | the location-scale families ([`Family`]) | `family/` | §9 |
//! | component-major layout | `layout.rs` | §2 |
//! | log-weights, responsibilities, the conditional CDF and density | `kernel/` | §2, §7.1, §7.2 |
//! | scratch | `workspace.rs`, `scratch.rs` ([`WithWorkspace`]) | |
//! | the distributional transform | `cdf.rs` ([`DiagMixtureRef::cdf`]) | §2 |
//! | the quantile solver | `quantile/` ([`DiagMixtureRef::quantile`]) | §3.1, §7.7 |
//! | samplers, uniforms | `sample.rs` ([`DiagMixtureRef::sample_quantile`]) | §3 |
//! | the reverse sweep | `sweep.rs` | §4.2, §7.3–§7.5, §7.8 |
//! | vector–Jacobian product, Jacobian | `vjp.rs` ([`DiagMixtureRef::vjp`]) | §4.2, §4.3 |
//! | `log q` and its gradients | `log_prob.rs` ([`DiagMixtureRef::log_prob_grad`]) | §2, §4.4 |
//! | batches: many points of one mixture, packed batches of mixtures | `batch/` ([`DiagMixtureRef::vjp_many`], [`DiagBatchRef`]) | §8 |
//! | the batch kernels one row per SIMD lane | `lanes/` | §8.5 |
//! | full-covariance mixtures: the forward substitution, the transposed sweep, caller or stack scratch | `tril/` ([`TrilMixtureRef`], [`TrilMixture`], [`TrilScratch`]) | §10 |
//! | the Gamma distribution: incomplete gamma, quantile, exact shape gradient (Eq. 6) | `gamma/`, `special/gamma.rs` ([`Gamma`], [`Dirichlet`]) | §11 |
//! | the general estimators: Eq. 6 over any univariate distribution, the Eq. 9 estimator | `implicit/` ([`Univariate`], [`LocScale`], [`eq9_dx_dtheta`]) | §12 |
//! | instruction sets, their detection and dispatch (the only `unsafe`) | `simd/` ([`SimdPath`]) | §8.5 |
//! | errors | `error.rs` ([`Error`], [`ErrorKind`]) | §5 |
//!
//! ```
//! use mixgrad::{DiagMixture, Xoshiro256PlusPlus, SeedableRng};
//!
//! let mix = DiagMixture::<f64, 2, 2>::new(
//!     [0.3f64.ln(), 0.7f64.ln()],
//!     [[-1.0, 0.0], [2.0, 1.0]],
//!     [[0.5, 1.0], [1.0, 0.3]],
//! )?;
//! let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
//! let (x, _u) = mix.sample_quantile(&mut rng);
//! let grad = mix.vjp(&x, &[1.0, 1.0])?; // ∂(x₀ + x₁)/∂θ
//! assert!(grad.logits.iter().all(|g| g.is_finite()));
//! # Ok::<(), mixgrad::Error>(())
//! ```
#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]

// The `rayon` feature's threads need std (and its buffers, alloc).
#[cfg(feature = "rayon")]
extern crate std;

mod batch;
mod cdf;
mod elementary;
mod error;
mod family;
mod float;
mod gamma;
mod implicit;
mod kernel;
mod lanes;
mod layout;
mod log_prob;
mod mixture;
mod quantile;
mod rng;
mod sample;
mod scratch;
// The one module with `unsafe` code: calls into functions compiled for an
// instruction set, after the CPU was found to have it.
#[allow(unsafe_code)]
mod simd;
mod special;
mod sweep;
mod tril;
mod vjp;
mod workspace;

pub use batch::{DiagBatchRef, HOISTED_LOG_SCALES};
pub use error::{Buffer, Error, ErrorKind};
pub use family::{Cauchy, Family, FamilyKind, Gaussian, Laplace, Logistic};
pub use float::Float;
pub use gamma::{Dirichlet, Gamma, GAMMA_MAX_SHAPE};
pub use implicit::{
    eq9_dx_dtheta, solve_quantile, Eq9Estimate, LocScale, QuantileStart, ScoreFunction, Truncation,
    Univariate,
};
pub use log_prob::LogProbGrad;
pub use mixture::{DiagMixture, DiagMixtureRef, ParamGrad, MAX_COMPONENTS};
pub use quantile::{SolveStats, MAX_EVALUATIONS_PER_DIM};
pub use sample::{uniform_f32, uniform_f64};
pub use scratch::WithWorkspace;
pub use simd::{force_simd_path, simd_path, SimdPath};
pub use tril::{
    TrilGrad, TrilLogProbGrad, TrilMixture, TrilMixtureRef, TrilScratch, TrilWorkspace,
};

pub use rand_core::{self, RngCore, SeedableRng};
#[cfg(feature = "rand_core_0_10")]
pub use rand_core_0_10;
pub use rng::{RandCore010, RandCore09, RandomSource};

/// The special and elementary functions, for the crate's own tests and
/// probes only (`test-internals`): not a public API, no stability promise.
#[cfg(feature = "test-internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::elementary::{exp::exp, ln::ln_positive, sqrtf::sqrtf};
    pub use crate::lanes::slices::{exp_slice, tails_density_slice, vjp_sum_lanes};
    pub use crate::special::{ndtr, ndtri, normal};
}

/// The seal of [`Float`]: a precision the crate supports makes every
/// per-precision numerical choice of the algorithms, each a private trait
/// beside its algorithm.
mod seal {
    pub trait Sealed:
        crate::special::NormalFunctions
        + crate::kernel::DistanceClamp
        + crate::sweep::SweepLimits
        + crate::sample::Uniform
        + crate::lanes::LaneKernels
        + crate::quantile::DoubleLengthExp
    {
    }
    impl Sealed for f32 {}
    impl Sealed for f64 {}

    /// The seal of [`Family`](crate::Family): the functions of the
    /// family's standard density.
    pub trait SealedFamily: crate::family::StandardDensity {}
    impl SealedFamily for crate::Gaussian {}
    impl SealedFamily for crate::Logistic {}
    impl SealedFamily for crate::Laplace {}
    impl SealedFamily for crate::Cauchy {}
}

/// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
pub use rand_xoshiro::{Xoshiro128PlusPlus, Xoshiro256PlusPlus};
