//! `kubegate env`: which environment each resource is bound for, and why.

use crate::cli::ListOutput;
use crate::exit::Exit;
use crate::run::{Run, check};
use kubegate_engine::CheckOptions;
use std::io::Write;
use std::path::PathBuf;

/// 2 when anything could not be read; else 0.
pub fn env(
    out: &mut dyn Write,
    paths: Vec<String>,
    output: ListOutput,
    config: Option<PathBuf>,
    kustomize_bin: Option<PathBuf>,
) -> Exit {
    let opts = CheckOptions { bind_only: true, ..CheckOptions::default() };
    let (outcome, failed) =
        match check(Run { paths, opts, config, kustomize_bin, policy: None, choice: Default::default() }) {
            Ok(c) => (c.outcome, false),
            Err(outcome) if crate::run::usage_error(&outcome.errors) => return Exit::Error,
            Err(outcome) => (*outcome, true),
        };
    let _ = match output {
        ListOutput::Table => kubegate_report::environments::table(&outcome, crate::terminal_width(), out),
        ListOutput::Json => kubegate_report::environments::json(&outcome, out),
    };
    if failed || !outcome.errors.is_empty() { Exit::Error } else { Exit::Pass }
}
