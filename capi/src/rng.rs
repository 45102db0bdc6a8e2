//! The random generator C callers own: xoshiro256++ in a plain struct.

use mixgrad::rand_core::{impls, RngCore};

use crate::checks::required_mut;
use crate::mixgrad_status;
use crate::status::into_status;

/// A xoshiro256++ random generator (Blackman & Vigna), as a plain struct
/// the caller allocates (stack, static or heap) and owns. Seed it with
/// `mixgrad_rng_seed()`; the samplers advance it. A zero-initialised,
/// unseeded generator (`mixgrad_rng rng = {0};`) is refused by the samplers
/// with `MIXGRAD_ERR_UNSEEDED_RNG`. Not thread-safe by
/// itself: give each thread its own (seeded differently), or lock.
///
/// The stream is identical to Rust's `rand_xoshiro::Xoshiro256PlusPlus`
/// seeded with `seed_from_u64` (SplitMix64 expansion of the seed), so a C
/// program and a Rust program with the same seed draw the same samples.
/// Copying the struct copies the stream position.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct mixgrad_rng {
    /// The 256-bit state. Never all zero once seeded.
    pub state: [u64; 4],
}

impl mixgrad_rng {
    /// The state `rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed)`
    /// starts from: four outputs of SplitMix64 seeded with `seed`.
    pub fn from_seed(seed: u64) -> Self {
        let mut x = seed;
        let mut splitmix = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let state = [splitmix(), splitmix(), splitmix(), splitmix()];
        if state == [0; 4] {
            // xoshiro's one forbidden state; rand_xoshiro reseeds with 0.
            return Self::from_seed(0);
        }
        mixgrad_rng { state }
    }
}

impl RngCore for mixgrad_rng {
    fn next_u32(&mut self) -> u32 {
        // The upper bits: the lowest have linear dependencies.
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        impls::fill_bytes_via_next(self, dest)
    }
}

/// Seeds `rng` from a 64-bit value (any value, 0 included). The same seed
/// gives the same stream on every platform.
///
/// Errors: `MIXGRAD_ERR_NULL_POINTER`, `MIXGRAD_ERR_MISALIGNED_POINTER`.
///
/// # Safety
/// `rng`, if not NULL, must point to writable memory for one `mixgrad_rng`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_rng_seed(rng: *mut mixgrad_rng, seed: u64) -> mixgrad_status {
    into_status(required_mut(rng).map(|rng| {
        // SAFETY: non-null, aligned, writable by the caller's contract.
        unsafe { rng.write(mixgrad_rng::from_seed(seed)) }
    }))
}
