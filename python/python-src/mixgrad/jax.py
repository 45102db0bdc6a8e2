"""JAX: :func:`sample` and :func:`log_prob` of a batch of diagonal mixtures,
differentiable (``jax.grad``, reverse mode) through ``jax.custom_vjp``,
and usable under ``jax.jit`` and ``jax.vmap``. Each runs on the host
through ``jax.pure_callback`` (CPU), one batch call of the crate forward
and one backward.

>>> import jax, jax.numpy as jnp
>>> from mixgrad import jax as mgj
>>> logits, means, scales = jnp.zeros(3), jnp.zeros((3, 2)), jnp.ones((3, 2))
>>> loss = lambda m: (mgj.sample(0, logits, m, scales, 100) ** 2).mean()
>>> jax.grad(loss)(means).shape
(3, 2)

Shapes as in :class:`mixgrad.DiagMixture`: ``logits [*batch, K]``,
``means`` and ``scales [*batch, K, D]``, points ``[*sample, *batch, D]``.
Under ``vmap`` each mapped element draws from its own seed, so an
unmapped key gives every element the same uniforms, as JAX's own
samplers do.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

import mixgrad as _mg

__all__ = ["sample", "log_prob"]

_VMAP = "broadcast_all"


def _params(logits, means, scales):
    """The parameters as arrays of one float dtype, batch dims broadcast."""
    logits, means, scales = (jnp.asarray(a) for a in (logits, means, scales))
    dtypes = {a.dtype for a in (logits, means, scales)}
    if len(dtypes) > 1 or not dtypes <= {jnp.dtype("float32"), jnp.dtype("float64")}:
        raise ValueError(
            f"logits, means, scales have dtypes {logits.dtype}, {means.dtype}, "
            f"{scales.dtype}: expected one of float32 or float64"
        )
    if logits.ndim < 1 or means.ndim < 2 or scales.ndim < 2:
        raise ValueError("expected logits [*batch, K], means and scales [*batch, K, D]")
    k, d = logits.shape[-1], means.shape[-1]
    if means.shape[-2] != k or scales.shape[-2:] != means.shape[-2:]:
        raise ValueError(
            f"logits {logits.shape}, means {means.shape}, scales {scales.shape}: "
            "expected [*batch, K], [*batch, K, D] twice"
        )
    batch = np.broadcast_shapes(logits.shape[:-1], means.shape[:-2], scales.shape[:-2])
    return (jnp.broadcast_to(logits, batch + (k,)), jnp.broadcast_to(means, batch + (k, d)),
            jnp.broadcast_to(scales, batch + (k, d)))


def _seed_bits(key_or_seed):
    """A seed as two uint32 words (low, high): an integer as itself (the
    NumPy API's ``seed=``), a JAX PRNG key as 64 bits drawn from it."""
    if isinstance(key_or_seed, (int, np.integer)):
        seed = _mg._seed(key_or_seed)
        return jnp.asarray(np.array([seed & 0xFFFFFFFF, seed >> 32], dtype=np.uint32))
    return jax.random.bits(key_or_seed, (2,), jnp.uint32)


def _host_mixture(family, logits, means, scales):
    return _mg.DiagMixture(np.asarray(logits), np.asarray(means), np.asarray(scales), family)


def _check_concrete(family, *params):
    """Validates concrete parameters here, so that eager calls raise the
    crate's ``ValueError`` (inside a callback, under ``jit`` or ``grad``,
    a refusal reaches the caller as ``JaxRuntimeError`` with its message)."""
    if not any(isinstance(a, jax.core.Tracer) for a in params):
        _host_mixture(family, *params)


def _sample_major(a, nv: int, s: int):
    """``[*v, *sample, ...]`` → ``[*sample, *v, ...]`` (``nv`` mapped dims
    become batch dims after the ``s`` sample dims)."""
    return np.moveaxis(np.asarray(a), list(range(nv)), list(range(s, s + nv)))


def _vmap_major(a, nv: int, s: int):
    """The inverse of :func:`_sample_major`."""
    return np.moveaxis(a, list(range(s, s + nv)), list(range(nv)))


def sample(key_or_seed, logits, means, scales, n, *, family: str = "gaussian",
           method: str = "quantile"):
    """``[*sample_shape, *batch, D]`` draws (``n`` an int gives
    ``sample_shape = (n,)``), differentiable with respect to ``logits``,
    ``means`` and ``scales`` (the crate's pathwise vector–Jacobian
    product, summed over the draws of each mixture).

    ``key_or_seed``: a JAX PRNG key, or an integer seed (then the draws
    equal ``mixgrad.DiagMixture(...).sample(n, seed=seed)``). ``n`` and the
    keywords are static.
    """
    if family not in _mg.FAMILIES:
        raise ValueError(f"unknown family {family!r}: one of {', '.join(_mg.FAMILIES)}")
    if method not in _mg.METHODS:
        raise ValueError(f"unknown method {method!r}: one of {', '.join(_mg.METHODS)}")
    shape = _mg._sample_shape(n)
    params = _params(logits, means, scales)
    _check_concrete(family, *params)
    return _sample(family, method, shape, _seed_bits(key_or_seed), *params)


def _sample_call(family, method, shape, bits, logits, means, scales):
    batch, d = logits.shape[:-1], means.shape[-1]
    out = jax.ShapeDtypeStruct(shape + batch + (d,), logits.dtype)

    def host(bits, logits, means, scales):
        bits = np.asarray(bits)
        mapped = bits.shape[:-1]
        seeds = [int(lo) | int(hi) << 32 for lo, hi in bits.reshape(-1, 2)]
        k = logits.shape[-1]
        mix = _host_mixture(family, np.reshape(logits, (-1, k)),
                            np.reshape(means, (-1, k, d)), np.reshape(scales, (-1, k, d)))
        x = mix._sample_grouped(shape, seeds, method)
        return x.reshape(mapped + shape + batch + (d,))

    return jax.pure_callback(host, out, bits, logits, means, scales, vmap_method=_VMAP)


@partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2))
def _sample(family, method, shape, bits, logits, means, scales):
    return _sample_call(family, method, shape, bits, logits, means, scales)


