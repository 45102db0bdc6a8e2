//! The diagonal Gaussian mixture (docs/math.md §2): a borrowed, runtime-sized
//! view over flat slices and a const-generic owned type. Both validate once
//! on construction and share every algorithm through the view.

use core::num::NonZeroUsize;

use crate::family::Gaussian;
use crate::layout::ComponentMajor;
use crate::workspace::{self, Storage, Workspace};
use crate::{Buffer, Error, ErrorKind, Family, Float};

/// The largest `K` the runtime-sized [`DiagMixtureRef`] accepts: its
/// operations keep `O(K)` scratch in fixed-size arrays on the stack (a few
/// rows of `MAX_COMPONENTS` values, of which only an 8-component block is
/// used and initialised when `K ≤ 8`; docs/embedded.md). The owned
/// [`DiagMixture`] sizes its scratch by its own `K` instead and has no such
/// bound.
pub const MAX_COMPONENTS: usize = 64;

/// A borrowed view of a diagonal Gaussian mixture with `K` components in `D`
/// dimensions:
///
/// ```text
/// q(x) = Σ_k π_k Π_d N(x_d; μ_kd, σ_kd²),    π = softmax(a)
/// ```
///
/// `logits` holds `a` (`K` values), `means` and `scales` hold `μ` and `σ`
/// component-major (`(k, d)` at `k·D + d`, docs/math.md §2). The parameters
/// are validated once by [`new`](Self::new): every logit is finite or `−∞` (a
/// component of weight zero) and at least one is finite, every mean is finite
/// and every scale is finite and positive.
#[derive(Clone, Copy, Debug)]
pub struct DiagMixtureRef<'a, F, G = Gaussian> {
    /// The family of the components ([`Gaussian`] unless built by
    /// [`of_family`](Self::of_family)).
    family: G,
    logits: &'a [F],
    means: &'a [F],
    scales: &'a [F],
    /// `ln σ`, if the caller had it computed once
    /// ([`with_log_scales`](Self::with_log_scales)).
    log_scales: Option<&'a [F]>,
    /// The shape of `means`, `scales` and `log_scales`, whose lengths were
    /// checked against it.
    shape: ComponentMajor,
}

impl<'a, F: Float> DiagMixtureRef<'a, F> {
    /// Validates the parameters and wraps them; `K = logits.len()`.
    ///
    /// Errors, checked in this order: [`ErrorKind::NoComponents`],
    /// [`ErrorKind::NoDimensions`], [`ErrorKind::TooManyComponents`] (`K >`
    /// [`MAX_COMPONENTS`]), [`ErrorKind::ParameterShape`], then the values:
    /// [`ErrorKind::NanLogit`], [`ErrorKind::InfiniteLogit`],
    /// [`ErrorKind::NoActiveComponent`], [`ErrorKind::NonFiniteMean`],
    /// [`ErrorKind::NonFiniteScale`], [`ErrorKind::NonPositiveScale`].
    pub fn new(
        logits: &'a [F],
        means: &'a [F],
        scales: &'a [F],
        dims: usize,
    ) -> Result<Self, Error> {
        Self::of_family(Gaussian, logits, means, scales, dims)
    }

    /// [`new`](Self::new) without the bound on `K`: for a view whose
    /// operations run on the caller's scratch
    /// ([`with_workspace`](Self::with_workspace)). Its own methods, which
    /// use stack scratch, return [`ErrorKind::TooManyComponents`] for
    /// `K >` [`MAX_COMPONENTS`].
    pub fn new_unbounded(
        logits: &'a [F],
        means: &'a [F],
        scales: &'a [F],
        dims: usize,
    ) -> Result<Self, Error> {
        Self::of_family_unbounded(Gaussian, logits, means, scales, dims)
    }
}

