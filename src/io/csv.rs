//! CSV reader: a tokenizer for comma-separated records and the conversion of selected columns
//! to numbers. The accepted format is described in the docs of [`crate::io`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{select_columns, ReadOptions, Table};
use crate::error::{CsvErrorKind, Error, Result};

/// Reads a numeric table from a CSV file.
///
/// The first line is the header. Columns are selected by header name (see
/// [`ReadOptions::columns`]), and every selected field must be a finite number or a missing value.
/// The format rules are listed in the [module docs](crate::io#csv-format).
///
/// # Errors
///
/// - [`Error::Io`] if the file cannot be read or is not valid UTF-8.
/// - [`Error::Csv`] with the 1-based line number for a malformed file: [`CsvErrorKind::MissingHeader`],
///   [`CsvErrorKind::DuplicateColumn`], [`CsvErrorKind::RaggedRow`], [`CsvErrorKind::UnclosedQuote`],
///   [`CsvErrorKind::NotNumeric`], [`CsvErrorKind::NonFinite`], or [`CsvErrorKind::MissingValue`] unless
///   [`ReadOptions::drop_missing`] is set.
/// - [`Error::MissingColumn`] if a selected name is not in the header.
/// - [`Error::EmptyData`] if no data row remains or no column is selected.
pub fn read_csv(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Table> {
    let path = path.as_ref();
    let text = read_text(path)?;
    parse_csv_at(&text, path, options)
}

/// Parses a numeric table from CSV text held in memory.
///
/// This is [`read_csv`] without the file: the rules and errors are the same, and errors carry an
/// empty path.
pub fn parse_csv(text: &str, options: &ReadOptions) -> Result<Table> {
    parse_csv_at(text, Path::new(""), options)
}

/// Reads every record of a CSV file as text, without converting anything to numbers.
///
/// Use this for columns that hold text, such as class labels. [`CsvRecords::to_table`] converts
/// selected columns to a [`Table`] afterwards, so a file need not be parsed twice.
///
/// # Errors
///
/// - [`Error::Io`] if the file cannot be read or is not valid UTF-8.
/// - [`Error::Csv`] with [`CsvErrorKind::MissingHeader`], [`CsvErrorKind::DuplicateColumn`],
///   [`CsvErrorKind::RaggedRow`] or [`CsvErrorKind::UnclosedQuote`].
pub fn read_csv_records(path: impl AsRef<Path>) -> Result<CsvRecords> {
    let path = path.as_ref();
    let text = read_text(path)?;
    parse_records_at(&text, path)
}

/// Parses every record of CSV text held in memory, without converting anything to numbers.
///
/// This is [`read_csv_records`] without the file, and errors carry an empty path.
pub fn parse_csv_records(text: &str) -> Result<CsvRecords> {
    parse_records_at(text, Path::new(""))
}

/// The header and data records of a CSV file, as text.
///
/// Every record has as many fields as the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecords {
    path: PathBuf,
    header: Vec<String>,
    records: Vec<CsvRecord>,
}

/// One data record of a CSV file: its fields as text and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    line: usize,
    fields: Vec<String>,
}

impl CsvRecords {
    /// Column names from the header.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The data records, in file order. Record `i` is data row `i` of [`Table::row_indices`].
    pub fn records(&self) -> &[CsvRecord] {
        &self.records
    }

    /// Number of data records (the header excluded).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the file has no data records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Returns the 0-based position of the column called `name`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingColumn`] if the header has no such column.
    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|column| column == name)
            .ok_or_else(|| Error::MissingColumn {
                name: name.to_string(),
                available: self.header.clone(),
            })
    }

    /// Returns the field of every record in the column called `name`, in record order.
    ///
    /// # Errors
    ///
    /// [`Error::MissingColumn`] if the header has no such column.
    pub fn column(&self, name: &str) -> Result<Vec<&str>> {
        let index = self.column_index(name)?;
        Ok(self
            .records
            .iter()
            .map(|record| record.fields[index].as_str())
            .collect())
    }

    /// Converts the selected columns to a numeric table, with the rules of [`read_csv`].
    ///
    /// # Errors
    ///
    /// The errors of [`read_csv`] that concern values and columns: [`CsvErrorKind::NotNumeric`],
    /// [`CsvErrorKind::NonFinite`], [`CsvErrorKind::MissingValue`], [`Error::MissingColumn`] and [`Error::EmptyData`].
    pub fn to_table(&self, options: &ReadOptions) -> Result<Table> {
        let mut builder = TableBuilder::new(&self.path, &self.header, options)?;
        for record in &self.records {
            builder.push_record(record.line, record)?;
        }
        builder.finish()
    }
}

