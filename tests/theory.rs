//! Numerical checks of the theory of the tied linear TAE on planted Gaussian mixtures.
//!
//! Each test name starts with the id of the claim it checks. The planted model (PM) has K = 3
//! clusters in d = 10 dimensions with spectra (9, 7.2, 0.05, …) along random rotations and
//! means `separation · N(0, I)/√d`; λ = 0.1 and h = 2 unless a test sets other values.

mod common;

use common::*;
use faer::Mat;
use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tae::baselines::{KMeans, Pca};
use tae::em::EmParams;
use tae::planted::PlantedMixture;
use tae::untied::{best_angle_2d, Decoder};
use tae::verify::Claim;
use tae::{FitSummary, Init, TaeModel, TaeParams};

const LAMBDA: f64 = 0.1;

fn fit_pm(separation: f64, seed: u64) -> (tae::planted::PlantedSample, TaeModel) {
    let sample = planted(separation, 300, seed);
    let model = TaeParams::new(3, 2)
        .lambda(LAMBDA)
        .tol(0.0)
        .seed(seed)
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    (sample, model)
}

/// A model with one cluster at `center` with basis `basis`, built from parts.
fn single_cluster(center: &DVector<f64>, basis: &DMatrix<f64>, lambda: f64) -> TaeModel {
    let centers = Mat::from_fn(1, center.len(), |_, c| center[c]);
    TaeModel::from_parts(centers, vec![to_faer(basis)], lambda, FitSummary::default()).unwrap()
}

/// Center `j` of a model as a nalgebra vector.
fn center_of(model: &TaeModel, j: usize) -> DVector<f64> {
    DVector::from_fn(model.dim(), |c, _| model.centers()[(j, c)])
}

/// A random `h × d` matrix with orthonormal rows (Q factor of a Gaussian matrix, by nalgebra).
fn random_basis(h: usize, d: usize, rng: &mut ChaCha8Rng) -> DMatrix<f64> {
    let gaussian = DMatrix::from_fn(d, h, |_, _| rng.random::<f64>() - 0.5);
    gaussian.qr().q().transpose()
}

#[test]
fn c1_loss_identity_and_spectrum() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for (h, d, lambda) in [
        (1, 2, 0.1),
        (2, 5, 0.5),
        (3, 7, 0.0),
        (4, 4, 0.9),
        (2, 10, 1.0),
    ] {
        let basis = random_basis(h, d, &mut rng);
        let center = DVector::from_fn(d, |_, _| 3.0 * rng.random::<f64>());
        let model = single_cluster(&center, &basis, lambda);
        let points = DMatrix::from_fn(20, d, |_, _| 10.0 * rng.random::<f64>() - 5.0);
        let losses = model.losses(to_faer(&points).as_ref()).unwrap();

        // A = I − (1 − λ)WᵀW has eigenvalue λ (h times) and 1 (d − h times).
        let a = DMatrix::identity(d, d) - (1.0 - lambda) * basis.transpose() * &basis;
        let mut eigenvalues: Vec<f64> = a.clone().symmetric_eigenvalues().iter().copied().collect();
        eigenvalues.sort_by(f64::total_cmp);
        for (k, &e) in eigenvalues.iter().enumerate() {
            let expected = if k < h { lambda } else { 1.0 };
            assert!(
                (e - expected).abs() < 1e-12,
                "h={h} d={d} λ={lambda}: eigenvalue {k} = {e}"
            );
        }

        for i in 0..points.nrows() {
            let x = points.row(i).transpose();
            let y = &x - &center;
            let ae_form = loss_ae_form(&x, &center, &basis, lambda);
            let short_form = y.norm_squared() - (1.0 - lambda) * (&basis * &y).norm_squared();
            let quadratic = (y.transpose() * &a * &y)[(0, 0)];
            let scale = y.norm_squared().max(1e-300);
            assert!((ae_form - short_form).abs() / scale < 1e-12);
            assert!((ae_form - quadratic).abs() / scale < 1e-12);
            assert!(
                (losses[(i, 0)] - ae_form).abs() / scale < 1e-12,
                "crate loss {} vs oracle {ae_form}",
                losses[(i, 0)]
            );
        }
    }
}

