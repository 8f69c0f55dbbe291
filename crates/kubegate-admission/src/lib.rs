//! The admission stage: an `AdmissionReview` request judged by the engine `kubegate test`
//! runs, with the same config (rules, levels per environment, exemptions) and Rego
//! policies, and answered as the API server expects.
//!
//! - The environment comes from the request's namespace (the config's `namespaces`
//!   globs, then the conventions, then the default), and the decision says which and why.
//! - Deny-level findings deny (403, one line per finding in the message); warn-level and
//!   exempted findings become warnings, shaped so the API server drops none
//!   ([`warnings`]). In audit mode everything is allowed and what would have been
//!   denied is a warning too.
//! - DELETE and CONNECT are allowed unjudged; UPDATE judges the new object; dry runs are
//!   judged like others. A Pod or ReplicaSet with a controller owner is not judged again:
//!   its template was judged when its owner was admitted.
//! - Rules that need other resources (a PodDisruptionBudget, a NetworkPolicy, an HPA, a
//!   ServiceAccount) cannot be answered from one object and are skipped.

pub mod review;
pub mod warnings;

use kubegate_engine::config::binding::bind_namespace;
use kubegate_engine::{CheckOptions, Config, Date, Finding, Level, Policies, check_tree};
use review::{BadRequest, Operation, Verdict};
use serde_json::json;
use std::sync::Arc;

/// What is done with findings that would deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Deny-level findings deny the request.
    Enforce,
    /// Everything is allowed; what would have been denied is a warning and logged.
    Audit,
}

/// Everything a decision needs, loaded once.
pub struct Gate {
    pub config: Config,
    pub policies: Option<Arc<dyn Policies>>,
    /// Only the policies run (`-p` without `--builtin`), as in `kubegate test`.
    pub policies_only: bool,
    pub mode: Mode,
    /// The date exemptions are judged on (default: today).
    pub today: Option<Date>,
}

/// A decision on one request.
#[derive(Debug)]
pub struct Decision {
    /// The AdmissionReview response (HTTP 200), or `None` when the request could not be
    /// judged ([`Decision::error`]: HTTP 500, so the webhook's failure policy decides).
    pub response: Option<Vec<u8>>,
    pub allowed: bool,
    /// `allowed`, `denied`, `audit` (allowed in audit mode, would have been denied),
    /// `skipped` (not judged, and why in `log`), or `error`.
    pub outcome: &'static str,
    pub environment: Option<String>,
    /// Rule and level of every finding (exempted ones included), for the metrics.
    pub findings: Vec<(String, Level)>,
    pub error: Option<String>,
    /// The fields of the decision's log line.
    pub log: serde_json::Map<String, serde_json::Value>,
}

