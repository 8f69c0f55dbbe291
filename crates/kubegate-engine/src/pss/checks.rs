//! The checks themselves. Each arm of [`Visitor::run`] is one upstream check; version
//! differences are spelled out where they apply.

use super::{Check, Version, Violation};
use crate::resources::{Container, PodSpec};
use kubegate_yaml::{Node, Span};

/// Capabilities a container may add under baseline: the container runtime's default set.
pub const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Safe sysctls and the policy version that allowed each.
const SYSCTLS: [(&str, u32); 14] = [
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29),
    ("net.ipv4.tcp_keepalive_probes", 29),
    ("net.ipv4.tcp_rmem", 32),
    ("net.ipv4.tcp_wmem", 32),
    ("net.ipv4.tcp_slow_start_after_idle", 37),
    ("net.ipv4.tcp_notsent_lowat", 37),
];

/// Volume sources restricted allows, and the version that allowed each.
const RESTRICTED_VOLUME_SOURCES: [(&str, u32); 9] = [
    ("configMap", 0),
    ("csi", 0),
    ("downwardAPI", 0),
    ("emptyDir", 0),
    ("ephemeral", 0),
    ("persistentVolumeClaim", 0),
    ("projected", 0),
    ("secret", 0),
    ("image", 33),
];

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";
const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

pub(super) struct Visitor<'p, 'a> {
    pub check: Check,
    pub version: Version,
    pub pod: &'p PodSpec<'a>,
    pub out: Vec<Violation>,
}

/// Where a present field points: a scalar's value, a collection's key.
fn field_span(parent: &Node<'_>, key: &str) -> Option<Span> {
    let (k, v) = parent.entry(key)?;
    Some(if v.is_scalar() && !v.is_null() { v.span } else { k.span })
}

fn present<'a>(n: Option<&'a Node<'a>>) -> Option<&'a Node<'a>> {
    n.filter(|n| !n.is_null())
}

fn is_true(n: Option<&Node<'_>>) -> bool {
    n.and_then(Node::as_bool) == Some(true)
}

fn text<'a>(n: Option<&'a Node<'a>>) -> &'a str {
    n.and_then(|n| n.scalar_text()).unwrap_or("")
}

/// `sets securityContext.seccompProfile.type: Unconfined; allowed: …`, or for an object
/// without a type `sets securityContext.seccompProfile without a type; allowed: …`.
fn bad_type(field: &str, profile: &Node<'_>, allowed: &str) -> String {
    match text(profile.get("type")) {
        "" => format!("sets securityContext.{field} without a type; allowed: {allowed}"),
        t => format!("sets securityContext.{field}.type: {t}; allowed: {allowed}"),
    }
}

fn cw(c: &Container<'_>) -> String {
    format!("{} '{}'", c.kind.word(), c.name)
}

