"""Do mixture posteriors work in variational autoencoders?

Trains the same VAE with five posteriors q(z|x) and compares them on
held-out data:

- ``gaussian``:  a diagonal Normal, reparameterised (the standard VAE);
- ``pathwise``:  a K-component diagonal Gaussian mixture drawn by
  ``mixgrad.torch.MixtureOfDiagonal.rsample``, exact pathwise gradients to
  the logits, means and scales;
- ``reinforce``: the same mixture; the component index is sampled and its
  gradient to the logits is the score function with a leave-one-out
  baseline; pathwise inside the chosen component;
- ``gumbel``:    the same mixture; the component choice is relaxed with
  Gumbel-softmax at temperature ``--tau`` (z is a weighted sum of one draw
  per component);
- ``gumbel-st``: straight-through Gumbel-softmax: the hard choice forward
  (z an exact draw of q), the relaxed weights' gradient backward.

Every mixture method evaluates ``log q(z|x)`` with
``MixtureOfDiagonal.log_prob``. Two data sets: the binarised 8x8 digits of
scikit-learn (a Bernoulli decoder learned with the encoder) and a toy model
``z ~ N(0, 1)``, ``x ~ N(z^2, 0.25^2)`` whose posterior has two modes at
``+-sqrt(x)``; there the decoder is the true model, fixed, so only the
encoder learns and the exact ``log p(x)`` and ``p(z|x)`` come from a grid.

Reported per data set and method, on held-out points: the ELBO and the
importance-sampled log-likelihood (k draws from q), mean +- standard error
over data points (averaged over seeds first), the paired difference to the
Gaussian, the spread over seeds and the wall time. For the toy, a second
table compares the two estimators of the gradient to the weights on a
fixed two-mode q as the modes separate.

    python examples/python/vae_mixture.py --plot docs/vae_toy_posterior.svg
    python examples/python/vae_mixture.py --data digits --latent 2
    python examples/python/vae_mixture.py --grad-norms 2000   # gradient spikes per method
    python examples/python/vae_mixture.py --smoke             # CI: seconds, exit 1 on failure

Needs torch, numpy, scikit-learn and mixgrad; matplotlib only for --plot.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np
import torch
from torch import nn
from torch.distributions import Normal

from mixgrad.torch import MixtureOfDiagonal

METHODS = ("gaussian", "pathwise", "reinforce", "gumbel", "gumbel-st")
TOY_NOISE = 0.25
TOY_PLOT_X = (0.25, 1.5)
LOG_2PI = math.log(2 * math.pi)


# ---------------------------------------------------------------- tasks


@dataclass
class Task:
    """A data set, its decoder and the training budget shared by all methods."""

    name: str
    x_train: torch.Tensor
    x_test: torch.Tensor
    latent: int
    components: int
    hidden: int
    iterations: int
    batch: int
    decoder_factory: callable  # () -> nn.Module with .log_lik(x, z)


class BernoulliDecoder(nn.Module):
    """p(x|z): independent Bernoulli pixels from an MLP."""

    def __init__(self, latent: int, hidden: int, pixels: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent, hidden), nn.Tanh(),
                                 nn.Linear(hidden, hidden), nn.Tanh(),
                                 nn.Linear(hidden, pixels))

    def log_lik(self, x, z):
        logits = self.net(z)
        x = x.expand(logits.shape)
        return -nn.functional.binary_cross_entropy_with_logits(
            logits, x, reduction="none").sum(-1)


class ToyDecoder(nn.Module):
    """The true p(x|z) = N(x; z^2, TOY_NOISE^2), no parameters: the toy
    measures inference alone, and its posterior is known exactly."""

    def log_lik(self, x, z):
        r = (x - z.pow(2)) / TOY_NOISE
        return (-0.5 * r.pow(2) - math.log(TOY_NOISE) - 0.5 * LOG_2PI).sum(-1)


def digits_task(iterations: int, latent: int, components: int) -> Task:
    """scikit-learn's 1797 digits, pixels (0..16) binarised at > 8, a fixed
    split of 1497 training and 300 held-out images (independent of the
    training seed)."""
    from sklearn.datasets import load_digits

    x = (load_digits().data > 8).astype(np.float32)
    perm = np.random.default_rng(0).permutation(len(x))
    x = torch.from_numpy(x[perm])
    return Task("digits", x[300:], x[:300], latent, components, 128, iterations, 100,
                lambda: BernoulliDecoder(latent, 128, 64))


def toy_task(iterations: int, components: int) -> Task:
    """5000 training and 1000 held-out draws of the toy model, fixed seed."""
    g = torch.Generator().manual_seed(1)
    z = torch.randn(6000, 1, generator=g)
    x = z.pow(2) + TOY_NOISE * torch.randn(6000, 1, generator=g)
    return Task("toy", x[1000:], x[:1000], 1, components, 64, iterations, 100, ToyDecoder)


def toy_exact(x: torch.Tensor, grid: torch.Tensor):
    """log p(x) and p(z|x) on a uniform z grid by quadrature, in float64."""
    x, grid = x.double(), grid.double()
    log_joint = (Normal(0.0, 1.0).log_prob(grid)
                 + Normal(grid.pow(2), TOY_NOISE).log_prob(x.reshape(-1, 1)))
    dz = grid[1] - grid[0]
    log_px = torch.logsumexp(log_joint, -1) + torch.log(dz)
    return log_px, torch.exp(log_joint - log_px.unsqueeze(-1))


# ------------------------------------------------------------- posteriors


class Encoder(nn.Module):
    """x -> the posterior's parameters. The trunk is the same for every
    method; only the head's width depends on the number of components."""

    def __init__(self, inputs: int, hidden: int, latent: int, components: int):
        super().__init__()
        self.k, self.d = components, latent
        self.trunk = nn.Sequential(nn.Linear(inputs, hidden), nn.Tanh(),
                                   nn.Linear(hidden, hidden), nn.Tanh())
        self.head = nn.Linear(hidden, components * (1 + 2 * latent))

    def forward(self, x):
        out = self.head(self.trunk(x))
        k, d = self.k, self.d
        logits = out[..., :k]
        means = out[..., k:k + k * d].reshape(*x.shape[:-1], k, d)
        # softplus keeps scales positive with a gradient everywhere; the
        # floor avoids a degenerate density in float32.
        scales = nn.functional.softplus(out[..., k + k * d:]).reshape(*x.shape[:-1], k, d) + 1e-4
        return logits, means, scales


