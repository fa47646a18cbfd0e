//! The assignment step in AVX-512 registers: products and argmin without a products matrix.
//!
//! A tile of 16 points (two vectors, from a column-major block) is multiplied by the
//! coefficients of one cluster at a time, which are its center and its `h` basis rows. A pass
//! over the coordinates takes at most 8 of them, so that the 16 sums stay in registers. Each product is one chain of fused
//! multiply-adds over the coordinates in order,
//!
//! ```text
//! p = fma(x_{d−1}, w_{d−1}, … fma(x_1, w_1, fma(x_0, w_0, 0)))
//! ```
//!
//! and the losses are then formed, operation for operation, as in the portable path of the
//! assignment step. [`products`] stores the same products in the layout of the portable path,
//! so that losses computed from them match the losses [`assign`] compares, bit for bit.

use std::arch::x86_64::*;
use std::marker::PhantomData;

use faer::{MatMut, MatRef};

/// Points per tile: two vectors of 8.
const TILE_ROWS: usize = 16;

/// Products per pass over a tile's coordinates. With 8, the 16 sums and the loaded point
/// vectors fit the 32 vector registers.
const MAX_GROUP: usize = 8;

/// The clusters' coefficients and the constants of their losses.
pub(crate) struct Coefficients<'a> {
    /// `K × d × (1 + h)`: for cluster `j` and coordinate `c`, the center's entry and then the
    /// `h` basis entries, at `(j·d + c)·(1 + h)`.
    pub values: &'a [f64],
    pub n_clusters: usize,
    pub dim: usize,
    pub latent_dim: usize,
    /// `‖c_j‖²`.
    pub center_norms: &'a [f64],
    /// `K·h`: the codes `W_j c_j`.
    pub projected_centers: &'a [f64],
    /// `1 − λ`.
    pub shrink: f64,
    /// False for clusters no point may join.
    pub active: &'a [bool],
}

/// A column-major block of points with unit row stride, borrowed from a faer matrix.
#[derive(Clone, Copy)]
pub(crate) struct Block<'a> {
    /// The first point's first coordinate.
    ptr: *const f64,
    pub rows: usize,
    cols: usize,
    /// Distance between the starts of consecutive columns.
    col_stride: usize,
    _matrix: PhantomData<MatRef<'a, f64>>,
}

impl<'a> Block<'a> {
    /// Borrows `matrix` when its columns are contiguous and in increasing order.
    pub fn new(matrix: MatRef<'a, f64>) -> Option<Self> {
        let col_stride = usize::try_from(matrix.col_stride()).ok()?;
        (matrix.row_stride() == 1 || matrix.nrows() <= 1).then_some(Block {
            ptr: matrix.as_ptr(),
            rows: matrix.nrows(),
            cols: matrix.ncols(),
            col_stride,
            _matrix: PhantomData,
        })
    }
}

/// Returns whether the CPU runs this module's kernels.
pub(crate) fn is_available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

/// Writes the products of `block` with every cluster's coefficients into the first
/// `block.rows` rows of `products`: column `j` receives `x·c_j` and column `K + j·h + k` the
/// code `(W_j x)_k`.
///
/// # Panics
/// When `block` does not have `coefficients.dim` columns, `products` is not a column-major
/// `≥ block.rows × K·(1 + h)` matrix, or the CPU lacks AVX-512F.
pub(crate) fn products(
    coefficients: &Coefficients<'_>,
    block: Block<'_>,
    products: MatMut<'_, f64>,
) {
    check_shapes(coefficients, block);
    let columns = coefficients.n_clusters * (1 + coefficients.latent_dim);
    assert_eq!(products.ncols(), columns, "products matrix width");
    assert!(products.nrows() >= block.rows, "products matrix too short");
    assert!(
        products.row_stride() == 1 || block.rows <= 1,
        "products matrix not column-major"
    );
    let out_stride =
        usize::try_from(products.col_stride()).expect("products columns in increasing order");
    assert!(is_available(), "AVX-512F kernel called on a CPU without it");

    // SAFETY: AVX-512F is available, and the kernel writes only rows below `block.rows` of
    // the `columns` columns, which the checks above place inside `products`.
    unsafe { products_avx512(coefficients, block, products.as_ptr_mut(), out_stride) }
}

/// Assigns every point of `block` to its lowest-loss active cluster: `best` receives the
/// smallest loss, `labels` the lowest cluster index attaining it, and `current_losses` the loss
/// in cluster `current[i]` (+∞ when that cluster is inactive).
///
/// # Panics
/// When `block` does not have `coefficients.dim` columns, a slice has fewer than `block.rows`
/// entries, or the CPU lacks AVX-512F.
pub(crate) fn assign(
    coefficients: &Coefficients<'_>,
    block: Block<'_>,
    row_norms: &[f64],
    current: &[usize],
    labels: &mut [usize],
    best: &mut [f64],
    current_losses: &mut [f64],
) {
    check_shapes(coefficients, block);
    let rows = block.rows;
    assert!(
        row_norms.len() >= rows
            && current.len() >= rows
            && labels.len() >= rows
            && best.len() >= rows
            && current_losses.len() >= rows,
        "per-point slices shorter than the block"
    );
    assert!(is_available(), "AVX-512F kernel called on a CPU without it");

    let outputs = Outputs {
        labels: labels.as_mut_ptr(),
        best: best.as_mut_ptr(),
        current_losses: current_losses.as_mut_ptr(),
    };
    // SAFETY: AVX-512F is available, and the shapes were checked above.
    unsafe { assign_avx512(coefficients, block, row_norms, current, outputs) }
}

