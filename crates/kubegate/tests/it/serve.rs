//! `kubegate serve` on loopback, spoken to by a real TLS client (rustls) over kept-alive
//! HTTP/1.1 connections, as the API server speaks to a webhook: exact responses for each
//! kind of request, bad requests answered with 4xx while the server keeps serving, a
//! certificate rotated during a burst of requests losing none, SIGTERM finishing the
//! request in flight, and the verdict `kubegate test` gives.

use crate::tls_client::{Conn, Pki, Reply};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
    dir: PathBuf,
}

impl Server {
    fn start(pki: &Pki, extra: &[&str]) -> Server {
        let dir = std::env::temp_dir().join(format!("kubegate-serve-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert, key, _) = pki.leaf();
        std::fs::write(dir.join("tls.crt"), cert).unwrap();
        std::fs::write(dir.join("tls.key"), key).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubegate"))
            .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert", "tls.crt", "--tls-key", "tls.key"])
            .args(["--today", "2026-06-01"])
            .args(extra)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        let started: Value = serde_json::from_str(&first).unwrap_or_else(|_| panic!("not a start line: {first}"));
        assert_eq!(started["message"], "serving", "{first}");
        let addr: SocketAddr = started["address"].as_str().unwrap().parse().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Server { child, addr, logs, dir }
    }

    fn connect(&self, pki: &Pki) -> Conn {
        Conn::connect(self.addr, pki)
    }

    /// The certificate a new connection is served.
    fn certificate(&self, pki: &Pki) -> Vec<u8> {
        let mut c = self.connect(pki);
        assert_eq!(c.send("GET", "/healthz", b"").status, 200);
        c.peer_certificate()
    }

    fn terminate(&self) {
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
    }

    fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(Instant::now().elapsed().as_nanos() as u64);
    h.finish()
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn deployment(change: impl FnOnce(&mut Value)) -> Value {
    let mut d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "labels": {"app": "api", "environment": "prod"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}}, "template": {
            "metadata": {"labels": {"app": "api"}},
            "spec": {
                "serviceAccountName": "api", "automountServiceAccountToken": false,
                "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{
                    "name": "app", "image": format!("registry.example.com/shop/app@{DIGEST}"),
                    "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "200m", "memory": "256Mi", "ephemeral-storage": "1Gi"}},
                    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                    "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}}
                }]
            }}}
    });
    change(&mut d["spec"]["template"]["spec"]["containers"][0]);
    d
}

fn review(uid: &str, operation: &str, namespace: &str, object: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid, "kind": {"group": "apps", "version": "v1", "kind": object["kind"]},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "name": object["metadata"]["name"], "namespace": namespace, "operation": operation,
            "userInfo": {"username": "admin"},
            "object": if operation == "DELETE" { Value::Null } else { object.clone() },
            "oldObject": if operation == "CREATE" { Value::Null } else { object.clone() },
            "dryRun": false
        }
    }))
    .unwrap()
}

