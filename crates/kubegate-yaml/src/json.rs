//! A tree from JSON text read by serde_json (an admission request's object), built as it
//! is read, without the YAML scanner (several times slower on one long line of JSON): the
//! tree the YAML loader builds from the same text, keys in their order, the last of a
//! repeated key winning in the first one's place, but for positions (every node is at
//! 1:1: the object has no file to point into). serde_json bounds the nesting (128 levels)
//! below [`crate::MAX_NESTING`].

use crate::{Bump, Data, Key, Node, Pos, ScalarKind, Span, resolve_plain};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashMap;
use std::fmt;

const AT: Span = Span { start: Pos { line: 1, col: 1 }, end: Pos { line: 1, col: 1 } };

/// The tree of the JSON `text`, allocated in `arena`; serde_json's error when it is not
/// JSON. Strings are strings and keys are quoted, as the loader reads JSON; an integer
/// keeps its text, a float is written as serde_json reads it.
pub fn from_json<'a>(text: &str, arena: &'a Bump) -> Result<Node<'a>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let node = Build(arena).deserialize(&mut de)?;
    de.end()?;
    Ok(node)
}

#[derive(Clone, Copy)]
struct Build<'a>(&'a Bump);

impl<'a> Build<'a> {
    fn scalar(self, text: &str, kind: ScalarKind) -> Node<'a> {
        let plain = kind != ScalarKind::Str;
        Node { span: AT, data: Data::Scalar { text: self.0.alloc_str(text), kind, plain } }
    }

    fn number(self, text: String) -> Node<'a> {
        let kind = resolve_plain(&text);
        self.scalar(&text, kind)
    }
}

impl<'de, 'a> DeserializeSeed<'de> for Build<'a> {
    type Value = Node<'a>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node<'a>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'a> Visitor<'de> for Build<'a> {
    type Value = Node<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node<'a>, E> {
        Ok(self.scalar("null", ScalarKind::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node<'a>, E> {
        Ok(self.scalar(if b { "true" } else { "false" }, ScalarKind::Bool(b)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node<'a>, E> {
        Ok(self.number(n.to_string()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node<'a>, E> {
        Ok(self.number(n.to_string()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Node<'a>, E> {
        Ok(self.number(serde_json::Number::from_f64(n).map_or_else(|| "null".into(), |n| n.to_string())))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node<'a>, E> {
        Ok(self.scalar(s, ScalarKind::Str))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'a>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Node { span: AT, data: Data::Seq(self.0.alloc_slice_copy(&items)) })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'a>, A::Error> {
        let mut entries: Vec<(Key<'a>, Node<'a>)> = Vec::new();
        // Repeated keys are looked for by scanning a small mapping, by an index from
        // INDEX_FROM keys on (linear either way).
        let mut index: Option<HashMap<&'a str, usize>> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let key = Key { text: self.0.alloc_str(&key), span: AT, plain: false };
            let value = map.next_value_seed(self)?;
            let seen = match &index {
                Some(index) => index.get(key.text).copied(),
                None => entries.iter().position(|(k, _)| k.text == key.text),
            };
            match seen {
                Some(i) => entries[i] = (key, value),
                None => {
                    entries.push((key, value));
                    match &mut index {
                        Some(index) => {
                            index.insert(key.text, entries.len() - 1);
                        }
                        None if entries.len() >= crate::INDEX_FROM => {
                            index = Some(entries.iter().enumerate().map(|(i, (k, _))| (k.text, i)).collect());
                        }
                        None => {}
                    }
                }
            }
        }
        Ok(Node { span: AT, data: Data::Map(self.0.alloc_slice_copy(&entries)) })
    }
}
