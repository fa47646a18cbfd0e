//! The `tae` binary, run as a process on files made by each test.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PENGUIN_COLUMNS: &str = "bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g";

fn tae(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tae"))
        .args(args)
        .output()
        .expect("the tae binary runs")
}

fn penguins_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/penguins.csv")
}

/// Runs a command that must fail; returns its single stderr line.
fn error_line(args: &[&str]) -> String {
    let output = tae(args);
    assert!(!output.status.success(), "{args:?} succeeded");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: stderr is not one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    lines[0].to_string()
}

fn read_pairs(path: &Path) -> Vec<(usize, usize)> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("row,cluster"));
    lines
        .map(|line| {
            let (row, cluster) = line.split_once(',').unwrap();
            (row.parse().unwrap(), cluster.parse().unwrap())
        })
        .collect()
}

fn fit_penguins(dir: &Path) -> (PathBuf, PathBuf) {
    let labels = dir.join("labels.csv");
    let model = dir.join("model.json");
    let data = penguins_csv();
    let output = tae(&[
        "fit",
        data.to_str().unwrap(),
        "--clusters",
        "3",
        "--latent-dim",
        "1",
        "--columns",
        PENGUIN_COLUMNS,
        "--scale",
        "max",
        "--drop-missing",
        "--labels-out",
        labels.to_str().unwrap(),
        "--model-out",
        model.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("n = 342, d = 4, K = 3, h = 1, lambda = 0.1"),
        "{stdout}"
    );
    (labels, model)
}

#[test]
fn fit_then_predict_returns_fitted_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (labels, model) = fit_penguins(dir.path());

    let fitted = read_pairs(&labels);
    assert_eq!(fitted.len(), 342);
    // Data rows 3 and 271 lack all measurements and were dropped.
    let rows: Vec<usize> = fitted.iter().map(|p| p.0).collect();
    assert!(!rows.contains(&3));
    assert!(!rows.contains(&271));
    assert_eq!(rows.last(), Some(&343));

    let predicted_path = dir.path().join("predicted.csv");
    let data = penguins_csv();
    let output = tae(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        data.to_str().unwrap(),
        "--drop-missing",
        "--out",
        predicted_path.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(read_pairs(&predicted_path), fitted);

    // The model file carries what the issue of reproducibility needs.
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&model).unwrap()).unwrap();
    for key in [
        "format_version",
        "columns",
        "scaling",
        "lambda",
        "centers",
        "bases",
        "loss",
        "n_iter",
        "converged",
    ] {
        assert!(json.get(key).is_some(), "model file lacks {key}");
    }
    assert_eq!(json["scaling"]["method"], "max");
    assert_eq!(json["scaling"]["scale"][3], 6300.0);
}

