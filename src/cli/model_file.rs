//! The JSON model file written by `tae fit --model-out` and read by `predict` and
//! `reconstruct`.
//!
//! The file stores the model in the scaled coordinates it was fitted in, together with the
//! column names and the scaling, so that new data gets exactly the same preprocessing.

use std::fs;
use std::path::Path;

use faer::Mat;
use serde::{Deserialize, Serialize};
use tae::scaling::{Scaler, Scaling};
use tae::{FitSummary, TaeModel};

use super::methods::{Fitted, Method};
use super::CliError;

/// Version of the layout below; readers reject any other.
pub const FORMAT_VERSION: u32 = 1;

/// The on-disk model.
#[derive(Debug, Serialize, Deserialize)]
pub struct ModelFile {
    /// Layout version, [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Names of the input columns, in model order.
    pub columns: Vec<String>,
    /// The scaling applied to those columns before fitting.
    pub scaling: ScalingFile,
    /// λ, the weight of the latent distance to the center.
    pub lambda: f64,
    /// K.
    pub n_clusters: usize,
    /// h.
    pub latent_dim: usize,
    /// `K` rows of `d` values, in scaled units.
    pub centers: Vec<Vec<f64>>,
    /// `K` bases of `h` rows of `d` values each.
    pub bases: Vec<Vec<Vec<f64>>>,
    /// Training points per cluster.
    pub cluster_sizes: Vec<usize>,
    /// Training loss, in squared scaled units.
    pub loss: f64,
    /// Lloyd iterations of the kept restart.
    pub n_iter: usize,
    /// Whether the kept restart stopped before the iteration limit.
    pub converged: bool,
    /// Whether an empty cluster was re-seeded.
    pub reseeded: bool,
    /// Training points used.
    pub n_points: usize,
    /// Restarts and seed of the fit, for reproducing it.
    pub n_init: usize,
    /// Seed of the k-means++ sampling.
    pub seed: u64,
    /// Fitting method: `closed-form`, `gradient` or `em`. Files written before the field
    /// existed lack it and are closed-form fits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Decoder model of a gradient fit: `tied` (`V_j = W_jᵀ`) or `free`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoder: Option<String>,
    /// The decoders `V_j` of a free-decoder model: `K` matrices of `d` rows of `h` values, in
    /// scaled units. When present, `predict` and `reconstruct` use them in place of `W_jᵀ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoders: Option<Vec<Vec<Vec<f64>>>>,
    /// Temperature τ of an EM fit, in squared scaled units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
}

/// The scaling part of the model file.
#[derive(Debug, Serialize, Deserialize)]
pub struct ScalingFile {
    /// `none`, `max` or `zscore`.
    pub method: String,
    /// Subtracted from each column.
    pub offset: Vec<f64>,
    /// Each column is divided by this after the offset.
    pub scale: Vec<f64>,
}

