//! A trained model's weights, compacted for prediction.
//!
//! Training works on a dense `buckets × classes` table (2^18 × 24 `f32`s,
//! 25 MB by default), but a model has weights only for the buckets its
//! training texts hit, typically a few tens of thousands. Prediction looks a
//! bucket up in a bitmap with a rank directory (48 KB by default, so it stays
//! in cache) and reads only the rows that exist, which are stored
//! contiguously, quantised to one signed byte per class with a per-row
//! scale (the error is at most half a step, 1/254 of the row's largest
//! weight): a default model takes a few MB instead of 26, and the rows a
//! text touches are far more likely to be cached.

use super::features::Feature;

/// One cache line of rows, as eight little-endian words: rows never
/// straddle two lines. Words are kept as bytes so that scoring loads the
/// quantised weights straight into vector registers (as `[u64; 8]`, the
/// compiler assembled them lane by lane).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
struct Line([[u8; 8]; 8]);

/// Word `index` of a table of lines (eight words a line).
#[inline]
fn word(lines: &[Line], index: usize) -> &[u8; 8] {
    &lines[index / 8].0[index % 8]
}

/// [`word`], to write.
fn word_mut(lines: &mut [Line], index: usize) -> &mut [u8; 8] {
    &mut lines[index / 8].0[index % 8]
}

/// Which buckets have a row, and each one's row number: a bitmap with a
/// rank directory.
#[derive(Debug, Clone, PartialEq)]
struct RowIndex {
    /// Bit `b` is set when bucket `b` has a row.
    present: Vec<u64>,
    /// `rank[w]`: the number of rows of the buckets before word `w` of
    /// `present`.
    rank: Vec<u32>,
}

impl RowIndex {
    fn new(buckets: usize) -> Self {
        RowIndex {
            present: vec![0; buckets.div_ceil(64)],
            rank: vec![0; buckets.div_ceil(64)],
        }
    }

    fn insert(&mut self, bucket: u32) {
        let bucket = bucket as usize;
        self.present[bucket / 64] |= 1 << (bucket % 64);
    }

    /// Fills the rank directory once every bucket is in.
    fn finish(&mut self) {
        let mut count = 0u32;
        for (rank, bits) in self.rank.iter_mut().zip(&self.present) {
            *rank = count;
            count += bits.count_ones();
        }
    }

    fn buckets(&self) -> impl Iterator<Item = usize> + '_ {
        self.present.iter().enumerate().flat_map(|(word, &bits)| {
            (0..64)
                .filter(move |bit| bits & (1 << bit) != 0)
                .map(move |bit| word * 64 + bit)
        })
    }

    #[inline]
    fn row_of(&self, bucket: u32) -> Option<usize> {
        let (word, bit) = (bucket as usize / 64, bucket % 64);
        let bits = *self.present.get(word)?;
        (bits & (1 << bit) != 0)
            .then(|| self.rank[word] as usize + (bits & ((1u64 << bit) - 1)).count_ones() as usize)
    }

    fn memory_bytes(&self) -> usize {
        self.present.len() * 8 + self.rank.len() * 4
    }
}

/// Weights quantised to `i8` per row, with the row's scale and idf beside
/// them, so that one cache line (or two, past 56 classes) brings in all a
/// feature needs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Weights {
    classes: usize,
    buckets: usize,
    index: RowIndex,
    /// The rows, `stride` words each, in bucket order. Word 0 holds the
    /// row's idf (low half) and scale (high half) as `f32` bits; the
    /// following words hold the quantised weights, eight `i8`s a word,
    /// little-endian, zero-padded.
    lines: Vec<Line>,
    stride: usize,
    rows: usize,
    has_idf: bool,
    /// The idf of every bucket without a row (no training text had it).
    idf_unseen: f32,
}

/// The largest quantised weight: weights are `scale × q` with `|q| <= 127`.
const Q_MAX: f32 = 127.0;

/// Words per row for `classes` weights: a power of two up to a line, whole
/// lines beyond.
fn stride_for(classes: usize) -> usize {
    stride_of(1 + classes.div_ceil(8))
}

/// The stride of rows of `words` words: a power of two up to a line, whole
/// lines beyond, so that no row straddles two lines.
fn stride_of(words: usize) -> usize {
    if words <= 8 {
        words.next_power_of_two()
    } else {
        words.div_ceil(8) * 8
    }
}

