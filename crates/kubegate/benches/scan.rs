//! `cargo bench -p kubegate --bench scan`
//!
//! Generates a realistic corpus of 20,000 documents (Deployments, Services, ConfigMaps,
//! PodDisruptionBudgets, HPAs, NetworkPolicies, ServiceAccounts, CronJobs; all in one
//! namespace, so the cross-resource indexes see the worst case) in 200 files, then
//! reports:
//! - full-scan throughput (load + resources + environments + every rule), MB/s and docs/s;
//! - a bare parse of the same bytes with the same parser (saphyr-parser events only);
//! - their ratio, on 1 thread and on all cores;
//! - the `kubegate` binary's end-to-end time and peak RSS on the same files, on the same
//!   documents as one stream (one file, as `kustomize build` writes it), and on four
//!   times the documents in one stream, each against its input's size; and the ratios of
//!   their times (a stream against the files, four times the stream against the stream);
//! - `kubegate fix --diff` on the files against `kubegate test` on them.
//!
//! Scan and bare parse are timed in alternation and the fastest run of each is kept; so
//! are the binary's three cases. Set `KUBEGATE_BENCH_DOCS` to change the size.

use kubegate_engine::{CheckOptions, Config, Source, check};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const FILES: usize = 200;
const RUNS: usize = 9;
/// Runs of each case of the binary (each costs a process start and the whole corpus).
const BINARY_RUNS: usize = 3;

fn deployment(out: &mut String, i: usize) {
    let hardened = !i.is_multiple_of(3);
    let _ = write!(
        out,
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}
  namespace: shop-prod
  labels:
    app: svc-{i}
    environment: prod
    team: team-{t}
  annotations:
    owner: "team-{t}@example.com"
spec:
  replicas: {r}
  selector:
    matchLabels:
      app: svc-{i}
  template:
    metadata:
      labels:
        app: svc-{i}
        tier: backend
    spec:
      serviceAccountName: svc-{i}
      securityContext:
        runAsNonRoot: true
        runAsUser: {uid}
        fsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      initContainers:
        - name: migrate
          image: {migrate}
          command: ["/migrate", "--up"]
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
          resources:
            requests: {{cpu: 100m, memory: 64Mi}}
            limits: {{cpu: 200m, memory: 128Mi, ephemeral-storage: 64Mi}}
      containers:
        - name: app
          image: {image}
          args: ["--port=8080", "--log-format=json"]
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: DATABASE_HOST
              value: "db.shop-prod.svc.cluster.local"
            - name: FEATURE_FLAGS
              value: "checkout,search,recommendations"
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: {ro}
            capabilities:
              drop: [ALL]
          resources:
            requests:
              cpu: "250m"
              memory: "512Mi"
            limits:
              cpu: "1000m"
              memory: "{mem}"
              ephemeral-storage: "256Mi"
          livenessProbe:
            httpGet: {{path: /health, port: 8080}}
            initialDelaySeconds: 60
            periodSeconds: 30
          readinessProbe:
            httpGet: {{path: /ready, port: 8080}}
            periodSeconds: 10
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
"#,
        t = i % 17,
        r = if hardened { 3 } else { 1 },
        uid = if hardened { 1000 + i % 50 } else { 0 },
        image = if hardened {
            format!("registry.example.com/shop/svc-{i}@sha256:{:064x}", i as u128 * 7919)
        } else {
            format!("registry.example.com/shop/svc-{i}:v1.{i}")
        },
        migrate = if hardened {
            format!("registry.example.com:5000/shop/migrate@sha256:{:064x}", i as u128 * 104729)
        } else {
            format!("registry.example.com:5000/shop/migrate:v{i}.0.1")
        },
        ro = hardened,
        mem = if hardened { "2Gi" } else { "8Gi" },
    );
}

fn service(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: shop-prod\n  labels:\n    app: svc-{i}\nspec:\n  selector:\n    app: svc-{i}\n  ports:\n    - name: http\n      port: 80\n      targetPort: 8080\n"
    );
}

fn configmap(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: svc-{i}-config\n  namespace: shop-prod\ndata:\n  LOG_LEVEL: info\n  CACHE_TTL: \"300\"\n  application.yaml: |\n    server:\n      port: 8080\n    features:\n      - checkout\n      - search\n"
    );
}

