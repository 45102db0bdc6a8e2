#!/usr/bin/env python3
"""mixgrad against TensorFlow Probability (JAX) and Pyro, in one run.

    python3 bench/compare_peers.py [--dims 4,32,128]   # creates target/bench-venv on first use

Times, for K = 8 and D in {4, 32, 128}, three shapes of work:
  * "1": one sample of one mixture;
  * "1024": 1024 samples of one mixture (a batch of draws);
  * "1024 mix": one sample from each of 1024 different mixtures (batched
    parameters, as an amortised encoder produces them).
The peers, each on its batched form where the shape needs one:
  * TFP on JAX, jit-compiled, MixtureSameFamily(Categorical(logits),
    Independent(Normal(loc, scale), 1)), with batch shape [1024] for
    "1024 mix": `sample` with reparameterize=False ("TFP sample", the plain
    sampler), `sample` with reparameterize=True ("TFP rsample", which routes
    every draw through the implicit reparameterisation even when no gradient
    is taken), and `grad` of sum(x_bar * x) with reparameterize=True
    ("TFP grad": sample + implicit reparameterisation gradient);
  * Pyro MixtureOfDiagNormals (locs of shape [1024, K, D] for "1024 mix"):
    `sample`, and `rsample` + `backward` ("Pyro rs+bw").
mixgrad (one thread, through bench/src/main.rs): ancestral sampling, and
ancestral or quantile sampling followed by the vjp. At "1", single calls on
the plain view; at "1024", `sample_ancestral_many` / `sample_quantile_many`
+ `vjp_many` (the gradient summed over the batch); at "1024 mix", a
`DiagBatchRef` of the 1024 mixtures (`sample_ancestral` / `sample_quantile`
+ its per-mixture `vjp`).

Everything is float64. mixgrad is timed first, before JAX or PyTorch is
loaded. The peers run in two child processes, one with the environment as
it is (their default threading) and one with OMP_NUM_THREADS=1: on two
cores shared with another busy process, PyTorch's OpenMP threads spin and
its batch-1 times jump several-fold. Each peer figure is the faster of the
two, marked `*` where OMP_NUM_THREADS=1 was the faster; both are printed
after the table, with the load average before and after each part.

It prints one table of ns per sample with the ratios peer grad / mixgrad
ancestral+vjp at the same shape, and checks that TFP's implicit gradient at
a fixed x equals mixgrad's vjp (max relative difference). Not run by CI: it
downloads JAX, TFP and PyTorch (several GB with PyTorch's CUDA wheels).

Full covariance:

    python3 bench/compare_peers.py --tril [--dims 4,16,64] [--check-dim 4] [--check-samples 1048576]

Mixtures of K = 8 components N(mu_k, L_k L_k^T), L_k lower triangular, in
D in {4, 16, 64} dimensions (the mixture of
mixgrad_bench::problem::tril_problem, which bench/src/bin/tril_peers.rs
prints for this script), and the gradient of E[f(x)], f(x) = sum_d x_d^2,
with respect to the logits, the means and the factors L_k.

TFP has no pathwise gradient here. MixtureSameFamily(Categorical,
MultivariateNormalTriL, reparameterize=True) can be built, but sampling from
it fails ("`univariate_components` must have scalar event": its implicit
reparameterisation handles only components with scalar events or
Independent of them); the script shows the error. What a TFP user has
instead is the score-function (REINFORCE) estimator, and that is what
"TFP score grad" times: x ~ q drawn without reparameterisation
(reparameterize=False, stop_gradient), then jax.grad, jit-compiled, of
sum_i f(x_i) log q(x_i; theta) through MultivariateNormalTriL's log_prob.
Its mean is the gradient of E[f(x)], so it is unbiased, but it is not a
pathwise gradient: it never differentiates x, and its variance per sample
is much larger (no baseline or other control variate is used here; one
would reduce it). mixgrad computes the pathwise gradient: x from its
sampler, then the vjp of the quantile map with x_bar = df/dx = 2x
(docs/math.md §10). At batch "1" both compute one sample and its gradient;
at "1024", 1024 samples of the one mixture with the gradient summed over
them (mixgrad: a loop of single calls adding each gradient into a sum).

Because the two estimators differ in variance, equal time per sample is not
equal work: at one shape (--check-dim, D = 4 by default) the script draws
--check-samples samples for each estimator and prints, per parameter,
the mean of both (they agree within the Monte Carlo error when both are
right: it prints the z-scores; mixgrad's side uses the ancestral sampler)
and the variance per sample of both, and
from these and the batch-1024 times the cost of each at equal variance
(time per sample x variance per sample). Everything is float64; mixgrad
runs on one thread and is timed first, before JAX is imported; JAX runs
with its default threading. This mode needs only JAX and TFP: run it with
an interpreter that has them (e.g. a venv made from the first three lines
of bench/requirements.txt); otherwise it creates target/bench-venv from
the whole file as the diagonal mode does.
"""
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "bench-venv"
K = 8
DIMS = [4, 32, 128]
LARGE = 1024
# The shapes of work: (label, samples per call, mixtures).
SHAPES = [("1", 1, 1), (str(LARGE), LARGE, 1), (f"{LARGE} mix", LARGE, LARGE)]
PEER_KEYS = ["tfp_sample", "tfp_rsample", "tfp_grad", "pyro_sample", "pyro_grad"]
ENVS = [("default", {}), ("OMP_NUM_THREADS=1", {"OMP_NUM_THREADS": "1"})]


