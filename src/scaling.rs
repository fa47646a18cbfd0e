//! Per-column scaling of data before clustering.
//!
//! A [`Scaler`] maps each value `x` of column `j` to `(x − offset[j]) / scale[j]`:
//!
//! - [`Scaling::None`]: offset 0, scale 1 (no change).
//! - [`Scaling::Max`]: offset 0, scale = maximum absolute value of the column. For columns with
//!   only positive values, such as the penguin measurements, this is the column maximum, so the
//!   largest value becomes 1.
//! - [`Scaling::ZScore`]: offset = column mean, scale = population standard deviation (divisor
//!   `n`, like scikit-learn's `StandardScaler`), so each column gets mean 0 and standard
//!   deviation 1.
//!
//! Values are row-major slices, as in [`crate::io::Table::values`].
//!
//! ```
//! use tae::scaling::{Scaler, Scaling};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut values = vec![
//!     1.0, 10.0, //
//!     3.0, 30.0, //
//! ];
//! let method: Scaling = "zscore".parse()?;
//! let scaler = Scaler::fit(&values, 2, 2, &["a", "b"], method)?;
//! assert_eq!(scaler.offset(), &[2.0, 20.0]);
//! assert_eq!(scaler.scale(), &[1.0, 10.0]);
//!
//! scaler.transform(&mut values, 2, 2)?;
//! assert_eq!(values, vec![-1.0, -1.0, 1.0, 1.0]);
//!
//! scaler.inverse_transform(&mut values, 2, 2)?;
//! assert_eq!(values, vec![1.0, 10.0, 3.0, 30.0]);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Scaling method applied to each column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scaling {
    /// No scaling: offset 0, scale 1.
    None,
    /// Division by the maximum absolute value of the column.
    Max,
    /// Subtraction of the column mean and division by its population standard deviation.
    ZScore,
}

impl Scaling {
    /// All methods, in the order they are listed in messages.
    pub const ALL: [Scaling; 3] = [Scaling::None, Scaling::Max, Scaling::ZScore];

    /// Returns the name used on the command line and in files: `none`, `max` or `zscore`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scaling::None => "none",
            Scaling::Max => "max",
            Scaling::ZScore => "zscore",
        }
    }
}

impl fmt::Display for Scaling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scaling {
    type Err = ParseScalingError;

    /// Parses `none`, `max` or `zscore`, ignoring ASCII case.
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        Scaling::ALL
            .into_iter()
            .find(|method| method.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| ParseScalingError {
                input: text.to_string(),
            })
    }
}

/// Error returned when a string is not the name of a [`Scaling`] method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseScalingError {
    input: String,
}

impl ParseScalingError {
    /// The text that was rejected.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for ParseScalingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid scaling '{}': expected one of none, max, zscore",
            self.input
        )
    }
}

impl std::error::Error for ParseScalingError {}

/// A fitted per-column scaling: `x ↦ (x − offset[j]) / scale[j]` for column `j`.
///
/// Every offset is finite and every scale is finite and positive.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaler {
    method: Scaling,
    offset: Vec<f64>,
    scale: Vec<f64>,
}

impl Scaler {
    /// Computes the offset and scale of each column of the row-major `values`.
    ///
    /// `column_names` are used only in errors.
    ///
    /// # Errors
    ///
    /// - [`Error::EmptyData`] if `n_rows` or `n_cols` is 0.
    /// - [`Error::LengthMismatch`] if `values` does not have `n_rows × n_cols` entries or
    ///   `column_names` does not have `n_cols` entries.
    /// - [`Error::NonFiniteValue`] if a value is NaN or infinite.
    /// - [`Error::ZeroScale`] if a column is all zeros ([`Scaling::Max`]) or constant
    ///   ([`Scaling::ZScore`]), because dividing by its scale is undefined.
    pub fn fit<S: AsRef<str>>(
        values: &[f64],
        n_rows: usize,
        n_cols: usize,
        column_names: &[S],
        method: Scaling,
    ) -> Result<Scaler> {
        check_shape(values, n_rows, n_cols)?;
        if column_names.len() != n_cols {
            return Err(Error::LengthMismatch {
                what: "column names",
                expected: n_cols,
                found: column_names.len(),
            });
        }
        if let Some(position) = values.iter().position(|value| !value.is_finite()) {
            return Err(Error::NonFiniteValue {
                row: position / n_cols,
                column: position % n_cols,
                value: values[position],
            });
        }

        let mut offset = Vec::with_capacity(n_cols);
        let mut scale = Vec::with_capacity(n_cols);
        for (column, name) in column_names.iter().enumerate() {
            let column_values = || values.iter().skip(column).step_by(n_cols).copied();
            let (column_offset, column_scale) = match method {
                Scaling::None => (0.0, 1.0),
                Scaling::Max => (0.0, max_abs(column_values())),
                Scaling::ZScore => mean_and_std(column_values, n_rows),
            };
            if column_scale <= 0.0 {
                return Err(Error::ZeroScale {
                    column: name.as_ref().to_string(),
                    method: method.as_str(),
                });
            }
            offset.push(column_offset);
            scale.push(column_scale);
        }

        Ok(Scaler {
            method,
            offset,
            scale,
        })
    }

