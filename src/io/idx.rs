//! Reader for IDX files, the format of MNIST and Fashion-MNIST.
//!
//! An IDX file starts with a big-endian header: a 4-byte magic number, then one `u32` count per
//! dimension. Image files (magic `0x00000803`) give the number of images, rows and columns, and
//! label files (magic `0x00000801`) give the number of labels. One `u8` per pixel (images after
//! each other, each row-major) or per label follows.
//!
//! Files may be gzip-compressed, as they are distributed. The reader recognises gzip by its
//! first two bytes (`1f 8b`), whatever the file name, and an IDX header always starts with two
//! zero bytes, so the two cannot be confused.

use std::io::Read;
use std::path::{Path, PathBuf};

use faer::{Mat, MatRef};
use flate2::read::MultiGzDecoder;

use crate::error::{Error, IdxErrorKind, Result};

/// Magic number of an IDX file of `u8` values in three dimensions: images, rows, columns.
pub const IMAGE_MAGIC: u32 = 0x0000_0803;

/// Magic number of an IDX file of `u8` values in one dimension: labels.
pub const LABEL_MAGIC: u32 = 0x0000_0801;

/// Name of the MNIST-format test image file, without the `.gz` extension.
pub const TEST_IMAGES_FILE: &str = "t10k-images-idx3-ubyte";

/// Name of the MNIST-format test label file, without the `.gz` extension.
pub const TEST_LABELS_FILE: &str = "t10k-labels-idx1-ubyte";

/// The first two bytes of every gzip stream (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Largest pixel value of an 8-bit image; pixels are divided by it to lie in [0, 1].
const MAX_PIXEL: f64 = 255.0;

/// The images of an IDX image file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    n_images: usize,
    n_rows: usize,
    n_cols: usize,
    /// `n_images × n_rows × n_cols` pixels, image after image, each row-major.
    pixels: Vec<u8>,
}

impl IdxImages {
    /// Number of images.
    pub fn n_images(&self) -> usize {
        self.n_images
    }

    /// Pixel rows of each image.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Pixel columns of each image.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Returns all pixels, image after image, each image row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// Returns the pixels of image `index` (row-major), or `None` past the last image.
    pub fn image(&self, index: usize) -> Option<&[u8]> {
        let size = self.n_rows * self.n_cols;
        let start = index.checked_mul(size)?;
        self.pixels.get(start..start.checked_add(size)?)
    }
}

/// Images with one class label each, pixels scaled to [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledImages {
    /// `n × (rows · cols)`, one flattened image per row.
    data: Mat<f64>,
    labels: Vec<usize>,
    image_shape: (usize, usize),
}

impl LabelledImages {
    /// Returns the images, `n × (rows · cols)`: one flattened image per row, pixels in [0, 1].
    pub fn data(&self) -> MatRef<'_, f64> {
        self.data.as_ref()
    }

    /// Returns the class of each image.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Pixel rows and columns of each image.
    pub fn image_shape(&self) -> (usize, usize) {
        self.image_shape
    }

    /// Number of images.
    pub fn n_points(&self) -> usize {
        self.data.nrows()
    }

    /// Pixels per image.
    pub fn dim(&self) -> usize {
        self.data.ncols()
    }

    /// Splits into the data matrix and the labels.
    pub fn into_parts(self) -> (Mat<f64>, Vec<usize>) {
        (self.data, self.labels)
    }
}

/// Reads an IDX image file, plain or gzip-compressed.
///
/// # Errors
///
/// - [`Error::Io`] if the file cannot be read.
/// - [`Error::Idx`] with [`IdxErrorKind::Gzip`] if the gzip data is corrupt,
///   [`IdxErrorKind::BadMagic`] if the file is not an image file, [`IdxErrorKind::Truncated`]
///   if it is shorter than its header announces, and [`IdxErrorKind::TrailingBytes`] if it is
///   longer.
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<IdxImages> {
    let path = path.as_ref();
    let bytes = read_decompressed(path)?;
    let (dims, body) = parse_idx(&bytes, path, IMAGE_MAGIC, 3)?;
    Ok(IdxImages {
        n_images: dims[0],
        n_rows: dims[1],
        n_cols: dims[2],
        pixels: body.to_vec(),
    })
}

