//! The inputs stage: paths and `-` become inputs. A directory is searched recursively
//! for `.yaml`, `.yml` and `.json` files, honouring `.gitignore`, in a stable order so
//! that output is deterministic. Files are read when the engine gets to them, so only
//! the files being checked are in memory at once.

pub mod kustomize;
pub mod walk;

use crate::kustomize::Rendered;
use kubegate_engine::evaluate::Skipped;
use kubegate_engine::{InputError, Source};
use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The name stdin is reported under.
pub const STDIN: &str = "<stdin>";

/// The most bytes one input may hold (`--max-input-mb`); set once, before inputs are read.
pub static MAX_INPUT_BYTES: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(DEFAULT_MAX_INPUT_MB << 20);

/// The default cap, far above any real manifest or rendered stream.
pub const DEFAULT_MAX_INPUT_MB: u64 = 256;

/// Reads at most the cap (`/dev/zero` is an error, not an exhausted memory), into a
/// buffer sized for `size` bytes (a file's length: a large stream is not copied as the
/// buffer grows).
fn read_capped(reader: std::io::Result<impl Read>, shown: &str, size: u64) -> Result<Vec<u8>, InputError> {
    let max = MAX_INPUT_BYTES.load(std::sync::atomic::Ordering::Relaxed);
    let mut bytes = Vec::with_capacity(size.min(max + 1) as usize + 1);
    let read = reader.and_then(|r| r.take(max + 1).read_to_end(&mut bytes));
    match read {
        Err(e) => Err(InputError::new(shown, 0, 0, format!("cannot read: {e}"))),
        Ok(_) if bytes.len() as u64 > max => Err(InputError::new(
            shown,
            0,
            0,
            format!(
                "larger than {} MB, the most one input may hold; raise --max-input-mb if this is really a manifest",
                max >> 20
            ),
        )),
        Ok(_) => Ok(bytes),
    }
}

/// One input, not yet read (except stdin, which can be read only once).
pub enum Input {
    File {
        path: PathBuf,
        shown: String,
        /// Found by walking a folder (not named on the command line).
        walked: bool,
    },
    /// Stdin, read and checked once (a stream can be large: it is lent, never copied).
    Stdin(Source),
    /// A directory holding a kustomization, rendered once when first read.
    Kustomize {
        dir: PathBuf,
        shown: String,
        bin: Option<PathBuf>,
        rendered: OnceLock<Result<Arc<Rendered>, InputError>>,
    },
    /// A path that could not be walked or does not exist.
    Failed(InputError),
}

impl Input {
    /// The name reports use.
    pub fn shown(&self) -> &str {
        match self {
            Input::File { shown, .. } | Input::Kustomize { shown, .. } => shown,
            Input::Stdin(_) => STDIN,
            Input::Failed(e) => e.file(),
        }
    }

    /// Reads the input, or says why it is not a manifest. A file is read now; stdin and a
    /// rendered kustomization, held already, are lent.
    pub fn load(&self) -> Result<Cow<'_, Source>, InputError> {
        match self {
            Input::File { path, shown, walked } => {
                match read_capped(std::fs::File::open(path), shown, std::fs::metadata(path).map_or(0, |m| m.len())) {
                    Ok(bytes) => {
                        let format = kubegate_engine::Format::of_path(path);
                        Source::from_bytes(shown.clone(), bytes)
                            .map(|s| Cow::Owned(Source { walked: *walked, format, ..s }))
                    }
                    Err(e) => Err(e),
                }
            }
            Input::Stdin(source) => Ok(Cow::Borrowed(source)),
            Input::Kustomize { .. } => self.rendered_ref().map(|r| Cow::Borrowed(&r.source)),
            Input::Failed(e) => Err(e.clone()),
        }
    }
}

impl Input {
    fn kustomize(dir: &Path, shown: String, bin: Option<&Path>) -> Input {
        Input::Kustomize { dir: dir.to_path_buf(), shown, bin: bin.map(Path::to_path_buf), rendered: OnceLock::new() }
    }

    /// The rendered stream of a kustomization (rendering it on first use).
    pub fn rendered(&self) -> Result<Arc<Rendered>, InputError> {
        self.rendered_ref().cloned()
    }

