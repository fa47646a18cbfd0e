//! The fitted model and its use on new data.
//!
//! A [`TaeModel`] contains K centers `c_j` (`K × d`) and K bases `W_j` (`h × d`, orthonormal rows),
//! in the coordinates of the data it was fitted on. On new points it gives:
//!
//! - [`TaeModel::losses`]: the `n × K` matrix of `ℓ_j(x) = ‖x − c_j‖² − (1 − λ)‖W_j(x − c_j)‖²`;
//! - [`TaeModel::predict`]: `j*(x) = argmin_j ℓ_j(x)`, the λ term included (ties to the lowest
//!   index);
//! - [`TaeModel::reconstruct`]: `x̂ = c_{j*} + W_{j*}ᵀ W_{j*} (x − c_{j*})`, the projection onto
//!   the flat of the predicted cluster;
//! - [`TaeModel::encode`]: the predicted cluster and the h-dimensional code `W_{j*}(x − c_{j*})`.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

use crate::data;
use crate::error::{Error, Result};
use crate::solver::assign::{ClusterParams, ASSIGN_BLOCK_ROWS};

/// Largest deviation of `W_j W_jᵀ` from the identity accepted by [`TaeModel::from_parts`].
pub const ORTHONORMALITY_TOLERANCE: f64 = 1e-8;

/// The loss after each half-step of the Lloyd iteration of the kept restart.
///
/// `after_update[t]` is the loss once centers and bases fit the labels of iteration `t`.
/// `after_assignment[t]` is the loss once every point moved to its lowest-loss cluster under
/// those centers and bases. The interleaved sequence never increases.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LossTrace {
    /// Loss after each update of centers and bases.
    pub after_update: Vec<f64>,
    /// Loss after each assignment step.
    pub after_assignment: Vec<f64>,
}

/// The fit's report beside the centers and bases.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FitSummary {
    /// The cluster of each training point (empty for a model built from parts).
    pub labels: Vec<usize>,
    /// Number of training points in each cluster.
    pub cluster_sizes: Vec<usize>,
    /// `Σ_i ℓ_{j(i)}(x_i)` over the training points: a sum, in squared units of the data.
    pub loss: f64,
    /// Lloyd iterations (assignment steps) of the kept restart.
    pub n_iter: usize,
    /// Whether the kept restart stopped on unchanged labels or on the tolerance, rather than
    /// on the iteration limit.
    pub converged: bool,
    /// How many times an empty cluster was re-seeded in the kept restart.
    pub n_reseeded: usize,
    /// Loss after each half-step of the kept restart.
    pub loss_trace: LossTrace,
    /// The h largest eigenvalues of each cluster's scatter matrix at the final labels.
    pub scatter_eigenvalues: Vec<Vec<f64>>,
}

/// Cluster predictions with their h-dimensional codes.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoding {
    /// Predicted cluster of each point.
    pub labels: Vec<usize>,
    /// `n × h`: row `i` is `W_j (x_i − c_j)` for the predicted cluster `j`.
    pub codes: Mat<f64>,
}

/// A fitted linear TAE.
#[derive(Debug, Clone)]
pub struct TaeModel {
    centers: Mat<f64>,
    bases: Vec<Mat<f64>>,
    lambda: f64,
    summary: FitSummary,
    /// Subtracted from new data before computing losses, to limit cancellation.
    offset: Vec<f64>,
    /// Centers shifted by `offset`, with the bases stacked.
    shifted: ClusterParams,
}

impl TaeModel {
    pub(crate) fn from_fit(
        centers: Mat<f64>,
        bases: Vec<Mat<f64>>,
        lambda: f64,
        summary: FitSummary,
    ) -> Self {
        let (n_clusters, dim) = centers.shape();
        let total: usize = summary.cluster_sizes.iter().sum();
        // The training mean is the size-weighted mean of the centers.
        let offset: Vec<f64> = (0..dim)
            .map(|c| {
                if total == 0 {
                    (0..n_clusters).map(|j| centers[(j, c)]).sum::<f64>() / n_clusters as f64
                } else {
                    (0..n_clusters)
                        .map(|j| centers[(j, c)] * summary.cluster_sizes[j] as f64)
                        .sum::<f64>()
                        / total as f64
                }
            })
            .collect();
        let h = bases.first().map_or(0, |b| b.nrows());
        let shifted_centers = Mat::from_fn(n_clusters, dim, |j, c| centers[(j, c)] - offset[c]);
        let stacked = Mat::from_fn(n_clusters * h, dim, |r, c| bases[r / h][(r % h, c)]);
        let shifted =
            ClusterParams::new(shifted_centers, stacked, h, lambda, vec![true; n_clusters]);
        TaeModel {
            centers,
            bases,
            lambda,
            summary,
            offset,
            shifted,
        }
    }