#[test]
fn c2_center_is_member_mean() {
    let (sample, model) = fit_pm(5.0, 2);
    let x = to_na(sample.data.as_ref());
    let labels = model.labels();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for j in 0..3 {
        let basis = to_na(model.bases()[j].as_ref());
        let (mean, _) = cluster_mean_scatter(&x, labels, j);
        let a = DMatrix::identity(10, 10) - (1.0 - LAMBDA) * basis.transpose() * &basis;
        let members: Vec<usize> = (0..x.nrows()).filter(|&i| labels[i] == j).collect();
        let cluster_loss = |center: &DVector<f64>| -> f64 {
            let model = single_cluster(center, &basis, LAMBDA);
            let points = DMatrix::from_fn(members.len(), 10, |r, c| x[(members[r], c)]);
            let losses = model.losses(to_faer(&points).as_ref()).unwrap();
            (0..members.len()).map(|r| losses[(r, 0)]).sum()
        };

        // The gradient −2 Σ A (x_i − c) vanishes at the mean.
        let mut gradient = DVector::zeros(10);
        for &i in &members {
            gradient += -2.0 * &a * (x.row(i).transpose() - &mean);
        }
        let at_mean = cluster_loss(&mean);
        assert!(
            gradient.norm() / at_mean < 1e-10,
            "cluster {j}: |∇| = {}",
            gradient.norm()
        );

        // L(c) − L(m) = N (m − c)ᵀ A (m − c) ≥ 0 for any other center.
        for _ in 0..5 {
            let shift = DVector::from_fn(10, |_, _| rng.random::<f64>() - 0.5);
            let center = &mean + &shift;
            let expected = members.len() as f64 * (shift.transpose() * &a * &shift)[(0, 0)];
            let found = cluster_loss(&center) - at_mean;
            assert!(expected > 0.0);
            assert!(
                (found - expected).abs() / at_mean < 1e-10,
                "cluster {j}: L(c) − L(m) = {found}, expected {expected}"
            );
        }
    }
}

#[test]
fn c5_hard_assignment_minimises_over_simplex() {
    let (sample, model) = fit_pm(3.0, 5);
    let losses = model.losses(sample.data.as_ref()).unwrap();
    let n = losses.nrows();
    let hard: f64 = (0..n)
        .map(|i| (0..3).map(|j| losses[(i, j)]).fold(f64::INFINITY, f64::min))
        .sum();

    // The argmin labels of `predict` attain the minimum.
    let predicted = model.predict(sample.data.as_ref()).unwrap();
    let at_predicted: f64 = (0..n).map(|i| losses[(i, predicted[i])]).sum();
    assert_eq!(at_predicted, hard);

    // Random soft assignments (columns in the simplex) never do better.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..200 {
        let mut soft = 0.0;
        for i in 0..n {
            let weights: Vec<f64> = (0..3).map(|_| -rng.random::<f64>().ln()).collect();
            let total: f64 = weights.iter().sum();
            soft += (0..3)
                .map(|j| weights[j] / total * losses[(i, j)])
                .sum::<f64>();
        }
        assert!(soft >= hard - 1e-12 * hard, "soft {soft} < hard {hard}");
    }
}

#[test]
fn c6_loss_never_increases() {
    for seed in 0..4 {
        for separation in [3.0, 5.0] {
            let sample = planted(separation, 300, seed);
            for lambda in [0.0, 0.1, 0.5, 1.0] {
                let model = TaeParams::new(3, 2)
                    .lambda(lambda)
                    .tol(0.0)
                    .n_init(3)
                    .seed(seed)
                    .check()
                    .unwrap()
                    .fit(sample.data.as_ref())
                    .unwrap();
                let trace = &model.summary().loss_trace;
                let mut sequence = Vec::new();
                for t in 0..trace.after_update.len() {
                    sequence.push(trace.after_update[t]);
                    if let Some(&a) = trace.after_assignment.get(t) {
                        sequence.push(a);
                    }
                }
                let slack = 1e-9 * sequence[0].abs();
                for pair in sequence.windows(2) {
                    assert!(
                        pair[1] <= pair[0] + slack,
                        "seed {seed} λ={lambda}: loss rose from {} to {}",
                        pair[0],
                        pair[1]
                    );
                }
                assert!(
                    model.converged(),
                    "seed {seed} λ={lambda} did not terminate"
                );
                assert_eq!(model.loss(), *trace.after_update.last().unwrap());
            }
        }
    }
}

