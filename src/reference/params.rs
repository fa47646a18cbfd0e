//! Options and the checked parameter builder of the gradient-trained reference.

use crate::error::{Error, Result};
use crate::params::DEFAULT_LAMBDA;

/// Default learning rate of the encoders, decoders and learned centers, as in the code published
/// with the paper. With Adam it is close to the largest change of each entry per step, so it
/// suits data whose scale is of order 1 to 10, such as [`crate::planted::ToySet`] and
/// max-scaled measurements.
pub const DEFAULT_LEARNING_RATE: f64 = 0.01;

/// Default step of the soft assignment updates ([`Assignment::Projected`] and
/// [`Assignment::Mirror`]), relative to the mean loss per point (see [`Assignment`]).
pub const DEFAULT_ASSIGNMENT_LEARNING_RATE: f64 = 0.5;

/// Default number of epochs (passes over the data).
pub const DEFAULT_EPOCHS: usize = 5000;

/// Default tolerance: training stops once an epoch leaves the hard labels unchanged and
/// changes the loss by less than this fraction of it.
pub const DEFAULT_TOL: f64 = 1e-10;

/// Exponential decay of Adam's first-moment estimate (Kingma and Ba, 2015).
pub const ADAM_BETA1: f64 = 0.9;

/// Exponential decay of Adam's second-moment estimate (Kingma and Ba, 2015).
pub const ADAM_BETA2: f64 = 0.999;

/// Added to the square root of Adam's second moment before dividing (Kingma and Ba, 2015).
pub const ADAM_EPSILON: f64 = 1e-8;

/// The decoder model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decoder {
    /// `V_j = W_jᵀ`, with `W_j` kept on the Stiefel manifold (orthonormal rows): each step
    /// follows the Riemannian gradient and a QR retraction maps the result back. This is the
    /// model the closed form solves.
    #[default]
    Tied,
    /// `V_j` unconstrained, `W_j` still with orthonormal rows as in the constraint of the
    /// linear TAE loss. For λ > 0 the optimum is then in general not the tied one: the encoder
    /// tilts towards low-variance directions, which lowers the λ term, and the decoder makes up
    /// for the reconstruction. One cluster with scatter diag(4, 1), h = 1 and λ = 0.5 reaches
    /// 2√2 ≈ 2.83 here against 3 for the tied model. The tilt is approached slowly: on the
    /// paper's toy sets training stops after 2,700 to 3,900 epochs, against about 250 for the
    /// tied model.
    Free,
    /// `W_j` and `V_j` both unconstrained, as in the code published with the paper
    /// (github.com/mahalakshmi-sabanayagam/tensorized). Only the encoder is penalised, so
    /// rescaling `W_j → εW_j`, `V_j → V_j/ε` shrinks the λ term towards zero without changing
    /// the reconstruction: the infimum is the λ = 0 (k-flats) loss and is not attained, and
    /// training drifts slowly towards ever smaller encoders.
    Unconstrained,
}

/// The update of the centers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Centers {
    /// Set to the P-weighted means `Σ_i P_ij x_i / Σ_i P_ij` after every step, which is their
    /// exact minimiser for the tied model with λ > 0. A cluster whose total weight falls below
    /// 1e-12 keeps its previous center.
    #[default]
    WeightedMean,
    /// Updated by the optimiser like the encoders.
    Learned,
}

/// The update of the assignment matrix P (`n × K`, each row in the probability simplex) after
/// each step of the encoders, decoders and centers.
///
/// The gradient of the loss with respect to row `i` of P is the vector of losses
/// `ℓ_ij = ‖y − V_j W_j y‖² + λ‖W_j y‖²` with `y = x_i − c_j`. The soft updates scale it by
/// `η / m`, where η is the assignment learning rate and `m` the mean loss per point of the
/// batch, so that the step does not depend on the scale of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Assignment {
    /// Exact minimisation over P for fixed parameters: each point goes to its cluster of lowest
    /// loss, keeping its current cluster on a tie, then the lowest index.
    #[default]
    Lloyd,
    /// An unconstrained gradient step on each row, then the Euclidean projection of the row
    /// onto the simplex ([`project_onto_simplex`](super::project_onto_simplex)).
    Projected,
    /// An exponentiated-gradient (mirror descent) step on each row:
    /// `P_ij ∝ P_ij exp(−η ℓ_ij / m)`, which stays in the simplex. Rows are kept as logarithms,
    /// so a weight that underflows can still recover. A zero weight would never grow again, so
    /// the one-hot start is first mixed with the uniform row: weight 1 − [`MIRROR_START_MIX`]
    /// on the initial cluster.
    ///
    /// NOTE: the weights accumulate every past loss, including those of the first, untrained
    /// encoders, so an early wrong move takes as long to undo as it took to make. From the
    /// same start, mirror training can end in a worse partition than Lloyd or projected
    /// training: on max-scaled penguins (K = 3, h = 1, λ = 0.1, seed 0) it reached a loss of
    /// 1.60 against 1.30 (`examples/compare_methods.rs`).
    Mirror,
}

