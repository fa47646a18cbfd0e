//! Output files: never overwritten unless the user passes `--force`.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::CliError;

/// Fails early, before any work, when `path` exists and `force` is off.
pub fn check_writable(path: &Path, force: bool) -> Result<(), CliError> {
    if !force && path.is_file() {
        return Err(already_exists(path));
    }
    Ok(())
}

/// Rejects an output path that is also an input or another output of the same command, even
/// with `--force`, because writing it would destroy data the command still needs or has just
/// written.
pub fn check_distinct(outputs: &[&Path], inputs: &[&Path]) -> Result<(), CliError> {
    // Canonical paths catch `./a.csv` against `a.csv`; a file that does not exist yet can only
    // clash with another output, compared as written.
    let key = |path: &Path| path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    for (i, output) in outputs.iter().enumerate() {
        for input in inputs {
            if key(output) == key(input) {
                return Err(CliError::new(format!(
                    "output file '{}' is also an input of this command; choose another output path",
                    output.display()
                )));
            }
        }
        for other in &outputs[..i] {
            if key(output) == key(other) {
                return Err(CliError::new(format!(
                    "two outputs of this command are both '{}'; give each output its own path",
                    output.display()
                )));
            }
        }
    }
    Ok(())
}

fn already_exists(path: &Path) -> CliError {
    CliError::new(format!(
        "output file '{}' already exists; pass --force to overwrite it or choose another path",
        path.display()
    ))
}

/// Opens `path` for writing; an existing file is replaced only when `force` is on.
pub fn create(path: &Path, force: bool) -> Result<BufWriter<File>, CliError> {
    let mut options = OpenOptions::new();
    options.write(true);
    // Devices such as /dev/null exist already but replace nothing.
    if force || (path.exists() && !path.is_file()) {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    match options.open(path) {
        Ok(file) => Ok(BufWriter::new(file)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(already_exists(path)),
        Err(e) => Err(tae::Error::Io {
            path: path.to_path_buf(),
            source: e,
        }
        .into()),
    }
}

/// Writes CSV rows to `path`, or to standard output when `path` is `None`.
pub fn write_csv(
    path: Option<&Path>,
    force: bool,
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<(), CliError> {
    let sink: Box<dyn Write> = match path {
        Some(path) => Box::new(create(path, force)?),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let shown = path.map_or_else(
        || "standard output".to_string(),
        |p| p.display().to_string(),
    );
    let failed = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) if path.is_none() => CliError::stdout(io),
        kind => CliError::new(format!("cannot write CSV to '{shown}': {kind:?}")),
    };
    let mut writer = csv::Writer::from_writer(sink);
    writer.write_record(header).map_err(failed)?;
    for row in rows {
        writer.write_record(&row).map_err(failed)?;
    }
    writer.flush().map_err(|e| match path {
        None => CliError::stdout(e),
        Some(_) => CliError::new(format!("cannot write CSV to '{shown}': {e}")),
    })
}
