//! Free and orthonormal decoders for one cluster: why the crate ties `V = Wᵀ`.
//!
//! Take one cluster with scatter matrix `S` (`d × d`, symmetric positive semidefinite), an
//! encoder `W` (`h × d`, orthonormal rows), a decoder `V` (`d × h`) and `0 ≤ λ ≤ 1`. Summed over
//! the cluster's centered points `y_i` (`S = Σ y_i y_iᵀ`), the loss
//! `Σ_i ‖y_i − V W y_i‖² + λ ‖W y_i‖²` is
//!
//! ```text
//! L(W, V) = tr S − 2 tr(V W S) + tr(VᵀV W S Wᵀ) + λ tr(W S Wᵀ).
//! ```
//!
//! Each [`Decoder`] eliminates `V` in closed form. With `G = W S Wᵀ` (`h × h`):
//!
//! | decoder | `V` | `L(W)` |
//! |---|---|---|
//! | [`Decoder::Tied`] | `Wᵀ` | `tr S − (1 − λ) tr G` |
//! | [`Decoder::Free`] | `S Wᵀ G⁺`, the least-squares decoder | `tr S − tr(G⁺ W S² Wᵀ) + λ tr G` |
//! | [`Decoder::Orthonormal`] | `P Qᵀ` from the thin SVD `S Wᵀ = P Σ Qᵀ` | `tr S − 2 ‖S Wᵀ‖_* + (1 + λ) tr G` |
//!
//! `G⁺` is the pseudo-inverse and `‖·‖_*` the nuclear norm (sum of singular values). The
//! pseudo-inverse makes the free loss defined for every `W`: when `G` is singular, some
//! direction of `row(W)` carries no scatter, and its decoder column does not change the loss.
//! The columns of `(S Wᵀ)ᵀ` lie in the range of `G`, so `S Wᵀ G⁺` still solves the normal
//! equations `V G = S Wᵀ`. Eigenvalues of `G` up to `d ε σ_1(S)`, the rounding level of a
//! computed `G`, are treated as zero.
//!
//! With the tied decoder, the top-h eigenvectors of `S` minimise `L` for every `λ < 1`. With
//! the other two, that subspace (where both decoders equal `Wᵀ`) is always a critical point,
//! but a local minimum only when `λ ≤ σ_d(S)/σ_1(S)`. Beyond that threshold the encoder tilts
//! towards low-variance directions, trading the λ term against reconstruction. For example,
//! with `S = diag(4, 1)`, `h = 1` and `λ = 1/2`, [`best_angle_2d`] finds:
//!
//! | decoder | minimum | angle of `w` from the top eigenvector |
//! |---|---|---|
//! | tied | 3 | 0 |
//! | free | `2√2 ≈ 2.8284` | `arccos √((2√2 − 1)/3) ≈ 0.6750` |
//! | orthonormal | `43/15 ≈ 2.8667` | `arccos √(91/135) ≈ 0.6076` |
//!
//! [`descend`] runs Riemannian gradient descent on `W` over the Stiefel manifold (orthonormal
//! rows), which shows the threshold in higher dimensions.

use faer::{Mat, MatRef};

use crate::dense::{
    check_basis, check_scatter, not_converged, product, symmetric_eigen, symmetrised, thin_svd,
    trace,
};
use crate::error::{Error, MatrixErrorKind, Result};
use crate::solver::eigen::EigenFailure;

/// The relation between the decoder `V` of one cluster and its encoder `W`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// `V = Wᵀ`, the model this crate fits.
    Tied,
    /// `V` unconstrained (`d × h`), chosen by least squares.
    Free,
    /// `V` with orthonormal columns (`VᵀV = I_h`), the best such matrix for `W`.
    Orthonormal,
}

/// Computes the per-cluster loss `L(W, V)` for a given decoder `v` (`d × h`).
///
/// # Errors
/// As [`decoder_loss`], plus [`Error::InvalidMatrix`] when `v` is not `d × h` and
/// [`Error::NonFiniteValue`] when it contains a NaN or infinity.
pub fn loss_with_decoder(
    s: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    v: MatRef<'_, f64>,
    lambda: f64,
) -> Result<f64> {
    check_inputs(s, w, lambda)?;
    let (h, dim) = w.shape();
    if v.shape() != (dim, h) {
        return Err(Error::InvalidMatrix {
            what: "decoder",
            kind: MatrixErrorKind::WrongShape {
                rows: v.nrows(),
                cols: v.ncols(),
                expected_rows: dim,
                expected_cols: h,
            },
        });
    }
    crate::data::check_finite(v)?;

    let scattered = product(w, s);
    let captured = product(scattered.as_ref(), w.transpose());
    let reconstruction = trace(product(v, scattered.as_ref()).as_ref());
    let decoder_gram = product(v.transpose(), v);
    let decoded = trace(product(decoder_gram.as_ref(), captured.as_ref()).as_ref());
    let captured_trace = trace(captured.as_ref());
    Ok(trace(s) - 2.0 * reconstruction + decoded + lambda * captured_trace)
}

/// Computes the per-cluster loss with the decoder eliminated: `min_V L(W, V)` over the decoders
/// of the given kind (see the table in the module docs).
///
/// # Errors
/// - [`Error::InvalidMatrix`] when `s` is not square, not symmetric within
///   [`crate::analysis::SYMMETRY_TOLERANCE`] or not positive semidefinite within
///   [`crate::analysis::SEMIDEFINITE_TOLERANCE`], or when the rows of `w` are not orthonormal;
/// - [`Error::NonFiniteValue`] at a NaN or infinity;
/// - [`Error::DimensionMismatch`] when `w` does not have `d` columns;
/// - [`Error::InvalidLatentDim`] unless `1 ≤ h ≤ d`;
/// - [`Error::InvalidLambda`] unless `0 ≤ λ ≤ 1`;
/// - [`Error::DecompositionNotConverged`] if a decomposition fails.
///
/// ```
/// use faer::Mat;
/// use tae::untied::{decoder_loss, Decoder};
///
/// // S = diag(4, 1), h = 1, λ = 0.5, the encoder on the top eigenvector: V = Wᵀ is optimal.
/// let s = Mat::from_fn(2, 2, |a, b| if a == b { [4.0, 1.0][a] } else { 0.0 });
/// let w = Mat::from_fn(1, 2, |_, c| [1.0, 0.0][c]);
/// for decoder in [Decoder::Tied, Decoder::Free, Decoder::Orthonormal] {
///     let loss = decoder_loss(s.as_ref(), w.as_ref(), decoder, 0.5)?;
///     assert!((loss - 3.0).abs() < 1e-14);
/// }
/// # Ok::<(), tae::Error>(())
/// ```
pub fn decoder_loss(
    s: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    decoder: Decoder,
    lambda: f64,
) -> Result<f64> {
    let problem = Problem::checked(s, w, lambda)?;
    Ok(problem.evaluate(w, decoder).map_err(decomposition)?.loss)
}