def ensure_venv(modules=None):
    """Re-executes this script inside its own virtual environment, unless
    `modules` are given and the running interpreter has them all."""
    if pathlib.Path(sys.prefix).resolve() == VENV.resolve():
        return
    if modules:
        import importlib.util
        if all(importlib.util.find_spec(m) is not None for m in modules):
            return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    subprocess.check_call([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "-r", str(ROOT / "bench" / "requirements.txt")])
    os.execv(str(python), [str(python), __file__] + sys.argv[1:])


def load_average():
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def batch_problem(k, d, n):
    """n mixtures, as mixgrad_bench::problem::batch_problem builds them:
    mixture m has logits sin(k + 0.3 m), means 2 sin(1.3 k + 0.7 d + 0.1 m),
    scales 1 + 0.5 cos(0.9 k + 1.1 d + 0.2 m). Shapes [n, K], [n, K, D]."""
    import numpy as np
    m = np.arange(n, dtype=np.float64)[:, None, None]
    i = np.arange(k, dtype=np.float64)[None, :, None]
    j = np.arange(d, dtype=np.float64)[None, None, :]
    logits = np.sin(i[..., 0] + 0.3 * m[..., 0])
    means = 2.0 * np.sin(1.3 * i + 0.7 * j + 0.1 * m)
    scales = 1.0 + 0.5 * np.cos(0.9 * i + 1.1 * j + 0.2 * m)
    return logits, means, scales


def problem(k, d):
    """The benchmark mixture (mixture 0 of batch_problem); shapes [K], [K, D]."""
    logits, means, scales = batch_problem(k, d, 1)
    return logits[0], means[0], scales[0]


def best_ns_per_sample(fn, samples, min_seconds=0.3, repeats=5):
    """Best over `repeats` (3 for calls over half a second) of the mean time
    per sample of calling fn() (after one warm-up call, which compiles)."""
    fn()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds / repeats or calls >= 1 << 20:
            break
        calls *= 2
    if elapsed / calls > 0.5:
        repeats = 3
    best = elapsed
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / calls / samples * 1e9


def tfp_setup():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from tensorflow_probability.substrates import jax as tfp
    tfd = tfp.distributions

    def make(logits, loc, scale, reparameterize=True):
        return tfd.MixtureSameFamily(
            tfd.Categorical(logits=logits),
            tfd.Independent(tfd.Normal(loc, scale), 1),
            reparameterize=reparameterize)
    return jax, jnp, make


def shape_params(d, mixtures):
    """The parameters for a shape: one mixture, or `mixtures` batched."""
    return problem(K, d) if mixtures == 1 else batch_problem(K, d, mixtures)


