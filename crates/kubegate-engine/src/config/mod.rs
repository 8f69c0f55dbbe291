//! `kubegate.yaml`: environments and their matching, per-rule level overrides per
//! environment, rule parameters, and exemption governance. Loaded with the same spanned YAML as manifests, so
//! every mistake is reported at its file and line.

pub mod binding;
pub mod governance;
pub mod report;
pub mod shape;

use crate::environment::{Environment, Tier};
use crate::finding::{InputError, Level};
use crate::rules::{self, Rule};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use kubegate_yaml::Node;
use shape::{Field, Shape};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The name of the config file found upward from the working directory.
pub const FILE_NAME: &str = "kubegate.yaml";

/// A list of glob patterns that remembers which pattern matched.
#[derive(Clone, Debug, Default)]
pub struct Globs {
    patterns: Vec<String>,
    /// Line and column of each pattern in the config file.
    positions: Vec<(u32, u32)>,
    set: GlobSet,
}

impl Globs {
    fn new(patterns: Vec<String>, file: &str, node: &Node<'_>, errors: &mut Vec<InputError>) -> Globs {
        let mut b = GlobSetBuilder::new();
        for (p, n) in patterns.iter().zip(node.items()) {
            match GlobBuilder::new(p).literal_separator(true).build() {
                Ok(g) => {
                    b.add(g);
                }
                Err(e) => errors.push(InputError::new(
                    file,
                    n.span.start.line,
                    n.span.start.col,
                    format!("bad glob `{p}`: {e}"),
                )),
            }
        }
        let set = b.build().unwrap_or_else(|_| GlobSet::empty());
        let positions = node.items().iter().map(|n| (n.span.start.line, n.span.start.col)).collect();
        Globs { patterns, positions, set }
    }

    /// Globs given on the command line (`--exclude`), or why one is not a glob.
    pub fn from_flags(patterns: &[String]) -> Result<Globs, String> {
        let mut b = GlobSetBuilder::new();
        for p in patterns {
            b.add(GlobBuilder::new(p).literal_separator(true).build().map_err(|e| format!("bad glob `{p}`: {e}"))?);
        }
        let set = b.build().map_err(|e| e.to_string())?;
        Ok(Globs { patterns: patterns.to_vec(), positions: vec![(0, 0); patterns.len()], set })
    }

    /// Whether a pattern (by index) matches `s`.
    pub fn matches(&self, i: usize, s: &str) -> bool {
        self.set.matches(s).contains(&i)
    }

    /// Line and column of a pattern (by index) in the config file.
    pub fn position(&self, i: usize) -> (u32, u32) {
        self.positions.get(i).copied().unwrap_or((0, 0))
    }

