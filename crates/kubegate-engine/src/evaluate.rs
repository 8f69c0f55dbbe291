//! The evaluate stage: load every source, build resources, bind environments, build the
//! cross-resource indexes once, run every rule on every resource in parallel, and return
//! findings in a stable order.

use crate::config::Config;
use crate::environment;
use crate::finding::{Finding, InputError, Level, ResourceId};
use crate::resources::selector::{Selector, SelectorIndex, labels};
use crate::resources::{self, NotAResource, Resource};
use crate::rules::{self, Ctx};
use kubegate_yaml::Node;
use rayon::prelude::*;
use std::collections::HashMap;

/// One input: the path shown in reports (`-` for stdin) and its text.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: String,
    pub text: String,
}

impl Source {
    /// Accepts the bytes of an input file, or says why they are not a manifest.
    pub fn from_bytes(path: impl Into<String>, bytes: Vec<u8>) -> Result<Source, InputError> {
        let path = path.into();
        if let Some(at) = bytes.iter().position(|&b| b == 0) {
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            return Err(InputError::new(
                path,
                line,
                1,
                "binary file (contains NUL bytes): not a YAML or JSON manifest",
            ));
        }
        match String::from_utf8(bytes) {
            Ok(mut text) => {
                if text.starts_with('\u{feff}') {
                    text.remove(0);
                }
                Ok(Source { path, text })
            }
            Err(e) => {
                let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
                let col = good.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
                Err(InputError::new(
                    path,
                    line,
                    col,
                    "invalid UTF-8: manifests must be UTF-8 text",
                ))
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// `--env NAME`: every resource is bound for this environment.
    pub env: Option<String>,
}

/// What the report says about each resource: where it is and which environment it got.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ResourceInfo {
    pub file: String,
    pub line: u32,
    #[serde(flatten)]
    pub id: ResourceId,
    pub environment: String,
    pub environment_reason: String,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub resources: Vec<ResourceInfo>,
    pub files: usize,
}

impl Outcome {
    pub fn count(&self, level: Level) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == level && f.exemption.is_none())
            .count()
    }
}

/// The whole set of resources of a run, with the indexes cross-resource rules use.
pub struct Bundle<'a> {
    pub resources: Vec<Resource<'a>>,
    /// PodDisruptionBudgets by namespace and selector.
    pub pdbs: SelectorIndex<'a>,
    /// Highest HPA `minReplicas` per (namespace, target kind, target name).
    pub hpa_min: HashMap<(Option<&'a str>, &'a str, &'a str), i64>,
}

impl<'a> Bundle<'a> {
    pub fn new(resources: Vec<Resource<'a>>) -> Bundle<'a> {
        let mut pdbs = SelectorIndex::default();
        let mut hpa_min: HashMap<_, i64> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            match r.kind {
                "PodDisruptionBudget" => {
                    let node = r.root.path("spec.selector");
                    let mut sel = Selector::from_node(node);
                    // policy/v1beta1: an empty selector selects no pods; policy/v1: all.
                    if sel.is_empty() && (node.is_none() || r.api_version == "policy/v1beta1") {
                        sel.matches_nothing = true;
                    }
                    pdbs.insert(r.namespace, sel, i);
                }
                "HorizontalPodAutoscaler" => {
                    let target = r.root.path("spec.scaleTargetRef");
                    let kind = target.and_then(|t| t.get("kind")).and_then(|n| n.as_str());
                    let name = target.and_then(|t| t.get("name")).and_then(|n| n.as_str());
                    let min = r
                        .root
                        .path("spec.minReplicas")
                        .and_then(Node::as_i64)
                        .unwrap_or(1);
                    if let (Some(kind), Some(name)) = (kind, name) {
                        let e = hpa_min.entry((r.namespace, kind, name)).or_insert(min);
                        *e = (*e).max(min);
                    }
                }
                _ => {}
            }
        }
        Bundle {
            resources,
            pdbs,
            hpa_min,
        }
    }

    /// PDBs in the resource's namespace that select its pods.
    pub fn pdbs_for(&self, r: &Resource<'a>) -> Vec<&Resource<'a>> {
        let Some(pod) = &r.pod else { return Vec::new() };
        self.pdbs
            .matching(r.namespace, &labels(pod.labels))
            .into_iter()
            .map(|i| &self.resources[i])
            .collect()
    }
}

/// Markers that only an unrendered Helm template has (not `{{ $labels.x }}` in an alert).
fn helm_template_line(text: &str) -> Option<(u32, u32)> {
    if !text.contains("{{") {
        return None;
    }
    const MARKERS: [&str; 14] = [
        ".Values",
        ".Release",
        ".Chart",
        ".Capabilities",
        ".Files",
        "include ",
        "template ",
        "toYaml",
        "{{-",
        "-}}",
        "{{ if ",
        "{{ end",
        "{{ range ",
        "{{ define ",
    ];
    text.lines().enumerate().find_map(|(i, l)| {
        let at = l.find("{{")?;
        MARKERS
            .iter()
            .any(|m| l.contains(m))
            .then(|| (i as u32 + 1, l[..at].chars().count() as u32 + 1))
    })
}

struct LoadedFile<'s> {
    loaded: kubegate_yaml::Loaded<'s>,
    errors: Vec<InputError>,
}

