//! One function per claim. Each returns the measured value, its bound and the details.
//!
//! The planted model (PM) has K = 3 clusters in d = 10 dimensions with spectra
//! (9, 7.2, 0.05, …, 0.05) along random rotations, means `separation · N(0, I)/√d`, and h = 2,
//! λ = 0.1 unless a claim sets other values.

use faer::{Mat, MatRef};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::linalg::*;
use super::{Bound, Claim, ClaimResult};
use crate::analysis::{davis_kahan_from_members, projector_distance, ProjectorNorm};
use crate::baselines::{KMeans, Pca};
use crate::em::EmParams;
use crate::error::Result;
use crate::metrics::clustering_accuracy;
use crate::model::{FitSummary, TaeModel};
use crate::params::{Init, TaeParams};
use crate::planted::{PlantedMixture, PlantedSample};
use crate::untied::{best_angle_2d, decoder_loss, descend, Decoder, DescentOptions};

const LAMBDA: f64 = 0.1;
const K: usize = 3;
const H: usize = 2;
const D: usize = 10;

pub fn run(claim: Claim, seed: u64) -> Result<ClaimResult> {
    match claim {
        Claim::C1 => c1(seed),
        Claim::C2 => c2(seed),
        Claim::C3 => c3(seed),
        Claim::C4 => c4(seed),
        Claim::C5 => c5(seed),
        Claim::C6 => c6(seed),
        Claim::C7 => c7(seed),
        Claim::C8 => c8(seed),
        Claim::C9 => c9(seed),
        Claim::C10 => c10(seed),
        Claim::C11 => c11(seed),
        Claim::C12 => c12(seed),
        Claim::C13 => c13(seed),
        Claim::C14 => c14(seed),
        Claim::C15 => c15(seed),
        Claim::C16 => c16(seed),
        Claim::C17 => c17(seed),
        Claim::C18 => c18(),
        Claim::C19 => c19(),
        Claim::C20 => c20(seed),
        Claim::C21 => c21(seed),
        Claim::C22 => c22(seed),
    }
}

/// Training points of the planted model.
fn pm(separation: f64, size: usize, seed: u64) -> Result<PlantedSample> {
    PlantedMixture::default_model(separation, size, seed)?.sample(seed.wrapping_add(1000))
}

/// Held-out points from the same clusters as [`pm`].
fn pm_held_out(separation: f64, size: usize, seed: u64) -> Result<PlantedSample> {
    PlantedMixture::default_model(separation, size, seed)?.sample(seed.wrapping_add(5000))
}

fn fit(x: MatRef<'_, f64>, h: usize, lambda: f64, seed: u64) -> Result<TaeModel> {
    TaeParams::new(K, h)
        .lambda(lambda)
        .tol(0.0)
        .seed(seed)
        .check()?
        .fit(x)
}

fn one_cluster(center: &[f64], basis: Mat<f64>, lambda: f64) -> Result<TaeModel> {
    let centers = Mat::from_fn(1, center.len(), |_, c| center[c]);
    TaeModel::from_parts(centers, vec![basis], lambda, FitSummary::default())
}

/// Sum of the losses of `points` in a one-cluster model.
fn cluster_loss(
    points: MatRef<'_, f64>,
    center: &[f64],
    basis: &Mat<f64>,
    lambda: f64,
) -> Result<f64> {
    let losses = one_cluster(center, basis.clone(), lambda)?.losses(points)?;
    Ok(losses.col(0).iter().sum())
}

fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

fn frobenius(m: MatRef<'_, f64>) -> f64 {
    m.norm_l2()
}

fn c1(seed: u64) -> Result<ClaimResult> {
    let mut rng = rng(seed, 1);
    let mut worst = 0.0f64;
    for (h, d, lambda) in [
        (1, 2, 0.1),
        (2, 5, 0.5),
        (3, 7, 0.0),
        (4, 4, 0.9),
        (2, 10, 1.0),
    ] {
        let w = random_basis(h, d, &mut rng);
        let center: Vec<f64> = (0..d).map(|_| normal(&mut rng)).collect();
        let points = Mat::from_fn(20, d, |_, _| 3.0 * normal(&mut rng));
        let losses = one_cluster(&center, w.clone(), lambda)?.losses(points.as_ref())?;
        let a = Mat::<f64>::identity(d, d) - projector(w.as_ref()) * (1.0 - lambda);

        for i in 0..points.nrows() {
            let y = Mat::from_fn(d, 1, |c, _| points[(i, c)] - center[c]);
            let code = product(w.as_ref(), y.as_ref());
            let residual = &y - product(w.transpose(), code.as_ref());
            let ae_form = residual.squared_norm_l2() + lambda * code.squared_norm_l2();
            let short_form = y.squared_norm_l2() - (1.0 - lambda) * code.squared_norm_l2();
            let quadratic =
                product(y.transpose(), product(a.as_ref(), y.as_ref()).as_ref())[(0, 0)];
            let scale = y.squared_norm_l2();
            for value in [short_form, quadratic, losses[(i, 0)]] {
                worst = worst.max((value - ae_form).abs() / scale);
            }
        }

        // A has eigenvalue λ (h times) and 1 (d − h times).
        let (values, _) = eigen_desc(a.as_ref())?;
        for (k, &value) in values.iter().enumerate() {
            let expected = if k < d - h { 1.0 } else { lambda };
            worst = worst.max((value - expected).abs());
        }
    }
    Ok(ClaimResult::new(
        Claim::C1,
        worst,
        Bound::AtMost(1e-12),
        String::new(),
    ))
}