/// Checks that the coefficients have the shapes their fields state, and the block their width.
fn check_shapes(coefficients: &Coefficients<'_>, block: Block<'_>) {
    let (k, d, h) = (
        coefficients.n_clusters,
        coefficients.dim,
        coefficients.latent_dim,
    );
    assert!(
        coefficients.values.len() >= k * d * (1 + h),
        "coefficients too short"
    );
    assert!(
        coefficients.center_norms.len() >= k,
        "center norms too short"
    );
    assert!(coefficients.active.len() >= k, "active flags too short");
    assert!(
        coefficients.projected_centers.len() >= k * h,
        "projected centers too short"
    );
    assert_eq!(block.cols, d, "block width differs from the coefficients'");
}

/// Output pointers of [`assign_avx512`], one entry per point of the block.
struct Outputs {
    labels: *mut usize,
    best: *mut f64,
    current_losses: *mut f64,
}

/// Returns the load masks of the two vectors of the tile at `start` in a block of `rows` points.
fn tile_masks(start: usize, rows: usize) -> [__mmask8; 2] {
    let count = (rows - start).min(TILE_ROWS);
    let low = if count >= 8 { 0xFF } else { (1u8 << count) - 1 };
    let high = if count >= TILE_ROWS {
        0xFF
    } else if count > 8 {
        (1u8 << (count - 8)) - 1
    } else {
        0
    };
    [low, high]
}

/// Sums `Σ_c x_c · w_{c, g}` for the `G` coefficients at `weights` (`stride` apart per
/// coordinate) and the tile of points at `x`.
///
/// # Safety
/// AVX-512F; `x` must be readable at `c·col_stride + i` for every coordinate `c` and unmasked
/// point `i`, and `weights` at `c·stride + g` for every `g < G`.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn dot_group<const G: usize>(
    x: *const f64,
    col_stride: usize,
    dim: usize,
    masks: [__mmask8; 2],
    weights: *const f64,
    stride: usize,
) -> [[__m512d; 2]; G] {
    let mut sums = [[_mm512_setzero_pd(); 2]; G];
    for c in 0..dim {
        let column = x.add(c * col_stride);
        let low = _mm512_maskz_loadu_pd(masks[0], column);
        let high = _mm512_maskz_loadu_pd(masks[1], column.add(8));
        let row = weights.add(c * stride);
        for (g, sum) in sums.iter_mut().enumerate() {
            let weight = _mm512_set1_pd(*row.add(g));
            sum[0] = _mm512_fmadd_pd(low, weight, sum[0]);
            sum[1] = _mm512_fmadd_pd(high, weight, sum[1]);
        }
    }
    sums
}

/// Runs `body` with the sums of [`dot_group`] for a group of `size` coefficients, with the
/// group size as a constant so that the sums live in registers.
macro_rules! with_group {
    ($size:expr, $sums:ident, $dot:expr, $body:expr) => {
        match $size {
            1 => {
                let $sums: [[__m512d; 2]; 1] = $dot;
                $body
            }
            2 => {
                let $sums: [[__m512d; 2]; 2] = $dot;
                $body
            }
            3 => {
                let $sums: [[__m512d; 2]; 3] = $dot;
                $body
            }
            4 => {
                let $sums: [[__m512d; 2]; 4] = $dot;
                $body
            }
            5 => {
                let $sums: [[__m512d; 2]; 5] = $dot;
                $body
            }
            6 => {
                let $sums: [[__m512d; 2]; 6] = $dot;
                $body
            }
            7 => {
                let $sums: [[__m512d; 2]; 7] = $dot;
                $body
            }
            _ => {
                let $sums: [[__m512d; 2]; MAX_GROUP] = $dot;
                $body
            }
        }
    };
}

