//! The loss of the linear TAE and its gradients, for any encoders and decoders.

use nalgebra::{DMatrix, DVector};

use super::params::Decoder;

/// Centers, encoders and decoders of the K clusters.
#[derive(Debug, Clone)]
pub(super) struct Parameters {
    /// `K × d`, one center per row.
    pub centers: DMatrix<f64>,
    /// K encoders `W_j`, `h × d` each.
    pub encoders: Vec<DMatrix<f64>>,
    /// K decoders `V_j`, `d × h` each (`W_jᵀ` for the tied model).
    pub decoders: Vec<DMatrix<f64>>,
}

/// Gradients of the mean loss per point of a batch.
#[derive(Debug, Clone)]
pub(super) struct Gradients {
    /// With respect to each `W_j`; for the tied model this includes the path through
    /// `V_j = W_jᵀ`.
    pub encoders: Vec<DMatrix<f64>>,
    /// With respect to each `V_j` (unused by the tied model).
    pub decoders: Vec<DMatrix<f64>>,
    /// With respect to the centers, `K × d`.
    pub centers: DMatrix<f64>,
}

/// Returns the rows `rows` of `x` minus the center `j`: `b × d`, one `y = x_i − c_j` per row.
fn centered_rows(
    x: &DMatrix<f64>,
    rows: &[usize],
    centers: &DMatrix<f64>,
    j: usize,
) -> DMatrix<f64> {
    DMatrix::from_fn(rows.len(), x.ncols(), |r, c| {
        x[(rows[r], c)] - centers[(j, c)]
    })
}

/// Returns the codes `Z = Y W_jᵀ` and residuals `R = Y − Z V_jᵀ` of the rows of `y`.
fn codes_and_residuals(
    y: &DMatrix<f64>,
    encoder: &DMatrix<f64>,
    decoder: &DMatrix<f64>,
) -> (DMatrix<f64>, DMatrix<f64>) {
    let codes = y * encoder.transpose();
    let residuals = y - &codes * decoder.transpose();
    (codes, residuals)
}

/// Returns the `b × K` losses `ℓ_ij = ‖r‖² + λ‖z‖²` of the points `rows` of `x`.
pub(super) fn losses_of_rows(
    x: &DMatrix<f64>,
    rows: &[usize],
    params: &Parameters,
    lambda: f64,
) -> DMatrix<f64> {
    let n_clusters = params.centers.nrows();
    let mut losses = DMatrix::zeros(rows.len(), n_clusters);
    for j in 0..n_clusters {
        let y = centered_rows(x, rows, &params.centers, j);
        let (codes, residuals) = codes_and_residuals(&y, &params.encoders[j], &params.decoders[j]);
        for r in 0..rows.len() {
            losses[(r, j)] = residuals.row(r).norm_squared() + lambda * codes.row(r).norm_squared();
        }
    }
    losses
}

/// Returns `Σ_i Σ_j P_ij ℓ_ij` over all points, in squared units of the data.
pub(super) fn total_loss(
    x: &DMatrix<f64>,
    all_rows: &[usize],
    assignments: &DMatrix<f64>,
    params: &Parameters,
    lambda: f64,
) -> f64 {
    let losses = losses_of_rows(x, all_rows, params, lambda);
    losses.component_mul(assignments).sum()
}

/// Multiplies row `r` of `m` by `weights[r]`.
fn scale_rows(m: &DMatrix<f64>, weights: &DVector<f64>) -> DMatrix<f64> {
    let mut scaled = m.clone();
    for (r, &w) in weights.iter().enumerate() {
        scaled.row_mut(r).scale_mut(w);
    }
    scaled
}

