//! Baselines: k-means (the TAE at λ = 1) and PCA (the single linear autoencoder).
//!
//! - **k-means**: at λ = 1 the TAE loss is `‖x − c_j‖²` whatever the bases, so k-means is the
//!   same Lloyd iteration with no bases. [`KMeans`] runs exactly that code path: the same
//!   k-means++ seeding, tie rule, empty-cluster re-seeding and termination as the TAE, so the two
//!   can be compared from shared starts.
//! - **PCA**: a single linear autoencoder `x ↦ m + WᵀW(x − m)` with orthonormal `W` (`h × d`)
//!   is optimal when `W` spans the top-h eigenvectors of the total scatter matrix (Baldi and
//!   Hornik, 1989). With the latent penalty λ its loss is `tr S − (1 − λ) Σ_{k≤h} σ_k(S)`, the
//!   TAE's loss with one cluster.
//!
//! ```
//! use tae::baselines::{KMeans, Pca};
//! use tae::metrics::adjusted_rand_index;
//!
//! let iris = tae::datasets::iris();
//! let x = iris.to_mat();
//! let kmeans = KMeans::params(3).seed(0).check()?.fit(x.as_ref())?;
//! assert!(adjusted_rand_index(iris.labels(), kmeans.labels())? > 0.7);
//!
//! let pca = Pca::fit(x.as_ref(), 2)?;
//! let codes = pca.transform(x.as_ref())?;
//! assert_eq!(codes.shape(), (150, 2));
//! # Ok::<(), tae::Error>(())
//! ```

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

use crate::data;
use crate::error::{Error, Result};
use crate::model::TaeModel;
use crate::params::{Init, TaeParams, ValidParams};
use crate::solver::eigen::{top_basis_from_members, top_basis_from_scatter, uses_thin_svd};
use crate::solver::stats::{row_major, GroupedMembers, Moments};

/// Entry point of the k-means baseline; see [`KMeans::params`].
#[derive(Debug, Clone, Copy)]
pub struct KMeans;

/// Unchecked k-means parameters: K, restarts, iteration limit, tolerance, initialisation, seed,
/// with the same defaults and meaning as [`TaeParams`].
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams(TaeParams);

/// Checked k-means parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidKMeansParams(ValidParams);

/// A fitted k-means model.
#[derive(Debug, Clone)]
pub struct KMeansModel(TaeModel);

impl KMeans {
    /// Starts k-means parameters for `n_clusters` clusters with every other value at the
    /// defaults of [`TaeParams`].
    pub fn params(n_clusters: usize) -> KMeansParams {
        KMeansParams(TaeParams::new(n_clusters, 0).lambda(1.0))
    }
}

impl KMeansParams {
    /// Sets the number of restarts (default 10).
    pub fn n_init(self, n_init: usize) -> Self {
        KMeansParams(self.0.n_init(n_init))
    }

    /// Sets the limit on Lloyd iterations per restart (default 300).
    pub fn max_iter(self, max_iter: usize) -> Self {
        KMeansParams(self.0.max_iter(max_iter))
    }

    /// Sets the tolerance on the relative decrease of the inertia (default 1e-6).
    pub fn tol(self, tol: f64) -> Self {
        KMeansParams(self.0.tol(tol))
    }

    /// Sets the initialisation (default k-means++).
    pub fn init(self, init: Init) -> Self {
        KMeansParams(self.0.init(init))
    }

    /// Sets the seed of the k-means++ sampling (default 0).
    pub fn seed(self, seed: u64) -> Self {
        KMeansParams(self.0.seed(seed))
    }

    /// Checks the parameters; the rules are those of [`TaeParams::check`] without the ones on
    /// λ and h.
    pub fn check(self) -> Result<ValidKMeansParams> {
        self.0.check_kmeans().map(ValidKMeansParams)
    }
}

impl ValidKMeansParams {
    /// Fits k-means to `data` (`n × d`, one row per point).
    ///
    /// # Errors
    /// As [`ValidParams::fit`].
    pub fn fit(&self, data: MatRef<'_, f64>) -> Result<KMeansModel> {
        self.0.fit(data).map(KMeansModel)
    }
}

impl KMeansModel {
    /// `K × d` centers, the means of the clusters.
    pub fn centers(&self) -> MatRef<'_, f64> {
        self.0.centers()
    }

    /// The cluster of each training point.
    pub fn labels(&self) -> &[usize] {
        self.0.labels()
    }

    /// Number of training points in each cluster.
    pub fn cluster_sizes(&self) -> &[usize] {
        self.0.cluster_sizes()
    }

    /// The inertia `Σ_i ‖x_i − c_{j(i)}‖²`.
    pub fn inertia(&self) -> f64 {
        self.0.loss()
    }

    /// Lloyd iterations of the kept restart.
    pub fn n_iter(&self) -> usize {
        self.0.n_iter()
    }

    /// Whether the kept restart stopped before the iteration limit.
    pub fn converged(&self) -> bool {
        self.0.converged()
    }

    /// The loss after each half-step of the kept restart.
    pub fn loss_trace(&self) -> &crate::model::LossTrace {
        &self.0.summary().loss_trace
    }

    /// Predicts the nearest center of new points (ties to the lowest index).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] and the errors of [`data::check_finite`].
    pub fn predict(&self, data: MatRef<'_, f64>) -> Result<Vec<usize>> {
        self.0.predict(data)
    }
}

