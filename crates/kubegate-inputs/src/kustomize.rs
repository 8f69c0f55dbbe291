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
use kubegate_engine::{ExemptionRecord, Finding, InputError, Route, Segment, Source};
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

/// Whether a path field names something outside the tree: a URL (`https://`, `ssh://`,
/// `file://` too), a Git repository (`github.com/…`, `?ref=`, `git::`), or an scp-style
/// address (`deploy@host:org/repo.git`), whatever the case of its host.
fn is_remote(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    let scp = lower.split_once('@').is_some_and(|(user, rest)| {
        !user.is_empty()
            && !user.contains('/')
            && rest.split_once(':').is_some_and(|(host, _)| host.contains('.') || host == "localhost")
    });
    lower.contains("://")
        || lower.starts_with("git::")
        || lower.starts_with("github.com/")
        || lower.starts_with("gitlab.com/")
        || lower.starts_with("bitbucket.org/")
        || lower.contains("?ref=")
        || lower.contains("?version=")
        || scp
}

/// Every path a kustomization names, in every field that takes one: what it builds from,
/// patches, generator files, plugin configurations, replacements' sources, the OpenAPI
/// schema, transformer configurations.
fn path_fields<'n>(root: &'n Node<'n>) -> Vec<&'n Node<'n>> {
    let mut refs: Vec<&Node<'_>> = Vec::new();
    let list = |k: &str| root.get(k).map(|n| n.items()).unwrap_or_default();
    for k in [
        "resources",
        "bases",
        "components",
        "crds",
        "patchesStrategicMerge",
        "generators",
        "transformers",
        "validators",
        "configurations",
    ] {
        refs.extend(list(k));
    }
    for k in ["patches", "patchesJson6902", "replacements"] {
        refs.extend(list(k).iter().filter_map(|p| p.get("path")));
    }
    refs.extend(root.get("openapi").and_then(|o| o.get("path")));
    for g in ["configMapGenerator", "secretGenerator"] {
        for item in list(g) {
            for f in ["files", "envs"] {
                refs.extend(item.get(f).map(|n| n.items()).unwrap_or_default());
            }
            refs.extend(item.get("env"));
        }
    }
    refs
}

/// The kustomization of a folder, read from its file.
pub fn read_kustomization(dir: &Path) -> Option<Kustomization> {
    let file = kustomization_file(dir)?;
    let text = std::fs::read_to_string(&file).ok()?;
    Kustomization::parse(&text, dir)
}

impl Kustomization {
    /// What a kustomization's text says, its local paths resolved against its folder
    /// `dir`; `None` when the text holds no document.
    pub fn parse(text: &str, dir: &Path) -> Option<Kustomization> {
        let arena = Bump::new();
        let loaded = kubegate_yaml::load(text, &arena);
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
                    generated
                        .extend(strs(item.get(f)).into_iter().map(|s| s.rsplit('=').next().unwrap_or("").to_string()));
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
}

/// A path a kustomization names, where it names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// As written (a generator's `key=path` whole).
    pub written: String,
    /// The path itself (`path` of `key=path`).
    pub path: String,
    pub line: u32,
    pub col: u32,
    /// A URL or a Git repository: outside the tree.
    pub remote: bool,
}

