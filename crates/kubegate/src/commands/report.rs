//! `kubegate report`: the production readiness checklist for every workload of the
//! inputs, as evidence (HTML or Markdown). A report documents; it does not gate: `test`
//! is the gate.

use crate::cli::ReportOutput;
use crate::exit::Exit;
use crate::run::{Checked, Run, check, print_errors};
use kubegate_engine::InputError;
use kubegate_engine::config::Config;
use std::io::Write;

/// Checks the inputs with the built-in rules and writes the checklist: 0 when it is
/// written, whatever it says; 2 when an input or the config could not be read (the page
/// is still written when only inputs failed, and says which), or declared evidence names
/// a file that does not exist.
pub fn report(out: &mut dyn Write, run: Run, output: ReportOutput) -> Exit {
    let Checked { config, outcome: mut o, .. } = match check(run) {
        Ok(c) => c,
        Err(outcome) => {
            // Without the config there is no policy to report on: nothing is written.
            return print_errors(&mut std::io::stderr(), &outcome.errors);
        }
    };
    o.errors.extend(missing_evidence(&config));
    let checklist = kubegate_report::checklist::judge(&o, &config);
    let _ = match output {
        ReportOutput::Html => kubegate_report::checklist::html(&checklist, out),
        ReportOutput::Markdown => kubegate_report::checklist::markdown(&checklist, out),
    };
    if o.errors.is_empty() { Exit::Pass } else { Exit::Error }
}

/// Declared evidence that is a path (not a URL) must exist, relative to the config
/// file's folder: a report must not point an auditor at nothing.
fn missing_evidence(config: &Config) -> Vec<InputError> {
    let base = config.base_dir.clone().unwrap_or_default();
    config
        .report
        .evidence
        .iter()
        .filter(|e| !e.is_url() && !base.join(&e.evidence).exists())
        .map(|e| {
            InputError::new(
                config.display_path(),
                e.line,
                e.column,
                format!(
                    "report.evidence.{}: `{}` does not exist (a path is relative to the config file's folder; or give an http(s) URL)",
                    e.item, e.evidence
                ),
            )
        })
        .collect()
}
