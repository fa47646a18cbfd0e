//! `tae fit`, `tae predict` and `tae reconstruct`.

use std::io::Write;
use std::path::Path;

use faer::Mat;
use tae::io::{read_table, ReadOptions, Table};
use tae::scaling::Scaler;
use tae::{TaeModel, TaeParams};

use super::methods::{self, Fitted, Plan};
use super::model_file::ModelFile;
use super::output;
use super::{ApplyArgs, CliError, FitArgs, InputArgs};

/// Reads the input file with the given column selection.
fn read_input(input: &InputArgs, columns: Option<&[String]>) -> Result<Table, CliError> {
    let mut options = ReadOptions::new().drop_missing(input.drop_missing);
    if let Some(columns) = columns {
        if let Some(repeated) = columns
            .iter()
            .enumerate()
            .find(|(i, name)| columns[..*i].contains(name))
        {
            return Err(CliError::new(format!(
                "column '{}' is selected twice; name each column once",
                repeated.1
            )));
        }
        options = options.columns(columns.iter().cloned());
    }
    read_table(&input.data, &options).map_err(|error| match error {
        // The library cannot know the file or the command-line option; add both.
        tae::Error::NonFiniteValue { .. } => CliError::new(format!(
            "in '{}': {error}; --drop-missing drops rows with NaN",
            input.data.display()
        )),
        other => other.into(),
    })
}

/// Formats a number plainly when that is short, and in scientific notation otherwise.
fn format_number(value: f64) -> String {
    if value == 0.0 || (1e-3..1e7).contains(&value.abs()) {
        format!("{}", (value * 1e6).round() / 1e6)
    } else {
        format!("{value:.6e}")
    }
}

/// Applies `scaler` to a copy of the table's values and returns them as a matrix.
fn scaled_matrix(table: &Table, scaler: &Scaler) -> Result<Mat<f64>, CliError> {
    let mut values = table.values().to_vec();
    scaler.transform(&mut values, table.n_rows(), table.n_cols())?;
    let view = tae::data::from_row_major(&values, table.n_rows(), table.n_cols())?;
    Ok(view.to_owned())
}

pub fn fit(args: &FitArgs) -> Result<(), CliError> {
    let outputs: Vec<&Path> = [&args.labels_out, &args.model_out]
        .into_iter()
        .flatten()
        .map(|p| p.as_path())
        .collect();
    output::check_distinct(&outputs, &[args.input.data.as_path()])?;
    for path in &outputs {
        output::check_writable(path, args.force)?;
    }
    let params = TaeParams::new(args.clusters, args.latent_dim)
        .lambda(args.lambda)
        .n_init(args.n_init)
        .max_iter(args.max_iter)
        .tol(args.tol)
        .seed(args.seed);
    let plan = Plan::check(args, params)?;

    let table = read_input(&args.input, args.columns.as_deref())?;
    let scaler = Scaler::fit(
        table.values(),
        table.n_rows(),
        table.n_cols(),
        table.columns(),
        args.scale,
    )?;
    let x = scaled_matrix(&table, &scaler)?;
    let fitted = plan.fit(x.as_ref())?;
    let model = &fitted.model;

    print_summary(&fitted, &table, args)?;
    if let Some(path) = &args.labels_out {
        write_labels(Some(path), args.force, table.row_indices(), model.labels())?;
    }
    if let Some(path) = &args.model_out {
        let mut file = ModelFile::new(model, table.columns(), &scaler, args.n_init, args.seed);
        file.record_method(&fitted);
        let mut writer = output::create(path, args.force)?;
        let io_failed = |e: std::io::Error| tae::Error::Io {
            path: path.to_path_buf(),
            source: e,
        };
        serde_json::to_writer_pretty(&mut writer, &file).map_err(|e| {
            CliError::new(format!("cannot write model to '{}': {e}", path.display()))
        })?;
        writeln!(writer).map_err(io_failed)?;
        writer.flush().map_err(io_failed)?;
    }
    Ok(())
}

