//! `tae fit --method …`, run as a process on a small CSV file made by each test.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tae(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tae"))
        .args(args)
        .output()
        .expect("the tae binary runs")
}

/// Two lines of 20 points each: one along the x axis around (0, 0), one along the y axis
/// around (20, 0), with small deterministic offsets across each line.
fn write_two_lines(dir: &Path) -> PathBuf {
    let mut text = String::from("x,y\n");
    for i in 0..20 {
        let t = i as f64 / 2.0 - 5.0;
        let wobble = 0.1 * (i as f64).sin();
        text.push_str(&format!("{t},{wobble}\n"));
    }
    for i in 0..20 {
        let t = i as f64 / 2.0 - 5.0;
        let wobble = 0.1 * (i as f64).cos();
        text.push_str(&format!("{},{t}\n", 20.0 + wobble));
    }
    let path = dir.join("lines.csv");
    fs::write(&path, text).unwrap();
    path
}

fn read_labels(path: &Path) -> Vec<usize> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("row,cluster"));
    lines
        .map(|line| line.split_once(',').unwrap().1.parse().unwrap())
        .collect()
}

/// Runs `tae fit` with extra options and returns stdout, the labels and the model JSON.
fn fit(dir: &Path, data: &Path, extra: &[&str]) -> (String, Vec<usize>, serde_json::Value) {
    let labels = dir.join("labels.csv");
    let model = dir.join("model.json");
    let mut args = vec![
        "fit",
        data.to_str().unwrap(),
        "--clusters",
        "2",
        "--latent-dim",
        "1",
        "--labels-out",
        labels.to_str().unwrap(),
        "--model-out",
        model.to_str().unwrap(),
        "--force",
    ];
    args.extend_from_slice(extra);
    let output = tae(&args);
    assert!(
        output.status.success(),
        "{extra:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = serde_json::from_str(&fs::read_to_string(&model).unwrap()).unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        read_labels(&labels),
        json,
    )
}

fn predict(dir: &Path, data: &Path) -> Vec<usize> {
    let out = dir.join("predicted.csv");
    let model = dir.join("model.json");
    let output = tae(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    read_labels(&out)
}

/// Checks whether the labels split the points into the two lines (either numbering).
fn separates_lines(labels: &[usize]) -> bool {
    let first = labels[0];
    labels[..20].iter().all(|&l| l == first) && labels[20..].iter().all(|&l| l != first)
}

#[test]
fn every_method_fits_and_predicts() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_two_lines(dir.path());
    let cases: [(&[&str], &str); 6] = [
        (&[], "method = closed-form"),
        (&["--method", "closed-form"], "method = closed-form"),
        (
            &["--method", "gradient"],
            "method = gradient, decoder = tied, assignment = lloyd",
        ),
        // The free decoder's optimum tilts each encoder towards the thin direction of its
        // line, which it approaches slowly: about 5,700 epochs here.
        (
            &[
                "--method",
                "gradient",
                "--decoder",
                "free",
                "--optimizer",
                "adam",
                "--epochs",
                "20000",
            ],
            "method = gradient, decoder = free",
        ),
        (
            &[
                "--method",
                "gradient",
                "--optimizer",
                "gd",
                "--learning-rate",
                "0.02",
                "--epochs",
                "3000",
            ],
            "optimizer = gd, learning rate = 0.02",
        ),
        (&["--method", "em"], "method = em, temperature = "),
    ];
    for (extra, summary) in cases {
        let (stdout, labels, json) = fit(dir.path(), &data, extra);
        assert!(stdout.contains(summary), "{extra:?}: {stdout}");
        assert!(stdout.contains("converged = yes"), "{extra:?}: {stdout}");
        assert_eq!(labels.len(), 40, "{extra:?}");
        assert!(separates_lines(&labels), "{extra:?}: {labels:?}");
        for key in ["loss", "n_iter", "method", "centers", "bases"] {
            assert!(json.get(key).is_some(), "{extra:?}: model file lacks {key}");
        }
        assert!(json["loss"].as_f64().unwrap() > 0.0, "{extra:?}");
        assert_eq!(predict(dir.path(), &data), labels, "{extra:?}");
    }
}