    /// Creates a scaler from stored parts, e.g. a model read from a file.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidModel`] if `offset` and `scale` differ in length or are empty, a value is
    /// not finite, a scale is not positive, or the parts contradict `method`: [`Scaling::None`]
    /// requires offset 0 and scale 1, and [`Scaling::Max`] requires offset 0.
    pub fn from_parts(method: Scaling, offset: Vec<f64>, scale: Vec<f64>) -> Result<Scaler> {
        let invalid = |reason: String| Err(Error::InvalidModel { reason });

        if offset.len() != scale.len() {
            return invalid(format!(
                "the scaler has {} offsets but {} scales; both need one entry per column",
                offset.len(),
                scale.len()
            ));
        }
        if offset.is_empty() {
            return invalid("the scaler has no columns".to_string());
        }

        for (column, (&column_offset, &column_scale)) in offset.iter().zip(&scale).enumerate() {
            if !column_offset.is_finite() {
                return invalid(format!(
                    "scaler offset {column_offset} of column {column} is not finite"
                ));
            }
            if !(column_scale.is_finite() && column_scale > 0.0) {
                return invalid(format!(
                    "scaler scale {column_scale} of column {column} is not a finite positive number"
                ));
            }
            if method != Scaling::ZScore && column_offset != 0.0 {
                return invalid(format!(
                    "scaler offset {column_offset} of column {column} must be 0 for {method} scaling"
                ));
            }
            if method == Scaling::None && column_scale != 1.0 {
                return invalid(format!(
                    "scaler scale {column_scale} of column {column} must be 1 for none scaling"
                ));
            }
        }

        Ok(Scaler {
            method,
            offset,
            scale,
        })
    }

    /// The method the scaler was fitted with.
    pub fn method(&self) -> Scaling {
        self.method
    }

    /// Per-column offsets, subtracted before dividing by the scale.
    pub fn offset(&self) -> &[f64] {
        &self.offset
    }

    /// Per-column scales, all finite and positive.
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Number of columns the scaler was fitted on.
    pub fn n_cols(&self) -> usize {
        self.offset.len()
    }

    /// Replaces each value `x` of column `j` in the row-major `values` by
    /// `(x − offset[j]) / scale[j]`. NaN and infinite values are not checked and stay non-finite.
    ///
    /// # Errors
    ///
    /// - [`Error::DimensionMismatch`] if `n_cols` differs from [`Scaler::n_cols`].
    /// - [`Error::LengthMismatch`] if `values` does not have `n_rows × n_cols` entries.
    pub fn transform(&self, values: &mut [f64], n_rows: usize, n_cols: usize) -> Result<()> {
        self.check_data(values, n_rows, n_cols)?;
        for row in values.chunks_exact_mut(n_cols) {
            for ((value, &offset), &scale) in row.iter_mut().zip(&self.offset).zip(&self.scale) {
                *value = (*value - offset) / scale;
            }
        }
        Ok(())
    }

    /// Undoes [`Scaler::transform`]: replaces each value `z` of column `j` by
    /// `z · scale[j] + offset[j]`.
    ///
    /// # Errors
    ///
    /// The errors of [`Scaler::transform`].
    pub fn inverse_transform(
        &self,
        values: &mut [f64],
        n_rows: usize,
        n_cols: usize,
    ) -> Result<()> {
        self.check_data(values, n_rows, n_cols)?;
        for row in values.chunks_exact_mut(n_cols) {
            for ((value, &offset), &scale) in row.iter_mut().zip(&self.offset).zip(&self.scale) {
                *value = *value * scale + offset;
            }
        }
        Ok(())
    }

