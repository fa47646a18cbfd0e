//! The closed-form solver: Lloyd iterations on the tied linear TAE.
//!
//! Data are `n × d` (one row per point). Cluster `j` has a center `c_j ∈ ℝᵈ` and a basis
//! `W_j ∈ ℝ^{h×d}` with orthonormal rows, and a point costs
//!
//! ```text
//! ℓ_j(x) = ‖x − c_j‖² − (1 − λ) ‖W_j (x − c_j)‖²,    0 ≤ λ ≤ 1.
//! ```
//!
//! For fixed labels the loss `Σ_i ℓ_{j(i)}(x_i)` is minimised by `c_j` = the mean of the members
//! and `W_j` = the top-h eigenvectors of their scatter matrix `S_j = Σ (x − c_j)(x − c_j)ᵀ`; for
//! fixed centers and bases it is minimised by giving each point its lowest-loss cluster. A Lloyd
//! iteration alternates the two, so the loss never increases:
//!
//! 1. **update**: group the points by label, compute means and scatter matrices, and take the
//!    top-h eigenvectors of each scatter matrix (a thin SVD of the members when a cluster has
//!    fewer members than dimensions). A cluster whose members did not change keeps its center
//!    and basis, and for d ≥ 64 the eigenvectors are first sought by a subspace iteration
//!    started from the previous basis, with the scatter matrix or the members as operator;
//! 2. **assign**: all `n × K` losses from one GEMM per block of points (with AVX-512, from
//!    register tiles that never store the products), then the argmin, keeping a point's label
//!    when it is still a minimiser, else the lowest index;
//! 3. **re-seed** each empty cluster with the point of largest loss;
//! 4. **stop** when the labels do not change, when the relative decrease of the loss falls below
//!    `tol`, or after `max_iter` assignments.
//!
//! Each restart starts from k-means++ seeds (or given labels); the lowest-loss restart is kept,
//! the earliest on a tie. Per-cluster and per-block work runs in rayon tasks with faer set to
//! sequential inside each, and every sum is taken in a fixed order, so the result is the same
//! bit for bit for any number of threads.

pub(crate) mod assign;
#[cfg(target_arch = "x86_64")]
pub(crate) mod assign_avx512;
pub mod bench;
pub(crate) mod eigen;
pub(crate) mod init;
pub(crate) mod pool;
pub(crate) mod simd;
pub(crate) mod stats;
pub(crate) mod syrk;

use faer::{Mat, MatRef};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::data;
use crate::error::{Error, Result};
use crate::model::{FitSummary, LossTrace, TaeModel};
use crate::params::{Init, ValidParams};
use assign::{assign, reseed_empty_clusters, ClusterParams, WorkspacePool};
use eigen::{
    top_basis_from_members, top_basis_from_scatter, top_basis_warm, uses_thin_svd, ScatterOperator,
    TopBasis, WARM_START_MIN_DIM,
};
use stats::{GroupedMembers, Moments};

/// The globally centered data and the values every restart shares.
struct Problem<'a> {
    /// `n × d`: the data minus its column means.
    x: MatRef<'a, f64>,
    /// The same points in row-major order, for gathering the members of each cluster.
    rows: &'a [f64],
    /// `‖x_i‖²` of each centered point.
    row_norms: &'a [f64],
    n_clusters: usize,
    latent_dim: usize,
    lambda: f64,
    max_iter: usize,
    tol: f64,
    /// Whether an update keeps the fit of clusters whose members did not change. A fit always
    /// does; the step benchmarks and the test that compares both ways recompute every cluster.
    reuse_unchanged: bool,
}

/// The result of one restart.
struct Restart {
    labels: Vec<usize>,
    params: ClusterParams,
    eigenvalues: Vec<Vec<f64>>,
    cluster_sizes: Vec<usize>,
    loss: f64,
    n_iter: usize,
    converged: bool,
    n_reseeded: usize,
    trace: LossTrace,
}

