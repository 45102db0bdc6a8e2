#!/usr/bin/env python3
"""PyTorch `rsample` + backward of a diagonal Gaussian mixture: mixgrad
against Pyro and TensorFlow Probability (JAX).

    python bench/torch_rsample.py [--dims 4,32,128] [--prec f64,f32]
        [--repeats 11] [--block-seconds 0.1] [--threads 1]
        [--check-groups 40] [--no-check]

A script, not CI. It needs an interpreter with torch, pyro-ppl, jax,
tensorflow-probability and mixgrad (`pip install ./python`); TFP 0.25.0
imports only with an older JAX (the pins of bench/requirements.txt, e.g.
jax[cpu]==0.4.35, tensorflow-probability==0.25.0).

What one call is, for each library (K = 8 components, D dimensions): build
the distribution from leaf parameters (logits, means, scales), draw the
samples, compute loss = mean over the samples of sum_d x_d^2, and
backpropagate to the logits, means and scales.

  * mg anc / mg qnt: mixgrad.torch.MixtureOfDiagonal(logits, means,
    scales, method="ancestral" / "quantile"), `rsample`, `backward`
    ("quantile" is the class's default; both give the same pathwise
    gradient as a function of the sample);
  * Pyro: pyro.distributions.MixtureOfDiagNormals(means, scales, logits),
    `rsample` (its pathwise gradient, Jankowiak & Karaletsos 2018),
    `backward`;
  * TFP: tensorflow_probability.substrates.jax, MixtureSameFamily(
    Categorical(logits), Independent(Normal(means, scales), 1),
    reparameterize=True), one jit-compiled function that splits the PRNG
    key and returns jax.grad of the loss (and the next key), then
    block_until_ready. Compile time is excluded: the first call of every
    (cell, library), TFP's compile, is never timed (the script prints it
    less a median call as "TFP compile s"), and every timed block of more
    than one call follows an untimed warm-up call.

Shapes: "1" (one mixture, one sample per call: the call overhead), "1024"
(one mixture, 1024 samples per call, gradients summed over them) and "1024
mix" (1024 mixtures with one sample each, per-mixture gradients: batched
parameters as a network outputs them). The mixture is compare_peers.py's
(logits sin(k + 0.3 m), means 2 sin(1.3 k + 0.7 d + 0.1 m), scales
1 + 0.5 cos(0.9 k + 1.1 d + 0.2 m) for mixture m).

Timing: for each cell the number of calls per block is chosen so that a
block lasts at least --block-seconds; then --repeats rounds, each timing one
block of every (cell, library) in turn, the libraries' order rotated from
round to round, so that a change of load on a shared machine falls on all of
them alike. Reported: the median over the rounds of the wall time per call
and per sample, and the spread (max - min) / median. All libraries run on
--threads threads (1 by default): torch.set_num_threads and
set_num_interop_threads, OMP_NUM_THREADS and MKL_NUM_THREADS, mixgrad's
rayon pool through RAYON_NUM_THREADS, and XLA_FLAGS
"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" for JAX
(with --threads > 1 only intra_op_parallelism_threads=N). The script prints
each library's process CPU time / wall time over its blocks: 1.0 means one
busy thread.

Agreement (--check-groups groups, float64, one mixture, per D): each
library's gradient of the loss, averaged over 4 calls of 1024 samples per
group (1 call where a call takes more than half a second), is compared
with the closed form of the gradient of E[sum x^2] (d/dmu_kd =
2 pi_k mu_kd, d/dsigma_kd = 2 pi_k sigma_kd, d/da_j = pi_j (S_j -
sum_k pi_k S_k), S_k = sum_d mu_kd^2 + sigma_kd^2) and with each other:
z-scores with the standard error from the spread of the group means, held
to the limit that a correct estimator's largest |z| exceeds with
probability 0.001 (t quantile, Bonferroni over the K + 2KD parameters;
scipy, or the normal quantile without it). Pyro's
estimator is a different pathwise gradient (another velocity field), equal
to mixgrad's only in expectation, so no fixed-noise comparison exists for
it. TFP's implicit reparameterisation gradient is the same function of the
sample as mixgrad's, so it is also compared at fixed samples: TFP's draws
(1024, both precisions, one mixture and 1024 mixtures) and its gradient,
against mixgrad.DiagMixture.vjp at those draws.
"""
import argparse
import os
import platform
import statistics
import sys
import time

