//! On-target tests of the batch forms under QEMU (Cortex-M4F `mps2-an386`,
//! Cortex-M0 `microbit`, RISC-V `virt`), bit for bit against the single calls, in f64 and
//! f32: `n` points of one mixture through the view (`DiagMixtureRef`'s
//! `*_many`) and through the owned type (`DiagMixture`'s `*_many`), and a
//! packed batch of mixtures (`DiagBatchRef`). Rows must equal the single
//! calls' rows; summed gradients must equal the single calls' gradients
//! added in row order to +0; the generator must be left where the single
//! calls leave it. Also the stack depth of a batched sample + vjp beside the
//! single one, measured by painting the stack. Prints a summary through
//! semihosting and exits non-zero on any failure (a panic exits non-zero
//! too).
//!
//! A firmware of its own, apart from `firmware_tests`: both precisions of
//! the single calls and of the batch forms, at the release profile's
//! opt-level 3, would not fit the micro:bit's 256 KiB of flash together.
#![no_std]
#![no_main]

use mixgrad::{
    DiagBatchRef, DiagMixture, DiagMixtureRef, Float, LogProbGrad, ParamGrad, RngCore, SeedableRng,
    Xoshiro128PlusPlus, Xoshiro256PlusPlus,
};
use mixgrad_embedded::{entry, hprintln, mixture_k8, sample_and_vjp_k8, stack_depth, Tally};

/// The seed of the sampling checks.
const SEED: u64 = 2016;

/// The shape of the batch checks: `BN` points of one mixture of `BK`
/// components in `BD` dimensions, and a packed batch of `BM` such mixtures.
const BK: usize = 3;
const BD: usize = 4;
const BKD: usize = BK * BD;
const BN: usize = 5;
const BM: usize = 3;

/// `D`-value rows of `a`.
fn rows<F>(a: &[F]) -> core::slice::ChunksExact<'_, F> {
    a.chunks_exact(BD)
}

/// Equal bit for bit (`f32` widens to `f64` exactly, signed zeros kept).
fn same<F: Float>(a: &[F], b: &[F]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_f64().to_bits() == y.to_f64().to_bits())
}

/// `acc += g` entry by entry: the row-order sum the summed gradients of
/// the batch layer are defined by.
fn add_into<F: Float>(acc: &mut [F], g: &[F]) {
    for (a, &v) in acc.iter_mut().zip(g) {
        *a += v;
    }
}

/// Parameters of mixture `j` (K = 3, D = 4), each mixture different.
fn batch_params<F: Float>(j: usize, l: &mut [F], m: &mut [F], s: &mut [F]) {
    for (k, o) in l.iter_mut().enumerate() {
        *o = F::from_f64(0.3 * k as f64 - 0.4 * j as f64);
    }
    for (i, o) in m.iter_mut().enumerate() {
        *o = F::from_f64(((i * 7 + j * 3) % 11) as f64 * 0.35 - 1.5);
    }
    for (i, o) in s.iter_mut().enumerate() {
        *o = F::from_f64(0.4 + ((i * 5 + j) % 7) as f64 * 0.2);
    }
}

/// Cotangents for `rows` points, zeros among them.
fn cotangents<F: Float>(xb: &mut [F]) {
    for (i, o) in xb.iter_mut().enumerate() {
        *o = F::from_f64(((i * 3) % 5) as f64 * 0.5 - 1.0);
    }
}

