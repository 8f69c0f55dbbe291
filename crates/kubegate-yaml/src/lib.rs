//! The load stage: a spanned YAML tree built from `saphyr-parser` events.
//!
//! Every key and value knows its 1-based line and column. Scalars resolve the way
//! Kubernetes resolves them (YAML 1.1 booleans, as `sigs.k8s.io/yaml` does), anchors and
//! aliases are expanded under a budget, `<<` merge keys are applied, and duplicate keys are
//! recorded (the last value wins, as in Kubernetes) instead of failing the parse.

mod json;
mod resolve;
pub mod route;
mod tree;

pub use bumpalo::Bump;
pub use json::from_json;
pub use resolve::{parse_float, parse_int, resolve_plain};
pub use route::{Route, Segment};
pub use tree::{Data, Key, Node, ScalarKind};

use saphyr_parser::{Event, Parser, ScalarStyle, Span as PSpan};
use std::borrow::Cow;
use std::collections::HashMap;

/// A position in a source file: 1-based line and 1-based column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A range in a source file; `end` is exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn point(p: Pos) -> Span {
        Span { start: p, end: p }
    }
}

fn pos(m: saphyr_parser::Marker) -> Pos {
    Pos { line: m.line() as u32, col: m.col() as u32 + 1 }
}

fn span(s: PSpan) -> Span {
    Span { start: pos(s.start), end: pos(s.end) }
}

/// How many nodes alias expansion may create in one file (all its documents together)
/// before the file is rejected (protection against "billion laughs" documents).
pub const ALIAS_EXPANSION_BUDGET: usize = 100_000;

/// How deeply collections may nest, block and flow alike (`- - - x` is three levels, so is
/// `[[[x]]]`), counting what aliases bring in. Deeper input is an error at the collection
/// that crosses the limit: every later stage (the rules, the Rego input, regorus' own
/// walks) may then recurse over a tree without risking the stack. Real manifests nest
/// about 10 levels, CRD schemas under 100.
pub const MAX_NESTING: usize = 256;

/// From this many keys on, a mapping being built keeps a hash index of its keys, so that
/// duplicate-key detection stays linear in the size of the mapping.
const INDEX_FROM: usize = 8;

/// One YAML document of a stream.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    /// 0-based index of the document in its stream (in its part, for a part parsed on
    /// its own with [`load_part`]).
    pub index: usize,
    pub root: Node<'a>,
}

/// A key that appears twice in one mapping.
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    pub key: String,
    /// Field path of the repeated key (`spec.template.spec.containers[0].image`).
    pub path: Route,
    /// The later occurrence (whose value is the one kept).
    pub span: Span,
    /// The first occurrence.
    pub first: Span,
}

/// Why a file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub pos: Pos,
    pub message: String,
}

/// The result of loading a whole stream: every document that parsed completely, the
/// duplicate keys seen, and the error that stopped the parse, if any.
#[derive(Debug, Default)]
pub struct Loaded<'a> {
    pub documents: Vec<Document<'a>>,
    pub duplicates: Vec<DuplicateKey>,
    pub error: Option<LoadError>,
}

/// Parses a YAML (or JSON) stream into spanned documents, all kept, allocated in `arena`.
pub fn load<'a>(text: &'a str, arena: &'a Bump) -> Loaded<'a> {
    let mut out = Loaded::default();
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::new(arena, text, text.is_ascii());
    loop {
        match builder.next_document(&mut parser) {
            Step::Document(doc) => {
                out.documents.push(doc);
                out.duplicates.append(&mut builder.duplicates);
            }
            Step::End => return out,
            Step::Error(e) => {
                out.error = Some(e);
                return out;
            }
        }
    }
}

