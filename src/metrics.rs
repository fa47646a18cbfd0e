//! External clustering-quality metrics: the adjusted Rand index, normalized mutual information
//! and clustering accuracy, with the contingency matrix and the assignment solver they use.
//!
//! Every metric compares a ground-truth labelling `truth` with a predicted labelling `predicted`
//! of the same `n` points. Labels are arbitrary `usize` values, so `[0, 0, 1]` and `[7, 7, 3]`
//! describe the same partition. Internally, the distinct labels of each side are sorted
//! ascending and numbered in that order, so results are deterministic and do not depend on the
//! order of the points.
//!
//! # Notation
//!
//! `n_ij` is the number of points with true class `i` and predicted cluster `j` (the
//! [`ContingencyMatrix`]), `a_i = Σ_j n_ij` is the size of class `i`, `b_j = Σ_i n_ij` is the size
//! of cluster `j`, and `C(m, 2) = m (m − 1) / 2` is the number of pairs among `m` points.
//!
//! # Adjusted Rand index (Hubert and Arabie, 1985)
//!
//! With `S = Σ_ij C(n_ij, 2)` pairs placed together by both labellings, `A = Σ_i C(a_i, 2)`,
//! `B = Σ_j C(b_j, 2)` and `T = C(n, 2)`:
//!
//! ```text
//! ARI = (S − A·B/T) / ((A + B)/2 − A·B/T) = 2 (S·T − A·B) / (A (T − B) + B (T − A))
//! ```
//!
//! The right-hand form is evaluated in exact integer arithmetic before one final division. When
//! both labellings define the same partition (`S = A = B`), the result is 1.0. The formula gives
//! 1 there too, except for 0/0 when no pair or every pair is together: a single point, both
//! sides one cluster, or both sides all singletons.
//! These are the conventions of scikit-learn 1.9.1's `adjusted_rand_score`. The ARI is 1 for
//! identical partitions and has expected value 0 for random labellings. Its lower bound is −0.5,
//! as the scikit-learn 1.9.1 documentation states (citing Chacón and Rastrojo, 2022).
//!
//! # Normalized mutual information
//!
//! ```text
//! I(U; V) = Σ_ij (n_ij / n) · ln(n · n_ij / (a_i · b_j))
//! H(U)    = −Σ_i (a_i / n) · ln(a_i / n),   H(V) likewise with b_j
//! NMI     = I(U; V) / ((H(U) + H(V)) / 2)
//! ```
//!
//! This is the arithmetic-mean normalisation, the default (`average_method="arithmetic"`) of
//! scikit-learn 1.9.1's `normalized_mutual_info_score`, and its special cases carry over. When
//! both labellings have a single cluster the result is 1.0. Otherwise, when `I(U; V) = 0`, it is
//! 0.0, which includes every case where exactly one side has a single cluster. The result is
//! clamped to [0, 1] so that rounding never leaves that range.
//!
//! # Clustering accuracy
//!
//! ```text
//! ACC = (1 / n) · max_m Σ_j n_(m(j), j)
//! ```
//!
//! Here `m` ranges over the one-to-one maps from clusters to classes, and the sum runs over the
//! clusters that `m` maps.
//!
//! The best matching is found with the Hungarian algorithm ([`hungarian_min_cost`]) on the
//! negated contingency matrix. When the numbers of classes and clusters differ, only
//! `min(classes, clusters)` pairs are matched, and points in unmatched clusters count as wrong.
//!
//! # Example
//!
//! ```
//! use tae::metrics::{adjusted_rand_index, clustering_accuracy, normalized_mutual_info};
//!
//! # fn main() -> Result<(), tae::Error> {
//! let truth = [0, 0, 0, 1, 1, 1];
//! let predicted = [5, 5, 7, 7, 7, 7];
//!
//! // Cluster 5 matches class 0 (2 points) and cluster 7 matches class 1 (3 points).
//! let accuracy = clustering_accuracy(&truth, &predicted)?;
//! assert!((accuracy - 5.0 / 6.0).abs() < 1e-12);
//!
//! // S = 4, A = 6, B = 7, T = 15, so ARI = 2 (60 − 42) / (6·8 + 7·9) = 12/37.
//! let ari = adjusted_rand_index(&truth, &predicted)?;
//! assert!((ari - 12.0 / 37.0).abs() < 1e-12);
//!
//! let nmi = normalized_mutual_info(&truth, &predicted)?;
//! assert!(nmi > 0.0 && nmi < 1.0);
//! # Ok(())
//! # }
//! ```

use crate::error::{Error, Result};

/// Counts of points per (true class, predicted cluster) pair, stored sparsely.
///
/// Rows are the distinct true labels in ascending order ([`classes`](Self::classes)), and
/// columns are the distinct predicted labels in ascending order
/// ([`clusters`](Self::clusters)). Only nonzero counts are stored, so memory grows with the
/// number of points, not with the product of the numbers of classes and clusters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContingencyMatrix {
    classes: Vec<usize>,
    clusters: Vec<usize>,
    class_sizes: Vec<usize>,
    cluster_sizes: Vec<usize>,
    /// Nonzero cells in row-major order (by class index, then cluster index).
    cells: Vec<Cell>,
    n_points: usize,
}

/// One nonzero entry of a [`ContingencyMatrix`], addressed by dense row and column indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    class_index: usize,
    cluster_index: usize,
    count: usize,
}

impl ContingencyMatrix {
    /// Returns the distinct true labels in ascending order, which index the rows.
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }

    /// Returns the distinct predicted labels in ascending order, which index the columns.
    pub fn clusters(&self) -> &[usize] {
        &self.clusters
    }

    /// Returns the number of distinct true labels (rows).
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// Returns the number of distinct predicted labels (columns).
    pub fn n_clusters(&self) -> usize {
        self.clusters.len()
    }

    /// Returns the number of points, which is the sum of all counts.
    pub fn n_points(&self) -> usize {
        self.n_points
    }

    /// Returns the number of points in each true class, in the order of [`classes`](Self::classes).
    pub fn class_sizes(&self) -> &[usize] {
        &self.class_sizes
    }

    /// Returns the number of points in each predicted cluster, in the order of
    /// [`clusters`](Self::clusters).
    pub fn cluster_sizes(&self) -> &[usize] {
        &self.cluster_sizes
    }

    /// Returns the number of points with true label `class` and predicted label `cluster`.
    ///
    /// The arguments are label values, not row or column indices. The count is 0 when either
    /// label does not occur.
    pub fn count(&self, class: usize, cluster: usize) -> usize {
        let (Ok(class_index), Ok(cluster_index)) = (
            self.classes.binary_search(&class),
            self.clusters.binary_search(&cluster),
        ) else {
            return 0;
        };

        match self
            .cells
            .binary_search_by_key(&(class_index, cluster_index), |cell| {
                (cell.class_index, cell.cluster_index)
            }) {
            Ok(position) => self.cells[position].count,
            Err(_) => 0,
        }
    }

    /// Returns the nonzero counts as `(class, cluster, count)` triples of label values, sorted
    /// by class and then by cluster.
    pub fn nonzero_counts(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.cells.iter().map(|cell| {
            (
                self.classes[cell.class_index],
                self.clusters[cell.cluster_index],
                cell.count,
            )
        })
    }

    /// Builds the dense matrix, with one row per class in the order of
    /// [`classes`](Self::classes) and one column per cluster in the order of
    /// [`clusters`](Self::clusters).
    ///
    /// This allocates `n_classes · n_clusters` counts, which can be far more than the number of
    /// points, for example when one labelling puts every point in its own cluster.
    pub fn to_dense(&self) -> Vec<Vec<usize>> {
        let mut dense = vec![vec![0; self.clusters.len()]; self.classes.len()];
        for cell in &self.cells {
            dense[cell.class_index][cell.cluster_index] = cell.count;
        }
        dense
    }
}

/// Counts how many points fall in each (true class, predicted cluster) pair.
///
/// # Errors
///
/// [`Error::LengthMismatch`] when `predicted` and `truth` differ in length, and
/// [`Error::EmptyData`] when both are empty.
pub fn contingency_matrix(truth: &[usize], predicted: &[usize]) -> Result<ContingencyMatrix> {
    check_labels(truth, predicted)?;

    let classes = sorted_distinct(truth);
    let clusters = sorted_distinct(predicted);
    let class_indices = dense_indices(truth, &classes);
    let cluster_indices = dense_indices(predicted, &clusters);

    let mut class_sizes = vec![0; classes.len()];
    for &class_index in &class_indices {
        class_sizes[class_index] += 1;
    }
    let mut cluster_sizes = vec![0; clusters.len()];
    for &cluster_index in &cluster_indices {
        cluster_sizes[cluster_index] += 1;
    }

    let cells = if fits_dense_counting(classes.len(), clusters.len(), truth.len()) {
        count_cells_dense(
            &class_indices,
            &cluster_indices,
            classes.len(),
            clusters.len(),
        )
    } else {
        count_cells_sorted(&class_indices, &cluster_indices)
    };

    Ok(ContingencyMatrix {
        classes,
        clusters,
        class_sizes,
        cluster_sizes,
        cells,
        n_points: truth.len(),
    })
}

