//! `mixgrad._mixgrad`: the extension module under the Python package
//! (python-src/mixgrad). One class, [`Mixtures`], holds a validated packed
//! batch of diagonal mixtures in f32 or f64; each of its methods is one
//! call of [`rows`], run without the GIL on flat NumPy arrays. Shapes,
//! broadcasting and the frameworks live in Python; the mathematics is the
//! crate's.

mod rows;

use mixgrad::{Cauchy, FamilyKind, Float, Gaussian, Laplace, Logistic};
use numpy::{PyArray1, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::create_exception;
use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use rows::{Fail, Grads, Owned};

create_exception!(
    _mixgrad,
    MixgradError,
    PyValueError,
    "The crate refused an input: the message is its `Error`'s Display; \
     `kind` names the `ErrorKind`, `row` the batch row (or None)."
);

/// The precisions the crate supports, as NumPy elements.
trait Elem: Float + numpy::Element {
    /// The NumPy dtype's name.
    const DTYPE: &'static str;
}
impl Elem for f32 {
    const DTYPE: &'static str = "float32";
}
impl Elem for f64 {
    const DTYPE: &'static str = "float64";
}

/// Runs `$body` with `$g` bound to the family `$kind` as a type.
macro_rules! with_family {
    ($kind:expr, $g:ident => $body:expr) => {
        match $kind {
            FamilyKind::Gaussian => {
                let $g = Gaussian;
                $body
            }
            FamilyKind::Logistic => {
                let $g = Logistic;
                $body
            }
            FamilyKind::Laplace => {
                let $g = Laplace;
                $body
            }
            FamilyKind::Cauchy => {
                let $g = Cauchy;
                $body
            }
        }
    };
}

/// Runs `$body` with `$p` bound to the parameters in their precision.
macro_rules! with_floats {
    ($floats:expr, $p:ident => $body:expr) => {
        match $floats {
            Floats::F64($p) => $body,
            Floats::F32($p) => $body,
        }
    };
}

/// A refusal as a Python exception: the crate's errors as
/// [`MixgradError`] (a `ValueError`), shapes as `ValueError`.
fn to_py(py: Python<'_>, fail: Fail) -> PyErr {
    match fail {
        Fail::Mixgrad(e) => {
            let err = MixgradError::new_err(e.to_string());
            let value = err.value(py);
            // Setting attributes on a fresh exception cannot fail in
            // practice; the message stands on its own if it did.
            let _ = value.setattr("kind", format!("{:?}", e.kind()));
            let _ = value.setattr("row", e.row());
            err
        }
        Fail::Shape(msg) => PyValueError::new_err(msg),
        Fail::Memory => PyMemoryError::new_err("mixgrad: the result does not fit in memory"),
    }
}

/// The values of a C-contiguous NumPy array of element `F`, copied (the
/// computation then runs without the GIL on memory Python cannot touch).
fn values<F: Elem>(array: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<F>> {
    let typed = array.cast::<PyArrayDyn<F>>().map_err(|_| {
        let dtype = array
            .cast::<PyUntypedArray>()
            .map(|a| a.dtype().to_string())
            .unwrap_or_else(|_| "not an ndarray".into());
        PyValueError::new_err(format!("{name}: dtype {dtype}, expected {}", F::DTYPE))
    })?;
    let readonly = typed.try_readonly()?;
    let slice = readonly
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name} is not C-contiguous")))?;
    Ok(slice.to_vec())
}

/// A flat NumPy array that takes ownership of `v`.
fn array<F: Elem>(py: Python<'_>, v: Vec<F>) -> Py<PyAny> {
    PyArray1::from_vec(py, v).into_any().unbind()
}

/// Three parameter gradients as a tuple of flat arrays.
fn grads<'py, F: Elem>(py: Python<'py>, g: Grads<F>) -> Vec<Py<PyAny>> {
    vec![array(py, g.logits), array(py, g.means), array(py, g.scales)]
}