def time_tfp(d, samples, mixtures):
    jax, jnp, make = tfp_setup()
    th = tuple(jnp.asarray(a) for a in shape_params(d, mixtures))
    x_bar = jnp.asarray(1.0 + 0.1 * jnp.arange(d))
    key = jax.random.PRNGKey(0)
    # A batch of mixtures draws one sample each (shape [n, D]); one mixture
    # draws `samples` (shape [samples, D]).
    shape = () if mixtures > 1 else (samples,)

    plain = jax.jit(lambda th, key: make(*th, reparameterize=False).sample(shape, seed=key))
    reparam = jax.jit(lambda th, key: make(*th).sample(shape, seed=key))
    loss = lambda th, key: jnp.sum(x_bar * make(*th).sample(shape, seed=key))
    grad = jax.jit(jax.grad(loss))
    s = best_ns_per_sample(lambda: plain(th, key).block_until_ready(), samples)
    r = best_ns_per_sample(lambda: reparam(th, key).block_until_ready(), samples)
    g = best_ns_per_sample(lambda: jax.block_until_ready(grad(th, key)), samples)
    return s, r, g


def time_pyro(d, samples, mixtures):
    import torch
    from pyro.distributions import MixtureOfDiagNormals
    torch.set_default_dtype(torch.float64)
    logits, means, scales = (torch.tensor(a) for a in shape_params(d, mixtures))
    x_bar = 1.0 + 0.1 * torch.arange(d, dtype=torch.float64)
    th = [t.clone().requires_grad_(True) for t in (means, scales, logits)]
    shape = () if mixtures > 1 else (samples,)

    def sample():
        with torch.no_grad():
            MixtureOfDiagNormals(th[0], th[1], th[2]).sample(shape)

    def rsample_backward():
        for t in th:
            t.grad = None
        x = MixtureOfDiagNormals(th[0], th[1], th[2]).rsample(shape)
        (x_bar * x).sum().backward()

    return best_ns_per_sample(sample, samples), best_ns_per_sample(rsample_backward, samples)


def peers_worker(dims):
    """Times the peers for every D and shape; prints one JSON object."""
    import jax
    import torch
    rows = {}
    for d in dims:
        for label, samples, mixtures in SHAPES:
            tfp_s, tfp_r, tfp_g = time_tfp(d, samples, mixtures)
            pyro_s, pyro_g = time_pyro(d, samples, mixtures)
            rows[f"{d}/{label}"] = dict(tfp_sample=tfp_s, tfp_rsample=tfp_r, tfp_grad=tfp_g,
                                        pyro_sample=pyro_s, pyro_grad=pyro_g)
    print(json.dumps(dict(jax=jax.__version__, torch=torch.__version__,
                          torch_threads=torch.get_num_threads(), rows=rows)))


def time_peers(dims, extra_env):
    env = dict(os.environ, **extra_env)
    cmd = [sys.executable, __file__, "--peers-worker", "--dims", ",".join(map(str, dims))]
    out = subprocess.check_output(cmd, env=env, text=True)
    return json.loads(out.strip().splitlines()[-1])


def target_dir():
    return pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def mixgrad_binary():
    subprocess.check_call(["cargo", "build", "--release", "--quiet", "-p", "mixgrad-bench"], cwd=ROOT)
    return str(target_dir() / "release" / "mixgrad-bench")


