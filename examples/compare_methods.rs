//! Compare the closed form, the gradient-trained reference and EM on the toy sets of Esser et al.
//! (AISTATS 2023, `tae::planted::ToySet`) and on the penguins data: loss, adjusted Rand index
//! against the true labels, and run time.
//!
//! Run with `cargo run --release --example compare_methods`. Every method starts from the same
//! k-means++ start (the first restart of seed 0), except "closed form, 10 starts" and EM, which
//! keeps the best of 10 k-means++ starts after one Lloyd iteration. h = 1 and λ = 0.1 as in the
//! experiments of that paper, and K is the true number of clusters (3 for penguins). The loss is
//! each method's own final value of `Σ_i Σ_j P_ij ℓ_j(x_i)`, with its soft P where it has one.
//! EM's temperature τ is the closed-form loss L from the shared start divided by n·d: with hard
//! assignments, `−(nd/2) log τ − L/(2τ)` is largest there. Times are
//! wall-clock times of one run and vary from run to run.

use std::time::Instant;

use faer::Mat;
use tae::em::EmParams;
use tae::metrics::adjusted_rand_index;
use tae::planted::ToySet;
use tae::reference::{Assignment, Decoder, ReferenceParams};
use tae::scaling::{Scaler, Scaling};
use tae::{FitSummary, Init, TaeModel, TaeParams};

const LAMBDA: f64 = 0.1;
const LATENT_DIM: usize = 1;
const SEED: u64 = 0;

/// One row of the table.
struct Row {
    data_set: String,
    method: String,
    loss: f64,
    ari: f64,
    millis: f64,
    note: String,
}

/// Returns the penguins' four measurements, each divided by its column maximum, and the species.
fn penguins_max_scaled() -> Result<(Mat<f64>, Vec<usize>), tae::Error> {
    let penguins = tae::datasets::penguins();
    let table = penguins.data();
    let scaler = Scaler::fit(
        table.values(),
        table.n_rows(),
        table.n_cols(),
        table.columns(),
        Scaling::Max,
    )?;
    let mut values = table.values().to_vec();
    scaler.transform(&mut values, table.n_rows(), table.n_cols())?;
    let x = tae::data::from_row_major(&values, table.n_rows(), table.n_cols())?.to_owned();
    Ok((x, penguins.labels().to_vec()))
}

/// Runs `fit` and returns its result with the elapsed milliseconds.
fn timed<T>(fit: impl FnOnce() -> Result<T, tae::Error>) -> Result<(T, f64), tae::Error> {
    let start = Instant::now();
    let result = fit()?;
    Ok((result, start.elapsed().as_secs_f64() * 1e3))
}

fn compare(
    name: &str,
    x: &Mat<f64>,
    truth: &[usize],
    n_clusters: usize,
) -> Result<Vec<Row>, tae::Error> {
    let mut rows = Vec::new();
    let mut push = |method: &str, loss: f64, labels: &[usize], millis: f64, note: String| {
        rows.push(Row {
            data_set: name.to_string(),
            method: method.to_string(),
            loss,
            ari: adjusted_rand_index(truth, labels).unwrap_or(f64::NAN),
            millis,
            note,
        });
    };

    let start = tae::params::kmeans_plus_plus_labels(x.as_ref(), n_clusters, SEED)?;
    let (one_start, millis) = timed(|| {
        TaeParams::new(n_clusters, LATENT_DIM)
            .lambda(LAMBDA)
            .init(Init::Labels(start.clone()))
            .tol(0.0)
            .check()?
            .fit(x.as_ref())
    })?;
    let note = format!("Lloyd iterations: {}", one_start.n_iter());
    push(
        "closed form, shared start",
        one_start.loss(),
        one_start.labels(),
        millis,
        note,
    );

    let (restarts, millis) = timed(|| {
        TaeParams::new(n_clusters, LATENT_DIM)
            .lambda(LAMBDA)
            .seed(SEED)
            .check()?
            .fit(x.as_ref())
    })?;
    push(
        "closed form, 10 starts",
        restarts.loss(),
        restarts.labels(),
        millis,
        String::new(),
    );

    let data = tae::data::to_nalgebra(x.as_ref());
    let variants = [
        ("gradient tied, lloyd", Decoder::Tied, Assignment::Lloyd),
        (
            "gradient tied, projected",
            Decoder::Tied,
            Assignment::Projected,
        ),
        ("gradient tied, mirror", Decoder::Tied, Assignment::Mirror),
        ("gradient free, lloyd", Decoder::Free, Assignment::Lloyd),
    ];
    for (method, decoder, assignment) in variants {
        let (fit, millis) = timed(|| {
            ReferenceParams::new(n_clusters, LATENT_DIM)
                .lambda(LAMBDA)
                .decoder(decoder)
                .assignment(assignment)
                .seed(SEED)
                .check()?
                .fit(&data, &start)
        })?;
        let note = format!(
            "epochs: {}{}",
            fit.epochs_run(),
            if fit.converged() {
                ""
            } else {
                ", not converged"
            }
        );
        push(method, fit.loss(), fit.labels(), millis, note);
    }

    // τ maximises the hard-assignment likelihood of the closed-form fit: the mean loss per value.
    let temperature = one_start.loss() / (x.nrows() * x.ncols()) as f64;
    let (em, millis) = timed(|| {
        EmParams::new(n_clusters, LATENT_DIM)
            .lambda(LAMBDA)
            .temperature(temperature)
            .seed(SEED)
            .check()?
            .fit(x.as_ref())
    })?;
    let model = TaeModel::from_parts(
        em.centers().to_owned(),
        em.bases().to_vec(),
        LAMBDA,
        FitSummary::default(),
    )?;
    let losses = model.losses(x.as_ref())?;
    let p = em.responsibilities();
    let loss: f64 = (0..x.nrows())
        .flat_map(|i| (0..n_clusters).map(move |j| (i, j)))
        .map(|(i, j)| p[(i, j)] * losses[(i, j)])
        .sum();
    let note = format!("τ = {temperature:.3e}, EM iterations: {}", em.n_iter());
    push("EM", loss, &em.labels(), millis, note);
    Ok(rows)
}

fn main() -> Result<(), tae::Error> {
    let mut sets: Vec<(String, Mat<f64>, Vec<usize>, usize)> = Vec::new();
    for set in [
        ToySet::Parallel,
        ToySet::Orthogonal,
        ToySet::Triangle,
        ToySet::Lines3d,
    ] {
        let mixture = set.mixture();
        let n_clusters = mixture.clusters.len();
        let sample = mixture.sample(SEED)?;
        sets.push((
            set.name().to_string(),
            sample.data,
            sample.labels,
            n_clusters,
        ));
    }
    let (penguins, species) = penguins_max_scaled()?;
    sets.push(("penguins (max-scaled)".to_string(), penguins, species, 3));

    println!("| data set | method | loss | ARI | time (ms) | notes |");
    println!("|---|---|---:|---:|---:|---|");
    for (name, x, truth, n_clusters) in &sets {
        for row in compare(name, x, truth, *n_clusters)? {
            println!(
                "| {} | {} | {:.4} | {:.3} | {:.1} | {} |",
                row.data_set, row.method, row.loss, row.ari, row.millis, row.note
            );
        }
    }
    Ok(())
}
