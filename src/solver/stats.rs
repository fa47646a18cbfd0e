//! Per-cluster statistics: counts, means and scatter matrices, in one read of the data.
//!
//! The point indices are grouped by label with a stable counting sort, so each cluster's
//! members are listed in data order. Each cluster's list is cut into chunks of
//! [`SCATTER_CHUNK_ROWS`] members, and one task per chunk reads its rows, shifted by the chunk's
//! first member `s`, into a small buffer. The task accumulates the count `m_c`, the sum of
//! `y = x − s` and, where the eigen step needs it, the lower triangle of `Σ y yᵀ` (a rank-k
//! update per buffer, see [`super::syrk`]). It then turns these into the chunk's mean `μ_c = s + ȳ` and centered scatter
//! `S_c = Σ y yᵀ − m_c ȳ ȳᵀ`. Shifting by a member keeps `ȳ` of the order of the cluster's
//! spread, so the subtraction loses no more than a few bits.
//!
//! The chunks of a cluster are merged in chunk order with the parallel-axis formula
//!
//! ```text
//! μ = Σ_c m_c μ_c / m,        S = Σ_c S_c + Σ_c m_c (μ_c − μ)(μ_c − μ)ᵀ.
//! ```
//!
//! The chunk layout depends only on the counts, and each chunk is computed sequentially, so the
//! result does not depend on the number of threads. A cluster with the same members as before
//! gets the same statistics bit for bit. No copy of the data is written: the only pass over it
//! is the read.

use faer::{Mat, MatRef};
use rayon::prelude::*;

use super::pool::Pool;
use super::simd::with_wide_simd;
use super::syrk::SyrkKernel;

/// Members per chunk. Large enough that each chunk's GEMMs run near full speed and the partial
/// scatter matrices stay few, small enough that one big cluster still splits into parallel
/// tasks.
pub(crate) const SCATTER_CHUNK_ROWS: usize = 4096;

/// Rows per block of the copy into row-major order.
const TRANSPOSE_BLOCK_ROWS: usize = 64;

/// Labels per task of the counting sort.
const GROUP_BLOCK_POINTS: usize = 1 << 12;

/// Rows of the buffer a chunk's shifted members are read into before each GEMM.
const BUFFER_ROWS: usize = 512;

/// The statistics requested for one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Moments {
    /// Nothing: the cluster keeps the statistics it has.
    Keep,
    /// The count and the mean.
    Mean,
    /// The count, the mean and the scatter matrix.
    Scatter,
}

/// The partial statistics of one chunk of one cluster's members.
struct Chunk {
    cluster: usize,
    /// Position of the chunk's first member in the grouped order.
    start: usize,
    rows: usize,
    /// `Σ (x − s)` over the chunk's members.
    sum: Vec<f64>,
    /// `μ_c`, the chunk mean.
    mean: Vec<f64>,
    /// `S_c` (lower triangle), for clusters whose scatter is requested.
    scatter: Mat<f64>,
}

/// The points grouped by cluster, with each cluster's count, mean and scatter matrix.
pub(crate) struct GroupedMembers {
    dim: usize,
    /// The point indices, cluster after cluster, in data order within each cluster.
    order: Vec<usize>,
    /// `K + 1` offsets: cluster `j` owns `order[offsets[j]..offsets[j + 1]]`.
    offsets: Vec<usize>,
    /// `K × d`: the cluster means (zero rows for empty clusters).
    pub means: Mat<f64>,
    /// The scatter matrix of each cluster, valid where the last call requested it.
    scatters: Vec<Mat<f64>>,
    has_scatter: Vec<bool>,
    /// Chunk slots, reused from one call to the next.
    chunks: Vec<Chunk>,
    /// Read buffers of `BUFFER_ROWS` padded rows and a SYRK accumulator, one per task running
    /// at a time.
    buffers: Pool<Vec<f64>>,
    /// The SYRK kernel this CPU runs.
    kernel: SyrkKernel,
}

