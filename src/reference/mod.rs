//! A gradient-trained reference for the linear TAE, written with nalgebra only.
//!
//! This module trains the loss of the linear TAE by the procedure of Esser et al. (AISTATS
//! 2023, section 2.3): initial labels, then steps on the autoencoders alternated with updates
//! of the assignments. It shares no numerical code with the closed-form solver, so that the
//! two can check each other. Data are `n × d` (one row per point). Cluster `j` has an encoder `W_j` (`h × d`), a
//! decoder `V_j` (`d × h`) and a center `c_j`; the assignments `P` are `n × K` with each row in
//! the probability simplex. With `y = x_i − c_j`, `z = W_j y` and `r = y − V_j z`, the loss is
//!
//! ```text
//! L = Σ_i Σ_j P_ij ℓ_ij,    ℓ_ij = ‖r‖² + λ‖z‖² = ‖x_i − c_j − V_j W_j (x_i − c_j)‖² + λ‖W_j (x_i − c_j)‖².
//! ```
//!
//! # Gradients
//!
//! Steps follow the gradient of the mean loss per point of a batch B (b points),
//! `f = (1/b) Σ_{i∈B} Σ_j P_ij ℓ_ij`, so that the learning rate does not depend on n. With
//! `Y` the `b × d` rows `y`, `Z = Y W_jᵀ`, `R = Y − Z V_jᵀ` and `D = diag(P_ij / b)`:
//!
//! ```text
//! ∂f/∂V_j = −2 Rᵀ D Z
//! ∂f/∂W_j = 2 (λZ − R V_j)ᵀ D Y                 (V_j a separate variable)
//! ∂f/∂W_j = 2 (λZ − R W_jᵀ)ᵀ D Y − 2 Zᵀ D R     (tied, V_j = W_jᵀ)
//! ∂f/∂c_j = −2 Σ_i D_ii ((I − V_j W_j)ᵀ r_i + λ W_jᵀ z_i)
//! ∂L/∂P_ij = ℓ_ij
//! ```
//!
//! The first three follow from `dℓ = −2 rᵀ(dV z + V dW y) + 2λ zᵀ dW y`, the fourth from
//! `∇_y ℓ = 2(I − VW)ᵀ r + 2λ Wᵀ z` and `y = x − c`. A unit test checks all of them against
//! central differences, off the manifold too.
//!
//! When `W_j` must keep orthonormal rows ([`Decoder::Tied`] and [`Decoder::Free`]), the
//! step uses the Riemannian gradient `ξ = G − sym(G W_jᵀ) W_j` (the projection of the
//! Euclidean gradient G onto the tangent space of the Stiefel manifold, `sym(A) = (A + Aᵀ)/2`),
//! and the QR retraction maps `W_j − Δ` back to orthonormal rows, with the signs fixed so that
//! R has a non-negative diagonal. Adam's moments are kept in the ambient coordinates without
//! transport between tangent spaces, a common simplification.
//!
//! The updates of P ([`Assignment`]) are the three options of that procedure: a step that stays
//! in the simplex (mirror descent), a free step followed by the Euclidean projection onto the
//! simplex, or the exact (Lloyd) minimisation.
//!
//! # Agreement with the closed form
//!
//! With the tied decoder, Lloyd assignments and weighted-mean centers, the fixed points of the
//! training are those of the closed form's Lloyd iteration: centers at the cluster means, each
//! `W_j` spanning the top-h eigenvectors of its cluster's scatter matrix, and every point in a
//! cluster of lowest loss. `tests/reference.rs` checks that both reach the same partition and
//! loss from the start of [`crate::params::kmeans_plus_plus_labels`]. The partition can come
//! out with the clusters numbered differently, because the first assignment step sees random
//! encoders.
//!
//! ```
//! use tae::reference::{ReferenceParams, Assignment};
//! use tae::planted::ToySet;
//!
//! let sample = ToySet::Parallel.mixture().sample(0)?;
//! let start = tae::params::kmeans_plus_plus_labels(sample.data.as_ref(), 2, 0)?;
//! let x = tae::data::to_nalgebra(sample.data.as_ref());
//! let fit = ReferenceParams::new(2, 1)
//!     .assignment(Assignment::Lloyd)
//!     .check()?
//!     .fit(&x, &start)?;
//! assert_eq!(fit.labels().len(), 150);
//! assert!(fit.loss() <= fit.loss_history()[0]);
//! # Ok::<(), tae::Error>(())
//! ```

