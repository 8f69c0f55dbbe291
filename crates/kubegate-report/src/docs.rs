//! Documentation generated from the rule declarations: `docs/rules/<id>.md`, the rule
//! table in the README and `docs/rules/README.md`, and `kubegate explain`.

use kubegate_engine::environment::Tier;
use kubegate_engine::rules::{ALL, Repair, RepairValue, Rule, Safety};

fn levels_cell(rule: &Rule, tier: Tier) -> &'static str {
    rule.levels[tier.index()].as_str()
}

/// The Markdown page of one rule.
pub fn rule_page(rule: &Rule) -> String {
    let mut s = format!("# {}\n\n{}\n\n", rule.id, rule.summary);
    s.push_str("| dev | staging | prod |\n|---|---|---|\n");
    s.push_str(&format!(
        "| {} | {} | {} |\n\n",
        levels_cell(rule, Tier::Dev),
        levels_cell(rule, Tier::Staging),
        levels_cell(rule, Tier::Prod)
    ));
    s.push_str(&format!("## What it checks\n\n{}\n\n", rule.doc.what));
    s.push_str(&format!("## Why\n\n{}\n\n", rule.doc.why));
    let fence = if rule.check.reads_dockerfiles() { "dockerfile" } else { "yaml" };
    s.push_str(&format!("## Example\n\nReported:\n\n```{fence}\n{}```\n\n", rule.doc.example));
    s.push_str(&format!("## Fix\n\n{}\n\n{}\n\n", rule.doc.fix, repair_line(rule)));
    if !rule.params.is_empty() {
        s.push_str("## Parameters\n\nSet in `kubegate.yaml` under `rules.");
        s.push_str(rule.id);
        s.push_str("`.\n\n| name | default | meaning |\n|---|---|---|\n");
        for p in rule.params {
            s.push_str(&format!("| `{}` | {} | {} |\n", p.name, p.default, p.doc));
        }
        s.push('\n');
    }
    s.push_str(&format!("## References\n\n{}\n", rule.doc.references));
    s
}

/// What `kubegate fix` does for the rule's findings.
fn repair_line(rule: &Rule) -> String {
    let when = |safety: Safety| match safety {
        Safety::Safe => "by default".to_string(),
        Safety::Unsafe(why) => format!("with `--unsafe-fixes` only ({why})"),
        Safety::UnsafeAt { key, why } => {
            format!("by default, but `{key}` with `--unsafe-fixes` only ({why})")
        }
    };
    match rule.repair {
        Repair::Manual => "`kubegate fix` lists these findings and writes nothing: the value needs a person.".into(),
        Repair::Pin => "`kubegate pin` looks the image's tag up in its registry and writes the digest beside the \
            tag (`app:1.4@sha256:…`), by default; `kubegate fix` leaves it."
            .into(),
        Repair::Set { value, safety, only_missing } => {
            let value = match value {
                RepairValue::Text(t) => format!("`{t}`"),
                RepairValue::Environment => "the name of the environment the resource is bound for".into(),
                RepairValue::SizeLimit => format!(
                    "the configured size (`fix.empty_dir_size_limit` in kubegate.yaml, default `{}`)",
                    kubegate_engine::rules::DEFAULT_SIZE_LIMIT
                ),
                RepairValue::RunAsUser => format!(
                    "the configured user (`fix.run_as_user` in kubegate.yaml, default `{}`)",
                    kubegate_engine::rules::DEFAULT_RUN_AS_USER
                ),
            };
            let missing = if only_missing { ", only where the field is missing" } else { "" };
            format!("`kubegate fix` sets the reported field to {value}{missing}, {}.", when(safety))
        }
        Repair::SetAndMountScratch { value, mount, safety } => format!(
            "`kubegate fix` sets the reported field to `{value}` and mounts an `emptyDir` of the configured size \
            (`fix.empty_dir_size_limit`, default `{}`) at `{mount}` in the container, unless something is mounted \
            there, {}.",
            kubegate_engine::rules::DEFAULT_SIZE_LIMIT,
            when(safety)
        ),
        Repair::Prepend { item, safety } => {
            format!(
                "`kubegate fix` puts `{item}` first in the reported list (a missing list becomes `[{item}]`), {}.",
                when(safety)
            )
        }
    }
}

/// The rule table (Markdown), with links relative to `link_prefix`.
pub fn rule_table(link_prefix: &str) -> String {
    rules_table(ALL.iter().copied(), link_prefix)
}

/// The table of the rules that read Dockerfiles (for `docs/dockerfiles.md`).
pub fn dockerfile_rule_table(link_prefix: &str) -> String {
    rules_table(ALL.iter().copied().filter(|r| r.check.reads_dockerfiles()), link_prefix)
}

fn rules_table<'r>(rules: impl Iterator<Item = &'r kubegate_engine::rules::Rule>, link_prefix: &str) -> String {
    let mut s = String::from("| rule | checks | dev | staging | prod |\n|---|---|---|---|---|\n");
    for r in rules {
        s.push_str(&format!(
            "| [`{id}`]({link_prefix}{id}.md) | {} | {} | {} | {} |\n",
            r.summary.replace('|', "\\|"),
            levels_cell(r, Tier::Dev),
            levels_cell(r, Tier::Staging),
            levels_cell(r, Tier::Prod),
            id = r.id,
        ));
    }
    s
}

