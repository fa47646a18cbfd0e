//! The eigen step: the top-h principal directions of one cluster.
//!
//! For a cluster with scatter matrix `S = Yᵀ Y` (`Y` the `m × d` centered members), the optimal
//! basis W (`h × d`, orthonormal rows) spans the eigenvectors of the `h` largest eigenvalues of
//! S. faer's self-adjoint eigendecomposition returns eigenvalues in ascending order, so these are
//! the last `h` columns of its eigenvector matrix. When the cluster has fewer members than
//! dimensions, the right singular vectors of `Y` give the same directions from a smaller
//! problem, and without squaring the condition number.
//!
//! Each row of W is normalised in sign so that its entry of largest magnitude is positive: the
//! basis of a fit is then reproducible and comparable between runs.

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{self, ComputeSvdVectors};
use faer::{Mat, MatRef, Par};

use crate::dense::symmetric_eigen;

/// The decomposition that failed to converge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EigenFailure {
    /// faer's self-adjoint eigendecomposition.
    Evd,
    /// faer's thin singular value decomposition.
    Svd,
}

impl EigenFailure {
    /// The name used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            EigenFailure::Evd => "self-adjoint eigendecomposition",
            EigenFailure::Svd => "thin SVD",
        }
    }
}

/// Whether a cluster with `count` members in dimension `dim` takes the thin-SVD path for a
/// basis of `latent_dim` rows.
///
/// The SVD of the members yields only `min(count, dim)` directions, so clusters with at most
/// `h` members use the eigendecomposition, whose full eigenvector set completes the basis.
pub(crate) fn uses_thin_svd(count: usize, dim: usize, latent_dim: usize) -> bool {
    count < dim && count > latent_dim
}

/// A top-h basis and the eigenvalues of its rows.
pub(crate) struct TopBasis {
    /// `h × d` orthonormal rows, ordered by decreasing eigenvalue.
    pub basis: Mat<f64>,
    /// The `h` largest eigenvalues of the scatter matrix, decreasing.
    pub eigenvalues: Vec<f64>,
}

/// Computes the top-`h` eigenvectors of the symmetric `scatter` (`d × d`).
pub(crate) fn top_basis_from_scatter(
    scatter: MatRef<'_, f64>,
    latent_dim: usize,
) -> Result<TopBasis, EigenFailure> {
    let eigen = symmetric_eigen(scatter)?;
    let mut basis = eigen.top_rows(latent_dim);
    normalise_signs(&mut basis);
    Ok(TopBasis {
        basis,
        eigenvalues: eigen.values[..latent_dim].to_vec(),
    })
}

/// Computes the top-`h` right singular vectors of the centered members `m × d` (`m < d`).
pub(crate) fn top_basis_from_members(
    members: MatRef<'_, f64>,
    latent_dim: usize,
) -> Result<TopBasis, EigenFailure> {
    let (count, dim) = members.shape();
    let rank_bound = count.min(dim);
    let mut singular_values = Diag::<f64>::zeros(rank_bound);
    let mut right = Mat::<f64>::zeros(dim, rank_bound);
    let mut buffer = MemBuffer::new(svd::svd_scratch::<f64>(
        count,
        dim,
        ComputeSvdVectors::No,
        ComputeSvdVectors::Thin,
        Par::Seq,
        Default::default(),
    ));
    svd::svd(
        members,
        singular_values.as_mut(),
        None,
        Some(right.as_mut()),
        Par::Seq,
        MemStack::new(&mut buffer),
        Default::default(),
    )
    .map_err(|_| EigenFailure::Svd)?;

    // faer returns singular values in non-increasing order.
    let values = singular_values.column_vector();
    let mut basis = Mat::zeros(latent_dim, dim);
    let mut top = Vec::with_capacity(latent_dim);
    for k in 0..latent_dim {
        for c in 0..dim {
            basis[(k, c)] = right[(c, k)];
        }
        top.push(values[k] * values[k]);
    }
    normalise_signs(&mut basis);
    Ok(TopBasis {
        basis,
        eigenvalues: top,
    })
}

/// Flips each row so that its entry of largest magnitude (the first such) is positive.
pub(crate) fn normalise_signs(basis: &mut Mat<f64>) {
    for k in 0..basis.nrows() {
        let mut pivot = 0.0f64;
        for c in 0..basis.ncols() {
            let value = basis[(k, c)];
            if value.abs() > pivot.abs() {
                pivot = value;
            }
        }
        if pivot < 0.0 {
            for c in 0..basis.ncols() {
                basis[(k, c)] = -basis[(k, c)];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::linalg::matmul::matmul;
    use faer::Accum;

    /// Projector `Wᵀ W` of a basis.
    fn projector(basis: &Mat<f64>) -> Mat<f64> {
        let dim = basis.ncols();
        let mut p = Mat::zeros(dim, dim);
        matmul(
            p.as_mut(),
            Accum::Replace,
            basis.transpose(),
            basis.as_ref(),
            1.0,
            Par::Seq,
        );
        p
    }

    #[test]
    fn scatter_basis_matches_known_eigenvectors() {
        // S = diag(1, 5, 3): the top-2 eigenvectors are e1 and e2 with eigenvalues 5 and 3.
        let scatter = Mat::from_fn(3, 3, |i, j| if i == j { [1.0, 5.0, 3.0][i] } else { 0.0 });
        let top = top_basis_from_scatter(scatter.as_ref(), 2).unwrap();
        assert!((top.eigenvalues[0] - 5.0).abs() < 1e-14);
        assert!((top.eigenvalues[1] - 3.0).abs() < 1e-14);
        assert!((top.basis[(0, 1)] - 1.0).abs() < 1e-14);
        assert!((top.basis[(1, 2)] - 1.0).abs() < 1e-14);
    }

    #[test]
    fn thin_svd_and_scatter_paths_agree() {
        // Four points in R^6 (fewer points than dimensions), values from a fixed formula.
        let members = Mat::from_fn(4, 6, |i, j| {
            ((i * 7 + j * 3) % 5) as f64 - 2.0 + 0.1 * j as f64
        });
        let mut scatter = Mat::zeros(6, 6);
        matmul(
            scatter.as_mut(),
            Accum::Replace,
            members.transpose(),
            members.as_ref(),
            1.0,
            Par::Seq,
        );
        let from_svd = top_basis_from_members(members.as_ref(), 2).unwrap();
        let from_evd = top_basis_from_scatter(scatter.as_ref(), 2).unwrap();
        for k in 0..2 {
            let relative =
                (from_svd.eigenvalues[k] - from_evd.eigenvalues[k]).abs() / from_evd.eigenvalues[k];
            assert!(relative < 1e-12, "eigenvalue {k}: {relative}");
        }
        let difference = projector(&from_svd.basis) - projector(&from_evd.basis);
        assert!(difference.norm_l2() < 1e-10);
    }

    #[test]
    fn signs_make_largest_entry_positive() {
        let mut basis = Mat::from_fn(2, 3, |i, j| [[0.1, -0.9, 0.3], [0.5, 0.2, -0.4]][i][j]);
        normalise_signs(&mut basis);
        assert_eq!(basis[(0, 1)], 0.9);
        assert_eq!(basis[(1, 0)], 0.5);
    }
}
