//! `tae demo`: the TAE beside k-means and PCA + k-means on the embedded penguins data.

use std::io::Write;
use std::path::Path;

use faer::{Mat, MatRef};
use tae::baselines::{KMeans, Pca};
use tae::metrics::{adjusted_rand_index, clustering_accuracy, normalized_mutual_info};
use tae::scaling::Scaling;
use tae::{TaeModel, TaeParams};

use super::output;
use super::plot::{ScatterPlot, Segment};
use super::{CliError, DemoArgs};

const N_CLUSTERS: usize = 3;
const LATENT_DIM: usize = 1;
const LAMBDA: f64 = 0.1;
const N_INIT: usize = 10;

/// Clustering scores of one method against the species.
struct Scores {
    method: String,
    ari: f64,
    nmi: f64,
    accuracy: f64,
}

fn score(method: &str, truth: &[usize], labels: &[usize]) -> Result<Scores, CliError> {
    Ok(Scores {
        method: method.to_string(),
        ari: adjusted_rand_index(truth, labels)?,
        nmi: normalized_mutual_info(truth, labels)?,
        accuracy: clustering_accuracy(truth, labels)?,
    })
}

fn kmeans_labels(x: MatRef<'_, f64>, seed: u64) -> Result<Vec<usize>, CliError> {
    let model = KMeans::params(N_CLUSTERS)
        .n_init(N_INIT)
        .seed(seed)
        .check()?
        .fit(x)?;
    Ok(model.labels().to_vec())
}

fn fit_tae(x: MatRef<'_, f64>, seed: u64) -> Result<TaeModel, CliError> {
    Ok(TaeParams::new(N_CLUSTERS, LATENT_DIM)
        .lambda(LAMBDA)
        .n_init(N_INIT)
        .seed(seed)
        .check()?
        .fit(x)?)
}

fn write_line(out: &mut impl Write, line: String) -> Result<(), CliError> {
    writeln!(out, "{line}").map_err(CliError::stdout)
}

pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let plot_path = match &args.plot {
        Some(path) => {
            output::check_writable(path, args.force)?;
            path.clone()
        }
        None => std::env::temp_dir().join("tae-demo-penguins.svg"),
    };
    let mut out = std::io::stdout().lock();
    let penguins = tae::datasets::penguins();
    let truth = penguins.labels();

    // Part 1: all four measurements, each divided by its column maximum.
    let table = penguins.data();
    let (scaled, _) = penguins.scaled(Scaling::Max)?;
    let x = scaled.as_ref();

    let pca_small = Pca::fit(x, LATENT_DIM)?.transform(x)?;
    let pca_large = Pca::fit(x, N_CLUSTERS * LATENT_DIM)?.transform(x)?;
    let tae_model = fit_tae(x, args.seed)?;
    let rows = [
        score("k-means", truth, &kmeans_labels(x, args.seed)?)?,
        score(
            &format!("PCA({LATENT_DIM}) + k-means"),
            truth,
            &kmeans_labels(pca_small.as_ref(), args.seed)?,
        )?,
        score(
            &format!("PCA({}) + k-means", N_CLUSTERS * LATENT_DIM),
            truth,
            &kmeans_labels(pca_large.as_ref(), args.seed)?,
        )?,
        score(
            &format!("TAE (h = {LATENT_DIM}, lambda = {LAMBDA})"),
            truth,
            tae_model.labels(),
        )?,
    ];

    write_line(
        &mut out,
        format!(
            "Palmer penguins: {} birds, {} (each divided by its column maximum), {} species",
            table.n_rows(),
            table.columns().join(", "),
            penguins.n_classes()
        ),
    )?;
    write_line(
        &mut out,
        format!(
            "K = {N_CLUSTERS} clusters, {N_INIT} k-means++ starts, seed {}\n",
            args.seed
        ),
    )?;
    write_line(
        &mut out,
        format!(
            "{:<28} {:>7} {:>7} {:>9}",
            "method", "ARI", "NMI", "accuracy"
        ),
    )?;
    for row in &rows {
        write_line(
            &mut out,
            format!(
                "{:<28} {:>7.3} {:>7.3} {:>9.3}",
                row.method, row.ari, row.nmi, row.accuracy
            ),
        )?;
    }

    // Part 2: bill length and depth in millimetres, where the global trend and the trend
    // inside each cluster have opposite signs (Simpson's paradox).
    let bill: Mat<f64> = Mat::from_fn(table.n_rows(), 2, |i, c| {
        table.values()[i * table.n_cols() + c]
    });
    let global = Pca::fit(bill.as_ref(), 1)?;
    let bill_model = fit_tae(bill.as_ref(), args.seed)?;
    write_line(
        &mut out,
        format!(
            "\nPrincipal directions in the plane of {} and {} (mm):",
            table.columns()[0],
            table.columns()[1]
        ),
    )?;
    let global_direction = (global.components()[(0, 0)], global.components()[(0, 1)]);
    write_line(
        &mut out,
        describe("all birds (PCA)", global_direction, table.n_rows()),
    )?;
    for j in 0..N_CLUSTERS {
        let basis = &bill_model.bases()[j];
        let members: Vec<usize> = (0..table.n_rows())
            .filter(|&i| bill_model.labels()[i] == j)
            .map(|i| truth[i])
            .collect();
        let majority = (0..penguins.n_classes())
            .max_by_key(|&class| members.iter().filter(|&&t| t == class).count())
            .map_or("none", |class| penguins.class_names()[class].as_str());
        write_line(
            &mut out,
            describe(
                &format!("TAE cluster {j} (mostly {majority})"),
                (basis[(0, 0)], basis[(0, 1)]),
                bill_model.cluster_sizes()[j],
            ),
        )?;
    }
    let bill_ari = adjusted_rand_index(truth, bill_model.labels())?;
    write_line(
        &mut out,
        format!("TAE on bill length and depth alone: ARI {bill_ari:.3} against the species"),
    )?;

    draw(
        &plot_path,
        args.plot.is_none() || args.force,
        &bill,
        &bill_model,
        &global,
    )?;
    write_line(
        &mut out,
        format!("\nPlot written to {}", plot_path.display()),
    )
}

