//! The gradient-trained reference (nalgebra) against the closed form (faer), against
//! hand-derived optima, and the soft EM variant against the Lloyd iteration.
//!
//! Case counts are kept small so that the suite stays within a few minutes.

mod common;

use common::to_na;
use faer::Mat;
use nalgebra::DMatrix;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tae::em::EmParams;
use tae::planted::{random_rotation, PlantedCluster, PlantedMixture, ToySet};
use tae::reference::{Assignment, Centers, Decoder, Optimizer, ReferenceParams};
use tae::scaling::{Scaler, Scaling};
use tae::{Error, Init, TaeModel, TaeParams};

/// λ of the experiments of Esser et al. (AISTATS 2023).
const LAMBDA: f64 = 0.1;

/// Largest principal angle (radians) accepted between a trained basis and the closed form's.
/// Training stops once the loss changes by less than 1e-10 of itself per epoch, which leaves
/// the basis slightly off. Over 400 drawn cases of `tied_lloyd_matches_closed_form` the
/// largest angle was 1.0e-3 and the largest relative loss gap 1.5e-6.
const ANGLE_TOLERANCE: f64 = 0.01;

/// Draws a planted mixture of `n_clusters` clusters of 40 points in `dim` dimensions. Cluster j
/// has its mean at `separation` along axis j. Its variances are 4, 3, … on its first
/// `latent_dim` principal directions and 0.1 on the rest, along a random rotation from `seed`.
fn planted(
    dim: usize,
    n_clusters: usize,
    latent_dim: usize,
    separation: f64,
    seed: u64,
) -> Mat<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let clusters = (0..n_clusters)
        .map(|j| {
            let mean = (0..dim)
                .map(|c| if c == j { separation } else { 0.0 })
                .collect();
            let spectrum = (0..dim)
                .map(|k| if k < latent_dim { 4.0 - k as f64 } else { 0.1 })
                .collect();
            PlantedCluster {
                mean,
                rotation: random_rotation(dim, &mut rng),
                spectrum,
                size: 40,
            }
        })
        .collect();
    let mixture = PlantedMixture {
        clusters,
        noise_dims: 0,
        noise_dims_std: 0.0,
        additive_noise_std: 0.0,
    };
    mixture.sample(seed.wrapping_add(1)).unwrap().data
}

/// Returns the penguins' four measurements, each divided by its column maximum, and the species.
fn penguins_max_scaled() -> (Mat<f64>, Vec<usize>) {
    let penguins = tae::datasets::penguins();
    let table = penguins.data();
    let scaler = Scaler::fit(
        table.values(),
        table.n_rows(),
        table.n_cols(),
        table.columns(),
        Scaling::Max,
    )
    .unwrap();
    let mut values = table.values().to_vec();
    scaler
        .transform(&mut values, table.n_rows(), table.n_cols())
        .unwrap();
    let x = tae::data::from_row_major(&values, table.n_rows(), table.n_cols())
        .unwrap()
        .to_owned();
    (x, penguins.labels().to_vec())
}

/// Runs the closed form from `start` to a fixed point of the Lloyd iteration.
fn closed_form(data: &Mat<f64>, n_clusters: usize, latent_dim: usize, start: &[usize]) -> TaeModel {
    TaeParams::new(n_clusters, latent_dim)
        .lambda(LAMBDA)
        .init(Init::Labels(start.to_vec()))
        .tol(0.0)
        .check()
        .unwrap()
        .fit(data.as_ref())
        .unwrap()
}

/// Returns the permutation `map` with `map[a_i] = b_i` for every point, if the two labellings
/// are the same partition. It scans the points, independent of the crate's metrics.
fn matching_permutation(a: &[usize], b: &[usize], n_clusters: usize) -> Option<Vec<usize>> {
    let mut map = vec![usize::MAX; n_clusters];
    let mut used = vec![false; n_clusters];
    for (&from, &to) in a.iter().zip(b) {
        if map[from] == usize::MAX {
            if used[to] {
                return None;
            }
            map[from] = to;
            used[to] = true;
        } else if map[from] != to {
            return None;
        }
    }
    Some(map)
}

/// Largest principal angle between the row spaces of two `h × d` matrices with orthonormal
/// rows: the singular values of `A Bᵀ` are the cosines of the principal angles.
fn largest_principal_angle(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    let cosines = (a * b.transpose()).singular_values();
    cosines.min().clamp(-1.0, 1.0).acos()
}

