//! Footprint: what quantile sampling + vjp + cdf of a `DiagMixture<f64, 8, 4>`
//! add to a firmware (see `mixgrad_embedded::footprint_firmware`).
#![no_std]
#![no_main]
// Halting loops: nothing to wait for.
#![allow(clippy::empty_loop)]

mixgrad_embedded::footprint_firmware!(f64, mixgrad::Xoshiro256PlusPlus);