/// Rejects labellings of different lengths, then empty ones.
fn check_labels(truth: &[usize], predicted: &[usize]) -> Result<()> {
    if predicted.len() != truth.len() {
        return Err(Error::LengthMismatch {
            what: "predicted labels",
            expected: truth.len(),
            found: predicted.len(),
        });
    }
    if truth.is_empty() {
        return Err(Error::EmptyData {
            n_points: 0,
            dim: 1,
        });
    }
    Ok(())
}

fn sorted_distinct(labels: &[usize]) -> Vec<usize> {
    let mut distinct = labels.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct
}

/// Maps each label to its position in `distinct`, which must be sorted and contain every label.
fn dense_indices(labels: &[usize], distinct: &[usize]) -> Vec<usize> {
    labels
        .iter()
        .map(|&label| distinct.partition_point(|&value| value < label))
        .collect()
}

/// Returns `true` when a dense count table of `n_classes · n_clusters` entries is no larger than
/// the label arrays themselves or than a small fixed table, so that counting into it cannot blow
/// up memory. Beyond that, the sort-based count keeps memory linear in the number of points.
fn fits_dense_counting(n_classes: usize, n_clusters: usize, n_points: usize) -> bool {
    const SMALL_TABLE: usize = 1 << 16;
    match n_classes.checked_mul(n_clusters) {
        Some(table_len) => table_len <= n_points.max(SMALL_TABLE),
        None => false,
    }
}

fn count_cells_dense(
    class_indices: &[usize],
    cluster_indices: &[usize],
    n_classes: usize,
    n_clusters: usize,
) -> Vec<Cell> {
    let mut table = vec![0usize; n_classes * n_clusters];
    for (&class_index, &cluster_index) in class_indices.iter().zip(cluster_indices) {
        table[class_index * n_clusters + cluster_index] += 1;
    }

    table
        .iter()
        .enumerate()
        .filter(|&(_, &count)| count > 0)
        .map(|(position, &count)| Cell {
            class_index: position / n_clusters,
            cluster_index: position % n_clusters,
            count,
        })
        .collect()
}

fn count_cells_sorted(class_indices: &[usize], cluster_indices: &[usize]) -> Vec<Cell> {
    let mut pairs: Vec<(usize, usize)> = class_indices
        .iter()
        .copied()
        .zip(cluster_indices.iter().copied())
        .collect();
    pairs.sort_unstable();

    let mut cells: Vec<Cell> = Vec::new();
    for (class_index, cluster_index) in pairs {
        match cells.last_mut() {
            Some(last)
                if last.class_index == class_index && last.cluster_index == cluster_index =>
            {
                last.count += 1;
            }
            _ => cells.push(Cell {
                class_index,
                cluster_index,
                count: 1,
            }),
        }
    }
    cells
}

/// Computes the adjusted Rand index (Hubert–Arabie) between two labellings of the same points.
///
/// Returns 1 for identical partitions (whatever the label values), about 0 for independent
/// random labellings, and a negative value, down to −0.5, for labellings that agree less than
/// chance.
/// See the [module documentation](self) for the formula and the special cases.
///
/// # Errors
///
/// [`Error::LengthMismatch`] when `predicted` and `truth` differ in length, and
/// [`Error::EmptyData`] when both are empty.
pub fn adjusted_rand_index(truth: &[usize], predicted: &[usize]) -> Result<f64> {
    let contingency = contingency_matrix(truth, predicted)?;

    let pairs_in_both: u128 = contingency
        .cells
        .iter()
        .map(|cell| pair_count(cell.count))
        .sum();
    let pairs_in_classes: u128 = contingency
        .class_sizes
        .iter()
        .map(|&size| pair_count(size))
        .sum();
    let pairs_in_clusters: u128 = contingency
        .cluster_sizes
        .iter()
        .map(|&size| pair_count(size))
        .sum();
    let pairs_total = pair_count(contingency.n_points);

    Ok(ari_from_pair_counts(
        pairs_in_both,
        pairs_in_classes,
        pairs_in_clusters,
        pairs_total,
    ))
}

/// Returns `C(m, 2) = m (m − 1) / 2`, which is exact in `u128` for every `usize` value of `m`.
fn pair_count(m: usize) -> u128 {
    let m = m as u128;
    m * m.saturating_sub(1) / 2
}

/// Evaluates `2 (S·T − A·B) / (A (T − B) + B (T − A))` from the pair counts `S` (together in
/// both labellings), `A` (together in the true classes), `B` (together in the clusters) and `T`
/// (all pairs).
///
/// The products are exact in 128-bit integers at least while `T < 2^63`, that is for fewer than
/// about 4.3 billion points. Beyond that they fall back to `f64`, which can lose digits when `S·T` and
/// `A·B` nearly cancel.
fn ari_from_pair_counts(
    pairs_in_both: u128,
    pairs_in_classes: u128,
    pairs_in_clusters: u128,
    pairs_total: u128,
) -> f64 {
    // Same partition: no pair is split by one labelling and joined by the other.
    if pairs_in_classes == pairs_in_both && pairs_in_clusters == pairs_in_both {
        return 1.0;
    }

    if let Some(ari) = ari_exact(
        pairs_in_both,
        pairs_in_classes,
        pairs_in_clusters,
        pairs_total,
    ) {
        return ari;
    }

    let (both, classes, clusters, total) = (
        pairs_in_both as f64,
        pairs_in_classes as f64,
        pairs_in_clusters as f64,
        pairs_total as f64,
    );
    let numerator = 2.0 * (both * total - classes * clusters);
    let denominator = classes * (total - clusters) + clusters * (total - classes);
    numerator / denominator
}

/// Evaluates the [`ari_from_pair_counts`] formula in exact integers, and returns `None` when a
/// product overflows.
///
/// The denominator is positive here, because it is zero only when `A = B = S`, which is the
/// same-partition case that the caller handles.
fn ari_exact(
    pairs_in_both: u128,
    pairs_in_classes: u128,
    pairs_in_clusters: u128,
    pairs_total: u128,
) -> Option<f64> {
    let agreement = pairs_in_both.checked_mul(pairs_total)?;
    let chance = pairs_in_classes.checked_mul(pairs_in_clusters)?;
    let numerator = if agreement >= chance {
        i128::try_from(agreement - chance).ok()?
    } else {
        -i128::try_from(chance - agreement).ok()?
    };

    let denominator = pairs_in_classes
        .checked_mul(pairs_total - pairs_in_clusters)?
        .checked_add(pairs_in_clusters.checked_mul(pairs_total - pairs_in_classes)?)?;

    Some(2.0 * numerator as f64 / denominator as f64)
}

/// Computes the normalized mutual information between two labellings of the same points, with
/// arithmetic-mean normalisation `I(U; V) / ((H(U) + H(V)) / 2)`.
///
/// Returns a value in [0, 1]: 1 for identical partitions (whatever the label values) and 0 for
/// independent ones (every `n_ij = a_i · b_j / n`). When both sides have a single cluster the result is 1.0, and when exactly
/// one side does it is 0.0. See the [module documentation](self) for the formulas.
///
/// # Errors
///
/// [`Error::LengthMismatch`] when `predicted` and `truth` differ in length, and
/// [`Error::EmptyData`] when both are empty.
pub fn normalized_mutual_info(truth: &[usize], predicted: &[usize]) -> Result<f64> {
    let contingency = contingency_matrix(truth, predicted)?;

    // Neither labelling splits the data, so they agree perfectly.
    if contingency.n_classes() == 1 && contingency.n_clusters() == 1 {
        return Ok(1.0);
    }

    let mutual_info = mutual_information(&contingency);
    if mutual_info <= 0.0 {
        return Ok(0.0);
    }

    let n_points = contingency.n_points;
    let mean_entropy = (entropy(&contingency.class_sizes, n_points)
        + entropy(&contingency.cluster_sizes, n_points))
        / 2.0;
    if mean_entropy <= 0.0 {
        // Unreachable in exact arithmetic: I(U; V) > 0 needs both entropies above zero.
        return Ok(0.0);
    }

    Ok((mutual_info / mean_entropy).clamp(0.0, 1.0))
}

/// Computes `I(U; V)` in nats, clamped at 0 against rounding.
fn mutual_information(contingency: &ContingencyMatrix) -> f64 {
    let n_points = contingency.n_points as f64;
    let n_points_u128 = contingency.n_points as u128;

    let mut mutual_info = 0.0;
    for cell in &contingency.cells {
        // The ratio n·n_ij / (a_i·b_j) is formed from exact integer products, so that it is
        // exactly 1, and the term exactly 0, wherever the cell matches independence.
        let joint = cell.count as u128 * n_points_u128;
        let independent = contingency.class_sizes[cell.class_index] as u128
            * contingency.cluster_sizes[cell.cluster_index] as u128;
        let ratio = joint as f64 / independent as f64;
        mutual_info += (cell.count as f64 / n_points) * ratio.ln();
    }
    mutual_info.max(0.0)
}

/// Computes the entropy in nats of a partition with the given part sizes.
fn entropy(sizes: &[usize], n_points: usize) -> f64 {
    let n_points = n_points as f64;
    sizes
        .iter()
        .map(|&size| {
            let size = size as f64;
            (size / n_points) * (n_points / size).ln()
        })
        .sum()
}

/// One pair of the best one-to-one matching of predicted clusters to true classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterMatch {
    /// The predicted label.
    pub cluster: usize,
    /// The true label it is matched to.
    pub class: usize,
    /// Number of points with both labels, which count as correctly labelled. It can be 0.
    pub count: usize,
}