/// Weights as saved: the rows of the buckets training saw, in bucket
/// order, each with its idf, its scale and one `i8` weight per class.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct SavedWeights {
    pub idf_unseen: f32,
    pub buckets: Vec<u32>,
    /// Per row; empty without idf.
    pub idf: Vec<f32>,
    pub scales: Vec<f32>,
    /// `buckets.len() × classes`.
    pub weights: Vec<i8>,
}

/// One row given to [`Weights::from_rows`].
pub(crate) struct Row<'a> {
    pub bucket: u32,
    pub idf: f32,
    pub scale: f32,
    pub quantised: &'a [i8],
}

impl Weights {
    /// Quantises a dense `buckets × classes` table with its dense idf
    /// (`buckets` entries, or empty without idf). A bucket gets a row when
    /// any of its weights is non-zero or its idf is not the unseen value.
    pub fn from_dense(dense: &[f32], idf: &[f32], classes: usize) -> Weights {
        let buckets = dense.len() / classes;
        let idf_unseen = if idf.is_empty() {
            1.0
        } else {
            idf.iter().copied().fold(0.0f32, f32::max)
        };
        let mut quantised = vec![0i8; classes];
        let mut weights = Weights::empty(classes, buckets, !idf.is_empty(), idf_unseen);
        for (bucket, row) in dense.chunks_exact(classes).enumerate() {
            let bucket_idf = idf.get(bucket).copied().unwrap_or(1.0);
            if row.iter().all(|&w| w == 0.0) && bucket_idf == idf_unseen {
                continue;
            }
            let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
            let scale = max / Q_MAX;
            for (q, &w) in quantised.iter_mut().zip(row) {
                *q = if scale > 0.0 {
                    (w / scale).round().clamp(-Q_MAX, Q_MAX) as i8
                } else {
                    0
                };
            }
            weights.push(bucket as u32, bucket_idf, scale, &quantised);
        }
        weights.finish();
        weights
    }