    /// Builds a model from its parts, e.g. ones read from a file, and checks them.
    ///
    /// `centers` is `K × d`, `bases` contains K matrices of `h × d` with orthonormal rows. The
    /// summary's `cluster_sizes` may be empty; its labels are not needed to apply the model.
    ///
    /// # Errors
    /// [`Error::InvalidModel`] when K = 0, the shapes disagree, a value is not finite, or a
    /// basis is not orthonormal within [`ORTHONORMALITY_TOLERANCE`];
    /// [`Error::InvalidLambda`] when λ is outside [0, 1].
    pub fn from_parts(
        centers: Mat<f64>,
        bases: Vec<Mat<f64>>,
        lambda: f64,
        mut summary: FitSummary,
    ) -> Result<Self> {
        let (n_clusters, dim) = centers.shape();
        let invalid = |reason: String| Err(Error::InvalidModel { reason });
        if n_clusters == 0 || dim == 0 {
            return invalid(format!(
                "centers are {n_clusters} × {dim}; need at least 1 × 1"
            ));
        }
        if !(0.0..=1.0).contains(&lambda) {
            return Err(Error::InvalidLambda { lambda });
        }
        if bases.len() != n_clusters {
            return invalid(format!("{} bases for {n_clusters} centers", bases.len()));
        }
        let h = bases[0].nrows();
        if h == 0 || h > dim {
            return invalid(format!("latent dimension {h} for data dimension {dim}"));
        }
        for (j, basis) in bases.iter().enumerate() {
            if basis.shape() != (h, dim) {
                return invalid(format!(
                    "basis {j} is {} × {}, expected {h} × {dim}",
                    basis.nrows(),
                    basis.ncols()
                ));
            }
            let gram = gram_deviation(basis.as_ref());
            if gram.is_nan() || gram > ORTHONORMALITY_TOLERANCE {
                return invalid(format!(
                    "basis {j} is not orthonormal: max |W Wᵀ − I| = {gram:e}"
                ));
            }
        }
        if let Err(Error::NonFiniteValue { row, column, value }) =
            data::check_finite(centers.as_ref())
        {
            return invalid(format!("center {row} has value {value} at column {column}"));
        }
        if !summary.cluster_sizes.is_empty() && summary.cluster_sizes.len() != n_clusters {
            return invalid(format!(
                "{} cluster sizes for {n_clusters} clusters",
                summary.cluster_sizes.len()
            ));
        }
        if summary.cluster_sizes.is_empty() {
            summary.cluster_sizes = vec![0; n_clusters];
        }
        Ok(Self::from_fit(centers, bases, lambda, summary))
    }

    /// Number of clusters K.
    pub fn n_clusters(&self) -> usize {
        self.centers.nrows()
    }

    /// Data dimension d.
    pub fn dim(&self) -> usize {
        self.centers.ncols()
    }

    /// Latent dimension h.
    pub fn latent_dim(&self) -> usize {
        self.shifted.latent_dim
    }

