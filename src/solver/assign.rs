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

    /// Allocates the scratch space [`ClusterParams::block_losses`] needs for up to `rows` points.
    pub fn workspace(&self, rows: usize) -> BlockWorkspace {
        BlockWorkspace {
            dots: Mat::zeros(rows, self.n_clusters()),
            codes: Mat::zeros(rows, self.n_clusters() * self.latent_dim),
            column: vec![0.0; rows],
        }
    }

    /// Writes the losses of the points of `block` into `losses` (row-major, `rows × K`).
    ///
    /// `block` must have contiguous columns (unit row stride), as every matrix the crate
    /// builds does, and at most as many rows as `workspace` was sized for.
    pub fn block_losses(
        &self,
        block: MatRef<'_, f64>,
        row_norms: &[f64],
        losses: &mut [f64],
        workspace: &mut BlockWorkspace,
    ) {
        let rows = block.nrows();
        let n_clusters = self.n_clusters();
        let h = self.latent_dim;

        let mut dots = workspace.dots.as_mut().subrows_mut(0, rows);
        matmul(
            dots.as_mut(),
            Accum::Replace,
            block,
            self.centers.transpose(),
            1.0,
            Par::Seq,
        );
        let mut codes = workspace.codes.as_mut().subrows_mut(0, rows);
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

        // Column by column, so that every inner loop runs over contiguous memory.
        let shrink = 1.0 - self.lambda;
        let column = &mut workspace.column[..rows];
        for j in 0..n_clusters {
            if !self.active[j] {
                for i in 0..rows {
                    losses[i * n_clusters + j] = f64::INFINITY;
                }
                continue;
            }
            let dot = contiguous(dots.as_ref(), j);
            let center_norm = self.center_norms[j];
            for ((value, &norm), &d) in column.iter_mut().zip(row_norms).zip(dot) {
                *value = norm - 2.0 * d + center_norm;
            }
            for k in 0..h {
                let code = contiguous(codes.as_ref(), j * h + k);
                let projected = self.projected_centers[j * h + k];
                for (value, &z) in column.iter_mut().zip(code) {
                    let diff = z - projected;
                    *value -= shrink * diff * diff;
                }
            }
            for (i, &value) in column.iter().enumerate() {
                losses[i * n_clusters + j] = value.max(0.0);
            }
        }
    }
}

/// Scratch matrices for [`ClusterParams::block_losses`], reused across blocks.
pub(crate) struct BlockWorkspace {
    /// `rows × K`: inner products with the centers.
    dots: Mat<f64>,
    /// `rows × K·h`: codes in every basis.
    codes: Mat<f64>,
    /// One column of losses.
    column: Vec<f64>,
}

/// Column `j` of `m` as a slice; the crate's matrices always have unit row stride.
pub(crate) fn contiguous(m: MatRef<'_, f64>, j: usize) -> &[f64] {
    m.col(j)
        .try_as_col_major()
        .expect("matrices built by the crate have contiguous columns")
        .as_slice()
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
        .map_init(
            || {
                let workspace = params.workspace(ASSIGN_BLOCK_ROWS);
                (workspace, vec![0.0; ASSIGN_BLOCK_ROWS * n_clusters])
            },
            |(workspace, losses), (b, (labels, best))| {
                let start = b * ASSIGN_BLOCK_ROWS;
                let rows = labels.len();
                let losses = &mut losses[..rows * n_clusters];
                params.block_losses(
                    x.subrows(start, rows),
                    &row_norms[start..start + rows],
                    losses,
                    workspace,
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
            },
        )
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
        let mut workspace = params.workspace(1);
        params.block_losses(x.as_ref(), &[13.0], &mut losses, &mut workspace);
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