    /// Builds weights from already quantised rows in increasing bucket
    /// order (a saved model).
    ///
    /// # Errors
    /// The reason, when buckets are out of order or range or a row has the
    /// wrong number of weights.
    pub fn from_rows<'a>(
        classes: usize,
        buckets: usize,
        has_idf: bool,
        idf_unseen: f32,
        rows: impl Iterator<Item = Row<'a>>,
    ) -> Result<Weights, String> {
        let mut weights = Weights::empty(classes, buckets, has_idf, idf_unseen);
        let mut last: Option<u32> = None;
        for row in rows {
            if row.bucket as usize >= buckets || last.is_some_and(|l| l >= row.bucket) {
                return Err(format!(
                    "row bucket {} out of order or out of {buckets}",
                    row.bucket
                ));
            }
            if row.quantised.len() != classes || !(row.scale.is_finite() && row.scale >= 0.0) {
                return Err(format!("row of bucket {} is malformed", row.bucket));
            }
            if !row.idf.is_finite() {
                return Err(format!("idf of bucket {} is {}", row.bucket, row.idf));
            }
            last = Some(row.bucket);
            weights.push(row.bucket, row.idf, row.scale, row.quantised);
        }
        weights.finish();
        Ok(weights)
    }

    /// The weights as saved.
    pub fn to_saved(&self) -> SavedWeights {
        let mut saved = SavedWeights {
            idf_unseen: self.idf_unseen,
            buckets: Vec::with_capacity(self.rows),
            idf: Vec::new(),
            scales: Vec::with_capacity(self.rows),
            weights: Vec::with_capacity(self.rows * self.classes),
        };
        for (bucket, idf, scale, quantised) in self.rows() {
            saved.buckets.push(bucket);
            if self.has_idf {
                saved.idf.push(idf);
            }
            saved.scales.push(scale);
            saved.weights.extend_from_slice(&quantised);
        }
        saved
    }

    /// Weights saved by [`Weights::to_saved`], for `classes` classes over
    /// `buckets` hash buckets.
    ///
    /// # Errors
    /// The reason, when the saved rows are inconsistent.
    pub fn from_saved(
        saved: &SavedWeights,
        classes: usize,
        buckets: usize,
        has_idf: bool,
    ) -> Result<Weights, String> {
        let rows = saved.buckets.len();
        let idf_ok = if has_idf {
            saved.idf.len() == rows
        } else {
            saved.idf.is_empty()
        };
        if !idf_ok || saved.scales.len() != rows || saved.weights.len() != rows * classes {
            return Err(format!(
                "{rows} rows with {} idf values, {} scales and {} weights for {classes} classes",
                saved.idf.len(),
                saved.scales.len(),
                saved.weights.len()
            ));
        }
        if !saved.idf_unseen.is_finite() {
            return Err(format!("idf_unseen {}", saved.idf_unseen));
        }
        Weights::from_rows(
            classes,
            buckets,
            has_idf,
            saved.idf_unseen,
            (0..rows).map(|row| Row {
                bucket: saved.buckets[row],
                idf: saved.idf.get(row).copied().unwrap_or(1.0),
                scale: saved.scales[row],
                quantised: &saved.weights[row * classes..(row + 1) * classes],
            }),
        )
    }

    fn empty(classes: usize, buckets: usize, has_idf: bool, idf_unseen: f32) -> Weights {
        Weights {
            classes,
            buckets,
            index: RowIndex::new(buckets),
            lines: Vec::new(),
            stride: stride_for(classes),
            rows: 0,
            has_idf,
            idf_unseen,
        }
    }

    /// Appends a row; buckets must come in increasing order.
    fn push(&mut self, bucket: u32, idf: f32, scale: f32, quantised: &[i8]) {
        self.index.insert(bucket);
        let first = self.rows * self.stride;
        self.rows += 1;
        self.lines
            .resize((self.rows * self.stride).div_ceil(8), Line([[0; 8]; 8]));
        let idf = if self.has_idf { idf } else { 1.0 };
        *word_mut(&mut self.lines, first) = header_word(idf, scale);
        for (k, chunk) in quantised.chunks(8).enumerate() {
            let mut bytes = [0u8; 8];
            for (b, &q) in bytes.iter_mut().zip(chunk) {
                *b = q as u8;
            }
            *word_mut(&mut self.lines, first + 1 + k) = bytes;
        }
    }

    /// Fills the rank directory once every row is in.
    fn finish(&mut self) {
        self.index.finish();
    }

    /// The idf and scale of `row`.
    #[inline]
    fn header(&self, row: usize) -> (f32, f32) {
        read_header(word(&self.lines, row * self.stride))
    }

    /// The words of `row`: its header, then its quantised weights.
    fn row_words(&self, row: usize) -> impl Iterator<Item = &[u8; 8]> + '_ {
        let first = row * self.stride;
        (first..first + 1 + self.classes.div_ceil(8)).map(|index| word(&self.lines, index))
    }

    /// The quantised weights of `row`.
    fn quantised(&self, row: usize) -> impl Iterator<Item = i8> + '_ {
        let first = row * self.stride + 1;
        (first..first + self.classes.div_ceil(8))
            .flat_map(|index| *word(&self.lines, index))
            .map(|b| b as i8)
            .take(self.classes)
    }

    /// The rows in bucket order, for saving.
    pub fn rows(&self) -> impl Iterator<Item = (u32, f32, f32, Vec<i8>)> + '_ {
        self.present_buckets().enumerate().map(|(row, bucket)| {
            let (idf, scale) = self.header(row);
            (bucket as u32, idf, scale, self.quantised(row).collect())
        })
    }

    /// The (dequantised) dense table and dense idf (empty without idf).
    pub fn to_dense(&self) -> (Vec<f32>, Vec<f32>) {
        let mut dense = vec![0.0f32; self.buckets * self.classes];
        let mut idf = if self.has_idf {
            vec![self.idf_unseen; self.buckets]
        } else {
            Vec::new()
        };
        for (row, bucket) in self.present_buckets().enumerate() {
            let (row_idf, scale) = self.header(row);
            for (w, q) in dense[bucket * self.classes..(bucket + 1) * self.classes]
                .iter_mut()
                .zip(self.quantised(row))
            {
                *w = f32::from(q) * scale;
            }
            if let Some(slot) = idf.get_mut(bucket) {
                *slot = row_idf;
            }
        }
        (dense, idf)
    }

    /// The buckets that have a row, in row order.
    pub fn present_buckets(&self) -> impl Iterator<Item = usize> + '_ {
        self.index.buckets()
    }

    /// The row of `bucket`, if it has one.
    #[inline]
    fn row_of(&self, bucket: u32) -> Option<usize> {
        self.index.row_of(bucket)
    }

    /// The (dequantised) weight of `class` for `bucket`; 0 without a row.
    pub fn weight(&self, bucket: u32, class: usize) -> f32 {
        self.row_of(bucket).map_or(0.0, |row| {
            let (_, scale) = self.header(row);
            self.quantised(row)
                .nth(class)
                .map_or(0.0, |q| f32::from(q) * scale)
        })
    }

    /// The idf of buckets without a row.
    #[cfg(test)]
    pub fn idf_unseen(&self) -> f32 {
        self.idf_unseen
    }

    /// Weighs damped counts by idf and normalises them to unit length, in
    /// place, exactly as training prepares its examples; then writes the
    /// logits `features · weights` into `logits` (one per class).
    pub fn score(&self, features: &mut [Feature], logits: &mut [f32]) {
        // One pass finds the rows (bringing their lines in) and the norm;
        // the second adds them up. Logits are accumulated eight at a time
        // into a padded buffer so that the inner loop vectorises.
        let mut rows: Vec<(u32, f32)> = Vec::with_capacity(features.len());
        let mut norm = 0.0f32;
        for feature in features.iter_mut() {
            let row = self.row_of(feature.bucket);
            if self.has_idf {
                feature.value *= row.map_or(self.idf_unseen, |r| self.header(r).0);
            }
            norm += feature.value * feature.value;
            if let Some(row) = row {
                rows.push((row as u32, feature.value));
            }
        }
        let scale = if norm > 0.0 { 1.0 / norm.sqrt() } else { 1.0 };
        features.iter_mut().for_each(|f| f.value *= scale);
        let words = self.classes.div_ceil(8);
        let mut padded = vec![[0.0f32; 8]; words];
        for &(row, value) in &rows {
            let first = row as usize * self.stride;
            let (_, row_scale) = self.header(row as usize);
            accumulate(&self.lines, first + 1, value * scale * row_scale, &mut padded);
        }
        for (logit, sum) in logits.iter_mut().zip(padded.iter().flatten()) {
            *logit = *sum;
        }
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.index.memory_bytes() + self.lines.len() * 64
    }
}

