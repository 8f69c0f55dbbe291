use crate::Span;
use std::borrow::Cow;

/// What a scalar resolved to (Kubernetes' YAML 1.1 rules for plain scalars; quoted and
/// block scalars are always strings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScalarKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

/// A mapping key: its text and where it stands.
#[derive(Clone, Debug)]
pub struct Key<'a> {
    pub text: Cow<'a, str>,
    pub span: Span,
    pub plain: bool,
}

#[derive(Clone, Debug)]
pub enum Data<'a> {
    Scalar {
        text: Cow<'a, str>,
        kind: ScalarKind,
    },
    Seq(Vec<Node<'a>>),
    Map(Vec<(Key<'a>, Node<'a>)>),
}

/// A node of the spanned tree.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    pub span: Span,
    pub data: Data<'a>,
    /// A plain (unquoted) scalar.
    pub plain: bool,
}

impl<'a> Node<'a> {
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key<'a>, &Node<'a>)> {
        match &self.data {
            Data::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.text == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follows a dotted path of mapping keys (`spec.template.spec`).
    pub fn path(&self, path: &str) -> Option<&Node<'a>> {
        let mut cur = self;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            cur = cur.get(part)?;
        }
        Some(cur)
    }

    /// Follows a dotted path as far as it exists; returns the deepest node reached and
    /// whether the whole path was found.
    pub fn deepest(&self, path: &str) -> (&Node<'a>, bool) {
        let mut cur = self;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            match cur.get(part) {
                Some(n) => cur = n,
                None => return (cur, false),
            }
        }
        (cur, true)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.data, Data::Map(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(
            self.data,
            Data::Scalar {
                kind: ScalarKind::Null,
                ..
            }
        )
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

    /// A string scalar's text (quoted, block or plain that resolved to a string).
    pub fn as_str(&self) -> Option<&str> {
        match &self.data {
            Data::Scalar {
                text,
                kind: ScalarKind::Str,
            } => Some(text),
            _ => None,
        }
    }

    /// Any scalar's source text (for messages and for quantities like `cpu: 1`).
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.data {
            Data::Scalar { text, kind } if *kind != ScalarKind::Null => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.data {
            Data::Scalar {
                kind: ScalarKind::Bool(b),
                ..
            } => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.data {
            Data::Scalar {
                kind: ScalarKind::Int(i),
                ..
            } => Some(*i),
            Data::Scalar {
                kind: ScalarKind::Float(f),
                ..
            } if f.fract() == 0.0 && f.abs() < 9e15 => Some(*f as i64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.data {
            Data::Scalar {
                kind: ScalarKind::Int(i),
                ..
            } => Some(*i as f64),
            Data::Scalar {
                kind: ScalarKind::Float(f),
                ..
            } => Some(*f),
            _ => None,
        }
    }

    /// A short description of the node's type, for messages ("a string", "a mapping").
    pub fn type_name(&self) -> &'static str {
        match &self.data {
            Data::Scalar { kind, .. } => match kind {
                ScalarKind::Null => "null",
                ScalarKind::Bool(_) => "a boolean",
                ScalarKind::Int(_) => "an integer",
                ScalarKind::Float(_) => "a number",
                ScalarKind::Str => "a string",
            },
            Data::Seq(_) => "a list",
            Data::Map(_) => "a mapping",
        }
    }
}
