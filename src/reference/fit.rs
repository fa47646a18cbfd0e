//! The training loop and its result.

use nalgebra::DMatrix;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::assign::{argmax, argmin_keeping, mirror_step, projected_step};
use super::gradient::{gradients, losses_of_rows, total_loss, Gradients, Parameters};
use super::optim::BlockOptimizer;
use super::params::{
    Assignment, Centers, Decoder, ReferenceParams, ValidReferenceParams, MIRROR_START_MIX,
};
use super::stiefel::{random_point, retract, tangent_projection};
use crate::data;
use crate::error::{Error, Result};

/// A cluster whose total assignment weight falls below this keeps its previous center under
/// [`Centers::WeightedMean`], because its weighted mean is no longer defined.
const MIN_CLUSTER_MASS: f64 = 1e-12;

/// Random stream of the encoder start.
const INIT_STREAM: u64 = 0;

/// Random stream of the mini-batch order.
const BATCH_STREAM: u64 = 1;

/// The result of a gradient-trained fit.
#[derive(Debug, Clone)]
pub struct ReferenceFit {
    centers: DMatrix<f64>,
    encoders: Vec<DMatrix<f64>>,
    decoders: Vec<DMatrix<f64>>,
    assignments: DMatrix<f64>,
    labels: Vec<usize>,
    lambda: f64,
    loss: f64,
    loss_history: Vec<f64>,
    epochs_run: usize,
    converged: bool,
}

impl ValidReferenceParams {
    /// Trains the linear TAE on `data` (`n × d`, one row per point) by gradient steps, starting
    /// from the hard `initial_labels` (one per point, each in `0..K`).
    ///
    /// The start sets P one-hot at the labels (mixed with the uniform row for
    /// [`Assignment::Mirror`]) and the centers at the means of the labelled clusters. Each
    /// encoder is a random matrix with orthonormal rows drawn from the seed (the QR factor of a
    /// Gaussian matrix), and each decoder the transpose of its encoder. Starting the encoders
    /// at the top eigenvectors of the initial clusters would give the training the closed-form
    /// solution for free.
    ///
    /// Each epoch splits the points into mini-batches (in an order drawn from the seed, or all
    /// points at once by default) and, for each batch, takes one optimiser step on the
    /// encoders, decoders and learned centers, then updates the batch's rows of P, then sets
    /// weighted-mean centers. After the epoch the loss over all points joins the history.
    ///
    /// # Errors
    /// [`Error::EmptyData`], [`Error::NonFiniteValue`] or [`Error::ValueTooLarge`] for bad
    /// data, [`Error::TooFewPoints`] when n < K, [`Error::InvalidLatentDim`] when h > d,
    /// [`Error::LengthMismatch`] when there is not one label per point,
    /// [`Error::LabelOutOfRange`] for a label ≥ K, [`Error::EmptyInitialCluster`] when a
    /// cluster has no initial point, [`Error::InvalidBatchSize`] when the batch size exceeds n,
    /// and [`Error::TrainingDiverged`] when the loss becomes NaN or infinite.
    pub fn fit(&self, data: &DMatrix<f64>, initial_labels: &[usize]) -> Result<ReferenceFit> {
        let params = &self.0;
        check_inputs(params, data, initial_labels)?;
        let mut trainer = Trainer::start(params, data, initial_labels);

        let mut order: Vec<usize> = (0..data.nrows()).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        rng.set_stream(BATCH_STREAM);
        let mut history = Vec::with_capacity(params.epochs);
        let mut converged = false;
        for epoch in 1..=params.epochs {
            let previous_labels = trainer.labels.clone();
            match params.batch_size {
                None => trainer.step(&trainer.all_rows.clone()),
                Some(batch_size) => {
                    order.shuffle(&mut rng);
                    for batch in order.chunks(batch_size) {
                        trainer.step(batch);
                    }
                }
            }

            let loss = trainer.loss();
            if !loss.is_finite() {
                return Err(Error::TrainingDiverged {
                    epoch,
                    loss,
                    learning_rate: params.learning_rate,
                });
            }
            let change = history
                .last()
                .map(|&previous: &f64| (previous - loss).abs());
            history.push(loss);
            if change.is_some_and(|change| change <= params.tol * loss.abs())
                && trainer.labels == previous_labels
            {
                converged = true;
                break;
            }
        }

        let loss = *history.last().expect("at least one epoch");
        Ok(ReferenceFit {
            centers: trainer.model.centers,
            encoders: trainer.model.encoders,
            decoders: trainer.model.decoders,
            assignments: trainer.assignments,
            labels: trainer.labels,
            lambda: params.lambda,
            loss,
            epochs_run: history.len(),
            loss_history: history,
            converged,
        })
    }
}

