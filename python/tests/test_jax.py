"""JAX: sample and log_prob under grad (check_grads), jit and vmap, and the
same draws as the NumPy API."""

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)  # finite differences need float64

import jax.numpy as jnp  # noqa: E402
from jax.test_util import check_grads  # noqa: E402

import mixgrad  # noqa: E402
from mixgrad import jax as mgj  # noqa: E402


def params(batch=(2,), k=3, d=2, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=batch + (k,)), dtype),
            jnp.asarray(2 * rng.normal(size=batch + (k, d)), dtype),
            jnp.asarray(np.exp(0.5 * rng.normal(size=batch + (k, d))), dtype))


@pytest.mark.parametrize("family", mixgrad.FAMILIES)
def test_check_grads_sample(family):
    def draw(logits, means, scales):
        return mgj.sample(5, logits, means, scales, 3, family=family)

    check_grads(draw, params(), order=1, modes=["rev"], eps=1e-6, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("family", mixgrad.FAMILIES)
def test_check_grads_log_prob(family):
    x = jnp.asarray(np.random.default_rng(1).normal(size=(4, 2, 2)))
    lp = lambda x, *p: mgj.log_prob(x, *p, family=family)  # noqa: E731
    check_grads(lp, (x,) + params(), order=1, modes=["rev"], eps=1e-6, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_integer_seed_draws_the_numpy_samples(dtype):
    p = params(dtype=dtype)
    np_mix = mixgrad.DiagMixture(*(np.asarray(a) for a in p))
    expected = np_mix.sample(4, seed=2**64 - 3)
    np.testing.assert_array_equal(mgj.sample(2**64 - 3, *p, 4), expected)
    jitted = jax.jit(lambda *p: mgj.sample(2**64 - 3, *p, 4))
    np.testing.assert_array_equal(jitted(*p), expected)
    np.testing.assert_array_equal(mgj.log_prob(expected, *p), np_mix.log_prob(expected))
    assert mgj.sample(0, *p, 4, method="ancestral").dtype == dtype


def test_jit_grad_equals_numpy_vjp():
    p = params()
    key = jax.random.key(3)

    def loss(*p):
        return (mgj.sample(key, *p, 6) ** 2).sum()

    grads = jax.jit(jax.grad(loss, argnums=(0, 1, 2)))(*p)
    x = mgj.sample(key, *p, 6)
    np_mix = mixgrad.DiagMixture(*(np.asarray(a) for a in p))
    expected = np_mix.vjp(np.asarray(x), 2 * np.asarray(x))
    for g, e in zip(grads, expected):
        np.testing.assert_array_equal(g, e)


def test_vmap_over_parameters_and_keys():
    stacked = params(batch=(4, 2), seed=2)
    # An unmapped seed: every element gets the draws it would get alone.
    xs = jax.vmap(lambda *p: mgj.sample(9, *p, 3))(*stacked)
    assert xs.shape == (4, 3, 2, 2)
    for i in range(4):
        one = [a[i] for a in stacked]
        np.testing.assert_array_equal(xs[i], mgj.sample(9, *one, 3))
    # Mapped keys: each element its own stream.
    keys = jax.random.split(jax.random.key(0), 4)
    ys = jax.jit(jax.vmap(lambda k, *p: mgj.sample(k, *p, 3)))(keys, *stacked)
    for i in range(4):
        np.testing.assert_array_equal(ys[i], mgj.sample(keys[i], *[a[i] for a in stacked], 3))
    assert not np.array_equal(ys[0], ys[1])


def test_vmap_of_gradients():
    """Per-example gradients under vmap equal the gradients one at a time,
    for the sampler and for log_prob (its points mapped too)."""
    stacked = params(batch=(3,), seed=4)

    def loss(logits, means, scales):
        x = mgj.sample(1, logits, means, scales, (2, 5))
        return (x**2).sum() + mgj.log_prob(x, logits, means, scales).sum()

    batched = jax.vmap(jax.grad(loss, argnums=(0, 1, 2)))(*stacked)
    for i in range(3):
        one = jax.grad(loss, argnums=(0, 1, 2))(*[a[i] for a in stacked])
        for b, o in zip(batched, one):
            np.testing.assert_allclose(b[i], o, rtol=1e-12, atol=1e-12)
    points = jnp.asarray(np.random.default_rng(0).normal(size=(3, 7, 2)))
    lp = jax.vmap(lambda x, *p: mgj.log_prob(x, *p))(points, *stacked)
    assert lp.shape == (3, 7)
    def total(x, *p):
        return mgj.log_prob(x, *p).sum()

    dx = jax.vmap(jax.grad(total))(points, *stacked)
    for i in range(3):
        one = jax.grad(total)(points[i], *[a[i] for a in stacked])
        np.testing.assert_allclose(dx[i], one, rtol=1e-12)


def test_refusals():
    logits, means, scales = params()
    with pytest.raises(ValueError, match="expected one of float32 or float64"):
        mgj.sample(0, logits.astype(jnp.float32), means, scales, 2)
    with pytest.raises(ValueError, match="unknown family"):
        mgj.log_prob(jnp.zeros(2), logits, means, scales, family="normal")
    with pytest.raises(ValueError, match="mixed dtypes"):
        mgj.log_prob(jnp.zeros(2, jnp.float32), logits, means, scales)
    with pytest.raises(ValueError, match="last axis"):
        mgj.log_prob(jnp.zeros(3), logits, means, scales)
    with pytest.raises(mixgrad.MixgradError, match="a scale is not positive"):
        mgj.sample(0, logits, means, -scales, 2)
    # Under jit the refusal comes out of the callback.
    with pytest.raises(jax.errors.JaxRuntimeError, match="a scale is not positive"):
        jax.jit(lambda s: mgj.sample(0, logits, means, s, 2))(-scales)
    with pytest.raises(jax.errors.JaxRuntimeError, match="an x is not finite"):
        mgj.log_prob(jnp.full(2, jnp.nan), logits, means, scales)