/// Every path a kustomization's text names, in every field that takes one, in order.
pub fn references(text: &str) -> Vec<Reference> {
    let arena = Bump::new();
    let loaded = kubegate_yaml::load(text, &arena);
    let Some(root) = loaded.documents.first().map(|doc| &doc.root) else { return Vec::new() };
    path_fields(root)
        .into_iter()
        .filter_map(|r| {
            let written = r.as_str()?;
            // A generator's `files` entry may name its key first: `key=path`.
            let path = written.rsplit_once('=').map_or(written, |(_, p)| p);
            Some(Reference {
                written: written.to_string(),
                path: path.to_string(),
                line: r.span.start.line,
                col: r.span.start.col,
                remote: is_remote(path) || is_remote(written),
            })
        })
        .collect()
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
        for r in references(&text) {
            if r.remote {
                return Some((file, r.line, r.col, r.written));
            }
            stack.push(normalize(&d.join(&r.path)));
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

/// A rendered kustomization: the stream (named as the kustomization's folder is shown),
/// and the temporary folder origin paths are relative to (already removed; only path
/// arithmetic uses it).
pub struct Rendered {
    pub source: Source,
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
            // Nothing remote should be left (refused above); should a reference slip
            // through, the tool still cannot reach the network: no proxies, Git limited
            // to local repositories and never prompting, no kubeconfig, no user config.
            cmd.env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", &wrapper)
                .env("XDG_CONFIG_HOME", &wrapper)
                .env("KUBECONFIG", "/dev/null")
                .env("GIT_ALLOW_PROTOCOL", "file")
                .env("GIT_TERMINAL_PROMPT", "0")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null");
            cmd.arg(&wrapper).output().map_err(|e| e.to_string())
        });
    let _ = std::fs::remove_dir_all(&wrapper);
    let output = result.map_err(|e| InputError::new(file(), 0, 0, format!("cannot run kustomize: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let why = build_error(&stderr, &absolute(dir), &target.to_string_lossy(), shown_dir);
        let (line, col) = error_position(dir, &why).unwrap_or((0, 0));
        return Err(InputError::new(file(), line, col, format!("kustomize could not build {shown_dir}: {why}")));
    }
    let text =
        String::from_utf8(output.stdout).map_err(|_| InputError::new(file(), 0, 0, "kustomize wrote invalid UTF-8"))?;
    Ok(Rendered {
        source: Source { path: shown_dir.to_string(), text, walked: false, format: kubegate_engine::Format::Manifest },
        wrapper,
    })
}

/// kustomize's whole message, in its own words: `kubectl kustomize` writes it as a Go
/// quoted string (`… "command failed" err="<why>"`), `kustomize build` as `Error: <why>`.
/// The part that only describes kubegate's temporary wrapper is left out, and paths are
/// shown as the user named the directory.
fn build_error(stderr: &str, dir: &Path, wrapper_target: &str, shown_dir: &str) -> String {
    let quoted = stderr.lines().find_map(|l| l.split_once(" err=\"").map(|(_, e)| e.strip_suffix('"').unwrap_or(e)));
    let mut why = match quoted {
        Some(q) => unquote_go(q),
        None => match stderr.find("Error: ") {
            Some(at) => stderr[at + "Error: ".len()..].trim_end().to_string(),
            None => stderr.trim().to_string(),
        },
    };
    if why.is_empty() {
        why = "it failed without saying why".into();
    }
    // `accumulating resources from '<wrapper target>': '<dir>' must resolve to a file':
    // recursed accumulation of path '<dir>': ` is the wrapper's level: skip to the user's.
    let dir = dir.to_string_lossy();
    let recursed = format!("recursed accumulation of path '{dir}': ");
    if let Some(at) = why.find(&recursed) {
        why = why[at + recursed.len()..].to_string();
    }
    let why = why.replace(&format!("{dir}/"), &format!("{shown_dir}/")).replace(wrapper_target, shown_dir);
    git_failure(why)
}

/// A Git command run by kustomize that failed says only `exit status 128` (its own reason,
/// when it gave one, is a `fatal:` line before): say that it was Git, and why it cannot
/// fetch here.
fn git_failure(why: String) -> String {
    if !why.contains("exit status 128") || why.contains("Git ") {
        return why;
    }
    format!(
        "{why} (a Git command failed: kubegate runs kustomize without network access and allows Git only local \
         repositories, so a remote base cannot be fetched; render the tree yourself and pipe it in)"
    )
}

/// A Go double-quoted string's contents, unescaped (`\"`, `\\`, `\n`, `\t`).
fn unquote_go(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    let mut chars = q.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Where a build error points in the kustomization: the line of the first entry the
/// message quotes (`'missing.yaml'`).
fn error_position(dir: &Path, why: &str) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string(kustomization_file(dir)?).ok()?;
    let quoted: Vec<&str> = why.split('\'').filter(|q| !q.is_empty()).collect();
    text.lines().enumerate().find_map(|(i, line)| {
        let entry = line.trim_start().trim_start_matches("- ").trim_start_matches("path:").trim();
        let entry = entry.trim_matches(['"', '\'']);
        (!entry.is_empty() && quoted.contains(&entry))
            .then(|| (i as u32 + 1, line.find(entry).map_or(1, |c| c as u32 + 1)))
    })
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

/// The first rendered document whose lines hold `line`. Documents are in stream order,
/// so their starts and ends only grow: two binary searches, not a scan per finding
/// (which made tracing quadratic in the length of the stream).
fn doc_at(docs: &[DocOrigin], line: u32) -> Option<usize> {
    let started = docs.partition_point(|d| d.start <= line);
    let first = docs[..started].partition_point(|d| d.end.max(d.start) < line);
    (first < started).then_some(first)
}

fn doc_origins(r: &Rendered) -> Vec<DocOrigin> {
    let arena = Bump::new();
    let loaded = kubegate_yaml::load(&r.source.text, &arena);
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
    /// The documents of each source file by kind and name, made when first asked.
    named: HashMap<PathBuf, Named<'a>>,
}

impl<'a> Files<'a> {
    fn new(arena: &'a Bump) -> Self {
        Files { arena, docs: HashMap::new(), named: HashMap::new() }
    }

    /// The documents of a file (none when it cannot be read).
    fn get(&mut self, p: &Path) -> Option<&'a [kubegate_yaml::Document<'a>]> {
        let arena = self.arena;
        *self.docs.entry(p.to_path_buf()).or_insert_with(|| {
            let text: &'a str = arena.alloc_str(&std::fs::read_to_string(p).ok()?);
            Some(arena.alloc_slice_clone(&kubegate_yaml::load(text, arena).documents))
        })
    }

    /// The document of source file `p` that a rendered resource came from: same kind,
    /// and the name the rendered name was made from (prefixes and suffixes added): the
    /// only document of that kind, else the longest name the rendered name holds (the
    /// last of equals, in file order).
    fn source_doc(&mut self, p: &Path, kind: &str, rendered_name: &str) -> Option<&'a Node<'a>> {
        let docs = self.get(p)?;
        let named = self.named.entry(p.to_path_buf()).or_insert_with(|| Named::new(docs));
        named.find(kind, rendered_name)
    }
}

/// A source file's documents by kind, each with its name, for finding the one a rendered
/// resource came from in time that does not grow with the file's length.
struct Named<'a> {
    /// Per kind, the documents in file order.
    by_kind: HashMap<&'a str, Vec<&'a Node<'a>>>,
    /// Per kind and name, the position of the last such document in `by_kind`.
    exact: HashMap<(&'a str, &'a str), usize>,
}

fn name_of<'a>(n: &'a Node<'a>) -> &'a str {
    n.path("metadata.name").and_then(|v| v.as_str()).unwrap_or("")
}

impl<'a> Named<'a> {
    fn new(docs: &'a [kubegate_yaml::Document<'a>]) -> Named<'a> {
        let mut named = Named { by_kind: HashMap::new(), exact: HashMap::new() };
        for d in docs {
            let Some(kind) = d.root.get("kind").and_then(|k| k.as_str()) else { continue };
            let same = named.by_kind.entry(kind).or_default();
            named.exact.insert((kind, name_of(&d.root)), same.len());
            same.push(&d.root);
        }
        named
    }

    fn find(&self, kind: &str, rendered_name: &str) -> Option<&'a Node<'a>> {
        let same_kind = self.by_kind.get(kind)?;
        if let [only] = same_kind[..] {
            return Some(only);
        }
        // The longest name held is the rendered name itself, when it was not changed.
        if let Some(&i) = self.exact.get(&(kind, rendered_name)).filter(|_| !rendered_name.is_empty()) {
            return Some(same_kind[i]);
        }
        // A prefix or suffix was added: few documents are scanned; among many, the
        // rendered name's own substrings are looked up, longest first.
        let held = |n: &str| !n.is_empty() && rendered_name.contains(n);
        if same_kind.len() <= 64 {
            return same_kind.iter().filter(|r| held(name_of(r))).max_by_key(|r| name_of(r).len()).copied();
        }
        let bounds: Vec<usize> = rendered_name.char_indices().map(|(i, _)| i).chain([rendered_name.len()]).collect();
        for len in (1..bounds.len()).rev() {
            let last = (0..bounds.len() - len)
                .filter_map(|a| self.exact.get(&(kind, &rendered_name[bounds[a]..bounds[a + len]])))
                .max();
            if let Some(&i) = last {
                return Some(same_kind[i]);
            }
        }
        None
    }
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
pub fn trace(
    rendered: &Rendered,
    input: &str,
    findings: &mut [Finding],
    resources: &mut [ResourceInfo],
    exemptions: &mut [ExemptionRecord],
) {
    let docs = doc_origins(rendered);
    let arena = Bump::new();
    let rendered_docs = kubegate_yaml::load(&rendered.source.text, &arena).documents;
    let doc_at = |line: u32| doc_at(&docs, line);
    let sources = Bump::new();
    let mut files = Files::new(&sources);
    for r in resources.iter_mut().filter(|r| &*r.file == input) {
        let Some(i) = doc_at(r.line) else { continue };
        let Some(origin) = &docs[i].origin else { continue };
        let name = r.id.name.clone().unwrap_or_default();
        if files.get(origin).is_some() {
            if let Some(doc) = files.source_doc(origin, &docs[i].kind, &name) {
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
        let rendered_root = rendered_docs.get(i).map(|r| &r.root);
        let container = f.container.clone();
        if let Some(mut t) = locate_traced(d, origin, rendered_root, &name, &f.path, container.as_deref(), &mut files) {
            // A finding on one line inside a multi-line value (a secret in a literal
            // block) keeps its line within the value, when the value is the source's.
            let rendered_at = rendered_root.map(|r| locate_path(r, &f.path, container.as_deref()));
            if let Some(Located { exists: true, nearest: Some(at) }) = rendered_at
                && t.note.is_none()
                && f.line > at.start.line
                && f.line <= at.end.line
                && t.span.start.line + (at.end.line - at.start.line) == t.span.end.line
            {
                let line = t.span.start.line + (f.line - at.start.line);
                let width = f.end_column.saturating_sub(f.column);
                t.span = Span {
                    start: kubegate_yaml::Pos { line, col: t.span.start.col },
                    end: kubegate_yaml::Pos { line, col: t.span.start.col + width },
                };
            }
            set_span(f, &t.file, t.span);
            f.note = t.note;
        }
    }
    for e in exemptions.iter_mut().filter(|e| &*e.file == input) {
        let Some(i) = doc_at(e.line) else { continue };
        let (d, rendered_root) = (&docs[i], rendered_docs.get(i).map(|r| &r.root));
        let Some(origin) = &d.origin else { continue };
        let name = e.resource.as_ref().and_then(|r| r.name.clone()).unwrap_or_default();
        // The record names the exemption's first annotation: trace each of its
        // annotations and keep the first line where they are written.
        let Some(annotations) = rendered_root.and_then(|r| r.path("metadata.annotations")) else { continue };
        let keys = ["policy-exemption", "exemption-expires", "exemption-issue", "exemption-rules"];
        let traced = annotations
            .entries()
            .iter()
            .filter(|(k, _)| keys.contains(&k.text))
            .filter_map(|(k, _)| {
                let path = Route::parse("metadata.annotations").key(k.text);
                locate_traced(d, origin, rendered_root, &name, &path, None, &mut files)
            })
            .min_by_key(|t| (t.file.clone(), t.span.start.line));
        if let Some(t) = traced {
            e.file = Arc::from(t.file.as_str());
            e.line = t.span.start.line;
            e.column = t.key_column.unwrap_or(t.span.start.col);
        }
    }
}

/// Where a finding on a rendered resource is repaired (`kubegate fix`): the file (the
/// source the resource came from, or the patch that sets the field), the line its
/// document starts at, and the field's route in that document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditTarget {
    pub path: PathBuf,
    pub shown: String,
    pub document_line: u32,
    pub route: Route,
}

/// The edit target of each finding of a rendered kustomization (its findings, traced or
/// not: each names its rendered resource), or why it has none. The target follows the
/// trace: the source when it holds the field or the field is missing everywhere; the
/// patch that sets or changes the field (or that holds a deeper part of a missing one).
/// A value a transformation made, a generated resource and a remote source have none.
pub fn edit_targets(rendered: &Rendered, findings: &[&Finding]) -> Vec<Result<EditTarget, String>> {
    let docs = doc_origins(rendered);
    let arena = Bump::new();
    let rendered_docs = kubegate_yaml::load(&rendered.source.text, &arena).documents;
    let mut by_id: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, d) in rendered_docs.iter().enumerate() {
        let kind = d.root.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        by_id.entry((kind, name_of(&d.root))).or_default().push(i);
    }
    let sources = Bump::new();
    let mut files = Files::new(&sources);
    findings
        .iter()
        .map(|f| {
            let name = f.resource.name.as_deref().unwrap_or("");
            let same = by_id.get(&(f.resource.kind.as_str(), name)).map(Vec::as_slice).unwrap_or_default();
            let namespace = |i: &usize| rendered_docs[*i].root.path("metadata.namespace").and_then(|n| n.as_str());
            let i = *same
                .iter()
                .find(|i| namespace(i) == f.resource.namespace.as_deref())
                .or(same.first())
                .ok_or("its rendered resource was not found")?;
            let (d, rendered_root) = (&docs[i], &rendered_docs[i].root);
            if let Some(k) = &d.generated_by {
                return Err(format!("a generator of {} made it: edit the generator's entry", shown(k)));
            }
            let origin = d.origin.as_ref().ok_or("its source is not a local file (a remote base or a plugin)")?;
            let doc = files.source_doc(origin, &d.kind, name).ok_or("its source document was not found")?;
            let (path, container) = (&f.path, f.container.as_deref());
            let source_name = doc.path("metadata.name").and_then(|v| v.as_str()).unwrap_or("").to_string();
            let source = (origin.clone(), doc);
            let target = if !locate_path(rendered_root, path, container).exists {
                let depth = found_depth(doc, path, container);
                match deepest_in_patches(&d.configured_in, &d.kind, &source_name, path, container, &mut files) {
                    Some((patch, _, patch_depth)) if patch_depth > depth => {
                        let roots = patch_docs(&d.configured_in, &d.kind, &source_name, &mut files);
                        roots
                            .into_iter()
                            .filter(|(p, _)| *p == patch)
                            .max_by_key(|(_, r)| found_depth(r, path, container))
                            .unwrap_or(source)
                    }
                    _ => source,
                }
            } else if locate_path(doc, path, container).exists
                && value_at(Some(rendered_root), path, container) == value_at(Some(doc), path, container)
            {
                source
            } else {
                let patched = patch_docs(&d.configured_in, &d.kind, &source_name, &mut files)
                    .into_iter()
                    .find(|(_, root)| locate_path(root, path, container).exists);
                match patched {
                    Some(p) => p,
                    None => {
                        let by = d.configured_in.first().map(|k| shown(k)).unwrap_or_else(|| "a kustomization".into());
                        return Err(format!(
                            "the value comes from a Kustomize transformation in {by}: change it there"
                        ));
                    }
                }
            };
            let (file, root) = target;
            let route = remap(rendered_root, root, path).map_err(|why| format!("{why} in {}", shown(&file)))?;
            Ok(EditTarget { shown: shown(&file), path: file, document_line: root.span.start.line, route })
        })
        .collect()
}