    /// λ, the weight of the latent distance to the center.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// `K × d` centers, one row per cluster: the means of the clusters' training points.
    pub fn centers(&self) -> MatRef<'_, f64> {
        self.centers.as_ref()
    }

    /// The K bases `W_j`, each `h × d` with orthonormal rows ordered by decreasing eigenvalue;
    /// the sign of each row makes its largest-magnitude entry positive.
    pub fn bases(&self) -> &[Mat<f64>] {
        &self.bases
    }

    /// The cluster of each training point (empty for a model built from parts).
    pub fn labels(&self) -> &[usize] {
        &self.summary.labels
    }

    /// Number of training points in each cluster.
    pub fn cluster_sizes(&self) -> &[usize] {
        &self.summary.cluster_sizes
    }

    /// `Σ_i ℓ_{j(i)}(x_i)` over the training points, in squared units of the data.
    pub fn loss(&self) -> f64 {
        self.summary.loss
    }

    /// Lloyd iterations of the kept restart.
    pub fn n_iter(&self) -> usize {
        self.summary.n_iter
    }

    /// Whether the kept restart stopped before the iteration limit.
    pub fn converged(&self) -> bool {
        self.summary.converged
    }

    /// Whether an empty cluster was re-seeded during the kept restart.
    pub fn reseeded(&self) -> bool {
        self.summary.n_reseeded > 0
    }

    /// Everything the fit reported.
    pub fn summary(&self) -> &FitSummary {
        &self.summary
    }

    /// Computes the `n × K` losses `ℓ_j(x_i)` of new points.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] when `data` does not have d columns, and the errors of
    /// [`data::check_finite`].
    pub fn losses(&self, data: MatRef<'_, f64>) -> Result<Mat<f64>> {
        self.check_input(data)?;
        let n_clusters = self.n_clusters();
        let row_major = self.row_major_losses(data);
        Ok(Mat::from_fn(data.nrows(), n_clusters, |i, j| {
            row_major[i * n_clusters + j]
        }))
    }

    /// Predicts the cluster of new points: the argmin of the loss, ties to the lowest index.
    ///
    /// # Errors
    /// As [`TaeModel::losses`].
    pub fn predict(&self, data: MatRef<'_, f64>) -> Result<Vec<usize>> {
        self.check_input(data)?;
        let (n_points, dim) = data.shape();
        let mut labels = vec![0; n_points];
        let mut best = vec![0.0; n_points];

        // Each block is centered in cache, so no centered copy of all the data is made.
        labels
            .par_chunks_mut(ASSIGN_BLOCK_ROWS)
            .zip(best.par_chunks_mut(ASSIGN_BLOCK_ROWS))
            .enumerate()
            .for_each_init(
                || {
                    let block = Mat::<f64>::zeros(ASSIGN_BLOCK_ROWS, dim);
                    let workspace = self.shifted.workspace(ASSIGN_BLOCK_ROWS);
                    // Every point "in" cluster 0: keeping the current label on a tie is then the
                    // same as taking the lowest index.
                    let current = vec![0; ASSIGN_BLOCK_ROWS];
                    (block, vec![0.0; ASSIGN_BLOCK_ROWS], current, workspace)
                },
                |(block, norms, current, workspace), (b, (labels, best))| {
                    let start = b * ASSIGN_BLOCK_ROWS;
                    let rows = labels.len();
                    let source = data.subrows(start, rows);
                    let norms = &mut norms[..rows];
                    norms.fill(0.0);
                    for (c, &shift) in self.offset.iter().enumerate() {
                        let column = block.col_mut(c).subrows_mut(0, rows);
                        for ((target, &value), norm) in column
                            .iter_mut()
                            .zip(source.col(c).iter())
                            .zip(norms.iter_mut())
                        {
                            *target = value - shift;
                            *norm += *target * *target;
                        }
                    }
                    self.shifted.block_assign(
                        block.as_ref().subrows(0, rows),
                        norms,
                        &current[..rows],
                        labels,
                        best,
                        workspace,
                    );
                },
            );
        Ok(labels)
    }

    /// Predicts the cluster of new points and returns their codes `W_j (x − c_j)`.
    ///
    /// # Errors
    /// As [`TaeModel::losses`].
    pub fn encode(&self, data: MatRef<'_, f64>) -> Result<Encoding> {
        let labels = self.predict(data)?;
        let h = self.latent_dim();
        let mut codes = Mat::zeros(data.nrows(), h);
        for (i, &j) in labels.iter().enumerate() {
            let basis = &self.bases[j];
            for k in 0..h {
                codes[(i, k)] = (0..self.dim())
                    .map(|c| basis[(k, c)] * (data[(i, c)] - self.centers[(j, c)]))
                    .sum();
            }
        }
        Ok(Encoding { labels, codes })
    }

    /// Reconstructs new points: `c_j + W_jᵀ W_j (x − c_j)` in the predicted cluster `j`.
    ///
    /// # Errors
    /// As [`TaeModel::losses`].
    pub fn reconstruct(&self, data: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let Encoding { labels, codes } = self.encode(data)?;
        let h = self.latent_dim();
        Ok(Mat::from_fn(data.nrows(), self.dim(), |i, c| {
            let j = labels[i];
            let basis = &self.bases[j];
            self.centers[(j, c)] + (0..h).map(|k| basis[(k, c)] * codes[(i, k)]).sum::<f64>()
        }))
    }

    fn check_input(&self, data: MatRef<'_, f64>) -> Result<()> {
        data::check_dim(data, self.dim())?;
        data::check_finite(data)
    }

    /// Returns `data` minus the training mean, and the squared norm of each of its rows.
    fn centered(&self, data: MatRef<'_, f64>) -> (Mat<f64>, Vec<f64>) {
        let centered = data::subtract_row(data, &self.offset);
        let row_norms = data::row_norms(centered.as_ref());
        (centered, row_norms)
    }

    /// Losses in row-major order (`n × K`), computed in blocks against the shifted centers.
    fn row_major_losses(&self, data: MatRef<'_, f64>) -> Vec<f64> {
        let n_clusters = self.n_clusters();
        let (centered, row_norms) = self.centered(data);
        let mut losses = vec![0.0; data.nrows() * n_clusters];
        losses
            .par_chunks_mut(ASSIGN_BLOCK_ROWS * n_clusters)
            .enumerate()
            .for_each_init(
                || self.shifted.workspace(ASSIGN_BLOCK_ROWS),
                |workspace, (b, out)| {
                    let start = b * ASSIGN_BLOCK_ROWS;
                    let rows = out.len() / n_clusters;
                    self.shifted.block_losses(
                        centered.as_ref().subrows(start, rows),
                        &row_norms[start..start + rows],
                        out,
                        workspace,
                    );
                },
            );
        losses
    }
}

/// Returns `max |W Wᵀ − I|` over the entries.
pub(crate) fn gram_deviation(basis: MatRef<'_, f64>) -> f64 {
    let h = basis.nrows();
    let mut gram = Mat::zeros(h, h);
    matmul(
        gram.as_mut(),
        Accum::Replace,
        basis,
        basis.transpose(),
        1.0,
        Par::Seq,
    );
    let mut deviation = 0.0f64;
    for a in 0..h {
        for b in 0..h {
            let target = if a == b { 1.0 } else { 0.0 };
            let entry = gram[(a, b)];
            // NaN must not pass as a small deviation, and `f64::max` would drop it.
            if entry.is_nan() {
                return f64::NAN;
            }
            deviation = deviation.max((entry - target).abs());
        }
    }
    deviation
}
