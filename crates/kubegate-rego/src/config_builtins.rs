//! Conftest's own builtins, so that policies written for Conftest load and behave the
//! same: `parse_config(parser, text)`, `parse_config_file(path)` and
//! `parse_combined_config_files(paths)`, for YAML and JSON. Files are read relative to
//! the working directory and only from below it (a policy cannot read `/etc/passwd` or
//! `../secrets`), at most [`MAX_FILE_BYTES`] each.

use crate::convert::convert;
use regorus::{Engine, Value};
use std::path::{Component, Path, PathBuf};

/// The most bytes a file read by `parse_config_file` may hold.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Registers the builtins in a fresh engine.
pub(crate) fn add(engine: &mut Engine) {
    let parse = |args: Vec<Value>| {
        let parser = args[0].as_string().map_err(|_| anyhow::anyhow!("parse_config: operand 1 must be a string"))?;
        let text = args[1].as_string().map_err(|_| anyhow::anyhow!("parse_config: operand 2 must be a string"))?;
        parse_text(&parser.to_ascii_lowercase(), text, "parse_config")
    };
    let file = |args: Vec<Value>| {
        let path = args[0].as_string().map_err(|_| anyhow::anyhow!("parse_config_file: operand 1 must be a string"))?;
        parse_file(path, "parse_config_file")
    };
    let combined = |args: Vec<Value>| {
        let paths = args[0]
            .as_array()
            .map_err(|_| anyhow::anyhow!("parse_combined_config_files: operand 1 must be an array of paths"))?;
        let mut entries: Vec<(String, Value)> = Vec::new();
        for p in paths.iter() {
            let path = p
                .as_string()
                .map_err(|_| anyhow::anyhow!("parse_combined_config_files: every path must be a string"))?;
            for doc in documents(&read(path, "parse_combined_config_files")?, path, "parse_combined_config_files")? {
                entries.push((path.to_string(), doc));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Value::from(entries.into_iter().map(|(path, contents)| entry(path, contents)).collect::<Vec<_>>()))
    };
    // None of the names is taken in a fresh engine: adding cannot fail.
    let _ = engine.add_extension("parse_config".into(), 2, Box::new(parse));
    let _ = engine.add_extension("parse_config_file".into(), 1, Box::new(file));
    let _ = engine.add_extension("parse_combined_config_files".into(), 1, Box::new(combined));
}

/// `{"path": path, "contents": contents}`, an entry of a combined input.
fn entry(path: String, contents: Value) -> Value {
    let mut e = std::collections::BTreeMap::new();
    e.insert(Value::from("path"), Value::from(path));
    e.insert(Value::from("contents"), contents);
    Value::from(e)
}

/// The documents of a YAML or JSON text, as Rego values.
fn documents(text: &str, what: &str, builtin: &str) -> anyhow::Result<Vec<Value>> {
    let arena = kubegate_yaml::Bump::new();
    let loaded = kubegate_yaml::load(text, &arena);
    if let Some(e) = loaded.error {
        anyhow::bail!("{builtin}: cannot parse {what}: line {}: {}", e.pos.line, e.message);
    }
    Ok(loaded.documents.iter().map(|d| convert(&d.root)).collect())
}

/// One document as itself; several (a YAML stream) as an array of them.
fn one_or_many(mut docs: Vec<Value>) -> Value {
    match docs.len() {
        1 => docs.pop().unwrap_or(Value::Null),
        0 => Value::Null,
        _ => Value::from(docs),
    }
}

fn parse_text(parser: &str, text: &str, builtin: &str) -> anyhow::Result<Value> {
    match parser {
        "yaml" | "yml" | "json" => Ok(one_or_many(documents(text, "the text", builtin)?)),
        other => anyhow::bail!("{builtin}: parser `{other}` is not supported by kubegate (yaml, yml, json)"),
    }
}

fn parse_file(path: &str, builtin: &str) -> anyhow::Result<Value> {
    let ext = Path::new(path).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let text = read(path, builtin)?;
    match ext.as_str() {
        "yaml" | "yml" | "json" => Ok(one_or_many(documents(&text, path, builtin)?)),
        _ => anyhow::bail!("{builtin}: `{path}` is not a YAML or JSON file (kubegate parses .yaml, .yml, .json)"),
    }
}

/// Reads a file named relative to the working directory, refusing any path that leaves
/// it (absolute, `..`, or a symlink pointing out).
fn read(path: &str, builtin: &str) -> anyhow::Result<String> {
    let cwd = std::env::current_dir()?.canonicalize()?;
    let p = Path::new(path);
    if p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir)) {
        anyhow::bail!("{builtin}: `{path}` is outside the working directory; only files below it can be read");
    }
    let full: PathBuf =
        cwd.join(p).canonicalize().map_err(|e| anyhow::anyhow!("{builtin}: cannot read `{path}`: {e}"))?;
    if !full.starts_with(&cwd) {
        anyhow::bail!("{builtin}: `{path}` leads outside the working directory; only files below it can be read");
    }
    let meta = std::fs::metadata(&full)?;
    if meta.len() > MAX_FILE_BYTES {
        anyhow::bail!("{builtin}: `{path}` is larger than {} MB", MAX_FILE_BYTES >> 20);
    }
    std::fs::read_to_string(&full).map_err(|e| anyhow::anyhow!("{builtin}: cannot read `{path}`: {e}"))
}
