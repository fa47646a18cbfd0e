//! Subspace distances, the Davis–Kahan perturbation bound, and an optimality certificate for a
//! fitted [`TaeModel`].
//!
//! # Principal angles
//!
//! A basis is an `h × d` matrix with orthonormal rows; it spans the subspace `row(A)` of ℝᵈ and
//! has the orthogonal projector `AᵀA`. Between bases `A` (`h_a × d`) and `B` (`h_b × d`) there
//! are `m = min(h_a, h_b)` principal angles `0 ≤ θ_1 ≤ … ≤ θ_m ≤ π/2`, with
//!
//! ```text
//! cos θ_k = σ_k(A Bᵀ)                 (singular values, largest first)
//! sin θ_k = σ_{m+1−k}((I − BᵀB) Aᵀ)     (when h_a ≤ h_b; swap A and B otherwise)
//! ```
//!
//! The arccosine loses accuracy near 1: the cosine of an angle below about 1e-8 rounds to
//! exactly 1, so `arccos` alone would report 0. [`principal_angles`] therefore takes each angle
//! below π/4 from its sine and the others from their cosines, the split recommended by Knyazev
//! and Argentati (SIAM J. Sci. Comput. 23(6), 2002). [`sine_distance`] returns `sin θ_m` from
//! the sines directly. For equal dimensions the projector distances follow from the angles:
//!
//! ```text
//! ‖AᵀA − BᵀB‖₂ = sin θ_m,    ‖AᵀA − BᵀB‖_F = √2 · (Σ_k sin² θ_k)^{1/2};
//! ```
//!
//! for unequal dimensions the spectral distance is 1.
//!
//! # Davis–Kahan
//!
//! Let Σ (the true covariance) and Σ̂ (an estimate) be symmetric `d × d` matrices, with
//! eigenvalues `λ_1 ≥ … ≥ λ_d` of Σ, and let `U`, `Û` be their top-h eigenspaces. With the
//! eigengap of the true matrix, `δ = λ_h − λ_{h+1}` (`+∞` when h = d), [`davis_kahan_bound`]
//! evaluates
//!
//! ```text
//! sin θ_max(Û, U) ≤ 2 ‖Σ̂ − Σ‖₂ / δ
//! ```
//!
//! This is the operator-norm form of the variant by Yu, Wang and Samworth, *A useful variant of
//! the Davis–Kahan theorem for statisticians* (Biometrika 102(2), 2015; arXiv:1405.0680).
//! Unlike the original theorem of Davis and Kahan (1970), it needs a gap only in the true
//! spectrum and none in Σ̂. Proof: when `‖Σ̂ − Σ‖₂ > δ/2` the right side exceeds 1. Otherwise Weyl's inequality
//! gives `λ̂_h ≥ λ_h − ‖Σ̂ − Σ‖₂ ≥ λ_{h+1} + δ/2`, so the top-h eigenvalues of Σ̂ lie at least
//! δ/2 above the bottom `d − h` eigenvalues of Σ, and the classical sin θ theorem bounds
//! `sin θ_max` by `‖Σ̂ − Σ‖₂ / (δ/2)`. The report also contains the Frobenius form of that
//! paper's Theorem 2, `‖sin Θ‖_F ≤ 2 min(√h ‖Σ̂ − Σ‖₂, ‖Σ̂ − Σ‖_F) / δ`.
//!
//! # Optimality certificate
//!
//! [`certify`] checks that a fitted model is a fixed point of the closed-form Lloyd iteration on
//! its training data: one more update would return the same centers and subspaces, and one more
//! assignment would move no point. For each cluster `j`, with members' mean `m_j` and scatter
//! `S_j = Σ_{i∈j} (x_i − m_j)(x_i − m_j)ᵀ`:
//!
//! - the center shift `‖c_j − m_j‖`;
//! - the eigen-residual `‖S_j W_jᵀ − W_jᵀ Λ_j‖_F` with `Λ_j = W_j S_j W_jᵀ`, zero exactly when
//!   `row(W_j)` is an invariant subspace of `S_j`;
//! - the top-h check: `tr(W_j S_j W_jᵀ)` against the sum of the h largest eigenvalues of `S_j`,
//!   equal exactly when that invariant subspace is a top-h one;
//! - the eigengap `σ_h(S_j) − σ_{h+1}(S_j)`, which says whether the top-h subspace is unique;
//!
//! and over all points, the assignment margin (second-lowest minus lowest loss) and the number
//! of points whose label is not a lowest-loss cluster.

use faer::{Mat, MatRef};

use crate::data;
use crate::dense::{
    self, check_basis, check_square, check_symmetric, not_converged, product, singular_values,
    symmetric_eigen, symmetrised,
};
use crate::error::{Error, Result};
use crate::model::TaeModel;

pub use crate::dense::{SEMIDEFINITE_TOLERANCE, SYMMETRY_TOLERANCE};

/// Safety factor over the first-order rounding bounds behind the certificate's tolerances.
///
/// The bounds (see [`CertificateTolerances`]) estimate the rounding of sums of `n` terms and of
/// a `d × d` eigendecomposition. The factor 8 covers their constants and the solver's different
/// summation order. On the planted mixtures of [`crate::planted`] the measured residuals stay
/// 100 to 1000 times below the resulting tolerances.
pub const ROUNDING_SAFETY_FACTOR: f64 = 8.0;

/// Norm used by [`projector_distance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectorNorm {
    /// The spectral norm (largest singular value).
    Spectral,
    /// The Frobenius norm (square root of the sum of squared entries).
    Frobenius,
}

