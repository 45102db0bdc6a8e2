//! The error type: what was wrong ([`ErrorKind`], one per distinct way an
//! input can be invalid) and where (which buffer, component, dimension).

use core::fmt;

/// Declares [`ErrorKind`] from one list: each kind with its description.
/// The enum, [`ErrorKind::ALL`] and [`ErrorKind::as_str`] all come from it,
/// so they cannot drift apart.
macro_rules! error_kinds {
    ($($(#[$doc:meta])* $name:ident => $text:literal,)+) => {
        /// What was wrong with an input. Values are never renumbered; new
        /// kinds are added at the end.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[$doc])* $name,)+
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$name,)+];

            /// A short, stable, human-readable description.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorKind::$name => $text,)+
                }
            }
        }
    };
}

error_kinds! {
    /// `K == 0`: a mixture needs at least one component.
    NoComponents => "mixture has no components (K = 0)",
    /// `D == 0`: a mixture needs at least one dimension.
    NoDimensions => "mixture has no dimensions (D = 0)",
    /// `K` exceeds [`MAX_COMPONENTS`](crate::MAX_COMPONENTS), the capacity of
    /// the stack scratch used by the runtime-sized view.
    TooManyComponents => "K exceeds MAX_COMPONENTS",
    /// `means` or `scales` does not hold exactly `K·D` values.
    ParameterShape => "means/scales do not hold K*D values",
    /// A caller buffer (`x`, `u`, a cotangent, an output or a workspace) has
    /// the wrong length for this mixture.
    BufferLength => "a buffer has the wrong length",
    /// A logit is NaN.
    NanLogit => "a logit is NaN",
    /// A logit is `+∞` (the weights would not be defined).
    InfiniteLogit => "a logit is +inf",
    /// Every logit is `−∞`: no component has positive weight.
    NoActiveComponent => "every logit is -inf",
    /// A mean is NaN or infinite.
    NonFiniteMean => "a mean is not finite",
    /// A scale is NaN or infinite.
    NonFiniteScale => "a scale is not finite",
    /// A scale is zero or negative (`σ > 0` is required).
    NonPositiveScale => "a scale is not positive",
    /// A `u` is not strictly inside (0, 1) (this includes NaN).
    UniformOutOfRange => "a u is not strictly inside (0, 1)",
    /// An `x` is NaN or infinite.
    NonFiniteX => "an x is not finite",
    /// A cotangent (`x̄`) is NaN or infinite.
    NonFiniteCotangent => "a cotangent is not finite",
    /// Some conditional density `f_d(x_d | x_<d)` may be below the smallest
    /// normal number: `x` lies so deep in a gap between components that
    /// `dx_d/dθ = −(∂F_d/∂θ)/f_d` is not representable. Returned by the
    /// gradient operations only.
    ZeroDensity => "a conditional density underflows; the gradient is not representable",
    /// A size computed from the shape (a batch's `n·D`, `n·K` or `n·K·D`
    /// values) overflows the address space: the buffers it describes
    /// cannot exist.
    SizeOverflow => "a buffer size overflows the address space",
    /// [`force_simd_path`](crate::force_simd_path) named an instruction set
    /// this CPU (or this build's target) does not have.
    SimdPathUnavailable => "the SIMD path is not available on this CPU or target",
    /// A Gamma shape `α` is NaN, infinite, zero, negative, subnormal or
    /// above [`GAMMA_MAX_SHAPE`](crate::GAMMA_MAX_SHAPE) (`10⁶`).
    InvalidShape => "a Gamma shape (alpha) is not a positive normal number at most 1e6",
    /// A Gamma rate `β` is NaN, infinite, zero or negative.
    InvalidRate => "a Gamma rate is not finite and positive",
    /// A finite `x` outside the distribution's support: negative for a
    /// CDF, not positive for a gradient (which divides by the density).
    XOutsideSupport => "an x is outside the support",
    /// The rejection sampler of the Eq. 9 estimator reached its cap on
    /// tries for one draw: `F(x)` is too small for rejection (the inverse
    /// CDF draws the same truncated density without rejecting).
    RejectionLimit => "the rejection sampler reached its cap on tries",
}