#[test]
fn c7_fixed_point_conditions() {
    for seed in 0..3 {
        let (sample, model) = fit_pm(3.0, seed);
        assert!(model.converged());
        let x = to_na(sample.data.as_ref());
        let labels = model.labels();
        let scale = x.iter().map(|v| v.abs()).fold(0.0, f64::max);

        for j in 0..3 {
            // The center is the mean of the assigned points.
            let (mean, scatter) = cluster_mean_scatter(&x, labels, j);
            let center = model.centers().row(j);
            for c in 0..10 {
                assert!(
                    (center[c] - mean[c]).abs() <= 1e-12 * scale,
                    "seed {seed} cluster {j}: center {} vs mean {}",
                    center[c],
                    mean[c]
                );
            }

            // The basis spans the top-h eigenvectors of the scatter matrix (nalgebra's solver).
            let (expected, gap) = top_projector(&scatter, 2);
            assert!(gap > 0.0);
            let difference = spectral_norm(&(projector(model.bases()[j].as_ref()) - expected));
            assert!(
                difference < 1e-8,
                "seed {seed} cluster {j}: projector off by {difference}"
            );
        }

        // The crate's optimality certificate reaches the same verdict.
        let certificate = tae::analysis::certify(&model, sample.data.as_ref()).unwrap();
        assert!(certificate.is_fixed_point, "seed {seed}: {certificate:?}");
        assert_eq!(certificate.n_misassigned, 0);

        // Every label is an argmin of the loss under the final centers and bases.
        let losses = model.losses(sample.data.as_ref()).unwrap();
        for (i, &label) in labels.iter().enumerate() {
            let min = (0..3).map(|j| losses[(i, j)]).fold(f64::INFINITY, f64::min);
            assert!(
                losses[(i, label)] <= min + 1e-12 * scale * scale,
                "point {i}"
            );
        }
    }
}

