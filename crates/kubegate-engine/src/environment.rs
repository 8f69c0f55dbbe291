//! Which environment a resource is bound for, first match wins:
//!
//! 1. `--env NAME`;
//! 2. the config's `environments.NAME.paths`;
//! 3. the config's `environments.NAME.namespaces`;
//! 4. the built-in path/namespace conventions;
//! 5. `default_environment`, else prod.
//!
//! A resource's own `environment` label never chooses its environment.

use crate::config::Config;
use std::path::Path;

/// The three tiers of the policy matrix; every environment takes its levels from one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Dev,
    Staging,
    Prod,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Dev, Tier::Staging, Tier::Prod];

    pub fn name(self) -> &'static str {
        match self {
            Tier::Dev => "dev",
            Tier::Staging => "staging",
            Tier::Prod => "prod",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Tier::Dev => "Development",
            Tier::Staging => "Staging",
            Tier::Prod => "Production",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// An environment: its name (`prod`, or a configured `qa`), the tier whose levels it uses,
/// and the word messages use for it (`Production`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// Shared by every finding and resource record bound for this environment.
    pub name: std::sync::Arc<str>,
    pub tier: Tier,
    pub display: String,
}

/// The environment chosen for a resource and the reason, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// Index into [`Config::environments`].
    pub env: usize,
    pub reason: std::sync::Arc<str>,
}

/// Built-in conventions: a path segment or namespace suffix names the tier.
pub fn conventional_tier(word: &str) -> Option<Tier> {
    match word {
        "prod" | "production" | "prd" => Some(Tier::Prod),
        "staging" | "stage" | "stg" => Some(Tier::Staging),
        "dev" | "development" => Some(Tier::Dev),
        _ => None,
    }
}

/// Chooses the environment of a resource from its file path and namespace.
pub fn bind(config: &Config, forced: Option<usize>, file: &str, namespace: Option<&str>) -> Binding {
    if let Some(env) = forced {
        return Binding { env, reason: "--env on the command line".into() };
    }
    let rel = config.relative_path(file);
    let is_stdin = file == "-" || file == "<stdin>";
    if !is_stdin {
        for (i, env) in config.environments.iter().enumerate() {
            // A rendered overlay is named by its folder: `k8s/overlays/staging/**` covers
            // it as it covers the files below it.
            if let Some(glob) = env.paths.first_match(&rel).or_else(|| env.paths.first_match(&format!("{rel}/"))) {
                return Binding {
                    env: i,
                    reason: format!("path matches `{glob}` in {}", config.display_path()).into(),
                };
            }
        }
    }
    if let Some(ns) = namespace {
        for (i, env) in config.environments.iter().enumerate() {
            if let Some(glob) = env.namespaces.first_match(ns) {
                return Binding {
                    env: i,
                    reason: format!("namespace `{ns}` matches `{glob}` in {}", config.display_path()).into(),
                };
            }
        }
    }
    if !is_stdin && let Some(below) = config.project_relative(file) {
        // Folders and the file's stem below the project root; when they name different
        // tiers the strictest wins, so no file or sub-folder picks a lenient tier for
        // itself inside a production tree (`prod/dev.yaml` is prod).
        let path = Path::new(&below);
        let stem = path.file_stem().and_then(|s| s.to_str());
        let dirs = path.parent().into_iter().flat_map(|p| p.components()).filter_map(|c| c.as_os_str().to_str());
        let named: Vec<(&str, Tier)> =
            dirs.chain(stem).filter_map(|seg| conventional_tier(seg).map(|t| (seg, t))).collect();
        if let Some(&(seg, tier)) = named.iter().max_by_key(|(_, t)| *t) {
            let others: Vec<String> = named.iter().filter(|(s, _)| *s != seg).map(|(s, _)| format!("`{s}`")).collect();
            let reason = if others.is_empty() {
                format!("path segment `{seg}` in {file}")
            } else {
                format!("path segment `{seg}` in {file} (also {}; the strictest wins)", others.join(", "))
            };
            return Binding { env: config.tier_env(tier), reason: reason.into() };
        }
    }
    if let Some(ns) = namespace {
        let last = ns.rsplit('-').next().unwrap_or(ns);
        if let Some(tier) = conventional_tier(last) {
            return Binding { env: config.tier_env(tier), reason: format!("namespace `{ns}` ends in `{last}`").into() };
        }
    }
    match config.default_environment {
        Some(env) => Binding {
            env,
            reason: format!("no path or namespace matched; default_environment in {}", config.display_path()).into(),
        },
        None => Binding {
            env: config.tier_env(Tier::Prod),
            reason: "no path or namespace matched; prod is the strict default".into(),
        },
    }
}
