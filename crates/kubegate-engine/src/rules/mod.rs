//! The rules and their registry. Each rule is one file holding one [`Rule`] declaration
//! (the rule API is in `rule`): id, summary, levels per tier, parameters, documentation
//! and the check. `kubegate rules`,
//! `kubegate explain`, the config schema and `docs/rules/` are all generated from [`ALL`].

pub use crate::rule::*;

mod allow_privilege_escalation;
mod apparmor;
mod capabilities_baseline;
mod capabilities_drop_all;
mod capabilities_restricted;
mod dedicated_service_account;
mod dockerfile_base_digest;
mod dockerfile_base_latest;
mod dockerfile_minimal_base;
mod dockerfile_secret;
mod dockerfile_user;
mod duplicate_key;
mod emptydir_size_limit;
mod environment_label;
mod ephemeral_storage_limit;
mod exemption_expiring;
mod expired_exemption;
mod fs_group;
mod host_namespaces;
mod host_path;
mod host_ports;
mod host_probes;
mod image_digest;
mod image_tag_latest;
mod invalid_exemption;
mod liveness_probe;
mod namespace_pod_security;
mod network_policy;
mod pod_disruption_budget;
mod privileged;
mod proc_mount;
mod proc_mount_restricted;
mod rbac_admission_webhooks;
mod rbac_cluster_admin_binding;
mod rbac_escalation_verbs;
mod rbac_pod_exec;
mod rbac_secrets_read;
mod rbac_wildcard;
mod read_only_root_filesystem;
mod readiness_probe;
mod replicas;
mod resource_limit_ratio;
mod resource_limits;
mod resource_requests;
mod restricted_volume_types;
mod run_as_non_root;
mod run_as_user;
mod seccomp_baseline;
mod seccomp_profile;
mod secret_in_configmap;
mod secret_in_env;
mod secret_in_manifest;
mod selinux;
mod service_account_token;
mod sysctls;
mod trusted_registry;
mod windows_host_process;

/// The rules that report on exemptions; an exemption cannot cover them.
pub static EXEMPTION_RULES: [&Rule; 3] =
    [&invalid_exemption::RULE, &expired_exemption::RULE, &exemption_expiring::RULE];

/// The rule that reports a Pod Security Standards check.
pub fn for_pss(check: crate::pss::Check) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.pss == Some(check))
}

/// Whether a rule id is one of [`EXEMPTION_RULES`].
pub fn reports_on_exemptions(id: &str) -> bool {
    EXEMPTION_RULES.iter().any(|r| r.id == id)
}

/// Every built-in rule, in the order they run and are listed.
pub static ALL: &[&Rule] = &[
    &image_tag_latest::RULE,
    &image_digest::RULE,
    &run_as_non_root::RULE,
    &allow_privilege_escalation::RULE,
    &read_only_root_filesystem::RULE,
    &capabilities_drop_all::RULE,
    &run_as_user::RULE,
    &seccomp_profile::RULE,
    &fs_group::RULE,
    &resource_requests::RULE,
    &resource_limits::RULE,
    &resource_limit_ratio::RULE,
    &liveness_probe::RULE,
    &readiness_probe::RULE,
    &replicas::RULE,
    &pod_disruption_budget::RULE,
    &environment_label::RULE,
    // Pod Security Standards, baseline
    &privileged::RULE,
    &host_namespaces::RULE,
    &host_path::RULE,
    &host_ports::RULE,
    &capabilities_baseline::RULE,
    &seccomp_baseline::RULE,
    &apparmor::RULE,
    &selinux::RULE,
    &proc_mount::RULE,
    &sysctls::RULE,
    &windows_host_process::RULE,
    &host_probes::RULE,
    // Pod Security Standards, restricted checks not covered by the production rules
    &restricted_volume_types::RULE,
    &capabilities_restricted::RULE,
    &proc_mount_restricted::RULE,
    // Deployment guidelines: network, service accounts and RBAC, secrets, storage, registries
    &network_policy::RULE,
    &namespace_pod_security::RULE,
    &service_account_token::RULE,
    &dedicated_service_account::RULE,
    &rbac_wildcard::RULE,
    &rbac_secrets_read::RULE,
    &rbac_escalation_verbs::RULE,
    &rbac_pod_exec::RULE,
    &rbac_admission_webhooks::RULE,
    &rbac_cluster_admin_binding::RULE,
    &secret_in_configmap::RULE,
    &secret_in_env::RULE,
    &secret_in_manifest::RULE,
    &ephemeral_storage_limit::RULE,
    &emptydir_size_limit::RULE,
    &trusted_registry::RULE,
    &duplicate_key::RULE,
    // Dockerfiles
    &dockerfile_user::RULE,
    &dockerfile_secret::RULE,
    &dockerfile_base_digest::RULE,
    &dockerfile_base_latest::RULE,
    &dockerfile_minimal_base::RULE,
    &invalid_exemption::RULE,
    &expired_exemption::RULE,
    &exemption_expiring::RULE,
];