impl GroupedMembers {
    /// Allocates room for `n_points` points of dimension `dim` in `n_clusters` groups.
    pub fn new(n_points: usize, dim: usize, n_clusters: usize) -> Self {
        GroupedMembers {
            dim,
            order: vec![0; n_points],
            offsets: vec![0; n_clusters + 1],
            means: Mat::zeros(n_clusters, dim),
            scatters: (0..n_clusters).map(|_| Mat::zeros(0, 0)).collect(),
            has_scatter: vec![false; n_clusters],
            chunks: Vec::new(),
            buffers: Pool::default(),
            kernel: SyrkKernel::detect(),
        }
    }

    /// Number of members of cluster `j` in the last grouping.
    pub fn count(&self, j: usize) -> usize {
        self.offsets[j + 1] - self.offsets[j]
    }

    /// Returns the scatter matrix of cluster `j`, if the last [`GroupedMembers::compute`] call
    /// that touched the cluster requested it.
    pub fn scatter(&self, j: usize) -> Option<MatRef<'_, f64>> {
        self.has_scatter[j].then(|| self.scatters[j].as_ref())
    }

    /// Groups the point indices by `labels` with a stable counting sort.
    ///
    /// The labels are counted in fixed blocks of [`GROUP_BLOCK_POINTS`] in parallel. Each
    /// (cluster, block) pair then owns a known range of the output, filled in data order by
    /// the block's task, so the order is the same as a sequential sort.
    pub fn group(&mut self, labels: &[usize]) {
        let n_clusters = self.means.nrows();
        let counts: Vec<Vec<usize>> = labels
            .par_chunks(GROUP_BLOCK_POINTS)
            .map(|block| {
                let mut counts = vec![0; n_clusters];
                for &label in block {
                    counts[label] += 1;
                }
                counts
            })
            .collect();

        self.offsets[0] = 0;
        for j in 0..n_clusters {
            let total: usize = counts.iter().map(|block| block[j]).sum();
            self.offsets[j + 1] = self.offsets[j] + total;
        }

        // Cut the output into the (cluster, block) ranges, cluster-major, and hand each block
        // its K ranges.
        let mut ranges: Vec<Vec<&mut [usize]>> = counts
            .iter()
            .map(|_| Vec::with_capacity(n_clusters))
            .collect();
        let mut rest = &mut self.order[..labels.len()];
        for j in 0..n_clusters {
            for (b, block_counts) in counts.iter().enumerate() {
                let (range, tail) = rest.split_at_mut(block_counts[j]);
                ranges[b].push(range);
                rest = tail;
            }
        }
        ranges
            .into_par_iter()
            .zip(labels.par_chunks(GROUP_BLOCK_POINTS))
            .enumerate()
            .for_each(|(b, (mut ranges, block))| {
                let mut cursor = vec![0; n_clusters];
                for (i, &label) in block.iter().enumerate() {
                    ranges[label][cursor[label]] = b * GROUP_BLOCK_POINTS + i;
                    cursor[label] += 1;
                }
            });
    }

    /// Computes, for each cluster `j` of the last grouping, the statistics `requested[j]`.
    ///
    /// `rows` contains the points row-major (`n × d`). Empty clusters get a zero mean.
    pub fn compute(&mut self, rows: &[f64], requested: &[Moments]) {
        let dim = self.dim;

        // One chunk per SCATTER_CHUNK_ROWS members of every cluster to compute.
        let mut n_chunks = 0;
        for (j, &moments) in requested.iter().enumerate() {
            if moments == Moments::Keep {
                continue;
            }
            let count = self.count(j);
            for start in (0..count).step_by(SCATTER_CHUNK_ROWS) {
                if n_chunks == self.chunks.len() {
                    self.chunks.push(Chunk {
                        cluster: 0,
                        start: 0,
                        rows: 0,
                        sum: vec![0.0; dim],
                        mean: vec![0.0; dim],
                        scatter: Mat::zeros(0, 0),
                    });
                }
                let chunk = &mut self.chunks[n_chunks];
                chunk.cluster = j;
                chunk.start = self.offsets[j] + start;
                chunk.rows = SCATTER_CHUNK_ROWS.min(count - start);
                if moments == Moments::Scatter && chunk.scatter.nrows() != dim {
                    chunk.scatter = Mat::zeros(dim, dim);
                }
                n_chunks += 1;
            }
        }

        let order = &self.order;
        let buffers = &self.buffers;
        let kernel = self.kernel;
        let stride = kernel.stride(dim);
        let buffer_len = BUFFER_ROWS * stride + stride * stride;
        self.chunks[..n_chunks].par_iter_mut().for_each(|chunk| {
            let with_scatter = requested[chunk.cluster] == Moments::Scatter;
            let members = &order[chunk.start..chunk.start + chunk.rows];
            let mut buffer = buffers.take(
                |buffer| buffer.len() == buffer_len,
                || vec![0.0; buffer_len],
            );
            chunk_moments(rows, members, dim, with_scatter, kernel, chunk, &mut buffer);
            buffers.give_back(buffer);
        });

        // Merge each cluster's chunks in chunk order.
        let mut first = 0;
        for (j, &moments) in requested.iter().enumerate() {
            if moments == Moments::Keep {
                continue;
            }
            let count = self.count(j);
            let last = first + count.div_ceil(SCATTER_CHUNK_ROWS);
            let chunks = &self.chunks[first..last];
            first = last;

            let mut mean = vec![0.0; dim];
            for chunk in chunks {
                let weight = chunk.rows as f64;
                for (m, &value) in mean.iter_mut().zip(&chunk.mean) {
                    *m += weight * value;
                }
            }
            if count > 0 {
                mean.iter_mut().for_each(|m| *m /= count as f64);
            }
            for (c, &value) in mean.iter().enumerate() {
                self.means[(j, c)] = value;
            }

            self.has_scatter[j] = moments == Moments::Scatter;
            if moments == Moments::Scatter {
                if self.scatters[j].nrows() != dim {
                    self.scatters[j] = Mat::zeros(dim, dim);
                }
                merge_scatters(chunks, &mean, &mut self.scatters[j]);
            }
        }
    }

    /// Returns the members of cluster `j` minus the cluster mean, one row each (`m × d`).
    ///
    /// `rows` must be the data the last [`GroupedMembers::compute`] call read.
    pub fn centered_members(&self, rows: &[f64], j: usize) -> Mat<f64> {
        let dim = self.dim;
        let members = &self.order[self.offsets[j]..self.offsets[j + 1]];
        Mat::from_fn(members.len(), dim, |r, c| {
            rows[members[r] * dim + c] - self.means[(j, c)]
        })
    }
}

