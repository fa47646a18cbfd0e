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

use crate::dense::{product, symmetric_eigen};

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

/// Smallest dimension at which the eigen step tries [`top_basis_warm`] before the dense
/// solver. The warm start was measured to pay at d = 64, 128 and 256; below 64, one dense
/// decomposition takes at most tens of microseconds.
pub(crate) const WARM_START_MIN_DIM: usize = 64;

/// Subspace iterations tried before falling back to the dense solver.
const WARM_START_MAX_ITERATIONS: usize = 25;

/// Largest residual `‖S v − θ v‖` accepted for a Ritz pair, relative to the largest Ritz value.
const WARM_START_TOLERANCE: f64 = 1e-12;

/// Power iterations that estimate the largest eigenvalue outside the Ritz subspace.
const COMPLEMENT_ITERATIONS: usize = 12;

/// A scatter matrix `S`, given either as the matrix or as the centered members `Y` with
/// `S = Yᵀ Y`.
///
/// Applying `S` through the members costs `4·m·d·k` operations for `k` vectors, much less than
/// forming `S` when the cluster has fewer members than dimensions.
#[derive(Clone, Copy)]
pub(crate) enum ScatterOperator<'a> {
    /// The `d × d` scatter matrix.
    Matrix(MatRef<'a, f64>),
    /// The `m × d` centered members.
    Members(MatRef<'a, f64>),
}

impl ScatterOperator<'_> {
    /// Writes `S · v` into `out` (`d × k`).
    fn apply(&self, v: MatRef<'_, f64>, out: faer::MatMut<'_, f64>) {
        match *self {
            ScatterOperator::Matrix(scatter) => multiply(scatter, v, out),
            ScatterOperator::Members(members) => {
                let codes = product(members, v);
                multiply(members.transpose(), codes.as_ref(), out);
            }
        }
    }
}

/// Computes the top-`h` eigenvectors of the scatter matrix by subspace iteration started from
/// `previous` (`h × d`, orthonormal rows), or returns `None` when that does not converge.
///
/// Each step multiplies the basis by S, takes the Ritz pairs of the projected `h × h` matrix,
/// and stops when every Ritz pair has a residual `‖S v − θ v‖ ≤ 1e-12 θ_1`. The iteration
/// gives up early when the rate at which the residual falls cannot reach that tolerance within
/// the step budget, which happens when the spectrum has no clear gap after `θ_h`. A small residual
/// only shows that the pairs are eigenpairs, not that they are the top h. So a few power
/// iterations on the complement of the subspace then estimate the largest remaining
/// eigenvalue, and the result is kept only when that estimate is clearly below `θ_h`.
///
/// NOTE: the complement check is an estimate, not a bound. A start vector nearly orthogonal to
/// the largest remaining eigenvector could let a wrong subspace through.
pub(crate) fn top_basis_warm(
    scatter: ScatterOperator<'_>,
    previous: MatRef<'_, f64>,
) -> Option<TopBasis> {
    let (latent_dim, dim) = previous.shape();
    let mut subspace = previous.transpose().to_owned();
    let mut image = Mat::<f64>::zeros(dim, latent_dim);
    let mut previous_worst = f64::INFINITY;
    for iteration in 0..WARM_START_MAX_ITERATIONS {
        scatter.apply(subspace.as_ref(), image.as_mut());
        let projected = product_t(subspace.as_ref(), image.as_ref());
        let ritz = symmetric_eigen(projected.as_ref()).ok()?;
        let vectors = product(subspace.as_ref(), ritz.vectors.as_ref());
        let images = product(image.as_ref(), ritz.vectors.as_ref());

        let largest = ritz.values[0].abs().max(f64::MIN_POSITIVE);
        let worst = (0..latent_dim)
            .map(|k| {
                let residual: f64 = (0..dim)
                    .map(|r| (images[(r, k)] - ritz.values[k] * vectors[(r, k)]).powi(2))
                    .sum();
                residual.sqrt() / largest
            })
            .fold(0.0, f64::max);
        let converged = worst <= WARM_START_TOLERANCE;

        // The residual shrinks by a roughly constant factor per step. Give up as soon as that
        // factor puts the tolerance out of reach, so that a slow start costs only a few steps.
        if !converged && iteration > 0 {
            let factor = worst / previous_worst;
            let needed = (WARM_START_TOLERANCE / worst).ln() / factor.ln();
            let stalled = factor.is_nan() || factor >= 1.0;
            if stalled || iteration as f64 + needed > WARM_START_MAX_ITERATIONS as f64 {
                return None;
            }
        }
        previous_worst = worst;
        if converged {
            let remaining = complement_estimate(scatter, vectors.as_ref());
            if remaining >= ritz.values[latent_dim - 1] * (1.0 - 1e-6) {
                return None;
            }
            let mut basis = Mat::from_fn(latent_dim, dim, |k, c| vectors[(c, k)]);
            normalise_signs(&mut basis);
            return Some(TopBasis {
                basis,
                eigenvalues: ritz.values,
            });
        }
        subspace = orthonormal_columns(images)?;
    }
    None
}