/// The `images:` entry of a kustomization that rewrote the image a finding is about
/// (`kubegate pin` writes its `digest:` there): the kustomization, the line its document
/// starts at, the entry's route (`images[1]`), and the image as rendered (what to look up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageEntry {
    pub path: PathBuf,
    pub shown: String,
    pub document_line: u32,
    pub route: Route,
    pub rendered_image: String,
}

/// For each finding about an image field: the `images:` entry that rewrote it, if one did.
pub fn image_entries(rendered: &Rendered, findings: &[&Finding]) -> Vec<Option<ImageEntry>> {
    let docs = doc_origins(rendered);
    let arena = Bump::new();
    let rendered_docs = kubegate_yaml::load(&rendered.source.text, &arena).documents;
    let sources = Bump::new();
    let mut files = Files::new(&sources);
    findings
        .iter()
        .map(|f| {
            let name = f.resource.name.as_deref().unwrap_or("");
            let i = rendered_docs.iter().position(|d| {
                d.root.get("kind").and_then(|k| k.as_str()) == Some(f.resource.kind.as_str())
                    && name_of(&d.root) == name
                    && d.root.path("metadata.namespace").and_then(|n| n.as_str()) == f.resource.namespace.as_deref()
            })?;
            let (d, rendered_root) = (&docs[i], &rendered_docs[i].root);
            let origin = d.origin.as_ref()?;
            let doc = files.source_doc(origin, &d.kind, name)?;
            let container = f.container.as_deref();
            let rendered_image = value_at(Some(rendered_root), &f.path, container)?;
            let source_image = value_at(Some(doc), &f.path, container)?;
            let base = image_name(&source_image);
            for k in &d.configured_in {
                let Some(kdocs) = files.get(k) else { continue };
                let Some(root) = kdocs.first().map(|d| &d.root) else { continue };
                let entries = root.get("images").map(|n| n.items()).unwrap_or_default();
                if let Some(j) = entries.iter().position(|e| e.get("name").and_then(|n| n.as_str()) == Some(base)) {
                    return Some(ImageEntry {
                        path: k.clone(),
                        shown: shown(k),
                        document_line: root.span.start.line,
                        route: Route::parse("images").index(j),
                        rendered_image,
                    });
                }
            }
            None
        })
        .collect()
}

