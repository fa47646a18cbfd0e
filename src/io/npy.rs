//! Reader for NumPy `.npy` files that contain a 1-D or 2-D array of `f64` or `f32`.
//!
//! A `.npy` file is the magic string `\x93NUMPY`, a major and a minor version byte, the header
//! length (a little-endian `u16` in version 1.0, a `u32` in versions 2.0 and 3.0), and the
//! header: a Python dict literal with the keys `descr`, `fortran_order` and `shape`. The raw
//! array data follows the header.

use std::path::Path;

use super::{select_columns, ReadOptions, Table};
use crate::error::{Error, Result};

const MAGIC: &[u8] = b"\x93NUMPY";

/// Reads a numeric table from a NumPy `.npy` file.
///
/// The array must have dtype `f64` or `f32` in either byte order, C (row-major) order and shape
/// `(n, d)` or `(n,)`, which is read as `n × 1`. Columns are named `x0`, `x1`, … so that
/// [`ReadOptions::columns`] can select them. Format versions 1.0, 2.0 and 3.0 are accepted.
///
/// A NaN in a selected column is a missing value: the row is dropped if
/// [`ReadOptions::drop_missing`] is set. Columns that are not selected are not checked.
///
/// # Errors
///
/// - [`Error::Io`] if the file cannot be read.
/// - [`Error::Npy`] if the file is not a `.npy` file, is truncated, or has an unsupported
///   version, dtype, memory order or shape. The reason names the problem and the fix.
/// - [`Error::NonFiniteValue`] with the 0-based row and file column of an infinity in a selected
///   column, or of a NaN unless missing values are dropped.
/// - [`Error::MissingColumn`] if a selected name is not one of `x0`, `x1`, ….
/// - [`Error::EmptyData`] if the array has no rows or columns, or no row remains.
pub fn read_npy(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Table> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::io(path, source))?;
    parse_npy(&bytes, path, options)
}

/// Parses the bytes of a `.npy` file. `path` is used only in errors.
fn parse_npy(bytes: &[u8], path: &Path, options: &ReadOptions) -> Result<Table> {
    let npy_error = |reason: String| Error::Npy {
        path: path.to_path_buf(),
        reason,
    };

    let (header, data_start) = parse_header(bytes).map_err(npy_error)?;
    let (n_rows, n_cols) = (header.n_rows, header.n_cols);
    if n_rows == 0 || n_cols == 0 {
        return Err(Error::EmptyData {
            n_points: n_rows,
            dim: n_cols,
        });
    }

    let data = &bytes[data_start..];
    let expected_len = n_rows
        .checked_mul(n_cols)
        .and_then(|count| count.checked_mul(header.dtype.size))
        .ok_or_else(|| {
            npy_error(format!(
                "shape ({n_rows}, {n_cols}) is too large to address on this platform"
            ))
        })?;
    if data.len() != expected_len {
        let problem = if data.len() < expected_len {
            "truncated"
        } else {
            "has trailing bytes"
        };
        return Err(npy_error(format!(
            "data {problem}: shape ({n_rows}, {n_cols}) with dtype '{}' needs {expected_len} bytes \
             after the header, but the file has {}",
            header.descr,
            data.len()
        )));
    }

    let columns: Vec<String> = (0..n_cols).map(|column| format!("x{column}")).collect();
    let selected = select_columns(&columns, options)?;

    let mut values = Vec::with_capacity(n_rows * selected.len());
    let mut rows = Vec::with_capacity(n_rows);
    let mut row_values = Vec::with_capacity(selected.len());
    for row in 0..n_rows {
        // Infinity is an error even in a row that a NaN would drop, so check every selected value.
        let mut has_nan = false;
        row_values.clear();
        for &column in &selected {
            let value = header.dtype.read(data, row * n_cols + column);
            if value.is_finite() {
                row_values.push(value);
            } else if value.is_nan() && options.drops_missing() {
                has_nan = true;
            } else {
                return Err(Error::NonFiniteValue { row, column, value });
            }
        }
        if !has_nan {
            values.extend_from_slice(&row_values);
            rows.push(row);
        }
    }

    let columns = selected
        .iter()
        .map(|&column| columns[column].clone())
        .collect();
    let n_kept = rows.len();
    Table::new(columns, values, n_kept, rows)
}

