//! The crate's single error type.
//!
//! Every fallible entry point returns [`Error`]. Each variant carries the value that was rejected
//! and, for data, where it sits (row and column, or file line and column), so that the message can
//! say what failed, on which value, and what to do next.

use std::fmt;
use std::path::PathBuf;

/// Convenience alias for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `tae`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The data has no points or no columns.
    EmptyData {
        /// Number of points (rows).
        n_points: usize,
        /// Number of dimensions (columns).
        dim: usize,
    },
    /// Fewer points than clusters.
    TooFewPoints {
        /// Number of points in the data.
        n_points: usize,
        /// Requested number of clusters.
        n_clusters: usize,
    },
    /// The number of clusters is zero.
    InvalidClusterCount {
        /// The rejected value.
        n_clusters: usize,
    },
    /// The latent dimension is zero or larger than the data dimension.
    InvalidLatentDim {
        /// The rejected latent dimension `h`.
        latent_dim: usize,
        /// The data dimension `d` (0 when not known yet).
        dim: usize,
    },
    /// λ is negative, NaN, or above 1.
    InvalidLambda {
        /// The rejected value.
        lambda: f64,
    },
    /// The number of restarts is zero.
    InvalidRestartCount {
        /// The rejected value.
        n_init: usize,
    },
    /// The iteration limit is zero.
    InvalidMaxIter {
        /// The rejected value.
        max_iter: usize,
    },
    /// The EM temperature τ is not a finite positive number.
    InvalidTemperature {
        /// The rejected value.
        temperature: f64,
    },
    /// The tolerance is negative or not finite.
    InvalidTolerance {
        /// The rejected value.
        tol: f64,
    },
    /// A learning rate of the gradient-trained reference is not a finite positive number.
    InvalidLearningRate {
        /// Name of the rate: "learning rate" or "assignment learning rate".
        parameter: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// The number of training epochs is zero.
    InvalidEpochs {
        /// The rejected value.
        epochs: usize,
    },
    /// A mini-batch size of zero, or larger than the data.
    InvalidBatchSize {
        /// The rejected value.
        batch_size: usize,
        /// Number of points in the data (0 when not known yet).
        n_points: usize,
    },
    /// Initial labels that give a cluster no point, so its center cannot start at a mean.
    EmptyInitialCluster {
        /// The cluster without points.
        cluster: usize,
        /// Number of clusters.
        n_clusters: usize,
    },
    /// Gradient training produced a NaN or infinite loss.
    TrainingDiverged {
        /// The epoch (1-based) at whose end the loss was not finite.
        epoch: usize,
        /// The loss found.
        loss: f64,
        /// The learning rate in use.
        learning_rate: f64,
    },
    /// A NaN or infinite value in the input data.
    NonFiniteValue {
        /// 0-based row (point) index.
        row: usize,
        /// 0-based column index.
        column: usize,
        /// The value found.
        value: f64,
    },
    /// A value so large in magnitude that squared distances would overflow `f64`.
    ValueTooLarge {
        /// 0-based row (point) index.
        row: usize,
        /// 0-based column index.
        column: usize,
        /// The value found.
        value: f64,
        /// The largest magnitude accepted.
        limit: f64,
    },
    /// Data of one dimension given to something built for another.
    DimensionMismatch {
        /// The dimension that was expected.
        expected: usize,
        /// The dimension that was found.
        found: usize,
    },
    /// Two sequences that must have the same length do not.
    LengthMismatch {
        /// What the sequences are, e.g. "initial labels" or "true labels".
        what: &'static str,
        /// The expected length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A label outside `0..n_clusters`.
    LabelOutOfRange {
        /// 0-based position of the label.
        index: usize,
        /// The label found.
        label: usize,
        /// Number of clusters.
        n_clusters: usize,
    },
    /// A fitted model whose parts have inconsistent shapes or values, e.g. one read from a file.
    InvalidModel {
        /// What is wrong with it.
        reason: String,
    },
    /// faer's eigen or singular value decomposition did not converge.
    DecompositionFailed {
        /// Which decomposition: "self-adjoint eigendecomposition" or "thin SVD".
        decomposition: &'static str,
        /// The cluster whose scatter matrix was being decomposed (`None` for a global one).
        cluster: Option<usize>,
        /// The Lloyd iteration (0 for the first update).
        iteration: usize,
    },
    /// A column cannot be scaled because its scale is zero (all values equal, or all zero).
    ZeroScale {
        /// Name of the column.
        column: String,
        /// The scaling method, "max" or "zscore".
        method: &'static str,
    },
    /// Reading or writing a file failed at the operating-system level.
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV file could not be parsed.
    Csv {
        /// The file (empty for in-memory text).
        path: PathBuf,
        /// 1-based line number in the file (the header is line 1).
        line: usize,
        /// What went wrong on that line.
        kind: CsvErrorKind,
    },
    /// A requested column is not in the data.
    MissingColumn {
        /// The requested name.
        name: String,
        /// The columns that are available.
        available: Vec<String>,
    },
    /// A `.npy` file that is corrupt or uses a layout this reader does not support.
    Npy {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A matrix argument that lacks the structure the computation needs (square, symmetric,
    /// positive semidefinite, orthonormal rows).
    InvalidMatrix {
        /// Which argument, e.g. "scatter matrix" or "first basis".
        what: &'static str,
        /// The structure that is missing, with the offending value.
        kind: MatrixErrorKind,
    },
    /// A numerical setting outside its valid range, e.g. a step size or a grid size.
    InvalidSetting {
        /// The setting's name as it appears in the API.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// The valid range, e.g. "a finite number > 0".
        expected: &'static str,
    },
    /// An IDX file (the format of MNIST) that is corrupt, truncated or of the wrong kind.
    Idx {
        /// The file.
        path: PathBuf,
        /// The problem found in the file.
        kind: IdxErrorKind,
    },
    /// An IDX image file and label file that hold different numbers of items.
    IdxCountMismatch {
        /// The image file.
        images: PathBuf,
        /// Number of images in it.
        n_images: usize,
        /// The label file.
        labels: PathBuf,
        /// Number of labels in it.
        n_labels: usize,
    },
    /// None of the accepted names of a data file exists in a folder.
    DataFileNotFound {
        /// The folder searched.
        folder: PathBuf,
        /// The file names tried, in order.
        names: Vec<String>,
    },
    /// An eigen or singular value decomposition in an analysis routine did not converge.
    DecompositionNotConverged {
        /// Which decomposition: "self-adjoint eigendecomposition" or "thin SVD".
        decomposition: &'static str,
        /// The matrix that was decomposed, e.g. "the scatter matrix of a cluster".
        matrix: &'static str,
    },
}

/// The structure a matrix argument lacks.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MatrixErrorKind {
    /// The matrix is not square.
    NotSquare {
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        cols: usize,
    },
    /// The matrix differs from its transpose by more than the tolerance.
    NotSymmetric {
        /// 0-based row of the entry with the largest asymmetry.
        row: usize,
        /// 0-based column of that entry.
        column: usize,
        /// `|M[row, column] − M[column, row]|`.
        deviation: f64,
    },
    /// The matrix has an eigenvalue below zero by more than the tolerance.
    NotPositiveSemidefinite {
        /// The smallest eigenvalue.
        eigenvalue: f64,
    },
    /// The matrix has the wrong shape.
    WrongShape {
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        cols: usize,
        /// The required number of rows.
        expected_rows: usize,
        /// The required number of columns.
        expected_cols: usize,
    },
    /// The rows are not orthonormal: `M Mᵀ` differs from the identity.
    NotOrthonormalRows {
        /// `max |M Mᵀ − I|` over the entries.
        deviation: f64,
        /// The largest deviation accepted.
        tolerance: f64,
    },
}

/// Problem found in an IDX file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum IdxErrorKind {
    /// The magic number is not the one of the expected kind of file.
    BadMagic {
        /// The magic number found in the first four bytes.
        found: u32,
        /// The magic number required: `0x00000803` for images, `0x00000801` for labels.
        expected: u32,
    },
    /// The file is shorter than its header announces.
    Truncated {
        /// Bytes required by the header (after decompression).
        expected_bytes: u128,
        /// Bytes found.
        found_bytes: u128,
    },
    /// Bytes follow the last item that the header announces.
    TrailingBytes {
        /// Bytes required by the header (after decompression).
        expected_bytes: u128,
        /// Bytes found.
        found_bytes: u128,
    },
    /// The gzip stream cannot be decompressed.
    Gzip {
        /// The decompressor's message.
        reason: String,
    },
    /// A class has fewer items than requested.
    TooFewInClass {
        /// The class label.
        class: usize,
        /// Items of that class in the file.
        found: usize,
        /// Items requested per class.
        requested: usize,
    },
}

/// What went wrong on one line of a CSV file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CsvErrorKind {
    /// The file has no header line.
    MissingHeader,
    /// A row with a different number of fields than the header.
    RaggedRow {
        /// Fields in the header.
        expected: usize,
        /// Fields on this line.
        found: usize,
    },
    /// A number that is infinite or too large for `f64`, such as `inf` or `1e999`.
    NonFinite {
        /// 1-based column number.
        column: usize,
        /// Column name from the header.
        name: String,
        /// The text found.
        value: String,
    },
    /// A field that does not parse as a number.
    NotNumeric {
        /// 1-based column number.
        column: usize,
        /// Column name from the header.
        name: String,
        /// The text found.
        value: String,
    },
    /// A missing value (`NA` or empty) where a number was required.
    MissingValue {
        /// 1-based column number.
        column: usize,
        /// Column name from the header.
        name: String,
    },
    /// A quoted field that is not closed before the end of the file.
    UnclosedQuote,
    /// A header that names the same column twice.
    DuplicateColumn {
        /// The repeated name.
        name: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyData { n_points, dim } => write!(
                f,
                "empty data: {n_points} points with {dim} columns; at least one point with one column is required"
            ),
            Error::TooFewPoints { n_points, n_clusters } => write!(
                f,
                "too few points: {n_points} points for {n_clusters} clusters; use at most {n_points} clusters or more data"
            ),
            Error::InvalidClusterCount { n_clusters } => write!(
                f,
                "invalid number of clusters {n_clusters}: it must be at least 1"
            ),
            Error::InvalidLatentDim { latent_dim, dim } => {
                if *dim == 0 {
                    write!(f, "invalid latent dimension {latent_dim}: it must be at least 1")
                } else {
                    write!(
                        f,
                        "invalid latent dimension {latent_dim} for data of dimension {dim}: it must be between 1 and {dim}"
                    )
                }
            }
            Error::InvalidLambda { lambda } => {
                if *lambda > 1.0 {
                    write!(
                        f,
                        "invalid lambda {lambda}: it must lie in [0, 1]; above 1 the optimal bases would be the bottom eigenvectors of each scatter matrix, not the top ones"
                    )
                } else {
                    write!(f, "invalid lambda {lambda}: it must be a number in [0, 1]")
                }
            }
            Error::InvalidRestartCount { n_init } => write!(
                f,
                "invalid number of restarts {n_init}: it must be at least 1"
            ),
            Error::InvalidMaxIter { max_iter } => write!(
                f,
                "invalid iteration limit {max_iter}: it must be at least 1"
            ),
            Error::InvalidTemperature { temperature } => write!(
                f,
                "invalid temperature {temperature}: it must be a finite number > 0, on the scale of the squared data"
            ),
            Error::InvalidTolerance { tol } => write!(
                f,
                "invalid tolerance {tol}: it must be a finite number >= 0"
            ),
            Error::InvalidLearningRate { parameter, value } => write!(
                f,
                "invalid {parameter} {value}: it must be a finite number > 0"
            ),
            Error::InvalidEpochs { epochs } => write!(
                f,
                "invalid number of epochs {epochs}: it must be at least 1"
            ),
            Error::InvalidBatchSize { batch_size, n_points } => {
                if *n_points == 0 {
                    write!(
                        f,
                        "invalid batch size {batch_size}: it must be at least 1; leave it unset for full-batch training"
                    )
                } else {
                    write!(
                        f,
                        "invalid batch size {batch_size} for {n_points} points: it must be between 1 and {n_points}; leave it unset for full-batch training"
                    )
                }
            }
            Error::EmptyInitialCluster { cluster, n_clusters } => write!(
                f,
                "the initial labels give cluster {cluster} no point; every cluster in 0..{n_clusters} needs at least one point to start from"
            ),
            Error::TrainingDiverged { epoch, loss, learning_rate } => write!(
                f,
                "gradient training diverged: the loss became {loss} at epoch {epoch}; lower the learning rate (now {learning_rate})"
            ),
            Error::NonFiniteValue { row, column, value } => write!(
                f,
                "non-finite value {value} at row {row}, column {column} (both 0-based); remove or impute it"
            ),
            Error::ValueTooLarge { row, column, value, limit } => write!(
                f,
                "value {value:e} at row {row}, column {column} (both 0-based) is too large: magnitudes above {limit:e} make squared distances overflow; rescale the data"
            ),
            Error::DimensionMismatch { expected, found } => write!(
                f,
                "dimension mismatch: expected data with {expected} columns, found {found}"
            ),
            Error::LengthMismatch { what, expected, found } => write!(
                f,
                "{what} has length {found}, expected {expected}"
            ),
            Error::LabelOutOfRange { index, label, n_clusters } => write!(
                f,
                "label {label} at position {index} is out of range: labels must lie in 0..{n_clusters}"
            ),
            Error::InvalidModel { reason } => write!(f, "invalid model: {reason}"),
            Error::DecompositionFailed { decomposition, cluster, iteration } => {
                match cluster {
                    Some(j) => write!(
                        f,
                        "{decomposition} of the scatter matrix of cluster {j} did not converge at Lloyd iteration {iteration}"
                    )?,
                    None => write!(f, "{decomposition} of the total scatter matrix did not converge")?,
                }
                write!(f, "; check the data for extreme magnitudes or rescale it")
            }
            Error::ZeroScale { column, method } => write!(
                f,
                "cannot apply {method} scaling to column '{column}': its scale is zero; drop the column or use another scaling"
            ),
            Error::Io { path, source } => {
                write!(f, "I/O error on '{}': {source}", path.display())
            }
            Error::Csv { path, line, kind } => {
                if path.as_os_str().is_empty() {
                    write!(f, "CSV error on line {line}: ")?;
                } else {
                    write!(f, "CSV error in '{}' on line {line}: ", path.display())?;
                }
                match kind {
                    CsvErrorKind::MissingHeader => write!(f, "no header line; the first line must name the columns"),
                    CsvErrorKind::RaggedRow { expected, found } => write!(
                        f,
                        "found {found} field{}, expected {expected} as in the header",
                        if *found == 1 { "" } else { "s" }
                    ),
                    CsvErrorKind::NonFinite { column, name, value } => write!(
                        f,
                        "value '{value}' in column {column} ('{name}') is infinite or too large for a 64-bit float; remove or impute it"
                    ),
                    CsvErrorKind::NotNumeric { column, name, value } => write!(
                        f,
                        "value '{value}' in column {column} ('{name}') is not a number; select numeric columns with --columns"
                    ),
                    CsvErrorKind::MissingValue { column, name } => write!(
                        f,
                        "missing value in column {column} ('{name}'); drop such rows with --drop-missing or impute them"
                    ),
                    CsvErrorKind::UnclosedQuote => write!(f, "a quoted field is not closed before the end of the file"),
                    CsvErrorKind::DuplicateColumn { name } => write!(f, "the header names column '{name}' twice"),
                }
            }
            Error::MissingColumn { name, available } => write!(
                f,
                "column '{name}' not found; available columns: {}",
                available.join(", ")
            ),
            Error::Npy { path, reason } => {
                write!(f, "cannot read .npy file '{}': {reason}", path.display())
            }
            Error::InvalidMatrix { what, kind } => {
                write!(f, "invalid {what}: ")?;
                match kind {
                    MatrixErrorKind::NotSquare { rows, cols } => write!(
                        f,
                        "it is {rows} × {cols}, but a square matrix is required"
                    ),
                    MatrixErrorKind::NotSymmetric { row, column, deviation } => write!(
                        f,
                        "it is not symmetric: entries ({row}, {column}) and ({column}, {row}) differ by {deviation:e}; pass a symmetric matrix such as (M + Mᵀ)/2"
                    ),
                    MatrixErrorKind::NotPositiveSemidefinite { eigenvalue } => write!(
                        f,
                        "it is not positive semidefinite: its smallest eigenvalue is {eigenvalue:e}; pass a scatter or covariance matrix"
                    ),
                    MatrixErrorKind::WrongShape { rows, cols, expected_rows, expected_cols } => write!(
                        f,
                        "it is {rows} × {cols}, but {expected_rows} × {expected_cols} is required"
                    ),
                    MatrixErrorKind::NotOrthonormalRows { deviation, tolerance } => write!(
                        f,
                        "its rows are not orthonormal: max |M Mᵀ − I| = {deviation:e} exceeds {tolerance:e}; orthonormalise them first, e.g. with a QR decomposition of the transpose"
                    ),
                }
            }
            Error::InvalidSetting { name, value, expected } => write!(
                f,
                "invalid {name} {value}: it must be {expected}"
            ),
            Error::Idx { path, kind } => {
                write!(f, "cannot read IDX file '{}': ", path.display())?;
                fmt_idx_kind(f, kind)
            }
            Error::IdxCountMismatch { images, n_images, labels, n_labels } => write!(
                f,
                "image file '{}' holds {n_images} images but label file '{}' holds {n_labels} labels; use the label file that belongs to the image file",
                images.display(),
                labels.display()
            ),
            Error::DataFileNotFound { folder, names } => write!(
                f,
                "no file named {} in '{}'; put the file there or choose another folder",
                names.join(" or "),
                folder.display()
            ),
            Error::DecompositionNotConverged { decomposition, matrix } => write!(
                f,
                "{decomposition} of {matrix} did not converge; check the input for extreme magnitudes or rescale it"
            ),
        }
    }
}