/// Estimates the largest eigenvalue of S on the orthogonal complement of the columns of
/// `vectors`, by power iteration from a fixed start.
fn complement_estimate(scatter: ScatterOperator<'_>, vectors: MatRef<'_, f64>) -> f64 {
    let dim = vectors.nrows();
    // A start with unequal entries, so that no coordinate direction is missed by symmetry.
    let mut v = Mat::from_fn(dim, 1, |r, _| 1.0 + (r as f64 * 0.618_033_988_75).fract());
    let mut image = Mat::<f64>::zeros(dim, 1);
    let mut estimate = 0.0;
    for _ in 0..COMPLEMENT_ITERATIONS {
        project_out(&mut v, vectors);
        let norm = v.norm_l2();
        if norm == 0.0 {
            return 0.0;
        }
        v /= faer::Scale(norm);
        scatter.apply(v.as_ref(), image.as_mut());
        project_out(&mut image, vectors);
        estimate = (0..dim).map(|r| v[(r, 0)] * image[(r, 0)]).sum();
        std::mem::swap(&mut v, &mut image);
    }
    estimate
}

/// Removes from each column of `m` its components along the orthonormal columns of `basis`.
fn project_out(m: &mut Mat<f64>, basis: MatRef<'_, f64>) {
    let coefficients = product_t(basis, m.as_ref());
    faer::linalg::matmul::matmul(
        m.as_mut(),
        faer::Accum::Add,
        basis,
        coefficients.as_ref(),
        -1.0,
        Par::Seq,
    );
}

/// Returns an orthonormal basis of the columns of `m` (full column rank), by modified
/// Gram–Schmidt applied twice, or `None` when a column is dependent on the others.
fn orthonormal_columns(mut m: Mat<f64>) -> Option<Mat<f64>> {
    let columns = m.ncols();
    for k in 0..columns {
        let original = m.col(k).norm_l2();
        for _ in 0..2 {
            for previous in 0..k {
                let dot: f64 = (0..m.nrows()).map(|r| m[(r, previous)] * m[(r, k)]).sum();
                for r in 0..m.nrows() {
                    m[(r, k)] -= dot * m[(r, previous)];
                }
            }
        }
        let norm = m.col(k).norm_l2();
        // Also rejects a NaN norm.
        if norm.is_nan() || norm <= 1e-10 * original {
            return None;
        }
        for r in 0..m.nrows() {
            m[(r, k)] /= norm;
        }
    }
    Some(m)
}

/// Writes `a · b` into `out`, sequentially.
fn multiply(a: MatRef<'_, f64>, b: MatRef<'_, f64>, out: faer::MatMut<'_, f64>) {
    faer::linalg::matmul::matmul(out, faer::Accum::Replace, a, b, 1.0, Par::Seq);
}