/// Parses a stream one document at a time: `f` receives each document (with the duplicate
/// keys found in it) as soon as it is complete. A document's tree lives in an arena that
/// is reset once `f` returns, so only one document is in memory at a time and freeing a
/// tree costs nothing. Returns the error that stopped the parse; documents before it
/// were delivered.
pub fn load_each(text: &str, f: impl FnMut(Document<'_>, Vec<DuplicateKey>)) -> Option<LoadError> {
    load_each_from(text, &mut Cursor { ascii: text.is_ascii(), ..Cursor::default() }, f)
}

/// Like [`load_each`], but a document that cannot be parsed does not stop the stream:
/// its error is recorded and parsing resumes at the next line that starts a document
/// (`---`), so every other document of the stream is still delivered. Returns the errors,
/// in order; positions (of errors and of nodes) are those of the whole stream.
pub fn load_each_recovering(text: &str, f: impl FnMut(Document<'_>, Vec<DuplicateKey>)) -> Vec<LoadError> {
    load_part(Part { text, line0: 0 }, f).errors
}

/// A part of a stream that starts where a document starts, to be parsed on its own (see
/// [`split_stream`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part<'t> {
    pub text: &'t str,
    /// Lines of the stream before the part.
    pub line0: u32,
}

/// What parsing one part of a stream found besides its documents.
#[derive(Debug, Default)]
pub struct PartLoad {
    /// The documents that could not be parsed, in order.
    pub errors: Vec<LoadError>,
    /// Nodes alias expansion created in the part: a stream's parts together are within
    /// [`ALIAS_EXPANSION_BUDGET`] only if the sum of theirs is.
    pub expanded: usize,
}

/// Splits a stream into parts of about `target` bytes at lines that start a document:
/// `---` at the start of a line followed by a space, a tab or a line break, where a YAML
/// document ends whatever it holds (a block or plain scalar ends there; a quoted scalar
/// or a flow collection left open there is an error, so it cannot hide in a part that
/// parses cleanly). Never after a directive line (`%…`), which belongs to the document
/// after it. The parts' texts concatenate to the stream; each part parsed on its own
/// with [`load_part`] gives the documents and positions the whole stream gives, as long
/// as no part fails to parse and the parts' alias expansion stays within the budget
/// together (the caller checks both, and parses the whole stream otherwise).
pub fn split_stream(text: &str, target: usize) -> Vec<Part<'_>> {
    let target = target.max(1);
    if text.len() <= target {
        return vec![Part { text, line0: 0 }];
    }
    let is_marker = |l: &str| {
        l.strip_prefix("---").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
    };
    let mut parts = Vec::new();
    let (mut start, mut start_line) = (0usize, 0u32);
    let (mut offset, mut line) = (0usize, 0u32);
    let mut after_directive = false;
    let mut after_indicator = false;
    for l in yaml_lines(text) {
        if offset - start >= target && !after_directive && !after_indicator && is_marker(l) {
            parts.push(Part { text: &text[start..offset], line0: start_line });
            (start, start_line) = (offset, line);
        }
        after_directive = l.starts_with('%');
        if !l.trim().is_empty() {
            after_indicator = ends_with_block_indicator(l);
        }
        offset += l.len();
        line += 1;
    }
    parts.push(Part { text: &text[start..], line0: start_line });
    parts
}

/// Whether a line ends with a block scalar's indicator (`|`, `>-`, `|2+`, a comment after
/// it allowed): a scalar left empty there is placed at the next document's marker when
/// one follows, and at its indicator at the end of the text, so a stream is not cut
/// after such a line (found by fuzzing).
fn ends_with_block_indicator(line: &str) -> bool {
    let line = line.trim_end();
    let line = match line.find(" #") {
        Some(i) => line[..i].trim_end(),
        None => line,
    };
    let token = line.rsplit([' ', '\t']).next().unwrap_or("");
    let mut chars = token.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.as_str().len() <= 2
        && chars.all(|c| matches!(c, '+' | '-' | '1'..='9'))
}

