//! The soft (EM) variant of the TAE: a constrained Gaussian mixture.
//!
//! With `Π_j = W_jᵀ W_j` and `0 < λ ≤ 1`, the covariance `Σ_j = (I − Π_j) + λ⁻¹ Π_j` has inverse
//! `A_j = I − (1 − λ) Π_j`, so `(x − c_j)ᵀ Σ_j⁻¹ (x − c_j) = ℓ_j(x)`, the TAE loss, and
//! `log det Σ_j = h log(1/λ)` is the same for every cluster. With a temperature τ > 0 the mixture
//! `p(x) = Σ_j π_j N(x; c_j, τ Σ_j)` has the log-likelihood
//!
//! ```text
//! log p(x) = −(d/2) log(2πτ) − (h/2) log(1/λ) + log Σ_j π_j exp(−ℓ_j(x) / (2τ)).
//! ```
//!
//! EM alternates:
//!
//! - **E-step**: responsibilities `P_ji = π_j exp(−ℓ_j(x_i)/(2τ)) / Σ_k π_k exp(−ℓ_k(x_i)/(2τ))`
//!   (a softmax, computed with the log-sum-exp shift);
//! - **M-step**: `c_j` = the P-weighted mean, `W_j` = the top-h eigenvectors of the P-weighted
//!   scatter `Σ_i P_ji (x_i − c_j)(x_i − c_j)ᵀ`, and, when learned, `π_j = N_j / n`.
//!
//! Both steps maximise the expected complete log-likelihood exactly within this family, so the
//! log-likelihood never decreases. As τ → 0 the responsibilities become the hard argmin and EM
//! becomes the Lloyd iteration of the closed-form solver (classification EM).
//!
//! ```
//! use tae::em::EmParams;
//! use tae::planted::PlantedMixture;
//!
//! let sample = PlantedMixture::default_model(5.0, 100, 0)?.sample(1)?;
//! let fit = EmParams::new(3, 2).temperature(0.5).check()?.fit(sample.data.as_ref())?;
//! let history = fit.log_likelihood_history();
//! assert!(history.windows(2).all(|w| w[1] >= w[0] - 1e-8 * w[0].abs()));
//! # Ok::<(), tae::Error>(())
//! ```

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

use crate::data;
use crate::error::{Error, Result};
use crate::params::{Init, TaeParams};
use crate::solver::assign::{ClusterParams, ASSIGN_BLOCK_ROWS};
use crate::solver::eigen::top_basis_from_scatter;

/// Default temperature τ of the E-step.
pub const DEFAULT_TEMPERATURE: f64 = 1.0;

/// Default limit on EM iterations.
pub const DEFAULT_EM_MAX_ITER: usize = 500;

/// Default tolerance on the relative increase of the log-likelihood.
pub const DEFAULT_EM_TOL: f64 = 1e-10;

/// A cluster whose total responsibility falls below this keeps its previous center and basis,
/// because its weighted mean is no longer defined.
const MIN_CLUSTER_MASS: f64 = 1e-12;

/// Unchecked parameters of the EM variant; see [`EmParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct EmParams {
    n_clusters: usize,
    latent_dim: usize,
    lambda: f64,
    temperature: f64,
    learn_weights: bool,
    max_iter: usize,
    tol: f64,
    init: Init,
    seed: u64,
}

/// Parameters that passed [`EmParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEmParams(EmParams);

/// The result of an EM fit.
#[derive(Debug, Clone)]
pub struct EmFit {
    centers: Mat<f64>,
    bases: Vec<Mat<f64>>,
    weights: Vec<f64>,
    responsibilities: Mat<f64>,
    log_likelihood: Vec<f64>,
    n_iter: usize,
    converged: bool,
}

impl EmParams {
    /// Starts EM parameters for K clusters and latent dimension h, with λ = 0.1, τ =
    /// [`DEFAULT_TEMPERATURE`], equal fixed mixing weights, [`DEFAULT_EM_MAX_ITER`] iterations,
    /// tolerance [`DEFAULT_EM_TOL`], and a start from the best of 10 k-means++ seedings (seed 0).
    pub fn new(n_clusters: usize, latent_dim: usize) -> Self {
        EmParams {
            n_clusters,
            latent_dim,
            lambda: 0.1,
            temperature: DEFAULT_TEMPERATURE,
            learn_weights: false,
            max_iter: DEFAULT_EM_MAX_ITER,
            tol: DEFAULT_EM_TOL,
            init: Init::KMeansPlusPlus,
            seed: 0,
        }
    }

