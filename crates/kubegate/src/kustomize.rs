//! Kustomize inputs: a directory holding a kustomization is rendered with `kustomize
//! build` (or `kubectl kustomize`), and findings on the rendered stream are traced back to
//! the line a person has to edit.
//!
//! Rendering never touches the user's files: a temporary kustomization lists the user's
//! directory as its one resource and asks for `buildMetadata: [originAnnotations,
//! transformerAnnotations]`, so every rendered resource says which file it came from
//! (`config.kubernetes.io/origin`) and which kustomizations transformed it
//! (`alpha.config.kubernetes.io/transformations`).
//!
//! Tracing a finding: its field path is looked up in the resource's source document; if
//! the rendered resource has the field but the source does not, in the patches of the
//! kustomizations that transformed it; if it is found in neither, the finding points at
//! the resource's origin and says so. A finding about a missing field points at the
//! nearest existing parent in the source.

use kubegate_engine::evaluate::ResourceInfo;
use kubegate_engine::resources::{Located, locate_path};
use kubegate_engine::{Finding, InputError};
use kubegate_yaml::{Bump, Node, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

pub const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file of a directory, if it has one.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES.iter().map(|f| dir.join(f)).find(|p| p.is_file())
}

use kubegate_engine::config::lexical_normalize as normalize;

fn absolute(p: &Path) -> PathBuf {
    normalize(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
}

/// `to` relative to `from` (both absolute): `../../work/app/k8s/overlays/prod`.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (f, t): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// A path as reports show it: relative to the working directory when below it.
pub fn shown(p: &Path) -> String {
    let cwd = std::env::current_dir().map(|c| absolute(&c)).unwrap_or_default();
    let p = absolute(p);
    let rel = match p.strip_prefix(&cwd) {
        Ok(r) => r.to_path_buf(),
        Err(_) => relative(&cwd, &p),
    };
    rel.to_string_lossy().replace('\\', "/")
}

/// What a kustomization says of itself: its kind and the local paths it refers to.
pub struct Kustomization {
    pub component: bool,
    /// Directories and files it builds from (`resources`, `bases`, `components`, `crds`).
    pub builds_from: Vec<PathBuf>,
    /// Patch files (`patches[].path`, `patchesStrategicMerge`, `patchesJson6902[].path`).
    pub patches: Vec<PathBuf>,
    /// Generator inputs (`configMapGenerator` / `secretGenerator` files and envs).
    pub generator_files: Vec<PathBuf>,
}

fn is_remote(s: &str) -> bool {
    s.contains("://") || s.starts_with("github.com/") || s.starts_with("git@") || s.contains("?ref=")
}

pub fn read_kustomization(dir: &Path) -> Option<Kustomization> {
    let file = kustomization_file(dir)?;
    let text = std::fs::read_to_string(&file).ok()?;
    let arena = Bump::new();
    let loaded = kubegate_yaml::load(&text, &arena);
    let root = &loaded.documents.first()?.root;
    let strs = |n: Option<&Node<'_>>| -> Vec<String> {
        n.map(|n| n.items()).unwrap_or_default().iter().filter_map(|i| i.as_str()).map(str::to_string).collect()
    };
    let local = |v: Vec<String>| -> Vec<PathBuf> {
        v.into_iter().filter(|s| !is_remote(s)).map(|s| normalize(&dir.join(s))).collect()
    };
    let mut builds = Vec::new();
    for k in ["resources", "bases", "components", "crds"] {
        builds.extend(strs(root.get(k)));
    }
    let mut patches = strs(root.get("patchesStrategicMerge"));
    for k in ["patches", "patchesJson6902"] {
        for p in root.get(k).map(|n| n.items()).unwrap_or_default() {
            if let Some(path) = p.get("path").and_then(|n| n.as_str()) {
                patches.push(path.to_string());
            }
        }
    }
    let mut generated = Vec::new();
    for g in ["configMapGenerator", "secretGenerator"] {
        for item in root.get(g).map(|n| n.items()).unwrap_or_default() {
            for f in ["files", "envs"] {
                // `files: [key=path]` names the key before `=`.
                generated.extend(strs(item.get(f)).into_iter().map(|s| s.rsplit('=').next().unwrap_or("").to_string()));
            }
            if let Some(env) = item.get("env").and_then(|n| n.as_str()) {
                generated.push(env.to_string());
            }
        }
    }
    Some(Kustomization {
        component: root.get("kind").and_then(|n| n.as_str()) == Some("Component"),
        builds_from: local(builds),
        patches: local(patches),
        generator_files: local(generated),
    })
}

