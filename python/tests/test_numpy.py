"""The NumPy API: bit for bit the crate's single calls (tests/reference.rs),
shapes and broadcasting, and every refusal as a ValueError."""

import numpy as np
import pytest
from conftest import assert_bits, from_hex

import mixgrad
from mixgrad import DiagMixture, MixgradError

DTYPES = ["float64", "float32"]


def reference_mixture(ref, dtype, family, batch_shape):
    """The reference batch, shaped `batch_shape` (row-major, as the rows of
    the reference), or mixture 0 alone for `()`."""
    k, d = ref["K"], ref["D"]
    case = ref[dtype][family]
    logits = from_hex(case["logits"], dtype).reshape(-1, k)
    means = from_hex(case["means"], dtype).reshape(-1, k, d)
    scales = from_hex(case["scales"], dtype).reshape(-1, k, d)
    if batch_shape == ():
        logits, means, scales = logits[0], means[0], scales[0]
    else:
        logits = logits.reshape(batch_shape + (k,))
        means = means.reshape(batch_shape + (k, d))
        scales = scales.reshape(batch_shape + (k, d))
    return DiagMixture(logits, means, scales, family=family)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("family", mixgrad.FAMILIES)
@pytest.mark.parametrize("batch_shape", [(6,), (2, 3), ()])
def test_equals_single_calls(reference, dtype, family, batch_shape):
    """Every operation of a batch (DiagBatchRef, repeated parameters for
    several draws per mixture) or of one mixture (the *_many forms) gives
    the bits of the crate's single calls on each mixture and point."""
    mix = reference_mixture(reference, dtype, family, batch_shape)
    case = reference[dtype][family]["single" if batch_shape == () else "batch"]
    k, d, n = reference["K"], reference["D"], case["n"]
    points = (n,) + batch_shape

    def expected(name, tail=()):
        return from_hex(case[name], dtype).reshape(points + tail)

    x = mix.sample(n, seed=case["seed"])
    assert_bits(x, expected("sample_quantile", (d,)))
    assert_bits(mix.sample(n, method="ancestral", seed=case["seed"] + 1),
                expected("sample_ancestral", (d,)))
    assert_bits(mix.log_prob(x), expected("log_prob"))
    assert_bits(mix.cdf(x), expected("cdf", (d,)))
    assert_bits(mix.quantile(expected("u", (d,))), expected("quantile", (d,)))
    grad = mix.log_prob_grad(x)
    assert_bits(grad.log_prob, expected("log_prob"))
    assert_bits(grad.x, expected("log_prob_grad_x", (d,)))
    assert_bits(grad.logits, expected("log_prob_grad_logits", (k,)))
    assert_bits(grad.means, expected("log_prob_grad_means", (k, d)))
    assert_bits(grad.scales, expected("log_prob_grad_scales", (k, d)))
    # Summed over the draws in row order from +0, as the crate's vjp_many.
    g = mix.vjp(x, expected("x_bar", (d,)))
    assert_bits(g.logits, from_hex(case["vjp_logits"], dtype).reshape(batch_shape + (k,)))
    assert_bits(g.means, from_hex(case["vjp_means"], dtype).reshape(batch_shape + (k, d)))
    assert_bits(g.scales, from_hex(case["vjp_scales"], dtype).reshape(batch_shape + (k, d)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_prob_vjp_weights_the_per_point_gradients(reference, dtype):
    """log_prob_vjp with unit weights sums log_prob_grad's rows in order;
    with weights w it scales each row's gradient by w."""
    mix = reference_mixture(reference, dtype, "logistic", (2, 3))
    x = mix.sample(4, seed=5)
    per_point = mix.log_prob_grad(x)
    ones = mix.log_prob_vjp(x, 1.0)
    assert_bits(ones.x, per_point.x)
    total = np.zeros_like(per_point.means[0])
    for row in per_point.means:
        total += row
    assert_bits(ones.means, total)
    w = np.linspace(-1.0, 2.0, 4 * 6).reshape(4, 2, 3).astype(dtype)
    weighted = mix.log_prob_vjp(x, w)
    np.testing.assert_allclose(weighted.x, w[..., None] * per_point.x, rtol=1e-6)
    np.testing.assert_allclose(weighted.logits, np.einsum("sab,sabk->abk", w, per_point.logits),
                               rtol=1e-5, atol=1e-6)


def test_shapes_and_broadcasting():
    rng = np.random.default_rng(0)
    mix = DiagMixture(rng.normal(size=(4, 3)), rng.normal(size=(1, 3, 2)),
                      np.exp(rng.normal(size=(3, 2))), family="laplace")
    assert mix.batch_shape == (4,) and mix.event_shape == (2,)
    assert (mix.num_components, mix.num_dims, mix.dtype) == (3, 2, np.float64)
    x = mix.sample((5, 7), seed=1)
    assert x.shape == (5, 7, 4, 2)
    # A sample shape is a reshape of the same stream.
    assert_bits(mix.sample(35, seed=1).reshape(5, 7, 4, 2), x)
    assert mix.log_prob(x).shape == (5, 7, 4)
    # Points broadcast over the batch; cotangents over the points.
    assert mix.log_prob(np.zeros(2)).shape == (4,)
    assert mix.log_prob(np.zeros((9, 1, 2))).shape == (9, 4)
    g = mix.vjp(x, 1.0)
    assert [a.shape for a in g] == [(4, 3), (4, 3, 2), (4, 3, 2)]
    # Integer points take the parameters' dtype.
    assert mix.log_prob(np.zeros((4, 2), dtype=int)).dtype == np.float64
    # No draws: empty results, zero gradients.
    assert mix.sample(0, seed=1).shape == (0, 4, 2)
    assert not np.any(mix.vjp(np.zeros((0, 4, 2)), 0.0).means)


def test_float32_end_to_end():
    mix = DiagMixture(np.zeros(2, np.float32), np.zeros((2, 3), np.float32),
                      np.ones((2, 3), np.float32))
    x = mix.sample(10, seed=3)
    assert x.dtype == np.float32
    assert all(a.dtype == np.float32 for a in mix.vjp(x, np.ones_like(x)))
    assert mix.log_prob(x).dtype == np.float32


def test_seeds_reproduce_and_differ():
    mix = DiagMixture(np.zeros(2), np.zeros((2, 1)), np.ones((2, 1)))
    assert_bits(mix.sample(8, seed=2**64 - 1), mix.sample(8, seed=2**64 - 1))
    assert not np.array_equal(mix.sample(8, seed=1), mix.sample(8, seed=2))
    assert not np.array_equal(mix.sample(8), mix.sample(8))


def test_quantile_inverts_cdf():
    rng = np.random.default_rng(1)
    mix = DiagMixture(rng.normal(size=(3, 4)), rng.normal(size=(3, 4, 5)),
                      np.exp(rng.normal(size=(3, 4, 5))), family="cauchy")
    x = mix.sample(50, seed=0)
    np.testing.assert_allclose(mix.quantile(mix.cdf(x)), x, rtol=1e-9, atol=1e-9)


# -- refusals ------------------------------------------------------------------

GOOD = (np.zeros((2, 2)), np.zeros((2, 2, 3)), np.ones((2, 2, 3)))


def with_param(i, value):
    params = [p.copy() for p in GOOD]
    params[i] = value
    return params


@pytest.mark.parametrize("params, message", [
    (with_param(1, np.zeros((2, 2, 3), np.float32)),
     r"mixed dtypes \(logits is float64, means is float32\)"),
    (with_param(0, np.zeros((2, 2), np.float16)),
     "logits has dtype float16: expected float32 or float64"),
    (with_param(2, np.ones((2, 2, 3), complex)), "scales has dtype complex128"),
    (with_param(1, np.zeros((2, 3, 3))), "means and scales must be"),
    (with_param(2, np.ones((2, 2, 4))), "means and scales must be"),
    (with_param(0, np.zeros(2)[None].repeat(3, 0)), "do not broadcast"),
    ((np.zeros((2, 0)), np.zeros((2, 0, 3)), np.ones((2, 0, 3))), r"no components \(K = 0\)"),
    ((np.zeros(65), np.zeros((65, 3)), np.ones((65, 3))), "K exceeds MAX_COMPONENTS"),
    (with_param(0, np.array([[0.0, 0.0], [np.nan, 0.0]])),
     r"a logit is NaN: logits\[0\] of row 1 .*\[batch index \(1,\)\]"),
    (with_param(0, np.array([[0.0, 0.0], [np.inf, 0.0]])), r"a logit is \+inf"),
    (with_param(0, np.array([[0.0, 0.0], [-np.inf, -np.inf]])), "every logit is -inf"),
    (with_param(1, np.full((2, 2, 3), np.inf)), "a mean is not finite"),
    (with_param(2, np.full((2, 2, 3), np.nan)), "a scale is not finite"),
    (with_param(2, np.zeros((2, 2, 3))),
     r"a scale is not positive: scales\[0\] of row 0 \(component 0, dimension 0\)"),
])
def test_invalid_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        DiagMixture(*params)


def test_invalid_parameters_carry_the_crates_kind():
    with pytest.raises(MixgradError) as err:
        DiagMixture(*with_param(2, -np.ones((2, 2, 3))))
    assert (err.value.kind, err.value.row) == ("NonPositiveScale", 0)


def test_no_dimensions():
    with pytest.raises(ValueError, match=r"no dimensions \(D = 0\)"):
        DiagMixture(np.zeros(2), np.zeros((2, 0)), np.ones((2, 0)))


def test_invalid_arguments():
    mix = DiagMixture(*GOOD)
    cases = [
        (lambda: DiagMixture(*GOOD, family="normal"), "unknown family 'normal'"),
        (lambda: mix.sample(3, method="inverse"), "unknown method 'inverse'"),
        (lambda: mix.sample(-1), "sample shape -1"),
        (lambda: mix.sample(3, seed=-1), "seed -1"),
        (lambda: mix.sample(3, seed=2**64), "seed"),
        (lambda: mix.log_prob(np.zeros((2, 4))), r"last axis must hold D = 3"),
        (lambda: mix.log_prob(np.zeros((5, 3, 3))), r"expected \[\*sample, \*batch, D\]"),
        (lambda: mix.log_prob(np.zeros((2, 3), np.float32)), "mixed dtypes"),
        (lambda: mix.vjp(np.zeros((2, 3)), np.zeros((4, 2, 3))), "x_bar has shape"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_invalid_points_name_their_place():
    mix = DiagMixture(*GOOD)
    u = np.full((4, 2, 3), 0.5)
    u[2, 1, 0] = 1.0
    with pytest.raises(MixgradError, match=r"a u is not strictly inside \(0, 1\): u\[0\] of row 5 "
                       r"\(dimension 0\) \[sample index \(2,\), batch index \(1,\)\]"):
        mix.quantile(u)
    x = np.zeros((4, 2, 3))
    x[3, 0, 2] = np.nan
    for call in (mix.log_prob, mix.cdf, mix.log_prob_grad, lambda x: mix.vjp(x, 1.0)):
        with pytest.raises(MixgradError, match=r"an x is not finite: x\[2\] of row 6"):
            call(x)
    with pytest.raises(MixgradError, match="a cotangent is not finite"):
        mix.vjp(np.zeros((2, 3)), np.full((2, 3), np.inf))


def test_zero_density_is_refused():
    """A point deep in the gap between two narrow components has no
    representable gradient: the crate refuses it, and so does the package."""
    mix = DiagMixture(np.zeros(2), [[-1e3], [1e3]], [[1e-2], [1e-2]])
    with pytest.raises(MixgradError, match="a conditional density underflows") as err:
        mix.vjp(np.zeros((3, 1)), np.ones((3, 1)))
    assert err.value.kind == "ZeroDensity"