/// Parses one part of a stream as [`load_each_recovering`] parses a whole one, with
/// positions counted from the part's place in the stream.
pub fn load_part(part: Part<'_>, mut f: impl FnMut(Document<'_>, Vec<DuplicateKey>)) -> PartLoad {
    let text = part.text;
    let mut errors = Vec::new();
    // The stream is scanned once for being ASCII; the alias budget and document count run
    // on across resumptions.
    let mut cursor = Cursor { ascii: text.is_ascii(), line0: part.line0, ..Cursor::default() };
    // The byte offset of the part of the stream still to parse.
    let mut from = 0usize;
    loop {
        let rest = &text[from..];
        let Some(error) = load_each_from(rest, &mut cursor, &mut f) else {
            return PartLoad { errors, expanded: cursor.expanded };
        };
        cursor.doc_index += 1;
        // Resume after the failed line, at the next document start.
        let failed_line = error.pos.line.saturating_sub(cursor.line0).max(1) as usize;
        errors.push(error);
        let is_marker = |l: &str| l.starts_with("---") && l[3..].chars().next().is_none_or(char::is_whitespace);
        let mut offset = 0usize;
        let mut lines = yaml_lines(rest);
        for l in lines.by_ref().take(failed_line - 1) {
            offset += l.len();
        }
        // The failing line itself may start the next document (an unclosed `[` runs into
        // the `---` after it): resume there, unless nothing would be gained.
        let mut skipped = failed_line - 1;
        let mut resume = None;
        for l in lines {
            if is_marker(l) && offset > 0 {
                resume = Some(offset);
                break;
            }
            offset += l.len();
            skipped += 1;
        }
        let Some(resume) = resume else { return PartLoad { errors, expanded: cursor.expanded } };
        from += resume;
        cursor.line0 += skipped as u32;
    }
}

/// The lines of a text with their line breaks, as YAML counts them: `\r\n`, `\n` and a
/// lone `\r` each end a line (positions from the parser count the same way).
pub fn yaml_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match rest.find(['\n', '\r']) {
            Some(i) if rest[i..].starts_with("\r\n") => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        };
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

/// Where parsing of a stream stands between the parts it is parsed in.
#[derive(Default)]
struct Cursor {
    /// Lines before the part being parsed.
    line0: u32,
    /// Documents delivered (or failed) so far.
    doc_index: usize,
    /// Nodes alias expansion has created so far: the budget is the file's.
    expanded: usize,
    /// Whether the whole stream is ASCII (scanned once, not once per arena reset).
    ascii: bool,
}