fn relative_difference(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 14, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn tied_lloyd_matches_closed_form(
        dim in 3usize..7,
        n_clusters in 2usize..4,
        two_dimensional in any::<bool>(),
        separation in 8.0f64..16.0,
        seed in any::<u64>(),
    ) {
        let latent_dim = if two_dimensional { 2 } else { 1 };
        let data = planted(dim, n_clusters, latent_dim, separation, seed);
        let start = tae::params::kmeans_plus_plus_labels(data.as_ref(), n_clusters, seed).unwrap();
        let exact = closed_form(&data, n_clusters, latent_dim, &start);
        let trained = ReferenceParams::new(n_clusters, latent_dim)
            .lambda(LAMBDA)
            .assignment(Assignment::Lloyd)
            .centers(Centers::WeightedMean)
            .seed(seed)
            .check()
            .unwrap()
            .fit(&to_na(data.as_ref()), &start)
            .unwrap();

        prop_assert!(
            relative_difference(trained.loss(), exact.loss()) <= 1e-3,
            "loss {} vs closed form {}", trained.loss(), exact.loss()
        );
        let map = matching_permutation(trained.labels(), exact.labels(), n_clusters);
        prop_assert!(map.is_some(), "the partitions differ");
        let map = map.unwrap();
        for (j, &matched) in map.iter().enumerate() {
            let angle = largest_principal_angle(
                &trained.encoders()[j],
                &to_na(exact.bases()[matched].as_ref()),
            );
            prop_assert!(angle <= ANGLE_TOLERANCE, "cluster {}: angle {}", j, angle);
        }
    }

    #[test]
    fn soft_assignments_stay_in_simplex(
        dim in 2usize..5,
        n_clusters in 2usize..4,
        batch_size in prop::option::of(5usize..60),
        mirror in any::<bool>(),
        separation in 2.0f64..10.0,
        seed in any::<u64>(),
    ) {
        let data = planted(dim, n_clusters, 1, separation, seed);
        let start = tae::params::kmeans_plus_plus_labels(data.as_ref(), n_clusters, seed).unwrap();
        let assignment = if mirror { Assignment::Mirror } else { Assignment::Projected };
        let fit = ReferenceParams::new(n_clusters, 1)
            .assignment(assignment)
            .batch_size(batch_size)
            .epochs(40)
            .seed(seed)
            .check()
            .unwrap()
            .fit(&to_na(data.as_ref()), &start)
            .unwrap();
        let p = fit.assignments();
        for i in 0..p.nrows() {
            let row = p.row(i);
            prop_assert!(row.iter().all(|&w| w >= 0.0), "row {}: {}", i, row);
            prop_assert!((row.sum() - 1.0).abs() <= 1e-12, "row {} sums to {}", i, row.sum());
        }
    }

    #[test]
    fn c21_em_log_likelihood_never_decreases(
        dim in 2usize..5,
        n_clusters in 2usize..4,
        temperature in 0.05f64..5.0,
        learn_weights in any::<bool>(),
        separation in 2.0f64..10.0,
        seed in any::<u64>(),
    ) {
        let data = planted(dim, n_clusters, 1, separation, seed);
        let fit = EmParams::new(n_clusters, 1)
            .lambda(LAMBDA)
            .temperature(temperature)
            .learn_weights(learn_weights)
            .max_iter(100)
            .seed(seed)
            .check()
            .unwrap()
            .fit(data.as_ref())
            .unwrap();
        for pair in fit.log_likelihood_history().windows(2) {
            prop_assert!(pair[1] >= pair[0] - 1e-8 * pair[0].abs(), "{} then {}", pair[0], pair[1]);
        }
    }
}

