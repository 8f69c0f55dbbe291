//! The report stage: one [`Finding`](kubegate_engine::Finding) type, many renderers.
//! Renderers never decide anything; they only show what the engine found.

pub mod docs;
mod json;
mod pretty;
mod table;

pub use json::render as json;
pub use pretty::render as pretty;
pub use table::render as table;

use kubegate_engine::{Level, Outcome};
use std::collections::BTreeMap;

/// `3 files, 12 resources (prod 8, staging 4): 5 denials, 3 warnings, 0 errors`
pub fn summary_line(outcome: &Outcome) -> String {
    let mut envs: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &outcome.resources {
        *envs.entry(&*r.environment).or_default() += 1;
    }
    let envs: Vec<String> = envs.iter().map(|(e, n)| format!("{e} {n}")).collect();
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}{}: {}, {}, {}",
        plural(outcome.files, "file", "files"),
        plural(outcome.resources.len(), "resource", "resources"),
        if envs.is_empty() { String::new() } else { format!(" ({})", envs.join(", ")) },
        plural(outcome.count(Level::Deny), "denial", "denials"),
        plural(outcome.count(Level::Warn), "warning", "warnings"),
        plural(outcome.errors.len(), "error", "errors"),
    )
}