/// Reads an IDX label file, plain or gzip-compressed.
///
/// # Errors
///
/// As [`read_idx_images`], with `0x00000801` as the required magic number.
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let bytes = read_decompressed(path)?;
    let (_, body) = parse_idx(&bytes, path, LABEL_MAGIC, 1)?;
    Ok(body.to_vec())
}

/// Loads the first `per_class` test images of each class `0..n_classes` from an MNIST-format
/// folder, in file order, with pixels divided by 255.
///
/// The folder must hold [`TEST_IMAGES_FILE`] and [`TEST_LABELS_FILE`], each either with the
/// `.gz` extension (tried first) or without it. Images of other classes are skipped. For
/// MNIST and Fashion-MNIST, `n_classes = 5` and `per_class = 200` give 1,000 images of 784
/// pixels.
///
/// # Errors
///
/// - [`Error::DataFileNotFound`] if a file is missing under both names.
/// - [`Error::EmptyData`] if `n_classes` or `per_class` is 0.
/// - [`Error::IdxCountMismatch`] if the two files hold different numbers of items.
/// - [`Error::Idx`] with [`IdxErrorKind::TooFewInClass`] (on the label file) if a class has
///   fewer than `per_class` images, and the errors of [`read_idx_images`].
pub fn load_test_subset(
    folder: impl AsRef<Path>,
    n_classes: usize,
    per_class: usize,
) -> Result<LabelledImages> {
    let folder = folder.as_ref();
    let images_path = find_file(folder, TEST_IMAGES_FILE)?;
    let labels_path = find_file(folder, TEST_LABELS_FILE)?;
    let images = read_idx_images(&images_path)?;
    let labels = read_idx_labels(&labels_path)?;
    let dim = images.n_rows * images.n_cols;
    if n_classes == 0 || per_class == 0 {
        return Err(Error::EmptyData { n_points: 0, dim });
    }
    if images.n_images != labels.len() {
        return Err(Error::IdxCountMismatch {
            images: images_path,
            n_images: images.n_images,
            labels: labels_path,
            n_labels: labels.len(),
        });
    }

    let mut counts = vec![0; n_classes];
    let mut chosen = Vec::with_capacity(n_classes * per_class);
    for (index, &label) in labels.iter().enumerate() {
        let class = usize::from(label);
        if class < n_classes && counts[class] < per_class {
            counts[class] += 1;
            chosen.push(index);
        }
    }
    if let Some(class) = counts.iter().position(|&count| count < per_class) {
        return Err(Error::Idx {
            path: labels_path,
            kind: IdxErrorKind::TooFewInClass {
                class,
                found: counts[class],
                requested: per_class,
            },
        });
    }

    let data = Mat::from_fn(chosen.len(), dim, |i, c| {
        f64::from(images.pixels[chosen[i] * dim + c]) / MAX_PIXEL
    });
    Ok(LabelledImages {
        data,
        labels: chosen.iter().map(|&i| usize::from(labels[i])).collect(),
        image_shape: (images.n_rows, images.n_cols),
    })
}

/// Returns `folder/NAME.gz` if it exists, else `folder/NAME` if it exists.
fn find_file(folder: &Path, name: &str) -> Result<PathBuf> {
    let names = [format!("{name}.gz"), name.to_string()];
    names
        .iter()
        .map(|candidate| folder.join(candidate))
        .find(|path| path.is_file())
        .ok_or_else(|| Error::DataFileNotFound {
            folder: folder.to_path_buf(),
            names: names.to_vec(),
        })
}

