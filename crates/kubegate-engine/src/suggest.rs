//! "Did you mean …": the known names closest to a mistyped one.

/// The candidates `input` most likely meant: within a small edit distance (a third of the
/// longer name, at least 2), or containing it or contained in it; closest first, at most
/// three.
pub fn closest<'c>(input: &str, candidates: impl IntoIterator<Item = &'c str>) -> Vec<&'c str> {
    let input_lower = input.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = distance(&input_lower, &c.to_ascii_lowercase());
            let limit = (input.len().max(c.len()) / 3).max(2);
            let related = !input.is_empty() && (c.contains(input) || input.contains(c));
            (d <= limit || related).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// ` (did you mean a, b?)`, or nothing when no candidate is close.
pub fn did_you_mean<'c>(input: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    let close = closest(input, candidates);
    if close.is_empty() { String::new() } else { format!(" (did you mean {}?)", close.join(", ")) }
}

/// Levenshtein distance over characters, in one row of memory.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_and_fragments_find_their_rule() {
        let ids = crate::rules::ALL.iter().map(|r| r.id);
        assert_eq!(closest("image-digets", ids.clone()), ["image-digest"]);
        assert_eq!(closest("digest", ids.clone()), ["image-digest", "dockerfile-base-digest"]);
        assert_eq!(closest("privileged", ids.clone()), ["privileged"]);
        assert!(closest("zzzz", ids).is_empty());
        assert_eq!(did_you_mean("prd", ["dev", "staging", "prod"]), " (did you mean prod?)");
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
