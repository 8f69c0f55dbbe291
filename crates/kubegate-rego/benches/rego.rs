//! `cargo bench -p kubegate-rego --bench rego`
//!
//! Rego evaluation per document with `examples/policies/production.rego`, over generated
//! documents (Deployments, hardened and not, Services, ConfigMaps; 4,000 by default,
//! `KUBEGATE_BENCH_DOCS` to change; `KUBEGATE_BENCH_POLICY` names another policy).
//! Reports, separately:
//! - compile time: loading and compiling the policy (once per run);
//! - conversion: a document's tree to the Rego `input` value;
//! - evaluation per document (conversion included), on 1 thread and on every core, the
//!   documents split across threads as the engine splits files;
//! - the Rego stage (evaluation less the parse the engine does anyway) against the
//!   target of 20 µs per document on 2 cores.
//!
//! Each measurement keeps the fastest of several runs. Wall time on a shared machine moves
//! by 10-40% between runs; instruction counts do not. `KUBEGATE_BENCH_ONCE=parse` and
//! `KUBEGATE_BENCH_ONCE=rego` load the policy, then parse the documents once (`parse`),
//! or parse and evaluate them once on one thread (`rego`), and stop: under
//! `valgrind --tool=callgrind` the difference of the two, divided by the number of
//! documents, is the Rego stage's instructions per document (docs/performance.md).

