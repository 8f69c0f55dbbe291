//! A small declarative description of the config file's shape. The same description
//! validates a loaded `kubegate.yaml` (with file:line for every error) and generates the
//! published JSON Schema, so the two cannot drift apart.

use crate::finding::InputError;
use kubegate_yaml::{Data, Node};
use serde_json::{Map, Value, json};

pub enum Shape {
    Object {
        doc: String,
        fields: Vec<Field>,
        extra: Option<(Box<Shape>, &'static str)>,
    },
    Array(Box<Shape>),
    Str,
    Bool,
    Enum(Vec<&'static str>),
    /// A finite number from `min` to `max`, whole when `integer`.
    Number {
        min: f64,
        max: f64,
        integer: bool,
    },
}

/// The largest whole number a config may give a rule parameter: beyond it an `f64` no
/// longer holds every integer, and the value would be read back as another.
pub const MAX_PARAM: f64 = 9e15;

pub struct Field {
    pub name: String,
    pub doc: String,
    pub shape: Shape,
    /// The enclosing mapping must have this key.
    pub required: bool,
}

impl Field {
    pub fn new(name: impl Into<String>, doc: impl Into<String>, shape: Shape) -> Field {
        Field { name: name.into(), doc: doc.into(), shape, required: false }
    }

    /// The same field, required in its mapping.
    pub fn required(self) -> Field {
        Field { required: true, ..self }
    }
}

impl Shape {
    pub fn object(doc: impl Into<String>, fields: Vec<Field>) -> Shape {
        Shape::Object { doc: doc.into(), fields, extra: None }
    }

    pub fn strings() -> Shape {
        Shape::Array(Box::new(Shape::Str))
    }

    /// Checks `node` against the shape; every mismatch becomes an error at its line.
    pub fn validate(&self, node: &Node<'_>, file: &str, at: &str, errors: &mut Vec<InputError>) {
        let err = |errors: &mut Vec<InputError>, msg: String| {
            errors.push(InputError::new(file, node.span.start.line, node.span.start.col, msg));
        };
        match self {
            Shape::Object { fields, extra, .. } => {
                if node.is_null() {
                    return;
                }
                let Data::Map(entries) = &node.data else {
                    return err(errors, format!("`{at}` must be a mapping, found {}", node.type_name()));
                };
                for (k, v) in entries.iter() {
                    let child = if at.is_empty() { k.text.to_string() } else { format!("{at}.{}", k.text) };
                    if let Some(f) = fields.iter().find(|f| f.name == k.text) {
                        f.shape.validate(v, file, &child, errors);
                    } else if let Some((shape, _)) = extra {
                        shape.validate(v, file, &child, errors);
                    } else {
                        let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                        let where_ = if at.is_empty() { "the top level".to_string() } else { format!("`{at}`") };
                        let hint = crate::suggest::did_you_mean(k.text, known.iter().copied());
                        // A long list (the rule ids) is no help beside a close match.
                        let list = if hint.is_empty() || known.len() <= 12 {
                            format!("; expected one of: {}", known.join(", "))
                        } else {
                            String::new()
                        };
                        errors.push(InputError::new(
                            file,
                            k.span.start.line,
                            k.span.start.col,
                            format!("unknown key `{}` in {where_}{hint}{list}", k.text),
                        ));
                    }
                }
                for f in fields.iter().filter(|f| f.required && !entries.iter().any(|(k, _)| k.text == f.name)) {
                    let where_ = if at.is_empty() { "the config".to_string() } else { format!("`{at}`") };
                    err(errors, format!("{where_} is missing `{}`", f.name));
                }
            }
            Shape::Array(item) => {
                let Data::Seq(items) = &node.data else {
                    return err(errors, format!("`{at}` must be a list, found {}", node.type_name()));
                };
                for (i, it) in items.iter().enumerate() {
                    item.validate(it, file, &format!("{at}[{i}]"), errors);
                }
            }
            Shape::Str => {
                if node.as_str().is_none() {
                    err(errors, format!("`{at}` must be a string, found {}", node.type_name()));
                }
            }
            Shape::Bool => {
                if node.as_bool().is_none() {
                    err(errors, format!("`{at}` must be true or false, found {}", node.type_name()));
                }
            }
            Shape::Enum(values) => {
                // Levels are words; an unquoted `off` is a YAML 1.1 boolean, accept its text.
                let text = node.scalar_text().unwrap_or_default();
                if !values.contains(&text) {
                    err(errors, format!("`{at}` must be one of {}, found `{text}`", values.join(", ")));
                }
            }
            // Values are quoted as written (`1e300`, not its 301 digits).
            Shape::Number { min, max, integer } => match node.as_f64() {
                Some(v) if !v.is_finite() => {
                    err(errors, format!("`{at}` must be a finite number, found {}", node.shown()))
                }
                Some(v) if *integer && v.fract() != 0.0 => err(errors, format!("`{at}` must be a whole number")),
                Some(v) if v < *min => err(errors, format!("`{at}` must be at least {min}, found {}", node.shown())),
                Some(v) if v > *max => err(errors, format!("`{at}` must be at most {max}, found {}", node.shown())),
                Some(_) => {}
                None => err(errors, format!("`{at}` must be a number, found {}", node.type_name())),
            },
        }
    }

    /// The JSON Schema (draft 2020-12) of this shape.
    pub fn json_schema(&self) -> Value {
        match self {
            Shape::Object { doc, fields, extra } => {
                let mut props = Map::new();
                for f in fields {
                    let mut s = f.shape.json_schema();
                    if let Value::Object(o) = &mut s
                        && !f.doc.is_empty()
                    {
                        o.insert("description".into(), Value::String(f.doc.clone()));
                    }
                    props.insert(f.name.clone(), s);
                }
                let mut o = Map::new();
                o.insert("type".into(), json!("object"));
                if !doc.is_empty() {
                    o.insert("description".into(), json!(doc));
                }
                o.insert("properties".into(), Value::Object(props));
                let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name.as_str()).collect();
                if !required.is_empty() {
                    o.insert("required".into(), json!(required));
                }
                o.insert(
                    "additionalProperties".into(),
                    match extra {
                        Some((shape, _)) => shape.json_schema(),
                        None => json!(false),
                    },
                );
                Value::Object(o)
            }
            Shape::Array(item) => json!({"type": "array", "items": item.json_schema()}),
            Shape::Str => json!({"type": "string"}),
            Shape::Bool => json!({"type": "boolean"}),
            Shape::Enum(values) => json!({"enum": values}),
            Shape::Number { min, max, integer } => {
                if *integer {
                    json!({"type": "integer", "minimum": *min as i64, "maximum": *max as i64})
                } else {
                    json!({"type": "number", "minimum": min, "maximum": max})
                }
            }
        }
    }
}
