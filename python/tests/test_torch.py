"""PyTorch: gradcheck of rsample and log_prob, unbiased pathwise gradients,
the Distribution interface, and refusals."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mixgrad  # noqa: E402
from mixgrad.torch import MixtureOfDiagonal  # noqa: E402


def params(batch=(2,), k=3, d=2, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch + (k,), generator=g, dtype=dtype)
    means = 2 * torch.randn(batch + (k, d), generator=g, dtype=dtype)
    scales = torch.exp(0.5 * torch.randn(batch + (k, d), generator=g, dtype=dtype))
    return [p.requires_grad_() for p in (logits, means, scales)]


@pytest.mark.parametrize("family", mixgrad.FAMILIES)
def test_gradcheck_rsample(family):
    """The backward of rsample (the crate's vjp, summed over the draws)
    matches finite differences of the quantile sampler at a fixed seed."""
    def draw(logits, means, scales):
        torch.manual_seed(0)
        return MixtureOfDiagonal(logits, means, scales, family=family).rsample((3,))

    assert torch.autograd.gradcheck(draw, params(), eps=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("family", mixgrad.FAMILIES)
def test_gradcheck_log_prob(family):
    logits, means, scales = params()
    value = torch.randn((4, 2, 2), dtype=torch.float64, requires_grad=True)

    def log_prob(value, logits, means, scales):
        return MixtureOfDiagonal(logits, means, scales, family=family).log_prob(value)

    assert torch.autograd.gradcheck(log_prob, (value, logits, means, scales), eps=1e-6,
                                    atol=1e-6, rtol=1e-4)


def second_moment_grads(logits, means, scales):
    """Analytic gradients of E[Σ_d x_d²] = Σ_k π_k S_k for a Gaussian
    mixture, S_k = Σ_d (μ_kd² + σ_kd²)."""
    pi = torch.softmax(logits, -1)
    s = (means**2 + scales**2).sum(-1)
    return (pi * (s - (pi * s).sum(-1, keepdim=True)), 2 * pi[..., None] * means,
            2 * pi[..., None] * scales)


@pytest.mark.parametrize("method", mixgrad.METHODS)
def test_rsample_gradients_are_unbiased(method):
    """M independent groups of n draws of one Gaussian mixture each give a
    Monte-Carlo gradient of E[Σ x²]; their mean is within a z-score of 5
    of the closed form for every parameter, and the test has power: the
    standard errors are small against the gradients."""
    groups, n = 40, 2000
    one = [p.detach() for p in params(batch=(), k=3, d=2, seed=3)]
    leaves = [p.expand((groups,) + p.shape).clone().requires_grad_() for p in one]
    torch.manual_seed(1)
    x = MixtureOfDiagonal(*leaves, method=method).rsample((n,))
    ((x**2).sum() / n).backward()
    exact = second_moment_grads(*one)
    for leaf, truth in zip(leaves, exact):
        est = leaf.grad
        mean, se = est.mean(0), est.std(0) / math.sqrt(groups)
        z = (mean - truth) / se
        assert z.abs().max() < 5, (mean, truth, z)
        assert (se < 0.05 * truth.abs().max()).all(), (se, truth)


def test_log_prob_matches_numpy_and_broadcasts():
    logits, means, scales = params(batch=(3,))
    q = MixtureOfDiagonal(logits, means, scales, family="logistic")
    value = torch.randn(5, 1, 2, dtype=torch.float64, requires_grad=True)
    lp = q.log_prob(value)
    assert lp.shape == (5, 3)
    np_mix = mixgrad.DiagMixture(*(p.detach().numpy() for p in (logits, means, scales)),
                                 family="logistic")
    expanded = np.broadcast_to(value.detach().numpy(), (5, 3, 2))
    np.testing.assert_array_equal(lp.detach().numpy(), np_mix.log_prob(expanded))
    lp.sum().backward()
    g = np_mix.log_prob_vjp(expanded, 1.0)
    np.testing.assert_allclose(value.grad.numpy(), g.x.sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(logits.grad.numpy(), g.logits)
    # A batch dimension of the value broadcasts the mixtures too.
    q1 = MixtureOfDiagonal(*(p.detach()[:1] for p in (logits, means, scales)))
    assert q1.log_prob(torch.zeros(4, 2, dtype=torch.float64)).shape == (4,)


def test_distribution_interface():
    logits, means, scales = params(batch=(4,))
    q = MixtureOfDiagonal(logits, means[:1], scales, family="laplace")
    assert q.batch_shape == (4,) and q.event_shape == (2,) and q.has_rsample
    assert q.rsample().shape == (4, 2)
    assert q.sample((2, 3)).shape == (2, 3, 4, 2)
    assert not q.sample().requires_grad
    assert q.expand((5, 4)).rsample().shape == (5, 4, 2)
    assert torch.allclose(q.mean, (torch.softmax(logits, -1)[..., None] * means[:1]).sum(-2))
    torch.manual_seed(7)
    a = q.rsample((3,))
    torch.manual_seed(7)
    assert torch.equal(a, q.rsample((3,)))


def test_amortised_float32_network():
    """One mixture per data point from a network: gradients reach its
    weights through logits, means and scales, in float32."""
    torch.manual_seed(0)
    k, d = 4, 3
    net = torch.nn.Linear(5, k + 2 * k * d)
    out = net(torch.randn(16, 5))
    logits = out[:, :k]
    means = out[:, k:k + k * d].reshape(16, k, d)
    scales = torch.nn.functional.softplus(out[:, k + k * d:]).reshape(16, k, d) + 1e-3
    q = MixtureOfDiagonal(logits, means, scales)
    x = q.rsample((8,))
    assert x.dtype == torch.float32 and x.shape == (8, 16, d)
    loss = (x**2).mean() - q.log_prob(x.detach()).mean()
    loss.backward()
    assert net.weight.grad is not None and torch.isfinite(net.weight.grad).all()
    assert net.weight.grad.abs().sum() > 0


def test_refusals():
    logits, means, scales = params()
    with pytest.raises(ValueError, match="expected one of float32 or float64"):
        MixtureOfDiagonal(logits.float(), means, scales)
    with pytest.raises(ValueError, match="unknown family"):
        MixtureOfDiagonal(logits, means, scales, family="normal")
    with pytest.raises(ValueError, match="unknown method"):
        MixtureOfDiagonal(logits, means, scales, method="inverse")
    with pytest.raises(ValueError, match="expected"):
        MixtureOfDiagonal(logits, means[..., :2, :], scales)
    bad = scales.detach().clone()
    bad[1, 2, 0] = -1.0
    # torch's own argument check, then the crate's.
    with pytest.raises(ValueError, match="scales"):
        MixtureOfDiagonal(logits, means, bad)
    with pytest.raises(mixgrad.MixgradError, match=r"a scale is not positive.*batch index \(1,\)"):
        MixtureOfDiagonal(logits, means, bad, validate_args=False).rsample()
    q = MixtureOfDiagonal(logits, means, scales, validate_args=False)
    with pytest.raises(ValueError, match="an x is not finite"):
        q.log_prob(torch.full((2, 2), float("nan"), dtype=torch.float64))
    with pytest.raises(ValueError, match="value is torch.float32"):
        q.log_prob(torch.zeros(2, 2))
