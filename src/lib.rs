//! Closed-form solver for the linear Tensorized Autoencoder (TAE).
//!
//! A TAE (Esser, Mukherjee, Sabanayagam and Ghoshdastidar, *Improved Representation Learning
//! Through Tensorized Autoencoders*, AISTATS 2023) gives each of K clusters its own
//! autoencoder. In the linear model with tied weights, cluster `j` has a center `c_j ∈ ℝᵈ` and a
//! basis `W_j ∈ ℝ^{h×d}` with orthonormal rows (`W_j W_jᵀ = I_h`). The encoder is
//! `x ↦ W_j (x − c_j)` and the decoder `z ↦ c_j + W_jᵀ z`. A point `x` costs
//!
//! ```text
//! ℓ_j(x) = ‖x − c_j − W_jᵀ W_j (x − c_j)‖² + λ ‖W_j (x − c_j)‖²
//!        = ‖x − c_j‖² − (1 − λ) ‖W_j (x − c_j)‖²
//! ```
//!
//! in cluster `j`: its squared distance to the flat `c_j + row(W_j)` plus λ times the squared
//! latent distance to the center. The fit minimises `Σ_i Σ_j P_ji ℓ_j(x_i)` over assignments
//! `P` (each column in the probability simplex), centers and bases.
//!
//! For `0 ≤ λ < 1` the optimum has hard assignments, centers equal to the cluster means, and
//! each `W_j` spanning the top-h eigenvectors of its cluster's scatter matrix
//! `S_j = Σ_{i ∈ j} (x_i − c_j)(x_i − c_j)ᵀ`. This crate computes that optimum directly, with
//! Lloyd iterations that alternate the closed-form update and the hard assignment
//! (see [`ValidParams::fit`]). At λ = 1 the model is k-means; at λ = 0 it is k-flats.
//!
//! # Example
//!
//! ```
//! use tae::metrics::adjusted_rand_index;
//! use tae::scaling::{Scaler, Scaling};
//! use tae::TaeParams;
//!
//! // Penguins: four measurements, each divided by its column maximum.
//! let penguins = tae::datasets::penguins();
//! let table = penguins.data();
//! let scaler = Scaler::fit(table.values(), table.n_rows(), table.n_cols(), table.columns(), Scaling::Max)?;
//! let mut values = table.values().to_vec();
//! scaler.transform(&mut values, table.n_rows(), table.n_cols())?;
//! let x = tae::data::from_row_major(&values, table.n_rows(), table.n_cols())?;
//!
//! let model = TaeParams::new(3, 1).lambda(0.1).seed(0).check()?.fit(x)?;
//! let ari = adjusted_rand_index(penguins.labels(), model.labels())?;
//! assert!(ari > 0.5);
//!
//! // New points go to the cluster of lowest loss, and are reconstructed on its flat.
//! let labels = model.predict(x)?;
//! let reconstructed = model.reconstruct(x)?;
//! assert_eq!(labels.len(), reconstructed.nrows());
//! # Ok::<(), tae::Error>(())
//! ```
//!
//! # Modules
//!
//! - [`params`]: the checked parameter builder; [`model`]: the fitted model and its use on new
//!   data; [`baselines`]: k-means and PCA;
//! - [`metrics`]: ARI, NMI and accuracy with Hungarian matching;
//! - [`datasets`], [`io`], [`scaling`]: embedded data, CSV and `.npy` readers, column scaling;
//! - [`planted`]: planted Gaussian mixtures with known clusters and subspaces;
//! - [`analysis`]: principal angles, the Davis–Kahan bound, and an optimality certificate
//!   for a fitted model; [`untied`]: free and orthonormal decoders, which break the
//!   top-eigenvector solution that the tied model guarantees;
//! - [`em`]: the soft (EM) variant; [`reference`](mod@reference): the loss trained by gradient steps, written
//!   with nalgebra only, as an independent check of the closed form;
//! - [`data`]: conversions from row-major slices and nalgebra, and input checks.
//!
//! # Determinism
//!
//! The same parameters, seed and data give the same fit, bit for bit, for any number of rayon
//! threads: per-block and per-cluster work runs in parallel with faer sequential inside each
//! task, and every reduction runs in a fixed order.
#![deny(missing_docs)]

pub mod analysis;
pub mod baselines;
pub mod data;
pub mod datasets;
pub(crate) mod dense;
pub mod em;
pub mod error;
pub mod io;
pub mod metrics;
pub mod model;
pub mod params;
pub mod planted;
pub mod reference;
pub mod scaling;
pub(crate) mod solver;
pub mod untied;
pub mod verify;

pub use error::{Error, Result};
pub use model::{Encoding, FitSummary, LossTrace, TaeModel};
pub use params::{Init, TaeParams, ValidParams};

/// Step-by-step access to the Lloyd iteration for the benchmarks; not a stable interface.
#[doc(hidden)]
pub use solver::bench;
