//! Counting the distinct values of a short list of hashes, in order of
//! first occurrence: linear through a small open-addressing table of
//! positions, where sorting is not. Feature extraction and text signatures
//! both need it.

/// Each distinct value of `values` with how many times it occurs, in the
/// order of its first occurrence. The values are hashes (or hash buckets),
/// so their low bits spread them over the table.
pub(crate) fn count_distinct<T: Copy + Eq + Into<u64>>(values: &[T]) -> Vec<(T, u32)> {
    let slots = (values.len() * 2).next_power_of_two().max(16);
    // Each slot holds a position in `counted`, or `u32::MAX` when empty.
    let mut table = vec![u32::MAX; slots];
    let mut counted: Vec<(T, u32)> = Vec::with_capacity(values.len());
    for &value in values {
        let mut slot = value.into() as usize & (slots - 1);
        loop {
            match table[slot] {
                u32::MAX => {
                    table[slot] = counted.len() as u32;
                    counted.push((value, 1));
                    break;
                }
                at if counted[at as usize].0 == value => {
                    counted[at as usize].1 += 1;
                    break;
                }
                _ => slot = (slot + 1) & (slots - 1),
            }
        }
    }
    counted
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn counts_each_value_in_order_of_first_occurrence(values in proptest::collection::vec(0u64..40, 0..300)) {
            let mut expected: Vec<(u64, u32)> = Vec::new();
            for &value in &values {
                match expected.iter_mut().find(|(v, _)| *v == value) {
                    Some((_, count)) => *count += 1,
                    None => expected.push((value, 1)),
                }
            }
            proptest::prop_assert_eq!(count_distinct(&values), expected);
        }
    }
}
