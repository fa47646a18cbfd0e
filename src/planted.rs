//! Planted Gaussian mixtures: data whose true clusters, means and subspaces are known.
//!
//! Cluster `j` draws `x = μ_j + U_j diag(√s_j) z` with `z ~ N(0, I_d)`, where `U_j` is a `d × d`
//! orthogonal matrix and `s_j` its spectrum (variances along the columns of `U_j`, decreasing),
//! so its covariance is `U_j diag(s_j) U_jᵀ` and its top-h principal subspace is spanned by the
//! first h columns of `U_j`. Optional extra dimensions carry pure noise, and isotropic noise can
//! be added to every coordinate.
//!
//! ```
//! use tae::planted::PlantedMixture;
//!
//! // The default planted model: K = 3, d = 10, h = 2, 300 points per cluster.
//! let sample = PlantedMixture::default_model(5.0, 300, 0)?.sample(1)?;
//! assert_eq!(sample.data.shape(), (900, 10));
//! assert_eq!(sample.labels.iter().filter(|&&l| l == 2).count(), 300);
//! # Ok::<(), tae::Error>(())
//! ```

use faer::{Mat, MatRef};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::{Error, Result};

/// One planted cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedCluster {
    /// The mean `μ_j` (length d).
    pub mean: Vec<f64>,
    /// `d × d` orthogonal matrix whose columns are the principal directions.
    pub rotation: Mat<f64>,
    /// Variances along the columns of `rotation`, in decreasing order.
    pub spectrum: Vec<f64>,
    /// Number of points to draw.
    pub size: usize,
}

/// A planted mixture: clusters, extra noise dimensions and additive noise.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedMixture {
    /// The clusters, all of the same dimension.
    pub clusters: Vec<PlantedCluster>,
    /// Pure-noise dimensions appended after the cluster dimensions.
    pub noise_dims: usize,
    /// Standard deviation of the pure-noise dimensions.
    pub noise_dims_std: f64,
    /// Standard deviation of isotropic noise added to every coordinate (0 for none).
    pub additive_noise_std: f64,
}

/// Points drawn from a [`PlantedMixture`], with the truth they were drawn from.
#[derive(Debug, Clone)]
pub struct PlantedSample {
    /// `n × d` points, cluster after cluster.
    pub data: Mat<f64>,
    /// The true cluster of each point.
    pub labels: Vec<usize>,
    /// `K × d` true means (zero in the noise dimensions).
    pub means: Mat<f64>,
    /// The `d × d` rotations of the clusters, padded with the identity on noise dimensions.
    pub rotations: Vec<Mat<f64>>,
}

impl PlantedSample {
    /// The true top-`h` subspace of cluster `j` as an `h × d` matrix with orthonormal rows.
    pub fn subspace(&self, j: usize, h: usize) -> Mat<f64> {
        let rotation = &self.rotations[j];
        Mat::from_fn(h, rotation.nrows(), |k, c| rotation[(c, k)])
    }
}

/// Returns a uniformly random `dim × dim` orthogonal matrix: the Q factor of a Gaussian matrix,
/// with column signs fixed so that R has a positive diagonal (which makes Q Haar-distributed).
pub fn random_rotation(dim: usize, rng: &mut ChaCha8Rng) -> Mat<f64> {
    let gaussian: Mat<f64> = Mat::from_fn(dim, dim, |_, _| normal(rng));
    let qr = gaussian.qr();
    let q = qr.compute_Q();
    let r = qr.R();
    Mat::from_fn(dim, dim, |i, j| {
        let sign = if r[(j, j)] < 0.0 { -1.0 } else { 1.0 };
        q[(i, j)] * sign
    })
}

/// Standard deviation of the three pure-noise dimensions of the toy sets.
pub const TOY_NOISE_STD: f64 = 0.1;

/// Number of pure-noise dimensions appended to the toy sets.
pub const TOY_NOISE_DIMS: usize = 3;

