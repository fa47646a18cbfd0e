//! `tae verify`: one row per claim with its measured value, bound and verdict.

use std::io::Write;
use std::time::Instant;

use tae::verify::{check, Claim, ClaimResult};

use super::{CliError, VerifyArgs};

pub fn run(args: &VerifyArgs) -> Result<(), CliError> {
    let claims: Vec<Claim> = match args.claim {
        Some(claim) => vec![claim],
        None => Claim::ALL.to_vec(),
    };
    let mut out = std::io::stdout().lock();
    let mut write = |line: String| writeln!(out, "{line}").map_err(CliError::stdout);

    write(format!(
        "Claims of the linear TAE theory on planted mixtures, seed {}",
        args.seed
    ))?;
    write(format!(
        "{:<4} {:<42} {:>10} {:>10} {:<6} {:>7}  {}",
        "id", "statement", "measured", "bound", "result", "time", "details"
    ))?;
    let mut failed = Vec::new();
    let started = Instant::now();
    for claim in claims {
        let clock = Instant::now();
        let result: ClaimResult = check(claim, args.seed)?;
        let verdict = if result.passed { "PASS" } else { "FAIL" };
        write(format!(
            "{:<4} {:<42} {:>10.3e} {:>10} {:<6} {:>6.2}s  {}",
            claim.to_string(),
            claim.statement(),
            result.measured,
            result.bound.to_string(),
            verdict,
            clock.elapsed().as_secs_f64(),
            result.detail
        ))?;
        if !result.passed {
            failed.push(claim.to_string());
        }
    }
    write(format!(
        "total time {:.1}s",
        started.elapsed().as_secs_f64()
    ))?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(format!(
            "{} claim(s) failed: {}; rerun one with --claim and see its test for details",
            failed.len(),
            failed.join(", ")
        )))
    }
}
