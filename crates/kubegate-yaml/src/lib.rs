//! The load stage: a spanned YAML tree built from `saphyr-parser` events.
//!
//! Every key and value knows its 1-based line and column. Scalars resolve the way
//! Kubernetes resolves them (YAML 1.1 booleans, as `sigs.k8s.io/yaml` does), anchors and
//! aliases are expanded under a budget, `<<` merge keys are applied, and duplicate keys are
//! recorded (the last value wins, as in Kubernetes) instead of failing the parse.

mod resolve;
mod tree;

pub use resolve::{parse_float, parse_int, resolve_plain};
pub use tree::{Data, Key, Node, ScalarKind};

use saphyr_parser::{Event, Parser, ScalarStyle, Span as PSpan, SpannedEventReceiver};
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

/// How many nodes alias expansion may create in one file before the file is rejected
/// (protection against "billion laughs" documents).
pub const ALIAS_EXPANSION_BUDGET: usize = 100_000;

/// One YAML document of a stream.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    /// 0-based index of the document in its stream.
    pub index: usize,
    pub root: Node<'a>,
}

/// A key that appears twice in one mapping.
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    pub document: usize,
    pub key: String,
    /// Field path of the repeated key (`spec.template.spec.containers[0].image`).
    pub path: String,
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

/// Parses a YAML (or JSON) stream into spanned documents, all kept.
pub fn load(text: &str) -> Loaded<'_> {
    let mut out = Loaded::default();
    out.error = load_each(text, |doc, mut dups| {
        out.documents.push(doc);
        out.duplicates.append(&mut dups);
    });
    out
}

/// Parses a stream one document at a time: `f` receives each document (with the duplicate
/// keys found in it) as soon as it is complete, so only one document's tree is alive at
/// once. Returns the error that stopped the parse; documents before it were delivered.
pub fn load_each<'a>(text: &'a str, mut f: impl FnMut(Document<'a>, Vec<DuplicateKey>)) -> Option<LoadError> {
    let mut builder = Builder { source: text, ascii: text.is_ascii(), ..Builder::default() };
    for ev in Parser::new_from_str(text) {
        match ev {
            Ok((ev, sp)) => builder.on_event(ev, sp),
            Err(e) => {
                return Some(LoadError { pos: pos(*e.marker()), message: e.info().to_string() });
            }
        }
        if let Some(e) = builder.error.take() {
            return Some(e);
        }
        if let Some(doc) = builder.finished.take() {
            f(doc, std::mem::take(&mut builder.duplicates));
        }
    }
    None
}

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

/// A collection being built. Its children live on the builder's scratch stacks from
/// `scratch` on, and move into an exactly sized `Vec` when the collection ends.
struct Frame<'a> {
    map: bool,
    start: Pos,
    anchor: usize,
    scratch: usize,
    pending_key: Option<Key<'a>>,
    merges: Vec<Node<'a>>,
}

#[derive(Default)]
struct Builder<'a> {
    /// The stream's text; scalars borrow from it where they can.
    source: &'a str,
    /// In ASCII text the parser's character offsets are byte offsets.
    ascii: bool,
    frames: Vec<Frame<'a>>,
    items: Vec<Node<'a>>,
    entries: Vec<(Key<'a>, Node<'a>)>,
    anchors: HashMap<usize, (Node<'a>, usize)>,
    finished: Option<Document<'a>>,
    duplicates: Vec<DuplicateKey>,
    error: Option<LoadError>,
    expanded: usize,
    doc_index: usize,
}

fn count_nodes(n: &Node<'_>) -> usize {
    match &n.data {
        Data::Scalar { .. } => 1,
        Data::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Data::Map(entries) => 1 + entries.iter().map(|(_, v)| count_nodes(v)).sum::<usize>(),
    }
}

impl<'a> Builder<'a> {
    /// The parser hands every scalar over as a new `String`; where the scalar's text is
    /// exactly a slice of the source (plain and quoted scalars without escapes or line
    /// folding), borrow the slice instead, so the tree holds no per-scalar allocation.
    fn borrow(&self, text: Cow<'a, str>, style: ScalarStyle, sp: PSpan) -> Cow<'a, str> {
        let Cow::Owned(owned) = &text else { return text };
        if !self.ascii {
            return text;
        }
        let (mut a, mut b) = (sp.start.index(), sp.end.index());
        if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
            a += 1;
            b = b.saturating_sub(1);
        }
        match self.source.get(a..b) {
            Some(slice) if slice == owned => Cow::Borrowed(slice),
            _ => text,
        }
    }