/// Computes the `min(h_a, h_b)` principal angles, in radians and ascending, between the row
/// spaces of two bases with orthonormal rows (`h_a × d` and `h_b × d`).
///
/// Angles below π/4 come from their sines and the others from their cosines, so small angles
/// keep full relative accuracy (see the module docs).
///
/// # Errors
/// [`Error::DimensionMismatch`] when the bases have different numbers of columns,
/// [`Error::EmptyData`] when they have no columns,
/// [`Error::InvalidLatentDim`] when one has no rows or more rows than columns,
/// [`Error::NonFiniteValue`] at a NaN or infinity, and [`Error::InvalidMatrix`] when the rows of
/// one are not orthonormal within [`crate::model::ORTHONORMALITY_TOLERANCE`].
///
/// ```
/// use faer::Mat;
///
/// // Two lines in the plane, at 0.3 rad from each other.
/// let a = Mat::from_fn(1, 2, |_, c| [1.0, 0.0][c]);
/// let b = Mat::from_fn(1, 2, |_, c| [0.3f64.cos(), 0.3f64.sin()][c]);
/// let angles = tae::analysis::principal_angles(a.as_ref(), b.as_ref())?;
/// assert!((angles[0] - 0.3).abs() < 1e-15);
/// # Ok::<(), tae::Error>(())
/// ```
pub fn principal_angles(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Vec<f64>> {
    check_pair(a, b)?;
    let (fewer, more) = ordered(a, b);
    let cosines = singular_values(product(fewer, more.transpose()).as_ref())
        .map_err(not_converged("the product of two bases"))?;
    let sines = outside_sines(fewer, more)?;

    let count = fewer.nrows();
    let mut angles: Vec<f64> = (0..count)
        .map(|k| {
            let cosine = cosines[k].clamp(0.0, 1.0);
            let sine = sines[count - 1 - k].clamp(0.0, 1.0);
            if sine < std::f64::consts::FRAC_1_SQRT_2 {
                sine.asin()
            } else {
                cosine.acos()
            }
        })
        .collect();
    // The two formulas meet at π/4; sorting removes any rounding inversion there.
    angles.sort_by(f64::total_cmp);
    Ok(angles)
}

/// Computes the sine of the largest principal angle between the row spaces of two bases:
/// `‖(I − BᵀB) Aᵀ‖₂` with `A` the basis of fewer rows.
///
/// For equal dimensions this equals `‖AᵀA − BᵀB‖₂`. For unequal dimensions it measures how far
/// the smaller subspace is from lying inside the larger one, and is 0 when it does, whereas
/// the spectral projector distance is then always 1.
///
/// # Errors
/// As [`principal_angles`].
pub fn sine_distance(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<f64> {
    check_pair(a, b)?;
    let (fewer, more) = ordered(a, b);
    let sines = outside_sines(fewer, more)?;
    Ok(sines[0].clamp(0.0, 1.0))
}

/// Computes `‖AᵀA − BᵀB‖` in the chosen norm: the distance between the orthogonal projectors
/// onto the row spaces of two bases.
///
/// # Errors
/// As [`principal_angles`].
pub fn projector_distance(
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    norm: ProjectorNorm,
) -> Result<f64> {
    check_pair(a, b)?;
    let difference = product(a.transpose(), a) - product(b.transpose(), b);
    match norm {
        ProjectorNorm::Frobenius => Ok(difference.norm_l2()),
        ProjectorNorm::Spectral => {
            let eigen = symmetric_eigen(symmetrised(difference.as_ref()).as_ref())
                .map_err(not_converged("the difference of two projectors"))?;
            Ok(eigen.values.iter().fold(0.0f64, |acc, v| acc.max(v.abs())))
        }
    }
}

/// Checks both bases and that they live in the same ambient dimension.
fn check_pair(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<()> {
    check_basis(a, a.ncols(), "first basis")?;
    check_basis(b, a.ncols(), "second basis")
}

/// Returns the two bases with the one of fewer rows first.
fn ordered<'a>(a: MatRef<'a, f64>, b: MatRef<'a, f64>) -> (MatRef<'a, f64>, MatRef<'a, f64>) {
    if a.nrows() <= b.nrows() {
        (a, b)
    } else {
        (b, a)
    }
}

/// Returns the sines of the principal angles, largest first: the singular values of
/// `(I − MᵀM) Fᵀ` for the basis `F` of fewer rows and the basis `M` of more.
fn outside_sines(fewer: MatRef<'_, f64>, more: MatRef<'_, f64>) -> Result<Vec<f64>> {
    let inside = product(more.transpose(), product(more, fewer.transpose()).as_ref());
    let outside = fewer.transpose().to_owned() - inside;
    singular_values(outside.as_ref()).map_err(not_converged("the residual of a basis"))
}

/// The Davis–Kahan bound for one top-h eigenspace, with the quantities it is built from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DavisKahan {
    /// `2 ‖Σ̂ − Σ‖₂ / δ`, a bound on [`DavisKahan::observed_sine`]: 0 when h = d, `+∞` when
    /// δ = 0, and uninformative once it exceeds 1.
    pub bound: f64,
    /// `2 min(√h ‖Σ̂ − Σ‖₂, ‖Σ̂ − Σ‖_F) / δ`, a bound on
    /// [`DavisKahan::observed_sine_frobenius`] (Theorem 2 of Yu, Wang and Samworth).
    pub frobenius_bound: f64,
    /// `‖Σ̂ − Σ‖₂`, the spectral norm of the perturbation.
    pub perturbation_norm: f64,
    /// `‖Σ̂ − Σ‖_F`, the Frobenius norm of the perturbation.
    pub perturbation_frobenius: f64,
    /// `δ = λ_h(Σ) − λ_{h+1}(Σ)`, the eigengap of the true matrix (`+∞` when h = d).
    pub eigengap: f64,
    /// Sine of the largest principal angle between the top-h eigenspaces of Σ̂ and Σ.
    pub observed_sine: f64,
    /// `(Σ_k sin² θ_k)^{1/2}` over all h principal angles between the two eigenspaces.
    pub observed_sine_frobenius: f64,
}

/// Evaluates the Davis–Kahan bound between the top-h eigenspaces of an estimate Σ̂ and the true
/// matrix Σ (both symmetric `d × d`), in the form of Yu, Wang and Samworth (module docs).
///
/// Σ̂ is typically a sample covariance (a scatter matrix divided by the number of points);
/// [`davis_kahan_from_members`] builds it from the points of one cluster.
///
/// # Errors
/// [`Error::InvalidMatrix`] when a matrix is not square or not symmetric within
/// [`SYMMETRY_TOLERANCE`], [`Error::NonFiniteValue`] at a NaN or infinity,
/// [`Error::DimensionMismatch`] when the two sizes differ, [`Error::InvalidLatentDim`] unless
/// `1 ≤ h ≤ d`, and [`Error::DecompositionNotConverged`] if an eigendecomposition fails.
pub fn davis_kahan_bound(
    estimate: MatRef<'_, f64>,
    truth: MatRef<'_, f64>,
    h: usize,
) -> Result<DavisKahan> {
    for (m, what) in [
        (estimate, "estimated covariance"),
        (truth, "true covariance"),
    ] {
        check_square(m, what)?;
        check_symmetric(m, what)?;
    }
    let dim = truth.nrows();
    if estimate.nrows() != dim {
        return Err(Error::DimensionMismatch {
            expected: dim,
            found: estimate.nrows(),
        });
    }
    if h == 0 || h > dim {
        return Err(Error::InvalidLatentDim { latent_dim: h, dim });
    }

    let perturbation = symmetrised((estimate.to_owned() - truth).as_ref());
    let perturbation_norm = symmetric_eigen(perturbation.as_ref())
        .map_err(not_converged("the perturbation Σ̂ − Σ"))?
        .values
        .iter()
        .fold(0.0f64, |acc, v| acc.max(v.abs()));
    let perturbation_frobenius = perturbation.norm_l2();

    let true_eigen = symmetric_eigen(truth).map_err(not_converged("the true covariance"))?;
    let estimated_eigen =
        symmetric_eigen(estimate).map_err(not_converged("the estimated covariance"))?;
    let eigengap = eigengap(&true_eigen.values, h);
    let sines = outside_sines(
        estimated_eigen.top_rows(h).as_ref(),
        true_eigen.top_rows(h).as_ref(),
    )?;

    let ratio = |norm: f64| {
        if eigengap > 0.0 {
            2.0 * norm / eigengap
        } else {
            f64::INFINITY
        }
    };
    let frobenius_norm = ((h as f64).sqrt() * perturbation_norm).min(perturbation_frobenius);
    Ok(DavisKahan {
        bound: ratio(perturbation_norm),
        frobenius_bound: ratio(frobenius_norm),
        perturbation_norm,
        perturbation_frobenius,
        eigengap,
        observed_sine: sines[0].clamp(0.0, 1.0),
        observed_sine_frobenius: sines.iter().map(|s| s * s).sum::<f64>().sqrt(),
    })
}

/// Evaluates [`davis_kahan_bound`] for one cluster: Σ̂ is the sample covariance of `members`
/// (`n × d`, one row per point), centered at their mean and divided by `n`.
///
/// # Errors
/// [`Error::EmptyData`] when there are no members, [`Error::DimensionMismatch`] when `members`
/// does not have as many columns as `truth`, and the errors of [`davis_kahan_bound`].
///
/// ```
/// use tae::planted::PlantedMixture;
///
/// let sample = PlantedMixture::default_model(5.0, 300, 0)?.sample(1)?;
/// let members = sample.data.as_ref().subrows(0, 300);
/// let rotation = &sample.rotations[0];
/// let spectrum = [9.0, 7.2, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05];
/// let truth = faer::Mat::from_fn(10, 10, |a, b| {
///     (0..10).map(|k| rotation[(a, k)] * spectrum[k] * rotation[(b, k)]).sum::<f64>()
/// });
/// let report = tae::analysis::davis_kahan_from_members(members, truth.as_ref(), 2)?;
/// assert!(report.observed_sine <= report.bound);
/// # Ok::<(), tae::Error>(())
/// ```
pub fn davis_kahan_from_members(
    members: MatRef<'_, f64>,
    truth: MatRef<'_, f64>,
    h: usize,
) -> Result<DavisKahan> {
    data::check_finite(members)?;
    check_square(truth, "true covariance")?;
    data::check_dim(members, truth.nrows())?;
    let mean = data::column_means(members);
    let centered = data::subtract_row(members, &mean);
    let scatter = product(centered.transpose(), centered.as_ref());
    let count = members.nrows() as f64;
    let covariance = Mat::from_fn(truth.nrows(), truth.nrows(), |a, b| {
        0.5 * (scatter[(a, b)] + scatter[(b, a)]) / count
    });
    davis_kahan_bound(covariance.as_ref(), truth, h)
}

/// `σ_h − σ_{h+1}` from eigenvalues sorted largest first; `+∞` when `h` is their number.
fn eigengap(values: &[f64], h: usize) -> f64 {
    if h < values.len() {
        values[h - 1] - values[h]
    } else {
        f64::INFINITY
    }
}

/// The checks of [`certify`] for one cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterCertificate {
    /// Number of training points labelled with this cluster.
    pub size: usize,
    /// `‖c_j − m_j‖`, the distance from the center to the mean of its members (0 when the
    /// cluster is empty, since then no loss depends on the center).
    pub center_shift: f64,
    /// `‖S_j W_jᵀ − W_jᵀ (W_j S_j W_jᵀ)‖_F`: zero when `row(W_j)` is an invariant subspace of
    /// the members' scatter matrix `S_j`.
    pub eigen_residual: f64,
    /// `σ_h(S_j) − σ_{h+1}(S_j)`: positive when the top-h subspace is unique, `+∞` when h = d,
    /// and 0 up to rounding for a cluster with at most h members (or none), whose scatter has
    /// rank below h.
    pub eigengap: f64,
    /// `tr(W_j S_j W_jᵀ)`, the scatter captured by the basis.
    pub basis_trace: f64,
    /// The sum of the h largest eigenvalues of `S_j`, the most any basis can capture.
    pub top_h_trace: f64,
    /// Tolerance for `eigen_residual` and `top_h_deficit`: `8 (n_j + d) ε tr(S_j)`.
    pub scatter_tolerance: f64,
}

