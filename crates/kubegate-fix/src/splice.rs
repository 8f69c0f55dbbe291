//! Edits as splices of the source text, placed by the spans of kubegate's own tree: only
//! the bytes an edit needs change, so comments, key order, quoting, indentation, flow or
//! block style, blank lines and line endings stay as written. Every edit is checked by
//! parsing the result and comparing the document with the intended one: exactly the
//! fields the edit sets change, or the edit is refused and nothing is written.

use kubegate_yaml::{Bump, Data, Node, Route, Segment};
use std::fmt;

/// Why an edit was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A replacement of the bytes `start..end` of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Byte offsets of the starts of lines, as YAML counts lines (`\r\n`, `\n`, a lone `\r`).
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        let mut offset = 0;
        for l in kubegate_yaml::yaml_lines(text) {
            offset += l.len();
            starts.push(offset);
        }
        Lines { text, starts }
    }

    /// The byte offset of a 1-based line and character column.
    fn offset(&self, pos: kubegate_yaml::Pos) -> Option<usize> {
        let start = *self.starts.get(pos.line.checked_sub(1)? as usize)?;
        let line = &self.text[start..];
        let col = pos.col.checked_sub(1)? as usize;
        line.char_indices()
            .nth(col)
            .map(|(i, _)| start + i)
            .or_else(|| (line.chars().count() == col).then_some(self.text.len()))
    }

    /// The line break the text uses (its first one; `\n` when it has none).
    fn line_break(&self) -> &'static str {
        match self.text.find(['\n', '\r']) {
            Some(i) if self.text[i..].starts_with("\r\n") => "\r\n",
            Some(i) if self.text[i..].starts_with('\r') => "\r",
            _ => "\n",
        }
    }
}

/// A value to set: plain YAML scalar text (`false`, `RuntimeDefault`, `10001`).
pub type Scalar<'v> = &'v str;

/// The splice that makes the field at `path` (from the document's `root`) hold `value`:
/// the scalar replaced when the field holds a scalar; else the key added to its mapping
/// (as the mapping's first key, in its style, at its indentation), creating the mappings
/// on the way that are missing. A path through a list index that does not exist, a
/// field that holds a list or mapping, and mappings kubegate cannot place a key in (an
/// empty block value, a mapping on one line with its parent key) are refused.
pub fn set(text: &str, root: &Node<'_>, path: &Route, value: Scalar<'_>) -> Result<Splice, Refused> {
    let lines = Lines::new(text);
    let segments = path.segments();
    let Some((Segment::Key(last), parents)) = segments.split_last() else {
        return Err(Refused(format!("{path} does not end in a key")));
    };
    // The deepest existing node on the path, and where the path leaves the tree.
    let mut node = root;
    let mut depth = 0;
    for s in parents {
        let next = match s {
            Segment::Key(k) => node.get(k),
            Segment::Index(i) => node.items().get(*i),
        };
        match next {
            Some(n) => {
                node = n;
                depth += 1;
            }
            None => break,
        }
    }
    let missing = &segments[depth..];
    if let [Segment::Key(_)] = missing
        && let Some(existing) = node.get(last)
    {
        return match existing.data {
            Data::Scalar { .. } if !existing.is_null() || existing.span.start != existing.span.end => {
                let start = lines.offset(existing.span.start).ok_or_else(|| Refused(format!("no place for {path}")))?;
                let end = lines.offset(existing.span.end).ok_or_else(|| Refused(format!("no place for {path}")))?;
                Ok(Splice { start, end, text: value.to_string() })
            }
            _ => Err(Refused(format!("{path} holds {}, not a value kubegate replaces", existing.shown()))),
        };
    }
    if missing.iter().any(|s| matches!(s, Segment::Index(_))) {
        return Err(Refused(format!("{path}: the list item does not exist")));
    }
    let keys: Vec<&str> =
        missing.iter().filter_map(|s| if let Segment::Key(k) = s { Some(k.as_str()) } else { None }).collect();
    let step = indent_step(&lines, root).unwrap_or(2);
    insert_keys(&lines, node, &keys, value, path, step)
}

