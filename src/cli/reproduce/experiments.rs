//! The experiments of `tae reproduce`: the data sets, the methods, and one run of each method
//! per data set and seed.

use std::path::Path;
use std::time::Instant;

use faer::{Mat, MatRef};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use tae::baselines::{KMeans, Pca};
use tae::em::EmParams;
use tae::metrics::{adjusted_rand_index, clustering_accuracy, normalized_mutual_info};
use tae::planted::ToySet;
use tae::reference::ReferenceParams;
use tae::scaling::{Scaler, Scaling};
use tae::{TaeModel, TaeParams};

use crate::cli::CliError;

/// λ, the weight of the latent k-means term. Esser et al. use 0.1 in all their experiments.
pub const LAMBDA: f64 = 0.1;

/// k-means++ restarts of k-means and the TAE (the lowest-loss restart is kept), as in
/// scikit-learn's `KMeans(n_init=10)`.
pub const N_INIT: usize = 10;

/// Classes 0 to 4 of the image data sets, as in the MNIST experiment of Esser et al.
pub const IMAGE_CLASSES: usize = 5;

/// Test images taken per class: 5 × 200 = 1,000 images, as in Esser et al.
pub const IMAGE_PER_CLASS: usize = 200;

/// Latent dimension h of each cluster for the image subsets. The authors' code suggests a
/// latent size of 10 for MNIST, and with 200 images per class each cluster's 10-dimensional
/// flat is still estimated from 20 times as many points as it has directions.
pub const IMAGE_LATENT_DIM: usize = 10;

/// Latent dimension h for the toy and tabular data sets, as in Esser et al.
pub const TABULAR_LATENT_DIM: usize = 1;

/// Limit on EM iterations for the image subsets. Each EM iteration builds and decomposes one
/// dense 784 × 784 scatter matrix per cluster. That took about 0.5 s for 1,000 images in a
/// release build on a 2-core Xeon, so the library default of 500 iterations would dominate.
pub const IMAGE_EM_MAX_ITER: usize = 30;

/// Standard deviations of the added noise, in units of the data's RMS per-coordinate standard
/// deviation (see [`rms_std`]).
pub const NOISE_LEVELS: [f64; 2] = [0.1, 0.3];

/// Fraction of the points held out as the test set of the de-noising runs.
pub const TEST_FRACTION: f64 = 0.2;

/// The authors' result on penguins with four features divided by their maxima: ARI of the TAE
/// in one run of a one-hidden-layer ReLU network trained by gradient descent. Source: the
/// notebook `reproduce_results.ipynb` of github.com/mahalakshmi-sabanayagam/tensorized
/// (0.7523859980476766, rounded).
pub const AUTHORS_PENGUINS_TAE_ARI: f64 = 0.752;

/// The same run's ARI of k-means on the plain autoencoder's embedding, for latent sizes 1 and 3
/// alike (0.20959929307188535, rounded).
pub const AUTHORS_PENGUINS_AE_ARI: f64 = 0.210;

/// Kind of data in a data set, by which the report groups its comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A planted toy mixture, drawn anew for each seed.
    Toy,
    /// Penguins or iris.
    Tabular,
    /// An MNIST-format image subset.
    Image,
}

/// Source of the points of a data set.
enum Points {
    /// The same points for every seed.
    Fixed { data: Mat<f64>, labels: Vec<usize> },
    /// A toy mixture sampled with the seed.
    Toy(ToySet),
}

/// One data set of the experiments.
pub struct DataSet {
    /// Short name used in tables and figures.
    pub name: &'static str,
    /// Origin and preprocessing of the points, for the setup table.
    pub preprocessing: String,
    pub kind: Kind,
    /// Number of clusters K, the number of classes.
    pub n_clusters: usize,
    /// Latent dimension h of each cluster.
    pub latent_dim: usize,
    pub n_points: usize,
    pub dim: usize,
    points: Points,
}

impl DataSet {
    fn fixed(
        name: &'static str,
        preprocessing: String,
        kind: Kind,
        data: Mat<f64>,
        labels: Vec<usize>,
        latent_dim: usize,
    ) -> DataSet {
        let n_clusters = labels.iter().max().map_or(0, |&top| top + 1);
        DataSet {
            name,
            preprocessing,
            kind,
            n_clusters,
            latent_dim,
            n_points: data.nrows(),
            dim: data.ncols(),
            points: Points::Fixed { data, labels },
        }
    }