impl ClusterCertificate {
    /// `top_h_trace − basis_trace`: zero when the basis spans a top-h eigenspace.
    pub fn top_h_deficit(&self) -> f64 {
        self.top_h_trace - self.basis_trace
    }

    /// [`ClusterCertificate::top_h_deficit`] divided by `top_h_trace` (0 when that is 0).
    pub fn relative_top_h_deficit(&self) -> f64 {
        if self.top_h_trace > 0.0 {
            self.top_h_deficit() / self.top_h_trace
        } else {
            0.0
        }
    }

    /// Returns true when the basis passes both scatter checks within `scatter_tolerance`.
    pub fn spans_top_eigenspace(&self) -> bool {
        self.eigen_residual <= self.scatter_tolerance
            && self.top_h_deficit() <= self.scatter_tolerance
    }
}

/// The tolerances behind [`Certificate::is_fixed_point`], each a rounding bound times
/// [`ROUNDING_SAFETY_FACTOR`] (ε is `f64::EPSILON`, `R` the largest distance of a training
/// point from the training mean `x̄`).
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateTolerances {
    /// Largest accepted center shift, `8 ε ((n + d) R + ‖x̄‖)`: a mean of `n` points carries
    /// rounding up to about `n ε R`, and moving it to and from the data's own coordinates adds
    /// about `ε ‖x̄‖`.
    pub center_shift: f64,
    /// How far a label's loss may exceed the lowest loss of its point and still count as an
    /// argmin: `8 (d + 1) ε (R + R_c)²`, with `R_c` the largest distance of a center from `x̄`,
    /// since each loss sums `d` products bounded by `‖x − c‖² ≤ (R + R_c)²`.
    pub assignment: f64,
}

