//! `kubegate serve`: the gate as a validating admission webhook. HTTP/1.1 over TLS
//! (rustls on ring), one route per job:
//!
//! - `POST /validate`: an `AdmissionReview` judged by `kubegate-admission`;
//! - `GET /healthz`: alive; `GET /readyz`: config and policies loaded and the
//!   certificate valid now; `GET /metrics`: Prometheus text.
//!
//! A bad request gets a 4xx and a log line, never a panic; bodies are bounded in size and
//! time; on SIGTERM (or SIGINT) the listener closes, idle connections are closed and
//! in-flight requests finish within the drain delay; the certificate is re-read when its
//! files change. Every decision is one JSON log line on stderr.

mod metrics;
pub mod tls;

use crate::exit::Exit;
use crate::run::{PolicyArgs, load_config, load_policies};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use kubegate_admission::{Decision, Gate, Mode};
use kubegate_engine::{CheckOptions, Date};
use metrics::Metrics;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tls::{Reload, Resolver};

/// Everything `kubegate serve` is told.
pub struct ServeArgs {
    pub listen: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub config: Option<PathBuf>,
    pub policy: PolicyArgs,
    pub mode: Mode,
    pub today: Option<Date>,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub drain: Duration,
    /// How often the certificate files are looked at.
    pub cert_reload: Duration,
    /// How long a client may take to finish a TLS handshake, send its headers, or send
    /// its body: a slow client is dropped (or answered 408), not waited for.
    pub client_timeout: Duration,
    /// The largest request body accepted.
    pub max_body: usize,
}

struct State {
    gate: Gate,
    metrics: Metrics,
    resolver: Arc<Resolver>,
    max_body: usize,
    client_timeout: Duration,
}

fn log(fields: serde_json::Value) {
    eprintln!("{fields}");
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Runs the server until SIGTERM; the exit status is 2 when it cannot start.
pub fn serve(args: ServeArgs) -> Exit {
    let failed = |message: String| {
        log(serde_json::json!({"level": "error", "message": message}));
        Exit::Error
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = match load_config(args.config.clone(), &cwd, &[]) {
        Ok(c) => c,
        Err(errors) => return failed(errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")),
    };
    let mut opts = CheckOptions::default();
    let warnings = match load_policies(&args.policy, &config, &mut opts) {
        Ok(w) => w,
        Err(errors) => return failed(errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")),
    };
    for w in warnings {
        log(serde_json::json!({"level": "warning", "message": w.to_string()}));
    }
    let loaded = match tls::load(&args.tls_cert, &args.tls_key) {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let resolver = Arc::new(Resolver::new(loaded, args.tls_cert.clone(), args.tls_key.clone()));
    let gate =
        Gate { config, policies: opts.policies, policies_only: opts.policies_only, mode: args.mode, today: args.today };
    let state = Arc::new(State {
        gate,
        metrics: Metrics::default(),
        resolver,
        max_body: args.max_body,
        client_timeout: args.client_timeout,
    });
    // Its threads evaluate Rego: they get kubegate-rego's evaluation stack.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(kubegate_rego::EVAL_STACK)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return failed(format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(run(state, &args))
}

async fn run(state: Arc<State>, args: &ServeArgs) -> Exit {
    let mut config =
        match rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        {
            Ok(b) => b.with_no_client_auth().with_cert_resolver(state.resolver.clone()),
            Err(e) => {
                log(serde_json::json!({"level": "error", "message": format!("TLS: {e}")}));
                return Exit::Error;
            }
        };
    // The API server speaks HTTP/1.1 to webhooks.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            log(serde_json::json!({"level": "error", "message": format!("cannot listen on {}: {e}", args.listen)}));
            return Exit::Error;
        }
    };
    let address = listener.local_addr().map_or_else(|_| args.listen.to_string(), |a| a.to_string());
    log(serde_json::json!({"level": "info", "message": "serving", "address": address,
        "mode": match args.mode { Mode::Enforce => "enforce", Mode::Audit => "audit" }}));

    // The certificate files, looked at on a timer.
    let watched = state.clone();
    let every = args.cert_reload;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let resolver = watched.resolver.clone();
            let result = tokio::task::spawn_blocking(move || resolver.reload()).await;
            match result {
                Ok(Reload::Reloaded) => {
                    watched.metrics.reload("ok");
                    log(serde_json::json!({"level": "info", "message": "certificate reloaded",
                        "not_after": watched.resolver.validity().1}));
                }
                Ok(Reload::Failed(e)) => {
                    watched.metrics.reload("error");
                    log(serde_json::json!({"level": "warning", "message": format!("certificate not reloaded: {e}")}));
                }
                _ => {}
            }
        }
    });

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            log(serde_json::json!({"level": "error", "message": format!("cannot watch SIGTERM: {e}")}));
            return Exit::Error;
        }
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let state = state.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let timeout = state.client_timeout;
                    let Ok(Ok(stream)) = tokio::time::timeout(timeout, acceptor.accept(tcp)).await else { return };
                    let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
                    let conn = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(timeout)
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(conn).await;
                });
            }
            _ = terminate.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    // Stop accepting; close idle connections; let in-flight requests finish.
    drop(listener);
    log(serde_json::json!({"level": "info", "message": "stopping: draining in-flight requests",
        "drain_seconds": args.drain.as_secs_f64()}));
    let drained = tokio::time::timeout(args.drain, graceful.shutdown()).await.is_ok();
    log(serde_json::json!({"level": "info", "message": if drained { "stopped" } else { "stopped: drain delay over" }}));
    Exit::Pass
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn json(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    r
}