/// The first remote reference (a URL or a git repository) in a kustomization or the local
/// kustomizations it builds from: file, line, column and the reference.
pub fn remote_reference(dir: &Path) -> Option<(PathBuf, u32, u32, String)> {
    let mut stack = vec![normalize(dir)];
    let mut seen = Vec::new();
    while let Some(d) = stack.pop() {
        if seen.contains(&d) {
            continue;
        }
        seen.push(d.clone());
        let Some(file) = kustomization_file(&d) else { continue };
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let arena = Bump::new();
        let loaded = kubegate_yaml::load(&text, &arena);
        let Some(root) = loaded.documents.first().map(|doc| &doc.root) else { continue };
        let mut refs: Vec<&Node<'_>> = Vec::new();
        for k in ["resources", "bases", "components", "crds", "patchesStrategicMerge"] {
            refs.extend(root.get(k).map(|n| n.items()).unwrap_or_default());
        }
        for k in ["patches", "patchesJson6902"] {
            refs.extend(root.get(k).map(|n| n.items()).unwrap_or_default().iter().filter_map(|p| p.get("path")));
        }
        for r in refs {
            match r.as_str() {
                Some(s) if is_remote(s) => return Some((file, r.span.start.line, r.span.start.col, s.to_string())),
                Some(s) => stack.push(normalize(&d.join(s))),
                None => {}
            }
        }
    }
    None
}

/// The tool that renders kustomizations.
#[derive(Clone, Debug)]
pub enum Tool {
    Kustomize(PathBuf),
    Kubectl(PathBuf),
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// `--kustomize-bin`, else `kustomize`, else `kubectl` (whose `kustomize` subcommand is
/// built in), from `PATH`.
pub fn find_tool(explicit: Option<&Path>) -> Result<Tool, String> {
    if let Some(bin) = explicit {
        let is_kubectl = bin.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains("kubectl"));
        let found = if bin.components().count() > 1 {
            bin.is_file().then(|| bin.to_path_buf())
        } else {
            on_path(&bin.to_string_lossy())
        };
        return match found {
            Some(p) if is_kubectl => Ok(Tool::Kubectl(p)),
            Some(p) => Ok(Tool::Kustomize(p)),
            None => Err(format!("--kustomize-bin `{}` was not found", bin.display())),
        };
    }
    on_path("kustomize")
        .map(Tool::Kustomize)
        .or_else(|| on_path("kubectl").map(Tool::Kubectl))
        .ok_or_else(|| "neither `kustomize` nor `kubectl` was found on PATH".to_string())
}

/// A rendered kustomization: the stream, and the temporary folder origin paths are
/// relative to (already removed; only path arithmetic uses it).
pub struct Rendered {
    pub text: String,
    pub wrapper: PathBuf,
}