/// Fills `chunk.mean` (and `chunk.scatter`, lower triangle, when `with_scatter`) from the rows
/// `members` of `rows`, reading them through `buffer`.
///
/// `buffer` contains [`BUFFER_ROWS`] rows of `kernel.stride(dim)` values, then the
/// `stride × stride` accumulator of the kernel.
fn chunk_moments(
    rows: &[f64],
    members: &[usize],
    dim: usize,
    with_scatter: bool,
    kernel: SyrkKernel,
    chunk: &mut Chunk,
    buffer: &mut [f64],
) {
    let stride = kernel.stride(dim);
    let (block, accumulator) = buffer.split_at_mut(BUFFER_ROWS * stride);
    let shift = &rows[members[0] * dim..(members[0] + 1) * dim];
    let sum = &mut chunk.sum;
    sum.fill(0.0);
    accumulator.fill(0.0);
    for part in members.chunks(BUFFER_ROWS) {
        let block = &mut block[..part.len() * stride];
        with_wide_simd(
            #[inline(always)]
            || gather_shifted(rows, part, shift, block, sum),
        );
        if with_scatter {
            kernel.add_lower(block, part.len(), dim, accumulator);
        }
    }

    // From here `sum` contains the mean offset ȳ = Σ (x − s) / m_c.
    let count = members.len() as f64;
    sum.iter_mut().for_each(|total| *total /= count);
    let offset = &chunk.sum;
    for ((m, &s), &o) in chunk.mean.iter_mut().zip(shift).zip(offset) {
        *m = s + o;
    }
    if with_scatter {
        for c in 0..dim {
            for r in c..dim {
                chunk.scatter[(r, c)] = accumulator[c * stride + r] - count * offset[r] * offset[c];
            }
        }
    }
}