/// An image without its tag and digest (`ghcr.io/acme/api:v1@sha256:…` → `ghcr.io/acme/api`).
fn image_name(image: &str) -> &str {
    let base = image.split('@').next().unwrap_or(image);
    match base.rsplit_once(':') {
        Some((b, tag)) if !tag.contains('/') => b,
        _ => base,
    }
}

/// The route in `target` (a source or patch document) of the field at `route` in the
/// rendered document: list items are matched by their `name` (patches name the items
/// they change), unnamed ones by position when both lists are as long.
fn remap(rendered: &Node<'_>, target: &Node<'_>, route: &Route) -> Result<Route, String> {
    let (mut r, mut t) = (Some(rendered), Some(target));
    let mut out = Route::root();
    for step in route.segments() {
        match step {
            Segment::Key(k) => {
                out = out.key(k.clone());
                r = r.and_then(|n| n.get(k));
                t = t.and_then(|n| n.get(k));
            }
            Segment::Index(i) => {
                let item = r.and_then(|n| n.items().get(*i)).ok_or("the list item is not in the rendered resource")?;
                let items = t.map(|n| n.items()).unwrap_or_default();
                let j = match item.get("name").and_then(|n| n.as_str()) {
                    Some(name) => items
                        .iter()
                        .position(|c| c.get("name").and_then(|n| n.as_str()) == Some(name))
                        .ok_or_else(|| format!("the list item '{name}' is not"))?,
                    None if items.len() == r.map_or(0, |n| n.items().len()) => *i,
                    None => return Err("the list's items cannot be matched".into()),
                };
                out = out.index(j);
                r = Some(item);
                t = items.get(j);
            }
        }
    }
    Ok(out)
}

