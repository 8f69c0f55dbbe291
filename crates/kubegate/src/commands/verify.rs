//! `kubegate verify`: the policies' unit tests.

use crate::cli::{Packages, PolicyFiles};
use crate::exit::Exit;
use crate::run::{load_config, print_errors};
use kubegate_engine::InputError;
use std::io::Write;
use std::path::PathBuf;

/// `kubegate verify`: 2 when a policy cannot be read; else 1 when a test fails; else 0.
pub fn verify(out: &mut dyn Write, rego: &PolicyFiles, config: Option<PathBuf>) -> Exit {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let policies = if rego.policies.is_empty() {
        match load_config(config, &cwd, &[]) {
            Ok(c) => c.policies,
            Err(errors) => return print_errors(out, &errors),
        }
    } else {
        rego.policies.clone()
    };
    if policies.is_empty() {
        let e = InputError::flag("-p", "no policies: name them with -p/--policy (or `policies` in kubegate.yaml)");
        return print_errors(out, &[e]);
    }
    match kubegate_rego::verify::verify(&rego.options(policies, &Packages::default(), false)) {
        Ok(tests) => {
            let failed: Vec<_> = tests.iter().filter(|t| t.failure.is_some()).collect();
            for t in &failed {
                let _ =
                    writeln!(out, "FAIL - {}:{} - {}: {}", t.file, t.line, t.name, t.failure.as_deref().unwrap_or(""));
            }
            let counts = kubegate_engine::PolicyCounts {
                tests: tests.len(),
                passed: tests.len() - failed.len(),
                failures: failed.len(),
                ..Default::default()
            };
            let _ = writeln!(out, "{}{}", if failed.is_empty() { "" } else { "\n" }, counts.line());
            Exit::failed_if(!failed.is_empty())
        }
        Err(errors) => print_errors(out, &errors),
    }
}