/// The optimality certificate of a fitted model on its training data; see [`certify`].
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    /// One entry per cluster.
    pub clusters: Vec<ClusterCertificate>,
    /// The largest [`ClusterCertificate::center_shift`].
    pub max_center_shift: f64,
    /// The largest [`ClusterCertificate::eigen_residual`] (Frobenius norm).
    pub max_eigen_residual: f64,
    /// The smallest, over points, of the second-lowest minus the lowest loss. It is 0 when some
    /// point has a tie and `+∞` when K = 1.
    pub min_assignment_margin: f64,
    /// Points whose loss at their label exceeds their lowest loss by more than
    /// [`CertificateTolerances::assignment`].
    pub n_misassigned: usize,
    /// The center and assignment tolerances used (the scatter tolerances are per cluster).
    pub tolerances: CertificateTolerances,
    /// Whether every check passes: each center within its tolerance of its members' mean, each
    /// basis spanning a top-h eigenspace of its members' scatter, and no misassigned point.
    pub is_fixed_point: bool,
}

/// Certifies whether `model` is a fixed point of the closed-form Lloyd iteration on its
/// training data `x` (`n × d`, the rows it was fitted on, in the same order).
///
/// The checks and their tolerances are described in the module docs and on
/// [`CertificateTolerances`]. An empty cluster reports zero center shift, residual and
/// deficit (no loss depends on its center or basis) and eigengap 0 (`+∞` when h = d). A
/// cluster with at most h members has a scatter matrix of rank below h, so its eigengap is 0
/// up to rounding, and any basis whose row space contains the span of the centered members
/// passes.
///
/// # Errors
/// - [`Error::DimensionMismatch`] when `x` does not have d columns;
/// - the errors of [`data::check_finite`];
/// - [`Error::LengthMismatch`] when the model's training labels do not have one entry per row
///   of `x`, for example in a model built from parts without labels;
/// - [`Error::LabelOutOfRange`] for a label outside `0..K`;
/// - [`Error::DecompositionNotConverged`] if an eigendecomposition fails.
///
/// ```
/// use tae::TaeParams;
///
/// let x = tae::datasets::penguins().to_mat();
/// let model = TaeParams::new(3, 1).lambda(0.1).seed(0).check()?.fit(x.as_ref())?;
/// let certificate = tae::analysis::certify(&model, x.as_ref())?;
/// assert!(certificate.is_fixed_point);
/// assert_eq!(certificate.n_misassigned, 0);
/// # Ok::<(), tae::Error>(())
/// ```
pub fn certify(model: &TaeModel, x: MatRef<'_, f64>) -> Result<Certificate> {
    data::check_dim(x, model.dim())?;
    data::check_finite(x)?;
    let labels = model.labels();
    let n_clusters = model.n_clusters();
    if labels.len() != x.nrows() {
        return Err(Error::LengthMismatch {
            what: "training labels of the model",
            expected: x.nrows(),
            found: labels.len(),
        });
    }
    if let Some((index, &label)) = labels.iter().enumerate().find(|(_, &l)| l >= n_clusters) {
        return Err(Error::LabelOutOfRange {
            index,
            label,
            n_clusters,
        });
    }

    // Work around the training mean, as the solver does, so that a large common offset does
    // not swamp the cluster statistics in rounding.
    let offset = data::column_means(x);
    let centered = data::subtract_row(x, &offset);
    let clusters = (0..n_clusters)
        .map(|j| certify_cluster(model, centered.as_ref(), &offset, j))
        .collect::<Result<Vec<_>>>()?;
    let tolerances = tolerances(model, x, centered.as_ref(), &offset);
    let (min_assignment_margin, n_misassigned) =
        assignment_checks(model, x, tolerances.assignment)?;

    let max_center_shift = clusters.iter().fold(0.0f64, |m, c| m.max(c.center_shift));
    let max_eigen_residual = clusters.iter().fold(0.0f64, |m, c| m.max(c.eigen_residual));
    let is_fixed_point = max_center_shift <= tolerances.center_shift
        && clusters
            .iter()
            .all(ClusterCertificate::spans_top_eigenspace)
        && n_misassigned == 0;
    Ok(Certificate {
        clusters,
        max_center_shift,
        max_eigen_residual,
        min_assignment_margin,
        n_misassigned,
        tolerances,
        is_fixed_point,
    })
}

/// Runs the center and basis checks of cluster `j` on the globally centered data.
fn certify_cluster(
    model: &TaeModel,
    centered: MatRef<'_, f64>,
    offset: &[f64],
    j: usize,
) -> Result<ClusterCertificate> {
    let dim = centered.ncols();
    let members: Vec<usize> = (0..centered.nrows())
        .filter(|&i| model.labels()[i] == j)
        .collect();
    let size = members.len();
    let rows = Mat::from_fn(size, dim, |r, c| centered[(members[r], c)]);

    let mut center_shift = 0.0;
    let mut scatter = Mat::zeros(dim, dim);
    if size > 0 {
        let mean = data::column_means(rows.as_ref());
        center_shift =
            euclidean_norm((0..dim).map(|c| (model.centers()[(j, c)] - offset[c]) - mean[c]));
        let members_centered = data::subtract_row(rows.as_ref(), &mean);
        scatter =
            symmetrised(product(members_centered.transpose(), members_centered.as_ref()).as_ref());
    }

    let h = model.latent_dim();
    let eigen = symmetric_eigen(scatter.as_ref())
        .map_err(not_converged("the scatter matrix of a cluster"))?;
    let basis = model.bases()[j].as_ref();
    let scattered = product(scatter.as_ref(), basis.transpose());
    let captured = product(basis, scattered.as_ref());
    let residual = scattered - product(basis.transpose(), captured.as_ref());
    let scatter_trace = dense::trace(scatter.as_ref());
    Ok(ClusterCertificate {
        size,
        center_shift,
        eigen_residual: residual.norm_l2(),
        eigengap: eigengap(&eigen.values, h),
        basis_trace: dense::trace(captured.as_ref()),
        top_h_trace: eigen.values[..h].iter().sum(),
        scatter_tolerance: ROUNDING_SAFETY_FACTOR
            * (size + dim) as f64
            * f64::EPSILON
            * scatter_trace,
    })
}

