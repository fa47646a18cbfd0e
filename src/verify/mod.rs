//! Numerical checks of the TAE theory, one per numbered claim C1 … C22.
//!
//! Each check builds planted data from a seed, measures one number (the largest relative
//! error of an identity, or the smallest accuracy of a recovery) and compares it with the
//! claim's tolerance. [`check`] runs one claim, [`check_all`] all of them; `tae verify` prints
//! the results as a table. The derivations are in the crate's `proofs/` folder, which names the
//! test of each claim.
//!
//! ```
//! use tae::verify::{check, Claim};
//!
//! let result = check(Claim::C1, 0)?;
//! assert!(result.passed, "{result:?}");
//! # Ok::<(), tae::Error>(())
//! ```

mod claims;
mod linalg;

use std::fmt;
use std::str::FromStr;

use crate::error::Result;

/// The numbered claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Claim {
    C1,
    C2,
    C3,
    C4,
    C5,
    C6,
    C7,
    C8,
    C9,
    C10,
    C11,
    C12,
    C13,
    C14,
    C15,
    C16,
    C17,
    C18,
    C19,
    C20,
    C21,
    C22,
}

impl Claim {
    /// Every claim, in order.
    pub const ALL: [Claim; 22] = [
        Claim::C1,
        Claim::C2,
        Claim::C3,
        Claim::C4,
        Claim::C5,
        Claim::C6,
        Claim::C7,
        Claim::C8,
        Claim::C9,
        Claim::C10,
        Claim::C11,
        Claim::C12,
        Claim::C13,
        Claim::C14,
        Claim::C15,
        Claim::C16,
        Claim::C17,
        Claim::C18,
        Claim::C19,
        Claim::C20,
        Claim::C21,
        Claim::C22,
    ];

    /// The claim's number, 1 to 22.
    pub fn number(self) -> usize {
        Claim::ALL
            .iter()
            .position(|&c| c == self)
            .map_or(0, |i| i + 1)
    }

    /// A few words on what the claim states.
    pub fn statement(self) -> &'static str {
        match self {
            Claim::C1 => "AE loss = ‖y‖² − (1−λ)‖Wy‖² = yᵀAy",
            Claim::C2 => "optimal center is the member mean",
            Claim::C3 => "λ = 0: center free along the basis",
            Claim::C4 => "encoder: top-h (λ<1), bottom-h (λ>1)",
            Claim::C5 => "hard argmin minimises over the simplex",
            Claim::C6 => "Lloyd loss never increases",
            Claim::C7 => "termination is a fixed point",
            Claim::C8 => "reduced loss from the spectra",
            Claim::C9 => "planted clusters and subspaces recovered",
            Claim::C10 => "beats k-means on close, elongated clusters",
            Claim::C11 => "λ = 1 is k-means",
            Claim::C12 => "λ = 0 is k-flats",
            Claim::C13 => "TAE loss ≤ single-AE loss",
            Claim::C14 => "reduced loss concave in P",
            Claim::C15 => "invariances (O(h), labels, x+t, Qx, sx)",
            Claim::C16 => "test-time assignment and reconstruction",
            Claim::C17 => "de-noising beats PCA(h) and PCA(Kh)",
            Claim::C18 => "free decoder breaks V = Wᵀ",
            Claim::C19 => "untied threshold λ ≤ σ_d/σ_1",
            Claim::C20 => "EM covariance dictionary",
            Claim::C21 => "soft EM monotone, hard as τ → 0",
            Claim::C22 => "S and S/N give the same basis",
        }
    }

    /// The test function that checks the claim with independent oracles.
    pub fn test_name(self) -> String {
        let suffix = match self {
            Claim::C1 => "loss_identity_and_spectrum",
            Claim::C2 => "center_is_member_mean",
            Claim::C3 => "lambda_zero_center_not_unique",
            Claim::C4 => "encoder_takes_top_eigenvectors",
            Claim::C5 => "hard_assignment_minimises_over_simplex",
            Claim::C6 => "loss_never_increases",
            Claim::C7 => "fixed_point_conditions",
            Claim::C8 => "reduced_loss_formula",
            Claim::C9 => "planted_recovery",
            Claim::C10 => "beats_kmeans_on_close_clusters",
            Claim::C11 => "lambda_one_is_kmeans",
            Claim::C12 => "lambda_zero_is_k_flats",
            Claim::C13 => "tae_never_worse_than_ae",
            Claim::C14 => "reduced_loss_concave",
            Claim::C15 => "invariances",
            Claim::C16 => "test_time_rule",
            Claim::C17 => "denoising_beats_ae",
            Claim::C18 => "free_decoder_counterexample",
            Claim::C19 => "local_threshold",
            Claim::C20 => "em_dictionary",
            Claim::C21 => "soft_em_monotone_and_hard_limit",
            Claim::C22 => "normalisation_irrelevant",
        };
        format!("tests/theory.rs::c{}_{suffix}", self.number())
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "C{}", self.number())
    }
}

/// Error returned when a claim id does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseClaimError(String);

impl fmt::Display for ParseClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid claim '{}': expected C1 to C22", self.0)
    }
}

impl std::error::Error for ParseClaimError {}

impl FromStr for Claim {
    type Err = ParseClaimError;

    /// Parses `C7`, `c7` or `7`.
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let digits = text.trim().trim_start_matches(['C', 'c']);
        digits
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| Claim::ALL.get(i).copied())
            .ok_or_else(|| ParseClaimError(text.to_string()))
    }
}

/// How a measured value is compared with the claim's threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// The value must not exceed the threshold (an error or a violation).
    AtMost(f64),
    /// The value must reach the threshold (an accuracy or a margin).
    AtLeast(f64),
}

impl Bound {
    /// Whether `value` satisfies the bound; NaN never does.
    pub fn holds(self, value: f64) -> bool {
        match self {
            Bound::AtMost(limit) => value <= limit,
            Bound::AtLeast(limit) => value >= limit,
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::AtMost(limit) => write!(f, "≤ {limit:.1e}"),
            Bound::AtLeast(limit) => write!(f, "≥ {limit}"),
        }
    }
}

/// The outcome of one claim's check.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimResult {
    /// Which claim.
    pub claim: Claim,
    /// The measured error or value.
    pub measured: f64,
    /// The bound it must satisfy.
    pub bound: Bound,
    /// Whether it does, together with every secondary condition listed in `detail`.
    pub passed: bool,
    /// Secondary measurements, e.g. "subspace sine 0.012, center error 0.31".
    pub detail: String,
}

impl ClaimResult {
    fn new(claim: Claim, measured: f64, bound: Bound, detail: String) -> Self {
        ClaimResult {
            claim,
            measured,
            bound,
            passed: bound.holds(measured),
            detail,
        }
    }

    /// Marks the result failed when a secondary condition does not hold.
    fn require(mut self, condition: bool) -> Self {
        self.passed &= condition;
        self
    }
}

/// Runs one claim on planted data drawn from `seed`.
///
/// # Errors
/// Only the fitting errors of the crate, which valid planted data do not trigger.
pub fn check(claim: Claim, seed: u64) -> Result<ClaimResult> {
    claims::run(claim, seed)
}

/// Runs every claim with the same seed.
///
/// # Errors
/// As [`check`].
pub fn check_all(seed: u64) -> Result<Vec<ClaimResult>> {
    Claim::ALL.iter().map(|&claim| check(claim, seed)).collect()
}
