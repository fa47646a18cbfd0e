//! `tae reproduce --quick` run as a process: the report's tables, the numbers in them, the
//! per-seed CSV files and the SVG figures.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const FIGURES: [&str; 4] = [
    "figure1_penguins.svg",
    "figure2_toy_clustering.svg",
    "figure4_ari.svg",
    "figure5_denoising.svg",
];

/// Columns of names or prose. Every other column contains numbers.
const TEXT_COLUMNS: [&str; 3] = ["data set", "method", "preprocessing"];

fn tae(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tae"))
        .args(args)
        .output()
        .expect("the tae binary runs")
}

/// A Markdown table: the header cells and the cells of each row.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|cell| cell == name)
    }
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner
        .split('|')
        .map(|cell| cell.trim().to_string())
        .collect()
}

/// Finds every table of a Markdown text: runs of lines starting with `|`, the second being
/// the separator.
fn tables(text: &str) -> Vec<Table> {
    let mut tables = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with('|') {
            i += 1;
            continue;
        }
        let header = cells(lines[i]);
        let separator = cells(lines[i + 1]);
        assert!(
            separator.iter().all(|cell| cell.starts_with("---")),
            "line after the header is not a separator: {}",
            lines[i + 1]
        );
        assert_eq!(separator.len(), header.len(), "separator width");
        let mut rows = Vec::new();
        i += 2;
        while i < lines.len() && lines[i].starts_with('|') {
            rows.push(cells(lines[i]));
            i += 1;
        }
        tables.push(Table { header, rows });
    }
    tables
}

/// Parses `mean ± sd` or a plain number into (value, spread).
fn number(cell: &str) -> (f64, f64) {
    match cell.split_once(" ± ") {
        Some((mean, sd)) => (
            mean.parse().unwrap_or_else(|_| panic!("mean in '{cell}'")),
            sd.parse().unwrap_or_else(|_| panic!("sd in '{cell}'")),
        ),
        None => (
            cell.parse().unwrap_or_else(|_| panic!("number '{cell}'")),
            0.0,
        ),
    }
}

/// Checks that `text` is well-formed XML with one root element: tags balance and nest, quoted
/// attribute values close, and every `&` starts an entity reference.
fn check_xml(text: &str) {
    let bytes = text.as_bytes();
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' if text[i..].starts_with("<?") => {
                i += text[i..].find("?>").expect("processing instruction closes") + 2;
            }
            b'<' if text[i..].starts_with("<!--") => {
                i += text[i..].find("-->").expect("comment closes") + 3;
            }
            b'<' if text[i..].starts_with("</") => {
                let end = i + text[i..].find('>').expect("end tag closes");
                let name = text[i + 2..end].trim();
                assert_eq!(open.pop().as_deref(), Some(name), "end tag at byte {i}");
                i = end + 1;
            }
            b'<' => {
                let mut j = i + 1;
                let mut quote = None;
                while j < bytes.len() {
                    match (quote, bytes[j]) {
                        (None, b'"' | b'\'') => quote = Some(bytes[j]),
                        (Some(q), c) if c == q => quote = None,
                        (None, b'>') => break,
                        (None, b'<') => panic!("'<' inside the tag at byte {i}"),
                        _ => {}
                    }
                    j += 1;
                }
                assert!(j < bytes.len(), "tag at byte {i} does not close");
                let tag = &text[i + 1..j];
                let name: String = tag
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '/')
                    .collect();
                assert!(!name.is_empty(), "tag without a name at byte {i}");
                if open.is_empty() {
                    roots += 1;
                }
                if !tag.ends_with('/') {
                    open.push(name);
                }
                i = j + 1;
            }
            b'&' => {
                let end = i + text[i..].find(';').expect("entity ends with ';'");
                let entity = &text[i + 1..end];
                assert!(
                    !entity.is_empty()
                        && entity.len() < 10
                        && entity
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '#'),
                    "bad entity '&{entity};' at byte {i}"
                );
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    assert_eq!(roots, 1, "number of root elements");
}

#[test]
fn check_xml_catches_broken_nesting() {
    check_xml("<svg a=\"1 > 0\"><g><text>a &amp; b</text></g><rect/></svg>");
    let broken = std::panic::catch_unwind(|| check_xml("<svg><g></svg></g>"));
    assert!(broken.is_err());
}

