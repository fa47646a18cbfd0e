//! Small dense kernels shared by [`crate::analysis`] and [`crate::untied`]: products,
//! decompositions and the structural checks of matrix arguments.
//!
//! Every faer routine here runs with `Par::Seq`, so results do not depend on the number of
//! threads. The matrices involved are `d × d` scatter matrices and `h × d` bases, small enough
//! that parallelism inside one decomposition would not pay.

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, ComputeEigenvectors};
use faer::linalg::matmul::matmul;
use faer::linalg::svd::{self, ComputeSvdVectors};
use faer::{Accum, Mat, MatRef, Par};

use crate::data;
use crate::error::{Error, MatrixErrorKind, Result};
use crate::model::{gram_deviation, ORTHONORMALITY_TOLERANCE};
use crate::solver::eigen::EigenFailure;

/// Largest accepted `|M[a, b] − M[b, a]|`, relative to the largest `|M[a, b]|`.
///
/// Rounding in a product `YᵀY` of `n` rows leaves an asymmetry near `n·ε` relative to the
/// entries, about 1e-13 for a million rows, so 1e-10 only rejects genuinely asymmetric input.
pub const SYMMETRY_TOLERANCE: f64 = 1e-10;

/// Most negative eigenvalue accepted in a positive semidefinite argument, relative to the
/// largest eigenvalue magnitude: well above the `d·ε` rounding of a computed scatter matrix.
pub const SEMIDEFINITE_TOLERANCE: f64 = 1e-10;

/// Returns `a · b`, computed sequentially.
pub(crate) fn product(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), b.ncols());
    matmul(out.as_mut(), Accum::Replace, a, b, 1.0, Par::Seq);
    out
}

/// Returns `(m + mᵀ) / 2`, which removes the rounding asymmetry of a computed `YᵀY`.
pub(crate) fn symmetrised(m: MatRef<'_, f64>) -> Mat<f64> {
    Mat::from_fn(m.nrows(), m.ncols(), |a, b| 0.5 * (m[(a, b)] + m[(b, a)]))
}

/// Returns the trace of a square matrix.
pub(crate) fn trace(m: MatRef<'_, f64>) -> f64 {
    (0..m.nrows()).map(|k| m[(k, k)]).sum()
}

/// Eigenvalues of a symmetric matrix in decreasing order, with their eigenvectors.
pub(crate) struct SymmetricEigen {
    /// Eigenvalues, largest first.
    pub values: Vec<f64>,
    /// Column `k` is a unit eigenvector for `values[k]`.
    pub vectors: Mat<f64>,
}

impl SymmetricEigen {
    /// Returns the eigenvectors of the `h` largest eigenvalues as the rows of an `h × d` matrix.
    pub fn top_rows(&self, h: usize) -> Mat<f64> {
        Mat::from_fn(h, self.vectors.nrows(), |k, c| self.vectors[(c, k)])
    }
}

/// Largest dimension at which [`symmetric_eigen`] uses nalgebra's solver instead of faer's.
///
/// Measured on a 2-core Xeon virtual machine, one decomposition with eigenvectors: nalgebra
/// took 0.43 of faer's time at d = 4, 0.73 at d = 32 and 0.82 at d = 40. It took 1.04 at
/// d = 48 and 1.65 at d = 128, where faer's blocked algorithm wins.
pub(crate) const SMALL_EIGEN_DIM: usize = 40;

/// Upper limit on nalgebra's implicit QR iterations, per dimension. Convergence takes a few
/// iterations per eigenvalue, so reaching this limit means the iteration has failed.
const SMALL_EIGEN_ITERATIONS_PER_DIM: usize = 1000;

/// Computes the eigendecomposition of a symmetric matrix (only its lower triangle is read).
///
/// Matrices of dimension up to [`SMALL_EIGEN_DIM`] go to nalgebra, larger ones to faer,
/// whichever is faster at that size. Both are backward stable.
pub(crate) fn symmetric_eigen(m: MatRef<'_, f64>) -> Result<SymmetricEigen, EigenFailure> {
    if m.nrows() <= SMALL_EIGEN_DIM {
        small_symmetric_eigen(m)
    } else {
        faer_symmetric_eigen(m)
    }
}