    fn fail(&mut self, at: Pos, message: String) {
        if self.error.is_none() {
            self.error = Some(LoadError { pos: at, message });
        }
    }

    /// The field path of the value being built, ending in `last` (for messages).
    fn path_to(&self, last: &str) -> String {
        let mut path = String::new();
        for f in &self.frames {
            if f.map {
                if let Some(k) = &f.pending_key {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&k.text);
                }
            } else {
                path.push_str(&format!("[{}]", self.items.len() - f.scratch));
            }
        }
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(last);
        path
    }

    /// Places a finished node into its parent (or finishes the document).
    fn push_node(&mut self, node: Node<'a>, anchor: usize) {
        if self.error.is_some() {
            return;
        }
        if anchor > 0 {
            let size = count_nodes(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some(frame) = self.frames.last_mut() else {
            self.finished = Some(Document { index: self.doc_index, root: node });
            return;
        };
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
        let from = frame.scratch;
        if let Some(i) = self.entries[from..].iter().position(|(k, _)| k.text == key.text) {
            let first = self.entries[from + i].0.span;
            let path = self.path_to(&key.text);
            self.duplicates.push(DuplicateKey {
                document: self.doc_index,
                key: key.text.to_string(),
                path,
                span: key.span,
                first,
            });
            self.entries[from + i] = (key, node);
        } else {
            self.entries.push((key, node));
        }
    }

    fn end_map(&mut self, frame: Frame<'a>, end: Pos) {
        let mut entries: Vec<(Key<'a>, Node<'a>)> = self.entries.drain(frame.scratch..).collect();
        for m in frame.merges {
            let sources: Vec<Node<'a>> = match m.data {
                Data::Map(_) => vec![m],
                Data::Seq(items) => items,
                Data::Scalar { .. } => {
                    return self.fail(m.span.start, "a `<<` merge key needs a mapping or a list of mappings".into());
                }
            };
            for src in sources {
                let Data::Map(src_entries) = src.data else {
                    return self.fail(src.span.start, "a `<<` merge key needs a mapping or a list of mappings".into());
                };
                for (k, v) in src_entries {
                    if !entries.iter().any(|(e, _)| e.text == k.text) {
                        entries.push((k, v));
                    }
                }
            }
        }
        let node = Node { span: Span { start: frame.start, end }, data: Data::Map(entries) };
        self.push_node(node, frame.anchor);
    }
}

impl<'a> SpannedEventReceiver<'a> for Builder<'a> {
    fn on_event(&mut self, ev: Event<'a>, sp: PSpan) {
        if self.error.is_some() {
            return;
        }
        let raw = sp;
        let sp = span(sp);
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.frames.clear();
                self.items.clear();
                self.entries.clear();
                self.expanded = 0;
            }
            Event::DocumentEnd => {
                self.doc_index += 1;
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
                let text = self.borrow(text, style, raw);
                self.push_node(Node { span: sp, data: Data::Scalar { text, kind, plain } }, anchor);
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                None => self.fail(sp.start, "unknown alias".into()),
                Some((node, size)) => {
                    self.expanded += size;
                    if self.expanded > ALIAS_EXPANSION_BUDGET {
                        self.fail(
                            sp.start,
                            format!(
                                "alias expansion exceeds the budget of {ALIAS_EXPANSION_BUDGET} nodes (a \"billion laughs\" document?)"
                            ),
                        );
                        return;
                    }
                    let mut node = node.clone();
                    if let Data::Scalar { plain, .. } = &mut node.data {
                        *plain = false;
                    }
                    self.push_node(node, 0);
                }
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let map = matches!(ev, Event::MappingStart(..));
                let scratch = if map { self.entries.len() } else { self.items.len() };
                self.frames.push(Frame {
                    map,
                    start: sp.start,
                    anchor,
                    scratch,
                    pending_key: None,
                    merges: Vec::new(),
                });
            }
            Event::SequenceEnd => {
                if let Some(frame) = self.frames.pop() {
                    let items: Vec<Node<'a>> = self.items.drain(frame.scratch..).collect();
                    let node = Node { span: Span { start: frame.start, end: sp.end }, data: Data::Seq(items) };
                    self.push_node(node, frame.anchor);
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
