"""Mixtures sampled with exact pathwise gradients (Graves 2016).

A thin layer over the Rust crate ``mixgrad``: every computation is one of
its batch calls (``DiagBatchRef`` or the ``*_many`` forms of one mixture),
run without the GIL and split across threads. This module gives it NumPy
shapes; :mod:`mixgrad.torch` and :mod:`mixgrad.jax` plug it into autograd.

>>> import numpy as np, mixgrad
>>> mix = mixgrad.DiagMixture(
...     logits=np.log([0.3, 0.7]),
...     means=[[-1.0, 0.0], [2.0, 1.0]],
...     scales=[[0.5, 1.0], [1.0, 0.3]],
... )
>>> x = mix.sample(1000, seed=42)           # (1000, 2)
>>> g = mix.vjp(x, np.ones_like(x) / 1000)  # d mean(x0 + x1) / d params
>>> g.logits.shape, g.means.shape
((2,), (2, 2))

Shapes: ``logits [*batch, K]``, ``means`` and ``scales [*batch, K, D]``
describe a batch of mixtures (batch dimensions broadcast); points are
``[*sample, *batch, D]``. Parameter gradients are summed over the sample
dimensions, one per mixture.
"""

from __future__ import annotations

import math
import secrets
from typing import NamedTuple, Sequence, Tuple, Union

import numpy as np

from . import _mixgrad
from ._mixgrad import MAX_COMPONENTS, MixgradError, simd_path

# Named where users import it from (the extension module is private).
MixgradError.__module__ = __name__

__all__ = [
    "DiagMixture",
    "FAMILIES",
    "LogProbGrad",
    "LogProbVjp",
    "MAX_COMPONENTS",
    "METHODS",
    "MixgradError",
    "ParamGrad",
    "simd_path",
]

#: The location-scale families of the components.
FAMILIES = ("gaussian", "logistic", "laplace", "cauchy")
#: The samplers: the quantile map ``x = T⁻¹(u)`` (smooth in the parameters
#: for fixed uniforms) or component-then-point draws. The pathwise
#: gradient (:meth:`DiagMixture.vjp`) is a function of ``x`` alone and
#: applies to both.
METHODS = ("quantile", "ancestral")

SampleShape = Union[int, Sequence[int]]


class ParamGrad(NamedTuple):
    """Gradients with respect to the parameters, in their shapes."""

    logits: np.ndarray
    means: np.ndarray
    scales: np.ndarray


class LogProbGrad(NamedTuple):
    """``log q(x)`` and its gradients, per point (not summed)."""

    log_prob: np.ndarray  #: ``[*sample, *batch]``
    x: np.ndarray  #: ``d log q / dx``, ``[*sample, *batch, D]``
    logits: np.ndarray  #: ``[*sample, *batch, K]``
    means: np.ndarray  #: ``[*sample, *batch, K, D]``
    scales: np.ndarray  #: ``[*sample, *batch, K, D]``


class LogProbVjp(NamedTuple):
    """The gradient of ``sum(lp_bar * log q(x))``."""

    x: np.ndarray  #: per point, ``[*sample, *batch, D]``
    logits: np.ndarray  #: summed over the sample dimensions
    means: np.ndarray
    scales: np.ndarray


def _dtype(named) -> np.dtype:
    """The one float dtype of the NumPy float arrays among ``named``
    (``(name, original, array)``; float64 if there is none). Python
    numbers and lists take that dtype; two float dtypes, or another
    float dtype than float32 and float64, raise ``ValueError``."""
    floats = {}
    for name, original, a in named:
        if a.dtype.kind not in "fiub":
            raise ValueError(f"{name} has dtype {a.dtype}: expected float32 or float64")
        if a.dtype.kind == "f" and a.dtype not in (np.float32, np.float64):
            raise ValueError(f"{name} has dtype {a.dtype}: expected float32 or float64")
        if a.dtype.kind == "f" and isinstance(original, (np.ndarray, np.generic)):
            floats.setdefault(a.dtype, name)
    if len(floats) > 1:
        found = ", ".join(f"{n} is {d}" for d, n in floats.items())
        raise ValueError(f"mixed dtypes ({found}): use float32 or float64 throughout")
    return next(iter(floats), np.dtype(np.float64))


def _sample_shape(n: SampleShape) -> Tuple[int, ...]:
    shape = (n,) if isinstance(n, (int, np.integer)) else tuple(n)
    if any(not isinstance(s, (int, np.integer)) or s < 0 for s in shape):
        raise ValueError(f"sample shape {n!r}: expected non-negative integers")
    return tuple(int(s) for s in shape)


def _seed(seed) -> int:
    """A 64-bit seed: the given one, or fresh entropy."""
    if seed is None:
        return secrets.randbits(64)
    if not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**64:
        raise ValueError(f"seed {seed!r}: expected an integer in [0, 2**64)")
    return int(seed)


def _index(flat: int, shape: Tuple[int, ...]) -> Tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape))


