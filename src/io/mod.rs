//! Reading numeric tables from CSV and NumPy `.npy` files, and images from IDX files.
//!
//! Every reader returns a [`Table`]: named columns of `f64` values in row-major order, together
//! with the index of each kept row among the data rows of the input. Rows dropped because of
//! missing values therefore leave gaps in [`Table::row_indices`], so labels or other per-row
//! data from the same file can still be matched to the kept rows.
//!
//! [`ReadOptions`] selects columns by name and decides whether a row with a missing value is an
//! error (the default) or is dropped. [`read_table`] picks the reader from the file extension.
//!
//! # CSV format
//!
//! - Fields are separated by commas. The first line is the header, which must name each column
//!   once. The text must be UTF-8, and a byte order mark at the start is skipped.
//! - Lines end with `\n` or `\r\n`. Blank lines at the end of the file are ignored. A blank line
//!   elsewhere is a record with one empty field, so it is reported as a ragged row, or as a
//!   missing value in a one-column file.
//! - A field may be enclosed in double quotes (RFC 4180). Inside quotes, `""` stands for one
//!   quote, and commas and newlines are part of the field. Text between the closing quote and the
//!   next comma is appended to the field, as Python's csv module does.
//! - Spaces and tabs around unquoted fields are trimmed. Numeric columns also ignore spaces
//!   inside quotes.
//! - In a selected column, a field that is empty, `NA`, or NaN in any letter case and sign
//!   (`NaN`, `nan`, `-nan`) is a missing value. Any other field must be a finite number in Rust's
//!   `f64` syntax, such as `1`, `-2.5`, `.5` or `1e-3`. `inf`, `infinity` and numbers too large
//!   for `f64` are rejected as not numeric. Columns that are not selected may contain any text.
//! - Errors give the 1-based line on which the record starts (the header is line 1), counting
//!   the newlines inside quoted fields. Column numbers in errors are 1-based header positions.
//!
//! # NumPy format
//!
//! [`read_npy`] reads format versions 1.0, 2.0 and 3.0 with dtype `f64` or `f32` in either byte
//! order, C order, and one or two dimensions. Columns are named `x0`, `x1`, …, and NaN is a
//! missing value.
//!
//! # IDX format
//!
//! [`read_idx_images`] and [`read_idx_labels`] read the image and label files of MNIST and
//! Fashion-MNIST, plain or gzip-compressed, and [`load_test_subset`] picks the first test images
//! of each class, with pixels scaled to [0, 1].
//!
//! ```
//! use tae::io::{parse_csv, ReadOptions};
//!
//! # fn main() -> tae::Result<()> {
//! let text = "species,bill_length_mm,bill_depth_mm\n\
//!             Adelie,39.1,18.7\n\
//!             Adelie,NA,NA\n\
//!             Gentoo,46.1,13.2\n";
//! let options = ReadOptions::new()
//!     .columns(["bill_length_mm", "bill_depth_mm"])
//!     .drop_missing(true);
//! let table = parse_csv(text, &options)?;
//!
//! assert_eq!(table.n_rows(), 2);
//! assert_eq!(table.n_cols(), 2);
//! assert_eq!(table.values(), &[39.1, 18.7, 46.1, 13.2]);
//! // The second data row was dropped, so the kept rows are data rows 0 and 2.
//! assert_eq!(table.row_indices(), &[0, 2]);
//! # Ok(())
//! # }
//! ```

mod csv;
mod idx;
mod npy;

use std::path::Path;

use crate::error::{Error, Result};

pub use self::csv::{
    parse_csv, parse_csv_records, read_csv, read_csv_records, CsvRecord, CsvRecords,
};
pub use self::idx::{
    load_test_subset, read_idx_images, read_idx_labels, IdxImages, LabelledImages, IMAGE_MAGIC,
    LABEL_MAGIC, TEST_IMAGES_FILE, TEST_LABELS_FILE,
};
pub use self::npy::read_npy;

/// A numeric table: named columns of finite `f64` values, stored row-major.
///
/// Besides the values, a table stores for each row its 0-based index among the data rows of the
/// input it was read from (the CSV header is not a data row). Readers that drop rows with missing
/// values leave those indices out.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    columns: Vec<String>,
    values: Vec<f64>,
    n_rows: usize,
    rows: Vec<usize>,
}

