//! `GET /metrics` in the Prometheus text format: decisions by outcome, environment and
//! operation, their latency, findings by rule and level, errors by kind, certificate
//! reloads and the certificate's expiry.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Latency buckets, seconds: 0.25 ms doubling to 4 s (a decision takes well under 1 ms;
/// the top buckets show a runaway policy).
const BUCKETS: [f64; 15] =
    [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096];

#[derive(Default)]
struct Counts {
    decisions: BTreeMap<(String, String, String), u64>,
    latency: [u64; BUCKETS.len()],
    latency_count: u64,
    latency_sum: f64,
    findings: BTreeMap<(String, String), u64>,
    errors: BTreeMap<String, u64>,
    reloads: BTreeMap<String, u64>,
}

#[derive(Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Counts) -> R) -> R {
        f(&mut self.counts.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// A decision: its outcome (`allowed`, `denied`, `audit`, `skipped`, `error`), the
    /// environment (empty when not judged), the operation, the time it took and its
    /// findings (rule, level).
    pub fn decision(
        &self,
        outcome: &str,
        environment: &str,
        operation: &str,
        took: Duration,
        findings: &[(String, String)],
    ) {
        self.with(|c| {
            *c.decisions.entry((outcome.into(), environment.into(), operation.into())).or_default() += 1;
            let s = took.as_secs_f64();
            for (i, b) in BUCKETS.iter().enumerate() {
                if s <= *b {
                    c.latency[i] += 1;
                }
            }
            c.latency_count += 1;
            c.latency_sum += s;
            for f in findings {
                *c.findings.entry(f.clone()).or_default() += 1;
            }
        });
    }

    /// A request that got no decision: `bad_request`, `too_large`, `timeout`, `not_found`.
    pub fn error(&self, kind: &str) {
        self.with(|c| *c.errors.entry(kind.into()).or_default() += 1);
    }

    /// A certificate reload: `ok` or `error`.
    pub fn reload(&self, result: &str) {
        self.with(|c| *c.reloads.entry(result.into()).or_default() += 1);
    }

    /// The text exposition, with the certificate's `notAfter` (seconds since 1970).
    pub fn render(&self, not_after: i64) -> String {
        self.with(|c| {
            let mut s = String::new();
            let _ = writeln!(
                s,
                "# HELP kubegate_admission_requests_total Admission decisions by outcome, environment and operation."
            );
            let _ = writeln!(s, "# TYPE kubegate_admission_requests_total counter");
            for ((outcome, env, op), n) in &c.decisions {
                let _ = writeln!(
                    s,
                    "kubegate_admission_requests_total{{decision=\"{}\",environment=\"{}\",operation=\"{}\"}} {n}",
                    label(outcome),
                    label(env),
                    label(op)
                );
            }
            let _ = writeln!(s, "# HELP kubegate_admission_duration_seconds Time to decide one admission request.");
            let _ = writeln!(s, "# TYPE kubegate_admission_duration_seconds histogram");
            for (b, n) in BUCKETS.iter().zip(c.latency) {
                let _ = writeln!(s, "kubegate_admission_duration_seconds_bucket{{le=\"{b}\"}} {n}");
            }
            let _ = writeln!(s, "kubegate_admission_duration_seconds_bucket{{le=\"+Inf\"}} {}", c.latency_count);
            let _ = writeln!(s, "kubegate_admission_duration_seconds_sum {}", c.latency_sum);
            let _ = writeln!(s, "kubegate_admission_duration_seconds_count {}", c.latency_count);
            let _ =
                writeln!(s, "# HELP kubegate_admission_findings_total Findings of judged requests by rule and level.");
            let _ = writeln!(s, "# TYPE kubegate_admission_findings_total counter");
            for ((rule, level), n) in &c.findings {
                let _ = writeln!(
                    s,
                    "kubegate_admission_findings_total{{rule=\"{}\",level=\"{}\"}} {n}",
                    label(rule),
                    label(level)
                );
            }
            let _ =
                writeln!(s, "# HELP kubegate_admission_errors_total Requests answered without a decision, by kind.");
            let _ = writeln!(s, "# TYPE kubegate_admission_errors_total counter");
            for (kind, n) in &c.errors {
                let _ = writeln!(s, "kubegate_admission_errors_total{{kind=\"{}\"}} {n}", label(kind));
            }
            let _ = writeln!(s, "# HELP kubegate_tls_reloads_total Certificate reloads after its files changed.");
            let _ = writeln!(s, "# TYPE kubegate_tls_reloads_total counter");
            for (result, n) in &c.reloads {
                let _ = writeln!(s, "kubegate_tls_reloads_total{{result=\"{}\"}} {n}", label(result));
            }
            let _ =
                writeln!(s, "# HELP kubegate_tls_certificate_not_after_seconds When the serving certificate expires.");
            let _ = writeln!(s, "# TYPE kubegate_tls_certificate_not_after_seconds gauge");
            let _ = writeln!(s, "kubegate_tls_certificate_not_after_seconds {not_after}");
            s
        })
    }
}

/// A label value, escaped as the text format wants.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_counts_and_buckets() {
        let m = Metrics::default();
        m.decision("denied", "prod", "CREATE", Duration::from_micros(300), &[("privileged".into(), "deny".into())]);
        m.decision("allowed", "dev", "UPDATE", Duration::from_millis(3), &[]);
        m.error("bad_request");
        m.reload("ok");
        let text = m.render(1_800_000_000);
        for line in [
            "kubegate_admission_requests_total{decision=\"denied\",environment=\"prod\",operation=\"CREATE\"} 1",
            "kubegate_admission_requests_total{decision=\"allowed\",environment=\"dev\",operation=\"UPDATE\"} 1",
            "kubegate_admission_duration_seconds_bucket{le=\"0.00025\"} 0",
            "kubegate_admission_duration_seconds_bucket{le=\"0.0005\"} 1",
            "kubegate_admission_duration_seconds_bucket{le=\"0.004\"} 2",
            "kubegate_admission_duration_seconds_bucket{le=\"+Inf\"} 2",
            "kubegate_admission_duration_seconds_count 2",
            "kubegate_admission_findings_total{rule=\"privileged\",level=\"deny\"} 1",
            "kubegate_admission_errors_total{kind=\"bad_request\"} 1",
            "kubegate_tls_reloads_total{result=\"ok\"} 1",
            "kubegate_tls_certificate_not_after_seconds 1800000000",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}\n{text}");
        }
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