/// Computes the optimal decoder `V` (`d × h`) of the given kind for the encoder `w`.
///
/// # Errors
/// As [`decoder_loss`], without the λ check.
pub fn optimal_decoder(
    s: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    decoder: Decoder,
) -> Result<Mat<f64>> {
    let problem = Problem::checked(s, w, 0.0)?;
    Ok(problem.evaluate(w, decoder).map_err(decomposition)?.decoder)
}

/// The optimum of a one-dimensional encoder in the plane; see [`best_angle_2d`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BestAngle {
    /// The angle θ ∈ [0, π) of the encoder row `w = (cos θ, sin θ)` from the first axis.
    pub angle: f64,
    /// The encoder row `(cos θ, sin θ)`.
    pub direction: [f64; 2],
    /// The angle in [0, π/2] between the encoder's line and the top eigenvector of `S`
    /// (measured from the first axis when `S` is a multiple of the identity).
    pub tilt: f64,
    /// The loss at the optimum.
    pub loss: f64,
}

/// Iterations of the golden-section search: 0.618¹⁰⁰ shrinks any bracket below 1e-20.
const GOLDEN_ITERATIONS: usize = 100;

/// Upper limit on bisection steps. Each step halves the bracket, and the loop stops earlier
/// once the midpoint no longer differs from an end in floating point.
const BISECTION_ITERATIONS: usize = 200;

/// Finds the best encoder line `w = (cos θ, sin θ)` for a 2 × 2 scatter matrix `s`, with
/// `h = 1`, the given decoder and λ.
///
/// The loss is evaluated on `grid` angles `θ_i = iπ/grid` (the lines through θ and θ + π are
/// the same). Between the neighbours of the best grid point, the slope `dL/dθ` is then
/// bisected to its zero, which locates the optimum to a few ulps, since rounding of the slope
/// is the only limit. When the slope does not change sign there (a flat loss, or a grid too
/// coarse), a golden-section search on the loss is used instead, which is accurate to about
/// `√ε ≈ 1e-8` in the angle. When `S` is diagonal, the mirror image `π − θ` of an optimum is
/// an optimum too, and rounding decides which of the two is returned. Both have the same
/// `tilt`.
///
/// # Errors
/// [`Error::InvalidMatrix`] when `s` is not symmetric positive semidefinite (within the
/// tolerances of [`decoder_loss`]), [`Error::NonFiniteValue`] at a NaN or infinity,
/// [`Error::InvalidLambda`] unless `0 ≤ λ ≤ 1`, and [`Error::InvalidSetting`] when `grid < 3`.
///
/// ```
/// use tae::untied::{best_angle_2d, Decoder};
///
/// let free = best_angle_2d([[4.0, 0.0], [0.0, 1.0]], Decoder::Free, 0.5, 360)?;
/// assert!((free.loss - 8f64.sqrt()).abs() < 1e-12);
/// assert!((free.tilt - 0.6750).abs() < 1e-4);
/// # Ok::<(), tae::Error>(())
/// ```
pub fn best_angle_2d(
    s: [[f64; 2]; 2],
    decoder: Decoder,
    lambda: f64,
    grid: usize,
) -> Result<BestAngle> {
    if grid < 3 {
        return Err(Error::InvalidSetting {
            name: "grid",
            value: grid as f64,
            expected: "at least 3 angles",
        });
    }
    let scatter = Mat::from_fn(2, 2, |a, b| s[a][b]);
    let line = |theta: f64| Mat::from_fn(1, 2, |_, c| [theta.cos(), theta.sin()][c]);
    let problem = Problem::checked(scatter.as_ref(), line(0.0).as_ref(), lambda)?;

    let loss = |theta: f64| -> Result<f64> {
        let w = line(theta);
        Ok(problem
            .evaluate(w.as_ref(), decoder)
            .map_err(decomposition)?
            .loss)
    };
    let slope = |theta: f64| -> Result<f64> {
        let w = line(theta);
        let evaluation = problem
            .evaluate(w.as_ref(), decoder)
            .map_err(decomposition)?;
        let gradient = problem.euclidean_gradient(w.as_ref(), &evaluation, decoder);
        Ok(-gradient[(0, 0)] * theta.sin() + gradient[(0, 1)] * theta.cos())
    };

    let step = std::f64::consts::PI / grid as f64;
    let mut best = (0.0, loss(0.0)?);
    for i in 1..grid {
        let theta = i as f64 * step;
        let value = loss(theta)?;
        if value < best.1 {
            best = (theta, value);
        }
    }
    let (low, high) = (best.0 - step, best.0 + step);
    let refined = if slope(low)? < 0.0 && slope(high)? > 0.0 {
        bisect_slope(&slope, low, high)?
    } else {
        golden_section(&loss, low, high)?
    };
    let refined_loss = loss(refined)?;
    let (theta, value) = if refined_loss <= best.1 {
        (refined, refined_loss)
    } else {
        best
    };

    // rem_euclid may round a tiny negative angle up to exactly π, the same line as 0.
    let mut angle = theta.rem_euclid(std::f64::consts::PI);
    if angle >= std::f64::consts::PI {
        angle = 0.0;
    }
    Ok(BestAngle {
        angle,
        direction: [angle.cos(), angle.sin()],
        tilt: tilt_from_top(s, angle),
        loss: value,
    })
}

