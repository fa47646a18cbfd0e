//! The assignment step: every point's loss in every cluster, and the argmin.
//!
//! With data centered globally, the loss of point `x` in cluster `j` is expanded as
//!
//! ```text
//! ℓ_j(x) = ‖x‖² − 2 x·c_j + ‖c_j‖² − (1 − λ) ‖W_j x − W_j c_j‖²
//! ```
//!
//! so that a block of points needs two GEMMs: one against the `K × d` centers and one against
//! the `K·h × d` stacked bases. Blocks have a fixed number of rows, are processed in parallel,
//! and each GEMM runs sequentially inside its block, so every loss is computed the same way for
//! any number of threads. Losses a hair below zero from rounding are clamped to zero.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

/// Rows per assignment block: the `block × K·h` products of a block stay in cache.
pub(crate) const ASSIGN_BLOCK_ROWS: usize = 1024;

/// Centers and bases of K clusters, in the coordinates of the centered data.
#[derive(Debug, Clone)]
pub(crate) struct ClusterParams {
    /// `K × d` centers.
    pub centers: Mat<f64>,
    /// `K·h × d`: rows `j·h .. (j+1)·h` are the basis `W_j`.
    pub bases: Mat<f64>,
    /// h, the rows of each basis (0 for k-means).
    pub latent_dim: usize,
    /// λ, the weight of the latent distance to the center.
    pub lambda: f64,
    /// `‖c_j‖²` for each cluster.
    center_norms: Vec<f64>,
    /// `K·h`: the codes `W_j c_j` of the centers.
    projected_centers: Vec<f64>,
    /// False for a cluster without members: its loss is +∞ so no point picks it.
    pub active: Vec<bool>,
}

impl ClusterParams {
    /// Bundles centers and stacked bases and precomputes the terms every block reuses.
    pub fn new(
        centers: Mat<f64>,
        bases: Mat<f64>,
        latent_dim: usize,
        lambda: f64,
        active: Vec<bool>,
    ) -> Self {
        let n_clusters = centers.nrows();
        let dim = centers.ncols();
        let center_norms = (0..n_clusters)
            .map(|j| (0..dim).map(|c| centers[(j, c)] * centers[(j, c)]).sum())
            .collect();
        let projected_centers = (0..n_clusters * latent_dim)
            .map(|r| {
                let j = r / latent_dim;
                (0..dim).map(|c| bases[(r, c)] * centers[(j, c)]).sum()
            })
            .collect();
        ClusterParams {
            centers,
            bases,
            latent_dim,
            lambda,
            center_norms,
            projected_centers,
            active,
        }
    }

    /// Number of clusters K.
    pub fn n_clusters(&self) -> usize {
        self.centers.nrows()
    }

    /// Writes the losses of the points of `block` into `losses` (row-major, `rows × K`).
    pub fn block_losses(&self, block: MatRef<'_, f64>, row_norms: &[f64], losses: &mut [f64]) {
        let rows = block.nrows();
        let n_clusters = self.n_clusters();
        let h = self.latent_dim;

        let mut dots = Mat::<f64>::zeros(rows, n_clusters);
        matmul(
            dots.as_mut(),
            Accum::Replace,
            block,
            self.centers.transpose(),
            1.0,
            Par::Seq,
        );
        let mut codes = Mat::<f64>::zeros(rows, n_clusters * h);
        if h > 0 {
            matmul(
                codes.as_mut(),
                Accum::Replace,
                block,
                self.bases.transpose(),
                1.0,
                Par::Seq,
            );
        }

        let shrink = 1.0 - self.lambda;
        for i in 0..rows {
            for j in 0..n_clusters {
                let loss = if self.active[j] {
                    let distance = row_norms[i] - 2.0 * dots[(i, j)] + self.center_norms[j];
                    let mut latent = 0.0;
                    for k in 0..h {
                        let diff = codes[(i, j * h + k)] - self.projected_centers[j * h + k];
                        latent += diff * diff;
                    }
                    (distance - shrink * latent).max(0.0)
                } else {
                    f64::INFINITY
                };
                losses[i * n_clusters + j] = loss;
            }
        }
    }
}

/// Output of one assignment step.
pub(crate) struct Assignment {
    /// Sum over points of the loss at the label each point had before the step.
    pub current_loss: f64,
    /// Sum over points of the smallest loss, the loss after the step.
    pub best_loss: f64,
}