/// Runs `f` in a stack frame of its own. The calls the batch checks make
/// each take the runtime-sized view's scratch (`MAX_COMPONENTS` wide) and
/// more; inlined side by side into one function, their frames would add up
/// beyond the micro:bit's 16 KiB. Apart, they leave the stack in turn.
#[inline(never)]
fn apart<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// `BN` points of one mixture against `BN` single calls, bit for bit: the
/// samplers (and the generator state after), cdf, quantile, log q, and
/// the summed gradients of log q and of the vjp against the single calls'
/// added in row order to +0 (the outputs poisoned first: overwritten).
// Not inlined: its buffers must leave the stack before the stack
// measurements, which need the free RAM below main.
#[inline(never)]
fn check_many<F: Float, R: RngCore + SeedableRng + Clone + PartialEq>(t: &mut Tally, name: &str) {
    const ROWS: usize = BN * BD;
    let (mut l, mut m, mut s) = ([F::ZERO; BK], [F::ZERO; BKD], [F::ZERO; BKD]);
    batch_params(0, &mut l, &mut m, &mut s);
    let Ok(v) = DiagMixtureRef::new(&l, &m, &s, BD) else {
        return t.check(false, "construct", name);
    };

    let mut rng = R::seed_from_u64(SEED);
    let mut rng1 = rng.clone();
    let (mut x, mut u) = ([F::ZERO; ROWS], [F::ZERO; ROWS]);
    let (mut x1, mut u1) = ([F::ONE; ROWS], [F::ONE; ROWS]);
    let ok = apart(|| {
        v.sample_quantile_many(&mut rng, &mut x, Some(&mut u))
            .is_ok()
    }) && apart(|| {
        let pairs = x1.chunks_exact_mut(BD).zip(u1.chunks_exact_mut(BD));
        pairs
            .map(|(xi, ui)| v.sample_quantile(&mut rng1, xi, Some(ui)).is_ok())
            .fold(true, |a, b| a & b)
    });
    let good = ok && same(&x, &x1) && same(&u, &u1) && rng == rng1;
    t.check(good, "sample_quantile_many = 5 sample_quantile", name);

    let (mut xa, mut xa1) = ([F::ZERO; ROWS], [F::ONE; ROWS]);
    let (mut c, mut c1) = ([0usize; BN], [usize::MAX; BN]);
    let ok = apart(|| {
        v.sample_ancestral_many(&mut rng, &mut xa, Some(&mut c))
            .is_ok()
    }) && apart(|| {
        let pairs = xa1.chunks_exact_mut(BD).zip(c1.iter_mut());
        pairs
            .map(|(xi, ci)| v.sample_ancestral(&mut rng1, xi).map(|k| *ci = k).is_ok())
            .fold(true, |a, b| a & b)
    });
    let good = ok && same(&xa, &xa1) && c == c1 && rng == rng1;
    t.check(good, "sample_ancestral_many = 5 sample_ancestral", name);

    let (mut f, mut f1) = ([F::ZERO; ROWS], [F::ONE; ROWS]);
    let ok = apart(|| v.cdf_many(&x, &mut f).is_ok())
        && apart(|| {
            let pairs = rows(&x).zip(f1.chunks_exact_mut(BD));
            pairs
                .map(|(xi, fi)| v.cdf(xi, fi).is_ok())
                .fold(true, |a, b| a & b)
        });
    t.check(ok && same(&f, &f1), "cdf_many = 5 cdf", name);

    let (mut xq, mut xq1) = ([F::ZERO; ROWS], [F::ONE; ROWS]);
    let ok = apart(|| v.quantile_many(&u, &mut xq).is_ok())
        && apart(|| {
            let pairs = rows(&u).zip(xq1.chunks_exact_mut(BD));
            pairs
                .map(|(ui, xi)| v.quantile(ui, xi).is_ok())
                .fold(true, |a, b| a & b)
        });
    t.check(ok && same(&xq, &xq1), "quantile_many = 5 quantile", name);

    let (mut lp, mut lp1) = ([F::ZERO; BN], [F::ONE; BN]);
    let ok = apart(|| v.log_prob_many(&xa, &mut lp).is_ok())
        && apart(|| {
            let pairs = rows(&xa).zip(lp1.iter_mut());
            pairs
                .map(|(xi, o)| v.log_prob(xi).map(|p| *o = p).is_ok())
                .fold(true, |a, b| a & b)
        });
    t.check(ok && same(&lp, &lp1), "log_prob_many = 5 log_prob", name);

    let poison = F::from_f64(7.0);
    let (mut gx, mut ga) = ([poison; ROWS], [poison; BK]);
    let (mut gm, mut gs) = ([poison; BKD], [poison; BKD]);
    let ok = apart(|| {
        let grad = LogProbGrad {
            x: Some(&mut gx[..]),
            logits: Some(&mut ga[..]),
            means: Some(&mut gm[..]),
            scales: Some(&mut gs[..]),
        };
        v.log_prob_grad_many(&x, &mut lp, grad).is_ok()
    });
    let (mut gx1, mut sa) = ([F::ONE; ROWS], [F::ZERO; BK]);
    let (mut sm, mut ss) = ([F::ZERO; BKD], [F::ZERO; BKD]);
    let ok = ok
        && apart(|| {
            let rows_in = rows(&x).zip(gx1.chunks_exact_mut(BD)).zip(lp1.iter_mut());
            let mut ok = true;
            for ((xi, gxi), o) in rows_in {
                let (mut ra, mut rm, mut rs) = ([F::ONE; BK], [F::ONE; BKD], [F::ONE; BKD]);
                let row = LogProbGrad {
                    x: Some(gxi),
                    logits: Some(&mut ra[..]),
                    means: Some(&mut rm[..]),
                    scales: Some(&mut rs[..]),
                };
                ok &= v.log_prob_grad(xi, row).map(|p| *o = p).is_ok();
                add_into(&mut sa, &ra);
                add_into(&mut sm, &rm);
                add_into(&mut ss, &rs);
            }
            ok
        });
    let good = ok
        && same(&lp, &lp1)
        && same(&gx, &gx1)
        && same(&ga, &sa)
        && same(&gm, &sm)
        && same(&gs, &ss);
    t.check(
        good,
        "log_prob_grad_many = row-order sum of 5 log_prob_grad",
        name,
    );

    let mut xb = [F::ZERO; ROWS];
    cotangents(&mut xb);
    let (mut a, mut mb, mut sb) = ([poison; BK], [poison; BKD], [poison; BKD]);
    let ok = apart(|| v.vjp_many(&x, &xb, &mut a, &mut mb, &mut sb).is_ok());
    let (mut sa, mut sm, mut ss) = ([F::ZERO; BK], [F::ZERO; BKD], [F::ZERO; BKD]);
    let ok = ok
        && apart(|| {
            let mut ok = true;
            for (xi, xbi) in rows(&x).zip(rows(&xb)) {
                let (mut ra, mut rm, mut rs) = ([F::ONE; BK], [F::ONE; BKD], [F::ONE; BKD]);
                ok &= v.vjp(xi, xbi, &mut ra, &mut rm, &mut rs).is_ok();
                add_into(&mut sa, &ra);
                add_into(&mut sm, &rm);
                add_into(&mut ss, &rs);
            }
            ok
        });
    let good = ok && same(&a, &sa) && same(&mb, &sm) && same(&sb, &ss);
    t.check(good, "vjp_many = row-order sum of 5 vjp from +0", name);
    // Every single vjp above succeeded: the pre-pass alone finds no row.
    let none = apart(|| v.first_zero_density_many(&x)) == Ok(None);
    t.check(ok && none, "first_zero_density_many = None", name);
}

