//! Which environment a resource is bound for, first match wins:
//!
//! 1. `--env NAME`;
//! 2. the config's `environments.NAME.paths`;
//! 3. the config's `environments.NAME.namespaces`;
//! 4. the built-in path/namespace conventions;
//! 5. `default_environment`, else prod.
//!
//! A resource's own `environment` label never chooses its environment.

use super::Config;
use crate::environment::{Binding, Tier, conventional_tier};
use std::path::Path;

/// Chooses the environment of a resource from its file path and namespace.
pub fn bind(config: &Config, forced: Option<usize>, file: &str, namespace: Option<&str>) -> Binding {
    bind_at(config, forced, Some(file), namespace)
}

/// Chooses the environment of an object that has no file (an admission request's) from
/// its namespace: the config's `namespaces` globs, the conventions, the default.
pub fn bind_namespace(config: &Config, namespace: Option<&str>) -> Binding {
    bind_at(config, None, None, namespace)
}

fn bind_at(config: &Config, forced: Option<usize>, file: Option<&str>, namespace: Option<&str>) -> Binding {
    if let Some(env) = forced {
        return Binding { env, reason: "--env on the command line".into() };
    }
    let is_stdin = file.is_none_or(|f| f == "-" || f == "<stdin>");
    let file = file.unwrap_or("");
    let rel = config.relative_path(file);
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