/// Renders `dir` without touching it.
pub fn render(dir: &Path, shown_dir: &str, bin: Option<&Path>) -> Result<Rendered, InputError> {
    let file = || {
        format!(
            "{shown_dir}/{}",
            kustomization_file(dir)
                .and_then(|f| f.file_name().map(|n| n.to_string_lossy().to_string()))
                .unwrap_or_else(|| "kustomization.yaml".into())
        )
    };
    if let Some((file, line, col, url)) = remote_reference(dir) {
        return Err(InputError::new(
            shown(&file),
            line,
            col,
            format!(
                "the kustomization refers to a remote resource ({url}); kubegate renders only local files, so that a check never depends on the network: render it yourself, e.g. `kustomize build {shown_dir} | kubegate test -`"
            ),
        ));
    }
    let tool = find_tool(bin).map_err(|why| {
        InputError::new(
            file(),
            0,
            0,
            format!(
                "cannot render the Kustomize directory {shown_dir}: {why}; install one of them (or name one with --kustomize-bin), or render it yourself: `kustomize build {shown_dir} | kubegate test -`"
            ),
        )
    })?;
    let wrapper = std::env::temp_dir().join(format!("kubegate-kustomize-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&wrapper)
        .map_err(|e| InputError::new(file(), 0, 0, format!("cannot create a temporary folder: {e}")))?;
    let wrapper = absolute(&wrapper);
    let target = relative(&wrapper, &absolute(dir));
    let kustomization = format!(
        "# Written by kubegate to trace findings to their sources; the user's files are not touched.\nresources:\n  - '{}'\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
        // A single-quoted YAML scalar: quotes doubled.
        target.to_string_lossy().replace('\'', "''")
    );
    let result =
        std::fs::write(wrapper.join("kustomization.yaml"), kustomization).map_err(|e| e.to_string()).and_then(|_| {
            let mut cmd = match &tool {
                Tool::Kustomize(p) => {
                    let mut c = Command::new(p);
                    c.arg("build");
                    c
                }
                Tool::Kubectl(p) => {
                    let mut c = Command::new(p);
                    c.arg("kustomize");
                    c
                }
            };
            cmd.arg(&wrapper).output().map_err(|e| e.to_string())
        });
    let _ = std::fs::remove_dir_all(&wrapper);
    let output = result.map_err(|e| InputError::new(file(), 0, 0, format!("cannot run kustomize: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // kubectl writes `… "command failed" err="<why>"`; kustomize writes `Error: <why>`.
        let why = stderr
            .lines()
            .find_map(|l| {
                l.split_once("err=\"")
                    .map(|(_, e)| e.trim_end_matches('"').to_string())
                    .or_else(|| l.strip_prefix("Error: ").map(str::to_string))
            })
            .or_else(|| stderr.lines().map(str::trim).rfind(|l| l.len() > 2).map(str::to_string))
            .unwrap_or_else(|| "it failed".into());
        // The temporary wrapper's relative path to the directory reads as the directory.
        let why = why.replace(&target.to_string_lossy().to_string(), shown_dir);
        return Err(InputError::new(file(), 0, 0, format!("kustomize could not build {shown_dir}: {why}")));
    }
    let text =
        String::from_utf8(output.stdout).map_err(|_| InputError::new(file(), 0, 0, "kustomize wrote invalid UTF-8"))?;
    Ok(Rendered { text, wrapper })
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Where one rendered document came from.
struct DocOrigin {
    start: u32,
    end: u32,
    kind: String,
    origin: Option<PathBuf>,
    /// For a generated resource (no file): the kustomization whose generator made it.
    generated_by: Option<PathBuf>,
    configured_in: Vec<PathBuf>,
}

fn doc_origins(r: &Rendered) -> Vec<DocOrigin> {
    let arena = Bump::new();
    let loaded = kubegate_yaml::load(&r.text, &arena);
    let annotation = |root: &Node<'_>, key: &str| -> Option<String> {
        root.path("metadata.annotations").and_then(|a| a.get(key)).and_then(|v| v.as_str()).map(str::to_string)
    };
    loaded
        .documents
        .iter()
        .map(|d| {
            let origin_text = annotation(&d.root, "config.kubernetes.io/origin").unwrap_or_default();
            let field = |name: &str| {
                origin_text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix(name))
                    .map(|p| normalize(&r.wrapper.join(p.trim())))
            };
            let origin = field("path:");
            let generated_by = if origin.is_none() { field("configuredIn:") } else { None };
            let configured_in = annotation(&d.root, "alpha.config.kubernetes.io/transformations")
                .map(|t| {
                    t.lines()
                        .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("configuredIn:"))
                        .map(|p| normalize(&r.wrapper.join(p.trim())))
                        .collect()
                })
                .unwrap_or_default();
            DocOrigin {
                start: d.root.span.start.line,
                end: d.root.span.end.line,
                kind: d.root.get("kind").and_then(|k| k.as_str()).unwrap_or("").to_string(),
                origin,
                generated_by,
                configured_in,
            }
        })
        .collect()
}

/// Source, patch and kustomization files read while tracing, each read and parsed once,
/// held in one arena for the whole trace.
struct Files<'a> {
    arena: &'a Bump,
    docs: HashMap<PathBuf, Option<&'a [kubegate_yaml::Document<'a>]>>,
}

impl<'a> Files<'a> {
    fn new(arena: &'a Bump) -> Self {
        Files { arena, docs: HashMap::new() }
    }

    /// The documents of a file (none when it cannot be read).
    fn get(&mut self, p: &Path) -> Option<&'a [kubegate_yaml::Document<'a>]> {
        let arena = self.arena;
        *self.docs.entry(p.to_path_buf()).or_insert_with(|| {
            let text: &'a str = arena.alloc_str(&std::fs::read_to_string(p).ok()?);
            Some(arena.alloc_slice_clone(&kubegate_yaml::load(text, arena).documents))
        })
    }
}