fn fmt_idx_kind(f: &mut fmt::Formatter<'_>, kind: &IdxErrorKind) -> fmt::Result {
    match kind {
        IdxErrorKind::BadMagic { found, expected } => {
            let what = if *expected == 0x0000_0801 { "label" } else { "image" };
            write!(
                f,
                "magic number 0x{found:08x} is not 0x{expected:08x}, so this is not an IDX {what} file; pass a file such as t10k-{}-ubyte.gz",
                if what == "label" { "labels-idx1" } else { "images-idx3" }
            )
        }
        IdxErrorKind::Truncated { expected_bytes, found_bytes } => write!(
            f,
            "the header announces {expected_bytes} bytes but the file holds {found_bytes}; the file is truncated, so download it again"
        ),
        IdxErrorKind::TrailingBytes { expected_bytes, found_bytes } => write!(
            f,
            "the header announces {expected_bytes} bytes but the file holds {found_bytes}; the file is corrupt or not an IDX file"
        ),
        IdxErrorKind::Gzip { reason } => write!(
            f,
            "the gzip data is corrupt or truncated ({reason}); download the file again"
        ),
        IdxErrorKind::TooFewInClass { class, found, requested } => write!(
            f,
            "class {class} has {found} items but {requested} were requested; request at most {found} per class"
        ),
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