fn load_file(s: &Source) -> LoadedFile<'_> {
    let mut errors = Vec::new();
    if let Some((line, col)) = helm_template_line(&s.text) {
        errors.push(InputError::new(
            &s.path,
            line,
            col,
            "unrendered Helm template (`{{ … }}`): render it first, e.g. `helm template CHART | kubegate test -`",
        ));
        return LoadedFile {
            loaded: Default::default(),
            errors,
        };
    }
    let loaded = kubegate_yaml::load(&s.text);
    if let Some(e) = &loaded.error {
        errors.push(InputError::new(
            &s.path,
            e.pos.line,
            e.pos.col,
            format!("cannot parse YAML: {}", e.message),
        ));
    } else if loaded.documents.iter().all(|d| d.root.is_null()) {
        errors.push(InputError::new(
            &s.path,
            1,
            1,
            "empty file: no Kubernetes documents",
        ));
    }
    LoadedFile { loaded, errors }
}

/// Runs the built-in rules over the sources.
pub fn check(sources: &[Source], config: &Config, opts: &CheckOptions) -> Outcome {
    let mut outcome = Outcome {
        files: sources.len(),
        ..Outcome::default()
    };
    let forced = match &opts.env {
        Some(name) => match config.env_index(name) {
            Some(i) => Some(i),
            None => {
                outcome.errors.push(InputError::new(
                    "--env",
                    0,
                    0,
                    format!(
                        "unknown environment `{name}`; known: {}",
                        config.env_names().join(", ")
                    ),
                ));
                return outcome;
            }
        },
        None => None,
    };
    let files: Vec<LoadedFile<'_>> = sources.par_iter().map(load_file).collect();

    let mut resources = Vec::new();
    for (fi, (f, src)) in files.iter().zip(sources).enumerate() {
        outcome.errors.extend(f.errors.iter().cloned());
        for d in &f.loaded.documents {
            match resources::identify(&d.root) {
                Ok((api_version, kind)) => {
                    let ns = resources::environment_namespace(kind, &d.root);
                    let binding = environment::bind(config, forced, &src.path, ns);
                    let dups = f
                        .loaded
                        .duplicates
                        .iter()
                        .filter(|x| x.document == d.index)
                        .cloned()
                        .collect();
                    let mut r =
                        resources::build(fi, d.index, &d.root, api_version, kind, binding, dups);
                    r.index = resources.len();
                    let env = &config.environments[r.binding.env].env;
                    outcome.resources.push(ResourceInfo {
                        file: src.path.clone(),
                        line: d.root.span.start.line,
                        id: r.id(),
                        environment: env.name.clone(),
                        environment_reason: r.binding.reason.clone(),
                    });
                    resources.push(r);
                }
                Err(NotAResource::Skip) => {}
                Err(NotAResource::Error(span, msg)) => {
                    outcome.errors.push(InputError::new(
                        &src.path,
                        span.start.line,
                        span.start.col,
                        msg,
                    ));
                }
            }
        }
    }

    let bundle = Bundle::new(resources);
    // Levels and parameters per (rule, environment), resolved once.
    let plan: Vec<Vec<(Level, Vec<f64>)>> = rules::ALL
        .iter()
        .map(|r| {
            (0..config.environments.len())
                .map(|e| (config.level(r, e), config.params(r)))
                .collect()
        })
        .collect();
    let per_resource: Vec<Vec<Finding>> = bundle
        .resources
        .par_iter()
        .map(|res| {
            let mut out = Vec::new();
            let env = &config.environments[res.binding.env].env;
            for (ri, rule) in rules::ALL.iter().enumerate() {
                let (level, params) = &plan[ri][res.binding.env];
                if *level == Level::Off {
                    continue;
                }
                let mut ctx = Ctx {
                    rule,
                    res,
                    bundle: &bundle,
                    env,
                    level: *level,
                    file_name: &sources[res.file].path,
                    params,
                    out: &mut out,
                };
                (rule.check)(&mut ctx);
            }
            out
        })
        .collect();
    outcome.findings = per_resource.into_iter().flatten().collect();
    outcome
        .findings
        .sort_by_key(|f| (f.file_index, f.line, f.column));
    outcome
}
