//! Warnings as the API server passes them on: it silently drops a warning holding a
//! control character (a line break included) or invalid UTF-8, drops duplicates, and
//! once a request's warnings pass 4,096 characters in all cuts every warning to 256 and
//! then drops the rest. kubegate's warnings are one line each, at most [`MAX_CHARS`]
//! characters, at most [`MAX_WARNINGS`] in all (the last saying how many more), so that
//! every one arrives whole and room is left for other webhooks'.

/// The longest warning kubegate writes, in characters (the API server's guidance).
pub const MAX_CHARS: usize = 120;

/// The most warnings one response carries, the "… N more" line included.
pub const MAX_WARNINGS: usize = 20;

/// One line: control characters become spaces, runs of spaces one, and a text longer
/// than [`MAX_CHARS`] is cut with `…`.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS * 4));
    let mut space = false;
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' {
            if space {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        out.push(c);
    }
    let out = out.trim();
    if out.chars().count() <= MAX_CHARS {
        return out.to_string();
    }
    let mut cut: String = out.chars().take(MAX_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// The warnings of a response: each one line, duplicates dropped, capped in number.
pub fn shape(lines: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in lines {
        let l = one_line(&l);
        if !l.is_empty() && !out.contains(&l) {
            out.push(l);
        }
    }
    if out.len() > MAX_WARNINGS {
        let more = out.len() - (MAX_WARNINGS - 1);
        out.truncate(MAX_WARNINGS - 1);
        out.push(format!("… {more} more findings: run `kubegate test` on the manifest to see them all"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_short_and_whole() {
        assert_eq!(one_line("a\nb\r\n\tc\u{1b}[2Jd"), "a b c [2Jd");
        let long = "x".repeat(300);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), MAX_CHARS);
        assert!(cut.ends_with('…'));
        // Characters, not bytes.
        assert_eq!(one_line(&"é".repeat(120)).chars().count(), 120);
        assert_eq!(one_line(&"é".repeat(121)).chars().count(), 120);
    }

    #[test]
    fn capped_with_a_count_of_the_rest_and_no_duplicates() {
        let w = shape((0..30).map(|i| format!("w{i}")).chain(["w1".to_string()]));
        assert_eq!(w.len(), MAX_WARNINGS);
        assert_eq!(w[18], "w18");
        assert_eq!(w[19], "… 11 more findings: run `kubegate test` on the manifest to see them all");
        assert_eq!(shape(["a".to_string(), "a".to_string(), "\n".to_string()]), ["a"]);
    }
}