/// The header word of a row: its idf (low half) and scale (high half) as
/// `f32` bits.
fn header_word(idf: f32, scale: f32) -> [u8; 8] {
    (u64::from(idf.to_bits()) | (u64::from(scale.to_bits()) << 32)).to_le_bytes()
}

/// The idf and scale of a row's header word.
#[inline]
fn read_header(word: &[u8; 8]) -> (f32, f32) {
    let word = u64::from_le_bytes(*word);
    (f32::from_bits(word as u32), f32::from_bits((word >> 32) as u32))
}

/// Adds `step` times the quantised weights that start at word `first` to
/// `padded`, eight lanes a word.
#[inline]
fn accumulate(lines: &[Line], first: usize, step: f32, padded: &mut [[f32; 8]]) {
    for (k, lane) in padded.iter_mut().enumerate() {
        let bytes = word(lines, first + k);
        for j in 0..8 {
            lane[j] += step * f32::from(bytes[j] as i8);
        }
    }
}

/// Where one model's part of a [`JointWeights`] row is.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Part {
    classes: usize,
    /// The part's header word (idf and scale) within a row; its weights
    /// follow.
    offset: usize,
    has_idf: bool,
    idf_unseen: f32,
}

/// Two models over the same features (the category model and the signal
/// detector) in one table: a row holds both models' rows of its bucket, so
/// a text's features are looked up once for both, and each feature costs
/// one cache line instead of two. Scores exactly as the two [`Weights`]
/// apart; built when a classifier is, never saved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JointWeights {
    index: RowIndex,
    lines: Vec<Line>,
    stride: usize,
    parts: [Part; 2],
}