fn pdb(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: svc-{i}-pdb\n  namespace: shop-prod\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: svc-{i}\n"
    );
}

fn hpa(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: svc-{i}\n  namespace: shop-prod\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: svc-{i}\n  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target: {{type: Utilization, averageUtilization: 70}}\n"
    );
}

fn network_policy(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: svc-{i}\n  namespace: shop-prod\nspec:\n  podSelector:\n    matchLabels:\n      app: svc-{i}\n  policyTypes: [Ingress, Egress]\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: gateway\n      ports:\n        - port: 8080\n  egress:\n    - to:\n        - namespaceSelector: {{}}\n          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n      ports:\n        - port: 53\n          protocol: UDP\n"
    );
}

fn service_account(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: svc-{i}\n  namespace: shop-prod\n  labels:\n    app: svc-{i}\nautomountServiceAccountToken: false\n"
    );
}

fn cronjob(out: &mut String, i: usize) {
    let _ = write!(
        out,
        r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: report-{i}
  namespace: shop-prod
  labels:
    environment: prod
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: svc-{i}
        spec:
          restartPolicy: OnFailure
          serviceAccountName: svc-{i}
          securityContext:
            runAsNonRoot: true
            runAsUser: 1000
            seccompProfile: {{type: RuntimeDefault}}
          containers:
            - name: report
              image: registry.example.com/shop/report@sha256:{:064x}
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities: {{drop: [ALL]}}
              resources:
                requests: {{cpu: 50m, memory: 64Mi}}
                limits: {{cpu: 100m, memory: 128Mi, ephemeral-storage: 64Mi}}
"#,
        i as u128 * 31337
    );
}

/// The corpus: `docs` documents spread over `files` files, handed to `each` one file at
/// a time (so that writing it to disk never holds it all).
fn each_file(docs: usize, files: usize, mut each: impl FnMut(Source)) {
    let per_file = docs.div_ceil(files);
    let mut n = 0;
    for f in 0..files {
        let mut text = String::new();
        for _ in 0..per_file {
            if n == docs {
                break;
            }
            if !text.is_empty() {
                text.push_str("---\n");
            }
            let i = n / 8;
            match n % 8 {
                0 => deployment(&mut text, i),
                1 => service(&mut text, i),
                2 => configmap(&mut text, i),
                3 => pdb(&mut text, i),
                4 => hpa(&mut text, i),
                5 => network_policy(&mut text, i),
                6 => service_account(&mut text, i),
                _ => cronjob(&mut text, i),
            }
            n += 1;
        }
        if !text.is_empty() {
            each(Source {
                path: format!("deploy/prod/part-{f:03}.yaml"),
                text,
                walked: false,
                format: kubegate_engine::Format::Manifest,
            });
        }
    }
}

/// The corpus in memory: `docs` documents in `FILES` files.
fn corpus(docs: usize) -> Vec<Source> {
    let mut sources = Vec::new();
    each_file(docs, FILES, |s| sources.push(s));
    sources
}

/// Writes `docs` documents as one stream to `path`; returns its size in bytes.
fn write_stream(docs: usize, path: &Path) -> usize {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut bytes = 0;
    each_file(docs, FILES, |s| {
        out.write_all(b"---\n").unwrap();
        out.write_all(s.text.as_bytes()).unwrap();
        bytes += 4 + s.text.len();
    });
    out.flush().unwrap();
    bytes
}

fn once(f: &mut impl FnMut()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// Times `a` and `b` in alternation (so drift on a shared machine hits both alike) and
/// returns the fastest run of each: the cost with the least interference.
fn time_pair(mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration) {
    once(&mut a);
    once(&mut b);
    let (mut ta, mut tb) = (Duration::MAX, Duration::MAX);
    for _ in 0..RUNS {
        ta = ta.min(once(&mut a));
        tb = tb.min(once(&mut b));
    }
    (ta, tb)
}

fn on_threads<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap().install(f)
}

