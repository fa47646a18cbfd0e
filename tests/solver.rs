//! Solver behaviour: determinism across thread counts, edge cases, and bad input.

mod common;

use common::*;
use faer::Mat;
use tae::baselines::{KMeans, Pca};
use tae::{Error, Init, TaeModel, TaeParams};

fn fit_with_threads(threads: usize, data: &Mat<f64>) -> TaeModel {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        TaeParams::new(3, 2)
            .lambda(0.1)
            .n_init(4)
            .seed(42)
            .check()
            .unwrap()
            .fit(data.as_ref())
            .unwrap()
    })
}

#[test]
fn fit_is_bit_identical_for_one_and_two_threads() {
    // 9,000 points: several assignment blocks and k-means++ chunks.
    let sample = planted(3.0, 3000, 7);
    let one = fit_with_threads(1, &sample.data);
    let two = fit_with_threads(2, &sample.data);

    assert_eq!(one.labels(), two.labels());
    assert_eq!(one.loss().to_bits(), two.loss().to_bits());
    assert_eq!(one.n_iter(), two.n_iter());
    for j in 0..3 {
        for c in 0..10 {
            assert_eq!(
                one.centers()[(j, c)].to_bits(),
                two.centers()[(j, c)].to_bits()
            );
            for k in 0..2 {
                assert_eq!(
                    one.bases()[j][(k, c)].to_bits(),
                    two.bases()[j][(k, c)].to_bits()
                );
            }
        }
    }
}

#[test]
fn large_fit_bits_match_across_threads() {
    // 40,000 points in d = 72: several blocks of the counting sort, several chunks per cluster
    // and the warm-started eigen step (d ≥ 64). Mixed start labels make the fit iterate.
    let (n_points, n_clusters) = (40_000, 4);
    let data = tae::planted::PlantedMixture::random_subspaces(n_points, 72, n_clusters, 3, 5)
        .and_then(|mixture| mixture.sample(6))
        .unwrap()
        .data;
    let start: Vec<usize> = (0..n_points)
        .map(|i| (i * 13 + i / 11) % n_clusters)
        .collect();
    let fit = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            TaeParams::new(n_clusters, 3)
                .lambda(0.2)
                .init(Init::Labels(start.clone()))
                .check()
                .unwrap()
                .fit(data.as_ref())
                .unwrap()
        })
    };

    let single = fit(1);
    assert!(single.n_iter() >= 3, "only {} iterations", single.n_iter());
    for threads in [2, 3] {
        let parallel = fit(threads);
        assert_eq!(single.labels(), parallel.labels(), "{threads} threads");
        assert_eq!(
            single.loss().to_bits(),
            parallel.loss().to_bits(),
            "{threads} threads"
        );
        for j in 0..n_clusters {
            let (a, b) = (single.bases()[j].as_ref(), parallel.bases()[j].as_ref());
            assert_eq!(bits_of(a), bits_of(b), "basis {j}, {threads} threads");
        }
        assert_eq!(bits_of(single.centers()), bits_of(parallel.centers()));
    }
}

/// Returns the bit patterns of a matrix's entries, column by column.
fn bits_of(m: faer::MatRef<'_, f64>) -> Vec<u64> {
    (0..m.ncols())
        .flat_map(|c| (0..m.nrows()).map(move |r| m[(r, c)].to_bits()))
        .collect()
}

#[test]
fn same_seed_same_fit_other_seed_other_starts() {
    let sample = planted(3.0, 100, 8);
    let fit = |seed| {
        TaeParams::new(3, 2)
            .n_init(1)
            .seed(seed)
            .check()
            .unwrap()
            .fit(sample.data.as_ref())
            .unwrap()
    };
    let a = fit(1);
    let b = fit(1);
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.loss().to_bits(), b.loss().to_bits());
    // Different seeds give different k-means++ starts, visible in the first loss.
    let traces: Vec<f64> = (0..6)
        .map(|s| fit(s).summary().loss_trace.after_update[0])
        .collect();
    assert!(traces.windows(2).any(|w| w[0] != w[1]), "{traces:?}");
}

#[test]
fn more_restarts_never_raise_the_loss() {
    // Restart 0 of any fit with the same seed is the same start, so keeping the lowest loss
    // over 20 restarts can only match or improve on one restart.
    let sample = planted(2.0, 100, 9);
    let fit = |n_init| {
        TaeParams::new(3, 2)
            .n_init(n_init)
            .seed(100)
            .check()
            .unwrap()
            .fit(sample.data.as_ref())
            .unwrap()
            .loss()
    };
    let one = fit(1);
    let five = fit(5);
    let twenty = fit(20);
    assert!(five <= one);
    assert!(twenty <= five);
}