def time_mixgrad(binary, d):
    n = max(2000, 400_000 // (K * d))
    out = subprocess.check_output([binary, "time", str(K), str(d), str(n), str(LARGE)], text=True)
    return {r["op"]: r["ns_per_sample"] for r in map(json.loads, out.splitlines())}


def gradient_agreement(binary, d):
    """TFP's implicit gradient at a fixed x (a sample) against mixgrad's vjp."""
    import numpy as np
    jax, jnp, make = tfp_setup()
    logits, means, scales = problem(K, d)
    x_bar = 1.0 + 0.1 * np.arange(d)
    th = (jnp.asarray(logits), jnp.asarray(means), jnp.asarray(scales))
    x = np.asarray(make(*th).sample(1, seed=jax.random.PRNGKey(3)))[0]

    def loss(th):
        return jnp.sum(jnp.asarray(x_bar) * make(*th)._reparameterize_sample(jnp.asarray(x)[None, :], [d]))
    g = jax.grad(loss)(th)
    tfp_grad = np.concatenate([np.ravel(np.asarray(t)) for t in g])

    numbers = [K, d, *logits, *means.ravel(), *scales.ravel(), *x, *x_bar]
    text = " ".join(repr(float(v)) for v in numbers)
    out = subprocess.check_output([binary, "vjp"], input=text, text=True)
    ours = np.array([float(v) for v in out.split()])
    scale = 1.0 + np.max(np.abs(tfp_grad))
    return float(np.max(np.abs(ours - tfp_grad)) / scale)


# ---------------------------------------------------------------------------
# Full covariance (--tril): TFP's score-function estimator against mixgrad's
# pathwise gradient.

TRIL_DIMS = [4, 16, 64]
TRIL_SHAPES = [("1", 1), (str(LARGE), LARGE)]


def option(argv, name, default, convert=int):
    return convert(argv[argv.index(name) + 1]) if name in argv else default


def tril_binary():
    subprocess.check_call(["cargo", "build", "--release", "--quiet", "-p", "mixgrad-bench",
                           "--bin", "tril_peers"], cwd=ROOT)
    return str(target_dir() / "release" / "tril_peers")


def tril_run(binary, *args):
    out = subprocess.check_output([binary, *map(str, args)], text=True)
    return [json.loads(line) for line in out.splitlines()]


def tril_problem(binary, d):
    """The mixture of mixgrad_bench::problem::tril_problem, as the binary
    prints it: logits [K], means [K, D], scale_tril [K, D, D]."""
    import numpy as np
    p = tril_run(binary, "problem", K, d)[0]
    return (np.array(p["logits"]), np.array(p["means"]).reshape(K, d),
            np.array(p["scale_tril"]).reshape(K, d, d))


def tril_time_mixgrad(binary, d):
    n = max(256, 2_000_000 // (K * d * d))
    return {r["op"]: r["ns_per_sample"] for r in tril_run(binary, "time", K, d, n, LARGE)}


def tfp_tril_setup():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from tensorflow_probability.substrates import jax as tfp
    tfd = tfp.distributions

    def make(logits, loc, scale_tril, reparameterize=False):
        return tfd.MixtureSameFamily(
            tfd.Categorical(logits=logits),
            tfd.MultivariateNormalTriL(loc=loc, scale_tril=scale_tril),
            reparameterize=reparameterize)
    return jax, jnp, make


def tfp_tril_refusal(th):
    """What TFP says to a pathwise (reparameterised) gradient through the
    full-covariance mixture: the error, or None if it computed one."""
    jax, jnp, make = tfp_tril_setup()
    loss = lambda th: jnp.sum(make(*th, reparameterize=True).sample(1, seed=jax.random.PRNGKey(0)))
    try:
        jax.block_until_ready(jax.grad(loss)(th))
    except Exception as e:  # noqa: BLE001 -- report whatever TFP raises
        return f"{type(e).__name__}: {' '.join(str(e).split())}"
    return None


def tfp_score_surrogate(make, jnp, jax):
    """sum_i f(x_i) log q(x_i; theta), x_i ~ q with no gradient through x:
    its gradient is the score-function estimate, summed over the samples."""
    def surrogate(th, key, n):
        q = make(*th)
        x = jax.lax.stop_gradient(q.sample(n, seed=key))
        return jnp.sum(jnp.sum(x * x, axis=-1) * q.log_prob(x))
    return surrogate


def tril_time_tfp(th, samples):
    jax, jnp, make = tfp_tril_setup()
    key = jax.random.PRNGKey(0)
    plain = jax.jit(lambda th, key: make(*th).sample(samples, seed=key))
    grad = jax.jit(jax.grad(tfp_score_surrogate(make, jnp, jax)), static_argnums=2)
    s = best_ns_per_sample(lambda: plain(th, key).block_until_ready(), samples)
    g = best_ns_per_sample(lambda: jax.block_until_ready(grad(th, key, samples)), samples)
    return s, g


def tfp_score_moments(th, n, seed, chunk=8192):
    """Mean and variance per sample, per parameter (logits, means, then
    scale_tril row-major), of the score-function estimate over n samples."""
    import numpy as np
    jax, jnp, make = tfp_tril_setup()

    def one(th, x):
        return jnp.sum(x * x) * make(*th).log_prob(x)

    @jax.jit
    def per_sample(th, key):
        x = jax.lax.stop_gradient(make(*th).sample(chunk, seed=key))
        g = jax.vmap(jax.grad(one), in_axes=(None, 0))(th, x)
        return jnp.concatenate([t.reshape(chunk, -1) for t in g], axis=1)

    count, mean, m2 = 0, None, None
    for key in jax.random.split(jax.random.PRNGKey(seed), -(-n // chunk)):
        g = np.asarray(per_sample(th, key))
        c_mean, c_m2 = g.mean(axis=0), ((g - g.mean(axis=0)) ** 2).sum(axis=0)
        if mean is None:
            count, mean, m2 = chunk, c_mean, c_m2
            continue
        # Chan et al.'s pairwise update of the mean and sum of squares.
        delta, total = c_mean - mean, count + chunk
        mean = mean + delta * chunk / total
        m2 = m2 + c_m2 + delta ** 2 * count * chunk / total
        count = total
    return count, mean, m2 / (count - 1)


def tril_names(d):
    """Parameter names in the order of both gradients, and the mask of the
    ones that exist (scale_tril on and below the diagonal)."""
    names = [f"logit[{k}]" for k in range(K)]
    names += [f"mu[{k}][{i}]" for k in range(K) for i in range(d)]
    names += [f"L[{k}][{i}][{j}]" for k in range(K) for i in range(d) for j in range(d)]
    mask = [True] * (K + K * d) + [j <= i for k in range(K) for i in range(d) for j in range(d)]
    return names, mask


def tril_check(binary, th, d, n, seed):
    """The two estimators' moments at one shape; prints the comparison and
    returns the variances (summed over each group's parameters)."""
    import numpy as np
    started = time.perf_counter()
    pw = tril_run(binary, "moments", K, d, n, seed)[0]
    pw_n, pw_mean, pw_var = pw["n"], np.array(pw["mean"]), np.array(pw["var"])
    pw_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sf_n, sf_mean, sf_var = tfp_score_moments(th, n, seed)
    sf_seconds = time.perf_counter() - started
    names, mask = tril_names(d)
    mask = np.array(mask)
    above = ~mask
    if np.any(pw_mean[above] != 0) or np.any(sf_mean[above] != 0):
        print("warning: a gradient above the diagonal of L is not zero")
    se = np.sqrt(sf_var / sf_n + pw_var / pw_n)
    z = np.where(mask, (sf_mean - pw_mean) / np.where(se > 0, se, 1.0), 0.0)
    groups = [("logits", slice(0, K)), ("means", slice(K, K + K * d)),
              ("scale_tril", slice(K + K * d, K + K * d + K * d * d))]

    print(f"Correctness at D = {d}: the gradient of E[sum x^2], estimated from {sf_n} samples by "
          f"TFP's score-function estimator ({sf_seconds:.0f} s) and from {pw_n} by mixgrad's pathwise "
          f"gradient ({pw_seconds:.0f} s); mean +- its Monte Carlo standard error, and "
          f"z = (score - pathwise) / (combined standard error):")
    shown = list(range(K)) + [K + i for i in range(d)] + \
        [K + K * d + i * d + j for i in range(d) for j in range(i + 1)]
    print(f"  {'parameter':>12} | {'score function (TFP)':>24} | {'pathwise (mixgrad)':>24} | {'z':>6}")
    for i in shown:
        print(f"  {names[i]:>12} | {sf_mean[i]:>+12.5f} +- {np.sqrt(sf_var[i] / sf_n):<8.5f} | "
              f"{pw_mean[i]:>+12.5f} +- {np.sqrt(pw_var[i] / pw_n):<8.5f} | {z[i]:>+6.2f}")
    m = int(mask.sum())
    print(f"  (shown: all logits, the means and the factor of component 0; over all {m} parameters: "
          f"mean z^2 = {np.mean(z[mask] ** 2):.2f} (1 expected), max |z| = {np.max(np.abs(z)):.2f}, "
          f"|z| > 3 for {int(np.sum(np.abs(z) > 3))} (about {0.0027 * m:.1f} expected); "
          f"|score mean - pathwise mean| / |pathwise mean| = "
          f"{np.linalg.norm(sf_mean - pw_mean) / np.linalg.norm(pw_mean):.4f} against a Monte Carlo "
          f"error of {np.sqrt(np.sum(sf_var / sf_n + pw_var / pw_n)) / np.linalg.norm(pw_mean):.4f})")
    sums = {}
    for name, sl in groups + [("all", slice(0, len(names)))]:
        keep = mask[sl]
        sums[name] = (float(np.sum(sf_var[sl][keep])), float(np.sum(pw_var[sl][keep])))
    ratio = sf_var[mask] / np.where(pw_var[mask] > 0, pw_var[mask], np.nan)
    return sums, float(np.nanmedian(ratio)), float(np.nanmin(ratio)), float(np.nanmax(ratio))


def main_tril(argv):
    dims = option(argv, "--dims", TRIL_DIMS, lambda v: [int(x) for x in v.split(",")])
    check_dim = option(argv, "--check-dim", 4)
    check_samples = option(argv, "--check-samples", 1 << 20)
    seed = 5
    ensure_venv(["jax", "tensorflow_probability", "numpy"])
    started = time.perf_counter()
    binary = tril_binary()
    problems = {d: tril_problem(binary, d) for d in sorted(set(dims + [check_dim]))}
    loads = [("before mixgrad", load_average())]
    ours = {d: tril_time_mixgrad(binary, d) for d in dims}
    loads.append(("after mixgrad", load_average()))

    import jax
    import jax.numpy as jnp
    import numpy as np
    import tensorflow_probability
    tfp_tril_setup()  # float64 on before the first array is made
    params = {d: tuple(jnp.asarray(a) for a in p) for d, p in problems.items()}
    refusal = tfp_tril_refusal(params[dims[0]])
    peers = {(d, label): tril_time_tfp(params[d], samples) for d in dims for label, samples in TRIL_SHAPES}
    loads.append(("after TFP timing", load_average()))

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"command: python3 bench/compare_peers.py {' '.join(argv[1:])}".rstrip())
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.machine()}; python {platform.python_version()}, "
          f"jax {jax.__version__}, tensorflow-probability {tensorflow_probability.__version__}, "
          f"numpy {np.__version__}; float64; K = {K}; date {time.strftime('%Y-%m-%d %H:%M')}")
    print("TFP pathwise: MixtureSameFamily(Categorical, MultivariateNormalTriL, reparameterize=True): "
          + (f"refused: {refusal}" if refusal else "computed a gradient (not refused)"))
    print()
    head = (f"{'D':>4} {'shape':>6} | {'TFP sample':>11} {'TFP score grad':>15} | "
            f"{'mg anc':>7} {'mg anc+vjp':>10} {'mg q+vjp':>9} | {'TFP/mg':>7}")
    print(head)
    print("-" * len(head))
    for d in dims:
        for label, samples in TRIL_SHAPES:
            sample_ns, grad_ns = peers[(d, label)]
            suffix = "" if samples == 1 else "/many"
            anc, q = ours[d]["ancestral+vjp" + suffix], ours[d]["quantile+vjp" + suffix]
            print(f"{d:>4} {label:>6} | {sample_ns:>11.0f} {grad_ns:>15.0f} | {ours[d]['ancestral']:>7.0f} "
                  f"{anc:>10.0f} {q:>9.0f} | {grad_ns / anc:>7.1f}")
    print(f"(ns per sample. shape 1: one sample and its gradient; {LARGE}: {LARGE} samples of one mixture, "
          f"the gradient summed. TFP sample: reparameterize=False. TFP score grad: the score-function "
          f"estimator, jax.grad of sum f(x) log q(x) with x ~ q under stop_gradient, jit-compiled, default "
          f"threading. mixgrad, one thread: mg anc = sample_ancestral (single calls); anc+vjp and q+vjp = "
          f"sample_ancestral or sample_quantile, then the vjp with x_bar = 2x (single calls; at {LARGE}, "
          f"a loop of them adding into one gradient). TFP/mg = TFP score grad / mg anc+vjp: equal time per "
          f"sample, not equal variance (below))")
    print()

    if check_dim not in dims:
        peers[(check_dim, str(LARGE))] = tril_time_tfp(params[check_dim], LARGE)
        ours[check_dim] = tril_time_mixgrad(binary, check_dim)
    sums, median, lo, hi = tril_check(binary, params[check_dim], check_dim, check_samples, seed)
    loads.append(("after the check", load_average()))
    print()
    print(f"Variance per sample at D = {check_dim} (summed over the parameters of each group, "
          f"the entries of L above the diagonal left out):")
    print(f"  {'group':>10} | {'score function (TFP)':>20} | {'pathwise (mixgrad)':>18} | {'ratio':>8}")
    for name, (sf, pw) in sums.items():
        print(f"  {name:>10} | {sf:>20.4g} | {pw:>18.4g} | {sf / pw:>8.1f}")
    print(f"  per parameter, score / pathwise variance: median {median:.1f}, min {lo:.2f}, max {hi:.1f}")
    sf_ns = peers[(check_dim, str(LARGE))][1]
    sf_all, pw_all = sums["all"]
    for op in ("ancestral+vjp", "quantile+vjp"):
        pw_ns = ours[check_dim][op + "/many"]
        print(f"Cost at equal variance, D = {check_dim}, batch {LARGE} (time per sample x summed variance "
              f"per sample): TFP score grad {sf_ns:.0f} ns x {sf_all:.4g} / mixgrad {op} {pw_ns:.0f} ns x "
              f"{pw_all:.4g} = {sf_ns * sf_all / (pw_ns * pw_all):.0f}")
    print("load average (1, 5, 15 min): " + "; ".join(f"{w}: {l}" for w, l in loads))
    print(f"run time {time.perf_counter() - started:.0f} s")


def parse_dims(argv):
    if "--dims" in argv:
        return [int(v) for v in argv[argv.index("--dims") + 1].split(",")]
    return DIMS


def main():
    if "--tril" in sys.argv:
        main_tril(sys.argv)
        return
    dims = parse_dims(sys.argv)
    if "--peers-worker" in sys.argv:
        peers_worker(dims)
        return
    ensure_venv()
    started = time.perf_counter()
    binary = mixgrad_binary()
    loads = [("before mixgrad", load_average())]
    # mixgrad first, for every D, before JAX and PyTorch are even imported:
    # on two cores their thread pools' idle spinning slows a single thread.
    all_ours = {d: time_mixgrad(binary, d) for d in dims}
    loads.append(("after mixgrad", load_average()))
    runs = {}
    for name, extra in ENVS:
        runs[name] = time_peers(dims, extra)
        loads.append((f"after peers ({name})", load_average()))
    first = runs[ENVS[0][0]]

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"command: python3 bench/compare_peers.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.machine()}; jax {first['jax']}, "
          f"torch {first['torch']} ({first['torch_threads']} threads by default); float64; K = {K}; "
          f"date {time.strftime('%Y-%m-%d %H:%M')}")
    print("load average (1, 5, 15 min): " + "; ".join(f"{w}: {l}" for w, l in loads))
    print()
    head = (f"{'D':>4} {'shape':>8} | {'TFP sample':>11} {'TFP rsample':>12} {'TFP grad':>11} | "
            f"{'Pyro sample':>11} {'Pyro rs+bw':>11} | {'mg anc':>7} {'mg anc+vjp':>10} {'mg q+vjp':>9} | "
            f"{'TFP/mg':>7} {'Pyro/mg':>7}")
    print(head)
    print("-" * len(head))
    rows = []
    for d in dims:
        ours = all_ours[d]
        for label, samples, mixtures in SHAPES:
            key = f"{d}/{label}"
            best, which = {}, {}
            for p in PEER_KEYS:
                name = min(runs, key=lambda r: runs[r]["rows"][key][p])
                best[p], which[p] = runs[name]["rows"][key][p], name
            suffix = "" if samples == 1 else ("/many" if mixtures == 1 else "/batch")
            mg = {op: ours[op + suffix] for op in ("ancestral", "ancestral+vjp", "quantile+vjp")}
            anc = mg["ancestral+vjp"]
            rows.append(dict(D=d, shape=label, **best, **mg,
                             cdf=ours.get("cdf" + suffix), vjp=ours.get("vjp" + suffix)))

            def fig(p, width):
                mark = "*" if which[p] != ENVS[0][0] else " "
                return f"{best[p]:>{width - 1}.0f}{mark}"
            print(f"{d:>4} {label:>8} | {fig('tfp_sample', 11)} {fig('tfp_rsample', 12)} {fig('tfp_grad', 11)} | "
                  f"{fig('pyro_sample', 11)} {fig('pyro_grad', 11)} | "
                  f"{mg['ancestral']:>7.0f} {anc:>10.0f} {mg['quantile+vjp']:>9.0f} | "
                  f"{best['tfp_grad'] / anc:>7.1f} {best['pyro_grad'] / anc:>7.1f}")
    print(f"(ns per sample. shape 1: one sample; {LARGE}: {LARGE} samples of one mixture; {LARGE} mix: one "
          f"sample from each of {LARGE} mixtures. TFP sample: reparameterize=False; TFP rsample: "
          f"reparameterize=True, no gradient; TFP grad: reparameterize=True sample + gradient; Pyro rs+bw: "
          f"rsample + backward. mixgrad one thread: single calls at 1, *_many + vjp_many (summed) at {LARGE}, "
          f"DiagBatchRef (per-mixture vjp) at {LARGE} mix. Ratios: peer grad / mixgrad ancestral+vjp at the "
          f"same shape. Each peer figure is the faster of its default threading and OMP_NUM_THREADS=1; "
          f"* = OMP_NUM_THREADS=1 was faster)")
    print()
    print("peers under both settings (ns per sample, default / OMP_NUM_THREADS=1):")
    names = [n for n, _ in ENVS]
    for d in dims:
        for label, _, _ in SHAPES:
            key = f"{d}/{label}"
            both = lambda p: " / ".join("%.0f" % runs[n]["rows"][key][p] for n in names)
            cells = [f"{p} {both(p)}" for p in PEER_KEYS]
            print(f"  D = {d:>3}, {label:>8}: " + "; ".join(cells))
    print()
    for d in dims:
        r = {x["shape"]: x for x in rows if x["D"] == d}
        single, many, batch = r["1"], r[str(LARGE)], r[f"{LARGE} mix"]
        best = lambda key: min(x[key] for x in r.values())
        best_peer = min(best("tfp_grad"), best("pyro_grad"))
        print(f"D = {d:>3}: best peer (any shape) / mixgrad many = {best_peer / many['ancestral+vjp']:.1f}; "
              f"TFP best / mixgrad = {best('tfp_grad') / many['ancestral+vjp']:.1f}; "
              f"Pyro best / mixgrad = {best('pyro_grad') / many['ancestral+vjp']:.1f}; "
              f"batch 1: TFP / mixgrad = {single['tfp_grad'] / single['ancestral+vjp']:.1f}, "
              f"Pyro / mixgrad = {single['pyro_grad'] / single['ancestral+vjp']:.1f}; "
              f"{LARGE} mix: TFP / mixgrad = {batch['tfp_grad'] / batch['ancestral+vjp']:.1f}, "
              f"Pyro / mixgrad = {batch['pyro_grad'] / batch['ancestral+vjp']:.1f}; "
              f"TFP rsample / sample = {single['tfp_rsample'] / single['tfp_sample']:.0f} (1), "
              f"{many['tfp_rsample'] / many['tfp_sample']:.0f} ({LARGE}); "
              f"quantile+vjp / ancestral+vjp = {many['quantile+vjp'] / many['ancestral+vjp']:.2f} (many); "
              f"vjp / cdf = {single['vjp'] / single['cdf']:.2f} (single), "
              f"{many['vjp'] / many['cdf']:.2f} (many)")
    for d in dims:
        print(f"TFP implicit gradient vs mixgrad vjp at a fixed x, D = {d}: "
              f"max |diff| / (1 + max |g|) = {gradient_agreement(binary, d):.2e}")
    print(f"load average at end: {load_average()}; run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