impl ModelFile {
    /// Captures a fitted model with its columns and scaling.
    pub fn new(
        model: &TaeModel,
        columns: &[String],
        scaler: &Scaler,
        n_init: usize,
        seed: u64,
    ) -> Self {
        let matrix_rows = |m: faer::MatRef<'_, f64>| -> Vec<Vec<f64>> {
            (0..m.nrows())
                .map(|i| (0..m.ncols()).map(|c| m[(i, c)]).collect())
                .collect()
        };
        ModelFile {
            format_version: FORMAT_VERSION,
            columns: columns.to_vec(),
            scaling: ScalingFile {
                method: scaler.method().to_string(),
                offset: scaler.offset().to_vec(),
                scale: scaler.scale().to_vec(),
            },
            lambda: model.lambda(),
            n_clusters: model.n_clusters(),
            latent_dim: model.latent_dim(),
            centers: matrix_rows(model.centers()),
            bases: model
                .bases()
                .iter()
                .map(|b| matrix_rows(b.as_ref()))
                .collect(),
            cluster_sizes: model.cluster_sizes().to_vec(),
            loss: model.loss(),
            n_iter: model.n_iter(),
            converged: model.converged(),
            reseeded: model.reseeded(),
            n_points: model.labels().len(),
            n_init,
            seed,
            method: None,
            decoder: None,
            decoders: None,
            temperature: None,
        }
    }

    /// Records the method of the fit, and the decoders of a free-decoder model.
    pub fn record_method(&mut self, fitted: &Fitted) {
        self.method = Some(fitted.method.name().to_string());
        if fitted.method == Method::Gradient {
            let decoder = if fitted.decoders.is_some() {
                "free"
            } else {
                "tied"
            };
            self.decoder = Some(decoder.to_string());
        }
        self.decoders = fitted.decoders.as_ref().map(|decoders| {
            decoders
                .iter()
                .map(|v| {
                    (0..v.nrows())
                        .map(|i| (0..v.ncols()).map(|k| v[(i, k)]).collect())
                        .collect()
                })
                .collect()
        });
        self.temperature = fitted.temperature;
    }

    /// Rebuilds the decoders of a free-decoder model (`None` for a tied one), checking that
    /// there are K of them, each `d × h` with finite values.
    pub fn decoder_parts(&self, path: &Path) -> Result<Option<Vec<Mat<f64>>>, CliError> {
        let Some(decoders) = &self.decoders else {
            return Ok(None);
        };
        let invalid = |reason: String| {
            CliError::new(format!(
                "invalid model file '{}': {reason}; write it again with `tae fit --model-out`",
                path.display()
            ))
        };
        let (dim, h) = (self.columns.len(), self.latent_dim);
        if decoders.len() != self.n_clusters {
            return Err(invalid(format!(
                "{} decoders for n_clusters = {}",
                decoders.len(),
                self.n_clusters
            )));
        }
        let mut parts = Vec::with_capacity(decoders.len());
        for (j, rows) in decoders.iter().enumerate() {
            if rows.len() != dim || rows.iter().any(|row| row.len() != h) {
                return Err(invalid(format!(
                    "decoder {j} is not {dim} rows (one per column) of {h} values (latent_dim)"
                )));
            }
            if rows.iter().flatten().any(|v| !v.is_finite()) {
                return Err(invalid(format!("decoder {j} has a non-finite value")));
            }
            parts.push(Mat::from_fn(dim, h, |i, k| rows[i][k]));
        }
        Ok(Some(parts))
    }

    /// Reads and checks a model file.
    pub fn read(path: &Path) -> Result<Self, CliError> {
        let text = fs::read_to_string(path).map_err(|e| tae::Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let file: ModelFile = serde_json::from_str(&text).map_err(|e| {
            CliError::new(format!(
                "cannot read model file '{}': {e}; pass a file written by `tae fit --model-out`",
                path.display()
            ))
        })?;
        if file.format_version != FORMAT_VERSION {
            return Err(CliError::new(format!(
                "model file '{}' has format_version {}, this tae reads version {FORMAT_VERSION}; refit the model with this version",
                path.display(),
                file.format_version
            )));
        }
        Ok(file)
    }

    /// Rebuilds the scaler and the model, checking shapes and values.
    pub fn to_parts(&self, path: &Path) -> Result<(Scaler, TaeModel), CliError> {
        let invalid = |reason: String| {
            CliError::new(format!(
                "invalid model file '{}': {reason}; write it again with `tae fit --model-out`",
                path.display()
            ))
        };
        let from_library = |error: tae::Error| match error {
            tae::Error::InvalidModel { reason } => invalid(reason),
            other => invalid(other.to_string()),
        };
        let method: Scaling = self
            .scaling
            .method
            .parse()
            .map_err(|e| invalid(format!("{e}")))?;
        let scaler = Scaler::from_parts(
            method,
            self.scaling.offset.clone(),
            self.scaling.scale.clone(),
        )
        .map_err(from_library)?;

        let dim = self.columns.len();
        if let Some((i, name)) = self
            .columns
            .iter()
            .enumerate()
            .find(|(i, name)| self.columns[..*i].contains(name))
        {
            return Err(invalid(format!(
                "column '{name}' appears twice (the second time at position {i})"
            )));
        }
        if scaler.n_cols() != dim {
            return Err(invalid(format!(
                "{} columns but a scaling of {} columns",
                dim,
                scaler.n_cols()
            )));
        }
        let matrix = |rows: &[Vec<f64>], what: &str| -> Result<Mat<f64>, CliError> {
            if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != dim) {
                return Err(invalid(format!(
                    "row {i} of {what} has {} values, expected {dim} (one per column)",
                    row.len()
                )));
            }
            Ok(Mat::from_fn(rows.len(), dim, |i, c| rows[i][c]))
        };
        let centers = matrix(&self.centers, "centers")?;
        if centers.nrows() != self.n_clusters {
            return Err(invalid(format!(
                "{} centers for n_clusters = {}",
                centers.nrows(),
                self.n_clusters
            )));
        }
        let bases = self
            .bases
            .iter()
            .map(|b| matrix(b, "bases"))
            .collect::<Result<Vec<_>, _>>()?;
        if bases.iter().any(|b| b.nrows() != self.latent_dim) {
            return Err(invalid(format!(
                "a basis does not have latent_dim = {} rows",
                self.latent_dim
            )));
        }
        let summary = FitSummary {
            cluster_sizes: self.cluster_sizes.clone(),
            loss: self.loss,
            n_iter: self.n_iter,
            converged: self.converged,
            ..FitSummary::default()
        };
        let model =
            TaeModel::from_parts(centers, bases, self.lambda, summary).map_err(from_library)?;
        Ok((scaler, model))
    }
}
