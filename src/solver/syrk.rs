//! The symmetric rank-k update of the statistics step: `C += Yᵀ Y`, lower triangle.
//!
//! `Y` is a small buffer of shifted member rows (`m × d`, row-major) that the statistics step
//! has just gathered, and `C` is a `d × d` accumulator. For the dimensions this crate meets
//! (d from a few to a few hundred, m a few hundred), a general GEMM spends much of its time on
//! packing and dispatch. The kernels here read the rows in place instead, a panel of rows at a
//! time so that the panel stays in the L1 cache, and keep a tile of `C` in registers while they
//! stream the panel through it:
//!
//! ```text
//! C[a..a+16, b..b+8] += Σ_r Y[r, a..a+16] ⊗ Y[r, b..b+8]     (AVX-512; 8 × 4 tiles with AVX2)
//! ```
//!
//! Only the tiles that touch the lower triangle are computed. The rows are padded with zeros to
//! a multiple of 8 values, so every tile is full.
//!
//! Each entry of `C` is one chain of fused multiply-adds over the rows in their order, so the
//! AVX-512 and AVX2 kernels give the same bits. CPUs with neither (and other architectures) run
//! faer's triangular GEMM, whose sums may round differently.

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, MatMut, MatRef, Par};

/// Values per panel of rows: 32 KiB, the size of the L1 data cache of many x86-64 cores.
const PANEL_VALUES: usize = 4096;

/// The kernel this CPU runs for [`SyrkKernel::add_lower`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyrkKernel {
    /// 16 × 8 register tiles with AVX-512F.
    Avx512,
    /// 8 × 4 register tiles with AVX2 and FMA.
    Avx2,
    /// faer's triangular GEMM, on CPUs without FMA or outside x86-64.
    Faer,
}

