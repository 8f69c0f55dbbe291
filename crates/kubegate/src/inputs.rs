//! The inputs stage: paths and `-` become inputs. A directory is searched recursively
//! for `.yaml`, `.yml` and `.json` files, honouring `.gitignore`, in a stable order so
//! that output is deterministic. Files are read when the engine gets to them, so only
//! the files being checked are in memory at once.

use ignore::WalkBuilder;
use kubegate_engine::{InputError, Source};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The name stdin is reported under.
pub const STDIN: &str = "<stdin>";

/// One input, not yet read (except stdin, which can be read only once).
pub enum Input {
    File {
        path: PathBuf,
        shown: String,
    },
    Stdin(Vec<u8>),
    /// A path that could not be walked or does not exist.
    Failed(InputError),
}

impl Input {
    /// The name reports use.
    pub fn shown(&self) -> &str {
        match self {
            Input::File { shown, .. } => shown,
            Input::Stdin(_) => STDIN,
            Input::Failed(e) => &e.file,
        }
    }

    /// Reads the input, or says why it is not a manifest.
    pub fn load(&self) -> Result<Source, InputError> {
        match self {
            Input::File { path, shown } => match std::fs::read(path) {
                Ok(bytes) => Source::from_bytes(shown.clone(), bytes),
                Err(e) => Err(InputError::new(shown.clone(), 0, 0, format!("cannot read: {e}"))),
            },
            Input::Stdin(bytes) => Source::from_bytes(STDIN, bytes.clone()),
            Input::Failed(e) => Err(e.clone()),
        }
    }
}

fn is_manifest_name(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json"))
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

/// Lists every input in order; paths that cannot be walked become failed inputs, so the
/// rest goes on and the failure is reported in its place.
pub fn collect(paths: &[String], stdin: &mut dyn Read) -> Vec<Input> {
    let mut inputs = Vec::new();
    for p in paths {
        if p == "-" {
            let mut bytes = Vec::new();
            match stdin.read_to_end(&mut bytes) {
                Ok(_) => inputs.push(Input::Stdin(bytes)),
                Err(e) => inputs.push(Input::Failed(InputError::new(STDIN, 0, 0, format!("cannot read stdin: {e}")))),
            }
            continue;
        }
        let path = Path::new(p);
        if path.is_dir() {
            let walker = WalkBuilder::new(path).require_git(false).sort_by_file_name(|a, b| a.cmp(b)).build();
            for entry in walker {
                match entry {
                    Ok(e) => {
                        let ep = e.path();
                        if e.file_type().is_some_and(|t| t.is_file()) && is_manifest_name(ep) && !is_tool_file(ep) {
                            inputs.push(Input::File { path: ep.to_path_buf(), shown: shown(ep) });
                        }
                    }
                    Err(err) => inputs.push(Input::Failed(InputError::new(p, 0, 0, format!("cannot walk: {err}")))),
                }
            }
        } else if path.exists() {
            inputs.push(Input::File { path: path.to_path_buf(), shown: p.clone() });
        } else {
            inputs.push(Input::Failed(InputError::new(p, 0, 0, "no such file or directory")));
        }
    }
    inputs
}
