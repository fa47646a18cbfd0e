//! Conversions into the crate's data layout, and the checks every entry point runs first.
//!
//! Data are `n × d` matrices of `f64`, one row per point, passed as faer's [`MatRef`]. Callers
//! holding other layouts convert with the functions here:
//!
//! ```
//! use faer::Mat;
//!
//! // Three points in the plane, row after row.
//! let rows = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
//! let x = tae::data::from_row_major(&rows, 3, 2)?;
//! assert_eq!(x[(2, 1)], 5.0);
//!
//! let nalgebra_matrix = nalgebra::DMatrix::from_row_slice(3, 2, &rows);
//! let y: Mat<f64> = tae::data::from_nalgebra(&nalgebra_matrix);
//! assert_eq!(x, y);
//! # Ok::<(), tae::Error>(())
//! ```

use faer::{Mat, MatRef};

use crate::error::{Error, Result};

/// Borrows a row-major slice of `n_points × dim` values as a matrix without copying.
///
/// # Errors
/// [`Error::LengthMismatch`] when `values.len() != n_points * dim`.
pub fn from_row_major(values: &[f64], n_points: usize, dim: usize) -> Result<MatRef<'_, f64>> {
    let expected = n_points.checked_mul(dim).ok_or(Error::LengthMismatch {
        what: "row-major values",
        expected: usize::MAX,
        found: values.len(),
    })?;
    if values.len() != expected {
        return Err(Error::LengthMismatch {
            what: "row-major values",
            expected,
            found: values.len(),
        });
    }
    Ok(MatRef::from_row_major_slice(values, n_points, dim))
}

/// Copies a nalgebra matrix (one row per point) into a faer matrix.
pub fn from_nalgebra(matrix: &nalgebra::DMatrix<f64>) -> Mat<f64> {
    Mat::from_fn(matrix.nrows(), matrix.ncols(), |i, j| matrix[(i, j)])
}

/// Copies a faer matrix into a nalgebra matrix.
pub fn to_nalgebra(matrix: MatRef<'_, f64>) -> nalgebra::DMatrix<f64> {
    nalgebra::DMatrix::from_fn(matrix.nrows(), matrix.ncols(), |i, j| matrix[(i, j)])
}

/// Largest magnitude accepted in data: squares of larger values summed over many points and
/// dimensions could overflow `f64` (whose largest value is about 1.8e308).
pub const MAX_ABS_VALUE: f64 = 1e100;

/// Checks that the data has at least one point and one column and that every value is finite
/// and at most [`MAX_ABS_VALUE`] in magnitude.
///
/// # Errors
/// [`Error::EmptyData`], [`Error::NonFiniteValue`] at the first NaN or infinity in row order,
/// or [`Error::ValueTooLarge`] at the first value beyond [`MAX_ABS_VALUE`].
pub fn check_finite(data: MatRef<'_, f64>) -> Result<()> {
    let (n_points, dim) = data.shape();
    if n_points == 0 || dim == 0 {
        return Err(Error::EmptyData { n_points, dim });
    }

    // Scan column by column (the storage order of faer matrices), then report the first bad
    // value in row order so that the message matches how a user reads a file.
    let mut first: Option<(usize, usize, f64)> = None;
    for column in 0..dim {
        for row in 0..n_points {
            let value = data[(row, column)];
            if value.is_nan() || value.abs() > MAX_ABS_VALUE {
                if first.is_none_or(|(r, _, _)| row < r) {
                    first = Some((row, column, value));
                }
                break;
            }
        }
    }
    match first {
        Some((row, column, value)) if value.is_finite() => Err(Error::ValueTooLarge {
            row,
            column,
            value,
            limit: MAX_ABS_VALUE,
        }),
        Some((row, column, value)) => Err(Error::NonFiniteValue { row, column, value }),
        None => Ok(()),
    }
}

/// Checks that data meant for a model of dimension `expected` has that many columns.
pub(crate) fn check_dim(data: MatRef<'_, f64>, expected: usize) -> Result<()> {
    if data.ncols() != expected {
        return Err(Error::DimensionMismatch {
            expected,
            found: data.ncols(),
        });
    }
    Ok(())
}

/// Returns the column means of `data`.
pub(crate) fn column_means(data: MatRef<'_, f64>) -> Vec<f64> {
    let n_points = data.nrows() as f64;
    (0..data.ncols())
        .map(|j| data.col(j).iter().sum::<f64>() / n_points)
        .collect()
}

/// Returns the squared norm of each row of `m`.
///
/// Computed column by column, in storage order; each norm still adds its terms in column order.
pub(crate) fn row_norms(m: MatRef<'_, f64>) -> Vec<f64> {
    let mut norms = vec![0.0; m.nrows()];
    for c in 0..m.ncols() {
        for (norm, &value) in norms.iter_mut().zip(m.col(c).iter()) {
            *norm += value * value;
        }
    }
    norms
}

/// Returns `data` with `offset` subtracted from every row.
pub(crate) fn subtract_row(data: MatRef<'_, f64>, offset: &[f64]) -> Mat<f64> {
    let mut result = Mat::zeros(data.nrows(), data.ncols());
    for (j, &shift) in offset.iter().enumerate() {
        for (target, &value) in result.col_mut(j).iter_mut().zip(data.col(j).iter()) {
            *target = value - shift;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_finite_reports_first_in_row_order() {
        // Column 0 has its NaN at row 2, column 1 has an infinity at row 1.
        let rows = [0.0, 1.0, 2.0, f64::INFINITY, f64::NAN, 5.0];
        let x = from_row_major(&rows, 3, 2).unwrap();
        let err = check_finite(x).unwrap_err();
        assert!(
            matches!(err, Error::NonFiniteValue { row: 1, column: 1, value } if value.is_infinite())
        );
    }

    #[test]
    fn check_finite_rejects_huge_values() {
        let rows = [1.0, -1e300, 2.0, 3.0];
        let x = from_row_major(&rows, 2, 2).unwrap();
        let err = check_finite(x).unwrap_err();
        assert!(
            matches!(err, Error::ValueTooLarge { row: 0, column: 1, value, .. } if value == -1e300)
        );
    }

    #[test]
    fn check_finite_rejects_empty() {
        let x = Mat::<f64>::zeros(0, 3);
        assert!(matches!(
            check_finite(x.as_ref()),
            Err(Error::EmptyData {
                n_points: 0,
                dim: 3
            })
        ));
    }

    #[test]
    fn from_row_major_rejects_wrong_length() {
        let err = from_row_major(&[1.0, 2.0, 3.0], 2, 2).unwrap_err();
        assert!(matches!(
            err,
            Error::LengthMismatch {
                expected: 4,
                found: 3,
                ..
            }
        ));
    }
}
