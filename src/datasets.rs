//! Small real data sets with known classes, embedded in the crate.
//!
//! - [`penguins`]: Palmer Station penguins (Gorman, Williams & Fraser 2014, CC0), the file of the
//!   `palmerpenguins` 0.1.6 Python package. Four body measurements of 342 penguins of three
//!   species.
//! - [`iris`]: Fisher's iris data (1936), as bundled with scikit-learn 1.9.1. Four measurements
//!   in cm of 150 flowers of three species.
//!
//! Class labels are numbered by the class names in alphabetical order.
//!
//! ```
//! # fn main() -> tae::Result<()> {
//! let penguins = tae::datasets::penguins();
//! assert_eq!(penguins.n_rows(), 342);
//! assert_eq!(penguins.class_names(), &["Adelie", "Chinstrap", "Gentoo"]);
//!
//! // Data sets can also be looked up by name, e.g. from a command-line argument.
//! let iris = tae::datasets::by_name("iris").expect("iris is embedded");
//! assert_eq!(iris.data().columns()[0], "sepal_length_cm");
//!
//! // The values are a Table, so they can be scaled like data read from a file.
//! let data = penguins.data();
//! let scaler = tae::scaling::Scaler::fit(
//!     data.values(),
//!     data.n_rows(),
//!     data.n_cols(),
//!     data.columns(),
//!     tae::scaling::Scaling::Max,
//! )?;
//! assert_eq!(scaler.scale()[3], 6300.0);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeSet;

use crate::io::{parse_csv_records, ReadOptions, Table};

const PENGUINS_CSV: &str = include_str!("../data/penguins.csv");
const IRIS_CSV: &str = include_str!("../data/iris.csv");

/// The four penguin measurements: bill length and depth in mm, flipper length in mm, body mass
/// in g.
pub const PENGUIN_COLUMNS: [&str; 4] = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
];

/// The four iris measurements, all in cm.
pub const IRIS_COLUMNS: [&str; 4] = [
    "sepal_length_cm",
    "sepal_width_cm",
    "petal_length_cm",
    "petal_width_cm",
];

/// Names accepted by [`by_name`].
pub const NAMES: [&str; 2] = ["penguins", "iris"];

/// A data set: a numeric table with one class label per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    name: &'static str,
    data: Table,
    labels: Vec<usize>,
    class_names: Vec<String>,
}

impl Dataset {
    /// Short name of the data set, as accepted by [`by_name`].
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The measurements. [`Table::row_indices`] gives each row's position in the embedded file.
    pub fn data(&self) -> &Table {
        &self.data
    }

    /// Number of rows (points).
    pub fn n_rows(&self) -> usize {
        self.data.n_rows()
    }

    /// Number of columns (measurements).
    pub fn n_cols(&self) -> usize {
        self.data.n_cols()
    }

    /// Class label of each row, in `0..n_classes()`.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Class names in label order, i.e. `class_names()[label]`. The order is alphabetical.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }

    /// Copies the measurements into a faer matrix, one row per point.
    pub fn to_mat(&self) -> faer::Mat<f64> {
        self.data.to_mat()
    }

    /// Scales every column with `method` and returns the scaled points with the fitted scaler.
    ///
    /// # Errors
    /// [`crate::Error::ZeroScale`] when a column cannot be scaled.
    pub fn scaled(
        &self,
        method: crate::scaling::Scaling,
    ) -> crate::Result<(faer::Mat<f64>, crate::scaling::Scaler)> {
        let table = &self.data;
        let (n_rows, n_cols) = (table.n_rows(), table.n_cols());
        let scaler =
            crate::scaling::Scaler::fit(table.values(), n_rows, n_cols, table.columns(), method)?;
        let mut values = table.values().to_vec();
        scaler.transform(&mut values, n_rows, n_cols)?;
        let scaled = faer::Mat::from_fn(n_rows, n_cols, |i, j| values[i * n_cols + j]);
        Ok((scaled, scaler))
    }

    /// Splits the data set into its table, labels and class names.
    pub fn into_parts(self) -> (Table, Vec<usize>, Vec<String>) {
        (self.data, self.labels, self.class_names)
    }
}

/// Loads the Palmer penguins: bill length, bill depth, flipper length and body mass of 342
/// penguins, labelled by species (Adelie 0, Chinstrap 1, Gentoo 2).
///
/// The embedded file has 344 rows. The two rows that lack all four measurements are dropped, so
/// [`Table::row_indices`] skips data rows 3 and 271.
pub fn penguins() -> Dataset {
    load_embedded(
        "penguins",
        "data/penguins.csv",
        PENGUINS_CSV,
        &PENGUIN_COLUMNS,
        "species",
    )
}

/// Loads Fisher's iris data: sepal length and width and petal length and width in cm of 150
/// flowers, labelled by species (setosa 0, versicolor 1, virginica 2).
pub fn iris() -> Dataset {
    load_embedded("iris", "data/iris.csv", IRIS_CSV, &IRIS_COLUMNS, "species")
}

/// Loads the embedded data set called `name` (one of [`NAMES`]), or returns `None` for any
/// other name.
pub fn by_name(name: &str) -> Option<Dataset> {
    match name {
        "penguins" => Some(penguins()),
        "iris" => Some(iris()),
        _ => None,
    }
}