impl<'a> Visitor<'_, 'a> {
    fn pod_violation(&mut self, rel: &str, message: String) {
        self.out.push(Violation {
            check: self.check,
            span: self.pod.locate(rel),
            path: self.pod.field_path(rel),
            container: None,
            message,
        });
    }

    fn container_violation(&mut self, c: &Container<'a>, rel: &str, message: String) {
        self.out.push(Violation {
            check: self.check,
            span: c.locate(rel),
            path: c.field_path(rel),
            container: Some(c.name.clone()),
            message: format!("{} {message}", cw(c)),
        });
    }

    /// A violation on a pod template annotation.
    fn annotation_violation(&mut self, key: &str, message: String) {
        let span = self.pod.annotations.and_then(|a| field_span(a, key)).unwrap_or(self.pod.key_span);
        let meta = self.pod.path.strip_suffix("spec").unwrap_or("");
        self.out.push(Violation {
            check: self.check,
            span,
            path: crate::Route::parse(&format!("{meta}metadata.annotations")).key(key),
            container: None,
            message,
        });
    }

    fn annotation(&self, key: &str) -> Option<&'a Node<'a>> {
        self.pod.annotations.and_then(|a| a.get(key))
    }

    fn host_users_false(&self) -> bool {
        self.pod.spec.get("hostUsers").and_then(Node::as_bool) == Some(false)
    }

    fn windows(&self) -> bool {
        self.pod.is_windows()
    }

    pub fn run(&mut self) {
        let v = self.version;
        let pod = self.pod;
        match self.check {
            Check::HostNamespaces => {
                for f in ["hostNetwork", "hostPID", "hostIPC"] {
                    if is_true(pod.spec.get(f)) {
                        self.pod_violation(f, format!("must not set {f}: true (host namespaces)"));
                    }
                }
            }
            Check::Privileged => {
                for c in &pod.containers {
                    if is_true(c.security("privileged")) {
                        let m = "must not set securityContext.privileged: true".to_string();
                        self.container_violation(c, "securityContext.privileged", m);
                    }
                }
            }
            Check::CapabilitiesBaseline => {
                for c in &pod.containers {
                    let added = c.security("capabilities.add").map(|a| a.items()).unwrap_or_default();
                    let bad: Vec<&str> = added
                        .iter()
                        .map(|n| n.scalar_text().unwrap_or(""))
                        .filter(|cap| !BASELINE_CAPABILITIES.contains(cap))
                        .collect();
                    if !bad.is_empty() {
                        let m = format!("must not add capabilities beyond the baseline set: {}", bad.join(", "));
                        self.container_violation(c, "securityContext.capabilities.add", m);
                    }
                }
            }
            Check::HostPathVolumes => {
                for (i, vol) in pod.spec.get("volumes").map(|v| v.items()).unwrap_or_default().iter().enumerate() {
                    if present(vol.get("hostPath")).is_some() {
                        let name = text(vol.get("name"));
                        self.out.push(Violation {
                            check: self.check,
                            span: field_span(vol, "hostPath").unwrap_or(vol.span),
                            path: pod.field_path(&format!("volumes[{i}].hostPath")),
                            container: None,
                            message: format!("volume '{name}' must not use hostPath"),
                        });
                    }
                }
            }
            Check::HostPorts => {
                for c in &pod.containers {
                    for (j, port) in c.get("ports").map(|p| p.items()).unwrap_or_default().iter().enumerate() {
                        if let Some(hp) = port.get("hostPort").and_then(Node::as_i64).filter(|p| *p != 0) {
                            self.out.push(Violation {
                                check: self.check,
                                span: field_span(port, "hostPort").unwrap_or(port.span),
                                path: c.field_path(&format!("ports[{j}].hostPort")),
                                container: Some(c.name.clone()),
                                message: format!("{} must not set hostPort: {hp}", cw(c)),
                            });
                        }
                    }
                }
            }
            Check::AppArmorProfile => {
                for (k, val) in pod.annotations.map(|a| a.entries()).unwrap_or_default() {
                    let value = val.scalar_text().unwrap_or("");
                    if k.text.starts_with(APPARMOR_ANNOTATION_PREFIX)
                        && !(value.is_empty() || value == "runtime/default" || value.starts_with("localhost/"))
                    {
                        let m = format!(
                            "annotation {}: {value} is a forbidden AppArmor profile (allowed: runtime/default, localhost/*)",
                            k.text
                        );
                        self.annotation_violation(k.text, m);
                    }
                }
                let allowed = |n: &Node<'_>| {
                    matches!(n.get("type").and_then(|t| t.scalar_text()), Some("RuntimeDefault" | "Localhost"))
                };
                if let Some(p) = pod.security("appArmorProfile").filter(|p| !allowed(p)) {
                    let m = bad_type("appArmorProfile", p, "RuntimeDefault, Localhost");
                    self.pod_violation("securityContext.appArmorProfile.type", m);
                }
                for c in &pod.containers {
                    if let Some(p) = c.security("appArmorProfile").filter(|p| !allowed(p)) {
                        let m = bad_type("appArmorProfile", p, "RuntimeDefault, Localhost");
                        self.container_violation(c, "securityContext.appArmorProfile.type", m);
                    }
                }
            }
            Check::SeLinuxOptions => {
                let mut allowed = vec!["", "container_t", "container_init_t", "container_kvm_t"];
                if v.at_least(31) {
                    allowed.push("container_engine_t");
                }
                let problems = |o: &Node<'_>| -> Vec<(&'static str, String)> {
                    let mut out = Vec::new();
                    let ty = text(o.get("type"));
                    if !allowed.contains(&ty) {
                        out.push((
                            "type",
                            format!(
                                "sets securityContext.seLinuxOptions.type: {ty}; allowed: {}",
                                allowed[1..].join(", ")
                            ),
                        ));
                    }
                    for f in ["user", "role"] {
                        let val = text(o.get(f));
                        if !val.is_empty() {
                            out.push((f, format!("must not set securityContext.seLinuxOptions.{f} ({val})")));
                        }
                    }
                    out
                };
                if let Some(o) = pod.security("seLinuxOptions") {
                    for (f, m) in problems(o) {
                        self.pod_violation(&format!("securityContext.seLinuxOptions.{f}"), m);
                    }
                }
                for c in &pod.containers {
                    if let Some(o) = c.security("seLinuxOptions") {
                        for (f, m) in problems(o) {
                            self.container_violation(c, &format!("securityContext.seLinuxOptions.{f}"), m);
                        }
                    }
                }
            }
            Check::ProcMount | Check::ProcMountRestricted => {
                // From v1.35 baseline allows any procMount in a user namespace; restricted never does.
                if self.check == Check::ProcMount && v.at_least(35) && self.host_users_false() {
                    return;
                }
                for c in &pod.containers {
                    let pm = text(c.security("procMount"));
                    if c.security("procMount").is_some() && pm != "Default" {
                        let m = format!("sets securityContext.procMount: {pm}; only Default is allowed");
                        self.container_violation(c, "securityContext.procMount", m);
                    }
                }
            }
            Check::SeccompProfileBaseline => {
                if !v.at_least(19) {
                    let valid =
                        |s: &str| s == "runtime/default" || s == "docker/default" || s.starts_with("localhost/");
                    if let Some(a) = self.annotation(SECCOMP_POD_ANNOTATION) {
                        let val = a.scalar_text().unwrap_or("");
                        if !valid(val) {
                            self.annotation_violation(
                                SECCOMP_POD_ANNOTATION,
                                format!("annotation {SECCOMP_POD_ANNOTATION}: {val} is a forbidden seccomp profile"),
                            );
                        }
                    }
                    for c in &pod.containers {
                        let key = format!("{SECCOMP_CONTAINER_ANNOTATION_PREFIX}{}", c.name);
                        if let Some(a) = self.annotation(&key) {
                            let val = a.scalar_text().unwrap_or("");
                            if !valid(val) {
                                self.annotation_violation(
                                    &key,
                                    format!("annotation {key}: {val} is a forbidden seccomp profile"),
                                );
                            }
                        }
                    }
                    return;
                }
                let bad = |n: &Node<'_>| {
                    !matches!(n.get("type").and_then(|t| t.scalar_text()), Some("RuntimeDefault" | "Localhost"))
                };
                if let Some(p) = pod.security("seccompProfile").filter(|p| bad(p)) {
                    let m = bad_type("seccompProfile", p, "RuntimeDefault, Localhost");
                    self.pod_violation("securityContext.seccompProfile.type", m);
                }
                for c in &pod.containers {
                    if let Some(p) = c.security("seccompProfile").filter(|p| bad(p)) {
                        let m = bad_type("seccompProfile", p, "RuntimeDefault, Localhost");
                        self.container_violation(c, "securityContext.seccompProfile.type", m);
                    }
                }
            }
            Check::Sysctls => {
                let list = pod.security("sysctls").map(|s| s.items()).unwrap_or_default();
                for (i, s) in list.iter().enumerate() {
                    let name = text(s.get("name"));
                    if !SYSCTLS.iter().any(|(n, since)| *n == name && v.at_least(*since)) {
                        self.out.push(Violation {
                            check: self.check,
                            span: field_span(s, "name").unwrap_or(s.span),
                            path: pod.field_path(&format!("securityContext.sysctls[{i}].name")),
                            container: None,
                            message: format!("sets forbidden sysctl {name}"),
                        });
                    }
                }
            }
            Check::WindowsHostProcess => {
                let rel = "securityContext.windowsOptions.hostProcess";
                if is_true(pod.security("windowsOptions.hostProcess")) {
                    self.pod_violation(rel, format!("must not set {rel}: true"));
                }
                for c in &pod.containers {
                    if is_true(c.security("windowsOptions.hostProcess")) {
                        self.container_violation(c, rel, format!("must not set {rel}: true"));
                    }
                }
            }
            Check::HostProbesAndHostLifecycle => {
                for c in &pod.containers {
                    let handlers =
                        ["livenessProbe", "readinessProbe", "startupProbe", "lifecycle.postStart", "lifecycle.preStop"];
                    for h in handlers {
                        for kind in ["httpGet", "tcpSocket"] {
                            let rel = format!("{h}.{kind}.host");
                            let host = text(c.get(&rel));
                            if !host.is_empty() {
                                self.container_violation(c, &rel, format!("must not set {rel} ({host})"));
                            }
                        }
                    }
                }
            }
            Check::RestrictedVolumes => {
                for (i, vol) in pod.spec.get("volumes").map(|v| v.items()).unwrap_or_default().iter().enumerate() {
                    let sources: Vec<&str> = vol
                        .entries()
                        .iter()
                        .filter(|(k, val)| k.text != "name" && !val.is_null())
                        .map(|(k, _)| k.text)
                        .collect();
                    // A volume without a source is defaulted to emptyDir by the API server.
                    let allowed = sources.is_empty()
                        || sources
                            .iter()
                            .any(|s| RESTRICTED_VOLUME_SOURCES.iter().any(|(a, since)| a == s && v.at_least(*since)));
                    if !allowed {
                        let ty = sources[0];
                        self.out.push(Violation {
                            check: self.check,
                            span: field_span(vol, ty).unwrap_or(vol.span),
                            path: pod.field_path(&format!("volumes[{i}].{ty}")),
                            container: None,
                            message: format!("volume '{}' uses restricted volume type {ty}", text(vol.get("name"))),
                        });
                    }
                }
            }
            Check::AllowPrivilegeEscalation => {
                // From v1.25 Windows pods are exempt: the API rejects the field for them.
                if v.at_least(25) && self.windows() {
                    return;
                }
                for c in &pod.containers {
                    if c.security("allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false) {
                        let m = "must set securityContext.allowPrivilegeEscalation: false".to_string();
                        self.container_violation(c, "securityContext.allowPrivilegeEscalation", m);
                    }
                }
            }
            Check::RunAsNonRoot => {
                if v.at_least(35) && self.host_users_false() {
                    return;
                }
                let rel = "securityContext.runAsNonRoot";
                let pod_true = match pod.security("runAsNonRoot") {
                    Some(n) if n.as_bool() == Some(true) => true,
                    Some(n) => {
                        self.pod_violation(rel, format!("must not set {rel}: {}", n.shown()));
                        false
                    }
                    None => false,
                };
                for c in &pod.containers {
                    match c.security("runAsNonRoot") {
                        Some(n) if n.as_bool() == Some(true) => {}
                        Some(n) => self.container_violation(c, rel, format!("must not set {rel}: {}", n.shown())),
                        None if !pod_true => self.container_violation(
                            c,
                            rel,
                            format!("must set {rel}: true (on the container or the pod)"),
                        ),
                        None => {}
                    }
                }
            }
            Check::RunAsUser => {
                if v.at_least(35) && self.host_users_false() {
                    return;
                }
                let rel = "securityContext.runAsUser";
                if pod.security("runAsUser").and_then(Node::as_i64) == Some(0) {
                    self.pod_violation(rel, format!("must not set {rel}: 0"));
                }
                for c in &pod.containers {
                    if c.security("runAsUser").and_then(Node::as_i64) == Some(0) {
                        self.container_violation(c, rel, format!("must not set {rel}: 0"));
                    }
                }
            }
            Check::SeccompProfileRestricted => {
                if v.at_least(25) && self.windows() {
                    return;
                }
                let rel = "securityContext.seccompProfile.type";
                let valid = |n: &Node<'_>| {
                    matches!(n.get("type").and_then(|t| t.scalar_text()), Some("RuntimeDefault" | "Localhost"))
                };
                let pod_set = match pod.security("seccompProfile") {
                    Some(p) if valid(p) => true,
                    Some(p) => {
                        self.pod_violation(rel, bad_type("seccompProfile", p, "RuntimeDefault, Localhost"));
                        false
                    }
                    None => false,
                };
                for c in &pod.containers {
                    match c.security("seccompProfile") {
                        Some(p) if valid(p) => {}
                        Some(p) => {
                            let m = bad_type("seccompProfile", p, "RuntimeDefault, Localhost");
                            self.container_violation(c, rel, m);
                        }
                        None if !pod_set => {
                            self.container_violation(c, rel, format!("must set {rel} (on the container or the pod)"))
                        }
                        None => {}
                    }
                }
            }
            Check::CapabilitiesRestricted => {
                if v.at_least(25) && self.windows() {
                    return;
                }
                for c in &pod.containers {
                    let drops_all = c
                        .security("capabilities.drop")
                        .is_some_and(|d| d.items().iter().any(|i| i.scalar_text() == Some("ALL")));
                    if !drops_all {
                        let m = "must drop all capabilities (securityContext.capabilities.drop: [ALL])".to_string();
                        self.container_violation(c, "securityContext.capabilities.drop", m);
                    }
                    let added = c.security("capabilities.add").map(|a| a.items()).unwrap_or_default();
                    let bad: Vec<&str> = added
                        .iter()
                        .map(|n| n.scalar_text().unwrap_or(""))
                        .filter(|c| *c != "NET_BIND_SERVICE")
                        .collect();
                    if !bad.is_empty() {
                        let m = format!("may add only NET_BIND_SERVICE, not {}", bad.join(", "));
                        self.container_violation(c, "securityContext.capabilities.add", m);
                    }
                }
            }
        }
    }
}