fn c2(seed: u64) -> Result<ClaimResult> {
    let sample = pm(5.0, 300, seed)?;
    let model = fit(sample.data.as_ref(), H, LAMBDA, seed)?;
    let mut rng = rng(seed, 2);
    let mut worst_gradient = 0.0f64;
    let mut worst_gap = 0.0f64;
    for j in 0..K {
        let points = members(sample.data.as_ref(), model.labels(), j);
        let n = points.nrows() as f64;
        let basis = model.bases()[j].clone();
        let mean: Vec<f64> = (0..D)
            .map(|c| points.col(c).iter().sum::<f64>() / n)
            .collect();
        let a = Mat::<f64>::identity(D, D) - projector(basis.as_ref()) * (1.0 - LAMBDA);
        let at_mean = cluster_loss(points.as_ref(), &mean, &basis, LAMBDA)?;

        // ∇_c Σ ℓ = −2 A Σ (x_i − c) vanishes at the mean.
        let sum = Mat::from_fn(D, 1, |c, _| {
            points.col(c).iter().map(|v| v - mean[c]).sum::<f64>()
        });
        let gradient = product(a.as_ref(), sum.as_ref()) * -2.0;
        worst_gradient = worst_gradient.max(frobenius(gradient.as_ref()) / at_mean);

        // L(c) − L(m) = N (m − c)ᵀ A (m − c).
        for _ in 0..5 {
            let shift = Mat::from_fn(D, 1, |_, _| normal(&mut rng) * 0.3);
            let center: Vec<f64> = (0..D).map(|c| mean[c] + shift[(c, 0)]).collect();
            let expected = n * product(
                shift.transpose(),
                product(a.as_ref(), shift.as_ref()).as_ref(),
            )[(0, 0)];
            let found = cluster_loss(points.as_ref(), &center, &basis, LAMBDA)? - at_mean;
            worst_gap = worst_gap.max((found - expected).abs() / at_mean);
        }
    }
    let worst = worst_gradient.max(worst_gap);
    Ok(ClaimResult::new(
        Claim::C2,
        worst,
        Bound::AtMost(1e-10),
        format!("gradient {worst_gradient:.1e}, center gap {worst_gap:.1e}"),
    ))
}

fn c3(seed: u64) -> Result<ClaimResult> {
    let sample = pm(5.0, 300, seed)?;
    let model = fit(sample.data.as_ref(), H, 0.0, seed)?;
    let mut rng = rng(seed, 3);
    let mut worst = 0.0f64;
    for j in 0..K {
        let points = members(sample.data.as_ref(), model.labels(), j);
        let basis = model.bases()[j].clone();
        let mean: Vec<f64> = (0..D).map(|c| model.centers()[(j, c)]).collect();
        let at_mean = cluster_loss(points.as_ref(), &mean, &basis, 0.0)?;
        for _ in 0..5 {
            let u = Mat::from_fn(H, 1, |_, _| 2.0 * normal(&mut rng));
            let step = product(basis.transpose(), u.as_ref());
            let center: Vec<f64> = (0..D).map(|c| mean[c] + step[(c, 0)]).collect();
            let moved = cluster_loss(points.as_ref(), &center, &basis, 0.0)?;
            worst = worst.max((moved - at_mean).abs() / at_mean);
        }
    }
    Ok(ClaimResult::new(
        Claim::C3,
        worst,
        Bound::AtMost(1e-10),
        String::new(),
    ))
}

/// `tr S − (1 − λ) tr(W S Wᵀ)`, the tied loss of a cluster with scatter S, for any λ.
fn tied_loss(scatter: MatRef<'_, f64>, w: MatRef<'_, f64>, lambda: f64) -> f64 {
    let trace: f64 = (0..scatter.nrows()).map(|i| scatter[(i, i)]).sum();
    let inner = product(w, product(scatter, w.transpose()).as_ref());
    let captured: f64 = (0..w.nrows()).map(|i| inner[(i, i)]).sum();
    trace - (1.0 - lambda) * captured
}

fn c4(seed: u64) -> Result<ClaimResult> {
    let sample = pm(5.0, 300, seed)?;
    let mut rng = rng(seed, 4);
    let mut worst_formula = 0.0f64;
    let mut worst_violation = f64::NEG_INFINITY;
    let mut worst_flat = 0.0f64;
    for j in 0..K {
        let points = members(sample.data.as_ref(), &sample.labels, j);
        let (_, scatter) = weighted_scatter(points.as_ref(), &vec![1.0; points.nrows()]);
        let (values, vectors) = eigen_desc(scatter.as_ref())?;
        let trace: f64 = values.iter().sum();
        let top = vectors.subrows(0, H).to_owned();
        let bottom = vectors.subrows(D - H, H).to_owned();

        for lambda in [LAMBDA, 1.5] {
            let (optimal, captured) = if lambda < 1.0 {
                (top.as_ref(), values[..H].iter().sum::<f64>())
            } else {
                (bottom.as_ref(), values[D - H..].iter().sum::<f64>())
            };
            let optimum = tied_loss(scatter.as_ref(), optimal, lambda);
            let formula = trace - (1.0 - lambda) * captured;
            worst_formula = worst_formula.max((optimum - formula).abs() / trace);
            for _ in 0..1000 {
                let w = random_basis(H, D, &mut rng);
                let loss = tied_loss(scatter.as_ref(), w.as_ref(), lambda);
                worst_violation = worst_violation.max((optimum - loss) / trace);
            }
        }
        for _ in 0..100 {
            let w = random_basis(H, D, &mut rng);
            worst_flat = worst_flat
                .max((tied_loss(scatter.as_ref(), w.as_ref(), 1.0) - trace).abs() / trace);
        }
    }
    let measured = worst_formula.max(worst_violation).max(worst_flat);
    Ok(ClaimResult::new(
        Claim::C4,
        measured,
        Bound::AtMost(1e-9),
        format!(
            "formula {worst_formula:.1e}, best random W beats optimum by {worst_violation:.1e}, λ = 1 spread {worst_flat:.1e}"
        ),
    ))
}