    fn toy(set: ToySet) -> Result<DataSet, CliError> {
        let mixture = set.mixture();
        let sample = mixture.sample(0)?;
        Ok(DataSet {
            name: set.name(),
            preprocessing: format!(
                "planted Gaussian mixture drawn anew for each seed; {} pure-noise coordinates \
                 of standard deviation {}",
                tae::planted::TOY_NOISE_DIMS,
                tae::planted::TOY_NOISE_STD
            ),
            kind: Kind::Toy,
            n_clusters: mixture.clusters.len(),
            latent_dim: TABULAR_LATENT_DIM,
            n_points: sample.data.nrows(),
            dim: sample.data.ncols(),
            points: Points::Toy(set),
        })
    }

    /// Returns the points and their classes for one seed.
    pub fn sample(&self, seed: u64) -> Result<(Mat<f64>, Vec<usize>), CliError> {
        match &self.points {
            Points::Fixed { data, labels } => Ok((data.clone(), labels.clone())),
            Points::Toy(set) => {
                let sample = set.mixture().sample(seed)?;
                Ok((sample.data, sample.labels))
            }
        }
    }

    /// Returns the latent dimension of the wider PCA baseline: K·h, capped at d because PCA
    /// has at most d directions.
    pub fn wide_dim(&self) -> usize {
        (self.n_clusters * self.latent_dim).min(self.dim)
    }
}

/// An image data set that could not be loaded, and why.
pub struct Skipped {
    pub name: &'static str,
    pub reason: String,
}

/// The image data sets: their names and folders under `--data-dir`.
pub const IMAGE_SETS: [(&str, &str); 2] = [("mnist", "mnist"), ("fashion-mnist", "fashion-mnist")];

/// Source of the image data sets.
pub enum ImageSource<'a> {
    /// A folder holding one subfolder per image set (see [`IMAGE_SETS`]).
    Folder(&'a Path),
    /// No image data, for the reason given.
    Skip(&'a str),
}

/// Builds the data sets. An image set that fails to load is listed in the second vector with
/// the error message, and the other data sets still run.
pub fn data_sets(images: ImageSource<'_>) -> Result<(Vec<DataSet>, Vec<Skipped>), CliError> {
    let mut sets = Vec::new();
    for set in [
        ToySet::Parallel,
        ToySet::Orthogonal,
        ToySet::Triangle,
        ToySet::Lines3d,
    ] {
        sets.push(DataSet::toy(set)?);
    }
    sets.extend(tabular_sets()?);

    let mut skipped = Vec::new();
    for (name, folder) in IMAGE_SETS {
        let folder = match images {
            ImageSource::Folder(dir) => dir.join(folder),
            ImageSource::Skip(reason) => {
                skipped.push(Skipped {
                    name,
                    reason: reason.to_string(),
                });
                continue;
            }
        };
        match tae::io::load_test_subset(&folder, IMAGE_CLASSES, IMAGE_PER_CLASS) {
            Ok(images) => {
                let (data, labels) = images.into_parts();
                let preprocessing = format!(
                    "first {IMAGE_PER_CLASS} test images of each class 0–{} from {}; \
                     pixels divided by 255",
                    IMAGE_CLASSES - 1,
                    folder.display()
                );
                sets.push(DataSet::fixed(
                    name,
                    preprocessing,
                    Kind::Image,
                    data,
                    labels,
                    IMAGE_LATENT_DIM,
                ));
            }
            Err(error) => skipped.push(Skipped {
                name,
                reason: error.to_string(),
            }),
        }
    }
    Ok((sets, skipped))
}

/// Penguins with two raw features, penguins with four max-scaled features, and iris.
fn tabular_sets() -> Result<Vec<DataSet>, CliError> {
    let penguins = tae::datasets::penguins();
    let table = penguins.data();
    let (n_rows, n_cols) = (table.n_rows(), table.n_cols());

    let bill = Mat::from_fn(n_rows, 2, |i, c| table.values()[i * n_cols + c]);
    let scaler = Scaler::fit(
        table.values(),
        n_rows,
        n_cols,
        table.columns(),
        Scaling::Max,
    )?;
    let mut scaled = table.values().to_vec();
    scaler.transform(&mut scaled, n_rows, n_cols)?;
    let four = tae::data::from_row_major(&scaled, n_rows, n_cols)?.to_owned();

    let iris = tae::datasets::iris();
    Ok(vec![
        DataSet::fixed(
            "penguins-2",
            "Palmer penguins, bill length and bill depth in mm (raw units)".into(),
            Kind::Tabular,
            bill,
            penguins.labels().to_vec(),
            TABULAR_LATENT_DIM,
        ),
        DataSet::fixed(
            "penguins-4",
            "Palmer penguins, bill length, bill depth, flipper length and body mass, each \
             divided by its column maximum"
                .into(),
            Kind::Tabular,
            four,
            penguins.labels().to_vec(),
            TABULAR_LATENT_DIM,
        ),
        DataSet::fixed(
            "iris",
            "Fisher's iris, four measurements in cm (raw units)".into(),
            Kind::Tabular,
            iris.to_mat(),
            iris.labels().to_vec(),
            TABULAR_LATENT_DIM,
        ),
    ])
}

/// A clustering method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// k-means++ and Lloyd on the raw features.
    KMeans,
    /// k-means on the top-h principal components, the optimal linear AE with h latent units.
    PcaKMeans,
    /// k-means on the top-K·h principal components: a linear AE with as many latent units as
    /// the TAE has in all.
    WidePcaKMeans,
    /// The closed-form linear TAE.
    Tae,
    /// The soft EM variant of the TAE.
    Em,
    /// The TAE loss trained by gradient steps (tied decoder, Lloyd assignment, Adam), from the
    /// first k-means++ start of the seed. It is not run on the image sets, where it is too slow.
    Gradient,
}