/// `[k][d]` rows of a flat `K·D` parameter array.
fn grid<F: Float>(a: &[F; BKD]) -> [[F; BD]; BK] {
    core::array::from_fn(|k| core::array::from_fn(|d| a[k * BD + d]))
}

/// `acc += g`, every parameter's entry: the row-order sum again.
fn add_grad<F: Float>(acc: &mut ParamGrad<F, BK, BD>, g: &ParamGrad<F, BK, BD>) {
    add_into(&mut acc.logits, &g.logits);
    add_into(acc.means.as_flattened_mut(), g.means.as_flattened());
    add_into(acc.scales.as_flattened_mut(), g.scales.as_flattened());
}

/// Equal bit for bit, gradient against gradient.
fn same_grad<F: Float>(a: &ParamGrad<F, BK, BD>, b: &ParamGrad<F, BK, BD>) -> bool {
    same(&a.logits, &b.logits)
        && same(a.means.as_flattened(), b.means.as_flattened())
        && same(a.scales.as_flattened(), b.scales.as_flattened())
}

/// The owned type's batch forms (`BN` rows of `[F; D]`, scratch sized by
/// `K`) against `BN` of its single calls, bit for bit, as `check_many` does
/// for the view: rows, summed gradients from +0, the generator after.
// Not inlined: its buffers must leave the stack before the stack
// measurements, which need the free RAM below main.
#[inline(never)]
fn check_owned<F: Float, R: RngCore + SeedableRng + Clone + PartialEq>(t: &mut Tally, name: &str) {
    let (mut l, mut m, mut s) = ([F::ZERO; BK], [F::ZERO; BKD], [F::ZERO; BKD]);
    batch_params(0, &mut l, &mut m, &mut s);
    let Ok(o) = DiagMixture::<F, BK, BD>::new(l, grid(&m), grid(&s)) else {
        return t.check(false, "construct", name);
    };

    let mut rng = R::seed_from_u64(SEED);
    let mut rng1 = rng.clone();
    let (mut x, mut u) = ([[F::ZERO; BD]; BN], [[F::ZERO; BD]; BN]);
    let ok = apart(|| {
        o.sample_quantile_many(&mut rng, &mut x, Some(&mut u))
            .is_ok()
    });
    let (x1, u1) = apart(|| {
        let (mut x1, mut u1) = ([[F::ONE; BD]; BN], [[F::ONE; BD]; BN]);
        for (xi, ui) in x1.iter_mut().zip(u1.iter_mut()) {
            (*xi, *ui) = o.sample_quantile(&mut rng1);
        }
        (x1, u1)
    });
    let good = ok
        && same(x.as_flattened(), x1.as_flattened())
        && same(u.as_flattened(), u1.as_flattened())
        && rng == rng1;
    t.check(
        good,
        "DiagMixture sample_quantile_many = 5 sample_quantile",
        name,
    );

    let (mut xa, mut c) = ([[F::ZERO; BD]; BN], [usize::MAX; BN]);
    let ok = apart(|| {
        o.sample_ancestral_many(&mut rng, &mut xa, Some(&mut c))
            .is_ok()
    });
    let (xa1, c1) = apart(|| {
        let (mut xa1, mut c1) = ([[F::ONE; BD]; BN], [0usize; BN]);
        for (xi, ci) in xa1.iter_mut().zip(c1.iter_mut()) {
            (*xi, *ci) = o.sample_ancestral(&mut rng1);
        }
        (xa1, c1)
    });
    let good = ok && same(xa.as_flattened(), xa1.as_flattened()) && c == c1 && rng == rng1;
    t.check(
        good,
        "DiagMixture sample_ancestral_many = 5 sample_ancestral",
        name,
    );

    let mut f = [[F::ZERO; BD]; BN];
    let ok = apart(|| o.cdf_many(&x, &mut f).is_ok());
    let good = ok
        && apart(|| {
            let pairs = x.iter().zip(f.iter());
            pairs.fold(true, |a, (xi, fi)| {
                a & o.cdf(xi).is_ok_and(|f1| same(fi, &f1))
            })
        });
    t.check(good, "DiagMixture cdf_many = 5 cdf", name);

    let mut xq = [[F::ZERO; BD]; BN];
    let ok = apart(|| o.quantile_many(&u, &mut xq).is_ok());
    let good = ok
        && apart(|| {
            let pairs = u.iter().zip(xq.iter());
            pairs.fold(true, |a, (ui, xi)| {
                a & o.quantile(ui).is_ok_and(|x1| same(xi, &x1))
            })
        });
    t.check(good, "DiagMixture quantile_many = 5 quantile", name);

    let mut lp = [F::ZERO; BN];
    let ok = apart(|| o.log_prob_many(&xa, &mut lp).is_ok());
    let good = ok
        && apart(|| {
            let pairs = xa.iter().zip(lp.iter());
            pairs.fold(true, |a, (xi, p)| {
                a & o.log_prob(xi).is_ok_and(|p1| same(&[*p], &[p1]))
            })
        });
    t.check(good, "DiagMixture log_prob_many = 5 log_prob", name);

    let poison = F::from_f64(7.0);
    let (mut lp, mut gx) = ([poison; BN], [[poison; BD]; BN]);
    let g = apart(|| o.log_prob_grad_many(&x, &mut lp, Some(&mut gx)).ok());
    let good = g.is_some_and(|g| {
        apart(|| {
            let mut sum = ParamGrad::default();
            let mut ok = true;
            for ((xi, gxi), p) in x.iter().zip(gx.iter()).zip(lp.iter()) {
                ok &= o.log_prob_grad(xi).is_ok_and(|(p1, gx1, g1)| {
                    add_grad(&mut sum, &g1);
                    same(&[*p], &[p1]) && same(gxi, &gx1)
                });
            }
            ok && same_grad(&g, &sum)
        })
    });
    t.check(
        good,
        "DiagMixture log_prob_grad_many = row-order sum of 5 log_prob_grad",
        name,
    );

    let xb: [[F; BD]; BN] = core::array::from_fn(|i| {
        let mut r = [F::ZERO; BN * BD];
        cotangents(&mut r);
        core::array::from_fn(|d| r[i * BD + d])
    });
    let g = apart(|| o.vjp_many(&x, &xb).ok());
    let good = g.is_some_and(|g| {
        apart(|| {
            let mut sum = ParamGrad::default();
            let mut ok = true;
            for (xi, xbi) in x.iter().zip(xb.iter()) {
                ok &= o.vjp(xi, xbi).is_ok_and(|g1| {
                    add_grad(&mut sum, &g1);
                    true
                });
            }
            ok && same_grad(&g, &sum)
        })
    });
    t.check(
        good,
        "DiagMixture vjp_many = row-order sum of 5 vjp from +0",
        name,
    );
}