/// The small data sets of the TAE paper's first experiments (the authors' generators), plus a
/// Simpson's-paradox set.
///
/// Each is a mixture of Gaussians in 2 or 3 dimensions with [`TOY_NOISE_DIMS`] extra
/// pure-noise dimensions of standard deviation [`TOY_NOISE_STD`]:
///
/// | set | n | K | means | covariances |
/// |---|---|---|---|---|
/// | parallel | 150 | 2 | (−1, −1), (4, −2) | both [[5, 4.95], [4.95, 5]] |
/// | orthogonal | 150 | 2 | (−1, −1), (7, 7) | [[5, ±4.9], [±4.9, 5]] |
/// | triangle | 150 | 3 | (−1, −1), (6, 6), (5, −5) | [[5, 4.9], [4.9, 5]], [[5, −4.5], [−4.5, 5]], diag(7, 1) |
/// | lines 3-D | 300 | 3 | (2, 0, 0), (0, 0, 4), (2, 2, 3) | variance 3 along axis j for cluster j, 0.01 on the others |
/// | Simpson | 300 | 3 | (0, 4), (3, 2), (6, 0) | [[1, 0.8], [0.8, 1]] |
///
/// In the Simpson set each cluster's trend rises while the trend across clusters falls.
/// The parameters follow the toy generators published with the paper's code
/// (github.com/mahalakshmi-sabanayagam/tensorized). Which axis each 3-D line follows is an
/// assumption here: cluster j varies along axis j.
///
/// NOTE: the authors' lines-3-D generator may also put 0.01 on the off-diagonal covariance
/// entries; here they are 0, so each line is axis-aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToySet {
    /// Two parallel elongated clusters.
    Parallel,
    /// Two elongated clusters at right angles.
    Orthogonal,
    /// Three clusters with different orientations.
    Triangle,
    /// Three lines along the coordinate axes in 3-D.
    Lines3d,
    /// Three rising clusters along a falling line.
    Simpson,
}

impl ToySet {
    /// All toy sets.
    pub const ALL: [ToySet; 5] = [
        ToySet::Parallel,
        ToySet::Orthogonal,
        ToySet::Triangle,
        ToySet::Lines3d,
        ToySet::Simpson,
    ];

    /// Short name: `parallel`, `orthogonal`, `triangle`, `lines_3d` or `simpson`.
    pub fn name(self) -> &'static str {
        match self {
            ToySet::Parallel => "parallel",
            ToySet::Orthogonal => "orthogonal",
            ToySet::Triangle => "triangle",
            ToySet::Lines3d => "lines_3d",
            ToySet::Simpson => "simpson",
        }
    }

    /// Builds the mixture.
    pub fn mixture(self) -> PlantedMixture {
        let cluster = |mean: &[f64], covariance: &[&[f64]], size: usize| {
            PlantedCluster::from_covariance(mean.to_vec(), covariance, size)
                .expect("toy covariances are symmetric positive definite")
        };
        let clusters = match self {
            ToySet::Parallel => vec![
                cluster(&[-1.0, -1.0], &[&[5.0, 4.95], &[4.95, 5.0]], 75),
                cluster(&[4.0, -2.0], &[&[5.0, 4.95], &[4.95, 5.0]], 75),
            ],
            ToySet::Orthogonal => vec![
                cluster(&[-1.0, -1.0], &[&[5.0, 4.9], &[4.9, 5.0]], 75),
                cluster(&[7.0, 7.0], &[&[5.0, -4.9], &[-4.9, 5.0]], 75),
            ],
            ToySet::Triangle => vec![
                cluster(&[-1.0, -1.0], &[&[5.0, 4.9], &[4.9, 5.0]], 50),
                cluster(&[6.0, 6.0], &[&[5.0, -4.5], &[-4.5, 5.0]], 50),
                cluster(&[5.0, -5.0], &[&[7.0, 0.0], &[0.0, 1.0]], 50),
            ],
            ToySet::Lines3d => {
                let line = |axis: usize| -> Vec<Vec<f64>> {
                    (0..3)
                        .map(|r| {
                            (0..3)
                                .map(|c| {
                                    if r != c {
                                        0.0
                                    } else if r == axis {
                                        3.0
                                    } else {
                                        0.01
                                    }
                                })
                                .collect()
                        })
                        .collect()
                };
                let means = [[2.0, 0.0, 0.0], [0.0, 0.0, 4.0], [2.0, 2.0, 3.0]];
                (0..3)
                    .map(|j| {
                        let covariance = line(j);
                        let rows: Vec<&[f64]> = covariance.iter().map(|r| r.as_slice()).collect();
                        cluster(&means[j], &rows, 100)
                    })
                    .collect()
            }
            ToySet::Simpson => vec![
                cluster(&[0.0, 4.0], &[&[1.0, 0.8], &[0.8, 1.0]], 100),
                cluster(&[3.0, 2.0], &[&[1.0, 0.8], &[0.8, 1.0]], 100),
                cluster(&[6.0, 0.0], &[&[1.0, 0.8], &[0.8, 1.0]], 100),
            ],
        };
        PlantedMixture {
            clusters,
            noise_dims: TOY_NOISE_DIMS,
            noise_dims_std: TOY_NOISE_STD,
            additive_noise_std: 0.0,
        }
    }
}

