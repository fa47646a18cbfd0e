//! The fitting methods of `tae fit`: the closed form, the gradient-trained reference and EM.
//!
//! Every method ends in a [`TaeModel`] (centers and bases with orthonormal rows), so that the
//! summary, the labels file and the model file are the same for all of them. A model trained
//! with a free decoder also keeps its decoders `V_j`. `predict` and `reconstruct` then use that
//! model's loss `‖y − V_j W_j y‖² + λ‖W_j y‖²` and reconstruction `c_j + V_j W_j y` in place of
//! the tied ones.

use clap::{Args, ValueEnum};
use faer::{Mat, MatRef};
use tae::em::EmParams;
use tae::reference::{
    Assignment, Decoder, Optimizer, ReferenceParams, ValidReferenceParams,
    DEFAULT_ASSIGNMENT_LEARNING_RATE, DEFAULT_EPOCHS, DEFAULT_LEARNING_RATE,
};
use tae::{FitSummary, TaeModel, TaeParams, ValidParams};

use super::{CliError, FitArgs};

/// The fitting method of `tae fit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Lloyd iterations with the exact (eigenvector) update of centers and bases.
    ClosedForm,
    /// Gradient steps on the loss (the nalgebra reference of `tae::reference`).
    Gradient,
    /// Soft assignments: EM for the Gaussian mixture whose negative log-likelihood is the loss.
    Em,
}

impl Method {
    /// Returns the name used on the command line and in model files.
    pub fn name(self) -> &'static str {
        match self {
            Method::ClosedForm => "closed-form",
            Method::Gradient => "gradient",
            Method::Em => "em",
        }
    }
}

/// The decoder of the gradient method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecoderArg {
    /// The transpose of the encoder.
    Tied,
    /// A matrix of its own; the encoder keeps orthonormal rows.
    Free,
}

/// The assignment update of the gradient method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssignmentArg {
    /// Each point to its cluster of lowest loss.
    Lloyd,
    /// Gradient step on the soft assignments, then projection onto the simplex.
    Projected,
    /// Exponentiated-gradient (mirror descent) step on the soft assignments.
    Mirror,
}

/// The optimiser of the gradient method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptimizerArg {
    /// Plain gradient descent; its learning rate depends on the scale of the data.
    Gd,
    /// Adam (β1 0.9, β2 0.999, ε 1e-8).
    Adam,
}

/// The options of `tae fit` that choose and tune the method.
#[derive(Debug, Args)]
pub struct MethodArgs {
    /// Fitting method. closed-form: Lloyd iterations with exact updates (--n-init, --max-iter
    /// and --tol apply to it only). gradient: gradient steps on the loss, started from the
    /// first k-means++ start of --seed. em: soft assignments with temperature --temperature.
    #[arg(long, value_enum, default_value_t = Method::ClosedForm)]
    method: Method,
    /// Decoder of --method gradient [default: tied].
    #[arg(long, value_enum)]
    decoder: Option<DecoderArg>,
    /// Assignment update of --method gradient [default: lloyd].
    #[arg(long, value_enum)]
    assignment: Option<AssignmentArg>,
    /// Optimiser of --method gradient [default: adam].
    #[arg(long, value_enum)]
    optimizer: Option<OptimizerArg>,
    /// Learning rate of the encoders and decoders for --method gradient [default: 0.01].
    #[arg(long, allow_negative_numbers = true)]
    learning_rate: Option<f64>,
    /// Step of the projected and mirror assignment updates, relative to the mean loss per
    /// point, for --method gradient [default: 1].
    #[arg(long, allow_negative_numbers = true)]
    assignment_learning_rate: Option<f64>,
    /// Limit on passes over the data for --method gradient [default: 5000].
    #[arg(long)]
    epochs: Option<usize>,
    /// Mini-batch size for --method gradient [default: all points].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Temperature τ of --method em, in squared units of the scaled data [default: the
    /// closed-form loss divided by the number of values, n·d].
    #[arg(long, allow_negative_numbers = true)]
    temperature: Option<f64>,
}