/// Element type and byte order of the array.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Dtype {
    /// Bytes per element: 8 for `f64`, 4 for `f32`.
    size: usize,
    big_endian: bool,
}

impl Dtype {
    /// Decodes element `index` of `data`, whose length the caller has checked.
    fn read(self, data: &[u8], index: usize) -> f64 {
        let start = index * self.size;
        let bytes = &data[start..start + self.size];
        match (self.size, self.big_endian) {
            (8, false) => f64::from_le_bytes(bytes.try_into().expect("8-byte slice")),
            (8, true) => f64::from_be_bytes(bytes.try_into().expect("8-byte slice")),
            (_, false) => f64::from(f32::from_le_bytes(bytes.try_into().expect("4-byte slice"))),
            (_, true) => f64::from(f32::from_be_bytes(bytes.try_into().expect("4-byte slice"))),
        }
    }
}

/// The parts of a `.npy` header that the reader uses.
#[derive(Debug)]
struct NpyHeader {
    /// The `descr` text as written in the file, for messages.
    descr: String,
    dtype: Dtype,
    n_rows: usize,
    n_cols: usize,
}

/// Parses the preamble and header dict. Returns the header and the offset where the data starts,
/// or the reason the file is rejected.
fn parse_header(bytes: &[u8]) -> std::result::Result<(NpyHeader, usize), String> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(
            "not a .npy file: it does not start with the magic string \\x93NUMPY".to_string(),
        );
    }
    let Some(&[major, minor]) = bytes.get(6..8) else {
        return Err("truncated header: the file ends before the format version".to_string());
    };

    // Version 1.0 stores the header length in 2 bytes, versions 2.0 and 3.0 in 4 bytes.
    let length_size = match (major, minor) {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        _ => {
            return Err(format!(
                "unsupported format version {major}.{minor}; versions 1.0, 2.0 and 3.0 are supported"
            ));
        }
    };
    let Some(length_bytes) = bytes.get(8..8 + length_size) else {
        return Err("truncated header: the file ends before the header length".to_string());
    };
    let header_len = if length_size == 2 {
        usize::from(u16::from_le_bytes([length_bytes[0], length_bytes[1]]))
    } else {
        let length = u32::from_le_bytes(length_bytes.try_into().expect("4-byte slice"));
        usize::try_from(length).map_err(|_| format!("header length {length} is too large"))?
    };

    let header_start = 8 + length_size;
    let data_start = header_start + header_len;
    let Some(header_bytes) = bytes.get(header_start..data_start) else {
        return Err(format!(
            "truncated header: the header length is {header_len} bytes, but the file has only {} \
             bytes after the preamble",
            bytes.len() - header_start
        ));
    };

    // Versions 1.0 and 2.0 encode the header in Latin-1, version 3.0 in UTF-8.
    let header_text = if major == 3 {
        std::str::from_utf8(header_bytes)
            .map_err(|_| "the header is not valid UTF-8".to_string())?
            .to_string()
    } else {
        header_bytes.iter().map(|&byte| char::from(byte)).collect()
    };

    let header = interpret_header(&header_text)?;
    Ok((header, data_start))
}

/// Checks the header dict and extracts the dtype and shape.
fn interpret_header(text: &str) -> std::result::Result<NpyHeader, String> {
    let dict = match parse_literal(text)? {
        PyValue::Dict(entries) => entries,
        _ => return Err(format!("the header is not a Python dict: {}", text.trim())),
    };
    // As in Python, the last value of a repeated key wins.
    let entry = |key: &str| {
        dict.iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
            .ok_or_else(|| format!("the header has no '{key}' key: {}", text.trim()))
    };

    let descr = match entry("descr")? {
        PyValue::Str(descr) => descr.clone(),
        PyValue::List(_) => {
            return Err(
                "structured dtypes are not supported: an f64 or f32 array is required; \
                 convert it with arr.astype(np.float64)"
                    .to_string(),
            );
        }
        _ => return Err("the header value of 'descr' is not a string".to_string()),
    };
    let dtype = parse_dtype(&descr)?;

    match entry("fortran_order")? {
        PyValue::Bool(false) => {}
        PyValue::Bool(true) => {
            return Err(
                "the array is stored in Fortran (column-major) order, but C (row-major) order is \
                 required; save np.ascontiguousarray(arr) instead"
                    .to_string(),
            );
        }
        _ => return Err("the header value of 'fortran_order' is not True or False".to_string()),
    }

    let shape = match entry("shape")? {
        PyValue::Tuple(items) => items
            .iter()
            .map(|item| match item {
                PyValue::Int(size) => usize::try_from(*size)
                    .map_err(|_| format!("invalid array size {size} in the header shape")),
                _ => Err("the header shape contains a value that is not an integer".to_string()),
            })
            .collect::<std::result::Result<Vec<usize>, String>>()?,
        _ => return Err("the header value of 'shape' is not a tuple".to_string()),
    };
    let (n_rows, n_cols) = match shape[..] {
        [n_rows] => (n_rows, 1),
        [n_rows, n_cols] => (n_rows, n_cols),
        _ => {
            return Err(format!(
                "the array has {} dimensions, but 1 or 2 are required; reshape it with \
                 arr.reshape(len(arr), -1)",
                shape.len()
            ));
        }
    };

    Ok(NpyHeader {
        descr,
        dtype,
        n_rows,
        n_cols,
    })
}

