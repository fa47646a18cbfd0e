//! The steps of one Lloyd iteration as separate calls, for benchmarks.
//!
//! Not a stable interface: it exists so that `benches/` can time initialisation, statistics,
//! the eigen step and the assignment one at a time, on the same state the solver uses.

use faer::{Mat, MatRef};

use super::assign::{assign, ClusterParams, WorkspacePool};
use super::stats::{row_major, GroupedMembers};
use super::{center_data, kmeans_plus_plus_start, Problem};
use crate::data;
use crate::error::Result;

/// The state of one restart, advanced one step at a time.
pub struct LloydSteps {
    centered: Mat<f64>,
    rows: Vec<f64>,
    row_norms: Vec<f64>,
    n_clusters: usize,
    latent_dim: usize,
    lambda: f64,
    labels: Vec<usize>,
    next: Vec<usize>,
    best: Vec<f64>,
    grouped: GroupedMembers,
    has_statistics: bool,
    params: Option<ClusterParams>,
    pool: WorkspacePool,
}

impl LloydSteps {
    /// Centers `data` and labels it from a k-means++ seeding drawn with `seed`.
    ///
    /// # Errors
    /// The input errors of [`crate::ValidParams::fit`].
    pub fn new(
        data: MatRef<'_, f64>,
        n_clusters: usize,
        latent_dim: usize,
        lambda: f64,
        seed: u64,
    ) -> Result<Self> {
        let params = crate::TaeParams::new(n_clusters, latent_dim)
            .lambda(lambda)
            .check()?;
        data::check_finite(data)?;
        let (n_points, dim) = data.shape();
        let (_, centered, row_norms) = center_data(data);
        let rows = row_major(centered.as_ref());
        let mut steps = LloydSteps {
            centered,
            rows,
            row_norms,
            n_clusters: params.n_clusters(),
            latent_dim,
            lambda,
            labels: vec![0; n_points],
            next: vec![0; n_points],
            best: vec![0.0; n_points],
            grouped: GroupedMembers::new(n_points, dim, n_clusters),
            has_statistics: false,
            params: None,
            pool: WorkspacePool::default(),
        };
        steps.initialise(seed);
        Ok(steps)
    }

    fn problem(&self) -> Problem<'_> {
        Problem {
            x: self.centered.as_ref(),
            rows: &self.rows,
            row_norms: &self.row_norms,
            n_clusters: self.n_clusters,
            latent_dim: self.latent_dim,
            lambda: self.lambda,
            max_iter: 1,
            tol: 0.0,
            reuse_unchanged: false,
        }
    }

    /// Runs greedy k-means++ seeding and labels every point with its nearest seed.
    pub fn initialise(&mut self, seed: u64) {
        self.labels = kmeans_plus_plus_start(
            self.centered.as_ref(),
            &self.row_norms,
            self.n_clusters,
            seed,
            0,
        );
    }

    /// Groups the points by label and computes the scatter matrices.
    pub fn statistics(&mut self) {
        // Moved out for the call, so that the problem can borrow the rest of the state.
        let mut grouped = std::mem::replace(&mut self.grouped, GroupedMembers::new(0, 0, 0));
        let every_cluster = vec![true; self.n_clusters];
        self.problem()
            .statistics(&mut grouped, &self.labels, &every_cluster);
        self.grouped = grouped;
        self.has_statistics = true;
    }

    /// Takes the top-h eigenvectors of the scatter matrices from the last
    /// [`LloydSteps::statistics`] call (computing them first if there is none).
    ///
    /// # Errors
    /// [`crate::Error::DecompositionFailed`].
    pub fn eigen(&mut self) -> Result<()> {
        if !self.has_statistics {
            self.statistics();
        }
        let every_cluster = vec![true; self.n_clusters];
        let (params, _) = self
            .problem()
            .eigen_step(&self.grouped, &every_cluster, None, 0)?;
        self.params = Some(params);
        Ok(())
    }

    /// Computes every loss and the new labels; returns the loss after the step.
    ///
    /// # Errors
    /// As [`LloydSteps::eigen`], which runs first when no centers and bases exist yet.
    pub fn assign(&mut self) -> Result<f64> {
        if self.params.is_none() {
            self.eigen()?;
        }
        let params = self.params.as_ref().expect("parameters computed above");
        let step = assign(
            params,
            self.centered.as_ref(),
            &self.row_norms,
            &self.labels,
            &mut self.next,
            &mut self.best,
            &self.pool,
        );
        Ok(step.best_loss)
    }

    /// Runs one whole iteration (statistics, eigen step, assignment) and adopts the new labels.
    ///
    /// # Errors
    /// As [`LloydSteps::eigen`].
    pub fn iteration(&mut self) -> Result<f64> {
        self.statistics();
        self.eigen()?;
        let loss = self.assign()?;
        std::mem::swap(&mut self.labels, &mut self.next);
        Ok(loss)
    }
}