fn bare_parse(sources: &[Source], parallel: bool) -> usize {
    use rayon::prelude::*;
    let one = |s: &Source| kubegate_yaml::parse_events_only(&s.text).expect("corpus parses");
    if parallel { sources.par_iter().map(one).sum() } else { sources.iter().map(one).sum() }
}

/// Peak RSS (KiB) and wall time of the kubegate binary on `path` (the corpus's files, or
/// one stream of them), measured for that child alone (`wait4`).
fn binary_run(path: &Path) -> (u64, Duration) {
    binary_run_with(&["test", "-o", "json"], path)
}

/// As [`binary_run`], with other arguments before the path (`fix --diff`).
#[expect(clippy::zombie_processes, reason = "the child is reaped by wait4, which also gives its own rusage")]
fn binary_run_with(args: &[&str], path: &Path) -> (u64, Duration) {
    let exe = env!("CARGO_BIN_EXE_kubegate");
    let t = Instant::now();
    let child = std::process::Command::new(exe)
        .args(args)
        .arg(path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run kubegate");
    let mut status = 0;
    // SAFETY: wait4 only writes into the status and the struct we pass, for our child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    let elapsed = t.elapsed();
    assert!(pid > 0 && libc::WIFEXITED(status), "kubegate did not exit: {status}");
    assert!(matches!(libc::WEXITSTATUS(status), 0 | 1), "kubegate failed: {status}");
    (ru.ru_maxrss as u64, elapsed)
}

fn main() {
    let docs: usize = std::env::var("KUBEGATE_BENCH_DOCS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    // KUBEGATE_BENCH_ONCE=scan|parse: one run of one side on one thread, nothing else, for
    // instruction counting (`valgrind --tool=callgrind`), which a shared machine's timing
    // noise does not disturb.
    if let Ok(mode) = std::env::var("KUBEGATE_BENCH_ONCE") {
        let sources = corpus(docs);
        let config = Config::default();
        on_threads(1, || match mode.as_str() {
            "scan" => drop(check(&sources, &config, &CheckOptions::default())),
            _ => drop(std::hint::black_box(bare_parse(&sources, false))),
        });
        return;
    }
    // KUBEGATE_BENCH_DIR keeps the corpus on disk (for profiling the binary by hand).
    let keep = std::env::var_os("KUBEGATE_BENCH_DIR").map(std::path::PathBuf::from);
    let dir =
        keep.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("kubegate-bench-{}", std::process::id())));
    std::fs::create_dir_all(&dir).unwrap();

    // The binary runs first, while this process is still small: Linux counts the
    // spawning process's high-water mark into the child's peak RSS, so spawning after
    // loading the corpus would report this process's memory, not kubegate's. The corpus
    // is written one file at a time for the same reason.
    let mut bytes = 0;
    each_file(docs, FILES, |s| {
        bytes += s.text.len();
        std::fs::write(dir.join(Path::new(&s.path).file_name().unwrap()), &s.text).unwrap();
    });
    // The same documents as one stream (what `kustomize build` or `helm template` pipe
    // in), and four times as many documents in one stream: the cost of a stream must grow
    // linearly with it.
    let stream_file = std::env::temp_dir().join(format!("kubegate-bench-stream-{}.yaml", std::process::id()));
    let stream_bytes = write_stream(docs, &stream_file);
    let stream4_file = std::env::temp_dir().join(format!("kubegate-bench-stream4-{}.yaml", std::process::id()));
    let stream4_bytes = write_stream(docs * 4, &stream4_file);
    // Each case in alternation, the fastest run kept (and the highest peak RSS).
    let mut binary = [(0u64, Duration::MAX); 3];
    for _ in 0..BINARY_RUNS {
        for (i, path) in [&dir, &stream_file, &stream4_file].into_iter().enumerate() {
            let (rss, wall) = binary_run(path);
            binary[i] = (binary[i].0.max(rss), binary[i].1.min(wall));
        }
    }
    let [(rss_kib, wall), (stream_rss_kib, stream_wall), (stream4_rss_kib, stream4_wall)] = binary;
    // `kubegate fix --diff` on the same files: every repair planned, placed, checked and
    // shown as a diff (nothing written), against `test` on them.
    let mut fix_wall = Duration::MAX;
    let mut test_wall = Duration::MAX;
    for _ in 0..BINARY_RUNS {
        test_wall = test_wall.min(binary_run_with(&["test", "-o", "json"], &dir).1);
        fix_wall = fix_wall.min(binary_run_with(&["fix", "--diff"], &dir).1);
    }
    std::fs::remove_file(&stream_file).ok();
    std::fs::remove_file(&stream4_file).ok();
    if keep.is_none() {
        std::fs::remove_dir_all(&dir).ok();
    }

    let sources = corpus(docs);
    let mb = bytes as f64 / 1e6;
    let config = Config::default();
    let opts = CheckOptions::default();
    let outcome = check(&sources, &config, &opts);
    assert!(outcome.errors.is_empty(), "{:?}", &outcome.errors[..1]);
    assert_eq!(outcome.resources.len(), docs);
    let findings = outcome.findings.len();
    drop(outcome);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);

    let scan = || drop(check(&sources, &config, &opts));
    let (scan_1, bare_1) = on_threads(1, || {
        time_pair(scan, || {
            std::hint::black_box(bare_parse(&sources, false));
        })
    });
    let (scan_n, bare_n) = on_threads(cores, || {
        time_pair(scan, || {
            std::hint::black_box(bare_parse(&sources, true));
        })
    });

    let rate = |d: Duration| (mb / d.as_secs_f64(), docs as f64 / d.as_secs_f64());
    let mut report = String::new();
    let _ = writeln!(
        report,
        "corpus: {docs} documents in {FILES} files, {mb:.1} MB, {findings} findings; {cores} cores; fastest of {RUNS}"
    );
    let _ = writeln!(report, "{:<28} {:>10} {:>10} {:>12} {:>8}", "", "time", "MB/s", "docs/s", "ratio");
    for (name, scan, bare) in [("1 thread", scan_1, bare_1), (&*format!("{cores} threads"), scan_n, bare_n)] {
        let (smb, sdocs) = rate(scan);
        let (bmb, bdocs) = rate(bare);
        let _ = writeln!(
            report,
            "{:<28} {:>8.1}ms {:>10.1} {:>12.0} {:>8.2}",
            format!("full scan, {name}"),
            scan.as_secs_f64() * 1e3,
            smb,
            sdocs,
            scan.as_secs_f64() / bare.as_secs_f64()
        );
        let _ = writeln!(
            report,
            "{:<28} {:>8.1}ms {:>10.1} {:>12.0}",
            format!("bare parse, {name}"),
            bare.as_secs_f64() * 1e3,
            bmb,
            bdocs
        );
    }
    let mb_of = |b: usize| b as f64 / 1e6;
    for (name, wall, rss_kib, size) in [
        (format!("{FILES} files"), wall, rss_kib, bytes),
        (format!("one stream ({:.1} MB)", mb_of(stream_bytes)), stream_wall, stream_rss_kib, stream_bytes),
        (
            format!("4x the documents in one stream ({:.1} MB)", mb_of(stream4_bytes)),
            stream4_wall,
            stream4_rss_kib,
            stream4_bytes,
        ),
    ] {
        let _ = writeln!(
            report,
            "kubegate binary (-o json), {name}: {:.1}ms end to end, peak RSS {:.1} MB = {:.2}x its input",
            wall.as_secs_f64() * 1e3,
            rss_kib as f64 * 1024.0 / 1e6,
            rss_kib as f64 * 1024.0 / size as f64
        );
    }
    let _ = writeln!(
        report,
        "kubegate fix --diff, {FILES} files: {:.1}ms vs test {:.1}ms: {:.2}x",
        fix_wall.as_secs_f64() * 1e3,
        test_wall.as_secs_f64() * 1e3,
        fix_wall.as_secs_f64() / test_wall.as_secs_f64()
    );
    let _ = writeln!(
        report,
        "one stream vs {FILES} files, end to end: {:.2}x; 4x the documents in one stream vs one stream: {:.2}x",
        stream_wall.as_secs_f64() / wall.as_secs_f64(),
        stream4_wall.as_secs_f64() / stream_wall.as_secs_f64()
    );
    print!("{report}");
}