/// A packed batch of `BM` mixtures against the single calls on
/// `mixture(i)`, bit for bit: both samplers (and the generator state after),
/// cdf, quantile, log q with its gradients, vjp, and the zero-density
/// pre-pass.
// Not inlined: its buffers must leave the stack before the stack
// measurements, which need the free RAM below main. Its frame holds only
// the batch's buffers (each single call's row lives in a frame of its own):
// the f64 batch vjp takes some 12 KiB of the micro:bit's 16.
#[inline(never)]
fn check_packed<F: Float, R: RngCore + SeedableRng + Clone + PartialEq>(t: &mut Tally, name: &str) {
    const ROWS: usize = BM * BD;
    const W: usize = BM * BKD;
    let (mut l, mut m, mut s) = ([F::ZERO; BM * BK], [F::ZERO; W], [F::ZERO; W]);
    let params = l
        .chunks_exact_mut(BK)
        .zip(m.chunks_exact_mut(BKD))
        .zip(s.chunks_exact_mut(BKD));
    for (j, ((lj, mj), sj)) in params.enumerate() {
        batch_params(j, lj, mj, sj);
    }
    let Ok(b) = DiagBatchRef::new(&l, &m, &s, BK, BD) else {
        return t.check(false, "construct", name);
    };
    let shape = b.len() == BM && b.iter().count() == BM && b.mixture(BM).is_none();
    t.check(shape, "DiagBatchRef of 3 mixtures", name);
    // `f(mixture(i), i)` for every i in order, all in frames of their own;
    // true if every call returned true.
    let each = |f: &mut dyn FnMut(&DiagMixtureRef<'_, F>, usize) -> bool| {
        apart(|| (0..BM).fold(true, |ok, i| ok & b.mixture(i).is_some_and(|v| f(&v, i))))
    };
    // Row i of a buffer of `w`-value rows.
    fn row<F>(a: &[F], w: usize, i: usize) -> &[F] {
        &a[i * w..][..w]
    }
    // The batch's outputs, poisoned first (overwritten), reused check after
    // check.
    let poison = F::from_f64(7.0);
    let (mut p, mut q, mut r) = ([poison; W], [poison; W], [poison; W]);

    let mut rng = R::seed_from_u64(SEED);
    let mut rng1 = rng.clone();
    let (mut x, mut u) = ([F::ZERO; ROWS], [F::ZERO; ROWS]);
    let ok = apart(|| b.sample_quantile(&mut rng, &mut x, Some(&mut u)).is_ok())
        && each(&mut |v, i| {
            let (mut xi, mut ui) = ([F::ONE; BD], [F::ONE; BD]);
            let ok = v.sample_quantile(&mut rng1, &mut xi, Some(&mut ui)).is_ok();
            ok && same(&xi, row(&x, BD, i)) && same(&ui, row(&u, BD, i))
        });
    t.check(
        ok && rng == rng1,
        "batch sample_quantile = mixture(i).sample_quantile",
        name,
    );

    let mut c = [usize::MAX; BM];
    let ok = apart(|| {
        b.sample_ancestral(&mut rng, &mut p[..ROWS], Some(&mut c))
            .is_ok()
    }) && each(&mut |v, i| {
        let mut xi = [F::ONE; BD];
        let k = v.sample_ancestral(&mut rng1, &mut xi);
        k == Ok(c[i]) && same(&xi, row(&p, BD, i))
    });
    t.check(
        ok && rng == rng1,
        "batch sample_ancestral = mixture(i).sample_ancestral",
        name,
    );

    let ok = apart(|| b.cdf(&x, &mut p[..ROWS]).is_ok())
        && each(&mut |v, i| {
            let mut ui = [F::ONE; BD];
            let ok = v.cdf(row(&x, BD, i), &mut ui).is_ok();
            ok && same(&ui, row(&p, BD, i))
        });
    t.check(ok, "batch cdf = mixture(i).cdf", name);

    let ok = apart(|| b.quantile(&u, &mut p[..ROWS]).is_ok())
        && each(&mut |v, i| {
            let mut xi = [F::ONE; BD];
            let ok = v.quantile(row(&u, BD, i), &mut xi).is_ok();
            ok && same(&xi, row(&p, BD, i))
        });
    t.check(ok, "batch quantile = mixture(i).quantile", name);

    let mut lp = [poison; BM];
    let ok = apart(|| b.log_prob(&x, &mut lp).is_ok())
        && each(&mut |v, i| {
            let p = v.log_prob(row(&x, BD, i));
            p.is_ok_and(|p| same(&[p], &lp[i..][..1]))
        });
    t.check(ok, "batch log_prob = mixture(i).log_prob", name);

    let ok = apart(|| {
        let grad = LogProbGrad {
            x: Some(&mut p[..ROWS]),
            logits: Some(&mut q[..BM * BK]),
            means: Some(&mut r[..]),
            scales: None,
        };
        b.log_prob_grad(&x, &mut lp, grad).is_ok()
    }) && each(&mut |v, i| {
        let (mut gx, mut ga, mut gm) = ([F::ONE; BD], [F::ONE; BK], [F::ONE; BKD]);
        let grad = LogProbGrad {
            x: Some(&mut gx[..]),
            logits: Some(&mut ga[..]),
            means: Some(&mut gm[..]),
            scales: None,
        };
        let lpi = v.log_prob_grad(row(&x, BD, i), grad);
        lpi.is_ok_and(|p| same(&[p], &lp[i..][..1]))
            && same(&gx, row(&p, BD, i))
            && same(&ga, row(&q, BK, i))
            && same(&gm, row(&r, BKD, i))
    });
    t.check(ok, "batch log_prob_grad = mixture(i).log_prob_grad", name);

    let mut xb = [F::ZERO; ROWS];
    cotangents(&mut xb);
    let ok = apart(|| b.vjp(&x, &xb, &mut p[..BM * BK], &mut q, &mut r).is_ok())
        && each(&mut |v, i| {
            let (mut a, mut mb, mut sb) = ([F::ONE; BK], [F::ONE; BKD], [F::ONE; BKD]);
            let (xi, xbi) = (row(&x, BD, i), row(&xb, BD, i));
            let ok = v.vjp(xi, xbi, &mut a, &mut mb, &mut sb).is_ok();
            ok && same(&a, row(&p, BK, i))
                && same(&mb, row(&q, BKD, i))
                && same(&sb, row(&r, BKD, i))
        });
    t.check(ok, "batch vjp = mixture(i).vjp", name);
    // Every single vjp above succeeded: the pre-pass alone finds no row.
    let none = apart(|| b.first_zero_density(&x)) == Ok(None);
    t.check(ok && none, "batch first_zero_density = None", name);
}

