//! Unified diffs of fixed files (`kubegate fix --diff`). A file is compared part by part
//! (its documents, as the fix made them): unchanged parts are equal line for line, and a
//! changed document is compared by longest common subsequence of its lines, which a
//! document's size keeps cheap.

/// One line's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equal(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// The lines of a text with their line breaks (a CRLF file's diff keeps its `\r`, as
/// `patch` needs to apply it).
fn lines(text: &str) -> Vec<&str> {
    kubegate_yaml::yaml_lines(text).collect()
}

/// One diff line: its mark and the line as written; a last line without a line break
/// is marked as `diff` marks it.
fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with(['\n', '\r']) {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// The unified diff of a file whose text is the concatenation of `segments` (old, new),
/// with three lines of context; empty when nothing changed.
pub fn unified(path: &str, segments: &[(&str, &str)]) -> String {
    let (mut old, mut new, mut ops) = (Vec::new(), Vec::new(), Vec::new());
    for (a, b) in segments {
        let (la, lb) = (lines(a), lines(b));
        let (oa, ob) = (old.len(), new.len());
        if a == b {
            ops.extend((0..la.len()).map(|i| Op::Equal(oa + i, ob + i)));
        } else {
            ops.extend(lcs(&la, &lb).into_iter().map(|op| match op {
                Op::Equal(i, j) => Op::Equal(oa + i, ob + j),
                Op::Delete(i) => Op::Delete(oa + i),
                Op::Insert(j) => Op::Insert(ob + j),
            }));
        }
        old.extend(la);
        new.extend(lb);
    }
    let changed: Vec<usize> =
        ops.iter().enumerate().filter(|(_, o)| !matches!(o, Op::Equal(..))).map(|(i, _)| i).collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let context = 3;
    let mut k = 0;
    while k < changed.len() {
        // A hunk: changes closer than twice the context belong together.
        let first = changed[k];
        let mut last = first;
        while k + 1 < changed.len() && changed[k + 1] - last <= 2 * context {
            k += 1;
            last = changed[k];
        }
        k += 1;
        let start = first.saturating_sub(context);
        let end = (last + context + 1).min(ops.len());
        let hunk = &ops[start..end];
        let (old_start, new_start) = position(&ops, start);
        let old_count = hunk.iter().filter(|o| !matches!(o, Op::Insert(_))).count();
        let new_count = hunk.iter().filter(|o| !matches!(o, Op::Delete(_))).count();
        out.push_str(&format!(
            "@@ -{},{old_count} +{},{new_count} @@\n",
            old_start + usize::from(old_count > 0),
            new_start + usize::from(new_count > 0)
        ));
        for op in hunk {
            match *op {
                Op::Equal(i, _) => push_line(&mut out, ' ', old[i]),
                Op::Delete(i) => push_line(&mut out, '-', old[i]),
                Op::Insert(j) => push_line(&mut out, '+', new[j]),
            }
        }
    }
    out
}

/// Lines of the old and new text before op `at`.
fn position(ops: &[Op], at: usize) -> (usize, usize) {
    ops[..at].iter().fold((0, 0), |(o, n), op| match op {
        Op::Equal(..) => (o + 1, n + 1),
        Op::Delete(_) => (o + 1, n),
        Op::Insert(_) => (o, n + 1),
    })
}

/// The edit script from `a` to `b` by longest common subsequence (deletions before
/// insertions at each change).
fn lcs(a: &[&str], b: &[&str]) -> Vec<Op> {
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        // Too large to compare line by line: the whole part replaced.
        return (0..a.len()).map(Op::Delete).chain((0..b.len()).map(Op::Insert)).collect();
    }
    let (n, m) = (a.len(), b.len());
    let mut table = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * (m + 1) + j] = if a[i] == b[j] {
                table[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                table[(i + 1) * (m + 1) + j].max(table[i * (m + 1) + j + 1])
            };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Equal(i, j));
            i += 1;
            j += 1;
        } else if j < m && (i == n || table[i * (m + 1) + j + 1] > table[(i + 1) * (m + 1) + j]) {
            ops.push(Op::Insert(j));
            j += 1;
        } else {
            ops.push(Op::Delete(i));
            i += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_with_context_as_patch_reads_them() {
        let old = "a: 1\nb:\n  c: 2\n  d: 3\ne: 4\nf: 5\ng: 6\nh: 7\ni: 8\nj: 9\nk: 10\nl: 11\n";
        let new = old.replace("  c: 2\n", "  x: 0\n  c: 2\n").replace("l: 11\n", "l: 12\n");
        assert_eq!(
            unified("k8s/app.yaml", &[(old, &new)]),
            "--- a/k8s/app.yaml\n+++ b/k8s/app.yaml\n@@ -1,5 +1,6 @@\n a: 1\n b:\n+  x: 0\n   c: 2\n   d: 3\n e: 4\n@@ -9,4 +10,4 @@\n i: 8\n j: 9\n k: 10\n-l: 11\n+l: 12\n"
        );
        assert_eq!(unified("x", &[(old, old)]), "");
        // Parts: the second document's change is numbered from the file's start.
        let second = "---\nkind: B\nspec:\n  x: 1\n";
        let fixed = "---\nkind: B\nspec:\n  y: 2\n  x: 1\n";
        assert_eq!(
            unified("s.yaml", &[("kind: A\n", "kind: A\n"), (second, fixed)]),
            "--- a/s.yaml\n+++ b/s.yaml\n@@ -2,4 +2,5 @@\n ---\n kind: B\n spec:\n+  y: 2\n   x: 1\n"
        );
        // Line breaks as written; a last line without one is marked.
        assert_eq!(
            unified("c.yaml", &[("a: 1\r\nb: 2", "a: 1\r\nb: 3")]),
            "--- a/c.yaml\n+++ b/c.yaml\n@@ -1,2 +1,2 @@\n a: 1\r\n-b: 2\n\\ No newline at end of file\n+b: 3\n\\ No newline at end of file\n"
        );
    }
}
