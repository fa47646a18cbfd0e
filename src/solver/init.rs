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

use super::assign::contiguous;
use super::simd::with_wide_simd;

/// Rows per parallel chunk when updating distances; partial sums are added in chunk order.
const DISTANCE_CHUNK_ROWS: usize = 4096;

/// Number of candidates tried per seed: `2 + ⌊ln K⌋`, scikit-learn's rule.
pub(crate) fn n_candidates(n_clusters: usize) -> usize {
    2 + (n_clusters as f64).ln().floor() as usize
}

/// Writes into `out` the squared distances of rows `start .. start + out.len()` of `x` to row
/// `center`, adding the columns in order.
#[inline(always)]
fn squared_distances(x: MatRef<'_, f64>, center: usize, start: usize, out: &mut [f64]) {
    out.fill(0.0);
    let rows = out.len();
    for c in 0..x.ncols() {
        let column = contiguous(x, c);
        let value = column[center];
        for (d, &v) in out.iter_mut().zip(&column[start..start + rows]) {
            let diff = v - value;
            *d += diff * diff;
        }
    }
}

/// Returns the squared distance of every row of `x` to row `seed`, and their sum.
fn distances_to(x: MatRef<'_, f64>, seed: usize, out: &mut [f64]) -> f64 {
    let partial: Vec<f64> = out
        .par_chunks_mut(DISTANCE_CHUNK_ROWS)
        .enumerate()
        .map(|(b, chunk)| {
            let start = b * DISTANCE_CHUNK_ROWS;
            with_wide_simd(
                #[inline(always)]
                || squared_distances(x, seed, start, chunk),
            );
            chunk.iter().sum::<f64>()
        })
        .collect();
    partial.iter().sum()
}

/// Computes the squared distances of every row of `x` to each row in `candidates`, in one
/// pass over the data, and returns each candidate's potential `Σ_x min(closest(x), D_t(x)²)`.
///
/// `distances` is laid out chunk by chunk: the chunk of rows `s .. s + m` owns
/// `distances[s·T .. (s + m)·T]`, candidate `t` the `m` values from `s·T + t·m`. Each potential is
/// summed within chunks and then over chunks in order, as for a single candidate.
fn candidate_pass(
    x: MatRef<'_, f64>,
    candidates: &[usize],
    closest: &[f64],
    distances: &mut [f64],
) -> Vec<f64> {
    let trials = candidates.len();
    let partial: Vec<Vec<f64>> = distances
        .par_chunks_mut(DISTANCE_CHUNK_ROWS * trials)
        .enumerate()
        .map(|(b, chunk)| {
            let start = b * DISTANCE_CHUNK_ROWS;
            let rows = chunk.len() / trials;
            let nearest = &closest[start..start + rows];
            // The chunk's rows stay in cache while every candidate is measured against them.
            candidates
                .iter()
                .zip(chunk.chunks_exact_mut(rows))
                .map(|(&candidate, out)| {
                    with_wide_simd(
                        #[inline(always)]
                        || squared_distances(x, candidate, start, out),
                    );
                    nearest
                        .iter()
                        .zip(out.iter())
                        .map(|(&a, &d)| a.min(d))
                        .sum::<f64>()
                })
                .collect()
        })
        .collect();
    (0..trials)
        .map(|t| partial.iter().map(|chunk| chunk[t]).sum())
        .collect()
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

    let mut distances = vec![0.0; n_points * trials];
    let mut candidates = Vec::with_capacity(trials);
    while seeds.len() < n_clusters {
        // The draws depend only on `closest`, so all candidates can be drawn before measuring.
        candidates.clear();
        for _ in 0..trials {
            // All points coincide with a seed: any point is as good as any other.
            let candidate = if potential > 0.0 {
                sample_weighted(&closest, potential, rng)
            } else {
                rng.random_range(0..n_points)
            };
            candidates.push(candidate);
        }
        let potentials = candidate_pass(x, &candidates, &closest, &mut distances);

        // The first candidate with the lowest potential wins.
        let mut best = 0;
        for t in 1..trials {
            if potentials[t] < potentials[best] {
                best = t;
            }
        }
        seeds.push(candidates[best]);
        for (b, (nearest, chunk)) in closest
            .chunks_mut(DISTANCE_CHUNK_ROWS)
            .zip(distances.chunks(DISTANCE_CHUNK_ROWS * trials))
            .enumerate()
        {
            let rows = nearest.len();
            debug_assert_eq!(chunk.len(), rows * trials, "chunk {b}");
            let winner = &chunk[best * rows..(best + 1) * rows];
            for (c, &d) in nearest.iter_mut().zip(winner) {
                *c = c.min(d);
            }
        }
        potential = potentials[best];
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
    fn candidate_pass_matches_one_candidate_at_a_time() {
        // 10,000 rows make three chunks, the last one short.
        let x = Mat::from_fn(10_000, 3, |i, c| {
            ((i * (c + 3)) % 97) as f64 * 0.1 - (c as f64)
        });
        let mut closest = vec![0.0; 10_000];
        distances_to(x.as_ref(), 17, &mut closest);
        let candidates = [5, 9_999, 4_100];
        let mut distances = vec![0.0; 10_000 * candidates.len()];
        let potentials = candidate_pass(x.as_ref(), &candidates, &closest, &mut distances);

        for (t, &candidate) in candidates.iter().enumerate() {
            let mut single = vec![0.0; 10_000];
            distances_to(x.as_ref(), candidate, &mut single);
            let expected: f64 = closest
                .chunks(DISTANCE_CHUNK_ROWS)
                .zip(single.chunks(DISTANCE_CHUNK_ROWS))
                .map(|(a, b)| a.iter().zip(b).map(|(&a, &b)| a.min(b)).sum::<f64>())
                .collect::<Vec<f64>>()
                .iter()
                .sum();
            assert_eq!(potentials[t].to_bits(), expected.to_bits(), "candidate {t}");
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
