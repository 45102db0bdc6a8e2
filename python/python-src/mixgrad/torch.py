"""PyTorch: :class:`MixtureOfDiagonal`, a ``torch.distributions``
distribution whose ``rsample`` carries mixgrad's exact pathwise gradients
to the logits, means and scales (CPU, float32 or float64).

>>> import torch
>>> from mixgrad.torch import MixtureOfDiagonal
>>> logits = torch.zeros(8, 3, requires_grad=True)    # 8 mixtures, K = 3
>>> means = torch.randn(8, 3, 2, requires_grad=True)  # D = 2
>>> scales = torch.ones(8, 3, 2, requires_grad=True)
>>> q = MixtureOfDiagonal(logits, means, scales)
>>> x = q.rsample((16,))                              # (16, 8, 2)
>>> (x ** 2).sum().backward()                         # grads on all three

Both autograd functions run one batch call of the crate forward and one
backward (``vjp`` for ``rsample``, ``log_prob_vjp`` for ``log_prob``);
neither supports a second derivative.
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable
from torch.distributions import Distribution, constraints

import mixgrad as _mg

__all__ = ["MixtureOfDiagonal"]


def _numpy(t: torch.Tensor):
    return t.detach().cpu().contiguous().numpy()


def _torch(a, like: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(a).to(like.device)


class _RSample(torch.autograd.Function):
    """``x = T⁻¹(u; θ)`` drawn by the crate; backward: its ``vjp``."""

    @staticmethod
    def forward(ctx, logits, means, scales, family, sample_shape, method, seed):
        mix = _mg.DiagMixture(_numpy(logits), _numpy(means), _numpy(scales), family)
        x = _torch(mix.sample(sample_shape, method=method, seed=seed), logits)
        # Saved as a tensor: autograd then refuses a backward through a
        # sample changed in place.
        ctx.save_for_backward(x)
        ctx.mix = mix
        return x

    @staticmethod
    @once_differentiable
    def backward(ctx, x_bar):
        (x,) = ctx.saved_tensors
        g = ctx.mix.vjp(_numpy(x), _numpy(x_bar))
        like = x_bar
        return (_torch(g.logits, like), _torch(g.means, like), _torch(g.scales, like),
                None, None, None, None)


class _LogProb(torch.autograd.Function):
    """``log q(x)``; backward: ``log_prob_vjp`` (to ``x`` and θ)."""

    @staticmethod
    def forward(ctx, value, logits, means, scales, family):
        mix = _mg.DiagMixture(_numpy(logits), _numpy(means), _numpy(scales), family)
        ctx.save_for_backward(value)
        ctx.mix = mix
        return _torch(mix.log_prob(_numpy(value)), value)

    @staticmethod
    @once_differentiable
    def backward(ctx, lp_bar):
        (value,) = ctx.saved_tensors
        g = ctx.mix.log_prob_vjp(_numpy(value), _numpy(lp_bar))
        like = lp_bar
        return (_torch(g.x, like), _torch(g.logits, like), _torch(g.means, like),
                _torch(g.scales, like), None)


class MixtureOfDiagonal(Distribution):
    """A batch of diagonal mixtures: mixture ``b`` has weights
    ``softmax(logits[b])`` and components of ``family`` with locations
    ``means[b, k]`` and scales ``scales[b, k]`` in each of ``D``
    dimensions.

    Args:
        logits: ``[*batch, K]`` (``K ≤ mixgrad.MAX_COMPONENTS``).
        means: ``[*batch, K, D]``.
        scales: ``[*batch, K, D]``, positive.
        family: ``"gaussian"``, ``"logistic"``, ``"laplace"`` or ``"cauchy"``.
        method: the sampler of :meth:`rsample`, ``"quantile"`` (the
            quantile map: smooth in θ for a fixed seed) or ``"ancestral"``;
            both get the same pathwise gradient, a function of the sample.

    ``batch_shape`` is the broadcast of the three batch shapes,
    ``event_shape`` is ``(D,)``. Tensors must share one dtype (float32 or
    float64); the computation runs on the CPU (other devices are copied
    there and back). The generator is seeded from ``torch``'s, so
    ``torch.manual_seed`` makes :meth:`rsample` reproducible.
    """

    arg_constraints = {
        "logits": constraints.real_vector,
        "means": constraints.real,
        "scales": constraints.positive,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, logits, means, scales, family: str = "gaussian",
                 method: str = "quantile", validate_args=None):
        if family not in _mg.FAMILIES:
            raise ValueError(f"unknown family {family!r}: one of {', '.join(_mg.FAMILIES)}")
        if method not in _mg.METHODS:
            raise ValueError(f"unknown method {method!r}: one of {', '.join(_mg.METHODS)}")
        dtypes = {t.dtype for t in (logits, means, scales)}
        if len(dtypes) > 1 or not dtypes <= {torch.float32, torch.float64}:
            raise ValueError(
                f"logits, means, scales have dtypes {logits.dtype}, {means.dtype}, "
                f"{scales.dtype}: expected one of float32 or float64"
            )
        if logits.dim() < 1 or means.dim() < 2 or scales.dim() < 2:
            raise ValueError("expected logits [*batch, K], means and scales [*batch, K, D]")
        k, d = logits.shape[-1], means.shape[-1]
        if means.shape[-2] != k or scales.shape[-2:] != means.shape[-2:]:
            raise ValueError(
                f"logits {tuple(logits.shape)}, means {tuple(means.shape)}, "
                f"scales {tuple(scales.shape)}: expected [*batch, K], [*batch, K, D] twice"
            )
        batch = torch.broadcast_shapes(logits.shape[:-1], means.shape[:-2], scales.shape[:-2])
        self.logits = logits.expand(batch + (k,))
        self.means = means.expand(batch + (k, d))
        self.scales = scales.expand(batch + (k, d))
        self.family, self.method = family, method
        super().__init__(batch_shape=batch, event_shape=torch.Size((d,)),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch = torch.Size(batch_shape)
        k, d = self.logits.shape[-1], self.means.shape[-1]
        return MixtureOfDiagonal(
            self.logits.expand(batch + (k,)), self.means.expand(batch + (k, d)),
            self.scales.expand(batch + (k, d)), self.family, self.method,
            validate_args=self._validate_args if _instance is None else None,
        )

    @property
    def mean(self) -> torch.Tensor:
        """``Σ_k π_k μ_k`` (NaN for the Cauchy, which has no mean)."""
        pi = torch.softmax(self.logits, dim=-1).unsqueeze(-1)
        mean = (pi * self.means).sum(-2)
        return mean if self.family != "cauchy" else torch.full_like(mean, float("nan"))

    def rsample(self, sample_shape=()) -> torch.Tensor:
        """``[*sample_shape, *batch_shape, D]`` draws, differentiable with
        respect to the parameters (gradients summed over the draws of each
        mixture)."""
        seed = int(torch.randint(0, 2**63 - 1, (), dtype=torch.int64))
        return _RSample.apply(self.logits, self.means, self.scales, self.family,
                              tuple(torch.Size(sample_shape)), self.method, seed)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """``log q(value)`` for ``value`` broadcasting to
        ``[*sample, *batch_shape, D]``; differentiable with respect to
        ``value`` and the parameters."""
        if self._validate_args:
            self._validate_sample(value)
        if value.dtype != self.logits.dtype:
            raise ValueError(f"value is {value.dtype}, the parameters {self.logits.dtype}")
        shape = torch.broadcast_shapes(value.shape, self.batch_shape + self.event_shape)
        # The batch dimensions of `value` may broadcast the mixtures (autograd
        # then sums their gradients back).
        batch = shape[len(shape) - 1 - len(self.batch_shape):-1]
        k, d = self.logits.shape[-1], self.means.shape[-1]
        return _LogProb.apply(value.expand(shape), self.logits.expand(batch + (k,)),
                              self.means.expand(batch + (k, d)),
                              self.scales.expand(batch + (k, d)), self.family)
