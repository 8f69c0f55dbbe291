//! Typed, read-only views over loaded documents: identity, labels, annotations, and for
//! workloads the pod template wherever the kind keeps it.

pub mod image;
pub mod pod;
pub mod quantity;
pub mod related;
pub mod selector;

use crate::environment::Binding;
use crate::finding::ResourceId;
use kubegate_yaml::{DuplicateKey, Node, Span};
use kubegate_yaml::{Route, Segment};
pub use pod::{Container, ContainerKind, PodSpec};
use std::sync::Arc;

/// Where each workload kind keeps its pod spec.
pub fn pod_spec_path(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => "spec",
        "PodTemplate" => "template.spec",
        // OpenShift's DeploymentConfig keeps its template where a Deployment does.
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job"
        | "DeploymentConfig" => "spec.template.spec",
        "CronJob" => "spec.jobTemplate.spec.template.spec",
        _ => return None,
    })
}

/// Kinds whose pods are expected to keep running (probes apply to them).
pub fn is_long_running(kind: &str) -> bool {
    !matches!(kind, "Job" | "CronJob")
}

/// One Kubernetes resource: a document of an input file.
#[derive(Debug)]
pub struct Resource<'a> {
    /// Index of the resource in the bundle (and in the outcome's resource list).
    pub index: usize,
    /// Index of the file among the inputs.
    pub file: usize,
    pub root: &'a Node<'a>,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub labels: Option<&'a Node<'a>>,
    pub annotations: Option<&'a Node<'a>>,
    pub pod: Option<PodSpec<'a>>,
    pub binding: Binding,
    /// The identity, built once and shared by the resource's findings.
    pub id: Arc<ResourceId>,
    /// Duplicate keys the loader saw inside this document.
    pub duplicates: Vec<DuplicateKey>,
    /// `Production deployment 'backend'`, made when the first message needs it.
    pub subject: std::cell::OnceCell<String>,
}

impl<'a> Resource<'a> {
    pub fn id(&self) -> Arc<ResourceId> {
        self.id.clone()
    }

    pub fn label(&self, key: &str) -> Option<&'a Node<'a>> {
        self.labels.and_then(|l| l.get(key))
    }

    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations.and_then(|a| a.get(key)).and_then(|n| n.as_str())
    }

    /// `Production deployment 'backend'`: how messages name the resource, made once.
    pub fn subject(&self, env_display: &str) -> &str {
        self.subject.get_or_init(|| {
            format!("{env_display} {} '{}'", self.kind.to_ascii_lowercase(), self.name.unwrap_or("<unnamed>"))
        })
    }

    /// The span of the `kind` value: where findings about the whole resource point.
    pub fn kind_span(&self) -> Span {
        self.root.get("kind").map(|n| n.span).unwrap_or(self.root.span)
    }

    /// Where a finding on `path` (relative to the resource root) points: the field itself
    /// when it exists, else the key of its nearest existing parent, else `kind`.
    pub fn locate(&self, path: impl Into<Route>) -> Span {
        locate(self.root, &path.into()).unwrap_or_else(|| self.kind_span())
    }
}

/// Walks `path` from `base`. A found scalar answers with its value's span; a found
/// collection, or the deepest existing parent, with its key's span. `None` when not even
/// the first key exists.
pub fn locate(base: &Node<'_>, route: &Route) -> Option<Span> {
    let found = locate_path(base, route, None);
    found.nearest
}

/// What [`locate_path`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// The whole path exists (a null value counts as missing).
    pub exists: bool,
    /// The field's span when it exists (a scalar's value, a collection's key), else the
    /// key of its deepest existing parent; `None` when not even the first step exists.
    pub nearest: Option<Span>,
}

/// Walks a field path with indices and quoted keys. In a `containers`,
/// `initContainers` or `ephemeralContainers` list, `container` (a name) picks the item
/// instead of the index, so a path found in a rendered manifest can be found in the
/// source or the patch that declares the same container.
pub fn locate_path(base: &Node<'_>, route: &Route, container: Option<&str>) -> Located {
    let mut cur = base;
    let mut nearest: Option<Span> = None;
    let mut list_key = "";
    for step in route.segments() {
        match step {
            Segment::Key(k) => match cur.entry(k) {
                Some((key, v)) => {
                    nearest = Some(key.span);
                    list_key = key.text;
                    cur = v;
                }
                None => return Located { exists: false, nearest },
            },
            Segment::Index(i) => {
                let i = *i;
                let items = cur.items();
                let by_name = match container {
                    Some(name) if matches!(list_key, "containers" | "initContainers" | "ephemeralContainers") => {
                        items.iter().find(|c| c.get("name").and_then(|n| n.scalar_text()) == Some(name))
                    }
                    _ => items.get(i),
                };
                match by_name {
                    Some(item) => {
                        // An item has no key: its name, else its first line, stands for it.
                        nearest = Some(item.get("name").map(|n| n.span).unwrap_or(item.span));
                        cur = item;
                    }
                    None => return Located { exists: false, nearest },
                }
            }
        }
    }
    if cur.is_null() {
        return Located { exists: false, nearest };
    }
    if cur.is_scalar() {
        nearest = Some(cur.span);
    }
    Located { exists: true, nearest }
}