/// The buffer an [`Error`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Buffer {
    /// The logits `a` (`K` values).
    Logits,
    /// The means `μ` (`K·D` values).
    Means,
    /// The scales `σ` (`K·D` values).
    Scales,
    /// A buffer for `ln σ` (`K·D` values).
    LogScales,
    /// A point `x` (`D` values).
    X,
    /// Uniforms `u` (`D` values).
    U,
    /// A cotangent `x̄` (`D` values).
    XBar,
    /// An output of `D` values (`cdf`, `ccdf`, densities, `x`, `u`, `∂/∂x`).
    Output,
    /// A gradient output for the logits (`K` values).
    LogitsBar,
    /// A gradient output for the means (`K·D` values).
    MeansBar,
    /// A gradient output for the scales (`K·D` values).
    ScalesBar,
    /// The Jacobian (`D·(K + 2KD)` values).
    Jacobian,
    /// A caller-provided workspace.
    Workspace,
    /// The drawn components of an ancestral batch (`n` values).
    Components,
    /// The Cholesky factors `L_k` of a full-covariance mixture (`K·D·D`
    /// values, `L_k` at `k·D·D`, `(i, j)` at `i·D + j`).
    ScaleTril,
    /// A gradient output for the Cholesky factors (`K·D·D` values).
    ScaleTrilBar,
    /// The concentration `α` of a Dirichlet distribution (`K` values).
    Concentration,
    /// The standard Gamma draws behind a Dirichlet sample (`K` values).
    Gammas,
    /// A gradient output for a Dirichlet concentration (`K` values).
    ConcentrationBar,
}

impl Buffer {
    /// The buffer's name as the documentation spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Buffer::Logits => "logits",
            Buffer::Means => "means",
            Buffer::Scales => "scales",
            Buffer::LogScales => "log_scales",
            Buffer::X => "x",
            Buffer::U => "u",
            Buffer::XBar => "x_bar",
            Buffer::Output => "output",
            Buffer::LogitsBar => "logits_bar",
            Buffer::MeansBar => "means_bar",
            Buffer::ScalesBar => "scales_bar",
            Buffer::Jacobian => "jacobian",
            Buffer::Workspace => "workspace",
            Buffer::Components => "components",
            Buffer::ScaleTril => "scale_tril",
            Buffer::ScaleTrilBar => "scale_tril_bar",
            Buffer::Concentration => "concentration",
            Buffer::Gammas => "gammas",
            Buffer::ConcentrationBar => "concentration_bar",
        }
    }
}

/// Where in the input an [`Error`] was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Place {
    /// Nowhere more precise than the kind says.
    Whole,
    /// A buffer of `actual` values where `expected` were needed.
    Length {
        buffer: Buffer,
        expected: usize,
        actual: usize,
    },
    /// Entry `index` of a buffer; `dims` is `D` for component-major arrays
    /// (so the entry is component `index / D`, dimension `index % D`), 0
    /// for per-component and per-dimension arrays.
    Entry {
        buffer: Buffer,
        index: usize,
        dims: usize,
    },
}

/// Why an operation refused its input, and where. Nothing is written to any
/// output when an error is returned.
///
/// Parameters are checked in a fixed order — shapes, then logits, means,
/// scales, then the per-call inputs (`x`, `u`, cotangents) — and the first
/// failure is reported. [`kind`](Self::kind) says what was wrong;
/// [`buffer`](Self::buffer), [`component`](Self::component),
/// [`dim`](Self::dim) and [`lengths`](Self::lengths) say where, and
/// `Display` says all of it:
///
/// ```
/// use mixgrad::{DiagMixtureRef, ErrorKind};
/// let err = DiagMixtureRef::new(&[0.0, 0.0], &[0.0; 4], &[1.0, 1.0, 1.0, -2.0], 2).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NonPositiveScale);
/// assert_eq!((err.component(), err.dim()), (Some(1), Some(1)));
/// assert_eq!(err.to_string(), "a scale is not positive: scales[3] (component 1, dimension 1)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    place: Place,
    /// The row of a batch call the error is about, if any.
    row: Option<usize>,
}

