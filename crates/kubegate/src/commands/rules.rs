//! `kubegate rules`, `kubegate explain` and `kubegate schema`: what the rule declarations
//! say, as a listing, one rule's page, and the config's JSON Schema.

use crate::cli::RulesOutput;
use crate::exit::Exit;
use kubegate_engine::rules;
use std::io::Write;

/// The rules with their levels as the config sets them; 2 when the config cannot be read.
pub fn list(out: &mut dyn Write, output: RulesOutput, config: Option<std::path::PathBuf>) -> Exit {
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let config = match crate::run::load_config(config, &cwd, &[]) {
        Ok(c) => c,
        Err(errors) => return crate::run::print_errors(out, &errors),
    };
    let listing = match output {
        RulesOutput::Json => kubegate_report::docs::rules_json(&config),
        RulesOutput::Table => kubegate_report::docs::rules_text(&config),
    };
    let _ = out.write_all(listing.as_bytes());
    Exit::Pass
}

/// 2 for a rule that does not exist (with the ids it may have meant).
pub fn explain(out: &mut dyn Write, rule: &str) -> Exit {
    match rules::find(rule) {
        Some(r) => {
            let _ = out.write_all(kubegate_report::docs::rule_page(r).as_bytes());
            Exit::Pass
        }
        None => {
            let hint = kubegate_engine::suggest::did_you_mean(rule, rules::ALL.iter().map(|r| r.id));
            eprintln!("error: unknown rule `{rule}`{hint}; `kubegate rules` lists them");
            Exit::Error
        }
    }
}

pub fn schema(out: &mut dyn Write) -> Exit {
    let _ = out.write_all(kubegate_report::docs::schema_json().as_bytes());
    Exit::Pass
}