impl PlantedCluster {
    /// Builds a cluster from its mean and covariance matrix (rows of a symmetric positive
    /// semi-definite matrix); the rotation and spectrum come from its eigendecomposition.
    ///
    /// # Errors
    /// [`Error::InvalidModel`] when the covariance is not square of the mean's dimension, not
    /// symmetric, or has a negative eigenvalue (below `−1e-12` times its largest).
    pub fn from_covariance(mean: Vec<f64>, covariance: &[&[f64]], size: usize) -> Result<Self> {
        let dim = mean.len();
        let invalid = |reason: String| Err(Error::InvalidModel { reason });
        if covariance.len() != dim || covariance.iter().any(|row| row.len() != dim) {
            return invalid(format!("covariance is not {dim} × {dim}"));
        }
        let matrix = Mat::from_fn(dim, dim, |i, j| covariance[i][j]);
        if (matrix.as_ref() - matrix.transpose()).norm_max() > 1e-12 * matrix.norm_max() {
            return invalid("covariance is not symmetric".into());
        }
        let eigen = matrix.self_adjoint_eigen(faer::Side::Lower).map_err(|_| {
            Error::DecompositionFailed {
                decomposition: "self-adjoint eigendecomposition",
                cluster: None,
                iteration: 0,
            }
        })?;
        let values = eigen.S().column_vector();
        let vectors = eigen.U();
        let largest = values[dim - 1].abs().max(f64::MIN_POSITIVE);
        if values[0] < -1e-12 * largest {
            return invalid(format!(
                "covariance has the negative eigenvalue {}",
                values[0]
            ));
        }
        // Ascending from faer; reverse so that the spectrum decreases.
        let rotation = Mat::from_fn(dim, dim, |i, k| vectors[(i, dim - 1 - k)]);
        let spectrum = (0..dim).map(|k| values[dim - 1 - k].max(0.0)).collect();
        Ok(PlantedCluster {
            mean,
            rotation,
            spectrum,
            size,
        })
    }
}

impl PlantedMixture {
    /// A mixture for benchmarks and scaling studies: `n_clusters` clusters of
    /// `n_points / n_clusters` points in `dim` dimensions, each with variance 4 along
    /// `latent_dim` random directions and 0.05 along the others, and means drawn uniformly from
    /// the cube [−1.5, 1.5]^d. Rotations and means come from `seed`.
    ///
    /// # Errors
    /// [`Error::EmptyData`] when there would be no points or no dimensions, and
    /// [`Error::InvalidLatentDim`] when `latent_dim` is 0 or above `dim`.
    pub fn random_subspaces(
        n_points: usize,
        dim: usize,
        n_clusters: usize,
        latent_dim: usize,
        seed: u64,
    ) -> Result<PlantedMixture> {
        if n_clusters == 0 || n_points < n_clusters || dim == 0 {
            return Err(Error::EmptyData { n_points, dim });
        }
        if latent_dim == 0 || latent_dim > dim {
            return Err(Error::InvalidLatentDim { latent_dim, dim });
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let clusters = (0..n_clusters)
            .map(|_| {
                let mut spectrum = vec![0.05; dim];
                spectrum[..latent_dim].fill(4.0);
                PlantedCluster {
                    mean: (0..dim)
                        .map(|_| 3.0 * (rng.random::<f64>() - 0.5))
                        .collect(),
                    rotation: random_rotation(dim, &mut rng),
                    spectrum,
                    size: n_points / n_clusters,
                }
            })
            .collect();
        Ok(PlantedMixture {
            clusters,
            noise_dims: 0,
            noise_dims_std: 0.0,
            additive_noise_std: 0.0,
        })
    }

    /// The default planted model: K = 3 clusters in d = 10 dimensions, spectra
    /// `(9, 7.2, 0.05, …, 0.05)` along random rotations, means `separation · N(0, I)/√d`, and
    /// `size` points per cluster. Rotations and means come from `seed`.
    ///
    /// # Errors
    /// [`Error::EmptyData`] when `size` is 0.
    pub fn default_model(separation: f64, size: usize, seed: u64) -> Result<PlantedMixture> {
        if size == 0 {
            return Err(Error::EmptyData {
                n_points: 0,
                dim: 10,
            });
        }
        let dim = 10;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut spectrum = vec![0.05; dim];
        spectrum[0] = 9.0;
        spectrum[1] = 7.2;
        let clusters = (0..3)
            .map(|_| {
                let rotation = random_rotation(dim, &mut rng);
                let mean = (0..dim)
                    .map(|_| {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        separation * z / (dim as f64).sqrt()
                    })
                    .collect();
                PlantedCluster {
                    mean,
                    rotation,
                    spectrum: spectrum.clone(),
                    size,
                }
            })
            .collect();
        Ok(PlantedMixture {
            clusters,
            noise_dims: 0,
            noise_dims_std: 0.0,
            additive_noise_std: 0.0,
        })
    }

    /// Checks shapes and values: at least one cluster and one point, equal dimensions,
    /// orthogonal rotations, finite non-negative spectra and noise levels.
    pub fn check(&self) -> Result<()> {
        let invalid = |reason: String| Err(Error::InvalidModel { reason });
        let Some(first) = self.clusters.first() else {
            return invalid("a planted mixture needs at least one cluster".into());
        };
        let dim = first.mean.len();
        let total: usize = self.clusters.iter().map(|c| c.size).sum();
        if dim == 0 || total == 0 {
            return Err(Error::EmptyData {
                n_points: total,
                dim,
            });
        }
        for (j, cluster) in self.clusters.iter().enumerate() {
            if cluster.mean.len() != dim
                || cluster.spectrum.len() != dim
                || cluster.rotation.shape() != (dim, dim)
            {
                return invalid(format!(
                    "planted cluster {j} does not have dimension {dim} in its mean, spectrum and rotation"
                ));
            }
            if cluster
                .spectrum
                .iter()
                .any(|s| !(s.is_finite() && *s >= 0.0))
            {
                return invalid(format!(
                    "planted cluster {j} has a negative or non-finite variance"
                ));
            }
            if cluster.mean.iter().any(|m| !m.is_finite()) {
                return invalid(format!("planted cluster {j} has a non-finite mean"));
            }
            let gram = cluster.rotation.transpose() * &cluster.rotation;
            let deviation = (gram - Mat::<f64>::identity(dim, dim)).norm_max();
            if deviation.is_nan() || deviation > 1e-8 {
                return invalid(format!(
                    "the rotation of planted cluster {j} is not orthogonal (max |UᵀU − I| = {deviation:e})"
                ));
            }
        }
        for (name, value) in [
            ("noise_dims_std", self.noise_dims_std),
            ("additive_noise_std", self.additive_noise_std),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return invalid(format!("{name} is {value}; it must be finite and >= 0"));
            }
        }
        Ok(())
    }

