//! Measures each step of a Lloyd iteration against this machine's limits, in one run.
//!
//! Run with `cargo run --release --example perf_ratios`. It measures the floating-point rate of
//! a 2000 × 2000 × 2000 faer product and the bandwidth of one pass over a 256 MiB array. It then
//! times initialisation, statistics, the eigen step and the assignment on planted data. Each
//! step's time is printed over its lower bound, which is its floating-point operations at that
//! rate or one read of the data it must touch at that bandwidth, whichever is larger. A whole
//! iteration's bound is the sum of the steps' operations at that rate, or one read of the
//! data.

use std::hint::black_box;
use std::time::Instant;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use rayon::prelude::*;
use tae::bench::LloydSteps;
use tae::planted::PlantedMixture;

/// Median of `repeats` timings of `work`, in seconds.
fn median_seconds(repeats: usize, mut work: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[repeats / 2]
}

/// K clusters of `n / K` points in d dimensions, each with h strong directions.
fn planted(n_points: usize, dim: usize, n_clusters: usize, latent_dim: usize) -> faer::Mat<f64> {
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

fn main() -> Result<(), tae::Error> {
    let threads = rayon::current_num_threads();

    // Machine limits.
    let size = 2000;
    let a = Mat::from_fn(size, size, |i, j| ((i * 31 + j * 17) % 101) as f64 / 101.0);
    let mut c = Mat::<f64>::zeros(size, size);
    let gemm = median_seconds(3, || {
        matmul(
            c.as_mut(),
            Accum::Replace,
            a.as_ref(),
            a.as_ref(),
            1.0,
            Par::rayon(0),
        );
        black_box(&c);
    });
    let flop_rate = 2.0 * (size as f64).powi(3) / gemm;
    let big = vec![1.0f64; 32 << 20];
    let read = median_seconds(5, || {
        black_box(big.par_chunks(1 << 16).map(lane_sum).sum::<f64>());
    });
    let bandwidth = (big.len() * 8) as f64 / read;
    println!("machine: {threads} threads, {:.1} GFLOP/s (faer 2000³ product), {:.1} GB/s (one read pass)", flop_rate / 1e9, bandwidth / 1e9);

    // Steps on n = 200,000, d = 32, K = 8, h = 4.
    let (n, d, k, h) = (200_000usize, 32usize, 8usize, 4usize);
    let x = planted(n, d, k, h);
    let mut steps = LloydSteps::new(x.as_ref(), k, h, 0.1, 0)?;
    steps.iteration()?;
    let (nf, df, kf, hf) = (n as f64, d as f64, k as f64, h as f64);
    let bound = |flops: f64, bytes: f64| (flops / flop_rate).max(bytes / bandwidth);

    let init = median_seconds(3, || steps.initialise(0));
    let statistics = median_seconds(21, || steps.statistics());
    let eigen = median_seconds(21, || steps.eigen().expect("eigen step"));
    let assign = median_seconds(21, || {
        steps.assign().expect("assignment");
    });
    let iteration = median_seconds(21, || {
        steps.iteration().expect("iteration");
    });
    let candidates = 2.0 + kf.ln().floor();
    // Operation counts: the scatter matrices are symmetric and only their lower triangles are
    // computed, n·d(d+1) operations; the assignment's one GEMM is 2·n·d·K(h+1).
    let read = nf * df * 8.0;
    let statistics_flops = nf * df * (df + 1.0);
    let eigen_flops = 9.0 * kf * df.powi(3);
    let assign_flops = 2.0 * nf * df * kf * (hf + 1.0);
    let rows = [
        (
            "initialisation (k-means++)",
            init,
            // Each seed's candidates are measured in one pass over the data.
            bound(3.0 * nf * df * kf * candidates, read * kf),
        ),
        (
            "statistics (group, scatter)",
            statistics,
            bound(statistics_flops, read),
        ),
        (
            "eigen step (estimate: 9 d³ per cluster)",
            eigen,
            bound(eigen_flops, 0.0),
        ),
        ("assignment", assign, bound(assign_flops, read)),
        (
            "one Lloyd iteration",
            iteration,
            bound(statistics_flops + eigen_flops + assign_flops, read),
        ),
    ];
    println!("\nn = {n}, d = {d}, K = {k}, h = {h}");
    println!("| step | time (ms) | lower bound (ms) | ratio |");
    println!("|---|---:|---:|---:|");
    for (name, time, lower) in rows {
        println!(
            "| {name} | {:.2} | {:.2} | {:.1} |",
            time * 1e3,
            lower * 1e3,
            time / lower
        );
    }

    // Thread scaling and growth in n, whole iterations.
    println!("\n| n | 1 thread (ms) | {threads} threads (ms) | speed-up |");
    println!("|---:|---:|---:|---:|");
    let mut points = Vec::new();
    for n in [10_000usize, 100_000, 1_000_000] {
        let x = planted(n, d, k, h);
        let mut steps = LloydSteps::new(x.as_ref(), k, h, 0.1, 0)?;
        steps.iteration()?;
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("thread pool");
        // More repeats for small n, where one iteration takes a millisecond or two.
        let repeats = (20_000_000 / n).clamp(5, 51);
        let single = one.install(|| {
            median_seconds(repeats, || {
                steps.iteration().expect("iteration");
            })
        });
        let all = median_seconds(repeats, || {
            steps.iteration().expect("iteration");
        });
        println!(
            "| {n} | {:.2} | {:.2} | {:.2} |",
            single * 1e3,
            all * 1e3,
            single / all
        );
        points.push(((n as f64).ln(), all.ln()));
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / points.len() as f64;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    let slope = points
        .iter()
        .map(|p| (p.0 - mean_x) * (p.1 - mean_y))
        .sum::<f64>()
        / points.iter().map(|p| (p.0 - mean_x).powi(2)).sum::<f64>();
    println!("\nslope of log(time) against log(n), 10⁴ to 10⁶: {slope:.3}");
    Ok(())
}