impl<'a, F: Float, G: Family> DiagMixtureRef<'a, F, G> {
    /// A mixture of the location-scale family `G` (docs/math.md §9):
    /// `means` holds the locations `μ` and `scales` the scales `σ`,
    /// validated as by [`new`](DiagMixtureRef::new), with the same errors.
    ///
    /// ```
    /// use mixgrad::{DiagMixtureRef, Logistic};
    /// let (logits, locs, scales) = ([0.0f64, 0.0], [-1.0, 1.0], [0.5, 2.0]);
    /// let mix = DiagMixtureRef::of_family(Logistic, &logits, &locs, &scales, 1)?;
    /// let mut x = [0.0];
    /// mix.quantile(&[0.5], &mut x)?;
    /// let mut u = [0.0];
    /// mix.cdf(&x, &mut u)?;
    /// assert!((u[0] - 0.5).abs() < 1e-15);
    /// # Ok::<(), mixgrad::Error>(())
    /// ```
    pub fn of_family(
        family: G,
        logits: &'a [F],
        means: &'a [F],
        scales: &'a [F],
        dims: usize,
    ) -> Result<Self, Error> {
        Self::with_component_bound(family, logits, means, scales, dims, MAX_COMPONENTS)
    }

    /// [`of_family`](Self::of_family) without the bound on `K`, as
    /// [`new_unbounded`](DiagMixtureRef::new_unbounded).
    pub fn of_family_unbounded(
        family: G,
        logits: &'a [F],
        means: &'a [F],
        scales: &'a [F],
        dims: usize,
    ) -> Result<Self, Error> {
        Self::with_component_bound(family, logits, means, scales, dims, usize::MAX)
    }

    /// The family of the components.
    #[inline]
    pub fn family(&self) -> G {
        self.family
    }

    /// [`new`](DiagMixtureRef::new) with `K` bounded by `max_components` (the stack
    /// scratch), or unbounded.
    pub(crate) fn with_component_bound(
        family: G,
        logits: &'a [F],
        means: &'a [F],
        scales: &'a [F],
        dims: usize,
        max_components: usize,
    ) -> Result<Self, Error> {
        if logits.is_empty() {
            return Err(ErrorKind::NoComponents.into());
        }
        let dims = NonZeroUsize::new(dims).ok_or(ErrorKind::NoDimensions)?;
        if logits.len() > max_components {
            let k = logits.len();
            return Err(Error::length(
                ErrorKind::TooManyComponents,
                Buffer::Logits,
                max_components,
                k,
            ));
        }
        let shape = ComponentMajor::new(logits.len(), dims);
        for (buffer, values) in [(Buffer::Means, means), (Buffer::Scales, scales)] {
            if values.len() != shape.len() {
                let (expected, actual) = (shape.len(), values.len());
                return Err(Error::length(
                    ErrorKind::ParameterShape,
                    buffer,
                    expected,
                    actual,
                ));
            }
        }
        let mix = DiagMixtureRef {
            family,
            logits,
            means,
            scales,
            log_scales: None,
            shape,
        };
        mix.validate()?;
        Ok(mix)
    }

    /// A view of parameters already validated for `shape` (a mixture of a
    /// validated batch).
    #[inline]
    pub(crate) fn from_validated(
        logits: &'a [F],
        means: &'a [F],
        scales: &'a [F],
        shape: ComponentMajor,
    ) -> Self {
        DiagMixtureRef {
            family: G::default(),
            logits,
            means,
            scales,
            log_scales: None,
            shape,
        }
    }

    /// Checks the parameter values: [`ErrorKind::NanLogit`],
    /// [`ErrorKind::InfiniteLogit`], [`ErrorKind::NoActiveComponent`],
    /// [`ErrorKind::NonFiniteMean`], [`ErrorKind::NonFiniteScale`],
    /// [`ErrorKind::NonPositiveScale`], in that order.
    fn validate(&self) -> Result<(), Error> {
        let dims = self.num_dims();
        validate_logits_and_means(self.logits, self.means(), dims)?;
        for (i, &s) in self.scales().iter().enumerate() {
            let at = |kind| Error::entry(kind, Buffer::Scales, i, dims);
            if !s.is_finite() {
                return Err(at(ErrorKind::NonFiniteScale));
            }
            if s <= F::ZERO {
                return Err(at(ErrorKind::NonPositiveScale));
            }
        }
        Ok(())
    }