K = 8
LARGE = 1024
# (label, samples per mixture per call, mixtures)
SHAPES = [("1", 1, 1), (str(LARGE), LARGE, 1), (f"{LARGE} mix", 1, LARGE)]
LIBS = ["mg anc", "mg qnt", "Pyro", "TFP"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dims", default="4,32,128")
    p.add_argument("--prec", default="f64,f32")
    p.add_argument("--repeats", type=int, default=11)
    p.add_argument("--block-seconds", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--check-groups", type=int, default=40)
    p.add_argument("--no-check", action="store_true")
    a = p.parse_args()
    a.dims = [int(v) for v in a.dims.split(",")]
    a.prec = a.prec.split(",")
    return a


def set_threads(n):
    """Before torch, jax or mixgrad is imported."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
        os.environ[var] = str(n)
    flags = f"intra_op_parallelism_threads={n}"
    if n == 1:
        flags = "--xla_cpu_multi_thread_eigen=false " + flags
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + flags).strip()


def load_average():
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def batch_problem(d, n):
    """n mixtures (compare_peers.py's): logits [n, K], means, scales [n, K, D]."""
    import numpy as np
    m = np.arange(n, dtype=np.float64)[:, None, None]
    i = np.arange(K, dtype=np.float64)[None, :, None]
    j = np.arange(d, dtype=np.float64)[None, None, :]
    logits = np.sin(i[..., 0] + 0.3 * m[..., 0])
    means = 2.0 * np.sin(1.3 * i + 0.7 * j + 0.1 * m)
    scales = 1.0 + 0.5 * np.cos(0.9 * i + 1.1 * j + 0.2 * m)
    return logits, means, scales


def params(d, mixtures):
    """One mixture ([K], [K, D], [K, D]) or a batch of them (float64 numpy)."""
    lg, mu, sc = batch_problem(d, mixtures)
    return (lg[0], mu[0], sc[0]) if mixtures == 1 else (lg, mu, sc)


def sample_shape(samples, mixtures):
    return (samples,) if mixtures == 1 and samples > 1 else ()


class TorchRunner:
    """One call: distribution, rsample, loss, backward."""

    def __init__(self, lib, prec, d, samples, mixtures):
        import torch
        dtype = torch.float64 if prec == "f64" else torch.float32
        self.th = [torch.tensor(a, dtype=dtype).requires_grad_(True) for a in params(d, mixtures)]
        self.shape = torch.Size(sample_shape(samples, mixtures))
        if lib == "Pyro":
            from pyro.distributions import MixtureOfDiagNormals
            self.make = lambda lg, mu, sc: MixtureOfDiagNormals(mu, sc, lg)
        else:
            from mixgrad.torch import MixtureOfDiagonal
            method = "ancestral" if lib == "mg anc" else "quantile"
            self.make = lambda lg, mu, sc: MixtureOfDiagonal(lg, mu, sc, method=method)

    def call(self):
        for t in self.th:
            t.grad = None
        x = self.make(*self.th).rsample(self.shape)
        (x * x).sum(-1).mean().backward()

    def grads(self):
        return [t.grad.detach().numpy().astype("float64") for t in self.th]


def tfp_make():
    import jax
    jax.config.update("jax_enable_x64", True)
    from tensorflow_probability.substrates import jax as tfp
    tfd = tfp.distributions

    def make(lg, mu, sc):
        return tfd.MixtureSameFamily(tfd.Categorical(logits=lg),
                                     tfd.Independent(tfd.Normal(mu, sc), 1),
                                     reparameterize=True)
    return make


class TfpRunner:
    """One call: a jit-compiled step returning (grad of the loss, next key)."""

    def __init__(self, prec, d, samples, mixtures, seed=0):
        import jax
        import jax.numpy as jnp
        make = tfp_make()
        dtype = jnp.float64 if prec == "f64" else jnp.float32
        self.th = tuple(jnp.asarray(a, dtype=dtype) for a in params(d, mixtures))
        shape = sample_shape(samples, mixtures)

        def loss(th, key):
            x = make(*th).sample(shape, seed=key)
            return jnp.mean(jnp.sum(x * x, axis=-1))
        grad = jax.grad(loss)

        @jax.jit
        def step(th, key):
            key, sub = jax.random.split(key)
            return grad(th, sub), key
        self.step = step
        self.key = jax.random.PRNGKey(seed)
        self.g = None
        self.block = jax.block_until_ready

    def call(self):
        self.g, self.key = self.step(self.th, self.key)
        self.block(self.g)

    def grads(self):
        import numpy as np
        return [np.asarray(t, dtype=np.float64) for t in self.g]


def make_runner(lib, prec, d, samples, mixtures):
    if lib == "TFP":
        return TfpRunner(prec, d, samples, mixtures)
    return TorchRunner(lib, prec, d, samples, mixtures)


def timed_block(runner, calls):
    """Seconds per call and process CPU time / wall time over one block of
    `calls` calls, after one untimed warm-up call if the block has several
    (a single call already lasts the whole block)."""
    if calls > 1:
        runner.call()
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(calls):
        runner.call()
    t1, c1 = time.perf_counter(), time.process_time()
    return (t1 - t0) / calls, (c1 - c0) / (t1 - t0)


def calibrate(runner, block_seconds):
    """Calls per block (powers of two) so that a block lasts block_seconds."""
    calls = 1
    while True:
        per_call, _ = timed_block(runner, calls)
        if per_call * calls >= block_seconds or calls >= 1 << 16:
            return calls
        calls = max(calls * 2, min(1 << 16, int(calls * block_seconds / max(per_call * calls, 1e-9) / 1.5)))


def fmt_us(seconds):
    us = seconds * 1e6
    return f"{us:.1f}" if us < 1000 else f"{us:.0f}"


def fmt_ns(seconds):
    ns = seconds * 1e9
    return f"{ns:.0f}"


def progress(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def run_timings(args, cells):
    import numpy as np
    runners, calls, first = {}, {}, {}
    for cell in cells:
        prec, d, (label, samples, mixtures) = cell
        progress(f"setting up {prec} D={d} {label}")
        for lib in LIBS:
            r = make_runner(lib, prec, d, samples, mixtures)
            t0 = time.perf_counter()
            r.call()  # TFP: compiles
            first[cell, lib] = time.perf_counter() - t0
            runners[cell, lib] = r
            calls[cell, lib] = calibrate(r, args.block_seconds)
    times = {key: [] for key in runners}
    cpu = {key: [] for key in runners}
    for rnd in range(args.repeats):
        progress(f"round {rnd + 1} of {args.repeats}")
        order = LIBS[rnd % len(LIBS):] + LIBS[:rnd % len(LIBS)]
        for cell in cells:
            for lib in order:
                per_call, ratio = timed_block(runners[cell, lib], calls[cell, lib])
                times[cell, lib].append(per_call)
                cpu[cell, lib].append(ratio)
    finite = {}
    for key, r in runners.items():
        finite[key] = all(bool(np.all(np.isfinite(g))) for g in r.grads())
    return times, cpu, calls, first, finite


def exact_grad(d):
    """Gradient of E[sum_d x_d^2] for the one-mixture problem (float64)."""
    import numpy as np
    lg, mu, sc = params(d, 1)
    pi = np.exp(lg - lg.max())
    pi /= pi.sum()
    s = (mu ** 2 + sc ** 2).sum(-1)
    return [pi * (s - (pi * s).sum()), 2 * pi[:, None] * mu, 2 * pi[:, None] * sc]


def check_expectation(args, d, runners, seconds_per_call):
    """Monte Carlo means of each library's gradient against the closed form
    and against each other: per library, max |z| over all K + 2KD parameters
    (and per group of parameters), with se from the group means. A group is
    4 calls of 1024 samples, or 1 call for a library whose call takes more
    than half a second (TFP at D = 128)."""
    import numpy as np
    exact = np.concatenate([g.ravel() for g in exact_grad(d)])
    stats, per_group = {}, {}
    for lib, r in runners.items():
        progress(f"agreement D={d} {lib}")
        n = 4 if seconds_per_call[lib] < 0.5 else 1
        per_group[lib] = n * LARGE
        groups = []
        for _ in range(args.check_groups):
            acc = 0.0
            for _ in range(n):
                r.call()
                acc = acc + np.concatenate([g.ravel() for g in r.grads()])
            groups.append(acc / n)
        g = np.array(groups)
        stats[lib] = (g.mean(0), g.std(0, ddof=1) / np.sqrt(len(g)))
    limit = z_limit(args.check_groups, len(exact))
    lines = []
    n_l, n_m = K, K * d
    parts = [("logits", slice(0, n_l)), ("means", slice(n_l, n_l + n_m)),
             ("scales", slice(n_l + n_m, None))]
    for lib, (m, se) in stats.items():
        z = (m - exact) / se
        per = ", ".join(f"{name} {np.max(np.abs(z[s])):.2f}" for name, s in parts)
        rel = np.median(se / np.maximum(np.abs(exact), 1e-300))
        lines.append(f"  {lib:>6} vs exact: max |z| {np.max(np.abs(z)):.2f} ({per}); "
                     f"median se/|exact| {rel:.1e}; {args.check_groups} x {per_group[lib]} samples")
    names = list(stats)
    pair = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            (ma, sa), (mb, sb) = stats[a], stats[b]
            z = (ma - mb) / np.sqrt(sa ** 2 + sb ** 2)
            pair.append(f"{a}/{b} {np.max(np.abs(z)):.2f}")
    lines.append("  pairwise max |z|: " + ", ".join(pair))
    over = [lib for lib, (m, se) in stats.items() if np.max(np.abs((m - exact) / se)) >= limit]
    lines.append(f"  limit {limit:.2f}: " + ("all four within it" if not over else
                                             "EXCEEDED by " + ", ".join(over)))
    return lines, over


def z_limit(groups, parameters, level=0.001):
    """The |z| that the largest of `parameters` z-scores (t with groups - 1
    degrees of freedom) exceeds with probability at most `level`
    (Bonferroni), for a correct estimator with normal group means."""
    q = 1 - level / (2 * parameters)
    try:
        from scipy import stats
        return float(stats.t.ppf(q, groups - 1))
    except ImportError:
        return statistics.NormalDist().inv_cdf(q)



def check_fixed_sample(prec, d, mixtures):
    """TFP's gradient at its own draws against mixgrad's vjp at the same
    draws: max |difference| / max |gradient|, per parameter group."""
    import jax
    import jax.numpy as jnp
    import mixgrad
    import numpy as np
    make = tfp_make()
    dtype = np.float64 if prec == "f64" else np.float32
    th_np = tuple(np.asarray(a, dtype=dtype) for a in params(d, mixtures))
    th = tuple(jnp.asarray(a) for a in th_np)
    shape = sample_shape(LARGE, mixtures)

    def loss(th, key):
        x = make(*th).sample(shape, seed=key)
        return jnp.mean(jnp.sum(x * x, axis=-1)), x
    g_tfp, x = jax.jit(jax.grad(loss, has_aux=True))(th, jax.random.PRNGKey(7))
    x = np.asarray(x)
    n = x.shape[0]
    g_mg = mixgrad.DiagMixture(*th_np).vjp(x, (2.0 / n) * x)
    out = []
    for name, a, b in zip(("logits", "means", "scales"), g_tfp, g_mg):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        out.append((name, float(np.max(np.abs(a - b)) / np.max(np.abs(a)))))
    return out


def versions():
    import importlib.metadata as md
    names = ["torch", "pyro-ppl", "jax", "jaxlib", "tensorflow-probability", "numpy", "mixgrad"]
    return ", ".join(f"{n} {md.version(n)}" for n in names)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    set_threads(args.threads)
    import torch
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    import jax
    import mixgrad
    tfp_make()  # jax_enable_x64 before any array is made
    started = time.perf_counter()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; Python {platform.python_version()}; "
          f"{versions()}")
    print(f"# {cpu_model()}, {os.cpu_count()} logical CPUs; mixgrad SIMD path {mixgrad.simd_path()}; "
          f"jax backend {jax.default_backend()}; load average at start {load_average()}")
    print(f"# threads: torch {torch.get_num_threads()} (interop {torch.get_num_interop_threads()}), "
          f"RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']}, "
          f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, XLA_FLAGS=\"{os.environ['XLA_FLAGS']}\"")
    print(f"# K = {K}; {args.repeats} rounds of blocks of >= {args.block_seconds} s; "
          f"torch distributions with their default argument validation")
    cells = [(prec, d, shape) for prec in args.prec for d in args.dims for shape in SHAPES]
    times, cpu, calls, first, finite = run_timings(args, cells)
    med = {k: statistics.median(v) for k, v in times.items()}
    spread = {k: (max(v) - min(v)) / statistics.median(v) for k, v in times.items()}

    print()
    print("Wall time per call, median over the rounds in µs, (max - min) / median in brackets")
    head = f"{'prec':>4} {'D':>4} {'shape':>8} |" + "".join(f" {lib:>14}" for lib in LIBS)
    print(head + " | TFP compile s")
    print("-" * (len(head) + 18))
    for cell in cells:
        prec, d, (label, _, _) = cell
        row = f"{prec:>4} {d:>4} {label:>8} |"
        for lib in LIBS:
            row += f" {fmt_us(med[cell, lib]):>8} ({spread[cell, lib] * 100:>2.0f}%)"
        print(row + f" | {first[cell, 'TFP'] - med[cell, 'TFP']:>13.1f}")

    print()
    print("Wall time per sample in ns (median per call / samples per call), and ratios "
          "peer / mixgrad (> 1: mixgrad faster)")
    head = (f"{'prec':>4} {'D':>4} {'shape':>8} |" + "".join(f" {lib:>8}" for lib in LIBS) +
            " | Pyro/anc  TFP/anc Pyro/qnt  TFP/qnt")
    print(head)
    print("-" * len(head))
    misses = []
    for cell in cells:
        prec, d, (label, samples, mixtures) = cell
        per = samples * mixtures
        row = f"{prec:>4} {d:>4} {label:>8} |"
        row += "".join(f" {fmt_ns(med[cell, lib] / per):>8}" for lib in LIBS)
        ratios = []
        for mg in ("mg anc", "mg qnt"):
            for peer in ("Pyro", "TFP"):
                r = med[cell, peer] / med[cell, mg]
                ratios.append(f"{r:>8.2f}")
                if r < 1:
                    misses.append(f"{prec} D={d} {label}: {peer} / {mg} = {r:.2f}")
        print(row + " | " + " ".join(ratios))
    print()
    print("TFP compile s: the first call (jit compile + one call) less the median call; "
          "excluded from the timings.")
    print("shape 1: one mixture, one sample per call; 1024: one mixture, 1024 samples per call; "
          "1024 mix: 1024 mixtures, one sample each. mg anc / mg qnt: mixgrad MixtureOfDiagonal "
          "method=ancestral / quantile (the default).")
    print("mixgrad slower than a peer (ratio < 1): " + ("; ".join(misses) if misses else "none"))
    bad = [f"{p} D={d} {s[0]} {lib}" for ((p, d, s), lib), ok in finite.items() if not ok]
    print("non-finite gradients in the timed calls: " + (", ".join(bad) if bad else "none"))
    for lib in LIBS:
        ratios = [x for (c, l), v in cpu.items() if l == lib for x in v]
        print(f"process CPU time / wall time, {lib}: median {statistics.median(ratios):.2f}, "
              f"range {min(ratios):.2f}-{max(ratios):.2f}")
    print("calls per block: " + ", ".join(
        f"{p} D={d} {s[0]}: " + "/".join(str(calls[(p, d, s), lib]) for lib in LIBS)
        for (p, d, s) in cells) + " (mg anc/mg qnt/Pyro/TFP)")
    print(f"load average after timing: {load_average()}; timing took {time.perf_counter() - started:.0f} s")

    if args.no_check:
        return
    print()
    print(f"Agreement, float64, one mixture: {args.check_groups} groups of 4 x {LARGE} samples per "
          f"library (1 x {LARGE} where a call takes > 0.5 s); z = (mean - exact) / se, se from the "
          f"spread of the group means")
    over_all = []
    for d in args.dims:
        runners = {lib: make_runner(lib, "f64", d, LARGE, 1) for lib in LIBS}
        cell = ("f64", d, SHAPES[1])
        per_call = {lib: med.get((cell, lib), 0.0) for lib in LIBS}
        lines, over = check_expectation(args, d, runners, per_call)
        over_all += [f"{lib} at D = {d}" for lib in over]
        print(f" D = {d} ({K + 2 * K * d} parameters):")
        for line in lines:
            print(line)
    print("limit: the t quantile (group means' dof) that the largest |z| of a correct estimator "
          "exceeds with probability 0.001 (Bonferroni over the parameters). Against the closed form: "
          + ("every library within it" if not over_all else "EXCEEDED: " + ", ".join(over_all)))
    print()
    print("TFP's gradient at its own 1024 draws vs mixgrad.DiagMixture.vjp at the same draws: "
          "max |difference| / max |TFP gradient| (logits, means, scales)")
    for prec in args.prec:
        for d in args.dims:
            for label, mixtures in (("one mixture", 1), (f"{LARGE} mixtures", LARGE)):
                res = check_fixed_sample(prec, d, mixtures)
                print(f"  {prec} D = {d:>3}, {label:>13}: " + ", ".join(f"{v:.1e}" for _, v in res))
    print("(Pyro's pathwise gradient is another estimator, equal to mixgrad's in expectation only: "
          "checked above, not at fixed samples.)")
    print(f"load average at end: {load_average()}; run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
