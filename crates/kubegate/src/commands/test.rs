//! `kubegate test`: check manifests and report.

use crate::cli::Output;
use crate::exit::Exit;
use crate::run::{Checked, Run, check, exit_code, render};
use kubegate_inputs as inputs;
use std::collections::HashMap;
use std::io::Write;

/// Checks and renders: 2 when anything could not be read; else 1 when something is
/// denied (or warned, with `--fail-on-warn`); else 0.
pub fn test(out: &mut dyn Write, run: Run, output: Output, fail_on_warn: bool, color: bool) -> Exit {
    let Checked { config, inputs, outcome } = match check(run) {
        Ok(c) => c,
        Err(outcome) => {
            let _ = render(&outcome, &|_: &str| None, output, color, out);
            return Exit::Error;
        }
    };
    // A closed pipe (`kubegate test | head`) must not turn into a panic or change the verdict.
    // The pretty output quotes source lines: it reads again the files it quotes, one at a
    // time, and the config file for findings about central exemptions.
    let by_name: HashMap<&str, &inputs::Input> = inputs.iter().map(|i| (i.shown(), i)).collect();
    let config_name = config.display_path();
    let source = |name: &str| match by_name.get(name) {
        Some(i) => i.load().ok().map(|s| s.into_owned().text),
        None if name == config_name => config.file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()),
        // A source file a kustomization was traced to.
        None => std::fs::read_to_string(name).ok(),
    };
    let _ = render(&outcome, &source, output, color, out);
    exit_code(&outcome, fail_on_warn)
}