/// Computes [`symmetric_eigen`] with nalgebra's tridiagonalisation and implicit QR iteration.
fn small_symmetric_eigen(m: MatRef<'_, f64>) -> Result<SymmetricEigen, EigenFailure> {
    let dim = m.nrows();
    let lower =
        nalgebra::DMatrix::from_fn(dim, dim, |r, c| if r >= c { m[(r, c)] } else { m[(c, r)] });
    let eigen = nalgebra::SymmetricEigen::try_new(
        lower,
        f64::EPSILON,
        SMALL_EIGEN_ITERATIONS_PER_DIM * dim.max(1),
    )
    .ok_or(EigenFailure::Evd)?;

    // nalgebra leaves the eigenvalues unsorted.
    let mut order: Vec<usize> = (0..dim).collect();
    order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
    Ok(SymmetricEigen {
        values: order.iter().map(|&k| eigen.eigenvalues[k]).collect(),
        vectors: Mat::from_fn(dim, dim, |r, k| eigen.eigenvectors[(r, order[k])]),
    })
}

/// Computes [`symmetric_eigen`] with faer's self-adjoint eigendecomposition.
fn faer_symmetric_eigen(m: MatRef<'_, f64>) -> Result<SymmetricEigen, EigenFailure> {
    let dim = m.nrows();
    let mut values = Diag::<f64>::zeros(dim);
    let mut vectors = Mat::<f64>::zeros(dim, dim);
    let mut buffer = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
        dim,
        ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    evd::self_adjoint_evd(
        m,
        values.as_mut(),
        Some(vectors.as_mut()),
        Par::Seq,
        MemStack::new(&mut buffer),
        Default::default(),
    )
    .map_err(|_| EigenFailure::Evd)?;

    // faer returns eigenvalues in increasing order; reverse to put the largest first.
    let ascending = values.column_vector();
    Ok(SymmetricEigen {
        values: (0..dim).map(|k| ascending[dim - 1 - k]).collect(),
        vectors: Mat::from_fn(dim, dim, |r, k| vectors[(r, dim - 1 - k)]),
    })
}

/// A thin SVD `m = U diag(s) Vᵀ` of an `r × c` matrix, with `k = min(r, c)`.
pub(crate) struct ThinSvd {
    /// `r × k`, orthonormal columns.
    pub u: Mat<f64>,
    /// The `k` singular values, largest first.
    pub singular_values: Vec<f64>,
    /// `c × k`, orthonormal columns.
    pub v: Mat<f64>,
}

/// Computes the thin SVD of `m`.
pub(crate) fn thin_svd(m: MatRef<'_, f64>) -> Result<ThinSvd, EigenFailure> {
    let (rows, cols) = m.shape();
    let rank_bound = rows.min(cols);
    let mut values = Diag::<f64>::zeros(rank_bound);
    let mut u = Mat::<f64>::zeros(rows, rank_bound);
    let mut v = Mat::<f64>::zeros(cols, rank_bound);
    let mut buffer = MemBuffer::new(svd::svd_scratch::<f64>(
        rows,
        cols,
        ComputeSvdVectors::Thin,
        ComputeSvdVectors::Thin,
        Par::Seq,
        Default::default(),
    ));
    svd::svd(
        m,
        values.as_mut(),
        Some(u.as_mut()),
        Some(v.as_mut()),
        Par::Seq,
        MemStack::new(&mut buffer),
        Default::default(),
    )
    .map_err(|_| EigenFailure::Svd)?;
    Ok(ThinSvd {
        u,
        singular_values: values.column_vector().iter().copied().collect(),
        v,
    })
}

/// Computes the singular values of `m`, largest first.
pub(crate) fn singular_values(m: MatRef<'_, f64>) -> Result<Vec<f64>, EigenFailure> {
    let (rows, cols) = m.shape();
    let mut values = Diag::<f64>::zeros(rows.min(cols));
    let mut buffer = MemBuffer::new(svd::svd_scratch::<f64>(
        rows,
        cols,
        ComputeSvdVectors::No,
        ComputeSvdVectors::No,
        Par::Seq,
        Default::default(),
    ));
    svd::svd(
        m,
        values.as_mut(),
        None,
        None,
        Par::Seq,
        MemStack::new(&mut buffer),
        Default::default(),
    )
    .map_err(|_| EigenFailure::Svd)?;
    Ok(values.column_vector().iter().copied().collect())
}