/// `BN` quantile samples and their summed vjp with the owned
/// `DiagMixture<F, 8, 4>`: the batch counterpart of `sample_and_vjp_k8`.
#[inline(never)]
fn sample_and_vjp_many_k8<F: Float, R: RngCore + SeedableRng>() {
    if let Ok(mix) = mixture_k8::<F>() {
        let mut rng = R::seed_from_u64(1);
        let mut x = [[F::ZERO; 4]; BN];
        let ok = mix.sample_quantile_many(&mut rng, &mut x, None).is_ok();
        let g = mix.vjp_many(&x, &[[F::ONE; 4]; BN]);
        core::hint::black_box(ok && g.is_ok());
    }
}

/// Mixtures in the packed stack probe.
const PM: usize = 2;

/// The K = 8, D = 4 parameters of the view and packed stack probes, `PM`
/// mixtures of them, in flash: the f64 batch vjp takes some 12 KiB of
/// stack, and the micro:bit has 16 KiB of RAM in all.
trait ProbeParams: Float {
    fn probe_params() -> [&'static [Self]; 3];
}

macro_rules! probe_params {
    ($t:ty) => {
        impl ProbeParams for $t {
            fn probe_params() -> [&'static [$t]; 3] {
                static L: [$t; PM * 8] = {
                    let mut a = [0.0; PM * 8];
                    let mut i = 0;
                    while i < a.len() {
                        a[i] = (i % 8) as $t * 0.1;
                        i += 1;
                    }
                    a
                };
                static M: [$t; PM * 32] = {
                    let mut a = [0.0; PM * 32];
                    let mut i = 0;
                    while i < a.len() {
                        a[i] = (i % 13) as $t * 0.3;
                        i += 1;
                    }
                    a
                };
                static S: [$t; PM * 32] = {
                    let mut a = [0.0; PM * 32];
                    let mut i = 0;
                    while i < a.len() {
                        a[i] = 0.5 + (i % 5) as $t * 0.25;
                        i += 1;
                    }
                    a
                };
                [&L, &M, &S]
            }
        }
    };
}
probe_params!(f32);
probe_params!(f64);

/// Stack of sample + vjp at K = 8, D = 4 through the runtime-sized view:
/// one point (`sample_quantile`, `vjp`) and `BN` points (`sample_quantile_many`,
/// `vjp_many`). The caller's buffers lie outside the measured calls (in a
/// frame of their own, below the painted mark), so the figures are the
/// library's own.
#[inline(never)]
fn stack_view<F: ProbeParams, R: RngCore + SeedableRng>() -> [usize; 2] {
    const K: usize = 8;
    const D: usize = 4;
    const KD: usize = K * D;
    let [l, m, s] = F::probe_params();
    let (l, m, s) = (&l[..K], &m[..KD], &s[..KD]);
    let mut x = [F::ZERO; BN * D];
    let xb = [F::ONE; BN * D];
    let (mut a, mut mb, mut sb) = ([F::ZERO; K], [F::ZERO; KD], [F::ZERO; KD]);
    let single = stack_depth(|| {
        apart(|| {
            if let Ok(v) = DiagMixtureRef::new(l, m, s, D) {
                let mut rng = R::seed_from_u64(1);
                let ok = v.sample_quantile(&mut rng, &mut x[..D], None).is_ok();
                let g = v.vjp(&x[..D], &xb[..D], &mut a, &mut mb, &mut sb);
                core::hint::black_box(ok && g.is_ok());
            }
        })
    });
    let many = stack_depth(|| {
        apart(|| {
            if let Ok(v) = DiagMixtureRef::new(l, m, s, D) {
                let mut rng = R::seed_from_u64(1);
                let ok = v.sample_quantile_many(&mut rng, &mut x, None).is_ok();
                let g = v.vjp_many(&x, &xb, &mut a, &mut mb, &mut sb);
                core::hint::black_box(ok && g.is_ok());
            }
        })
    });
    [single, many]
}

/// Stack of sample + vjp of `PM` packed mixtures at K = 8, D = 4
/// (`DiagBatchRef::sample_quantile`, `vjp`), measured as `stack_view` does.
#[inline(never)]
fn stack_packed<F: ProbeParams, R: RngCore + SeedableRng>() -> usize {
    const K: usize = 8;
    const D: usize = 4;
    const KD: usize = K * D;
    let [l, m, s] = F::probe_params();
    let mut x = [F::ZERO; PM * D];
    let xb = [F::ONE; PM * D];
    let (mut a, mut mb, mut sb) = ([F::ZERO; PM * K], [F::ZERO; PM * KD], [F::ZERO; PM * KD]);
    stack_depth(|| {
        apart(|| {
            if let Ok(b) = DiagBatchRef::new(l, m, s, K, D) {
                let mut rng = R::seed_from_u64(1);
                let ok = b.sample_quantile(&mut rng, &mut x, None).is_ok();
                let g = b.vjp(&x, &xb, &mut a, &mut mb, &mut sb);
                core::hint::black_box(ok && g.is_ok());
            }
        })
    })
}

#[entry]
fn main() -> ! {
    let mut t = Tally::new();
    check_many::<f64, Xoshiro256PlusPlus>(&mut t, "view f64");
    check_many::<f32, Xoshiro128PlusPlus>(&mut t, "view f32");
    check_owned::<f64, Xoshiro256PlusPlus>(&mut t, "owned f64");
    check_owned::<f32, Xoshiro128PlusPlus>(&mut t, "owned f32");
    check_packed::<f64, Xoshiro256PlusPlus>(&mut t, "batch f64");
    check_packed::<f32, Xoshiro128PlusPlus>(&mut t, "batch f32");

    let s32 = stack_depth(sample_and_vjp_k8::<f32, Xoshiro128PlusPlus>);
    let s64 = stack_depth(sample_and_vjp_k8::<f64, Xoshiro256PlusPlus>);
    let n32 = stack_depth(sample_and_vjp_many_k8::<f32, Xoshiro128PlusPlus>);
    let n64 = stack_depth(sample_and_vjp_many_k8::<f64, Xoshiro256PlusPlus>);
    hprintln!(
        "stack, DiagMixture K=8 D=4: sample+vjp f32 {} B, f64 {} B; sample_quantile_many+vjp_many n={}: f32 {} B, f64 {} B",
        s32,
        s64,
        BN,
        n32,
        n64
    );
    let [v32, m32] = stack_view::<f32, Xoshiro128PlusPlus>();
    let [v64, m64] = stack_view::<f64, Xoshiro256PlusPlus>();
    let b32 = stack_packed::<f32, Xoshiro128PlusPlus>();
    let b64 = stack_packed::<f64, Xoshiro256PlusPlus>();
    hprintln!(
        "stack, DiagMixtureRef K=8 D=4: sample+vjp f32 {} B, f64 {} B; many n={}: f32 {} B, f64 {} B; DiagBatchRef n={}: f32 {} B, f64 {} B",
        v32,
        v64,
        BN,
        m32,
        m64,
        PM,
        b32,
        b64
    );

    hprintln!(
        "mixgrad batch tests (K=3 D=4, many n={}, packed n={}; f64, f32): {} checks, {} failures",
        BN,
        BM,
        t.checks,
        t.failures
    );
    t.exit()
}

mixgrad_embedded::test_firmware_handlers!();
