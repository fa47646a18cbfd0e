//! The assignment step: every point's loss in every cluster, and the argmin.
//!
//! With data centered globally, the loss of point `x` in cluster `j` is expanded as
//!
//! ```text
//! ℓ_j(x) = ‖x‖² − 2 x·c_j + ‖c_j‖² − (1 − λ) ‖W_j x − W_j c_j‖²
//! ```
//!
//! so that a block of points needs one GEMM, against the `(K + K·h) × d` matrix that stacks the
//! centers above the bases. The argmin is then taken column by column (cluster by cluster) over
//! the block, so the `block × K` losses are never stored. Blocks have a fixed number of rows,
//! are processed in parallel, and each GEMM runs sequentially inside its block, so every loss is
//! computed the same way for any number of threads. Losses a hair below zero from rounding are
//! clamped to zero.
//!
//! On CPUs with AVX-512F, [`super::assign_avx512`] replaces the GEMM and the column-wise argmin
//! for column-major blocks, with the same loss arithmetic. Its products round differently from
//! faer's, so results can differ in the last bits between CPUs with and without AVX-512.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
use super::assign_avx512;
use super::pool::Pool;
use super::simd::with_wide_simd;

/// Rows per assignment block: the `block × (K + K·h)` products of a block stay in cache.
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
    /// `(K + K·h) × d`: the centers above the bases, the right factor of the one GEMM.
    stacked: Mat<f64>,
    /// `‖c_j‖²` for each cluster.
    center_norms: Vec<f64>,
    /// `K·h`: the codes `W_j c_j` of the centers.
    projected_centers: Vec<f64>,
    /// `K × d × (1 + h)`: each cluster's center and basis entries, coordinate by coordinate,
    /// the layout the AVX-512 kernels read.
    coefficients: Vec<f64>,
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
        let stacked = Mat::from_fn(n_clusters * (1 + latent_dim), dim, |r, c| {
            if r < n_clusters {
                centers[(r, c)]
            } else {
                bases[(r - n_clusters, c)]
            }
        });
        let width = 1 + latent_dim;
        let mut coefficients = vec![0.0; n_clusters * dim * width];
        for j in 0..n_clusters {
            for c in 0..dim {
                let start = (j * dim + c) * width;
                coefficients[start] = centers[(j, c)];
                for k in 0..latent_dim {
                    coefficients[start + 1 + k] = bases[(j * latent_dim + k, c)];
                }
            }
        }
        ClusterParams {
            centers,
            bases,
            latent_dim,
            lambda,
            stacked,
            center_norms,
            projected_centers,
            coefficients,
            active,
        }
    }

    /// Number of clusters K.
    pub fn n_clusters(&self) -> usize {
        self.centers.nrows()
    }

    /// Allocates the scratch space the block methods need for up to `rows` points.
    pub fn workspace(&self, rows: usize) -> BlockWorkspace {
        BlockWorkspace {
            products: Mat::zeros(rows, self.stacked.nrows()),
            column: vec![0.0; rows],
            current_losses: vec![0.0; rows],
        }
    }

    /// Returns the view of the parameters that the AVX-512 kernels read.
    #[cfg(target_arch = "x86_64")]
    fn kernel_coefficients(&self) -> assign_avx512::Coefficients<'_> {
        assign_avx512::Coefficients {
            values: &self.coefficients,
            n_clusters: self.n_clusters(),
            dim: self.centers.ncols(),
            latent_dim: self.latent_dim,
            center_norms: &self.center_norms,
            projected_centers: &self.projected_centers,
            shrink: 1.0 - self.lambda,
            active: &self.active,
        }
    }

    /// Returns `block` as the AVX-512 kernels read it, when the CPU has AVX-512F and the block
    /// has contiguous columns. Otherwise the block takes the faer and portable path.
    #[cfg(target_arch = "x86_64")]
    fn kernel_block<'a>(&self, block: MatRef<'a, f64>) -> Option<assign_avx512::Block<'a>> {
        if assign_avx512::is_available() {
            assign_avx512::Block::new(block)
        } else {
            None
        }
    }

    /// Fills the workspace with the products of `block` and the stacked centers and bases:
    /// column `j < K` contains `x·c_j`, column `K + j·h + k` the code `(W_j x)_k`.
    ///
    /// With AVX-512 the products come from the kernel that [`ClusterParams::block_assign`]
    /// uses, so that losses from them match its losses bit for bit.
    fn products(&self, block: MatRef<'_, f64>, workspace: &mut BlockWorkspace) {
        let rows = block.nrows();
        #[cfg(target_arch = "x86_64")]
        if let Some(kernel_block) = self.kernel_block(block) {
            assign_avx512::products(
                &self.kernel_coefficients(),
                kernel_block,
                workspace.products.as_mut(),
            );
            return;
        }
        matmul(
            workspace.products.as_mut().subrows_mut(0, rows),
            Accum::Replace,
            block,
            self.stacked.transpose(),
            1.0,
            Par::Seq,
        );
    }

    /// Writes the losses in cluster `j` of the block whose products are in `workspace` into
    /// `workspace.column` (the first `row_norms.len()` entries).
    ///
    /// Every inner loop runs down one contiguous column, which the compiler vectorises.
    #[inline(always)]
    fn column_losses(&self, j: usize, row_norms: &[f64], workspace: &mut BlockWorkspace) {
        let rows = row_norms.len();
        let n_clusters = self.n_clusters();
        let h = self.latent_dim;
        let shrink = 1.0 - self.lambda;
        let products = workspace.products.as_ref().subrows(0, rows);
        let column = &mut workspace.column[..rows];

        let dot = contiguous(products, j);
        let center_norm = self.center_norms[j];
        for ((value, &norm), &d) in column.iter_mut().zip(row_norms).zip(dot) {
            *value = norm - 2.0 * d + center_norm;
        }
        for k in 0..h {
            let code = contiguous(products, n_clusters + j * h + k);
            let projected = self.projected_centers[j * h + k];
            for (value, &z) in column.iter_mut().zip(code) {
                let diff = z - projected;
                *value -= shrink * diff * diff;
            }
        }
        for value in column.iter_mut() {
            *value = value.max(0.0);
        }
    }

    /// Writes the losses of the points of `block` into `losses` (row-major, `rows × K`).
    ///
    /// `block` may have any layout, and at most as many rows as `workspace` was sized for.
    pub fn block_losses(
        &self,
        block: MatRef<'_, f64>,
        row_norms: &[f64],
        losses: &mut [f64],
        workspace: &mut BlockWorkspace,
    ) {
        let n_clusters = self.n_clusters();
        self.products(block, workspace);
        for j in 0..n_clusters {
            if self.active[j] {
                self.column_losses(j, row_norms, workspace);
            } else {
                workspace.column.fill(f64::INFINITY);
            }
            for (i, &value) in workspace.column[..row_norms.len()].iter().enumerate() {
                losses[i * n_clusters + j] = value;
            }
        }
    }

    /// Assigns the points of `block` to their lowest-loss clusters, by the rule of [`assign`].
    ///
    /// `current`, `labels` and `best` have one entry per row of `block`; `best` receives each
    /// point's smallest loss. Returns the sums of the losses at the current labels and of the
    /// smallest losses, each taken in row order.
    pub fn block_assign(
        &self,
        block: MatRef<'_, f64>,
        row_norms: &[f64],
        current: &[usize],
        labels: &mut [usize],
        best: &mut [f64],
        workspace: &mut BlockWorkspace,
    ) -> (f64, f64) {
        let rows = row_norms.len();
        let mut done = false;
        #[cfg(target_arch = "x86_64")]
        if let Some(kernel_block) = self.kernel_block(block) {
            assign_avx512::assign(
                &self.kernel_coefficients(),
                kernel_block,
                row_norms,
                current,
                labels,
                best,
                &mut workspace.current_losses[..rows],
            );
            done = true;
        }
        if !done {
            self.products(block, workspace);
            self.argmin_over_clusters(row_norms, current, labels, best, workspace);
        }

        let mut current_sum = 0.0;
        let mut best_sum = 0.0;
        for i in 0..rows {
            let current_loss = workspace.current_losses[i];
            if current_loss == best[i] {
                labels[i] = current[i];
            }
            current_sum += current_loss;
            best_sum += best[i];
        }
        (current_sum, best_sum)
    }

    /// Takes the column-wise argmin of [`ClusterParams::block_assign`] on the products already
    /// in `workspace`. `best` receives the smallest losses and `workspace.current_losses` the
    /// losses at the current labels.
    ///
    /// Runs with the widest vectors the CPU has (see [`with_wide_simd`]).
    fn argmin_over_clusters(
        &self,
        row_norms: &[f64],
        current: &[usize],
        labels: &mut [usize],
        best: &mut [f64],
        workspace: &mut BlockWorkspace,
    ) {
        with_wide_simd(
            #[inline(always)]
            || self.argmin_over_clusters_portable(row_norms, current, labels, best, workspace),
        );
    }

    /// Runs the body of [`ClusterParams::argmin_over_clusters`], for any target.
    #[inline(always)]
    fn argmin_over_clusters_portable(
        &self,
        row_norms: &[f64],
        current: &[usize],
        labels: &mut [usize],
        best: &mut [f64],
        workspace: &mut BlockWorkspace,
    ) {
        let rows = row_norms.len();
        // An inactive cluster's loss is +∞: it never wins and no point is currently in it.
        best.fill(f64::INFINITY);
        labels.fill(0);
        workspace.current_losses[..rows].fill(f64::INFINITY);
        for j in (0..self.n_clusters()).filter(|&j| self.active[j]) {
            self.column_losses(j, row_norms, workspace);
            let column = &workspace.column[..rows];
            let current_losses = &mut workspace.current_losses[..rows];
            // Selects rather than branches, so that the loop vectorises.
            for ((((&value, &now), current_loss), min), label) in column
                .iter()
                .zip(current)
                .zip(current_losses.iter_mut())
                .zip(best.iter_mut())
                .zip(labels.iter_mut())
            {
                *current_loss = if now == j { value } else { *current_loss };
                // Strictly smaller: among equal losses the lowest index stays.
                let smaller = value < *min;
                *min = if smaller { value } else { *min };
                *label = if smaller { j } else { *label };
            }
        }
    }
}