impl Method {
    /// Every clustering method, in table order.
    pub const ALL: [Method; 6] = [
        Method::KMeans,
        Method::PcaKMeans,
        Method::WidePcaKMeans,
        Method::Tae,
        Method::Em,
        Method::Gradient,
    ];

    /// Name in tables and figures.
    pub fn name(self) -> &'static str {
        match self {
            Method::KMeans => "k-means",
            Method::PcaKMeans => "PCA(h) + k-means",
            Method::WidePcaKMeans => "PCA(K·h) + k-means",
            Method::Tae => "TAE",
            Method::Em => "EM (soft TAE)",
            Method::Gradient => "TAE by gradient",
        }
    }
}

/// A de-noising method: each reconstructs a point on a fitted flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denoiser {
    /// Projection on the top-h principal subspace (the linear AE).
    Pca,
    /// Projection on the top-K·h principal subspace.
    WidePca,
    /// Projection on the flat of the TAE cluster of lowest loss.
    Tae,
}

impl Denoiser {
    /// Every de-noising method, in table order.
    pub const ALL: [Denoiser; 3] = [Denoiser::Pca, Denoiser::WidePca, Denoiser::Tae];

    /// Name in tables and figures.
    pub fn name(self) -> &'static str {
        match self {
            Denoiser::Pca => "PCA(h)",
            Denoiser::WidePca => "PCA(K·h)",
            Denoiser::Tae => "TAE",
        }
    }
}

/// The scores of one clustering method on one data set and seed.
pub struct ClusteringRun {
    /// Index into the list of data sets.
    pub data_set: usize,
    pub method: Method,
    pub seed: u64,
    pub ari: f64,
    pub nmi: f64,
    pub accuracy: f64,
    /// Wall-clock time of the fit, in seconds.
    pub seconds: f64,
}

/// Details of one EM fit.
pub struct EmRun {
    pub data_set: usize,
    /// The temperature τ used, estimated from the TAE fit of the same seed.
    pub temperature: f64,
    pub n_iter: usize,
    pub converged: bool,
}

/// The test error of one de-noising method on one data set, noise level and seed.
pub struct DenoisingRun {
    pub data_set: usize,
    /// Index into [`NOISE_LEVELS`].
    pub level: usize,
    /// The noise standard deviation in the data's units.
    pub sigma: f64,
    pub method: Denoiser,
    pub seed: u64,
    /// Mean over test points and coordinates of the squared difference between the
    /// reconstruction of the noisy point and the clean point.
    pub mse: f64,
}

/// Fits the k-means baseline with the shared number of restarts and returns its labels.
pub fn kmeans_labels(x: MatRef<'_, f64>, k: usize, seed: u64) -> Result<Vec<usize>, CliError> {
    let model = KMeans::params(k)
        .n_init(N_INIT)
        .seed(seed)
        .check()?
        .fit(x)?;
    Ok(model.labels().to_vec())
}

/// Fits k-means to the top `components` principal components and returns its labels.
pub fn pca_kmeans_labels(
    x: MatRef<'_, f64>,
    k: usize,
    components: usize,
    seed: u64,
) -> Result<Vec<usize>, CliError> {
    let codes = Pca::fit(x, components)?.transform(x)?;
    kmeans_labels(codes.as_ref(), k, seed)
}

