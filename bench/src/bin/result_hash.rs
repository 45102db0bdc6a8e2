//! A fingerprint of every operation's results over thousands of random
//! mixtures, in f64 and f32: `cargo run --release -p mixgrad-bench --bin
//! result_hash`. A refactoring that must not change results prints the same
//! two hashes before and after; so does every SIMD path (`MIXGRAD_SIMD`;
//! `result_hash --paths` lists the CPU's). (Errors count as one event
//! each, whatever their kind: their kinds are tested in `tests/errors.rs`.)

use mixgrad::{DiagMixture, DiagMixtureRef, Float, LogProbGrad, SeedableRng, Xoshiro256PlusPlus};

/// FNV-1a over 64-bit words.
struct Hash(u64);
impl Hash {
    fn word(&mut self, w: u64) {
        for b in w.to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }
    fn floats<F: Float>(&mut self, v: &[F]) {
        for &x in v {
            self.word(x.to_f64().to_bits());
        }
    }
    fn result<T>(&mut self, r: &Result<T, mixgrad::Error>) -> bool {
        self.word(u64::from(r.is_ok()));
        r.is_ok()
    }
}

/// xorshift64: uniforms in [0, 1) independent of the crate under test.
struct Src(u64);
impl Src {
    fn unif(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unif()
    }
}

fn run<F: Float>(cases: usize, seed: u64) -> u64 {
    let mut h = Hash(0xcbf2_9ce4_8422_2325);
    let mut src = Src(seed);
    let of = F::from_f64;
    for case in 0..cases {
        let k = [1, 2, 3, 5, 8, 9, 16, 33][case % 8];
        let dims = 1 + case % 6;
        // Ordinary cases, and every tenth with extreme scales and spreads.
        let wild = case % 10 == 9;
        let logits: Vec<F> = (0..k)
            .map(|j| {
                if wild && j == 0 && k > 1 {
                    F::NEG_INFINITY
                } else {
                    of(src.range(-3.0, 3.0))
                }
            })
            .collect();
        let spread = if wild { 1e3 } else { 3.0 };
        let lsig = if wild { 30.0 } else { 2.0 };
        let means: Vec<F> = (0..k * dims)
            .map(|_| of(src.range(-spread, spread)))
            .collect();
        let scales: Vec<F> = (0..k * dims)
            .map(|_| of(libm::exp(src.range(-lsig, lsig)).max(1e-30)))
            .collect();
        let Ok(plain) = DiagMixtureRef::new(&logits, &means, &scales, dims) else {
            h.word(0xdead);
            continue;
        };
        let mut buf = vec![F::ZERO; k * dims];
        let prepared = plain.with_log_scales(&mut buf).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(case as u64);
        for mix in [plain, prepared] {
            let mut x = vec![F::ZERO; dims];
            let mut u = vec![F::ZERO; dims];
            let r = mix.sample_quantile(&mut rng, &mut x, Some(&mut u));
            if h.result(&r) {
                let s = r.unwrap();
                h.floats(&x);
                h.floats(&u);
                h.word(u64::from(s.evaluations));
            }
            let mut xa = vec![F::ZERO; dims];
            if h.result(&mix.sample_ancestral(&mut rng, &mut xa)) {
                h.floats(&xa);
            }
            // Points: the quantile sample, the ancestral one, and a random one.
            let xr: Vec<F> = (0..dims)
                .map(|_| of(src.range(-2.0 * spread, 2.0 * spread)))
                .collect();
            for pt in [&x, &xa, &xr] {
                let (mut c, mut cc, mut f) = (
                    vec![F::ZERO; dims],
                    vec![F::ZERO; dims],
                    vec![F::ZERO; dims],
                );
                if h.result(&mix.cdf_density(pt, &mut c, Some(&mut cc), Some(&mut f))) {
                    h.floats(&c);
                    h.floats(&cc);
                    h.floats(&f);
                    let mut back = vec![F::ZERO; dims];
                    let uu: Vec<F> = c
                        .iter()
                        .map(|&v| v.max(F::MIN_POSITIVE).min(F::ONE - F::EPSILON))
                        .collect();
                    if h.result(&mix.quantile_with_stats(&uu, &mut back)) {
                        h.floats(&back);
                    }
                }
                let (mut gx, mut ga, mut gm, mut gs) = (
                    vec![F::ZERO; dims],
                    vec![F::ZERO; k],
                    vec![F::ZERO; k * dims],
                    vec![F::ZERO; k * dims],
                );
                let lp = mix.log_prob_grad(
                    pt,
                    LogProbGrad {
                        x: Some(&mut gx),
                        logits: Some(&mut ga),
                        means: Some(&mut gm),
                        scales: Some(&mut gs),
                    },
                );
                if h.result(&lp) {
                    h.floats(&[lp.unwrap()]);
                    h.floats(&gx);
                    h.floats(&ga);
                    h.floats(&gm);
                    h.floats(&gs);
                }
                let xbar: Vec<F> = (0..dims).map(|_| of(src.range(-1.0, 1.0))).collect();
                let (mut a, mut m, mut s) = (
                    vec![F::ZERO; k],
                    vec![F::ZERO; k * dims],
                    vec![F::ZERO; k * dims],
                );
                if h.result(&mix.vjp(pt, &xbar, &mut a, &mut m, &mut s)) {
                    h.floats(&a);
                    h.floats(&m);
                    h.floats(&s);
                }
                let mut jac = vec![F::ZERO; dims * mix.num_params()];
                if h.result(&mix.jacobian(pt, &mut jac)) {
                    h.floats(&jac);
                }
            }
            hash_batch(&mut h, &mut src, &mix, &mut rng, 1 + case % 20);
        }
    }
    h.0
}