/// Weight of the uniform row in the start of [`Assignment::Mirror`].
pub const MIRROR_START_MIX: f64 = 0.01;

/// The optimiser of the encoders, decoders and learned centers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Optimizer {
    /// Plain gradient descent: `θ ← θ − η g`. Its learning rate depends on the scale of the
    /// data: the gradient of the mean loss per point grows with the squared scale.
    GradientDescent,
    /// Adam with β1 = [`ADAM_BETA1`], β2 = [`ADAM_BETA2`] and ε = [`ADAM_EPSILON`], one state
    /// per parameter matrix.
    #[default]
    Adam,
}

/// Unchecked parameters of the gradient-trained reference; see [`ReferenceParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceParams {
    pub(super) n_clusters: usize,
    pub(super) latent_dim: usize,
    pub(super) lambda: f64,
    pub(super) decoder: Decoder,
    pub(super) centers: Centers,
    pub(super) assignment: Assignment,
    pub(super) optimizer: Optimizer,
    pub(super) learning_rate: f64,
    pub(super) assignment_learning_rate: f64,
    pub(super) epochs: usize,
    pub(super) batch_size: Option<usize>,
    pub(super) tol: f64,
    pub(super) seed: u64,
}

/// Parameters that passed [`ReferenceParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReferenceParams(pub(super) ReferenceParams);

impl ReferenceParams {
    /// Starts parameters for K clusters and latent dimension h with every other value at its
    /// default: λ = [`DEFAULT_LAMBDA`], [`Decoder::Tied`], [`Centers::WeightedMean`],
    /// [`Assignment::Lloyd`], [`Optimizer::Adam`] with learning rate [`DEFAULT_LEARNING_RATE`],
    /// assignment learning rate [`DEFAULT_ASSIGNMENT_LEARNING_RATE`], [`DEFAULT_EPOCHS`] epochs,
    /// full batches, tolerance [`DEFAULT_TOL`] and seed 0.
    pub fn new(n_clusters: usize, latent_dim: usize) -> Self {
        ReferenceParams {
            n_clusters,
            latent_dim,
            lambda: DEFAULT_LAMBDA,
            decoder: Decoder::default(),
            centers: Centers::default(),
            assignment: Assignment::default(),
            optimizer: Optimizer::default(),
            learning_rate: DEFAULT_LEARNING_RATE,
            assignment_learning_rate: DEFAULT_ASSIGNMENT_LEARNING_RATE,
            epochs: DEFAULT_EPOCHS,
            batch_size: None,
            tol: DEFAULT_TOL,
            seed: 0,
        }
    }

    /// Sets λ ∈ [0, 1], the weight of the squared code `‖W_j(x − c_j)‖²`.
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = lambda;
        self
    }

    /// Sets the decoder model (default [`Decoder::Tied`]).
    pub fn decoder(mut self, decoder: Decoder) -> Self {
        self.decoder = decoder;
        self
    }

    /// Sets how the centers are updated (default [`Centers::WeightedMean`]).
    pub fn centers(mut self, centers: Centers) -> Self {
        self.centers = centers;
        self
    }

    /// Sets how the assignments are updated (default [`Assignment::Lloyd`]).
    pub fn assignment(mut self, assignment: Assignment) -> Self {
        self.assignment = assignment;
        self
    }

    /// Sets the optimiser (default [`Optimizer::Adam`]).
    pub fn optimizer(mut self, optimizer: Optimizer) -> Self {
        self.optimizer = optimizer;
        self
    }

    /// Sets the learning rate of the encoders, decoders and learned centers (default
    /// [`DEFAULT_LEARNING_RATE`]).
    pub fn learning_rate(mut self, learning_rate: f64) -> Self {
        self.learning_rate = learning_rate;
        self
    }

    /// Sets the step η of the soft assignment updates, relative to the mean loss per point
    /// (default [`DEFAULT_ASSIGNMENT_LEARNING_RATE`]). [`Assignment::Lloyd`] ignores it.
    pub fn assignment_learning_rate(mut self, rate: f64) -> Self {
        self.assignment_learning_rate = rate;
        self
    }

    /// Sets the number of epochs, the limit on passes over the data (default
    /// [`DEFAULT_EPOCHS`]).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Sets the mini-batch size; `None` (the default) takes all points in every step.
    pub fn batch_size(mut self, batch_size: Option<usize>) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Sets the tolerance (default [`DEFAULT_TOL`]): training stops after an epoch that leaves
    /// the hard labels unchanged and changes the loss by at most `tol` times its value. With
    /// `tol = 0` only an exactly unchanged loss stops it early.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets the seed of the random start of the encoders and of the mini-batch order
    /// (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every rule that does not depend on the data.
    ///
    /// # Errors
    /// [`Error::InvalidClusterCount`] when K = 0, [`Error::InvalidLatentDim`] when h = 0,
    /// [`Error::InvalidLambda`] when λ is NaN or outside [0, 1],
    /// [`Error::InvalidLearningRate`] when a learning rate is not finite and positive,
    /// [`Error::InvalidEpochs`] when `epochs` = 0, [`Error::InvalidBatchSize`] for a batch size
    /// of 0, and [`Error::InvalidTolerance`] when `tol` is negative or not finite.
    pub fn check(self) -> Result<ValidReferenceParams> {
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
        // `contains` is false for NaN, so NaN is rejected here too.
        if !(0.0..=1.0).contains(&self.lambda) {
            return Err(Error::InvalidLambda {
                lambda: self.lambda,
            });
        }
        for (parameter, value) in [
            ("learning rate", self.learning_rate),
            ("assignment learning rate", self.assignment_learning_rate),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::InvalidLearningRate { parameter, value });
            }
        }
        if self.epochs == 0 {
            return Err(Error::InvalidEpochs {
                epochs: self.epochs,
            });
        }
        if self.batch_size == Some(0) {
            return Err(Error::InvalidBatchSize {
                batch_size: 0,
                n_points: 0,
            });
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::InvalidTolerance { tol: self.tol });
        }
        Ok(ValidReferenceParams(self))
    }
}

