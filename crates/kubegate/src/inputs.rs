//! The inputs stage: paths and `-` become sources. A directory is searched recursively
//! for `.yaml`, `.yml` and `.json` files, honouring `.gitignore`; files are read in a
//! stable order so that output is deterministic.

use ignore::WalkBuilder;
use kubegate_engine::{InputError, Source};
use std::io::Read;
use std::path::Path;

/// The name stdin is reported under.
pub const STDIN: &str = "<stdin>";

fn is_manifest_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Kustomize's files and kubegate's own config describe manifests; they are not manifests.
fn is_tool_file(p: &Path) -> bool {
    matches!(
        p.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization" | "kubegate.yaml")
    )
}

/// `./a/b.yaml` is shown as `a/b.yaml`.
fn shown(p: &Path) -> String {
    let s = p.display().to_string();
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}

fn read(path: &Path, shown: String, sources: &mut Vec<Source>, errors: &mut Vec<InputError>) {
    match std::fs::read(path) {
        Ok(bytes) => match Source::from_bytes(shown, bytes) {
            Ok(s) => sources.push(s),
            Err(e) => errors.push(e),
        },
        Err(e) => errors.push(InputError::new(shown, 0, 0, format!("cannot read: {e}"))),
    }
}

/// What the inputs stage hands on.
pub struct Inputs {
    pub sources: Vec<Source>,
    pub errors: Vec<InputError>,
    /// Every path met, readable or not, in input order.
    pub order: Vec<String>,
}

/// Reads every input; what cannot be read becomes an error and the rest goes on.
pub fn collect(paths: &[String], stdin: &mut dyn Read) -> Inputs {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    let mut order = Vec::new();
    for p in paths {
        if p == "-" {
            order.push(STDIN.to_string());
            let mut bytes = Vec::new();
            match stdin.read_to_end(&mut bytes) {
                Ok(_) => match Source::from_bytes(STDIN, bytes) {
                    Ok(s) => sources.push(s),
                    Err(e) => errors.push(e),
                },
                Err(e) => errors.push(InputError::new(
                    STDIN,
                    0,
                    0,
                    format!("cannot read stdin: {e}"),
                )),
            }
            continue;
        }
        let path = Path::new(p);
        if path.is_dir() {
            let walker = WalkBuilder::new(path)
                .require_git(false)
                .sort_by_file_name(|a, b| a.cmp(b))
                .build();
            for entry in walker {
                match entry {
                    Ok(e) => {
                        let ep = e.path();
                        if e.file_type().is_some_and(|t| t.is_file())
                            && is_manifest_name(ep)
                            && !is_tool_file(ep)
                        {
                            order.push(shown(ep));
                            read(ep, shown(ep), &mut sources, &mut errors);
                        }
                    }
                    Err(err) => {
                        errors.push(InputError::new(p, 0, 0, format!("cannot walk: {err}")))
                    }
                }
            }
        } else if path.exists() {
            order.push(p.clone());
            read(path, p.clone(), &mut sources, &mut errors);
        } else {
            order.push(p.clone());
            errors.push(InputError::new(p, 0, 0, "no such file or directory"));
        }
    }
    Inputs {
        sources,
        errors,
        order,
    }
}
