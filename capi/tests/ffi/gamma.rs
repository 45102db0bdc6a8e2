//! The Gamma functions (docs/math.md §11) against the core crate's
//! `Gamma` bit for bit in both precisions, the sampler's stream against the
//! core sampler on the same generator, and every refusal: its own status,
//! in the documented order, with nothing written and the generator not
//! advanced.

use mixgrad::{Gamma, SeedableRng, Xoshiro256PlusPlus};

use super::*;

macro_rules! gamma_tests {
    ($name:ident, $t:ty, $cdf:ident, $q:ident, $grad:ident, $sample:ident) => {
        mod $name {
            use super::*;

            const POISON: $t = -7.25;

            #[test]
            fn results_are_the_core_crates_bits() {
                // Under Miri (which is here for the pointer handling) one
                // case of each.
                let cases = if cfg!(miri) { 1 } else { 4 };
                for (alpha, rate) in [(0.5, 2.0), (2.5, 0.25), (40.0, 1.0)]
                    .into_iter()
                    .take(cases)
                {
                    let g = Gamma::<$t>::new(alpha, rate).unwrap();
                    for u in [0.3, 1e-6, 0.5, 0.97].into_iter().take(cases) {
                        let mut x = POISON;
                        assert_eq!(unsafe { $q(alpha, rate, u, &mut x) }, MIXGRAD_OK);
                        assert_eq!(x.to_bits(), g.quantile(u).unwrap().to_bits());
                        let mut p = POISON;
                        assert_eq!(unsafe { $cdf(alpha, rate, x, &mut p) }, MIXGRAD_OK);
                        assert_eq!(p.to_bits(), g.cdf(x).unwrap().to_bits());
                        let (mut da, mut db) = (POISON, POISON);
                        assert_eq!(
                            unsafe { $grad(alpha, rate, x, &mut da, &mut db) },
                            MIXGRAD_OK
                        );
                        assert_eq!(da.to_bits(), g.dx_dalpha(x).unwrap().to_bits());
                        assert_eq!(db.to_bits(), g.dx_drate(x).unwrap().to_bits());
                        // Either output may be skipped.
                        let mut only = POISON;
                        let st = unsafe { $grad(alpha, rate, x, null_mut(), &mut only) };
                        assert_eq!((st, only.to_bits()), (MIXGRAD_OK, db.to_bits()));
                        let st = unsafe { $grad(alpha, rate, x, &mut only, null_mut()) };
                        assert_eq!((st, only.to_bits()), (MIXGRAD_OK, da.to_bits()));
                    }
                    let mut p = POISON;
                    assert_eq!(unsafe { $cdf(alpha, rate, 0.0, &mut p) }, MIXGRAD_OK);
                    assert_eq!(p, 0.0);
                }
            }

            #[test]
            fn the_sampler_draws_the_core_samplers_stream() {
                let g = Gamma::<$t>::new(3.5, 2.0).unwrap();
                let mut rng = mixgrad_rng { state: [0; 4] };
                assert_eq!(unsafe { mixgrad_rng_seed(&mut rng, 19) }, MIXGRAD_OK);
                let mut core_rng = Xoshiro256PlusPlus::seed_from_u64(19);
                for _ in 0..if cfg!(miri) { 2 } else { 50 } {
                    let mut x = POISON;
                    assert_eq!(unsafe { $sample(3.5, 2.0, &mut rng, &mut x) }, MIXGRAD_OK);
                    assert_eq!(x.to_bits(), g.sample(&mut core_rng).to_bits());
                }
            }

            #[test]
            fn each_bad_argument_has_its_own_status_and_nothing_is_written() {
                let bad_first = [
                    // (alpha, rate, x or u, status), in the check order.
                    (<$t>::NAN, <$t>::NAN, <$t>::NAN, MIXGRAD_ERR_INVALID_SHAPE),
                    (0.0, 1.0, 1.0, MIXGRAD_ERR_INVALID_SHAPE),
                    (-1.0, 1.0, 1.0, MIXGRAD_ERR_INVALID_SHAPE),
                    (<$t>::INFINITY, 1.0, 1.0, MIXGRAD_ERR_INVALID_SHAPE),
                    // Above the supported range (docs/math.md §11.6).
                    (2e6, 1.0, 1.0, MIXGRAD_ERR_INVALID_SHAPE),
                    (1.0, -0.0, <$t>::NAN, MIXGRAD_ERR_INVALID_RATE),
                    (1.0, <$t>::NAN, 1.0, MIXGRAD_ERR_INVALID_RATE),
                    (1.0, <$t>::INFINITY, 1.0, MIXGRAD_ERR_INVALID_RATE),
                ];
                for (alpha, rate, v, want) in bad_first {
                    let mut out = [POISON; 2];
                    let (a, b) = (out.as_mut_ptr(), out.as_mut_ptr().wrapping_add(1));
                    assert_eq!(unsafe { $cdf(alpha, rate, v, a) }, want);
                    assert_eq!(unsafe { $q(alpha, rate, v, a) }, want);
                    assert_eq!(unsafe { $grad(alpha, rate, v, a, b) }, want);
                    assert_eq!(out, [POISON; 2]);
                }
                let x_cases = [
                    (<$t>::NAN, MIXGRAD_ERR_NONFINITE_X, MIXGRAD_ERR_NONFINITE_X),
                    (
                        <$t>::INFINITY,
                        MIXGRAD_ERR_NONFINITE_X,
                        MIXGRAD_ERR_NONFINITE_X,
                    ),
                    (
                        -1.0,
                        MIXGRAD_ERR_X_OUTSIDE_SUPPORT,
                        MIXGRAD_ERR_X_OUTSIDE_SUPPORT,
                    ),
                    (-0.0, MIXGRAD_OK, MIXGRAD_ERR_X_OUTSIDE_SUPPORT),
                    (0.0, MIXGRAD_OK, MIXGRAD_ERR_X_OUTSIDE_SUPPORT),
                ];
                for (x, cdf_wants, grad_wants) in x_cases {
                    let mut out = [POISON; 2];
                    let (a, b) = (out.as_mut_ptr(), out.as_mut_ptr().wrapping_add(1));
                    assert_eq!(unsafe { $grad(2.0, 1.0, x, a, b) }, grad_wants, "{x}");
                    assert_eq!(out, [POISON; 2]);
                    if cdf_wants != MIXGRAD_OK {
                        assert_eq!(unsafe { $cdf(2.0, 1.0, x, a) }, cdf_wants, "{x}");
                        assert_eq!(out, [POISON; 2]);
                    }
                }
                for u in [0.0, 1.0, -0.5, <$t>::NAN] {
                    let mut x = POISON;
                    assert_eq!(
                        unsafe { $q(2.0, 1.0, u, &mut x) },
                        MIXGRAD_ERR_U_OUT_OF_RANGE
                    );
                    assert_eq!(x, POISON);
                }
                // Pointers first, whatever the values.
                let nan = <$t>::NAN;
                assert_eq!(
                    unsafe { $cdf(nan, nan, nan, null_mut()) },
                    MIXGRAD_ERR_NULL_POINTER
                );
                assert_eq!(
                    unsafe { $q(nan, nan, nan, null_mut()) },
                    MIXGRAD_ERR_NULL_POINTER
                );
                let mut pair = [POISON; 3];
                let odd = unsafe { pair.as_mut_ptr().cast::<u8>().add(1).cast::<$t>() };
                assert_eq!(
                    unsafe { $cdf(nan, nan, nan, odd) },
                    MIXGRAD_ERR_MISALIGNED_POINTER
                );
                assert_eq!(
                    unsafe { $grad(nan, nan, nan, null_mut(), odd) },
                    MIXGRAD_ERR_MISALIGNED_POINTER
                );
                let same = pair.as_mut_ptr();
                assert_eq!(
                    unsafe { $grad(nan, nan, nan, same, same) },
                    MIXGRAD_ERR_OVERLAPPING_BUFFERS
                );
                assert_eq!(pair, [POISON; 3]);
            }

            #[test]
            fn the_sampler_refuses_without_advancing_the_generator() {
                let mut rng = mixgrad_rng { state: [0; 4] };
                let mut x = POISON;
                // Unseeded, after the parameters.
                assert_eq!(
                    unsafe { $sample(1.0, 1.0, &mut rng, &mut x) },
                    MIXGRAD_ERR_UNSEEDED_RNG
                );
                assert_eq!(
                    unsafe { $sample(0.0, 1.0, &mut rng, &mut x) },
                    MIXGRAD_ERR_INVALID_SHAPE
                );
                assert_eq!(unsafe { mixgrad_rng_seed(&mut rng, 3) }, MIXGRAD_OK);
                let before = rng.state;
                assert_eq!(
                    unsafe { $sample(1.0, 0.0, &mut rng, &mut x) },
                    MIXGRAD_ERR_INVALID_RATE
                );
                assert_eq!(
                    unsafe { $sample(1.0, 1.0, null_mut(), &mut x) },
                    MIXGRAD_ERR_NULL_POINTER
                );
                assert_eq!(
                    unsafe { $sample(1.0, 1.0, &mut rng, null_mut()) },
                    MIXGRAD_ERR_NULL_POINTER
                );
                // x inside the generator's state.
                let inside = rng.state.as_mut_ptr().cast::<$t>();
                let rng_ptr: *mut mixgrad_rng = &mut rng;
                assert_eq!(
                    unsafe { $sample(1.0, 1.0, rng_ptr, inside) },
                    MIXGRAD_ERR_OVERLAPPING_BUFFERS
                );
                assert_eq!((rng.state, x), (before, POISON));
            }
        }
    };
}

gamma_tests!(
    f64_api,
    f64,
    mixgrad_gamma_cdf_f64,
    mixgrad_gamma_quantile_f64,
    mixgrad_gamma_grad_f64,
    mixgrad_gamma_sample_f64
);
gamma_tests!(
    f32_api,
    f32,
    mixgrad_gamma_cdf_f32,
    mixgrad_gamma_quantile_f32,
    mixgrad_gamma_grad_f32,
    mixgrad_gamma_sample_f32
);
