//! What the `mixgrad-bench` binaries and the criterion grid
//! (`benches/grid.rs`) share.

pub mod clock;
pub mod counting_alloc;
pub mod problem;
pub mod report;
