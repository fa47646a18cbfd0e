//! Parameters of a TAE fit, checked before any work is done.
//!
//! [`TaeParams`] is the unchecked builder; [`TaeParams::check`] turns it into [`ValidParams`],
//! which is what [`ValidParams::fit`] consumes. Every rule is checked in `check`, so a bad setting
//! fails before the first Lloyd iteration and the solver can assume valid values.
//!
//! ```
//! use tae::{Init, TaeParams};
//!
//! let params = TaeParams::new(3, 1).lambda(0.1).n_init(10).seed(7).check()?;
//! assert_eq!(params.n_clusters(), 3);
//! assert!(matches!(params.init(), Init::KMeansPlusPlus));
//!
//! let err = TaeParams::new(3, 1).lambda(1.5).check().unwrap_err();
//! assert!(matches!(err, tae::Error::InvalidLambda { .. }));
//! # Ok::<(), tae::Error>(())
//! ```

use faer::MatRef;

use crate::data;
use crate::error::{Error, Result};
use crate::solver;

/// Default number of k-means++ restarts, as in scikit-learn's `KMeans(n_init=10)`.
pub const DEFAULT_N_INIT: usize = 10;

/// Default limit on Lloyd iterations per restart, as in scikit-learn's `KMeans(max_iter=300)`.
pub const DEFAULT_MAX_ITER: usize = 300;

/// Default tolerance on the relative decrease of the loss between two Lloyd iterations.
pub const DEFAULT_TOL: f64 = 1e-6;

/// Default λ, the weight of the latent k-means term. Esser et al. (AISTATS 2023) use 0.1 in
/// their experiments.
pub const DEFAULT_LAMBDA: f64 = 0.1;

/// The start of the Lloyd iteration.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Init {
    /// Greedy k-means++ seeding: each new seed is the best of `2 + ⌊ln K⌋` candidates drawn
    /// with probability proportional to the squared distance to the nearest seed chosen so far
    /// (the rule of scikit-learn's `KMeans`). Points are then assigned to their nearest seed.
    #[default]
    KMeansPlusPlus,
    /// Start from given labels, one per point, each in `0..n_clusters`. Every restart starts
    /// from the same labels, so one restart is enough.
    Labels(Vec<usize>),
}

/// Unchecked parameters of a linear TAE fit; see [`TaeParams::check`].
///
/// Defaults: λ = [`DEFAULT_LAMBDA`], `n_init` = [`DEFAULT_N_INIT`], `max_iter` =
/// [`DEFAULT_MAX_ITER`], `tol` = [`DEFAULT_TOL`], [`Init::KMeansPlusPlus`], seed 0.
#[derive(Debug, Clone, PartialEq)]
pub struct TaeParams {
    n_clusters: usize,
    latent_dim: usize,
    lambda: f64,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    init: Init,
    seed: u64,
}

/// Parameters that passed [`TaeParams::check`]; the solver accepts only these.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidParams(TaeParams);

impl TaeParams {
    /// Starts a parameter set for `n_clusters` clusters (K) and latent dimension `latent_dim`
    /// (h, the number of rows of each basis W_j), with every other value at its default.
    pub fn new(n_clusters: usize, latent_dim: usize) -> Self {
        TaeParams {
            n_clusters,
            latent_dim,
            lambda: DEFAULT_LAMBDA,
            n_init: DEFAULT_N_INIT,
            max_iter: DEFAULT_MAX_ITER,
            tol: DEFAULT_TOL,
            init: Init::KMeansPlusPlus,
            seed: 0,
        }
    }

