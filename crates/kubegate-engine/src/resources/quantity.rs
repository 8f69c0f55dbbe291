//! Kubernetes resource quantities (`250m`, `1`, `0.5`, `512Mi`, `2Gi`, `1e3`, `1k`).

/// The quantity's value in base units, or `None` when it is not a valid quantity.
pub fn parse(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit() || c == '.' || ((c == '+' || c == '-') && i == 0))
                && !((c == 'e' || c == 'E')
                    && s[i + 1..].starts_with(|d: char| d.is_ascii_digit() || d == '-' || d == '+'))
        })
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    // `1e3` is an exponent, but `1E` (exa) is a suffix: the scan above keeps `e`/`E` only
    // when digits follow.
    let (num, suffix) = s.split_at(split);
    if num.is_empty() {
        return None;
    }
    let value: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(value * mult)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn quantities() {
        assert_eq!(parse("250m"), Some(0.25));
        assert_eq!(parse("1"), Some(1.0));
        assert_eq!(parse("0.5"), Some(0.5));
        assert_eq!(parse("512Mi"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse("1e3"), Some(1000.0));
        assert_eq!(parse("2E"), Some(2e18));
        assert_eq!(parse("1k"), Some(1000.0));
        assert_eq!(parse("abc"), None);
        assert_eq!(parse("1Xi"), None);
    }
}
