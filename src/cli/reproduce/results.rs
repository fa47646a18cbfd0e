//! The measured runs of `tae reproduce`, their summaries over seeds, and the rule that decides
//! whether one result is above, below or level with another.

use super::experiments::{ClusteringRun, DataSet, Denoiser, DenoisingRun, EmRun, Method, Skipped};

/// Everything one `tae reproduce` run measured.
pub struct Results {
    pub sets: Vec<DataSet>,
    /// Image data sets that were not run, and why.
    pub skipped: Vec<Skipped>,
    pub n_seeds: u64,
    pub clustering: Vec<ClusteringRun>,
    pub em: Vec<EmRun>,
    pub denoising: Vec<DenoisingRun>,
}

/// Mean and sample standard deviation of a measure over seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub mean: f64,
    /// Standard deviation with the n − 1 denominator; 0 for a single value.
    pub sd: f64,
}

impl Summary {
    /// Summarises `values`, or returns `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = if values.len() < 2 {
            0.0
        } else {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        };
        Some(Summary { mean, sd })
    }
}

/// Outcome of comparing one result with another under [`compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Above,
    Level,
    Below,
}

impl Verdict {
    /// Returns the verdict as a phrase: "above", "level with" or "below".
    pub fn phrase(self) -> &'static str {
        match self {
            Verdict::Above => "above",
            Verdict::Level => "level with",
            Verdict::Below => "below",
        }
    }
}

/// Smallest difference in ARI that counts as a difference.
pub const ARI_MARGIN: f64 = 0.02;

/// Smallest relative difference in test MSE that counts as a difference.
pub const MSE_RELATIVE_MARGIN: f64 = 0.02;

/// Compares `a` with `b`. The margin is the larger of their standard deviations and `floor`.
/// The two are level when their means differ by at most the margin, else `a` is above or below.
pub fn compare(a: Summary, b: Summary, floor: f64) -> Verdict {
    let margin = a.sd.max(b.sd).max(floor);
    let difference = a.mean - b.mean;
    if difference > margin {
        Verdict::Above
    } else if difference < -margin {
        Verdict::Below
    } else {
        Verdict::Level
    }
}

/// Compares two ARI summaries with the floor [`ARI_MARGIN`].
pub fn compare_ari(a: Summary, b: Summary) -> Verdict {
    compare(a, b, ARI_MARGIN)
}

/// Compares two MSE summaries with the floor [`MSE_RELATIVE_MARGIN`] times the larger mean.
pub fn compare_mse(a: Summary, b: Summary) -> Verdict {
    compare(a, b, MSE_RELATIVE_MARGIN * a.mean.max(b.mean))
}

impl Results {
    /// The clustering runs of one data set and method.
    fn clustering_runs(&self, set: usize, method: Method) -> impl Iterator<Item = &ClusteringRun> {
        self.clustering
            .iter()
            .filter(move |run| run.data_set == set && run.method == method)
    }

    /// A clustering measure of one data set and method over seeds.
    pub fn clustering_summary(
        &self,
        set: usize,
        method: Method,
        measure: fn(&ClusteringRun) -> f64,
    ) -> Option<Summary> {
        let values: Vec<f64> = self.clustering_runs(set, method).map(measure).collect();
        Summary::of(&values)
    }

    /// The ARI of one data set and method over seeds.
    pub fn ari(&self, set: usize, method: Method) -> Option<Summary> {
        self.clustering_summary(set, method, |run| run.ari)
    }

    /// The test MSE of one data set, noise level and method over seeds.
    pub fn mse(&self, set: usize, level: usize, method: Denoiser) -> Option<Summary> {
        let values: Vec<f64> = self
            .denoising_runs(set, level)
            .filter(|run| run.method == method)
            .map(|run| run.mse)
            .collect();
        Summary::of(&values)
    }

    /// Returns the mean noise standard deviation of one data set and level, in the data's units.
    pub fn sigma(&self, set: usize, level: usize) -> Option<f64> {
        let values: Vec<f64> = self
            .denoising_runs(set, level)
            .filter(|run| run.method == Denoiser::Tae)
            .map(|run| run.sigma)
            .collect();
        Summary::of(&values).map(|summary| summary.mean)
    }

    fn denoising_runs(&self, set: usize, level: usize) -> impl Iterator<Item = &DenoisingRun> {
        self.denoising
            .iter()
            .filter(move |run| run.data_set == set && run.level == level)
    }

    /// Returns the EM runs of one data set.
    pub fn em_runs(&self, set: usize) -> impl Iterator<Item = &EmRun> {
        self.em.iter().filter(move |run| run.data_set == set)
    }

    /// Indices of the data sets with clustering results.
    pub fn clustered_sets(&self) -> Vec<usize> {
        (0..self.sets.len())
            .filter(|&set| self.clustering.iter().any(|run| run.data_set == set))
            .collect()
    }

    /// Returns the index of the data set called `name`.
    pub fn set_index(&self, name: &str) -> Option<usize> {
        self.sets.iter().position(|set| set.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_mean_and_sample_sd() {
        let summary = Summary::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(summary.mean, 2.5);
        // Sum of squared deviations 5, over n − 1 = 3.
        assert!((summary.sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn summary_of_one_and_none() {
        assert_eq!(Summary::of(&[0.7]), Some(Summary { mean: 0.7, sd: 0.0 }));
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn compare_uses_larger_spread() {
        let a = Summary {
            mean: 0.80,
            sd: 0.05,
        };
        let b = Summary {
            mean: 0.70,
            sd: 0.01,
        };
        assert_eq!(compare_ari(a, b), Verdict::Above);
        assert_eq!(compare_ari(b, a), Verdict::Below);

        let wide = Summary {
            mean: 0.70,
            sd: 0.2,
        };
        assert_eq!(compare_ari(a, wide), Verdict::Level);
    }

    #[test]
    fn compare_floor_for_equal_runs() {
        let a = Summary {
            mean: 0.51,
            sd: 0.0,
        };
        let b = Summary {
            mean: 0.50,
            sd: 0.0,
        };
        assert_eq!(compare_ari(a, b), Verdict::Level);
        assert_eq!(
            compare_mse(
                Summary {
                    mean: 1.01,
                    sd: 0.0
                },
                Summary { mean: 1.0, sd: 0.0 }
            ),
            Verdict::Level
        );
        assert_eq!(
            compare_mse(
                Summary { mean: 0.5, sd: 0.0 },
                Summary { mean: 1.0, sd: 0.0 }
            ),
            Verdict::Below
        );
    }
}