/// Returns the angle in [0, π/2] between the line at `angle` and the top eigenvector of `s`.
fn tilt_from_top(s: [[f64; 2]; 2], angle: f64) -> f64 {
    // The principal axis of a symmetric 2 × 2 matrix is at ½ atan2(2 s₀₁, s₀₀ − s₁₁).
    let top = 0.5 * (2.0 * s[0][1]).atan2(s[0][0] - s[1][1]);
    let difference = (angle - top).rem_euclid(std::f64::consts::PI);
    difference.min(std::f64::consts::PI - difference)
}

/// Bisects a slope that is negative at `low` and positive at `high` to its zero.
fn bisect_slope(slope: &dyn Fn(f64) -> Result<f64>, mut low: f64, mut high: f64) -> Result<f64> {
    for _ in 0..BISECTION_ITERATIONS {
        let mid = 0.5 * (low + high);
        if mid <= low || mid >= high {
            break;
        }
        if slope(mid)? < 0.0 {
            low = mid;
        } else {
            high = mid;
        }
    }
    Ok(0.5 * (low + high))
}

/// Minimises `loss` on `[low, high]` by golden-section search.
fn golden_section(loss: &dyn Fn(f64) -> Result<f64>, mut low: f64, mut high: f64) -> Result<f64> {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut left = high - ratio * (high - low);
    let mut right = low + ratio * (high - low);
    let (mut left_loss, mut right_loss) = (loss(left)?, loss(right)?);
    for _ in 0..GOLDEN_ITERATIONS {
        if left_loss <= right_loss {
            high = right;
            right = left;
            right_loss = left_loss;
            left = high - ratio * (high - low);
            left_loss = loss(left)?;
        } else {
            low = left;
            left = right;
            left_loss = right_loss;
            right = low + ratio * (high - low);
            right_loss = loss(right)?;
        }
    }
    Ok(0.5 * (low + high))
}

/// Settings of [`descend`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DescentOptions {
    /// First trial step, in units of `1/σ_1(S)` so that the same value suits any scale of `S`
    /// (the gradient grows with `S`). Default 1.
    pub step: f64,
    /// Largest number of accepted steps. Default 10 000.
    pub max_steps: usize,
    /// Gradient tolerance: the descent stops once the Frobenius norm of the Riemannian gradient
    /// is at most `tol · σ_1(S)`. Default 1e-10.
    pub tol: f64,
}

impl Default for DescentOptions {
    fn default() -> Self {
        DescentOptions {
            step: 1.0,
            max_steps: 10_000,
            tol: 1e-10,
        }
    }
}

impl DescentOptions {
    fn check(&self) -> Result<()> {
        if !(self.step.is_finite() && self.step > 0.0) {
            return Err(Error::InvalidSetting {
                name: "step",
                value: self.step,
                expected: "a finite number > 0",
            });
        }
        if self.max_steps == 0 {
            return Err(Error::InvalidMaxIter { max_iter: 0 });
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::InvalidTolerance { tol: self.tol });
        }
        Ok(())
    }
}

/// The reason [`descend`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescentStop {
    /// The gradient norm fell to the tolerance.
    GradientTolerance,
    /// No step lowered the loss by more than its rounding level, `STALL_FACTOR · ε · tr S`:
    /// the encoder is at a critical point as far as loss values can tell.
    Stalled,
    /// The step limit was reached first.
    MaxSteps,
}

/// The result of [`descend`].
#[derive(Debug, Clone, PartialEq)]
pub struct Descent {
    /// The final encoder, `h × d` with orthonormal rows.
    pub w: Mat<f64>,
    /// The loss at `w`, with the decoder eliminated.
    pub loss: f64,
    /// Number of accepted steps.
    pub steps: usize,
    /// The loss at the start and after each accepted step; it never increases.
    pub loss_history: Vec<f64>,
    /// Frobenius norm of the Riemannian gradient at `w`.
    pub gradient_norm: f64,
    /// The reason the descent stopped.
    pub stop: DescentStop,
}

/// Fraction of the first-order decrease that a step must achieve (the Armijo condition); 1e-4
/// is the usual choice for line searches.
const ARMIJO_FRACTION: f64 = 1e-4;

/// Halvings of the trial step before a step counts as impossible; 2⁻⁶⁰ ≈ 1e-18.
const MAX_BACKTRACKS: usize = 60;

/// A step that lowers the loss by at most `STALL_FACTOR · ε · tr S` ends the descent. The loss
/// is `tr S` minus the captured scatter, so it carries a rounding error of a few `ε · tr S`, and
/// smaller decreases cannot be distinguished from rounding noise. Near a minimum with curvature `κ` this leaves
/// the encoder within about `√(STALL_FACTOR · ε · tr S / κ)` of it.
pub const STALL_FACTOR: f64 = 64.0;

