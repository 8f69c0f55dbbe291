//! The rule registry. Each rule is one file holding one [`Rule`] declaration: id, summary,
//! levels per tier, parameters, documentation and the check. `kubegate rules`,
//! `kubegate explain`, the config schema and `docs/rules/` are all generated from [`ALL`].

use crate::environment::Environment;
use crate::evaluate::{Index, Pending};
use crate::exemptions::{Assessed, Date};
use crate::finding::{Finding, Level};
use crate::resources::{Container, Resource};
use kubegate_yaml::Route;
use kubegate_yaml::Span;
use std::sync::Arc;

mod allow_privilege_escalation;
mod apparmor;
mod capabilities_baseline;
mod capabilities_drop_all;
mod capabilities_restricted;
mod dedicated_service_account;
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
    &invalid_exemption::RULE,
    &expired_exemption::RULE,
    &exemption_expiring::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// Levels in dev, staging and prod.
pub type Levels = [Level; 3];

/// A rule, declared once.
pub struct Rule {
    /// Kebab-case, self-explaining and stable.
    pub id: &'static str,
    pub summary: &'static str,
    pub levels: Levels,
    pub params: &'static [Param],
    pub doc: Doc,
    pub check: Check,
}

/// How a rule checks.
pub enum Check {
    /// From the resource alone.
    Resource(fn(&mut Ctx<'_, '_>)),
    /// Against the whole set of inputs. `collect` runs on each resource while its tree is
    /// loaded and asks its question with [`Ctx::defer`]; once every input is read,
    /// `judge` answers each question against the [`Index`] of the bundle and returns the
    /// finding's message when the rule is broken. Only small owned facts outlive a
    /// document, so memory stays bounded by one document's tree.
    Bundle { collect: fn(&mut Ctx<'_, '_>), judge: fn(&Index, &Pending) -> Option<Judged> },
}

/// A cross-resource rule's answer: the finding's message, and its own help when the
/// rule's general help does not fit (the field that decides is in another resource).
pub struct Judged {
    pub message: String,
    pub help: Option<String>,
}

impl From<String> for Judged {
    fn from(message: String) -> Judged {
        Judged { message, help: None }
    }
}

/// The documentation sections of a rule (Markdown).
pub struct Doc {
    pub what: &'static str,
    pub why: &'static str,
    /// A manifest fragment that the rule reports.
    pub example: &'static str,
    /// How to fix it, with a corrected fragment.
    pub fix: &'static str,
    /// One line shown under each finding as help.
    pub help: &'static str,
    /// The policy section (docs/policy.md) or standard the rule comes from.
    pub references: &'static str,
}

/// A numeric parameter of a rule, settable in `kubegate.yaml`.
pub struct Param {
    pub name: &'static str,
    pub doc: &'static str,
    pub default: f64,
    pub min: f64,
    pub integer: bool,
}

/// What a check sees, and where it reports.
pub struct Ctx<'r, 'a> {
    pub rule: &'static Rule,
    /// Run-wide settings (trusted registries); levels and parameters are resolved already.
    pub config: &'r crate::config::Config,
    pub res: &'r Resource<'a>,
    pub env: &'r Environment,
    pub level: Level,
    pub file_name: &'r Arc<str>,
    /// The date exemptions are judged on (`--today`, else the local date).
    pub today: Date,
    /// The exemptions that concern this resource (its annotations, matching central
    /// entries), already judged; the exemption rules report on them.
    pub exemptions: &'r [Assessed],
    pub(crate) params: &'r [f64],
    pub(crate) out: &'r mut Vec<Finding>,
    pub(crate) deferred: &'r mut Vec<Pending>,
}

impl Ctx<'_, '_> {
    /// A parameter's value (from the config, else its default).
    pub fn param(&self, name: &str) -> f64 {
        let i = self.rule.params.iter().position(|p| p.name == name).expect("declared parameter");
        self.params[i]
    }

    /// `Production deployment 'backend'`
    pub fn subject(&self) -> &str {
        self.res.subject(&self.env.display)
    }

    /// `Production deployment 'backend' container 'app'`
    pub fn container_subject(&self, c: &Container<'_>) -> String {
        format!("{} {} '{}'", self.subject(), c.kind.word(), c.name)
    }

    /// Records a finding at `span` about the field at `path`.
    pub fn emit(&mut self, span: Span, path: impl Into<Route>, container: Option<&Container<'_>>, message: String) {
        let (file, file_index) = (self.file_name.clone(), self.res.file as u32);
        self.emit_in(file, file_index, span, path.into(), container, message);
    }

    /// Records a finding about this resource whose position is in another file (a
    /// central exemption's entry in the config file: `file_index` `u32::MAX`).
    pub fn emit_in(
        &mut self,
        file: Arc<str>,
        file_index: u32,
        span: Span,
        path: Route,
        container: Option<&Container<'_>>,
        message: String,
    ) {
        self.out.push(Finding {
            rule: self.rule.id.into(),
            level: self.level,
            environment: self.env.name.clone(),
            message,
            file,
            line: span.start.line,
            column: span.start.col,
            end_line: span.end.line,
            end_column: span.end.col,
            resource: self.res.id(),
            container: container.map(|c| c.name.clone()),
            source: None,
            path,
            exemption: None,
            help: None,
            note: None,
            file_index,
            resource_index: self.res.index as u32,
        });
    }

    /// Defers a cross-resource question (see [`Check::Bundle`]): the finding, if `judge`
    /// returns a message, will point at `span` and be about the field at `path`.
    pub fn defer(&mut self, span: Span, path: impl Into<Route>, labels: Vec<(String, String)>, values: Vec<i64>) {
        self.deferred.push(Pending {
            rule: self.rule,
            level: self.level,
            environment: self.env.name.clone(),
            subject: self.subject().to_string(),
            file: self.file_name.clone(),
            file_index: self.res.file,
            resource_index: self.res.index,
            span,
            path: path.into(),
            resource: self.res.id(),
            labels,
            values,
        });
    }

    /// Sets the help of the finding just emitted, where the rule's general help does not
    /// fit it (the field that decides is not the one the general help names).
    pub fn help(&mut self, help: String) {
        if let Some(f) = self.out.last_mut() {
            f.help = Some(help);
        }
    }

    /// Reports a field of a container at its position (or its nearest existing parent).
    pub fn emit_container(&mut self, c: &Container<'_>, rel: &str, message: String) {
        let span = c.locate(rel);
        self.emit(span, c.field_path(rel), Some(c), message);
    }
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

/// Levels shorthand used by the declarations: `levels(Warn, Deny, Deny)`.
pub const fn levels(dev: Level, staging: Level, prod: Level) -> Levels {
    [dev, staging, prod]
}