    /// Sets λ ∈ (0, 1]; λ = 0 would make the covariance singular.
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = lambda;
        self
    }

    /// Sets the temperature τ > 0, the scale of the covariance `τ Σ_j`. The model is not scale
    /// invariant: τ must match the squared scale of the data.
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.temperature = temperature;
        self
    }

    /// Learns the mixing weights `π_j` (default: fixed at 1/K, as in the TAE loss).
    pub fn learn_weights(mut self, learn: bool) -> Self {
        self.learn_weights = learn;
        self
    }

    /// Sets the limit on EM iterations.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Sets the tolerance: EM stops when the log-likelihood rises by less than `tol · |ℓℓ|`.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets the initialisation: hard labels that become the first responsibilities.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Sets the seed of the k-means++ seeding.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidLambda`] when λ is not in (0, 1], [`Error::InvalidTemperature`] when τ
    /// is not finite and positive, and the errors of [`TaeParams::check`] for K, h, the
    /// iteration limit, the tolerance and initial labels.
    pub fn check(self) -> Result<ValidEmParams> {
        if !(self.lambda > 0.0 && self.lambda <= 1.0) {
            return Err(Error::InvalidLambda {
                lambda: self.lambda,
            });
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(Error::InvalidTemperature {
                temperature: self.temperature,
            });
        }
        TaeParams::new(self.n_clusters, self.latent_dim)
            .lambda(self.lambda)
            .max_iter(self.max_iter)
            .tol(self.tol)
            .init(self.init.clone())
            .check()?;
        Ok(ValidEmParams(self))
    }
}

impl ValidEmParams {
    /// Runs EM on `data` (`n × d`).
    ///
    /// # Errors
    /// The input errors of [`crate::ValidParams::fit`], and [`Error::DecompositionFailed`].
    pub fn fit(&self, data: MatRef<'_, f64>) -> Result<EmFit> {
        let params = &self.0;

        // Hard start: the closed-form TAE's best k-means++ start, or the given labels, run
        // for one Lloyd iteration so that centers and bases exist.
        let start = TaeParams::new(params.n_clusters, params.latent_dim)
            .lambda(params.lambda)
            .init(params.init.clone())
            .seed(params.seed)
            .max_iter(1)
            .check()?
            .fit(data)?;
        let (n_points, dim) = data.shape();
        let offset = data::column_means(data);
        let x = data::subtract_row(data, &offset);
        let row_norms: Vec<f64> = (0..n_points)
            .map(|i| (0..dim).map(|c| x[(i, c)] * x[(i, c)]).sum())
            .collect();

        let k = params.n_clusters;
        let h = params.latent_dim;
        let mut centers = Mat::from_fn(k, dim, |j, c| start.centers()[(j, c)] - offset[c]);
        let mut bases: Vec<Mat<f64>> = start.bases().to_vec();
        let mut weights = vec![1.0 / k as f64; k];
        let mut responsibilities = Mat::zeros(n_points, k);
        let mut history = Vec::new();
        let mut converged = false;
        let mut n_iter = 0;
        let constant = -0.5 * dim as f64 * (2.0 * std::f64::consts::PI * params.temperature).ln()
            - 0.5 * h as f64 * (1.0 / params.lambda).ln();

        while n_iter < params.max_iter {
            let stacked = Mat::from_fn(k * h, dim, |r, c| bases[r / h][(r % h, c)]);
            let cluster_params =
                ClusterParams::new(centers.clone(), stacked, h, params.lambda, vec![true; k]);
            let log_likelihood = e_step(
                &cluster_params,
                x.as_ref(),
                &row_norms,
                &weights,
                params.temperature,
                &mut responsibilities,
            ) + constant * n_points as f64;

            // The log-likelihood of the current parameters closes the previous iteration.
            if let Some(&previous) = history.last() {
                let rise: f64 = log_likelihood - previous;
                if rise.abs() <= params.tol * f64::abs(log_likelihood) {
                    history.push(log_likelihood);
                    converged = true;
                    break;
                }
            }
            history.push(log_likelihood);
            n_iter += 1;

            m_step(
                x.as_ref(),
                responsibilities.as_ref(),
                h,
                n_iter,
                &mut centers,
                &mut bases,
            )?;
            if params.learn_weights {
                for (j, weight) in weights.iter_mut().enumerate() {
                    let mass: f64 = responsibilities.col(j).iter().sum();
                    *weight = mass / n_points as f64;
                }
            }
        }

        Ok(EmFit {
            centers: Mat::from_fn(k, dim, |j, c| centers[(j, c)] + offset[c]),
            bases,
            weights,
            responsibilities,
            log_likelihood: history,
            n_iter,
            converged,
        })
    }
}

