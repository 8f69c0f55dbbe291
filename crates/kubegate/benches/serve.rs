//! `cargo bench -p kubegate --bench serve`
//!
//! Drives `kubegate serve` (the release binary) over TLS on loopback with kept-alive
//! HTTP/1.1 connections, the load generator on the same cores, with a realistic
//! AdmissionReview (a Deployment of ~3 KB bound for prod, judged by every rule):
//! - throughput at saturation: `SATURATION_CONNECTIONS` connections sending back to back;
//! - latency at a fixed 2,000 requests per second (open loop: each request has its
//!   scheduled time, and its latency counts from then, so a stall is not hidden);
//!   p50, p99, p99.9;
//! - the same fixed-rate run while the certificate is rotated: failed requests;
//! - the server's peak RSS.
//!
//! Bounded: each phase runs a fixed number of seconds and stops by itself.

#[path = "../tests/it/tls_client.rs"]
mod tls_client;

use serde_json::json;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tls_client::{Conn, Pki};

const SATURATION_CONNECTIONS: usize = 8;
const SATURATION_SECONDS: u64 = 5;
const RATE: u64 = 2_000;
/// Each connection is a client thread sleeping until its requests' times: on 2 cores
/// shared with the server, 16 such threads measured the scheduler (p99 5.5 ms), 4 the
/// server (p99 1.6 ms).
const RATE_CONNECTIONS: u64 = 4;
const RATE_SECONDS: u64 = 10;

fn review() -> Vec<u8> {
    let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let object = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "checkout", "namespace": "shop-prod",
            "labels": {"app": "checkout", "environment": "prod", "team": "payments"},
            "annotations": {"owner": "payments@example.com"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "checkout"}}, "template": {
            "metadata": {"labels": {"app": "checkout", "tier": "backend"}},
            "spec": {
                "serviceAccountName": "checkout", "automountServiceAccountToken": false,
                "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "fsGroup": 10001,
                    "seccompProfile": {"type": "RuntimeDefault"}},
                "initContainers": [{"name": "migrate", "image": format!("registry.example.com/shop/migrate@{digest}"),
                    "command": ["/migrate", "--up"],
                    "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi", "ephemeral-storage": "64Mi"}}}],
                "containers": [{"name": "app", "image": format!("registry.example.com/shop/checkout@{digest}"),
                    "args": ["--port=8080", "--log-format=json"],
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "env": [{"name": "DATABASE_HOST", "value": "db.shop-prod.svc.cluster.local"},
                        {"name": "FEATURE_FLAGS", "value": "checkout,search,recommendations"}],
                    "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                    "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "512Mi", "ephemeral-storage": "1Gi"}},
                    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                    "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}, "periodSeconds": 5},
                    "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}],
                "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
            }}}
    });
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "requestKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "requestResource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "name": "checkout", "namespace": "shop-prod", "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:argocd:argocd-application-controller",
                "uid": "a7d8c0b2", "groups": ["system:serviceaccounts", "system:serviceaccounts:argocd", "system:authenticated"]},
            "object": object, "oldObject": null,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions", "fieldManager": "argocd-controller"},
            "dryRun": false}
    }))
    .unwrap()
}