/// Adds `keys[0]: {keys[1]: {… value}}` to the mapping `map` as its first key.
fn insert_keys(
    lines: &Lines<'_>,
    map: &Node<'_>,
    keys: &[&str],
    value: &str,
    path: &Route,
    step: usize,
) -> Result<Splice, Refused> {
    let Data::Map(entries) = map.data else {
        return Err(Refused(format!("{path}: its parent is {}, not a mapping", map.shown())));
    };
    let flow = lines.offset(map.span.start).is_some_and(|o| lines.text[o..].starts_with('{'));
    if flow {
        // `{a: 1}` → `{key: {…: value}, a: 1}`; `{}` → `{key: value}`.
        let open = lines.offset(map.span.start).unwrap_or(0) + 1;
        let (last, outer) = keys.split_last().ok_or_else(|| Refused(format!("{path}: no key to add")))?;
        let mut inner = format!("{last}: {value}");
        for k in outer.iter().rev() {
            inner = format!("{k}: {{{inner}}}");
        }
        let sep = if entries.is_empty() { "" } else { ", " };
        return Ok(Splice { start: open, end: open, text: format!("{inner}{sep}") });
    }
    let Some((first, _)) = entries.first() else {
        return Err(Refused(format!(
            "{path}: its parent mapping is empty, and kubegate does not write a new block there"
        )));
    };
    let mut at = lines.offset(first.span.start).ok_or_else(|| Refused(format!("no place for {path}")))?;
    let line = (first.span.start.line - 1) as usize;
    let line_start = lines.starts[line];
    let prefix = &lines.text[line_start..at];
    let column = prefix.chars().count();
    let indent = " ".repeat(column);
    // Comment lines just above the first key, at its indentation, are about it: the new
    // key goes above them. Comments that open the document (at its start, or right after
    // its `---`) are the file's header: the new key stays below them.
    if prefix.chars().all(|c| c == ' ') {
        let mut above = line;
        while above > 0 {
            let text = &lines.text[lines.starts[above - 1]..lines.starts[above]];
            if text.starts_with(&indent) && text[indent.len()..].starts_with('#') {
                above -= 1;
            } else {
                break;
            }
        }
        let opens = above == 0 || lines.text[lines.starts[above - 1]..].starts_with("---");
        if above < line && !(column == 0 && opens) {
            at = lines.starts[above] + indent.len();
        }
    }
    let br = lines.line_break();
    let mut text = String::new();
    for (depth, k) in keys.iter().enumerate() {
        if depth > 0 {
            text.push_str(br);
            text.push_str(&indent);
            text.push_str(&" ".repeat(step * depth));
        }
        text.push_str(k);
        text.push(':');
        if depth + 1 == keys.len() {
            text.push(' ');
            text.push_str(value);
        }
    }
    text.push_str(br);
    text.push_str(&indent);
    Ok(Splice { start: at, end: at, text })
}

