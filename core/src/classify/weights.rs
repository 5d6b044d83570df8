//! A trained model's weights, compacted for prediction.
//!
//! Training works on a dense `buckets × classes` table (2^18 × 24 `f32`s,
//! 25 MB by default), but a model has weights only for the buckets its
//! training texts hit, typically a few tens of thousands. Prediction looks a
//! bucket up in a bitmap with a rank directory (48 KB by default, so it stays
//! in cache) and reads only the rows that exist, which are stored
//! contiguously: the model takes a tenth of the memory, and the rows that a
//! text touches are far more likely to be cached.

use super::features::Feature;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Weights {
    classes: usize,
    buckets: usize,
    /// Bit `b` is set when bucket `b` has a row.
    present: Vec<u64>,
    /// `rank[w]`: the number of rows of the buckets before word `w` of
    /// `present`.
    rank: Vec<u32>,
    /// `rows × classes`, row-major, in bucket order.
    rows: Vec<f32>,
    /// Inverse document frequency per row; empty without idf.
    idf: Vec<f32>,
    /// The idf of every bucket without a row (no training text had it).
    idf_unseen: f32,
}

impl Weights {
    /// Compacts a dense table and its dense idf (`buckets` entries, or empty
    /// without idf). A bucket gets a row when any of its weights is non-zero
    /// or its idf is not the unseen value.
    pub fn from_dense(dense: &[f32], idf: &[f32], classes: usize) -> Weights {
        let buckets = dense.len() / classes;
        let idf_unseen = if idf.is_empty() {
            1.0
        } else {
            idf.iter().copied().fold(0.0f32, f32::max)
        };
        let words = buckets.div_ceil(64);
        let mut present = vec![0u64; words];
        let mut rank = vec![0u32; words];
        let mut rows = Vec::new();
        let mut row_idf = Vec::new();
        let mut count = 0u32;
        for (bucket, row) in dense.chunks_exact(classes).enumerate() {
            if bucket % 64 == 0 {
                rank[bucket / 64] = count;
            }
            let bucket_idf = idf.get(bucket).copied();
            if row.iter().any(|&w| w != 0.0) || bucket_idf.is_some_and(|v| v != idf_unseen) {
                present[bucket / 64] |= 1 << (bucket % 64);
                rows.extend_from_slice(row);
                if let Some(v) = bucket_idf {
                    row_idf.push(v);
                }
                count += 1;
            }
        }
        Weights {
            classes,
            buckets,
            present,
            rank,
            rows,
            idf: row_idf,
            idf_unseen,
        }
    }

    /// The dense table and dense idf (empty without idf) again.
    pub fn to_dense(&self) -> (Vec<f32>, Vec<f32>) {
        let mut dense = vec![0.0f32; self.buckets * self.classes];
        let mut idf = if self.idf.is_empty() {
            Vec::new()
        } else {
            vec![self.idf_unseen; self.buckets]
        };
        for (row, bucket) in self.present_buckets().enumerate() {
            dense[bucket * self.classes..(bucket + 1) * self.classes].copy_from_slice(self.row(row));
            if let Some(slot) = idf.get_mut(bucket) {
                *slot = self.idf[row];
            }
        }
        (dense, idf)
    }