#[test]
fn one_point_per_cluster_has_zero_loss() {
    let x = Mat::from_fn(3, 2, |i, c| (i * 3 + c) as f64);
    let model = TaeParams::new(3, 1)
        .check()
        .unwrap()
        .fit(x.as_ref())
        .unwrap();
    assert_eq!(model.loss(), 0.0);
    let mut labels = model.labels().to_vec();
    labels.sort();
    assert_eq!(labels, vec![0, 1, 2]);
    assert_eq!(model.cluster_sizes(), &[1, 1, 1]);
}

#[test]
fn identical_points_fit_without_nan() {
    let x = Mat::from_fn(10, 3, |_, c| c as f64 + 0.5);
    let model = TaeParams::new(3, 2)
        .check()
        .unwrap()
        .fit(x.as_ref())
        .unwrap();
    assert_eq!(model.loss(), 0.0);
    assert_eq!(model.cluster_sizes().iter().sum::<usize>(), 10);
    assert!(model.cluster_sizes().iter().all(|&s| s > 0));
    for j in 0..3 {
        let gram = &model.bases()[j] * model.bases()[j].transpose();
        assert!((gram - Mat::<f64>::identity(2, 2)).norm_max() < 1e-12);
    }
}

#[test]
fn empty_initial_cluster_is_reseeded() {
    let sample = planted(5.0, 50, 10);
    let initial = vec![0; 150];
    let model = TaeParams::new(3, 1)
        .init(Init::Labels(initial))
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    assert!(model.reseeded());
    assert!(model.cluster_sizes().iter().all(|&s| s > 0));
}

#[test]
fn full_latent_dim_loss_is_lambda_times_scatter() {
    // With h = d every direction is kept: ℓ_j(x) = λ‖x − c_j‖², so the loss is λ · inertia
    // for the same labels.
    let sample = planted(5.0, 60, 11);
    let model = TaeParams::new(3, 10)
        .lambda(0.3)
        .tol(0.0)
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    let x = to_na(sample.data.as_ref());
    let mut inertia = 0.0;
    for j in 0..3 {
        let (_, scatter) = cluster_mean_scatter(&x, model.labels(), j);
        inertia += scatter.trace();
    }
    assert!((model.loss() - 0.3 * inertia).abs() <= 1e-10 * inertia);
}

#[test]
fn small_cluster_takes_thin_svd_path() {
    // Clusters of 5 points in 8 dimensions take the thin-SVD path (5 < d); the basis must
    // still match nalgebra's eigenvectors of the scatter matrix.
    let x = Mat::from_fn(15, 8, |i, c| {
        let group = (i / 5) as f64;
        100.0 * group + ((i * 13 + c * 7) % 11) as f64 * (1.0 + 0.1 * c as f64)
    });
    let labels: Vec<usize> = (0..15).map(|i| i / 5).collect();
    let model = TaeParams::new(3, 2)
        .tol(0.0)
        .init(Init::Labels(labels.clone()))
        .check()
        .unwrap()
        .fit(x.as_ref())
        .unwrap();
    assert_eq!(model.labels(), &labels[..]);
    let xn = to_na(x.as_ref());
    for j in 0..3 {
        let (_, scatter) = cluster_mean_scatter(&xn, &labels, j);
        let (expected, gap) = top_projector(&scatter, 2);
        assert!(gap > 1e-6);
        let difference = spectral_norm(&(projector(model.bases()[j].as_ref()) - expected));
        assert!(difference < 1e-9, "cluster {j}: {difference}");
    }
}

#[test]
fn pca_matches_nalgebra_and_ae_loss() {
    let sample = planted(3.0, 100, 12);
    let pca = Pca::fit(sample.data.as_ref(), 3).unwrap();
    let x = to_na(sample.data.as_ref());
    let all = vec![0; x.nrows()];
    let (mean, scatter) = cluster_mean_scatter(&x, &all, 0);
    for c in 0..10 {
        assert!((pca.mean()[c] - mean[c]).abs() < 1e-12);
    }
    let (expected, _) = top_projector(&scatter, 3);
    let difference = spectral_norm(&(projector(pca.components()) - &expected));
    assert!(difference < 1e-9);

    // The single-AE loss equals Σ‖y − WᵀWy‖² + λ‖Wy‖² over the points.
    let w = to_na(pca.components());
    let oracle: f64 = (0..x.nrows())
        .map(|i| loss_ae_form(&x.row(i).transpose(), &mean, &w, 0.2))
        .sum();
    assert!((pca.loss(0.2) - oracle).abs() <= 1e-10 * oracle);

    // A TAE with one cluster is the same autoencoder.
    let tae = TaeParams::new(1, 3)
        .lambda(0.2)
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    assert!((tae.loss() - oracle).abs() <= 1e-10 * oracle);
}