impl ValidReferenceParams {
    /// Number of clusters K.
    pub fn n_clusters(&self) -> usize {
        self.0.n_clusters
    }

    /// Latent dimension h.
    pub fn latent_dim(&self) -> usize {
        self.0.latent_dim
    }

    /// λ, the weight of the squared code.
    pub fn lambda(&self) -> f64 {
        self.0.lambda
    }

    /// The decoder model.
    pub fn decoder(&self) -> Decoder {
        self.0.decoder
    }

    /// The update of the centers.
    pub fn centers(&self) -> Centers {
        self.0.centers
    }

    /// The update of the assignments.
    pub fn assignment(&self) -> Assignment {
        self.0.assignment
    }

    /// The optimiser.
    pub fn optimizer(&self) -> Optimizer {
        self.0.optimizer
    }

    /// Learning rate of the encoders, decoders and learned centers.
    pub fn learning_rate(&self) -> f64 {
        self.0.learning_rate
    }

    /// Step of the soft assignment updates, relative to the mean loss per point.
    pub fn assignment_learning_rate(&self) -> f64 {
        self.0.assignment_learning_rate
    }

    /// Limit on epochs.
    pub fn epochs(&self) -> usize {
        self.0.epochs
    }

    /// Mini-batch size (`None`: full batch).
    pub fn batch_size(&self) -> Option<usize> {
        self.0.batch_size
    }

    /// Tolerance on the relative change of the loss over an epoch.
    pub fn tol(&self) -> f64 {
        self.0.tol
    }

    /// Seed of the encoder start and of the mini-batch order.
    pub fn seed(&self) -> u64 {
        self.0.seed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_accepts_defaults() {
        let params = ReferenceParams::new(3, 1).check().unwrap();
        assert_eq!(params.n_clusters(), 3);
        assert_eq!(params.decoder(), Decoder::Tied);
        assert_eq!(params.assignment(), Assignment::Lloyd);
        assert_eq!(params.optimizer(), Optimizer::Adam);
        assert_eq!(params.batch_size(), None);
    }

    #[test]
    fn check_rejects_zero_clusters_and_latent_dim() {
        let err = ReferenceParams::new(0, 1).check().unwrap_err();
        assert!(matches!(err, Error::InvalidClusterCount { n_clusters: 0 }));
        let err = ReferenceParams::new(2, 0).check().unwrap_err();
        assert!(matches!(err, Error::InvalidLatentDim { latent_dim: 0, .. }));
    }

    #[test]
    fn check_rejects_bad_lambda() {
        for lambda in [-0.5, 1.5, f64::NAN] {
            let err = ReferenceParams::new(2, 1)
                .lambda(lambda)
                .check()
                .unwrap_err();
            assert!(matches!(err, Error::InvalidLambda { .. }), "{lambda}");
        }
    }

    #[test]
    fn check_rejects_bad_learning_rates() {
        for rate in [0.0, -0.1, f64::NAN, f64::INFINITY] {
            let err = ReferenceParams::new(2, 1)
                .learning_rate(rate)
                .check()
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidLearningRate {
                        parameter: "learning rate",
                        ..
                    }
                ),
                "{rate}"
            );
            let err = ReferenceParams::new(2, 1)
                .assignment_learning_rate(rate)
                .check()
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidLearningRate {
                        parameter: "assignment learning rate",
                        ..
                    }
                ),
                "{rate}"
            );
        }
    }

    #[test]
    fn check_rejects_zero_epochs_and_batch() {
        let err = ReferenceParams::new(2, 1).epochs(0).check().unwrap_err();
        assert!(matches!(err, Error::InvalidEpochs { epochs: 0 }));
        let err = ReferenceParams::new(2, 1)
            .batch_size(Some(0))
            .check()
            .unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidBatchSize {
                batch_size: 0,
                n_points: 0
            }
        ));
    }

    #[test]
    fn check_rejects_bad_tolerance() {
        for tol in [-1e-3, f64::NAN, f64::INFINITY] {
            let err = ReferenceParams::new(2, 1).tol(tol).check().unwrap_err();
            assert!(matches!(err, Error::InvalidTolerance { .. }), "{tol}");
        }
    }
}