/// `n` ancestral draws and their summed vjp (the batch kernels, on the
/// SIMD path in use).
fn hash_batch<F: Float>(
    h: &mut Hash,
    src: &mut Src,
    mix: &DiagMixtureRef<'_, F>,
    rng: &mut Xoshiro256PlusPlus,
    n: usize,
) {
    let (k, dims) = (mix.num_components(), mix.num_dims());
    let mut x = vec![F::ZERO; n * dims];
    if !h.result(&mix.sample_ancestral_many(rng, &mut x, None)) {
        return;
    }
    h.floats(&x);
    let xbar: Vec<F> = (0..n * dims)
        .map(|_| F::from_f64(src.range(-1.0, 1.0)))
        .collect();
    let (mut a, mut m, mut s) = (
        vec![F::ZERO; k],
        vec![F::ZERO; k * dims],
        vec![F::ZERO; k * dims],
    );
    if h.result(&mix.vjp_many(&x, &xbar, &mut a, &mut m, &mut s)) {
        h.floats(&a);
        h.floats(&m);
        h.floats(&s);
    }
}

/// The owned type over the same kind of draws (K = 3, D = 2).
fn run_owned<F: Float>(cases: usize, seed: u64) -> u64 {
    let mut h = Hash(0xcbf2_9ce4_8422_2325);
    let mut src = Src(seed);
    let of = F::from_f64;
    for case in 0..cases {
        let logits = [0; 3].map(|_| of(src.range(-2.0, 2.0)));
        let means = [[0; 2]; 3].map(|r| r.map(|_| of(src.range(-3.0, 3.0))));
        let scales = [[0; 2]; 3].map(|r| r.map(|_| of(libm::exp(src.range(-2.0, 2.0)))));
        let mix = DiagMixture::<F, 3, 2>::new(logits, means, scales).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(case as u64);
        let (x, u) = mix.sample_quantile(&mut rng);
        let (xa, ka) = mix.sample_ancestral(&mut rng);
        h.floats(&x);
        h.floats(&u);
        h.floats(&xa);
        h.word(ka as u64);
        for pt in [x, xa] {
            if let Ok(c) = mix.cdf(&pt) {
                h.floats(&c);
            }
            if let Ok(f) = mix.conditional_density(&pt) {
                h.floats(&f);
            }
            if let Ok(q) = mix.quantile(&u) {
                h.floats(&q);
            }
            if let Ok((lp, gx, g)) = mix.log_prob_grad(&pt) {
                h.floats(&[lp]);
                h.floats(&gx);
                h.floats(&g.logits);
                h.floats(g.means.as_flattened());
                h.floats(g.scales.as_flattened());
            }
            if let Ok(g) = mix.vjp(&pt, &[of(0.5), of(-1.5)]) {
                h.floats(&g.logits);
                h.floats(g.means.as_flattened());
                h.floats(g.scales.as_flattened());
            }
            if let Ok(j) = mix.jacobian(&pt) {
                for g in j {
                    h.floats(&g.logits);
                    h.floats(g.means.as_flattened());
                }
            }
        }
    }
    h.0
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--paths") {
        // The SIMD paths this CPU has, one name per line.
        for path in mixgrad::SimdPath::ALL
            .into_iter()
            .filter(|p| p.is_available())
        {
            println!("{}", path.name());
        }
        return;
    }
    // MIXGRAD_SIMD=scalar|sse2|avx2|avx512|neon forces the batch kernels'
    // instruction set: every path must print the same hashes.
    if let Ok(name) = std::env::var("MIXGRAD_SIMD") {
        let path = mixgrad::SimdPath::from_name(&name).expect("MIXGRAD_SIMD: an unknown path");
        mixgrad::force_simd_path(Some(path)).expect("MIXGRAD_SIMD: not available here");
    }
    let cases = 4000;
    println!(
        "view  f64 {:016x}",
        run::<f64>(cases, 0x9e37_79b9_7f4a_7c15)
    );
    println!(
        "view  f32 {:016x}",
        run::<f32>(cases, 0x9e37_79b9_7f4a_7c15)
    );
    println!(
        "owned f64 {:016x}",
        run_owned::<f64>(cases / 4, 0x1234_5678)
    );
    println!(
        "owned f32 {:016x}",
        run_owned::<f32>(cases / 4, 0x1234_5678)
    );
}
