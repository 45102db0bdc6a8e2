//! The Gamma distribution against tools/gen_gamma_reference.py's 60-digit
//! references (docs/math.md §11): both tails, the quantile, the exact shape
//! derivative, f32, finite differences of the sampler, unbiasedness of the
//! pathwise gradients, and the errors. `--nocapture` prints the worst
//! error/tolerance ratios.

use mixgrad::{ErrorKind, Gamma, SeedableRng, Xoshiro256PlusPlus, GAMMA_MAX_SHAPE};

/// One line of the reference: Gamma(α, 1) at `y* = P⁻¹(α, u)`, `α` a
/// double (the generator works at the double nearest its decimal shape).
struct Row {
    alpha: f64,
    u: f64,
    y: f64,
    p: f64,
    q: f64,
    f: f64,
    dy_dalpha: f64,
}

fn rows() -> Vec<Row> {
    include_str!("data/gamma_reference.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().map(|t| t.parse().unwrap()).collect();
            Row {
                alpha: v[0],
                u: v[1],
                y: v[2],
                p: v[3],
                q: v[4],
                f: v[5],
                dy_dalpha: v[7],
            }
        })
        .collect()
}

fn ulp(x: f64) -> f64 {
    let x = x.abs();
    f64::from_bits(x.to_bits() + 1) - x
}

fn ulp32(x: f32) -> f64 {
    let x = x.abs();
    (f32::from_bits(x.to_bits() + 1) - x) as f64
}

/// `κ = y·f(y)/min(P, Q)`: the relative conditioning of the smaller tail.
fn kappa(r: &Row) -> f64 {
    r.y * r.f / r.p.min(r.q)
}

fn rel(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        ((got - want) / want).abs()
    }
}

/// Keeps the worst ratio and where it happened.
#[derive(Default)]
struct Worst(f64, String);

impl Worst {
    fn see(&mut self, ratio: f64, what: impl FnOnce() -> String) {
        assert!(!ratio.is_nan(), "NaN ratio");
        if ratio > self.0 {
            self.0 = ratio;
            self.1 = what();
        }
    }
}