    pub fn first_match(&self, s: &str) -> Option<&str> {
        self.set.matches(s).first().map(|&i| self.patterns[i].as_str())
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// An environment with its matching rules.
#[derive(Clone, Debug)]
pub struct EnvConfig {
    pub env: Environment,
    pub paths: Globs,
    pub namespaces: Globs,
}

/// A kind named in `workloads:`: its pods are checked like a Deployment's.
#[derive(Clone, Debug)]
pub struct Workload {
    pub kind: String,
    /// The API group/version it must have (any when `None`).
    pub api_version: Option<String>,
    /// Where it keeps its pod spec (`spec.template.spec`); made `'static` once per run,
    /// like the built-in kinds' paths, so that pod views can hold it.
    pub pod_spec: &'static str,
    /// Whether `spec.replicas` says how many pods it runs (the replica rules apply).
    pub replicated: bool,
}

/// `fix:` in the config: the values repairs write where the application decides.
#[derive(Clone, Debug, Default)]
pub struct FixConfig {
    /// `empty_dir_size_limit`: the `sizeLimit` of `emptyDir` volumes (a quantity).
    pub empty_dir_size_limit: Option<String>,
    /// `run_as_user`: the `runAsUser` written where none is set.
    pub run_as_user: Option<i64>,
}

/// Per-rule settings from the config.
#[derive(Clone, Debug, Default)]
pub struct RuleConfig {
    pub level: Option<Level>,
    pub levels: HashMap<String, Level>,
    pub params: HashMap<&'static str, f64>,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The config file, when one was read.
    pub file: Option<PathBuf>,
    /// Paths in the config are relative to this folder (the config's, else the working
    /// directory).
    pub base_dir: Option<PathBuf>,
    /// The working directory that relative input paths are relative to.
    pub cwd: Option<PathBuf>,
    /// dev, staging and prod first, then configured environments in file order.
    pub environments: Vec<EnvConfig>,
    pub default_environment: Option<usize>,
    pub rules: HashMap<&'static str, RuleConfig>,
    /// Image prefixes `trusted-registry` accepts (the rule is off while empty).
    pub trusted_registries: Vec<String>,
    /// Image prefixes `dockerfile-minimal-base` accepts (`minimal_bases:`); `None`: the
    /// rule's default list.
    pub minimal_bases: Option<Vec<String>>,
    /// `exclude:` — globs (relative to the config file's folder) of files a folder walk
    /// leaves out, counted as skipped.
    pub exclude: Globs,
    /// `exemptions:` — exemption governance and central exemptions.
    pub exemptions: governance::Governance,
    /// `policies:` — Rego policy files or directories that run beside the built-in pack
    /// (when no `-p` is given), relative to the working directory where they lie below it.
    pub policies: Vec<PathBuf>,
    /// `workloads:` — further kinds that hold a pod template, and where.
    pub workloads: Vec<Workload>,
    /// `fix:` — the values `kubegate fix` writes.
    pub fix: FixConfig,
    /// `report:` — evidence for the checklist items manifests cannot show.
    pub report: report::ReportConfig,
    /// The Git work tree holding each folder inputs came from, found when first needed.
    pub git_roots: std::sync::Arc<std::sync::Mutex<HashMap<PathBuf, Option<PathBuf>>>>,
}

impl Default for Config {
    fn default() -> Self {
        let environments = Tier::ALL
            .into_iter()
            .map(|t| EnvConfig {
                env: Environment { name: t.name().into(), tier: t, display: t.display().into() },
                paths: Globs::default(),
                namespaces: Globs::default(),
            })
            .collect();
        Config {
            file: None,
            base_dir: None,
            cwd: None,
            environments,
            default_environment: None,
            rules: HashMap::new(),
            trusted_registries: Vec::new(),
            minimal_bases: None,
            exclude: Globs::default(),
            exemptions: governance::Governance::default(),
            policies: Vec::new(),
            git_roots: Default::default(),
            workloads: Vec::new(),
            fix: FixConfig::default(),
            report: report::ReportConfig::default(),
        }
    }
}

/// The Git work tree a folder lies in: the nearest folder at or above it holding `.git`.
pub fn git_work_tree(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn strings(node: Option<&Node<'_>>) -> Vec<String> {
    node.map(|n| n.items().iter().filter_map(|i| i.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Folds `.` and `..` out of a path without touching the filesystem (no symlinks
/// resolved): `a/./b/../c` is `a/c`.
pub fn lexical_normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Config {
    /// The environment index for a name (`prod`, or a configured one).
    pub fn env_index(&self, name: &str) -> Option<usize> {
        self.environments.iter().position(|e| &*e.env.name == name)
    }

    pub fn tier_env(&self, tier: Tier) -> usize {
        tier.index()
    }

    /// "unknown environment `NAME`{place} (did you mean …?); known: …", the message for an
    /// environment name that is not declared, wherever it is written.
    pub fn unknown_environment(&self, name: &str, place: &str) -> String {
        unknown_environment(name, place, &self.env_names())
    }

    pub fn env_names(&self) -> Vec<&str> {
        self.environments.iter().map(|e| &*e.env.name).collect()
    }

    /// The config file as the user would name it: relative to the working directory
    /// when it lies below it.
    pub fn display_path(&self) -> String {
        let Some(file) = &self.file else {
            return FILE_NAME.to_string();
        };
        let rel = self.cwd.as_ref().and_then(|cwd| file.strip_prefix(cwd).ok()).unwrap_or(file);
        rel.display().to_string()
    }

    /// A file path as the config's globs see it: relative to the config's folder, with
    /// `./` and `..` folded, `/` separated.
    pub fn relative_path(&self, file: &str) -> String {
        let p = Path::new(file);
        let abs = match (&self.cwd, p.is_absolute()) {
            (Some(cwd), false) => cwd.join(p),
            _ => p.to_path_buf(),
        };
        let abs = lexical_normalize(&abs);
        let rel = match &self.base_dir {
            Some(base) => abs.strip_prefix(lexical_normalize(base)).map(Path::to_path_buf).unwrap_or(abs),
            None => abs,
        };
        rel.to_string_lossy().replace('\\', "/")
    }

    /// The project root: the config file's folder, else the Git work tree holding the
    /// working directory, else the working directory.
    pub fn project_root(&self) -> PathBuf {
        let cwd = self.cwd.clone().unwrap_or_else(|| PathBuf::from("."));
        match (&self.file, &self.base_dir) {
            (Some(_), Some(base)) => lexical_normalize(base),
            _ => git_work_tree(&lexical_normalize(&cwd)).unwrap_or(cwd),
        }
    }

    /// A file's path below the project root, which path conventions read (for a file
    /// outside it, the folders its path names after leaving the root). The project root is the config file's folder, else the
    /// Git work tree holding the file, else the working directory. The folders a
    /// checkout happens to live in (`/home/ci/dev/…`) never count.
    pub fn project_relative(&self, file: &str) -> Option<String> {
        let p = Path::new(file);
        let abs = lexical_normalize(&match (&self.cwd, p.is_absolute()) {
            (Some(cwd), false) => cwd.join(p),
            _ => p.to_path_buf(),
        });
        let root = match (&self.file, &self.base_dir) {
            (Some(_), Some(base)) => Some(lexical_normalize(base)),
            _ => {
                let dir = abs.parent().unwrap_or(&abs).to_path_buf();
                let mut cache = self.git_roots.lock().unwrap_or_else(|e| e.into_inner());
                let git = cache.entry(dir).or_insert_with_key(|d| git_work_tree(d)).clone();
                git.or_else(|| self.cwd.as_deref().map(lexical_normalize))
            }
        };
        let root = root?;
        let rel = match abs.strip_prefix(&root) {
            Ok(rel) => rel.to_path_buf(),
            // Outside the project (`../corpora/app/overlays/staging`): the folders that
            // path names after leaving the root, not the ones both share.
            Err(_) => {
                let common = root.components().zip(abs.components()).take_while(|(a, b)| a == b).count();
                abs.components().skip(common).collect()
            }
        };
        Some(rel.to_string_lossy().replace('\\', "/"))
    }

    /// Where a kind keeps its pod spec: a `workloads:` entry, else the built-in kinds.
    pub fn pod_spec_path(&self, api_version: &str, kind: &str) -> Option<&'static str> {
        self.workload(api_version, kind).map(|w| w.pod_spec).or_else(|| crate::resources::pod_spec_path(kind))
    }

    /// What the rules read of this config.
    pub fn rule_settings(&self) -> crate::rule::Settings {
        crate::rule::Settings {
            trusted_registries: self.trusted_registries.clone(),
            minimal_bases: self.minimal_bases.clone(),
            replicated_workloads: self
                .workloads
                .iter()
                .filter(|w| w.replicated)
                .map(|w| (w.api_version.clone(), w.kind.clone()))
                .collect(),
        }
    }

    /// The `workloads:` entry for a kind, if any.
    pub fn workload(&self, api_version: &str, kind: &str) -> Option<&Workload> {
        self.workloads.iter().find(|w| w.kind == kind && w.api_version.as_deref().is_none_or(|a| a == api_version))
    }

    /// The level a rule runs at in an environment.
    pub fn level(&self, rule: &Rule, env: usize) -> Level {
        let e = &self.environments[env].env;
        if let Some(rc) = self.rules.get(rule.id) {
            if let Some(l) = rc.levels.get(&*e.name) {
                return *l;
            }
            if let Some(l) = rc.level {
                return l;
            }
        }
        rule.levels[e.tier.index()]
    }

    /// A rule's parameter values, in declaration order.
    pub fn params(&self, rule: &Rule) -> Vec<f64> {
        let rc = self.rules.get(rule.id);
        rule.params.iter().map(|p| rc.and_then(|rc| rc.params.get(p.name).copied()).unwrap_or(p.default)).collect()
    }

    /// Reads a config file's text. `file` is the path shown in errors.
    pub fn parse(text: &str, file: &Path, cwd: Option<PathBuf>) -> Result<Config, Vec<InputError>> {
        let shown = file.display().to_string();
        let arena = kubegate_yaml::Bump::new();
        let loaded = kubegate_yaml::load(text, &arena);
        let mut errors = Vec::new();
        if let Some(e) = &loaded.error {
            errors.push(InputError::new(&shown, e.pos.line, e.pos.col, format!("cannot parse config: {}", e.message)));
            return Err(errors);
        }
        for d in &loaded.duplicates {
            errors.push(InputError::new(
                &shown,
                d.span.start.line,
                d.span.start.col,
                format!("duplicate key `{}` (first at line {})", d.key, d.first.start.line),
            ));
        }
        if loaded.documents.len() > 1 {
            errors.push(InputError::new(&shown, 1, 1, "the config file must hold one YAML document"));
        }
        let mut config = Config { file: Some(file.to_path_buf()), cwd: cwd.clone(), ..Config::default() };
        config.base_dir = file.parent().map(|p| match (&cwd, p.is_absolute()) {
            (Some(cwd), false) => cwd.join(p),
            _ => p.to_path_buf(),
        });
        let Some(doc) = loaded.documents.first() else {
            return if errors.is_empty() { Ok(config) } else { Err(errors) };
        };
        let root = &doc.root;
        schema_shape().validate(root, &shown, "", &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let at = |n: &Node<'_>| (n.span.start.line, n.span.start.col);

        // Environments: built-ins take extra matching; new names are custom environments.
        for (k, v) in root.get("environments").map(|n| n.entries()).unwrap_or_default() {
            let paths = Globs::new(strings(v.get("paths")), &shown, v.get("paths").unwrap_or(v), &mut errors);
            let namespaces =
                Globs::new(strings(v.get("namespaces")), &shown, v.get("namespaces").unwrap_or(v), &mut errors);
            let like = v.get("like").and_then(|n| n.as_str()).and_then(Tier::parse);
            let display = v.get("display").and_then(|n| n.as_str()).map(str::to_string);
            if let Some(i) = config.env_index(k.text) {
                let ec = &mut config.environments[i];
                if like.is_some() && like != Some(ec.env.tier) {
                    errors.push(InputError::new(
                        &shown,
                        k.span.start.line,
                        k.span.start.col,
                        format!("`{}` is a built-in environment; `like` cannot change its tier", k.text),
                    ));
                }
                ec.paths = paths;
                ec.namespaces = namespaces;
                if let Some(d) = display {
                    ec.env.display = d;
                }
            } else {
                let tier = like.unwrap_or(Tier::Prod);
                config.environments.push(EnvConfig {
                    env: Environment {
                        name: k.text.into(),
                        tier,
                        display: display.unwrap_or_else(|| capitalize(k.text)),
                    },
                    paths,
                    namespaces,
                });
            }
        }
        config.trusted_registries = strings(root.get("trusted_registries"));
        config.minimal_bases = root.get("minimal_bases").map(|n| strings(Some(n)));
        if let Some(n) = root.get("exclude") {
            config.exclude = Globs::new(strings(Some(n)), &shown, n, &mut errors);
        }
        if let Some(fix) = root.get("fix") {
            if let Some(n) = fix.get("empty_dir_size_limit")
                && let Some(q) = n.as_str()
            {
                if crate::resources::quantity::parse(q).is_some_and(|v| v > 0.0) {
                    config.fix.empty_dir_size_limit = Some(q.to_string());
                } else {
                    let (l, c) = at(n);
                    errors.push(InputError::new(
                        &shown,
                        l,
                        c,
                        format!(
                            "fix.empty_dir_size_limit: `{q}` is not a positive Kubernetes quantity (`512Mi`, `1Gi`)"
                        ),
                    ));
                }
            }
            config.fix.run_as_user = fix.get("run_as_user").and_then(|n| n.as_i64());
        }
        // Policy paths are relative to the config file's folder.
        config.policies = strings(root.get("policies"))
            .into_iter()
            .map(|p| {
                let abs = lexical_normalize(&config.base_dir.clone().unwrap_or_default().join(p));
                match &cwd {
                    Some(cwd) => abs.strip_prefix(lexical_normalize(cwd)).map(Path::to_path_buf).unwrap_or(abs),
                    None => abs,
                }
            })
            .collect();
        if let Some(n) = root.get("default_environment").and_then(|n| n.as_str()) {
            match config.env_index(n) {
                Some(i) => config.default_environment = Some(i),
                None => {
                    let (l, c) = at(root.get("default_environment").unwrap());
                    errors.push(InputError::new(&shown, l, c, config.unknown_environment(n, "")));
                }
            }
        }
        for (k, v) in root.get("rules").map(|n| n.entries()).unwrap_or_default() {
            let rule = rules::find(k.text).expect("validated rule id");
            let mut rc = RuleConfig::default();
            if let Some(l) = v.get("level").and_then(|n| n.scalar_text()).and_then(Level::parse) {
                rc.level = Some(l);
            }
            for (ek, ev) in v.get("levels").map(|n| n.entries()).unwrap_or_default() {
                if config.env_index(ek.text).is_none() {
                    errors.push(InputError::new(
                        &shown,
                        ek.span.start.line,
                        ek.span.start.col,
                        config.unknown_environment(ek.text, &format!(" in rules.{}.levels", rule.id)),
                    ));
                }
                if let Some(l) = ev.scalar_text().and_then(Level::parse) {
                    rc.levels.insert(ek.text.to_string(), l);
                }
            }
            for p in rule.params {
                if let Some(n) = v.get(p.name).and_then(|n| n.as_f64()) {
                    rc.params.insert(p.name, n);
                }
            }
            config.rules.insert(rule.id, rc);
        }
        for w in root.get("workloads").map(|n| n.items()).unwrap_or_default() {
            let text = |k: &str| w.get(k).and_then(|n| n.as_str()).map(str::to_string);
            let (Some(kind), Some(pod_spec)) = (text("kind"), text("podSpec")) else { continue };
            config.workloads.push(Workload {
                kind,
                api_version: text("apiVersion"),
                pod_spec: Box::leak(pod_spec.into_boxed_str()),
                replicated: w.get("replicated").and_then(|n| n.as_bool()).unwrap_or(false),
            });
        }
        let shown_config: std::sync::Arc<str> = config.display_path().into();
        config.exemptions =
            governance::parse(root.get("exemptions"), &config.env_names(), &shown, &shown_config, &mut errors);
        config.report = report::parse(root.get("report"), &shown, &mut errors);
        if errors.is_empty() { Ok(config) } else { Err(errors) }
    }
}

fn level_shape() -> Shape {
    Shape::Enum(vec!["off", "warn", "deny"])
}

/// The shape of `kubegate.yaml`, built from the rule registry.
pub fn schema_shape() -> Shape {
    let env = Shape::object(
        "How resources are matched to this environment.",
        vec![
            Field::new(
                "paths",
                "Globs matched against input file paths, relative to the config file's folder (`**` crosses folders).",
                Shape::strings(),
            ),
            Field::new("namespaces", "Globs matched against the resource's namespace.", Shape::strings()),
            Field::new(
                "like",
                "For a new environment: the tier whose rule levels it uses (default prod).",
                Shape::Enum(vec!["dev", "staging", "prod"]),
            ),
            Field::new(
                "display",
                "The word messages use for this environment (default: the name, capitalised; Development/Staging/Production for the built-ins).",
                Shape::Str,
            ),
        ],
    );
    let rule_fields = rules::ALL
        .iter()
        .map(|r| {
            let mut fields = vec![
                Field::new("level", "Level in every environment.", level_shape()),
                Field::new(
                    "levels",
                    "Level per environment name; wins over `level`.",
                    Shape::Object {
                        doc: String::new(),
                        fields: vec![],
                        extra: Some((Box::new(level_shape()), "environment")),
                    },
                ),
            ];
            for p in r.params {
                fields.push(Field::new(
                    p.name,
                    format!("{} (default {}).", p.doc, p.default),
                    Shape::Number { min: p.min, max: shape::MAX_PARAM, integer: p.integer },
                ));
            }
            Field::new(r.id, r.summary, Shape::object("", fields))
        })
        .collect();
    Shape::object(
        "kubegate configuration (kubegate.yaml).",
        vec![
            Field::new(
                "default_environment",
                "The environment of resources that no flag, path or namespace places (default prod).",
                Shape::Str,
            ),
            Field::new(
                "environments",
                "Environments and how files and namespaces are matched to them. dev, staging and prod always exist.",
                Shape::Object { doc: String::new(), fields: vec![], extra: Some((Box::new(env), "environment")) },
            ),
            Field::new("rules", "Per-rule levels and parameters, by rule id.", Shape::object("", rule_fields)),
            Field::new(
                "trusted_registries",
                "Image prefixes the trusted-registry rule accepts (`ghcr.io/org/`, `registry.example.com`); the rule is off while the list is empty.",
                Shape::strings(),
            ),
            Field::new(
                "exclude",
                "Globs of files (relative to this file's folder; `*` stays within a folder, `**` crosses folders: `legacy/**`, `**/*.template.yaml`) that walking a folder leaves out; each is counted as skipped. A file named on the command line is still checked.",
                Shape::strings(),
            ),
            Field::new(
                "minimal_bases",
                "Image prefixes the dockerfile-minimal-base rule accepts as a final stage's base, besides `scratch` (`gcr.io/distroless/`, `registry.example.com/hardened/`); replaces the default list (`gcr.io/distroless/`, `cgr.dev/chainguard/`).",
                Shape::strings(),
            ),
            Field::new(
                "policies",
                "Rego policy files or directories (Conftest-compatible), relative to the config file's folder; they run beside the built-in rule pack when `kubegate test` is given no `-p`.",
                Shape::strings(),
            ),
            Field::new(
                "workloads",
                "Further kinds that hold a pod template (custom resources, platform kinds): their pods are checked like a Deployment's.",
                Shape::Array(Box::new(Shape::object(
                    "",
                    vec![
                        Field::new("kind", "The kind (`Rollout`).", Shape::Str).required(),
                        Field::new(
                            "apiVersion",
                            "The group/version it must have (`argoproj.io/v1alpha1`); any when absent.",
                            Shape::Str,
                        ),
                        Field::new(
                            "podSpec",
                            "Where the kind keeps its pod spec, as a dotted path (`spec.template.spec`).",
                            Shape::Str,
                        )
                        .required(),
                        Field::new(
                            "replicated",
                            "Whether `spec.replicas` counts its pods, so that the replica rules apply (default false).",
                            Shape::Bool,
                        ),
                    ],
                ))),
            ),
            Field::new(
                "fix",
                "The values `kubegate fix` writes where the application decides.",
                Shape::object(
                    "",
                    vec![
                        Field::new(
                            "empty_dir_size_limit",
                            "The `sizeLimit` of the `emptyDir` volumes fix limits or creates (a Kubernetes quantity; default 1Gi).",
                            Shape::Str,
                        ),
                        Field::new(
                            "run_as_user",
                            "The `runAsUser` fix writes where none is set, with `--unsafe-fixes` (default 10001; 0, root, is not allowed).",
                            Shape::Number { min: 1.0, max: 2147483647.0, integer: true },
                        ),
                    ],
                ),
            ),
            governance::shape(),
            report::shape(),
        ],
    )
}

/// The published JSON Schema of `kubegate.yaml`.
pub fn json_schema() -> serde_json::Value {
    let mut s = schema_shape().json_schema();
    if let serde_json::Value::Object(o) = &mut s {
        o.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
        o.insert("title".into(), "kubegate.yaml".into());
    }
    s
}

/// Whether a file named `kubegate.yaml` is a Kubernetes manifest rather than the config
/// (the manifests that deploy kubegate itself are often so named): a top-level
/// `apiVersion:` and `kind:`, which a config never has (they are unknown keys there).
pub fn is_manifest_not_config(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    let top = |key: &str| text.lines().any(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')));
    top("apiVersion") && top("kind")
}

/// Finds `kubegate.yaml` in `dir` or the nearest folder above it, up to the root of the
/// Git work tree `dir` is in (the folder holding `.git`): a config of another project
/// above the repository is never picked up. Outside a work tree, up to the filesystem root.
/// A `kubegate.yaml` that is a manifest ([`is_manifest_not_config`]) is passed over.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    let mut cur = Some(dir);
    while let Some(d) = cur {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() && !is_manifest_not_config(&candidate) {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
        cur = d.parent();
    }
    None
}

/// The message for an environment name that is not among `known`, with the closest names.
pub fn unknown_environment(name: &str, place: &str, known: &[&str]) -> String {
    let hint = crate::suggest::did_you_mean(name, known.iter().copied());
    format!("unknown environment `{name}`{place}{hint}; known: {}", known.join(", "))
}