/// Parses an embedded CSV file. Rows missing a measurement are dropped and the label column is
/// numbered by sorted class name.
///
/// The embedded files are fixed and a unit test parses both. A failure here is therefore a bug in
/// the crate, and it panics with a message that names the file.
fn load_embedded(
    name: &'static str,
    file: &str,
    text: &str,
    columns: &[&str],
    label_column: &str,
) -> Dataset {
    let records = parse_csv_records(text)
        .unwrap_or_else(|err| panic!("embedded {file} is not valid CSV: {err}"));
    let options = ReadOptions::new()
        .columns(columns.iter().copied())
        .drop_missing(true);
    let data = records
        .to_table(&options)
        .unwrap_or_else(|err| panic!("embedded {file} has invalid measurements: {err}"));
    let all_labels = records
        .column(label_column)
        .unwrap_or_else(|err| panic!("embedded {file} has no label column: {err}"));

    let kept_labels: Vec<&str> = data
        .row_indices()
        .iter()
        .map(|&row| all_labels[row])
        .collect();
    let class_names: Vec<String> = kept_labels
        .iter()
        .copied()
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(String::from)
        .collect();
    let labels = kept_labels
        .iter()
        .map(|label| {
            class_names
                .binary_search_by(|class| class.as_str().cmp(label))
                .expect("every kept label is one of the class names")
        })
        .collect();

    Dataset {
        name,
        data,
        labels,
        class_names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_counts(dataset: &Dataset) -> Vec<usize> {
        let mut counts = vec![0; dataset.n_classes()];
        for &label in dataset.labels() {
            counts[label] += 1;
        }
        counts
    }

    fn column_max(table: &Table, column: usize) -> f64 {
        (0..table.n_rows())
            .map(|row| table.get(row, column).unwrap())
            .fold(f64::NEG_INFINITY, f64::max)
    }

    #[test]
    fn penguins_shape_and_columns() {
        let penguins = penguins();
        assert_eq!(penguins.name(), "penguins");
        assert_eq!(penguins.n_rows(), 342);
        assert_eq!(penguins.n_cols(), 4);
        assert_eq!(penguins.data().columns(), &PENGUIN_COLUMNS);
        assert_eq!(penguins.labels().len(), 342);
    }

    #[test]
    fn penguins_class_counts() {
        // Counted with Python's csv module on the embedded file. Before dropping rows there are
        // 152 Adelie, 68 Chinstrap and 124 Gentoo. The rows without measurements are one Adelie
        // (data row 3) and one Gentoo (data row 271), which leaves 151, 68 and 123.
        let penguins = penguins();
        assert_eq!(penguins.class_names(), &["Adelie", "Chinstrap", "Gentoo"]);
        assert_eq!(class_counts(&penguins), vec![151, 68, 123]);
    }

    #[test]
    fn penguins_dropped_rows() {
        let penguins = penguins();
        let rows = penguins.data().row_indices();
        assert_eq!(rows.len(), 342);
        assert_eq!(&rows[..4], &[0, 1, 2, 4]);
        assert!(!rows.contains(&3));
        assert!(!rows.contains(&271));
        assert_eq!(rows[341], 343);
    }

    #[test]
    fn penguins_values_match_file() {
        let penguins = penguins();
        let data = penguins.data();

        // First and last data rows of the file.
        assert_eq!(data.row(0).unwrap(), &[39.1, 18.7, 181.0, 3750.0]);
        assert_eq!(data.row(341).unwrap(), &[50.2, 18.7, 198.0, 3775.0]);
        assert_eq!(penguins.labels()[0], 0);
        assert_eq!(penguins.labels()[341], 1);

        // Column maxima, computed with Python on the embedded file.
        let maxima: Vec<f64> = (0..4).map(|column| column_max(data, column)).collect();
        assert_eq!(maxima, vec![59.6, 21.5, 231.0, 6300.0]);
    }

    #[test]
    fn iris_shape_and_classes() {
        let iris = iris();
        assert_eq!(iris.name(), "iris");
        assert_eq!(iris.n_rows(), 150);
        assert_eq!(iris.n_cols(), 4);
        assert_eq!(iris.data().columns(), &IRIS_COLUMNS);
        assert_eq!(iris.class_names(), &["setosa", "versicolor", "virginica"]);
        assert_eq!(class_counts(&iris), vec![50, 50, 50]);
        assert_eq!(iris.data().row_indices(), &(0..150).collect::<Vec<_>>()[..]);
    }

    #[test]
    fn iris_values_match_file() {
        let iris = iris();
        let data = iris.data();

        // Data rows 0, 50, 100 and 149 of the file: the first flower of each species and the
        // last one.
        assert_eq!(data.row(0).unwrap(), &[5.1, 3.5, 1.4, 0.2]);
        assert_eq!(data.row(50).unwrap(), &[7.0, 3.2, 4.7, 1.4]);
        assert_eq!(data.row(100).unwrap(), &[6.3, 3.3, 6.0, 2.5]);
        assert_eq!(data.row(149).unwrap(), &[5.9, 3.0, 5.1, 1.8]);
        assert_eq!(iris.labels()[0], 0);
        assert_eq!(iris.labels()[50], 1);
        assert_eq!(iris.labels()[100], 2);
        assert_eq!(iris.labels()[149], 2);
    }

    #[test]
    fn datasets_by_name() {
        for name in NAMES {
            let dataset = by_name(name).unwrap();
            assert_eq!(dataset.name(), name);
        }
        assert!(by_name("mnist").is_none());
    }

    #[test]
    fn dataset_into_parts() {
        let (table, labels, class_names) = iris().into_parts();
        assert_eq!(table.n_rows(), labels.len());
        assert_eq!(class_names.len(), 3);
    }
}