#[test]
fn c11_lambda_one_is_kmeans() {
    // ℓ_j(x) = ‖x − c_j‖² for any basis when λ = 1.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let basis = random_basis(3, 6, &mut rng);
    let center = DVector::from_fn(6, |_, _| rng.random::<f64>());
    let model = single_cluster(&center, &basis, 1.0);
    let points = DMatrix::from_fn(30, 6, |_, _| 4.0 * rng.random::<f64>() - 2.0);
    let losses = model.losses(to_faer(&points).as_ref()).unwrap();
    for i in 0..30 {
        let distance = (points.row(i).transpose() - &center).norm_squared();
        assert!((losses[(i, 0)] - distance).abs() <= 1e-12 * distance);
    }

    // From the same initial labels, the TAE at λ = 1 and k-means take the same steps.
    for seed in 0..4 {
        let sample = planted(3.0, 200, seed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let initial: Vec<usize> = (0..600).map(|_| rng.random_range(0..3)).collect();
        let tae = TaeParams::new(3, 2)
            .lambda(1.0)
            .tol(0.0)
            .init(Init::Labels(initial.clone()))
            .check()
            .unwrap()
            .fit(sample.data.as_ref())
            .unwrap();
        let kmeans = KMeans::params(3)
            .tol(0.0)
            .init(Init::Labels(initial))
            .check()
            .unwrap()
            .fit(sample.data.as_ref())
            .unwrap();
        assert_eq!(tae.labels(), kmeans.labels(), "seed {seed}");
        assert_eq!(tae.n_iter(), kmeans.n_iter());
        assert_eq!(&tae.summary().loss_trace, kmeans.loss_trace());
    }
}

#[test]
fn c16_test_time_rule() {
    let (_, model) = fit_pm(3.0, 16);
    let held_out = planted(3.0, 200, 16);
    let x = to_na(held_out.data.as_ref());
    let losses = model.losses(held_out.data.as_ref()).unwrap();
    let encoding = model.encode(held_out.data.as_ref()).unwrap();
    let reconstructed = to_na(model.reconstruct(held_out.data.as_ref()).unwrap().as_ref());

    for i in 0..x.nrows() {
        let point = x.row(i).transpose();
        let j = encoding.labels[i];
        let center = center_of(&model, j);
        let basis = to_na(model.bases()[j].as_ref());
        let x_hat = reconstructed.row(i).transpose();
        let scale = point.norm_squared().max(1.0);

        // The predicted cluster minimises the loss including the λ term (nalgebra oracle).
        let oracle: Vec<f64> = (0..3)
            .map(|k| {
                let c = center_of(&model, k);
                loss_ae_form(&point, &c, &to_na(model.bases()[k].as_ref()), LAMBDA)
            })
            .collect();
        let min = oracle.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(oracle[j] <= min + 1e-12 * scale);
        for k in 0..3 {
            assert!((losses[(i, k)] - oracle[k]).abs() <= 1e-11 * scale);
        }

        // Projecting x̂ onto the same flat returns x̂.
        let again = &center + basis.transpose() * (&basis * (&x_hat - &center));
        assert!((&again - &x_hat).norm() <= 1e-12 * scale.sqrt());

        // The residual is orthogonal to the basis.
        assert!((&basis * (&point - &x_hat)).norm() <= 1e-12 * scale.sqrt());

        // ‖x − x̂‖² = ℓ_j(x) − λ‖W(x − c)‖², with the code from `encode`.
        let code_norm: f64 = (0..2).map(|k| encoding.codes[(i, k)].powi(2)).sum();
        let residual = (&point - &x_hat).norm_squared();
        assert!((residual - (losses[(i, j)] - LAMBDA * code_norm)).abs() <= 1e-11 * scale);
    }

    // With h = d the reconstruction is the identity.
    let sample = planted(3.0, 50, 3);
    let full = TaeParams::new(3, 10)
        .lambda(LAMBDA)
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    let x_hat = full.reconstruct(held_out.data.as_ref()).unwrap();
    let difference = (&x_hat - &held_out.data).norm_max();
    assert!(
        difference <= 1e-12 * held_out.data.norm_max(),
        "{difference}"
    );
}

#[test]
fn c9_planted_recovery() {
    // Seeds 0–7 at separations 3 and 5, with the margins of the claim.
    for seed in 0..8 {
        for separation in [3.0, 5.0] {
            let sample = planted(separation, 300, seed);
            let model = TaeParams::new(3, 2)
                .lambda(LAMBDA)
                .seed(seed)
                .check()
                .unwrap()
                .fit(sample.data.as_ref())
                .unwrap();
            let accuracy = accuracy_by_permutation(&sample.labels, model.labels(), 3);
            assert!(
                accuracy >= 0.99,
                "seed {seed} sep {separation}: accuracy {accuracy}"
            );

            let held_out = PlantedMixture::default_model(separation, 200, seed)
                .unwrap()
                .sample(seed + 5000)
                .unwrap();
            let predicted = model.predict(held_out.data.as_ref()).unwrap();
            let held_accuracy = accuracy_by_permutation(&held_out.labels, &predicted, 3);
            assert!(
                held_accuracy >= 0.99,
                "seed {seed}: held-out accuracy {held_accuracy}"
            );

            // Match each fitted cluster to the true cluster with the nearest mean.
            for j in 0..3 {
                let center = to_na(model.centers().subrows(j, 1));
                let (truth, distance) = (0..3)
                    .map(|t| (t, (&center - to_na(sample.means.subrows(t, 1))).norm()))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap();
                assert!(distance <= 0.6, "seed {seed}: center error {distance}");
                let sine = spectral_norm(
                    &(projector(model.bases()[j].as_ref())
                        - projector(sample.subspace(truth, 2).as_ref())),
                );
                assert!(sine <= 0.05, "seed {seed}: subspace sine {sine}");
            }
        }
    }
}

#[test]
fn c3_lambda_zero_center_not_unique() {
    let sample = planted(5.0, 300, 3);
    let model = TaeParams::new(3, 2)
        .lambda(0.0)
        .tol(0.0)
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    let x = to_na(sample.data.as_ref());
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for j in 0..3 {
        let basis = to_na(model.bases()[j].as_ref());
        let mean = center_of(&model, j);
        let members: Vec<usize> = (0..x.nrows()).filter(|&i| model.labels()[i] == j).collect();
        let total = |center: &DVector<f64>| -> f64 {
            members
                .iter()
                .map(|&i| loss_ae_form(&x.row(i).transpose(), center, &basis, 0.0))
                .sum()
        };
        let at_mean = total(&mean);
        for _ in 0..5 {
            let u = DVector::from_fn(2, |_, _| 4.0 * rng.random::<f64>() - 2.0);
            let moved = total(&(&mean + basis.transpose() * u));
            assert!(
                (moved - at_mean).abs() <= 1e-10 * at_mean,
                "cluster {j}: {moved} vs {at_mean}"
            );
        }
    }
    assert!(tae::verify::check(Claim::C3, 3).unwrap().passed);
}

/// Scatter matrix of each true planted cluster, by nalgebra.
fn true_cluster_scatters(seed: u64) -> Vec<(DMatrix<f64>, tae::planted::PlantedSample)> {
    let sample = planted(5.0, 300, seed);
    let x = to_na(sample.data.as_ref());
    (0..3)
        .map(|j| {
            (
                cluster_mean_scatter(&x, &sample.labels, j).1,
                sample.clone(),
            )
        })
        .collect()
}

/// `tr S − (1 − λ) tr(W S Wᵀ)` by nalgebra.
fn tied_loss_na(scatter: &DMatrix<f64>, w: &DMatrix<f64>, lambda: f64) -> f64 {
    scatter.trace() - (1.0 - lambda) * (w * scatter * w.transpose()).trace()
}

#[test]
fn c4_encoder_takes_top_eigenvectors() {
    let sample = planted(5.0, 300, 4);
    let x = to_na(sample.data.as_ref());
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for j in 0..3 {
        let (_, scatter) = cluster_mean_scatter(&x, &sample.labels, j);
        let eigen = nalgebra::SymmetricEigen::new(scatter.clone());
        let mut order: Vec<usize> = (0..10).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let top = DMatrix::from_fn(2, 10, |k, c| eigen.eigenvectors[(c, order[k])]);
        let optimum = tied_loss_na(&scatter, &top, LAMBDA);
        let formula = scatter.trace()
            - (1.0 - LAMBDA) * (eigen.eigenvalues[order[0]] + eigen.eigenvalues[order[1]]);
        assert!((optimum - formula).abs() <= 1e-9 * formula);
        for _ in 0..1000 {
            let w = random_basis(2, 10, &mut rng);
            assert!(tied_loss_na(&scatter, &w, LAMBDA) >= optimum - 1e-9 * optimum);
        }

        // The crate's one-cluster fit of the members finds the same subspace and loss.
        let members: Vec<usize> = (0..x.nrows()).filter(|&i| sample.labels[i] == j).collect();
        let points = Mat::from_fn(members.len(), 10, |r, c| x[(members[r], c)]);
        let fit = TaeParams::new(1, 2)
            .lambda(LAMBDA)
            .check()
            .unwrap()
            .fit(points.as_ref())
            .unwrap();
        let (expected, _) = top_projector(&scatter, 2);
        assert!(spectral_norm(&(projector(fit.bases()[0].as_ref()) - expected)) < 1e-9);
        assert!((fit.loss() - formula).abs() <= 1e-9 * formula);
    }
    assert!(tae::verify::check(Claim::C4, 4).unwrap().passed);
}

#[test]
fn c4_encoder_takes_bottom_eigenvectors_above_one() {
    // λ > 1 is outside the crate's parameter range; the claim is about the loss formula.
    let lambda = 1.5;
    let mut rng = ChaCha8Rng::seed_from_u64(41);
    for (scatter, _) in true_cluster_scatters(41) {
        let eigen = nalgebra::SymmetricEigen::new(scatter.clone());
        let mut order: Vec<usize> = (0..10).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[a].total_cmp(&eigen.eigenvalues[b]));
        let bottom = DMatrix::from_fn(2, 10, |k, c| eigen.eigenvectors[(c, order[k])]);
        let optimum = tied_loss_na(&scatter, &bottom, lambda);
        for _ in 0..1000 {
            let w = random_basis(2, 10, &mut rng);
            assert!(tied_loss_na(&scatter, &w, lambda) >= optimum - 1e-9 * optimum);
        }
    }
    let err = TaeParams::new(3, 2).lambda(lambda).check().unwrap_err();
    assert!(err.to_string().contains("bottom eigenvectors"), "{err}");
}