/// Minimises the loss with the decoder eliminated over encoders with orthonormal rows, by
/// Riemannian gradient descent from `w0`.
///
/// Each step moves against the Riemannian gradient `Z = E − sym(E Wᵀ) W`, the projection of
/// the Euclidean gradient `E` onto the tangent space of the Stiefel manifold, and maps back
/// with the polar retraction (the nearest matrix with orthonormal rows). For the free and
/// orthonormal decoders the envelope theorem gives `E = −2 VᵀS + 2 VᵀV W S + 2λ W S` at the
/// optimal `V`. For the tied decoder, which is not optimal over `V`, `E = −2(1 − λ) W S`, the
/// gradient of `tr S − (1 − λ) tr(W S Wᵀ)`, a function equal to the loss on the manifold.
///
/// The step is chosen by backtracking: starting from twice the last accepted step (at most
/// `options.step / σ_1(S)`), it halves until the loss falls by at least
/// `ARMIJO_FRACTION · t · ‖Z‖²_F`. So the loss decreases at every accepted step. The descent
/// stops when the gradient norm reaches `options.tol · σ_1(S)`, when a step gains no more than
/// the loss's rounding level (see [`STALL_FACTOR`]), or after `options.max_steps` steps.
///
/// # Errors
/// As [`decoder_loss`] for `s`, `w0` and λ; [`Error::InvalidSetting`] for a step that is not
/// finite and positive, [`Error::InvalidMaxIter`] for `max_steps = 0`, and
/// [`Error::InvalidTolerance`] for a negative or non-finite `tol`.
pub fn descend(
    s: MatRef<'_, f64>,
    w0: MatRef<'_, f64>,
    decoder: Decoder,
    lambda: f64,
    options: DescentOptions,
) -> Result<Descent> {
    options.check()?;
    let problem = Problem::checked(s, w0, lambda)?;
    let largest_step = options.step / problem.largest_eigenvalue;
    let stall_level = STALL_FACTOR * f64::EPSILON * trace(s);

    let mut w = w0.to_owned();
    let mut evaluation = problem
        .evaluate(w.as_ref(), decoder)
        .map_err(decomposition)?;
    let mut gradient = problem.riemannian_gradient(w.as_ref(), &evaluation, decoder);
    let mut loss_history = vec![evaluation.loss];
    let mut trial = largest_step;
    let mut stop = DescentStop::MaxSteps;
    for _ in 0..options.max_steps {
        let gradient_norm = gradient.norm_l2();
        if gradient_norm <= options.tol * problem.largest_eigenvalue {
            stop = DescentStop::GradientTolerance;
            break;
        }
        let Some((step, next_w, next)) =
            problem.backtrack(w.as_ref(), &gradient, evaluation.loss, trial, decoder)?
        else {
            stop = DescentStop::Stalled;
            break;
        };
        let decrease = evaluation.loss - next.loss;
        w = next_w;
        evaluation = next;
        gradient = problem.riemannian_gradient(w.as_ref(), &evaluation, decoder);
        loss_history.push(evaluation.loss);
        trial = (2.0 * step).min(largest_step);
        if decrease <= stall_level {
            stop = DescentStop::Stalled;
            break;
        }
    }

    Ok(Descent {
        loss: evaluation.loss,
        steps: loss_history.len() - 1,
        gradient_norm: gradient.norm_l2(),
        w,
        loss_history,
        stop,
    })
}

fn decomposition(failure: EigenFailure) -> Error {
    not_converged("a matrix built from the scatter matrix and the encoder")(failure)
}

/// Checks the scatter matrix, the encoder and λ shared by every entry point.
fn check_inputs(s: MatRef<'_, f64>, w: MatRef<'_, f64>, lambda: f64) -> Result<f64> {
    let eigen = check_scatter(s, "scatter matrix")?;
    check_basis(w, s.nrows(), "encoder")?;
    if !(0.0..=1.0).contains(&lambda) {
        return Err(Error::InvalidLambda { lambda });
    }
    Ok(eigen.values[0].max(0.0))
}

/// A checked scatter matrix with λ and the constants derived from them.
struct Problem<'a> {
    s: MatRef<'a, f64>,
    lambda: f64,
    /// `σ_1(S)`, the scale of the loss and its gradient.
    largest_eigenvalue: f64,
    /// Eigenvalues of `G = W S Wᵀ` up to this value count as zero in the pseudo-inverse.
    pseudo_inverse_cutoff: f64,
}

/// The loss at one encoder with its optimal decoder.
struct Evaluation {
    loss: f64,
    decoder: Mat<f64>,
}

impl<'a> Problem<'a> {
    fn checked(s: MatRef<'a, f64>, w: MatRef<'_, f64>, lambda: f64) -> Result<Self> {
        let largest_eigenvalue = check_inputs(s, w, lambda)?;
        Ok(Problem {
            s,
            lambda,
            largest_eigenvalue,
            pseudo_inverse_cutoff: s.nrows() as f64 * f64::EPSILON * largest_eigenvalue,
        })
    }

    /// Computes the loss and optimal decoder at `w`, which need not have orthonormal rows:
    /// the tied loss is then `tr S − (1 − λ) tr(W S Wᵀ)`, the others `min_V L(W, V)`.
    fn evaluate(&self, w: MatRef<'_, f64>, decoder: Decoder) -> Result<Evaluation, EigenFailure> {
        let scattered = product(self.s, w.transpose());
        let captured = symmetrised(product(w, scattered.as_ref()).as_ref());
        let captured_trace = trace(captured.as_ref());
        let total = trace(self.s);
        match decoder {
            Decoder::Tied => Ok(Evaluation {
                loss: total - (1.0 - self.lambda) * captured_trace,
                decoder: w.transpose().to_owned(),
            }),
            Decoder::Free => {
                // V = S Wᵀ G⁺ = Σ_k (S Wᵀ q_k) q_kᵀ / g_k over the eigenpairs kept, and
                // tr(G⁺ W S² Wᵀ) = Σ_k ‖S Wᵀ q_k‖² / g_k.
                let eigen = symmetric_eigen(captured.as_ref())?;
                let (dim, h) = scattered.shape();
                let mut v = Mat::zeros(dim, h);
                let mut explained = 0.0;
                for (k, &g) in eigen.values.iter().enumerate() {
                    if g <= self.pseudo_inverse_cutoff {
                        continue;
                    }
                    let q = eigen.vectors.col(k);
                    let image = product(scattered.as_ref(), q.as_mat());
                    explained += image.squared_norm_l2() / g;
                    v += product(image.as_ref(), q.transpose().as_mat()) * faer::Scale(1.0 / g);
                }
                Ok(Evaluation {
                    loss: total - explained + self.lambda * captured_trace,
                    decoder: v,
                })
            }
            Decoder::Orthonormal => {
                let svd = thin_svd(scattered.as_ref())?;
                let nuclear: f64 = svd.singular_values.iter().sum();
                Ok(Evaluation {
                    loss: total - 2.0 * nuclear + (1.0 + self.lambda) * captured_trace,
                    decoder: product(svd.u.as_ref(), svd.v.transpose()),
                })
            }
        }
    }

