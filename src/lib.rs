//! Closed-form linear Tensorized Autoencoder (TAE).
#![deny(missing_docs)]

pub mod baselines;
pub mod data;
pub mod error;
pub mod model;
pub mod params;
pub mod planted;
pub(crate) mod solver;

pub use error::{Error, Result};
pub use model::{Encoding, FitSummary, LossTrace, TaeModel};
pub use params::{Init, TaeParams, ValidParams};