def posterior(method: str, logits, means, scales):
    """The exact q(z|x) a method's encoder defines (used to evaluate)."""
    if method == "gaussian":
        return Normal(means[..., 0, :], scales[..., 0, :])
    return MixtureOfDiagonal(logits, means, scales)


def log_q(q, z):
    lp = q.log_prob(z)
    return lp.sum(-1) if isinstance(q, Normal) else lp


def log_prior(z):
    return (-0.5 * z.pow(2) - 0.5 * LOG_2PI).sum(-1)


# ---------------------------------------------------- training objectives


def draw(method: str, params, samples: int, tau: float):
    """S draws per data point, shape [S, B, D], and the extra surrogate
    term's log-probability (the chosen components' log-weights for the
    score function, else None)."""
    logits, means, scales = params
    if method == "gaussian":
        return Normal(means[..., 0, :], scales[..., 0, :]).rsample((samples,)), None
    if method == "pathwise":
        return MixtureOfDiagonal(logits, means, scales).rsample((samples,)), None
    eps = torch.randn((samples,) + means.shape)
    if method == "reinforce":
        # Component index drawn without gradient; pathwise within it.
        idx = torch.distributions.Categorical(logits=logits).sample((samples,))
        pick = idx[..., None, None].expand(samples, *means.shape[:-2], 1, means.shape[-1])
        comp = means.unsqueeze(0) + scales.unsqueeze(0) * eps
        z = comp.gather(-2, pick).squeeze(-2)
        log_w = torch.log_softmax(logits, -1).unsqueeze(0).expand(samples, -1, -1)
        return z, log_w.gather(-1, idx.unsqueeze(-1)).squeeze(-1)
    # Gumbel-softmax: relaxed one-hot weights over per-component draws; as
    # tau -> 0 this becomes ancestral sampling. For tau > 0 z is not a draw
    # of q and log q(z) is not its density: a relaxed z between components
    # earns an unbounded -log q, which training exploits (docs/vae.md). The
    # straight-through form uses the hard one-hot forward (z is an exact
    # draw of q) and the relaxed weights' gradient backward.
    w = nn.functional.gumbel_softmax(logits.expand(samples, *logits.shape), tau=tau,
                                     hard=method == "gumbel-st")
    comp = means.unsqueeze(0) + scales.unsqueeze(0) * eps
    return (w.unsqueeze(-1) * comp).sum(-2), None