fn c5(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 300, seed)?;
    let model = fit(sample.data.as_ref(), H, LAMBDA, seed)?;
    let losses = model.losses(sample.data.as_ref())?;
    let n = losses.nrows();
    let minima: Vec<f64> = (0..n)
        .map(|i| (0..K).map(|j| losses[(i, j)]).fold(f64::INFINITY, f64::min))
        .collect();
    let hard: f64 = minima.iter().sum();
    let predicted = model.predict(sample.data.as_ref())?;
    let at_argmin: f64 = (0..n).map(|i| losses[(i, predicted[i])]).sum();

    let mut rng = rng(seed, 5);
    let mut worst = (at_argmin - hard).abs() / hard;
    for _ in 0..200 {
        let mut soft = 0.0;
        for i in 0..n {
            let weights: Vec<f64> = (0..K).map(|_| -rng.random::<f64>().ln()).collect();
            let total: f64 = weights.iter().sum();
            soft += (0..K)
                .map(|j| weights[j] / total * losses[(i, j)])
                .sum::<f64>();
        }
        worst = worst.max((hard - soft) / hard);
    }
    Ok(ClaimResult::new(
        Claim::C5,
        worst,
        Bound::AtMost(1e-12),
        String::new(),
    ))
}

fn c6(seed: u64) -> Result<ClaimResult> {
    let mut worst = f64::NEG_INFINITY;
    let mut all_converged = true;
    let mut steps = 0;
    for separation in [3.0, 5.0] {
        let sample = pm(separation, 300, seed)?;
        for lambda in [0.0, LAMBDA, 0.5, 1.0] {
            let model = TaeParams::new(K, H)
                .lambda(lambda)
                .tol(0.0)
                .n_init(3)
                .seed(seed)
                .check()?
                .fit(sample.data.as_ref())?;
            all_converged &= model.converged();
            let trace = &model.summary().loss_trace;
            let mut sequence = Vec::new();
            for t in 0..trace.after_update.len() {
                sequence.push(trace.after_update[t]);
                if let Some(&value) = trace.after_assignment.get(t) {
                    sequence.push(value);
                }
            }
            let scale = sequence[0].abs();
            for pair in sequence.windows(2) {
                worst = worst.max((pair[1] - pair[0]) / scale);
            }
            steps += sequence.len();
        }
    }
    Ok(ClaimResult::new(
        Claim::C6,
        worst,
        Bound::AtMost(1e-9),
        format!(
            "largest relative rise over {steps} half-steps; all runs terminated: {all_converged}"
        ),
    )
    .require(all_converged))
}

fn c7(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 300, seed)?;
    let model = fit(sample.data.as_ref(), H, LAMBDA, seed)?;
    let x = sample.data.as_ref();
    let scale = x.norm_max();
    let mut center_error = 0.0f64;
    let mut projector_error = 0.0f64;
    let mut smallest_gap = f64::INFINITY;
    for j in 0..K {
        let points = members(x, model.labels(), j);
        let (mean, scatter) = weighted_scatter(points.as_ref(), &vec![1.0; points.nrows()]);
        for (c, m) in mean.iter().enumerate() {
            center_error = center_error.max((model.centers()[(j, c)] - m).abs() / scale);
        }
        let (values, vectors) = eigen_desc(scatter.as_ref())?;
        smallest_gap = smallest_gap.min(values[H - 1] - values[H]);
        let difference = projector(model.bases()[j].as_ref()) - projector(vectors.subrows(0, H));
        projector_error = projector_error.max(frobenius(difference.as_ref()));
    }
    let losses = model.losses(x)?;
    let loss_scale = scale * scale;
    let not_argmin = (0..x.nrows())
        .filter(|&i| {
            let min = (0..K).map(|j| losses[(i, j)]).fold(f64::INFINITY, f64::min);
            losses[(i, model.labels()[i])] > min + 1e-12 * loss_scale
        })
        .count();
    Ok(ClaimResult::new(
        Claim::C7,
        projector_error,
        Bound::AtMost(1e-8),
        format!(
            "center error {center_error:.1e} (≤ 1e-12), smallest eigengap {smallest_gap:.2}, points not at an argmin {not_argmin}"
        ),
    )
    .require(center_error <= 1e-12 && smallest_gap > 0.0 && not_argmin == 0 && model.converged()))
}