impl Error {
    /// An error with no more precise place than its kind.
    #[cold]
    pub(crate) const fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            place: Place::Whole,
            row: None,
        }
    }

    /// `buffer` holds `actual` values where `expected` were needed.
    #[cold]
    #[inline(never)]
    pub(crate) fn length(kind: ErrorKind, buffer: Buffer, expected: usize, actual: usize) -> Self {
        Error {
            kind,
            place: Place::Length {
                buffer,
                expected,
                actual,
            },
            row: None,
        }
    }

    /// Entry `index` of a component-major `K×D` array (`dims = D`), or of a
    /// per-component or per-dimension array (`dims = 0`).
    #[cold]
    #[inline(never)]
    pub(crate) fn entry(kind: ErrorKind, buffer: Buffer, index: usize, dims: usize) -> Self {
        Error {
            kind,
            place: Place::Entry {
                buffer,
                index,
                dims,
            },
            row: None,
        }
    }

    /// The same error, about row `row` of a batch call (its index and
    /// place are then those within the row).
    #[cold]
    #[inline(never)]
    pub(crate) fn in_row(self, row: usize) -> Self {
        Error {
            row: Some(row),
            ..self
        }
    }

    /// What was wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The buffer at fault, if one is.
    pub const fn buffer(&self) -> Option<Buffer> {
        match self.place {
            Place::Whole => None,
            Place::Length { buffer, .. } | Place::Entry { buffer, .. } => Some(buffer),
        }
    }

    /// `(expected, actual)` lengths, for a buffer of the wrong length.
    pub const fn lengths(&self) -> Option<(usize, usize)> {
        match self.place {
            Place::Length {
                expected, actual, ..
            } => Some((expected, actual)),
            _ => None,
        }
    }

    /// The row of a batch call (`many` or packed batch) the error is about:
    /// the first row, in order, with an invalid input, or the first whose
    /// conditional density underflows. [`index`](Self::index),
    /// [`component`](Self::component) and [`dim`](Self::dim) are then
    /// within that row.
    pub const fn row(&self) -> Option<usize> {
        self.row
    }

    /// The index of the offending value in its buffer (in its row, for a
    /// batch call).
    pub const fn index(&self) -> Option<usize> {
        match self.place {
            Place::Entry { index, .. } => Some(index),
            _ => None,
        }
    }

    /// The component `k` the offending value belongs to, if it belongs to
    /// one (a logit, mean or scale).
    pub const fn component(&self) -> Option<usize> {
        match self.place {
            Place::Entry {
                buffer: Buffer::Logits,
                index,
                ..
            } => Some(index),
            // `K` matrices of `D × D` (`dims = D`): the row is the dimension.
            Place::Entry {
                buffer: Buffer::ScaleTril | Buffer::ScaleTrilBar,
                index,
                dims,
            } if dims > 0 => Some(index / (dims * dims)),
            Place::Entry { index, dims, .. } if dims > 0 => Some(index / dims),
            _ => None,
        }
    }

    /// The dimension `d` the offending value belongs to, if it belongs to
    /// one (a mean, scale, `x`, `u` or cotangent entry, or the dimension
    /// whose conditional density underflows).
    pub const fn dim(&self) -> Option<usize> {
        match self.place {
            Place::Entry {
                buffer: Buffer::Logits,
                ..
            }
            | Place::Whole
            | Place::Length { .. } => None,
            Place::Entry { index, dims: 0, .. } => Some(index),
            Place::Entry {
                buffer: Buffer::ScaleTril | Buffer::ScaleTrilBar,
                index,
                dims,
            } => Some(index % (dims * dims) / dims),
            Place::Entry { index, dims, .. } => Some(index % dims),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        match self.place {
            Place::Whole => Ok(()),
            Place::Length {
                buffer,
                expected,
                actual,
            } => write!(
                f,
                ": {} holds {actual} values, {expected} expected",
                buffer.name()
            ),
            Place::Entry { buffer, index, .. } => {
                write!(f, ": {}[{index}]", buffer.name())?;
                if let Some(row) = self.row {
                    write!(f, " of row {row}")?;
                }
                match (self.component(), self.dim()) {
                    (Some(k), Some(d)) => write!(f, " (component {k}, dimension {d})"),
                    (Some(k), None) => write!(f, " (component {k})"),
                    (None, Some(d)) => write!(f, " (dimension {d})"),
                    (None, None) => Ok(()),
                }
            }
        }?;
        match (self.row, self.place) {
            (Some(row), Place::Whole) => write!(f, ": row {row}"),
            _ => Ok(()),
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl PartialEq<ErrorKind> for Error {
    fn eq(&self, kind: &ErrorKind) -> bool {
        self.kind == *kind
    }
}

impl core::error::Error for Error {}
