//! Criterion benchmarks of the steps of one Lloyd iteration, the machine's limits, and thread
//! scaling.
//!
//! - `steps`: initialisation, statistics, eigen step and assignment on n = 200,000, d = 32,
//!   K = 8, h = 4 (the size at which the cost per iteration is compared with its lower bound);
//! - `machine`: a 2000 × 2000 × 2000 faer product (floating-point rate) and one read pass over a
//!   256 MiB array (memory bandwidth);
//! - `threads`: one Lloyd iteration at n = 100,000 with 1 and with 2 rayon threads.
//!
//! Run with `cargo bench --bench steps`. `examples/perf_ratios.rs` turns the same measurements
//! into ratios against the lower bounds in one run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use rayon::prelude::*;
use tae::bench::LloydSteps;
use tae::planted::PlantedMixture;

fn planted(n_points: usize, dim: usize, n_clusters: usize, latent_dim: usize) -> Mat<f64> {
    PlantedMixture::random_subspaces(n_points, dim, n_clusters, latent_dim, 1)
        .and_then(|mixture| mixture.sample(2))
        .expect("valid planted mixture")
        .data
}

/// Sums a slice in eight independent lanes, so that the loop is limited by memory rather than
/// by the latency of one chain of additions.
fn lane_sum(values: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 8];
    for chunk in values.chunks_exact(8) {
        for (lane, &value) in lanes.iter_mut().zip(chunk) {
            *lane += value;
        }
    }
    lanes.iter().sum::<f64>() + values.chunks_exact(8).remainder().iter().sum::<f64>()
}

fn steps(c: &mut Criterion) {
    let x = planted(200_000, 32, 8, 4);
    let mut state = LloydSteps::new(x.as_ref(), 8, 4, 0.1, 0).expect("valid input");
    state.iteration().expect("iteration");
    let mut group = c.benchmark_group("steps");
    group.sample_size(10);
    group.bench_function("initialisation", |b| b.iter(|| state.initialise(0)));
    group.bench_function("statistics", |b| b.iter(|| state.statistics()));
    group.bench_function("eigen", |b| b.iter(|| state.eigen().expect("eigen step")));
    group.bench_function("assignment", |b| {
        b.iter(|| black_box(state.assign().expect("assignment")))
    });
    group.finish();
}

fn machine(c: &mut Criterion) {
    let mut group = c.benchmark_group("machine");
    group.sample_size(10);
    let size = 2000;
    let a = Mat::from_fn(size, size, |i, j| ((i * 31 + j * 17) % 101) as f64 / 101.0);
    let mut product = Mat::<f64>::zeros(size, size);
    group.throughput(Throughput::Elements(2 * (size as u64).pow(3)));
    group.bench_function("gemm_2000", |b| {
        b.iter(|| {
            matmul(
                product.as_mut(),
                Accum::Replace,
                a.as_ref(),
                a.as_ref(),
                1.0,
                Par::rayon(0),
            );
            black_box(&product);
        })
    });
    let big = vec![1.0f64; 32 << 20];
    group.throughput(Throughput::Bytes((big.len() * 8) as u64));
    group.bench_function("read_256_mib", |b| {
        b.iter(|| black_box(big.par_chunks(1 << 16).map(lane_sum).sum::<f64>()))
    });
    group.finish();
}

fn threads(c: &mut Criterion) {
    let x = planted(100_000, 32, 8, 4);
    let mut group = c.benchmark_group("threads");
    group.sample_size(10);
    for count in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(count)
            .build()
            .expect("thread pool");
        let mut state = LloydSteps::new(x.as_ref(), 8, 4, 0.1, 0).expect("valid input");
        group.bench_with_input(BenchmarkId::from_parameter(count), &count, |b, _| {
            b.iter(|| pool.install(|| black_box(state.iteration().expect("iteration"))))
        });
    }
    group.finish();
}

criterion_group!(benches, steps, machine, threads);
criterion_main!(benches);