/// Fits the closed-form TAE with λ = [`LAMBDA`] and the shared number of restarts.
pub fn fit_tae(x: MatRef<'_, f64>, k: usize, h: usize, seed: u64) -> Result<TaeModel, CliError> {
    Ok(TaeParams::new(k, h)
        .lambda(LAMBDA)
        .n_init(N_INIT)
        .seed(seed)
        .check()?
        .fit(x)?)
}

/// Estimates the EM temperature τ for data `x` from a TAE fit to it: the maximum-likelihood scale of
/// the mixture `N(c_j, τ Σ_j)` at the TAE's centers, bases and labels, `Σ_i ℓ(x_i) / (n d)`.
/// It follows the data's squared scale, as τ must because EM is not scale invariant.
pub fn em_temperature(model: &TaeModel, x: MatRef<'_, f64>) -> f64 {
    model.loss() / (x.nrows() * x.ncols()) as f64
}

/// Runs every clustering method on one data set and seed.
pub fn cluster_once(
    sets: &[DataSet],
    index: usize,
    seed: u64,
) -> Result<(Vec<ClusteringRun>, EmRun), CliError> {
    let set = &sets[index];
    let (x, truth) = set.sample(seed)?;
    let x = x.as_ref();
    let (k, h) = (set.n_clusters, set.latent_dim);

    let mut runs = Vec::new();
    let mut record = |method: Method, labels: &[usize], seconds: f64| -> Result<(), CliError> {
        runs.push(ClusteringRun {
            data_set: index,
            method,
            seed,
            ari: adjusted_rand_index(&truth, labels)?,
            nmi: normalized_mutual_info(&truth, labels)?,
            accuracy: clustering_accuracy(&truth, labels)?,
            seconds,
        });
        Ok(())
    };

    let (labels, seconds) = timed(|| kmeans_labels(x, k, seed))?;
    record(Method::KMeans, &labels, seconds)?;
    let (labels, seconds) = timed(|| pca_kmeans_labels(x, k, h, seed))?;
    record(Method::PcaKMeans, &labels, seconds)?;
    let (labels, seconds) = timed(|| pca_kmeans_labels(x, k, set.wide_dim(), seed))?;
    record(Method::WidePcaKMeans, &labels, seconds)?;
    let (model, seconds) = timed(|| fit_tae(x, k, h, seed))?;
    record(Method::Tae, model.labels(), seconds)?;

    let temperature = em_temperature(&model, x);
    let mut em = EmParams::new(k, h)
        .lambda(LAMBDA)
        .temperature(temperature)
        .seed(seed);
    if set.kind == Kind::Image {
        em = em.max_iter(IMAGE_EM_MAX_ITER);
    }
    let em = em.check()?;
    let (fit, seconds) = timed(|| em.fit(x).map_err(CliError::from))?;
    record(Method::Em, &fit.labels(), seconds)?;

    // The nalgebra reference needs thousands of epochs; on 1,000 × 784 images that would
    // dominate the run, so it is left out there.
    if set.kind != Kind::Image {
        let start = tae::params::kmeans_plus_plus_labels(x, k, seed)?;
        let reference = ReferenceParams::new(k, h)
            .lambda(LAMBDA)
            .seed(seed)
            .check()?;
        let points = tae::data::to_nalgebra(x);
        let (fit, seconds) = timed(|| reference.fit(&points, &start).map_err(CliError::from))?;
        record(Method::Gradient, fit.labels(), seconds)?;
    }

    let em_run = EmRun {
        data_set: index,
        temperature,
        n_iter: fit.n_iter(),
        converged: fit.converged(),
    };
    Ok((runs, em_run))
}

/// Runs every de-noising method on one data set and seed, at every noise level.
///
/// The seed draws the toy sample, the 80/20 split and the noise, each from its own ChaCha8
/// stream, and seeds the k-means++ starts of the TAE. Input and target of every fit are the
/// noisy training points: the closed form solves only that case, because a clean target would
/// turn the fit into reduced-rank regression.
pub fn denoise_once(
    sets: &[DataSet],
    index: usize,
    seed: u64,
) -> Result<Vec<DenoisingRun>, CliError> {
    let set = &sets[index];
    let (x, _) = set.sample(seed)?;
    let (n, d) = x.shape();
    let (train, test) = split(n, seed);
    let scale = rms_std(x.as_ref());

    let mut runs = Vec::new();
    for (level, &factor) in NOISE_LEVELS.iter().enumerate() {
        let sigma = factor * scale;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(NOISE_STREAM + level as u64);
        let noisy = Mat::from_fn(n, d, |i, c| {
            let z: f64 = StandardNormal.sample(&mut rng);
            x[(i, c)] + sigma * z
        });
        let noisy_train = select_rows(noisy.as_ref(), &train);
        let noisy_test = select_rows(noisy.as_ref(), &test);
        let clean_test = select_rows(x.as_ref(), &test);

        for method in Denoiser::ALL {
            let reconstructed = match method {
                Denoiser::Pca => Pca::fit(noisy_train.as_ref(), set.latent_dim)?
                    .reconstruct(noisy_test.as_ref())?,
                Denoiser::WidePca => Pca::fit(noisy_train.as_ref(), set.wide_dim())?
                    .reconstruct(noisy_test.as_ref())?,
                Denoiser::Tae => {
                    fit_tae(noisy_train.as_ref(), set.n_clusters, set.latent_dim, seed)?
                        .reconstruct(noisy_test.as_ref())?
                }
            };
            runs.push(DenoisingRun {
                data_set: index,
                level,
                sigma,
                method,
                seed,
                mse: mean_squared_error(reconstructed.as_ref(), clean_test.as_ref()),
            });
        }
    }
    Ok(runs)
}