mod assign;
mod fit;
mod gradient;
mod optim;
mod params;
mod stiefel;

use nalgebra::DMatrix;

use crate::data;
use crate::error::{Error, Result};
use gradient::Parameters;

pub use assign::project_onto_simplex;
pub use fit::ReferenceFit;
pub use params::{
    Assignment, Centers, Decoder, Optimizer, ReferenceParams, ValidReferenceParams, ADAM_BETA1,
    ADAM_BETA2, ADAM_EPSILON, DEFAULT_ASSIGNMENT_LEARNING_RATE, DEFAULT_EPOCHS,
    DEFAULT_LEARNING_RATE, DEFAULT_TOL, MIRROR_START_MIX,
};

/// Computes the `n × K` losses `ℓ_ij = ‖y − V_j W_j y‖² + λ‖W_j y‖²`, `y = x_i − c_j`, of the
/// rows of `data` under any encoders and decoders.
///
/// `centers` is `K × d`, `encoders` contains K matrices of `h × d` and `decoders` K matrices of
/// `d × h`.
///
/// # Errors
/// The errors of [`data::check_finite`] for `data`, [`Error::DimensionMismatch`] when `data`
/// does not have d columns, [`Error::InvalidModel`] when the shapes disagree or a parameter is
/// not finite, and [`Error::InvalidLambda`] when λ is outside [0, 1].
pub fn point_losses(
    data: &DMatrix<f64>,
    centers: &DMatrix<f64>,
    encoders: &[DMatrix<f64>],
    decoders: &[DMatrix<f64>],
    lambda: f64,
) -> Result<DMatrix<f64>> {
    data::check_finite(data::from_nalgebra(data).as_ref())?;
    let (n_clusters, dim) = centers.shape();
    if data.ncols() != dim {
        return Err(Error::DimensionMismatch {
            expected: dim,
            found: data.ncols(),
        });
    }
    if !(0.0..=1.0).contains(&lambda) {
        return Err(Error::InvalidLambda { lambda });
    }
    let invalid = |reason: String| Err(Error::InvalidModel { reason });
    if encoders.len() != n_clusters || decoders.len() != n_clusters {
        return invalid(format!(
            "{} encoders and {} decoders for {n_clusters} centers",
            encoders.len(),
            decoders.len()
        ));
    }
    let h = encoders.first().map_or(0, |w| w.nrows());
    for j in 0..n_clusters {
        if encoders[j].shape() != (h, dim) || decoders[j].shape() != (dim, h) {
            return invalid(format!(
                "cluster {j} has an encoder of {:?} and a decoder of {:?}, expected ({h}, {dim}) and ({dim}, {h})",
                encoders[j].shape(),
                decoders[j].shape()
            ));
        }
    }
    let all_finite = centers.iter().all(|v| v.is_finite())
        && encoders
            .iter()
            .chain(decoders)
            .all(|m| m.iter().all(|v| v.is_finite()));
    if !all_finite {
        return invalid("a center, encoder or decoder has a NaN or infinite entry".into());
    }

    let params = Parameters {
        centers: centers.clone(),
        encoders: encoders.to_vec(),
        decoders: decoders.to_vec(),
    };
    let rows: Vec<usize> = (0..data.nrows()).collect();
    Ok(gradient::losses_of_rows(data, &rows, &params, lambda))
}