def surrogate_loss(method, encoder, decoder, x, samples, tau):
    """Minus the S-sample ELBO (averaged, not importance-weighted), with the
    score-function term for ``reinforce``; also returns the ELBO value."""
    params = encoder(x)
    z, log_w = draw(method, params, samples, tau)
    q = posterior(method, *params)
    f = decoder.log_lik(x, z) + log_prior(z) - log_q(q, z)  # [S, B]
    loss = -f.mean()
    if log_w is not None:
        # Leave-one-out baseline: the mean of the other S-1 draws of the
        # same data point, so the baseline is independent of the draw.
        baseline = (f.sum(0, keepdim=True) - f) / (samples - 1)
        loss = loss - ((f - baseline).detach() * log_w).mean()
    return loss, f.detach().mean()


def train(method: str, task: Task, seed: int, samples: int, tau: float, lr: float):
    """One run; returns the encoder, the decoder and the training seconds."""
    torch.manual_seed(seed)
    encoder = Encoder(task.x_train.shape[-1], task.hidden, task.latent, task.components)
    decoder = task.decoder_factory()
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    n = len(task.x_train)
    t0 = time.perf_counter()
    for it in range(task.iterations):
        batch = task.x_train[torch.randint(0, n, (task.batch,))]
        loss, _ = surrogate_loss(method, encoder, decoder, batch, samples, tau)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"{task.name}/{method}: loss {loss.item()} at step {it}")
        opt.zero_grad()
        loss.backward()
        opt.step()
    return encoder, decoder, time.perf_counter() - t0


# ------------------------------------------------------------- evaluation


@torch.no_grad()
def evaluate(method, encoder, decoder, x, k: int, chunk: int = 25):
    """Per held-out point: the ELBO (mean of the k log-weights), the
    importance-sampled log-likelihood log(1/k sum p(x,z)/q(z|x)), z ~ q,
    and exp(entropy of the weights), the number of components in use."""
    elbo, ll, used = [], [], []
    for xs in x.split(chunk):
        params = encoder(xs)
        q = posterior(method, *params)
        z = q.sample((k,))
        log_w = decoder.log_lik(xs, z) + log_prior(z) - log_q(q, z)  # [k, B]
        elbo.append(log_w.mean(0))
        ll.append(torch.logsumexp(log_w.double(), 0) - math.log(k))
        log_pi = torch.log_softmax(params[0], -1)
        entropy = -(log_pi.exp() * log_pi).sum(-1)
        used.append(torch.ones_like(entropy) if method == "gaussian" else entropy.exp())
    return (torch.cat(elbo).double().numpy(), torch.cat(ll).numpy(),
            torch.cat(used).double().numpy())


@torch.no_grad()
def toy_densities(method, encoder, grid):
    """q(z|x) on the grid for the plotted x."""
    xs = torch.tensor(TOY_PLOT_X).reshape(-1, 1)
    q = posterior(method, *encoder(xs))
    return torch.exp(log_q(q, grid.reshape(-1, 1, 1))).T.numpy()  # [x, grid]