fn c8(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 300, seed)?;
    let x = sample.data.as_ref();
    let model = fit(x, H, LAMBDA, seed)?;
    let p = one_hot(model.labels(), K);
    let reduced = reduced_loss(x, p.as_ref(), H, LAMBDA)?;
    let formula_error = relative_error(model.loss(), reduced, 1e-300);

    // For fixed P: affine in λ on [0, 1], non-increasing in h.
    let at = |lambda: f64, h: usize| reduced_loss(x, p.as_ref(), h, lambda);
    let (l0, l_half, l1) = (at(0.0, H)?, at(0.5, H)?, at(1.0, H)?);
    let affine_error = relative_error(l_half, 0.5 * (l0 + l1), 1e-300);
    let by_h: Vec<f64> = (1..=D).map(|h| at(LAMBDA, h)).collect::<Result<_>>()?;
    let largest_rise = by_h
        .windows(2)
        .map(|w| (w[1] - w[0]) / w[0])
        .fold(f64::NEG_INFINITY, f64::max);
    let measured = formula_error.max(affine_error);
    Ok(ClaimResult::new(
        Claim::C8,
        measured,
        Bound::AtMost(1e-10),
        format!("fit vs spectra {formula_error:.1e}, affine in λ {affine_error:.1e}, largest rise in h {largest_rise:.1e}"),
    )
    .require(largest_rise <= 1e-12))
}

/// Planted-model recovery at one separation: training and held-out accuracy, the largest
/// sine between fitted and true subspaces, and the largest center error.
struct Recovery {
    accuracy: f64,
    held_out: f64,
    sine: f64,
    center_error: f64,
}

fn recovery(separation: f64, seed: u64) -> Result<Recovery> {
    let sample = pm(separation, 300, seed)?;
    let held = pm_held_out(separation, 200, seed)?;
    let model = TaeParams::new(K, H)
        .lambda(LAMBDA)
        .seed(seed)
        .check()?
        .fit(sample.data.as_ref())?;
    let accuracy = clustering_accuracy(&sample.labels, model.labels())?;
    let held_out = clustering_accuracy(&held.labels, &model.predict(held.data.as_ref())?)?;
    let mut sine = 0.0f64;
    let mut center_error = 0.0f64;
    for j in 0..K {
        // The true cluster is the one with the nearest mean.
        let distance = |t: usize| {
            (0..D)
                .map(|c| (model.centers()[(j, c)] - sample.means[(t, c)]).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let truth = (0..K)
            .min_by(|&a, &b| distance(a).total_cmp(&distance(b)))
            .unwrap_or(0);
        center_error = center_error.max(distance(truth));
        let difference =
            projector(model.bases()[j].as_ref()) - projector(sample.subspace(truth, H).as_ref());
        let (values, _) =
            eigen_desc(product(difference.transpose(), difference.as_ref()).as_ref())?;
        sine = sine.max(values[0].max(0.0).sqrt());
    }
    Ok(Recovery {
        accuracy,
        held_out,
        sine,
        center_error,
    })
}

fn c9(seed: u64) -> Result<ClaimResult> {
    let mut min_accuracy = f64::INFINITY;
    let mut sine = 0.0f64;
    let mut center_error = 0.0f64;
    for separation in [5.0, 3.0] {
        let r = recovery(separation, seed)?;
        min_accuracy = min_accuracy.min(r.accuracy).min(r.held_out);
        sine = sine.max(r.sine);
        center_error = center_error.max(r.center_error);
    }

    // Davis–Kahan: each true cluster's sample subspace lies within the perturbation bound.
    let mixture = PlantedMixture::default_model(5.0, 300, seed)?;
    let sample = mixture.sample(seed.wrapping_add(1000))?;
    let mut observed = 0.0f64;
    let mut bound = f64::INFINITY;
    let mut within = true;
    for (j, cluster) in mixture.clusters.iter().enumerate() {
        let spectrum = Mat::from_fn(D, D, |a, b| if a == b { cluster.spectrum[a] } else { 0.0 });
        let covariance = product(
            product(cluster.rotation.as_ref(), spectrum.as_ref()).as_ref(),
            cluster.rotation.transpose(),
        );
        let points = members(sample.data.as_ref(), &sample.labels, j);
        let result = davis_kahan_from_members(points.as_ref(), covariance.as_ref(), H)?;
        within &= result.observed_sine <= result.bound;
        observed = observed.max(result.observed_sine);
        bound = bound.min(result.bound);
    }
    Ok(ClaimResult::new(
        Claim::C9,
        min_accuracy,
        Bound::AtLeast(0.99),
        format!(
            "smallest train/held-out accuracy; subspace sine {sine:.3} (≤ 0.05), center error {center_error:.2} (≤ 0.6); Davis–Kahan: sample sine ≤ {observed:.3}, bound ≥ {bound:.2}"
        ),
    )
    .require(sine <= 0.05 && center_error <= 0.6 && within))
}

fn c10(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 300, seed)?;
    let x = sample.data.as_ref();
    // Same seed and restarts: both start from the same k-means++ seedings.
    let tae = TaeParams::new(K, H)
        .lambda(LAMBDA)
        .seed(seed)
        .check()?
        .fit(x)?;
    let kmeans = KMeans::params(K).seed(seed).check()?.fit(x)?;
    let tae_accuracy = clustering_accuracy(&sample.labels, tae.labels())?;
    let kmeans_accuracy = clustering_accuracy(&sample.labels, kmeans.labels())?;
    Ok(ClaimResult::new(
        Claim::C10,
        tae_accuracy - kmeans_accuracy,
        Bound::AtLeast(0.15),
        format!("TAE accuracy {tae_accuracy:.3}, k-means {kmeans_accuracy:.3}"),
    ))
}

fn c11(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 200, seed)?;
    let x = sample.data.as_ref();
    let mut rng = rng(seed, 11);
    let initial: Vec<usize> = (0..x.nrows()).map(|_| rng.random_range(0..K)).collect();
    let tae = TaeParams::new(K, H)
        .lambda(1.0)
        .tol(0.0)
        .init(Init::Labels(initial.clone()))
        .check()?
        .fit(x)?;
    let kmeans = KMeans::params(K)
        .tol(0.0)
        .init(Init::Labels(initial))
        .check()?
        .fit(x)?;
    let label_differences = tae
        .labels()
        .iter()
        .zip(kmeans.labels())
        .filter(|(a, b)| a != b)
        .count();
    let same_steps = tae.summary().loss_trace == *kmeans.loss_trace();

    // ℓ_j(x) = ‖x − c_j‖² whatever the basis.
    let w = random_basis(3, D, &mut rng);
    let center: Vec<f64> = (0..D).map(|_| normal(&mut rng)).collect();
    let losses = one_cluster(&center, w, 1.0)?.losses(x)?;
    let mut worst = 0.0f64;
    for i in 0..x.nrows() {
        let distance: f64 = (0..D).map(|c| (x[(i, c)] - center[c]).powi(2)).sum();
        worst = worst.max((losses[(i, 0)] - distance).abs() / distance);
    }
    Ok(ClaimResult::new(
        Claim::C11,
        worst,
        Bound::AtMost(1e-12),
        format!("labels differing from k-means {label_differences}, identical loss sequences: {same_steps}"),
    )
    .require(label_differences == 0 && same_steps))
}

