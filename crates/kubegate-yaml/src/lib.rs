//! The load stage: a spanned YAML tree built from `saphyr-parser` events.
//!
//! Every key and value knows its 1-based line and column. Scalars resolve the way
//! Kubernetes resolves them (YAML 1.1 booleans, as `sigs.k8s.io/yaml` does), anchors and
//! aliases are expanded under a budget, `<<` merge keys are applied, and duplicate keys are
//! recorded (the last value wins, as in Kubernetes) instead of failing the parse.

mod resolve;
mod tree;

pub use resolve::resolve_plain;
pub use tree::{Data, Key, Node, ScalarKind};

use saphyr_parser::{Event, Parser, ScalarStyle, Span as PSpan, SpannedEventReceiver};
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
    Pos {
        line: m.line() as u32,
        col: m.col() as u32 + 1,
    }
}

fn span(s: PSpan) -> Span {
    Span {
        start: pos(s.start),
        end: pos(s.end),
    }
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

/// The result of loading one stream: every document that parsed completely, the duplicate
/// keys seen, and the error that stopped the parse, if any.
#[derive(Debug, Default)]
pub struct Loaded<'a> {
    pub documents: Vec<Document<'a>>,
    pub duplicates: Vec<DuplicateKey>,
    pub error: Option<LoadError>,
}

/// Parses a YAML (or JSON) stream into spanned documents.
pub fn load(text: &str) -> Loaded<'_> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    let result = parser.load(&mut builder, true);
    let mut out = Loaded {
        documents: std::mem::take(&mut builder.documents),
        duplicates: std::mem::take(&mut builder.duplicates),
        error: builder.error.take(),
    };
    if out.error.is_none()
        && let Err(e) = result
    {
        out.error = Some(LoadError {
            pos: pos(*e.marker()),
            message: e.info().to_string(),
        });
    }
    out
}

/// Parses a stream with no tree building at all: the cost floor of the load stage.
/// Returns the number of events, so the work cannot be optimised away.
pub fn parse_events_only(text: &str) -> Result<usize, LoadError> {
    let mut count = 0usize;
    for ev in Parser::new_from_str(text) {
        match ev {
            Ok(_) => count += 1,
            Err(e) => {
                return Err(LoadError {
                    pos: pos(*e.marker()),
                    message: e.info().to_string(),
                });
            }
        }
    }
    Ok(count)
}

enum Frame<'a> {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node<'a>>,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<(Key<'a>, Node<'a>)>,
        pending_key: Option<Key<'a>>,
        merges: Vec<Node<'a>>,
    },
}

#[derive(Default)]
struct Builder<'a> {
    stack: Vec<Frame<'a>>,
    anchors: HashMap<usize, (Node<'a>, usize)>,
    documents: Vec<Document<'a>>,
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
    fn fail(&mut self, at: Pos, message: String) {
        if self.error.is_none() {
            self.error = Some(LoadError { pos: at, message });
        }
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
        match self.stack.last_mut() {
            None => {
                self.documents.push(Document {
                    index: self.doc_index,
                    root: node,
                });
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                merges,
                ..
            }) => match pending_key.take() {
                None => match node.data {
                    Data::Scalar { text, .. } => {
                        *pending_key = Some(Key {
                            text,
                            span: node.span,
                            plain: node.plain,
                        });
                    }
                    _ => {
                        let at = node.span.start;
                        self.fail(
                            at,
                            "complex (non-scalar) mapping keys are not supported".into(),
                        );
                    }
                },
                Some(key) => {
                    if key.text == "<<" && key.plain {
                        merges.push(node);
                        return;
                    }
                    if let Some(slot) = entries.iter_mut().find(|(k, _)| k.text == key.text) {
                        self.duplicates.push(DuplicateKey {
                            document: self.doc_index,
                            key: key.text.to_string(),
                            span: key.span,
                            first: slot.0.span,
                        });
                        slot.1 = node;
                    } else {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
}

impl<'a> SpannedEventReceiver<'a> for Builder<'a> {
    fn on_event(&mut self, ev: Event<'a>, sp: PSpan) {
        if self.error.is_some() {
            return;
        }
        let sp = span(sp);
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.stack.clear();
            }
            Event::DocumentEnd => {
                self.doc_index += 1;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let kind = match (&tag, style) {
                    (Some(t), _) if t.is_yaml_core_schema() || t.handle == "!!" => {
                        match t.suffix.as_str() {
                            "str" | "binary" | "timestamp" => ScalarKind::Str,
                            _ => resolve_plain(&text),
                        }
                    }
                    (_, ScalarStyle::Plain) => resolve_plain(&text),
                    _ => ScalarKind::Str,
                };
                let plain = style == ScalarStyle::Plain;
                let node = Node {
                    span: sp,
                    data: Data::Scalar { text, kind },
                    plain,
                };
                self.push_node(node, anchor);
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
                    node.plain = false;
                    self.push_node(node, 0);
                }
            },
            Event::SequenceStart(anchor, _) => {
                self.stack.push(Frame::Seq {
                    start: sp,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map {
                    start: sp,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                    merges: Vec::new(),
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    start,
                    anchor,
                    items,
                }) = self.stack.pop()
                {
                    let node = Node {
                        span: Span {
                            start: start.start,
                            end: sp.end,
                        },
                        data: Data::Seq(items),
                        plain: false,
                    };
                    self.push_node(node, anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    start,
                    anchor,
                    mut entries,
                    merges,
                    ..
                }) = self.stack.pop()
                {
                    for m in merges {
                        let sources: Vec<Node<'a>> = match m.data {
                            Data::Map(_) => vec![m],
                            Data::Seq(items) => items,
                            Data::Scalar { .. } => {
                                self.fail(
                                    m.span.start,
                                    "a `<<` merge key needs a mapping or a list of mappings".into(),
                                );
                                return;
                            }
                        };
                        for src in sources {
                            match src.data {
                                Data::Map(src_entries) => {
                                    for (k, v) in src_entries {
                                        if !entries.iter().any(|(e, _)| e.text == k.text) {
                                            entries.push((k, v));
                                        }
                                    }
                                }
                                _ => {
                                    self.fail(
                                        src.span.start,
                                        "a `<<` merge key needs a mapping or a list of mappings"
                                            .into(),
                                    );
                                    return;
                                }
                            }
                        }
                    }
                    let node = Node {
                        span: Span {
                            start: start.start,
                            end: sp.end,
                        },
                        data: Data::Map(entries),
                        plain: false,
                    };
                    self.push_node(node, anchor);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