#[test]
fn c4_encoder_irrelevant_at_lambda_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    for (scatter, _) in true_cluster_scatters(42) {
        for _ in 0..100 {
            let w = random_basis(2, 10, &mut rng);
            let loss = tied_loss_na(&scatter, &w, 1.0);
            assert!((loss - scatter.trace()).abs() <= 1e-12 * scatter.trace());
        }
    }
}

#[test]
fn c8_reduced_loss_formula() {
    for seed in 0..3 {
        let (sample, model) = fit_pm(3.0, seed);
        let x = to_na(sample.data.as_ref());
        let p = DMatrix::from_fn(
            x.nrows(),
            3,
            |i, j| if model.labels()[i] == j { 1.0 } else { 0.0 },
        );
        let expected = reduced_loss_na(&x, &p, 2, LAMBDA);
        assert!(
            (model.loss() - expected).abs() <= 1e-10 * expected,
            "seed {seed}"
        );
    }
    assert!(tae::verify::check(Claim::C8, 0).unwrap().passed);
}

#[test]
fn c8_reduced_loss_affine_in_lambda_and_monotone_in_h() {
    let sample = planted(3.0, 100, 8);
    let x = to_na(sample.data.as_ref());
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let p = random_soft_assignment(x.nrows(), 3, &mut rng);
    let at = |lambda: f64, h: usize| reduced_loss_na(&x, &p, h, lambda);
    for a in [0.0, 0.25, 0.5, 0.9] {
        let interpolated = (1.0 - a) * at(0.0, 2) + a * at(1.0, 2);
        assert!((at(a, 2) - interpolated).abs() <= 1e-10 * interpolated);
    }
    for h in 1..10 {
        assert!(
            at(LAMBDA, h + 1) <= at(LAMBDA, h) * (1.0 + 1e-12),
            "h = {h}"
        );
    }
}