pub use dockerfile_minimal_base::DEFAULT_MINIMAL_BASES;

/// Where a Dockerfile finding is: `stages[1].USER` (stages counted from 0, as in the JSON
/// output's paths), so that the path survives lines moving.
fn dockerfile_route(stage: usize, keyword: &str) -> kubegate_yaml::Route {
    kubegate_yaml::Route::root().key("stages").index(stage).key(keyword)
}

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// Every container must set the boolean `securityContext.<field>` to `want`
/// (`allow-privilege-escalation`, `read-only-root-filesystem`). Windows pods are exempt:
/// the API rejects these fields for them.
pub(super) fn container_flag(ctx: &mut Ctx<'_, '_>, field: &str, want: bool) {
    let Some(pod) = &ctx.res.pod else { return };
    if pod.is_windows() {
        return;
    }
    for c in &pod.containers {
        if c.security(field).and_then(|n| n.as_bool()) != Some(want) {
            let message = format!("{} must set securityContext.{field}: {want}", ctx.container_subject(c));
            ctx.emit_container(c, &format!("securityContext.{field}"), message);
        }
    }
}

/// Reports the violations of a Pod Security Standards check, at the latest policy
/// version, that `keep` keeps (a rule leaves out what another rule already reports).
pub(crate) fn pss_check(
    ctx: &mut Ctx<'_, '_>,
    check: crate::pss::Check,
    keep: impl Fn(&crate::pss::Violation) -> bool,
) {
    let Some(pod) = &ctx.res.pod else { return };
    for v in crate::pss::run(check, crate::pss::Version::LATEST, pod).into_iter().filter(|v| keep(v)) {
        let message = format!("{} {}", ctx.subject(), v.message);
        let container = v.container.as_deref().and_then(|name| pod.containers.iter().find(|c| c.name == name));
        ctx.emit(v.span, v.path, container, message);
    }
}

/// One rule of a Role or ClusterRole: its position and its lists (`apiGroups`,
/// `resources`, `verbs`), for the RBAC rules.
pub(crate) struct RbacRule<'a> {
    pub index: usize,
    pub node: &'a kubegate_yaml::Node<'a>,
}

impl<'a> RbacRule<'a> {
    /// The rules of a Role or ClusterRole (none for other kinds).
    pub fn of(ctx: &Ctx<'_, 'a>) -> Vec<RbacRule<'a>> {
        if !matches!(ctx.res.kind, "Role" | "ClusterRole") {
            return Vec::new();
        }
        let rules = ctx.res.root.get("rules").map(|r| r.items()).unwrap_or_default();
        rules.iter().enumerate().map(|(index, node)| RbacRule { index, node }).collect()
    }

    /// The items of one list, with their positions in it.
    pub fn items(&self, field: &str) -> Vec<(usize, &'a kubegate_yaml::Node<'a>)> {
        self.node.get(field).map(|f| f.items()).unwrap_or_default().iter().enumerate().collect()
    }

    /// Whether the list holds one of `names` (compared case-insensitively, as the API
    /// server stores verbs and resources in lower case) or `*`.
    pub fn grants(&self, field: &str, names: &[&str]) -> bool {
        self.items(field)
            .iter()
            .any(|(_, n)| n.scalar_text().is_some_and(|t| t == "*" || names.iter().any(|w| w.eq_ignore_ascii_case(t))))
    }

    /// The first item of the list naming one of `names` (not `*`: `rbac-wildcard` reports those).
    pub fn first_named(&self, field: &str, names: &[&str]) -> Option<(usize, &'a kubegate_yaml::Node<'a>)> {
        self.items(field)
            .into_iter()
            .find(|(_, n)| n.scalar_text().is_some_and(|t| names.iter().any(|w| w.eq_ignore_ascii_case(t))))
    }

    /// The resource (of `resources`, by name) this rule grants one of `verbs` on, in
    /// `group`: what the RBAC rules report, at the resource's position.
    pub fn grant(
        &self,
        group: &str,
        verbs: &[&str],
        resources: &[&str],
    ) -> Option<(usize, &'a kubegate_yaml::Node<'a>)> {
        if !self.in_group(group) || !self.grants("verbs", verbs) {
            return None;
        }
        self.first_named("resources", resources)
    }

    /// Whether the rule covers an API group (`""` is the core group).
    pub fn in_group(&self, group: &str) -> bool {
        self.items("apiGroups").iter().any(|(_, n)| n.scalar_text().is_some_and(|t| t == "*" || t == group))
    }
}
