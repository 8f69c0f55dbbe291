//! One Dockerfile: parsed whole (a Dockerfile has no documents to recover between), bound
//! to an environment by its path as a manifest file is, and checked by the Dockerfile
//! rules and the exemption rules. The file stands as one resource in the outcome (kind
//! `Dockerfile`, named by its path), so exemptions, merging and every output format treat
//! it as they treat a manifest's resource.

use super::file::FileResult;
use super::{CheckOptions, Plan, Profile, ResourceInfo, Skipped, Source};
use crate::config::{Config, binding};
use crate::exemptions::{self, ExemptionRecord};
use crate::finding::{InputError, Level, ResourceId};
use crate::resources::Resource;
use crate::rules::{self, Check, Ctx};
use kubegate_yaml::{Data, Node, Pos, Span};
use std::sync::Arc;

/// The fields of the resource that stands for a Dockerfile: none.
static NO_FIELDS: Node<'static> =
    Node { span: Span { start: Pos { line: 1, col: 1 }, end: Pos { line: 1, col: 1 } }, data: Data::Map(&[]) };

pub(super) fn check(
    fi: usize,
    src: &Source,
    config: &Config,
    forced: Option<usize>,
    opts: &CheckOptions,
    plan: &Plan,
) -> FileResult {
    let skip =
        |why: String| FileResult { skipped: Some(Skipped { file: src.path.clone(), why }), ..FileResult::default() };
    if let Profile::Pss(..) = opts.profile {
        return skip("a Dockerfile: the Pod Security Standards judge pods".into());
    }
    if opts.policies_only {
        return skip("a Dockerfile: Rego policies read manifests (add --builtin for the Dockerfile rules)".into());
    }
    let dockerfile = match kubegate_dockerfile::parse(&src.text) {
        Ok(d) => d,
        Err(e) => {
            let message = format!("cannot parse Dockerfile: {}", e.message);
            return FileResult {
                errors: vec![InputError::new(&src.path, e.pos.line, e.pos.col, message)],
                ..FileResult::default()
            };
        }
    };
    let shown: Arc<str> = src.path.as_str().into();
    let b = binding::bind(config, forced, &src.path, None);
    let env = &config.environments[b.env].env;
    let id = Arc::new(ResourceId {
        api_version: String::new(),
        kind: "Dockerfile".into(),
        namespace: None,
        name: Some(src.path.clone()),
    });
    let mut out = FileResult::default();
    out.resources.push(ResourceInfo {
        file: shown.clone(),
        line: dockerfile.first_line(),
        id: id.clone(),
        environment: env.name.clone(),
        environment_reason: b.reason.clone(),
        source: None,
        related: None,
    });
    if opts.bind_only {
        return out;
    }
    let subject = std::cell::OnceCell::new();
    let _ = subject.set(format!("{} Dockerfile '{}'", env.display, src.path));
    let res = Resource {
        index: 0,
        file: fi,
        root: &NO_FIELDS,
        api_version: "",
        kind: "Dockerfile",
        name: Some(&src.path),
        namespace: None,
        labels: None,
        annotations: None,
        pod: None,
        binding: b,
        id,
        duplicates: Vec::new(),
        subject,
    };
    let assessed = exemptions::for_dockerfile(&dockerfile.comments, &shown, fi, env, config, plan.today);
    let mut deferred = Vec::new();
    for (ri, rule) in rules::ALL.iter().enumerate() {
        let (level, params) = &plan.levels[ri][res.binding.env];
        if *level == Level::Off {
            continue;
        }
        let mut ctx = Ctx {
            rule,
            settings: &plan.settings,
            res: &res,
            env,
            level: *level,
            file_name: &shown,
            today: plan.today,
            exemptions: &assessed,
            params,
            out: &mut out.findings,
            deferred: &mut deferred,
        };
        match rule.check {
            Check::Dockerfile(check) => check(&mut ctx, &dockerfile),
            // The exemption rules report on the directives as on annotations.
            Check::Resource(check) if rules::reports_on_exemptions(rule.id) => check(&mut ctx),
            _ => {}
        }
    }
    for a in &assessed {
        out.exemptions.push(ExemptionRecord::new(a, Some((0, res.id(), env.name.clone()))));
    }
    out
}