/// The document of a source file that a rendered resource came from: same kind, and the
/// name the rendered name was made from (prefixes and suffixes added).
fn source_doc<'a>(docs: &'a [kubegate_yaml::Document<'a>], kind: &str, rendered_name: &str) -> Option<&'a Node<'a>> {
    let name = |n: &Node<'_>| n.path("metadata.name").and_then(|v| v.as_str()).unwrap_or("").to_string();
    let same_kind: Vec<&Node<'_>> =
        docs.iter().map(|d| &d.root).filter(|r| r.get("kind").and_then(|k| k.as_str()) == Some(kind)).collect();
    if let [only] = same_kind[..] {
        return Some(only);
    }
    same_kind
        .iter()
        .filter(|r| !name(r).is_empty() && rendered_name.contains(&name(r)))
        .max_by_key(|r| name(r).len())
        .copied()
}

fn set_span(f: &mut Finding, file: &str, span: Span) {
    f.file = Arc::from(file);
    f.line = span.start.line;
    f.column = span.start.col;
    f.end_line = span.end.line;
    f.end_column = span.end.col;
}

/// Traces the findings and resource records of one rendered kustomization (named
/// `input` in reports) back to source files.
pub fn trace(rendered: &Rendered, input: &str, findings: &mut [Finding], resources: &mut [ResourceInfo]) {
    let docs = doc_origins(rendered);
    let arena = Bump::new();
    let rendered_docs = kubegate_yaml::load(&rendered.text, &arena).documents;
    let doc_at = |line: u32| docs.iter().position(|d| d.start <= line && line <= d.end.max(d.start));
    let sources = Bump::new();
    let mut files = Files::new(&sources);
    for r in resources.iter_mut().filter(|r| &*r.file == input) {
        let Some(i) = doc_at(r.line) else { continue };
        let Some(origin) = &docs[i].origin else { continue };
        let name = r.id.name.clone().unwrap_or_default();
        if let Some(src) = files.get(origin) {
            if let Some(doc) = source_doc(src, &docs[i].kind, &name) {
                r.line = doc.span.start.line;
            }
            r.file = Arc::from(shown(origin));
        }
    }
    for f in findings.iter_mut().filter(|f| &*f.file == input) {
        let Some(i) = doc_at(f.line) else { continue };
        let d = &docs[i];
        if let Some(k) = &d.generated_by {
            // A generated ConfigMap or Secret: point at its generator entry.
            let name = f.resource.name.clone().unwrap_or_default();
            if let Some(span) = generator_entry(k, &d.kind, &name, &mut files) {
                set_span(f, &shown(k), span);
            }
            continue;
        }
        let Some(origin) = &d.origin else { continue };
        let name = f.resource.name.clone().unwrap_or_default();
        let container = f.container.clone();
        let rendered_root = rendered_docs.get(i).map(|r| &r.root);
        let in_rendered = rendered_root.map(|r| locate_path(r, &f.path, container.as_deref()));
        let Some(src) = files.get(origin) else { continue };
        let Some(doc) = source_doc(src, &d.kind, &name) else { continue };
        let Located { exists, nearest } = locate_path(doc, &f.path, container.as_deref());
        let origin_shown = shown(origin);
        let fallback = nearest.unwrap_or_else(|| doc.get("kind").map(|k| k.span).unwrap_or(doc.span));
        let rendered_has = in_rendered.is_some_and(|l| l.exists);
        // The same value in the source (or a field missing everywhere): edit the source.
        let changed = rendered_has
            && (!exists
                || value_at(rendered_root, &f.path, container.as_deref())
                    != value_at(Some(doc), &f.path, container.as_deref()));
        if !changed {
            set_span(f, &origin_shown, fallback);
            continue;
        }
        // The rendered resource has a field, or a value, its source lacks: a
        // transformation set it.
        let source_name = doc.path("metadata.name").and_then(|v| v.as_str()).unwrap_or("").to_string();
        match in_patches(&d.configured_in, &d.kind, &source_name, &f.path, container.as_deref(), &mut files) {
            Some((patch, span)) => set_span(f, &shown(&patch), span),
            None => {
                let by = d.configured_in.first().map(|k| shown(k)).unwrap_or_else(|| "a kustomization".into());
                set_span(f, &origin_shown, fallback);
                f.message.push_str(&format!(
                    " (the value comes from a Kustomize transformation in {by}; shown at the resource's source)"
                ));
            }
        }
    }
}