impl Table {
    /// Creates a table from column names, row-major values, the row count and the source row
    /// index of each row.
    ///
    /// # Errors
    ///
    /// - [`Error::EmptyData`] if there are no rows or no columns.
    /// - [`Error::LengthMismatch`] if `values` does not have `n_rows × columns.len()` entries or
    ///   `rows` does not have `n_rows` entries.
    /// - [`Error::NonFiniteValue`] if a value is NaN or infinite.
    pub fn new(
        columns: Vec<String>,
        values: Vec<f64>,
        n_rows: usize,
        rows: Vec<usize>,
    ) -> Result<Table> {
        let n_cols = columns.len();
        if n_rows == 0 || n_cols == 0 {
            return Err(Error::EmptyData {
                n_points: n_rows,
                dim: n_cols,
            });
        }

        // On overflow no vector can have the required length, so usize::MAX still reports it.
        let expected = n_rows.saturating_mul(n_cols);
        if values.len() != expected {
            return Err(Error::LengthMismatch {
                what: "table values (rows × columns)",
                expected,
                found: values.len(),
            });
        }
        if rows.len() != n_rows {
            return Err(Error::LengthMismatch {
                what: "row indices",
                expected: n_rows,
                found: rows.len(),
            });
        }

        if let Some(position) = values.iter().position(|value| !value.is_finite()) {
            return Err(Error::NonFiniteValue {
                row: position / n_cols,
                column: position % n_cols,
                value: values[position],
            });
        }

        Ok(Table {
            columns,
            values,
            n_rows,
            rows,
        })
    }

    /// Column names, in table order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// All values in row-major order: row `i` is `values()[i * n_cols()..(i + 1) * n_cols()]`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// For each row, its 0-based index among the data rows of the input (header excluded).
    pub fn row_indices(&self) -> &[usize] {
        &self.rows
    }

    /// Returns the value at `row` and `col`, or `None` if either is out of range.
    pub fn get(&self, row: usize, col: usize) -> Option<f64> {
        if row < self.n_rows && col < self.n_cols() {
            Some(self.values[row * self.n_cols() + col])
        } else {
            None
        }
    }

    /// Returns the values of one row, or `None` if `row` is out of range.
    pub fn row(&self, row: usize) -> Option<&[f64]> {
        if row < self.n_rows {
            let n_cols = self.n_cols();
            Some(&self.values[row * n_cols..(row + 1) * n_cols])
        } else {
            None
        }
    }

    /// Returns the position of the column called `name`, or `None` if there is none.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|column| column == name)
    }

    /// Copies the values into a faer matrix, one row per table row.
    pub fn to_mat(&self) -> faer::Mat<f64> {
        let n_cols = self.n_cols();
        faer::Mat::from_fn(self.n_rows, n_cols, |i, j| self.values[i * n_cols + j])
    }

    /// Splits the table into `(columns, values, n_rows, row_indices)`.
    pub fn into_parts(self) -> (Vec<String>, Vec<f64>, usize, Vec<usize>) {
        (self.columns, self.values, self.n_rows, self.rows)
    }
}

/// Options shared by the readers: which columns to read and what to do with missing values.
///
/// The default reads every column and rejects missing values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    columns: Option<Vec<String>>,
    drop_missing: bool,
}

impl ReadOptions {
    /// Creates the default options: every column, missing values rejected.
    pub fn new() -> Self {
        Self::default()
    }

    /// Selects columns by name. The table has these columns in the order given.
    ///
    /// CSV columns are named by the header and `.npy` columns are named `x0`, `x1`, ….
    pub fn columns<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.columns = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Sets whether a row with a missing value in a selected column is dropped (`true`) or is an
    /// error (`false`, the default).
    pub fn drop_missing(mut self, drop: bool) -> Self {
        self.drop_missing = drop;
        self
    }

    /// The selected column names, or `None` when every column is read.
    pub fn selected_columns(&self) -> Option<&[String]> {
        self.columns.as_deref()
    }

    /// Whether rows with missing values are dropped.
    pub fn drops_missing(&self) -> bool {
        self.drop_missing
    }
}