#[test]
fn reconstruct_with_full_latent_dim_returns_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("points.csv");
    fs::write(&data, "a,b,label\n1.5,2,x\n3,-4.25,y\n10,0.5,z\n-2,8,w\n").unwrap();
    let model = dir.path().join("model.json");
    let output = tae(&[
        "fit",
        data.to_str().unwrap(),
        "--clusters",
        "2",
        "--latent-dim",
        "2",
        "--columns",
        "a,b",
        "--scale",
        "zscore",
        "--model-out",
        model.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let output = tae(&[
        "reconstruct",
        "--model",
        model.to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("row,a,b"));
    let expected = [[1.5, 2.0], [3.0, -4.25], [10.0, 0.5], [-2.0, 8.0]];
    for (i, line) in lines.enumerate() {
        let fields: Vec<f64> = line.split(',').map(|f| f.parse().unwrap()).collect();
        assert_eq!(fields[0], i as f64);
        for c in 0..2 {
            assert!(
                (fields[c + 1] - expected[i][c]).abs() < 1e-12,
                "row {i}: {line}"
            );
        }
    }
}

#[test]
fn demo_prints_scores_and_writes_svg() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("demo.svg");
    let output = tae(&["demo", "--plot", plot.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    for method in [
        "k-means",
        "PCA(1) + k-means",
        "PCA(3) + k-means",
        "TAE (h = 1",
    ] {
        assert!(stdout.contains(method), "{stdout}");
    }
    assert!(stdout.contains("all birds (PCA)"));
    let svg = fs::read_to_string(&plot).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.trim_end().ends_with("</svg>"));

    // A second run must not replace the file without --force.
    let line = error_line(&["demo", "--plot", plot.to_str().unwrap()]);
    assert!(
        line.contains("already exists") && line.contains("--force"),
        "{line}"
    );
}

#[test]
fn csv_errors_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let ragged = write("ragged.csv", "a,b\n1,2\n3\n");
    let text = write("text.csv", "a,b\n1,2\n3,oops\n");
    let missing = write("missing.csv", "a,b\n1,2\n3,NA\n5,6\n");
    let fit = |path: &str| {
        [
            "fit".to_string(),
            path.to_string(),
            "-k".into(),
            "1".into(),
            "--latent-dim".into(),
            "1".into(),
        ]
    };

    let args = fit(&ragged);
    let line = error_line(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        line.contains("line 3") && line.contains("found 1 field, expected 2"),
        "{line}"
    );

    let args = fit(&text);
    let line = error_line(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        line.contains("line 3") && line.contains("'oops'") && line.contains("column 2"),
        "{line}"
    );

    let args = fit(&missing);
    let line = error_line(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        line.contains("line 3") && line.contains("--drop-missing"),
        "{line}"
    );

    // With --drop-missing the row is skipped and the labels skip its index.
    let labels = dir.path().join("labels.csv");
    let mut args = fit(&missing).to_vec();
    args.extend([
        "--drop-missing".into(),
        "--labels-out".into(),
        labels.to_str().unwrap().into(),
    ]);
    let output = tae(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(output.status.success());
    assert_eq!(read_pairs(&labels), vec![(0, 0), (2, 0)]);
}

#[test]
fn bad_parameters_and_files_fail_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = penguins_csv();
    let data = data.to_str().unwrap();
    let base = ["fit", data, "--drop-missing"];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        if !extra.contains(&"--columns") {
            args.extend_from_slice(&["--columns", PENGUIN_COLUMNS]);
        }
        error_line(&args)
    };

    let line = run(&["-k", "3", "--latent-dim", "1", "--lambda", "1.5"]);
    assert!(
        line.contains("lambda 1.5") && line.contains("[0, 1]"),
        "{line}"
    );
    let line = run(&["-k", "3", "--latent-dim", "5"]);
    assert!(
        line.contains("latent dimension 5") && line.contains("between 1 and 4"),
        "{line}"
    );
    let line = run(&["-k", "400", "--latent-dim", "1"]);
    assert!(line.contains("342 points for 400 clusters"), "{line}");
    let line = run(&[
        "-k",
        "3",
        "--latent-dim",
        "1",
        "--columns",
        "bill_length_mm,wingspan",
    ]);
    assert!(line.contains("'wingspan' not found"), "{line}");
    let line = run(&["-k", "3", "--latent-dim", "1", "--columns", "species"]);
    assert!(line.contains("not a number"), "{line}");
    let line = run(&[
        "-k",
        "3",
        "--latent-dim",
        "1",
        "--columns",
        "bill_length_mm,bill_length_mm",
    ]);
    assert!(
        line.contains("'bill_length_mm' is selected twice"),
        "{line}"
    );

    // A negative value reaches the parameter check instead of being taken for an option.
    let line = run(&["-k", "3", "--latent-dim", "1", "--lambda", "-0.5"]);
    assert!(line.contains("invalid lambda -0.5"), "{line}");

    // A malformed command line is one line too, with exit status 2.
    let output = tae(&["fit", data, "--bogus"]);
    assert_eq!(output.status.code(), Some(2));
    let line = error_line(&["fit", data, "--bogus"]);
    assert!(
        line.contains("'--bogus'") && line.contains("--help"),
        "{line}"
    );

    // Values whose squares overflow are rejected, not fitted to NaN.
    let huge = dir.path().join("huge.csv");
    fs::write(
        &huge,
        "a,b\n1e300,1e300\n-1e300,1e300\n1e300,-1e300\n-1e300,-1e300\n",
    )
    .unwrap();
    let line = error_line(&[
        "fit",
        huge.to_str().unwrap(),
        "-k",
        "2",
        "--latent-dim",
        "1",
    ]);
    assert!(
        line.contains("value 1e300 at row 0, column 0") && line.contains("too large"),
        "{line}"
    );

    let infinite = dir.path().join("infinite.csv");
    fs::write(&infinite, "a,b\n1,2\n3,inf\n").unwrap();
    let line = error_line(&[
        "fit",
        infinite.to_str().unwrap(),
        "-k",
        "1",
        "--latent-dim",
        "1",
    ]);
    assert!(
        line.contains("line 3") && line.contains("'inf'") && line.contains("infinite"),
        "{line}"
    );

    let line = error_line(&[
        "fit",
        "/nonexistent/data.csv",
        "-k",
        "2",
        "--latent-dim",
        "1",
    ]);
    assert!(line.contains("/nonexistent/data.csv"), "{line}");

    let corrupt = dir.path().join("corrupt.json");
    fs::write(&corrupt, "{\"format_version\": 1, \"columns\": [").unwrap();
    let line = error_line(&["predict", "--model", corrupt.to_str().unwrap(), data]);
    assert!(line.contains("cannot read model file"), "{line}");
}