/// Principal component analysis: the optimal single linear autoencoder.
#[derive(Debug, Clone)]
pub struct Pca {
    mean: Vec<f64>,
    components: Mat<f64>,
    eigenvalues: Vec<f64>,
    total_scatter_trace: f64,
    n_points: usize,
}

impl Pca {
    /// Fits the top `n_components` principal directions of `data` (`n × d`).
    ///
    /// # Errors
    /// [`Error::EmptyData`], [`Error::NonFiniteValue`], [`Error::InvalidLatentDim`] when
    /// `n_components` is 0 or above d, and [`Error::DecompositionFailed`].
    pub fn fit(data: MatRef<'_, f64>, n_components: usize) -> Result<Pca> {
        data::check_finite(data)?;
        let (n_points, dim) = data.shape();
        if n_components == 0 || n_components > dim {
            return Err(Error::InvalidLatentDim {
                latent_dim: n_components,
                dim,
            });
        }

        let rows = row_major(data);
        let thin = uses_thin_svd(n_points, dim, n_components);
        let mut grouped = GroupedMembers::new(n_points, dim, 1);
        grouped.group(&vec![0; n_points]);
        grouped.compute(
            &rows,
            &[if thin {
                Moments::Mean
            } else {
                Moments::Scatter
            }],
        );
        let failed = |failure: crate::solver::eigen::EigenFailure| Error::DecompositionFailed {
            decomposition: failure.name(),
            cluster: None,
            iteration: 0,
        };
        let (top, total_scatter_trace) = match grouped.scatter(0) {
            Some(scatter) => (
                top_basis_from_scatter(scatter, n_components).map_err(failed)?,
                (0..dim).map(|c| scatter[(c, c)]).sum(),
            ),
            None => {
                let members = grouped.centered_members(&rows, 0);
                (
                    top_basis_from_members(members.as_ref(), n_components).map_err(failed)?,
                    members.squared_norm_l2(),
                )
            }
        };
        Ok(Pca {
            mean: (0..dim).map(|c| grouped.means[(0, c)]).collect(),
            components: top.basis,
            eigenvalues: top.eigenvalues,
            total_scatter_trace,
            n_points,
        })
    }

    /// The data mean.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// `h × d` principal directions, orthonormal rows by decreasing variance.
    pub fn components(&self) -> MatRef<'_, f64> {
        self.components.as_ref()
    }

    /// The top-h eigenvalues of the total scatter matrix `Σ (x − m)(x − m)ᵀ`.
    pub fn scatter_eigenvalues(&self) -> &[f64] {
        &self.eigenvalues
    }

    /// Variance along each component, the scatter eigenvalue over `n − 1` as in scikit-learn's
    /// `explained_variance_` (over `n` when there is one point).
    pub fn explained_variance(&self) -> Vec<f64> {
        let denominator = (self.n_points.max(2) - 1) as f64;
        self.eigenvalues.iter().map(|e| e / denominator).collect()
    }

    /// The loss of the single linear autoencoder on the training data with latent penalty λ:
    /// `tr S − (1 − λ) Σ_{k≤h} σ_k(S)`.
    pub fn loss(&self, lambda: f64) -> f64 {
        self.total_scatter_trace - (1.0 - lambda) * self.eigenvalues.iter().sum::<f64>()
    }

    /// Projects points on the components: `W (x − m)`, `n × h`.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] and the errors of [`data::check_finite`].
    pub fn transform(&self, data: MatRef<'_, f64>) -> Result<Mat<f64>> {
        data::check_dim(data, self.mean.len())?;
        data::check_finite(data)?;
        let centered = data::subtract_row(data, &self.mean);
        let mut codes = Mat::zeros(data.nrows(), self.components.nrows());
        // Sequential so that the codes do not depend on faer's global thread setting.
        matmul(
            codes.as_mut(),
            Accum::Replace,
            centered.as_ref(),
            self.components.transpose(),
            1.0,
            Par::Seq,
        );
        Ok(codes)
    }

    /// Reconstructs points: `m + WᵀW (x − m)`.
    ///
    /// # Errors
    /// As [`Pca::transform`].
    pub fn reconstruct(&self, data: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let codes = self.transform(data)?;
        let mut projected = Mat::zeros(data.nrows(), self.mean.len());
        matmul(
            projected.as_mut(),
            Accum::Replace,
            codes.as_ref(),
            self.components.as_ref(),
            1.0,
            Par::Seq,
        );
        Ok(Mat::from_fn(data.nrows(), self.mean.len(), |i, c| {
            projected[(i, c)] + self.mean[c]
        }))
    }
}