/// Judges one AdmissionReview request body. A body that is not one is a [`BadRequest`].
pub fn decide(gate: &Gate, body: &[u8]) -> Result<Decision, BadRequest> {
    let req = review::decode(body)?;
    let mut log = serde_json::Map::new();
    log.insert("uid".into(), req.uid.clone().into());
    log.insert("operation".into(), req.operation.as_str().into());
    log.insert("kind".into(), req.kind.kind.clone().into());
    log.insert("namespace".into(), req.namespace.clone().map_or(serde_json::Value::Null, Into::into));
    log.insert("name".into(), req.name.clone().into());
    log.insert("dry_run".into(), req.dry_run.into());
    let allow = |why: String, mut log: serde_json::Map<String, serde_json::Value>| {
        log.insert("decision".into(), "skipped".into());
        log.insert("why".into(), why.into());
        let verdict = Verdict { allowed: true, denial: None, warnings: Vec::new(), annotations: Vec::new() };
        Ok(Decision {
            response: Some(review::encode(&req.uid, &verdict)),
            allowed: true,
            outcome: "skipped",
            environment: None,
            findings: Vec::new(),
            error: None,
            log,
        })
    };
    let Some(object) = req.object.filter(|_| matches!(req.operation, Operation::Create | Operation::Update)) else {
        return allow(format!("{} is allowed without judging", req.operation.as_str()), log);
    };
    // The object read straight into the engine's tree (no YAML scanning of JSON).
    let arena = kubegate_yaml::Bump::new();
    let root = kubegate_yaml::from_json(object, &arena)
        .map_err(|e| BadRequest(format!("`request.object` cannot be read: {e}")))?;
    let kind = req.kind.kind.as_str();
    let text = |n: &kubegate_yaml::Node<'_>, key: &str| n.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let owners = root.path("metadata.ownerReferences").map(|o| o.items()).unwrap_or_default();
    let controller = owners.iter().find(|o| o.get("controller").is_some_and(|c| c.as_bool() == Some(true)));
    if matches!(kind, "Pod" | "ReplicaSet")
        && let Some(owner) = controller
    {
        let why = format!(
            "a {kind} controlled by {} {} is judged through its owner's template",
            text(owner, "kind").as_deref().unwrap_or("an owner"),
            text(owner, "name").unwrap_or_default()
        );
        return allow(why, log);
    }
    // The environment: by the request's namespace (a Namespace by its own name).
    let namespace = if kind == "Namespace" {
        Some(req.name.clone()).filter(|n| !n.is_empty())
    } else {
        req.namespace.clone().or_else(|| root.path("metadata.namespace").and_then(|n| n.as_str()).map(str::to_string))
    };
    let binding = bind_namespace(&gate.config, namespace.as_deref());
    let env = &gate.config.environments[binding.env].env;
    log.insert("environment".into(), env.name.to_string().into());
    log.insert("environment_reason".into(), binding.reason.to_string().into());
    let opts = CheckOptions {
        env: Some(env.name.to_string()),
        today: gate.today,
        policies: gate.policies.clone(),
        policies_only: gate.policies_only,
        alone: true,
        ..CheckOptions::default()
    };
    let shown = format!("{kind} {}/{}", namespace.as_deref().unwrap_or(""), req.name);
    let outcome = check_tree(&root, &shown, &gate.config, &opts);
    let findings: Vec<(String, Level)> = outcome.findings.iter().map(|f| (f.rule.to_string(), f.level)).collect();
    if !outcome.errors.is_empty() {
        let error = outcome.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ");
        log.insert("decision".into(), "error".into());
        log.insert("error".into(), error.clone().into());
        return Ok(Decision {
            response: None,
            allowed: false,
            outcome: "error",
            environment: Some(env.name.to_string()),
            findings,
            error: Some(error),
            log,
        });
    }
    let display = env.display.to_string();
    let denied: Vec<&Finding> =
        outcome.findings.iter().filter(|f| f.level == Level::Deny && f.exemption.is_none()).collect();
    let warned = outcome.findings.iter().filter(|f| f.level == Level::Warn && f.exemption.is_none());
    let exempted = outcome.findings.iter().filter(|f| f.exemption.is_some());
    let (allowed, decision) = match (gate.mode, denied.is_empty()) {
        (_, true) => (true, "allowed"),
        (Mode::Enforce, false) => (false, "denied"),
        (Mode::Audit, false) => (true, "audit"),
    };
    let mut lines: Vec<String> = Vec::new();
    if gate.mode == Mode::Audit {
        lines.extend(denied.iter().map(|f| warning(f, &display, Some("audit, would deny"))));
    }
    lines.extend(warned.map(|f| warning(f, &display, None)));
    lines.extend(exempted.map(|f| {
        let e = f.exemption.as_deref();
        let until =
            e.and_then(|e| e.expires.as_deref()).map_or("exempted".to_string(), |d| format!("exempted until {d}"));
        warning(f, &display, Some(&until))
    }));
    let denial = (!allowed).then(|| denied.iter().map(|f| format!("[{}] {}", f.rule, f.message)).collect::<Vec<_>>());
    let mut rules: Vec<serde_json::Value> = Vec::new();
    for f in &denied {
        let rule = serde_json::Value::from(f.rule.to_string());
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    log.insert("decision".into(), decision.into());
    log.insert("rules".into(), rules.into());
    let verdict = Verdict {
        allowed,
        denial: denial.map(|d| d.join("\n")),
        warnings: warnings::shape(lines),
        annotations: vec![("environment".into(), env.name.to_string())],
    };
    log.insert("warnings".into(), verdict.warnings.len().into());
    Ok(Decision {
        response: Some(review::encode(&req.uid, &verdict)),
        allowed,
        outcome: decision,
        environment: Some(env.name.to_string()),
        findings,
        error: None,
        log,
    })
}

/// `[rule] kind/name/container: what` — the finding's message without the subject the
/// resource and container already name.
fn warning(f: &Finding, env_display: &str, note: Option<&str>) -> String {
    let kind = f.resource.kind.to_ascii_lowercase();
    let name = f.resource.name.as_deref().unwrap_or("<unnamed>");
    let subject = format!("{env_display} {kind} '{name}'");
    let mut rest = f.message.strip_prefix(&subject).map_or(f.message.as_str(), str::trim_start);
    let mut resource = format!("{kind}/{name}");
    if let Some(c) = &f.container {
        resource.push('/');
        resource.push_str(c);
        if let Some(r) = rest.strip_prefix(&format!("container '{c}'")) {
            rest = r.trim_start();
        }
    }
    match note {
        Some(n) => format!("[{}] {resource}: {n}: {rest}", f.rule),
        None => format!("[{}] {resource}: {rest}", f.rule),
    }
}

/// The decision's log line: one JSON object, its fields in a stable order.
pub fn log_line(decision: &Decision, duration: std::time::Duration) -> String {
    let mut log = decision.log.clone();
    log.insert("allowed".into(), decision.allowed.into());
    log.insert("duration_ms".into(), json!((duration.as_secs_f64() * 1e6).round() / 1e3));
    serde_json::to_string(&log).unwrap_or_default()
}

#[cfg(test)]
mod tests;
