//! The error type: one variant per distinct way an input can be invalid.

use core::fmt;

/// Why an operation refused its input. Nothing is written to any output when
/// an error is returned.
///
/// Parameters are checked in a fixed order — shapes, then logits, means,
/// scales, then the per-call inputs (`x`, `u`, cotangents) — and the first
/// failure is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// `K == 0`: a mixture needs at least one component.
    NoComponents,
    /// `D == 0`: a mixture needs at least one dimension.
    NoDimensions,
    /// `K` exceeds [`MAX_COMPONENTS`](crate::MAX_COMPONENTS), the capacity of
    /// the stack scratch used by the runtime-sized view.
    TooManyComponents,
    /// `means` or `scales` does not hold exactly `K·D` values.
    ParameterShape,
    /// A caller buffer (`x`, `u`, a cotangent or an output) has the wrong
    /// length for this mixture.
    BufferLength,
    /// A logit is NaN.
    NanLogit,
    /// A logit is `+∞` (the weights would not be defined).
    InfiniteLogit,
    /// Every logit is `−∞`: no component has positive weight.
    NoActiveComponent,
    /// A mean is NaN or infinite.
    NonFiniteMean,
    /// A scale is NaN or infinite.
    NonFiniteScale,
    /// A scale is zero or negative (`σ > 0` is required).
    NonPositiveScale,
    /// A `u` is not strictly inside (0, 1) (this includes NaN).
    UniformOutOfRange,
    /// An `x` is NaN or infinite.
    NonFiniteX,
    /// A cotangent (`x̄`) is NaN or infinite.
    NonFiniteCotangent,
    /// Some conditional density `f_d(x_d | x_<d)` may be below the smallest
    /// normal number: `x` lies so deep in a gap between components that
    /// `dx_d/dθ = −(∂F_d/∂θ)/f_d` is not representable. Returned by the
    /// gradient operations only.
    ZeroDensity,
}

impl Error {
    /// A short, stable, human-readable description.
    pub const fn as_str(self) -> &'static str {
        match self {
            Error::NoComponents => "mixture has no components (K = 0)",
            Error::NoDimensions => "mixture has no dimensions (D = 0)",
            Error::TooManyComponents => "K exceeds MAX_COMPONENTS",
            Error::ParameterShape => "means/scales do not hold K*D values",
            Error::BufferLength => "a buffer has the wrong length",
            Error::NanLogit => "a logit is NaN",
            Error::InfiniteLogit => "a logit is +inf",
            Error::NoActiveComponent => "every logit is -inf",
            Error::NonFiniteMean => "a mean is not finite",
            Error::NonFiniteScale => "a scale is not finite",
            Error::NonPositiveScale => "a scale is not positive",
            Error::UniformOutOfRange => "a u is not strictly inside (0, 1)",
            Error::NonFiniteX => "an x is not finite",
            Error::NonFiniteCotangent => "a cotangent is not finite",
            Error::ZeroDensity => {
                "a conditional density underflows; the gradient is not representable"
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for Error {}