/// Parses a NumPy type string such as `<f8`. `<` is little-endian, `>` is big-endian, and `=`,
/// `|` or no prefix mean the byte order of the machine running this code.
fn parse_dtype(descr: &str) -> std::result::Result<Dtype, String> {
    let (big_endian, code) = match descr.as_bytes().first() {
        Some(b'<') => (false, &descr[1..]),
        Some(b'>') => (true, &descr[1..]),
        Some(b'=' | b'|') => (cfg!(target_endian = "big"), &descr[1..]),
        _ => (cfg!(target_endian = "big"), descr),
    };
    let size = match code {
        "f8" | "d" => 8,
        "f4" | "f" => 4,
        _ => {
            return Err(format!(
                "unsupported dtype '{descr}': f64 ('<f8') or f32 ('<f4') is required; convert the \
                 array with arr.astype(np.float64)"
            ));
        }
    };
    Ok(Dtype { size, big_endian })
}

/// The subset of Python literals that `.npy` headers use.
#[derive(Debug, PartialEq)]
enum PyValue {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    Tuple(Vec<PyValue>),
    List(Vec<PyValue>),
    Dict(Vec<(String, PyValue)>),
}

/// Maximum nesting of tuples, lists and dicts, so that a corrupt header cannot overflow the stack.
const MAX_NESTING: usize = 32;

/// Parses `text` as a single Python literal surrounded by optional whitespace.
fn parse_literal(text: &str) -> std::result::Result<PyValue, String> {
    let mut parser = LiteralParser {
        text,
        pos: 0,
        depth: 0,
    };
    let value = parser.parse_value()?;
    parser.skip_whitespace();
    if parser.pos != text.len() {
        return Err(parser.error("unexpected text after the header dict"));
    }
    Ok(value)
}