fn c12(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 200, seed)?;
    let x = sample.data.as_ref();
    let model = fit(x, H, 0.0, seed)?;
    let losses = model.losses(x)?;
    let mut worst = 0.0f64;
    for j in 0..K {
        let complement = Mat::<f64>::identity(D, D) - projector(model.bases()[j].as_ref());
        for i in 0..x.nrows() {
            let y = Mat::from_fn(D, 1, |c, _| x[(i, c)] - model.centers()[(j, c)]);
            let distance = product(complement.as_ref(), y.as_ref()).squared_norm_l2();
            worst = worst.max((losses[(i, j)] - distance).abs() / y.squared_norm_l2());
        }
    }
    Ok(ClaimResult::new(
        Claim::C12,
        worst,
        Bound::AtMost(1e-12),
        String::new(),
    ))
}

/// A random soft assignment with every cluster mass positive.
fn random_soft(n: usize, rng: &mut ChaCha8Rng) -> Mat<f64> {
    let mut p = Mat::from_fn(n, K, |_, _| -rng.random::<f64>().ln());
    for i in 0..n {
        let total: f64 = (0..K).map(|j| p[(i, j)]).sum();
        for j in 0..K {
            p[(i, j)] /= total;
        }
    }
    p
}

/// A random hard assignment with no empty cluster.
fn random_hard(n: usize, rng: &mut ChaCha8Rng) -> Mat<f64> {
    let labels: Vec<usize> = (0..n)
        .map(|i| if i < K { i } else { rng.random_range(0..K) })
        .collect();
    one_hot(&labels, K)
}

fn c13(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 40, seed)?;
    let x = sample.data.as_ref();
    let mut rng = rng(seed, 13);
    let mut worst = f64::NEG_INFINITY;
    for lambda in [0.0, LAMBDA, 0.7] {
        let ae = Pca::fit(x, H)?.loss(lambda);
        for draw in 0..2000 / 3 {
            let p = if draw % 2 == 0 {
                random_soft(x.nrows(), &mut rng)
            } else {
                random_hard(x.nrows(), &mut rng)
            };
            let tae = reduced_loss(x, p.as_ref(), H, lambda)?;
            worst = worst.max((tae - ae) / ae);
        }
    }
    Ok(ClaimResult::new(
        Claim::C13,
        worst,
        Bound::AtMost(1e-9),
        "largest (L*(P) − L_AE)/L_AE over 2,000 random P".into(),
    ))
}

fn c14(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 40, seed)?;
    let x = sample.data.as_ref();
    let mut rng = rng(seed, 14);
    let mut worst = f64::NEG_INFINITY;
    for _ in 0..300 {
        let p1 = random_soft(x.nrows(), &mut rng);
        let p2 = if rng.random::<bool>() {
            random_hard(x.nrows(), &mut rng)
        } else {
            random_soft(x.nrows(), &mut rng)
        };
        let a: f64 = rng.random();
        let mixed = &p1 * a + &p2 * (1.0 - a);
        let left = reduced_loss(x, mixed.as_ref(), H, LAMBDA)?;
        let right = a * reduced_loss(x, p1.as_ref(), H, LAMBDA)?
            + (1.0 - a) * reduced_loss(x, p2.as_ref(), H, LAMBDA)?;
        worst = worst.max((right - left) / left);
    }
    Ok(ClaimResult::new(
        Claim::C14,
        worst,
        Bound::AtMost(1e-9),
        "largest relative violation of concavity over 300 random pairs".into(),
    ))
}

