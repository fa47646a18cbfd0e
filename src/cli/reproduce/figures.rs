//! The SVG figures of `tae reproduce`, numbered after the figures of Esser et al. (AISTATS
//! 2023) that they correspond to.

use std::path::Path;

use faer::MatRef;
use tae::baselines::Pca;
use tae::metrics::{adjusted_rand_index, best_matching};

use super::experiments::{
    fit_tae, kmeans_labels, pca_kmeans_labels, DataSet, Denoiser, Kind, Method, NOISE_LEVELS,
};
use super::results::Results;
use crate::cli::output;
use crate::cli::plot::{self, BarChart, ScatterPlot, Segment, YScale};
use crate::cli::CliError;

/// The seed of the single runs that the scatter figures show.
const FIGURE_SEED: u64 = 0;

/// Methods shown side by side for each toy set, as in the toy figure of Esser et al.
const TOY_METHODS: [Method; 3] = [Method::KMeans, Method::PcaKMeans, Method::Tae];

/// Figure 1: penguins' bill length against bill depth coloured by species, with the global
/// principal direction and the direction of each TAE cluster (h = 1).
pub fn penguins(path: &Path, force: bool, set: &DataSet) -> Result<(), CliError> {
    // Claim the file first, so an existing file is only replaced when allowed.
    drop(output::create(path, force)?);

    let (x, species) = set.sample(FIGURE_SEED)?;
    let model = fit_tae(x.as_ref(), set.n_clusters, 1, FIGURE_SEED)?;
    let global = Pca::fit(x.as_ref(), 1)?;
    let species_names: Vec<String> = tae::datasets::penguins().class_names().to_vec();

    let mut segments = Vec::new();
    for j in 0..model.n_clusters() {
        let majority = majority_class(&species, model.labels(), j, species_names.len());
        let center = (model.centers()[(j, 0)], model.centers()[(j, 1)]);
        let direction = (model.bases()[j][(0, 0)], model.bases()[j][(0, 1)]);
        // Two standard deviations of the cluster's members along its direction.
        let size = model.cluster_sizes()[j].max(1) as f64;
        let half = 2.0 * (model.summary().scatter_eigenvalues[j][0] / size).sqrt();
        segments.push(segment(
            center,
            direction,
            half,
            Some(majority),
            format!("TAE cluster {j} (mostly {})", species_names[majority]),
        ));
    }
    let mean = (global.mean()[0], global.mean()[1]);
    let direction = (global.components()[(0, 0)], global.components()[(0, 1)]);
    let half = 2.0 * global.explained_variance()[0].sqrt();
    segments.push(segment(
        mean,
        direction,
        half,
        None,
        "all penguins (PCA)".to_string(),
    ));

    ScatterPlot {
        title: "Penguins by species: global and per-cluster principal directions",
        x_label: "bill length (mm)",
        y_label: "bill depth (mm)",
        points: &first_two_columns(x.as_ref()),
        labels: &species,
        label_names: &species_names,
        segments: &segments,
    }
    .write_svg(path)
}

/// Figure 2: each toy set (seed 0) clustered by k-means, PCA(h) + k-means and the TAE, in its
/// first two coordinates. Clusters are coloured by the class they are matched to.
pub fn toy_clustering(path: &Path, force: bool, sets: &[DataSet]) -> Result<(), CliError> {
    drop(output::create(path, force)?);

    struct Panel {
        title: String,
        points: Vec<(f64, f64)>,
        labels: Vec<usize>,
        names: Vec<String>,
    }
    let mut panels = Vec::new();
    for set in sets.iter().filter(|set| set.kind == Kind::Toy) {
        let (x, truth) = set.sample(FIGURE_SEED)?;
        let x = x.as_ref();
        let (k, h) = (set.n_clusters, set.latent_dim);
        for method in TOY_METHODS {
            let labels = match method {
                Method::KMeans => kmeans_labels(x, k, FIGURE_SEED)?,
                Method::PcaKMeans => pca_kmeans_labels(x, k, h, FIGURE_SEED)?,
                _ => fit_tae(x, k, h, FIGURE_SEED)?.labels().to_vec(),
            };
            let ari = adjusted_rand_index(&truth, &labels)?;
            panels.push(Panel {
                title: format!("{}: {}, ARI {ari:.2}", set.name, method.name()),
                points: first_two_columns(x),
                labels: matched_to_classes(&truth, &labels)?,
                names: (0..k).map(|class| format!("class {class}")).collect(),
            });
        }
    }

    let plots: Vec<ScatterPlot<'_>> = panels
        .iter()
        .map(|panel| ScatterPlot {
            title: &panel.title,
            x_label: "x1",
            y_label: "x2",
            points: &panel.points,
            labels: &panel.labels,
            label_names: &panel.names,
            segments: &[],
        })
        .collect();
    plot::write_scatter_grid(path, &plots, TOY_METHODS.len(), (420, 340))
}

