//! Edit distance between two folded words, bounded: rescoring compares every query word with
//! every word of a hundred candidate places, and only ever asks "0, 1 or 2 edits, or more?".
//! A general-purpose distance (allocating its rows, counting every edit) was the largest single
//! cost of a search; this one works on bytes in fixed buffers and stops as soon as the bound is
//! exceeded.

/// Words longer than this are compared with the general algorithm.
const MAX_LEN: usize = 47;

/// Optimal string alignment distance (insertions, deletions, substitutions and swaps of two
/// adjacent letters) between `a` and `b` if it is at most `max`, else `None`.
pub fn osa_within(a: &str, b: &str, max: usize) -> Option<usize> {
    if !a.is_ascii() || !b.is_ascii() || a.len() > MAX_LEN || b.len() > MAX_LEN {
        return general_within(a, b, max);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let row = last_row(a, b, max)?;
    let d = usize::from(row[b.len()]);
    (d <= max).then_some(d)
}

/// The least optimal string alignment distance between `a` and a start of `b` ("vetavon" and
/// "ventav…": 1), if it is at most `max`, else `None`: a word being typed, with a typo, against
/// a word of a place.
pub fn osa_prefix_within(a: &str, b: &str, max: usize) -> Option<usize> {
    if !a.is_ascii() || !b.is_ascii() || a.len() + max > MAX_LEN {
        // Letters, not bytes: a start longer than a's letters plus max is more than max away.
        let longest = a.chars().count() + max;
        return b
            .char_indices()
            .map(|(at, _)| at)
            .chain([b.len()])
            .take(longest + 1)
            .filter_map(|end| general_within(a, &b[..end], max))
            .min();
    }
    // A start longer than a.len() + max is more than max edits away.
    let end = (a.len() + max).min(b.len());
    let (ab, bb) = (a.as_bytes(), &b.as_bytes()[..end]);
    // The last row holds the distance of `a` to every start of `b`.
    let row = last_row(ab, bb, max)?;
    let d = usize::from(*row[..=bb.len()].iter().min()?);
    (d <= max).then_some(d)
}

/// The general algorithm, on letters rather than bytes, for words with accents left or longer
/// than the fixed buffers: rare, as indexed words are folded to ASCII.
fn general_within(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.chars().count().abs_diff(b.chars().count()) > max {
        return None;
    }
    let d = strsim::osa_distance(a, b);
    (d <= max).then_some(d)
}

/// The last row of the dynamic programme between `a` and `b` (ASCII, at most `MAX_LEN` bytes):
/// the distance of `a` to each start of `b`; `None` as soon as every cell of a row exceeds
/// `max`, after which no cell of a later row can be within it.
fn last_row(a: &[u8], b: &[u8], max: usize) -> Option<[u8; MAX_LEN + 1]> {
    // Three rows: two back (for swaps), previous, current. Bytes, as no distance exceeds
    // MAX_LEN: zeroing them costs a fraction of zeroing words.
    let width = b.len() + 1;
    let mut two_back = [0u8; MAX_LEN + 1];
    let mut previous = [0u8; MAX_LEN + 1];
    let mut current = [0u8; MAX_LEN + 1];
    for (j, cell) in previous.iter_mut().enumerate().take(width) {
        *cell = j as u8;
    }
    for i in 1..=a.len() {
        current[0] = i as u8;
        let mut row_min = current[0];
        for j in 1..width {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(two_back[j - 2] + 1);
            }
            current[j] = best;
            row_min = row_min.min(best);
        }
        if usize::from(row_min) > max {
            return None;
        }
        std::mem::swap(&mut two_back, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    Some(previous)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_edits_and_swaps() {
        assert_eq!(osa_within("rivoli", "rivoli", 2), Some(0));
        assert_eq!(osa_within("rivoli", "rivolli", 2), Some(1));
        assert_eq!(osa_within("rivoli", "rivoil", 2), Some(1));
        assert_eq!(osa_within("rivoli", "rvioli", 1), Some(1));
        assert_eq!(osa_within("rivoli", "ravola", 1), None);
        assert_eq!(osa_within("rivoli", "ravola", 2), Some(2));
        assert_eq!(osa_within("", "ab", 2), Some(2));
        assert_eq!(osa_within("abc", "", 2), None);
        assert_eq!(osa_prefix_within("vetavon", "ventavon", 1), Some(1));
        assert_eq!(osa_prefix_within("ventavon", "ventavon", 1), Some(0));
        assert_eq!(osa_prefix_within("chabesan", "chabestan", 1), Some(1));
        assert_eq!(osa_prefix_within("vnetav", "ventavon", 1), Some(1));
        assert_eq!(osa_prefix_within("vxxtav", "ventavon", 1), None);
        // Accents left: letters count, not bytes ("é" is two).
        assert_eq!(osa_within("", "é", 1), Some(1));
        assert_eq!(osa_within("ete", "été", 2), Some(2));
        assert_eq!(osa_prefix_within("eaba", "ééeaba", 2), Some(2));
    }

    proptest! {
        #[test]
        fn agrees_with_the_general_algorithm(a in "[a-eé]{0,12}", b in "[a-eé]{0,12}", max in 0usize..4) {
            let expected = strsim::osa_distance(&a, &b);
            prop_assert_eq!(osa_within(&a, &b, max), (expected <= max).then_some(expected));
        }

        #[test]
        fn a_start_is_as_near_as_the_nearest_prefix(a in "[a-eé]{0,10}", b in "[a-eé]{0,14}", max in 0usize..4) {
            let expected = (0..=b.len())
                .filter_map(|e| b.get(..e))
                .map(|start| strsim::osa_distance(&a, start))
                .min()
                .filter(|&d| d <= max);
            prop_assert_eq!(osa_prefix_within(&a, &b, max), expected);
        }
    }
}