/// Runs the quick reproduction once into a temporary folder and checks everything it wrote.
#[test]
fn quick_run_writes_valid_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");

    let output = tae(&["reproduce", "--quick", "--out", out.to_str().unwrap()]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "tae reproduce failed: {stderr}");
    // Progress goes to a terminal only, and the test's stderr is a pipe.
    assert_eq!(stderr, "");
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    check_tables(&report);
    check_csv(&out);
    for figure in FIGURES {
        assert!(
            report.contains(&format!("]({figure})")),
            "{figure} not linked"
        );
        check_svg(&out.join(figure));
    }
    assert!(
        report.contains("skipped by --quick"),
        "image sets not noted"
    );
    assert!(report.contains("TAE by gradient: the loss of Eq. 2"));
}

fn check_tables(report: &str) {
    let tables = tables(report);
    assert!(tables.len() >= 4, "found {} tables", tables.len());
    for table in &tables {
        assert!(!table.rows.is_empty(), "empty table {:?}", table.header);
        for row in &table.rows {
            assert_eq!(row.len(), table.header.len(), "row {row:?}");
            for (cell, name) in row.iter().zip(&table.header) {
                if !TEXT_COLUMNS.contains(&name.as_str()) {
                    let (value, spread) = number(cell);
                    assert!(value.is_finite(), "{name}: '{cell}'");
                    assert!(spread >= 0.0, "{name}: '{cell}'");
                }
            }
        }
    }

    let clustering = tables
        .iter()
        .find(|table| table.column("ARI").is_some())
        .expect("a table with an ARI column");
    let method = clustering.column("method").unwrap();
    // 4 toy sets, 2 penguin sets and iris, 6 methods each.
    assert_eq!(clustering.rows.len(), 7 * 6);
    for row in &clustering.rows {
        let (ari, _) = number(&row[clustering.column("ARI").unwrap()]);
        assert!((-1.0..=1.0).contains(&ari), "ARI {ari} in {row:?}");
        for name in ["NMI", "accuracy"] {
            let (value, _) = number(&row[clustering.column(name).unwrap()]);
            assert!((0.0..=1.0).contains(&value), "{name} {value} in {row:?}");
        }
        assert!(!row[method].is_empty());
    }

    let denoising = tables
        .iter()
        .find(|table| table.column("σ").is_some())
        .expect("a table with a σ column");
    assert_eq!(denoising.rows.len(), 7 * 2);
    for row in &denoising.rows {
        for name in ["PCA(h)", "PCA(K·h)", "TAE"] {
            let (mse, spread) = number(&row[denoising.column(name).unwrap()]);
            assert!(mse.is_finite(), "{name} error {mse} in {row:?}");
            assert!(mse >= 0.0, "{name} error {mse} in {row:?}");
            assert!(spread.is_finite(), "{name} spread in {row:?}");
        }
    }
}

fn check_csv(out: &Path) {
    let text = fs::read_to_string(out.join("clustering_runs.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("data_set,method,seed,ari,nmi,accuracy,seconds")
    );
    let rows: Vec<&str> = lines.collect();
    // 7 data sets, 6 methods, 2 seeds.
    assert_eq!(rows.len(), 7 * 6 * 2);
    for row in rows {
        let fields: Vec<&str> = row.split(',').collect();
        let ari: f64 = fields[3].parse().unwrap();
        assert!((-1.0..=1.0).contains(&ari), "{row}");
    }

    let text = fs::read_to_string(out.join("denoising_runs.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("data_set,noise_level,sigma,method,seed,mse")
    );
    let rows: Vec<&str> = lines.collect();
    // 7 data sets, 2 noise levels, 3 methods, 2 seeds.
    assert_eq!(rows.len(), 84);
    for row in rows {
        let mse: f64 = row.rsplit(',').next().unwrap().parse().unwrap();
        assert!(mse.is_finite(), "{row}");
        assert!(mse >= 0.0, "{row}");
    }
}

fn check_svg(path: &Path) {
    let text = fs::read_to_string(path).unwrap();
    let trimmed = text.trim();
    assert!(trimmed.starts_with("<svg"), "{} start", path.display());
    assert!(trimmed.ends_with("</svg>"), "{} end", path.display());
    check_xml(trimmed);
}

#[test]
fn existing_report_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.md");
    fs::write(&report, "keep me").unwrap();

    let output = tae(&[
        "reproduce",
        "--quick",
        "--out",
        dir.path().to_str().unwrap(),
    ]);

    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(fs::read_to_string(&report).unwrap(), "keep me");
    assert!(!dir.path().join("figure1_penguins.svg").exists());
}

#[test]
fn zero_seeds_errored() {
    let output = tae(&["reproduce", "--seeds", "0"]);

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--seeds"), "{stderr}");
}