#[test]
fn fit_rejects_bad_input() {
    let params = TaeParams::new(3, 2).check().unwrap();

    let empty = Mat::<f64>::zeros(0, 4);
    assert!(matches!(
        params.fit(empty.as_ref()),
        Err(Error::EmptyData {
            n_points: 0,
            dim: 4
        })
    ));

    let two_points = Mat::from_fn(2, 4, |i, c| (i + c) as f64);
    assert!(matches!(
        params.fit(two_points.as_ref()),
        Err(Error::TooFewPoints {
            n_points: 2,
            n_clusters: 3
        })
    ));

    let narrow = Mat::from_fn(10, 1, |i, _| i as f64);
    assert!(matches!(
        params.fit(narrow.as_ref()),
        Err(Error::InvalidLatentDim {
            latent_dim: 2,
            dim: 1
        })
    ));

    let mut with_nan = Mat::from_fn(10, 4, |i, c| (i * c) as f64);
    with_nan[(6, 2)] = f64::NAN;
    match params.fit(with_nan.as_ref()) {
        Err(Error::NonFiniteValue { row, column, value }) => {
            assert_eq!((row, column), (6, 2));
            assert!(value.is_nan());
        }
        other => panic!("expected NonFiniteValue, got {other:?}"),
    }

    let labels = TaeParams::new(3, 2)
        .init(Init::Labels(vec![0, 1, 2]))
        .check()
        .unwrap();
    let data = Mat::from_fn(10, 4, |i, c| (i * c) as f64);
    assert!(matches!(
        labels.fit(data.as_ref()),
        Err(Error::LengthMismatch {
            expected: 10,
            found: 3,
            ..
        })
    ));
}

#[test]
fn model_rejects_wrong_dimension() {
    let sample = planted(5.0, 30, 13);
    let model = TaeParams::new(3, 1)
        .check()
        .unwrap()
        .fit(sample.data.as_ref())
        .unwrap();
    let wrong = Mat::<f64>::zeros(5, 9);
    for result in [
        model.predict(wrong.as_ref()).map(|_| ()),
        model.losses(wrong.as_ref()).map(|_| ()),
        model.reconstruct(wrong.as_ref()).map(|_| ()),
        model.encode(wrong.as_ref()).map(|_| ()),
    ] {
        assert!(matches!(
            result,
            Err(Error::DimensionMismatch {
                expected: 10,
                found: 9
            })
        ));
    }
}

#[test]
fn from_parts_rejects_non_orthonormal_basis() {
    let centers = Mat::from_fn(1, 2, |_, _| 0.0);
    let basis = Mat::from_fn(1, 2, |_, c| [1.0, 1.0][c]);
    let err = TaeModel::from_parts(centers, vec![basis], 0.1, Default::default()).unwrap_err();
    assert!(matches!(err, Error::InvalidModel { .. }), "{err}");
}

#[test]
fn predict_is_row_argmin_of_losses() {
    // Clusters 0 and 1 are identical, so every point ties between them and must go to 0.
    let centers = Mat::from_fn(3, 2, |j, c| [[0.0, 0.0], [0.0, 0.0], [3.0, -1.0]][j][c]);
    let bases = vec![
        Mat::from_fn(1, 2, |_, c| [1.0, 0.0][c]),
        Mat::from_fn(1, 2, |_, c| [1.0, 0.0][c]),
        Mat::from_fn(1, 2, |_, c| [0.6, 0.8][c]),
    ];
    let model = TaeModel::from_parts(centers, bases, 0.3, Default::default()).unwrap();

    // 2,500 points make several blocks; the input is a row-major view, so its columns are
    // strided.
    let raw: Vec<f64> = (0..2 * 2_500)
        .map(|k| {
            let t = (k / 2) as f64 * 0.37;
            if k % 2 == 0 {
                4.0 * t.sin()
            } else {
                4.0 * (1.3 * t).cos()
            }
        })
        .collect();
    let strided = faer::MatRef::from_row_major_slice(&raw, 2_500, 2);
    assert_eq!(strided[(7, 1)], raw[15]);

    let predicted = model.predict(strided).unwrap();
    let losses = model.losses(strided).unwrap();
    let mut in_zero = 0;
    for (i, &label) in predicted.iter().enumerate() {
        let row: Vec<f64> = (0..3).map(|j| losses[(i, j)]).collect();
        let min = row.iter().copied().fold(f64::INFINITY, f64::min);
        let first = row.iter().position(|&l| l == min).unwrap();
        assert_eq!(label, first, "point {i}: losses {row:?}");
        in_zero += usize::from(label == 0);
    }
    assert!(
        in_zero > 100,
        "the tie case must occur: {in_zero} points in cluster 0"
    );
}

#[test]
fn kmeans_rejects_bad_parameters() {
    assert!(matches!(
        KMeans::params(0).check(),
        Err(Error::InvalidClusterCount { n_clusters: 0 })
    ));
    assert!(matches!(
        KMeans::params(2).n_init(0).check(),
        Err(Error::InvalidRestartCount { n_init: 0 })
    ));
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<TaeModel>();
    check::<TaeParams>();
    check::<tae::ValidParams>();
    check::<Error>();
    check::<tae::baselines::KMeansModel>();
    check::<Pca>();
}
