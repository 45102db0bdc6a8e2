//! The full-covariance `_many` functions (docs/math.md §10.4) against the
//! core crate's `TrilMixtureRef::*_many` bit for bit (both precisions),
//! `n = 0` with NULL rows, and refusals that write nothing and leave the
//! generator where it was.

use mixgrad::TrilMixtureRef;

use super::*;

macro_rules! tril_many_tests {
    ($name:ident, $t:ty, $tril:ident, $lp:ident, $cdf:ident, $q:ident, $vjp:ident, $sq:ident, $sa:ident) => {
        mod $name {
            use super::*;

            const K: usize = 3;
            const D: usize = 2;
            const N: usize = 4;

            struct Params {
                a: Vec<$t>,
                mu: Vec<$t>,
                l: Vec<$t>,
            }

            fn params() -> Params {
                Params {
                    a: vec![0.2, -0.4, 0.9],
                    mu: vec![0.0, 1.0, 2.0, -1.0, -1.5, 0.5],
                    // NaN above the diagonals: never read.
                    l: vec![
                        1.0,
                        <$t>::NAN,
                        0.6,
                        0.8,
                        0.5,
                        <$t>::NAN,
                        -0.4,
                        1.5,
                        2.0,
                        <$t>::NAN,
                        1.0,
                        0.3,
                    ],
                }
            }

            fn c_mix(p: &Params) -> $tril {
                $tril {
                    num_components: K as u32,
                    num_dims: D as u32,
                    logits: p.a.as_ptr(),
                    means: p.mu.as_ptr(),
                    scale_tril: p.l.as_ptr(),
                }
            }

            fn bits(v: &[$t]) -> Vec<u64> {
                v.iter().map(|v| u64::from(v.to_bits())).collect()
            }

            fn poison() -> $t {
                <$t>::from_bits(!0 >> 3)
            }

            fn seeded(seed: u64) -> mixgrad_rng {
                let mut rng = mixgrad_rng { state: [0; 4] };
                assert_eq!(unsafe { mixgrad_rng_seed(&mut rng, seed) }, MIXGRAD_OK);
                rng
            }

            #[test]
            fn equal_the_core_bit_for_bit() {
                let p = params();
                let m = c_mix(&p);
                let core = TrilMixtureRef::new(&p.a, &p.mu, &p.l, D).unwrap();
                let need = mixgrad_tril_work_len(K as u32, D as u32);
                let (mut w, mut cw) = (vec![poison(); need], vec![poison(); need]);
                let wp = w.as_mut_ptr();

                // Samples, with the uniforms used.
                let mut rng = seeded(5);
                let mut core_rng = Xoshiro256PlusPlus::seed_from_u64(5);
                let (mut x, mut u) = (vec![poison(); N * D], vec![poison(); N * D]);
                let s = unsafe { $sq(&m, &mut rng, N, x.as_mut_ptr(), u.as_mut_ptr(), wp, need) };
                assert_eq!(s, MIXGRAD_OK);
                let (mut cx, mut cu) = (vec![0.0; N * D], vec![0.0; N * D]);
                core.sample_quantile_many(&mut core_rng, &mut cx, Some(&mut cu), &mut cw[..])
                    .unwrap();
                assert_eq!((bits(&x), bits(&u)), (bits(&cx), bits(&cu)));

                let mut comp = vec![u32::MAX; N];
                let mut xa = vec![poison(); N * D];
                let s = unsafe {
                    $sa(
                        &m,
                        &mut rng,
                        N,
                        xa.as_mut_ptr(),
                        comp.as_mut_ptr(),
                        wp,
                        need,
                    )
                };
                assert_eq!(s, MIXGRAD_OK);
                let (mut cxa, mut ccomp) = (vec![0.0; N * D], vec![0usize; N]);
                core.sample_ancestral_many(&mut core_rng, &mut cxa, Some(&mut ccomp))
                    .unwrap();
                assert_eq!(bits(&xa), bits(&cxa));
                assert!(comp.iter().zip(&ccomp).all(|(&c, &k)| c as usize == k));
                assert_eq!(rng.next_u64(), core_rng.next_u64());

                // The value forms and the summed gradient.
                let (mut cdf, mut ccdf) = (vec![poison(); N * D], vec![0.0; N * D]);
                assert_eq!(
                    unsafe { $cdf(&m, N, x.as_ptr(), cdf.as_mut_ptr(), wp, need) },
                    MIXGRAD_OK
                );
                core.cdf_many(&x, &mut ccdf, &mut cw[..]).unwrap();
                assert_eq!(bits(&cdf), bits(&ccdf));
                let (mut q, mut cq) = (vec![poison(); N * D], vec![0.0; N * D]);
                assert_eq!(
                    unsafe { $q(&m, N, u.as_ptr(), q.as_mut_ptr(), wp, need) },
                    MIXGRAD_OK
                );
                core.quantile_many(&u, &mut cq, &mut cw[..]).unwrap();
                assert_eq!(bits(&q), bits(&cq));
                let (mut lp, mut clp) = (vec![poison(); N], vec![0.0; N]);
                assert_eq!(
                    unsafe { $lp(&m, N, x.as_ptr(), lp.as_mut_ptr(), wp, need) },
                    MIXGRAD_OK
                );
                core.log_prob_many(&x, &mut clp, &mut cw[..]).unwrap();
                assert_eq!(bits(&lp), bits(&clp));

                let xb: Vec<$t> = (0..N * D).map(|i| (i as $t * 0.7).cos()).collect();
                let mut g = vec![poison(); K + K * D + K * D * D];
                let mut cg = vec![0.0; g.len()];
                let (ga, rest) = g.split_at_mut(K);
                let (gm, gl) = rest.split_at_mut(K * D);
                let s = unsafe {
                    $vjp(
                        &m,
                        N,
                        x.as_ptr(),
                        xb.as_ptr(),
                        ga.as_mut_ptr(),
                        gm.as_mut_ptr(),
                        gl.as_mut_ptr(),
                        wp,
                        need,
                    )
                };
                assert_eq!(s, MIXGRAD_OK);
                let (ca, rest) = cg.split_at_mut(K);
                let (cm, cl) = rest.split_at_mut(K * D);
                core.vjp_many(&x, &xb, ca, cm, cl, &mut cw[..]).unwrap();
                assert_eq!(bits(&g), bits(&cg));
            }

            #[test]
            fn no_rows_may_be_null() {
                let p = params();
                let m = c_mix(&p);
                let need = mixgrad_tril_work_len(K as u32, D as u32);
                let mut w = vec![poison(); need];
                let wp = w.as_mut_ptr();
                let (nul, nul_mut) = (null::<$t>(), null_mut::<$t>());
                let mut rng = seeded(1);
                unsafe {
                    assert_eq!($lp(&m, 0, nul, nul_mut, wp, need), MIXGRAD_OK);
                    assert_eq!($cdf(&m, 0, nul, nul_mut, wp, need), MIXGRAD_OK);
                    assert_eq!($q(&m, 0, nul, nul_mut, wp, need), MIXGRAD_OK);
                    assert_eq!($sq(&m, &mut rng, 0, nul_mut, nul_mut, wp, need), MIXGRAD_OK);
                    assert_eq!(
                        $sa(&m, &mut rng, 0, nul_mut, null_mut(), wp, need),
                        MIXGRAD_OK
                    );
                }
                assert_eq!(rng.state, seeded(1).state);
                let mut g = vec![poison(); K + K * D + K * D * D];
                let (ga, rest) = g.split_at_mut(K);
                let (gm, gl) = rest.split_at_mut(K * D);
                let s = unsafe {
                    $vjp(
                        &m,
                        0,
                        nul,
                        nul,
                        ga.as_mut_ptr(),
                        gm.as_mut_ptr(),
                        gl.as_mut_ptr(),
                        wp,
                        need,
                    )
                };
                assert_eq!(s, MIXGRAD_OK);
                assert!(g.iter().all(|v| v.to_bits() == 0), "the empty sum is +0");
            }

            #[test]
            fn refusals_write_nothing() {
                let p = params();
                let m = c_mix(&p);
                let need = mixgrad_tril_work_len(K as u32, D as u32);
                let mut w = vec![poison(); need];
                let wp = w.as_mut_ptr();
                let untouched = |v: &[$t]| v.iter().all(|g| g.to_bits() == poison().to_bits());
                let mut x = vec![0.5; N * D];
                x[2 * D + 1] = <$t>::NAN;
                let mut out = vec![poison(); N * D];
                let s = unsafe { $cdf(&m, N, x.as_ptr(), out.as_mut_ptr(), wp, need) };
                assert_eq!(s, MIXGRAD_ERR_NONFINITE_X);
                let s = unsafe { $cdf(&m, N, x.as_ptr(), out.as_mut_ptr(), wp, need - 1) };
                assert_eq!(s, MIXGRAD_ERR_SHORT_WORKSPACE);
                let s = unsafe { $cdf(&m, N, x.as_ptr(), out.as_mut_ptr(), null_mut(), need) };
                assert_eq!(s, MIXGRAD_ERR_NULL_POINTER);
                assert!(untouched(&out));

                let mut u = vec![0.5; N * D];
                u[D] = 0.0;
                let s = unsafe { $q(&m, N, u.as_ptr(), out.as_mut_ptr(), wp, need) };
                assert_eq!(s, MIXGRAD_ERR_U_OUT_OF_RANGE);
                // The workspace may not overlap the rows.
                let mut both = vec![poison(); N * D + need];
                let (rows_ptr, work_ptr) = (both.as_mut_ptr(), unsafe { both.as_mut_ptr().add(D) });
                let s = unsafe { $cdf(&m, N, x.as_ptr(), rows_ptr, work_ptr, need) };
                assert_eq!(s, MIXGRAD_ERR_OVERLAPPING_BUFFERS);
                assert!(untouched(&out) && untouched(&both));

                let xb = vec![1.0; N * D];
                x[2 * D + 1] = 0.0;
                let mut bad_bar = xb.clone();
                bad_bar[3 * D] = <$t>::INFINITY;
                let mut g = vec![poison(); K + K * D + K * D * D];
                let (ga, rest) = g.split_at_mut(K);
                let (gm, gl) = rest.split_at_mut(K * D);
                let s = unsafe {
                    $vjp(
                        &m,
                        N,
                        x.as_ptr(),
                        bad_bar.as_ptr(),
                        ga.as_mut_ptr(),
                        gm.as_mut_ptr(),
                        gl.as_mut_ptr(),
                        wp,
                        need,
                    )
                };
                assert_eq!(s, MIXGRAD_ERR_NONFINITE_COTANGENT);
                assert!(untouched(&g));

                let mut rng = seeded(3);
                let mut comp = vec![u32::MAX; N];
                let s = unsafe {
                    $sa(
                        &m,
                        &mut rng,
                        N,
                        out.as_mut_ptr(),
                        comp.as_mut_ptr(),
                        wp,
                        need - 1,
                    )
                };
                assert_eq!(s, MIXGRAD_ERR_SHORT_WORKSPACE);
                let s = unsafe {
                    $sq(
                        &m,
                        &mut rng,
                        N,
                        out.as_mut_ptr(),
                        out.as_mut_ptr(),
                        wp,
                        need,
                    )
                };
                assert_eq!(s, MIXGRAD_ERR_OVERLAPPING_BUFFERS);
                assert!(untouched(&out) && comp.iter().all(|&c| c == u32::MAX));
                assert_eq!(rng.state, seeded(3).state);
            }
        }
    };
}

tril_many_tests!(
    f64_forms,
    f64,
    mixgrad_tril_f64,
    mixgrad_tril_log_prob_many_f64,
    mixgrad_tril_cdf_many_f64,
    mixgrad_tril_quantile_many_f64,
    mixgrad_tril_vjp_many_f64,
    mixgrad_tril_sample_quantile_many_f64,
    mixgrad_tril_sample_ancestral_many_f64
);
tril_many_tests!(
    f32_forms,
    f32,
    mixgrad_tril_f32,
    mixgrad_tril_log_prob_many_f32,
    mixgrad_tril_cdf_many_f32,
    mixgrad_tril_quantile_many_f32,
    mixgrad_tril_vjp_many_f32,
    mixgrad_tril_sample_quantile_many_f32,
    mixgrad_tril_sample_ancestral_many_f32
);