/// Computes the center and assignment tolerances from the scale of the data and centers.
fn tolerances(
    model: &TaeModel,
    x: MatRef<'_, f64>,
    centered: MatRef<'_, f64>,
    offset: &[f64],
) -> CertificateTolerances {
    let (n_points, dim) = x.shape();
    let radius = (0..n_points)
        .map(|i| euclidean_norm((0..dim).map(|c| centered[(i, c)])))
        .fold(0.0f64, f64::max);
    let center_radius = (0..model.n_clusters())
        .map(|j| euclidean_norm((0..dim).map(|c| model.centers()[(j, c)] - offset[c])))
        .fold(0.0f64, f64::max);
    let offset_norm = euclidean_norm(offset.iter().copied());

    let eps = f64::EPSILON;
    CertificateTolerances {
        center_shift: ROUNDING_SAFETY_FACTOR
            * eps
            * ((n_points + dim) as f64 * radius + offset_norm),
        assignment: ROUNDING_SAFETY_FACTOR
            * (dim + 1) as f64
            * eps
            * (radius + center_radius).powi(2),
    }
}

fn euclidean_norm(values: impl Iterator<Item = f64>) -> f64 {
    values.map(|v| v * v).sum::<f64>().sqrt()
}

/// Returns the smallest gap between the two lowest losses of a point, and the number of points
/// whose labelled loss exceeds their lowest loss by more than `tolerance`.
fn assignment_checks(model: &TaeModel, x: MatRef<'_, f64>, tolerance: f64) -> Result<(f64, usize)> {
    let losses = model.losses(x)?;
    let mut min_margin = f64::INFINITY;
    let mut n_misassigned = 0;
    for (i, &label) in model.labels().iter().enumerate() {
        let mut lowest = f64::INFINITY;
        let mut second = f64::INFINITY;
        for j in 0..losses.ncols() {
            let loss = losses[(i, j)];
            if loss < lowest {
                second = lowest;
                lowest = loss;
            } else if loss < second {
                second = loss;
            }
        }
        min_margin = min_margin.min(second - lowest);
        if losses[(i, label)] > lowest + tolerance {
            n_misassigned += 1;
        }
    }
    Ok((min_margin, n_misassigned))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MatrixErrorKind;
    use crate::planted::{random_rotation, PlantedMixture, PlantedSample};
    use crate::{FitSummary, TaeParams};
    use nalgebra::{DMatrix, SymmetricEigen};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};
    use std::f64::consts::{FRAC_PI_2, PI};

    fn line(angle: f64) -> Mat<f64> {
        Mat::from_fn(1, 2, |_, c| [angle.cos(), angle.sin()][c])
    }

    fn rows(values: &[&[f64]]) -> Mat<f64> {
        Mat::from_fn(values.len(), values[0].len(), |r, c| values[r][c])
    }

    fn to_na(m: MatRef<'_, f64>) -> DMatrix<f64> {
        DMatrix::from_fn(m.nrows(), m.ncols(), |r, c| m[(r, c)])
    }

    /// Returns the first `h` columns of a random rotation, as rows.
    fn random_basis(h: usize, dim: usize, rng: &mut ChaCha8Rng) -> Mat<f64> {
        let rotation = random_rotation(dim, rng);
        Mat::from_fn(h, dim, |k, c| rotation[(c, k)])
    }

    /// Returns `U diag(spectrum) Uᵀ`.
    fn covariance(rotation: &Mat<f64>, spectrum: &[f64]) -> Mat<f64> {
        let dim = rotation.nrows();
        let scaled = Mat::from_fn(dim, dim, |r, k| rotation[(r, k)] * spectrum[k]);
        symmetrised(product(scaled.as_ref(), rotation.transpose()).as_ref())
    }

    #[test]
    fn lines_in_plane_have_known_angle() {
        for &(from, to, expected) in &[
            (0.0, 0.3, 0.3),
            (0.4, 1.5, 1.1),
            (0.2, 0.2 + FRAC_PI_2, FRAC_PI_2),
            (0.0, 2.5, PI - 2.5),
            (1.0, 1.0, 0.0),
        ] {
            let angles = principal_angles(line(from).as_ref(), line(to).as_ref()).unwrap();
            assert_eq!(angles.len(), 1);
            assert!(
                (angles[0] - expected).abs() < 1e-14,
                "lines at {from} and {to}: {} vs {expected}",
                angles[0]
            );
            let sine = sine_distance(line(from).as_ref(), line(to).as_ref()).unwrap();
            assert!((sine - expected.sin()).abs() < 1e-15);
        }
    }

    #[test]
    fn orthogonal_subspaces_are_at_right_angles() {
        let a = rows(&[&[1.0, 0.0, 0.0, 0.0], &[0.0, 1.0, 0.0, 0.0]]);
        let b = rows(&[&[0.0, 0.0, 1.0, 0.0], &[0.0, 0.0, 0.0, 1.0]]);
        let angles = principal_angles(a.as_ref(), b.as_ref()).unwrap();
        assert_eq!(angles, vec![FRAC_PI_2, FRAC_PI_2]);
        assert!((sine_distance(a.as_ref(), b.as_ref()).unwrap() - 1.0).abs() < 1e-15);
        let frobenius = projector_distance(a.as_ref(), b.as_ref(), ProjectorNorm::Frobenius);
        assert!((frobenius.unwrap() - 2.0).abs() < 1e-15);
    }

    #[test]
    fn plane_and_tilted_plane_share_a_line() {
        // span(e1, e2) and span(e1, cos t e2 + sin t e3): angles 0 and t.
        let t = 0.7f64;
        let a = rows(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0]]);
        let b = rows(&[&[1.0, 0.0, 0.0], &[0.0, t.cos(), t.sin()]]);
        let angles = principal_angles(a.as_ref(), b.as_ref()).unwrap();
        assert!(angles[0].abs() < 1e-15);
        assert!((angles[1] - t).abs() < 1e-15);
        let spectral = projector_distance(a.as_ref(), b.as_ref(), ProjectorNorm::Spectral);
        assert!((spectral.unwrap() - t.sin()).abs() < 1e-15);

        // A line inside the plane, then tilted out of it by t: one angle, t, in either order.
        let inside = rows(&[&[0.0, 1.0, 0.0]]);
        let tilted = rows(&[&[0.0, t.cos(), t.sin()]]);
        assert!(principal_angles(inside.as_ref(), a.as_ref()).unwrap()[0].abs() < 1e-15);
        assert_eq!(sine_distance(a.as_ref(), inside.as_ref()).unwrap(), 0.0);
        let angles = principal_angles(a.as_ref(), tilted.as_ref()).unwrap();
        assert_eq!(angles.len(), 1);
        assert!((angles[0] - t).abs() < 1e-15);
        // Projectors of different rank are at spectral distance 1.
        let spectral = projector_distance(a.as_ref(), tilted.as_ref(), ProjectorNorm::Spectral);
        assert!((spectral.unwrap() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn tiny_angle_keeps_relative_accuracy() {
        // cos(1e-9) rounds to 1, so an arccos-only formula would return 0. Rounding the two
        // unit vectors moves the true angle by about ε, a relative 2e-7 here.
        let tiny = 1e-9f64;
        assert_eq!(tiny.cos(), 1.0);
        let angles = principal_angles(line(0.5).as_ref(), line(0.5 + tiny).as_ref()).unwrap();
        assert!((angles[0] - tiny).abs() < 1e-5 * tiny, "{}", angles[0]);
        let sine = sine_distance(line(0.5).as_ref(), line(0.5 + tiny).as_ref()).unwrap();
        assert!((sine - tiny).abs() < 1e-5 * tiny);
    }

    #[test]
    fn angles_and_distances_match_nalgebra() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for &(h_a, h_b, dim) in &[(3, 3, 7), (2, 4, 6), (4, 1, 5), (5, 5, 5)] {
            let a = random_basis(h_a, dim, &mut rng);
            let b = random_basis(h_b, dim, &mut rng);
            let (na_a, na_b) = (to_na(a.as_ref()), to_na(b.as_ref()));
            let angles = principal_angles(a.as_ref(), b.as_ref()).unwrap();
            assert_eq!(angles.len(), h_a.min(h_b));

            // Oracle cosines: singular values of A Bᵀ from nalgebra, largest first.
            let mut cosines = (&na_a * na_b.transpose())
                .singular_values()
                .as_slice()
                .to_vec();
            cosines.sort_by(|x, y| y.total_cmp(x));
            for (angle, cosine) in angles.iter().zip(&cosines) {
                assert!((angle.cos() - cosine).abs() < 1e-13, "{h_a}×{h_b}: {angle}");
            }

            // Oracle sine of the largest angle: ‖(I − P_more) Fᵀ‖₂.
            let (fewer, more) = if h_a <= h_b {
                (&na_a, &na_b)
            } else {
                (&na_b, &na_a)
            };
            let outside = fewer.transpose() - more.transpose() * (more * fewer.transpose());
            let oracle_sine = outside.singular_values().max();
            let sine = sine_distance(a.as_ref(), b.as_ref()).unwrap();
            assert!((sine - oracle_sine).abs() < 1e-13);
            assert!((sine - angles.last().unwrap().sin()).abs() < 1e-13);

            let difference = na_a.transpose() * &na_a - na_b.transpose() * &na_b;
            let frobenius =
                projector_distance(a.as_ref(), b.as_ref(), ProjectorNorm::Frobenius).unwrap();
            assert!((frobenius - difference.norm()).abs() < 1e-13);
            let spectral =
                projector_distance(a.as_ref(), b.as_ref(), ProjectorNorm::Spectral).unwrap();
            assert!((spectral - difference.singular_values().max()).abs() < 1e-13);
            if h_a == h_b {
                // Equal dimensions: spectral = largest sine, Frobenius = √2 ‖sin θ‖.
                assert!((spectral - sine).abs() < 1e-13);
                let sines: f64 = angles.iter().map(|t| t.sin().powi(2)).sum();
                assert!((frobenius - (2.0 * sines).sqrt()).abs() < 1e-13);
            }
        }
    }

    #[test]
    fn subspace_functions_reject_bad_bases() {
        let a = rows(&[&[1.0, 0.0, 0.0]]);
        let wide = rows(&[&[1.0, 0.0, 0.0, 0.0]]);
        assert!(matches!(
            principal_angles(a.as_ref(), wide.as_ref()),
            Err(Error::DimensionMismatch {
                expected: 3,
                found: 4
            })
        ));
        let long = rows(&[&[2.0, 0.0, 0.0]]);
        assert!(matches!(
            sine_distance(a.as_ref(), long.as_ref()),
            Err(Error::InvalidMatrix {
                what: "second basis",
                kind: MatrixErrorKind::NotOrthonormalRows { .. }
            })
        ));
        let nan = rows(&[&[f64::NAN, 0.0, 0.0]]);
        assert!(matches!(
            projector_distance(nan.as_ref(), a.as_ref(), ProjectorNorm::Spectral),
            Err(Error::NonFiniteValue {
                row: 0,
                column: 0,
                ..
            })
        ));
        let empty = Mat::<f64>::zeros(0, 3);
        assert!(matches!(
            principal_angles(a.as_ref(), empty.as_ref()),
            Err(Error::InvalidLatentDim {
                latent_dim: 0,
                dim: 3
            })
        ));
    }

    #[test]
    fn davis_kahan_rotated_plane_by_hand() {
        // Σ = diag(2, 1) and Σ̂ = R(φ) Σ R(φ)ᵀ: the top eigenvector turns by φ, so the observed
        // sine is sin φ. Σ̂ − Σ = (2 − 1)(u'u'ᵀ − uuᵀ) has spectral norm sin φ, and δ = 1.
        let phi = 0.2f64;
        let truth = rows(&[&[2.0, 0.0], &[0.0, 1.0]]);
        let rotation = rows(&[&[phi.cos(), -phi.sin()], &[phi.sin(), phi.cos()]]);
        let estimate = covariance(&rotation, &[2.0, 1.0]);
        let report = davis_kahan_bound(estimate.as_ref(), truth.as_ref(), 1).unwrap();
        assert!((report.observed_sine - phi.sin()).abs() < 1e-15);
        assert!((report.perturbation_norm - phi.sin()).abs() < 1e-15);
        assert_eq!(report.eigengap, 1.0);
        assert!((report.bound - 2.0 * phi.sin()).abs() < 1e-15);
        // ‖u'u'ᵀ − uuᵀ‖_F = √2 sin φ, and √h ‖·‖₂ = sin φ is the smaller.
        assert!((report.perturbation_frobenius - 2f64.sqrt() * phi.sin()).abs() < 1e-15);
        assert!((report.frobenius_bound - 2.0 * phi.sin()).abs() < 1e-15);
    }

    #[test]
    fn davis_kahan_edge_gaps() {
        let truth = rows(&[&[3.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &[0.0, 0.0, 1.0]]);
        let estimate = rows(&[&[3.0, 0.1, 0.0], &[0.1, 1.2, 0.0], &[0.0, 0.0, 0.9]]);

        // h = d: both eigenspaces are ℝᵈ.
        let full = davis_kahan_bound(estimate.as_ref(), truth.as_ref(), 3).unwrap();
        assert_eq!(full.eigengap, f64::INFINITY);
        assert_eq!(full.bound, 0.0);
        assert!(full.observed_sine < 1e-14);

        // σ_2 = σ_3: no gap, no guarantee.
        let tied = davis_kahan_bound(estimate.as_ref(), truth.as_ref(), 2).unwrap();
        assert_eq!(tied.eigengap, 0.0);
        assert_eq!(tied.bound, f64::INFINITY);
    }

    #[test]
    fn davis_kahan_holds_for_random_perturbations() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let dim = 6;
        let spectrum = [5.0, 4.0, 3.5, 1.0, 0.5, 0.1];
        for trial in 0..60 {
            let rotation = random_rotation(dim, &mut rng);
            let truth = covariance(&rotation, &spectrum);
            // Perturbation sizes from 1e-4 up to beyond the gaps.
            let scale = 10f64.powf(-4.0 + 5.0 * (trial as f64) / 60.0);
            let noise = Mat::from_fn(dim, dim, |_, _| {
                let z: f64 = StandardNormal.sample(&mut rng);
                scale * z
            });
            let estimate = &truth + symmetrised(noise.as_ref());
            for h in 1..dim {
                let report = davis_kahan_bound(estimate.as_ref(), truth.as_ref(), h).unwrap();
                assert!(
                    report.observed_sine <= report.bound * (1.0 + 1e-12) + 1e-14,
                    "trial {trial}, h = {h}: {report:?}"
                );
                assert!(report.observed_sine_frobenius <= report.frobenius_bound + 1e-14);
            }
        }
    }

    #[test]
    fn davis_kahan_planted_cluster_matches_nalgebra() {
        let sample = PlantedMixture::default_model(5.0, 300, 3)
            .unwrap()
            .sample(4)
            .unwrap();
        let mut spectrum = vec![0.05; 10];
        spectrum[0] = 9.0;
        spectrum[1] = 7.2;
        let truth = covariance(&sample.rotations[1], &spectrum);
        let members = sample.data.as_ref().subrows(300, 300);
        let report = davis_kahan_from_members(members, truth.as_ref(), 2).unwrap();

        // Oracle: covariance, perturbation norm and both eigenspaces from nalgebra.
        let na_members = to_na(members);
        let mean = na_members.row_mean();
        let centered = DMatrix::from_fn(300, 10, |r, c| na_members[(r, c)] - mean[c]);
        let estimate = centered.transpose() * &centered / 300.0;
        let na_truth = to_na(truth.as_ref());
        let oracle_norm = (&estimate - &na_truth).singular_values().max();
        assert!((report.perturbation_norm - oracle_norm).abs() < 1e-12 * oracle_norm);
        assert!((report.eigengap - (7.2 - 0.05)).abs() < 1e-12);
        let top = |m: &DMatrix<f64>| {
            let eigen = SymmetricEigen::new(m.clone());
            let mut order: Vec<usize> = (0..10).collect();
            order.sort_by(|&x, &y| eigen.eigenvalues[y].total_cmp(&eigen.eigenvalues[x]));
            let mut projector = DMatrix::zeros(10, 10);
            for &k in &order[..2] {
                let v = eigen.eigenvectors.column(k);
                projector += v * v.transpose();
            }
            projector
        };
        let oracle_sine = (top(&estimate) - top(&na_truth)).singular_values().max();
        assert!((report.observed_sine - oracle_sine).abs() < 1e-10);

        // 300 points: the bound is informative and holds.
        assert!(report.bound < 1.0, "{report:?}");
        assert!(report.observed_sine <= report.bound);
        assert!(report.observed_sine_frobenius <= report.frobenius_bound);
    }

    #[test]
    fn davis_kahan_rejects_bad_input() {
        let square = rows(&[&[1.0, 0.0], &[0.0, 1.0]]);
        let asymmetric = rows(&[&[1.0, 0.3], &[0.0, 1.0]]);
        assert!(matches!(
            davis_kahan_bound(asymmetric.as_ref(), square.as_ref(), 1),
            Err(Error::InvalidMatrix {
                what: "estimated covariance",
                kind: MatrixErrorKind::NotSymmetric { .. }
            })
        ));
        let rectangular = Mat::<f64>::zeros(2, 3);
        assert!(matches!(
            davis_kahan_bound(square.as_ref(), rectangular.as_ref(), 1),
            Err(Error::InvalidMatrix {
                what: "true covariance",
                kind: MatrixErrorKind::NotSquare { rows: 2, cols: 3 }
            })
        ));
        assert!(matches!(
            davis_kahan_bound(square.as_ref(), square.as_ref(), 3),
            Err(Error::InvalidLatentDim {
                latent_dim: 3,
                dim: 2
            })
        ));
        let members = Mat::<f64>::zeros(4, 3);
        assert!(matches!(
            davis_kahan_from_members(members.as_ref(), square.as_ref(), 1),
            Err(Error::DimensionMismatch {
                expected: 2,
                found: 3
            })
        ));
    }

    fn planted_fit() -> (PlantedSample, TaeModel) {
        let sample = PlantedMixture::default_model(5.0, 300, 0)
            .unwrap()
            .sample(1000)
            .unwrap();
        let model = TaeParams::new(3, 2)
            .lambda(0.1)
            .seed(0)
            .check()
            .unwrap()
            .fit(sample.data.as_ref())
            .unwrap();
        (sample, model)
    }

    /// Returns the model with centers and bases replaced, keeping its labels.
    fn rebuilt(model: &TaeModel, centers: Mat<f64>, bases: Vec<Mat<f64>>) -> TaeModel {
        let summary = FitSummary {
            labels: model.labels().to_vec(),
            cluster_sizes: model.cluster_sizes().to_vec(),
            ..FitSummary::default()
        };
        TaeModel::from_parts(centers, bases, model.lambda(), summary).unwrap()
    }

    #[test]
    fn certificate_of_fit_is_fixed_point() {
        let (sample, model) = planted_fit();
        let certificate = certify(&model, sample.data.as_ref()).unwrap();
        assert!(certificate.is_fixed_point, "{certificate:?}");
        assert_eq!(certificate.n_misassigned, 0);
        assert!(certificate.min_assignment_margin > 0.0);
        assert!(certificate.max_center_shift <= certificate.tolerances.center_shift);
        let sizes: usize = certificate.clusters.iter().map(|c| c.size).sum();
        assert_eq!(sizes, 900);
        for cluster in &certificate.clusters {
            assert!(
                cluster.eigen_residual <= cluster.scatter_tolerance,
                "{cluster:?}"
            );
            assert!(cluster.top_h_deficit().abs() <= cluster.scatter_tolerance);
            // Planted spectrum (9, 7.2, 0.05, …) times 300 points: a wide gap.
            assert!(cluster.eigengap > 1000.0, "{cluster:?}");
        }
    }

    #[test]
    fn certificate_reports_shifted_center() {
        let (sample, model) = planted_fit();
        let shift = 1e-3;
        let mut centers = model.centers().to_owned();
        centers[(1, 4)] += shift;
        let shifted = rebuilt(&model, centers, model.bases().to_vec());

        let certificate = certify(&shifted, sample.data.as_ref()).unwrap();
        assert!(!certificate.is_fixed_point);
        assert!((certificate.clusters[1].center_shift - shift).abs() < 1e-9);
        assert_eq!(
            certificate.max_center_shift,
            certificate.clusters[1].center_shift
        );
        assert!(certificate.clusters[0].center_shift <= certificate.tolerances.center_shift);
        // The bases still span the top eigenspaces of the unchanged member sets.
        assert!(certificate
            .clusters
            .iter()
            .all(|c| c.spans_top_eigenspace()));
    }

    #[test]
    fn certificate_reports_wrong_basis_and_labels() {
        let (sample, model) = planted_fit();

        // The first row of basis 2 turned by 0.1 rad towards the third eigenvector of its
        // members' scatter.
        let mut bases = model.bases().to_vec();
        let scatter_eigen = {
            let x = sample.data.as_ref();
            let members: Vec<usize> = (0..x.nrows()).filter(|&i| model.labels()[i] == 2).collect();
            let rows = Mat::from_fn(members.len(), 10, |r, c| x[(members[r], c)]);
            let centered = data::subtract_row(rows.as_ref(), &data::column_means(rows.as_ref()));
            symmetric_eigen(product(centered.transpose(), centered.as_ref()).as_ref()).unwrap()
        };
        let angle = 0.1f64;
        bases[2] = Mat::from_fn(2, 10, |k, c| {
            let third = scatter_eigen.vectors[(c, 2)];
            let own = scatter_eigen.vectors[(c, k)];
            if k == 0 {
                angle.cos() * own + angle.sin() * third
            } else {
                own
            }
        });
        let turned = rebuilt(&model, model.centers().to_owned(), bases);
        let certificate = certify(&turned, sample.data.as_ref()).unwrap();
        assert!(!certificate.is_fixed_point);
        let cluster = &certificate.clusters[2];
        assert!(
            cluster.eigen_residual > 1e3 * cluster.scatter_tolerance,
            "{cluster:?}"
        );
        // Captured scatter drops by sin²(0.1) (σ_1 − σ_3).
        let expected = angle.sin().powi(2) * (scatter_eigen.values[0] - scatter_eigen.values[2]);
        assert!((cluster.top_h_deficit() - expected).abs() < 1e-9 * expected);

        // A center moved far away leaves its members closer to the other clusters.
        let mut centers = model.centers().to_owned();
        centers[(0, 0)] += 1000.0;
        let moved = rebuilt(&model, centers, model.bases().to_vec());
        let certificate = certify(&moved, sample.data.as_ref()).unwrap();
        assert!(!certificate.is_fixed_point);
        assert!(certificate.n_misassigned > 0);
    }

    #[test]
    fn certificate_of_tiny_and_empty_clusters() {
        // Five points in cluster 0, one in cluster 1, none in cluster 2; d = 3, h = 2.
        let x = rows(&[
            &[0.0, 0.0, 0.0],
            &[1.0, 0.2, 0.0],
            &[2.0, -0.1, 0.1],
            &[0.5, 0.4, -0.2],
            &[1.5, 0.0, 0.1],
            &[20.0, 20.0, 20.0],
        ]);
        let labels = vec![0, 0, 0, 0, 0, 1];
        let members = x.as_ref().subrows(0, 5);
        let mean = data::column_means(members);
        let centered = data::subtract_row(members, &mean);
        let eigen =
            symmetric_eigen(product(centered.transpose(), centered.as_ref()).as_ref()).unwrap();
        let centers = rows(&[mean.as_slice(), &[20.0, 20.0, 20.0], &[-50.0, 0.0, 0.0]]);
        let identity_rows = rows(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0]]);
        let bases = vec![eigen.top_rows(2), identity_rows.clone(), identity_rows];
        let summary = FitSummary {
            labels,
            cluster_sizes: vec![5, 1, 0],
            ..FitSummary::default()
        };
        let model = TaeModel::from_parts(centers, bases, 0.1, summary).unwrap();

        let certificate = certify(&model, x.as_ref()).unwrap();
        let (single, empty) = (&certificate.clusters[1], &certificate.clusters[2]);
        assert_eq!(single.size, 1);
        assert_eq!(single.eigengap, 0.0);
        assert_eq!(single.eigen_residual, 0.0);
        assert_eq!(empty.size, 0);
        assert_eq!(empty.center_shift, 0.0);
        assert_eq!(empty.eigengap, 0.0);
        assert_eq!(empty.top_h_trace, 0.0);
        assert!(certificate.clusters[0].spans_top_eigenspace());
        assert!(certificate.is_fixed_point, "{certificate:?}");
    }

    #[test]
    fn certify_rejects_mismatched_data() {
        let (sample, model) = planted_fit();
        let narrow = Mat::<f64>::zeros(900, 9);
        assert!(matches!(
            certify(&model, narrow.as_ref()),
            Err(Error::DimensionMismatch {
                expected: 10,
                found: 9
            })
        ));
        let half = sample.data.as_ref().subrows(0, 450);
        assert!(matches!(
            certify(&model, half),
            Err(Error::LengthMismatch {
                expected: 450,
                found: 900,
                ..
            })
        ));
        let unlabelled = TaeModel::from_parts(
            model.centers().to_owned(),
            model.bases().to_vec(),
            0.1,
            FitSummary::default(),
        )
        .unwrap();
        assert!(matches!(
            certify(&unlabelled, sample.data.as_ref()),
            Err(Error::LengthMismatch { found: 0, .. })
        ));
    }
}