/// Where a finding (or an exemption) on a rendered resource is to be edited.
struct Traced {
    file: String,
    span: Span,
    /// The column of the key, when `span` is a scalar value's.
    key_column: Option<u32>,
    note: Option<String>,
}

/// Traces a field of a rendered document to the line a person has to edit: the source
/// when it holds the value (or when the field is missing everywhere), the patch that set
/// or changed it, the kustomization's `images:` entry that changed an image; a missing
/// field is pointed at the deepest existing parent, in the patch when the patch holds a
/// deeper one than the source. Otherwise the source, with a note saying where the value
/// came from.
fn locate_traced(
    d: &DocOrigin,
    origin: &Path,
    rendered_root: Option<&Node<'_>>,
    name: &str,
    path: &Route,
    container: Option<&str>,
    files: &mut Files,
) -> Option<Traced> {
    let doc = files.source_doc(origin, &d.kind, name)?;
    let Located { exists, nearest } = locate_path(doc, path, container);
    let origin_shown = shown(origin);
    let fallback = nearest.unwrap_or_else(|| doc.get("kind").map(|k| k.span).unwrap_or(doc.span));
    let at = |file: String, span: Span, note: Option<String>| Traced { file, span, key_column: None, note };
    let at_source = || at(origin_shown.clone(), fallback, None);
    let rendered_has = rendered_root.is_some_and(|r| locate_path(r, path, container).exists);
    let source_name = doc.path("metadata.name").and_then(|v| v.as_str()).unwrap_or("").to_string();
    if !rendered_has {
        // Missing everywhere: the deepest parent a person can see, in a patch if one holds
        // a deeper one than the source (a patch's `limits:` without `cpu`).
        let depth = found_depth(doc, path, container);
        return Some(match deepest_in_patches(&d.configured_in, &d.kind, &source_name, path, container, files) {
            Some((patch, span, patch_depth)) if patch_depth > depth => at(shown(&patch), span, None),
            _ => at_source(),
        });
    }
    let changed = !exists || value_at(rendered_root, path, container) != value_at(Some(doc), path, container);
    if !changed {
        return Some(with_key_column(at_source(), doc, path, container));
    }
    for (patch, root) in patch_docs(&d.configured_in, &d.kind, &source_name, files) {
        let found = locate_path(root, path, container);
        if let Some(span) = found.nearest.filter(|_| found.exists) {
            return Some(with_key_column(at(shown(&patch), span, None), root, path, container));
        }
    }
    if path.ends_with_key("image")
        && let Some(source_image) = value_at(Some(doc), path, container)
        && let Some((k, span)) = images_entry(&d.configured_in, &source_image, files)
    {
        let judged = value_at(rendered_root, path, container).unwrap_or_default();
        let note = format!("the image is {judged} after the `images:` entry of {}", shown(&k));
        return Some(at(shown(&k), span, Some(note)));
    }
    let by = d.configured_in.first().map(|k| shown(k)).unwrap_or_else(|| "a kustomization".into());
    let judged = value_at(rendered_root, path, container);
    let note = match judged {
        Some(v) => format!("the value judged, {v}, comes from a Kustomize transformation in {by}"),
        None => format!("the value comes from a Kustomize transformation in {by}"),
    };
    Some(at(origin_shown, fallback, Some(note)))
}

