//! The cross-resource facts: what one resource states that rules about other resources
//! judge against (a PodDisruptionBudget's selector, an autoscaler's minimum), the index of
//! the whole bundle's facts, and the questions ([`Pending`]) rules leave to be judged
//! against it once every input is read.

use crate::finding::{Level, ResourceId};
use crate::resources::Resource;
use crate::resources::selector::{Selector, SelectorIndex};
use crate::rule::Rule;
use kubegate_yaml::{Node, Route, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// A question a cross-resource rule asked about one resource, to be judged once every
/// input is read. It carries everything the finding needs, so no tree has to outlive
/// its document.
pub struct Pending {
    pub rule: &'static Rule,
    pub level: Level,
    pub environment: Arc<str>,
    /// `Production deployment 'backend'`
    pub subject: String,
    pub file: Arc<str>,
    pub file_index: usize,
    pub resource_index: usize,
    pub span: Span,
    pub path: Route,
    pub resource: Arc<ResourceId>,
    pub question: Question,
}

/// What a cross-resource rule asks about one resource, with what it needs to judge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Question {
    /// Which directions do the NetworkPolicies selecting these pod labels isolate?
    Isolation { labels: Vec<(String, String)> },
    /// Does a PodDisruptionBudget select the pods (labels) of a workload that declares
    /// these replicas?
    Disruption { labels: Vec<(String, String)>, declared_replicas: i64 },
    /// Does a workload keep at least `minimum` replicas (declared, or an HPA's minimum)?
    Replicas { declared: i64, minimum: i64 },
    /// Does a pod that runs as `service_account` mount its token? `pod_mounts`: the pod
    /// sets `automountServiceAccountToken: true` itself (unset leaves it to the account).
    Token { service_account: String, pod_mounts: bool },
}

/// A fact about one resource that cross-resource rules judge against.
#[derive(Debug)]
pub enum Fact {
    /// A PodDisruptionBudget's selector in its namespace.
    Pdb { namespace: Option<String>, selector: Selector, resource: usize },
    /// An HPA (named `hpa`) keeping at least `min` replicas of the named workload.
    Hpa { namespace: Option<String>, kind: String, name: String, min: i64, hpa: String },
    /// A NetworkPolicy's pod selector and the directions it isolates.
    NetworkPolicy { namespace: Option<String>, selector: Selector, ingress: bool, egress: bool },
    /// A ServiceAccount and its `automountServiceAccountToken`.
    ServiceAccount { namespace: Option<String>, name: String, automount: Option<bool> },
}

impl Fact {
    /// The fact a resource states, if it is of a kind cross-resource rules ask about.
    pub fn of(r: &Resource<'_>) -> Option<Fact> {
        let ns = r.namespace.map(str::to_string);
        match r.kind {
            "PodDisruptionBudget" => {
                let node = r.root.path("spec.selector");
                let mut selector = Selector::from_node(node);
                // policy/v1beta1: an empty selector selects no pods; policy/v1: all.
                if selector.is_empty() && (node.is_none() || r.api_version == "policy/v1beta1") {
                    selector.matches_nothing = true;
                }
                Some(Fact::Pdb { namespace: ns, selector, resource: r.index })
            }
            "HorizontalPodAutoscaler" => {
                let target = r.root.path("spec.scaleTargetRef")?;
                let kind = target.get("kind").and_then(Node::as_str)?;
                let name = target.get("name").and_then(Node::as_str)?;
                let min = r.root.path("spec.minReplicas").and_then(Node::as_i64).unwrap_or(1);
                let hpa = r.name.unwrap_or("<unnamed>").to_string();
                Some(Fact::Hpa { namespace: ns, kind: kind.into(), name: name.into(), min, hpa })
            }
            "NetworkPolicy" => {
                let spec = r.root.get("spec");
                // An empty podSelector selects every pod of the namespace.
                let selector = Selector::from_node(spec.and_then(|s| s.get("podSelector")));
                let types: Vec<&str> = spec
                    .and_then(|s| s.get("policyTypes"))
                    .map(|t| t.items())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|t| t.as_str())
                    .collect();
                let (ingress, egress) = if spec.and_then(|s| s.get("policyTypes")).is_some() {
                    (types.contains(&"Ingress"), types.contains(&"Egress"))
                } else {
                    (true, spec.and_then(|s| s.get("egress")).is_some())
                };
                Some(Fact::NetworkPolicy { namespace: ns, selector, ingress, egress })
            }
            "ServiceAccount" => Some(Fact::ServiceAccount {
                namespace: ns,
                name: r.name?.to_string(),
                automount: r.root.get("automountServiceAccountToken").and_then(Node::as_bool),
            }),
            _ => None,
        }
    }
}