/// Figure 4: ARI per data set and clustering method, mean ± sd over seeds.
pub fn ari_bars(path: &Path, force: bool, results: &Results) -> Result<(), CliError> {
    drop(output::create(path, force)?);

    let sets = results.clustered_sets();
    let groups: Vec<String> = sets
        .iter()
        .map(|&set| results.sets[set].name.to_string())
        .collect();
    let series: Vec<String> = Method::ALL.iter().map(|m| m.name().to_string()).collect();
    let values: Vec<Vec<(f64, f64)>> = sets
        .iter()
        .map(|&set| {
            Method::ALL
                .iter()
                .map(|&method| {
                    results
                        .ari(set, method)
                        .map_or((f64::NAN, 0.0), |s| (s.mean, s.sd))
                })
                .collect()
        })
        .collect();
    let title = format!(
        "Clustering: ARI against the classes, mean ± sd over {} seeds",
        results.n_seeds
    );
    BarChart {
        title: &title,
        y_label: "ARI",
        groups: &groups,
        series: &series,
        values: &values,
        scale: YScale::Linear,
    }
    .write_svg(path)
}

/// Figure 5: de-noising test MSE per data set and method, one panel per noise level, log scale.
pub fn denoising_bars(path: &Path, force: bool, results: &Results) -> Result<(), CliError> {
    drop(output::create(path, force)?);

    let sets: Vec<usize> = (0..results.sets.len())
        .filter(|&set| results.sigma(set, 0).is_some())
        .collect();
    let groups: Vec<String> = sets
        .iter()
        .map(|&set| results.sets[set].name.to_string())
        .collect();
    let series: Vec<String> = Denoiser::ALL.iter().map(|m| m.name().to_string()).collect();
    let titles: Vec<String> = NOISE_LEVELS
        .iter()
        .map(|factor| {
            format!(
                "De-noising, noise sd {factor} × RMS sd: test MSE to the clean points (mean ± sd)"
            )
        })
        .collect();
    let values: Vec<Vec<Vec<(f64, f64)>>> = (0..NOISE_LEVELS.len())
        .map(|level| {
            sets.iter()
                .map(|&set| {
                    Denoiser::ALL
                        .iter()
                        .map(|&method| {
                            results
                                .mse(set, level, method)
                                .map_or((f64::NAN, 0.0), |s| (s.mean, s.sd))
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let charts: Vec<BarChart<'_>> = titles
        .iter()
        .zip(&values)
        .map(|(title, values)| BarChart {
            title,
            y_label: "test MSE (log scale)",
            groups: &groups,
            series: &series,
            values,
            scale: YScale::Log,
        })
        .collect();
    plot::write_bar_charts(path, &charts, (1100, 450))
}

/// Builds a segment of half-length `half` through `center` along `direction`.
fn segment(
    center: (f64, f64),
    direction: (f64, f64),
    half: f64,
    color: Option<usize>,
    label: String,
) -> Segment {
    Segment {
        from: (center.0 - half * direction.0, center.1 - half * direction.1),
        to: (center.0 + half * direction.0, center.1 + half * direction.1),
        color,
        label,
    }
}

fn first_two_columns(x: MatRef<'_, f64>) -> Vec<(f64, f64)> {
    (0..x.nrows()).map(|i| (x[(i, 0)], x[(i, 1)])).collect()
}

/// Finds the most frequent class among the points of cluster `cluster` (the lowest on ties, 0
/// for an empty cluster).
fn majority_class(truth: &[usize], labels: &[usize], cluster: usize, n_classes: usize) -> usize {
    let mut counts = vec![0usize; n_classes];
    for (&class, &label) in truth.iter().zip(labels) {
        if label == cluster {
            counts[class] += 1;
        }
    }
    // max_by_key returns the last maximum, so scan in reverse to prefer the lowest class.
    (0..n_classes)
        .rev()
        .max_by_key(|&class| counts[class])
        .unwrap_or(0)
}

/// Relabels clusters by the classes of the best one-to-one matching, so that colours agree
/// across methods.
fn matched_to_classes(truth: &[usize], labels: &[usize]) -> Result<Vec<usize>, CliError> {
    let matching = best_matching(truth, labels)?;
    let n_clusters = labels.iter().max().map_or(0, |&top| top + 1);
    let mut class_of: Vec<usize> = (0..n_clusters).collect();
    for pair in matching {
        class_of[pair.cluster] = pair.class;
    }
    Ok(labels.iter().map(|&label| class_of[label]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_prefers_lowest_on_ties() {
        let truth = [0, 1, 1, 0, 2];
        let labels = [0, 0, 0, 0, 1];
        assert_eq!(majority_class(&truth, &labels, 0, 3), 0);
        assert_eq!(majority_class(&truth, &labels, 1, 3), 2);
    }

    #[test]
    fn matched_labels_follow_classes() {
        let truth = [0, 0, 1, 1, 2, 2];
        let labels = [2, 2, 0, 0, 1, 1];
        assert_eq!(
            matched_to_classes(&truth, &labels).unwrap(),
            vec![0, 0, 1, 1, 2, 2]
        );
    }
}