fn c15(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 200, seed)?;
    let x = sample.data.as_ref();
    let model = fit(x, H, LAMBDA, seed)?;
    let labels = model.labels().to_vec();
    let loss = model.loss();
    let mut rng = rng(seed, 15);
    let refit = |data: MatRef<'_, f64>| -> Result<TaeModel> {
        TaeParams::new(K, H)
            .lambda(LAMBDA)
            .tol(0.0)
            .init(Init::Labels(labels.clone()))
            .check()?
            .fit(data)
    };
    let mut worst = 0.0f64;
    let mut labels_kept = true;

    // W_j → O W_j leaves every loss unchanged.
    let rotated_bases: Vec<Mat<f64>> = model
        .bases()
        .iter()
        .map(|w| product(random_basis(H, H, &mut rng).as_ref(), w.as_ref()))
        .collect();
    let rotated = TaeModel::from_parts(
        model.centers().to_owned(),
        rotated_bases,
        LAMBDA,
        FitSummary::default(),
    )?;
    let difference = model.losses(x)? - rotated.losses(x)?;
    worst = worst.max(difference.norm_max() / loss);

    // Permuting clusters permutes the loss columns.
    let order = [2, 0, 1];
    let permuted = TaeModel::from_parts(
        Mat::from_fn(K, D, |j, c| model.centers()[(order[j], c)]),
        order.iter().map(|&j| model.bases()[j].clone()).collect(),
        LAMBDA,
        FitSummary::default(),
    )?;
    let (original, shuffled) = (model.losses(x)?, permuted.losses(x)?);
    for (j, &source) in order.iter().enumerate() {
        let column_difference = (original.col(source) - shuffled.col(j)).norm_max();
        worst = worst.max(column_difference / loss);
    }

    // x → x + t: centers move by t, bases and loss stay.
    let t: Vec<f64> = (0..D).map(|_| 10.0 * normal(&mut rng)).collect();
    let moved = refit(Mat::from_fn(x.nrows(), D, |i, c| x[(i, c)] + t[c]).as_ref())?;
    labels_kept &= moved.labels() == labels.as_slice();
    worst = worst.max(relative_error(moved.loss(), loss, 1e-300));
    for j in 0..K {
        for (c, &shift) in t.iter().enumerate() {
            let moved_by = moved.centers()[(j, c)] - model.centers()[(j, c)];
            worst = worst.max((moved_by - shift).abs() / shift.abs().max(1.0));
        }
        let p = projector(moved.bases()[j].as_ref()) - projector(model.bases()[j].as_ref());
        worst = worst.max(p.norm_max());
    }

    // x → Qx: W_j → W_j Qᵀ.
    let q = random_basis(D, D, &mut rng);
    let turned = refit(product(x, q.transpose()).as_ref())?;
    labels_kept &= turned.labels() == labels.as_slice();
    worst = worst.max(relative_error(turned.loss(), loss, 1e-300));
    for j in 0..K {
        let expected = product(model.bases()[j].as_ref(), q.transpose());
        let p = projector(turned.bases()[j].as_ref()) - projector(expected.as_ref());
        worst = worst.max(p.norm_max());
    }

    // x → s x: loss × s².
    let s = 3.7;
    let scaled = refit((x.to_owned() * s).as_ref())?;
    labels_kept &= scaled.labels() == labels.as_slice();
    worst = worst.max(relative_error(scaled.loss(), s * s * loss, 1e-300));

    Ok(ClaimResult::new(
        Claim::C15,
        worst,
        Bound::AtMost(1e-10),
        format!("labels unchanged by translation, rotation and scaling: {labels_kept}"),
    )
    .require(labels_kept))
}

fn c16(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 300, seed)?;
    let model = fit(sample.data.as_ref(), H, LAMBDA, seed)?;
    let held = pm_held_out(3.0, 200, seed)?;
    let x = held.data.as_ref();
    let losses = model.losses(x)?;
    let encoding = model.encode(x)?;
    let x_hat = model.reconstruct(x)?;
    let mut worst = 0.0f64;
    for i in 0..x.nrows() {
        let j = encoding.labels[i];
        let scale = (0..D).map(|c| x[(i, c)].powi(2)).sum::<f64>().max(1.0);
        let min = (0..K).map(|k| losses[(i, k)]).fold(f64::INFINITY, f64::min);
        worst = worst.max((losses[(i, j)] - min) / scale);

        let w = model.bases()[j].as_ref();
        let center = Mat::from_fn(D, 1, |c, _| model.centers()[(j, c)]);
        let point = Mat::from_fn(D, 1, |c, _| x[(i, c)]);
        let reconstruction = Mat::from_fn(D, 1, |c, _| x_hat[(i, c)]);
        let again = &center
            + product(
                w.transpose(),
                product(w, (&reconstruction - &center).as_ref()).as_ref(),
            );
        worst = worst.max(frobenius((&again - &reconstruction).as_ref()) / scale.sqrt());
        worst = worst.max(
            frobenius(product(w, (&point - &reconstruction).as_ref()).as_ref()) / scale.sqrt(),
        );
        let code: f64 = (0..H).map(|k| encoding.codes[(i, k)].powi(2)).sum();
        let residual = (&point - &reconstruction).squared_norm_l2();
        worst = worst.max((residual - (losses[(i, j)] - LAMBDA * code)).abs() / scale);
    }

    // With h = d the reconstruction is the point itself.
    let full = TaeParams::new(K, D)
        .lambda(LAMBDA)
        .seed(seed)
        .check()?
        .fit(sample.data.as_ref())?;
    let identity_error = (full.reconstruct(x)? - x).norm_max() / x.norm_max();
    let measured = worst.max(identity_error);
    Ok(ClaimResult::new(
        Claim::C16,
        measured,
        Bound::AtMost(1e-12),
        String::new(),
    ))
}