impl ValidParams {
    /// Fits the linear TAE to `data` (`n × d`, one row per point).
    ///
    /// # Errors
    /// [`Error::EmptyData`] for no points or columns, [`Error::NonFiniteValue`] at the first NaN
    /// or infinity, [`Error::TooFewPoints`] when n < K, [`Error::InvalidLatentDim`] when h > d,
    /// [`Error::LengthMismatch`] when initial labels do not have one entry per point, and
    /// [`Error::DecompositionFailed`] if an eigendecomposition does not converge.
    ///
    /// ```
    /// use tae::TaeParams;
    ///
    /// let penguins = tae::datasets::penguins();
    /// let x = penguins.to_mat();
    /// let model = TaeParams::new(3, 1).lambda(0.1).n_init(2).seed(1).check()?.fit(x.as_ref())?;
    /// assert_eq!(model.labels().len(), 342);
    /// assert_eq!(model.cluster_sizes().iter().sum::<usize>(), 342);
    /// # Ok::<(), tae::Error>(())
    /// ```
    pub fn fit(&self, data: MatRef<'_, f64>) -> Result<TaeModel> {
        data::check_finite(data)?;
        let (n_points, dim) = data.shape();
        if n_points < self.n_clusters() {
            return Err(Error::TooFewPoints {
                n_points,
                n_clusters: self.n_clusters(),
            });
        }
        if self.latent_dim() > dim {
            return Err(Error::InvalidLatentDim {
                latent_dim: self.latent_dim(),
                dim,
            });
        }
        if let Init::Labels(labels) = self.init() {
            if labels.len() != n_points {
                return Err(Error::LengthMismatch {
                    what: "initial labels",
                    expected: n_points,
                    found: labels.len(),
                });
            }
        }

        // Centering first keeps ‖x‖² − 2x·c + ‖c‖² from cancelling catastrophically.
        let (offset, centered, row_norms) = center_data(data);
        let rows = stats::row_major(centered.as_ref());
        let problem = Problem {
            x: centered.as_ref(),
            rows: &rows,
            row_norms: &row_norms,
            n_clusters: self.n_clusters(),
            latent_dim: self.latent_dim(),
            lambda: self.lambda(),
            max_iter: self.max_iter(),
            tol: self.tol(),
            reuse_unchanged: true,
        };

        let mut best: Option<Restart> = None;
        let n_restarts = match self.init() {
            Init::Labels(_) => 1,
            Init::KMeansPlusPlus => self.n_init(),
        };
        for restart in 0..n_restarts {
            let initial = match self.init() {
                Init::Labels(labels) => labels.clone(),
                Init::KMeansPlusPlus => kmeans_plus_plus_start(
                    problem.x,
                    problem.row_norms,
                    problem.n_clusters,
                    self.seed(),
                    restart,
                ),
            };
            let result = problem.run(initial)?;
            if best.as_ref().is_none_or(|b| result.loss < b.loss) {
                best = Some(result);
            }
        }
        let best = best.expect("at least one restart");
        Ok(build_model(best, &offset, self))
    }
}

/// Returns the data minus its column means, with the means and the squared norm of each
/// centered row.
///
/// Centering first keeps ‖x‖² − 2x·c + ‖c‖² from cancelling catastrophically.
pub(crate) fn center_data(data: MatRef<'_, f64>) -> (Vec<f64>, Mat<f64>, Vec<f64>) {
    let offset = data::column_means(data);
    let centered = data::subtract_row(data, &offset);
    let row_norms = data::row_norms(centered.as_ref());
    (offset, centered, row_norms)
}

/// Returns the initial labels of k-means++ restart `restart`: the seeds of
/// [`init::kmeans_plus_plus`] with the random stream `restart` of `seed`, and each point
/// labelled with its nearest seed.
///
/// `x` must be the centered data of [`center_data`] and `row_norms` its squared row norms, as
/// in [`ValidParams::fit`], so that the labels match that fit's restart exactly.
pub(crate) fn kmeans_plus_plus_start(
    x: MatRef<'_, f64>,
    row_norms: &[f64],
    n_clusters: usize,
    seed: u64,
    restart: usize,
) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(restart as u64);
    let seeds = init::kmeans_plus_plus(x, n_clusters, &mut rng);
    nearest_seed_labels(x, row_norms, &seeds)
}