/// Reads a file, decompressing it when it starts with the gzip magic bytes.
fn read_decompressed(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|source| Error::io(path, source))?;
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    let mut decompressed = Vec::new();
    MultiGzDecoder::new(bytes.as_slice())
        .read_to_end(&mut decompressed)
        .map_err(|error| Error::Idx {
            path: path.to_path_buf(),
            kind: IdxErrorKind::Gzip {
                reason: error.to_string(),
            },
        })?;
    Ok(decompressed)
}

/// Checks the header of an IDX file of `u8` values with `n_dims` dimensions and returns the
/// dimensions and the values. `path` is used only in errors.
fn parse_idx<'a>(
    bytes: &'a [u8],
    path: &Path,
    magic: u32,
    n_dims: usize,
) -> Result<(Vec<usize>, &'a [u8])> {
    let error = |kind: IdxErrorKind| Error::Idx {
        path: path.to_path_buf(),
        kind,
    };
    let header_len = 4 * (1 + n_dims);
    let truncated = |expected_bytes: u128| {
        error(IdxErrorKind::Truncated {
            expected_bytes,
            found_bytes: bytes.len() as u128,
        })
    };
    // Four bytes are enough to reject the wrong kind of file before judging its length.
    let found = read_u32(bytes, 0).ok_or_else(|| truncated(header_len as u128))?;
    if found != magic {
        return Err(error(IdxErrorKind::BadMagic {
            found,
            expected: magic,
        }));
    }
    if bytes.len() < header_len {
        return Err(truncated(header_len as u128));
    }

    let dims: Vec<usize> = (0..n_dims)
        .map(|k| read_u32(bytes, 4 * (1 + k)).map_or(0, |count| count as usize))
        .collect();
    // The product of three u32 counts fits in a u128, so even a corrupt header cannot overflow.
    let n_values: u128 = dims.iter().map(|&count| count as u128).product();
    let expected_bytes = header_len as u128 + n_values;
    let found_bytes = bytes.len() as u128;
    if found_bytes < expected_bytes {
        return Err(truncated(expected_bytes));
    }
    if found_bytes > expected_bytes {
        return Err(error(IdxErrorKind::TrailingBytes {
            expected_bytes,
            found_bytes,
        }));
    }
    Ok((dims, &bytes[header_len..]))
}

