//! The three assignment updates and the Euclidean projection onto the probability simplex.

use nalgebra::DMatrix;

/// Returns the Euclidean projection of `v` onto the probability simplex
/// `{p : p_j ≥ 0, Σ_j p_j = 1}`, in O(K log K) for K entries.
///
/// The projection is `p_j = max(v_j − θ, 0)`, where the threshold θ makes the entries sum to 1
/// (the KKT conditions of `min ‖p − v‖²` on the simplex). Sorting `v` in decreasing order as
/// `u`, the support has `ρ = max{k : u_k − (Σ_{r ≤ k} u_r − 1)/k > 0}` entries and
/// `θ = (Σ_{r ≤ ρ} u_r − 1)/ρ` (Held, Wolfe and Crowder, 1974; Duchi et al., ICML 2008).
/// The entries must be finite, and an empty `v` gives an empty result.
///
/// ```
/// let p = tae::reference::project_onto_simplex(&[0.9, 0.6, -1.0]);
/// assert!((p[0] - 0.65).abs() < 1e-15 && (p[1] - 0.35).abs() < 1e-15 && p[2] == 0.0);
/// ```
pub fn project_onto_simplex(v: &[f64]) -> Vec<f64> {
    if v.is_empty() {
        return Vec::new();
    }
    let mut sorted = v.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut cumulative = 0.0;
    let mut threshold = sorted[0] - 1.0;
    for (k, &u) in sorted.iter().enumerate() {
        cumulative += u;
        let candidate = (cumulative - 1.0) / (k + 1) as f64;
        // The condition is true for k = 0 and for a prefix of k, so the last k where it is true is ρ.
        if u - candidate > 0.0 {
            threshold = candidate;
        }
    }
    v.iter().map(|&x| (x - threshold).max(0.0)).collect()
}

/// Returns the cluster of lowest loss, keeping `current` when it is one of the minimisers and
/// taking the lowest index otherwise.
pub(super) fn argmin_keeping(losses: &[f64], current: usize) -> usize {
    let mut best = 0;
    for (j, &loss) in losses.iter().enumerate().skip(1) {
        if loss < losses[best] {
            best = j;
        }
    }
    if current < losses.len() && losses[current] == losses[best] {
        current
    } else {
        best
    }
}

/// Returns the cluster of largest weight, ties to the lowest index.
pub(super) fn argmax(weights: &[f64]) -> usize {
    let mut best = 0;
    for (j, &weight) in weights.iter().enumerate().skip(1) {
        if weight > weights[best] {
            best = j;
        }
    }
    best
}

/// Applies a projected gradient step to row `i` of `assignments`: `P_i ← proj(P_i − step ℓ_i)`.
pub(super) fn projected_step(assignments: &mut DMatrix<f64>, i: usize, losses: &[f64], step: f64) {
    let moved: Vec<f64> = losses
        .iter()
        .enumerate()
        .map(|(j, &loss)| assignments[(i, j)] - step * loss)
        .collect();
    for (j, p) in project_onto_simplex(&moved).into_iter().enumerate() {
        assignments[(i, j)] = p;
    }
}