#[test]
fn c21_em_small_temperature_returns_lloyd_labels() {
    // At τ = 1e-3 the responsibilities are one-hot up to exp(−gap/(2τ)) on these well-separated
    // sets, so EM follows the Lloyd iteration from the same start.
    let mut sets: Vec<(Mat<f64>, usize, usize)> = vec![
        (ToySet::Orthogonal.mixture().sample(0).unwrap().data, 2, 1),
        (ToySet::Lines3d.mixture().sample(0).unwrap().data, 3, 1),
    ];
    for seed in 0..3 {
        sets.push((planted(5, 3, 2, 12.0, seed), 3, 2));
    }
    for (index, (data, n_clusters, latent_dim)) in sets.iter().enumerate() {
        let start = tae::params::kmeans_plus_plus_labels(data.as_ref(), *n_clusters, 0).unwrap();
        let lloyd = closed_form(data, *n_clusters, *latent_dim, &start);
        let em = EmParams::new(*n_clusters, *latent_dim)
            .lambda(LAMBDA)
            .temperature(1e-3)
            .init(Init::Labels(start))
            .check()
            .unwrap()
            .fit(data.as_ref())
            .unwrap();
        assert_eq!(em.labels(), lloyd.labels(), "set {index}");
        let confidence: f64 = (0..em.responsibilities().nrows())
            .map(|i| {
                let row = em.responsibilities().row(i);
                (0..*n_clusters).map(|j| row[j]).fold(0.0, f64::max)
            })
            .sum::<f64>()
            / em.responsibilities().nrows() as f64;
        assert!(
            confidence > 0.999,
            "set {index}: mean largest responsibility {confidence}"
        );
    }
}

/// Returns one cluster whose scatter matrix is diag(4, 1): the points (±√2, 0) and (0, ±1/√2).
fn diagonal_scatter_points() -> DMatrix<f64> {
    let a = 2.0f64.sqrt();
    DMatrix::from_row_slice(4, 2, &[a, 0.0, -a, 0.0, 0.0, 1.0 / a, 0.0, -1.0 / a])
}

/// Computes the loss of one cluster with scatter diag(4, 1), centered at 0, with encoder
/// `(cos θ, sin θ)` and its optimal free decoder `V = S wᵀ / (w S wᵀ)`:
/// `tr S − (w S² wᵀ)/(w S wᵀ) + λ w S wᵀ`.
fn free_decoder_loss(theta: f64, lambda: f64) -> f64 {
    let (c, s) = (theta.cos(), theta.sin());
    let captured = 4.0 * c * c + s * s;
    let captured_squared = 16.0 * c * c + s * s;
    5.0 - captured_squared / captured + lambda * captured
}

#[test]
fn c18_free_decoder_beats_tied_optimum() {
    // λ = 0.5 lies above σ2/σ1 = 1/4, so the free decoder's optimum leaves the top
    // eigenvector: its loss is 2√(σ1 σ2 λ) = 2√2 against tr S − (1 − λ)σ1 = 3 for the tied model.
    let x = diagonal_scatter_points();
    let start = vec![0; 4];
    let fit = |decoder| {
        ReferenceParams::new(1, 1)
            .lambda(0.5)
            .decoder(decoder)
            .epochs(5000)
            .check()
            .unwrap()
            .fit(&x, &start)
            .unwrap()
    };

    let tied = fit(Decoder::Tied);
    assert!(
        (tied.loss() - 3.0).abs() < 1e-6,
        "tied loss {}",
        tied.loss()
    );

    let free = fit(Decoder::Free);
    let optimum = 2.0 * 2.0f64.sqrt();
    assert!(free.loss() <= 2.83, "free loss {}", free.loss());
    assert!(
        (free.loss() - optimum).abs() < 1e-4,
        "free loss {}",
        free.loss()
    );
    // The centers stay at the mean of the points, 0.
    assert!(free.centers().abs().max() < 1e-12);

    // The angle of the trained encoder to the top eigenvector e1 against the minimiser of the
    // hand-derived loss on a grid of step 1e-5 rad.
    let angle = free.encoders()[0][(0, 0)].abs().clamp(0.0, 1.0).acos();
    let best = (0..=157_080)
        .map(|k| k as f64 * 1e-5)
        .min_by(|a, b| free_decoder_loss(*a, 0.5).total_cmp(&free_decoder_loss(*b, 0.5)))
        .unwrap();
    assert!((best - 0.675).abs() < 1e-3, "grid minimiser {best}");
    assert!(
        (angle - best).abs() < 1e-2,
        "trained angle {angle}, grid minimiser {best}"
    );
}