/// ChaCha8 stream of the train/test split; the noise of level `l` uses stream
/// `NOISE_STREAM + l`. Stream 0 (the default) draws the toy samples.
const SPLIT_STREAM: u64 = 1;
const NOISE_STREAM: u64 = 2;

/// Splits `0..n` at random into sorted training and test indices, with
/// `round(TEST_FRACTION · n)` test points, but at least 1 and at most n − 1 when n ≥ 2.
pub fn split(n: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(SPLIT_STREAM);
    order.shuffle(&mut rng);
    let n_test = ((TEST_FRACTION * n as f64).round() as usize)
        .max(1)
        .min(n.saturating_sub(1));
    let mut test = order[..n_test].to_vec();
    let mut train = order[n_test..].to_vec();
    test.sort_unstable();
    train.sort_unstable();
    (train, test)
}

/// Computes the root mean square of the per-coordinate standard deviations,
/// `sqrt(mean_c var_c)` with each variance over n: the data's typical scale per coordinate.
pub fn rms_std(x: MatRef<'_, f64>) -> f64 {
    let (n, d) = x.shape();
    let total: f64 = (0..d)
        .map(|c| {
            let mean = (0..n).map(|i| x[(i, c)]).sum::<f64>() / n as f64;
            (0..n).map(|i| (x[(i, c)] - mean).powi(2)).sum::<f64>() / n as f64
        })
        .sum();
    (total / d as f64).sqrt()
}

fn select_rows(x: MatRef<'_, f64>, rows: &[usize]) -> Mat<f64> {
    Mat::from_fn(rows.len(), x.ncols(), |i, c| x[(rows[i], c)])
}

/// Computes the mean over all entries of `(a − b)²`.
fn mean_squared_error(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    let (n, d) = a.shape();
    let mut total = 0.0;
    for i in 0..n {
        for c in 0..d {
            total += (a[(i, c)] - b[(i, c)]).powi(2);
        }
    }
    total / (n * d) as f64
}

/// Runs `work` and returns its value with the elapsed wall-clock seconds.
fn timed<T>(work: impl FnOnce() -> Result<T, CliError>) -> Result<(T, f64), CliError> {
    let start = Instant::now();
    let value = work()?;
    Ok((value, start.elapsed().as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_sizes_and_disjoint() {
        let (train, test) = split(342, 3);

        assert_eq!(test.len(), 68);
        assert_eq!(train.len(), 274);
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..342).collect::<Vec<_>>());
    }

    #[test]
    fn split_depends_on_seed() {
        assert_eq!(split(100, 1), split(100, 1));
        assert_ne!(split(100, 1).1, split(100, 2).1);
    }

    #[test]
    fn rms_std_of_two_columns() {
        // Column variances over n: 1 and 4, so the RMS standard deviation is sqrt(2.5).
        let x = Mat::from_fn(2, 2, |i, c| {
            let sign = if i == 0 { -1.0 } else { 1.0 };
            sign * (c + 1) as f64
        });
        assert!((rms_std(x.as_ref()) - 2.5f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn wide_dim_capped_at_dim() {
        let (sets, _) = data_sets(ImageSource::Skip("not needed")).unwrap();
        let bill = sets.iter().find(|set| set.name == "penguins-2").unwrap();
        assert_eq!((bill.n_clusters, bill.latent_dim, bill.dim), (3, 1, 2));
        assert_eq!(bill.wide_dim(), 2);
        let four = sets.iter().find(|set| set.name == "penguins-4").unwrap();
        assert_eq!(four.wide_dim(), 3);
    }
}
