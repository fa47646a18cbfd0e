//! Small linear-algebra helpers shared by the claim checks.

use faer::{Mat, MatRef};
use rand_chacha::ChaCha8Rng;

use crate::dense::symmetric_eigen;
use crate::error::{Error, Result};
use crate::planted::random_rotation;

/// A uniformly random `h × d` matrix with orthonormal rows.
pub fn random_basis(h: usize, d: usize, rng: &mut ChaCha8Rng) -> Mat<f64> {
    let rotation = random_rotation(d, rng);
    Mat::from_fn(h, d, |k, c| rotation[(c, k)])
}

pub(crate) use crate::dense::product;

/// The projector `Wᵀ W` onto the row space of `w`.
pub fn projector(w: MatRef<'_, f64>) -> Mat<f64> {
    product(w.transpose(), w)
}

/// Eigenvalues in decreasing order and the matching eigenvectors as rows.
pub fn eigen_desc(scatter: MatRef<'_, f64>) -> Result<(Vec<f64>, Mat<f64>)> {
    let eigen = symmetric_eigen(scatter).map_err(|failure| Error::DecompositionFailed {
        decomposition: failure.name(),
        cluster: None,
        iteration: 0,
    })?;
    let rows = eigen.top_rows(scatter.nrows());
    Ok((eigen.values, rows))
}

/// Weighted mean and scatter `Σ_i w_i (x_i − m)(x_i − m)ᵀ` of the rows of `x`.
pub fn weighted_scatter(x: MatRef<'_, f64>, weights: &[f64]) -> (Vec<f64>, Mat<f64>) {
    let (n, d) = x.shape();
    let mass: f64 = weights.iter().sum();
    let mean: Vec<f64> = (0..d)
        .map(|c| (0..n).map(|i| weights[i] * x[(i, c)]).sum::<f64>() / mass)
        .collect();
    let scaled = Mat::from_fn(n, d, |i, c| weights[i].sqrt() * (x[(i, c)] - mean[c]));
    (mean, product(scaled.transpose(), scaled.as_ref()))
}

/// The rows of `x` labelled `j`.
pub fn members(x: MatRef<'_, f64>, labels: &[usize], j: usize) -> Mat<f64> {
    let rows: Vec<usize> = (0..x.nrows()).filter(|&i| labels[i] == j).collect();
    Mat::from_fn(rows.len(), x.ncols(), |r, c| x[(rows[r], c)])
}

/// `L*(P) = Σ_j [tr S_j − (1 − λ) Σ_{k≤h} σ_k(S_j)]` with `S_j` the `P`-weighted scatter of
/// column `j` of `p` (`n × K`) at its weighted mean.
pub fn reduced_loss(x: MatRef<'_, f64>, p: MatRef<'_, f64>, h: usize, lambda: f64) -> Result<f64> {
    let mut total = 0.0;
    for j in 0..p.ncols() {
        let weights: Vec<f64> = p.col(j).iter().copied().collect();
        let (_, scatter) = weighted_scatter(x, &weights);
        let (values, _) = eigen_desc(scatter.as_ref())?;
        let trace: f64 = values.iter().sum();
        let top: f64 = values.iter().take(h).sum();
        total += trace - (1.0 - lambda) * top;
    }
    Ok(total)
}

/// One-hot `n × K` matrix of hard labels.
pub fn one_hot(labels: &[usize], k: usize) -> Mat<f64> {
    Mat::from_fn(
        labels.len(),
        k,
        |i, j| if labels[i] == j { 1.0 } else { 0.0 },
    )
}

/// `|a − b| / max(|b|, floor)`.
pub fn relative_error(a: f64, b: f64, floor: f64) -> f64 {
    (a - b).abs() / b.abs().max(floor)
}