/// The parameters in their precision.
enum Floats {
    F64(Owned<f64>),
    F32(Owned<f32>),
}

/// A packed batch of `B` diagonal mixtures of one family, `K` components,
/// `D` dimensions, validated once. Arrays in and out are flat and
/// C-contiguous in the parameters' dtype; points are rows `r·B + b`
/// (mixture `b`). The Python package (`mixgrad.DiagMixture`) gives them
/// shapes.
#[pyclass(frozen, module = "mixgrad._mixgrad")]
struct Mixtures {
    family: FamilyKind,
    floats: Floats,
}

impl Mixtures {
    /// Runs one call without the GIL and maps its refusal.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        call: impl FnOnce() -> Result<T, Fail> + Send,
    ) -> PyResult<T> {
        py.detach(call).map_err(|f| to_py(py, f))
    }
}

/// Copies and validates parameters of one precision.
fn owned<F: Elem>(
    py: Python<'_>,
    family: FamilyKind,
    arrays: [&Bound<'_, PyAny>; 3],
    k: usize,
    d: usize,
) -> PyResult<Owned<F>> {
    let [logits, means, scales] = arrays;
    let values = [
        values::<F>(logits, "logits")?,
        values::<F>(means, "means")?,
        values::<F>(scales, "scales")?,
    ];
    with_family!(family, g => Owned::new(g, values, k, d)).map_err(|f| to_py(py, f))
}

#[pymethods]
impl Mixtures {
    /// `Mixtures(family, logits, means, scales, k, d)`: `B·K` logits and
    /// `B·K·D` means and scales (component-major per mixture), all
    /// float32 or all float64. Raises `MixgradError` for invalid values.
    #[new]
    fn new(
        py: Python<'_>,
        family: &str,
        logits: &Bound<'_, PyAny>,
        means: &Bound<'_, PyAny>,
        scales: &Bound<'_, PyAny>,
        k: usize,
        d: usize,
    ) -> PyResult<Self> {
        let kind = FamilyKind::ALL
            .into_iter()
            .find(|f| f.name() == family)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "unknown family {family:?}: gaussian, logistic, laplace or cauchy"
                ))
            })?;
        let arrays = [logits, means, scales];
        let floats = match dtype_of(logits)?.as_str() {
            f64::DTYPE => Floats::F64(owned(py, kind, arrays, k, d)?),
            f32::DTYPE => Floats::F32(owned(py, kind, arrays, k, d)?),
            other => {
                return Err(PyValueError::new_err(format!(
                    "logits: dtype {other}, expected float32 or float64"
                )))
            }
        };
        Ok(Mixtures {
            family: kind,
            floats,
        })
    }

    /// The family's name.
    #[getter]
    fn family(&self) -> &'static str {
        self.family.name()
    }

    /// `"float32"` or `"float64"`.
    #[getter]
    fn dtype(&self) -> &'static str {
        match self.floats {
            Floats::F64(_) => f64::DTYPE,
            Floats::F32(_) => f32::DTYPE,
        }
    }

    /// `B`, the number of mixtures.
    fn __len__(&self) -> usize {
        with_floats!(&self.floats, p => p.params().len())
    }

    /// `n` draws per mixture (`G·n·(B/G)·D` values for `G = len(seeds)`):
    /// group `i` of `B/G` consecutive mixtures draws from
    /// `Xoshiro256PlusPlus::seed_from_u64(seeds[i])`, in the order of
    /// consecutive single calls, rows `r·(B/G) + b`. `ancestral` picks
    /// the ancestral sampler instead of the quantile sampler.
    fn sample(
        &self,
        py: Python<'_>,
        n: usize,
        seeds: Vec<u64>,
        ancestral: bool,
    ) -> PyResult<Py<PyAny>> {
        let family = self.family;
        with_floats!(&self.floats, p => {
            let x = self.run(py, || {
                with_family!(family, g => rows::sample(p.params(), g, n, &seeds, ancestral))
            })?;
            Ok(array(py, x))
        })
    }

    /// `log q` of every row of `x` (`R·B·D` values): `R·B` values.
    fn log_prob(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let family = self.family;
        with_floats!(&self.floats, p => {
            let x = values(x, "x")?;
            let lp = self.run(py, || with_family!(family, g => rows::log_prob(p.params(), g, &x)))?;
            Ok(array(py, lp))
        })
    }

    /// The conditional CDFs of every row of `x`: `R·B·D` values.
    fn cdf(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let family = self.family;
        with_floats!(&self.floats, p => {
            let x = values(x, "x")?;
            let u = self.run(py, || with_family!(family, g => rows::cdf(p.params(), g, &x)))?;
            Ok(array(py, u))
        })
    }

    /// The quantile map of every row of `u`: `R·B·D` values.
    fn quantile(&self, py: Python<'_>, u: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let family = self.family;
        with_floats!(&self.floats, p => {
            let u = values(u, "u")?;
            let x = self.run(py, || with_family!(family, g => rows::quantile(p.params(), g, &u)))?;
            Ok(array(py, x))
        })
    }

    /// `(logits_bar, means_bar, scales_bar)` per mixture (`B·K`, `B·K·D`,
    /// `B·K·D`): `Σ_r x̄·∂x/∂θ` over the rows of `x` and `x_bar`.
    fn vjp<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        x_bar: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let family = self.family;
        with_floats!(&self.floats, p => {
            let (x, x_bar) = (values(x, "x")?, values(x_bar, "x_bar")?);
            let g = self.run(py, || with_family!(family, g => rows::vjp(p.params(), g, &x, &x_bar)))?;
            PyTuple::new(py, grads(py, g))
        })
    }

    /// `(log_prob, x_grad, logits, means, scales)` per row of `x`:
    /// `R·B`, `R·B·D`, `R·B·K`, `R·B·K·D`, `R·B·K·D` values.
    fn log_prob_grad<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let family = self.family;
        with_floats!(&self.floats, p => {
            let x = values(x, "x")?;
            let rows =
                self.run(py, || with_family!(family, g => rows::log_prob_grad(p.params(), g, &x)))?;
            let mut out = vec![array(py, rows.log_prob), array(py, rows.x)];
            out.extend(grads(py, rows.params));
            PyTuple::new(py, out)
        })
    }

    /// `(x_grad, logits, means, scales)`: the gradient of
    /// `Σ lp_bar·log q(x)` (one weight per row) with respect to every row
    /// of `x` and to every mixture's parameters, summed over its rows.
    fn log_prob_vjp<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        lp_bar: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let family = self.family;
        with_floats!(&self.floats, p => {
            let (x, w) = (values(x, "x")?, values(lp_bar, "lp_bar")?);
            let (dx, g) =
                self.run(py, || with_family!(family, g => rows::log_prob_vjp(p.params(), g, &x, &w)))?;
            let mut out = vec![array(py, dx)];
            out.extend(grads(py, g));
            PyTuple::new(py, out)
        })
    }
}

/// The dtype name of an array (`ValueError` for anything else).
fn dtype_of(array: &Bound<'_, PyAny>) -> PyResult<String> {
    array
        .cast::<PyUntypedArray>()
        .map(|a| a.dtype().to_string())
        .map_err(|_| PyValueError::new_err("expected a NumPy array"))
}

/// The SIMD path the batch kernels use on this CPU (`mixgrad::simd_path`).
#[pyfunction]
fn simd_path() -> String {
    format!("{:?}", mixgrad::simd_path())
}

#[pymodule]
fn _mixgrad(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Mixtures>()?;
    m.add("MixgradError", m.py().get_type::<MixgradError>())?;
    m.add("MAX_COMPONENTS", mixgrad::MAX_COMPONENTS)?;
    m.add_function(wrap_pyfunction!(simd_path, m)?)?;
    Ok(())
}
