//! Criterion benchmarks of the closed-form solver.
//!
//! - `lloyd_10_iterations`: ten whole Lloyd iterations (statistics, eigen step, assignment of
//!   every cluster, none skipped), on planted mixtures of growing size. The count is fixed, so
//!   convergence speed does not mix in; the k-means++ start is made before timing, and
//!   `benches/steps.rs` times it separately.
//! - `fit`: whole fits with 10 k-means++ restarts and the default stopping rule, on planted
//!   mixtures and on the embedded penguins data.
//!
//! Run with `cargo bench --bench lloyd`; compare ratios within one run, not absolute times.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tae::bench::LloydSteps;
use tae::planted::PlantedMixture;
use tae::TaeParams;

/// K clusters of `n / K` points in d dimensions, each with h strong directions.
fn planted(n_points: usize, dim: usize, n_clusters: usize, latent_dim: usize) -> faer::Mat<f64> {
    PlantedMixture::random_subspaces(n_points, dim, n_clusters, latent_dim, 1)
        .and_then(|mixture| mixture.sample(2))
        .expect("valid planted mixture")
        .data
}

fn lloyd_iterations(c: &mut Criterion) {
    let mut group = c.benchmark_group("lloyd_10_iterations");
    group.sample_size(10);
    // From small to large work: n from 10³ to 10⁶, d from 4 to 128, K from 3 to 30, h from 1
    // to 16. The fourth row is the size whose cost is compared with its lower bound.
    for (n_points, dim, n_clusters, latent_dim) in [
        (1_000, 4, 3, 1),
        (10_000, 8, 3, 1),
        (10_000, 32, 8, 4),
        (200_000, 32, 8, 4),
        (100_000, 128, 30, 16),
        (1_000_000, 32, 8, 4),
    ] {
        let x = planted(n_points, dim, n_clusters, latent_dim);
        let mut steps =
            LloydSteps::new(x.as_ref(), n_clusters, latent_dim, 0.1, 0).expect("valid input");
        group.throughput(Throughput::Elements(n_points as u64));
        group.bench_function(
            BenchmarkId::from_parameter(format!("n{n_points}_d{dim}_k{n_clusters}_h{latent_dim}")),
            |b| {
                b.iter(|| {
                    for _ in 0..10 {
                        black_box(steps.iteration().expect("iteration"));
                    }
                })
            },
        );
    }
    group.finish();
}

fn fits(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit");
    group.sample_size(10);
    for (n_points, dim, n_clusters, latent_dim) in [(10_000, 32, 8, 4), (100_000, 32, 8, 4)] {
        let x = planted(n_points, dim, n_clusters, latent_dim);
        let params = TaeParams::new(n_clusters, latent_dim)
            .n_init(10)
            .check()
            .expect("valid parameters");
        group.bench_function(
            BenchmarkId::from_parameter(format!("n{n_points}_d{dim}_k{n_clusters}_h{latent_dim}")),
            |b| b.iter(|| black_box(params.fit(x.as_ref()).expect("fit"))),
        );
    }
    let penguins = tae::datasets::penguins().to_mat();
    let params = TaeParams::new(3, 1).check().expect("valid parameters");
    group.bench_function("penguins", |b| {
        b.iter(|| black_box(params.fit(penguins.as_ref()).expect("fit")))
    });
    group.finish();
}

criterion_group!(benches, lloyd_iterations, fits);
criterion_main!(benches);