#[test]
fn tails_quantile_and_shape_derivative_f64() {
    let eps = f64::EPSILON;
    let (mut wp, mut wq, mut wx, mut wd) = (
        Worst::default(),
        Worst::default(),
        Worst::default(),
        Worst::default(),
    );
    let mut failures = Vec::new();
    for r in rows() {
        // A rate of 1 keeps x = y exactly.
        let g = Gamma::<f64>::new(r.alpha, 1.0).unwrap();
        let k = kappa(&r);
        let tail_tol = 1e-14 + 8.0 * eps * k;
        let (p, q) = (g.cdf(r.y).unwrap(), g.ccdf(r.y).unwrap());
        let here = || format!("alpha {} u {:e}", r.alpha, r.u);
        for (got, want, worst, name) in [(p, r.p, &mut wp, "P"), (q, r.q, &mut wq, "Q")] {
            let ratio = rel(got, want) / tail_tol;
            Worst::see(worst, ratio, here);
            if ratio.is_nan() || ratio > 1.0 {
                failures.push(format!("{name} {}: {got:e} vs {want:e}", here()));
            }
        }
        let x = g.quantile(r.u).unwrap();
        let x_tol = 8.0 * ulp(r.y) + 8.0 * eps * (1.0 + k) * r.u.min(1.0 - r.u) / r.f;
        let ratio = (x - r.y).abs() / x_tol;
        wx.see(ratio, here);
        if ratio.is_nan() || ratio > 1.0 {
            failures.push(format!("quantile {}: {x:e} vs {:e}", here(), r.y));
        }
        let d = g.dx_dalpha(r.y).unwrap();
        let ratio = rel(d, r.dy_dalpha) / 1e-10;
        wd.see(ratio, here);
        if ratio.is_nan() || ratio > 1.0 {
            failures.push(format!("dx/dalpha {}: {d:e} vs {:e}", here(), r.dy_dalpha));
        }
    }
    for (name, w) in [
        ("P", &wp),
        ("Q", &wq),
        ("quantile", &wx),
        ("dx/dalpha", &wd),
    ] {
        println!("f64 worst {name} error/tolerance {:.3e} at {}", w.0, w.1);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn tails_quantile_and_shape_derivative_f32() {
    let eps = f32::EPSILON as f64;
    let (mut wc, mut wx, mut wd) = (Worst::default(), Worst::default(), Worst::default());
    let mut failures = Vec::new();
    for r in rows() {
        let (y32, u32_) = (r.y as f32, r.u as f32);
        // Points the f32 format cannot hold, and u that rounds to 1.
        if !(y32 as f64 >= f32::MIN_POSITIVE as f64 && u32_ > 0.0 && u32_ < 1.0) {
            continue;
        }
        if (u32_ as f64 - r.u).abs() > 1e-7 * r.u.min(1.0 - r.u) {
            continue;
        }
        let g = Gamma::<f32>::new(r.alpha as f32, 1.0).unwrap();
        let k = kappa(&r);
        let here = || format!("alpha {} u {:e}", r.alpha, r.u);
        // The rounding of y to f32 is part of the conditioning term.
        let tol = 1e-5 + 8.0 * eps * k;
        let (got, want) = if r.p <= r.q {
            (g.cdf(y32).unwrap() as f64, r.p)
        } else {
            (g.ccdf(y32).unwrap() as f64, r.q)
        };
        let ratio = rel(got, want) / tol;
        wc.see(ratio, here);
        if ratio.is_nan() || ratio > 1.0 {
            failures.push(format!("cdf {}: {got:e} vs {want:e}", here()));
        }
        let x = g.quantile(u32_).unwrap() as f64;
        let x_tol = 16.0 * ulp32(y32) + 256.0 * eps * (1.0 + k) * r.u.min(1.0 - r.u) / r.f;
        let ratio = (x - r.y).abs() / x_tol;
        wx.see(ratio, here);
        if ratio.is_nan() || ratio > 1.0 {
            failures.push(format!("quantile {}: {x:e} vs {:e}", here(), r.y));
        }
        let d = g.dx_dalpha(y32).unwrap() as f64;
        let ratio = (d - r.dy_dalpha).abs() / (1e-3 * (1.0 + r.dy_dalpha.abs()));
        wd.see(ratio, here);
        if ratio.is_nan() || ratio > 1.0 {
            failures.push(format!("dx/dalpha {}: {d:e} vs {:e}", here(), r.dy_dalpha));
        }
    }
    for (name, w) in [("cdf", &wc), ("quantile", &wx), ("dx/dalpha", &wd)] {
        println!("f32 worst {name} error/tolerance {:.3e} at {}", w.0, w.1);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Central differences of `x(u; α, β)` at fixed `u` against the exact
/// derivatives.
#[test]
fn sampler_finite_differences() {
    let mut worst = 0.0f64;
    for &(alpha, rate) in &[(0.1, 1.0), (0.7, 3.0), (2.5, 0.5), (30.0, 2.0), (1e4, 1.0)] {
        for &u in &[1e-6, 0.01, 0.3, 0.5, 0.8, 0.999] {
            let g = Gamma::<f64>::new(alpha, rate).unwrap();
            let x = g.quantile(u).unwrap();
            if x < 1e-250 {
                continue;
            }
            let x_at = |a: f64, b: f64| Gamma::new(a, b).unwrap().quantile(u).unwrap();
            let h = 1e-5 * alpha;
            let fd = (x_at(alpha + h, rate) - x_at(alpha - h, rate)) / (2.0 * h);
            let d = g.dx_dalpha(x).unwrap();
            let err = rel(fd, d);
            worst = worst.max(err);
            assert!(
                err < 1e-6,
                "alpha {alpha} rate {rate} u {u}: {fd:e} vs {d:e}"
            );
            let hb = 1e-5 * rate;
            let fd = (x_at(alpha, rate + hb) - x_at(alpha, rate - hb)) / (2.0 * hb);
            let d = g.dx_drate(x).unwrap();
            assert!(rel(fd, d) < 1e-6, "rate: {fd:e} vs {d:e}");
        }
    }
    println!("worst relative difference, central differences vs dx/dalpha: {worst:.3e}");
}

/// `E[x] = α/β` and `E[ln x] = ψ(α) − ln β`: the Monte Carlo means of the
/// pathwise derivatives match their derivatives, `1/β`, `−α/β²`, `ψ'(α)`
/// and `−1/β`, within 5 standard errors.
#[test]
fn pathwise_gradients_are_unbiased() {
    const N: usize = 4000;
    for &(alpha, rate, trigamma) in &[
        (0.5f64, 2.0f64, 4.934_802_200_544_679),
        (3.0, 0.7, 0.394_934_066_848_226_4),
    ] {
        let g = Gamma::<f64>::new(alpha, rate).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
        // (dx/dα, dx/dβ, d ln x/dα, d ln x/dβ) per draw.
        let mut sums = [0.0f64; 4];
        let mut squares = [0.0f64; 4];
        for _ in 0..N {
            let x = g.sample(&mut rng);
            let (da, db) = (g.dx_dalpha(x).unwrap(), g.dx_drate(x).unwrap());
            for (i, v) in [da, db, da / x, db / x].into_iter().enumerate() {
                sums[i] += v;
                squares[i] += v * v;
            }
        }
        let want = [1.0 / rate, -alpha / (rate * rate), trigamma, -1.0 / rate];
        for i in 0..4 {
            let mean = sums[i] / N as f64;
            let se = ((squares[i] / N as f64 - mean * mean) / N as f64).sqrt();
            let z = (mean - want[i]) / se.max(1e-300);
            println!(
                "alpha {alpha} rate {rate} gradient {i}: mean {mean:.6} want {:.6} ({z:+.2} se)",
                want[i]
            );
            assert!(
                z.abs() < 5.0,
                "gradient {i}: {mean} vs {} ({z} se)",
                want[i]
            );
        }
    }
}

#[test]
fn invalid_inputs_are_refused() {
    for bad in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = Gamma::<f64>::new(bad, 1.0).unwrap_err().kind();
        assert_eq!(e, ErrorKind::InvalidShape, "alpha {bad}");
        let e = Gamma::<f64>::new(1.0, bad).unwrap_err().kind();
        assert_eq!(e, ErrorKind::InvalidRate, "rate {bad}");
        // The shape is checked first.
        let e = Gamma::<f64>::new(bad, bad).unwrap_err().kind();
        assert_eq!(e, ErrorKind::InvalidShape);
    }
    // Shapes above the referenced range are refused, in both precisions;
    // the largest one is accepted.
    for big in [1.000_000_1e6, 1e12, f64::MAX] {
        assert_eq!(
            Gamma::<f64>::new(big, 1.0).unwrap_err().kind(),
            ErrorKind::InvalidShape
        );
        let e = Gamma::<f32>::new(big as f32, 1.0).unwrap_err().kind();
        assert_eq!(e, ErrorKind::InvalidShape);
    }
    // Subnormal shapes are refused (Γ(α) ≈ 1/α overflows); the smallest
    // normal one is accepted.
    assert_eq!(
        Gamma::<f64>::new(1e-310, 1.0).unwrap_err().kind(),
        ErrorKind::InvalidShape
    );
    assert_eq!(
        Gamma::<f32>::new(1e-40, 1.0).unwrap_err().kind(),
        ErrorKind::InvalidShape
    );
    let tiny = Gamma::<f64>::new(f64::MIN_POSITIVE, 1.0).unwrap();
    for y in [1e-300, 0.5, 10.0] {
        let (p, q) = (tiny.cdf(y).unwrap(), tiny.ccdf(y).unwrap());
        assert!(
            (0.0..=1.0).contains(&p) && (0.0..=1.0).contains(&q),
            "{p} {q}"
        );
    }
    assert!(Gamma::<f64>::new(GAMMA_MAX_SHAPE, 1.0).is_ok());
    assert!(Gamma::<f32>::new(GAMMA_MAX_SHAPE as f32, 1.0).is_ok());
    let g = Gamma::<f64>::new(2.0, 1.0).unwrap();
    for bad in [0.0, 1.0, -0.5, 2.0, f64::NAN] {
        assert_eq!(
            g.quantile(bad).unwrap_err().kind(),
            ErrorKind::UniformOutOfRange
        );
    }
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for r in [g.cdf(bad), g.ccdf(bad), g.dx_dalpha(bad), g.dx_drate(bad)] {
            assert_eq!(r.unwrap_err().kind(), ErrorKind::NonFiniteX, "x {bad}");
        }
    }
    for bad in [-1.0, -f64::MIN_POSITIVE] {
        assert_eq!(g.cdf(bad).unwrap_err().kind(), ErrorKind::XOutsideSupport);
        assert_eq!(g.ccdf(bad).unwrap_err().kind(), ErrorKind::XOutsideSupport);
    }
    for bad in [0.0, -0.0, -1.0] {
        for r in [g.dx_dalpha(bad), g.dx_drate(bad)] {
            assert_eq!(r.unwrap_err().kind(), ErrorKind::XOutsideSupport, "x {bad}");
        }
    }
    assert_eq!((g.cdf(0.0).unwrap(), g.ccdf(0.0).unwrap()), (0.0, 1.0));
    // A quantile below the smallest double is 0.
    let tiny = Gamma::<f64>::new(1e-3, 1.0).unwrap();
    assert_eq!(tiny.quantile(1e-300).unwrap(), 0.0);
}

/// Where `βx` is below the normal range (subnormal or 0) for an `x > 0`,
/// `P` is still `(βx)^α/Γ(1+α)`, far from 0 for small shapes. References:
/// mpmath `gammainc(α, 0, βx, regularized=True)` and its upper tail at 60
/// digits, with `βx` formed exactly (the inputs below, as printed by
/// `mp.mp.dps = 60; float(mp.gammainc(mp.mpf(a), 0, mp.mpf(b) * mp.mpf(x), regularized=True))`).
#[test]
fn underflowing_scaled_x_keeps_the_mass_below_it() {
    let cases: [(f64, f64, f64, f64, f64); 4] = [
        (
            1e-3,
            1e-10,
            1e-320,
            0.468_004_813_330_742_3,
            0.531_995_186_669_257_7,
        ),
        (0.5, 1e-200, 1e-200, 1.128_379_167_095_512_5e-200, 1.0),
        (
            2.237_502_219_360_061_7e-154,
            5.966_860_010_759_126e-154,
            5e-324 * 64.0,
            1.0,
            2.444_506_653_977_379e-151,
        ),
        (
            1e-3,
            1.0,
            1e-310,
            0.490_061_206_119_644_65,
            0.509_938_793_880_355_3,
        ),
    ];
    for (alpha, rate, x, p, q) in cases {
        let g = Gamma::new(alpha, rate).unwrap();
        let (got_p, got_q) = (g.cdf(x).unwrap(), g.ccdf(x).unwrap());
        assert!(
            rel(got_p, p) < 1e-13,
            "P({alpha}, {rate}·{x}) = {got_p:e}, want {p:e}"
        );
        assert!(
            rel(got_q, q) < 1e-13,
            "Q({alpha}, {rate}·{x}) = {got_q:e}, want {q:e}"
        );
    }
    // f32: α = 0.1 at a subnormal x = 1e-39 (mpmath as above).
    let g = Gamma::<f32>::new(0.1, 1.0).unwrap();
    let (p, q) = (1.323_303_088_271_357_1e-4, 0.999_867_669_691_172_9);
    assert!(rel(g.cdf(1e-39).unwrap() as f64, p) < 1e-5);
    assert!(rel(g.ccdf(1e-39).unwrap() as f64, q) < 1e-6);
}