    /// Sets λ ∈ [0, 1], the weight of the squared latent distance to the center
    /// (default [`DEFAULT_LAMBDA`]). λ = 1 is k-means, λ = 0 is k-flats.
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = lambda;
        self
    }

    /// Sets the number of restarts (default [`DEFAULT_N_INIT`]); the lowest-loss one is kept.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Sets the limit on Lloyd iterations per restart (default [`DEFAULT_MAX_ITER`]).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Sets the tolerance on the relative decrease of the loss (default [`DEFAULT_TOL`]).
    ///
    /// A restart stops when the labels do not change, or when
    /// `(previous − current) / previous < tol`. With `tol = 0` only unchanged labels (or an
    /// exactly unchanged loss) stop it, so the result is a fixed point of the Lloyd iteration.
    /// Unlike scikit-learn, the tolerance is on the loss, not on the shift of the centers.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets the initialisation (default [`Init::KMeansPlusPlus`]).
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Sets the seed of the k-means++ sampling (default 0). The same seed and data give the
    /// same fit, bit for bit, for any number of rayon threads.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every rule that does not depend on the data.
    ///
    /// # Errors
    /// [`Error::InvalidClusterCount`] when K = 0, [`Error::InvalidLatentDim`] when h = 0,
    /// [`Error::InvalidLambda`] when λ is NaN or outside [0, 1], [`Error::InvalidRestartCount`]
    /// when `n_init` = 0, [`Error::InvalidMaxIter`] when `max_iter` = 0,
    /// [`Error::InvalidTolerance`] when `tol` is negative or not finite, and
    /// [`Error::LabelOutOfRange`] when initial labels name a cluster ≥ K.
    pub fn check(self) -> Result<ValidParams> {
        if self.n_clusters == 0 {
            return Err(Error::InvalidClusterCount {
                n_clusters: self.n_clusters,
            });
        }
        if self.latent_dim == 0 {
            return Err(Error::InvalidLatentDim {
                latent_dim: 0,
                dim: 0,
            });
        }
        check_common(&self)?;
        Ok(ValidParams(self))
    }

    /// Checks the parameters of the k-means special case, where h = 0 is allowed and λ = 1.
    pub(crate) fn check_kmeans(self) -> Result<ValidParams> {
        if self.n_clusters == 0 {
            return Err(Error::InvalidClusterCount {
                n_clusters: self.n_clusters,
            });
        }
        check_common(&self)?;
        Ok(ValidParams(self))
    }
}

fn check_common(params: &TaeParams) -> Result<()> {
    // `contains` is false for NaN, so NaN is rejected here too.
    if !(0.0..=1.0).contains(&params.lambda) {
        return Err(Error::InvalidLambda {
            lambda: params.lambda,
        });
    }
    if params.n_init == 0 {
        return Err(Error::InvalidRestartCount {
            n_init: params.n_init,
        });
    }
    if params.max_iter == 0 {
        return Err(Error::InvalidMaxIter {
            max_iter: params.max_iter,
        });
    }
    if !(params.tol.is_finite() && params.tol >= 0.0) {
        return Err(Error::InvalidTolerance { tol: params.tol });
    }
    if let Init::Labels(labels) = &params.init {
        if let Some((index, &label)) = labels
            .iter()
            .enumerate()
            .find(|(_, &label)| label >= params.n_clusters)
        {
            return Err(Error::LabelOutOfRange {
                index,
                label,
                n_clusters: params.n_clusters,
            });
        }
    }
    Ok(())
}

impl ValidParams {
    /// Number of clusters K.
    pub fn n_clusters(&self) -> usize {
        self.0.n_clusters
    }

    /// Latent dimension h (0 only for the k-means baseline).
    pub fn latent_dim(&self) -> usize {
        self.0.latent_dim
    }

    /// λ, the weight of the latent k-means term.
    pub fn lambda(&self) -> f64 {
        self.0.lambda
    }

    /// Number of restarts.
    pub fn n_init(&self) -> usize {
        self.0.n_init
    }

    /// Limit on Lloyd iterations per restart.
    pub fn max_iter(&self) -> usize {
        self.0.max_iter
    }

    /// Tolerance on the relative decrease of the loss.
    pub fn tol(&self) -> f64 {
        self.0.tol
    }

    /// The initialisation.
    pub fn init(&self) -> &Init {
        &self.0.init
    }

    /// Seed of the k-means++ sampling.
    pub fn seed(&self) -> u64 {
        self.0.seed
    }
}

