//! Fit the TAE, k-means and PCA + k-means to the penguins data and compare them.
//!
//! Run with `cargo run --release --example penguins`.

use tae::baselines::{KMeans, Pca};
use tae::metrics::{adjusted_rand_index, clustering_accuracy};
use tae::scaling::Scaling;
use tae::TaeParams;

fn main() -> Result<(), tae::Error> {
    let penguins = tae::datasets::penguins();
    // Measurements in mm and g differ by three orders of magnitude; divide each by its maximum.
    let (scaled, _) = penguins.scaled(Scaling::Max)?;
    let x = scaled.as_ref();

    let tae = TaeParams::new(3, 1).lambda(0.1).seed(0).check()?.fit(x)?;
    let kmeans = KMeans::params(3).seed(0).check()?.fit(x)?;
    let codes = Pca::fit(x, 1)?.transform(x)?;
    let pca_kmeans = KMeans::params(3).seed(0).check()?.fit(codes.as_ref())?;

    let species = penguins.labels();
    for (name, labels) in [
        ("TAE", tae.labels()),
        ("k-means", kmeans.labels()),
        ("PCA(1) + k-means", pca_kmeans.labels()),
    ] {
        println!(
            "{name:<18} ARI {:.3}  accuracy {:.3}",
            adjusted_rand_index(species, labels)?,
            clustering_accuracy(species, labels)?
        );
    }

    println!(
        "TAE: loss {:.4} after {} Lloyd iterations, cluster sizes {:?}",
        tae.loss(),
        tae.n_iter(),
        tae.cluster_sizes()
    );
    for (j, basis) in tae.bases().iter().enumerate() {
        let direction: Vec<String> = (0..basis.ncols())
            .map(|c| format!("{:+.3}", basis[(0, c)]))
            .collect();
        println!(
            "cluster {j} principal direction: ({})",
            direction.join(", ")
        );
    }
    Ok(())
}
