//! Per-cluster statistics: counts, means and scatter matrices of the centered members.
//!
//! The members of each cluster are copied, row by row, into one contiguous row-major block (a
//! counting sort of the rows by label), centered at their mean, and the scatter `S_j = Y_jᵀ Y_j`
//! is summed over fixed-size chunks of rows. Each chunk's partial scatter is computed
//! sequentially and the partials are added in chunk order, so the result does not depend on the
//! number of threads.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

/// Rows per partial scatter. Large enough that each GEMM runs near full speed, small enough that
/// one big cluster still splits into parallel tasks.
pub(crate) const SCATTER_CHUNK_ROWS: usize = 4096;

/// Members of every cluster, grouped and centered.
pub(crate) struct GroupedMembers {
    /// `n × d` row-major: the points reordered by cluster and centered at their cluster mean.
    centered: Vec<f64>,
    dim: usize,
    /// `K + 1` offsets: cluster `j` owns rows `offsets[j]..offsets[j + 1]` of `centered`.
    offsets: Vec<usize>,
    /// `K × d`: the cluster means (zero rows for empty clusters).
    pub means: Mat<f64>,
}

impl GroupedMembers {
    /// Allocates room for `n_points × dim` data in `n_clusters` groups.
    pub fn new(n_points: usize, dim: usize, n_clusters: usize) -> Self {
        GroupedMembers {
            centered: vec![0.0; n_points * dim],
            dim,
            offsets: vec![0; n_clusters + 1],
            means: Mat::zeros(n_clusters, dim),
        }
    }

    /// Number of members of cluster `j`.
    pub fn count(&self, j: usize) -> usize {
        self.offsets[j + 1] - self.offsets[j]
    }

    /// The centered members of cluster `j`, one row each.
    pub fn members(&self, j: usize) -> MatRef<'_, f64> {
        let (start, end) = (self.offsets[j], self.offsets[j + 1]);
        MatRef::from_row_major_slice(
            &self.centered[start * self.dim..end * self.dim],
            end - start,
            self.dim,
        )
    }

    /// Regroups the points of `rows` (row-major, `n × d`) by `labels` and centers each group at
    /// its mean.
    pub fn update(&mut self, rows: &[f64], labels: &[usize]) {
        let n_clusters = self.means.nrows();
        let dim = self.dim;

        // A stable counting sort keeps members in data order, which fixes the summation order.
        self.offsets.iter_mut().for_each(|o| *o = 0);
        for &label in labels {
            self.offsets[label + 1] += 1;
        }
        for j in 0..n_clusters {
            self.offsets[j + 1] += self.offsets[j];
        }
        let mut order = vec![0usize; labels.len()];
        let mut next = self.offsets[..n_clusters].to_vec();
        for (i, &label) in labels.iter().enumerate() {
            order[next[label]] = i;
            next[label] += 1;
        }

        let offsets = &self.offsets;
        let mut blocks = Vec::with_capacity(n_clusters);
        let mut rest = self.centered.as_mut_slice();
        for window in offsets.windows(2) {
            let (block, tail) = rest.split_at_mut((window[1] - window[0]) * dim);
            blocks.push(block);
            rest = tail;
        }
        let means: Vec<Vec<f64>> = blocks
            .into_par_iter()
            .enumerate()
            .map(|(j, block)| {
                gather_and_center(rows, &order[offsets[j]..offsets[j + 1]], block, dim)
            })
            .collect();
        for (j, mean) in means.iter().enumerate() {
            for (c, &value) in mean.iter().enumerate() {
                self.means[(j, c)] = value;
            }
        }
    }

    /// Computes the scatter matrix `Y_jᵀ Y_j` of every cluster listed in `clusters`.
    pub fn scatters(&self, clusters: &[usize]) -> Vec<Mat<f64>> {
        let dim = self.dim;

        // One task per (cluster, chunk of rows); the chunk layout depends only on the counts.
        let tasks: Vec<(usize, usize, usize)> = clusters
            .iter()
            .enumerate()
            .flat_map(|(slot, &j)| {
                let count = self.count(j);
                (0..count.div_ceil(SCATTER_CHUNK_ROWS).max(1)).map(move |c| {
                    let start = c * SCATTER_CHUNK_ROWS;
                    (
                        slot,
                        start,
                        SCATTER_CHUNK_ROWS.min(count - start.min(count)),
                    )
                })
            })
            .collect();
        let partials: Vec<Mat<f64>> = tasks
            .par_iter()
            .map(|&(slot, start, rows)| {
                let members = self.members(clusters[slot]).subrows(start, rows);
                let mut partial = Mat::zeros(dim, dim);
                matmul(
                    partial.as_mut(),
                    Accum::Replace,
                    members.transpose(),
                    members,
                    1.0,
                    Par::Seq,
                );
                partial
            })
            .collect();

        let mut scatters: Vec<Mat<f64>> = clusters.iter().map(|_| Mat::zeros(dim, dim)).collect();
        for (&(slot, _, _), partial) in tasks.iter().zip(&partials) {
            scatters[slot] += partial;
        }
        scatters
    }
}

