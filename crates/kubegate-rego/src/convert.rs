//! A document's spanned tree as the Rego `input`: mappings become objects, sequences
//! arrays, and scalars their resolved kind (Kubernetes' YAML 1.1 booleans are resolved
//! already by the load stage; `"yes"` stays a string).

use kubegate_yaml::{Data, Node, ScalarKind};
use regorus::Value;
use std::collections::BTreeMap;

/// Converts a document (or any node) to a Rego value.
pub fn convert(node: &Node<'_>) -> Value {
    match &node.data {
        Data::Map(entries) => {
            let mut map = BTreeMap::new();
            for (k, v) in entries.iter() {
                // A repeated key (a `duplicate-key` finding) keeps its last value, as
                // Kubernetes' decoder does.
                map.insert(Value::from(k.text), convert(v));
            }
            Value::from(map)
        }
        Data::Seq(items) => Value::from(items.iter().map(convert).collect::<Vec<_>>()),
        Data::Scalar { text, kind, .. } => match kind {
            ScalarKind::Null => Value::Null,
            ScalarKind::Bool(b) => Value::from(*b),
            ScalarKind::Int => match node.as_i64() {
                Some(i) => Value::from(i),
                // Beyond 64 bits: as the JSON number it would be, else its text.
                None => node.as_f64().filter(|f| f.is_finite()).map(Value::from).unwrap_or_else(|| Value::from(*text)),
            },
            // `.inf` and `.nan` have no JSON number: they stay text.
            ScalarKind::Float => {
                node.as_f64().filter(|f| f.is_finite()).map(Value::from).unwrap_or_else(|| Value::from(*text))
            }
            ScalarKind::Str => Value::from(*text),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(yaml: &str) -> String {
        let mut out = String::new();
        kubegate_yaml::load_each(yaml, |doc, _| out = convert(&doc.root).to_json_str().unwrap());
        out.split_whitespace().collect()
    }

    #[test]
    fn scalars_keep_their_resolved_kind() {
        assert_eq!(
            json(
                "a: yes\nb: \"yes\"\nc: 0x1F\nd: 1.5\ne: ~\nf: 010\ng: [1, two]\nh: .inf\ni: 12345678901234567890123\n"
            ),
            r#"{"a":true,"b":"yes","c":31,"d":1.5,"e":null,"f":8,"g":[1,"two"],"h":".inf","i":1.2345678901234568e+22}"#
        );
    }
}