/// A method with its checked parameters, ready to run.
pub enum Plan {
    ClosedForm(ValidParams),
    Gradient {
        params: ValidReferenceParams,
        seed: u64,
    },
    Em {
        /// The closed-form parameters, which also estimate τ when it is not given.
        closed_form: ValidParams,
        temperature: Option<f64>,
    },
}

/// A fitted model, with what the chosen method adds to it.
pub struct Fitted {
    pub method: Method,
    pub model: TaeModel,
    /// The decoders `V_j` (`d × h` each) of a free-decoder model.
    pub decoders: Option<Vec<Mat<f64>>>,
    /// The temperature of an EM fit.
    pub temperature: Option<f64>,
    /// One line that names the method and its settings.
    pub description: String,
}

impl Fitted {
    /// Returns the option to raise when the fit stopped at its iteration limit.
    pub fn not_converged_hint(&self) -> &'static str {
        match self.method {
            Method::ClosedForm | Method::Em => "raise --max-iter",
            Method::Gradient => "raise --epochs",
        }
    }
}

/// Names the method options that were given but do not apply to `method`.
fn reject_unused(args: &MethodArgs) -> Result<(), CliError> {
    let gradient_only = [
        ("--decoder", args.decoder.is_some()),
        ("--assignment", args.assignment.is_some()),
        ("--optimizer", args.optimizer.is_some()),
        ("--learning-rate", args.learning_rate.is_some()),
        (
            "--assignment-learning-rate",
            args.assignment_learning_rate.is_some(),
        ),
        ("--epochs", args.epochs.is_some()),
        ("--batch-size", args.batch_size.is_some()),
    ];
    let em_only = [("--temperature", args.temperature.is_some())];
    let (unused, owner) = match args.method {
        Method::Gradient => (&em_only[..], "em"),
        Method::Em => (&gradient_only[..], "gradient"),
        Method::ClosedForm => {
            if let Some((name, _)) = em_only.iter().find(|(_, given)| *given) {
                return Err(applies_only(name, "em"));
            }
            (&gradient_only[..], "gradient")
        }
    };
    match unused.iter().find(|(_, given)| *given) {
        Some((name, _)) => Err(applies_only(name, owner)),
        None => Ok(()),
    }
}

fn applies_only(option: &str, method: &str) -> CliError {
    CliError::new(format!(
        "{option} applies to --method {method} only; remove it or add --method {method}"
    ))
}

impl Plan {
    /// Checks the options of the chosen method before any data is read.
    pub fn check(args: &FitArgs, closed_form: TaeParams) -> Result<Plan, CliError> {
        let options = &args.method;
        reject_unused(options)?;
        let closed_form = closed_form.check()?;
        match options.method {
            Method::ClosedForm => Ok(Plan::ClosedForm(closed_form)),
            Method::Gradient => {
                let params = ReferenceParams::new(args.clusters, args.latent_dim)
                    .lambda(args.lambda)
                    .decoder(match options.decoder {
                        None | Some(DecoderArg::Tied) => Decoder::Tied,
                        Some(DecoderArg::Free) => Decoder::Free,
                    })
                    .assignment(match options.assignment {
                        None | Some(AssignmentArg::Lloyd) => Assignment::Lloyd,
                        Some(AssignmentArg::Projected) => Assignment::Projected,
                        Some(AssignmentArg::Mirror) => Assignment::Mirror,
                    })
                    .optimizer(match options.optimizer {
                        None | Some(OptimizerArg::Adam) => Optimizer::Adam,
                        Some(OptimizerArg::Gd) => Optimizer::GradientDescent,
                    })
                    .learning_rate(options.learning_rate.unwrap_or(DEFAULT_LEARNING_RATE))
                    .assignment_learning_rate(
                        options
                            .assignment_learning_rate
                            .unwrap_or(DEFAULT_ASSIGNMENT_LEARNING_RATE),
                    )
                    .epochs(options.epochs.unwrap_or(DEFAULT_EPOCHS))
                    .batch_size(options.batch_size)
                    .seed(args.seed)
                    .check()?;
                Ok(Plan::Gradient {
                    params,
                    seed: args.seed,
                })
            }
            Method::Em => {
                if args.lambda == 0.0 {
                    return Err(CliError::new(
                        "--method em needs --lambda > 0: at lambda = 0 the covariance of each mixture component is singular; use --method closed-form for k-flats",
                    ));
                }
                if let Some(temperature) = options.temperature {
                    EmParams::new(args.clusters, args.latent_dim)
                        .lambda(args.lambda)
                        .temperature(temperature)
                        .check()?;
                }
                Ok(Plan::Em {
                    closed_form,
                    temperature: options.temperature,
                })
            }
        }
    }