impl JointWeights {
    /// Both models' rows, over the union of their buckets.
    ///
    /// # Panics
    /// When the models hash into different numbers of buckets (a
    /// classifier's models share its features).
    pub fn new(first: &Weights, second: &Weights) -> JointWeights {
        assert_eq!(first.buckets, second.buckets, "the models share their features");
        let part = |weights: &Weights, offset: usize| Part {
            classes: weights.classes,
            offset,
            has_idf: weights.has_idf,
            idf_unseen: weights.idf_unseen,
        };
        let parts = [part(first, 0), part(second, 1 + first.classes.div_ceil(8))];
        let stride = stride_of(parts[1].offset + 1 + second.classes.div_ceil(8));
        let mut joint = JointWeights {
            index: RowIndex::new(first.buckets),
            lines: Vec::new(),
            stride,
            parts,
        };
        let models = [first, second];
        // (row, bucket) of each model, in bucket order.
        let mut rows = models.map(|model| model.present_buckets().enumerate().peekable());
        let mut count = 0usize;
        loop {
            let next = rows
                .iter_mut()
                .filter_map(|rows| rows.peek().map(|&(_, bucket)| bucket))
                .min();
            let Some(bucket) = next else { break };
            joint.index.insert(bucket as u32);
            let first_word = count * stride;
            count += 1;
            joint
                .lines
                .resize((count * stride).div_ceil(8), Line([[0; 8]; 8]));
            for ((part, model), rows) in parts.iter().zip(models).zip(&mut rows) {
                let header = first_word + part.offset;
                match rows.next_if(|&(_, b)| b == bucket) {
                    // The model's row as it is: header, then weights.
                    Some((row, _)) => {
                        for (k, row_word) in model.row_words(row).enumerate() {
                            *word_mut(&mut joint.lines, header + k) = *row_word;
                        }
                    }
                    // Absent from this model: its unseen idf and no weight,
                    // exactly what the model alone would use.
                    None => {
                        let idf = if part.has_idf { part.idf_unseen } else { 1.0 };
                        *word_mut(&mut joint.lines, header) = header_word(idf, 0.0);
                    }
                }
            }
        }
        joint.index.finish();
        joint
    }

    /// The idf and scale of `part` of `row`.
    #[inline]
    fn header(&self, row: usize, part: &Part) -> (f32, f32) {
        let index = row * self.stride + part.offset;
        read_header(word(&self.lines, index))
    }

    /// [`Weights::score`] of both models at once: `features[m]` holds a
    /// text's damped counts and is weighed and normalised in place for
    /// model `m`, whose logits go to `logits[m]`. The results are those of
    /// each model's own `score`, bit for bit.
    pub fn score(&self, features: [&mut [Feature]; 2], logits: [&mut [f32]; 2]) {
        let [first, second] = features;
        assert_eq!(first.len(), second.len(), "the same text for both models");
        // (row, position in `features`) of the features with a row.
        let mut rows: Vec<(u32, u32)> = Vec::with_capacity(first.len());
        let mut norms = [0.0f32; 2];
        for (i, (a, b)) in first.iter_mut().zip(second.iter_mut()).enumerate() {
            let row = self.index.row_of(a.bucket);
            for ((feature, part), norm) in [a, b].into_iter().zip(&self.parts).zip(&mut norms) {
                if part.has_idf {
                    feature.value *= row.map_or(part.idf_unseen, |r| self.header(r, part).0);
                }
                *norm += feature.value * feature.value;
            }
            if let Some(row) = row {
                rows.push((row as u32, i as u32));
            }
        }
        for ((features, logits), (part, norm)) in [first, second]
            .into_iter()
            .zip(logits)
            .zip(self.parts.iter().zip(norms))
        {
            let scale = if norm > 0.0 { 1.0 / norm.sqrt() } else { 1.0 };
            let mut padded = vec![[0.0f32; 8]; part.classes.div_ceil(8)];
            for &(row, i) in &rows {
                let (_, row_scale) = self.header(row as usize, part);
                // A row this model does not have adds nothing.
                if row_scale != 0.0 {
                    let value = features[i as usize].value;
                    let first = row as usize * self.stride + part.offset + 1;
                    accumulate(&self.lines, first, value * scale * row_scale, &mut padded);
                }
            }
            features.iter_mut().for_each(|f| f.value *= scale);
            for (logit, sum) in logits.iter_mut().zip(padded.iter().flatten()) {
                *logit = *sum;
            }
        }
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.index.memory_bytes() + self.lines.len() * 64
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
        dense[64 * classes] = -1.27;
        dense[199 * classes + 2] = 2.54;
        dense[199 * classes] = 0.02;
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
        assert!((weights.weight(199, 2) - 2.54).abs() < 1e-6);
        // 0.02 is a step of 2.54 / 127.
        assert!((weights.weight(199, 0) - 0.02).abs() < 1e-6);
        assert_eq!(weights.weight(3, 2), 0.0);
        let (back, back_idf) = weights.to_dense();
        assert_eq!(back_idf, idf);
        for (a, b) in back.iter().zip(&dense) {
            assert!((a - b).abs() <= 2.54 / 254.0 + 1e-6, "{a} vs {b}");
        }
        // Quantising what was dequantised changes nothing.
        assert_eq!(Weights::from_dense(&back, &back_idf, classes), weights);
        let plain = Weights::from_dense(&dense, &[], classes);
        assert_eq!(plain.present_buckets().count(), 3);
    }