/// Reads the big-endian `u32` at `offset`, or `None` past the end.
fn read_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let word = bytes.get(offset..offset + 4)?;
    Some(u32::from_be_bytes([word[0], word[1], word[2], word[3]]))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;

    /// Builds the bytes of an IDX file: magic number, big-endian counts, values.
    fn idx_bytes(magic: u32, dims: &[u32], values: &[u8]) -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        for count in dims {
            bytes.extend_from_slice(&count.to_be_bytes());
        }
        bytes.extend_from_slice(values);
        bytes
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// Three 2 × 2 images with pixel values 0..12.
    fn three_images() -> Vec<u8> {
        let pixels: Vec<u8> = (0..12).collect();
        idx_bytes(IMAGE_MAGIC, &[3, 2, 2], &pixels)
    }

    fn idx_kind(result: Result<impl std::fmt::Debug>) -> IdxErrorKind {
        match result {
            Err(Error::Idx { kind, .. }) => kind,
            other => panic!("expected Error::Idx, got {other:?}"),
        }
    }

    #[test]
    fn read_images_plain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images-idx3-ubyte");
        std::fs::write(&path, three_images()).unwrap();

        let images = read_idx_images(&path).unwrap();

        assert_eq!(images.n_images(), 3);
        assert_eq!(images.n_rows(), 2);
        assert_eq!(images.n_cols(), 2);
        assert_eq!(images.pixels().len(), 12);
        assert_eq!(images.image(1), Some(&[4, 5, 6, 7][..]));
        assert_eq!(images.image(3), None);
    }

    #[test]
    fn read_images_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        let compressed = dir.path().join("compressed.gz");
        std::fs::write(&plain, three_images()).unwrap();
        std::fs::write(&compressed, gzip(&three_images())).unwrap();

        assert_eq!(
            read_idx_images(&compressed).unwrap(),
            read_idx_images(&plain).unwrap()
        );
    }

    #[test]
    fn read_labels_plain_and_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = idx_bytes(LABEL_MAGIC, &[4], &[7, 0, 9, 1]);
        let plain = dir.path().join("labels");
        let compressed = dir.path().join("labels.gz");
        std::fs::write(&plain, &bytes).unwrap();
        std::fs::write(&compressed, gzip(&bytes)).unwrap();

        assert_eq!(read_idx_labels(&plain).unwrap(), vec![7, 0, 9, 1]);
        assert_eq!(read_idx_labels(&compressed).unwrap(), vec![7, 0, 9, 1]);
    }

    #[test]
    fn read_images_rejects_label_magic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.gz");
        std::fs::write(&path, gzip(&idx_bytes(LABEL_MAGIC, &[2], &[0, 1]))).unwrap();

        let kind = idx_kind(read_idx_images(&path));

        assert_eq!(
            kind,
            IdxErrorKind::BadMagic {
                found: LABEL_MAGIC,
                expected: IMAGE_MAGIC
            }
        );
    }

    #[test]
    fn read_labels_rejects_image_magic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images");
        std::fs::write(&path, three_images()).unwrap();

        let kind = idx_kind(read_idx_labels(&path));

        assert_eq!(
            kind,
            IdxErrorKind::BadMagic {
                found: IMAGE_MAGIC,
                expected: LABEL_MAGIC
            }
        );
    }

    #[test]
    fn read_images_truncated_pixels() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = three_images();
        bytes.truncate(bytes.len() - 5);
        let path = dir.path().join("short.gz");
        std::fs::write(&path, gzip(&bytes)).unwrap();

        let kind = idx_kind(read_idx_images(&path));

        // 16 header bytes and 12 pixels expected, 7 pixels present.
        assert_eq!(
            kind,
            IdxErrorKind::Truncated {
                expected_bytes: 28,
                found_bytes: 23
            }
        );
    }

    #[test]
    fn read_images_truncated_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("header");
        std::fs::write(&path, &three_images()[..10]).unwrap();

        let kind = idx_kind(read_idx_images(&path));

        assert_eq!(
            kind,
            IdxErrorKind::Truncated {
                expected_bytes: 16,
                found_bytes: 10
            }
        );
    }

    #[test]
    fn read_labels_trailing_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels");
        std::fs::write(&path, idx_bytes(LABEL_MAGIC, &[2], &[1, 2, 3])).unwrap();

        let kind = idx_kind(read_idx_labels(&path));

        assert_eq!(
            kind,
            IdxErrorKind::TrailingBytes {
                expected_bytes: 10,
                found_bytes: 11
            }
        );
    }

    #[test]
    fn read_images_corrupt_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = gzip(&three_images());
        bytes.truncate(bytes.len() / 2);
        let path = dir.path().join("cut.gz");
        std::fs::write(&path, bytes).unwrap();

        let kind = idx_kind(read_idx_images(&path));

        assert!(matches!(kind, IdxErrorKind::Gzip { .. }), "{kind:?}");
    }

    #[test]
    fn read_images_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_idx_images(dir.path().join("absent")).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
    }

    #[test]
    fn error_messages_name_file_and_fix() {
        let err = Error::Idx {
            path: PathBuf::from("mnist/t10k-images-idx3-ubyte.gz"),
            kind: IdxErrorKind::Truncated {
                expected_bytes: 28,
                found_bytes: 23,
            },
        };
        assert_eq!(
            err.to_string(),
            "cannot read IDX file 'mnist/t10k-images-idx3-ubyte.gz': the header announces 28 \
             bytes but the file holds 23; the file is truncated, so download it again"
        );
    }

    /// Writes a test image file and label file with `labels.len()` 1 × 2 images; image i has
    /// pixels (i, 255).
    fn write_subset_files(folder: &Path, labels: &[u8], compress: bool) {
        let n = labels.len() as u32;
        let pixels: Vec<u8> = (0..labels.len()).flat_map(|i| [i as u8, 255]).collect();
        let images = idx_bytes(IMAGE_MAGIC, &[n, 1, 2], &pixels);
        let labels = idx_bytes(LABEL_MAGIC, &[n], labels);
        if compress {
            std::fs::write(folder.join("t10k-images-idx3-ubyte.gz"), gzip(&images)).unwrap();
            std::fs::write(folder.join("t10k-labels-idx1-ubyte.gz"), gzip(&labels)).unwrap();
        } else {
            std::fs::write(folder.join("t10k-images-idx3-ubyte"), images).unwrap();
            std::fs::write(folder.join("t10k-labels-idx1-ubyte"), labels).unwrap();
        }
    }

    #[test]
    fn subset_takes_first_of_each_class() {
        let dir = tempfile::tempdir().unwrap();
        write_subset_files(dir.path(), &[2, 0, 5, 0, 1, 2, 0, 1], true);

        let subset = load_test_subset(dir.path(), 3, 2).unwrap();

        // Images 0, 1, 3, 4, 5, 7 in file order: class 5 and the third 0 are skipped.
        assert_eq!(subset.labels(), &[2, 0, 0, 1, 2, 1]);
        assert_eq!(subset.image_shape(), (1, 2));
        assert_eq!(subset.n_points(), 6);
        assert_eq!(subset.dim(), 2);
        let first_pixels: Vec<f64> = (0..6).map(|i| subset.data()[(i, 0)]).collect();
        let expected: Vec<f64> = [0.0, 1.0, 3.0, 4.0, 5.0, 7.0]
            .iter()
            .map(|p| p / 255.0)
            .collect();
        assert_eq!(first_pixels, expected);
        assert!((0..6).all(|i| subset.data()[(i, 1)] == 1.0));
    }

    #[test]
    fn subset_reads_plain_files() {
        let dir = tempfile::tempdir().unwrap();
        write_subset_files(dir.path(), &[0, 1, 1, 0], false);

        let subset = load_test_subset(dir.path(), 2, 2).unwrap();

        assert_eq!(subset.labels(), &[0, 1, 1, 0]);
    }

    #[test]
    fn subset_too_few_in_class() {
        let dir = tempfile::tempdir().unwrap();
        write_subset_files(dir.path(), &[0, 1, 0, 0], true);

        let kind = idx_kind(load_test_subset(dir.path(), 2, 2));

        assert_eq!(
            kind,
            IdxErrorKind::TooFewInClass {
                class: 1,
                found: 1,
                requested: 2
            }
        );
    }

    #[test]
    fn subset_count_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        write_subset_files(dir.path(), &[0, 1, 0], true);
        let four_labels = idx_bytes(LABEL_MAGIC, &[4], &[0, 1, 0, 1]);
        std::fs::write(
            dir.path().join("t10k-labels-idx1-ubyte.gz"),
            gzip(&four_labels),
        )
        .unwrap();

        let err = load_test_subset(dir.path(), 2, 1).unwrap_err();

        assert!(
            matches!(
                err,
                Error::IdxCountMismatch {
                    n_images: 3,
                    n_labels: 4,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn subset_missing_files() {
        let dir = tempfile::tempdir().unwrap();

        let err = load_test_subset(dir.path(), 5, 200).unwrap_err();

        match err {
            Error::DataFileNotFound { folder, names } => {
                assert_eq!(folder, dir.path());
                assert_eq!(
                    names,
                    vec!["t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"]
                );
            }
            other => panic!("expected DataFileNotFound, got {other:?}"),
        }
    }

    #[test]
    fn subset_zero_per_class() {
        let dir = tempfile::tempdir().unwrap();
        write_subset_files(dir.path(), &[0, 1], true);

        let err = load_test_subset(dir.path(), 2, 0).unwrap_err();

        assert!(
            matches!(
                err,
                Error::EmptyData {
                    n_points: 0,
                    dim: 2
                }
            ),
            "{err:?}"
        );
    }
}