#[test]
fn each_kind_of_request_gets_its_exact_answer_on_one_kept_alive_connection() {
    let pki = Pki::new();
    let server = Server::start(&pki, &[]);
    let mut c = server.connect(&pki);
    let privileged = deployment(|c| c["securityContext"]["privileged"] = json!(true));
    let mutable = deployment(|c| c["image"] = json!("registry.example.com/shop/app:1.4"));
    let response = |r: &Reply| r.json()["response"].clone();

    let r = c.send("POST", "/validate", &review("a", "CREATE", "shop-prod", &deployment(|_| {})));
    assert_eq!((r.status, r.header("content-type")), (200, Some("application/json")));
    assert_eq!(
        r.json(),
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "response": {"uid": "a", "allowed": true, "auditAnnotations": {"environment": "prod"}}})
    );
    let r = c.send("POST", "/validate", &review("b", "CREATE", "shop-prod", &privileged));
    assert_eq!(
        response(&r),
        json!({"uid": "b", "allowed": false, "auditAnnotations": {"environment": "prod"},
            "status": {"code": 403, "reason": "Forbidden",
                "message": "[privileged] Production deployment 'api' container 'app' must not set securityContext.privileged: true"}})
    );
    let r = c.send("POST", "/validate", &review("c", "UPDATE", "shop-staging", &mutable));
    assert_eq!(
        response(&r),
        json!({"uid": "c", "allowed": true, "auditAnnotations": {"environment": "staging"},
            "warnings": ["[image-digest] deployment/api/app: must use SHA256 digest (image@sha256:...), not version tags"]})
    );
    let r = c.send("POST", "/validate", &review("d", "CREATE", "shop-dev", &mutable));
    assert_eq!(response(&r), json!({"uid": "d", "allowed": true, "auditAnnotations": {"environment": "dev"}}));
    let r = c.send("POST", "/validate", &review("e", "DELETE", "shop-prod", &privileged));
    assert_eq!(response(&r), json!({"uid": "e", "allowed": true}));
    // A dry run is judged like any request.
    let mut dry: Value = serde_json::from_slice(&review("g", "CREATE", "shop-prod", &privileged)).unwrap();
    dry["request"]["dryRun"] = json!(true);
    let r = c.send("POST", "/validate", &serde_json::to_vec(&dry).unwrap());
    assert_eq!(response(&r)["allowed"], false);
    // An exempted finding is a warning with its expiry.
    let mut exempted = privileged.clone();
    exempted["metadata"]["annotations"] = json!({
        "policy-exemption": "the node agent needs the host's devices",
        "exemption-expires": "2026-07-01",
        "exemption-issue": "https://github.com/org/app/issues/7",
        "exemption-rules": "privileged"
    });
    let r = c.send("POST", "/validate", &review("h", "CREATE", "shop-staging", &exempted));
    assert_eq!(
        response(&r),
        json!({"uid": "h", "allowed": true, "auditAnnotations": {"environment": "staging"},
            "warnings": ["[privileged] deployment/api/app: exempted until 2026-07-01: must not set securityContext.privileged: true"]})
    );

    // Bad requests: a 4xx saying why, and the connection and the server go on.
    let r = c.send("POST", "/validate", b"{\"apiVersion\": ");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"error": "the body is not an AdmissionReview: EOF while parsing a value at line 1 column 15"})
    );
    let wrong = br#"{"apiVersion":"v1","kind":"Pod","request":{}}"#;
    let r = c.send("POST", "/validate", wrong);
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"error": "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got v1 and Pod"}))
    );
    let r = c.send("GET", "/validate", b"");
    assert_eq!((r.status, r.json()), (405, json!({"error": "GET is not allowed here"})));
    let r = c.send("GET", "/nothing", b"");
    assert_eq!((r.status, r.json()), (404, json!({"error": "no route /nothing"})));
    let r = c.send("GET", "/healthz", b"");
    assert_eq!((r.status, r.body.as_slice()), (200, b"ok\n".as_slice()));
    let r = c.send("GET", "/readyz", b"");
    assert_eq!((r.status, r.body.as_slice()), (200, b"ready\n".as_slice()));
    // Over the body limit (1 MiB here): 413 before the body is read.
    drop(c);
    let small = Server::start(&pki, &["--max-body-mib", "1"]);
    let mut c = small.connect(&pki);
    c.send_head("POST", "/validate", 2 << 20);
    let r = c.read_reply();
    assert_eq!((r.status, r.json()), (413, json!({"error": "the body is larger than 1048576 bytes"})));
    let mut c = small.connect(&pki);
    let r = c.send("POST", "/validate", &review("f", "CREATE", "shop-prod", &privileged));
    assert_eq!(response(&r)["allowed"], false);

    // Metrics and one JSON log line per decision.
    let mut c = server.connect(&pki);
    let r = c.send("GET", "/metrics", b"");
    let text = String::from_utf8(r.body).unwrap();
    for line in [
        "kubegate_admission_requests_total{decision=\"allowed\",environment=\"prod\",operation=\"CREATE\"} 1",
        "kubegate_admission_requests_total{decision=\"denied\",environment=\"prod\",operation=\"CREATE\"} 2",
        "kubegate_admission_requests_total{decision=\"skipped\",environment=\"\",operation=\"DELETE\"} 1",
        "kubegate_admission_findings_total{rule=\"privileged\",level=\"deny\"} 3",
        "kubegate_admission_errors_total{kind=\"bad_request\"} 2",
        "kubegate_admission_errors_total{kind=\"not_found\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line}\n{text}");
    }
    let decisions: Vec<Value> = server
        .logs()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["uid"] == "b")
        .collect();
    assert_eq!(decisions.len(), 1);
    let d = &decisions[0];
    assert_eq!(
        (&d["decision"], &d["environment"], &d["environment_reason"], &d["rules"], &d["namespace"], &d["kind"]),
        (
            &json!("denied"),
            &json!("prod"),
            &json!("namespace `shop-prod` ends in `prod`"),
            &json!(["privileged"]),
            &json!("shop-prod"),
            &json!("Deployment")
        )
    );
    assert!(d["duration_ms"].as_f64().is_some());
}

