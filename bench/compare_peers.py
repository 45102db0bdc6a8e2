#!/usr/bin/env python3
"""mixgrad against TensorFlow Probability (JAX) and Pyro, in one run.

    python3 bench/compare_peers.py            # creates target/bench-venv on first use

Times, for K = 8 and D in {4, 32, 128}, at batch size 1 and a large batch:
  * TFP on JAX, jit-compiled, MixtureSameFamily(Categorical(logits),
    Independent(Normal(loc, scale), 1), reparameterize=True): `sample`, and
    `grad` of sum(x_bar * x) (sample + implicit reparameterisation gradient);
  * Pyro MixtureOfDiagNormals: `sample`, and `rsample` + `backward`;
  * mixgrad (single thread, through bench/src/main.rs): ancestral and
    quantile sampling, each alone and followed by the vjp. At batch 1 on
    the plain view; at the large batch on a view whose ln(sigma) was computed
    once (`with_log_scales`), as a caller drawing a batch from one mixture
    would use it.
Everything is float64; the peers use their default threading. It prints one
table of ns per sample with the ratio peer / mixgrad, and checks that TFP's
implicit gradient at a fixed x equals mixgrad's vjp (max relative difference).
Not run by CI: it downloads JAX, TFP and PyTorch (several GB with PyTorch's
CUDA wheels).
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


def ensure_venv():
    """Re-executes this script inside its own virtual environment."""
    if pathlib.Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    subprocess.check_call([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "-r", str(ROOT / "bench" / "requirements.txt")])
    os.execv(str(python), [str(python), __file__] + sys.argv[1:])


def problem(k, d):
    """The benchmark mixture; bench/src/main.rs builds the same one."""
    import numpy as np
    i = np.arange(k)[:, None]
    j = np.arange(d)[None, :]
    logits = np.sin(np.arange(k, dtype=np.float64))
    means = 2.0 * np.sin(1.3 * i + 0.7 * j)
    scales = 1.0 + 0.5 * np.cos(0.9 * i + 1.1 * j)
    return logits, means.astype(np.float64), scales.astype(np.float64)


def best_ns_per_sample(fn, batch, min_seconds=0.3, repeats=5):
    """Best over `repeats` of the mean time per sample of calling fn()."""
    fn()
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
    best = elapsed
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / calls / batch * 1e9


def tfp_setup():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from tensorflow_probability.substrates import jax as tfp
    tfd = tfp.distributions

    def make(logits, loc, scale):
        return tfd.MixtureSameFamily(
            tfd.Categorical(logits=logits),
            tfd.Independent(tfd.Normal(loc, scale), 1),
            reparameterize=True)
    return jax, jnp, make


def time_tfp(d, batch):
    jax, jnp, make = tfp_setup()
    logits, means, scales = (jnp.asarray(a) for a in problem(K, d))
    x_bar = jnp.asarray(1.0 + 0.1 * jnp.arange(d))
    key = jax.random.PRNGKey(0)

    sample = jax.jit(lambda th, key: make(*th).sample(batch, seed=key))
    loss = lambda th, key: jnp.sum(x_bar * make(*th).sample(batch, seed=key))
    grad = jax.jit(jax.grad(loss))
    th = (logits, means, scales)
    s = best_ns_per_sample(lambda: sample(th, key).block_until_ready(), batch)
    g = best_ns_per_sample(lambda: jax.block_until_ready(grad(th, key)), batch)
    return s, g


def time_pyro(d, batch):
    import torch
    from pyro.distributions import MixtureOfDiagNormals
    torch.set_default_dtype(torch.float64)
    logits, means, scales = (torch.tensor(a) for a in problem(K, d))
    x_bar = 1.0 + 0.1 * torch.arange(d, dtype=torch.float64)
    th = [t.clone().requires_grad_(True) for t in (means, scales, logits)]

    def sample():
        with torch.no_grad():
            MixtureOfDiagNormals(th[0], th[1], th[2]).sample((batch,))

    def rsample_backward():
        for t in th:
            t.grad = None
        x = MixtureOfDiagNormals(th[0], th[1], th[2]).rsample((batch,))
        (x_bar * x).sum().backward()

    return best_ns_per_sample(sample, batch), best_ns_per_sample(rsample_backward, batch)


def mixgrad_binary():
    subprocess.check_call(["cargo", "build", "--release", "--quiet", "-p", "mixgrad-bench"], cwd=ROOT)
    return str(ROOT / "target" / "release" / "mixgrad-bench")


def time_mixgrad(binary, d):
    n = max(2000, 400_000 // (K * d))
    out = subprocess.check_output([binary, "time", str(K), str(d), str(n)], text=True)
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


def main():
    ensure_venv()
    binary = mixgrad_binary()
    # mixgrad first, for every D, before JAX and PyTorch are even imported:
    # on two cores their thread pools' idle spinning slows a single thread.
    all_ours = {d: time_mixgrad(binary, d) for d in DIMS}
    import jax
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"machine: {cpu}, {os.cpu_count()} cores; jax {jax.__version__}, torch {torch.__version__}; "
          f"float64; K = {K}; date {time.strftime('%Y-%m-%d')}")
    print(f"{'D':>4} {'batch':>6} | {'TFP sample':>11} {'TFP grad':>11} | {'Pyro sample':>11} "
          f"{'Pyro rs+bw':>11} | {'mg anc':>8} {'mg anc+vjp':>10} {'mg q+vjp':>9} | "
          f"{'TFP/mg':>7} {'Pyro/mg':>7}")
    rows = []
    for d in DIMS:
        ours = all_ours[d]
        for batch in (1, LARGE):
            tfp_s, tfp_g = time_tfp(d, batch)
            pyro_s, pyro_g = time_pyro(d, batch)
            # Batch 1: one sample, nothing to reuse. A batch: one mixture
            # serves all its samples, so ln(sigma) is computed once.
            mg = {op: ours[op + ("" if batch == 1 else "/prepared")]
                  for op in ("ancestral", "ancestral+vjp", "quantile+vjp", "cdf", "vjp")}
            anc = mg["ancestral+vjp"]
            rows.append(dict(D=d, batch=batch, tfp_sample=tfp_s, tfp_grad=tfp_g, pyro_sample=pyro_s,
                             pyro_grad=pyro_g, **mg))
            print(f"{d:>4} {batch:>6} | {tfp_s:>11.0f} {tfp_g:>11.0f} | {pyro_s:>11.0f} {pyro_g:>11.0f} | "
                  f"{mg['ancestral']:>8.0f} {anc:>10.0f} {mg['quantile+vjp']:>9.0f} | "
                  f"{tfp_g / anc:>7.1f} {pyro_g / anc:>7.1f}")
    print("(ns per sample; ratios are the peer's sample+gradient over mixgrad's ancestral sample + vjp "
          "at the same batch size; mixgrad's batch rows use with_log_scales)")
    for d in DIMS:
        batched = next(r for r in rows if r["D"] == d and r["batch"] == LARGE)
        single = next(r for r in rows if r["D"] == d and r["batch"] == 1)
        best = lambda key: min(x[key] for x in rows if x["D"] == d)
        best_peer = min(best("tfp_grad"), best("pyro_grad"))
        print(f"D = {d:>3}: best peer (any batch) / mixgrad (batch) = {best_peer / batched['ancestral+vjp']:.1f}; "
              f"TFP best / mixgrad = {best('tfp_grad') / batched['ancestral+vjp']:.1f}; "
              f"Pyro best / mixgrad = {best('pyro_grad') / batched['ancestral+vjp']:.1f}; "
              f"batch 1: TFP / mixgrad = {single['tfp_grad'] / single['ancestral+vjp']:.1f}, "
              f"Pyro / mixgrad = {single['pyro_grad'] / single['ancestral+vjp']:.1f}; "
              f"quantile+vjp / ancestral+vjp = {batched['quantile+vjp'] / batched['ancestral+vjp']:.2f}; "
              f"vjp / cdf = {single['vjp'] / single['cdf']:.2f} (plain), "
              f"{batched['vjp'] / batched['cdf']:.2f} (with_log_scales)")
    for d in DIMS:
        print(f"TFP implicit gradient vs mixgrad vjp at a fixed x, D = {d}: "
              f"max |diff| / (1 + max |g|) = {gradient_agreement(binary, d):.2e}")


if __name__ == "__main__":
    main()