def _sample_fwd(family, method, shape, bits, logits, means, scales):
    x = _sample_call(family, method, shape, bits, logits, means, scales)
    return x, (logits, means, scales, x)


def _sample_bwd(family, method, shape, residuals, x_bar):
    logits, means, scales, x = residuals
    batch = logits.shape[:-1]
    outs = tuple(jax.ShapeDtypeStruct(a.shape, a.dtype) for a in (logits, means, scales))

    def host(logits, means, scales, x, x_bar):
        nv = np.ndim(logits) - 1 - len(batch)
        mix = _host_mixture(family, logits, means, scales)
        g = mix.vjp(_sample_major(x, nv, len(shape)), _sample_major(x_bar, nv, len(shape)))
        return tuple(g)

    grads = jax.pure_callback(host, outs, logits, means, scales, x, x_bar, vmap_method=_VMAP)
    return (None, *grads)


_sample.defvjp(_sample_fwd, _sample_bwd)


def log_prob(x, logits, means, scales, *, family: str = "gaussian"):
    """``log q(x)`` for ``x`` broadcasting to ``[*sample, *batch, D]``:
    ``[*sample, *batch]``, differentiable with respect to ``x`` and the
    parameters."""
    if family not in _mg.FAMILIES:
        raise ValueError(f"unknown family {family!r}: one of {', '.join(_mg.FAMILIES)}")
    logits, means, scales = _params(logits, means, scales)
    _check_concrete(family, logits, means, scales)
    x = jnp.asarray(x)
    if x.dtype != logits.dtype:
        raise ValueError(f"x is {x.dtype}, the parameters {logits.dtype}: mixed dtypes")
    batch, d = logits.shape[:-1], means.shape[-1]
    if x.ndim == 0 or x.shape[-1] != d:
        raise ValueError(f"x has shape {x.shape}: its last axis must hold D = {d} values")
    lead = np.broadcast_shapes(x.shape[:-1], batch)
    if lead[len(lead) - len(batch):] != batch:
        raise ValueError(f"x has shape {x.shape}: expected [*sample, *batch, D], batch {batch}")
    return _log_prob(family, jnp.broadcast_to(x, lead + (d,)), logits, means, scales)


def _sample_rank(x, logits):
    return x.ndim - logits.ndim


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def _log_prob(family, x, logits, means, scales):
    s, batch = _sample_rank(x, logits), logits.shape[:-1]
    out = jax.ShapeDtypeStruct(x.shape[:-1], x.dtype)

    def host(x, logits, means, scales):
        nv = np.ndim(logits) - 1 - len(batch)
        mix = _host_mixture(family, logits, means, scales)
        return _vmap_major(mix.log_prob(_sample_major(x, nv, s)), nv, s)

    return jax.pure_callback(host, out, x, logits, means, scales, vmap_method=_VMAP)


def _log_prob_fwd(family, x, logits, means, scales):
    return _log_prob(family, x, logits, means, scales), (x, logits, means, scales)


def _log_prob_bwd(family, residuals, lp_bar):
    x, logits, means, scales = residuals
    s, batch = _sample_rank(x, logits), logits.shape[:-1]
    outs = tuple(jax.ShapeDtypeStruct(a.shape, a.dtype) for a in residuals)

    def host(x, logits, means, scales, lp_bar):
        nv = np.ndim(logits) - 1 - len(batch)
        mix = _host_mixture(family, logits, means, scales)
        g = mix.log_prob_vjp(_sample_major(x, nv, s), _sample_major(lp_bar, nv, s))
        return (_vmap_major(g.x, nv, s), g.logits, g.means, g.scales)

    return jax.pure_callback(host, outs, x, logits, means, scales, lp_bar, vmap_method=_VMAP)


_log_prob.defvjp(_log_prob_fwd, _log_prob_bwd)