    #[test]
    fn rows_of_many_classes_span_whole_lines() {
        for classes in [1, 2, 7, 8, 24, 56, 57, 100] {
            let stride = stride_for(classes);
            assert!(stride > classes.div_ceil(8));
            assert!(8 % stride == 0 || stride % 8 == 0, "{classes}: {stride}");
            let dense: Vec<f32> = (0..10 * classes).map(|i| (i % 7) as f32 - 3.0).collect();
            let weights = Weights::from_dense(&dense, &[], classes);
            let mut logits = vec![0.0; classes];
            let mut features = [Feature {
                bucket: 4,
                value: 1.0,
            }];
            weights.score(&mut features, &mut logits);
            for (c, logit) in logits.iter().enumerate() {
                assert!((logit - dense[4 * classes + c]).abs() < 0.02, "{classes} {c}");
            }
        }
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

    #[test]
    fn joint_weights_score_exactly_as_each_model_alone() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let buckets = 512;
        // Two models with their own idf, classes and buckets (some rows in
        // one model only, some all zero).
        let mut model = |classes: usize, density: f64| {
            let mut dense = vec![0.0f32; buckets * classes];
            let mut idf = vec![4.0f32; buckets];
            for bucket in 0..buckets {
                if rng.random_bool(density) {
                    idf[bucket] = rng.random_range(1.0..4.0);
                    for w in &mut dense[bucket * classes..(bucket + 1) * classes] {
                        *w = if rng.random_bool(0.1) {
                            0.0
                        } else {
                            rng.random_range(-2.0..2.0)
                        };
                    }
                }
            }
            Weights::from_dense(&dense, &idf, classes)
        };
        let (first, second) = (model(24, 0.4), model(5, 0.2));
        let joint = JointWeights::new(&first, &second);
        for text in 0..200 {
            let features: Vec<Feature> = (0..rng.random_range(0..60))
                .map(|_| Feature {
                    bucket: rng.random_range(0..buckets as u32 + 8) % buckets as u32,
                    value: rng.random_range(1.0..3.0),
                })
                .collect();
            let (mut a, mut b) = (features.clone(), features.clone());
            let (mut logits_a, mut logits_b) = (vec![0.0; 24], vec![0.0; 5]);
            first.score(&mut a, &mut logits_a);
            second.score(&mut b, &mut logits_b);
            let (mut ja, mut jb) = (features.clone(), features);
            let (mut joint_a, mut joint_b) = (vec![1.0; 24], vec![1.0; 5]);
            joint.score([&mut ja, &mut jb], [&mut joint_a, &mut joint_b]);
            assert_eq!((joint_a, joint_b), (logits_a, logits_b), "text {text}");
            assert_eq!((ja, jb), (a, b), "text {text}");
        }
    }

    #[test]
    fn saved_rows_are_checked() {
        let row = |bucket| Row {
            bucket,
            idf: 1.0,
            scale: 0.1,
            quantised: &[1, 2],
        };
        assert!(Weights::from_rows(2, 64, true, 2.0, [row(3), row(9)].into_iter()).is_ok());
        let err = Weights::from_rows(2, 64, true, 2.0, [row(9), row(3)].into_iter()).unwrap_err();
        assert!(err.contains("out of order"), "{err}");
        assert!(Weights::from_rows(2, 64, true, 2.0, [row(64)].into_iter()).is_err());
        let short = Row {
            bucket: 1,
            idf: 1.0,
            scale: 0.1,
            quantised: &[1],
        };
        assert!(Weights::from_rows(2, 64, true, 2.0, [short].into_iter()).is_err());
    }
}
