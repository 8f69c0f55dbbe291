//! The pod template of a workload, its containers, and effective security settings: a
//! pod-level `securityContext` field applies to every container that does not override it.

use kubegate_yaml::Route;
use kubegate_yaml::{Node, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Regular,
    Init,
    Ephemeral,
}

impl ContainerKind {
    pub fn list(self) -> &'static str {
        match self {
            ContainerKind::Regular => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    /// The word messages use: "container", "init container", "ephemeral container".
    pub fn word(self) -> &'static str {
        match self {
            ContainerKind::Regular => "container",
            ContainerKind::Init => "init container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

#[derive(Debug)]
pub struct Container<'a> {
    pub kind: ContainerKind,
    pub index: usize,
    pub node: &'a Node<'a>,
    /// The container's name, or `containers[0]` when it has none.
    pub name: String,
    /// Field path of the container from the resource root.
    pub path: String,
}

impl<'a> Container<'a> {
    pub fn get(&self, path: &str) -> Option<&'a Node<'a>> {
        self.node.path(path).filter(|n| !n.is_null())
    }

    /// The container's image reference, as written.
    pub fn image(&self) -> Option<&'a str> {
        self.get("image").and_then(|n| n.scalar_text())
    }

    /// The container's image, parsed, unless it is pinned by a valid digest (which
    /// satisfies every image rule whatever its tag).
    pub fn unpinned_image(&self) -> Option<(&'a str, super::image::ImageRef<'a>)> {
        let image = self.image()?;
        let r = super::image::ImageRef::parse(image);
        (!r.has_valid_digest()).then_some((image, r))
    }

    /// A field of the container's own `securityContext`.
    pub fn security(&self, field: &str) -> Option<&'a Node<'a>> {
        self.node.get("securityContext").and_then(|s| s.path(field)).filter(|n| !n.is_null())
    }

    /// Where a finding about `rel` (a path inside the container) points: the field when
    /// present, else the nearest existing parent inside the container, else its `name`.
    pub fn locate(&self, rel: &str) -> Span {
        super::locate(self.node, &Route::parse(rel))
            .unwrap_or_else(|| self.node.get("name").map(|n| n.span).unwrap_or(self.node.span))
    }

    pub fn field_path(&self, rel: &str) -> Route {
        Route::parse(&self.path).join(&Route::parse(rel))
    }
}

/// Where an effective setting comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Container,
    Pod,
}

#[derive(Debug)]
pub struct PodSpec<'a> {
    pub spec: &'a Node<'a>,
    /// Field path of the pod spec from the resource root (`spec.template.spec`).
    pub path: &'static str,
    /// Span of the key that holds the pod spec (the innermost `spec:`).
    pub key_span: Span,
    /// Labels of the pod template (for a Pod, of the Pod itself).
    pub labels: Option<&'a Node<'a>>,
    pub annotations: Option<&'a Node<'a>>,
    pub containers: Vec<Container<'a>>,
}

impl<'a> PodSpec<'a> {
    pub fn new(root: &'a Node<'a>, path: &'static str) -> Option<PodSpec<'a>> {
        let (parent_path, last) = path.rsplit_once('.').unwrap_or(("", path));
        let parent = if parent_path.is_empty() { root } else { root.path(parent_path)? };
        let (key, spec) = parent.entry(last)?;
        if !spec.is_map() {
            return None;
        }
        let meta = parent.get("metadata");
        let mut containers = Vec::new();
        for kind in [ContainerKind::Init, ContainerKind::Regular, ContainerKind::Ephemeral] {
            for (index, node) in spec.get(kind.list()).map(|l| l.items()).unwrap_or_default().iter().enumerate() {
                let name = node
                    .get("name")
                    .and_then(|n| n.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{}[{index}]", kind.list()));
                containers.push(Container {
                    kind,
                    index,
                    node,
                    name,
                    path: format!("{path}.{}[{index}]", kind.list()),
                });
            }
        }
        Some(PodSpec {
            spec,
            path,
            key_span: key.span,
            labels: meta.and_then(|m| m.get("labels")),
            annotations: meta.and_then(|m| m.get("annotations")),
            containers,
        })
    }

    /// `spec.os.name: windows`: the API rejects most Linux security fields for such pods.
    pub fn is_windows(&self) -> bool {
        self.spec.path("os.name").and_then(|n| n.as_str()) == Some("windows")
    }

    /// A field of the pod-level `securityContext`.
    pub fn security(&self, field: &str) -> Option<&'a Node<'a>> {
        self.spec.get("securityContext").and_then(|s| s.path(field)).filter(|n| !n.is_null())
    }

    /// The effective value of a `securityContext` field for a container: its own, else the
    /// pod's (for fields both levels have).
    pub fn effective(&self, c: &Container<'a>, field: &str) -> Option<(&'a Node<'a>, Origin)> {
        c.security(field).map(|n| (n, Origin::Container)).or_else(|| self.security(field).map(|n| (n, Origin::Pod)))
    }

    /// Where a finding about `rel` (a path inside the pod spec) points.
    pub fn locate(&self, rel: &str) -> Span {
        super::locate(self.spec, &Route::parse(rel)).unwrap_or(self.key_span)
    }

    pub fn field_path(&self, rel: &str) -> Route {
        Route::parse(self.path).join(&Route::parse(rel))
    }

    /// Evaluates an inheritable `securityContext` field over every container and groups
    /// the failures so that one mistake gives one finding: a bad pod-level value (even
    /// one every container overrides, as the Pod Security Standards judge it), or a field
    /// missing everywhere, is one pod-level failure; a container's own bad value, or a
    /// field missing on some containers only, is a failure per container.
    pub fn inherited_failures<'p>(&'p self, field: &str, ok: impl Fn(&Node<'a>) -> bool) -> Vec<Failure<'p, 'a>> {
        let mut out = Vec::new();
        let mut missing: Vec<&'p Container<'a>> = Vec::new();
        for c in &self.containers {
            match self.effective(c, field) {
                Some((n, _)) if ok(n) => {}
                Some((n, Origin::Container)) => out.push(Failure::Container(c, Some(n))),
                Some((_, Origin::Pod)) => {}
                None => missing.push(c),
            }
        }
        if let Some(p) = self.security(field).filter(|p| !ok(p)) {
            out.insert(0, Failure::Pod(Some(p)));
        }
        if !missing.is_empty() && missing.len() == self.containers.len() {
            out.insert(0, Failure::Pod(None));
        } else {
            out.extend(missing.into_iter().map(|c| Failure::Container(c, None)));
        }
        out
    }
}

/// A failure found by [`PodSpec::inherited_failures`]: at the pod level or on one
/// container, with the offending value when there is one (`None` when missing).
#[derive(Debug)]
pub enum Failure<'p, 'a> {
    Pod(Option<&'a Node<'a>>),
    Container(&'p Container<'a>, Option<&'a Node<'a>>),
}