    /// Computes the Euclidean gradient of the loss at `w` with the decoder held at its optimum.
    fn euclidean_gradient(
        &self,
        w: MatRef<'_, f64>,
        evaluation: &Evaluation,
        decoder: Decoder,
    ) -> Mat<f64> {
        let encoded = product(w, self.s);
        match decoder {
            Decoder::Tied => encoded * faer::Scale(-2.0 * (1.0 - self.lambda)),
            Decoder::Free | Decoder::Orthonormal => {
                let v = evaluation.decoder.as_ref();
                let h = w.nrows();
                let weight = product(v.transpose(), v)
                    + Mat::<f64>::identity(h, h) * faer::Scale(self.lambda);
                let pulled = product(v.transpose(), self.s);
                (product(weight.as_ref(), encoded.as_ref()) - pulled) * faer::Scale(2.0)
            }
        }
    }

    /// Projects the Euclidean gradient onto the tangent space at `w`: `E − sym(E Wᵀ) W`.
    fn riemannian_gradient(
        &self,
        w: MatRef<'_, f64>,
        evaluation: &Evaluation,
        decoder: Decoder,
    ) -> Mat<f64> {
        let euclidean = self.euclidean_gradient(w, evaluation, decoder);
        let inner = symmetrised(product(euclidean.as_ref(), w.transpose()).as_ref());
        &euclidean - product(inner.as_ref(), w)
    }

    /// Tries steps `t, t/2, t/4, …` along `−gradient` and returns the first that passes the
    /// Armijo test, with the new encoder and its evaluation; `None` when none does.
    fn backtrack(
        &self,
        w: MatRef<'_, f64>,
        gradient: &Mat<f64>,
        loss: f64,
        mut trial: f64,
        decoder: Decoder,
    ) -> Result<Option<(f64, Mat<f64>, Evaluation)>> {
        let squared_norm = gradient.squared_norm_l2();
        for _ in 0..MAX_BACKTRACKS {
            let moved = w.to_owned() - gradient * faer::Scale(trial);
            let candidate = retract(moved.as_ref()).map_err(decomposition)?;
            let evaluation = self
                .evaluate(candidate.as_ref(), decoder)
                .map_err(decomposition)?;
            if evaluation.loss <= loss - ARMIJO_FRACTION * trial * squared_norm {
                return Ok(Some((trial, candidate, evaluation)));
            }
            trial *= 0.5;
        }
        Ok(None)
    }
}