impl CsvRecord {
    /// 1-based line on which the record starts (the header is line 1).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The fields, with quotes removed and surrounding spaces of unquoted fields trimmed.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Returns the field at the 0-based position `index`, or `None` if it is out of range.
    pub fn field(&self, index: usize) -> Option<&str> {
        self.fields.get(index).map(String::as_str)
    }
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::io(path, source))
}

fn csv_error(path: &Path, line: usize, kind: CsvErrorKind) -> Error {
    Error::Csv {
        path: path.to_path_buf(),
        line,
        kind,
    }
}

fn parse_csv_at(text: &str, path: &Path, options: &ReadOptions) -> Result<Table> {
    let mut reader = RecordReader::new(text);
    let mut record = RecordBuf::default();
    let header = read_header(&mut reader, &mut record, path)?;

    // Values are converted record by record, so a large file is never held as strings.
    let mut builder = TableBuilder::new(path, &header, options)?;
    while let Some(line) = next_record(&mut reader, &mut record, path)? {
        builder.push_record(line, &record)?;
    }
    builder.finish()
}

fn parse_records_at(text: &str, path: &Path) -> Result<CsvRecords> {
    let mut reader = RecordReader::new(text);
    let mut record = RecordBuf::default();
    let header = read_header(&mut reader, &mut record, path)?;

    let mut records = Vec::new();
    while let Some(line) = next_record(&mut reader, &mut record, path)? {
        check_field_count(path, line, header.len(), record.len())?;
        let fields = (0..record.len())
            .map(|index| record.field(index).to_string())
            .collect();
        records.push(CsvRecord { line, fields });
    }

    Ok(CsvRecords {
        path: path.to_path_buf(),
        header,
        records,
    })
}

fn next_record(
    reader: &mut RecordReader<'_>,
    record: &mut RecordBuf,
    path: &Path,
) -> Result<Option<usize>> {
    reader
        .read_record(record)
        .map_err(|(line, kind)| csv_error(path, line, kind))
}

/// Reads the header record and checks that it names each column once.
fn read_header(
    reader: &mut RecordReader<'_>,
    record: &mut RecordBuf,
    path: &Path,
) -> Result<Vec<String>> {
    let Some(line) = next_record(reader, record, path)? else {
        return Err(csv_error(path, 1, CsvErrorKind::MissingHeader));
    };
    if record.len() == 1 && record.field(0).is_empty() {
        return Err(csv_error(path, line, CsvErrorKind::MissingHeader));
    }

    let header: Vec<String> = (0..record.len())
        .map(|index| record.field(index).to_string())
        .collect();

    let mut seen = HashSet::with_capacity(header.len());
    for name in &header {
        if !seen.insert(name.as_str()) {
            return Err(csv_error(
                path,
                line,
                CsvErrorKind::DuplicateColumn { name: name.clone() },
            ));
        }
    }
    Ok(header)
}

fn check_field_count(path: &Path, line: usize, expected: usize, found: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(csv_error(
            path,
            line,
            CsvErrorKind::RaggedRow { expected, found },
        ))
    }
}

/// Read access to the fields of one record, whether tokenized just now or stored.
trait Fields {
    fn len(&self) -> usize;
    fn field(&self, index: usize) -> &str;
}

impl Fields for CsvRecord {
    fn len(&self) -> usize {
        self.fields.len()
    }

    fn field(&self, index: usize) -> &str {
        &self.fields[index]
    }
}

/// The value of one field of a numeric column.
#[derive(Debug, PartialEq)]
enum Number {
    Value(f64),
    Missing,
    Infinite,
    Invalid,
}

/// Classifies a field: empty, `NA` and NaN (any case, with or without sign) are missing. Infinity
/// and numbers too large for `f64`, which Rust parses as infinity, are rejected as infinite.
fn parse_number(field: &str) -> Number {
    // Quoted fields keep their spaces, so trim them here.
    let text = field.trim_matches([' ', '\t']);
    if text.is_empty() || text == "NA" {
        return Number::Missing;
    }
    match text.parse::<f64>() {
        Ok(value) if value.is_nan() => Number::Missing,
        Ok(value) if value.is_finite() => Number::Value(value),
        Ok(_) => Number::Infinite,
        Err(_) => Number::Invalid,
    }
}

