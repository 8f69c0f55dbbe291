//! The production readiness checklist, declared once: each item, what it asks, the rules
//! whose findings decide it and what else counts as evidence. `kubegate report` judges
//! every workload against [`ITEMS`], `report.evidence` in the config takes evidence for
//! the items that accept it, and `docs/report.md` is generated from this list.
//!
//! Adding a rule to an item is adding its id to the item's `rules`.

/// What an item is judged on, beyond its rules' findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The workload's containers: not applicable to a pod spec without containers.
    Containers,
    /// The workload and the resources it names or that name it (its Secrets and
    /// ConfigMaps, the roles bound to its service account).
    Workload,
    /// The workload's Namespace: to be confirmed by a person when that Namespace is not
    /// among the inputs.
    Namespace,
    /// Nothing a manifest shows: only evidence declared in the config (`report.evidence`),
    /// and, with `monitors`, a ServiceMonitor or PodMonitor among the inputs that selects
    /// the workload's pods.
    Outside { monitors: bool },
}

/// One item of the checklist.
#[derive(Debug)]
pub struct Item {
    /// Stable, kebab-case: the key of `report.evidence` and of the item's anchor.
    pub id: &'static str,
    /// As the checklist says it.
    pub title: &'static str,
    /// What kubegate looks at for this item (Markdown, for the docs and the report).
    pub checks: &'static str,
    /// The rules whose findings fail the item (ids of `rules::ALL`).
    pub rules: &'static [&'static str],
    pub basis: Basis,
}

impl Item {
    /// Whether `report.evidence.<id>` may declare evidence for this item.
    pub fn takes_evidence(&self) -> bool {
        matches!(self.basis, Basis::Outside { .. })
    }
}

/// The checklist, in the order the report shows it.
pub static ITEMS: &[Item] = &[
    Item {
        id: "read-only-root-filesystem",
        title: "Read-only root filesystem",
        checks: "Every container sets `readOnlyRootFilesystem: true`.",
        rules: &["read-only-root-filesystem"],
        basis: Basis::Containers,
    },
    Item {
        id: "non-root",
        title: "Non-root user",
        checks: "Every container effectively runs with `runAsNonRoot: true` and as a UID of 1000 or more.",
        rules: &["run-as-non-root", "run-as-user"],
        basis: Basis::Containers,
    },
    Item {
        id: "no-privilege-escalation",
        title: "No privilege escalation",
        checks: "Every container sets `allowPrivilegeEscalation: false`, and none runs privileged.",
        rules: &["allow-privilege-escalation", "privileged"],
        basis: Basis::Containers,
    },
    Item {
        id: "capabilities-dropped",
        title: "All capabilities dropped",
        checks: "Every container drops `ALL` capabilities and adds none but `NET_BIND_SERVICE`.",
        rules: &["capabilities-drop-all", "capabilities-restricted"],
        basis: Basis::Containers,
    },
    Item {
        id: "network-policies",
        title: "Network policies",
        checks: "NetworkPolicies among the inputs select the workload's pods for both ingress and egress.",
        rules: &["network-policy"],
        basis: Basis::Workload,
    },
    Item {
        id: "resource-limits",
        title: "Resource limits",
        checks: "Every container limits CPU, memory and ephemeral storage.",
        rules: &["resource-limits", "ephemeral-storage-limit"],
        basis: Basis::Containers,
    },
    Item {
        id: "secrets-externalized",
        title: "Secrets externalized",
        checks: "No container environment variable holds a literal secret, and the Secrets and \
            ConfigMaps the pods read (same namespace, among the inputs) hold no committed secret.",
        rules: &["secret-in-env", "secret-in-manifest", "secret-in-configmap"],
        basis: Basis::Workload,
    },
    Item {
        id: "trusted-registry",
        title: "Image from a trusted registry",
        checks: "Every image comes from one of `trusted_registries` in the config (not checked while the list is empty).",
        rules: &["trusted-registry"],
        basis: Basis::Containers,
    },
    Item {
        id: "vulnerability-scanning",
        title: "Image scanned for vulnerabilities",
        checks: "A manifest cannot show a scan. Evidence declared under \
            `report.evidence.vulnerability-scanning` in the config (a scanner report's path or URL) \
            is shown; without it a person must confirm.",
        rules: &[],
        basis: Basis::Outside { monitors: false },
    },
    Item {
        id: "service-account",
        title: "Service account with minimal permissions",
        checks: "The pods run as their own ServiceAccount and mount its token only when they need it; \
            the Roles and ClusterRoles bound to that account by bindings among the inputs grant no \
            wildcard, no Secret reading, no escalation verbs, no `pods/exec`, no admission webhook \
            changes, and no binding gives it `cluster-admin`.",
        rules: &[
            "service-account-token",
            "dedicated-service-account",
            "rbac-wildcard",
            "rbac-secrets-read",
            "rbac-escalation-verbs",
            "rbac-pod-exec",
            "rbac-admission-webhooks",
            "rbac-cluster-admin-binding",
        ],
        basis: Basis::Workload,
    },
    Item {
        id: "pod-security-standards",
        title: "Pod Security Standards enforced",
        checks: "The workload's Namespace, when it is among the inputs, enforces, audits and warns at \
            the restricted standard; a Namespace kubegate cannot see is for a person to confirm.",
        rules: &["namespace-pod-security"],
        basis: Basis::Namespace,
    },
    Item {
        id: "monitoring",
        title: "Monitoring and alerting",
        checks: "A ServiceMonitor or PodMonitor among the inputs selects the workload's pods (a \
            ServiceMonitor through a Service that selects them), or evidence is declared under \
            `report.evidence.monitoring` in the config (a dashboard's or alert's URL); else a \
            person must confirm.",
        rules: &[],
        basis: Basis::Outside { monitors: true },
    },
];

/// The item with this id.
pub fn find(id: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_named_exists_and_ids_are_unique() {
        for item in ITEMS {
            for id in item.rules {
                assert!(crate::rules::find(id).is_some(), "item `{}` names unknown rule `{id}`", item.id);
            }
            assert_eq!(ITEMS.iter().filter(|i| i.id == item.id).count(), 1, "item id `{}` twice", item.id);
        }
        assert_eq!(ITEMS.len(), 12);
        let evidence: Vec<&str> = ITEMS.iter().filter(|i| i.takes_evidence()).map(|i| i.id).collect();
        assert_eq!(evidence, ["vulnerability-scanning", "monitoring"]);
    }
}