/// Checks the data and the initial labels against the parameters.
fn check_inputs(params: &ReferenceParams, x: &DMatrix<f64>, labels: &[usize]) -> Result<()> {
    data::check_finite(data::from_nalgebra(x).as_ref())?;
    let (n_points, dim) = x.shape();
    let n_clusters = params.n_clusters;
    if n_points < n_clusters {
        return Err(Error::TooFewPoints {
            n_points,
            n_clusters,
        });
    }
    if params.latent_dim > dim {
        return Err(Error::InvalidLatentDim {
            latent_dim: params.latent_dim,
            dim,
        });
    }
    if labels.len() != n_points {
        return Err(Error::LengthMismatch {
            what: "initial labels",
            expected: n_points,
            found: labels.len(),
        });
    }
    if let Some((index, &label)) = labels.iter().enumerate().find(|(_, &l)| l >= n_clusters) {
        return Err(Error::LabelOutOfRange {
            index,
            label,
            n_clusters,
        });
    }
    if let Some(cluster) = (0..n_clusters).find(|j| !labels.contains(j)) {
        return Err(Error::EmptyInitialCluster {
            cluster,
            n_clusters,
        });
    }
    if let Some(batch_size) = params.batch_size {
        if batch_size > n_points {
            return Err(Error::InvalidBatchSize {
                batch_size,
                n_points,
            });
        }
    }
    Ok(())
}

/// The state of a training run.
struct Trainer<'a> {
    params: &'a ReferenceParams,
    x: &'a DMatrix<f64>,
    /// `0..n`, the batch of full-batch steps and of the loss.
    all_rows: Vec<usize>,
    model: Parameters,
    /// `n × K`, each row in the simplex.
    assignments: DMatrix<f64>,
    /// Logarithms of `assignments`, kept for [`Assignment::Mirror`] only.
    log_assignments: Option<DMatrix<f64>>,
    /// The hard label of each point: its Lloyd label, or the argmax of its row of P.
    labels: Vec<usize>,
    encoder_optimizers: Vec<BlockOptimizer>,
    decoder_optimizers: Vec<BlockOptimizer>,
    center_optimizer: BlockOptimizer,
}

impl<'a> Trainer<'a> {
    fn start(params: &'a ReferenceParams, x: &'a DMatrix<f64>, labels: &[usize]) -> Self {
        let (n_points, dim) = x.shape();
        let (k, h) = (params.n_clusters, params.latent_dim);

        let mut assignments = DMatrix::from_fn(n_points, k, |i, j| f64::from(labels[i] == j));
        let mut log_assignments = None;
        if params.assignment == Assignment::Mirror {
            let uniform = MIRROR_START_MIX / k as f64;
            assignments = assignments.map(|p| (1.0 - MIRROR_START_MIX) * p + uniform);
            log_assignments = Some(assignments.map(f64::ln));
        }

        let mut centers = DMatrix::zeros(k, dim);
        let mut counts = vec![0.0; k];
        for (i, &j) in labels.iter().enumerate() {
            let mut row = centers.row_mut(j);
            row += x.row(i);
            counts[j] += 1.0;
        }
        for (j, count) in counts.iter().enumerate() {
            centers.row_mut(j).scale_mut(1.0 / count);
        }

        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        rng.set_stream(INIT_STREAM);
        let encoders: Vec<DMatrix<f64>> = (0..k).map(|_| random_point(h, dim, &mut rng)).collect();
        let decoders = encoders.iter().map(|w| w.transpose()).collect();

        let optimizer =
            |rows, cols| BlockOptimizer::new(params.optimizer, params.learning_rate, rows, cols);
        Trainer {
            params,
            x,
            all_rows: (0..n_points).collect(),
            model: Parameters {
                centers,
                encoders,
                decoders,
            },
            assignments,
            log_assignments,
            labels: labels.to_vec(),
            encoder_optimizers: (0..k).map(|_| optimizer(h, dim)).collect(),
            decoder_optimizers: (0..k).map(|_| optimizer(dim, h)).collect(),
            center_optimizer: optimizer(k, dim),
        }
    }

    /// Returns the loss over all points.
    fn loss(&self) -> f64 {
        total_loss(
            self.x,
            &self.all_rows,
            &self.assignments,
            &self.model,
            self.params.lambda,
        )
    }

    /// Takes one step on `batch`: parameters, then assignments, then weighted-mean centers.
    fn step(&mut self, batch: &[usize]) {
        let grads = gradients(
            self.x,
            batch,
            &self.assignments,
            &self.model,
            self.params.lambda,
            self.params.decoder,
        );
        self.update_encoders_and_decoders(&grads);
        if self.params.centers == Centers::Learned {
            let displacement = self.center_optimizer.displacement(&grads.centers);
            self.model.centers -= displacement;
        }
        self.update_assignments(batch);
        // Centers equal the weighted means at every step, so only a change of P moves them.
        if self.params.centers == Centers::WeightedMean {
            self.set_weighted_means();
        }
    }