/// Retracts `m` (`h × d`, `h ≤ d`) to the nearest matrix with orthonormal rows: the polar
/// factor `P Qᵀ` of its thin SVD `m = P Σ Qᵀ`.
fn retract(m: MatRef<'_, f64>) -> Result<Mat<f64>, EigenFailure> {
    let svd = thin_svd(m)?;
    Ok(product(svd.u.as_ref(), svd.v.transpose()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{projector_distance, ProjectorNorm};
    use crate::planted::random_rotation;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};
    use std::f64::consts::FRAC_PI_2;

    const DECODERS: [Decoder; 3] = [Decoder::Tied, Decoder::Free, Decoder::Orthonormal];

    fn diagonal(values: &[f64]) -> Mat<f64> {
        let dim = values.len();
        Mat::from_fn(dim, dim, |a, b| if a == b { values[a] } else { 0.0 })
    }

    fn line(theta: f64) -> Mat<f64> {
        Mat::from_fn(1, 2, |_, c| [theta.cos(), theta.sin()][c])
    }

    fn gaussian(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Mat<f64> {
        Mat::from_fn(rows, cols, |_, _| StandardNormal.sample(rng))
    }

    /// Returns a random scatter matrix `Q diag(spectrum) Qᵀ`.
    fn random_scatter(spectrum: &[f64], rng: &mut ChaCha8Rng) -> Mat<f64> {
        let rotation = random_rotation(spectrum.len(), rng);
        let scaled = product(rotation.as_ref(), diagonal(spectrum).as_ref());
        symmetrised(product(scaled.as_ref(), rotation.transpose()).as_ref())
    }

    fn random_encoder(h: usize, dim: usize, rng: &mut ChaCha8Rng) -> Mat<f64> {
        retract(gaussian(h, dim, rng).as_ref()).unwrap()
    }

    fn inner(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
        let mut sum = 0.0;
        for r in 0..a.nrows() {
            for c in 0..a.ncols() {
                sum += a[(r, c)] * b[(r, c)];
            }
        }
        sum
    }

    #[test]
    fn closed_forms_in_plane_match_hand_formulas() {
        // With w = (cos θ, sin θ), g = w S wᵀ and q = w S² wᵀ = ‖S wᵀ‖²:
        // tied tr S − (1 − λ) g; free tr S − q/g + λ g; orthonormal tr S − 2√q + (1 + λ) g.
        let s = [[4.0, 0.7], [0.7, 1.5]];
        let scatter = Mat::from_fn(2, 2, |a, b| s[a][b]);
        for &lambda in &[0.0, 0.3, 0.5, 1.0] {
            for &theta in &[0.0f64, 0.4, 1.3, 2.9] {
                let (c, n) = (theta.cos(), theta.sin());
                let image = [s[0][0] * c + s[0][1] * n, s[1][0] * c + s[1][1] * n];
                let g = c * image[0] + n * image[1];
                let q = image[0] * image[0] + image[1] * image[1];
                let total = s[0][0] + s[1][1];
                let expected = [
                    total - (1.0 - lambda) * g,
                    total - q / g + lambda * g,
                    total - 2.0 * q.sqrt() + (1.0 + lambda) * g,
                ];
                for (decoder, expected) in DECODERS.iter().zip(expected) {
                    let loss =
                        decoder_loss(scatter.as_ref(), line(theta).as_ref(), *decoder, lambda)
                            .unwrap();
                    assert!(
                        (loss - expected).abs() < 1e-13 * total,
                        "{decoder:?}, λ = {lambda}, θ = {theta}: {loss} vs {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn c18_optima_match_closed_forms() {
        // S = diag(4, 1), λ = 1/2, u = cos²θ. Free: g = 1 + 3u and f = 4/g + g/2, least at
        // g = 2√2. Orthonormal: f = 6.5 + 4.5u − 2√(1 + 15u), least at √(1 + 15u) = 10/3.
        let s = [[4.0, 0.0], [0.0, 1.0]];
        let tied = best_angle_2d(s, Decoder::Tied, 0.5, 360).unwrap();
        assert!((tied.loss - 3.0).abs() < 1e-14);
        assert!(tied.tilt < 1e-8, "{tied:?}");

        let free = best_angle_2d(s, Decoder::Free, 0.5, 360).unwrap();
        let free_tilt = ((8f64.sqrt() - 1.0) / 3.0).sqrt().acos();
        assert!((free.loss - 8f64.sqrt()).abs() < 1e-14, "{free:?}");
        assert!(
            (free.tilt - free_tilt).abs() < 1e-10,
            "{free:?} vs {free_tilt}"
        );

        let orthonormal = best_angle_2d(s, Decoder::Orthonormal, 0.5, 360).unwrap();
        let orthonormal_tilt = (91.0f64 / 135.0).sqrt().acos();
        assert!(
            (orthonormal.loss - 43.0 / 15.0).abs() < 1e-14,
            "{orthonormal:?}"
        );
        assert!((orthonormal.tilt - orthonormal_tilt).abs() < 1e-10);

        // The rounded values quoted in the module docs.
        assert!((free.tilt - 0.6750).abs() < 5e-5);
        assert!((orthonormal.tilt - 0.6076).abs() < 5e-5);
    }

    #[test]
    fn best_angle_is_rotation_invariant() {
        // S = R(0.9) diag(4, 1) R(0.9)ᵀ has the same optima, tilted from the axis at 0.9.
        let phi = 0.9f64;
        let (c, n) = (phi.cos(), phi.sin());
        let s = [
            [4.0 * c * c + n * n, 3.0 * c * n],
            [3.0 * c * n, 4.0 * n * n + c * c],
        ];
        let free = best_angle_2d(s, Decoder::Free, 0.5, 97).unwrap();
        assert!((free.loss - 8f64.sqrt()).abs() < 1e-13);
        let expected_tilt = ((8f64.sqrt() - 1.0) / 3.0).sqrt().acos();
        assert!((free.tilt - expected_tilt).abs() < 1e-9, "{free:?}");
        let tied = best_angle_2d(s, Decoder::Tied, 0.5, 97).unwrap();
        assert!((tied.angle - phi).abs() < 1e-9);
        assert_eq!(tied.direction, [tied.angle.cos(), tied.angle.sin()]);
    }

    #[test]
    fn optimal_decoders_beat_perturbed_ones() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let s = random_scatter(&[6.0, 2.5, 1.0, 0.3, 0.1], &mut rng);
        let w = random_encoder(2, 5, &mut rng);
        let lambda = 0.4;
        for decoder in [Decoder::Free, Decoder::Orthonormal] {
            let v = optimal_decoder(s.as_ref(), w.as_ref(), decoder).unwrap();
            let best = decoder_loss(s.as_ref(), w.as_ref(), decoder, lambda).unwrap();
            let direct = loss_with_decoder(s.as_ref(), w.as_ref(), v.as_ref(), lambda).unwrap();
            assert!((best - direct).abs() < 1e-12 * best.abs().max(1.0));
            for _ in 0..50 {
                let nudge = gaussian(5, 2, &mut rng) * faer::Scale(0.05);
                let other = match decoder {
                    Decoder::Orthonormal => {
                        let moved = (&v + nudge).transpose().to_owned();
                        retract(moved.as_ref()).unwrap().transpose().to_owned()
                    }
                    _ => &v + nudge,
                };
                let worse =
                    loss_with_decoder(s.as_ref(), w.as_ref(), other.as_ref(), lambda).unwrap();
                assert!(worse >= best - 1e-12, "{decoder:?}: {worse} < {best}");
            }
        }
        // The tied decoder is Wᵀ and loss_with_decoder agrees with the closed form.
        let tied = optimal_decoder(s.as_ref(), w.as_ref(), Decoder::Tied).unwrap();
        assert_eq!(tied, w.transpose().to_owned());
        let closed = decoder_loss(s.as_ref(), w.as_ref(), Decoder::Tied, lambda).unwrap();
        let direct = loss_with_decoder(s.as_ref(), w.as_ref(), tied.as_ref(), lambda).unwrap();
        assert!((closed - direct).abs() < 1e-12);
    }

    #[test]
    fn decoders_are_transpose_on_eigenvectors() {
        let s = diagonal(&[5.0, 3.0, 1.0, 0.4]);
        let top = Mat::from_fn(2, 4, |k, c| if k == c { 1.0 } else { 0.0 });
        for decoder in DECODERS {
            let v = optimal_decoder(s.as_ref(), top.as_ref(), decoder).unwrap();
            assert!((v - top.transpose()).norm_max() < 1e-15, "{decoder:?}");
            let loss = decoder_loss(s.as_ref(), top.as_ref(), decoder, 0.1).unwrap();
            assert!((loss - (9.4 - 0.9 * 8.0)).abs() < 1e-14);
        }
    }

    #[test]
    fn free_decoder_handles_singular_gram() {
        // S = diag(4, 0): along e2 the encoder captures no scatter, G = 0 and nothing is
        // reconstructed, so the loss is tr S = 4. Along e1 it is λ·4, as in the tied model.
        let s = diagonal(&[4.0, 0.0]);
        let lambda = 0.3;
        let along_null = decoder_loss(s.as_ref(), line(FRAC_PI_2).as_ref(), Decoder::Free, lambda);
        assert_eq!(along_null.unwrap(), 4.0);
        let v = optimal_decoder(s.as_ref(), line(FRAC_PI_2).as_ref(), Decoder::Free).unwrap();
        assert!(v.norm_max() < 1e-15);
        let along_top = decoder_loss(s.as_ref(), line(0.0).as_ref(), Decoder::Free, lambda);
        assert!((along_top.unwrap() - 4.0 * lambda).abs() < 1e-15);
    }

    #[test]
    fn euclidean_gradient_matches_finite_differences() {
        // Envelope theorem: with V at its optimum, ∂/∂W min_V L = ∂L/∂W. Valid off the
        // manifold too, so the check perturbs W in an arbitrary direction.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let s = random_scatter(&[5.0, 3.0, 1.0, 0.4], &mut rng);
        let w = random_encoder(2, 4, &mut rng);
        let direction = gaussian(2, 4, &mut rng);
        let problem = Problem::checked(s.as_ref(), w.as_ref(), 0.2).unwrap();
        let delta = 1e-6;
        for decoder in DECODERS {
            let evaluation = problem.evaluate(w.as_ref(), decoder).unwrap();
            let gradient = problem.euclidean_gradient(w.as_ref(), &evaluation, decoder);
            let at = |t: f64| {
                let moved = &w + &direction * faer::Scale(t);
                problem.evaluate(moved.as_ref(), decoder).unwrap().loss
            };
            let numeric = (at(delta) - at(-delta)) / (2.0 * delta);
            let analytic = inner(&gradient, &direction);
            assert!(
                (numeric - analytic).abs() < 1e-7 * analytic.abs().max(1.0),
                "{decoder:?}: {numeric} vs {analytic}"
            );
        }
    }

    #[test]
    fn riemannian_gradient_matches_retracted_curve() {
        // d/dt L(R(W + tZ)) at t = 0 equals ⟨grad, Z⟩ for a tangent Z, for all decoders.
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let s = random_scatter(&[5.0, 3.0, 1.0, 0.4, 0.2], &mut rng);
        let w = random_encoder(2, 5, &mut rng);
        let raw = gaussian(2, 5, &mut rng);
        let inner_raw = symmetrised(product(raw.as_ref(), w.transpose()).as_ref());
        let tangent = &raw - product(inner_raw.as_ref(), w.as_ref());
        let problem = Problem::checked(s.as_ref(), w.as_ref(), 0.3).unwrap();
        let delta = 1e-6;
        for decoder in DECODERS {
            let evaluation = problem.evaluate(w.as_ref(), decoder).unwrap();
            let gradient = problem.riemannian_gradient(w.as_ref(), &evaluation, decoder);
            let at = |t: f64| {
                let moved = retract((&w + &tangent * faer::Scale(t)).as_ref()).unwrap();
                problem.evaluate(moved.as_ref(), decoder).unwrap().loss
            };
            let numeric = (at(delta) - at(-delta)) / (2.0 * delta);
            let analytic = inner(&gradient, &tangent);
            assert!(
                (numeric - analytic).abs() < 1e-7 * analytic.abs().max(1.0),
                "{decoder:?}: {numeric} vs {analytic}"
            );
        }
    }

    #[test]
    fn top_subspace_is_critical_for_all_decoders() {
        let s = diagonal(&[5.0, 3.0, 1.0, 0.4]);
        let top = Mat::from_fn(2, 4, |k, c| if k == c { 1.0 } else { 0.0 });
        let problem = Problem::checked(s.as_ref(), top.as_ref(), 0.1).unwrap();
        for decoder in DECODERS {
            let evaluation = problem.evaluate(top.as_ref(), decoder).unwrap();
            let gradient = problem.riemannian_gradient(top.as_ref(), &evaluation, decoder);
            assert!(gradient.norm_l2() < 1e-14, "{decoder:?}");
        }
    }

    /// Returns the top-2 basis of diag(5, 3, 1, 0.4), and that basis moved by 1e-3 along a
    /// fixed tangent direction that touches both bottom eigenvectors, then retracted.
    fn perturbed_top() -> (Mat<f64>, Mat<f64>) {
        let top = Mat::from_fn(2, 4, |k, c| if k == c { 1.0 } else { 0.0 });
        let direction = Mat::from_fn(2, 4, |k, c| {
            [[0.0, 0.0, 0.6, 0.8], [0.0, 0.0, 0.8, -0.6]][k][c]
        });
        let start = retract((&top + direction * faer::Scale(1e-3)).as_ref()).unwrap();
        (top, start)
    }

    /// Runs the descent from the perturbed top subspace and returns it with the Frobenius
    /// distance of its final projector from the top one.
    fn c19_run(decoder: Decoder, lambda: f64) -> (Descent, f64) {
        let s = diagonal(&[5.0, 3.0, 1.0, 0.4]);
        let (top, start) = perturbed_top();
        let descent = descend(
            s.as_ref(),
            start.as_ref(),
            decoder,
            lambda,
            DescentOptions::default(),
        )
        .unwrap();
        let moved =
            projector_distance(descent.w.as_ref(), top.as_ref(), ProjectorNorm::Frobenius).unwrap();
        (descent, moved)
    }

    #[test]
    fn c19_untied_leaves_top_subspace_above_threshold() {
        // σ_d/σ_1 = 0.4/5 = 0.08 < λ = 0.1: the top subspace is a saddle. The descent ends
        // with the second row on e2 and the first row tilted from e1 towards e4, so the loss
        // is σ_3 + λσ_2 plus the optimum of the plane (e1, e4) with a = 5, b = 0.4, where
        // u = cos² of the tilt. Free: g = b + (a − b)u, f = ab/g + λg, least at g = √(ab/λ).
        // Orthonormal: f = (a + b) − 2√q + (1 + λ)g with q = b² + (a² − b²)u, least at
        // √q = (a + b)/(1 + λ), where f = (a + b)λ/(1 + λ) + (1 + λ)ab/(a + b). The
        // projectors then differ by √2 · sin(tilt) in Frobenius norm.
        let (a, b, lambda) = (5.0f64, 0.4f64, 0.1f64);
        let top_loss = 9.4 - 0.9 * 8.0;
        let rest = 1.0 + lambda * 3.0;

        let free_u = ((a * b / lambda).sqrt() - b) / (a - b);
        let free_loss = rest + 2.0 * (a * b * lambda).sqrt();
        let root_q = (a + b) / (1.0 + lambda);
        let orthonormal_u = (root_q * root_q - b * b) / (a * a - b * b);
        let orthonormal_loss =
            rest + (a + b) * lambda / (1.0 + lambda) + (1.0 + lambda) * a * b / (a + b);

        for (decoder, u, expected_loss) in [
            (Decoder::Free, free_u, free_loss),
            (Decoder::Orthonormal, orthonormal_u, orthonormal_loss),
        ] {
            let (descent, moved) = c19_run(decoder, lambda);
            let expected_move = 2f64.sqrt() * (1.0 - u).sqrt();
            assert!(moved > 0.1, "{decoder:?}: moved {moved}");
            assert!(
                (moved - expected_move).abs() < 1e-4,
                "{decoder:?}: {moved} vs {expected_move}"
            );
            assert!(
                descent.loss < top_loss - 1e-3,
                "{decoder:?}: {}",
                descent.loss
            );
            assert!(
                (descent.loss - expected_loss).abs() < 1e-9,
                "{decoder:?}: {}",
                descent.loss
            );
            assert_ne!(descent.stop, DescentStop::MaxSteps, "{decoder:?}");
            assert!(descent.loss_history.windows(2).all(|p| p[1] < p[0]));
        }
    }

    #[test]
    fn c19_untied_stays_below_threshold() {
        // λ = 0.05 < 0.08: the top subspace is a local minimum and the descent returns to it.
        for decoder in [Decoder::Free, Decoder::Orthonormal] {
            let (descent, moved) = c19_run(decoder, 0.05);
            assert!(moved < 0.01, "{decoder:?}: moved {moved}");
            assert!((descent.loss - (9.4 - 0.95 * 8.0)).abs() < 1e-10);
            assert_ne!(descent.stop, DescentStop::MaxSteps, "{decoder:?}");
            assert!(descent.loss_history.windows(2).all(|p| p[1] < p[0]));
        }
    }

    #[test]
    fn tied_descent_returns_to_top_subspace() {
        for &lambda in &[0.05, 0.1, 0.5, 0.9] {
            let (descent, moved) = c19_run(Decoder::Tied, lambda);
            assert!(moved < 1e-5, "λ = {lambda}: moved {moved}");
            assert!((descent.loss - (9.4 - (1.0 - lambda) * 8.0)).abs() < 1e-10);
        }
    }

    #[test]
    fn descent_from_minimum_stops_at_once() {
        let s = diagonal(&[5.0, 3.0, 1.0, 0.4]);
        let top = Mat::from_fn(2, 4, |k, c| if k == c { 1.0 } else { 0.0 });
        let descent = descend(
            s.as_ref(),
            top.as_ref(),
            Decoder::Free,
            0.05,
            DescentOptions::default(),
        )
        .unwrap();
        assert_eq!(descent.steps, 0);
        assert_eq!(descent.stop, DescentStop::GradientTolerance);
        assert_eq!(descent.loss_history.len(), 1);
    }

    #[test]
    fn entry_points_reject_bad_input() {
        let s = diagonal(&[4.0, 1.0]);
        let w = line(0.3);
        let indefinite = diagonal(&[4.0, -1.0]);
        assert!(matches!(
            decoder_loss(indefinite.as_ref(), w.as_ref(), Decoder::Free, 0.5),
            Err(Error::InvalidMatrix {
                what: "scatter matrix",
                kind: MatrixErrorKind::NotPositiveSemidefinite { .. }
            })
        ));

        let skewed = Mat::from_fn(1, 2, |_, c| [1.0, 1.0][c]);
        assert!(matches!(
            decoder_loss(s.as_ref(), skewed.as_ref(), Decoder::Tied, 0.5),
            Err(Error::InvalidMatrix {
                what: "encoder",
                kind: MatrixErrorKind::NotOrthonormalRows { .. }
            })
        ));

        assert!(matches!(
            decoder_loss(s.as_ref(), w.as_ref(), Decoder::Tied, 1.5),
            Err(Error::InvalidLambda { lambda }) if lambda == 1.5
        ));
        assert!(matches!(
            decoder_loss(s.as_ref(), w.as_ref(), Decoder::Tied, f64::NAN),
            Err(Error::InvalidLambda { .. })
        ));

        let wide = Mat::from_fn(1, 3, |_, c| if c == 0 { 1.0 } else { 0.0 });
        assert!(matches!(
            optimal_decoder(s.as_ref(), wide.as_ref(), Decoder::Free),
            Err(Error::DimensionMismatch {
                expected: 2,
                found: 3
            })
        ));

        let v = Mat::<f64>::zeros(3, 1);
        assert!(matches!(
            loss_with_decoder(s.as_ref(), w.as_ref(), v.as_ref(), 0.5),
            Err(Error::InvalidMatrix {
                what: "decoder",
                kind: MatrixErrorKind::WrongShape {
                    rows: 3,
                    cols: 1,
                    expected_rows: 2,
                    expected_cols: 1
                }
            })
        ));

        assert!(matches!(
            best_angle_2d([[4.0, 0.0], [0.0, 1.0]], Decoder::Free, 0.5, 2),
            Err(Error::InvalidSetting { name: "grid", .. })
        ));
        assert!(matches!(
            best_angle_2d([[4.0, 1.0], [0.0, 1.0]], Decoder::Free, 0.5, 10),
            Err(Error::InvalidMatrix {
                kind: MatrixErrorKind::NotSymmetric { .. },
                ..
            })
        ));

        let options = DescentOptions {
            step: 0.0,
            ..DescentOptions::default()
        };
        assert!(matches!(
            descend(s.as_ref(), w.as_ref(), Decoder::Free, 0.5, options),
            Err(Error::InvalidSetting { name: "step", .. })
        ));
        let options = DescentOptions {
            tol: -1.0,
            ..DescentOptions::default()
        };
        assert!(matches!(
            descend(s.as_ref(), w.as_ref(), Decoder::Free, 0.5, options),
            Err(Error::InvalidTolerance { .. })
        ));
    }
}