def toy_mixture(x: float, pi2: float, n: int, dtype):
    """n copies of a q with components on the two modes +-sqrt(x) of
    p(z|x) (widths of the Laplace approximation), weights (1-pi2, pi2)."""
    m = math.sqrt(x)
    s = TOY_NOISE / (2 * m)
    logits = torch.tensor([math.log(1 - pi2), math.log(pi2)], dtype=dtype).repeat(n, 1)
    means = torch.tensor([[m], [-m]], dtype=dtype).expand(n, 2, 1)
    return logits, means, torch.full((n, 2, 1), s, dtype=dtype)


def weight_gradients(x: float, draws: int, dtype, pi2: float = 0.1):
    """Per-draw gradients of the toy ELBO to the second logit, pathwise and
    score function (a batch of identical mixtures: one gradient per draw)."""
    _, means, scales = toy_mixture(x, pi2, draws, dtype)
    xt = torch.tensor([[x]], dtype=dtype)
    out = {}
    for method in ("pathwise", "reinforce"):
        logits = toy_mixture(x, pi2, draws, dtype)[0].requires_grad_()
        z, log_w = draw(method, (logits, means, scales), 1, 0.0)
        f = ToyDecoder().log_lik(xt, z) + log_prior(z) - MixtureOfDiagonal(
            logits, means, scales).log_prob(z)
        loss = f.sum()
        if log_w is not None:
            # Baseline: the mean over all draws (its dependence on any one
            # draw is negligible at this size).
            loss = loss + ((f - f.mean()).detach() * log_w).sum()
        loss.backward()
        out[method] = logits.grad[:, 1].double().numpy()
    return out


def weight_gradient_quadrature(x: float, pi2: float = 0.1, cell: float = 2.0**-23):
    """The expected pathwise gradient to the second logit,
    E[f'(z) dz/da2] = -int f'(z) pi2 (Phi2(z) - F(z)) dz, by quadrature, and
    the part of it from where q(z)·sigma < cell: there float32's uniform
    grid (spacing 2^-23) has at most about one point per component width,
    so float32 draws barely visit the region that carries that part."""
    logits, means, scales = toy_mixture(x, pi2, 1, torch.float64)
    mu, s = means[0, :, 0], scales[0, 0, 0]
    z = torch.linspace(float(mu.min() - 15 * s), float(mu.max() + 15 * s), 400_001,
                       dtype=torch.float64)
    log_c = torch.log_softmax(logits[0], -1) + Normal(mu, s).log_prob(z[:, None])
    log_q = torch.logsumexp(log_c, -1)
    resp = torch.exp(log_c - log_q[:, None])
    dlog_q = (resp * (mu - z[:, None])).sum(-1) / s**2
    df = -z + 2 * z * (x - z**2) / TOY_NOISE**2 - dlog_q  # d/dz of log p(x,z) - log q(z)
    cdf = torch.special.ndtr((z[:, None] - mu) / s)
    big_f = (torch.softmax(logits[0], -1) * cdf).sum(-1)
    integrand = -df * pi2 * (cdf[:, 1] - big_f) * (z[1] - z[0])
    low = torch.exp(log_q) * s < cell
    return integrand.sum().item(), (integrand[low].sum() / integrand.sum()).item()


def gradient_table(draws: int) -> str:
    """How the two estimators of the weights' gradient behave as the
    posterior's modes separate, in both precisions."""
    head = ("| x | modes apart (σ) | E[g] (quadrature) | share of E[g] where q·σ < 2⁻²³ "
            "| dtype | pathwise: mean ± SE | s.d. | score function: mean ± SE | s.d. |\n"
            "|---|---|---|---|---|---|---|---|---|\n")
    rows = []
    for x in (0.25, 0.5, 1.5):
        sep = 4 * x / TOY_NOISE  # 2 sqrt(x) / (TOY_NOISE / (2 sqrt(x)))
        exp_g, low = weight_gradient_quadrature(x)
        for dtype in (torch.float32, torch.float64):
            g = weight_gradients(x, draws, dtype)
            rows.append(f"| {x} | {sep:.0f} | {exp_g:.3f} | {max(low, 0.0):.2f} "
                        f"| {str(dtype)[6:]} | {fmt(g['pathwise'])} | {g['pathwise'].std():.3g} "
                        f"| {fmt(g['reinforce'])} | {g['reinforce'].std():.3g} |")
    return head + "\n".join(rows) + "\n"


