//! The `tae` command-line tool: argument parsing, dispatch, and the error every command
//! reports as one line.

mod apply;
mod demo;
mod methods;
mod model_file;
mod output;
mod plot;
mod reproduce;
mod verify;

use std::fmt;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tae::scaling::Scaling;

/// Closed-form linear Tensorized Autoencoder: per-cluster PCA with a latent k-means term.
#[derive(Debug, Parser)]
#[command(name = "tae", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare k-means, PCA + k-means and the TAE on the embedded penguins data, and draw
    /// each cluster's principal direction against the global one.
    Demo(DemoArgs),
    /// Fit a TAE to a CSV or .npy file; print a summary, optionally write labels and model.
    Fit(FitArgs),
    /// Assign the rows of a data file to the clusters of a saved model.
    Predict(ApplyArgs),
    /// Project the rows of a data file onto the flats of their predicted clusters; the output is
    /// in the data's original units.
    Reconstruct(ApplyArgs),
    /// Check the numbered claims of the theory (C1 to C22) on planted mixtures; exits non-zero
    /// when a claim fails.
    Verify(VerifyArgs),
    /// Run the linear experiments of Esser et al. (AISTATS 2023), clustering and de-noising on
    /// toy, penguin, iris and optional MNIST-format data, and write report.md with tables and
    /// SVG figures.
    Reproduce(reproduce::ReproduceArgs),
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// Seed of the planted data.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Run one claim only, e.g. C9.
    #[arg(long, value_parser = parse_claim)]
    claim: Option<tae::verify::Claim>,
}

fn parse_claim(text: &str) -> Result<tae::verify::Claim, String> {
    text.parse()
        .map_err(|e: tae::verify::ParseClaimError| e.to_string())
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Where to write the SVG scatter plot [default: tae-demo-penguins.svg in the system
    /// temporary folder, replaced on each run].
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Overwrite the --plot file if it exists.
    #[arg(long)]
    force: bool,
    /// Seed of the k-means++ starts.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Options shared by the commands that read a data file.
#[derive(Debug, Args)]
struct InputArgs {
    /// Data file: CSV with a header line, or .npy (f64 or f32, C order; columns named x0, x1, …).
    #[arg(value_name = "DATA")]
    data: PathBuf,
    /// Drop rows with a missing value (NA, empty or NaN) in a used column instead of failing.
    #[arg(long)]
    drop_missing: bool,
}

#[derive(Debug, Args)]
struct FitArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Number of clusters K.
    #[arg(long, short = 'k', value_name = "K")]
    clusters: usize,
    /// Latent dimension h of each cluster's basis (1 ≤ h ≤ number of columns).
    #[arg(long, value_name = "H")]
    latent_dim: usize,
    /// Weight λ in [0, 1] of the latent distance to the center (1 is k-means, 0 is k-flats).
    #[arg(long, default_value_t = tae::params::DEFAULT_LAMBDA, allow_negative_numbers = true)]
    lambda: f64,
    /// Comma-separated column names to use [default: every column].
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    columns: Option<Vec<String>>,
    /// Column scaling before fitting: none, max (divide by the maximum absolute value) or
    /// zscore (subtract the mean, divide by the standard deviation).
    #[arg(long, default_value = "none", value_parser = parse_scaling)]
    scale: Scaling,
    /// Number of k-means++ restarts of the closed form; the lowest-loss one is kept.
    #[arg(long, default_value_t = tae::params::DEFAULT_N_INIT)]
    n_init: usize,
    /// Limit on Lloyd iterations per restart of the closed form.
    #[arg(long, default_value_t = tae::params::DEFAULT_MAX_ITER)]
    max_iter: usize,
    /// Stop a closed-form restart when the loss decreases by a relative amount below this.
    #[arg(long, default_value_t = tae::params::DEFAULT_TOL, allow_negative_numbers = true)]
    tol: f64,
    /// Seed of the k-means++ sampling (and of the encoder start and batch order of
    /// --method gradient).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    method: methods::MethodArgs,
    /// Write the cluster of each row as CSV with header `row,cluster` (row = 0-based data row
    /// of the input).
    #[arg(long, value_name = "FILE")]
    labels_out: Option<PathBuf>,
    /// Write the fitted model, its columns and scaling as JSON.
    #[arg(long, value_name = "FILE")]
    model_out: Option<PathBuf>,
    /// Overwrite output files that exist.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct ApplyArgs {
    /// Model file written by `tae fit --model-out`.
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Write the result to this CSV file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Overwrite the --out file if it exists.
    #[arg(long)]
    force: bool,
}

fn parse_scaling(text: &str) -> Result<Scaling, String> {
    text.parse::<Scaling>().map_err(|e| e.to_string())
}

/// A failure reported as one line on standard error.
#[derive(Debug)]
pub struct CliError {
    message: String,
    /// Whether the command line itself was malformed (exit status 2 rather than 1).
    usage: bool,
    /// Whether the reader of standard output went away, as `head` does; nothing is printed.
    broken_pipe: bool,
}

impl CliError {
    fn new(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            usage: false,
            broken_pipe: false,
        }
    }

    /// A failed write to standard output.
    fn stdout(error: std::io::Error) -> Self {
        CliError {
            broken_pipe: error.kind() == std::io::ErrorKind::BrokenPipe,
            ..CliError::new(format!("cannot write to standard output: {error}"))
        }
    }

    /// Whether the error should be reported at all: a closed pipe is not a failure of `tae`.
    pub fn is_silent(&self) -> bool {
        self.broken_pipe
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        if self.usage {
            2
        } else {
            1
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages must stay on one line, whatever the underlying error printed.
        f.write_str(&self.message.replace('\n', " "))
    }
}

impl From<tae::Error> for CliError {
    fn from(error: tae::Error) -> Self {
        CliError::new(error.to_string())
    }
}

/// Turns a clap parse failure into one line, keeping help and version output as they are.
fn usage_error(error: clap::Error) -> CliError {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit();
    }
    let rendered = error.render().to_string();
    let first = rendered
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("invalid command line")
        .trim_start_matches("error: ");
    CliError {
        usage: true,
        ..CliError::new(format!(
            "{first}; run `tae --help` or `tae COMMAND --help` for usage"
        ))
    }
}

/// Parses the command line and runs the chosen command.
pub fn run() -> Result<(), CliError> {
    let cli = Cli::try_parse().map_err(usage_error)?;
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Fit(args) => apply::fit(&args),
        Command::Predict(args) => apply::predict(&args),
        Command::Reconstruct(args) => apply::reconstruct(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Reproduce(args) => reproduce::run(&args),
    }
}