/// Writes the responsibilities into `out` (`n × K`) and returns `Σ_i log Σ_j π_j e^{−ℓ/(2τ)}`.
fn e_step(
    params: &ClusterParams,
    x: MatRef<'_, f64>,
    row_norms: &[f64],
    weights: &[f64],
    temperature: f64,
    out: &mut Mat<f64>,
) -> f64 {
    let k = weights.len();
    let n_points = x.nrows();
    let log_weights: Vec<f64> = weights.iter().map(|w| w.ln()).collect();
    let mut losses = vec![0.0; ASSIGN_BLOCK_ROWS * k];
    let mut workspace = params.workspace(ASSIGN_BLOCK_ROWS);
    let mut scores = vec![0.0; k];
    let mut total = 0.0;
    for start in (0..n_points).step_by(ASSIGN_BLOCK_ROWS) {
        let rows = ASSIGN_BLOCK_ROWS.min(n_points - start);
        params.block_losses(
            x.subrows(start, rows),
            &row_norms[start..start + rows],
            &mut losses[..rows * k],
            &mut workspace,
        );
        for r in 0..rows {
            for (j, score) in scores.iter_mut().enumerate() {
                *score = log_weights[j] - losses[r * k + j] / (2.0 * temperature);
            }
            // Shifting by the largest score keeps exp from underflowing at small τ.
            let shift = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = scores.iter().map(|s| (s - shift).exp()).sum();
            for j in 0..k {
                out[(start + r, j)] = (scores[j] - shift).exp() / sum;
            }
            total += shift + sum.ln();
        }
    }
    total
}

/// A cluster's new mean and basis.
type ClusterUpdate = (Vec<f64>, Mat<f64>);

/// Updates every cluster with non-negligible mass to its weighted mean and top-h basis.
fn m_step(
    x: MatRef<'_, f64>,
    responsibilities: MatRef<'_, f64>,
    h: usize,
    iteration: usize,
    centers: &mut Mat<f64>,
    bases: &mut [Mat<f64>],
) -> Result<()> {
    let (n_points, dim) = x.shape();
    let updates: Vec<Result<Option<ClusterUpdate>>> = (0..centers.nrows())
        .into_par_iter()
        .map(|j| {
            let weights = responsibilities.col(j);
            let mass: f64 = weights.iter().sum();
            if mass < MIN_CLUSTER_MASS {
                return Ok(None);
            }
            let mean: Vec<f64> = (0..dim)
                .map(|c| (0..n_points).map(|i| weights[i] * x[(i, c)]).sum::<f64>() / mass)
                .collect();
            let scaled = Mat::from_fn(n_points, dim, |i, c| {
                weights[i].sqrt() * (x[(i, c)] - mean[c])
            });
            let mut scatter = Mat::zeros(dim, dim);
            matmul(
                scatter.as_mut(),
                Accum::Replace,
                scaled.transpose(),
                scaled.as_ref(),
                1.0,
                Par::Seq,
            );
            let top = top_basis_from_scatter(scatter.as_ref(), h).map_err(|failure| {
                Error::DecompositionFailed {
                    decomposition: failure.name(),
                    cluster: Some(j),
                    iteration,
                }
            })?;
            Ok(Some((mean, top.basis)))
        })
        .collect();

    for (j, update) in updates.into_iter().enumerate() {
        if let Some((mean, basis)) = update? {
            for (c, value) in mean.into_iter().enumerate() {
                centers[(j, c)] = value;
            }
            bases[j] = basis;
        }
    }
    Ok(())
}

impl EmFit {
    /// `K × d` centers.
    pub fn centers(&self) -> MatRef<'_, f64> {
        self.centers.as_ref()
    }

    /// The K bases, `h × d` each with orthonormal rows.
    pub fn bases(&self) -> &[Mat<f64>] {
        &self.bases
    }

    /// Mixing weights `π_j` (all 1/K unless learned).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// `n × K` responsibilities of the last E-step; each row sums to 1.
    pub fn responsibilities(&self) -> MatRef<'_, f64> {
        self.responsibilities.as_ref()
    }

    /// Hard labels: the cluster of largest responsibility (ties to the lowest index).
    pub fn labels(&self) -> Vec<usize> {
        (0..self.responsibilities.nrows())
            .map(|i| {
                let row = self.responsibilities.row(i);
                (0..row.ncols()).fold(0, |best, j| if row[j] > row[best] { j } else { best })
            })
            .collect()
    }

    /// Log-likelihood of the data before each M-step and after the last one.
    pub fn log_likelihood_history(&self) -> &[f64] {
        &self.log_likelihood
    }

    /// Number of EM iterations (M-steps) run.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the log-likelihood settled before the iteration limit.
    pub fn converged(&self) -> bool {
        self.converged
    }
}
