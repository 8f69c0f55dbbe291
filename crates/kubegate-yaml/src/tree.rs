use crate::Span;
use crate::resolve::{parse_float, parse_int};

/// What a scalar resolved to (Kubernetes' YAML 1.1 rules for plain scalars; quoted and
/// block scalars are always strings). Numbers are parsed from the text on demand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarKind {
    Null,
    Bool(bool),
    Int,
    Float,
    Str,
}

/// A mapping key: its text and where it stands.
#[derive(Clone, Copy, Debug)]
pub struct Key<'a> {
    pub text: &'a str,
    pub span: Span,
    pub plain: bool,
}

/// A node's content. Text borrows from the source where it can, else from the document's
/// arena; collections are slices in the arena.
#[derive(Clone, Copy, Debug)]
pub enum Data<'a> {
    Scalar { text: &'a str, kind: ScalarKind, plain: bool },
    Seq(&'a [Node<'a>]),
    Map(&'a [(Key<'a>, Node<'a>)]),
}

/// A node of the spanned tree.
#[derive(Clone, Copy, Debug)]
pub struct Node<'a> {
    pub span: Span,
    pub data: Data<'a>,
}

impl<'a> Node<'a> {
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key<'a>, &Node<'a>)> {
        match &self.data {
            Data::Map(entries) => entries.iter().find(|(k, _)| k.text == key).map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The node at `route` (keys and list indices) below this one.
    pub fn at(&self, route: &crate::Route) -> Option<&Node<'a>> {
        route.segments().iter().try_fold(self, |n, s| match s {
            crate::Segment::Key(k) => n.get(k),
            crate::Segment::Index(i) => n.items().get(*i),
        })
    }

    /// Follows a dotted path of mapping keys (`spec.template.spec`).
    pub fn path(&self, path: &str) -> Option<&Node<'a>> {
        let mut cur = self;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            cur = cur.get(part)?;
        }
        Some(cur)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.data, Data::Map(_))
    }

    pub fn is_scalar(&self) -> bool {
        matches!(self.data, Data::Scalar { .. })
    }

    pub fn is_null(&self) -> bool {
        matches!(self.data, Data::Scalar { kind: ScalarKind::Null, .. })
    }

    pub fn entries(&self) -> &[(Key<'a>, Node<'a>)] {
        match &self.data {
            Data::Map(e) => e,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node<'a>] {
        match &self.data {
            Data::Seq(items) => items,
            _ => &[],
        }
    }

    fn kind(&self) -> Option<ScalarKind> {
        match &self.data {
            Data::Scalar { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    fn text(&self) -> &str {
        match &self.data {
            Data::Scalar { text, .. } => text,
            _ => "",
        }
    }

    /// A string scalar's text (quoted, block or plain that resolved to a string).
    pub fn as_str(&self) -> Option<&str> {
        (self.kind() == Some(ScalarKind::Str)).then(|| self.text())
    }

    /// Any non-null scalar's text (for messages and for quantities like `cpu: 1`).
    pub fn scalar_text(&self) -> Option<&str> {
        match self.kind() {
            Some(ScalarKind::Null) | None => None,
            Some(_) => Some(self.text()),
        }
    }

    /// The scalar as a reader should see it in a message: strings that would read as
    /// another type keep their quotes (`"true"`, `"1000"`), so a reader sees why a
    /// quoted value is not the boolean or number it looks like.
    pub fn shown(&self) -> String {
        match (&self.data, self.kind()) {
            (_, Some(ScalarKind::Null)) => "null".into(),
            (Data::Scalar { text, .. }, Some(ScalarKind::Str)) if crate::resolve_plain(text) != ScalarKind::Str => {
                format!("\"{text}\"")
            }
            (Data::Scalar { text, .. }, _) => text.to_string(),
            (Data::Seq(_), _) => "a list".into(),
            (Data::Map(_), _) => "a mapping".into(),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind() {
            Some(ScalarKind::Bool(b)) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.kind()? {
            ScalarKind::Int => parse_int(self.text()),
            ScalarKind::Float => {
                parse_float(self.text()).filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64)
            }
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.kind()? {
            ScalarKind::Int => parse_int(self.text()).map(|i| i as f64),
            ScalarKind::Float => parse_float(self.text()),
            _ => None,
        }
    }

    /// A short description of the node's type, for messages ("a string", "a mapping").
    pub fn type_name(&self) -> &'static str {
        match &self.data {
            Data::Scalar { kind, .. } => match kind {
                ScalarKind::Null => "null",
                ScalarKind::Bool(_) => "a boolean",
                ScalarKind::Int => "an integer",
                ScalarKind::Float => "a number",
                ScalarKind::Str => "a string",
            },
            Data::Seq(_) => "a list",
            Data::Map(_) => "a mapping",
        }
    }
}