/// The traced position with the column of the field's key (for an exemption record).
fn with_key_column(mut t: Traced, doc: &Node<'_>, path: &Route, container: Option<&str>) -> Traced {
    if let Some(Segment::Key(key)) = path.segments().last()
        && let Some(p) = locate_node(doc, &path.parent(1), container)
        && let Some((k, _)) = p.entry(key)
    {
        t.key_column = Some(k.span.start.col);
    }
    t
}

/// The node at a route (a container list item picked by `container`'s name, as
/// [`locate_path`] does).
fn locate_node<'n>(root: &'n Node<'n>, path: &Route, container: Option<&str>) -> Option<&'n Node<'n>> {
    let mut cur = root;
    let mut list_key = "";
    for step in path.segments() {
        cur = match step {
            Segment::Key(k) => {
                list_key = k;
                cur.get(k)?
            }
            Segment::Index(i) => match container {
                Some(name) if matches!(list_key, "containers" | "initContainers" | "ephemeralContainers") => {
                    cur.items().iter().find(|c| c.get("name").and_then(|n| n.scalar_text()) == Some(name))?
                }
                _ => cur.items().get(*i)?,
            },
        };
    }
    Some(cur)
}

/// How many leading steps of `path` exist in `root`.
fn found_depth(root: &Node<'_>, path: &Route, container: Option<&str>) -> usize {
    path.prefixes().take_while(|p| locate_path(root, p, container).exists).count()
}

/// The patch holding the deepest existing parent of a missing field, with its depth.
fn deepest_in_patches(
    kustomizations: &[PathBuf],
    kind: &str,
    name: &str,
    path: &Route,
    container: Option<&str>,
    files: &mut Files,
) -> Option<(PathBuf, Span, usize)> {
    let mut best: Option<(PathBuf, Span, usize)> = None;
    for (patch, root) in patch_docs(kustomizations, kind, name, files) {
        let depth = found_depth(root, path, container);
        if let Some(span) = locate_path(root, path, container).nearest
            && best.as_ref().is_none_or(|b| depth > b.2)
        {
            best = Some((patch, span, depth));
        }
    }
    best
}

/// The documents of the patch files that target a resource (kind and source name), in
/// the kustomizations that transformed it.
fn patch_docs<'a>(
    kustomizations: &[PathBuf],
    kind: &str,
    name: &str,
    files: &mut Files<'a>,
) -> Vec<(PathBuf, &'a Node<'a>)> {
    let mut out = Vec::new();
    for k in kustomizations {
        let Some(kust) = k.parent().and_then(read_kustomization) else { continue };
        for patch in &kust.patches {
            let Some(docs) = files.get(patch) else { continue };
            for doc in docs {
                let root = &doc.root;
                let targets = root.get("kind").and_then(|v| v.as_str()) == Some(kind)
                    && root.path("metadata.name").and_then(|v| v.as_str()).is_none_or(|n| n == name);
                if targets {
                    out.push((patch.clone(), root));
                }
            }
        }
    }
    out
}