/// The `name` of the generator entry (`configMapGenerator` / `secretGenerator`) that made
/// a rendered ConfigMap or Secret (named `<prefix><name>-<hash>`).
fn generator_entry(kustomization: &Path, kind: &str, rendered_name: &str, files: &mut Files) -> Option<Span> {
    let key = if kind == "Secret" { "secretGenerator" } else { "configMapGenerator" };
    let root = &files.get(kustomization)?.first()?.root;
    let items = root.get(key)?.items();
    let named = |n: &Node<'_>| n.get("name").and_then(|v| v.as_str()).unwrap_or("").to_string();
    let best = items
        .iter()
        .filter(|i| !named(i).is_empty() && rendered_name.contains(&named(i)))
        .max_by_key(|i| named(i).len())?;
    best.get("name").map(|n| n.span)
}

/// The text of the scalar at `path`, if there is one.
fn value_at(root: Option<&Node<'_>>, path: &str, container: Option<&str>) -> Option<String> {
    fn scalar_at<'n>(n: &'n Node<'n>, span: Span) -> Option<&'n Node<'n>> {
        if n.is_scalar() && n.span == span {
            return Some(n);
        }
        n.entries().iter().map(|(_, v)| v).chain(n.items()).find_map(|c| scalar_at(c, span))
    }
    let root = root?;
    let found = locate_path(root, path, container);
    let span = found.nearest.filter(|_| found.exists)?;
    scalar_at(root, span)?.scalar_text().map(str::to_string)
}

/// Looks for `path` in the patch files of the kustomizations that transformed a resource.
fn in_patches(
    kustomizations: &[PathBuf],
    kind: &str,
    name: &str,
    path: &str,
    container: Option<&str>,
    files: &mut Files,
) -> Option<(PathBuf, Span)> {
    for k in kustomizations {
        let Some(kust) = k.parent().and_then(read_kustomization) else { continue };
        for patch in &kust.patches {
            let Some(docs) = files.get(patch) else { continue };
            for doc in docs {
                let root = &doc.root;
                let targets = root.get("kind").and_then(|v| v.as_str()) == Some(kind)
                    && root.path("metadata.name").and_then(|v| v.as_str()).is_none_or(|n| n == name);
                if !targets {
                    continue;
                }
                let found = locate_path(root, path, container);
                if found.exists
                    && let Some(span) = found.nearest
                {
                    return Some((patch.clone(), span));
                }
            }
        }
    }
    None
}

/// Splits a walked tree into kustomizations to render and plain files to read: a
/// kustomization that another one builds from is rendered as part of it, a Component
/// never alone, and no file inside a kustomization's folder or referenced by one is also
/// read as a plain manifest (patches are partial documents).
pub struct Plan {
    pub roots: Vec<PathBuf>,
    excluded_dirs: Vec<PathBuf>,
    excluded_files: Vec<PathBuf>,
}

impl Plan {
    pub fn new(kustomization_dirs: &[PathBuf]) -> Plan {
        let dirs: Vec<PathBuf> = kustomization_dirs.iter().map(|d| absolute(d)).collect();
        let parsed: Vec<Option<Kustomization>> = dirs.iter().map(|d| read_kustomization(d)).collect();
        let mut referenced = Vec::new();
        let mut files = Vec::new();
        for k in parsed.iter().flatten() {
            referenced.extend(k.builds_from.iter().map(|p| absolute(p)));
            files.extend(k.builds_from.iter().chain(&k.patches).chain(&k.generator_files).map(|p| absolute(p)));
        }
        let roots = kustomization_dirs
            .iter()
            .zip(&dirs)
            .zip(&parsed)
            .filter(|((_, abs), k)| !referenced.contains(abs) && !k.as_ref().is_some_and(|k| k.component))
            .map(|((d, _), _)| d.clone())
            .collect();
        Plan { roots, excluded_dirs: dirs, excluded_files: files }
    }

    /// Whether a plain file belongs to a kustomization (and is read through it).
    pub fn covers(&self, file: &Path) -> bool {
        let f = absolute(file);
        self.excluded_files.contains(&f) || self.excluded_dirs.iter().any(|d| f.starts_with(d))
    }
}