    /// Draws the points with the given seed.
    ///
    /// # Errors
    /// The errors of [`PlantedMixture::check`].
    pub fn sample(&self, seed: u64) -> Result<PlantedSample> {
        self.check()?;
        let inner = self.clusters[0].mean.len();
        let dim = inner + self.noise_dims;
        let total: usize = self.clusters.iter().map(|c| c.size).sum();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);

        let mut data = Mat::zeros(total, dim);
        let mut labels = Vec::with_capacity(total);
        let mut row = 0;
        for (j, cluster) in self.clusters.iter().enumerate() {
            let scales: Vec<f64> = cluster.spectrum.iter().map(|s| s.sqrt()).collect();
            for _ in 0..cluster.size {
                let z: Vec<f64> = (0..inner).map(|k| scales[k] * normal(&mut rng)).collect();
                for c in 0..inner {
                    let rotated: f64 = (0..inner).map(|k| cluster.rotation[(c, k)] * z[k]).sum();
                    data[(row, c)] = cluster.mean[c] + rotated;
                }
                for c in inner..dim {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    data[(row, c)] = self.noise_dims_std * z;
                }
                if self.additive_noise_std > 0.0 {
                    for c in 0..dim {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        data[(row, c)] += self.additive_noise_std * z;
                    }
                }
                labels.push(j);
                row += 1;
            }
        }

        let means = Mat::from_fn(self.clusters.len(), dim, |j, c| {
            if c < inner {
                self.clusters[j].mean[c]
            } else {
                0.0
            }
        });
        let rotations = self
            .clusters
            .iter()
            .map(|cluster| pad_rotation(cluster.rotation.as_ref(), dim))
            .collect();
        Ok(PlantedSample {
            data,
            labels,
            means,
            rotations,
        })
    }
}

/// Draws one standard normal value.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// Embeds a rotation of the first dimensions into `dim` dimensions, identity on the rest.
fn pad_rotation(rotation: MatRef<'_, f64>, dim: usize) -> Mat<f64> {
    let inner = rotation.nrows();
    Mat::from_fn(dim, dim, |i, j| {
        if i < inner && j < inner {
            rotation[(i, j)]
        } else if i == j {
            1.0
        } else {
            0.0
        }
    })
}