#[test]
fn c10_beats_kmeans_on_close_clusters() {
    // Seeds 0–7, separation 3: the TAE must beat k-means by at least 0.15 in accuracy.
    for seed in 0..8 {
        let sample = planted(3.0, 300, seed);
        let tae = TaeParams::new(3, 2)
            .lambda(LAMBDA)
            .seed(seed)
            .check()
            .unwrap()
            .fit(sample.data.as_ref())
            .unwrap();
        let kmeans = KMeans::params(3)
            .seed(seed)
            .check()
            .unwrap()
            .fit(sample.data.as_ref())
            .unwrap();
        let tae_accuracy = accuracy_by_permutation(&sample.labels, tae.labels(), 3);
        let kmeans_accuracy = accuracy_by_permutation(&sample.labels, kmeans.labels(), 3);
        assert!(
            tae_accuracy >= kmeans_accuracy + 0.15,
            "seed {seed}: TAE {tae_accuracy}, k-means {kmeans_accuracy}"
        );
    }
}

#[test]
fn c12_lambda_zero_is_k_flats() {
    let sample = planted(3.0, 200, 12);
    let model = TaeParams::new(3, 2)
        .lambda(0.0)
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    let losses = model.losses(sample.data.as_ref()).unwrap();
    let x = to_na(sample.data.as_ref());
    for j in 0..3 {
        let complement = DMatrix::identity(10, 10) - projector(model.bases()[j].as_ref());
        let center = center_of(&model, j);
        for i in 0..x.nrows() {
            let y = x.row(i).transpose() - &center;
            let distance = (&complement * &y).norm_squared();
            assert!((losses[(i, j)] - distance).abs() <= 1e-12 * y.norm_squared());
        }
    }
}

#[test]
fn c13_tae_never_worse_than_ae() {
    let sample = planted(3.0, 40, 13);
    let x = to_na(sample.data.as_ref());
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    for lambda in [0.0, LAMBDA, 0.7] {
        let all = DMatrix::from_element(x.nrows(), 1, 1.0);
        let ae = reduced_loss_na(&x, &all, 2, lambda);
        // The crate's PCA gives the same single-autoencoder loss.
        let pca = Pca::fit(sample.data.as_ref(), 2).unwrap().loss(lambda);
        assert!((pca - ae).abs() <= 1e-10 * ae);
        for _ in 0..667 {
            let p = random_soft_assignment(x.nrows(), 3, &mut rng);
            let tae = reduced_loss_na(&x, &p, 2, lambda);
            assert!(tae <= ae * (1.0 + 1e-9), "λ = {lambda}: {tae} > {ae}");
        }
    }
}

#[test]
fn c14_reduced_loss_concave() {
    let sample = planted(3.0, 40, 14);
    let x = to_na(sample.data.as_ref());
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    for _ in 0..300 {
        let p1 = random_soft_assignment(x.nrows(), 3, &mut rng);
        let p2 = random_soft_assignment(x.nrows(), 3, &mut rng);
        let a: f64 = rng.random();
        let left = reduced_loss_na(&x, &(&p1 * a + &p2 * (1.0 - a)), 2, LAMBDA);
        let right = a * reduced_loss_na(&x, &p1, 2, LAMBDA)
            + (1.0 - a) * reduced_loss_na(&x, &p2, 2, LAMBDA);
        assert!(left >= right - 1e-9 * right.abs(), "{left} < {right}");
    }
}

#[test]
fn c15_invariances() {
    let (sample, model) = fit_pm(3.0, 15);
    let x = to_na(sample.data.as_ref());

    // W_j → O W_j: the loss of every point is unchanged (nalgebra oracle).
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    for j in 0..3 {
        let w = to_na(model.bases()[j].as_ref());
        let rotated = random_basis(2, 2, &mut rng) * &w;
        let center = center_of(&model, j);
        for i in (0..x.nrows()).step_by(37) {
            let point = x.row(i).transpose();
            let a = loss_ae_form(&point, &center, &w, LAMBDA);
            let b = loss_ae_form(&point, &center, &rotated, LAMBDA);
            assert!((a - b).abs() <= 1e-10 * a.max(1.0));
        }
    }

    // Translation, rotation and scaling of the data, refitted from the same labels.
    for seed in 0..4 {
        let result = tae::verify::check(Claim::C15, seed).unwrap();
        assert!(result.passed, "seed {seed}: {result:?}");
    }
}

