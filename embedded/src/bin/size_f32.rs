//! Footprint: what quantile sampling + vjp + cdf of a `DiagMixture<f32, 8, 4>`
//! add to a firmware (see `mixgrad_embedded::footprint_firmware`).
#![no_std]
#![no_main]
// Halting loops: nothing to wait for.
#![allow(clippy::empty_loop)]

mixgrad_embedded::footprint_firmware!(f32, mixgrad::Xoshiro128PlusPlus);
