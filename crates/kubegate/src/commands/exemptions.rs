//! `kubegate exemptions`: every exemption with its state.

use crate::cli::ListOutput;
use crate::exit::Exit;
use crate::run::{Run, check};
use kubegate_engine::CheckOptions;
use kubegate_engine::exemptions::State;
use std::io::Write;
use std::path::PathBuf;

/// `kubegate exemptions`: 2 when anything could not be read; else 1 when an exemption is
/// expired or invalid; else 0.
pub fn exemptions(
    out: &mut dyn Write,
    paths: Vec<String>,
    opts: CheckOptions,
    output: ListOutput,
    config: Option<PathBuf>,
) -> Exit {
    let outcome =
        match check(Run { paths, opts, config, kustomize_bin: None, policy: None, choice: Default::default() }) {
            Ok(c) => c.outcome,
            Err(outcome) if crate::run::usage_error(&outcome.errors) => return Exit::Error,
            Err(outcome) => *outcome,
        };
    let _ = match output {
        ListOutput::Table => kubegate_report::exemptions::table(&outcome, crate::terminal_width(), out),
        ListOutput::Json => kubegate_report::exemptions::json(&outcome, out),
    };
    if !outcome.errors.is_empty() {
        Exit::Error
    } else {
        Exit::failed_if(outcome.exemptions.iter().any(|e| matches!(e.state, State::Expired | State::Invalid)))
    }
}