fn print_summary(fitted: &Fitted, table: &Table, args: &FitArgs) -> Result<(), CliError> {
    let model = &fitted.model;
    let sizes: Vec<String> = model
        .cluster_sizes()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut out = std::io::stdout().lock();
    let lines = [
        format!("data: {}", args.input.data.display()),
        format!("columns: {}", table.columns().join(", ")),
        format!(
            "n = {}, d = {}, K = {}, h = {}, lambda = {}, scaling = {}",
            table.n_rows(),
            table.n_cols(),
            model.n_clusters(),
            model.latent_dim(),
            format_number(model.lambda()),
            args.scale
        ),
        fitted.description.clone(),
        format!(
            "loss = {}, iterations = {}, converged = {}{}",
            format_number(model.loss()),
            model.n_iter(),
            if model.converged() {
                "yes".to_string()
            } else {
                format!("no ({})", fitted.not_converged_hint())
            },
            if model.reseeded() {
                ", an empty cluster was re-seeded"
            } else {
                ""
            }
        ),
        format!("cluster sizes: {}", sizes.join(", ")),
    ];
    for line in lines {
        writeln!(out, "{line}").map_err(CliError::stdout)?;
    }
    Ok(())
}

fn write_labels(
    path: Option<&Path>,
    force: bool,
    rows: &[usize],
    labels: &[usize],
) -> Result<(), CliError> {
    let header = ["row".to_string(), "cluster".to_string()];
    let records = rows
        .iter()
        .zip(labels)
        .map(|(row, label)| vec![row.to_string(), label.to_string()]);
    output::write_csv(path, force, &header, records)
}

/// A saved model ready to apply, with the decoders of a free-decoder model.
struct Loaded {
    scaler: Scaler,
    model: TaeModel,
    decoders: Option<Vec<Mat<f64>>>,
    table: Table,
    x: Mat<f64>,
}

/// Reads the model, then the data with the model's columns, and scales it as at fit time.
fn load_for_apply(args: &ApplyArgs) -> Result<Loaded, CliError> {
    if let Some(path) = &args.out {
        output::check_distinct(&[path], &[args.input.data.as_path(), args.model.as_path()])?;
        output::check_writable(path, args.force)?;
    }
    let file = ModelFile::read(&args.model)?;
    let (scaler, model) = file.to_parts(&args.model)?;
    let decoders = file.decoder_parts(&args.model)?;

    // Columns are matched by name. A .npy file names its columns x0, x1, …; when those names do
    // not cover the model's columns (a model fitted on a CSV file), its columns are used in
    // order, provided there are exactly as many.
    let is_npy = args
        .input
        .data
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let table = if is_npy {
        let all = read_input(&args.input, None)?;
        if file.columns.iter().all(|c| all.columns().contains(c)) {
            read_input(&args.input, Some(&file.columns))?
        } else {
            all
        }
    } else {
        read_input(&args.input, Some(&file.columns))?
    };
    if table.n_cols() != model.dim() {
        return Err(CliError::new(format!(
            "'{}' has {} columns ({}), but the model needs {} columns ({}); pass data with the model's columns",
            args.input.data.display(),
            table.n_cols(),
            table.columns().join(", "),
            model.dim(),
            file.columns.join(", ")
        )));
    }
    let x = scaled_matrix(&table, &scaler)?;
    Ok(Loaded {
        scaler,
        model,
        decoders,
        table,
        x,
    })
}

pub fn predict(args: &ApplyArgs) -> Result<(), CliError> {
    let Loaded {
        model,
        decoders,
        table,
        x,
        ..
    } = load_for_apply(args)?;
    let labels = methods::predict(&model, decoders.as_deref(), x.as_ref())?;
    write_labels(
        args.out.as_deref(),
        args.force,
        table.row_indices(),
        &labels,
    )
}

pub fn reconstruct(args: &ApplyArgs) -> Result<(), CliError> {
    let Loaded {
        scaler,
        model,
        decoders,
        table,
        x,
    } = load_for_apply(args)?;
    let reconstructed = methods::reconstruct(&model, decoders.as_deref(), x.as_ref())?;

    // Back to the data's own units, row-major as the scaler expects.
    let (n, d) = reconstructed.shape();
    let mut values: Vec<f64> = (0..n)
        .flat_map(|i| (0..d).map(move |c| (i, c)))
        .map(|(i, c)| reconstructed[(i, c)])
        .collect();
    scaler.inverse_transform(&mut values, n, d)?;

    let mut header = vec!["row".to_string()];
    header.extend(table.columns().iter().cloned());
    let rows = table.row_indices().iter().enumerate().map(|(i, row)| {
        let mut record = vec![row.to_string()];
        record.extend(values[i * d..(i + 1) * d].iter().map(|v| format!("{v}")));
        record
    });
    output::write_csv(args.out.as_deref(), args.force, &header, rows)
}