/// A recursive-descent parser over the header text.
struct LiteralParser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl LiteralParser<'_> {
    fn error(&self, problem: &str) -> String {
        format!(
            "invalid header: {problem} at byte {} of {:?}",
            self.pos,
            self.text.trim_end()
        )
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn parse_value(&mut self) -> std::result::Result<PyValue, String> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.nested(Self::parse_dict),
            Some(b'(') => self.nested(Self::parse_tuple),
            Some(b'[') => self.nested(|parser| {
                parser
                    .parse_sequence(b'[', b']')
                    .map(|(items, _)| PyValue::List(items))
            }),
            Some(quote @ (b'\'' | b'"')) => self.parse_string(quote).map(PyValue::Str),
            Some(b'0'..=b'9' | b'-' | b'+') => self.parse_int(),
            Some(_) => self.parse_name(),
            None => Err(self.error("unexpected end")),
        }
    }

    fn nested(
        &mut self,
        parse: impl FnOnce(&mut Self) -> std::result::Result<PyValue, String>,
    ) -> std::result::Result<PyValue, String> {
        if self.depth == MAX_NESTING {
            return Err(self.error("too deeply nested"));
        }
        self.depth += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn parse_dict(&mut self) -> std::result::Result<PyValue, String> {
        self.pos += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_whitespace();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(PyValue::Dict(entries));
            }

            let key = match self.parse_value()? {
                PyValue::Str(key) => key,
                _ => return Err(self.error("a dict key is not a string")),
            };
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.pos += 1;
            let value = self.parse_value()?;
            entries.push((key, value));

            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    /// Parses `(...)`. As in Python, parentheses around one item without a comma are grouping,
    /// not a tuple.
    fn parse_tuple(&mut self) -> std::result::Result<PyValue, String> {
        let (mut items, had_comma) = self.parse_sequence(b'(', b')')?;
        if items.len() == 1 && !had_comma {
            Ok(items.remove(0))
        } else {
            Ok(PyValue::Tuple(items))
        }
    }

    /// Parses comma-separated values between `open` and `close`, allowing a trailing comma.
    /// Returns the values and whether any comma was seen.
    fn parse_sequence(
        &mut self,
        open: u8,
        close: u8,
    ) -> std::result::Result<(Vec<PyValue>, bool), String> {
        debug_assert_eq!(self.peek(), Some(open));
        self.pos += 1;
        let mut items = Vec::new();
        let mut had_comma = false;
        loop {
            self.skip_whitespace();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok((items, had_comma));
            }

            items.push(self.parse_value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    had_comma = true;
                    self.pos += 1;
                }
                Some(byte) if byte == close => {}
                _ => return Err(self.error(&format!("expected ',' or '{}'", char::from(close)))),
            }
        }
    }

    /// Parses a quoted string. Only the escapes `\\`, `\'` and `\"` are decoded, which covers
    /// what NumPy writes.
    fn parse_string(&mut self, quote: u8) -> std::result::Result<String, String> {
        self.pos += 1;
        let mut value = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, escaped @ ('\\' | '\'' | '"'))) => value.push(escaped),
                    Some((_, other)) => {
                        value.push('\\');
                        value.push(other);
                    }
                    None => break,
                },
                c if c == char::from(quote) => {
                    self.pos += offset + 1;
                    return Ok(value);
                }
                c => value.push(c),
            }
        }
        Err(self.error("unclosed string"))
    }

    /// Parses a decimal integer. A trailing `L`, written by Python 2 for long integers, is
    /// accepted.
    fn parse_int(&mut self) -> std::result::Result<PyValue, String> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.pos += 1;
        }
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        let digits = &self.text[start..self.pos];
        if matches!(self.peek(), Some(b'L' | b'l')) {
            self.pos += 1;
        }
        digits
            .parse::<i64>()
            .map(PyValue::Int)
            .map_err(|_| self.error(&format!("invalid integer '{digits}'")))
    }

    fn parse_name(&mut self) -> std::result::Result<PyValue, String> {
        let start = self.pos;
        while matches!(self.peek(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_')) {
            self.pos += 1;
        }
        match &self.text[start..self.pos] {
            "True" => Ok(PyValue::Bool(true)),
            "False" => Ok(PyValue::Bool(false)),
            "None" => Ok(PyValue::None),
            _ => {
                self.pos = start;
                Err(self.error("unexpected character"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a `.npy` file of format version `major`.0 with the header dict `dict`, padded with
    /// spaces and a newline to a multiple of 64 bytes as NumPy does, followed by `data`.
    fn npy_bytes(major: u8, dict: &str, data: &[u8]) -> Vec<u8> {
        let length_size = if major == 1 { 2 } else { 4 };
        let preamble_len = MAGIC.len() + 2 + length_size;
        let unpadded = preamble_len + dict.len() + 1;
        let padding = (64 - unpadded % 64) % 64;
        let header = format!("{dict}{}\n", " ".repeat(padding));

        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[major, 0]);
        if major == 1 {
            bytes.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
        } else {
            bytes.extend_from_slice(&u32::try_from(header.len()).unwrap().to_le_bytes());
        }
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    fn f64_le(values: &[f64]) -> Vec<u8> {
        values
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect()
    }

    fn f32_be(values: &[f32]) -> Vec<u8> {
        values
            .iter()
            .flat_map(|value| value.to_be_bytes())
            .collect()
    }

    fn parse(bytes: &[u8], options: &ReadOptions) -> Result<Table> {
        parse_npy(bytes, Path::new("test.npy"), options)
    }

    /// Returns the reason of an `Error::Npy`, or panics with the error.
    fn npy_reason(result: Result<Table>) -> String {
        match result {
            Err(Error::Npy { reason, .. }) => reason,
            other => panic!("expected an Npy error, got {other:?}"),
        }
    }

    fn dict(descr: &str, shape: &str) -> String {
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}")
    }

    #[test]
    fn npy_v1_f8_little_endian() {
        let values = [1.0, -2.5, 3.25, 4.0, 5.5, 6.0];
        let bytes = npy_bytes(1, &dict("<f8", "(3, 2)"), &f64_le(&values));
        let table = parse(&bytes, &ReadOptions::new()).unwrap();

        assert_eq!(table.n_rows(), 3);
        assert_eq!(table.n_cols(), 2);
        assert_eq!(table.columns(), &["x0".to_string(), "x1".to_string()]);
        assert_eq!(table.values(), &values);
        assert_eq!(table.row_indices(), &[0, 1, 2]);
    }

    #[test]
    fn npy_v2_f4_big_endian() {
        let values = [0.5f32, 1.5, -2.0, 1e-3, 7.0, 8.0];
        let bytes = npy_bytes(2, &dict(">f4", "(2, 3)"), &f32_be(&values));
        let table = parse(&bytes, &ReadOptions::new()).unwrap();

        assert_eq!(table.n_rows(), 2);
        assert_eq!(table.n_cols(), 3);
        let expected: Vec<f64> = values.iter().map(|&value| f64::from(value)).collect();
        assert_eq!(table.values(), &expected[..]);
    }

    #[test]
    fn npy_v3_and_other_byte_orders() {
        let values = [1.0f64, 2.0];
        let big: Vec<u8> = values
            .iter()
            .flat_map(|value| value.to_be_bytes())
            .collect();
        let table = parse(
            &npy_bytes(3, &dict(">f8", "(2,)"), &big),
            &ReadOptions::new(),
        )
        .unwrap();
        assert_eq!(table.values(), &values);

        let little_f32: Vec<u8> = [1.0f32, 2.0]
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect();
        let table = parse(
            &npy_bytes(1, &dict("<f4", "(2,)"), &little_f32),
            &ReadOptions::new(),
        )
        .unwrap();
        assert_eq!(table.values(), &values);

        let native: Vec<u8> = values
            .iter()
            .flat_map(|value| value.to_ne_bytes())
            .collect();
        for descr in ["f8", "=f8", "|f8", "<d"] {
            let bytes = if descr == "<d" {
                f64_le(&values)
            } else {
                native.clone()
            };
            let table = parse(
                &npy_bytes(1, &dict(descr, "(2,)"), &bytes),
                &ReadOptions::new(),
            )
            .unwrap();
            assert_eq!(table.values(), &values, "descr {descr}");
        }
    }

    #[test]
    fn npy_one_dimensional_is_one_column() {
        let bytes = npy_bytes(1, &dict("<f8", "(3,)"), &f64_le(&[1.0, 2.0, 3.0]));
        let table = parse(&bytes, &ReadOptions::new()).unwrap();

        assert_eq!(table.n_rows(), 3);
        assert_eq!(table.n_cols(), 1);
        assert_eq!(table.columns(), &["x0".to_string()]);
    }

    #[test]
    fn npy_header_key_order_and_python2_long() {
        let header = "{'shape': (2L, 1L), 'fortran_order': False, \"descr\": '<f8'}";
        let bytes = npy_bytes(1, header, &f64_le(&[1.0, 2.0]));
        let table = parse(&bytes, &ReadOptions::new()).unwrap();
        assert_eq!(table.values(), &[1.0, 2.0]);
    }

    #[test]
    fn npy_column_selection() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let bytes = npy_bytes(1, &dict("<f8", "(2, 3)"), &f64_le(&values));
        let table = parse(&bytes, &ReadOptions::new().columns(["x2", "x0"])).unwrap();

        assert_eq!(table.columns(), &["x2".to_string(), "x0".to_string()]);
        assert_eq!(table.values(), &[3.0, 1.0, 6.0, 4.0]);

        let err = parse(&bytes, &ReadOptions::new().columns(["x3"])).unwrap_err();
        match err {
            Error::MissingColumn { name, available } => {
                assert_eq!(name, "x3");
                assert_eq!(available, vec!["x0", "x1", "x2"]);
            }
            other => panic!("expected MissingColumn, got {other:?}"),
        }
    }

    #[test]
    fn npy_nan_is_missing() {
        let values = [1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0];
        let bytes = npy_bytes(1, &dict("<f8", "(3, 2)"), &f64_le(&values));

        let err = parse(&bytes, &ReadOptions::new()).unwrap_err();
        assert!(
            matches!(err, Error::NonFiniteValue { row: 1, column: 0, value } if value.is_nan()),
            "{err:?}"
        );

        let dropped = parse(&bytes, &ReadOptions::new().drop_missing(true)).unwrap();
        assert_eq!(dropped.row_indices(), &[0, 2]);
        assert_eq!(dropped.values(), &[1.0, 2.0, 5.0, 6.0]);

        // A NaN in a column that is not selected is not checked.
        let other_column = parse(&bytes, &ReadOptions::new().columns(["x1"])).unwrap();
        assert_eq!(other_column.values(), &[2.0, 4.0, 6.0]);
    }

    #[test]
    fn npy_infinity_rejected_when_dropping() {
        let values = [1.0, f64::NAN, f64::NEG_INFINITY, 4.0];
        let bytes = npy_bytes(1, &dict("<f8", "(2, 2)"), &f64_le(&values));
        let err = parse(&bytes, &ReadOptions::new().drop_missing(true)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NonFiniteValue { row: 1, column: 0, value } if value == f64::NEG_INFINITY
            ),
            "{err:?}"
        );
    }

    #[test]
    fn npy_all_rows_dropped() {
        let bytes = npy_bytes(1, &dict("<f8", "(2,)"), &f64_le(&[f64::NAN, f64::NAN]));
        let err = parse(&bytes, &ReadOptions::new().drop_missing(true)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::EmptyData {
                    n_points: 0,
                    dim: 1
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn npy_empty_shape() {
        for (shape, n_points, dim) in [("(0, 3)", 0, 3), ("(4, 0)", 4, 0), ("(0,)", 0, 1)] {
            let bytes = npy_bytes(1, &dict("<f8", shape), &[]);
            let err = parse(&bytes, &ReadOptions::new()).unwrap_err();
            assert!(
                matches!(err, Error::EmptyData { n_points: p, dim: d } if p == n_points && d == dim),
                "shape {shape}: {err:?}"
            );
        }
    }

    #[test]
    fn npy_fortran_order_rejected() {
        let header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }";
        let bytes = npy_bytes(1, header, &f64_le(&[1.0, 2.0, 3.0, 4.0]));
        let reason = npy_reason(parse(&bytes, &ReadOptions::new()));
        assert!(reason.contains("C (row-major) order"), "{reason}");
        assert!(reason.contains("np.ascontiguousarray"), "{reason}");
    }

    #[test]
    fn npy_unsupported_dtype() {
        for descr in ["<i8", "<f2", "|u1", "<c16", "f8x"] {
            let bytes = npy_bytes(1, &dict(descr, "(1,)"), &[0; 8]);
            let reason = npy_reason(parse(&bytes, &ReadOptions::new()));
            assert!(
                reason.contains(&format!("unsupported dtype '{descr}'")),
                "{reason}"
            );
            assert!(reason.contains("f64 ('<f8') or f32 ('<f4')"), "{reason}");
        }

        let structured = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }";
        let bytes = npy_bytes(1, structured, &[0; 8]);
        let reason = npy_reason(parse(&bytes, &ReadOptions::new()));
        assert!(reason.contains("structured dtypes"), "{reason}");
    }

    #[test]
    fn npy_bad_shapes() {
        let cases = [
            ("()", "0 dimensions"),
            ("(2, 2, 2)", "3 dimensions"),
            ("(2)", "not a tuple"),
            ("(2, -1)", "invalid array size -1"),
        ];
        for (shape, expected) in cases {
            let bytes = npy_bytes(1, &dict("<f8", shape), &[0; 64]);
            let reason = npy_reason(parse(&bytes, &ReadOptions::new()));
            assert!(reason.contains(expected), "shape {shape}: {reason}");
        }
    }

    #[test]
    fn npy_bad_magic() {
        let mut bytes = npy_bytes(1, &dict("<f8", "(1,)"), &f64_le(&[1.0]));
        bytes[1] = b'X';
        let reason = npy_reason(parse(&bytes, &ReadOptions::new()));
        assert!(reason.contains("magic string"), "{reason}");

        let reason = npy_reason(parse(b"a,b\n1,2\n", &ReadOptions::new()));
        assert!(reason.contains("not a .npy file"), "{reason}");

        let reason = npy_reason(parse(b"", &ReadOptions::new()));
        assert!(reason.contains("not a .npy file"), "{reason}");
    }

    #[test]
    fn npy_unsupported_version() {
        let mut bytes = npy_bytes(1, &dict("<f8", "(1,)"), &f64_le(&[1.0]));
        bytes[6] = 4;
        let reason = npy_reason(parse(&bytes, &ReadOptions::new()));
        assert!(
            reason.contains("unsupported format version 4.0"),
            "{reason}"
        );
    }

    #[test]
    fn npy_truncated_data() {
        let bytes = npy_bytes(1, &dict("<f8", "(2, 2)"), &f64_le(&[1.0, 2.0, 3.0]));
        let reason = npy_reason(parse(&bytes, &ReadOptions::new()));
        assert!(reason.contains("data truncated"), "{reason}");
        assert!(reason.contains("needs 32 bytes"), "{reason}");
        assert!(reason.contains("has 24"), "{reason}");

        let long = npy_bytes(1, &dict("<f8", "(1,)"), &f64_le(&[1.0, 2.0]));
        let reason = npy_reason(parse(&long, &ReadOptions::new()));
        assert!(reason.contains("trailing bytes"), "{reason}");
    }

    #[test]
    fn npy_truncated_header() {
        let bytes = npy_bytes(1, &dict("<f8", "(1,)"), &f64_le(&[1.0]));
        for len in [7, 9, 40] {
            let reason = npy_reason(parse(&bytes[..len], &ReadOptions::new()));
            assert!(
                reason.contains("truncated header"),
                "length {len}: {reason}"
            );
        }
    }

    #[test]
    fn npy_malformed_header() {
        let cases = [
            (
                "{'descr': '<f8', 'shape': (1,), }",
                "no 'fortran_order' key",
            ),
            (
                "{'descr': '<f8' 'fortran_order': False}",
                "expected ',' or '}'",
            ),
            (
                "{'descr': '<f8', 'fortran_order': Maybe}",
                "unexpected character",
            ),
            ("['<f8']", "not a Python dict"),
            ("{'descr': '<f8}", "unclosed string"),
            (
                "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}",
                "not True or False",
            ),
            (
                "{'descr': 8, 'fortran_order': False, 'shape': (1,)}",
                "'descr' is not a string",
            ),
        ];
        for (header, expected) in cases {
            let bytes = npy_bytes(1, header, &f64_le(&[1.0]));
            let reason = npy_reason(parse(&bytes, &ReadOptions::new()));
            assert!(reason.contains(expected), "header {header}: {reason}");
        }

        let deep = format!("{}{}", "(".repeat(100), ")".repeat(100));
        let bytes = npy_bytes(1, &deep, &[]);
        let reason = npy_reason(parse(&bytes, &ReadOptions::new()));
        assert!(reason.contains("too deeply nested"), "{reason}");
    }

    #[test]
    fn npy_read_file_names_path() {
        let dir = std::env::temp_dir().join(format!("tae_npy_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("points.npy");

        std::fs::write(&path, npy_bytes(1, &dict("<f8", "(1,)"), &f64_le(&[2.0]))).unwrap();
        let table = read_npy(&path, &ReadOptions::new()).unwrap();
        assert_eq!(table.values(), &[2.0]);

        std::fs::write(&path, b"\x93NUMPY").unwrap();
        match read_npy(&path, &ReadOptions::new()).unwrap_err() {
            Error::Npy {
                path: error_path, ..
            } => assert_eq!(error_path, path),
            other => panic!("expected an Npy error, got {other:?}"),
        }

        let absent = dir.join("absent.npy");
        let err = read_npy(&absent, &ReadOptions::new()).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");

        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn npy_error_message_names_dtype_and_fix() {
        let bytes = npy_bytes(1, &dict("<i8", "(1,)"), &[0; 8]);
        let err = parse(&bytes, &ReadOptions::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read .npy file 'test.npy': unsupported dtype '<i8': f64 ('<f8') or f32 \
             ('<f4') is required; convert the array with arr.astype(np.float64)"
        );
    }

    /// Files written by NumPy 2.4.6 and embedded byte for byte.
    mod numpy_files {
        /// `np.save` of `np.array([[1.5, -2.25], [3.0, 1e-3], [123456.789, -0.0]])`: format 1.0,
        /// `<f8`, shape (3, 2).
        pub const F8_V1: &[u8] = b"\
            \x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }   \
            \x20                                                      \n\x00\x00\x00\x00\x00\x00\
            \xf8?\x00\x00\x00\x00\x00\x00\x02\xc0\x00\x00\x00\x00\x00\x00\x08@\xfc\xa9\xf1\xd2Mb\
            P?\xc9v\xbe\x9f\x0c$\xfe@\x00\x00\x00\x00\x00\x00\x00\x80";

        /// `np.lib.format.write_array` with `version=(2, 0)` of
        /// `np.array([[0.1, 2.5, -3.0], [4.75, 1e6, -0.2]], dtype='>f4')`.
        pub const F4_BIG_V2: &[u8] = b"\
            \x93NUMPY\x02\x00t\x00\x00\x00{'descr': '>f4', 'fortran_order': False, 'shape': (2, \
            3), }                                                        \n=\xcc\xcc\xcd@ \x00\
            \x00\xc0@\x00\x00@\x98\x00\x00It$\x00\xbeL\xcc\xcd";

        /// `np.lib.format.write_array` with `version=(3, 0)` of `np.array([0.5, np.nan, -7.0])`.
        pub const F8_1D_NAN_V3: &[u8] = b"\
            \x93NUMPY\x03\x00t\x00\x00\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,)\
            , }                                                          \n\x00\x00\x00\x00\x00\
            \x00\xe0?\x00\x00\x00\x00\x00\x00\xf8\x7f\x00\x00\x00\x00\x00\x00\x1c\xc0";

        /// `np.save` of `np.asfortranarray(np.arange(6.0).reshape(2, 3))`.
        pub const F8_FORTRAN: &[u8] = b"\
            \x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }    \
            \x20                                                      \n\x00\x00\x00\x00\x00\x00\
            \x00\x00\x00\x00\x00\x00\x00\x00\x08@\x00\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\
            \x00\x00\x10@\x00\x00\x00\x00\x00\x00\x00@\x00\x00\x00\x00\x00\x00\x14@";

        /// `np.save` of `np.arange(3, dtype='<i8')`.
        pub const I8: &[u8] = b"\
            \x93NUMPY\x01\x00v\x00{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }     \
            \x20                                                      \n\x00\x00\x00\x00\x00\x00\
            \x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00";
    }

    #[test]
    fn numpy_f8_v1() {
        let table = parse(numpy_files::F8_V1, &ReadOptions::new()).unwrap();
        assert_eq!(table.n_rows(), 3);
        assert_eq!(table.n_cols(), 2);
        assert_eq!(table.values(), &[1.5, -2.25, 3.0, 1e-3, 123456.789, -0.0]);
        assert!(table.get(2, 1).unwrap().is_sign_negative());
    }

    #[test]
    fn numpy_f4_big_endian_v2() {
        let table = parse(numpy_files::F4_BIG_V2, &ReadOptions::new()).unwrap();
        let expected: Vec<f64> = [0.1f32, 2.5, -3.0, 4.75, 1e6, -0.2]
            .iter()
            .map(|&value| f64::from(value))
            .collect();
        assert_eq!(table.n_rows(), 2);
        assert_eq!(table.n_cols(), 3);
        assert_eq!(table.values(), &expected[..]);
        assert_eq!(table.get(0, 0), Some(0.10000000149011612));
    }

    #[test]
    fn numpy_nan_v3() {
        let err = parse(numpy_files::F8_1D_NAN_V3, &ReadOptions::new()).unwrap_err();
        assert!(
            matches!(err, Error::NonFiniteValue { row: 1, column: 0, value } if value.is_nan()),
            "{err:?}"
        );

        let table = parse(
            numpy_files::F8_1D_NAN_V3,
            &ReadOptions::new().drop_missing(true),
        )
        .unwrap();
        assert_eq!(table.values(), &[0.5, -7.0]);
        assert_eq!(table.row_indices(), &[0, 2]);
    }

    #[test]
    fn numpy_fortran_order_rejected() {
        let reason = npy_reason(parse(numpy_files::F8_FORTRAN, &ReadOptions::new()));
        assert!(reason.contains("np.ascontiguousarray"), "{reason}");
    }

    #[test]
    fn numpy_int64_rejected() {
        let reason = npy_reason(parse(numpy_files::I8, &ReadOptions::new()));
        assert!(reason.contains("unsupported dtype '<i8'"), "{reason}");
    }
}
