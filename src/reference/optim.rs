//! Gradient descent and Adam, one state per parameter matrix.

use nalgebra::DMatrix;

use super::params::{Optimizer, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON};

/// The optimiser state of one parameter matrix.
#[derive(Debug, Clone)]
pub(super) struct BlockOptimizer {
    kind: Optimizer,
    learning_rate: f64,
    /// Adam's first-moment estimate (unused by gradient descent).
    first_moment: DMatrix<f64>,
    /// Adam's second-moment estimate (unused by gradient descent).
    second_moment: DMatrix<f64>,
    /// Steps taken, for Adam's bias correction.
    steps: i32,
}

impl BlockOptimizer {
    /// Starts the state of a `rows × cols` parameter.
    pub fn new(kind: Optimizer, learning_rate: f64, rows: usize, cols: usize) -> Self {
        let (rows, cols) = match kind {
            Optimizer::GradientDescent => (0, 0),
            Optimizer::Adam => (rows, cols),
        };
        BlockOptimizer {
            kind,
            learning_rate,
            first_moment: DMatrix::zeros(rows, cols),
            second_moment: DMatrix::zeros(rows, cols),
            steps: 0,
        }
    }

    /// Returns the displacement to subtract from the parameter for this gradient, and updates
    /// the state.
    pub fn displacement(&mut self, gradient: &DMatrix<f64>) -> DMatrix<f64> {
        match self.kind {
            Optimizer::GradientDescent => gradient * self.learning_rate,
            Optimizer::Adam => {
                // `i32::MAX` steps would take far longer than any training run.
                self.steps = self.steps.saturating_add(1);
                self.first_moment *= ADAM_BETA1;
                self.first_moment += gradient * (1.0 - ADAM_BETA1);
                self.second_moment *= ADAM_BETA2;
                self.second_moment += gradient.component_mul(gradient) * (1.0 - ADAM_BETA2);
                let first_correction = 1.0 - ADAM_BETA1.powi(self.steps);
                let second_correction = 1.0 - ADAM_BETA2.powi(self.steps);
                self.first_moment.zip_map(&self.second_moment, |m, v| {
                    let m_hat = m / first_correction;
                    let v_hat = v / second_correction;
                    self.learning_rate * m_hat / (v_hat.sqrt() + ADAM_EPSILON)
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_descent_scales_gradient() {
        let mut optimizer = BlockOptimizer::new(Optimizer::GradientDescent, 0.25, 1, 2);
        let step = optimizer.displacement(&DMatrix::from_row_slice(1, 2, &[4.0, -2.0]));
        assert_eq!(step, DMatrix::from_row_slice(1, 2, &[1.0, -0.5]));
    }

    #[test]
    fn adam_first_step_is_learning_rate_times_sign() {
        // After one step the bias-corrected moments are g and g², so the step is
        // η g / (|g| + ε), which is η sign(g) up to ε.
        let mut optimizer = BlockOptimizer::new(Optimizer::Adam, 0.1, 1, 3);
        let step = optimizer.displacement(&DMatrix::from_row_slice(1, 3, &[3.0, -0.5, 0.0]));
        assert!((step[0] - 0.1 * 3.0 / (3.0 + ADAM_EPSILON)).abs() < 1e-15);
        assert!((step[1] + 0.1 * 0.5 / (0.5 + ADAM_EPSILON)).abs() < 1e-15);
        assert_eq!(step[2], 0.0);
    }

    #[test]
    fn adam_constant_gradient_keeps_step() {
        // With a constant gradient both moments stay exact after bias correction.
        let mut optimizer = BlockOptimizer::new(Optimizer::Adam, 0.01, 1, 1);
        let gradient = DMatrix::from_element(1, 1, 2.0);
        for _ in 0..50 {
            let step = optimizer.displacement(&gradient);
            assert!((step[0] - 0.01 * 2.0 / (2.0 + ADAM_EPSILON)).abs() < 1e-12);
        }
    }
}