#[test]
fn a_certificate_rotated_during_a_burst_loses_no_request() {
    let pki = Pki::new();
    let server = Server::start(&pki, &["--cert-reload-seconds", "1"]);
    let first = server.certificate(&pki);
    let (cert, key, der) = pki.leaf();
    let stop = Instant::now() + Duration::from_secs(4);
    let body = Arc::new(review("r", "CREATE", "shop-prod", &deployment(|_| {})));
    let (pki, server) = (Arc::new(pki), Arc::new(server));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (pki, server, body) = (pki.clone(), server.clone(), body.clone());
            std::thread::spawn(move || {
                let mut done = 0;
                // Half the workers keep one connection alive, half open one per request
                // (each handshake picks the certificate of the moment).
                let mut kept = server.connect(&pki);
                while Instant::now() < stop {
                    let r = if w % 2 == 0 {
                        kept.send("POST", "/validate", &body)
                    } else {
                        server.connect(&pki).send("POST", "/validate", &body)
                    };
                    assert_eq!(r.status, 200);
                    assert_eq!(r.json()["response"]["allowed"], true);
                    done += 1;
                }
                done
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(800));
    // As a Secret volume does: the new pair written beside, then swapped in.
    std::fs::write(server.dir.join("tls.key.new"), key).unwrap();
    std::fs::write(server.dir.join("tls.crt.new"), cert).unwrap();
    std::fs::rename(server.dir.join("tls.key.new"), server.dir.join("tls.key")).unwrap();
    std::fs::rename(server.dir.join("tls.crt.new"), server.dir.join("tls.crt")).unwrap();
    let done: usize = workers.into_iter().map(|w| w.join().expect("no request failed")).sum();
    assert!(done > 40, "{done} requests");
    let now = server.certificate(&pki);
    assert_ne!(now, first);
    assert_eq!(now, der, "new connections get the rotated certificate");
    assert!(server.logs().iter().any(|l| l.contains("\"certificate reloaded\"")), "{:?}", server.logs());
}

#[test]
fn sigterm_finishes_the_request_in_flight_closes_idle_connections_then_exits() {
    let pki = Pki::new();
    let mut server = Server::start(&pki, &["--drain-seconds", "20"]);
    let mut idle = server.connect(&pki);
    assert_eq!(idle.send("GET", "/healthz", b"").status, 200);
    let body = review("t", "CREATE", "shop-prod", &deployment(|c| c["securityContext"]["privileged"] = json!(true)));
    let mut busy = server.connect(&pki);
    // Headers and half the body sent: the request is in flight when SIGTERM comes.
    busy.send_head("POST", "/validate", body.len());
    busy.tls.write_all(&body[..body.len() / 2]).unwrap();
    busy.tls.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    std::thread::sleep(Duration::from_millis(300));
    assert!(idle.closed_within(Duration::from_secs(5)), "an idle kept-alive connection is closed");
    // The listener closes once the signal is handled (a busy machine may take a moment).
    let refused = (0..50).any(|_| {
        let refused = TcpStream::connect(server.addr).is_err();
        if !refused {
            std::thread::sleep(Duration::from_millis(100));
        }
        refused
    });
    assert!(refused, "no new connection is accepted");
    busy.tls.write_all(&body[body.len() / 2..]).unwrap();
    busy.tls.flush().unwrap();
    let r = busy.read_reply();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["response"]["allowed"], false);
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    std::thread::sleep(Duration::from_millis(100));
    let logs = server.logs();
    assert!(logs.last().is_some_and(|l| l.contains("\"stopped\"")), "{logs:?}");
}