/// `docs/rules/README.md`
pub fn rules_index() -> String {
    format!(
        "# Rules\n\nGenerated from the rule declarations in `crates/kubegate-engine/src/rules/`; do not edit by hand \
         (run `KUBEGATE_BLESS=1 cargo test -p kubegate --test it generated`).\n\n\
         Levels: `deny` fails the run, `warn` is reported (fails only with `--fail-on-warn`), `off` does not run. \
         Override them per environment in `kubegate.yaml`.\n\n{}",
        rule_table("")
    )
}

/// Every generated file: (path relative to the repository root, contents).
pub fn generated_files() -> Vec<(String, String)> {
    let mut files = vec![("docs/rules/README.md".to_string(), rules_index())];
    for r in ALL {
        files.push((format!("docs/rules/{}.md", r.id), rule_page(r)));
    }
    files.push(("docs/kubegate.schema.json".to_string(), schema_json()));
    files
}

/// The checklist of `kubegate report` as a Markdown table (item, what kubegate looks at,
/// the rules behind it, linked under `rules_dir`), generated from
/// [`kubegate_engine::checklist::ITEMS`] for `docs/report.md`.
pub fn checklist_table(rules_dir: &str) -> String {
    use kubegate_engine::checklist::{Basis, ITEMS};
    let mut s = String::from("| item | what kubegate looks at | rules | else |\n|---|---|---|---|\n");
    for item in ITEMS {
        let rules = if item.rules.is_empty() {
            "none".to_string()
        } else {
            item.rules.iter().map(|r| format!("[`{r}`]({rules_dir}{r}.md)")).collect::<Vec<_>>().join(", ")
        };
        let otherwise = match item.basis {
            Basis::Containers => "not applicable to a pod spec without containers",
            Basis::Workload => "—",
            Basis::Namespace => "to be confirmed by a person when the Namespace is not among the inputs",
            Basis::Outside { monitors: true } => {
                "a selecting ServiceMonitor or PodMonitor passes it; declared evidence (`report.evidence.monitoring`); else to be confirmed by a person"
            }
            Basis::Outside { monitors: false } => {
                "declared evidence (`report.evidence.vulnerability-scanning`); else to be confirmed by a person"
            }
        };
        s.push_str(&format!("| {} (`{}`) | {} | {rules} | {otherwise} |\n", item.title, item.id, item.checks));
    }
    s
}

/// docs/report.md's table of what a checklist cell can say, from the states' declaration.
pub fn states_table() -> String {
    use crate::checklist::State;
    let mut s = String::from("| cell | meaning |\n|---|---|\n");
    for st in State::ALL {
        s.push_str(&format!("| {} | {} |\n", st.words("ENV"), st.explained()));
    }
    s
}

/// The JSON Schema of `kubegate.yaml`, as published (`kubegate schema`).
pub fn schema_json() -> String {
    serde_json::to_string_pretty(&kubegate_engine::config::json_schema()).expect("schema serialises") + "\n"
}

/// `kubegate rules`: one line per rule with its level in each environment of the config
/// (dev, staging, prod, then the configured ones), as the config sets it.
pub fn rules_text(config: &kubegate_engine::Config) -> String {
    let envs = config.env_names();
    let width = ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
    // A column is as wide as its name, and at least as wide as the longest level (`warn`).
    let widths: Vec<usize> = envs.iter().map(|e| e.chars().count().max(5)).collect();
    let mut s = format!("{:width$}", "RULE");
    for (e, w) in envs.iter().zip(&widths) {
        s.push_str(&format!("  {:w$}", e.to_uppercase()));
    }
    s.push_str("  SUMMARY\n");
    for r in ALL {
        s.push_str(&format!("{:width$}", r.id));
        for (e, w) in widths.iter().enumerate() {
            s.push_str(&format!("  {:w$}", config.level(r, e).as_str()));
        }
        s.push_str(&format!("  {}\n", r.summary.replace('`', "")));
    }
    if config.file.is_some() {
        s.push_str(&format!("\nLevels as {} sets them.\n", config.display_path()));
    }
    s
}

/// `kubegate rules -o json`: `[{"id", "summary", "levels": {ENVIRONMENT: LEVEL, …}}]`, every
/// environment of the config, levels as it sets them.
pub fn rules_json(config: &kubegate_engine::Config) -> String {
    let envs = config.env_names();
    let rules: Vec<serde_json::Value> = ALL
        .iter()
        .map(|r| {
            let levels: serde_json::Map<String, serde_json::Value> = envs
                .iter()
                .enumerate()
                .map(|(e, name)| (name.to_string(), config.level(r, e).as_str().into()))
                .collect();
            serde_json::json!({"id": r.id, "summary": r.summary, "levels": levels})
        })
        .collect();
    serde_json::to_string_pretty(&rules).expect("rules serialise") + "\n"
}