/// Copies the rows `members` of `rows` minus `shift` into `block`, in slots of
/// `block.len() / members.len()` values padded with zeros, and adds them to `sum`.
#[inline(always)]
fn gather_shifted(
    rows: &[f64],
    members: &[usize],
    shift: &[f64],
    block: &mut [f64],
    sum: &mut [f64],
) {
    let dim = shift.len();
    let stride = block.len() / members.len();
    for (target, &i) in block.chunks_exact_mut(stride).zip(members) {
        let (target, padding) = target.split_at_mut(dim);
        let source = &rows[i * dim..(i + 1) * dim];
        for (((t, &x), &s), total) in target.iter_mut().zip(source).zip(shift).zip(sum.iter_mut()) {
            *t = x - s;
            *total += *t;
        }
        padding.fill(0.0);
    }
}

/// Writes `Σ_c S_c + Σ_c m_c (μ_c − μ)(μ_c − μ)ᵀ` into `scatter`, full (both triangles).
fn merge_scatters(chunks: &[Chunk], mean: &[f64], scatter: &mut Mat<f64>) {
    let dim = mean.len();
    scatter.fill(0.0);
    let mut gap = vec![0.0; dim];
    for chunk in chunks {
        let weight = chunk.rows as f64;
        for (g, (&m_c, &m)) in gap.iter_mut().zip(chunk.mean.iter().zip(mean)) {
            *g = m_c - m;
        }
        for c in 0..dim {
            for r in c..dim {
                scatter[(r, c)] += chunk.scatter[(r, c)] + weight * gap[r] * gap[c];
            }
        }
    }
    for c in 0..dim {
        for r in c + 1..dim {
            scatter[(c, r)] = scatter[(r, c)];
        }
    }
}

