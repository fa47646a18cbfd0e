//! Criterion benchmarks of the closed-form solver.
//!
//! - `lloyd_10_iterations`: ten Lloyd iterations from one k-means++ start (tolerance 0), so
//!   convergence speed does not mix in, on planted mixtures of growing size (the k-means++
//!   seeding is included; `benches/steps.rs` times it separately);
//! - `fit_penguins`: a whole fit with 10 restarts on the embedded penguins data.
//!
//! Run with `cargo bench --bench lloyd`; compare ratios within one run, not absolute times.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
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
    // to 16. The middle row is the size whose cost is compared with its lower bound.
    for (n_points, dim, n_clusters, latent_dim) in [
        (1_000, 4, 3, 1),
        (10_000, 8, 3, 1),
        (10_000, 32, 8, 4),
        (200_000, 32, 8, 4),
        (100_000, 128, 30, 16),
        (1_000_000, 32, 8, 4),
    ] {
        let x = planted(n_points, dim, n_clusters, latent_dim);
        let params = TaeParams::new(n_clusters, latent_dim)
            .n_init(1)
            .max_iter(10)
            .tol(0.0)
            .check()
            .expect("valid parameters");
        group.throughput(Throughput::Elements(n_points as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("n{n_points}_d{dim}_k{n_clusters}_h{latent_dim}")),
            &x,
            |b, x| b.iter(|| black_box(params.fit(x.as_ref()).expect("fit"))),
        );
    }
    group.finish();
}

fn fit_penguins(c: &mut Criterion) {
    let x = tae::datasets::penguins().to_mat();
    let params = TaeParams::new(3, 1).check().expect("valid parameters");
    c.bench_function("fit_penguins", |b| {
        b.iter(|| black_box(params.fit(x.as_ref()).expect("fit")))
    });
}

criterion_group!(benches, lloyd_iterations, fit_penguins);
criterion_main!(benches);