    /// The same mixture with `ln σ` computed once, into `log_scales` (`K·D`
    /// values, caller-owned; overwritten): every operation of the returned
    /// view reads it instead of taking `K·D` logarithms per call (`2·K·D` in
    /// [`vjp`](Self::vjp)), a sizeable share of the time of `cdf`, `log_prob`
    /// and `vjp` (docs/performance.md). Worth it whenever one mixture serves
    /// more than one call — a batch of samples and their gradients. Results
    /// are bit-identical to the plain view's.
    ///
    /// Errors: [`ErrorKind::BufferLength`]; then `log_scales` is untouched.
    ///
    /// ```
    /// use mixgrad::DiagMixtureRef;
    /// let (logits, means, scales) = ([0.0f64, 0.0], [-1.0, 1.0], [0.5, 2.0]);
    /// let mix = DiagMixtureRef::new(&logits, &means, &scales, 1)?;
    /// let mut log_scales = [0.0; 2];
    /// let fast = mix.with_log_scales(&mut log_scales)?;
    /// let (mut a, mut b) = ([0.0], [0.0]);
    /// mix.cdf(&[0.3], &mut a)?;
    /// fast.cdf(&[0.3], &mut b)?;
    /// assert_eq!(a, b);
    /// # Ok::<(), mixgrad::Error>(())
    /// ```
    pub fn with_log_scales(self, log_scales: &'a mut [F]) -> Result<Self, Error> {
        let len = self.scales().len();
        Self::check_len(log_scales, len, Buffer::LogScales)?;
        for (l, &s) in log_scales.iter_mut().zip(self.scales()) {
            *l = F::ln_scale(s);
        }
        Ok(DiagMixtureRef {
            log_scales: Some(log_scales),
            ..self
        })
    }

    /// `K`.
    #[inline]
    pub fn num_components(&self) -> usize {
        self.logits.len()
    }

    /// `D`.
    #[inline]
    pub fn num_dims(&self) -> usize {
        self.dims().get()
    }

    /// `D`, which validation made non-zero.
    #[inline(always)]
    pub(crate) fn dims(&self) -> NonZeroUsize {
        self.shape.dims()
    }

