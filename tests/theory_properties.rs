//! Property tests of the universal claims over random data, dimensions and λ.
//!
//! Case counts are kept small so that the suite stays within a few minutes.

mod common;

use common::*;
use faer::Mat;
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tae::{FitSummary, Init, TaeModel, TaeParams};

/// A random `h × d` matrix with orthonormal rows from a proptest-drawn matrix (nalgebra QR).
fn orthonormal_rows(raw: &[f64], h: usize, d: usize) -> DMatrix<f64> {
    let gaussian = DMatrix::from_fn(d, h, |i, j| {
        raw[(i * h + j) % raw.len()] + if i == j { 3.0 } else { 0.0 }
    });
    gaussian.qr().q().transpose()
}

/// Data of `n` points in `d` dimensions from drawn values.
fn data_from(values: &[f64], n: usize, d: usize) -> Mat<f64> {
    Mat::from_fn(n, d, |i, c| {
        values[(i * d + c) % values.len()] * (1.0 + 0.37 * c as f64) + (i % 3) as f64 * 5.0
    })
}

proptest! {
    // No regression files: a failure prints its minimal input, which is enough to reproduce it.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn c1_identity_holds_for_random_inputs(
        d in 1usize..9,
        h_fraction in 0.0f64..1.0,
        lambda in 0.0f64..=1.0,
        raw in prop::collection::vec(-1.0f64..1.0, 64),
        point in prop::collection::vec(-10.0f64..10.0, 8),
        center in prop::collection::vec(-10.0f64..10.0, 8),
    ) {
        let h = 1 + ((d - 1) as f64 * h_fraction) as usize;
        let w = orthonormal_rows(&raw, h, d);
        let c = DVector::from_fn(d, |i, _| center[i]);
        let x = DVector::from_fn(d, |i, _| point[i]);
        let model = TaeModel::from_parts(
            Mat::from_fn(1, d, |_, k| c[k]),
            vec![to_faer(&w)],
            lambda,
            FitSummary::default(),
        ).unwrap();
        let loss = model.losses(Mat::from_fn(1, d, |_, k| x[k]).as_ref()).unwrap()[(0, 0)];
        let y = &x - &c;
        let expected = loss_ae_form(&x, &c, &w, lambda);
        let short = y.norm_squared() - (1.0 - lambda) * (&w * &y).norm_squared();
        let scale = y.norm_squared().max(1e-12);
        prop_assert!((expected - short).abs() <= 1e-12 * scale);
        prop_assert!((loss - expected).abs() <= 1e-11 * scale, "{} vs {}", loss, expected);
    }

    #[test]
    fn c5_p_step_on_random_data(
        n in 6usize..40,
        d in 2usize..6,
        lambda in 0.0f64..=1.0,
        values in prop::collection::vec(-3.0f64..3.0, 40),
        seed in 0u64..1000,
    ) {
        let x = data_from(&values, n, d);
        let model = TaeParams::new(3, 1).lambda(lambda).n_init(2).seed(seed).check().unwrap().fit(x.as_ref()).unwrap();
        let losses = to_na(model.losses(x.as_ref()).unwrap().as_ref());
        let hard: f64 = (0..n).map(|i| losses.row(i).min()).sum();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..20 {
            let p = random_soft_assignment(n, 3, &mut rng);
            let soft: f64 = (0..n).map(|i| (0..3).map(|j| p[(i, j)] * losses[(i, j)]).sum::<f64>()).sum();
            prop_assert!(soft >= hard - 1e-12 * hard.abs().max(1.0));
        }
        // The fitted labels attain the minimum at a fixed point.
        let at_labels: f64 = (0..n).map(|i| losses[(i, model.labels()[i])]).sum();
        prop_assert!(at_labels >= hard - 1e-12 * hard.abs().max(1.0));
    }

    #[test]
    fn c13_tae_below_ae_on_random_data(
        n in 4usize..30,
        d in 2usize..6,
        h_fraction in 0.0f64..1.0,
        lambda in 0.0f64..=1.5,
        values in prop::collection::vec(-3.0f64..3.0, 40),
        seed in 0u64..1000,
    ) {
        let h = 1 + ((d - 1) as f64 * h_fraction) as usize;
        let x = to_na(data_from(&values, n, d).as_ref());
        let all = DMatrix::from_element(n, 1, 1.0);
        let ae = reduced_loss_na(&x, &all, h, lambda);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..10 {
            let p = random_soft_assignment(n, 3, &mut rng);
            let tae = reduced_loss_na(&x, &p, h, lambda);
            prop_assert!(tae <= ae + 1e-9 * ae.abs().max(1.0), "{} > {}", tae, ae);
        }
    }

    #[test]
    fn c15_invariances_on_random_data(
        n in 6usize..40,
        d in 2usize..6,
        lambda in 0.0f64..=1.0,
        values in prop::collection::vec(-3.0f64..3.0, 40),
        shift in prop::collection::vec(-50.0f64..50.0, 6),
        scale in 0.1f64..10.0,
        seed in 0u64..1000,
    ) {
        let x = data_from(&values, n, d);
        let params = |init: Init| TaeParams::new(2, 1).lambda(lambda).tol(0.0).init(init).seed(seed).check().unwrap();
        let model = params(Init::KMeansPlusPlus).fit(x.as_ref()).unwrap();
        let start = Init::Labels(model.labels().to_vec());

        let moved = params(start.clone()).fit(Mat::from_fn(n, d, |i, c| x[(i, c)] + shift[c]).as_ref()).unwrap();
        prop_assert_eq!(moved.labels(), model.labels());
        // Moving the data far from the origin costs accuracy in ‖x‖², so the tolerance grows
        // with the shift.
        let loss_scale = model.loss().abs().max(1e-9);
        let shift_size: f64 = shift.iter().map(|s| s * s).sum();
        prop_assert!((moved.loss() - model.loss()).abs() <= 1e-9 * loss_scale + 1e-12 * shift_size);
        for j in 0..2 {
            for (c, &offset) in shift.iter().take(d).enumerate() {
                let moved_by = moved.centers()[(j, c)] - model.centers()[(j, c)];
                prop_assert!((moved_by - offset).abs() <= 1e-9 * (1.0 + offset.abs()));
            }
        }

        let scaled = params(start).fit((x.clone() * scale).as_ref()).unwrap();
        prop_assert_eq!(scaled.labels(), model.labels());
        prop_assert!((scaled.loss() - scale * scale * model.loss()).abs() <= 1e-9 * scale * scale * loss_scale);
    }
}