/// The `images:` entry of a kustomization that rewrites `image` (matched by name, the
/// image without tag or digest): its `digest`, `newTag` or `newName`, the field to edit.
fn images_entry(kustomizations: &[PathBuf], image: &str, files: &mut Files) -> Option<(PathBuf, Span)> {
    let base = image_name(image);
    for k in kustomizations {
        let Some(docs) = files.get(k) else { continue };
        let Some(root) = docs.first().map(|d| &d.root) else { continue };
        for entry in root.get("images").map(|n| n.items()).unwrap_or_default() {
            if entry.get("name").and_then(|n| n.as_str()) != Some(base) {
                continue;
            }
            if let Some(field) = ["digest", "newTag", "newName"].iter().find_map(|f| entry.get(f)) {
                return Some((k.clone(), field.span));
            }
        }
    }
    None
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
fn value_at(root: Option<&Node<'_>>, path: &Route, container: Option<&str>) -> Option<String> {
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

/// Splits a walked tree into kustomizations to render and plain files to read: a
/// kustomization that another one builds from is rendered as part of it, a Component
/// never alone, and no file inside a kustomization's folder or referenced by one is also
/// read as a plain manifest (patches are partial documents).
pub struct Plan {
    pub roots: Vec<PathBuf>,
    /// Kustomizations that build from each other in a circle (none of them can be
    /// rendered): each cycle once, as the folders in order, the first repeated at the end.
    pub cycles: Vec<Vec<PathBuf>>,
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
        let cycles = cycles(&dirs, &parsed);
        Plan { roots, cycles, excluded_dirs: dirs, excluded_files: files }
    }

    /// Whether a plain file belongs to a kustomization (and is read through it).
    pub fn covers(&self, file: &Path) -> bool {
        let f = absolute(file);
        self.excluded_files.contains(&f) || self.excluded_dirs.iter().any(|d| f.starts_with(d))
    }
}

/// The kustomizations of a project, for checking a file through the overlays that
/// render it: every kustomization folder under the project root, and the top-level ones
/// (those no other builds from, Components excepted).
pub struct Project {
    roots: Vec<PathBuf>,
    parsed: HashMap<PathBuf, Kustomization>,
}

impl Project {
    /// Finds every kustomization under `root` (honouring ignore files, as the walk does).
    pub fn scan(root: &Path) -> Project {
        let mut dirs = Vec::new();
        for entry in crate::walk::builder(root).build().flatten() {
            let name = entry.file_name().to_str().unwrap_or("");
            if entry.file_type().is_some_and(|t| t.is_file()) && KUSTOMIZATION_FILES.contains(&name) {
                dirs.push(absolute(entry.path().parent().unwrap_or(root)));
            }
        }
        let plan = Plan::new(&dirs);
        let parsed = dirs.iter().filter_map(|d| read_kustomization(d).map(|k| (d.clone(), k))).collect();
        Project { roots: plan.roots, parsed }
    }

    /// Every file and folder a kustomization folder renders from: its resources, patches,
    /// components and generator files, through the bases it builds from.
    fn closure(&self, dir: &Path, seen: &mut Vec<PathBuf>, out: &mut Vec<PathBuf>) {
        if seen.iter().any(|s| s == dir) {
            return;
        }
        seen.push(dir.to_path_buf());
        let Some(k) = self.parsed.get(dir) else { return };
        for p in k.builds_from.iter().chain(&k.patches).chain(&k.generator_files) {
            let p = absolute(p);
            if self.parsed.contains_key(&p) {
                self.closure(&p, seen, out);
            }
            out.push(p);
        }
    }

    /// The top-level kustomizations that render `file` (a file, or a kustomization's folder;
    /// none when no kustomization lists it).
    pub fn overlays_including(&self, file: &Path) -> Vec<PathBuf> {
        let file = absolute(file);
        self.roots
            .iter()
            .filter(|r| {
                let mut out = Vec::new();
                self.closure(r, &mut Vec::new(), &mut out);
                out.contains(&file)
            })
            .cloned()
            .collect()
    }
}

/// The cycles among kustomizations that build from each other, each once.
fn cycles(dirs: &[PathBuf], parsed: &[Option<Kustomization>]) -> Vec<Vec<PathBuf>> {
    let edges: Vec<Vec<usize>> = parsed
        .iter()
        .map(|k| {
            let from = k.as_ref().map(|k| k.builds_from.as_slice()).unwrap_or_default();
            from.iter().filter_map(|p| dirs.iter().position(|d| *d == absolute(p))).collect()
        })
        .collect();
    // Depth-first, iteratively: 0 unseen, 1 on the path, 2 done.
    let mut state = vec![0u8; dirs.len()];
    let mut found: Vec<Vec<PathBuf>> = Vec::new();
    for start in 0..dirs.len() {
        if state[start] != 0 {
            continue;
        }
        let mut path = vec![start];
        let mut next = vec![0usize];
        state[start] = 1;
        while let Some(&node) = path.last() {
            let i = *next.last().unwrap();
            if i < edges[node].len() {
                *next.last_mut().unwrap() += 1;
                let to = edges[node][i];
                match state[to] {
                    0 => {
                        state[to] = 1;
                        path.push(to);
                        next.push(0);
                    }
                    1 => {
                        let at = path.iter().position(|&n| n == to).unwrap_or(0);
                        let mut cycle: Vec<PathBuf> = path[at..].iter().map(|&n| dirs[n].clone()).collect();
                        cycle.push(dirs[to].clone());
                        found.push(cycle);
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                path.pop();
                next.pop();
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_resource_finds_the_source_document_a_scan_would_find() {
        // Few and many documents of a kind, names that hold each other, a name twice,
        // a document without a name.
        for count in [3, 200] {
            let mut text = String::from("kind: Secret\nmetadata: {name: only}\n");
            for i in 0..count {
                text.push_str(&format!("---\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"));
            }
            text.push_str("---\nkind: ConfigMap\nmetadata: {name: c1}\n---\nkind: ConfigMap\nmetadata: {}\n");
            text.push_str(
                "---\nkind: ConfigMap\nmetadata: {name: app-c}\n---\nkind: ConfigMap\nmetadata: {name: pp-c1}\n",
            );
            let arena = Bump::new();
            let docs = kubegate_yaml::load(&text, &arena).documents;
            let named = Named::new(&docs);
            let scan = |kind: &str, rendered: &str| {
                let same: Vec<&Node<'_>> = docs
                    .iter()
                    .map(|d| &d.root)
                    .filter(|r| r.get("kind").and_then(|k| k.as_str()) == Some(kind))
                    .collect();
                if let [only] = same[..] {
                    return Some(only.span);
                }
                let name = |r: &Node<'_>| name_of_owned(r);
                same.iter()
                    .filter(|r| !name(r).is_empty() && rendered.contains(&name(r)))
                    .max_by_key(|r| name(r).len())
                    .map(|r| r.span)
            };
            for rendered in ["c1", "c12", "prod-c12-x", "app-c1", "xapp-c12", "zzz", "", "c", "pp-c1", "only", "c199"] {
                for kind in ["ConfigMap", "Secret", "Service"] {
                    assert_eq!(
                        named.find(kind, rendered).map(|n| n.span),
                        scan(kind, rendered),
                        "{count} {kind} {rendered}"
                    );
                }
            }
        }
    }

    fn name_of_owned(n: &Node<'_>) -> String {
        n.path("metadata.name").and_then(|v| v.as_str()).unwrap_or("").to_string()
    }

    #[test]
    fn the_document_holding_a_line_is_the_first_whose_lines_hold_it() {
        let doc = |start, end| DocOrigin {
            start,
            end,
            kind: String::new(),
            origin: None,
            generated_by: None,
            configured_in: Vec::new(),
        };
        // A block document ends on the next marker's line; a flow document on a marker's
        // line starts there too (the earlier one wins, as a scan would find it); a scalar
        // document is one line.
        let docs = [doc(1, 5), doc(6, 9), doc(9, 9), doc(11, 11), doc(13, 20)];
        let found: Vec<_> = (0..=22).map(|l| doc_at(&docs, l)).collect();
        let scan: Vec<_> =
            (0..=22).map(|l| docs.iter().position(|d| d.start <= l && l <= d.end.max(d.start))).collect();
        assert_eq!(found, scan);
        assert_eq!(found[9], Some(1));
        assert_eq!(found[10], None);
        assert_eq!(found[12], None);
        assert_eq!(found[20], Some(4));
        assert_eq!(doc_at(&[], 3), None);
    }

    #[test]
    fn remote_references_are_recognised_in_every_form() {
        for remote in [
            "https://github.com/org/repo//base?ref=v1",
            "ssh://git@example.com/org/repo.git",
            "file:///etc/passwd",
            "git::https://example.com/repo",
            "github.com/org/repo/base",
            "GITHUB.COM/org/repo",
            "deploy@host.example.com:org/repo.git",
            "git@localhost:repo",
            "../base?ref=main",
        ] {
            assert!(is_remote(remote), "{remote}");
        }
        for local in ["../base", "deployment.yaml", "overlays/prod", "name@v1/file.yaml", "a:b.yaml"] {
            assert!(!is_remote(local), "{local}");
        }
    }

    #[test]
    fn references_are_found_in_every_path_field_with_their_place() {
        let text = "resources:\n  - ../base\n  - https://example.com/x.yaml\npatches:\n  - path: patch.yaml\nconfigMapGenerator:\n  - name: c\n    files:\n      - key=conf/app.properties\n    env: app.env\nopenapi:\n  path: schema.json\nreplacements:\n  - path: r.yaml\n";
        let found: Vec<(String, u32, u32, bool)> =
            references(text).into_iter().map(|r| (r.path, r.line, r.col, r.remote)).collect();
        assert_eq!(
            found,
            [
                ("../base".to_string(), 2, 5, false),
                ("https://example.com/x.yaml".into(), 3, 5, true),
                ("patch.yaml".into(), 5, 11, false),
                ("r.yaml".into(), 14, 11, false),
                ("schema.json".into(), 12, 9, false),
                ("conf/app.properties".into(), 9, 9, false),
                ("app.env".into(), 10, 10, false),
            ]
        );
        assert_eq!(references("").len(), 0);
        assert_eq!(references("resources: 3\npatches: {path: 1}\n").len(), 0);
    }

    #[test]
    fn a_kustomization_resolves_its_local_paths_against_its_folder() {
        let text = "kind: Component\nresources: [../base, https://example.com/x.yaml, svc.yaml]\npatchesStrategicMerge: [p.yaml]\nsecretGenerator:\n  - name: s\n    envs: [s.env]\n";
        let k = Kustomization::parse(text, Path::new("k8s/overlays/prod")).unwrap();
        assert!(k.component);
        assert_eq!(k.builds_from, [PathBuf::from("k8s/overlays/base"), PathBuf::from("k8s/overlays/prod/svc.yaml")]);
        assert_eq!(k.patches, [PathBuf::from("k8s/overlays/prod/p.yaml")]);
        assert_eq!(k.generator_files, [PathBuf::from("k8s/overlays/prod/s.env")]);
        assert!(Kustomization::parse("", Path::new(".")).is_none());
    }

    #[test]
    fn a_git_failure_says_it_was_git_and_why_it_cannot_fetch() {
        let stderr = "Error: accumulating resources: accumulation err='accumulating resources from 'ssh://h/r': failed to run '/usr/bin/git fetch --depth=1 ssh://h/r HEAD': fatal: transport 'ssh' not allowed\n: exit status 128\n";
        let why = build_error(stderr, Path::new("/w/k8s"), "../k8s", "k8s");
        assert_eq!(
            why,
            "accumulating resources: accumulation err='accumulating resources from 'ssh://h/r': failed to run '/usr/bin/git fetch --depth=1 ssh://h/r HEAD': fatal: transport 'ssh' not allowed\n: exit status 128 (a Git command failed: kubegate runs kustomize without network access and allows Git only local repositories, so a remote base cannot be fetched; render the tree yourself and pipe it in)"
        );
        assert_eq!(build_error("Error: no such file\n", Path::new("/w"), "x", "y"), "no such file");
    }
}
