//! What one resource says about others, kept (small and owned) after its tree is gone, so
//! that a report can relate resources to the workloads they concern: a workload's pod
//! labels, service account and the Secrets and ConfigMaps it reads; a Service's selector;
//! a ServiceMonitor's or PodMonitor's selector; a role binding's role and subjects.
//! `kubegate report` reads it; no rule does.

use super::Resource;
use super::selector::{Selector, labels};
use kubegate_yaml::Node;

/// See the module documentation. Labels are `(key, value)` pairs.
#[derive(Clone, Debug, PartialEq)]
pub enum Related {
    /// A resource with a pod spec.
    Workload(Workload),
    /// A Service: its own labels (what a ServiceMonitor selects) and the pods it selects
    /// (`spec.selector`; `None` when it has none and so selects no pods).
    Service { labels: Vec<(String, String)>, selector: Option<Vec<(String, String)>> },
    /// A Prometheus Operator `ServiceMonitor` (selects Services) or `PodMonitor` (selects
    /// pods): its `spec.selector` and the namespaces it looks in.
    Monitor { pods: bool, selector: Selector, namespaces: MonitorNamespaces },
    /// A RoleBinding or ClusterRoleBinding: the role it grants (`Role` or `ClusterRole`,
    /// name) and the ServiceAccounts it grants it to (namespace, name).
    Binding { role_kind: String, role_name: String, service_accounts: Vec<(Option<String>, String)> },
}

/// A workload's pods as a report relates them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workload {
    pub pod_labels: Vec<(String, String)>,
    /// Containers of every kind (init, regular, ephemeral).
    pub containers: usize,
    /// `serviceAccountName` (or the deprecated `serviceAccount`), else `default`.
    pub service_account: String,
    /// Secrets the pods read: `env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`,
    /// `secret` and projected volumes, `imagePullSecrets`; sorted, each once.
    pub secrets: Vec<String>,
    /// ConfigMaps the pods read, the same ways.
    pub config_maps: Vec<String>,
}

/// `spec.namespaceSelector` of a monitor.
#[derive(Clone, Debug, PartialEq)]
pub enum MonitorNamespaces {
    /// None given: the monitor's own namespace.
    Own,
    /// `any: true`.
    Any,
    /// `matchNames`.
    Named(Vec<String>),
}

impl MonitorNamespaces {
    /// Whether a monitor in `own` looks at objects in `namespace`.
    pub fn includes(&self, own: Option<&str>, namespace: Option<&str>) -> bool {
        match self {
            MonitorNamespaces::Own => own == namespace,
            MonitorNamespaces::Any => true,
            MonitorNamespaces::Named(names) => namespace.is_some_and(|n| names.iter().any(|x| x == n)),
        }
    }
}

/// The string at `key` of `node`, owned.
fn name(node: Option<&Node<'_>>, key: &str) -> Option<String> {
    node.and_then(|n| n.get(key)).and_then(Node::as_str).map(str::to_string)
}

impl Related {
    /// What a resource says about others, if it is of a kind a report relates.
    pub fn of(r: &Resource<'_>) -> Option<Related> {
        if let Some(pod) = &r.pod {
            let spec = pod.spec;
            let account = spec.get("serviceAccountName").or_else(|| spec.get("serviceAccount"));
            let mut w = Workload {
                pod_labels: labels(pod.labels),
                containers: pod.containers.len(),
                service_account: account.and_then(Node::as_str).unwrap_or("default").to_string(),
                ..Workload::default()
            };
            for c in &pod.containers {
                for e in c.node.get("env").map(|n| n.items()).unwrap_or_default() {
                    let from = e.get("valueFrom");
                    w.secrets.extend(name(from.and_then(|f| f.get("secretKeyRef")), "name"));
                    w.config_maps.extend(name(from.and_then(|f| f.get("configMapKeyRef")), "name"));
                }
                for e in c.node.get("envFrom").map(|n| n.items()).unwrap_or_default() {
                    w.secrets.extend(name(e.get("secretRef"), "name"));
                    w.config_maps.extend(name(e.get("configMapRef"), "name"));
                }
            }
            for v in spec.get("volumes").map(|n| n.items()).unwrap_or_default() {
                w.secrets.extend(name(v.get("secret"), "secretName"));
                w.config_maps.extend(name(v.get("configMap"), "name"));
                let sources = v.get("projected").and_then(|p| p.get("sources"));
                for s in sources.map(|n| n.items()).unwrap_or_default() {
                    w.secrets.extend(name(s.get("secret"), "name"));
                    w.config_maps.extend(name(s.get("configMap"), "name"));
                }
            }
            for s in spec.get("imagePullSecrets").map(|n| n.items()).unwrap_or_default() {
                w.secrets.extend(name(Some(s), "name"));
            }
            for list in [&mut w.secrets, &mut w.config_maps] {
                list.sort();
                list.dedup();
            }
            return Some(Related::Workload(w));
        }
        match r.kind {
            "Service" => {
                let selector = r.root.path("spec.selector").filter(|n| !n.entries().is_empty());
                Some(Related::Service { labels: labels(r.labels), selector: selector.map(|s| labels(Some(s))) })
            }
            "ServiceMonitor" | "PodMonitor" if r.api_version.starts_with("monitoring.coreos.com/") => {
                let spec = r.root.get("spec");
                let ns = spec.and_then(|s| s.get("namespaceSelector"));
                let namespaces = if ns.and_then(|n| n.get("any")).and_then(Node::as_bool) == Some(true) {
                    MonitorNamespaces::Any
                } else if let Some(names) = ns.and_then(|n| n.get("matchNames")) {
                    MonitorNamespaces::Named(
                        names.items().iter().filter_map(|n| n.as_str()).map(str::to_string).collect(),
                    )
                } else {
                    MonitorNamespaces::Own
                };
                Some(Related::Monitor {
                    pods: r.kind == "PodMonitor",
                    selector: Selector::from_node(spec.and_then(|s| s.get("selector"))),
                    namespaces,
                })
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let role = r.root.get("roleRef");
                let text = |k: &str| role.and_then(|n| n.get(k)).and_then(Node::as_str).unwrap_or("").to_string();
                let service_accounts = r
                    .root
                    .get("subjects")
                    .map(|n| n.items())
                    .unwrap_or_default()
                    .iter()
                    .filter(|s| s.get("kind").and_then(Node::as_str) == Some("ServiceAccount"))
                    .filter_map(|s| {
                        let name = s.get("name").and_then(Node::as_str)?;
                        // A RoleBinding's subject without a namespace is in the binding's.
                        let ns = s.get("namespace").and_then(Node::as_str).or(r.namespace);
                        Some((ns.map(str::to_string), name.to_string()))
                    })
                    .collect();
                Some(Related::Binding { role_kind: text("kind"), role_name: text("name"), service_accounts })
            }
            _ => None,
        }
    }
}