/// Collects the selected columns of data records into a [`Table`].
struct TableBuilder<'a> {
    path: &'a Path,
    header: &'a [String],
    selected: Vec<usize>,
    drop_missing: bool,
    values: Vec<f64>,
    rows: Vec<usize>,
    n_records: usize,
    row_values: Vec<f64>,
}

impl<'a> TableBuilder<'a> {
    fn new(path: &'a Path, header: &'a [String], options: &ReadOptions) -> Result<Self> {
        let selected = select_columns(header, options)?;
        Ok(TableBuilder {
            path,
            header,
            selected,
            drop_missing: options.drops_missing(),
            values: Vec::new(),
            rows: Vec::new(),
            n_records: 0,
            row_values: Vec::new(),
        })
    }

    /// Converts the selected fields of the record that starts on `line`, then keeps the row or,
    /// if a value is missing and missing values are dropped, skips it.
    fn push_record(&mut self, line: usize, record: &impl Fields) -> Result<()> {
        let data_row = self.n_records;
        self.n_records += 1;
        check_field_count(self.path, line, self.header.len(), record.len())?;

        // A row with a missing value is dropped only after all its selected fields are checked,
        // so text in a numeric column is reported even in a row that would be dropped.
        let mut has_missing = false;
        self.row_values.clear();
        for &column in &self.selected {
            let field = record.field(column);
            match parse_number(field) {
                Number::Value(value) => self.row_values.push(value),
                Number::Missing if self.drop_missing => has_missing = true,
                Number::Missing => {
                    let kind = CsvErrorKind::MissingValue {
                        column: column + 1,
                        name: self.header[column].clone(),
                    };
                    return Err(csv_error(self.path, line, kind));
                }
                Number::Infinite => {
                    let kind = CsvErrorKind::NonFinite {
                        column: column + 1,
                        name: self.header[column].clone(),
                        value: field.to_string(),
                    };
                    return Err(csv_error(self.path, line, kind));
                }
                Number::Invalid => {
                    let kind = CsvErrorKind::NotNumeric {
                        column: column + 1,
                        name: self.header[column].clone(),
                        value: field.to_string(),
                    };
                    return Err(csv_error(self.path, line, kind));
                }
            }
        }

        if !has_missing {
            self.values.extend_from_slice(&self.row_values);
            self.rows.push(data_row);
        }
        Ok(())
    }

    fn finish(self) -> Result<Table> {
        let columns = self
            .selected
            .iter()
            .map(|&column| self.header[column].clone())
            .collect();
        let n_rows = self.rows.len();
        Table::new(columns, self.values, n_rows, self.rows)
    }
}

/// The fields of one record, stored in one string with the end offset of each field.
#[derive(Debug, Default)]
struct RecordBuf {
    text: String,
    ends: Vec<usize>,
}

impl RecordBuf {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn push_str(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn end_field(&mut self) {
        self.ends.push(self.text.len());
    }
}

impl Fields for RecordBuf {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn field(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.text[start..self.ends[index]]
    }
}

/// A tokenizer that splits CSV text into records and tracks 1-based line numbers.
///
/// All delimiters are ASCII, so byte offsets found by scanning bytes are always char boundaries.
struct RecordReader<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> RecordReader<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Blank lines at the end are not records.
        let text = text.trim_end_matches([' ', '\t', '\r', '\n']);
        RecordReader {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// Reads the next record into `record` and returns the line it starts on, or `None` at the
    /// end of the text. An error carries the line where the problem starts.
    fn read_record(
        &mut self,
        record: &mut RecordBuf,
    ) -> std::result::Result<Option<usize>, (usize, CsvErrorKind)> {
        if self.pos >= self.text.len() {
            return Ok(None);
        }

        let start_line = self.line;
        let bytes = self.text.as_bytes();
        record.clear();
        loop {
            while matches!(bytes.get(self.pos), Some(b' ' | b'\t')) {
                self.pos += 1;
            }

            if bytes.get(self.pos) == Some(&b'"') {
                self.read_quoted_field(record)?;
            } else {
                let end = self.field_end();
                record.push_str(self.text[self.pos..end].trim_end_matches([' ', '\t', '\r']));
                self.pos = end;
            }
            record.end_field();

            // field_end stops only at a comma, a newline or the end of the text.
            match bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(_) => {
                    self.pos += 1;
                    self.line += 1;
                    break;
                }
                None => break,
            }
        }
        Ok(Some(start_line))
    }