class DiagMixture:
    """A batch of diagonal mixtures of one location-scale family.

    Mixture ``b`` has density ``q(x) = Σ_k π_k Π_d g((x_d − μ_kd)/σ_kd)/σ_kd``
    with ``π = softmax(logits[b])``, ``μ = means[b]``, ``σ = scales[b]``.

    Args:
        logits: ``[*batch, K]`` unnormalised log-weights (``-inf`` switches
            a component off), ``K ≤ MAX_COMPONENTS``.
        means: ``[*batch, K, D]`` component locations.
        scales: ``[*batch, K, D]`` component scales, positive.
        family: ``"gaussian"``, ``"logistic"``, ``"laplace"`` or ``"cauchy"``.

    The dtype (float32 or float64) is the parameters'; mixing the two
    raises ``ValueError``. The batch dimensions of the three broadcast.
    Invalid values raise :class:`MixgradError` (a ``ValueError``) with the
    crate's message, naming the batch index.
    """

    def __init__(self, logits, means, scales, family: str = "gaussian"):
        if family not in FAMILIES:
            raise ValueError(f"unknown family {family!r}: one of {', '.join(FAMILIES)}")
        given = (logits, means, scales)
        arrays = [np.asarray(a) for a in given]
        dtype = _dtype(zip(("logits", "means", "scales"), given, arrays))
        logits, means, scales = arrays
        if logits.ndim < 1 or means.ndim < 2 or scales.ndim < 2:
            raise ValueError(
                f"logits {logits.shape}, means {means.shape}, scales {scales.shape}: "
                "expected [*batch, K], [*batch, K, D], [*batch, K, D]"
            )
        k, d = logits.shape[-1], means.shape[-1]
        if means.shape[-2] != k or scales.shape[-2:] != (k, d):
            raise ValueError(
                f"logits {logits.shape}, means {means.shape}, scales {scales.shape}: "
                f"means and scales must be [*batch, K, D] with K = {k}"
            )
        try:
            batch = np.broadcast_shapes(logits.shape[:-1], means.shape[:-2], scales.shape[:-2])
        except ValueError:
            raise ValueError(
                f"the batch shapes {logits.shape[:-1]}, {means.shape[:-2]}, "
                f"{scales.shape[:-2]} of logits, means, scales do not broadcast"
            ) from None
        self._logits = np.ascontiguousarray(np.broadcast_to(logits, batch + (k,)), dtype)
        self._means = np.ascontiguousarray(np.broadcast_to(means, batch + (k, d)), dtype)
        self._scales = np.ascontiguousarray(np.broadcast_to(scales, batch + (k, d)), dtype)
        self._batch = tuple(batch)
        self._mix = self._call((), _mixgrad.Mixtures, family, self._logits, self._means,
                               self._scales, k, d)

    # -- shapes ------------------------------------------------------------

    @property
    def batch_shape(self) -> Tuple[int, ...]:
        """The shape of the batch of mixtures."""
        return self._batch

    @property
    def event_shape(self) -> Tuple[int]:
        """``(D,)``."""
        return (self.num_dims,)

    @property
    def num_components(self) -> int:
        """``K``."""
        return self._logits.shape[-1]

    @property
    def num_dims(self) -> int:
        """``D``."""
        return self._means.shape[-1]

    @property
    def dtype(self) -> np.dtype:
        return self._logits.dtype

    @property
    def family(self) -> str:
        return self._mix.family

    @property
    def logits(self) -> np.ndarray:
        return self._logits

    @property
    def means(self) -> np.ndarray:
        return self._means

    @property
    def scales(self) -> np.ndarray:
        return self._scales

    def __repr__(self) -> str:
        return (f"DiagMixture(family={self.family!r}, batch_shape={self.batch_shape}, "
                f"K={self.num_components}, D={self.num_dims}, dtype={self.dtype})")

    # -- sampling ----------------------------------------------------------

    def sample(self, n: SampleShape, method: str = "quantile", seed=None) -> np.ndarray:
        """Draws ``[*sample_shape, *batch, D]`` points (``n`` an int gives
        ``sample_shape = (n,)``).

        With ``seed`` (an integer below ``2**64``) the draws are those of
        the Rust generator ``Xoshiro256PlusPlus::seed_from_u64(seed)``
        handed to consecutive single calls, the mixtures of the batch in
        row-major order within each sample position; without it, the seed
        is fresh entropy.
        """
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
        shape = _sample_shape(n)
        x = self._sample_grouped(shape, [_seed(seed)], method)
        return x.reshape(shape + self._batch + (self.num_dims,))

    def _sample_grouped(self, shape, seeds, method: str) -> np.ndarray:
        """Flat draws of ``G = len(seeds)`` groups of consecutive mixtures
        (``B/G`` each), group ``i`` from ``seeds[i]``: ``[G, *shape, B/G, D]``
        (``mixgrad.jax`` under ``vmap``, one seed per mapped element)."""
        return self._call(shape, self._mix.sample, math.prod(shape), list(seeds),
                          method == "ancestral")

    # -- point-wise --------------------------------------------------------

    def log_prob(self, x) -> np.ndarray:
        """``log q(x)``, ``[*sample, *batch]``."""
        x, shape = self._points(x, "x")
        return self._call(shape, self._mix.log_prob, x).reshape(shape + self._batch)

    def cdf(self, x) -> np.ndarray:
        """The conditional CDFs ``u_d = F_d(x_d | x_<d)`` (the
        distributional transform ``T``), ``[*sample, *batch, D]``."""
        x, shape = self._points(x, "x")
        return self._call(shape, self._mix.cdf, x).reshape(x.shape)

    def quantile(self, u) -> np.ndarray:
        """The quantile map ``x = T⁻¹(u)``, ``u`` strictly inside (0, 1)."""
        u, shape = self._points(u, "u")
        return self._call(shape, self._mix.quantile, u).reshape(u.shape)

    # -- gradients ---------------------------------------------------------

    def vjp(self, x, x_bar) -> ParamGrad:
        """The pathwise gradient ``Σ x̄ · ∂x/∂θ`` at samples ``x`` for
        cotangents ``x_bar = dL/dx`` (broadcast to ``x``), summed over the
        sample dimensions: one gradient per mixture, in the parameters'
        shapes."""
        x, shape = self._points(x, "x")
        x_bar = self._like(x_bar, x.shape, "x_bar")
        grads = self._call(shape, self._mix.vjp, x, x_bar)
        return ParamGrad(*self._param_shaped(grads, ()))

    def log_prob_grad(self, x) -> LogProbGrad:
        """``log q(x)`` and its gradients with respect to ``x`` and the
        parameters, per point (``[*sample, *batch, ...]``, not summed)."""
        x, shape = self._points(x, "x")
        lp, dx, *grads = self._call(shape, self._mix.log_prob_grad, x)
        return LogProbGrad(lp.reshape(shape + self._batch), dx.reshape(x.shape),
                           *self._param_shaped(grads, shape))

    def log_prob_vjp(self, x, lp_bar) -> LogProbVjp:
        """The gradient of ``Σ lp_bar · log q(x)`` (``lp_bar`` broadcast to
        ``[*sample, *batch]``): per point for ``x``, summed over the sample
        dimensions for the parameters."""
        x, shape = self._points(x, "x")
        lp_bar = self._like(lp_bar, shape + self._batch, "lp_bar")
        dx, *grads = self._call(shape, self._mix.log_prob_vjp, x, lp_bar)
        return LogProbVjp(dx.reshape(x.shape), *self._param_shaped(grads, ()))

    # -- plumbing ----------------------------------------------------------

    def _points(self, x, name: str):
        """``x`` broadcast to ``[*sample, *batch, D]``, C-contiguous in the
        parameters' dtype, and its sample shape."""
        given, x = x, np.asarray(x)
        dtype = _dtype([("the parameters", self._logits, self._logits), (name, given, x)])
        d, batch = self.num_dims, self._batch
        if x.ndim == 0 or x.shape[-1] != d:
            raise ValueError(f"{name} has shape {x.shape}: its last axis must hold D = {d} values")
        try:
            lead = np.broadcast_shapes(x.shape[:-1], batch)
        except ValueError:
            lead = None
        if lead is None or lead[len(lead) - len(batch):] != batch:
            raise ValueError(
                f"{name} has shape {x.shape}: expected [*sample, *batch, D] "
                f"with batch {batch} and D = {d}"
            )
        x = np.ascontiguousarray(np.broadcast_to(x, lead + (d,)), dtype)
        return x, lead[: len(lead) - len(batch)]

    def _like(self, a, shape, name: str) -> np.ndarray:
        """``a`` broadcast to ``shape`` in the parameters' dtype."""
        given, a = a, np.asarray(a)
        dtype = _dtype([("the parameters", self._logits, self._logits), (name, given, a)])
        try:
            return np.ascontiguousarray(np.broadcast_to(a, shape), dtype)
        except ValueError:
            raise ValueError(
                f"{name} has shape {a.shape}, which does not broadcast to {shape}"
            ) from None

    def _param_shaped(self, grads, lead):
        """Flat gradients as ``[*lead, *batch, K]``, ``[.., K, D]``."""
        k, d = self.num_components, self.num_dims
        shapes = [(k,), (k, d), (k, d)]
        return [g.reshape(lead + self._batch + s) for g, s in zip(grads, shapes)]

    def _call(self, sample_shape, fn, *args):
        """``fn(*args)``, with a refusal's batch row turned into the sample
        and batch indices it stands for."""
        try:
            return fn(*args)
        except MixgradError as err:
            raise _located(err, sample_shape, self._batch) from None


def _located(err: MixgradError, sample_shape, batch_shape) -> MixgradError:
    """``err`` with its row (``r·B + b``) named as indices."""
    row = getattr(err, "row", None)
    if row is None:
        return err
    size = math.prod(batch_shape)
    where = []
    if sample_shape and size:
        where.append(f"sample index {_index(row // size, sample_shape)}")
    if batch_shape and size:
        where.append(f"batch index {_index(row % size, batch_shape)}")
    if not where:
        return err
    located = MixgradError(f"{err} [{', '.join(where)}]")
    located.kind, located.row = err.kind, row
    return located