fn c17(seed: u64) -> Result<ClaimResult> {
    const NOISE: f64 = 0.3;
    let train = pm(3.0, 300, seed)?;
    let test = pm_held_out(3.0, 200, seed)?;
    let mut rng = rng(seed, 17);
    let mut noisy = |m: &Mat<f64>| {
        Mat::from_fn(m.nrows(), m.ncols(), |i, c| {
            m[(i, c)] + NOISE * normal(&mut rng)
        })
    };
    let noisy_train = noisy(&train.data);
    let noisy_test = noisy(&test.data);

    let error = |reconstructed: Mat<f64>| -> f64 {
        (reconstructed - &test.data).squared_norm_l2() / test.data.nrows() as f64
    };
    let tae = fit(noisy_train.as_ref(), H, LAMBDA, seed)?;
    let tae_error = error(tae.reconstruct(noisy_test.as_ref())?);
    let pca_small = error(Pca::fit(noisy_train.as_ref(), H)?.reconstruct(noisy_test.as_ref())?);
    let pca_large = error(Pca::fit(noisy_train.as_ref(), K * H)?.reconstruct(noisy_test.as_ref())?);
    Ok(ClaimResult::new(
        Claim::C17,
        tae_error / pca_large,
        Bound::AtMost(0.8),
        format!(
            "mean squared error: TAE {tae_error:.3}, PCA(h) {pca_small:.3}, PCA(Kh) {pca_large:.3}"
        ),
    )
    .require(tae_error < pca_small))
}

fn c18() -> Result<ClaimResult> {
    // S = diag(4, 1), h = 1, λ = 0.5. Closed forms: tied optimum 3 at the top eigenvector, free
    // optimum 2√2 at tilt arccos √((2√2 − 1)/3), orthonormal optimum 43/15 at arccos √(91/135).
    let s = [[4.0, 0.0], [0.0, 1.0]];
    let grid = 3600;
    let tied = best_angle_2d(s, Decoder::Tied, 0.5, grid)?;
    let free = best_angle_2d(s, Decoder::Free, 0.5, grid)?;
    let orthonormal = best_angle_2d(s, Decoder::Orthonormal, 0.5, grid)?;
    let free_tilt = ((2.0 * 2f64.sqrt() - 1.0) / 3.0).sqrt().acos();
    let orthonormal_tilt = (91.0f64 / 135.0).sqrt().acos();
    let errors = [
        (tied.loss - 3.0).abs(),
        tied.tilt.abs(),
        (free.loss - 2.0 * 2f64.sqrt()).abs(),
        (free.tilt - free_tilt).abs(),
        (orthonormal.loss - 43.0 / 15.0).abs(),
        (orthonormal.tilt - orthonormal_tilt).abs(),
    ];
    let worst = errors.iter().copied().fold(0.0, f64::max);
    Ok(ClaimResult::new(
        Claim::C18,
        worst,
        Bound::AtMost(1e-4),
        format!(
            "optima: tied {:.4} at {:.3} rad, free {:.4} at {:.3}, orthonormal {:.4} at {:.3}",
            tied.loss, tied.tilt, free.loss, free.tilt, orthonormal.loss, orthonormal.tilt
        ),
    )
    .require(free.loss < tied.loss && orthonormal.loss < tied.loss))
}

fn c19() -> Result<ClaimResult> {
    // Spectrum (5, 3, 1, 0.4), h = 2, so σ_d/σ_1 = 0.08: λ = 0.1 lies above the threshold and
    // λ = 0.05 below it. Each descent starts 1e-3 from the top subspace.
    let s = Mat::from_fn(
        4,
        4,
        |i, j| if i == j { [5.0, 3.0, 1.0, 0.4][i] } else { 0.0 },
    );
    let top = Mat::from_fn(2, 4, |k, c| if k == c { 1.0 } else { 0.0 });
    let direction = Mat::from_fn(2, 4, |k, c| {
        [[0.0, 0.0, 0.6, 0.8], [0.0, 0.0, 0.8, -0.6]][k][c]
    });
    let start = orthonormalise_rows(&(&top + &direction * 1e-3));
    let run = |decoder: Decoder, lambda: f64| -> Result<(f64, f64, f64)> {
        let descent = descend(
            s.as_ref(),
            start.as_ref(),
            decoder,
            lambda,
            DescentOptions::default(),
        )?;
        let moved = projector_distance(descent.w.as_ref(), top.as_ref(), ProjectorNorm::Frobenius)?;
        let at_top = decoder_loss(s.as_ref(), top.as_ref(), decoder, lambda)?;
        Ok((moved, descent.loss, at_top))
    };

    let mut smallest_move_above = f64::INFINITY;
    let mut largest_move_below = 0.0f64;
    let mut all_dropped = true;
    let mut details = Vec::new();
    for decoder in [Decoder::Free, Decoder::Orthonormal] {
        let (moved, loss, at_top) = run(decoder, 0.1)?;
        smallest_move_above = smallest_move_above.min(moved);
        all_dropped &= loss < at_top;
        let (stayed, _, _) = run(decoder, 0.05)?;
        largest_move_below = largest_move_below.max(stayed);
        details.push(format!(
            "{decoder:?}: moves {moved:.2} at λ = 0.1, {stayed:.0e} at 0.05"
        ));
    }
    let (tied_move, _, _) = run(Decoder::Tied, 0.1)?;
    details.push(format!("tied: {tied_move:.0e}"));
    Ok(ClaimResult::new(
        Claim::C19,
        smallest_move_above,
        Bound::AtLeast(0.1),
        details.join("; "),
    )
    .require(all_dropped && largest_move_below < 0.01 && tied_move < 0.01))
}