/// Applies an exponentiated-gradient step to row `i`: `log P_i ← log P_i − step ℓ_i`, then
/// normalises with the log-sum-exp, and writes `P_i = exp(log P_i)`.
pub(super) fn mirror_step(
    log_assignments: &mut DMatrix<f64>,
    assignments: &mut DMatrix<f64>,
    i: usize,
    losses: &[f64],
    step: f64,
) {
    for (j, &loss) in losses.iter().enumerate() {
        log_assignments[(i, j)] -= step * loss;
    }
    // Shifting by the largest entry keeps exp from overflowing or underflowing all at once.
    let shift = log_assignments
        .row(i)
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let normaliser = shift
        + log_assignments
            .row(i)
            .iter()
            .map(|&l| (l - shift).exp())
            .sum::<f64>()
            .ln();
    for j in 0..losses.len() {
        log_assignments[(i, j)] -= normaliser;
        assignments[(i, j)] = log_assignments[(i, j)].exp();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn assert_in_simplex(p: &[f64]) {
        assert!(p.iter().all(|&x| x >= 0.0), "{p:?}");
        let total: f64 = p.iter().sum();
        assert!(
            (total - 1.0).abs() <= 1e-12 * p.len() as f64,
            "sum {total}: {p:?}"
        );
    }

    /// Computes the projection by brute force: for each candidate support S, the KKT point
    /// `p_S = v_S − θ_S`, `θ_S = (Σ_S v − 1)/|S|`, is the projection when `p_S > 0` and every
    /// entry outside S is at most θ_S.
    fn projection_by_supports(v: &[f64]) -> Vec<f64> {
        let k = v.len();
        for mask in 1u32..(1 << k) {
            let support: Vec<usize> = (0..k).filter(|j| mask & (1 << j) != 0).collect();
            let theta = (support.iter().map(|&j| v[j]).sum::<f64>() - 1.0) / support.len() as f64;
            let inside = support.iter().all(|&j| v[j] - theta > 0.0);
            let outside = (0..k)
                .filter(|j| mask & (1 << j) == 0)
                .all(|j| v[j] <= theta);
            if inside && outside {
                return (0..k)
                    .map(|j| {
                        if mask & (1 << j) != 0 {
                            v[j] - theta
                        } else {
                            0.0
                        }
                    })
                    .collect();
            }
        }
        panic!("no support satisfies the KKT conditions for {v:?}");
    }

    #[test]
    fn projection_of_hand_examples() {
        assert_eq!(project_onto_simplex(&[0.2, 0.3, 0.5]), vec![0.2, 0.3, 0.5]);
        assert_eq!(project_onto_simplex(&[5.0, 1.0]), vec![1.0, 0.0]);
        assert_eq!(project_onto_simplex(&[0.0, 0.0]), vec![0.5, 0.5]);
        assert_eq!(project_onto_simplex(&[-3.0]), vec![1.0]);
        assert!(project_onto_simplex(&[]).is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn projection_lands_in_simplex(v in prop::collection::vec(-5.0f64..5.0, 1..9)) {
            let p = project_onto_simplex(&v);
            assert_in_simplex(&p);
        }

        #[test]
        fn projection_is_idempotent(v in prop::collection::vec(-5.0f64..5.0, 1..9)) {
            let p = project_onto_simplex(&v);
            let again = project_onto_simplex(&p);
            for (a, b) in p.iter().zip(&again) {
                prop_assert!((a - b).abs() <= 1e-15, "{:?} vs {:?}", p, again);
            }
        }

        #[test]
        fn projection_matches_kkt_brute_force(v in prop::collection::vec(-5.0f64..5.0, 1..8)) {
            let p = project_onto_simplex(&v);
            let expected = projection_by_supports(&v);
            for (a, b) in p.iter().zip(&expected) {
                prop_assert!((a - b).abs() <= 1e-12, "{:?} vs {:?}", p, expected);
            }
        }

        #[test]
        fn mirror_step_stays_in_simplex(
            start in prop::collection::vec(0.01f64..1.0, 2..6),
            losses in prop::collection::vec(0.0f64..1e3, 6),
            step in 1e-3f64..10.0,
        ) {
            let k = start.len();
            let total: f64 = start.iter().sum();
            let mut assignments = DMatrix::from_fn(1, k, |_, j| start[j] / total);
            let mut logs = assignments.map(f64::ln);
            for _ in 0..20 {
                mirror_step(&mut logs, &mut assignments, 0, &losses[..k], step);
                let row: Vec<f64> = assignments.row(0).iter().copied().collect();
                assert_in_simplex(&row);
                prop_assert!(logs.iter().all(|l| l.is_finite()));
            }
        }
    }

    #[test]
    fn mirror_step_moves_weight_to_lower_loss() {
        let mut assignments = DMatrix::from_row_slice(1, 2, &[0.5, 0.5]);
        let mut logs = assignments.map(f64::ln);
        mirror_step(&mut logs, &mut assignments, 0, &[1.0, 0.0], 2.0_f64.ln());
        // P ∝ (0.5 · 2⁻¹, 0.5) = (1/3, 2/3) after normalising.
        assert!((assignments[(0, 0)] - 1.0 / 3.0).abs() < 1e-15);
        assert!((assignments[(0, 1)] - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn argmin_keeps_current_on_tie() {
        assert_eq!(argmin_keeping(&[1.0, 0.5, 0.5], 2), 2);
        assert_eq!(argmin_keeping(&[1.0, 0.5, 0.5], 0), 1);
        assert_eq!(argmin_keeping(&[0.5, 0.5, 0.5], 1), 1);
        assert_eq!(argmin_keeping(&[0.7, 0.5, 0.6], 2), 1);
    }
}
