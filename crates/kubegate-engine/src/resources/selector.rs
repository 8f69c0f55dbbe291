//! Label selectors (`matchLabels`, `matchExpressions`) and an index that finds the
//! selectors matching a set of labels without scanning every selector.

use kubegate_yaml::Node;
use std::collections::HashMap;

/// Labels as owned text pairs (non-string values are compared by their source text).
pub fn labels(node: Option<&Node<'_>>) -> Vec<(String, String)> {
    node.map(|n| {
        n.entries().iter().map(|(k, v)| (k.text.to_string(), v.scalar_text().unwrap_or("").to_string())).collect()
    })
    .unwrap_or_default()
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selector {
    pub match_labels: Vec<(String, String)>,
    /// (key, operator, values)
    pub expressions: Vec<(String, String, Vec<String>)>,
    /// A selector that matches nothing (an unknown operator, or a policy/v1beta1 PDB's
    /// empty selector).
    pub matches_nothing: bool,
}

impl Selector {
    pub fn from_node(node: Option<&Node<'_>>) -> Selector {
        let Some(node) = node else {
            return Selector::default();
        };
        let text = |n: Option<&Node<'_>>| n.and_then(|n| n.scalar_text()).unwrap_or("").to_string();
        let expressions: Vec<_> = node
            .get("matchExpressions")
            .map(|m| m.items())
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let values = e
                    .get("values")
                    .map(|v| v.items())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.scalar_text())
                    .map(str::to_string)
                    .collect();
                (text(e.get("key")), text(e.get("operator")), values)
            })
            .collect();
        let matches_nothing =
            expressions.iter().any(|(_, op, _)| !matches!(op.as_str(), "In" | "NotIn" | "Exists" | "DoesNotExist"));
        Selector { match_labels: labels(node.get("matchLabels")), expressions, matches_nothing }
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    pub fn matches(&self, pod_labels: &[(String, String)]) -> bool {
        if self.matches_nothing {
            return false;
        }
        let get = |k: &str| pod_labels.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.as_str());
        self.match_labels.iter().all(|(k, v)| get(k) == Some(v.as_str()))
            && self.expressions.iter().all(|(k, op, values)| match op.as_str() {
                "In" => get(k).is_some_and(|v| values.iter().any(|x| x == v)),
                "NotIn" => get(k).is_none_or(|v| !values.iter().any(|x| x == v)),
                "Exists" => get(k).is_some(),
                "DoesNotExist" => get(k).is_none(),
                _ => false,
            })
    }
}

type Ns = Option<String>;

#[derive(Debug, Default)]
struct NsIndex {
    /// label key → label value → selectors whose first `matchLabels` pair it is.
    by_pair: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Selectors without `matchLabels`: always candidates.
    unkeyed: Vec<usize>,
}

/// Selectors of one kind of object (PDBs, network policies) by namespace, indexed by their
/// first `matchLabels` pair, so a workload only checks the selectors that could match it:
/// a lookup costs what the workload's labels and the candidate selectors cost, not what
/// the whole bundle costs.
#[derive(Debug, Default)]
pub struct SelectorIndex {
    by_ns: HashMap<Ns, NsIndex>,
    entries: Vec<(Selector, usize)>,
}

impl SelectorIndex {
    /// Adds a selector in `namespace`, carrying `payload` (usually a resource index).
    pub fn insert(&mut self, namespace: Ns, selector: Selector, payload: usize) {
        let i = self.entries.len();
        let ns = self.by_ns.entry(namespace).or_default();
        match selector.match_labels.first() {
            Some((k, v)) => ns.by_pair.entry(k.clone()).or_default().entry(v.clone()).or_default().push(i),
            None => ns.unkeyed.push(i),
        }
        self.entries.push((selector, payload));
    }

    /// Payloads of the selectors in `namespace` that match `pod_labels`.
    pub fn matching(&self, namespace: &Ns, pod_labels: &[(String, String)]) -> Vec<usize> {
        let mut out = Vec::new();
        let Some(ns) = self.by_ns.get(namespace) else {
            return out;
        };
        let keyed = pod_labels.iter().filter_map(|(k, v)| ns.by_pair.get(k.as_str()).and_then(|m| m.get(v.as_str())));
        for &i in keyed.flatten().chain(&ns.unkeyed) {
            let (sel, payload) = &self.entries[i];
            if sel.matches(pod_labels) && !out.contains(payload) {
                out.push(*payload);
            }
        }
        out
    }
}