/// Scratch space for the block methods of [`ClusterParams`], reused across blocks.
pub(crate) struct BlockWorkspace {
    /// `rows × (K + K·h)`: inner products with the centers, then codes in every basis.
    products: Mat<f64>,
    /// One column of losses.
    column: Vec<f64>,
    /// Each point's loss at its current label.
    current_losses: Vec<f64>,
}

/// Block workspaces kept from one assignment step to the next, so that the steps of a fit
/// allocate them only once.
pub(crate) type WorkspacePool = Pool<BlockWorkspace>;

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
/// `best` receives each point's smallest loss. The block workspaces come from `pool`.
pub(crate) fn assign(
    params: &ClusterParams,
    x: MatRef<'_, f64>,
    row_norms: &[f64],
    current: &[usize],
    labels: &mut [usize],
    best: &mut [f64],
    pool: &WorkspacePool,
) -> Assignment {
    let sums: Vec<(f64, f64)> = labels
        .par_chunks_mut(ASSIGN_BLOCK_ROWS)
        .zip(best.par_chunks_mut(ASSIGN_BLOCK_ROWS))
        .enumerate()
        .map(|(b, (labels, best))| {
            let start = b * ASSIGN_BLOCK_ROWS;
            let rows = labels.len();
            let mut workspace = pool.take(
                |workspace| workspace.products.ncols() == params.stacked.nrows(),
                || params.workspace(ASSIGN_BLOCK_ROWS),
            );
            let sums = params.block_assign(
                x.subrows(start, rows),
                &row_norms[start..start + rows],
                &current[start..start + rows],
                labels,
                best,
                &mut workspace,
            );
            pool.give_back(workspace);
            sums
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
#[cfg(test)]
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
    fn block_assign_matches_row_argmin() {
        // Points on a small integer grid and two identical clusters produce exact ties;
        // cluster 2 is inactive. The column-wise argmin must agree with the row rule.
        let centers = Mat::from_fn(4, 2, |j, c| {
            [[0.0, 0.0], [0.0, 0.0], [9.0, 9.0], [2.0, 1.0]][j][c]
        });
        let bases = Mat::from_fn(4, 2, |r, c| {
            [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]][r][c]
        });
        let params = ClusterParams::new(centers, bases, 1, 0.5, vec![true, true, false, true]);
        let x = Mat::from_fn(25, 2, |i, c| {
            [(i % 5) as f64 - 2.0, (i / 5) as f64 - 2.0][c]
        });
        let norms: Vec<f64> = (0..25)
            .map(|i| x[(i, 0)].powi(2) + x[(i, 1)].powi(2))
            .collect();
        let current: Vec<usize> = (0..25).map(|i| [0, 1, 3][i % 3]).collect();

        let mut workspace = params.workspace(25);
        let mut losses = vec![0.0; 25 * 4];
        params.block_losses(x.as_ref(), &norms, &mut losses, &mut workspace);
        let mut labels = vec![0; 25];
        let mut best = vec![0.0; 25];
        let (current_sum, best_sum) = params.block_assign(
            x.as_ref(),
            &norms,
            &current,
            &mut labels,
            &mut best,
            &mut workspace,
        );

        let mut ties = 0;
        for i in 0..25 {
            let row = &losses[i * 4..(i + 1) * 4];
            assert_eq!(row[2], f64::INFINITY);
            ties += usize::from(row[0] == row[1] && row[0] == best[i]);
            assert_eq!(
                (labels[i], best[i]),
                argmin_keeping(row, current[i]),
                "point {i}"
            );
        }
        assert!(
            ties > 0,
            "the grid must produce ties between clusters 0 and 1"
        );
        let expected_current: f64 = (0..25).map(|i| losses[i * 4 + current[i]]).sum();
        assert_eq!(current_sum, expected_current);
        assert_eq!(best_sum, best.iter().sum::<f64>());
    }

    #[test]
    fn vectorised_and_portable_argmin_agree_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let (n, d, k, h) = (301, 5, 4, 2);
        let x: Mat<f64> = Mat::from_fn(n, d, |_, _| rng.random_range(-3.0..3.0));
        let centers = Mat::from_fn(k, d, |_, _| rng.random_range(-1.0..1.0));
        let bases = Mat::from_fn(k * h, d, |_, _| rng.random_range(-0.5..0.5));
        let params = ClusterParams::new(centers, bases, h, 0.3, vec![true, false, true, true]);
        let norms: Vec<f64> = (0..n)
            .map(|i| (0..d).map(|c| x[(i, c)].powi(2)).sum())
            .collect();
        let current: Vec<usize> = (0..n).map(|i| [0, 2, 3][i % 3]).collect();

        let mut workspace = params.workspace(n);
        params.products(x.as_ref(), &mut workspace);
        let (mut labels, mut best) = (vec![0; n], vec![0.0; n]);
        params.argmin_over_clusters(&norms, &current, &mut labels, &mut best, &mut workspace);
        let current_losses = workspace.current_losses.clone();
        let (mut portable_labels, mut portable_best) = (vec![0; n], vec![0.0; n]);
        params.argmin_over_clusters_portable(
            &norms,
            &current,
            &mut portable_labels,
            &mut portable_best,
            &mut workspace,
        );

        assert_eq!(labels, portable_labels);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&best), bits(&portable_best));
        assert_eq!(bits(&current_losses), bits(&workspace.current_losses));
    }

    /// Random parameters, points and current labels for the kernel comparisons, with cluster 1
    /// inactive.
    #[cfg(target_arch = "x86_64")]
    fn random_problem(
        n: usize,
        d: usize,
        h: usize,
        seed: u64,
    ) -> (ClusterParams, Mat<f64>, Vec<f64>, Vec<usize>) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let k = 4;
        let x: Mat<f64> = Mat::from_fn(n, d, |_, _| rng.random_range(-3.0..3.0));
        let centers = Mat::from_fn(k, d, |_, _| rng.random_range(-1.0..1.0));
        let bases = Mat::from_fn(k * h, d, |_, _| rng.random_range(-0.5..0.5));
        let params = ClusterParams::new(centers, bases, h, 0.3, vec![true, false, true, true]);
        let norms = (0..n)
            .map(|i| (0..d).map(|c| x[(i, c)].powi(2)).sum())
            .collect();
        let current = (0..n).map(|i| [0, 2, 3][i % 3]).collect();
        (params, x, norms, current)
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn avx512_products_match_faer() {
        if !assign_avx512::is_available() {
            eprintln!("skipped: this CPU has no AVX-512F");
            return;
        }
        // h = 9 needs two passes of at most 8 products, and 301 points end in a partial tile.
        for (d, h) in [(7, 0), (7, 2), (12, 9)] {
            let (params, x, _, _) = random_problem(301, d, h, 11);
            let mut workspace = params.workspace(301);
            params.products(x.as_ref(), &mut workspace);
            let expected = x.as_ref() * params.stacked.transpose();
            for p in 0..params.stacked.nrows() {
                for i in 0..301 {
                    let (got, want) = (workspace.products[(i, p)], expected[(i, p)]);
                    assert!(
                        (got - want).abs() <= 1e-13 * (1.0 + want.abs()),
                        "d = {d}, h = {h}, product ({i}, {p}): {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn avx512_assignment_matches_products_path() {
        if !assign_avx512::is_available() {
            eprintln!("skipped: this CPU has no AVX-512F");
            return;
        }
        for (d, h) in [(7, 0), (7, 2), (12, 9)] {
            let (params, x, norms, current) = random_problem(301, d, h, 5);
            let mut workspace = params.workspace(301);

            let (mut labels, mut best) = (vec![0; 301], vec![0.0; 301]);
            params.block_assign(
                x.as_ref(),
                &norms,
                &current,
                &mut labels,
                &mut best,
                &mut workspace,
            );
            let fused_current = workspace.current_losses.clone();

            // The same products, stored, then the portable argmin over them.
            params.products(x.as_ref(), &mut workspace);
            let (mut expected_labels, mut expected_best) = (vec![0; 301], vec![0.0; 301]);
            params.argmin_over_clusters_portable(
                &norms,
                &current,
                &mut expected_labels,
                &mut expected_best,
                &mut workspace,
            );
            for i in 0..301 {
                if best[i] == fused_current[i] {
                    expected_labels[i] = current[i];
                }
            }

            assert_eq!(labels, expected_labels, "d = {d}, h = {h}: labels");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&best), bits(&expected_best), "d = {d}, h = {h}: best");
            assert_eq!(
                bits(&fused_current),
                bits(&workspace.current_losses),
                "d = {d}, h = {h}: current losses"
            );
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn avx512_block_rejects_row_major_input() {
        let x = Mat::<f64>::zeros(5, 3);
        assert!(assign_avx512::Block::new(x.as_ref()).is_some());
        assert!(assign_avx512::Block::new(x.as_ref().transpose()).is_none());
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
