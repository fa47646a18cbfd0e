//! `tae reproduce`: the linear experiments of Esser et al. (AISTATS 2023) on planted and real
//! data, written to a folder as `report.md`, SVG figures and the per-seed results as CSV.
//!
//! - [`experiments`]: data sets, methods and single runs;
//! - [`results`]: the runs, their summaries over seeds and the comparison rule;
//! - [`report`]: the Markdown report;
//! - [`figures`]: the SVG figures.

mod experiments;
mod figures;
mod report;
mod results;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use self::experiments::{cluster_once, data_sets, denoise_once, ImageSource, NOISE_LEVELS};
use self::report::{FigureFiles, Machine, RunInfo};
use self::results::Results;
use super::output;
use super::CliError;

/// Seeds of a full run, as Esser et al. average five runs per result.
const DEFAULT_SEEDS: u64 = 5;

/// Seeds of a `--quick` run.
const QUICK_SEEDS: u64 = 2;

const REPORT_FILE: &str = "report.md";
const CLUSTERING_CSV: &str = "clustering_runs.csv";
const DENOISING_CSV: &str = "denoising_runs.csv";
const FIGURES: FigureFiles = FigureFiles {
    penguins: "figure1_penguins.svg",
    toy: "figure2_toy_clustering.svg",
    ari: "figure4_ari.svg",
    denoising: "figure5_denoising.svg",
};

#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// Folder for report.md, the SVG figures and the per-seed CSV files; created if missing.
    #[arg(long, value_name = "DIR", default_value = "tae-reproduction")]
    out: PathBuf,
    /// Number of seeds per data set; each draws a new toy sample, split and noise, and new
    /// k-means++ starts [default: 5, or 2 with --quick].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    seeds: Option<u64>,
    /// Folder holding mnist/ and fashion-mnist/, each with t10k-images-idx3-ubyte.gz and
    /// t10k-labels-idx1-ubyte.gz (or the same names without .gz) [default: none, so the image
    /// data sets are skipped].
    #[arg(long, value_name = "PATH")]
    data_dir: Option<PathBuf>,
    /// Quick run for tests: 2 seeds unless --seeds is given, and no image data.
    #[arg(long)]
    quick: bool,
    /// Overwrite output files that exist in --out.
    #[arg(long)]
    force: bool,
}

/// Progress lines on standard error, written only when it is a terminal.
struct Progress {
    enabled: bool,
    start: Instant,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            enabled: std::io::stderr().is_terminal(),
            start: Instant::now(),
        }
    }

    fn note(&self, text: &str) {
        if self.enabled {
            eprintln!("[{:6.1} s] {text}", self.start.elapsed().as_secs_f64());
        }
    }
}

pub fn run(args: &ReproduceArgs) -> Result<(), CliError> {
    let progress = Progress::new();
    let n_seeds = args.seeds.unwrap_or(if args.quick {
        QUICK_SEEDS
    } else {
        DEFAULT_SEEDS
    });
    let paths = OutputPaths::new(&args.out);
    // Fail before any work when an output exists and --force is off.
    for path in paths.all() {
        output::check_writable(path, args.force)?;
    }
    std::fs::create_dir_all(&args.out).map_err(|source| tae::Error::Io {
        path: args.out.clone(),
        source,
    })?;

    let image_source = match (&args.data_dir, args.quick) {
        (_, true) => ImageSource::Skip("skipped by --quick"),
        (None, false) => ImageSource::Skip("no --data-dir given"),
        (Some(dir), false) => ImageSource::Folder(dir),
    };
    let (sets, skipped) = data_sets(image_source)?;
    let mut results = Results {
        sets,
        skipped,
        n_seeds,
        clustering: Vec::new(),
        em: Vec::new(),
        denoising: Vec::new(),
    };
    for skipped in &results.skipped {
        progress.note(&format!("{} not run: {}", skipped.name, skipped.reason));
    }

    for index in 0..results.sets.len() {
        for seed in 0..n_seeds {
            progress.note(&format!(
                "{}: clustering and de-noising, seed {seed}",
                results.sets[index].name
            ));
            let (runs, em) = cluster_once(&results.sets, index, seed)?;
            results.clustering.extend(runs);
            results.em.push(em);
            results
                .denoising
                .extend(denoise_once(&results.sets, index, seed)?);
        }
    }

    progress.note("drawing figures");
    write_figures(&paths, args.force, &results)?;
    write_csv(&paths, args.force, &results)?;

    let info = RunInfo {
        command_line: command_line(),
        quick: args.quick,
        elapsed_seconds: progress.start.elapsed().as_secs_f64(),
        machine: Machine::detect(),
    };
    let text = report::render(&results, &info, &FIGURES);
    let mut file = output::create(&paths.report, args.force)?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .and_then(|()| std::io::Write::flush(&mut file))
        .map_err(|source| tae::Error::Io {
            path: paths.report.clone(),
            source,
        })?;

    println!(
        "Report written to {} ({:.1} s)",
        paths.report.display(),
        info.elapsed_seconds
    );
    Ok(())
}