/// Labels every point with its nearest seed point (ties to the lowest seed index).
fn nearest_seed_labels(x: MatRef<'_, f64>, row_norms: &[f64], seeds: &[usize]) -> Vec<usize> {
    let dim = x.ncols();
    let centers = Mat::from_fn(seeds.len(), dim, |j, c| x[(seeds[j], c)]);
    let params = ClusterParams::new(centers, Mat::zeros(0, dim), 0, 1.0, vec![true; seeds.len()]);
    let n_points = x.nrows();
    let mut labels = vec![0; n_points];
    let mut best = vec![0.0; n_points];
    // Keeping label 0 on a tie is the same as taking the lowest index, so the ordinary
    // assignment step with every point "in" cluster 0 gives ties to the lowest seed index.
    let current = vec![0; n_points];
    let pool = WorkspacePool::default();
    assign(
        &params,
        x,
        row_norms,
        &current,
        &mut labels,
        &mut best,
        &pool,
    );
    labels
}

impl Problem<'_> {
    /// Runs the Lloyd iteration from `labels` until it stops.
    fn run(&self, mut labels: Vec<usize>) -> Result<Restart> {
        let n_points = self.x.nrows();
        let mut grouped = GroupedMembers::new(n_points, self.x.ncols(), self.n_clusters);
        let mut next = vec![0usize; n_points];
        let mut point_losses = vec![0.0; n_points];
        let mut trace = LossTrace::default();
        let mut n_reseeded = 0;
        let pool = WorkspacePool::default();

        // Given labels may leave a cluster empty: fit the others, then re-seed it from the
        // worst-fitting point before the first real update.
        if (0..self.n_clusters).any(|j| !labels.contains(&j)) {
            let (params, _) = self.update(&mut grouped, &labels, None, 0)?;
            self.current_losses(&params, &labels, &mut point_losses);
            n_reseeded += reseed_empty_clusters(&mut labels, &mut point_losses, self.n_clusters);
        }

        let (mut params, mut eigenvalues) = self.update(&mut grouped, &labels, None, 0)?;
        let mut step = assign(
            &params,
            self.x,
            self.row_norms,
            &labels,
            &mut next,
            &mut point_losses,
            &pool,
        );
        let mut loss = step.current_loss;
        trace.after_update.push(loss);

        let mut n_iter = 0;
        let mut converged = false;
        while n_iter < self.max_iter {
            n_iter += 1;
            trace.after_assignment.push(step.best_loss);
            n_reseeded += reseed_empty_clusters(&mut next, &mut point_losses, self.n_clusters);
            if next == labels {
                converged = true;
                break;
            }
            let changed = changed_clusters(&labels, &next, self.n_clusters);
            std::mem::swap(&mut labels, &mut next);

            let previous = Previous {
                params: &params,
                eigenvalues: &eigenvalues,
                changed: &changed,
            };
            (params, eigenvalues) = self.update(&mut grouped, &labels, Some(previous), n_iter)?;
            step = assign(
                &params,
                self.x,
                self.row_norms,
                &labels,
                &mut next,
                &mut point_losses,
                &pool,
            );
            let previous = loss;
            loss = step.current_loss;
            trace.after_update.push(loss);
            debug_assert!(
                loss <= previous + 1e-9 * trace.after_update[0].abs().max(f64::MIN_POSITIVE),
                "Lloyd loss increased from {previous} to {loss} at iteration {n_iter}"
            );

            let decrease = if previous > 0.0 {
                (previous - loss) / previous
            } else {
                0.0
            };
            if decrease < self.tol {
                converged = true;
                break;
            }
        }

        let cluster_sizes = (0..self.n_clusters).map(|j| grouped.count(j)).collect();
        Ok(Restart {
            labels,
            params,
            eigenvalues,
            cluster_sizes,
            loss,
            n_iter,
            converged,
            n_reseeded,
            trace,
        })
    }

    /// Overwrites `losses` with each point's loss at its current label.
    fn current_losses(&self, params: &ClusterParams, labels: &[usize], losses: &mut [f64]) {
        let n_clusters = self.n_clusters;
        let block = assign::ASSIGN_BLOCK_ROWS;
        losses.par_chunks_mut(block).enumerate().for_each_init(
            || params.workspace(block),
            |workspace, (b, out)| {
                let start = b * block;
                let len = out.len();
                let mut all = vec![0.0; len * n_clusters];
                params.block_losses(
                    self.x.subrows(start, len),
                    &self.row_norms[start..start + len],
                    &mut all,
                    workspace,
                );
                for i in 0..len {
                    out[i] = all[i * n_clusters + labels[start + i]];
                }
            },
        );
    }

    /// The update half-step: centers are the member means, bases the top-h eigenvectors of the
    /// member scatter matrices. Returns the parameters and each cluster's top-h eigenvalues.
    ///
    /// With `previous`, clusters whose membership did not change keep their center, basis and
    /// eigenvalues: recomputing them from the same members in the same order would give the
    /// same bits.
    fn update(
        &self,
        grouped: &mut GroupedMembers,
        labels: &[usize],
        previous: Option<Previous<'_>>,
        iteration: usize,
    ) -> Result<(ClusterParams, Vec<Vec<f64>>)> {
        let recompute = match &previous {
            Some(previous) if self.reuse_unchanged => previous.changed.to_vec(),
            _ => vec![true; self.n_clusters],
        };
        self.statistics(grouped, labels, &recompute);
        self.eigen_step(grouped, &recompute, previous, iteration)
    }

    /// Groups the points by label and computes, for each cluster marked in `recompute`, the
    /// mean and, where the eigen step needs it, the scatter matrix.
    fn statistics(&self, grouped: &mut GroupedMembers, labels: &[usize], recompute: &[bool]) {
        let dim = self.x.ncols();
        let h = self.latent_dim;
        grouped.group(labels);
        let requested: Vec<Moments> = (0..self.n_clusters)
            .map(|j| {
                let count = grouped.count(j);
                if !recompute[j] {
                    Moments::Keep
                } else if h == 0 || count == 0 || uses_thin_svd(count, dim, h) {
                    // A cluster with fewer members than dimensions takes the thin SVD of its
                    // members instead of a scatter matrix.
                    Moments::Mean
                } else {
                    Moments::Scatter
                }
            })
            .collect();
        grouped.compute(self.rows, &requested);
    }

    /// Takes the top-h eigenvectors of each cluster marked in `recompute` and bundles them
    /// with the centers; the other clusters keep theirs from `previous`.
    fn eigen_step(
        &self,
        grouped: &GroupedMembers,
        recompute: &[bool],
        previous: Option<Previous<'_>>,
        iteration: usize,
    ) -> Result<(ClusterParams, Vec<Vec<f64>>)> {
        let dim = self.x.ncols();
        let h = self.latent_dim;
        let centers = grouped.means.clone();
        let active: Vec<bool> = (0..self.n_clusters).map(|j| grouped.count(j) > 0).collect();
        if h == 0 {
            let params = ClusterParams::new(centers, Mat::zeros(0, dim), 0, self.lambda, active);
            return Ok((params, vec![Vec::new(); self.n_clusters]));
        }

        let results: Vec<Result<Option<TopBasis>>> = (0..self.n_clusters)
            .into_par_iter()
            .map(|j| {
                if !recompute[j] {
                    return Ok(None);
                }
                let top = if grouped.count(j) == 0 {
                    // Only reachable before re-seeding; any orthonormal rows will do.
                    Ok(TopBasis {
                        basis: Mat::from_fn(h, dim, |k, c| if k == c { 1.0 } else { 0.0 }),
                        eigenvalues: vec![0.0; h],
                    })
                } else {
                    // The subspace iteration from the previous basis is tried first for large d;
                    // the dense solvers decide when it does not converge.
                    let warm_start = |operator| {
                        previous
                            .as_ref()
                            .filter(|_| dim >= WARM_START_MIN_DIM && 2 * h <= dim)
                            .and_then(|previous| {
                                top_basis_warm(operator, previous.params.bases.subrows(j * h, h))
                            })
                    };
                    match grouped.scatter(j) {
                        Some(scatter) => match warm_start(ScatterOperator::Matrix(scatter)) {
                            Some(top) => Ok(top),
                            None => top_basis_from_scatter(scatter, h),
                        },
                        None => {
                            let members = grouped.centered_members(self.rows, j);
                            match warm_start(ScatterOperator::Members(members.as_ref())) {
                                Some(top) => Ok(top),
                                None => top_basis_from_members(members.as_ref(), h),
                            }
                        }
                    }
                };
                top.map(Some).map_err(|failure| Error::DecompositionFailed {
                    decomposition: failure.name(),
                    cluster: Some(j),
                    iteration,
                })
            })
            .collect();

        let mut bases = Mat::zeros(self.n_clusters * h, dim);
        let mut eigenvalues = Vec::with_capacity(self.n_clusters);
        for (j, result) in results.into_iter().enumerate() {
            match result? {
                Some(top) => {
                    for k in 0..h {
                        for c in 0..dim {
                            bases[(j * h + k, c)] = top.basis[(k, c)];
                        }
                    }
                    eigenvalues.push(top.eigenvalues);
                }
                None => {
                    let previous = previous
                        .as_ref()
                        .expect("a reused cluster has a previous fit");
                    for r in j * h..(j + 1) * h {
                        for c in 0..dim {
                            bases[(r, c)] = previous.params.bases[(r, c)];
                        }
                    }
                    eigenvalues.push(previous.eigenvalues[j].clone());
                }
            }
        }
        let params = ClusterParams::new(centers, bases, h, self.lambda, active);
        Ok((params, eigenvalues))
    }
}