/// How far the document indents a nested block mapping: the first one found (depth
/// first), its first key's column less its parent key's.
fn indent_step(lines: &Lines<'_>, node: &Node<'_>) -> Option<usize> {
    let block = |n: &Node<'_>| lines.offset(n.span.start).is_some_and(|o| !lines.text[o..].starts_with(['{', '[']));
    match node.data {
        Data::Map(entries) if block(node) => entries.iter().find_map(|(key, v)| {
            if let Some((child, _)) = v.entries().first()
                && child.span.start.line > key.span.start.line
                && block(v)
                && let Some(step) = child.span.start.col.checked_sub(key.span.start.col).filter(|s| *s > 0)
            {
                return Some(step as usize);
            }
            indent_step(lines, v)
        }),
        Data::Seq(items) if block(node) => items.iter().find_map(|i| indent_step(lines, i)),
        _ => None,
    }
}

/// The splice that makes `item` (YAML text of a scalar) the first item of the list at
/// `path`, in the list's style: `[a]` becomes `[item, a]`, a block list gains a
/// `- item` line before its first item at its indentation. A list that is missing or not
/// a list is refused (set the field with [`set`] instead).
pub fn prepend(text: &str, root: &Node<'_>, path: &Route, item: &str) -> Result<Splice, Refused> {
    let lines = Lines::new(text);
    let node = root.at(path).ok_or_else(|| Refused(format!("{path} does not exist")))?;
    let Data::Seq(items) = node.data else {
        return Err(Refused(format!("{path} holds {}, not a list", node.shown())));
    };
    let start = lines.offset(node.span.start).ok_or_else(|| Refused(format!("no place for {path}")))?;
    if text[start..].starts_with('[') {
        let sep = if items.is_empty() { "" } else { ", " };
        return Ok(Splice { start: start + 1, end: start + 1, text: format!("{item}{sep}") });
    }
    let first = items.first().ok_or_else(|| Refused(format!("{path} is an empty block list")))?;
    let at = lines.offset(first.span.start).ok_or_else(|| Refused(format!("no place for {path}")))?;
    let line_start = lines.starts[(first.span.start.line - 1) as usize];
    let dash = text[line_start..at]
        .rfind('-')
        .map(|d| line_start + d)
        .ok_or_else(|| Refused(format!("no place for {path}")))?;
    let indent = " ".repeat(text[line_start..dash].chars().count());
    Ok(Splice { start: dash, end: dash, text: format!("- {item}{}{indent}", lines.line_break()) })
}

/// The splice that rewrites the text `from` to `to` inside the scalar at `path`, keeping
/// its quotes (`image: "app:1"` → `image: "app:1@sha256:…"`), and the scalar's new source
/// text (for [`Change::Set`]). A scalar whose source does not hold `from` once, as
/// written (escapes, a folded or multi-line scalar), is refused.
pub fn rewrite_scalar(
    text: &str,
    root: &Node<'_>,
    path: &Route,
    from: &str,
    to: &str,
) -> Result<(Splice, String), Refused> {
    let lines = Lines::new(text);
    let node = root.at(path).ok_or_else(|| Refused(format!("{path} does not exist")))?;
    if !matches!(node.data, Data::Scalar { .. }) {
        return Err(Refused(format!("{path} holds {}, not a value", node.shown())));
    }
    let start = lines.offset(node.span.start).ok_or_else(|| Refused(format!("no place for {path}")))?;
    let end = lines.offset(node.span.end).ok_or_else(|| Refused(format!("no place for {path}")))?;
    let source = &text[start..end];
    if from.is_empty() || source.matches(from).count() != 1 || source.contains(['\n', '\r']) {
        return Err(Refused(format!("{path} is not written as one plain or quoted line kubegate can edit")));
    }
    let new = source.replacen(from, to, 1);
    Ok((Splice { start, end, text: new.clone() }, new))
}

/// An intended change of a document, for [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The field holds this value (YAML text).
    Set(Route, String),
    /// The list gains this item (YAML text) first.
    Prepend(Route, String),
}

/// Applies splices (which must not overlap) to `text`.
pub fn apply(text: &str, splices: &[Splice]) -> String {
    let mut sorted: Vec<&Splice> = splices.iter().collect();
    sorted.sort_by_key(|s| (s.start, s.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for s in sorted {
        out.push_str(&text[at..s.start]);
        out.push_str(&s.text);
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Whether the node holds the value the YAML text `value` says.
pub fn holds(node: &Node<'_>, value: &str) -> bool {
    let arena = Bump::new();
    let parsed = kubegate_yaml::load(value, &arena);
    parsed.error.is_none() && parsed.documents.first().is_some_and(|d| same(&d.root, node))
}

/// Equal as data: scalars by their text (quoting aside), lists and mappings item by item.
fn same(a: &Node<'_>, b: &Node<'_>) -> bool {
    match (&a.data, &b.data) {
        (Data::Scalar { text: x, .. }, Data::Scalar { text: y, .. }) => x == y,
        (Data::Seq(x), Data::Seq(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q)),
        (Data::Map(x), Data::Map(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|((k, v), (l, w))| k.text == l.text && same(v, w))
        }
        _ => false,
    }
}

/// A document as data (no positions), to compare a document before and after an edit.
fn value(n: &Node<'_>) -> serde_json::Value {
    match n.data {
        Data::Scalar { text, kind, .. } => serde_json::json!([format!("{kind:?}"), text]),
        Data::Seq(items) => items.iter().map(value).collect(),
        Data::Map(entries) => {
            serde_json::Value::Object(entries.iter().map(|(k, v)| (k.text.to_string(), value(v))).collect())
        }
    }
}

/// Checks that `after` is `before` with exactly `changes` made in document `doc` (and
/// every other document unchanged): the result must parse, and hold the same data but
/// for the fields changed, which must hold their new values.
pub fn verify(before: &str, after: &str, doc: usize, changes: &[Change]) -> Result<(), Refused> {
    let (a, b) = (Bump::new(), Bump::new());
    let old = kubegate_yaml::load(before, &a);
    let new = kubegate_yaml::load(after, &b);
    if let Some(e) = new.error {
        return Err(Refused(format!("the edited text does not parse: {} at line {}", e.message, e.pos.line)));
    }
    if old.documents.len() != new.documents.len() {
        return Err(Refused("the edit changed the number of documents".into()));
    }
    let parse = |text: &str| {
        let arena = Bump::new();
        let parsed = kubegate_yaml::load(text, &arena);
        parsed.documents.first().map(|d| value(&d.root)).ok_or_else(|| Refused(format!("`{text}` is not a value")))
    };
    for (i, (o, n)) in old.documents.iter().zip(&new.documents).enumerate() {
        let mut expected = value(&o.root);
        if i == doc {
            for change in changes {
                let (path, result) = match change {
                    Change::Set(path, text) => (path, place(&mut expected, path.segments(), parse(text)?)),
                    Change::Prepend(path, text) => {
                        let item = parse(text)?;
                        // A missing list is made with the item (as the fix stage does).
                        let found = locate(&mut expected, path.segments());
                        match found {
                            Some(serde_json::Value::Array(list)) => {
                                list.insert(0, item);
                                (path, Ok(()))
                            }
                            None => (path, place(&mut expected, path.segments(), serde_json::Value::Array(vec![item]))),
                            Some(_) => (path, Err("not a list".to_string())),
                        }
                    }
                };
                result.map_err(|e| Refused(format!("{path}: {e}")))?;
            }
        }
        if value(&n.root) != expected {
            return Err(Refused(format!("the edit would change more than it should in document {}", i + 1)));
        }
    }
    Ok(())
}

fn locate<'v>(target: &'v mut serde_json::Value, path: &[Segment]) -> Option<&'v mut serde_json::Value> {
    path.iter().try_fold(target, |t, s| match s {
        Segment::Key(k) => t.as_object_mut()?.get_mut(k),
        Segment::Index(i) => t.get_mut(*i),
    })
}

fn place(target: &mut serde_json::Value, path: &[Segment], v: serde_json::Value) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        *target = v;
        return Ok(());
    };
    let next = match first {
        Segment::Key(k) => {
            if target.is_null() || target.get(0).is_some_and(|k| k == "Null") {
                *target = serde_json::Value::Object(Default::default());
            }
            target.as_object_mut().ok_or("not a mapping")?.entry(k.clone()).or_insert(serde_json::Value::Null)
        }
        Segment::Index(i) => target.get_mut(*i).ok_or("no such item")?,
    };
    place(next, rest, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets `path` to `value` in document `doc` of `text`, checked; the edited text.
    fn edit(text: &str, doc: usize, path: &str, value: &str) -> Result<String, Refused> {
        let arena = Bump::new();
        let loaded = kubegate_yaml::load(text, &arena);
        let root = &loaded.documents[doc].root;
        let route = Route::parse(path);
        let splice = set(text, root, &route, value)?;
        let after = apply(text, &[splice]);
        verify(text, &after, doc, &[Change::Set(route, value.to_string())])?;
        Ok(after)
    }

    fn prepended(text: &str, path: &str, item: &str) -> Result<String, Refused> {
        let arena = Bump::new();
        let loaded = kubegate_yaml::load(text, &arena);
        let route = Route::parse(path);
        let splice = prepend(text, &loaded.documents[0].root, &route, item)?;
        let after = apply(text, &[splice]);
        verify(text, &after, 0, &[Change::Prepend(route, item.to_string())])?;
        Ok(after)
    }

    #[test]
    fn a_list_gains_its_first_item_in_its_style_keeping_the_others() {
        let block = "capabilities:\n  add:\n    - NET_BIND_SERVICE\n  drop:\n    - NET_RAW  # why\n";
        assert_eq!(
            prepended(block, "capabilities.drop", "ALL").unwrap(),
            "capabilities:\n  add:\n    - NET_BIND_SERVICE\n  drop:\n    - ALL\n    - NET_RAW  # why\n"
        );
        let compact = "drop:\n- NET_RAW\n";
        assert_eq!(prepended(compact, "drop", "ALL").unwrap(), "drop:\n- ALL\n- NET_RAW\n");
        assert_eq!(prepended("drop: [NET_RAW]\n", "drop", "ALL").unwrap(), "drop: [ALL, NET_RAW]\n");
        assert_eq!(prepended("drop: []\n", "drop", "ALL").unwrap(), "drop: [ALL]\n");
        assert_eq!(prepended("add: [X]\n", "drop", "ALL").unwrap_err(), Refused("drop does not exist".into()));
        assert_eq!(prepended("drop: x\n", "drop", "ALL").unwrap_err(), Refused("drop holds x, not a list".into()));
    }

    const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web  # the front end
spec:
  containers:
    - name: app
      image: \"nginx:1.27\"
      securityContext:
        # set by the platform team
        runAsUser: 10001
        allowPrivilegeEscalation: true   # TODO
    - name: sidecar
      image: 'envoy:1.30'
";

    #[test]
    fn a_scalar_is_replaced_and_everything_else_stays_byte_for_byte() {
        let after = edit(POD, 0, "spec.containers[0].securityContext.allowPrivilegeEscalation", "false").unwrap();
        assert_eq!(
            after,
            POD.replace("allowPrivilegeEscalation: true   # TODO", "allowPrivilegeEscalation: false   # TODO")
        );
    }

    #[test]
    fn a_missing_key_goes_first_in_its_mapping_at_its_indentation_and_missing_parents_are_made() {
        let after = edit(POD, 0, "spec.containers[0].securityContext.seccompProfile.type", "RuntimeDefault").unwrap();
        assert_eq!(
            after,
            POD.replace(
                "        # set by the platform team\n        runAsUser",
                "        seccompProfile:\n          type: RuntimeDefault\n        # set by the platform team\n        runAsUser"
            )
        );
        // A mapping that starts on a list item's line.
        let after = edit(POD, 0, "spec.containers[1].securityContext.allowPrivilegeEscalation", "false").unwrap();
        assert_eq!(
            after,
            POD.replace(
                "    - name: sidecar",
                "    - securityContext:\n        allowPrivilegeEscalation: false\n      name: sidecar"
            )
        );
    }

    #[test]
    fn flow_mappings_crlf_and_other_documents_keep_their_style() {
        let text =
            "kind: Pod\r\nspec:\r\n  containers:\r\n    - {name: app, securityContext: {}}\r\n---\r\nkind: Pod\r\n";
        let after = edit(text, 0, "spec.containers[0].securityContext.allowPrivilegeEscalation", "false").unwrap();
        assert_eq!(after, text.replace("securityContext: {}", "securityContext: {allowPrivilegeEscalation: false}"));
        let after = edit(text, 0, "spec.containers[0].securityContext.capabilities.drop", "[ALL]").unwrap();
        assert_eq!(after, text.replace("securityContext: {}", "securityContext: {capabilities: {drop: [ALL]}}"));
        let after = edit(text, 0, "spec.hostPID", "false").unwrap();
        assert_eq!(after, text.replace("spec:\r\n  containers:", "spec:\r\n  hostPID: false\r\n  containers:"));
        // The second document, and only it.
        let text = "kind: A\nspec:\n  x: 1\n---\nkind: B\nspec:\n  x: 1\n";
        let after = edit(text, 1, "spec.y", "2").unwrap();
        assert_eq!(after, "kind: A\nspec:\n  x: 1\n---\nkind: B\nspec:\n  y: 2\n  x: 1\n");
    }

    #[test]
    fn indentation_follows_the_file() {
        let text = "spec:\n    template:\n        spec:\n            containers: []\n";
        let after = edit(text, 0, "spec.template.spec.securityContext.runAsNonRoot", "true").unwrap();
        assert_eq!(
            after,
            "spec:\n    template:\n        spec:\n            securityContext:\n                runAsNonRoot: true\n            containers: []\n"
        );
    }

    #[test]
    fn what_cannot_be_placed_safely_is_refused_with_a_reason() {
        assert_eq!(
            edit("spec:\n  securityContext:\n", 0, "spec.securityContext.runAsNonRoot", "true").unwrap_err(),
            Refused("spec.securityContext.runAsNonRoot: its parent is null, not a mapping".into())
        );
        assert_eq!(
            edit("spec:\n  containers: []\n", 0, "spec.containers[0].name", "x").unwrap_err(),
            Refused("spec.containers[0].name: the list item does not exist".into())
        );
        assert_eq!(
            edit("spec:\n  a: [1]\n", 0, "spec.a", "2").unwrap_err(),
            Refused("spec.a holds a list, not a value kubegate replaces".into())
        );
        // A splice that would change more than intended is caught by the check.
        let text = "a:\n  b: 1\n";
        let wrong = apply(text, &[Splice { start: 3, end: 3, text: "c: 2\n".into() }]);
        assert_eq!(
            verify(text, &wrong, 0, &[Change::Set(Route::parse("a.c"), "2".into())]).unwrap_err(),
            Refused("the edited text does not parse: mapping values are not allowed in this context at line 3".into())
        );
        let moved = "a:\n  b: 1\nc: 2\n";
        assert_eq!(
            verify(text, moved, 0, &[Change::Set(Route::parse("a.c"), "2".into())]).unwrap_err(),
            Refused("the edit would change more than it should in document 1".into())
        );
    }
}