#[test]
fn c18_unconstrained_decoder_drifts_below_free() {
    // With W free too, W → εW and V → V/ε shrink the λ term: the loss falls below 2√2 towards
    // the λ = 0 value σ2 = 1, which no finite W attains.
    let x = diagonal_scatter_points();
    let fit = ReferenceParams::new(1, 1)
        .lambda(0.5)
        .decoder(Decoder::Unconstrained)
        .epochs(5000)
        .check()
        .unwrap()
        .fit(&x, &[0; 4])
        .unwrap();
    assert!(
        fit.loss() < 2.0 * 2.0f64.sqrt() - 0.05,
        "loss {}",
        fit.loss()
    );
    assert!(fit.loss() > 1.0, "loss {}", fit.loss());
    let encoder_norm = fit.encoders()[0].norm();
    assert!(encoder_norm < 0.9, "encoder norm {encoder_norm}");
}

#[test]
fn defaults_reach_lloyd_fixed_points_on_paper_data() {
    // From the shared k-means++ start, Lloyd and projected training end where the closed
    // form's Lloyd iteration, started from their labels, stops at once with the same loss.
    let mut sets: Vec<(&str, Mat<f64>, usize)> = [
        ToySet::Parallel,
        ToySet::Orthogonal,
        ToySet::Triangle,
        ToySet::Lines3d,
    ]
    .iter()
    .map(|set| {
        let mixture = set.mixture();
        let k = mixture.clusters.len();
        (set.name(), mixture.sample(0).unwrap().data, k)
    })
    .collect();
    sets.push(("penguins", penguins_max_scaled().0, 3));

    for (name, data, n_clusters) in &sets {
        let start = tae::params::kmeans_plus_plus_labels(data.as_ref(), *n_clusters, 0).unwrap();
        let x = to_na(data.as_ref());
        for assignment in [Assignment::Lloyd, Assignment::Projected] {
            let trained = ReferenceParams::new(*n_clusters, 1)
                .assignment(assignment)
                .check()
                .unwrap()
                .fit(&x, &start)
                .unwrap();
            assert!(trained.converged(), "{name} {assignment:?}: not converged");
            let polished = closed_form(data, *n_clusters, 1, trained.labels());
            assert_eq!(polished.labels(), trained.labels(), "{name} {assignment:?}");
            assert!(
                relative_difference(trained.loss(), polished.loss()) <= 1e-3,
                "{name} {assignment:?}: loss {} vs {}",
                trained.loss(),
                polished.loss()
            );
        }
    }
}

#[test]
fn same_seed_same_fit() {
    let data = to_na(planted(4, 3, 1, 6.0, 11).as_ref());
    let start =
        tae::params::kmeans_plus_plus_labels(tae::data::from_nalgebra(&data).as_ref(), 3, 1)
            .unwrap();
    for assignment in [Assignment::Lloyd, Assignment::Projected, Assignment::Mirror] {
        let params = ReferenceParams::new(3, 1)
            .assignment(assignment)
            .centers(Centers::Learned)
            .batch_size(Some(16))
            .epochs(60)
            .seed(5)
            .check()
            .unwrap();
        let first = params.fit(&data, &start).unwrap();
        let second = params.fit(&data, &start).unwrap();
        assert_eq!(first.labels(), second.labels(), "{assignment:?}");
        assert_eq!(
            first.loss().to_bits(),
            second.loss().to_bits(),
            "{assignment:?}"
        );
        assert_eq!(first.encoders(), second.encoders(), "{assignment:?}");
    }
}

#[test]
fn learned_centers_approach_cluster_means() {
    // The tied model's optimal centers are the means of the clusters (λ > 0).
    let data = planted(3, 2, 1, 12.0, 3);
    let start = tae::params::kmeans_plus_plus_labels(data.as_ref(), 2, 3).unwrap();
    let exact = closed_form(&data, 2, 1, &start);
    let trained = ReferenceParams::new(2, 1)
        .centers(Centers::Learned)
        .epochs(3000)
        .check()
        .unwrap()
        .fit(&to_na(data.as_ref()), &start)
        .unwrap();
    let map = matching_permutation(trained.labels(), exact.labels(), 2).expect("same partition");
    for (j, &matched) in map.iter().enumerate() {
        let gap = (trained.centers().row(j) - to_na(exact.centers()).row(matched)).norm();
        assert!(gap < 1e-2, "cluster {j}: center off by {gap}");
    }
    assert!(relative_difference(trained.loss(), exact.loss()) <= 1e-4);
}