/// Orthonormalises the rows of `m` by Gram–Schmidt, in row order.
fn orthonormalise_rows(m: &Mat<f64>) -> Mat<f64> {
    let mut q = m.clone();
    for k in 0..q.nrows() {
        for previous in 0..k {
            let dot: f64 = (0..q.ncols()).map(|c| q[(k, c)] * q[(previous, c)]).sum();
            for c in 0..q.ncols() {
                q[(k, c)] -= dot * q[(previous, c)];
            }
        }
        let norm = (0..q.ncols())
            .map(|c| q[(k, c)].powi(2))
            .sum::<f64>()
            .sqrt();
        for c in 0..q.ncols() {
            q[(k, c)] /= norm;
        }
    }
    q
}

fn c20(seed: u64) -> Result<ClaimResult> {
    let mut rng = rng(seed, 20);
    let mut worst = 0.0f64;
    for (h, d, lambda) in [(1, 3, 0.1), (2, 10, 0.5), (4, 6, 0.9)] {
        let w = random_basis(h, d, &mut rng);
        let pi = projector(w.as_ref());
        let identity = Mat::<f64>::identity(d, d);
        let sigma = (&identity - &pi) + &pi * (1.0 / lambda);
        let a = &identity - &pi * (1.0 - lambda);
        worst = worst.max((product(sigma.as_ref(), a.as_ref()) - &identity).norm_max());

        let (values, _) = eigen_desc(sigma.as_ref())?;
        for (k, &value) in values.iter().enumerate() {
            let expected = if k < h { 1.0 / lambda } else { 1.0 };
            worst = worst.max((value - expected).abs() / expected);
        }
        let log_det: f64 = values.iter().map(|v| v.ln()).sum();
        worst = worst.max((log_det - h as f64 * (1.0 / lambda).ln()).abs());

        // (x − c)ᵀ Σ⁻¹ (x − c) = ℓ(x), with Σ⁻¹ = A.
        let center: Vec<f64> = (0..d).map(|_| normal(&mut rng)).collect();
        let points = Mat::from_fn(10, d, |_, _| 2.0 * normal(&mut rng));
        let losses = one_cluster(&center, w.clone(), lambda)?.losses(points.as_ref())?;
        for i in 0..10 {
            let y = Mat::from_fn(d, 1, |c, _| points[(i, c)] - center[c]);
            let quadratic =
                product(y.transpose(), product(a.as_ref(), y.as_ref()).as_ref())[(0, 0)];
            worst = worst.max(relative_error(losses[(i, 0)], quadratic, 1e-300));
        }
    }
    Ok(ClaimResult::new(
        Claim::C20,
        worst,
        Bound::AtMost(1e-10),
        String::new(),
    ))
}

fn c21(seed: u64) -> Result<ClaimResult> {
    let sample = pm(5.0, 100, seed)?;
    let x = sample.data.as_ref();
    let mut worst = f64::NEG_INFINITY;
    for temperature in [0.2, 1.0, 5.0] {
        for learn_weights in [false, true] {
            let fit = EmParams::new(K, H)
                .lambda(LAMBDA)
                .temperature(temperature)
                .learn_weights(learn_weights)
                .max_iter(100)
                .seed(seed)
                .check()?
                .fit(x)?;
            for w in fit.log_likelihood_history().windows(2) {
                worst = worst.max((w[0] - w[1]) / w[0].abs());
            }
        }
    }

    // Near τ = 0 the responsibilities are one-hot.
    let cold = EmParams::new(K, H)
        .lambda(LAMBDA)
        .temperature(1e-3)
        .max_iter(50)
        .seed(seed)
        .check()?
        .fit(pm(5.0, 300, seed)?.data.as_ref())?;
    let p = cold.responsibilities();
    let mean_max = (0..p.nrows())
        .map(|i| (0..K).map(|j| p[(i, j)]).fold(0.0, f64::max))
        .sum::<f64>()
        / p.nrows() as f64;
    Ok(ClaimResult::new(
        Claim::C21,
        worst,
        Bound::AtMost(1e-8),
        format!("largest relative fall of the log-likelihood; mean largest responsibility at τ = 1e-3: {mean_max:.6} (> 0.999)"),
    )
    .require(mean_max > 0.999))
}

fn c22(seed: u64) -> Result<ClaimResult> {
    let sample = pm(3.0, 300, seed)?;
    let mut worst = 0.0f64;
    for j in 0..K {
        let points = members(sample.data.as_ref(), &sample.labels, j);
        let n = points.nrows() as f64;
        let (_, scatter) = weighted_scatter(points.as_ref(), &vec![1.0; points.nrows()]);
        let (_, raw) = eigen_desc(scatter.as_ref())?;
        let (_, normalised) = eigen_desc((&scatter * (1.0 / n)).as_ref())?;
        let difference = projector(raw.subrows(0, H)) - projector(normalised.subrows(0, H));
        worst = worst.max(frobenius(difference.as_ref()));
    }
    Ok(ClaimResult::new(
        Claim::C22,
        worst,
        Bound::AtMost(1e-10),
        String::new(),
    ))
}