/// One request on a kept-alive connection; false when it failed.
fn one(conn: &mut Option<Conn>, addr: SocketAddr, pki: &Pki, body: &[u8]) -> bool {
    let c = conn.get_or_insert_with(|| Conn::connect(addr, pki));
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.send("POST", "/validate", body).status == 200))
        .unwrap_or(false);
    if !ok {
        *conn = None;
    }
    ok
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// The fixed-rate phase: latencies from each request's scheduled time, and failures.
fn fixed_rate(addr: SocketAddr, pki: &Arc<Pki>, body: &Arc<Vec<u8>>, during: impl FnOnce()) -> (Vec<Duration>, usize) {
    let interval = Duration::from_nanos(1_000_000_000 * RATE_CONNECTIONS / RATE);
    let per_connection = RATE * RATE_SECONDS / RATE_CONNECTIONS;
    let start = Instant::now() + Duration::from_millis(200);
    let failed = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..RATE_CONNECTIONS)
        .map(|i| {
            let (pki, body, failed) = (pki.clone(), body.clone(), failed.clone());
            std::thread::spawn(move || {
                let mut conn = Some(Conn::connect(addr, &pki));
                // Connections spread over the interval, not all at once.
                let offset = interval * i as u32 / RATE_CONNECTIONS as u32;
                let mut latencies = Vec::with_capacity(per_connection as usize);
                for k in 0..per_connection {
                    let scheduled = start + offset + interval * k as u32;
                    if let Some(wait) = scheduled.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    if one(&mut conn, addr, &pki, &body) {
                        latencies.push(scheduled.elapsed());
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                latencies
            })
        })
        .collect();
    during();
    let mut all: Vec<Duration> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    all.sort();
    (all, failed.load(Ordering::Relaxed))
}

#[expect(clippy::zombie_processes, reason = "the child is reaped by wait4, which also gives its own rusage")]
fn main() {
    let pki = Arc::new(Pki::new());
    let dir = std::env::temp_dir().join(format!("kubegate-bench-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write_pair = |pair: (String, String, Vec<u8>)| {
        std::fs::write(dir.join("tls.key.new"), pair.1).unwrap();
        std::fs::write(dir.join("tls.crt.new"), pair.0).unwrap();
        std::fs::rename(dir.join("tls.key.new"), dir.join("tls.key")).unwrap();
        std::fs::rename(dir.join("tls.crt.new"), dir.join("tls.crt")).unwrap();
    };
    write_pair(pki.leaf());
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert", "tls.crt", "--tls-key", "tls.key"])
        .args(["--cert-reload-seconds", "1", "--drain-seconds", "5"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kubegate serve");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let started: serde_json::Value = serde_json::from_str(&first).expect("a start line");
    let addr: SocketAddr = started["address"].as_str().unwrap().parse().unwrap();
    let reloads = Arc::new(AtomicUsize::new(0));
    let seen = reloads.clone();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if line.contains("\"certificate reloaded\"") {
                seen.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let body = Arc::new(review());
    // The decision this benchmark measures.
    let verdict = Conn::connect(addr, &pki).send("POST", "/validate", &body).json();
    assert_eq!(verdict["response"]["allowed"], true, "{verdict}");

    // Saturation.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    let workers: Vec<_> = (0..SATURATION_CONNECTIONS)
        .map(|_| {
            let (pki, body, stop, done) = (pki.clone(), body.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || {
                let mut conn = Some(Conn::connect(addr, &pki));
                let mut failed = 0;
                while !stop.load(Ordering::Relaxed) {
                    if one(&mut conn, addr, &pki, &body) {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed += 1;
                    }
                }
                failed
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(SATURATION_SECONDS));
    stop.store(true, Ordering::Relaxed);
    let saturation_failed: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let saturation = done.load(Ordering::Relaxed) as f64 / t.elapsed().as_secs_f64();

    // Fixed rate, then fixed rate with a rotation halfway.
    let (latencies, failed) = fixed_rate(addr, &pki, &body, || {});
    let (rotated, rotation_failed) = fixed_rate(addr, &pki, &body, || {
        std::thread::sleep(Duration::from_secs(RATE_SECONDS / 2));
        write_pair(pki.leaf());
    });

    // SAFETY: signalling and reaping our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    assert!(pid > 0, "kubegate serve did not exit");
    std::fs::remove_dir_all(&dir).ok();

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "kubegate serve, TLS 1.3 over loopback, kept-alive HTTP/1.1, {} byte AdmissionReview; {cores} cores shared with the load generator",
        body.len()
    );
    println!(
        "saturation ({SATURATION_CONNECTIONS} connections, {SATURATION_SECONDS} s): {saturation:.0} requests/s, {saturation_failed} failed"
    );
    for (name, l, f) in
        [("fixed rate", &latencies, failed), ("fixed rate, certificate rotated halfway", &rotated, rotation_failed)]
    {
        println!(
            "{name} ({RATE}/s over {RATE_CONNECTIONS} connections, {RATE_SECONDS} s): {} answered, {f} failed; p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms",
            l.len(),
            ms(percentile(l, 0.50)),
            ms(percentile(l, 0.99)),
            ms(percentile(l, 0.999)),
            ms(*l.last().unwrap())
        );
    }
    println!("certificate reloads seen: {}", reloads.load(Ordering::Relaxed));
    println!("server peak RSS: {:.1} MB", ru.ru_maxrss as f64 * 1024.0 / 1e6);
}
