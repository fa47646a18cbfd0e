//! Independent oracles for the tests: every quantity recomputed with nalgebra, sharing no
//! numerical code with the faer solver.

#![allow(dead_code)]

use faer::{Mat, MatRef};
use nalgebra::{DMatrix, DVector, SymmetricEigen};
use tae::planted::{PlantedMixture, PlantedSample};

/// Converts a faer matrix to nalgebra.
pub fn to_na(m: MatRef<'_, f64>) -> DMatrix<f64> {
    DMatrix::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)])
}

/// Converts a nalgebra matrix to faer.
pub fn to_faer(m: &DMatrix<f64>) -> Mat<f64> {
    Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)])
}

/// The default planted model at the given separation, seed and cluster size.
pub fn planted(separation: f64, size: usize, seed: u64) -> PlantedSample {
    PlantedMixture::default_model(separation, size, seed)
        .unwrap()
        .sample(seed + 1000)
        .unwrap()
}

/// `ℓ(x) = ‖y − WᵀWy‖² + λ‖Wy‖²` with `y = x − c`: the autoencoder form of the loss.
pub fn loss_ae_form(
    x: &DVector<f64>,
    center: &DVector<f64>,
    basis: &DMatrix<f64>,
    lambda: f64,
) -> f64 {
    let y = x - center;
    let code = basis * &y;
    let residual = &y - basis.transpose() * &code;
    residual.norm_squared() + lambda * code.norm_squared()
}

/// Mean of the rows of `x` whose label is `j`, and their scatter matrix.
pub fn cluster_mean_scatter(
    x: &DMatrix<f64>,
    labels: &[usize],
    j: usize,
) -> (DVector<f64>, DMatrix<f64>) {
    let dim = x.ncols();
    let members: Vec<usize> = (0..x.nrows()).filter(|&i| labels[i] == j).collect();
    let mut mean = DVector::zeros(dim);
    for &i in &members {
        mean += x.row(i).transpose();
    }
    mean /= members.len() as f64;
    let mut scatter = DMatrix::zeros(dim, dim);
    for &i in &members {
        let y = x.row(i).transpose() - &mean;
        scatter += &y * y.transpose();
    }
    (mean, scatter)
}

/// Projector onto the top-`h` eigenvectors of a symmetric matrix, and its eigengap
/// `σ_h − σ_{h+1}` (infinite when h = d).
pub fn top_projector(scatter: &DMatrix<f64>, h: usize) -> (DMatrix<f64>, f64) {
    let eigen = SymmetricEigen::new(scatter.clone());
    let mut order: Vec<usize> = (0..scatter.nrows()).collect();
    order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
    let dim = scatter.nrows();
    let mut projector = DMatrix::zeros(dim, dim);
    for &k in order.iter().take(h) {
        let v = eigen.eigenvectors.column(k);
        projector += v * v.transpose();
    }
    let gap = if h < dim {
        eigen.eigenvalues[order[h - 1]] - eigen.eigenvalues[order[h]]
    } else {
        f64::INFINITY
    };
    (projector, gap)
}

/// Projector `WᵀW` of a basis with orthonormal rows.
pub fn projector(basis: MatRef<'_, f64>) -> DMatrix<f64> {
    let w = to_na(basis);
    w.transpose() * w
}

/// Spectral norm of a symmetric matrix.
pub fn spectral_norm(m: &DMatrix<f64>) -> f64 {
    m.clone().singular_values().max()
}

/// Fraction of points whose cluster maps to their true class under the best matching,
/// by brute force over all permutations (K ≤ 6), independent of the crate's Hungarian solver.
pub fn accuracy_by_permutation(truth: &[usize], predicted: &[usize], k: usize) -> f64 {
    fn permutations(k: usize) -> Vec<Vec<usize>> {
        if k == 0 {
            return vec![vec![]];
        }
        let mut all = Vec::new();
        for p in permutations(k - 1) {
            for pos in 0..=p.len() {
                let mut q = p.clone();
                q.insert(pos, k - 1);
                all.push(q);
            }
        }
        all
    }
    permutations(k)
        .iter()
        .map(|perm| {
            truth
                .iter()
                .zip(predicted)
                .filter(|(&t, &p)| perm[p] == t)
                .count()
        })
        .max()
        .unwrap() as f64
        / truth.len() as f64
}

/// `L*(P) = Σ_j min_W [tr S_j − (1 − λ) tr(W S_j Wᵀ)]`, with `S_j` the scatter of the rows of
/// `x` weighted by column `j` of `p` around their weighted mean, by nalgebra.
pub fn reduced_loss_na(x: &DMatrix<f64>, p: &DMatrix<f64>, h: usize, lambda: f64) -> f64 {
    let (n, d) = x.shape();
    let mut total = 0.0;
    for j in 0..p.ncols() {
        let mass: f64 = p.column(j).sum();
        let mut mean = DVector::zeros(d);
        for i in 0..n {
            mean += p[(i, j)] * x.row(i).transpose();
        }
        mean /= mass;
        let mut scatter = DMatrix::zeros(d, d);
        for i in 0..n {
            let y = x.row(i).transpose() - &mean;
            scatter += p[(i, j)] * &y * y.transpose();
        }
        let mut values: Vec<f64> = scatter.symmetric_eigenvalues().iter().copied().collect();
        // The minimising basis takes the top-h eigenvalues for λ ≤ 1 and the bottom-h above.
        if lambda <= 1.0 {
            values.sort_by(|a, b| b.total_cmp(a));
        } else {
            values.sort_by(f64::total_cmp);
        }
        let trace: f64 = values.iter().sum();
        let captured: f64 = values.iter().take(h).sum();
        total += trace - (1.0 - lambda) * captured;
    }
    total
}

/// Random soft assignment: each row a point of the simplex, from exponential weights.
pub fn random_soft_assignment(n: usize, k: usize, rng: &mut impl rand::Rng) -> DMatrix<f64> {
    let mut p = DMatrix::from_fn(n, k, |_, _| -rng.random::<f64>().ln());
    for i in 0..n {
        let total: f64 = p.row(i).sum();
        for j in 0..k {
            p[(i, j)] /= total;
        }
    }
    p
}