#[test]
fn divergence_reports_learning_rate() {
    let data = to_na(planted(3, 2, 1, 8.0, 0).as_ref());
    let start =
        tae::params::kmeans_plus_plus_labels(tae::data::from_nalgebra(&data).as_ref(), 2, 0)
            .unwrap();
    let err = ReferenceParams::new(2, 1)
        .decoder(Decoder::Unconstrained)
        .optimizer(Optimizer::GradientDescent)
        .learning_rate(10.0)
        .check()
        .unwrap()
        .fit(&data, &start)
        .unwrap_err();
    match &err {
        Error::TrainingDiverged {
            learning_rate,
            epoch,
            loss,
        } => {
            assert_eq!(*learning_rate, 10.0);
            assert!(*epoch >= 1);
            assert!(!loss.is_finite());
        }
        other => panic!("expected TrainingDiverged, got {other:?}"),
    }
    assert!(err.to_string().contains("lower the learning rate"), "{err}");
}

#[test]
fn fit_rejects_bad_inputs() {
    let data = DMatrix::from_row_slice(4, 2, &[0.0, 0.0, 1.0, 0.0, 5.0, 5.0, 6.0, 5.0]);
    let params = ReferenceParams::new(2, 1).check().unwrap();

    let err = params.fit(&data, &[0, 1, 1]).unwrap_err();
    assert!(matches!(
        err,
        Error::LengthMismatch {
            expected: 4,
            found: 3,
            ..
        }
    ));
    let err = params.fit(&data, &[0, 0, 2, 1]).unwrap_err();
    assert!(matches!(
        err,
        Error::LabelOutOfRange {
            index: 2,
            label: 2,
            n_clusters: 2
        }
    ));
    let err = params.fit(&data, &[1, 1, 1, 1]).unwrap_err();
    assert!(matches!(
        err,
        Error::EmptyInitialCluster {
            cluster: 0,
            n_clusters: 2
        }
    ));
    let err = ReferenceParams::new(2, 3)
        .check()
        .unwrap()
        .fit(&data, &[0, 0, 1, 1])
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidLatentDim {
            latent_dim: 3,
            dim: 2
        }
    ));
    let err = ReferenceParams::new(2, 1)
        .batch_size(Some(5))
        .check()
        .unwrap()
        .fit(&data, &[0, 0, 1, 1])
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidBatchSize {
            batch_size: 5,
            n_points: 4
        }
    ));
    let err = ReferenceParams::new(5, 1)
        .check()
        .unwrap()
        .fit(&data, &[0, 1, 2, 3])
        .unwrap_err();
    assert!(matches!(
        err,
        Error::TooFewPoints {
            n_points: 4,
            n_clusters: 5
        }
    ));
    let mut bad = data.clone();
    bad[(2, 1)] = f64::NAN;
    let err = params.fit(&bad, &[0, 0, 1, 1]).unwrap_err();
    assert!(matches!(
        err,
        Error::NonFiniteValue {
            row: 2,
            column: 1,
            ..
        }
    ));
}

#[test]
fn point_losses_check_shapes() {
    let data = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
    let centers = DMatrix::zeros(1, 2);
    let encoder = DMatrix::from_row_slice(1, 2, &[1.0, 0.0]);
    let losses = tae::reference::point_losses(
        &data,
        &centers,
        std::slice::from_ref(&encoder),
        &[encoder.transpose()],
        0.5,
    )
    .unwrap();
    // ‖x‖² − (1 − λ) x₁²: 5 − 0.5 = 4.5 and 25 − 4.5 = 20.5.
    assert_eq!(losses.as_slice(), &[4.5, 20.5]);

    let err = tae::reference::point_losses(
        &data,
        &centers,
        std::slice::from_ref(&encoder),
        std::slice::from_ref(&encoder),
        0.5,
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidModel { .. }));
    let wide = DMatrix::zeros(2, 3);
    let err = tae::reference::point_losses(
        &wide,
        &centers,
        std::slice::from_ref(&encoder),
        &[encoder.transpose()],
        0.5,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        Error::DimensionMismatch {
            expected: 2,
            found: 3
        }
    ));
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ReferenceParams>();
    check::<tae::reference::ValidReferenceParams>();
    check::<tae::reference::ReferenceFit>();
}
