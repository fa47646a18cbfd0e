//! The IDX subset loader on the MNIST-format files in the shared data folder beside the
//! repository, when that folder is present.

use std::path::PathBuf;

fn shared_data() -> Option<PathBuf> {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if folder.is_dir() {
        Some(folder)
    } else {
        println!(
            "note: {} is absent, so the IDX data test is skipped",
            folder.display()
        );
        None
    }
}

#[test]
fn subsets_from_shared_data() {
    let Some(data) = shared_data() else {
        return;
    };
    for name in ["mnist", "fashion-mnist"] {
        let subset = tae::io::load_test_subset(data.join(name), 5, 200).unwrap();

        assert_eq!(subset.n_points(), 1000, "{name}");
        assert_eq!(subset.dim(), 784, "{name}");
        assert_eq!(subset.image_shape(), (28, 28), "{name}");
        let x = subset.data();
        let mut low = f64::INFINITY;
        let mut high = f64::NEG_INFINITY;
        for i in 0..x.nrows() {
            for c in 0..x.ncols() {
                low = low.min(x[(i, c)]);
                high = high.max(x[(i, c)]);
            }
        }
        // Both sets have black backgrounds and saturated strokes, so the range is exactly [0, 1].
        assert_eq!(low, 0.0, "{name}: smallest pixel");
        assert_eq!(high, 1.0, "{name}: largest pixel");
        for class in 0..5 {
            let count = subset.labels().iter().filter(|&&l| l == class).count();
            assert_eq!(count, 200, "{name}: class {class}");
        }
    }
}

#[test]
fn mnist_test_files_read() {
    let Some(data) = shared_data() else {
        return;
    };
    let images = tae::io::read_idx_images(data.join("mnist/t10k-images-idx3-ubyte.gz")).unwrap();
    let labels = tae::io::read_idx_labels(data.join("mnist/t10k-labels-idx1-ubyte.gz")).unwrap();

    assert_eq!(images.n_images(), 10_000);
    assert_eq!((images.n_rows(), images.n_cols()), (28, 28));
    assert_eq!(labels.len(), 10_000);
    assert!(labels.iter().all(|&label| label < 10));
}