def grad_norm_table(task: Task, methods, iterations: int, args) -> str:
    """Training as in :func:`train` (seed 0), recording the norm of the
    gradient that reaches the encoder's first layer (shared by every
    output) at each step: heavy tails show as a p99 or max far above the
    median."""
    head = ("| method | median | p99 | max | max / median |\n|---|---|---|---|---|\n")
    rows = []
    for m in methods:
        torch.manual_seed(0)
        enc = Encoder(task.x_train.shape[-1], task.hidden, task.latent, task.components)
        dec = task.decoder_factory()
        opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=args.lr)
        norms = []
        for _ in range(iterations):
            batch = task.x_train[torch.randint(0, len(task.x_train), (task.batch,))]
            loss, _ = surrogate_loss(m, enc, dec, batch, args.samples, args.tau)
            opt.zero_grad()
            loss.backward()
            norms.append(enc.trunk[0].weight.grad.norm().item())
            opt.step()
        a = np.array(norms[iterations // 10:])  # after the first steps' transient
        rows.append(f"| {m} | {np.median(a):.3g} | {np.percentile(a, 99):.3g} "
                    f"| {a.max():.3g} | {a.max() / np.median(a):.0f} |")
    return head + "\n".join(rows) + "\n"


@dataclass
class Result:
    elbo: list = field(default_factory=list)  # one array per seed
    ll: list = field(default_factory=list)
    used: list = field(default_factory=list)
    train_s: list = field(default_factory=list)
    eval_s: list = field(default_factory=list)
    density: np.ndarray | None = None  # toy: q(z|x) of the first seed that ran


# ------------------------------------------------------------------ report


def mean_se(v):
    return v.mean(), v.std(ddof=1) / math.sqrt(len(v))


def fmt(v):
    m, s = mean_se(v)
    return f"{m:8.3f} ± {s:.3f}"


def table(task: Task, results: dict, k: int, exact=None) -> str:
    """Markdown table; per point values are averaged over seeds first."""
    head = (f"| {task.name} | ELBO | log p̂(x), IS k={k} | Δ log p̂ vs gaussian "
            "| seed s.d. ELBO / log p̂ | exp H(π) | train s/run | eval s/run |\n"
            "|---|---|---|---|---|---|---|---|\n")
    rows = []
    base = np.mean(results["gaussian"].ll, 0) if "gaussian" in results else None
    for m, r in results.items():
        elbo, ll = np.mean(r.elbo, 0), np.mean(r.ll, 0)
        delta = "—" if base is None or m == "gaussian" else fmt(ll - base)
        sd = "—"
        if len(r.elbo) > 1:
            sd = (f"{np.std([e.mean() for e in r.elbo], ddof=1):.3f} / "
                  f"{np.std([v.mean() for v in r.ll], ddof=1):.3f}")
        rows.append(f"| {m} | {fmt(elbo)} | {fmt(ll)} | {delta} | {sd} "
                    f"| {np.mean(r.used):.2f} | {np.mean(r.train_s):.1f} "
                    f"| {np.mean(r.eval_s):.1f} |")
    if exact is not None:
        delta = "—" if base is None else fmt(exact - base)
        rows.append(f"| exact (grid) | — | {fmt(exact)} | {delta} | — | — | — | — |")
    return head + "\n".join(rows) + "\n"


def plot(path: str, grid, exact_post, results: dict):
    """True p(z|x) and each method's q(z|x) (first seed) for TOY_PLOT_X."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # text as text: a small file
    plt.rcParams["svg.hashsalt"] = "vae_mixture"  # the same ids, so the same file, every run
    fig, axes = plt.subplots(1, len(TOY_PLOT_X), figsize=(9, 3.2))
    for i, (ax, xv) in enumerate(zip(axes, TOY_PLOT_X)):
        ax.fill_between(grid, exact_post[i], color="0.85", label="true p(z|x)")
        for m, r in results.items():
            if r.density is not None:
                # A q whose mass lies off the axis would otherwise look
                # like a missing line.
                off = " (q ≈ 0 here)" if r.density[i].max() < 1e-3 else ""
                ax.plot(grid, r.density[i], lw=1.3, label=m + off)
        ax.set_title(f"x = {xv}")
        ax.set_xlabel("z")
    axes[0].set_ylabel("density")
    axes[-1].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    print(f"wrote {path}", file=sys.stderr)


# -------------------------------------------------------------------- main


def one_run(m: str, task: Task, seed: int, args, grid=None):
    """Train and evaluate one method with one seed: (per-point ELBO,
    log p̂ and components in use, train s, eval s, toy densities or None)."""
    try:
        enc, dec, t_train = train(m, task, seed, args.samples, args.tau, args.lr)
    except FloatingPointError as err:
        if args.smoke:
            raise
        # A diverged run stays in the table as NaN rather than ending the
        # comparison.
        print(f"diverged: {err}", file=sys.stderr)
        nan = np.full(len(task.x_test), np.nan)
        return (nan, nan, nan), np.nan, np.nan, None
    t0 = time.perf_counter()
    torch.manual_seed(10_000 + seed)  # evaluation draws: the same for every method
    per_point = evaluate(m, enc, dec, task.x_test, args.k)
    t_eval = time.perf_counter() - t0
    elbo, ll, used = per_point
    density = toy_densities(m, enc, grid) if grid is not None else None
    print(f"{task.name:6s} {m:9s} seed {seed}: ELBO {elbo.mean():9.3f}  "
          f"log p̂ {ll.mean():9.3f}  exp H(π) {used.mean():5.2f}  train {t_train:6.1f} s",
          file=sys.stderr)
    return per_point, t_train, t_eval, density


def run_task(task: Task, methods, seeds, args, grid=None) -> dict:
    results = {}
    for m in methods:
        r = results.setdefault(m, Result())
        for s in seeds:
            (elbo, ll, used), t_train, t_eval, density = one_run(m, task, s, args, grid)
            r.elbo.append(elbo)
            r.ll.append(ll)
            r.used.append(used)
            r.train_s.append(t_train)
            r.eval_s.append(t_eval)
            if r.density is None:
                r.density = density  # the first seed that ran
    return results


def check_finite(task: Task, results: dict):
    """The smoke test's verdict: every number finite, every method ran."""
    bad = [m for m, r in results.items()
           if not all(np.isfinite(a).all() for a in r.elbo + r.ll)]
    if bad or set(results) != set(METHODS):
        raise SystemExit(f"smoke: {task.name}: non-finite or missing results for {bad}")


def smoke_gradients(task: Task, samples: int, tau: float):
    """Every method must send a finite, non-zero gradient to the logits
    head (the weights), the means and the scales."""
    for m in METHODS[1:]:
        torch.manual_seed(0)
        enc = Encoder(task.x_train.shape[-1], task.hidden, task.latent, task.components)
        loss, _ = surrogate_loss(m, enc, task.decoder_factory(), task.x_train[:16], samples, tau)
        loss.backward()
        g = enc.head.weight.grad
        k, d = task.components, task.latent
        for name, rows in (("logits", g[:k]), ("means", g[k:k + k * d]), ("scales", g[k + k * d:])):
            if not torch.isfinite(rows).all() or rows.abs().max() == 0:
                raise SystemExit(f"smoke: {task.name}/{m}: bad gradient to the {name}")


def versions() -> str:
    names = ("torch", "numpy", "scikit-learn", "mixgrad")
    return ", ".join(f"{n} {metadata.version(n)}" for n in names)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true",
                   help="a few iterations, one seed, small evaluation; exit 1 on NaN or failure")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--digits-iterations", type=int, default=5000)
    p.add_argument("--toy-iterations", type=int, default=5000)
    p.add_argument("--latent", type=int, default=4, help="digits latent dimension")
    p.add_argument("--digits-components", type=int, default=8)
    p.add_argument("--toy-components", type=int, default=4)
    p.add_argument("--samples", type=int, default=4, help="draws per data point in training")
    p.add_argument("--tau", type=float, default=0.5, help="Gumbel-softmax temperature")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("-k", type=int, default=1000, help="importance samples per held-out point")
    p.add_argument("--data", choices=("digits", "toy", "both"), default="both")
    p.add_argument("--methods", type=lambda v: v.split(","), default=list(METHODS),
                   help=f"comma-separated subset of {','.join(METHODS)}")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    p.add_argument("--grad-norms", type=int, metavar="ITERATIONS",
                   help="instead of the comparison: gradient norms at the encoder's first "
                        "layer over this many training steps (seed 0), per method")
    p.add_argument("--plot", help="write the toy posterior plot here (needs matplotlib)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    # The networks are small: with more than one intra-op thread, torch
    # spends more time synchronising than computing (several times slower
    # on a loaded 2-core machine).
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    seeds = range(1 if args.smoke or args.grad_norms else args.seeds)
    if args.smoke:
        args.digits_iterations = args.toy_iterations = 15
        args.k = 50
        args.methods = list(METHODS)
    unknown = set(args.methods) - set(METHODS)
    if unknown:
        raise SystemExit(f"unknown methods {sorted(unknown)}: choose from {', '.join(METHODS)}")
    tasks = []
    if args.data in ("digits", "both"):
        tasks.append(digits_task(args.digits_iterations, args.latent, args.digits_components))
    if args.data in ("toy", "both"):
        tasks.append(toy_task(args.toy_iterations, args.toy_components))
    print(f"# {versions()}; torch threads {torch.get_num_threads()}")
    shown = sys.argv[1:] if argv is None else argv
    print(f"# {' '.join(shown) or '(defaults)'}: seeds {list(seeds)}, "
          f"S = {args.samples} draws/point, tau = {args.tau}, lr = {args.lr}, Adam\n")
    for task in tasks:
        if args.grad_norms:
            print(f"{task.name}: norm of the gradient at the encoder's first layer, "
                  f"steps {args.grad_norms // 10}..{args.grad_norms} of seed 0\n")
            print(grad_norm_table(task, args.methods, args.grad_norms, args))
            continue
        if args.smoke:
            task.x_test = task.x_test[:40]
            smoke_gradients(task, args.samples, args.tau)
        grid = torch.linspace(-2.5, 2.5, 401) if task.name == "toy" else None
        results = run_task(task, args.methods, seeds, args, grid)
        exact = toy_exact(task.x_test, torch.linspace(-6, 6, 6001))[0].numpy() \
            if task.name == "toy" else None
        if args.smoke:
            check_finite(task, results)
        print(f"{task.name}: {len(task.x_train)} train / {len(task.x_test)} held-out, "
              f"latent {task.latent}, K = {task.components}, {task.iterations} iterations "
              f"of batch {task.batch}\n")
        print(table(task, results, args.k, exact))
        if task.name == "toy":
            draws = 2000 if args.smoke else 100_000
            torch.manual_seed(0)
            grads = gradient_table(draws)
            if "nan" in grads:
                raise SystemExit("smoke: NaN in the weight gradients")
            print(f"toy: per-draw gradient of the ELBO to the second logit, "
                  f"weights (0.9, 0.1), {draws} draws\n")
            print(grads)
        if args.plot and task.name == "toy":
            plot(args.plot, grid.numpy(), toy_exact(torch.tensor(TOY_PLOT_X), grid)[1].numpy(),
                 results)
    print(f"# total {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