    /// The logits `a` (`K` values).
    #[inline]
    pub fn logits(&self) -> &'a [F] {
        self.logits
    }

    /// The means, `(k, d)` at `k·D + d`.
    #[inline]
    pub fn means(&self) -> &'a [F] {
        self.means
    }

    /// The scales, `(k, d)` at `k·D + d`.
    #[inline]
    pub fn scales(&self) -> &'a [F] {
        self.scales
    }

    /// The `ln σ` the caller had computed once
    /// ([`with_log_scales`](Self::with_log_scales)), if any.
    #[inline(always)]
    pub(crate) fn stored_log_scales(&self) -> Option<&'a [F]> {
        self.log_scales
    }

    /// The shape of the parameter arrays.
    #[inline(always)]
    pub(crate) fn shape(&self) -> ComponentMajor {
        self.shape
    }

    /// `ln σ_kd` for `k = 0..K` at dimension `d` into `out`, computed: the
    /// scales are gathered first, so that the logarithms run over a
    /// contiguous row (two per instruction in f64, see
    /// [`NormalFunctions::ln_scale`](crate::special::NormalFunctions)), and
    /// in f32 no register of the log-weight loop lives across a `logf` call.
    #[inline(always)]
    pub(crate) fn compute_log_scales(&self, d: usize, out: &mut [F]) {
        for (k, o) in out.iter_mut().enumerate() {
            *o = self.shape.at(self.scales, k, d);
        }
        for o in out.iter_mut() {
            *o = F::ln_scale(*o);
        }
    }

    /// `ln σ_kd` for `k = 0..K` at dimension `d` into `out`, copied from
    /// [`with_log_scales`](Self::with_log_scales)'s buffer or computed. Either
    /// way the values are those of [`NormalFunctions::ln_scale`], the one
    /// function that computes `ln σ` (the buffer caches its results), so the
    /// cold paths that compute it for single entries agree bit for bit.
    ///
    /// [`NormalFunctions::ln_scale`]: crate::special::NormalFunctions::ln_scale
    #[inline(always)]
    pub(crate) fn log_scales_into(&self, d: usize, out: &mut [F]) {
        match self.log_scales {
            Some(stored) => {
                for (o, l) in out.iter_mut().zip(self.shape.column(stored, d)) {
                    *o = l;
                }
            }
            None => self.compute_log_scales(d, out),
        }
    }

    /// Number of parameters `K + 2KD`: the row length of the Jacobian.
    #[inline]
    pub fn num_params(&self) -> usize {
        self.logits.len() + 2 * self.means().len()
    }

    /// `(μ_kd, σ_kd)` for `k = 0..K` at dimension `d`.
    #[inline(always)]
    pub(crate) fn column(&self, d: usize) -> impl Iterator<Item = (F, F)> + Clone + 'a {
        self.shape.columns(self.means, self.scales, d)
    }

    /// `(μ_kd, σ_kd)` for `d = 0..D` of component `k`.
    #[inline]
    pub(crate) fn component(&self, k: usize) -> impl Iterator<Item = (F, F)> + 'a {
        let (means, scales) = (
            self.shape.row(self.means, k),
            self.shape.row(self.scales, k),
        );
        means.iter().copied().zip(scales.iter().copied())
    }

    /// Runs `op` with the view's stack scratch (see
    /// [`MAX_COMPONENTS`]).
    #[inline(always)]
    pub(crate) fn on_stack<R>(
        &self,
        op: impl FnOnce(Workspace<'_, F>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        workspace::on_stack(self.num_components(), op)
    }

    /// `Ok` if `buf` holds exactly `len` values.
    #[inline]
    pub(crate) fn check_len<T>(buf: &[T], len: usize, which: Buffer) -> Result<(), Error> {
        if buf.len() == len {
            Ok(())
        } else {
            Err(Error::length(
                ErrorKind::BufferLength,
                which,
                len,
                buf.len(),
            ))
        }
    }

    /// `Ok` if `values` (`x` or a cotangent) holds `D` finite values.
    #[inline(never)]
    pub(crate) fn check_finite(&self, values: &[F], which: Buffer) -> Result<(), Error> {
        Self::check_len(values, self.num_dims(), which)?;
        let kind = match which {
            Buffer::XBar => ErrorKind::NonFiniteCotangent,
            _ => ErrorKind::NonFiniteX,
        };
        for (d, v) in values.iter().enumerate() {
            if !v.is_finite() {
                return Err(Error::entry(kind, which, d, 0));
            }
        }
        Ok(())
    }

    /// `Ok` if `x` holds `D` finite values.
    #[inline]
    pub(crate) fn check_x(&self, x: &[F]) -> Result<(), Error> {
        self.check_finite(x, Buffer::X)
    }

    /// `Ok` if `u` holds `D` values strictly inside (0, 1).
    #[inline(never)]
    pub(crate) fn check_u(&self, u: &[F]) -> Result<(), Error> {
        Self::check_len(u, self.num_dims(), Buffer::U)?;
        for (d, &v) in u.iter().enumerate() {
            if !(v > F::ZERO && v < F::ONE) {
                return Err(Error::entry(ErrorKind::UniformOutOfRange, Buffer::U, d, 0));
            }
        }
        Ok(())
    }
}

/// [`ErrorKind::NanLogit`], [`ErrorKind::InfiniteLogit`],
/// [`ErrorKind::NoActiveComponent`], [`ErrorKind::NonFiniteMean`], in that
/// order: the checks every mixture type makes of its logits and its
/// component-major `K×D` means.
pub(crate) fn validate_logits_and_means<F: Float>(
    logits: &[F],
    means: &[F],
    dims: usize,
) -> Result<(), Error> {
    let mut active = false;
    for (k, &a) in logits.iter().enumerate() {
        let at = |kind| Error::entry(kind, Buffer::Logits, k, 0);
        if a.is_nan() {
            return Err(at(ErrorKind::NanLogit));
        }
        if a == F::INFINITY {
            return Err(at(ErrorKind::InfiniteLogit));
        }
        active |= a.is_finite();
    }
    if !active {
        return Err(ErrorKind::NoActiveComponent.into());
    }
    match means.iter().position(|m| !m.is_finite()) {
        Some(i) => Err(Error::entry(
            ErrorKind::NonFiniteMean,
            Buffer::Means,
            i,
            dims,
        )),
        None => Ok(()),
    }
}

/// An owned diagonal Gaussian mixture with `K` components in `D` dimensions,
/// for Rust users who know the sizes at compile time. It validates like
/// [`DiagMixtureRef::new`] and runs the same algorithms through
/// [`view`](Self::view), with scratch sized by `K` (so `K` is not bounded by
/// [`MAX_COMPONENTS`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiagMixture<F, const K: usize, const D: usize, G = Gaussian> {
    family: G,
    logits: [F; K],
    means: [[F; D]; K],
    scales: [[F; D]; K],
}