use kubegate_engine::policy::Policies as _;
use kubegate_rego::{Options, convert, load};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn document(out: &mut String, i: usize) {
    let hardened = !i.is_multiple_of(3);
    let _ = match i % 4 {
        0 | 1 => write!(
            out,
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}
  namespace: shop-prod
  labels: {{app: svc-{i}, environment: prod, team: team-{t}}}
spec:
  replicas: {r}
  selector:
    matchLabels: {{app: svc-{i}}}
  template:
    metadata:
      labels: {{app: svc-{i}}}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: {uid}
        fsGroup: 1000
        seccompProfile: {{type: RuntimeDefault}}
      initContainers:
        - name: migrate
          image: ghcr.io/acme/migrate:{i}
          securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}
          resources:
            requests: {{cpu: 50m, memory: 64Mi}}
            limits: {{cpu: 100m, memory: 128Mi}}
      containers:
        - name: app
          image: {image}
          ports: [{{containerPort: 8080}}]
          env:
            - {{name: LOG_LEVEL, value: info}}
            - {{name: PORT, value: "8080"}}
          securityContext: {{allowPrivilegeEscalation: {ape}, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}
          resources:
            requests: {{cpu: 250m, memory: 512Mi}}
            limits: {{cpu: "1", memory: 2Gi}}
          livenessProbe: {{httpGet: {{path: /health, port: 8080}}}}
          readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
          volumeMounts: [{{name: tmp, mountPath: /tmp}}]
      volumes:
        - {{name: tmp, emptyDir: {{sizeLimit: 64Mi}}}}
"#,
            t = i % 7,
            r = if hardened { 3 } else { 1 },
            uid = if hardened { 1000 } else { 0 },
            ape = !hardened,
            image =
                if hardened { format!("ghcr.io/acme/svc@sha256:{:064x}", i) } else { format!("ghcr.io/acme/svc:{i}") },
        ),
        2 => write!(
            out,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: shop-prod\nspec:\n  selector: {{app: svc-{i}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n"
        ),
        _ => write!(
            out,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-{i}\n  namespace: shop-prod\ndata:\n  LOG_LEVEL: info\n  FEATURE_X: \"on\"\n"
        ),
    };
}

fn fastest(mut f: impl FnMut()) -> Duration {
    (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    // As the kubegate binary does (see its `quiet_library_backtraces`).
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: first thing in `main`, before any other thread exists.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
    let docs: usize = std::env::var("KUBEGATE_BENCH_DOCS").ok().and_then(|s| s.parse().ok()).unwrap_or(4_000);
    let mut texts = Vec::with_capacity(docs);
    for i in 0..docs {
        let mut s = String::new();
        document(&mut s, i);
        texts.push(s);
    }
    let policy = match std::env::var_os("KUBEGATE_BENCH_POLICY") {
        Some(p) => p.into(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies/production.rego"),
    };
    let opts = Options { policies: vec![policy.clone()], ..Options::default() };

    if let Ok(once) = std::env::var("KUBEGATE_BENCH_ONCE") {
        let policies = load(&opts).expect("the policy compiles");
        let mut findings = 0;
        for t in &texts {
            kubegate_yaml::load_each(t, |doc, _| match once.as_str() {
                "rego" => findings += policies.evaluate(&doc.root).expect("evaluates").results.len(),
                _ => {
                    std::hint::black_box(&doc.root);
                }
            });
        }
        println!("{once}: {docs} documents, {findings} findings");
        return;
    }
    let compile = fastest(|| {
        load(&opts).expect("production.rego compiles");
    });
    let policies = load(&opts).expect("production.rego compiles");

    let convert_all = || {
        for t in &texts {
            kubegate_yaml::load_each(t, |doc, _| {
                std::hint::black_box(convert(&doc.root));
            });
        }
    };
    let parse_only = fastest(|| {
        for t in &texts {
            kubegate_yaml::load_each(t, |doc, _| {
                std::hint::black_box(&doc.root);
            });
        }
    });
    let converted = fastest(convert_all);

    let mut findings = 0;
    let evaluate = |t: &String| -> usize {
        let mut n = 0;
        kubegate_yaml::load_each(t, |doc, _| {
            n += policies.evaluate(&doc.root).expect("evaluates").results.len();
        });
        n
    };
    let one = fastest(|| {
        findings = texts.iter().map(evaluate).sum();
    });
    let threads = rayon::current_num_threads();
    let all = fastest(|| {
        std::hint::black_box(texts.par_iter().map(evaluate).sum::<usize>());
    });

    let per = |d: Duration| d.as_secs_f64() * 1e6 / docs as f64;
    // Parsing is the engine's cost anyway; the Rego stage (conversion included) is the rest.
    let rego_one = per(one) - per(parse_only);
    let rego_all = per(all) - per(parse_only) / threads as f64;
    println!("Rego evaluation, {}, {docs} documents ({findings} findings)", policy.display());
    println!("  compile (load + compile, once per run) {:>10.2} ms", compile.as_secs_f64() * 1e3);
    println!("  parse only (the engine's cost anyway)  {:>10.2} µs/doc", per(parse_only));
    println!("  conversion to input (incl. parse)      {:>10.2} µs/doc", per(converted));
    println!("  evaluation, 1 thread (incl. parse)     {:>10.2} µs/doc  (Rego stage {rego_one:.2})", per(one));
    println!("  evaluation, {threads} threads (incl. parse)    {:>10.2} µs/doc  (Rego stage {rego_all:.2})", per(all));
    let target = 20.0;
    println!(
        "  target: Rego stage <= {target} µs/doc on {threads} cores: {} ({rego_all:.2} µs/doc)",
        if rego_all <= target { "met" } else { "NOT met" }
    );
    opa_beside(&policy, &texts, rego_one);
}

/// With `KUBEGATE_OPA_PYTHONPATH` set (`.ci/opa` prints it), real OPA evaluates the same
/// policy on the same documents (the first 1,000), one thread as kubegate's single-thread
/// figure, through the test suite's oracle script; reported beside kubegate's Rego stage
/// with the wheel's per-call overhead stated, and as a ratio.
fn opa_beside(policy: &Path, texts: &[String], rego_one: f64) {
    let Some(pythonpath) = std::env::var_os("KUBEGATE_OPA_PYTHONPATH") else {
        println!("  OPA: not measured (set KUBEGATE_OPA_PYTHONPATH=$(.ci/opa) to compare)");
        return;
    };
    let mut docs = Vec::new();
    for t in texts.iter().take(1000) {
        kubegate_yaml::load_each(t, |doc, _| docs.push(convert(&doc.root)));
    }
    let json = format!("[{}]", docs.iter().map(|d| d.to_json_str().expect("JSON")).collect::<Vec<_>>().join(","));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/opa_eval.py");
    let mut child = std::process::Command::new("python3")
        .arg(&script)
        .arg("--policy")
        .arg(policy)
        .args(["--time", "3"])
        .env("PYTHONPATH", pythonpath)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write as _;
    child.stdin.take().expect("stdin").write_all(json.as_bytes()).expect("documents written");
    let out = child.wait_with_output().expect("OPA timing");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("timing JSON");
    let (per_doc, per_call, calls) = (
        v["per_document_us"].as_f64().unwrap_or(f64::NAN),
        v["per_call_us"].as_f64().unwrap_or(f64::NAN),
        v["calls_per_document"].as_f64().unwrap_or(f64::NAN),
    );
    let net = per_doc - per_call * calls;
    println!(
        "  OPA (wheel, 1 thread)                  {per_doc:>10.2} µs/doc  ({calls} rule queries of {per_call:.2} µs overhead each; {net:.2} µs/doc without it)"
    );
    println!(
        "  kubegate's Rego stage vs OPA, 1 thread: {:.1}x faster ({:.1}x against OPA without the wheel's overhead); target 3x: {}",
        per_doc / rego_one,
        net / rego_one,
        if net / rego_one >= 3.0 { "met" } else { "NOT met" }
    );
}