    /// Runs the method on the scaled data.
    pub fn fit(&self, x: MatRef<'_, f64>) -> Result<Fitted, CliError> {
        match self {
            Plan::ClosedForm(params) => Ok(Fitted {
                method: Method::ClosedForm,
                model: params.fit(x)?,
                decoders: None,
                temperature: None,
                description: format!("method = closed-form, restarts = {}", params.n_init()),
            }),
            Plan::Gradient { params, seed } => fit_gradient(params, *seed, x),
            Plan::Em {
                closed_form,
                temperature,
            } => fit_em(closed_form, *temperature, x),
        }
    }
}

fn fit_gradient(
    params: &ValidReferenceParams,
    seed: u64,
    x: MatRef<'_, f64>,
) -> Result<Fitted, CliError> {
    let start = tae::params::kmeans_plus_plus_labels(x, params.n_clusters(), seed)?;
    let fit = params.fit(&tae::data::to_nalgebra(x), &start)?;

    let to_faer = |m: &nalgebra::DMatrix<f64>| tae::data::from_nalgebra(m);
    let summary = FitSummary {
        labels: fit.labels().to_vec(),
        cluster_sizes: cluster_sizes(fit.labels(), params.n_clusters()),
        loss: fit.loss(),
        n_iter: fit.epochs_run(),
        converged: fit.converged(),
        ..FitSummary::default()
    };
    let bases = fit.encoders().iter().map(to_faer).collect();
    let model = TaeModel::from_parts(to_faer(fit.centers()), bases, params.lambda(), summary)?;
    let decoders = match params.decoder() {
        Decoder::Tied => None,
        Decoder::Free | Decoder::Unconstrained => {
            Some(fit.decoders().iter().map(to_faer).collect())
        }
    };
    let description = format!(
        "method = gradient, decoder = {}, assignment = {}, optimizer = {}, learning rate = {}, epochs run = {}",
        decoder_name(params.decoder()),
        assignment_name(params.assignment()),
        match params.optimizer() {
            Optimizer::GradientDescent => "gd",
            Optimizer::Adam => "adam",
        },
        params.learning_rate(),
        fit.epochs_run()
    );
    Ok(Fitted {
        method: Method::Gradient,
        model,
        decoders,
        temperature: None,
        description,
    })
}

fn fit_em(
    closed_form: &ValidParams,
    temperature: Option<f64>,
    x: MatRef<'_, f64>,
) -> Result<Fitted, CliError> {
    let (n_points, dim) = x.shape();
    let temperature = match temperature {
        Some(temperature) => temperature,
        None => {
            // With the hard assignments of the closed-form fit, the log-likelihood
            // −(nd/2) log τ − L/(2τ) + const is largest at τ = L/(nd).
            let loss = closed_form.fit(x)?.loss();
            let estimate = loss / (n_points * dim) as f64;
            if estimate <= 0.0 || !estimate.is_finite() {
                return Err(CliError::new(format!(
                    "cannot estimate the EM temperature: the closed-form loss is {loss}; pass --temperature"
                )));
            }
            estimate
        }
    };
    let fit = EmParams::new(closed_form.n_clusters(), closed_form.latent_dim())
        .lambda(closed_form.lambda())
        .temperature(temperature)
        .seed(closed_form.seed())
        .check()?
        .fit(x)?;

    let labels = fit.labels();
    let parts = TaeModel::from_parts(
        fit.centers().to_owned(),
        fit.bases().to_vec(),
        closed_form.lambda(),
        FitSummary::default(),
    )?;
    // The loss Σ_i Σ_j P_ij ℓ_j(x_i) at the final responsibilities.
    let losses = parts.losses(x)?;
    let responsibilities = fit.responsibilities();
    let loss = (0..n_points)
        .map(|i| {
            (0..closed_form.n_clusters())
                .map(|j| responsibilities[(i, j)] * losses[(i, j)])
                .sum::<f64>()
        })
        .sum();
    let summary = FitSummary {
        cluster_sizes: cluster_sizes(&labels, closed_form.n_clusters()),
        labels,
        loss,
        n_iter: fit.n_iter(),
        converged: fit.converged(),
        ..FitSummary::default()
    };
    let model = TaeModel::from_parts(
        fit.centers().to_owned(),
        fit.bases().to_vec(),
        closed_form.lambda(),
        summary,
    )?;
    Ok(Fitted {
        method: Method::Em,
        model,
        decoders: None,
        temperature: Some(temperature),
        description: format!("method = em, temperature = {temperature:e}"),
    })
}

