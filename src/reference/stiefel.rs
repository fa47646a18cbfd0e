//! Steps on the Stiefel manifold of `h × d` matrices with orthonormal rows (`W Wᵀ = I_h`).

use nalgebra::DMatrix;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Projects `g` onto the tangent space at `w`: `g − sym(g wᵀ) w` with `sym(A) = (A + Aᵀ)/2`.
///
/// For the Euclidean gradient `g` of a function, the result is its Riemannian gradient under
/// the metric inherited from `ℝ^{h×d}`. Every tangent vector `ξ` satisfies `w ξᵀ + ξ wᵀ = 0`.
pub(super) fn tangent_projection(w: &DMatrix<f64>, g: &DMatrix<f64>) -> DMatrix<f64> {
    let product = g * w.transpose();
    let symmetric = (&product + product.transpose()) * 0.5;
    g - symmetric * w
}

/// Maps a full-rank `h × d` matrix back to the manifold by the QR retraction: the rows of the
/// result are the Q factor of `mᵀ`, with signs chosen so that R has a non-negative diagonal.
///
/// `m = w − ξ` with `w` on the manifold and `ξ` tangent satisfies `m mᵀ = I + ξ ξᵀ`, so it
/// always has full row rank.
pub(super) fn retract(m: &DMatrix<f64>) -> DMatrix<f64> {
    let qr = m.transpose().qr();
    let mut q = qr.q();
    let r = qr.r();
    for k in 0..q.ncols() {
        if r[(k, k)] < 0.0 {
            q.column_mut(k).neg_mut();
        }
    }
    q.transpose()
}

/// Draws a uniformly random point of the manifold: the retraction of a Gaussian matrix.
pub(super) fn random_point(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> DMatrix<f64> {
    let gaussian = DMatrix::from_fn(rows, cols, |_, _| StandardNormal.sample(rng));
    retract(&gaussian)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn gram_deviation(w: &DMatrix<f64>) -> f64 {
        let identity = DMatrix::<f64>::identity(w.nrows(), w.nrows());
        (w * w.transpose() - identity).abs().max()
    }

    #[test]
    fn random_point_has_orthonormal_rows() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for (h, d) in [(1, 1), (1, 5), (2, 5), (5, 5)] {
            let w = random_point(h, d, &mut rng);
            assert_eq!(w.shape(), (h, d));
            assert!(gram_deviation(&w) < 1e-14, "{h} × {d}");
        }
    }

    #[test]
    fn tangent_projection_is_tangent_and_idempotent() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let w = random_point(2, 6, &mut rng);
        let g = DMatrix::from_fn(2, 6, |_, _| StandardNormal.sample(&mut rng));
        let xi = tangent_projection(&w, &g);
        let constraint = &w * xi.transpose() + &xi * w.transpose();
        assert!(constraint.abs().max() < 1e-14);
        let again = tangent_projection(&w, &xi);
        assert!((again - &xi).abs().max() < 1e-14);
    }

    #[test]
    fn retraction_keeps_orthonormal_rows_and_fixes_points() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let w = random_point(3, 7, &mut rng);
        let g = DMatrix::from_fn(3, 7, |_, _| StandardNormal.sample(&mut rng));
        let moved = retract(&(&w - 0.3 * tangent_projection(&w, &g)));
        assert!(gram_deviation(&moved) < 1e-14);
        // A point of the manifold is its own retraction: R is then the identity.
        assert!((retract(&w) - &w).abs().max() < 1e-14);
    }
}