    fn update_encoders_and_decoders(&mut self, grads: &Gradients) {
        for j in 0..self.params.n_clusters {
            let w = &self.model.encoders[j];
            let optimizer = &mut self.encoder_optimizers[j];
            let new_w = match self.params.decoder {
                Decoder::Tied | Decoder::Free => {
                    let riemannian = tangent_projection(w, &grads.encoders[j]);
                    // Adam rescales each entry, which leaves the tangent space, so the
                    // displacement is projected back to keep W − Δ of full rank for the retraction.
                    let displacement = tangent_projection(w, &optimizer.displacement(&riemannian));
                    retract(&(w - displacement))
                }
                Decoder::Unconstrained => w - optimizer.displacement(&grads.encoders[j]),
            };
            match self.params.decoder {
                Decoder::Tied => self.model.decoders[j] = new_w.transpose(),
                Decoder::Free | Decoder::Unconstrained => {
                    let displacement = self.decoder_optimizers[j].displacement(&grads.decoders[j]);
                    self.model.decoders[j] -= displacement;
                }
            }
            self.model.encoders[j] = new_w;
        }
    }

    fn update_assignments(&mut self, batch: &[usize]) {
        let losses = losses_of_rows(self.x, batch, &self.model, self.params.lambda);
        let k = self.params.n_clusters;
        let row_losses = |r: usize| -> Vec<f64> { (0..k).map(|j| losses[(r, j)]).collect() };

        if self.params.assignment == Assignment::Lloyd {
            for (r, &i) in batch.iter().enumerate() {
                let label = argmin_keeping(&row_losses(r), self.labels[i]);
                for j in 0..k {
                    self.assignments[(i, j)] = f64::from(j == label);
                }
                self.labels[i] = label;
            }
            return;
        }

        // The step is relative to the batch's mean loss per point, so that it does not depend
        // on the scale of the data. A zero mean loss means every point already sits at a
        // cluster of zero loss, where P is optimal.
        let mean_loss = batch
            .iter()
            .enumerate()
            .map(|(r, &i)| {
                (0..k)
                    .map(|j| self.assignments[(i, j)] * losses[(r, j)])
                    .sum::<f64>()
            })
            .sum::<f64>()
            / batch.len() as f64;
        if !(mean_loss > 0.0 && mean_loss.is_finite()) {
            return;
        }
        let step = self.params.assignment_learning_rate / mean_loss;
        for (r, &i) in batch.iter().enumerate() {
            let row = row_losses(r);
            match &mut self.log_assignments {
                Some(logs) => mirror_step(logs, &mut self.assignments, i, &row, step),
                None => projected_step(&mut self.assignments, i, &row, step),
            }
            let weights: Vec<f64> = self.assignments.row(i).iter().copied().collect();
            self.labels[i] = argmax(&weights);
        }
    }

    /// Sets each center to the P-weighted mean of the points, keeping the previous center of
    /// a cluster with total weight below [`MIN_CLUSTER_MASS`].
    fn set_weighted_means(&mut self) {
        let masses = self.assignments.row_sum();
        let sums = self.assignments.transpose() * self.x;
        for j in 0..self.params.n_clusters {
            if masses[j] >= MIN_CLUSTER_MASS {
                let mean = sums.row(j) / masses[j];
                self.model.centers.row_mut(j).copy_from(&mean);
            }
        }
    }
}

impl ReferenceFit {
    /// `K × d` centers, one row per cluster.
    pub fn centers(&self) -> &DMatrix<f64> {
        &self.centers
    }

    /// The K encoders `W_j`, `h × d` each (orthonormal rows unless the decoder model is
    /// [`Decoder::Unconstrained`]).
    pub fn encoders(&self) -> &[DMatrix<f64>] {
        &self.encoders
    }

    /// The K decoders `V_j`, `d × h` each (`W_jᵀ` for [`Decoder::Tied`]).
    pub fn decoders(&self) -> &[DMatrix<f64>] {
        &self.decoders
    }

    /// `n × K` assignments P; each row lies in the probability simplex.
    pub fn assignments(&self) -> &DMatrix<f64> {
        &self.assignments
    }

    /// Hard labels: the Lloyd labels, or each row's largest weight (ties to the lowest index).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// λ of the fit.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// The final loss `Σ_i Σ_j P_ij ℓ_ij` over all points, in squared units of the data.
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// The loss over all points after each epoch.
    pub fn loss_history(&self) -> &[f64] {
        &self.loss_history
    }

    /// Number of epochs run.
    pub fn epochs_run(&self) -> usize {
        self.epochs_run
    }

    /// Whether training stopped on the tolerance rather than on the epoch limit.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Computes the `n × K` losses `ℓ_ij` of new points under the fitted encoders, decoders
    /// and centers.
    ///
    /// # Errors
    /// As [`point_losses`](super::point_losses).
    pub fn point_losses(&self, data: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        super::point_losses(
            data,
            &self.centers,
            &self.encoders,
            &self.decoders,
            self.lambda,
        )
    }
}