/// Computes the gradients of `f = (1/b) Σ_{i ∈ rows} Σ_j P_ij ℓ_ij`, the mean loss per point
/// of the batch `rows` (b points), with the formulas in the module docs.
pub(super) fn gradients(
    x: &DMatrix<f64>,
    rows: &[usize],
    assignments: &DMatrix<f64>,
    params: &Parameters,
    lambda: f64,
    decoder: Decoder,
) -> Gradients {
    let n_clusters = params.centers.nrows();
    let batch = rows.len() as f64;
    let mut encoders = Vec::with_capacity(n_clusters);
    let mut decoders = Vec::with_capacity(n_clusters);
    let mut centers = DMatrix::zeros(n_clusters, x.ncols());

    for j in 0..n_clusters {
        let w = &params.encoders[j];
        let v = &params.decoders[j];
        let y = centered_rows(x, rows, &params.centers, j);
        let (codes, residuals) = codes_and_residuals(&y, w, v);
        let weights = DVector::from_fn(rows.len(), |r, _| assignments[(rows[r], j)] / batch);
        let weighted_codes = scale_rows(&codes, &weights);
        let weighted_residuals = scale_rows(&residuals, &weights);

        // ∂f/∂V_j = −2 Rᵀ D Z and, through the encoder, ∂f/∂W_j = 2 (λ Z − R V_j)ᵀ D Y, with
        // D = diag(P_ij / b).
        let grad_v = -2.0 * weighted_residuals.transpose() * &codes;
        let mut grad_w =
            2.0 * (lambda * &weighted_codes - &weighted_residuals * v).transpose() * &y;
        if decoder == Decoder::Tied {
            // V_j = W_jᵀ adds the transpose of ∂f/∂V_j.
            grad_w -= 2.0 * weighted_codes.transpose() * &residuals;
        }

        // ∂f/∂c_j = −2 (Σ_i D_ii ((I − V_j W_j)ᵀ r_i + λ W_jᵀ z_i)).
        let residual_sum = weighted_residuals.row_sum().transpose();
        let code_sum = weighted_codes.row_sum().transpose();
        let grad_c = -2.0
            * (&residual_sum - w.transpose() * (v.transpose() * &residual_sum)
                + lambda * w.transpose() * code_sum);
        centers.row_mut(j).copy_from(&grad_c.transpose());

        encoders.push(grad_w);
        decoders.push(grad_v);
    }
    Gradients {
        encoders,
        decoders,
        centers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn random_matrix(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> DMatrix<f64> {
        DMatrix::from_fn(rows, cols, |_, _| rng.random::<f64>() * 2.0 - 1.0)
    }

    struct Case {
        x: DMatrix<f64>,
        rows: Vec<usize>,
        assignments: DMatrix<f64>,
        params: Parameters,
        lambda: f64,
    }

    /// Random data, soft assignments and parameters; the encoders are not orthonormal, so the
    /// formulas are checked off the Stiefel manifold too.
    fn random_case(seed: u64) -> Case {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (n, d, h, k) = (9, 4, 2, 3);
        let x = random_matrix(n, d, &mut rng);
        let mut assignments = DMatrix::from_fn(n, k, |_, _| rng.random::<f64>() + 0.05);
        for i in 0..n {
            let total = assignments.row(i).sum();
            assignments.row_mut(i).scale_mut(1.0 / total);
        }
        let params = Parameters {
            centers: random_matrix(k, d, &mut rng),
            encoders: (0..k).map(|_| random_matrix(h, d, &mut rng)).collect(),
            decoders: (0..k).map(|_| random_matrix(d, h, &mut rng)).collect(),
        };
        Case {
            x,
            // A batch with a repeated point, as in no real batch, to exercise the weights.
            rows: vec![0, 2, 3, 5, 8, 2],
            assignments,
            params,
            lambda: 0.3,
        }
    }

    /// Computes the batch objective `f`, with `V_j = W_jᵀ` when tied.
    fn objective(case: &Case, params: &Parameters, decoder: Decoder) -> f64 {
        let mut params = params.clone();
        if decoder == Decoder::Tied {
            params.decoders = params.encoders.iter().map(|w| w.transpose()).collect();
        }
        let losses = losses_of_rows(&case.x, &case.rows, &params, case.lambda);
        let mut total = 0.0;
        for (r, &i) in case.rows.iter().enumerate() {
            for j in 0..params.centers.nrows() {
                total += case.assignments[(i, j)] * losses[(r, j)];
            }
        }
        total / case.rows.len() as f64
    }

    /// One scalar parameter.
    #[derive(Debug, Clone, Copy)]
    enum Entry {
        /// `W_j[a, c]`.
        Encoder(usize, usize, usize),
        /// `V_j[c, a]`.
        Decoder(usize, usize, usize),
        /// `c_j[c]`.
        Center(usize, usize),
    }

    fn entry_mut(params: &mut Parameters, entry: Entry) -> &mut f64 {
        match entry {
            Entry::Encoder(j, a, c) => &mut params.encoders[j][(a, c)],
            Entry::Decoder(j, c, a) => &mut params.decoders[j][(c, a)],
            Entry::Center(j, c) => &mut params.centers[(j, c)],
        }
    }

    /// Central difference of `objective` along one entry.
    fn central_difference(case: &Case, decoder: Decoder, entry: Entry) -> f64 {
        let step = 1e-6;
        let mut plus = case.params.clone();
        *entry_mut(&mut plus, entry) += step;
        let mut minus = case.params.clone();
        *entry_mut(&mut minus, entry) -= step;
        (objective(case, &plus, decoder) - objective(case, &minus, decoder)) / (2.0 * step)
    }

    fn assert_close(analytic: f64, numeric: f64, what: &str) {
        // Central differences with step 1e-6 on values of order 1 are accurate to about 1e-9.
        let tolerance = 1e-6 * (1.0 + numeric.abs());
        assert!(
            (analytic - numeric).abs() <= tolerance,
            "{what}: analytic {analytic}, finite difference {numeric}"
        );
    }

    #[test]
    fn gradients_match_finite_differences() {
        for seed in 0..3 {
            for decoder in [Decoder::Tied, Decoder::Free] {
                let mut case = random_case(seed);
                if decoder == Decoder::Tied {
                    case.params.decoders =
                        case.params.encoders.iter().map(|w| w.transpose()).collect();
                }
                let grads = gradients(
                    &case.x,
                    &case.rows,
                    &case.assignments,
                    &case.params,
                    case.lambda,
                    decoder,
                );
                let (k, d) = case.params.centers.shape();
                let h = case.params.encoders[0].nrows();
                for j in 0..k {
                    for a in 0..h {
                        for c in 0..d {
                            let numeric =
                                central_difference(&case, decoder, Entry::Encoder(j, a, c));
                            let what = format!("{decoder:?} seed {seed}: dW_{j}[{a},{c}]");
                            assert_close(grads.encoders[j][(a, c)], numeric, &what);
                            if decoder == Decoder::Free {
                                let numeric =
                                    central_difference(&case, decoder, Entry::Decoder(j, c, a));
                                let what = format!("{decoder:?} seed {seed}: dV_{j}[{c},{a}]");
                                assert_close(grads.decoders[j][(c, a)], numeric, &what);
                            }
                        }
                    }
                    for c in 0..d {
                        let numeric = central_difference(&case, decoder, Entry::Center(j, c));
                        let what = format!("{decoder:?} seed {seed}: dc_{j}[{c}]");
                        assert_close(grads.centers[(j, c)], numeric, &what);
                    }
                }
            }
        }
    }

    #[test]
    fn losses_match_tied_identity() {
        // With orthonormal rows, ‖y − WᵀWy‖² + λ‖Wy‖² = ‖y‖² − (1 − λ)‖Wy‖².
        let case = random_case(7);
        let (k, d) = case.params.centers.shape();
        let encoders: Vec<DMatrix<f64>> = case
            .params
            .encoders
            .iter()
            .map(|w| {
                let q = w.transpose().qr().q();
                q.transpose()
            })
            .collect();
        let params = Parameters {
            centers: case.params.centers.clone(),
            decoders: encoders.iter().map(|w| w.transpose()).collect(),
            encoders,
        };
        let rows: Vec<usize> = (0..case.x.nrows()).collect();
        let losses = losses_of_rows(&case.x, &rows, &params, case.lambda);
        for i in rows {
            for j in 0..k {
                let y = DVector::from_fn(d, |c, _| case.x[(i, c)] - params.centers[(j, c)]);
                let code = &params.encoders[j] * &y;
                let expected = y.norm_squared() - (1.0 - case.lambda) * code.norm_squared();
                assert!(
                    (losses[(i, j)] - expected).abs() <= 1e-12 * (1.0 + expected),
                    "point {i}, cluster {j}: {} vs {expected}",
                    losses[(i, j)]
                );
            }
        }
    }
}