/// Finds the one-to-one matching of predicted clusters to true classes that maximizes the
/// number of points whose cluster is matched to their class.
///
/// Returns exactly `min(n_classes, n_clusters)` pairs, sorted by cluster label, so that every
/// cluster is matched when there are at least as many classes as clusters, and every class is
/// matched otherwise. A pair may have a count of 0 when nothing better is left. Among several
/// optimal matchings the choice is deterministic but unspecified.
///
/// The labels are first split into the connected components of the bipartite graph whose edges
/// are the nonzero counts, because a class and a cluster from different components share no
/// points. Each component is solved with [`hungarian_min_cost`] and, with `k ≤ K` labels on its
/// two sides, costs `O(k² · K)` time and `O(k · K)` memory. Labellings with many small
/// components, such as all singletons, therefore stay cheap.
///
/// # Errors
///
/// [`Error::LengthMismatch`] when `predicted` and `truth` differ in length, and
/// [`Error::EmptyData`] when both are empty.
pub fn best_matching(truth: &[usize], predicted: &[usize]) -> Result<Vec<ClusterMatch>> {
    let contingency = contingency_matrix(truth, predicted)?;
    let n_classes = contingency.n_classes();
    let n_clusters = contingency.n_clusters();

    let mut class_of_cluster: Vec<Option<(usize, usize)>> = vec![None; n_clusters];
    for component in connected_components(&contingency) {
        match_component(&component, &mut class_of_cluster)?;
    }

    // Complete the matching with zero-count pairs, taking free labels in ascending order.
    let mut class_is_matched = vec![false; n_classes];
    for &(class_index, _) in class_of_cluster.iter().flatten() {
        class_is_matched[class_index] = true;
    }
    let mut free_classes = (0..n_classes).filter(|&class_index| !class_is_matched[class_index]);
    for slot in class_of_cluster.iter_mut().filter(|slot| slot.is_none()) {
        match free_classes.next() {
            Some(class_index) => *slot = Some((class_index, 0)),
            None => break,
        }
    }

    let matching = class_of_cluster
        .iter()
        .enumerate()
        .filter_map(|(cluster_index, slot)| {
            slot.map(|(class_index, count)| ClusterMatch {
                cluster: contingency.clusters[cluster_index],
                class: contingency.classes[class_index],
                count,
            })
        })
        .collect();
    Ok(matching)
}

/// One connected component of the bipartite graph of nonzero contingency cells.
struct Component {
    /// Class indices of the whole matrix, ascending.
    class_indices: Vec<usize>,
    /// Cluster indices of the whole matrix, ascending.
    cluster_indices: Vec<usize>,
    /// The component's cells, with indices into `class_indices` and `cluster_indices`.
    cells: Vec<Cell>,
}

/// Groups classes and clusters that are linked through nonzero counts, with union–find.
///
/// Components come in the order of their smallest class index. Every label occurs at least
/// once, so every component has at least one class and one cluster.
fn connected_components(contingency: &ContingencyMatrix) -> Vec<Component> {
    let n_classes = contingency.n_classes();
    let n_clusters = contingency.n_clusters();

    // Nodes 0..n_classes are classes and the nodes after them are clusters.
    let mut parent: Vec<usize> = (0..n_classes + n_clusters).collect();
    for cell in &contingency.cells {
        let class_root = find_root(&mut parent, cell.class_index);
        let cluster_root = find_root(&mut parent, n_classes + cell.cluster_index);
        if class_root != cluster_root {
            parent[cluster_root] = class_root;
        }
    }

    let mut component_of_root = vec![usize::MAX; n_classes + n_clusters];
    let mut components: Vec<Component> = Vec::new();
    let mut local_class_index = vec![0usize; n_classes];
    for (class_index, local) in local_class_index.iter_mut().enumerate() {
        let root = find_root(&mut parent, class_index);
        if component_of_root[root] == usize::MAX {
            component_of_root[root] = components.len();
            components.push(Component {
                class_indices: Vec::new(),
                cluster_indices: Vec::new(),
                cells: Vec::new(),
            });
        }
        let component = &mut components[component_of_root[root]];
        *local = component.class_indices.len();
        component.class_indices.push(class_index);
    }

    let mut local_cluster_index = vec![0usize; n_clusters];
    for (cluster_index, local) in local_cluster_index.iter_mut().enumerate() {
        let root = find_root(&mut parent, n_classes + cluster_index);
        // Each cluster has a nonzero cell, so its root is also the root of a class.
        if let Some(component) = components.get_mut(component_of_root[root]) {
            *local = component.cluster_indices.len();
            component.cluster_indices.push(cluster_index);
        }
    }

    for cell in &contingency.cells {
        let root = find_root(&mut parent, cell.class_index);
        components[component_of_root[root]].cells.push(Cell {
            class_index: local_class_index[cell.class_index],
            cluster_index: local_cluster_index[cell.cluster_index],
            count: cell.count,
        });
    }
    components
}

/// Returns the root of `node`, halving the path on the way.
fn find_root(parent: &mut [usize], mut node: usize) -> usize {
    while parent[node] != node {
        parent[node] = parent[parent[node]];
        node = parent[node];
    }
    node
}

/// Solves the matching inside one component and writes `(class index, count)` for each matched
/// cluster into `class_of_cluster`.
fn match_component(
    component: &Component,
    class_of_cluster: &mut [Option<(usize, usize)>],
) -> Result<()> {
    // Rows are clusters and columns are classes.
    let n_rows = component.cluster_indices.len();
    let n_cols = component.class_indices.len();
    let mut counts = vec![0usize; n_rows * n_cols];
    for cell in &component.cells {
        counts[cell.cluster_index * n_cols + cell.class_index] = cell.count;
    }

    // Counts below 2^53 are exact in f64, so the minimum of the negated counts is exactly the
    // maximum total count.
    let cost: Vec<f64> = counts.iter().map(|&count| -(count as f64)).collect();
    let assignment = hungarian_min_cost(&cost, n_rows, n_cols)?;

    for (row, column) in assignment.into_iter().enumerate() {
        if let Some(column) = column {
            class_of_cluster[component.cluster_indices[row]] = Some((
                component.class_indices[column],
                counts[row * n_cols + column],
            ));
        }
    }
    Ok(())
}

/// Computes the clustering accuracy, which is the fraction of points whose predicted cluster is
/// matched to their true class under the best one-to-one matching ([`best_matching`]).
///
/// Returns a value in (0, 1]. Points in clusters left unmatched, because there are more clusters
/// than classes, count as wrong.
///
/// # Errors
///
/// [`Error::LengthMismatch`] when `predicted` and `truth` differ in length, and
/// [`Error::EmptyData`] when both are empty.
pub fn clustering_accuracy(truth: &[usize], predicted: &[usize]) -> Result<f64> {
    let matching = best_matching(truth, predicted)?;
    let n_correct: usize = matching.iter().map(|pair| pair.count).sum();
    Ok(n_correct as f64 / truth.len() as f64)
}

/// Solves the rectangular linear assignment problem, matching rows to distinct columns so that
/// the sum of the chosen costs is minimal.
///
/// `cost` is the `n_rows × n_cols` matrix in row-major order, so the cost of row `r` and column
/// `c` is `cost[r * n_cols + c]`. Exactly `min(n_rows, n_cols)` rows are assigned. The result
/// has one entry per row: `Some(column)`, or `None` for a row left out when there are more rows
/// than columns. Ties between optimal assignments are broken deterministically.
///
/// With integer-valued costs every step is exact while the sums stay below 2^53 in magnitude.
/// With other costs the total is minimal up to floating-point rounding.
///
/// The algorithm is the shortest-augmenting-path form of the Hungarian (Kuhn–Munkres) method,
/// with row and column potentials, as in Jonker–Volgenant solvers. It takes
/// `O(k² · K)` time and `O(K)` extra memory for `k = min(n_rows, n_cols)` and
/// `K = max(n_rows, n_cols)`. To maximize instead, pass the negated matrix.
///
/// # Errors
///
/// [`Error::LengthMismatch`] (with `what` set to `"cost matrix"`) when `cost.len()` is not
/// `n_rows · n_cols`, and [`Error::NonFiniteValue`] with the 0-based row and column of the first
/// NaN or infinite cost.
pub fn hungarian_min_cost(
    cost: &[f64],
    n_rows: usize,
    n_cols: usize,
) -> Result<Vec<Option<usize>>> {
    if n_rows.checked_mul(n_cols) != Some(cost.len()) {
        return Err(Error::LengthMismatch {
            what: "cost matrix",
            expected: n_rows.saturating_mul(n_cols),
            found: cost.len(),
        });
    }
    if let Some(position) = cost.iter().position(|value| !value.is_finite()) {
        return Err(Error::NonFiniteValue {
            row: position / n_cols,
            column: position % n_cols,
            value: cost[position],
        });
    }
    if n_rows == 0 || n_cols == 0 {
        return Ok(vec![None; n_rows]);
    }

    let scale = overflow_safe_scale(cost);
    if n_rows <= n_cols {
        let column_of_row = assign_rows_to_columns(
            |row, column| cost[row * n_cols + column] * scale,
            n_rows,
            n_cols,
        );
        Ok(column_of_row.into_iter().map(Some).collect())
    } else {
        // Solve the transposed problem, in which the original columns are the rows.
        let row_of_column = assign_rows_to_columns(
            |column, row| cost[row * n_cols + column] * scale,
            n_cols,
            n_rows,
        );
        let mut column_of_row = vec![None; n_rows];
        for (column, row) in row_of_column.into_iter().enumerate() {
            column_of_row[row] = Some(column);
        }
        Ok(column_of_row)
    }
}