#[cfg(test)]
mod locate_tests {
    use super::*;

    #[test]
    fn paths_with_indices_names_and_quoted_keys() {
        let arena = kubegate_yaml::Bump::new();
        let text = "metadata:\n  annotations:\n    a.b/c: x\nspec:\n  containers:\n    - name: one\n      image: i1\n    - name: two\n      image: i2\n";
        let l = kubegate_yaml::load(text, &arena);
        let root = &l.documents[0].root;
        let at = |p: &str, c: Option<&str>| {
            let r = locate_path(root, &Route::parse(p), c);
            (r.exists, r.nearest.map(|s| (s.start.line, s.start.col)))
        };
        assert_eq!(at("spec.containers[1].image", None), (true, Some((9, 14))));
        assert_eq!(at("spec.containers[0].image", Some("two")), (true, Some((9, 14))));
        assert_eq!(at("spec.containers[0].resources.limits", None), (false, Some((6, 13))));
        assert_eq!(at("metadata.annotations['a.b/c']", None), (true, Some((3, 12))));
        assert_eq!(at("spec.volumes[0]", None), (false, Some((4, 1))));
        assert_eq!(at("status", None), (false, None));
    }
}

/// Why a document is not a resource.
#[derive(Debug, PartialEq, Eq)]
pub enum NotAResource {
    /// Not an error: a kustomization file or an empty document in a stream.
    Skip,
    /// An error at a position, with a message.
    Error(Span, String),
}

/// Reads the identity of a document, or says why it is not a resource.
pub fn identify<'a>(root: &'a Node<'a>) -> Result<(&'a str, &'a str), NotAResource> {
    if root.is_null() {
        return Err(NotAResource::Skip);
    }
    if !root.is_map() {
        return Err(NotAResource::Error(
            root.span,
            format!("a Kubernetes document must be a mapping, found {}", root.type_name()),
        ));
    }
    let api_version = root.get("apiVersion").and_then(|n| n.as_str());
    if api_version.is_some_and(|a| a.starts_with("kustomize.config.k8s.io/")) {
        return Err(NotAResource::Skip);
    }
    let kind = match root.get("kind") {
        Some(k) => match k.as_str() {
            Some(s) if !s.is_empty() => s,
            _ => {
                return Err(NotAResource::Error(
                    k.span,
                    format!("`kind` must be a non-empty string, found {}", k.type_name()),
                ));
            }
        },
        None => {
            return Err(NotAResource::Error(root.span, "document has no `kind`: not a Kubernetes resource".into()));
        }
    };
    let api_version = match root.get("apiVersion") {
        Some(a) => match a.as_str() {
            Some(s) if !s.is_empty() => s,
            _ => {
                return Err(NotAResource::Error(
                    a.span,
                    format!("`apiVersion` must be a non-empty string, found {}", a.type_name()),
                ));
            }
        },
        None => {
            return Err(NotAResource::Error(root.span, format!("{kind} has no `apiVersion`")));
        }
    };
    Ok((api_version, kind))
}

/// Builds the resource view of one document.
pub fn build<'a>(
    file: usize,
    root: &'a Node<'a>,
    (api_version, kind): (&'a str, &'a str),
    binding: Binding,
    duplicates: Vec<DuplicateKey>,
    pod_spec: Option<&'static str>,
) -> Resource<'a> {
    let meta = root.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(|n| n.as_str());
    let namespace = meta.and_then(|m| m.get("namespace")).and_then(|n| n.as_str());
    let pod = pod_spec.and_then(|p| PodSpec::new(root, p));
    let id = Arc::new(ResourceId {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
    });
    Resource {
        id,
        index: 0,
        file,
        root,
        api_version,
        kind,
        name,
        namespace,
        labels: meta.and_then(|m| m.get("labels")),
        annotations: meta.and_then(|m| m.get("annotations")),
        pod,
        binding,
        duplicates,
        subject: std::cell::OnceCell::new(),
    }
}

/// The namespace a resource belongs to for environment matching: its own, or for a
/// Namespace its name.
pub fn environment_namespace<'a>(kind: &str, root: &'a Node<'a>) -> Option<&'a str> {
    let meta = root.get("metadata")?;
    if kind == "Namespace" {
        return meta.get("name").and_then(|n| n.as_str());
    }
    meta.get("namespace").and_then(|n| n.as_str())
}