    /// The buckets that have a row, in row order.
    pub fn present_buckets(&self) -> impl Iterator<Item = usize> + '_ {
        self.present.iter().enumerate().flat_map(|(word, &bits)| {
            (0..64)
                .filter(move |bit| bits & (1 << bit) != 0)
                .map(move |bit| word * 64 + bit)
        })
    }

    /// The row of `bucket`, if it has one.
    #[inline]
    pub fn row_of(&self, bucket: u32) -> Option<usize> {
        let (word, bit) = (bucket as usize / 64, bucket % 64);
        let bits = *self.present.get(word)?;
        (bits & (1 << bit) != 0)
            .then(|| self.rank[word] as usize + (bits & ((1u64 << bit) - 1)).count_ones() as usize)
    }

    /// Weights of `row`, one per class.
    #[inline]
    pub fn row(&self, row: usize) -> &[f32] {
        &self.rows[row * self.classes..(row + 1) * self.classes]
    }

    /// The weight of `class` for `bucket` (0 without a row).
    pub fn weight(&self, bucket: u32, class: usize) -> f32 {
        self.row_of(bucket).map_or(0.0, |row| self.row(row)[class])
    }

    /// The idf of row `row` (or of an unseen bucket, with `None`).
    #[inline]
    fn idf_of(&self, row: Option<usize>) -> f32 {
        match row {
            Some(row) => self.idf.get(row).copied().unwrap_or(self.idf_unseen),
            None => self.idf_unseen,
        }
    }

    /// Whether the model weighs features by idf.
    pub fn has_idf(&self) -> bool {
        !self.idf.is_empty()
    }

    /// Weighs damped counts by idf and normalises them to unit length, in
    /// place, exactly as training prepares its examples; then writes the
    /// logits `features · weights` into `logits`.
    pub fn score(&self, features: &mut [Feature], logits: &mut [f32]) {
        let weigh = self.has_idf();
        let mut norm = 0.0f32;
        for feature in features.iter_mut() {
            if weigh {
                feature.value *= self.idf_of(self.row_of(feature.bucket));
            }
            norm += feature.value * feature.value;
        }
        logits.iter_mut().for_each(|l| *l = 0.0);
        let scale = if norm > 0.0 { 1.0 / norm.sqrt() } else { 1.0 };
        for feature in features.iter_mut() {
            feature.value *= scale;
            if let Some(row) = self.row_of(feature.bucket) {
                for (logit, w) in logits.iter_mut().zip(self.row(row)) {
                    *logit += feature.value * w;
                }
            }
        }
    }

    /// Bytes held (for reports and tests).
    pub fn memory_bytes(&self) -> usize {
        (self.present.len() * 8) + (self.rank.len() * 4) + (self.rows.len() + self.idf.len()) * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_round_trips_and_looks_rows_up() {
        let classes = 3;
        let mut dense = vec![0.0f32; 200 * classes];
        dense[5 * classes + 1] = 0.5;
        dense[64 * classes] = -1.0;
        dense[199 * classes + 2] = 2.0;
        let mut idf = vec![3.0f32; 200];
        idf[70] = 1.5;
        let weights = Weights::from_dense(&dense, &idf, classes);
        assert_eq!(
            weights.present_buckets().collect::<Vec<_>>(),
            vec![5, 64, 70, 199]
        );
        assert_eq!(weights.row_of(64), Some(1));
        assert_eq!(weights.row_of(70), Some(2));
        assert_eq!(weights.row_of(6), None);
        assert_eq!(weights.row_of(1 << 20), None);
        assert_eq!(weights.weight(199, 2), 2.0);
        assert_eq!(weights.weight(3, 2), 0.0);
        assert_eq!(weights.to_dense(), (dense.clone(), idf));
        let plain = Weights::from_dense(&dense, &[], classes);
        assert_eq!(plain.to_dense(), (dense, Vec::new()));
    }

    #[test]
    fn scores_are_those_of_the_dense_table() {
        let classes = 2;
        let mut dense = vec![0.0f32; 128 * classes];
        dense[10 * classes] = 1.0;
        dense[10 * classes + 1] = -1.0;
        let idf = vec![2.0f32; 128];
        let weights = Weights::from_dense(&dense, &idf, classes);
        // One feature with a row, one unseen: both weigh in the norm.
        let mut features = [
            Feature {
                bucket: 10,
                value: 1.0,
            },
            Feature {
                bucket: 90,
                value: 1.0,
            },
        ];
        let mut logits = [0.0; 2];
        weights.score(&mut features, &mut logits);
        let v = 1.0 / 2f32.sqrt();
        assert!(
            (logits[0] - v).abs() < 1e-6 && (logits[1] + v).abs() < 1e-6,
            "{logits:?}"
        );
    }
}