/// Returns a power of two that brings the largest absolute cost down to at most 2^500.
///
/// Potentials are sums and differences of costs, so costs near `f64::MAX` could overflow to
/// infinity. Multiplying every cost by the same power of two is exact (except for results that
/// become subnormal) and does not change which assignment is optimal.
fn overflow_safe_scale(cost: &[f64]) -> f64 {
    let limit = 2f64.powi(500);
    let step = 2f64.powi(-64);
    let max_abs = cost.iter().fold(0.0f64, |max, value| max.max(value.abs()));

    let mut scale = 1.0;
    while max_abs * scale > limit {
        scale *= step;
    }
    scale
}

/// Assigns every row to a distinct column at minimum total cost and returns the column of each
/// row. The caller must ensure `1 ≤ n_rows ≤ n_cols` and finite costs.
///
/// Rows are added one at a time. For each new row, a Dijkstra-like search over reduced costs
/// `cost(r, c) − u[r] − v[c] ≥ 0` finds the cheapest augmenting path to a free column. The
/// potentials are then shifted so that reduced costs stay non-negative and are zero on every
/// assigned pair, and the path is flipped.
fn assign_rows_to_columns(
    cost: impl Fn(usize, usize) -> f64,
    n_rows: usize,
    n_cols: usize,
) -> Vec<usize> {
    // Rows and columns are 1-based below. Column 0 is a virtual column from which each search
    // starts, and row 0 in `row_of_column` marks a free column.
    let mut row_potential = vec![0.0f64; n_rows + 1];
    let mut column_potential = vec![0.0f64; n_cols + 1];
    let mut row_of_column = vec![0usize; n_cols + 1];
    let mut previous_column = vec![0usize; n_cols + 1];
    let mut min_reduced_cost = vec![f64::INFINITY; n_cols + 1];
    let mut visited = vec![false; n_cols + 1];

    for new_row in 1..=n_rows {
        row_of_column[0] = new_row;
        let mut column = 0;
        min_reduced_cost.fill(f64::INFINITY);
        visited.fill(false);

        // Grow the search tree until it reaches a free column.
        loop {
            visited[column] = true;
            let row = row_of_column[column];
            let mut delta = f64::INFINITY;
            let mut next_column = 0;

            for candidate in 1..=n_cols {
                if visited[candidate] {
                    continue;
                }
                let reduced =
                    cost(row - 1, candidate - 1) - row_potential[row] - column_potential[candidate];
                if reduced < min_reduced_cost[candidate] {
                    min_reduced_cost[candidate] = reduced;
                    previous_column[candidate] = column;
                }
                if min_reduced_cost[candidate] < delta {
                    delta = min_reduced_cost[candidate];
                    next_column = candidate;
                }
            }
            // An unvisited column always exists, because at most new_row − 1 ≤ n_cols − 1 columns
            // are assigned and only assigned columns are visited besides column 0. Its reduced
            // cost is finite because overflow_safe_scale keeps every sum far below f64::MAX. If
            // next_column stayed 0, this loop would never end.
            debug_assert!(
                next_column != 0,
                "no unvisited column with finite reduced cost"
            );

            for candidate in 0..=n_cols {
                if visited[candidate] {
                    row_potential[row_of_column[candidate]] += delta;
                    column_potential[candidate] -= delta;
                } else {
                    min_reduced_cost[candidate] -= delta;
                }
            }

            column = next_column;
            if row_of_column[column] == 0 {
                break;
            }
        }

        // Flip the augmenting path back to the virtual column.
        while column != 0 {
            let previous = previous_column[column];
            row_of_column[column] = row_of_column[previous];
            column = previous;
        }
    }

    let mut column_of_row = vec![0usize; n_rows];
    for (column, &row) in row_of_column.iter().enumerate().skip(1) {
        if row != 0 {
            column_of_row[row - 1] = column - 1;
        }
    }
    column_of_row
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values come from scikit-learn 1.9.1 and scipy 1.17.1 (numpy 2.4.6, Python
    // 3.11.7), printed with repr(). `t` and `p` in the comments are the truth and predicted
    // label lists of the test.

    const TOLERANCE: f64 = 1e-12;

    /// 20 points, 3 classes, 4 clusters.
    const TWENTY_TRUTH: [usize; 20] = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2];
    const TWENTY_PREDICTED: [usize; 20] =
        [0, 0, 0, 0, 1, 3, 0, 1, 1, 1, 2, 1, 0, 2, 2, 2, 3, 2, 3, 2];

    /// 9 points, 3 classes, 6 clusters.
    const MORE_CLUSTERS_TRUTH: [usize; 9] = [0, 0, 0, 1, 1, 1, 1, 2, 2];
    const MORE_CLUSTERS_PREDICTED: [usize; 9] = [0, 1, 1, 2, 2, 3, 3, 4, 5];

    /// 8 points, 4 classes, 2 clusters.
    const MORE_CLASSES_TRUTH: [usize; 8] = [0, 0, 1, 1, 2, 2, 3, 3];
    const MORE_CLASSES_PREDICTED: [usize; 8] = [0, 0, 0, 0, 1, 1, 1, 1];

    /// Labels that are neither contiguous nor starting at 0.
    const SPARSE_TRUTH: [usize; 6] = [100, 100, 7, 7, 7, 42];
    const SPARSE_PREDICTED: [usize; 6] = [3, 1000, 1000, 1000, 3, 3];

    fn assert_close(actual: f64, expected: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= TOLERANCE,
            "{what}: got {actual:?}, expected {expected:?}"
        );
    }

    /// 200,000 points: truth splits them into halves, predicted into even and odd positions.
    fn halves_and_parity() -> (Vec<usize>, Vec<usize>) {
        let n = 200_000;
        let truth = (0..n).map(|i| usize::from(i >= n / 2)).collect();
        let predicted = (0..n).map(|i| i % 2).collect();
        (truth, predicted)
    }

    /// 100,000 singletons on each side, relabelled by the bijection i ↦ 7919·i mod 100,000
    /// (7919 is prime and coprime to 100,000).
    fn permuted_singletons() -> (Vec<usize>, Vec<usize>) {
        let n = 100_000;
        let truth = (0..n).collect();
        let predicted = (0..n).map(|i| (i * 7919) % n).collect();
        (truth, predicted)
    }

    /// Knuth's MMIX linear congruential generator, for reproducible test data.
    struct Lcg(u64);

    impl Lcg {
        fn next_u64(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0
        }

        /// Uniform in [0, 1), from the top 53 bits.
        fn next_f64(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }

        /// Nearly uniform in 0..bound for small bounds, from the high bits, which have the
        /// longest period.
        fn below(&mut self, bound: usize) -> usize {
            ((self.next_u64() >> 33) % bound as u64) as usize
        }

        fn labels(&mut self, n: usize, n_labels: usize) -> Vec<usize> {
            (0..n).map(|_| self.below(n_labels)).collect()
        }
    }

    // ---- contingency matrix ----

    #[test]
    fn contingency_matches_sklearn_on_sparse_labels() {
        // scikit-learn 1.9.1: contingency_matrix(SPARSE_TRUTH, SPARSE_PREDICTED) printed
        // [[1, 2], [1, 0], [1, 1]], with rows for classes 7, 42, 100 and columns for clusters
        // 3, 1000.
        let contingency = contingency_matrix(&SPARSE_TRUTH, &SPARSE_PREDICTED).unwrap();

        assert_eq!(contingency.classes(), &[7, 42, 100]);
        assert_eq!(contingency.clusters(), &[3, 1000]);
        assert_eq!(
            contingency.to_dense(),
            vec![vec![1, 2], vec![1, 0], vec![1, 1]]
        );
        assert_eq!(contingency.class_sizes(), &[3, 1, 2]);
        assert_eq!(contingency.cluster_sizes(), &[3, 3]);
        assert_eq!(contingency.n_classes(), 3);
        assert_eq!(contingency.n_clusters(), 2);
        assert_eq!(contingency.n_points(), 6);
    }

    #[test]
    fn contingency_count_takes_label_values() {
        let contingency = contingency_matrix(&SPARSE_TRUTH, &SPARSE_PREDICTED).unwrap();

        assert_eq!(contingency.count(7, 1000), 2);
        assert_eq!(contingency.count(100, 3), 1);
        assert_eq!(contingency.count(42, 1000), 0);
        assert_eq!(
            contingency.count(8, 3),
            0,
            "class label that does not occur"
        );
        assert_eq!(
            contingency.count(7, 4),
            0,
            "cluster label that does not occur"
        );
    }

    #[test]
    fn contingency_nonzero_counts_are_sorted() {
        let contingency = contingency_matrix(&SPARSE_TRUTH, &SPARSE_PREDICTED).unwrap();
        let nonzero: Vec<_> = contingency.nonzero_counts().collect();

        assert_eq!(
            nonzero,
            vec![
                (7, 3, 1),
                (7, 1000, 2),
                (42, 3, 1),
                (100, 3, 1),
                (100, 1000, 1)
            ]
        );
    }

    #[test]
    fn contingency_dense_and_sorted_counts_agree() {
        let mut rng = Lcg(17);
        for n_labels in [1, 2, 5, 40] {
            let truth = rng.labels(300, n_labels);
            let predicted = rng.labels(300, n_labels + 3);
            let classes = sorted_distinct(&truth);
            let clusters = sorted_distinct(&predicted);
            let class_indices = dense_indices(&truth, &classes);
            let cluster_indices = dense_indices(&predicted, &clusters);

            let dense = count_cells_dense(
                &class_indices,
                &cluster_indices,
                classes.len(),
                clusters.len(),
            );
            let sorted = count_cells_sorted(&class_indices, &cluster_indices);

            assert_eq!(dense, sorted, "{n_labels} labels");
        }
    }

    #[test]
    fn contingency_counts_sum_to_label_counts() {
        let mut rng = Lcg(5);
        let truth = rng.labels(500, 6);
        let predicted = rng.labels(500, 9);
        let contingency = contingency_matrix(&truth, &predicted).unwrap();

        for (row, &class) in contingency.classes().iter().enumerate() {
            let expected = truth.iter().filter(|&&label| label == class).count();
            let row_sum: usize = contingency.to_dense()[row].iter().sum();
            assert_eq!(row_sum, expected, "class {class}");
        }
        let total: usize = contingency
            .nonzero_counts()
            .map(|(_, _, count)| count)
            .sum();
        assert_eq!(total, 500);
    }

    // ---- adjusted Rand index ----

    #[test]
    fn ari_matches_sklearn_on_identical_labels() {
        // scikit-learn 1.9.1: adjusted_rand_score([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2]) = 1.0
        let labels = [0, 0, 1, 1, 2, 2];
        assert_close(adjusted_rand_index(&labels, &labels).unwrap(), 1.0, "ARI");
    }

    #[test]
    fn ari_matches_sklearn_on_permuted_labels() {
        // scikit-learn 1.9.1: adjusted_rand_score([0, 0, 1, 1, 2, 2, 2], [5, 5, 9, 9, 1, 1, 1])
        // = 1.0
        let ari = adjusted_rand_index(&[0, 0, 1, 1, 2, 2, 2], &[5, 5, 9, 9, 1, 1, 1]).unwrap();
        assert_close(ari, 1.0, "ARI");
    }

    #[test]
    fn ari_matches_sklearn_on_twenty_points() {
        // scikit-learn 1.9.1: adjusted_rand_score(TWENTY_TRUTH, TWENTY_PREDICTED)
        // = 0.38005390835579517
        let ari = adjusted_rand_index(&TWENTY_TRUTH, &TWENTY_PREDICTED).unwrap();
        assert_close(ari, 0.38005390835579517, "ARI");
    }

    #[test]
    fn ari_matches_sklearn_with_more_clusters() {
        // scikit-learn 1.9.1: adjusted_rand_score(MORE_CLUSTERS_TRUTH, MORE_CLUSTERS_PREDICTED)
        // = 0.38235294117647056
        let ari = adjusted_rand_index(&MORE_CLUSTERS_TRUTH, &MORE_CLUSTERS_PREDICTED).unwrap();
        assert_close(ari, 0.38235294117647056, "ARI");
    }

    #[test]
    fn ari_matches_sklearn_with_more_classes() {
        // scikit-learn 1.9.1: adjusted_rand_score(MORE_CLASSES_TRUTH, MORE_CLASSES_PREDICTED)
        // = 0.36363636363636365
        let ari = adjusted_rand_index(&MORE_CLASSES_TRUTH, &MORE_CLASSES_PREDICTED).unwrap();
        assert_close(ari, 0.36363636363636365, "ARI");
    }

    #[test]
    fn ari_matches_sklearn_on_single_clusters() {
        // scikit-learn 1.9.1:
        //   adjusted_rand_score([3, 3, 3, 3], [7, 7, 7, 7]) = 1.0
        //   adjusted_rand_score([0, 0, 0, 0], [0, 1, 2, 3]) = 0.0
        //   adjusted_rand_score([0, 0, 1, 1, 2], [4, 4, 4, 4, 4]) = 0.0
        let both = adjusted_rand_index(&[3, 3, 3, 3], &[7, 7, 7, 7]).unwrap();
        let truth_only = adjusted_rand_index(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap();
        let predicted_only = adjusted_rand_index(&[0, 0, 1, 1, 2], &[4, 4, 4, 4, 4]).unwrap();

        assert_close(both, 1.0, "both single-cluster");
        assert_close(truth_only, 0.0, "truth single-cluster");
        assert_close(predicted_only, 0.0, "predicted single-cluster");
    }

    #[test]
    fn ari_matches_sklearn_on_singletons() {
        // scikit-learn 1.9.1: adjusted_rand_score([0, 1, 2, 3], [3, 2, 1, 0]) = 1.0
        let ari = adjusted_rand_index(&[0, 1, 2, 3], &[3, 2, 1, 0]).unwrap();
        assert_close(ari, 1.0, "ARI");
    }

    #[test]
    fn ari_matches_sklearn_on_one_point() {
        // scikit-learn 1.9.1: adjusted_rand_score([5], [8]) = 1.0
        assert_close(adjusted_rand_index(&[5], &[8]).unwrap(), 1.0, "ARI");
    }

    #[test]
    fn ari_matches_sklearn_on_crossed_labels() {
        // scikit-learn 1.9.1: adjusted_rand_score([0, 0, 1, 1], [0, 1, 0, 1]) = -0.5
        let ari = adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap();
        assert_close(ari, -0.5, "ARI");
    }

    #[test]
    fn ari_matches_sklearn_on_sparse_labels() {
        // scikit-learn 1.9.1: adjusted_rand_score(SPARSE_TRUTH, SPARSE_PREDICTED)
        // = -0.17647058823529413
        let ari = adjusted_rand_index(&SPARSE_TRUTH, &SPARSE_PREDICTED).unwrap();
        assert_close(ari, -0.17647058823529413, "ARI");
    }

    #[test]
    fn ari_matches_sklearn_on_large_input() {
        // scikit-learn 1.9.1 on halves_and_parity(): adjusted_rand_score = -5.000050000500005e-06.
        // Python's fractions.Fraction on the same pair counts gives exactly -1/199998. The pair
        // counts exceed 2^32, so 32-bit arithmetic would overflow.
        let (truth, predicted) = halves_and_parity();
        let ari = adjusted_rand_index(&truth, &predicted).unwrap();

        assert_close(ari, -5.000050000500005e-06, "ARI");
        assert_close(ari, -1.0 / 199_998.0, "ARI as exact fraction");
    }

    #[test]
    fn ari_of_permuted_singletons_is_one() {
        // scikit-learn 1.9.1 on permuted_singletons(): adjusted_rand_score = 1.0
        let (truth, predicted) = permuted_singletons();
        assert_close(adjusted_rand_index(&truth, &predicted).unwrap(), 1.0, "ARI");
    }

    #[test]
    fn ari_agrees_with_expected_index_form() {
        // Evaluates (S − A·B/T) / ((A + B)/2 − A·B/T) directly in f64 as a second derivation.
        let mut rng = Lcg(3);
        for trial in 0..40 {
            let truth = rng.labels(60, 2 + trial % 5);
            let predicted = rng.labels(60, 1 + trial % 7);
            let contingency = contingency_matrix(&truth, &predicted).unwrap();
            let pairs = |m: usize| (m * m.saturating_sub(1)) as f64 / 2.0;
            let both: f64 = contingency
                .nonzero_counts()
                .map(|(_, _, count)| pairs(count))
                .sum();
            let classes: f64 = contingency
                .class_sizes()
                .iter()
                .map(|&size| pairs(size))
                .sum();
            let clusters: f64 = contingency
                .cluster_sizes()
                .iter()
                .map(|&size| pairs(size))
                .sum();
            let expected_index = classes * clusters / pairs(60);
            let max_index = (classes + clusters) / 2.0;
            if max_index == expected_index {
                continue;
            }
            let textbook = (both - expected_index) / (max_index - expected_index);

            let ari = adjusted_rand_index(&truth, &predicted).unwrap();
            assert!(
                (ari - textbook).abs() < 1e-12,
                "trial {trial}: {ari} vs {textbook}"
            );
        }
    }

    #[test]
    fn ari_is_symmetric() {
        let mut rng = Lcg(11);
        for trial in 0..20 {
            let truth = rng.labels(50, 4);
            let predicted = rng.labels(50, 6);
            let forward = adjusted_rand_index(&truth, &predicted).unwrap();
            let backward = adjusted_rand_index(&predicted, &truth).unwrap();
            assert_eq!(forward, backward, "trial {trial}");
        }
    }

    #[test]
    fn ari_float_fallback_matches_exact_path() {
        // Multiplying all four pair counts by k multiplies numerator and denominator by k², so
        // the ARI is unchanged. With k = 2^70 the products overflow u128 and the f64 path runs.
        let (both, classes, clusters, total) = (8u128, 18u128, 17u128, 45u128);
        let exact = ari_exact(both, classes, clusters, total).unwrap();
        let k = 1u128 << 70;

        assert!(ari_exact(both * k, classes * k, clusters * k, total * k).is_none());
        let fallback = ari_from_pair_counts(both * k, classes * k, clusters * k, total * k);
        assert_close(fallback, exact, "ARI from the f64 path");
    }

    // ---- normalized mutual information ----

    #[test]
    fn nmi_matches_sklearn_on_identical_labels() {
        // scikit-learn 1.9.1: normalized_mutual_info_score([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2])
        // = 1.0
        let labels = [0, 0, 1, 1, 2, 2];
        assert_close(
            normalized_mutual_info(&labels, &labels).unwrap(),
            1.0,
            "NMI",
        );
    }

    #[test]
    fn nmi_matches_sklearn_on_permuted_labels() {
        // scikit-learn 1.9.1:
        // normalized_mutual_info_score([0, 0, 1, 1, 2, 2, 2], [5, 5, 9, 9, 1, 1, 1]) = 1.0
        let nmi = normalized_mutual_info(&[0, 0, 1, 1, 2, 2, 2], &[5, 5, 9, 9, 1, 1, 1]).unwrap();
        assert_close(nmi, 1.0, "NMI");
    }

    #[test]
    fn nmi_matches_sklearn_on_twenty_points() {
        // scikit-learn 1.9.1: normalized_mutual_info_score(TWENTY_TRUTH, TWENTY_PREDICTED)
        // = 0.4940845038735757
        let nmi = normalized_mutual_info(&TWENTY_TRUTH, &TWENTY_PREDICTED).unwrap();
        assert_close(nmi, 0.4940845038735757, "NMI");
    }

    #[test]
    fn nmi_matches_sklearn_with_more_clusters() {
        // scikit-learn 1.9.1:
        // normalized_mutual_info_score(MORE_CLUSTERS_TRUTH, MORE_CLUSTERS_PREDICTED)
        // = 0.7588435221714448
        let nmi = normalized_mutual_info(&MORE_CLUSTERS_TRUTH, &MORE_CLUSTERS_PREDICTED).unwrap();
        assert_close(nmi, 0.7588435221714448, "NMI");
    }

    #[test]
    fn nmi_matches_sklearn_with_more_classes() {
        // scikit-learn 1.9.1:
        // normalized_mutual_info_score(MORE_CLASSES_TRUTH, MORE_CLASSES_PREDICTED)
        // = 0.666666666666667
        let nmi = normalized_mutual_info(&MORE_CLASSES_TRUTH, &MORE_CLASSES_PREDICTED).unwrap();
        assert_close(nmi, 0.666666666666667, "NMI");
    }

    #[test]
    fn nmi_matches_sklearn_on_single_clusters() {
        // scikit-learn 1.9.1:
        //   normalized_mutual_info_score([3, 3, 3, 3], [7, 7, 7, 7]) = 1.0
        //   normalized_mutual_info_score([0, 0, 0, 0], [0, 1, 2, 3]) = 0.0
        //   normalized_mutual_info_score([0, 0, 1, 1, 2], [4, 4, 4, 4, 4]) = 0.0
        let both = normalized_mutual_info(&[3, 3, 3, 3], &[7, 7, 7, 7]).unwrap();
        let truth_only = normalized_mutual_info(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap();
        let predicted_only = normalized_mutual_info(&[0, 0, 1, 1, 2], &[4, 4, 4, 4, 4]).unwrap();

        assert_close(both, 1.0, "both single-cluster");
        assert_eq!(truth_only, 0.0, "truth single-cluster");
        assert_eq!(predicted_only, 0.0, "predicted single-cluster");
    }

    #[test]
    fn nmi_matches_sklearn_on_singletons() {
        // scikit-learn 1.9.1: normalized_mutual_info_score([0, 1, 2, 3], [3, 2, 1, 0]) = 1.0
        let nmi = normalized_mutual_info(&[0, 1, 2, 3], &[3, 2, 1, 0]).unwrap();
        assert_close(nmi, 1.0, "NMI");
    }

    #[test]
    fn nmi_matches_sklearn_on_one_point() {
        // scikit-learn 1.9.1: normalized_mutual_info_score([5], [8]) = 1.0
        assert_close(normalized_mutual_info(&[5], &[8]).unwrap(), 1.0, "NMI");
    }

    #[test]
    fn nmi_matches_sklearn_on_crossed_labels() {
        // scikit-learn 1.9.1: normalized_mutual_info_score([0, 0, 1, 1], [0, 1, 0, 1]) = 0.0
        let nmi = normalized_mutual_info(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap();
        assert_eq!(nmi, 0.0);
    }

    #[test]
    fn nmi_matches_sklearn_on_sparse_labels() {
        // scikit-learn 1.9.1: normalized_mutual_info_score(SPARSE_TRUTH, SPARSE_PREDICTED)
        // = 0.1687728893431364
        let nmi = normalized_mutual_info(&SPARSE_TRUTH, &SPARSE_PREDICTED).unwrap();
        assert_close(nmi, 0.1687728893431364, "NMI");
    }

    #[test]
    fn nmi_matches_sklearn_on_large_input() {
        // scikit-learn 1.9.1 on halves_and_parity(): normalized_mutual_info_score = 0.0, because
        // every cell contains exactly a quarter of the points.
        let (truth, predicted) = halves_and_parity();
        assert_eq!(normalized_mutual_info(&truth, &predicted).unwrap(), 0.0);
    }

    #[test]
    fn nmi_of_permuted_singletons_is_one() {
        // scikit-learn 1.9.1 on permuted_singletons(): normalized_mutual_info_score = 1.0
        let (truth, predicted) = permuted_singletons();
        assert_close(
            normalized_mutual_info(&truth, &predicted).unwrap(),
            1.0,
            "NMI",
        );
    }

    #[test]
    fn nmi_is_symmetric() {
        let mut rng = Lcg(13);
        for trial in 0..20 {
            let truth = rng.labels(50, 3);
            let predicted = rng.labels(50, 5);
            let forward = normalized_mutual_info(&truth, &predicted).unwrap();
            let backward = normalized_mutual_info(&predicted, &truth).unwrap();
            assert!((forward - backward).abs() < TOLERANCE, "trial {trial}");
        }
    }

    // ---- clustering accuracy and best matching ----
    //
    // The accuracy references are linear_sum_assignment(contingency_matrix(t, p),
    // maximize=True) from scipy 1.17.1, with the matched counts summed and divided by len(t).

    #[test]
    fn accuracy_matches_scipy_on_identical_labels() {
        // scipy 1.17.1: matched 6 of 6 points for t = p = [0, 0, 1, 1, 2, 2]
        let labels = [0, 0, 1, 1, 2, 2];
        assert_close(
            clustering_accuracy(&labels, &labels).unwrap(),
            1.0,
            "accuracy",
        );
    }

    #[test]
    fn accuracy_matches_scipy_on_permuted_labels() {
        // scipy 1.17.1: matched 7 of 7 points for t = [0, 0, 1, 1, 2, 2, 2],
        // p = [5, 5, 9, 9, 1, 1, 1]
        let accuracy = clustering_accuracy(&[0, 0, 1, 1, 2, 2, 2], &[5, 5, 9, 9, 1, 1, 1]).unwrap();
        assert_close(accuracy, 1.0, "accuracy");
    }

    #[test]
    fn accuracy_matches_scipy_on_twenty_points() {
        // scipy 1.17.1: matched 14 of 20 points (accuracy 0.7) for TWENTY_TRUTH, TWENTY_PREDICTED
        let accuracy = clustering_accuracy(&TWENTY_TRUTH, &TWENTY_PREDICTED).unwrap();
        assert_close(accuracy, 0.7, "accuracy");
    }

    #[test]
    fn accuracy_matches_scipy_with_more_clusters() {
        // scipy 1.17.1: matched 5 of 9 points (accuracy 0.5555555555555556) for
        // MORE_CLUSTERS_TRUTH, MORE_CLUSTERS_PREDICTED
        let accuracy = clustering_accuracy(&MORE_CLUSTERS_TRUTH, &MORE_CLUSTERS_PREDICTED).unwrap();
        assert_close(accuracy, 0.5555555555555556, "accuracy");
    }

    #[test]
    fn accuracy_matches_scipy_with_more_classes() {
        // scipy 1.17.1: matched 4 of 8 points (accuracy 0.5) for MORE_CLASSES_TRUTH,
        // MORE_CLASSES_PREDICTED
        let accuracy = clustering_accuracy(&MORE_CLASSES_TRUTH, &MORE_CLASSES_PREDICTED).unwrap();
        assert_close(accuracy, 0.5, "accuracy");
    }

    #[test]
    fn accuracy_matches_scipy_on_single_clusters() {
        // scipy 1.17.1:
        //   t = [3, 3, 3, 3], p = [7, 7, 7, 7]: matched 4 of 4 (1.0)
        //   t = [0, 0, 0, 0], p = [0, 1, 2, 3]: matched 1 of 4 (0.25)
        //   t = [0, 0, 1, 1, 2], p = [4, 4, 4, 4, 4]: matched 2 of 5 (0.4)
        let both = clustering_accuracy(&[3, 3, 3, 3], &[7, 7, 7, 7]).unwrap();
        let truth_only = clustering_accuracy(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap();
        let predicted_only = clustering_accuracy(&[0, 0, 1, 1, 2], &[4, 4, 4, 4, 4]).unwrap();

        assert_close(both, 1.0, "both single-cluster");
        assert_close(truth_only, 0.25, "truth single-cluster");
        assert_close(predicted_only, 0.4, "predicted single-cluster");
    }

    #[test]
    fn accuracy_matches_scipy_on_singletons() {
        // scipy 1.17.1: matched 4 of 4 points for t = [0, 1, 2, 3], p = [3, 2, 1, 0]
        let accuracy = clustering_accuracy(&[0, 1, 2, 3], &[3, 2, 1, 0]).unwrap();
        assert_close(accuracy, 1.0, "accuracy");
    }

    #[test]
    fn accuracy_matches_scipy_on_crossed_labels() {
        // scipy 1.17.1: matched 2 of 4 points for t = [0, 0, 1, 1], p = [0, 1, 0, 1]
        let accuracy = clustering_accuracy(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap();
        assert_close(accuracy, 0.5, "accuracy");
    }

    #[test]
    fn accuracy_matches_scipy_on_sparse_labels() {
        // scipy 1.17.1: matched 3 of 6 points for SPARSE_TRUTH, SPARSE_PREDICTED
        let accuracy = clustering_accuracy(&SPARSE_TRUTH, &SPARSE_PREDICTED).unwrap();
        assert_close(accuracy, 0.5, "accuracy");
    }

    #[test]
    fn accuracy_matches_scipy_on_large_input() {
        // scipy 1.17.1 on halves_and_parity(): matched 100,000 of 200,000 points (0.5)
        let (truth, predicted) = halves_and_parity();
        assert_close(
            clustering_accuracy(&truth, &predicted).unwrap(),
            0.5,
            "accuracy",
        );
    }

    #[test]
    fn accuracy_of_permuted_singletons_is_one() {
        // Predicted is a bijection of truth, so every point can be matched. A dense
        // 100,000 × 100,000 cost matrix of f64 would take 80 GB, so this also checks that the
        // matching is solved per component.
        let (truth, predicted) = permuted_singletons();
        assert_close(
            clustering_accuracy(&truth, &predicted).unwrap(),
            1.0,
            "accuracy",
        );
    }

    #[test]
    fn accuracy_ignores_label_values() {
        let mut rng = Lcg(23);
        let truth = rng.labels(80, 4);
        let predicted = rng.labels(80, 5);
        let renamed: Vec<usize> = predicted.iter().map(|&label| 1000 - 7 * label).collect();

        let original = clustering_accuracy(&truth, &predicted).unwrap();
        let relabelled = clustering_accuracy(&truth, &renamed).unwrap();
        assert_eq!(original, relabelled);
    }

    #[test]
    fn best_matching_on_twenty_points() {
        // scipy 1.17.1: linear_sum_assignment(contingency_matrix(TWENTY_TRUTH, TWENTY_PREDICTED),
        // maximize=True) pairs classes [0, 1, 2] with clusters [0, 1, 2], and cluster 3 stays
        // unmatched.
        let matching = best_matching(&TWENTY_TRUTH, &TWENTY_PREDICTED).unwrap();

        assert_eq!(
            matching,
            vec![
                ClusterMatch {
                    cluster: 0,
                    class: 0,
                    count: 5
                },
                ClusterMatch {
                    cluster: 1,
                    class: 1,
                    count: 4
                },
                ClusterMatch {
                    cluster: 2,
                    class: 2,
                    count: 5
                },
            ]
        );
    }

    #[test]
    fn best_matching_fills_in_zero_count_pairs() {
        // Two components: {class 0; clusters 0, 1} and {classes 1, 2; cluster 2}. Each matches
        // one pair, and the free cluster and class are then paired with a count of 0.
        // scipy 1.17.1 on the dense matrix also matches 2 of 4 points.
        let truth = [0, 0, 1, 2];
        let predicted = [0, 1, 2, 2];
        let matching = best_matching(&truth, &predicted).unwrap();

        assert_eq!(matching.len(), 3);
        let mut clusters: Vec<usize> = matching.iter().map(|pair| pair.cluster).collect();
        let mut classes: Vec<usize> = matching.iter().map(|pair| pair.class).collect();
        clusters.sort_unstable();
        classes.sort_unstable();
        assert_eq!(clusters, vec![0, 1, 2], "every cluster is matched once");
        assert_eq!(classes, vec![0, 1, 2], "every class is matched once");
        let total: usize = matching.iter().map(|pair| pair.count).sum();
        assert_eq!(total, 2);
        for pair in &matching {
            let contingency = contingency_matrix(&truth, &predicted).unwrap();
            assert_eq!(
                pair.count,
                contingency.count(pair.class, pair.cluster),
                "{pair:?}"
            );
        }
    }

    #[test]
    fn best_matching_agrees_with_dense_solve() {
        // Solving each component apart must give the same total as one dense assignment.
        let mut rng = Lcg(29);
        for trial in 0..30 {
            // Few points over many labels leaves several components.
            let truth = rng.labels(12, 6 + trial % 4);
            let predicted = rng.labels(12, 5 + trial % 6);
            let contingency = contingency_matrix(&truth, &predicted).unwrap();
            let dense = contingency.to_dense();
            let n_rows = contingency.n_classes();
            let n_cols = contingency.n_clusters();
            let cost: Vec<f64> = dense
                .iter()
                .flatten()
                .map(|&count| -(count as f64))
                .collect();
            let assignment = hungarian_min_cost(&cost, n_rows, n_cols).unwrap();
            let dense_total: usize = assignment
                .iter()
                .enumerate()
                .filter_map(|(row, column)| column.map(|column| dense[row][column]))
                .sum();

            let matching = best_matching(&truth, &predicted).unwrap();
            let total: usize = matching.iter().map(|pair| pair.count).sum();
            assert_eq!(total, dense_total, "trial {trial}");
            assert_eq!(matching.len(), n_rows.min(n_cols), "trial {trial}");
        }
    }

    // ---- Hungarian solver ----

    /// Checks that `assignment` is a valid assignment and returns its total cost.
    fn assignment_cost(
        cost: &[f64],
        n_rows: usize,
        n_cols: usize,
        assignment: &[Option<usize>],
    ) -> f64 {
        assert_eq!(assignment.len(), n_rows, "one entry per row");
        let assigned: Vec<usize> = assignment.iter().flatten().copied().collect();
        assert_eq!(assigned.len(), n_rows.min(n_cols), "rows assigned");
        let mut distinct = assigned.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), assigned.len(), "columns are distinct");
        assert!(
            assigned.iter().all(|&column| column < n_cols),
            "columns in range"
        );

        assignment
            .iter()
            .enumerate()
            .filter_map(|(row, column)| column.map(|column| cost[row * n_cols + column]))
            .sum()
    }

    /// Minimum total cost over every injective map from the smaller side to the larger.
    fn brute_force_min_cost(cost: &[f64], n_rows: usize, n_cols: usize) -> f64 {
        fn search(
            cost: &dyn Fn(usize, usize) -> f64,
            row: usize,
            n_small: usize,
            n_large: usize,
            used: &mut [bool],
        ) -> f64 {
            if row == n_small {
                return 0.0;
            }
            let mut best = f64::INFINITY;
            for column in 0..n_large {
                if used[column] {
                    continue;
                }
                used[column] = true;
                let total = cost(row, column) + search(cost, row + 1, n_small, n_large, used);
                used[column] = false;
                best = best.min(total);
            }
            best
        }

        if n_rows <= n_cols {
            let entry = |row: usize, column: usize| cost[row * n_cols + column];
            search(&entry, 0, n_rows, n_cols, &mut vec![false; n_cols])
        } else {
            let entry = |column: usize, row: usize| cost[row * n_cols + column];
            search(&entry, 0, n_cols, n_rows, &mut vec![false; n_rows])
        }
    }

    #[test]
    fn hungarian_takes_distinct_row_minima() {
        // Each row minimum sits in a different column, so the optimum is 3 + 2 + 1 = 6.
        let cost = [
            7.0, 3.0, 9.0, //
            2.0, 8.0, 6.0, //
            5.0, 4.0, 1.0,
        ];
        let assignment = hungarian_min_cost(&cost, 3, 3).unwrap();
        assert_eq!(assignment, vec![Some(1), Some(0), Some(2)]);
    }

    #[test]
    fn hungarian_beats_greedy_choice() {
        // Greedy takes row 0 → column 0 (1) and is left with 100. The optimum is 2 + 1 = 3.
        let cost = [
            1.0, 2.0, //
            1.0, 100.0,
        ];
        let assignment = hungarian_min_cost(&cost, 2, 2).unwrap();
        assert_eq!(assignment, vec![Some(1), Some(0)]);
    }

    #[test]
    fn hungarian_solves_wide_matrix() {
        // 2 × 3: row 0 → column 1 (1) and row 1 → column 0 (4) cost 5. The other choices cost
        // at least 7.
        let cost = [
            5.0, 1.0, 9.0, //
            4.0, 2.0, 8.0,
        ];
        let assignment = hungarian_min_cost(&cost, 2, 3).unwrap();
        assert_eq!(assignment, vec![Some(1), Some(0)]);
    }

    #[test]
    fn hungarian_leaves_row_out_of_tall_matrix() {
        // 3 × 2: row 1 → column 0 (1) and row 2 → column 1 (2) cost 3, so row 0 is left out.
        let cost = [
            3.0, 9.0, //
            1.0, 7.0, //
            8.0, 2.0,
        ];
        let assignment = hungarian_min_cost(&cost, 3, 2).unwrap();
        assert_eq!(assignment, vec![None, Some(0), Some(1)]);
    }

    #[test]
    fn hungarian_handles_negative_costs() {
        let cost = [
            -5.0, 0.0, //
            0.0, -5.0,
        ];
        let assignment = hungarian_min_cost(&cost, 2, 2).unwrap();
        assert_eq!(assignment, vec![Some(0), Some(1)]);
    }

    #[test]
    fn hungarian_handles_costs_near_f64_max() {
        // Without the rescaling in hungarian_min_cost, reduced costs such as
        // 1.7e308 − (−1.7e308) overflow to infinity: the first matrix then produces NaN and the
        // second a wrong assignment.
        let matrices = [
            [
                1.7e308, -1.7e308, 1e308, //
                -1e308, 1.7e308, 1e308, //
                0.0, -1e308, 1.7e308,
            ],
            [
                1e308, 0.0, 1e308, //
                -1.7e308, 1.7e308, 5e307, //
                -1e308, 5e307, 1.7e308,
            ],
        ];
        for (index, cost) in matrices.iter().enumerate() {
            let assignment = hungarian_min_cost(cost, 3, 3).unwrap();

            // Compare on a copy scaled by 2^-600, which is exact and keeps the sums finite.
            let scaled: Vec<f64> = cost.iter().map(|value| value * 2f64.powi(-600)).collect();
            let total = assignment_cost(&scaled, 3, 3, &assignment);
            let best = brute_force_min_cost(&scaled, 3, 3);
            assert!(
                (total - best).abs() <= 1e-12 * best.abs(),
                "matrix {index}: {assignment:?} costs {total}, optimum {best}"
            );
        }
    }

    #[test]
    fn hungarian_matches_brute_force_near_f64_max() {
        let values = [f64::MAX, -f64::MAX, 1e308, -1e308, 5e307, -5e307, 1.0, 0.0];
        let mut rng = Lcg(31);
        for trial in 0..2000 {
            let (n_rows, n_cols) = [(3, 3), (4, 4), (3, 5), (5, 3)][trial % 4];
            let cost: Vec<f64> = (0..n_rows * n_cols)
                .map(|_| values[rng.below(values.len())])
                .collect();
            let assignment = hungarian_min_cost(&cost, n_rows, n_cols).unwrap();

            // Compare on a copy scaled by 2^-600, which is exact and keeps the sums finite.
            let scaled: Vec<f64> = cost.iter().map(|value| value * 2f64.powi(-600)).collect();
            let total = assignment_cost(&scaled, n_rows, n_cols, &assignment);
            let best = brute_force_min_cost(&scaled, n_rows, n_cols);
            assert!(
                (total - best).abs() <= 1e-12 * best.abs().max(1.0),
                "trial {trial}: {cost:?} gave {assignment:?} costing {total}, optimum {best}"
            );
        }
    }

    #[test]
    fn hungarian_handles_empty_matrices() {
        assert_eq!(
            hungarian_min_cost(&[], 0, 0).unwrap(),
            Vec::<Option<usize>>::new()
        );
        assert_eq!(
            hungarian_min_cost(&[], 0, 4).unwrap(),
            Vec::<Option<usize>>::new()
        );
        assert_eq!(
            hungarian_min_cost(&[], 3, 0).unwrap(),
            vec![None, None, None]
        );
    }

    #[test]
    fn hungarian_solves_one_by_one() {
        assert_eq!(hungarian_min_cost(&[42.0], 1, 1).unwrap(), vec![Some(0)]);
    }

    #[test]
    fn hungarian_matches_brute_force_on_square() {
        let mut rng = Lcg(42);
        for trial in 0..60 {
            // Odd trials use small integers, which produce ties between optimal assignments.
            let cost: Vec<f64> = (0..25)
                .map(|_| {
                    if trial % 2 == 0 {
                        rng.next_f64() * 20.0 - 10.0
                    } else {
                        rng.below(4) as f64
                    }
                })
                .collect();
            let assignment = hungarian_min_cost(&cost, 5, 5).unwrap();

            let total = assignment_cost(&cost, 5, 5, &assignment);
            let best = brute_force_min_cost(&cost, 5, 5);
            assert!(
                (total - best).abs() < 1e-9,
                "trial {trial}: {total} vs {best}"
            );
        }
    }

    #[test]
    fn hungarian_matches_brute_force_on_rectangles() {
        let mut rng = Lcg(7);
        for trial in 0..60 {
            let (n_rows, n_cols) = if trial % 2 == 0 { (4, 6) } else { (6, 4) };
            let cost: Vec<f64> = (0..n_rows * n_cols)
                .map(|_| {
                    if trial % 3 == 0 {
                        rng.below(3) as f64
                    } else {
                        rng.next_f64() * 100.0
                    }
                })
                .collect();
            let assignment = hungarian_min_cost(&cost, n_rows, n_cols).unwrap();

            let total = assignment_cost(&cost, n_rows, n_cols, &assignment);
            let best = brute_force_min_cost(&cost, n_rows, n_cols);
            assert!(
                (total - best).abs() < 1e-9,
                "trial {trial} ({n_rows} × {n_cols}): {total} vs {best}"
            );
        }
    }

    #[test]
    fn hungarian_rejects_wrong_length() {
        let result = hungarian_min_cost(&[1.0, 2.0, 3.0], 2, 2);
        assert!(
            matches!(
                result,
                Err(Error::LengthMismatch {
                    what: "cost matrix",
                    expected: 4,
                    found: 3
                })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn hungarian_rejects_overflowing_shape() {
        let result = hungarian_min_cost(&[1.0], usize::MAX, 2);
        assert!(
            matches!(
                result,
                Err(Error::LengthMismatch {
                    what: "cost matrix",
                    expected: usize::MAX,
                    found: 1
                })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn hungarian_rejects_non_finite_cost() {
        let cost = [
            0.0,
            1.0,
            2.0, //
            3.0,
            4.0,
            f64::NAN,
        ];
        let result = hungarian_min_cost(&cost, 2, 3);
        assert!(
            matches!(result, Err(Error::NonFiniteValue { row: 1, column: 2, value }) if value.is_nan()),
            "{result:?}"
        );

        let infinite = hungarian_min_cost(&[f64::INFINITY, 0.0], 1, 2);
        assert!(
            matches!(infinite, Err(Error::NonFiniteValue { row: 0, column: 0, value }) if value == f64::INFINITY),
            "{infinite:?}"
        );
    }

    // ---- input errors and ranges ----

    fn assert_length_mismatch<T: std::fmt::Debug>(result: Result<T>, function: &str) {
        assert!(
            matches!(
                result,
                Err(Error::LengthMismatch {
                    what: "predicted labels",
                    expected: 3,
                    found: 2
                })
            ),
            "{function}: {result:?}"
        );
    }

    fn assert_empty_data<T: std::fmt::Debug>(result: Result<T>, function: &str) {
        assert!(
            matches!(
                result,
                Err(Error::EmptyData {
                    n_points: 0,
                    dim: 1
                })
            ),
            "{function}: {result:?}"
        );
    }

    #[test]
    fn metrics_reject_length_mismatch() {
        let truth = [0, 1, 1];
        let predicted = [0, 1];

        assert_length_mismatch(contingency_matrix(&truth, &predicted), "contingency_matrix");
        assert_length_mismatch(
            adjusted_rand_index(&truth, &predicted),
            "adjusted_rand_index",
        );
        assert_length_mismatch(
            normalized_mutual_info(&truth, &predicted),
            "normalized_mutual_info",
        );
        assert_length_mismatch(
            clustering_accuracy(&truth, &predicted),
            "clustering_accuracy",
        );
        assert_length_mismatch(best_matching(&truth, &predicted), "best_matching");
    }

    #[test]
    fn metrics_reject_empty_labels() {
        assert_empty_data(contingency_matrix(&[], &[]), "contingency_matrix");
        assert_empty_data(adjusted_rand_index(&[], &[]), "adjusted_rand_index");
        assert_empty_data(normalized_mutual_info(&[], &[]), "normalized_mutual_info");
        assert_empty_data(clustering_accuracy(&[], &[]), "clustering_accuracy");
        assert_empty_data(best_matching(&[], &[]), "best_matching");
    }

    #[test]
    fn empty_truth_with_predictions_is_length_mismatch() {
        let result = adjusted_rand_index(&[], &[0, 1]);
        assert!(
            matches!(
                result,
                Err(Error::LengthMismatch {
                    what: "predicted labels",
                    expected: 0,
                    found: 2
                })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn metrics_stay_in_range_on_random_labels() {
        let mut rng = Lcg(99);
        for trial in 0..200 {
            let n = 1 + rng.below(30);
            let n_classes = 1 + rng.below(6);
            let n_clusters = 1 + rng.below(8);
            let truth = rng.labels(n, n_classes);
            let predicted = rng.labels(n, n_clusters);

            let ari = adjusted_rand_index(&truth, &predicted).unwrap();
            let nmi = normalized_mutual_info(&truth, &predicted).unwrap();
            let accuracy = clustering_accuracy(&truth, &predicted).unwrap();

            assert!((-0.5..=1.0).contains(&ari), "trial {trial}: ARI {ari}");
            assert!((0.0..=1.0).contains(&nmi), "trial {trial}: NMI {nmi}");
            assert!(
                accuracy > 0.0 && accuracy <= 1.0,
                "trial {trial}: accuracy {accuracy}"
            );
        }
    }
}