    fn rendered_ref(&self) -> Result<&Arc<Rendered>, InputError> {
        match self {
            Input::Kustomize { dir, shown, bin, rendered } => rendered
                .get_or_init(|| kustomize::render(dir, shown, bin.as_deref()).map(Arc::new))
                .as_ref()
                .map_err(Clone::clone),
            _ => Err(InputError::new(self.shown(), 0, 0, "not a kustomization")),
        }
    }
}

pub use kubegate_dockerfile::is_dockerfile_name;

/// A name a folder walk reads as manifests: `.yaml`, `.yml` or `.json`.
pub fn is_manifest_name(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json"))
}

/// Kustomize's files and kubegate's own config describe manifests; they are not manifests.
/// A `kubegate.yaml` holding Kubernetes resources (kubegate's own Deployment) is one, and
/// is checked.
fn is_tool_file(p: &Path) -> bool {
    match p.file_name().and_then(|n| n.to_str()) {
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization") => true,
        Some(kubegate_engine::config::FILE_NAME) => !kubegate_engine::config::is_manifest_not_config(p),
        _ => false,
    }
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
/// rest goes on and the failure is reported in its place. A file that a kustomization
/// under `project_root` renders (a base, a patch, a component) is checked through the
/// top-level overlays that render it. A directory holding a
/// kustomization is rendered (with `kustomize_bin` when given); inside a walked tree, the
/// kustomizations no other one builds from are rendered and the files they use are not
/// also read as plain manifests.
pub fn collect(
    paths: &[String],
    stdin: &mut dyn Read,
    kustomize_bin: Option<&Path>,
    project_root: &Path,
    excluded: &dyn Fn(&str) -> Option<String>,
) -> (Vec<Input>, Vec<Skipped>) {
    let mut inputs = Vec::new();
    let mut skipped = Vec::new();
    // The project's kustomizations, found on the first file named on its own.
    let project = std::cell::OnceCell::new();
    for p in paths {
        if p == "-" {
            match read_capped(Ok(&mut *stdin), STDIN, 0).and_then(|bytes| Source::from_bytes(STDIN, bytes)) {
                Ok(source) => inputs.push(Input::Stdin(source)),
                Err(e) => inputs.push(Input::Failed(e)),
            }
            continue;
        }
        let path = Path::new(p);
        let p = p.clone();
        // A file named on its own that a kustomization of the project renders (a base, a
        // patch, a component, a base's own kustomization file) is checked through the
        // top-level overlays that render it: on its own it is a partial document.
        let is_kustomization = path.is_file() && is_kustomization_name(path);
        if path.is_file() && (is_manifest_name(path) || is_kustomization) {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let part = if is_kustomization { dir } else { path };
            let overlays = project.get_or_init(|| kustomize::Project::scan(project_root)).overlays_including(part);
            for overlay in &overlays {
                let shown_dir = kustomize::shown(overlay);
                eprintln!("kubegate: {p} is part of the Kustomize overlay {shown_dir}: checking it there");
                inputs.push(Input::kustomize(overlay, shown_dir, kustomize_bin));
            }
            if !overlays.is_empty() {
                continue;
            }
            if is_kustomization {
                // A top-level kustomization file stands for its overlay.
                inputs.push(Input::kustomize(dir, dir.display().to_string(), kustomize_bin));
                continue;
            }
        }
        let before = inputs.len();
        if path.is_dir() && kustomize::kustomization_file(path).is_some() {
            inputs.push(Input::kustomize(path, p.trim_end_matches('/').to_string(), kustomize_bin));
            // Kustomize renders the manifests; the Dockerfiles beside them are checked too.
            for entry in crate::walk::builder(path).build().flatten() {
                let ep = entry.path();
                if entry.file_type().is_some_and(|t| t.is_file()) && is_dockerfile_name(ep) {
                    match excluded(&shown(ep)) {
                        Some(why) => skipped.push(Skipped { file: shown(ep), why }),
                        None => inputs.push(Input::File { shown: shown(ep), path: ep.to_path_buf(), walked: true }),
                    }
                }
            }
        } else if path.is_dir() {
            // First the walk, then the plan: which kustomizations to render, which files
            // they cover; then the inputs in walk order.
            enum Seen {
                File(PathBuf),
                /// Checked whatever kustomization is around it: Kustomize never reads one.
                Dockerfile(PathBuf),
                Kustomization(PathBuf),
                Failed(InputError),
            }
            let mut seen = Vec::new();
            let mut found = std::collections::HashSet::new();
            for entry in crate::walk::builder(path).build() {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        let ep = e.path();
                        found.insert(ep.to_path_buf());
                        let name = ep.file_name().and_then(|n| n.to_str()).unwrap_or("");
                        if kustomize::KUSTOMIZATION_FILES.contains(&name) {
                            seen.push(Seen::Kustomization(ep.parent().unwrap_or(Path::new(".")).to_path_buf()));
                        } else if is_manifest_name(ep) && !is_tool_file(ep) {
                            seen.push(Seen::File(ep.to_path_buf()));
                        } else if is_dockerfile_name(ep) {
                            seen.push(Seen::Dockerfile(ep.to_path_buf()));
                        }
                    }
                    Ok(_) => {}
                    Err(err) => seen.push(Seen::Failed(InputError::new(&p, 0, 0, format!("cannot walk: {err}")))),
                }
            }
            // What an ignore file left out is counted, not silently dropped.
            for f in crate::walk::all_files(path) {
                if ((is_manifest_name(&f) && !is_tool_file(&f)) || is_dockerfile_name(&f)) && !found.contains(&f) {
                    skipped.push(Skipped { file: shown(&f), why: "ignored by .gitignore or .kubegateignore".into() });
                }
            }
            // What an exclude glob names is left out, and counted.
            let seen: Vec<Seen> = seen
                .into_iter()
                .filter(|s| {
                    let path = match s {
                        Seen::File(f) | Seen::Dockerfile(f) => f.clone(),
                        Seen::Kustomization(d) => kustomize::kustomization_file(d).unwrap_or_else(|| d.clone()),
                        Seen::Failed(_) => return true,
                    };
                    match excluded(&shown(&path)) {
                        Some(why) => {
                            skipped.push(Skipped { file: shown(&path), why });
                            false
                        }
                        None => true,
                    }
                })
                .collect();
            let dirs: Vec<PathBuf> = seen
                .iter()
                .filter_map(|s| if let Seen::Kustomization(d) = s { Some(d.clone()) } else { None })
                .collect();
            let plan = kustomize::Plan::new(&dirs);
            for cycle in &plan.cycles {
                let names: Vec<String> = cycle.iter().map(|d| kustomize::shown(d)).collect();
                let file = kustomize::kustomization_file(&cycle[0]).unwrap_or_else(|| cycle[0].clone());
                inputs.push(Input::Failed(InputError::new(
                    kustomize::shown(&file),
                    0,
                    0,
                    format!(
                        "kustomizations build from each other in a circle ({}): none of them can be rendered",
                        names.join(" → ")
                    ),
                )));
            }
            for s in seen {
                match s {
                    Seen::Kustomization(d) if plan.roots.contains(&d) => {
                        inputs.push(Input::kustomize(&d, shown(&d), kustomize_bin))
                    }
                    Seen::Kustomization(_) => {}
                    Seen::File(f) if plan.covers(&f) => {}
                    Seen::File(f) | Seen::Dockerfile(f) => {
                        inputs.push(Input::File { shown: shown(&f), path: f, walked: true })
                    }
                    Seen::Failed(e) => inputs.push(Input::Failed(e)),
                }
            }
            if inputs.len() == before {
                // A gate that checked nothing must not pass.
                inputs.push(Input::Failed(InputError::new(
                    &p,
                    0,
                    0,
                    format!(
                        "no manifests found in {p}: no .yaml, .yml or .json file, no Dockerfile and no kustomization"
                    ),
                )));
            }
        } else if path.exists() {
            inputs.push(Input::File { path: path.to_path_buf(), shown: p.clone(), walked: false });
        } else {
            inputs.push(Input::Failed(InputError::new(p, 0, 0, "no such file or directory")));
        }
    }
    // An overlay named twice (directly, and through a file it renders) is checked once.
    let mut seen_dirs = Vec::new();
    inputs.retain(|i| match i {
        Input::Kustomize { dir, .. } => {
            let abs = std::path::absolute(dir).map(|d| kubegate_engine::config::lexical_normalize(&d));
            let abs = abs.unwrap_or_else(|_| dir.clone());
            if seen_dirs.contains(&abs) {
                false
            } else {
                seen_dirs.push(abs);
                true
            }
        }
        _ => true,
    });
    (inputs, skipped)
}

fn is_kustomization_name(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| kustomize::KUSTOMIZATION_FILES.contains(&n))
}