/// Every file that `tae reproduce` writes.
struct OutputPaths {
    report: PathBuf,
    clustering_csv: PathBuf,
    denoising_csv: PathBuf,
    penguins: PathBuf,
    toy: PathBuf,
    ari: PathBuf,
    denoising: PathBuf,
}

impl OutputPaths {
    fn new(dir: &Path) -> OutputPaths {
        OutputPaths {
            report: dir.join(REPORT_FILE),
            clustering_csv: dir.join(CLUSTERING_CSV),
            denoising_csv: dir.join(DENOISING_CSV),
            penguins: dir.join(FIGURES.penguins),
            toy: dir.join(FIGURES.toy),
            ari: dir.join(FIGURES.ari),
            denoising: dir.join(FIGURES.denoising),
        }
    }

    fn all(&self) -> [&Path; 7] {
        [
            &self.report,
            &self.clustering_csv,
            &self.denoising_csv,
            &self.penguins,
            &self.toy,
            &self.ari,
            &self.denoising,
        ]
    }
}

fn write_figures(paths: &OutputPaths, force: bool, results: &Results) -> Result<(), CliError> {
    let bill = results
        .set_index("penguins-2")
        .map(|index| &results.sets[index])
        .ok_or_else(|| {
            CliError::new("internal error: the penguins-2 data set is missing; please report it")
        })?;
    figures::penguins(&paths.penguins, force, bill)?;
    figures::toy_clustering(&paths.toy, force, &results.sets)?;
    figures::ari_bars(&paths.ari, force, results)?;
    figures::denoising_bars(&paths.denoising, force, results)
}

/// Writes every run with full precision, one row per data set, method and seed.
fn write_csv(paths: &OutputPaths, force: bool, results: &Results) -> Result<(), CliError> {
    let header: Vec<String> = [
        "data_set", "method", "seed", "ari", "nmi", "accuracy", "seconds",
    ]
    .map(String::from)
    .to_vec();
    let rows = results.clustering.iter().map(|run| {
        vec![
            results.sets[run.data_set].name.to_string(),
            run.method.name().to_string(),
            run.seed.to_string(),
            run.ari.to_string(),
            run.nmi.to_string(),
            run.accuracy.to_string(),
            run.seconds.to_string(),
        ]
    });
    output::write_csv(Some(&paths.clustering_csv), force, &header, rows)?;

    let header: Vec<String> = ["data_set", "noise_level", "sigma", "method", "seed", "mse"]
        .map(String::from)
        .to_vec();
    let rows = results.denoising.iter().map(|run| {
        vec![
            results.sets[run.data_set].name.to_string(),
            NOISE_LEVELS[run.level].to_string(),
            run.sigma.to_string(),
            run.method.name().to_string(),
            run.seed.to_string(),
            run.mse.to_string(),
        ]
    });
    output::write_csv(Some(&paths.denoising_csv), force, &header, rows)
}

/// Returns the command as typed, with the program name shortened to `tae`.
fn command_line() -> String {
    let mut words: Vec<String> = std::env::args().skip(1).collect();
    words.insert(0, "tae".to_string());
    words.join(" ")
}