    /// Reads a field that starts with a double quote. A doubled quote inside stands for one
    /// quote, and commas and newlines inside are part of the field.
    fn read_quoted_field(
        &mut self,
        record: &mut RecordBuf,
    ) -> std::result::Result<(), (usize, CsvErrorKind)> {
        let opening_line = self.line;
        let bytes = self.text.as_bytes();
        self.pos += 1;
        loop {
            let Some(offset) = bytes[self.pos..].iter().position(|&byte| byte == b'"') else {
                return Err((opening_line, CsvErrorKind::UnclosedQuote));
            };
            let quote = self.pos + offset;
            let segment = &self.text[self.pos..quote];
            self.line += segment.bytes().filter(|&byte| byte == b'\n').count();
            record.push_str(segment);

            if bytes.get(quote + 1) == Some(&b'"') {
                record.push_str("\"");
                self.pos = quote + 2;
            } else {
                self.pos = quote + 1;
                break;
            }
        }

        // As Python's csv module does, append any text between the closing quote and the delimiter.
        let end = self.field_end();
        record.push_str(self.text[self.pos..end].trim_matches([' ', '\t', '\r']));
        self.pos = end;
        Ok(())
    }

    /// Returns the offset of the next comma or newline, or the end of the text.
    fn field_end(&self) -> usize {
        self.text.as_bytes()[self.pos..]
            .iter()
            .position(|&byte| byte == b',' || byte == b'\n')
            .map_or(self.text.len(), |offset| self.pos + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_columns() -> ReadOptions {
        ReadOptions::new()
    }

    /// Returns the line and kind of an `Error::Csv`, or panics with the error.
    fn csv_failure(result: Result<Table>) -> (usize, CsvErrorKind) {
        match result {
            Err(Error::Csv { line, kind, .. }) => (line, kind),
            other => panic!("expected a CSV error, got {other:?}"),
        }
    }

    #[test]
    fn csv_quotes_commas_crlf() {
        let text = "name,\"x, first\",y\r\n\
                    \"Smith, J.\",1.5,\"2\"\r\n  \
                    plain  , -3 ,4e2\r\n\
                    \r\n\r\n";
        let table = parse_csv(text, &ReadOptions::new().columns(["x, first", "y"])).unwrap();

        assert_eq!(table.columns(), &["x, first".to_string(), "y".to_string()]);
        assert_eq!(table.n_rows(), 2);
        assert_eq!(table.values(), &[1.5, 2.0, -3.0, 400.0]);
        assert_eq!(table.row_indices(), &[0, 1]);

        let records = parse_csv_records(text).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records.column("name").unwrap(), vec!["Smith, J.", "plain"]);
        assert_eq!(records.records()[1].line(), 3);
    }

    #[test]
    fn csv_doubled_quote_and_spaces_kept() {
        let text = "a,b\n\"say \"\"hi\"\"\" ,\"  padded  \"\n";
        let records = parse_csv_records(text).unwrap();

        assert_eq!(records.records()[0].fields(), &["say \"hi\"", "  padded  "]);
    }

    #[test]
    fn csv_text_after_closing_quote_kept() {
        let records = parse_csv_records("a\n\"1\"2\n").unwrap();
        assert_eq!(records.records()[0].field(0), Some("12"));
    }

    #[test]
    fn csv_quote_inside_unquoted_field_is_text() {
        let records = parse_csv_records("a,b\nab\"c,1\n").unwrap();
        assert_eq!(records.records()[0].field(0), Some("ab\"c"));
    }

    #[test]
    fn csv_newline_in_quotes_keeps_line_numbers() {
        let text = "label,x\n\"two\nlines\",1\nplain,NA\n";

        let records = parse_csv_records(text).unwrap();
        assert_eq!(records.records()[0].field(0), Some("two\nlines"));
        assert_eq!(records.records()[0].line(), 2);
        assert_eq!(records.records()[1].line(), 4);

        let (line, kind) = csv_failure(parse_csv(text, &ReadOptions::new().columns(["x"])));
        assert_eq!(line, 4);
        assert_eq!(
            kind,
            CsvErrorKind::MissingValue {
                column: 2,
                name: "x".into()
            }
        );
    }

    #[test]
    fn csv_byte_order_mark_stripped() {
        let table = parse_csv("\u{feff}a,b\n1,2\n", &all_columns()).unwrap();
        assert_eq!(table.columns(), &["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn csv_selection_order_and_text_columns() {
        let text = "id,a,b,note\nx1,1,2,anything goes\nx2,3,4,NA\n";
        let table = parse_csv(text, &ReadOptions::new().columns(["b", "a"])).unwrap();

        assert_eq!(table.columns(), &["b".to_string(), "a".to_string()]);
        assert_eq!(table.values(), &[2.0, 1.0, 4.0, 3.0]);
    }

    #[test]
    fn csv_missing_column() {
        let err = parse_csv("a,b\n1,2\n", &ReadOptions::new().columns(["a", "c"])).unwrap_err();
        match err {
            Error::MissingColumn { name, available } => {
                assert_eq!(name, "c");
                assert_eq!(available, vec!["a".to_string(), "b".to_string()]);
            }
            other => panic!("expected MissingColumn, got {other:?}"),
        }
    }

    #[test]
    fn csv_duplicate_column() {
        let (line, kind) = csv_failure(parse_csv("a,b,a\n1,2,3\n", &all_columns()));
        assert_eq!(line, 1);
        assert_eq!(kind, CsvErrorKind::DuplicateColumn { name: "a".into() });
    }

    #[test]
    fn csv_missing_header() {
        for text in ["", "\n\n  \r\n", "\n1\n2\n"] {
            let (line, kind) = csv_failure(parse_csv(text, &all_columns()));
            assert_eq!(line, 1, "text {text:?}");
            assert_eq!(kind, CsvErrorKind::MissingHeader, "text {text:?}");
        }
    }

    #[test]
    fn csv_ragged_row() {
        let text = "a,b,c\n1,2,3\n4,5\n";
        let (line, kind) = csv_failure(parse_csv(text, &ReadOptions::new().columns(["a"])));
        assert_eq!(line, 3);
        assert_eq!(
            kind,
            CsvErrorKind::RaggedRow {
                expected: 3,
                found: 2
            }
        );

        let trailing_comma = "a,b\n1,2,\n";
        let (line, kind) = csv_failure(parse_csv(trailing_comma, &all_columns()));
        assert_eq!(line, 2);
        assert_eq!(
            kind,
            CsvErrorKind::RaggedRow {
                expected: 2,
                found: 3
            }
        );

        let err = parse_csv_records(text).unwrap_err();
        assert!(matches!(err, Error::Csv { line: 3, .. }), "{err:?}");
    }

    #[test]
    fn csv_interior_blank_line() {
        let (line, kind) = csv_failure(parse_csv("a,b\n1,2\n\n3,4\n", &all_columns()));
        assert_eq!(line, 3);
        assert_eq!(
            kind,
            CsvErrorKind::RaggedRow {
                expected: 2,
                found: 1
            }
        );

        let (line, kind) = csv_failure(parse_csv("a\n1\n\n3\n", &all_columns()));
        assert_eq!(line, 3);
        assert_eq!(
            kind,
            CsvErrorKind::MissingValue {
                column: 1,
                name: "a".into()
            }
        );
    }

    #[test]
    fn csv_missing_value_spellings() {
        for missing in ["NA", "", "  ", "NaN", "nan", "-nan", "\"NA\""] {
            let text = format!("a,b,c\n1,2,3\n4,{missing},6\n");
            let (line, kind) = csv_failure(parse_csv(&text, &all_columns()));
            assert_eq!(line, 3, "missing {missing:?}");
            assert_eq!(
                kind,
                CsvErrorKind::MissingValue {
                    column: 2,
                    name: "b".into()
                },
                "missing {missing:?}"
            );
        }
    }

    #[test]
    fn csv_not_numeric() {
        for value in ["abc", "1,5", "0x10", "na"] {
            let text = format!("a,b\n1,2\n3,\"{value}\"\n");
            let (line, kind) = csv_failure(parse_csv(&text, &all_columns()));
            assert_eq!(line, 3, "value {value:?}");
            assert_eq!(
                kind,
                CsvErrorKind::NotNumeric {
                    column: 2,
                    name: "b".into(),
                    value: value.into()
                },
                "value {value:?}"
            );
        }
    }

    #[test]
    fn csv_infinite_values() {
        // Infinity is rejected as data, as is a number too large for f64.
        for value in ["inf", "-Infinity", "1e400"] {
            let text = format!("a,b\n1,2\n3,\"{value}\"\n");
            let (line, kind) = csv_failure(parse_csv(&text, &all_columns()));
            assert_eq!(line, 3, "value {value:?}");
            assert_eq!(
                kind,
                CsvErrorKind::NonFinite {
                    column: 2,
                    name: "b".into(),
                    value: value.into()
                },
                "value {value:?}"
            );
        }
    }

    #[test]
    fn csv_not_numeric_even_when_dropping() {
        let text = "a,b\nNA,abc\n";
        let options = ReadOptions::new().drop_missing(true);
        let (line, kind) = csv_failure(parse_csv(text, &options));
        assert_eq!(line, 2);
        assert_eq!(
            kind,
            CsvErrorKind::NotNumeric {
                column: 2,
                name: "b".into(),
                value: "abc".into()
            }
        );
    }

    #[test]
    fn csv_number_forms() {
        let text = "a\n+1\n-2.5\n.5\n1e-3\n\" 7 \"\n";
        let table = parse_csv(text, &all_columns()).unwrap();
        assert_eq!(table.values(), &[1.0, -2.5, 0.5, 0.001, 7.0]);
    }

    #[test]
    fn csv_unclosed_quote() {
        let text = "a,b\n1,2\n3,\"4\n5,6\n";
        let (line, kind) = csv_failure(parse_csv(text, &all_columns()));
        assert_eq!(line, 3);
        assert_eq!(kind, CsvErrorKind::UnclosedQuote);
    }

    #[test]
    fn csv_drop_missing_rows() {
        let text = "a,b,label\n1,2,x\nNA,3,y\n4,5,NA\n6,,z\n7,8,w\n";
        let options = ReadOptions::new().columns(["a", "b"]).drop_missing(true);
        let table = parse_csv(text, &options).unwrap();

        assert_eq!(table.n_rows(), 3);
        assert_eq!(table.row_indices(), &[0, 2, 4]);
        assert_eq!(table.values(), &[1.0, 2.0, 4.0, 5.0, 7.0, 8.0]);
    }

    #[test]
    fn csv_no_data_rows() {
        let err = parse_csv("a,b\n\n", &all_columns()).unwrap_err();
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

        let options = ReadOptions::new().columns(["b"]).drop_missing(true);
        let err = parse_csv("a,b\n1,NA\n2,\n", &options).unwrap_err();
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

        let records = parse_csv_records("a,b\n").unwrap();
        assert!(records.is_empty());
    }

    #[test]
    fn csv_empty_selection() {
        let err = parse_csv(
            "a\n1\n2\n",
            &ReadOptions::new().columns(Vec::<String>::new()),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::EmptyData {
                    n_points: 2,
                    dim: 0
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn csv_records_to_table() {
        let records = parse_csv_records("kind,v\nx,1\ny,NA\nz,3\n").unwrap();
        let table = records
            .to_table(&ReadOptions::new().columns(["v"]).drop_missing(true))
            .unwrap();

        assert_eq!(table.values(), &[1.0, 3.0]);
        let kinds = records.column("kind").unwrap();
        let kept: Vec<&str> = table.row_indices().iter().map(|&i| kinds[i]).collect();
        assert_eq!(kept, vec!["x", "z"]);

        let err = records.column("missing").unwrap_err();
        assert!(matches!(err, Error::MissingColumn { .. }), "{err:?}");
    }

    #[test]
    fn csv_read_file_and_errors_name_path() {
        let dir = std::env::temp_dir().join(format!("tae_csv_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("points.csv");
        std::fs::write(&path, "x,y\n1,2\n3,oops\n").unwrap();

        let table = read_csv(&path, &ReadOptions::new().columns(["x"])).unwrap();
        assert_eq!(table.values(), &[1.0, 3.0]);

        match read_csv(&path, &all_columns()).unwrap_err() {
            Error::Csv {
                path: error_path,
                line,
                ..
            } => {
                assert_eq!(error_path, path);
                assert_eq!(line, 3);
            }
            other => panic!("expected a CSV error, got {other:?}"),
        }

        let records = read_csv_records(&path).unwrap();
        assert_eq!(records.len(), 2);

        let absent = dir.join("absent.csv");
        match read_csv(&absent, &all_columns()).unwrap_err() {
            Error::Io { path, source } => {
                assert_eq!(path, absent);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("expected an I/O error, got {other:?}"),
        }

        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn csv_error_message_names_line_and_column() {
        let err = parse_csv("a,b\n1,NA\n", &all_columns()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "CSV error on line 2: missing value in column 2 ('b'); \
             drop such rows with --drop-missing or impute them"
        );
    }
}