impl SyrkKernel {
    /// Picks the widest kernel the CPU supports.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return SyrkKernel::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return SyrkKernel::Avx2;
            }
        }
        SyrkKernel::Faer
    }

    /// Returns the row stride, which is also the order of the accumulator, for rows of `dim`
    /// values. The register kernels round `dim` up to a multiple of 8, and faer takes `dim`.
    pub fn stride(self, dim: usize) -> usize {
        match self {
            SyrkKernel::Faer => dim,
            SyrkKernel::Avx512 | SyrkKernel::Avx2 => dim.div_ceil(8) * 8,
        }
    }

    /// Adds the lower triangle of `Yᵀ Y` to `acc`, where `Y` is the first `n_rows` rows of
    /// `rows` (each `stride` values long, the first `dim` of them used).
    ///
    /// `acc` is `stride × stride`, column-major; on the register kernels some entries above the
    /// diagonal change too. The values of `Y` past `dim` in each row must be zero. `stride`
    /// must be [`SyrkKernel::stride`]`(dim)`.
    ///
    /// # Panics
    /// When `stride` is not the kernel's stride for `dim`, or a slice is too short. Both are
    /// bugs in the caller.
    pub fn add_lower(self, rows: &[f64], n_rows: usize, dim: usize, acc: &mut [f64]) {
        let stride = self.stride(dim);
        assert!(rows.len() >= n_rows * stride, "SYRK rows slice too short");
        assert!(acc.len() >= stride * stride, "SYRK accumulator too short");
        if n_rows == 0 || dim == 0 {
            return;
        }

        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` returned this kernel only where the CPU supports AVX-512F, and
            // the slice lengths were checked above.
            SyrkKernel::Avx512 => unsafe { x86::add_lower_avx512(rows, n_rows, stride, acc) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, with AVX2 and FMA.
            SyrkKernel::Avx2 => unsafe { x86::add_lower_avx2(rows, n_rows, stride, acc) },
            #[cfg(not(target_arch = "x86_64"))]
            SyrkKernel::Avx512 | SyrkKernel::Avx2 => {
                unreachable!("register kernels are only detected on x86-64")
            }
            SyrkKernel::Faer => {
                let y = MatRef::from_row_major_slice(&rows[..n_rows * dim], n_rows, dim);
                let c = MatMut::from_column_major_slice_mut(&mut acc[..dim * dim], dim, dim);
                triangular::matmul(
                    c,
                    BlockStructure::TriangularLower,
                    Accum::Add,
                    y.transpose(),
                    BlockStructure::Rectangular,
                    y,
                    BlockStructure::Rectangular,
                    1.0,
                    Par::Seq,
                );
            }
        }
    }
}

/// Rows per panel for rows of `stride` values.
fn panel_rows(stride: usize) -> usize {
    (PANEL_VALUES / stride).max(8)
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::panel_rows;

    /// Runs [`super::SyrkKernel::add_lower`] with AVX-512.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, `stride` must be a positive multiple of 8, `rows` must
    /// hold `n_rows * stride` values and `acc` `stride * stride`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn add_lower_avx512(
        rows: &[f64],
        n_rows: usize,
        stride: usize,
        acc: &mut [f64],
    ) {
        debug_assert!(stride.is_multiple_of(8) && rows.len() >= n_rows * stride);
        debug_assert!(acc.len() >= stride * stride);
        let panel = panel_rows(stride);

        for start in (0..n_rows).step_by(panel) {
            let count = panel.min(n_rows - start);
            // SAFETY (all offsets below): row `start + r` with r < count lies in `rows`, and
            // every tile reads columns a..a+16 or b..b+8 below `stride`, so it lies in its row;
            // each tile writes columns b..b+8 and rows a..a+16 of the stride × stride `acc`.
            let y = rows.as_ptr().add(start * stride);
            let mut a = 0;
            while a < stride {
                let tall = a + 16 <= stride;
                let height = if tall { 16 } else { 8 };
                // Tiles right of the diagonal block hold no lower-triangle entry.
                for b in (0..a + height).step_by(8) {
                    let tile = acc.as_mut_ptr().add(b * stride + a);
                    if tall {
                        tile_16x8(y.add(a), y.add(b), stride, count, tile);
                    } else {
                        tile_8x8(y.add(a), y.add(b), stride, count, tile);
                    }
                }
                a += height;
            }
        }
    }

    /// `C[0..16, 0..8] += Σ_r A[r, 0..16] ⊗ B[r, 0..8]`, where rows of A and B, and columns of
    /// C, are `stride` values apart.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn tile_16x8(a: *const f64, b: *const f64, stride: usize, count: usize, c: *mut f64) {
        let mut sums = [[_mm512_setzero_pd(); 2]; 8];
        for (col, sum) in sums.iter_mut().enumerate() {
            sum[0] = _mm512_loadu_pd(c.add(col * stride));
            sum[1] = _mm512_loadu_pd(c.add(col * stride + 8));
        }
        for r in 0..count {
            let row_a = a.add(r * stride);
            let row_b = b.add(r * stride);
            let top = _mm512_loadu_pd(row_a);
            let bottom = _mm512_loadu_pd(row_a.add(8));
            for (col, sum) in sums.iter_mut().enumerate() {
                let factor = _mm512_set1_pd(*row_b.add(col));
                sum[0] = _mm512_fmadd_pd(top, factor, sum[0]);
                sum[1] = _mm512_fmadd_pd(bottom, factor, sum[1]);
            }
        }
        for (col, sum) in sums.iter().enumerate() {
            _mm512_storeu_pd(c.add(col * stride), sum[0]);
            _mm512_storeu_pd(c.add(col * stride + 8), sum[1]);
        }
    }

    /// As [`tile_16x8`], for the last 8 rows when `stride` is an odd multiple of 8.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn tile_8x8(a: *const f64, b: *const f64, stride: usize, count: usize, c: *mut f64) {
        let mut sums = [_mm512_setzero_pd(); 8];
        for (col, sum) in sums.iter_mut().enumerate() {
            *sum = _mm512_loadu_pd(c.add(col * stride));
        }
        for r in 0..count {
            let column = _mm512_loadu_pd(a.add(r * stride));
            let row_b = b.add(r * stride);
            for (col, sum) in sums.iter_mut().enumerate() {
                *sum = _mm512_fmadd_pd(column, _mm512_set1_pd(*row_b.add(col)), *sum);
            }
        }
        for (col, sum) in sums.iter().enumerate() {
            _mm512_storeu_pd(c.add(col * stride), *sum);
        }
    }

    /// Runs [`super::SyrkKernel::add_lower`] with AVX2, in 8 × 4 tiles so that the 8 sums, two
    /// rows and a broadcast fit the 16 vector registers.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; the other conditions are those of
    /// [`add_lower_avx512`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn add_lower_avx2(
        rows: &[f64],
        n_rows: usize,
        stride: usize,
        acc: &mut [f64],
    ) {
        debug_assert!(stride.is_multiple_of(8) && rows.len() >= n_rows * stride);
        debug_assert!(acc.len() >= stride * stride);
        let panel = panel_rows(stride);

        for start in (0..n_rows).step_by(panel) {
            let count = panel.min(n_rows - start);
            // SAFETY: as in `add_lower_avx512`, with tiles of rows a..a+8 and columns b..b+4.
            let y = rows.as_ptr().add(start * stride);
            for a in (0..stride).step_by(8) {
                for b in (0..a + 8).step_by(4) {
                    let c = acc.as_mut_ptr().add(b * stride + a);
                    let mut sums = [[_mm256_setzero_pd(); 2]; 4];
                    for (col, sum) in sums.iter_mut().enumerate() {
                        sum[0] = _mm256_loadu_pd(c.add(col * stride));
                        sum[1] = _mm256_loadu_pd(c.add(col * stride + 4));
                    }
                    for r in 0..count {
                        let row = y.add(r * stride);
                        let top = _mm256_loadu_pd(row.add(a));
                        let bottom = _mm256_loadu_pd(row.add(a + 4));
                        for (col, sum) in sums.iter_mut().enumerate() {
                            let factor = _mm256_set1_pd(*row.add(b + col));
                            sum[0] = _mm256_fmadd_pd(top, factor, sum[0]);
                            sum[1] = _mm256_fmadd_pd(bottom, factor, sum[1]);
                        }
                    }
                    for (col, sum) in sums.iter().enumerate() {
                        _mm256_storeu_pd(c.add(col * stride), sum[0]);
                        _mm256_storeu_pd(c.add(col * stride + 4), sum[1]);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of `dim` values in `stride`-long slots, padded with zeros.
    fn padded_rows(n_rows: usize, dim: usize, stride: usize) -> Vec<f64> {
        let mut rows = vec![0.0; n_rows * stride];
        for r in 0..n_rows {
            for c in 0..dim {
                let t = (r * 31 + c * 7) as f64;
                rows[r * stride + c] = (0.37 * t).sin() * (1.0 + c as f64) - 0.2 * (r % 5) as f64;
            }
        }
        rows
    }

    /// Computes the same chains of fused multiply-adds as the register kernels, one entry at a
    /// time.
    fn fused_reference(rows: &[f64], n_rows: usize, dim: usize, stride: usize, acc: &mut [f64]) {
        for col in 0..dim {
            for row in col..dim {
                let mut sum = acc[col * stride + row];
                for r in 0..n_rows {
                    sum = rows[r * stride + row].mul_add(rows[r * stride + col], sum);
                }
                acc[col * stride + row] = sum;
            }
        }
    }

    fn available_kernels() -> Vec<SyrkKernel> {
        let mut kernels = vec![SyrkKernel::Faer];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                kernels.push(SyrkKernel::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                kernels.push(SyrkKernel::Avx2);
            }
        }
        kernels
    }

    #[test]
    fn register_kernels_match_fused_reference_bitwise() {
        // Dimensions below, at and across the tile sizes. 700 rows span several panels, and the
        // second call adds onto the first, as the statistics step does from buffer to buffer.
        for dim in [1, 4, 8, 13, 16, 24, 32, 40, 72] {
            for kernel in available_kernels() {
                if kernel == SyrkKernel::Faer {
                    continue;
                }
                let stride = kernel.stride(dim);
                let rows = padded_rows(700, dim, stride);
                let mut acc = vec![0.0; stride * stride];
                let mut expected = acc.clone();
                kernel.add_lower(&rows, 700, dim, &mut acc);
                kernel.add_lower(&rows[stride * 100..], 37, dim, &mut acc);
                fused_reference(&rows, 700, dim, stride, &mut expected);
                fused_reference(&rows[stride * 100..], 37, dim, stride, &mut expected);
                for col in 0..dim {
                    for row in col..dim {
                        let index = col * stride + row;
                        assert_eq!(
                            acc[index].to_bits(),
                            expected[index].to_bits(),
                            "{kernel:?}, d = {dim}, entry ({row}, {col})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_kernel_matches_plain_sums() {
        for dim in [3, 8, 21, 48] {
            for kernel in available_kernels() {
                let stride = kernel.stride(dim);
                let n_rows = 300;
                let rows = padded_rows(n_rows, dim, stride);
                let mut acc = vec![0.0; stride * stride];
                kernel.add_lower(&rows, n_rows, dim, &mut acc);
                for col in 0..dim {
                    for row in col..dim {
                        let expected: f64 = (0..n_rows)
                            .map(|r| rows[r * stride + row] * rows[r * stride + col])
                            .sum();
                        let got = acc[col * stride + row];
                        assert!(
                            (got - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                            "{kernel:?}, d = {dim}, ({row}, {col}): {got} vs {expected}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn no_rows_leave_accumulator_unchanged() {
        let kernel = SyrkKernel::detect();
        let stride = kernel.stride(5);
        let mut acc = vec![1.5; stride * stride];
        kernel.add_lower(&[], 0, 5, &mut acc);
        assert!(acc.iter().all(|&value| value == 1.5));
    }
}