/// Parses `text` (a part of a stream, at `cursor`) one document at a time. One builder
/// (and its scratch stacks) serves documents until the arena holds ARENA_RESET_BYTES;
/// then the arena is reset and a new builder starts.
fn load_each_from(
    text: &str,
    cursor: &mut Cursor,
    mut f: impl FnMut(Document<'_>, Vec<DuplicateKey>),
) -> Option<LoadError> {
    thread_local! {
        /// Each thread's arena, kept between files and parts (reset, its largest chunk
        /// kept) rather than allocated and freed for each, which scatters the heap.
        static ARENA: std::cell::RefCell<Bump> = std::cell::RefCell::new(Bump::new());
    }
    ARENA.with(|kept| match kept.try_borrow_mut() {
        Ok(mut arena) => {
            arena.reset();
            load_each_in(text, cursor, &mut f, &mut arena)
        }
        // Loading from inside `f` (a nested load on this thread): an arena of its own.
        Err(_) => load_each_in(text, cursor, &mut f, &mut Bump::new()),
    })
}

fn load_each_in(
    text: &str,
    cursor: &mut Cursor,
    mut f: impl FnMut(Document<'_>, Vec<DuplicateKey>),
    arena: &mut Bump,
) -> Option<LoadError> {
    let mut parser = Parser::new_from_str(text);
    loop {
        let mut builder = Builder::new(arena, text, cursor.ascii);
        builder.doc_index = cursor.doc_index;
        builder.line0 = cursor.line0;
        builder.expanded = cursor.expanded;
        let step = loop {
            match builder.next_document(&mut parser) {
                Step::Document(doc) => {
                    let duplicates = std::mem::take(&mut builder.duplicates);
                    f(doc, duplicates);
                    if arena.allocated_bytes() > ARENA_RESET_BYTES {
                        break None;
                    }
                }
                Step::End => break Some(None),
                Step::Error(e) => break Some(Some(e)),
            }
        };
        cursor.doc_index = builder.doc_index;
        cursor.expanded = builder.expanded;
        drop(builder);
        if let Some(result) = step {
            return result;
        }
        arena.reset();
    }
}

/// How much finished documents may hold in the arena before it is reset.
const ARENA_RESET_BYTES: usize = 1 << 20;

/// Parses a stream with no tree building at all: the cost floor of the load stage.
/// Returns the number of events, so the work cannot be optimised away.
pub fn parse_events_only(text: &str) -> Result<usize, LoadError> {
    let mut count = 0usize;
    for ev in Parser::new_from_str(text) {
        match ev {
            Ok(_) => count += 1,
            Err(e) => {
                return Err(LoadError { pos: pos(*e.marker()), message: e.info().to_string() });
            }
        }
    }
    Ok(count)
}

enum Step<'a> {
    Document(Document<'a>),
    End,
    Error(LoadError),
}

/// A collection being built. Its children live on the builder's scratch stacks from
/// `scratch` on, and move into an exactly sized arena slice when the collection ends.
struct Frame<'a> {
    map: bool,
    start: Pos,
    anchor: usize,
    scratch: usize,
    pending_key: Option<Key<'a>>,
    merges: Vec<Node<'a>>,
    /// Nodes in the collection so far, itself included (what an alias of it expands to).
    nodes: usize,
    /// Levels of collections below this one (0 while it holds only scalars).
    below: usize,
    /// A mapping's keys and their positions in the entries, once it has [`INDEX_FROM`] keys.
    index: Option<HashMap<&'a str, usize>>,
}

impl<'a> Frame<'a> {
    /// Where `key` stands among the entries `entries[self.scratch..]`, if it is there.
    fn find(&self, entries: &[(Key<'a>, Node<'a>)], key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => entries[self.scratch..].iter().position(|(k, _)| k.text == key).map(|i| self.scratch + i),
        }
    }

    /// Records that `entries` gained its last element (builds the index when it is due).
    fn added(&mut self, entries: &[(Key<'a>, Node<'a>)]) {
        let count = entries.len() - self.scratch;
        match &mut self.index {
            Some(index) => {
                if let Some((k, _)) = entries.last() {
                    index.insert(k.text, entries.len() - 1);
                }
            }
            None if count >= INDEX_FROM => {
                let index =
                    entries[self.scratch..].iter().enumerate().map(|(i, (k, _))| (k.text, self.scratch + i)).collect();
                self.index = Some(index);
            }
            None => {}
        }
    }
}

/// An anchored node, with its size and height for the alias budget and the nesting limit.
#[derive(Clone, Copy)]
struct Anchored<'a> {
    node: Node<'a>,
    nodes: usize,
    height: usize,
}

struct Builder<'a> {
    arena: &'a Bump,
    /// The stream's text; scalars borrow from it where they can.
    source: &'a str,
    /// In ASCII text the parser's character offsets are byte offsets.
    ascii: bool,
    frames: Vec<Frame<'a>>,
    items: Vec<Node<'a>>,
    entries: Vec<(Key<'a>, Node<'a>)>,
    anchors: HashMap<usize, Anchored<'a>>,
    finished: Option<Document<'a>>,
    duplicates: Vec<DuplicateKey>,
    error: Option<LoadError>,
    expanded: usize,
    doc_index: usize,
    /// Lines before the text being parsed (when parsing resumes inside a stream).
    line0: u32,
}