/// Copies the rows `members` of `rows` into `block`, subtracts their mean, and returns the mean.
fn gather_and_center(rows: &[f64], members: &[usize], block: &mut [f64], dim: usize) -> Vec<f64> {
    let mut mean = vec![0.0; dim];
    if members.is_empty() {
        return mean;
    }
    for (target, &i) in block.chunks_exact_mut(dim).zip(members) {
        let source = &rows[i * dim..(i + 1) * dim];
        target.copy_from_slice(source);
        for (sum, &value) in mean.iter_mut().zip(source) {
            *sum += value;
        }
    }
    let count = members.len() as f64;
    mean.iter_mut().for_each(|m| *m /= count);
    for target in block.chunks_exact_mut(dim) {
        for (value, &m) in target.iter_mut().zip(&mean) {
            *value -= m;
        }
    }
    mean
}

/// Copies a matrix into row-major order.
pub(crate) fn row_major(x: MatRef<'_, f64>) -> Vec<f64> {
    let (n, d) = x.shape();
    let mut rows = vec![0.0; n * d];
    for c in 0..d {
        for (i, &value) in x.col(c).iter().enumerate() {
            rows[i * d + c] = value;
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_matches_hand_computation() {
        // Cluster 0: (0,0), (2,0), (1,3): mean (1,1), centered (-1,-1), (1,-1), (0,2),
        // scatter [[2, 0], [0, 6]]. Cluster 1: (5,5) alone: mean (5,5), scatter 0.
        let x = Mat::from_fn(4, 2, |i, j| {
            [[0.0, 0.0], [5.0, 5.0], [2.0, 0.0], [1.0, 3.0]][i][j]
        });
        let labels = [0, 1, 0, 0];
        let mut grouped = GroupedMembers::new(4, 2, 2);
        grouped.update(&row_major(x.as_ref()), &labels);

        assert_eq!(grouped.count(0), 3);
        assert_eq!(grouped.count(1), 1);
        assert_eq!(grouped.means[(0, 0)], 1.0);
        assert_eq!(grouped.means[(0, 1)], 1.0);
        assert_eq!(grouped.means[(1, 1)], 5.0);

        let scatters = grouped.scatters(&[0, 1]);
        let expected = [[2.0, 0.0], [0.0, 6.0]];
        for r in 0..2 {
            for c in 0..2 {
                assert!((scatters[0][(r, c)] - expected[r][c]).abs() < 1e-14);
                assert_eq!(scatters[1][(r, c)], 0.0);
            }
        }
    }

    #[test]
    fn scatter_of_empty_cluster_is_zero() {
        let x = Mat::from_fn(3, 2, |i, j| (i + 2 * j) as f64);
        let mut grouped = GroupedMembers::new(3, 2, 2);
        grouped.update(&row_major(x.as_ref()), &[0, 0, 0]);
        assert_eq!(grouped.count(1), 0);
        let scatters = grouped.scatters(&[1]);
        assert_eq!(scatters[0], Mat::<f64>::zeros(2, 2));
    }
}