/// Reads a table from a `.npy` file or, for any other extension, a CSV file.
///
/// The extension is compared without regard to case. A `.npz` archive is rejected with
/// [`Error::Npy`] because it contains several arrays.
///
/// # Errors
///
/// The errors of [`read_npy`] or [`read_csv`].
pub fn read_table(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Table> {
    let path = path.as_ref();
    let extension = path.extension().and_then(|extension| extension.to_str());
    match extension {
        Some(extension) if extension.eq_ignore_ascii_case("npy") => read_npy(path, options),
        Some(extension) if extension.eq_ignore_ascii_case("npz") => Err(Error::Npy {
            path: path.to_path_buf(),
            reason: "'.npz' archives are not supported; save a single array with np.save".into(),
        }),
        _ => read_csv(path, options),
    }
}

/// Returns the positions in `available` of the columns that `options` selects, in selection
/// order, or all positions when there is no selection.
fn select_columns(available: &[String], options: &ReadOptions) -> Result<Vec<usize>> {
    let Some(names) = options.selected_columns() else {
        return Ok((0..available.len()).collect());
    };

    names
        .iter()
        .map(|name| {
            available
                .iter()
                .position(|column| column == name)
                .ok_or_else(|| Error::MissingColumn {
                    name: name.clone(),
                    available: available.to_vec(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn table_new_accessors() {
        let table = Table::new(
            names(&["a", "b"]),
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            3,
            vec![0, 2, 5],
        )
        .unwrap();

        assert_eq!(table.columns(), &names(&["a", "b"]));
        assert_eq!(table.n_rows(), 3);
        assert_eq!(table.n_cols(), 2);
        assert_eq!(table.row_indices(), &[0, 2, 5]);
        assert_eq!(table.get(1, 0), Some(3.0));
        assert_eq!(table.get(2, 1), Some(6.0));
        assert_eq!(table.get(3, 0), None);
        assert_eq!(table.get(0, 2), None);
        assert_eq!(table.row(2), Some(&[5.0, 6.0][..]));
        assert_eq!(table.row(3), None);
        assert_eq!(table.column_index("b"), Some(1));
        assert_eq!(table.column_index("c"), None);

        let (columns, values, n_rows, rows) = table.into_parts();
        assert_eq!(columns, names(&["a", "b"]));
        assert_eq!(values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(n_rows, 3);
        assert_eq!(rows, vec![0, 2, 5]);
    }

    #[test]
    fn table_new_wrong_value_count() {
        let err = Table::new(names(&["a", "b"]), vec![1.0; 5], 3, vec![0, 1, 2]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LengthMismatch {
                    expected: 6,
                    found: 5,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn table_new_wrong_row_index_count() {
        let err = Table::new(names(&["a"]), vec![1.0; 3], 3, vec![0, 1]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LengthMismatch {
                    what: "row indices",
                    expected: 3,
                    found: 2
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn table_new_empty() {
        let no_rows = Table::new(names(&["a"]), vec![], 0, vec![]).unwrap_err();
        assert!(
            matches!(
                no_rows,
                Error::EmptyData {
                    n_points: 0,
                    dim: 1
                }
            ),
            "{no_rows:?}"
        );

        let no_columns = Table::new(vec![], vec![], 2, vec![0, 1]).unwrap_err();
        assert!(
            matches!(
                no_columns,
                Error::EmptyData {
                    n_points: 2,
                    dim: 0
                }
            ),
            "{no_columns:?}"
        );
    }

    #[test]
    fn table_new_non_finite() {
        let err = Table::new(
            names(&["a", "b"]),
            vec![1.0, 2.0, 3.0, f64::INFINITY],
            2,
            vec![0, 1],
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::NonFiniteValue {
                    row: 1,
                    column: 1,
                    value,
                } if value == f64::INFINITY
            ),
            "{err:?}"
        );
    }

    #[test]
    fn read_options_builder() {
        let default = ReadOptions::default();
        assert_eq!(default.selected_columns(), None);
        assert!(!default.drops_missing());

        let options = ReadOptions::new().columns(["b", "a"]).drop_missing(true);
        assert_eq!(options.selected_columns(), Some(&names(&["b", "a"])[..]));
        assert!(options.drops_missing());
    }

    #[test]
    fn select_columns_order_and_missing() {
        let available = names(&["a", "b", "c"]);

        let all = select_columns(&available, &ReadOptions::new()).unwrap();
        assert_eq!(all, vec![0, 1, 2]);

        let chosen = select_columns(&available, &ReadOptions::new().columns(["c", "a"])).unwrap();
        assert_eq!(chosen, vec![2, 0]);

        let err = select_columns(&available, &ReadOptions::new().columns(["a", "z"])).unwrap_err();
        match err {
            Error::MissingColumn { name, available } => {
                assert_eq!(name, "z");
                assert_eq!(available, names(&["a", "b", "c"]));
            }
            other => panic!("expected MissingColumn, got {other:?}"),
        }
    }

    #[test]
    fn read_table_dispatch_by_extension() {
        let dir = std::env::temp_dir().join(format!("tae_io_dispatch_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();

        let csv_path = dir.join("small.txt");
        std::fs::write(&csv_path, "a,b\n1,2\n").unwrap();
        let from_csv = read_table(&csv_path, &ReadOptions::new()).unwrap();
        assert_eq!(from_csv.values(), &[1.0, 2.0]);

        // A 1 × 2 little-endian f64 array in format version 1.0.
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }";
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
        npy.extend_from_slice(header.as_bytes());
        npy.extend_from_slice(&3.5f64.to_le_bytes());
        npy.extend_from_slice(&(-1.0f64).to_le_bytes());
        let npy_path = dir.join("small.NPY");
        std::fs::write(&npy_path, &npy).unwrap();
        let from_npy = read_table(&npy_path, &ReadOptions::new()).unwrap();
        assert_eq!(from_npy.values(), &[3.5, -1.0]);
        assert_eq!(from_npy.columns(), &names(&["x0", "x1"]));

        let npz_path = dir.join("arrays.npz");
        let err = read_table(&npz_path, &ReadOptions::new()).unwrap_err();
        assert!(matches!(err, Error::Npy { .. }), "{err:?}");

        std::fs::remove_dir_all(&dir).unwrap();
    }
}