impl<'a> Builder<'a> {
    fn new(arena: &'a Bump, source: &'a str, ascii: bool) -> Self {
        Builder {
            arena,
            source,
            ascii,
            frames: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            anchors: HashMap::new(),
            finished: None,
            duplicates: Vec::new(),
            error: None,
            expanded: 0,
            doc_index: 0,
            line0: 0,
        }
    }

    /// Feeds parser events until a document is complete, the stream ends, or it fails.
    fn next_document<'s: 'a>(&mut self, parser: &mut Parser<'s, saphyr_parser::StrInput<'s>>) -> Step<'a> {
        for ev in parser.by_ref() {
            match ev {
                Ok((ev, sp)) => self.on_event(ev, sp),
                Err(e) => {
                    let mut at = pos(*e.marker());
                    at.line += self.line0;
                    return Step::Error(LoadError { pos: at, message: e.info().to_string() });
                }
            }
            if let Some(e) = self.error.take() {
                return Step::Error(e);
            }
            if let Some(doc) = self.finished.take() {
                self.doc_index += 1;
                return Step::Document(doc);
            }
        }
        Step::End
    }

    /// The parser hands every scalar over as a new `String`; where the scalar's text is
    /// exactly a slice of the source (plain and quoted scalars without escapes or line
    /// folding), borrow the slice; else copy it into the arena.
    fn text(&self, text: Cow<'a, str>, style: ScalarStyle, sp: PSpan) -> &'a str {
        let owned = match text {
            Cow::Borrowed(b) => return b,
            Cow::Owned(o) => o,
        };
        if self.ascii {
            let (mut a, mut b) = (sp.start.index(), sp.end.index());
            if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
                a += 1;
                b = b.saturating_sub(1);
            }
            if let Some(slice) = self.source.get(a..b)
                && slice == owned
            {
                return slice;
            }
        }
        self.arena.alloc_str(&owned)
    }

    fn too_deep(&mut self, at: Pos) {
        self.fail(at, format!("collections nest more than {MAX_NESTING} levels deep (kubegate's limit)"));
    }

    fn fail(&mut self, at: Pos, message: String) {
        if self.error.is_none() {
            self.error = Some(LoadError { pos: at, message });
        }
    }

    /// The field path of the value being built, ending in the key `last`.
    fn path_to(&self, last: &str) -> Route {
        let mut path = Route::root();
        for f in &self.frames {
            if f.map {
                if let Some(k) = &f.pending_key {
                    path = path.key(k.text);
                }
            } else {
                path = path.index(self.items.len() - f.scratch);
            }
        }
        path.key(last)
    }

    /// Places a finished node into its parent (or finishes the document). `nodes` is the
    /// number of nodes it holds (itself included) and `height` the levels of collections
    /// it is (0 for a scalar).
    fn push_node(&mut self, node: Node<'a>, anchor: usize, nodes: usize, height: usize) {
        if self.error.is_some() {
            return;
        }
        if anchor > 0 {
            self.anchors.insert(anchor, Anchored { node, nodes, height });
        }
        let Some(frame) = self.frames.last_mut() else {
            self.finished = Some(Document { index: self.doc_index, root: node });
            return;
        };
        frame.nodes += nodes;
        frame.below = frame.below.max(height);
        if !frame.map {
            self.items.push(node);
            return;
        }
        let Some(key) = frame.pending_key.take() else {
            match node.data {
                Data::Scalar { text, plain, .. } => frame.pending_key = Some(Key { text, span: node.span, plain }),
                _ => self.fail(node.span.start, "complex (non-scalar) mapping keys are not supported".into()),
            }
            return;
        };
        if key.plain && key.text == "<<" {
            frame.merges.push(node);
            return;
        }
        if let Some(i) = frame.find(&self.entries, key.text) {
            let first = self.entries[i].0.span;
            let path = self.path_to(key.text);
            self.duplicates.push(DuplicateKey { key: key.text.to_string(), path, span: key.span, first });
            self.entries[i] = (key, node);
        } else {
            self.entries.push((key, node));
            frame.added(&self.entries);
        }
    }

    fn end_map(&mut self, mut frame: Frame<'a>, end: Pos) {
        let merges = std::mem::take(&mut frame.merges);
        for m in &merges {
            let sources: &[Node<'a>] = match m.data {
                Data::Map(_) => std::slice::from_ref(m),
                Data::Seq(items) => items,
                Data::Scalar { .. } => {
                    return self.fail(m.span.start, "a `<<` merge key needs a mapping or a list of mappings".into());
                }
            };
            for src in sources {
                let Data::Map(src_entries) = src.data else {
                    return self.fail(src.span.start, "a `<<` merge key needs a mapping or a list of mappings".into());
                };
                for &(k, v) in src_entries {
                    if frame.find(&self.entries, k.text).is_none() {
                        self.entries.push((k, v));
                        frame.added(&self.entries);
                    }
                }
            }
        }
        let entries = self.arena.alloc_slice_copy(&self.entries[frame.scratch..]);
        self.entries.truncate(frame.scratch);
        let node = Node { span: Span { start: frame.start, end }, data: Data::Map(entries) };
        self.push_node(node, frame.anchor, frame.nodes, frame.below + 1);
    }

    fn on_event(&mut self, ev: Event<'a>, raw: PSpan) {
        if self.error.is_some() {
            return;
        }
        let mut sp = span(raw);
        sp.start.line += self.line0;
        sp.end.line += self.line0;
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => {}
            // The alias budget is the file's: `expanded` runs on across documents.
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.frames.clear();
                self.items.clear();
                self.entries.clear();
            }
            Event::Scalar(text, style, anchor, tag) => {
                let kind = match (&tag, style) {
                    (Some(t), _) if t.is_yaml_core_schema() || t.handle == "!!" => match t.suffix.as_str() {
                        "str" | "binary" | "timestamp" => ScalarKind::Str,
                        _ => resolve_plain(&text),
                    },
                    (_, ScalarStyle::Plain) => resolve_plain(&text),
                    _ => ScalarKind::Str,
                };
                let plain = style == ScalarStyle::Plain;
                let text = self.text(text, style, raw);
                self.push_node(Node { span: sp, data: Data::Scalar { text, kind, plain } }, anchor, 1, 0);
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                None => self.fail(sp.start, "unknown alias".into()),
                Some(&Anchored { mut node, nodes, height }) => {
                    if self.frames.len() + height > MAX_NESTING {
                        return self.too_deep(sp.start);
                    }
                    self.expanded += nodes;
                    if self.expanded > ALIAS_EXPANSION_BUDGET {
                        self.fail(
                            sp.start,
                            format!(
                                "alias expansion exceeds the budget of {ALIAS_EXPANSION_BUDGET} nodes (a \"billion laughs\" document?)"
                            ),
                        );
                        return;
                    }
                    if let Data::Scalar { plain, .. } = &mut node.data {
                        *plain = false;
                    }
                    self.push_node(node, 0, nodes, height);
                }
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.frames.len() >= MAX_NESTING {
                    return self.too_deep(sp.start);
                }
                let map = matches!(ev, Event::MappingStart(..));
                let scratch = if map { self.entries.len() } else { self.items.len() };
                self.frames.push(Frame {
                    map,
                    start: sp.start,
                    anchor,
                    scratch,
                    pending_key: None,
                    merges: Vec::new(),
                    nodes: 1,
                    below: 0,
                    index: None,
                });
            }
            Event::SequenceEnd => {
                if let Some(frame) = self.frames.pop() {
                    let items = self.arena.alloc_slice_copy(&self.items[frame.scratch..]);
                    self.items.truncate(frame.scratch);
                    let node = Node { span: Span { start: frame.start, end: sp.end }, data: Data::Seq(items) };
                    self.push_node(node, frame.anchor, frame.nodes, frame.below + 1);
                }
            }
            Event::MappingEnd => {
                if let Some(frame) = self.frames.pop() {
                    self.end_map(frame, sp.end);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