/// Maps a decomposition failure on `matrix` to the crate error.
pub(crate) fn not_converged(matrix: &'static str) -> impl Fn(EigenFailure) -> Error {
    move |failure| Error::DecompositionNotConverged {
        decomposition: failure.name(),
        matrix,
    }
}

/// Checks that `m` is a non-empty square matrix of finite values.
pub(crate) fn check_square(m: MatRef<'_, f64>, what: &'static str) -> Result<()> {
    if m.nrows() != m.ncols() {
        return Err(Error::InvalidMatrix {
            what,
            kind: MatrixErrorKind::NotSquare {
                rows: m.nrows(),
                cols: m.ncols(),
            },
        });
    }
    data::check_finite(m)
}

/// Checks that the square `m` equals its transpose within [`SYMMETRY_TOLERANCE`].
pub(crate) fn check_symmetric(m: MatRef<'_, f64>, what: &'static str) -> Result<()> {
    let dim = m.nrows();
    let largest = m.norm_max();
    let mut worst = (0, 0, 0.0f64);
    for b in 0..dim {
        for a in b + 1..dim {
            let deviation = (m[(a, b)] - m[(b, a)]).abs();
            if deviation > worst.2 {
                worst = (a, b, deviation);
            }
        }
    }
    if worst.2 > SYMMETRY_TOLERANCE * largest {
        let (row, column, deviation) = worst;
        return Err(Error::InvalidMatrix {
            what,
            kind: MatrixErrorKind::NotSymmetric {
                row,
                column,
                deviation,
            },
        });
    }
    Ok(())
}

/// Checks that `m` is a square, symmetric, positive semidefinite matrix of finite values, and
/// returns its eigendecomposition.
pub(crate) fn check_scatter(m: MatRef<'_, f64>, what: &'static str) -> Result<SymmetricEigen> {
    check_square(m, what)?;
    check_symmetric(m, what)?;
    let eigen = symmetric_eigen(m).map_err(not_converged(what))?;
    let largest = eigen.values.iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
    let smallest = eigen.values.last().copied().unwrap_or(0.0);
    if smallest < -SEMIDEFINITE_TOLERANCE * largest {
        return Err(Error::InvalidMatrix {
            what,
            kind: MatrixErrorKind::NotPositiveSemidefinite {
                eigenvalue: smallest,
            },
        });
    }
    Ok(eigen)
}