fn cluster_sizes(labels: &[usize], n_clusters: usize) -> Vec<usize> {
    let mut sizes = vec![0; n_clusters];
    for &label in labels {
        sizes[label] += 1;
    }
    sizes
}

/// Returns the model-file name of a decoder model.
pub fn decoder_name(decoder: Decoder) -> &'static str {
    match decoder {
        Decoder::Tied => "tied",
        Decoder::Free => "free",
        Decoder::Unconstrained => "unconstrained",
    }
}

fn assignment_name(assignment: Assignment) -> &'static str {
    match assignment {
        Assignment::Lloyd => "lloyd",
        Assignment::Projected => "projected",
        Assignment::Mirror => "mirror",
    }
}

/// Copies the model's parts into nalgebra for the free-decoder loss.
fn free_losses(
    model: &TaeModel,
    decoders: &[Mat<f64>],
    x: MatRef<'_, f64>,
) -> Result<nalgebra::DMatrix<f64>, CliError> {
    let encoders: Vec<_> = model
        .bases()
        .iter()
        .map(|w| tae::data::to_nalgebra(w.as_ref()))
        .collect();
    let decoders: Vec<_> = decoders
        .iter()
        .map(|v| tae::data::to_nalgebra(v.as_ref()))
        .collect();
    Ok(tae::reference::point_losses(
        &tae::data::to_nalgebra(x),
        &tae::data::to_nalgebra(model.centers()),
        &encoders,
        &decoders,
        model.lambda(),
    )?)
}

/// Predicts clusters: the argmin of the loss (ties to the lowest index), with the model's own
/// decoders when it has them.
pub fn predict(
    model: &TaeModel,
    decoders: Option<&[Mat<f64>]>,
    x: MatRef<'_, f64>,
) -> Result<Vec<usize>, CliError> {
    let Some(decoders) = decoders else {
        return Ok(model.predict(x)?);
    };
    let losses = free_losses(model, decoders, x)?;
    Ok((0..losses.nrows())
        .map(|i| {
            let row = losses.row(i);
            (1..row.len()).fold(0, |best, j| if row[j] < row[best] { j } else { best })
        })
        .collect())
}

/// Reconstructs points in their predicted cluster: `c_j + V_j W_j (x − c_j)`, with
/// `V_j = W_jᵀ` for tied models.
pub fn reconstruct(
    model: &TaeModel,
    decoders: Option<&[Mat<f64>]>,
    x: MatRef<'_, f64>,
) -> Result<Mat<f64>, CliError> {
    let Some(decoders) = decoders else {
        return Ok(model.reconstruct(x)?);
    };
    let labels = predict(model, Some(decoders), x)?;
    let (n_points, dim) = x.shape();
    let mut out = Mat::zeros(n_points, dim);
    for (i, &j) in labels.iter().enumerate() {
        let center = model.centers().row(j);
        let encoder = &model.bases()[j];
        let decoder = &decoders[j];
        let code: Vec<f64> = (0..encoder.nrows())
            .map(|k| {
                (0..dim)
                    .map(|c| encoder[(k, c)] * (x[(i, c)] - center[c]))
                    .sum()
            })
            .collect();
        for c in 0..dim {
            out[(i, c)] = center[c]
                + (0..code.len())
                    .map(|k| decoder[(c, k)] * code[k])
                    .sum::<f64>();
        }
    }
    Ok(out)
}