impl<F: Float, const K: usize, const D: usize> DiagMixture<F, K, D> {
    /// Validates and stores the parameters: `means[k][d] = μ_kd`,
    /// `scales[k][d] = σ_kd`.
    pub fn new(logits: [F; K], means: [[F; D]; K], scales: [[F; D]; K]) -> Result<Self, Error> {
        Self::of_family(Gaussian, logits, means, scales)
    }
}

impl<F: Float, const K: usize, const D: usize, G: Family> DiagMixture<F, K, D, G> {
    /// A mixture of the location-scale family `G` (docs/math.md §9),
    /// validated as by [`new`](DiagMixture::new): `means[k][d]` is the
    /// location `μ_kd`, `scales[k][d]` the scale `σ_kd`.
    pub fn of_family(
        family: G,
        logits: [F; K],
        means: [[F; D]; K],
        scales: [[F; D]; K],
    ) -> Result<Self, Error> {
        let mix = DiagMixture {
            family,
            logits,
            means,
            scales,
        };
        let (means, scales) = (mix.means.as_flattened(), mix.scales.as_flattened());
        DiagMixtureRef::with_component_bound(family, &mix.logits, means, scales, D, usize::MAX)?;
        Ok(mix)
    }

    /// The borrowed view the algorithms run on. Its own methods use the
    /// view's fixed scratch, so for `K >` [`MAX_COMPONENTS`] they return
    /// [`ErrorKind::TooManyComponents`]; this type's methods have no such bound.
    #[inline]
    pub fn view(&self) -> DiagMixtureRef<'_, F, G> {
        // The parameters were validated by `new` and are immutable since;
        // `new` refused D = 0, so no value of this type has it.
        let dims = NonZeroUsize::new(D).unwrap_or(NonZeroUsize::MIN);
        DiagMixtureRef {
            family: self.family,
            logits: &self.logits,
            means: self.means.as_flattened(),
            scales: self.scales.as_flattened(),
            log_scales: None,
            shape: ComponentMajor::new(K, dims),
        }
    }

    /// Runs `op` on the view with scratch sized by `K`: the one step every
    /// method of the owned type takes.
    #[inline]
    pub(crate) fn run<R>(
        &self,
        op: impl FnOnce(&DiagMixtureRef<'_, F, G>, Workspace<'_, F>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut storage = Storage::<F, K>::new();
        op(&self.view(), storage.rows(K)?)
    }

    /// The logits.
    pub fn logits(&self) -> &[F; K] {
        &self.logits
    }

    /// The means, `means()[k][d] = μ_kd`.
    pub fn means(&self) -> &[[F; D]; K] {
        &self.means
    }

    /// The scales, `scales()[k][d] = σ_kd`.
    pub fn scales(&self) -> &[[F; D]; K] {
        &self.scales
    }
}

/// Gradients with respect to every parameter of a `K × D` mixture, in the
/// shapes of [`DiagMixture`]. `repr(C)`: a `[ParamGrad; D]` has the memory
/// layout of the row-major `D × (K + 2KD)` Jacobian of docs/math.md §4.3 (the
/// one the C surface of §5 writes).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct ParamGrad<F, const K: usize, const D: usize> {
    /// `∂/∂a_k`.
    pub logits: [F; K],
    /// `∂/∂μ_kd` at `[k][d]`.
    pub means: [[F; D]; K],
    /// `∂/∂σ_kd` at `[k][d]`.
    pub scales: [[F; D]; K],
}

impl<F, const K: usize, const D: usize> ParamGrad<F, K, D> {
    /// `(logits, means, scales)` as flat slices (`K`, `K·D`, `K·D` values).
    pub(crate) fn parts_mut(&mut self) -> (&mut [F], &mut [F], &mut [F]) {
        (
            &mut self.logits,
            self.means.as_flattened_mut(),
            self.scales.as_flattened_mut(),
        )
    }
}

impl<F: Float, const K: usize, const D: usize> Default for ParamGrad<F, K, D> {
    fn default() -> Self {
        ParamGrad {
            logits: [F::ZERO; K],
            means: [[F::ZERO; D]; K],
            scales: [[F::ZERO; D]; K],
        }
    }
}