#[test]
fn c17_denoising_beats_ae() {
    // Seeds 0–7, noise N(0, 0.3²): TAE error ≤ 0.8 × PCA(Kh) error and below PCA(h) error.
    for seed in 0..8 {
        let result = tae::verify::check(Claim::C17, seed).unwrap();
        assert!(result.passed, "seed {seed}: {result:?}");
    }
}

#[test]
fn c20_em_dictionary() {
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    for (h, d, lambda) in [(1, 3, 0.1), (2, 10, 0.5), (4, 6, 0.9)] {
        let w = random_basis(h, d, &mut rng);
        let pi = w.transpose() * &w;
        let sigma = (DMatrix::identity(d, d) - &pi) + &pi / lambda;
        let a = DMatrix::identity(d, d) - &pi * (1.0 - lambda);
        let inverse = sigma.clone().try_inverse().unwrap();
        assert!((&inverse - &a).amax() < 1e-10);
        let log_det = sigma.determinant().ln();
        assert!((log_det - h as f64 * (1.0 / lambda).ln()).abs() < 1e-10);

        let center = DVector::from_fn(d, |_, _| rng.random::<f64>());
        let model = single_cluster(&center, &w, lambda);
        let points = DMatrix::from_fn(10, d, |_, _| 4.0 * rng.random::<f64>() - 2.0);
        let losses = model.losses(to_faer(&points).as_ref()).unwrap();
        for i in 0..10 {
            let y = points.row(i).transpose() - &center;
            let quadratic = (y.transpose() * &inverse * &y)[(0, 0)];
            assert!((losses[(i, 0)] - quadratic).abs() <= 1e-10 * quadratic);
        }
    }
    assert!(tae::verify::check(Claim::C20, 0).unwrap().passed);
}

#[test]
fn c21_soft_em_monotone_and_hard_limit() {
    let sample = planted(5.0, 100, 21);
    let x = to_na(sample.data.as_ref());
    for temperature in [0.2, 1.0, 5.0] {
        let fit = EmParams::new(3, 2)
            .lambda(LAMBDA)
            .temperature(temperature)
            .learn_weights(true)
            .max_iter(100)
            .check()
            .unwrap()
            .fit(sample.data.as_ref())
            .unwrap();
        let history = fit.log_likelihood_history();
        for pair in history.windows(2) {
            assert!(
                pair[1] >= pair[0] - 1e-8 * pair[0].abs(),
                "τ = {temperature}: {pair:?}"
            );
        }

        // The last recorded log-likelihood, recomputed by nalgebra from the final parameters.
        let mut expected = 0.0;
        for i in 0..x.nrows() {
            let point = x.row(i).transpose();
            let terms: Vec<f64> = (0..3)
                .map(|j| {
                    let c = DVector::from_fn(10, |r, _| fit.centers()[(j, r)]);
                    let loss = loss_ae_form(&point, &c, &to_na(fit.bases()[j].as_ref()), LAMBDA);
                    fit.weights()[j].ln() - loss / (2.0 * temperature)
                })
                .collect();
            let shift = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            expected += shift + terms.iter().map(|t| (t - shift).exp()).sum::<f64>().ln();
        }
        expected += x.nrows() as f64
            * (-5.0 * (2.0 * std::f64::consts::PI * temperature).ln() - (1.0 / LAMBDA).ln());
        let last = *history.last().unwrap();
        assert!(
            (last - expected).abs() <= 1e-8 * expected.abs(),
            "τ = {temperature}: {last} vs {expected}"
        );
    }

    // At a small temperature EM ends at the Lloyd labels of the same start.
    let sample = planted(5.0, 300, 21);
    let lloyd = TaeParams::new(3, 2)
        .lambda(LAMBDA)
        .tol(0.0)
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    let cold = EmParams::new(3, 2)
        .lambda(LAMBDA)
        .temperature(1e-3)
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    assert_eq!(cold.labels(), lloyd.labels());
    assert!(tae::verify::check(Claim::C21, 21).unwrap().passed);
}

#[test]
fn c22_normalisation_irrelevant() {
    for (scatter, _) in true_cluster_scatters(22) {
        let n = 300.0;
        let (raw, _) = top_projector(&scatter, 2);
        let (normalised, _) = top_projector(&(&scatter / n), 2);
        assert!(spectral_norm(&(raw - normalised)) < 1e-10);
    }
    assert!(tae::verify::check(Claim::C22, 22).unwrap().passed);
}