/// The facts of the whole bundle, indexed for the questions cross-resource rules ask.
#[derive(Debug, Default)]
pub struct Index {
    /// PodDisruptionBudgets by namespace and selector.
    pub pdbs: SelectorIndex,
    /// (namespace, target kind, target name) → the lowest `minReplicas` of the HPAs
    /// scaling it, and that HPA's name.
    hpa_min: HashMap<(Option<String>, String, String), (i64, String)>,
    /// NetworkPolicies by namespace and pod selector; the payload indexes `netpol_types`.
    netpols: SelectorIndex,
    /// (isolates ingress, isolates egress) per NetworkPolicy.
    netpol_types: Vec<(bool, bool)>,
    /// namespace → ServiceAccount name → its `automountServiceAccountToken`.
    service_accounts: HashMap<Option<String>, HashMap<String, Option<bool>>>,
}

impl Index {
    pub fn new(facts: impl IntoIterator<Item = Fact>) -> Index {
        let mut index = Index::default();
        for f in facts {
            match f {
                Fact::Pdb { namespace, selector, resource } => index.pdbs.insert(namespace, selector, resource),
                Fact::NetworkPolicy { namespace, selector, ingress, egress } => {
                    index.netpols.insert(namespace, selector, index.netpol_types.len());
                    index.netpol_types.push((ingress, egress));
                }
                Fact::ServiceAccount { namespace, name, automount } => {
                    index.service_accounts.entry(namespace).or_default().insert(name, automount);
                }
                Fact::Hpa { namespace, kind, name, min, hpa } => {
                    // Several autoscalers on one workload: the one that allows fewest pods.
                    let slot = index.hpa_min.entry((namespace, kind, name)).or_insert((min, hpa.clone()));
                    if min < slot.0 {
                        *slot = (min, hpa);
                    }
                }
            }
        }
        index
    }

    /// Which directions the NetworkPolicies selecting these pod labels isolate.
    pub fn network_isolation(&self, namespace: &Option<String>, pod_labels: &[(String, String)]) -> (bool, bool) {
        self.netpols
            .matching(namespace, pod_labels)
            .into_iter()
            .map(|i| self.netpol_types[i])
            .fold((false, false), |(i, e), (pi, pe)| (i || pi, e || pe))
    }

    pub fn has_service_account(&self, namespace: &Option<String>, name: &str) -> bool {
        self.service_accounts.get(namespace).is_some_and(|m| m.contains_key(name))
    }

    /// A ServiceAccount's `automountServiceAccountToken`, when it is among the inputs and sets it.
    pub fn service_account_automount(&self, namespace: &Option<String>, name: &str) -> Option<bool> {
        self.service_accounts.get(namespace).and_then(|m| m.get(name)).copied().flatten()
    }

    /// The `minReplicas` of the HorizontalPodAutoscaler scaling a workload (the lowest,
    /// when several do) and that autoscaler's name; `None` when none does.
    pub fn hpa_min(&self, r: &ResourceId) -> Option<(i64, &str)> {
        let key = (r.namespace.clone(), r.kind.clone(), r.name.clone()?);
        self.hpa_min.get(&key).map(|(min, hpa)| (*min, hpa.as_str()))
    }
}