#[test]
fn serve_and_test_give_one_verdict_on_one_manifest() {
    let pki = Pki::new();
    let server = Server::start(&pki, &[]);
    let object = deployment(|c| {
        c["securityContext"]["privileged"] = json!(true);
        c["image"] = json!("nginx:1.27");
    });
    let dir: &Path = &server.dir;
    let mut manifest = object.clone();
    manifest["metadata"]["namespace"] = json!("shop-prod");
    std::fs::write(dir.join("deploy.json"), serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let ci = crate::common::run_in(dir, &["test", "-o", "json", "--today", "2026-06-01", "deploy.json"], None);
    let report: Value = serde_json::from_str(&ci.stdout).unwrap();
    // What `test` denies on this one object (no PodDisruptionBudget or NetworkPolicy
    // beside it, whose absence admission cannot judge).
    let single_object = |f: &&Value| {
        kubegate_engine::rules::find(f["rule"].as_str().unwrap())
            .is_none_or(|r| !matches!(r.check, kubegate_engine::rules::Check::Bundle { .. }))
    };
    let all = report["findings"].as_array().unwrap();
    let others: Vec<&str> = all.iter().filter(|f| !single_object(f)).map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(others, ["pod-disruption-budget", "network-policy"], "rules that need other resources");
    assert!(all.iter().filter(|f| single_object(f)).all(|f| f["level"] == "deny"));
    let denied: Vec<String> = all
        .iter()
        .filter(|f| f["level"] == "deny" && single_object(f))
        .map(|f| format!("[{}] {}", f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    let r = server.connect(&pki).send("POST", "/validate", &review("v", "CREATE", "shop-prod", &object));
    let response = r.json()["response"].clone();
    assert!(response.get("warnings").is_none(), "{response}");
    let message = response["status"]["message"].as_str().unwrap().to_string();
    assert_eq!(message.lines().collect::<Vec<_>>(), denied);
    assert_eq!(denied.len(), 2, "{denied:?}");
}

#[test]
fn the_deployment_of_kubegate_passes_its_own_gate_and_its_image_is_pinned() {
    let root = crate::common::root();
    let files = ["deploy/namespace.yaml", "deploy/kubegate.yaml", "deploy/certificate.yaml", "deploy/webhook.yaml"];
    let mut args = vec!["test", "--env", "prod", "-o", "json"];
    args.extend(files);
    let run = crate::common::run_in(&root, &args, None);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(report["findings"], json!([]), "no denial and no warning");
    assert_eq!(report["errors"], json!([]));
    let kinds: Vec<&str> =
        report["resources"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    for kind in
        ["Deployment", "PodDisruptionBudget", "NetworkPolicy", "ServiceAccount", "ValidatingWebhookConfiguration"]
    {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    // The image: every base pinned by digest, the final stage non-root.
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let froms: Vec<&str> = dockerfile.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2);
    assert!(froms.iter().all(|l| l.contains("@sha256:")), "{froms:?}");
    assert!(froms[1].contains("distroless/static"), "{froms:?}");
    let after_final = dockerfile.split(froms[1]).nth(1).unwrap();
    assert!(after_final.lines().any(|l| l == "USER 65532:65532"), "{after_final}");
}

#[test]
fn a_slow_client_gets_408_and_the_server_goes_on() {
    let pki = Pki::new();
    let server = Server::start(&pki, &["--client-timeout-seconds", "1"]);
    let body = review("s", "CREATE", "shop-prod", &deployment(|_| {}));
    let mut slow = server.connect(&pki);
    slow.send_head("POST", "/validate", body.len());
    slow.tls.write_all(&body[..10]).unwrap();
    slow.tls.flush().unwrap();
    let r = slow.read_reply();
    assert_eq!((r.status, r.json()), (408, json!({"error": "the body did not arrive in time"})));
    let r = server.connect(&pki).send("POST", "/validate", &body);
    assert_eq!(r.json()["response"]["allowed"], true);
}

#[test]
fn a_runaway_policy_fails_each_request_it_runs_away_on_never_allowing_it() {
    let pki = Pki::new();
    let dir = std::env::temp_dir().join(format!("kubegate-serve-policy-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("slow.rego");
    std::fs::write(
        &policy,
        "package main\n\ndeny contains msg if {\n  n := count([x | some a in numbers.range(1, 3000); some b in numbers.range(1, 3000); x := a * b])\n  n < 0\n  msg := \"never\"\n}\n",
    )
    .unwrap();
    let server = Server::start(&pki, &["-p", policy.to_str().unwrap(), "--rego-timeout", "0.2"]);
    let mut c = server.connect(&pki);
    for uid in ["r1", "r2"] {
        // Each request is judged again, and each is a 500: the webhook's failure policy
        // decides, the request is never silently allowed.
        let r = c.send("POST", "/validate", &review(uid, "CREATE", "shop-prod", &deployment(|_| {})));
        assert_eq!(r.status, 500, "{}", String::from_utf8_lossy(&r.body));
        let error = r.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains("policy evaluation did not finish within 0.2s (a runaway policy)"), "{error}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