    fn check_data(&self, values: &[f64], n_rows: usize, n_cols: usize) -> Result<()> {
        if n_cols != self.n_cols() {
            return Err(Error::DimensionMismatch {
                expected: self.n_cols(),
                found: n_cols,
            });
        }
        check_length(values, n_rows, n_cols)
    }
}

fn check_shape(values: &[f64], n_rows: usize, n_cols: usize) -> Result<()> {
    if n_rows == 0 || n_cols == 0 {
        return Err(Error::EmptyData {
            n_points: n_rows,
            dim: n_cols,
        });
    }
    check_length(values, n_rows, n_cols)
}

fn check_length(values: &[f64], n_rows: usize, n_cols: usize) -> Result<()> {
    // On overflow no slice can have the required length, so usize::MAX still reports it.
    let expected = n_rows.saturating_mul(n_cols);
    if values.len() == expected {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what: "row-major values (rows × columns)",
            expected,
            found: values.len(),
        })
    }
}

fn max_abs(values: impl Iterator<Item = f64>) -> f64 {
    values.map(f64::abs).fold(0.0, f64::max)
}

/// Returns the mean and population standard deviation of a column of finite values, or a
/// standard deviation of 0 if all values are equal.
///
/// The values are divided by a power of two near their maximum absolute value first, so that sums
/// and squares of values near `f64::MAX` cannot overflow. Dividing by a power of two is exact, so
/// other columns get the same result as without it.
fn mean_and_std<I: Iterator<Item = f64>>(values: impl Fn() -> I, n_rows: usize) -> (f64, f64) {
    let first = values().next().unwrap_or(0.0);
    if values().all(|value| value == first) {
        return (first, 0.0);
    }

    // Not all values are equal, so the maximum is positive and its log2 is finite. Capping the
    // exponent at 1023 keeps the unit finite.
    let exponent = (max_abs(values()).log2().floor() as i32).min(1023);
    let unit = 2f64.powi(exponent);
    let n = n_rows as f64;
    let unit_mean = values().map(|value| value / unit).sum::<f64>() / n;
    let unit_variance = values()
        .map(|value| {
            let deviation = value / unit - unit_mean;
            deviation * deviation
        })
        .sum::<f64>()
        / n;
    (unit_mean * unit, unit_variance.sqrt() * unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets;

    #[test]
    fn scaling_from_str_and_display() {
        for method in Scaling::ALL {
            assert_eq!(method.to_string().parse::<Scaling>(), Ok(method));
        }
        assert_eq!("ZScore".parse::<Scaling>(), Ok(Scaling::ZScore));
        assert_eq!("MAX".parse::<Scaling>(), Ok(Scaling::Max));
        assert_eq!(Scaling::ZScore.to_string(), "zscore");
    }

    #[test]
    fn scaling_from_str_invalid() {
        let err = "standard".parse::<Scaling>().unwrap_err();
        assert_eq!(err.input(), "standard");
        assert_eq!(
            err.to_string(),
            "invalid scaling 'standard': expected one of none, max, zscore"
        );
    }

    #[test]
    fn scaler_none_is_identity() {
        let mut values = vec![1.0, -2.0, 3.5, 4.0];
        let scaler = Scaler::fit(&values, 2, 2, &["a", "b"], Scaling::None).unwrap();
        assert_eq!(scaler.offset(), &[0.0, 0.0]);
        assert_eq!(scaler.scale(), &[1.0, 1.0]);

        scaler.transform(&mut values, 2, 2).unwrap();
        assert_eq!(values, vec![1.0, -2.0, 3.5, 4.0]);
    }

    #[test]
    fn scaler_max_uses_absolute_value() {
        let values = [2.0, -8.0, -4.0, 1.0, 1.0, 4.0];
        let scaler = Scaler::fit(&values, 3, 2, &["a", "b"], Scaling::Max).unwrap();
        assert_eq!(scaler.method(), Scaling::Max);
        assert_eq!(scaler.offset(), &[0.0, 0.0]);
        assert_eq!(scaler.scale(), &[4.0, 8.0]);
    }

    #[test]
    fn scaler_zscore_known_values() {
        // Column a: mean 2.5, population variance 1.25. Column b: mean 20, variance 50.
        let values = [1.0, 10.0, 2.0, 20.0, 3.0, 20.0, 4.0, 30.0];
        let scaler = Scaler::fit(&values, 4, 2, &["a", "b"], Scaling::ZScore).unwrap();

        assert_eq!(scaler.offset(), &[2.5, 20.0]);
        assert!((scaler.scale()[0] - 1.25f64.sqrt()).abs() < 1e-15);
        assert!((scaler.scale()[1] - 50f64.sqrt()).abs() < 1e-14);
    }

    #[test]
    fn scaler_zscore_extreme_magnitudes() {
        let values = [f64::MAX, -f64::MAX];
        let scaler = Scaler::fit(&values, 2, 1, &["a"], Scaling::ZScore).unwrap();
        assert_eq!(scaler.offset(), &[0.0]);
        assert_eq!(scaler.scale(), &[f64::MAX]);
    }

    #[test]
    fn scaler_zero_scale() {
        let values = [0.0, 5.0, 0.0, 5.0];
        let err = Scaler::fit(&values, 2, 2, &["zeros", "fives"], Scaling::Max).unwrap_err();
        assert!(
            matches!(&err, Error::ZeroScale { column, method: "max" } if column == "zeros"),
            "{err:?}"
        );

        let values = [1.0, 0.1, 2.0, 0.1, 3.0, 0.1];
        let err = Scaler::fit(&values, 3, 2, &["a", "constant"], Scaling::ZScore).unwrap_err();
        assert!(
            matches!(&err, Error::ZeroScale { column, method: "zscore" } if column == "constant"),
            "{err:?}"
        );

        let single_row = Scaler::fit(&[1.0], 1, 1, &["a"], Scaling::ZScore).unwrap_err();
        assert!(
            matches!(single_row, Error::ZeroScale { .. }),
            "{single_row:?}"
        );
    }

    #[test]
    fn scaler_fit_input_errors() {
        let err = Scaler::fit(&[1.0, 2.0, 3.0], 2, 2, &["a", "b"], Scaling::Max).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LengthMismatch {
                    expected: 4,
                    found: 3,
                    ..
                }
            ),
            "{err:?}"
        );

        let err = Scaler::fit(&[1.0, 2.0], 1, 2, &["a"], Scaling::Max).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LengthMismatch {
                    what: "column names",
                    expected: 2,
                    found: 1
                }
            ),
            "{err:?}"
        );

        let err = Scaler::fit::<&str>(&[], 0, 2, &["a", "b"], Scaling::Max).unwrap_err();
        assert!(
            matches!(
                err,
                Error::EmptyData {
                    n_points: 0,
                    dim: 2
                }
            ),
            "{err:?}"
        );

        let err =
            Scaler::fit(&[1.0, 2.0, f64::NAN, 4.0], 2, 2, &["a", "b"], Scaling::None).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NonFiniteValue {
                    row: 1,
                    column: 0,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn scaler_transform_wrong_shape() {
        let scaler = Scaler::fit(&[1.0, 2.0, 3.0, 4.0], 2, 2, &["a", "b"], Scaling::Max).unwrap();

        let mut three_columns = vec![1.0; 6];
        let err = scaler.transform(&mut three_columns, 2, 3).unwrap_err();
        assert!(
            matches!(
                err,
                Error::DimensionMismatch {
                    expected: 2,
                    found: 3
                }
            ),
            "{err:?}"
        );
        let err = scaler
            .inverse_transform(&mut three_columns, 2, 3)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::DimensionMismatch {
                    expected: 2,
                    found: 3
                }
            ),
            "{err:?}"
        );

        let mut short = vec![1.0; 3];
        let err = scaler.transform(&mut short, 2, 2).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LengthMismatch {
                    expected: 4,
                    found: 3,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn scaler_from_parts_valid() {
        let scaler = Scaler::from_parts(Scaling::ZScore, vec![1.0, -2.0], vec![0.5, 3.0]).unwrap();
        assert_eq!(scaler.n_cols(), 2);

        let mut values = vec![2.0, 1.0];
        scaler.transform(&mut values, 1, 2).unwrap();
        assert_eq!(values, vec![2.0, 1.0]);
    }

    #[test]
    fn scaler_from_parts_invalid() {
        let cases = [
            (
                Scaling::ZScore,
                vec![0.0],
                vec![1.0, 2.0],
                "1 offsets but 2 scales",
            ),
            (Scaling::ZScore, vec![], vec![], "no columns"),
            (
                Scaling::ZScore,
                vec![f64::NAN],
                vec![1.0],
                "offset NaN of column 0",
            ),
            (
                Scaling::Max,
                vec![0.0, 0.0],
                vec![1.0, 0.0],
                "scale 0 of column 1",
            ),
            (
                Scaling::Max,
                vec![0.0],
                vec![f64::INFINITY],
                "scale inf of column 0",
            ),
            (
                Scaling::Max,
                vec![1.0],
                vec![2.0],
                "must be 0 for max scaling",
            ),
            (
                Scaling::None,
                vec![0.0],
                vec![2.0],
                "must be 1 for none scaling",
            ),
        ];
        for (method, offset, scale, expected) in cases {
            match Scaler::from_parts(method, offset, scale) {
                Err(Error::InvalidModel { reason }) => {
                    assert!(reason.contains(expected), "{reason}");
                }
                other => panic!("expected InvalidModel containing {expected:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn scaler_round_trip() {
        let penguins = datasets::penguins();
        let data = penguins.data();
        for method in Scaling::ALL {
            let scaler = Scaler::fit(
                data.values(),
                data.n_rows(),
                data.n_cols(),
                data.columns(),
                method,
            )
            .unwrap();
            let mut values = data.values().to_vec();
            scaler
                .transform(&mut values, data.n_rows(), data.n_cols())
                .unwrap();
            scaler
                .inverse_transform(&mut values, data.n_rows(), data.n_cols())
                .unwrap();

            for (restored, original) in values.iter().zip(data.values()) {
                let error = (restored - original).abs();
                assert!(
                    error <= 1e-12 * original.abs(),
                    "{method}: {restored} != {original}"
                );
            }
        }
    }

    #[test]
    fn scaler_max_penguins() {
        let penguins = datasets::penguins();
        let data = penguins.data();
        let scaler = Scaler::fit(
            data.values(),
            data.n_rows(),
            data.n_cols(),
            data.columns(),
            Scaling::Max,
        )
        .unwrap();
        assert_eq!(scaler.scale(), &[59.6, 21.5, 231.0, 6300.0]);

        let mut values = data.values().to_vec();
        scaler
            .transform(&mut values, data.n_rows(), data.n_cols())
            .unwrap();
        for column in 0..data.n_cols() {
            let column_max = values
                .iter()
                .skip(column)
                .step_by(data.n_cols())
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(column_max, 1.0, "column {column}");
        }
    }

    #[test]
    fn scaler_zscore_penguins() {
        let penguins = datasets::penguins();
        let data = penguins.data();
        let (n_rows, n_cols) = (data.n_rows(), data.n_cols());
        let scaler = Scaler::fit(
            data.values(),
            n_rows,
            n_cols,
            data.columns(),
            Scaling::ZScore,
        )
        .unwrap();

        // Mean and population standard deviation (ddof = 0) from NumPy 2.4.6 on the 342 rows.
        let expected_mean = [
            43.921929824561424,
            17.15116959064328,
            200.91520467836258,
            4201.754385964912,
        ];
        let expected_std = [
            5.45159602316182,
            1.9719039187562528,
            14.041140568589102,
            800.7812292384524,
        ];
        for column in 0..n_cols {
            let mean_error = (scaler.offset()[column] - expected_mean[column]).abs();
            let std_error = (scaler.scale()[column] - expected_std[column]).abs();
            assert!(
                mean_error < 1e-12 * expected_mean[column],
                "column {column}"
            );
            assert!(std_error < 1e-12 * expected_std[column], "column {column}");
        }

        let mut values = data.values().to_vec();
        scaler.transform(&mut values, n_rows, n_cols).unwrap();
        for column in 0..n_cols {
            let column_values: Vec<f64> = values
                .iter()
                .skip(column)
                .step_by(n_cols)
                .copied()
                .collect();
            let mean = column_values.iter().sum::<f64>() / n_rows as f64;
            let variance = column_values
                .iter()
                .map(|value| (value - mean) * (value - mean))
                .sum::<f64>()
                / n_rows as f64;
            assert!(mean.abs() < 1e-12, "column {column}: mean {mean}");
            assert!(
                (variance.sqrt() - 1.0).abs() < 1e-12,
                "column {column}: std {}",
                variance.sqrt()
            );
        }
    }
}