/// Reduced losses of one cluster with scatter `s` for an encoder `w` (rows orthonormal), with
/// the decoder eliminated in closed form, by nalgebra: tied `V = Wᵀ`, free `V = S Wᵀ (W S Wᵀ)⁻¹`,
/// orthonormal `V` = polar factor of `S Wᵀ`.
fn untied_losses(s: &DMatrix<f64>, w: &DMatrix<f64>, lambda: f64) -> (f64, f64, f64) {
    let m = w * s * w.transpose();
    let b = w * s;
    let tied = s.trace() - (1.0 - lambda) * m.trace();
    let free = s.trace() - (m.clone().try_inverse().unwrap() * &b * b.transpose()).trace()
        + lambda * m.trace();
    let nuclear: f64 = b.singular_values().iter().sum();
    let orthonormal = s.trace() - 2.0 * nuclear + (1.0 + lambda) * m.trace();
    (tied, free, orthonormal)
}

#[test]
fn c18_free_decoder_counterexample() {
    // S = diag(4, 1), h = 1, λ = 0.5, on a grid of 200,001 angles in [0, π).
    let s = DMatrix::from_diagonal(&DVector::from_vec(vec![4.0, 1.0]));
    let mut best = [(f64::INFINITY, 0.0); 3];
    for step in 0..200_001 {
        let angle = std::f64::consts::PI * step as f64 / 200_001.0;
        let w = DMatrix::from_row_slice(1, 2, &[angle.cos(), angle.sin()]);
        let (tied, free, orthonormal) = untied_losses(&s, &w, 0.5);
        for (slot, loss) in best.iter_mut().zip([tied, free, orthonormal]) {
            if loss < slot.0 {
                *slot = (loss, angle.min(std::f64::consts::PI - angle));
            }
        }
    }
    assert!(
        (best[0].0 - 3.0).abs() < 1e-4 && best[0].1 < 1e-4,
        "tied {:?}",
        best[0]
    );
    assert!(
        (best[1].0 - 2.0 * 2f64.sqrt()).abs() < 1e-4,
        "free {:?}",
        best[1]
    );
    assert!((best[1].1 - 0.675).abs() < 1e-3, "free angle {:?}", best[1]);
    assert!(
        (best[2].0 - 2.8667).abs() < 1e-4,
        "orthonormal {:?}",
        best[2]
    );
    assert!(
        (best[2].1 - 0.608).abs() < 1e-3,
        "orthonormal angle {:?}",
        best[2]
    );

    // The crate's refined angle search agrees with the grid.
    for (decoder, (loss, _)) in [Decoder::Tied, Decoder::Free, Decoder::Orthonormal]
        .into_iter()
        .zip(best)
    {
        let found = best_angle_2d([[4.0, 0.0], [0.0, 1.0]], decoder, 0.5, 360).unwrap();
        assert!(
            found.loss <= loss + 1e-9,
            "{decoder:?}: {} vs grid {loss}",
            found.loss
        );
        assert!(
            found.loss >= loss - 1e-6,
            "{decoder:?}: {} vs grid {loss}",
            found.loss
        );
    }
    assert!(tae::verify::check(Claim::C18, 0).unwrap().passed);
}

#[test]
fn c19_local_threshold() {
    // Spectrum (5, 3, 1, 0.4), h = 2: the threshold is σ_d/σ_1 = 0.08. Tilting the top
    // direction e1 towards e4 by t changes the free and orthonormal reduced losses by a
    // multiple of t² whose sign flips at the threshold (nalgebra second difference).
    let s = DMatrix::from_diagonal(&DVector::from_vec(vec![5.0, 3.0, 1.0, 0.4]));
    let tilted = |t: f64| {
        let mut w = DMatrix::zeros(2, 4);
        w[(0, 0)] = t.cos();
        w[(0, 3)] = t.sin();
        w[(1, 1)] = 1.0;
        w
    };
    let t = 1e-3;
    for (lambda, descends) in [(0.1, true), (0.05, false)] {
        let (_, free_0, orthonormal_0) = untied_losses(&s, &tilted(0.0), lambda);
        let (tied_t, free_t, orthonormal_t) = untied_losses(&s, &tilted(t), lambda);
        let (tied_0, _, _) = untied_losses(&s, &tilted(0.0), lambda);
        assert_eq!(free_t < free_0, descends, "free, λ = {lambda}");
        assert_eq!(
            orthonormal_t < orthonormal_0,
            descends,
            "orthonormal, λ = {lambda}"
        );
        assert!(tied_t > tied_0, "tied, λ = {lambda}");
    }

    // Gradient descent from 1e-3 off the top subspace moves far above the threshold only.
    let result = tae::verify::check(Claim::C19, 0).unwrap();
    assert!(result.passed, "{result:?}");
    assert!(result.measured > 0.1);
}