/// Computes [`products`] with AVX-512 enabled.
///
/// # Safety
/// AVX-512F, the shapes checked by [`products`], and `out` writable at
/// `p·out_stride + i` for every product column `p` and point `i`.
#[target_feature(enable = "avx512f")]
unsafe fn products_avx512(
    coefficients: &Coefficients<'_>,
    block: Block<'_>,
    out: *mut f64,
    out_stride: usize,
) {
    let (n_clusters, dim, h) = (
        coefficients.n_clusters,
        coefficients.dim,
        coefficients.latent_dim,
    );
    let width = 1 + h;
    for start in (0..block.rows).step_by(TILE_ROWS) {
        let masks = tile_masks(start, block.rows);
        let x = block.ptr.add(start);
        for j in 0..n_clusters {
            let cluster = coefficients.values.as_ptr().add(j * dim * width);
            for first in (0..width).step_by(MAX_GROUP) {
                let size = (width - first).min(MAX_GROUP);
                with_group!(
                    size,
                    sums,
                    dot_group(x, block.col_stride, dim, masks, cluster.add(first), width),
                    {
                        for (g, sum) in sums.iter().enumerate() {
                            let q = first + g;
                            let column = if q == 0 {
                                j
                            } else {
                                n_clusters + j * h + q - 1
                            };
                            let target = out.add(column * out_stride + start);
                            _mm512_mask_storeu_pd(target, masks[0], sum[0]);
                            _mm512_mask_storeu_pd(target.add(8), masks[1], sum[1]);
                        }
                    }
                );
            }
        }
    }
}

/// Computes [`assign`] with AVX-512 enabled.
///
/// # Safety
/// AVX-512F, and the shapes checked by [`assign`].
#[target_feature(enable = "avx512f")]
unsafe fn assign_avx512(
    coefficients: &Coefficients<'_>,
    block: Block<'_>,
    row_norms: &[f64],
    current: &[usize],
    outputs: Outputs,
) {
    let (n_clusters, dim, h) = (
        coefficients.n_clusters,
        coefficients.dim,
        coefficients.latent_dim,
    );
    let width = 1 + h;
    let two = _mm512_set1_pd(2.0);
    let shrink = _mm512_set1_pd(coefficients.shrink);
    let infinity = _mm512_set1_pd(f64::INFINITY);

    for start in (0..block.rows).step_by(TILE_ROWS) {
        let masks = tile_masks(start, block.rows);
        let x = block.ptr.add(start);
        let norms = [
            _mm512_maskz_loadu_pd(masks[0], row_norms.as_ptr().add(start)),
            _mm512_maskz_loadu_pd(masks[1], row_norms.as_ptr().add(start + 8)),
        ];
        let now = [
            _mm512_maskz_loadu_epi64(masks[0], current.as_ptr().add(start).cast()),
            _mm512_maskz_loadu_epi64(masks[1], current.as_ptr().add(start + 8).cast()),
        ];
        let mut best = [infinity; 2];
        let mut labels = [_mm512_setzero_si512(); 2];
        let mut current_losses = [infinity; 2];

        for j in (0..n_clusters).filter(|&j| coefficients.active[j]) {
            let cluster = coefficients.values.as_ptr().add(j * dim * width);
            let mut losses = [_mm512_setzero_pd(); 2];
            for first in (0..width).step_by(MAX_GROUP) {
                let size = (width - first).min(MAX_GROUP);
                with_group!(
                    size,
                    sums,
                    dot_group(x, block.col_stride, dim, masks, cluster.add(first), width),
                    {
                        for (g, sum) in sums.iter().enumerate() {
                            let q = first + g;
                            for half in 0..2 {
                                losses[half] = if q == 0 {
                                    // ‖x‖² − 2 x·c_j + ‖c_j‖², in the portable path's order.
                                    let norm =
                                        _mm512_sub_pd(norms[half], _mm512_mul_pd(two, sum[half]));
                                    _mm512_add_pd(
                                        norm,
                                        _mm512_set1_pd(coefficients.center_norms[j]),
                                    )
                                } else {
                                    let projected = coefficients.projected_centers[j * h + q - 1];
                                    let diff = _mm512_sub_pd(sum[half], _mm512_set1_pd(projected));
                                    let scaled = _mm512_mul_pd(shrink, diff);
                                    _mm512_sub_pd(losses[half], _mm512_mul_pd(scaled, diff))
                                };
                            }
                        }
                    }
                );
            }

            let cluster_index = _mm512_set1_epi64(j as i64);
            for half in 0..2 {
                let loss = _mm512_max_pd(losses[half], _mm512_setzero_pd());
                let is_current = _mm512_cmpeq_epi64_mask(now[half], cluster_index);
                current_losses[half] = _mm512_mask_blend_pd(is_current, current_losses[half], loss);
                // Strictly smaller: among equal losses the lowest index stays.
                let smaller = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(loss, best[half]);
                best[half] = _mm512_mask_blend_pd(smaller, best[half], loss);
                labels[half] = _mm512_mask_blend_epi64(smaller, labels[half], cluster_index);
            }
        }

        for half in 0..2 {
            let offset = start + 8 * half;
            _mm512_mask_storeu_pd(outputs.best.add(offset), masks[half], best[half]);
            _mm512_mask_storeu_pd(
                outputs.current_losses.add(offset),
                masks[half],
                current_losses[half],
            );
            _mm512_mask_storeu_epi64(outputs.labels.add(offset).cast(), masks[half], labels[half]);
        }
    }
}