#[test]
fn predict_rejects_data_without_model_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (_, model) = fit_penguins(dir.path());
    let other = dir.path().join("other.csv");
    fs::write(
        &other,
        "bill_length_mm,bill_depth_mm,flipper_length_mm\n40,18,190\n",
    )
    .unwrap();
    let line = error_line(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    assert!(line.contains("'body_mass_g' not found"), "{line}");

    // A .npy file has no column names; its width must match the model's.
    let npy = dir.path().join("three.npy");
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }";
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    let padded = format!("{header:<117}\n");
    bytes.extend_from_slice(&(padded.len() as u16).to_le_bytes());
    bytes.extend_from_slice(padded.as_bytes());
    for v in [40.0f64, 18.0, 190.0] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    fs::write(&npy, bytes).unwrap();
    let line = error_line(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        npy.to_str().unwrap(),
    ]);
    assert!(
        line.contains("has 3 columns (x0, x1, x2), but the model needs 4 columns"),
        "{line}"
    );

    // A model fitted on named .npy columns selects them again by name.
    let npy_model = dir.path().join("npy_model.json");
    let output = tae(&[
        "fit",
        npy.to_str().unwrap(),
        "-k",
        "1",
        "--latent-dim",
        "1",
        "--columns",
        "x0,x2",
        "--model-out",
        npy_model.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = tae(&[
        "predict",
        "--model",
        npy_model.to_str().unwrap(),
        npy.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "row,cluster\n0,0\n"
    );
}

#[test]
fn outputs_are_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.csv");
    fs::write(&labels, "precious").unwrap();
    let data = penguins_csv();
    let args = [
        "fit",
        data.to_str().unwrap(),
        "--columns",
        PENGUIN_COLUMNS,
        "--drop-missing",
        "-k",
        "3",
        "--latent-dim",
        "1",
        "--labels-out",
        labels.to_str().unwrap(),
    ];
    let line = error_line(&args);
    assert!(line.contains("already exists"), "{line}");
    assert_eq!(fs::read_to_string(&labels).unwrap(), "precious");

    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(tae(&forced).status.success());
    assert_eq!(read_pairs(&labels).len(), 342);

    // Two outputs on one path, or an output on an input, are rejected even with --force.
    let labels_path = labels.to_str().unwrap();
    let mut same = forced.clone();
    same.extend_from_slice(&["--model-out", labels_path]);
    let line = error_line(&same);
    assert!(line.contains("two outputs"), "{line}");

    let copy = dir.path().join("copy.csv");
    fs::copy(&data, &copy).unwrap();
    let copy_path = copy.to_str().unwrap();
    let onto_input = [
        "fit",
        copy_path,
        "--columns",
        PENGUIN_COLUMNS,
        "--drop-missing",
        "-k",
        "3",
        "--latent-dim",
        "1",
        "--labels-out",
        copy_path,
        "--force",
    ];
    let line = error_line(&onto_input);
    assert!(line.contains("is also an input"), "{line}");
    assert_eq!(fs::read(&copy).unwrap(), fs::read(&data).unwrap());
}

#[test]
fn verify_prints_every_claim_and_passes() {
    let output = tae(&["verify", "--seed", "3"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let is_claim_row =
        |line: &&str| line.starts_with('C') && line[1..].starts_with(|c: char| c.is_ascii_digit());
    let rows: Vec<&str> = stdout.lines().filter(is_claim_row).collect();
    assert_eq!(rows.len(), 22, "{stdout}");
    assert!(rows.iter().all(|row| row.contains(" PASS ")), "{stdout}");

    let output = tae(&["verify", "--claim", "c9"]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("C9 ")).count(),
        1,
        "{stdout}"
    );

    let line = error_line(&["verify", "--claim", "C23"]);
    assert!(line.contains("invalid claim 'C23'"), "{line}");
}
