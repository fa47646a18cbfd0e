//! Greedy k-means++ seeding.
//!
//! The first seed is a point drawn uniformly. Each further seed is the best of
//! [`n_candidates`]`(K)` points drawn with probability proportional to `D(x)²`, the squared
//! distance to the nearest seed so far; "best" means the candidate that most lowers
//! `Σ_x D(x)²`. This is the greedy variant of Arthur and Vassilvitskii (2007) that scikit-learn's
//! `KMeans` uses, with `2 + ⌊ln K⌋` candidates per step.

use faer::MatRef;
use rand::Rng;
use rayon::prelude::*;

/// Rows per parallel chunk when updating distances; partial sums are added in chunk order.
const DISTANCE_CHUNK_ROWS: usize = 4096;

/// Number of candidates tried per seed: `2 + ⌊ln K⌋`, scikit-learn's rule.
pub(crate) fn n_candidates(n_clusters: usize) -> usize {
    2 + (n_clusters as f64).ln().floor() as usize
}

/// Returns the squared distance of every row of `x` to row `seed`, and their sum.
fn distances_to(x: MatRef<'_, f64>, seed: usize, out: &mut [f64]) -> f64 {
    let dim = x.ncols();
    let partial: Vec<f64> = out
        .par_chunks_mut(DISTANCE_CHUNK_ROWS)
        .enumerate()
        .map(|(b, chunk)| {
            let start = b * DISTANCE_CHUNK_ROWS;
            chunk.iter_mut().for_each(|d| *d = 0.0);
            for c in 0..dim {
                let column = x.col(c);
                let center = column[seed];
                for (r, d) in chunk.iter_mut().enumerate() {
                    let diff = column[start + r] - center;
                    *d += diff * diff;
                }
            }
            chunk.iter().sum::<f64>()
        })
        .collect();
    partial.iter().sum()
}

/// Returns `Σ min(closest, candidate)` with the sum taken in chunk order.
fn potential_with(closest: &[f64], candidate: &[f64]) -> f64 {
    let partial: Vec<f64> = closest
        .par_chunks(DISTANCE_CHUNK_ROWS)
        .zip(candidate.par_chunks(DISTANCE_CHUNK_ROWS))
        .map(|(a, b)| a.iter().zip(b).map(|(&a, &b)| a.min(b)).sum::<f64>())
        .collect();
    partial.iter().sum()
}

/// Draws an index with probability proportional to `weights` (which sum to `total > 0`).
fn sample_weighted(weights: &[f64], total: f64, rng: &mut impl Rng) -> usize {
    let target = rng.random::<f64>() * total;
    let mut cumulative = 0.0;
    let mut last_positive = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            cumulative += w;
            last_positive = i;
            if cumulative > target {
                return i;
            }
        }
    }
    // Rounding can leave the target a hair above the final cumulative sum.
    last_positive
}

/// Chooses `n_clusters` seed points (row indices of `x`) by greedy k-means++.
pub(crate) fn kmeans_plus_plus(
    x: MatRef<'_, f64>,
    n_clusters: usize,
    rng: &mut impl Rng,
) -> Vec<usize> {
    let n_points = x.nrows();
    let trials = n_candidates(n_clusters);
    let mut seeds = Vec::with_capacity(n_clusters);

    let first = rng.random_range(0..n_points);
    seeds.push(first);
    let mut closest = vec![0.0; n_points];
    let mut potential = distances_to(x, first, &mut closest);

    let mut candidate_distances = vec![0.0; n_points];
    let mut best_distances = vec![0.0; n_points];
    while seeds.len() < n_clusters {
        let mut best: Option<(usize, f64)> = None;
        for _ in 0..trials {
            // All points coincide with a seed: any point is as good as any other.
            let candidate = if potential > 0.0 {
                sample_weighted(&closest, potential, rng)
            } else {
                rng.random_range(0..n_points)
            };
            distances_to(x, candidate, &mut candidate_distances);
            let candidate_potential = potential_with(&closest, &candidate_distances);
            if best.is_none_or(|(_, p)| candidate_potential < p) {
                best = Some((candidate, candidate_potential));
                std::mem::swap(&mut best_distances, &mut candidate_distances);
            }
        }
        let (seed, new_potential) = best.expect("at least two candidates per step");
        seeds.push(seed);
        for (c, &d) in closest.iter_mut().zip(&best_distances) {
            *c = c.min(d);
        }
        potential = new_potential;
    }
    seeds
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn candidate_count_follows_log_rule() {
        assert_eq!(n_candidates(1), 2);
        assert_eq!(n_candidates(3), 3);
        assert_eq!(n_candidates(8), 4);
        assert_eq!(n_candidates(30), 5);
    }

    #[test]
    fn seeds_are_distinct_on_separated_groups() {
        // Three tight groups far apart: k-means++ puts one seed in each group because a second
        // seed in an occupied group would leave a huge distance to an empty one.
        let x = Mat::from_fn(30, 2, |i, c| {
            let group = (i / 10) as f64;
            100.0 * group * (c as f64 + 1.0) + 0.01 * (i % 10) as f64
        });
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let seeds = kmeans_plus_plus(x.as_ref(), 3, &mut rng);
            let mut groups: Vec<usize> = seeds.iter().map(|&s| s / 10).collect();
            groups.sort();
            assert_eq!(groups, vec![0, 1, 2], "seed {seed}: {seeds:?}");
        }
    }

    #[test]
    fn sampling_never_picks_zero_weight() {
        let weights = [0.0, 2.0, 0.0, 1.0, 0.0];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..1000 {
            let i = sample_weighted(&weights, 3.0, &mut rng);
            assert!(i == 1 || i == 3);
        }
    }
}