/// One line: a direction as a unit vector, its slope and its angle.
fn describe(what: &str, direction: (f64, f64), size: usize) -> String {
    // A direction is defined up to sign; show the one pointing to growing bill length.
    let (a, b) = if direction.0 < 0.0 {
        (-direction.0, -direction.1)
    } else {
        direction
    };
    let slope = b / a;
    format!(
        "  {what:<32} n = {size:>3}  direction ({a:+.3}, {b:+.3})  slope {slope:+.3}  angle {:+6.1} deg",
        b.atan2(a).to_degrees()
    )
}

fn draw(
    path: &Path,
    force: bool,
    bill: &Mat<f64>,
    model: &TaeModel,
    global: &Pca,
) -> Result<(), CliError> {
    // Claim the file first, so an existing file is only replaced when allowed.
    drop(output::create(path, force)?);

    let points: Vec<(f64, f64)> = (0..bill.nrows())
        .map(|i| (bill[(i, 0)], bill[(i, 1)]))
        .collect();
    let mut segments = Vec::new();
    for j in 0..model.n_clusters() {
        let center = (model.centers()[(j, 0)], model.centers()[(j, 1)]);
        let w = (model.bases()[j][(0, 0)], model.bases()[j][(0, 1)]);
        // Half-length: two standard deviations of the members along the direction.
        let spread =
            model.summary().scatter_eigenvalues[j][0] / model.cluster_sizes()[j].max(1) as f64;
        let half = 2.0 * spread.sqrt();
        segments.push(Segment {
            from: (center.0 - half * w.0, center.1 - half * w.1),
            to: (center.0 + half * w.0, center.1 + half * w.1),
            color: Some(j),
            label: format!("cluster {j} direction"),
        });
    }
    let mean = (global.mean()[0], global.mean()[1]);
    let w = (global.components()[(0, 0)], global.components()[(0, 1)]);
    let half = 2.0 * global.explained_variance()[0].sqrt();
    segments.push(Segment {
        from: (mean.0 - half * w.0, mean.1 - half * w.1),
        to: (mean.0 + half * w.0, mean.1 + half * w.1),
        color: None,
        label: "global direction (PCA)".to_string(),
    });

    let names: Vec<String> = (0..model.n_clusters())
        .map(|j| format!("TAE cluster {j}"))
        .collect();
    ScatterPlot {
        title: "Penguins: TAE clusters and principal directions",
        x_label: "bill length (mm)",
        y_label: "bill depth (mm)",
        points: &points,
        labels: model.labels(),
        label_names: &names,
        segments: &segments,
    }
    .write_svg(path)
}
