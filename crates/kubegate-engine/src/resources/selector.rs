//! Label selectors (`matchLabels`, `matchExpressions`) and an index that finds the
//! selectors matching a set of labels without scanning every selector.

use kubegate_yaml::Node;
use std::collections::HashMap;

/// Labels as text pairs (non-string values are compared by their source text).
pub fn labels<'a>(node: Option<&'a Node<'a>>) -> Vec<(&'a str, &'a str)> {
    node.map(|n| {
        n.entries()
            .iter()
            .map(|(k, v)| (&*k.text, v.scalar_text().unwrap_or("")))
            .collect()
    })
    .unwrap_or_default()
}

#[derive(Clone, Debug, Default)]
pub struct Selector<'a> {
    pub match_labels: Vec<(&'a str, &'a str)>,
    pub expressions: Vec<(&'a str, &'a str, Vec<&'a str>)>,
    /// A selector that matches nothing (an unknown operator, or a policy/v1beta1 PDB's
    /// empty selector).
    pub matches_nothing: bool,
}

impl<'a> Selector<'a> {
    pub fn from_node(node: Option<&'a Node<'a>>) -> Selector<'a> {
        let Some(node) = node else {
            return Selector::default();
        };
        let expressions: Vec<_> = node
            .get("matchExpressions")
            .map(|m| m.items())
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let key = e.get("key").and_then(|n| n.scalar_text()).unwrap_or("");
                let op = e
                    .get("operator")
                    .and_then(|n| n.scalar_text())
                    .unwrap_or("");
                let values = e
                    .get("values")
                    .map(|v| v.items())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.scalar_text())
                    .collect();
                (key, op, values)
            })
            .collect();
        let matches_nothing = expressions
            .iter()
            .any(|(_, op, _)| !matches!(*op, "In" | "NotIn" | "Exists" | "DoesNotExist"));
        Selector {
            match_labels: labels(node.get("matchLabels")),
            expressions,
            matches_nothing,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    pub fn matches(&self, pod_labels: &[(&str, &str)]) -> bool {
        if self.matches_nothing {
            return false;
        }
        let get = |k: &str| pod_labels.iter().find(|(pk, _)| *pk == k).map(|(_, v)| *v);
        self.match_labels.iter().all(|(k, v)| get(k) == Some(*v))
            && self.expressions.iter().all(|(k, op, values)| match *op {
                "In" => get(k).is_some_and(|v| values.contains(&v)),
                "NotIn" => get(k).is_none_or(|v| !values.contains(&v)),
                "Exists" => get(k).is_some(),
                "DoesNotExist" => get(k).is_none(),
                _ => false,
            })
    }
}

/// Selectors of one kind of object (PDBs, network policies) by namespace, indexed by their
/// first `matchLabels` pair, so a workload only checks the selectors that could match it.
#[derive(Debug, Default)]
pub struct SelectorIndex<'a> {
    by_pair: HashMap<(Option<&'a str>, &'a str, &'a str), Vec<usize>>,
    unkeyed: HashMap<Option<&'a str>, Vec<usize>>,
    entries: Vec<(Selector<'a>, usize)>,
}

impl<'a> SelectorIndex<'a> {
    /// Adds a selector in `namespace`, carrying `payload` (usually a resource index).
    pub fn insert(&mut self, namespace: Option<&'a str>, selector: Selector<'a>, payload: usize) {
        let i = self.entries.len();
        match selector.match_labels.first() {
            Some(&(k, v)) => self.by_pair.entry((namespace, k, v)).or_default().push(i),
            None => self.unkeyed.entry(namespace).or_default().push(i),
        }
        self.entries.push((selector, payload));
    }

    /// Payloads of the selectors in `namespace` that match `pod_labels`.
    pub fn matching(
        &self,
        namespace: Option<&'a str>,
        pod_labels: &[(&'a str, &'a str)],
    ) -> Vec<usize> {
        let mut out = Vec::new();
        let candidates = pod_labels
            .iter()
            .filter_map(|&(k, v)| self.by_pair.get(&(namespace, k, v)))
            .chain(self.unkeyed.get(&namespace))
            .flatten();
        for &i in candidates {
            let (sel, payload) = &self.entries[i];
            if sel.matches(pod_labels) && !out.contains(payload) {
                out.push(*payload);
            }
        }
        out
    }
}