/// The fit of the previous update and which clusters have changed members since.
struct Previous<'a> {
    params: &'a ClusterParams,
    eigenvalues: &'a [Vec<f64>],
    changed: &'a [bool],
}

/// Marks every cluster that a point entered or left between `before` and `after`.
fn changed_clusters(before: &[usize], after: &[usize], n_clusters: usize) -> Vec<bool> {
    let mut changed = vec![false; n_clusters];
    for (&a, &b) in before.iter().zip(after) {
        if a != b {
            changed[a] = true;
            changed[b] = true;
        }
    }
    changed
}

/// Moves a restart's result back to the data's own coordinates.
fn build_model(best: Restart, offset: &[f64], params: &ValidParams) -> TaeModel {
    let n_clusters = params.n_clusters();
    let h = params.latent_dim();
    let dim = offset.len();
    let centers = Mat::from_fn(n_clusters, dim, |j, c| {
        best.params.centers[(j, c)] + offset[c]
    });
    let bases = (0..n_clusters)
        .map(|j| Mat::from_fn(h, dim, |k, c| best.params.bases[(j * h + k, c)]))
        .collect();
    let summary = FitSummary {
        labels: best.labels,
        cluster_sizes: best.cluster_sizes,
        loss: best.loss,
        n_iter: best.n_iter,
        converged: best.converged,
        n_reseeded: best.n_reseeded,
        loss_trace: best.trace,
        scatter_eigenvalues: best.eigenvalues,
    };
    TaeModel::from_fit(centers, bases, params.lambda(), summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planted::PlantedMixture;

    /// Runs one restart on planted data (6 clusters of 3-dimensional subspaces in ℝ¹⁰),
    /// starting from labels that mix the clusters, so that the Lloyd iteration takes several
    /// steps in which only some clusters change.
    fn restart(reuse_unchanged: bool) -> Restart {
        let data = PlantedMixture::random_subspaces(3000, 10, 6, 3, 4)
            .and_then(|mixture| mixture.sample(5))
            .expect("valid planted mixture")
            .data;
        let (_, centered, row_norms) = center_data(data.as_ref());
        let rows = stats::row_major(centered.as_ref());
        let problem = Problem {
            x: centered.as_ref(),
            rows: &rows,
            row_norms: &row_norms,
            n_clusters: 6,
            latent_dim: 3,
            lambda: 0.2,
            max_iter: 100,
            tol: 0.0,
            reuse_unchanged,
        };
        let start = kmeans_plus_plus_start(centered.as_ref(), &row_norms, 6, 9, 0);
        problem.run(start).expect("fit")
    }

    #[test]
    fn keeping_unchanged_clusters_gives_the_same_bits() {
        let reused = restart(true);
        let recomputed = restart(false);
        assert!(reused.n_iter >= 3, "only {} iterations", reused.n_iter);
        assert_eq!(reused.labels, recomputed.labels);
        assert_eq!(reused.n_iter, recomputed.n_iter);
        assert_eq!(reused.loss.to_bits(), recomputed.loss.to_bits());
        assert_eq!(reused.params.centers, recomputed.params.centers);
        assert_eq!(reused.params.bases, recomputed.params.bases);
        assert_eq!(reused.eigenvalues, recomputed.eigenvalues);
        let trace_bits = |r: &Restart| -> Vec<u64> {
            r.trace.after_update.iter().map(|v| v.to_bits()).collect()
        };
        assert_eq!(trace_bits(&reused), trace_bits(&recomputed));
    }

    #[test]
    fn large_d_fit_matches_dense_eigenvectors() {
        // d = 80 takes the warm-started eigen step; the start labels mix the clusters, so
        // that the fit runs several iterations with a previous basis to start from.
        let (n_points, dim, n_clusters, h) = (2000, 80, 4, 3);
        let data = PlantedMixture::random_subspaces(n_points, dim, n_clusters, h, 6)
            .and_then(|mixture| mixture.sample(7))
            .expect("valid planted mixture")
            .data;
        let (_, centered, row_norms) = center_data(data.as_ref());
        let rows = stats::row_major(centered.as_ref());
        let problem = Problem {
            x: centered.as_ref(),
            rows: &rows,
            row_norms: &row_norms,
            n_clusters,
            latent_dim: h,
            lambda: 0.3,
            max_iter: 100,
            tol: 0.0,
            reuse_unchanged: true,
        };
        let start: Vec<usize> = (0..n_points)
            .map(|i| (i * 31 + i / 7) % n_clusters)
            .collect();
        let fit = problem.run(start).expect("fit");
        assert!(fit.n_iter >= 3, "only {} iterations", fit.n_iter);

        for j in 0..n_clusters {
            let members: Vec<usize> = (0..n_points).filter(|&i| fit.labels[i] == j).collect();
            let mean: Vec<f64> = (0..dim)
                .map(|c| {
                    members.iter().map(|&i| centered[(i, c)]).sum::<f64>() / members.len() as f64
                })
                .collect();
            let scatter = Mat::from_fn(dim, dim, |a, b| {
                members
                    .iter()
                    .map(|&i| (centered[(i, a)] - mean[a]) * (centered[(i, b)] - mean[b]))
                    .sum::<f64>()
            });
            let dense = top_basis_from_scatter(scatter.as_ref(), h).expect("dense solver");
            for k in 0..h {
                let relative =
                    (fit.eigenvalues[j][k] - dense.eigenvalues[k]).abs() / dense.eigenvalues[k];
                assert!(
                    relative < 1e-10,
                    "cluster {j}, eigenvalue {k}: {relative:e}"
                );
                let cosine: f64 = (0..dim)
                    .map(|c| fit.params.bases[(j * h + k, c)] * dense.basis[(k, c)])
                    .sum();
                assert!(
                    cosine > 1.0 - 1e-10,
                    "cluster {j}, vector {k}: cosine {cosine}"
                );
            }
        }
    }

    #[test]
    fn changed_clusters_marks_both_ends_of_each_move() {
        let changed = changed_clusters(&[0, 1, 2, 2, 3], &[0, 2, 2, 2, 3], 5);
        assert_eq!(changed, [false, true, true, false, false]);
    }
}