/// Returns `aᵀ · b`, sequentially.
fn product_t(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    product(a.transpose(), b)
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

    /// Returns a symmetric `d × d` matrix `Q diag(values) Qᵀ` with a random orthogonal Q, and Q.
    fn planted_scatter(values: &[f64], seed: u64) -> (Mat<f64>, Mat<f64>) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let dim = values.len();
        let random: Mat<f64> = Mat::from_fn(dim, dim, |_, _| rng.random_range(-1.0..1.0));
        let q = orthonormal_columns(random).expect("random columns are independent");
        let scaled = Mat::from_fn(dim, dim, |r, c| q[(r, c)] * values[c]);
        (product(scaled.as_ref(), q.transpose()), q)
    }

    #[test]
    fn warm_start_matches_dense_solver() {
        // d = 80 with top eigenvalues 50, 40, 30, 20 and the rest between 1 and 2.
        let dim = 80;
        let values: Vec<f64> = (0..dim)
            .map(|k| {
                if k < 4 {
                    50.0 - 10.0 * k as f64
                } else {
                    1.0 + k as f64 / dim as f64
                }
            })
            .collect();
        let (scatter, q) = planted_scatter(&values, 11);
        let dense = top_basis_from_scatter(scatter.as_ref(), 4).unwrap();

        // Start from the true top-4 directions tilted by about 0.1 rad towards the others.
        let tilted = Mat::from_fn(dim, 4, |r, k| q[(r, k)] + 0.1 * q[(r, k + 4)]);
        let start = orthonormal_columns(tilted).unwrap();
        let warm = top_basis_warm(ScatterOperator::Matrix(scatter.as_ref()), start.transpose())
            .expect("converges");

        for (k, &value) in values.iter().take(4).enumerate() {
            let relative = (warm.eigenvalues[k] - dense.eigenvalues[k]).abs() / value;
            assert!(relative < 1e-12, "eigenvalue {k}: {relative:e}");
            for c in 0..dim {
                let gap = (warm.basis[(k, c)] - dense.basis[(k, c)]).abs();
                assert!(gap < 1e-9, "vector {k}, entry {c}: {gap:e}");
            }
        }
    }

    #[test]
    fn warm_start_through_members_matches_thin_svd() {
        // 40 members in d = 90 (the thin-SVD case): three strong directions and weak noise.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
        let (count, dim) = (40, 90);
        let directions: Mat<f64> = Mat::from_fn(3, dim, |_, _| rng.random_range(-1.0..1.0));
        let mut members = Mat::from_fn(count, dim, |_, _| 0.01 * rng.random_range(-1.0..1.0));
        for i in 0..count {
            for k in 0..3 {
                let weight = (3.0 - k as f64) * rng.random_range(-1.0..1.0);
                for c in 0..dim {
                    members[(i, c)] += weight * directions[(k, c)];
                }
            }
        }
        let thin = top_basis_from_members(members.as_ref(), 3).unwrap();

        // Start about 0.05 rad away from the thin-SVD basis.
        let tilted = Mat::from_fn(dim, 3, |c, k| {
            thin.basis[(k, c)] + 0.05 * thin.basis[((k + 1) % 3, c)] + 0.02 * (c as f64).sin()
        });
        let start = orthonormal_columns(tilted).unwrap();
        let warm = top_basis_warm(
            ScatterOperator::Members(members.as_ref()),
            start.transpose(),
        )
        .expect("converges");

        for k in 0..3 {
            let relative = (warm.eigenvalues[k] - thin.eigenvalues[k]).abs() / thin.eigenvalues[k];
            assert!(relative < 1e-12, "eigenvalue {k}: {relative:e}");
        }
        let difference = projector(&warm.basis) - projector(&thin.basis);
        assert!(difference.norm_l2() < 1e-9, "{:e}", difference.norm_l2());
    }

    #[test]
    fn warm_start_rejects_wrong_subspace() {
        // The start spans eigenvectors 2..6 exactly, an invariant subspace whose Ritz pairs
        // have zero residual. The complement check must see eigenvalues 0 and 1 outside it.
        let dim = 70;
        let values: Vec<f64> = (0..dim).map(|k| 100.0 / (1.0 + k as f64)).collect();
        let (scatter, q) = planted_scatter(&values, 12);
        let start = Mat::from_fn(4, dim, |k, c| q[(c, k + 2)]);
        if let Some(warm) =
            top_basis_warm(ScatterOperator::Matrix(scatter.as_ref()), start.as_ref())
        {
            let dense = top_basis_from_scatter(scatter.as_ref(), 4).unwrap();
            let difference = projector(&warm.basis) - projector(&dense.basis);
            assert!(difference.norm_l2() < 1e-8, "wrong subspace accepted");
        }
    }

    #[test]
    fn warm_start_gives_up_on_equal_eigenvalues() {
        // λ_4 = λ_5: the top-4 subspace is not unique, so the dense solver must decide.
        let dim = 64;
        let values: Vec<f64> = (0..dim)
            .map(|k| match k {
                0..=2 => 30.0 - k as f64,
                3 | 4 => 10.0,
                _ => 1.0,
            })
            .collect();
        let (scatter, q) = planted_scatter(&values, 13);
        let start = Mat::from_fn(4, dim, |k, c| q[(c, k)]);
        assert!(
            top_basis_warm(ScatterOperator::Matrix(scatter.as_ref()), start.as_ref()).is_none()
        );
    }

    #[test]
    fn signs_make_largest_entry_positive() {
        let mut basis = Mat::from_fn(2, 3, |i, j| [[0.1, -0.9, 0.3], [0.5, 0.2, -0.4]][i][j]);
        normalise_signs(&mut basis);
        assert_eq!(basis[(0, 1)], 0.9);
        assert_eq!(basis[(1, 0)], 0.5);
    }
}