/// Copies a matrix into row-major order.
pub(crate) fn row_major(x: MatRef<'_, f64>) -> Vec<f64> {
    let (n, d) = x.shape();
    let mut rows = vec![0.0; n * d];

    // A few rows at a time, so that the strided writes of each column stay in cache.
    for (b, block) in rows.chunks_mut(TRANSPOSE_BLOCK_ROWS * d.max(1)).enumerate() {
        let start = b * TRANSPOSE_BLOCK_ROWS;
        for c in 0..d {
            let column = x.col(c);
            for (r, row) in block.chunks_exact_mut(d).enumerate() {
                row[c] = column[start + r];
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grouped(x: &Mat<f64>, labels: &[usize], n_clusters: usize) -> (GroupedMembers, Vec<f64>) {
        let rows = row_major(x.as_ref());
        let mut grouped = GroupedMembers::new(x.nrows(), x.ncols(), n_clusters);
        grouped.group(labels);
        grouped.compute(&rows, &vec![Moments::Scatter; n_clusters]);
        (grouped, rows)
    }

    #[test]
    fn scatter_matches_hand_computation() {
        // Cluster 0: (0,0), (2,0), (1,3): mean (1,1), centered (-1,-1), (1,-1), (0,2),
        // scatter [[2, 0], [0, 6]]. Cluster 1: (5,5) alone: mean (5,5), scatter 0.
        let x = Mat::from_fn(4, 2, |i, j| {
            [[0.0, 0.0], [5.0, 5.0], [2.0, 0.0], [1.0, 3.0]][i][j]
        });
        let (grouped, rows) = grouped(&x, &[0, 1, 0, 0], 2);

        assert_eq!(grouped.count(0), 3);
        assert_eq!(grouped.count(1), 1);
        assert_eq!(grouped.means[(0, 0)], 1.0);
        assert_eq!(grouped.means[(0, 1)], 1.0);
        assert_eq!(grouped.means[(1, 1)], 5.0);

        let expected = [[2.0, 0.0], [0.0, 6.0]];
        let scatter = grouped.scatter(0).unwrap();
        for r in 0..2 {
            for c in 0..2 {
                assert!((scatter[(r, c)] - expected[r][c]).abs() < 1e-14);
                assert_eq!(grouped.scatter(1).unwrap()[(r, c)], 0.0);
            }
        }
        let members = grouped.centered_members(&rows, 0);
        assert_eq!(members[(2, 1)], 2.0);
    }

    #[test]
    fn chunked_statistics_match_two_pass_sums() {
        // 3 · 4096 + 5 members in cluster 1 give four chunks to merge. The data sit far from
        // the origin, so an unshifted Σ x xᵀ − m μ μᵀ would lose most of its digits.
        let n = 3 * SCATTER_CHUNK_ROWS + 5 + 700;
        let x = Mat::from_fn(n, 3, |i, c| {
            let t = i as f64;
            1e4 + (t * (0.37 + c as f64)).sin() * (1.0 + c as f64) + 0.001 * t
        });
        let labels: Vec<usize> = (0..n).map(|i| usize::from(i >= 700)).collect();
        let (grouped, _) = grouped(&x, &labels, 2);

        for (j, range) in [(0, 0..700), (1, 700..n)] {
            let m = range.len() as f64;
            let mean: Vec<f64> = (0..3)
                .map(|c| range.clone().map(|i| x[(i, c)]).sum::<f64>() / m)
                .collect();
            let scatter = grouped.scatter(j).unwrap();
            for r in 0..3 {
                assert!((grouped.means[(j, r)] - mean[r]).abs() < 1e-10 * 1e4);
                for c in 0..3 {
                    let expected: f64 = range
                        .clone()
                        .map(|i| (x[(i, r)] - mean[r]) * (x[(i, c)] - mean[c]))
                        .sum();
                    let scale = expected.abs().max(m);
                    assert!(
                        (scatter[(r, c)] - expected).abs() < 1e-10 * scale,
                        "cluster {j} ({r}, {c}): {} vs {expected}",
                        scatter[(r, c)]
                    );
                }
            }
        }
    }

    #[test]
    fn blocked_grouping_matches_stable_sort() {
        // Three blocks of labels and an empty cluster 3.
        let n = 2 * GROUP_BLOCK_POINTS + 123;
        let labels: Vec<usize> = (0..n)
            .map(|i| [0, 2, 1, 2, 4][(i * 7 + i / 5) % 5])
            .collect();
        let mut grouped = GroupedMembers::new(n, 1, 5);
        grouped.group(&labels);

        let mut expected: Vec<usize> = (0..n).collect();
        expected.sort_by_key(|&i| labels[i]);
        assert_eq!(grouped.order, expected);
        assert_eq!(grouped.count(3), 0);
        for j in 0..5 {
            let count = labels.iter().filter(|&&label| label == j).count();
            assert_eq!(grouped.count(j), count, "cluster {j}");
        }
    }

    #[test]
    fn kept_clusters_are_not_recomputed() {
        let x = Mat::from_fn(6, 2, |i, c| (i * (c + 1)) as f64);
        let rows = row_major(x.as_ref());
        let mut grouped = GroupedMembers::new(6, 2, 2);
        grouped.group(&[0, 0, 0, 1, 1, 1]);
        grouped.compute(&rows, &[Moments::Scatter, Moments::Mean]);
        let first_mean = grouped.means[(0, 1)];
        assert!(grouped.scatter(1).is_none());

        grouped.group(&[0, 0, 1, 1, 1, 1]);
        grouped.compute(&rows, &[Moments::Keep, Moments::Mean]);
        assert_eq!(grouped.means[(0, 1)], first_mean);
        assert_eq!(grouped.means[(1, 1)], (4.0 + 6.0 + 8.0 + 10.0) / 4.0);
    }

    #[test]
    fn empty_cluster_has_zero_mean_and_scatter() {
        let x = Mat::from_fn(3, 2, |i, j| (i + 2 * j) as f64);
        let (grouped, _) = grouped(&x, &[0, 0, 0], 2);
        assert_eq!(grouped.count(1), 0);
        assert_eq!(grouped.means[(1, 0)], 0.0);
        assert_eq!(
            grouped.scatter(1).unwrap().to_owned(),
            Mat::<f64>::zeros(2, 2)
        );
    }
}
