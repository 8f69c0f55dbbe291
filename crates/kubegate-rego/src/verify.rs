//! `kubegate verify`: the policies' unit tests, as `opa test` and `conftest verify` run
//! them. Every rule named `test_…` (in `_test.rego` files or anywhere else) is a test: it
//! passes when it evaluates to `true`, and fails when it is false, undefined, or errors.

use crate::load::{Options, engine};
use kubegate_engine::InputError;
use regorus::Value;
use regorus::unstable::{Rule, RuleHead};
use std::sync::Arc;

/// One test and how it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestResult {
    /// `data.main.test_deny_replicas`
    pub name: String,
    pub file: Arc<str>,
    pub line: u32,
    /// `None` when it passed; else why not (`false`, `undefined`, or the error).
    pub failure: Option<String>,
}

/// Loads the policies (and data) and runs every test, in file order.
pub fn verify(opts: &Options) -> Result<Vec<TestResult>, Vec<InputError>> {
    let (mut engine, _files, _warnings) = engine(opts)?;
    let mut tests: Vec<(String, Arc<str>, u32)> = Vec::new();
    for module in engine.get_modules().iter() {
        let Ok(pkg) = regorus::utils::get_path_string(&module.package.refr, None) else { continue };
        for rule in &module.policy {
            let Rule::Spec { head: RuleHead::Compr { refr, .. }, span, .. } = rule.as_ref() else { continue };
            let Ok(name) = regorus::utils::get_path_string(refr, None) else { continue };
            let path = format!("data.{pkg}.{name}");
            if name.starts_with("test_") && !tests.iter().any(|t| t.0 == path) {
                tests.push((path, span.source.get_path().as_str().into(), span.line));
            }
        }
    }
    let mut out = Vec::with_capacity(tests.len());
    for (name, file, line) in tests {
        crate::budget::start_evaluation();
        let failure = match crate::contain::catching(|| engine.eval_rule(name.clone())) {
            Ok(Value::Bool(true)) => None,
            Ok(Value::Undefined) => Some("undefined".to_string()),
            Ok(v) => Some(v.to_json_str().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")),
            Err(e) => {
                let e = crate::error(&e, &[]);
                Some(if e.line() > 0 { format!("{}:{}: {}", e.file(), e.line(), e.message) } else { e.message })
            }
        };
        out.push(TestResult { name, file, line, failure });
    }
    Ok(out)
}