#[test]
fn soft_assignment_options_fit() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_two_lines(dir.path());
    for assignment in ["projected", "mirror"] {
        let (stdout, labels, json) = fit(
            dir.path(),
            &data,
            &[
                "--method",
                "gradient",
                "--assignment",
                assignment,
                "--batch-size",
                "10",
            ],
        );
        assert!(
            stdout.contains(&format!("assignment = {assignment}")),
            "{stdout}"
        );
        assert!(separates_lines(&labels), "{assignment}: {labels:?}");
        assert_eq!(json["method"], "gradient");
        assert_eq!(json["decoder"], "tied");
        assert!(json.get("decoders").is_none());
    }
}

#[test]
fn free_decoder_model_reconstructs_with_its_decoders() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_two_lines(dir.path());
    let (_, labels, json) = fit(
        dir.path(),
        &data,
        &[
            "--method",
            "gradient",
            "--decoder",
            "free",
            "--epochs",
            "20000",
        ],
    );
    assert_eq!(json["decoder"], "free");
    let output = tae(&[
        "reconstruct",
        "--model",
        dir.path().join("model.json").to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();

    // Recompute c_j + V_j W_j (x − c_j) from the model file for every row (no scaling here).
    let matrix = |value: &serde_json::Value| -> Vec<Vec<f64>> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                row.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect()
            })
            .collect()
    };
    let centers = matrix(&json["centers"]);
    let points: Vec<Vec<f64>> = fs::read_to_string(&data)
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| line.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,x,y");
    for (i, line) in lines[1..].iter().enumerate() {
        let j = labels[i];
        let encoder = matrix(&json["bases"][j]);
        let decoder = matrix(&json["decoders"][j]);
        let code: f64 = (0..2)
            .map(|c| encoder[0][c] * (points[i][c] - centers[j][c]))
            .sum();
        let fields: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        for c in 0..2 {
            let expected = centers[j][c] + decoder[c][0] * code;
            assert!(
                (fields[c + 1] - expected).abs() <= 1e-9 * (1.0 + expected.abs()),
                "row {i}: {line}, expected {expected} in column {c}"
            );
        }
    }
}

/// Runs a command that must fail; returns its exit code and single stderr line.
fn failure(args: &[&str]) -> (i32, String) {
    let output = tae(args);
    assert!(!output.status.success(), "{args:?} succeeded");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: stderr is not one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    (output.status.code().unwrap(), lines[0].to_string())
}

#[test]
fn bad_method_options_fail_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_two_lines(dir.path());
    let data = data.to_str().unwrap();
    let base = ["fit", data, "--clusters", "2", "--latent-dim", "1"];
    let with = |extra: &[&'static str]| -> Vec<&str> {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args
    };

    let (code, line) = failure(&with(&["--method", "sgd"]));
    assert_eq!(code, 2);
    assert!(
        line.contains("'sgd'") && line.contains("--method"),
        "{line}"
    );

    let (code, line) = failure(&with(&["--method", "gradient", "--decoder", "loose"]));
    assert_eq!(code, 2);
    assert!(line.contains("'loose'"), "{line}");

    let (code, line) = failure(&with(&["--method", "gradient", "--epochs", "0"]));
    assert_eq!(code, 1);
    assert!(line.contains("invalid number of epochs 0"), "{line}");

    let (_, line) = failure(&with(&["--method", "gradient", "--learning-rate", "-0.5"]));
    assert!(line.contains("invalid learning rate -0.5"), "{line}");

    let (_, line) = failure(&with(&["--method", "gradient", "--batch-size", "41"]));
    assert!(
        line.contains("invalid batch size 41 for 40 points"),
        "{line}"
    );

    let (_, line) = failure(&with(&["--method", "em", "--temperature", "0"]));
    assert!(line.contains("invalid temperature 0"), "{line}");

    let (_, line) = failure(&with(&["--method", "em", "--lambda", "0"]));
    assert!(line.contains("--method em needs --lambda > 0"), "{line}");

    let (_, line) = failure(&with(&["--temperature", "0.5"]));
    assert!(
        line.contains("--temperature applies to --method em only"),
        "{line}"
    );

    let (_, line) = failure(&with(&["--method", "em", "--epochs", "10"]));
    assert!(
        line.contains("--epochs applies to --method gradient only"),
        "{line}"
    );

    let (_, line) = failure(&with(&[
        "--method",
        "gradient",
        "--optimizer",
        "gd",
        "--learning-rate",
        "1e6",
        "--decoder",
        "free",
    ]));
    assert!(line.contains("lower the learning rate"), "{line}");
}