/// Returns the initial labels of the first k-means++ restart that [`ValidParams::fit`] runs for
/// `n_clusters` clusters and this `seed`: greedy k-means++ seeds, then each point labelled with
/// its nearest seed (ties to the lowest seed index).
///
/// Other solvers can start from these labels to be compared with the closed form from the same
/// start: `TaeParams::new(K, h).init(Init::Labels(labels)).tol(0.0)` runs the closed form from
/// them, and gives the same fit as `TaeParams::new(K, h).n_init(1).seed(seed)`.
///
/// ```
/// use tae::{Init, TaeParams};
///
/// let x = tae::datasets::penguins().to_mat();
/// let start = tae::params::kmeans_plus_plus_labels(x.as_ref(), 3, 7)?;
/// let from_labels = TaeParams::new(3, 1).init(Init::Labels(start)).check()?.fit(x.as_ref())?;
/// let first_restart = TaeParams::new(3, 1).n_init(1).seed(7).check()?.fit(x.as_ref())?;
/// assert_eq!(from_labels.labels(), first_restart.labels());
/// # Ok::<(), tae::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidClusterCount`] when K = 0, the errors of [`data::check_finite`], and
/// [`Error::TooFewPoints`] when n < K.
pub fn kmeans_plus_plus_labels(
    data: MatRef<'_, f64>,
    n_clusters: usize,
    seed: u64,
) -> Result<Vec<usize>> {
    if n_clusters == 0 {
        return Err(Error::InvalidClusterCount { n_clusters });
    }
    data::check_finite(data)?;
    if data.nrows() < n_clusters {
        return Err(Error::TooFewPoints {
            n_points: data.nrows(),
            n_clusters,
        });
    }
    let (_, centered, row_norms) = solver::center_data(data);
    Ok(solver::kmeans_plus_plus_start(
        centered.as_ref(),
        &row_norms,
        n_clusters,
        seed,
        0,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_zero_clusters() {
        let err = TaeParams::new(0, 1).check().unwrap_err();
        assert!(matches!(err, Error::InvalidClusterCount { n_clusters: 0 }));
    }

    #[test]
    fn check_rejects_zero_latent_dim() {
        let err = TaeParams::new(2, 0).check().unwrap_err();
        assert!(matches!(err, Error::InvalidLatentDim { latent_dim: 0, .. }));
    }

    #[test]
    fn check_rejects_bad_lambda() {
        for lambda in [-0.1, 1.0 + 1e-12, f64::NAN, f64::INFINITY] {
            let err = TaeParams::new(2, 1).lambda(lambda).check().unwrap_err();
            match err {
                Error::InvalidLambda { lambda: found } => {
                    assert!(found.to_bits() == lambda.to_bits())
                }
                other => panic!("expected InvalidLambda, got {other:?}"),
            }
        }
    }

    #[test]
    fn check_accepts_lambda_bounds() {
        assert!(TaeParams::new(2, 1).lambda(0.0).check().is_ok());
        assert!(TaeParams::new(2, 1).lambda(1.0).check().is_ok());
    }

    #[test]
    fn check_rejects_zero_restarts_and_iterations() {
        let err = TaeParams::new(2, 1).n_init(0).check().unwrap_err();
        assert!(matches!(err, Error::InvalidRestartCount { n_init: 0 }));
        let err = TaeParams::new(2, 1).max_iter(0).check().unwrap_err();
        assert!(matches!(err, Error::InvalidMaxIter { max_iter: 0 }));
    }

    #[test]
    fn check_rejects_bad_tolerance() {
        for tol in [-1e-3, f64::NAN, f64::INFINITY] {
            let err = TaeParams::new(2, 1).tol(tol).check().unwrap_err();
            assert!(matches!(err, Error::InvalidTolerance { .. }));
        }
    }

    #[test]
    fn check_rejects_label_out_of_range() {
        let init = Init::Labels(vec![0, 1, 2, 1]);
        let err = TaeParams::new(2, 1).init(init).check().unwrap_err();
        assert!(matches!(
            err,
            Error::LabelOutOfRange {
                index: 2,
                label: 2,
                n_clusters: 2
            }
        ));
    }

    #[test]
    fn start_labels_match_first_restart() {
        let x = faer::Mat::from_fn(40, 3, |i, c| {
            ((i * 7 + c * 3) % 11) as f64 + (i / 10) as f64 * 9.0
        });
        for seed in 0..4 {
            let start = kmeans_plus_plus_labels(x.as_ref(), 4, seed).unwrap();
            let first = TaeParams::new(4, 1)
                .n_init(1)
                .max_iter(1)
                .seed(seed)
                .check()
                .unwrap()
                .fit(x.as_ref())
                .unwrap();
            let given = TaeParams::new(4, 1)
                .init(Init::Labels(start))
                .max_iter(1)
                .check()
                .unwrap()
                .fit(x.as_ref())
                .unwrap();
            assert_eq!(first.labels(), given.labels(), "seed {seed}");
            assert_eq!(
                first.loss().to_bits(),
                given.loss().to_bits(),
                "seed {seed}"
            );
        }
    }

    #[test]
    fn start_labels_reject_bad_input() {
        let x = faer::Mat::from_fn(3, 2, |i, c| (i + c) as f64);
        assert!(matches!(
            kmeans_plus_plus_labels(x.as_ref(), 0, 0),
            Err(Error::InvalidClusterCount { n_clusters: 0 })
        ));
        assert!(matches!(
            kmeans_plus_plus_labels(x.as_ref(), 4, 0),
            Err(Error::TooFewPoints {
                n_points: 3,
                n_clusters: 4
            })
        ));
    }
}