/// Assigns every point of `x` to its lowest-loss cluster.
///
/// A point keeps its current label when that label is still a minimiser, which prevents
/// cycling between equal-loss labelings. Other ties go to the lowest cluster index.
/// `best` receives each point's smallest loss.
pub(crate) fn assign(
    params: &ClusterParams,
    x: MatRef<'_, f64>,
    row_norms: &[f64],
    current: &[usize],
    labels: &mut [usize],
    best: &mut [f64],
) -> Assignment {
    let n_clusters = params.n_clusters();
    let sums: Vec<(f64, f64)> = labels
        .par_chunks_mut(ASSIGN_BLOCK_ROWS)
        .zip(best.par_chunks_mut(ASSIGN_BLOCK_ROWS))
        .enumerate()
        .map(|(b, (labels, best))| {
            let start = b * ASSIGN_BLOCK_ROWS;
            let rows = labels.len();
            let mut losses = vec![0.0; rows * n_clusters];
            params.block_losses(
                x.subrows(start, rows),
                &row_norms[start..start + rows],
                &mut losses,
            );

            let mut current_sum = 0.0;
            let mut best_sum = 0.0;
            for i in 0..rows {
                let row = &losses[i * n_clusters..(i + 1) * n_clusters];
                let (argmin, min) = argmin_keeping(row, current[start + i]);
                labels[i] = argmin;
                best[i] = min;
                current_sum += row[current[start + i]];
                best_sum += min;
            }
            (current_sum, best_sum)
        })
        .collect();

    // Summing the per-block partials in block order keeps the total independent of threads.
    let (current_loss, best_loss) = sums.iter().fold((0.0, 0.0), |(c, b), &(block_c, block_b)| {
        (c + block_c, b + block_b)
    });
    Assignment {
        current_loss,
        best_loss,
    }
}

/// Returns the index and value of the minimum of `row`, preferring `keep` when it attains the
/// minimum and otherwise the lowest index.
pub(crate) fn argmin_keeping(row: &[f64], keep: usize) -> (usize, f64) {
    let mut argmin = 0;
    let mut min = row[0];
    for (j, &value) in row.iter().enumerate().skip(1) {
        if value < min {
            argmin = j;
            min = value;
        }
    }
    if keep < row.len() && row[keep] == min {
        argmin = keep;
    }
    (argmin, min)
}

/// Moves one point into each empty cluster, taking the point with the largest loss among those
/// whose cluster keeps at least one other member (ties to the lowest point index). Returns the
/// number of clusters re-seeded.
pub(crate) fn reseed_empty_clusters(
    labels: &mut [usize],
    losses: &mut [f64],
    n_clusters: usize,
) -> usize {
    let mut counts = vec![0usize; n_clusters];
    for &label in labels.iter() {
        counts[label] += 1;
    }
    let mut reseeded = 0;
    for j in 0..n_clusters {
        if counts[j] > 0 {
            continue;
        }
        // n ≥ K guarantees that some cluster has two members while one is empty.
        let donor = (0..labels.len()).filter(|&i| counts[labels[i]] >= 2).fold(
            None,
            |best: Option<usize>, i| match best {
                Some(b) if losses[b] >= losses[i] => Some(b),
                _ => Some(i),
            },
        );
        if let Some(i) = donor {
            counts[labels[i]] -= 1;
            labels[i] = j;
            counts[j] = 1;
            // A point alone in its cluster costs nothing once the center moves onto it.
            losses[i] = 0.0;
            reseeded += 1;
        }
    }
    reseeded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmin_prefers_current_label_on_tie() {
        assert_eq!(argmin_keeping(&[1.0, 0.5, 0.5], 2), (2, 0.5));
        assert_eq!(argmin_keeping(&[1.0, 0.5, 0.5], 0), (1, 0.5));
        assert_eq!(argmin_keeping(&[0.5, 0.5, 0.5], 1), (1, 0.5));
    }

    #[test]
    fn block_losses_match_hand_computation() {
        // One cluster centered at (1, 0) with basis e1, λ = 0.25; the point (3, 2) has
        // ‖x − c‖² = 4 + 4 = 8 and ‖W(x − c)‖² = 4, so ℓ = 8 − 0.75 · 4 = 5.
        let centers = Mat::from_fn(1, 2, |_, c| [1.0, 0.0][c]);
        let bases = Mat::from_fn(1, 2, |_, c| [1.0, 0.0][c]);
        let params = ClusterParams::new(centers, bases, 1, 0.25, vec![true]);
        let x = Mat::from_fn(1, 2, |_, c| [3.0, 2.0][c]);
        let mut losses = [0.0];
        params.block_losses(x.as_ref(), &[13.0], &mut losses);
        assert!((losses[0] - 5.0).abs() < 1e-14);
    }

    #[test]
    fn reseed_takes_worst_point_of_shared_cluster() {
        // Cluster 1 is empty. Point 2 has the largest loss but is alone in cluster 2, so the
        // donor is point 1, the worst of cluster 0.
        let mut labels = [0, 0, 2, 0];
        let mut losses = [1.0, 3.0, 9.0, 2.0];
        let moved = reseed_empty_clusters(&mut labels, &mut losses, 3);
        assert_eq!(moved, 1);
        assert_eq!(labels, [0, 1, 2, 0]);
        assert_eq!(losses[1], 0.0);
    }
}