/// Checks that `basis` is `h × dim` with `1 ≤ h ≤ dim`, finite, and has orthonormal rows
/// within [`ORTHONORMALITY_TOLERANCE`].
pub(crate) fn check_basis(basis: MatRef<'_, f64>, dim: usize, what: &'static str) -> Result<()> {
    if basis.ncols() != dim {
        return Err(Error::DimensionMismatch {
            expected: dim,
            found: basis.ncols(),
        });
    }
    if dim == 0 {
        return Err(Error::EmptyData {
            n_points: basis.nrows(),
            dim,
        });
    }
    let latent_dim = basis.nrows();
    if latent_dim == 0 || latent_dim > dim {
        return Err(Error::InvalidLatentDim { latent_dim, dim });
    }
    data::check_finite(basis)?;
    let deviation = gram_deviation(basis);
    if deviation.is_nan() || deviation > ORTHONORMALITY_TOLERANCE {
        return Err(Error::InvalidMatrix {
            what,
            kind: MatrixErrorKind::NotOrthonormalRows {
                deviation,
                tolerance: ORTHONORMALITY_TOLERANCE,
            },
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nalgebra_and_faer_eigen_agree() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for dim in [1, 2, 5, 17, SMALL_EIGEN_DIM] {
            // A scatter matrix with garbage above the diagonal, which both paths must ignore.
            let y: Mat<f64> = Mat::from_fn(2 * dim, dim, |_, _| rng.random_range(-1.0..1.0));
            let mut scatter = product(y.transpose(), y.as_ref());
            for c in 1..dim {
                for r in 0..c {
                    scatter[(r, c)] = 1e6;
                }
            }
            let small = small_symmetric_eigen(scatter.as_ref()).unwrap();
            let large = faer_symmetric_eigen(scatter.as_ref()).unwrap();

            let scale = large.values[0].abs();
            for k in 0..dim {
                let gap = (small.values[k] - large.values[k]).abs();
                assert!(
                    gap <= 1e-12 * scale,
                    "d = {dim}, eigenvalue {k}: gap {gap:e}"
                );
                // Random data have simple eigenvalues, so each eigenvector is unique up to sign.
                let cosine: f64 = (0..dim)
                    .map(|r| small.vectors[(r, k)] * large.vectors[(r, k)])
                    .sum();
                assert!(
                    (cosine.abs() - 1.0).abs() < 1e-8,
                    "d = {dim}, vector {k}: {cosine}"
                );
            }
            for k in 1..dim {
                assert!(small.values[k] <= small.values[k - 1]);
            }
        }
    }

    #[test]
    fn eigen_sorts_largest_first() {
        let m = Mat::from_fn(3, 3, |a, b| if a == b { [2.0, 7.0, -1.0][a] } else { 0.0 });
        let eigen = symmetric_eigen(m.as_ref()).unwrap();
        assert_eq!(eigen.values, vec![7.0, 2.0, -1.0]);
        assert_eq!(eigen.vectors[(1, 0)].abs(), 1.0);
        assert_eq!(eigen.top_rows(1)[(0, 1)].abs(), 1.0);
    }

    #[test]
    fn thin_svd_reconstructs_matrix() {
        let m = Mat::from_fn(4, 2, |r, c| (r * 3 + c * 5) as f64 - 4.0);
        let svd = thin_svd(m.as_ref()).unwrap();
        let scaled = Mat::from_fn(4, 2, |r, k| svd.u[(r, k)] * svd.singular_values[k]);
        let rebuilt = product(scaled.as_ref(), svd.v.transpose());
        assert!((rebuilt - &m).norm_max() < 1e-13 * m.norm_max());
        assert!(svd.singular_values[0] >= svd.singular_values[1]);
    }

    #[test]
    fn checks_reject_bad_structure() {
        let rectangular = Mat::<f64>::zeros(2, 3);
        assert!(matches!(
            check_square(rectangular.as_ref(), "m"),
            Err(Error::InvalidMatrix {
                kind: MatrixErrorKind::NotSquare { rows: 2, cols: 3 },
                ..
            })
        ));

        let asymmetric = Mat::from_fn(2, 2, |a, b| [[1.0, 0.5], [0.4, 1.0]][a][b]);
        assert!(matches!(
            check_symmetric(asymmetric.as_ref(), "m"),
            Err(Error::InvalidMatrix {
                kind: MatrixErrorKind::NotSymmetric {
                    row: 1,
                    column: 0,
                    ..
                },
                ..
            })
        ));

        let indefinite = Mat::from_fn(2, 2, |a, b| [[1.0, 0.0], [0.0, -0.5]][a][b]);
        let err = check_scatter(indefinite.as_ref(), "m").err().unwrap();
        assert!(matches!(
            err,
            Error::InvalidMatrix {
                kind: MatrixErrorKind::NotPositiveSemidefinite { eigenvalue },
                ..
            } if eigenvalue == -0.5
        ));

        let skewed = Mat::from_fn(1, 2, |_, c| [1.0, 0.1][c]);
        assert!(matches!(
            check_basis(skewed.as_ref(), 2, "basis"),
            Err(Error::InvalidMatrix {
                kind: MatrixErrorKind::NotOrthonormalRows { .. },
                ..
            })
        ));
        assert!(matches!(
            check_basis(skewed.as_ref(), 3, "basis"),
            Err(Error::DimensionMismatch {
                expected: 3,
                found: 2
            })
        ));
    }
}