/// A request kubegate cannot judge: its status, a JSON body saying why, a log line.
fn refuse(state: &State, status: StatusCode, kind: &str, message: String) -> Response<Full<Bytes>> {
    state.metrics.error(kind);
    log(serde_json::json!({"level": "warning", "status": status.as_u16(), "error": kind, "message": message}));
    json(status, serde_json::to_vec(&serde_json::json!({"error": message})).unwrap_or_default())
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let response = match (req.method(), req.uri().path()) {
        (&Method::POST, "/validate") => validate(&state, req).await,
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/readyz") => {
            let (not_before, not_after) = state.resolver.validity();
            let now = now_seconds();
            if now < not_before || now >= not_after {
                text(StatusCode::SERVICE_UNAVAILABLE, "the serving certificate is not valid now\n")
            } else {
                text(StatusCode::OK, "ready\n")
            }
        }
        (&Method::GET, "/metrics") => {
            let mut r = text(StatusCode::OK, state.metrics.render(state.resolver.validity().1));
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            r
        }
        (_, "/validate" | "/healthz" | "/readyz" | "/metrics") => {
            refuse(&state, StatusCode::METHOD_NOT_ALLOWED, "method", format!("{} is not allowed here", req.method()))
        }
        (_, path) => refuse(&state, StatusCode::NOT_FOUND, "not_found", format!("no route {path}")),
    };
    Ok(response)
}

async fn validate(state: &Arc<State>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let declared = req.headers().get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.max_body as u64) {
        return refuse(
            state,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {} bytes", state.max_body),
        );
    }
    let body = match tokio::time::timeout(state.client_timeout, Limited::new(req.into_body(), state.max_body).collect())
        .await
    {
        Err(_) => {
            return refuse(state, StatusCode::REQUEST_TIMEOUT, "timeout", "the body did not arrive in time".into());
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return refuse(
                state,
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is larger than {} bytes", state.max_body),
            );
        }
        Ok(Err(e)) => {
            return refuse(state, StatusCode::BAD_REQUEST, "bad_request", format!("cannot read the body: {e}"));
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    // Rego may run up to its time limit: off the threads that serve connections.
    let decided = if state.gate.policies.is_some() {
        let s = state.clone();
        match tokio::task::spawn_blocking(move || kubegate_admission::decide(&s.gate, &body)).await {
            Ok(d) => d,
            Err(e) => {
                return refuse(
                    state,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!("the decision failed: {e}"),
                );
            }
        }
    } else {
        kubegate_admission::decide(&state.gate, &body)
    };
    let decision: Decision = match decided {
        Ok(d) => d,
        Err(bad) => return refuse(state, StatusCode::BAD_REQUEST, "bad_request", bad.0),
    };
    let took = started.elapsed();
    let findings: Vec<(String, String)> =
        decision.findings.iter().map(|(rule, level)| (rule.clone(), level.as_str().to_string())).collect();
    let operation = decision.log.get("operation").and_then(|o| o.as_str()).unwrap_or("").to_string();
    state.metrics.decision(
        decision.outcome,
        decision.environment.as_deref().unwrap_or(""),
        &operation,
        took,
        &findings,
    );
    eprintln!("{}", kubegate_admission::log_line(&decision, took));
    match decision.response {
        Some(body) => json(StatusCode::OK, body),
        // Not judged (a policy failed): a 500, so the webhook's failure policy decides.
        None => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::to_vec(&serde_json::json!({"error": decision.error})).unwrap_or_default(),
        ),
    }
}
