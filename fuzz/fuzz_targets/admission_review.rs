//! The admission stage on arbitrary request bodies: a body that is not an AdmissionReview
//! is a bad request with a reason; one that is gets a response the API server accepts
//! (its version and kind, the uid echoed, no patch, a denial with code 403 and a message,
//! warnings of one line within 120 characters, at most 20), or a reason it could not be
//! judged; nothing panics.
#![no_main]

use kubegate_admission::{Gate, Mode, decide, warnings};
use libfuzzer_sys::fuzz_target;

static GATE: std::sync::LazyLock<Gate> = std::sync::LazyLock::new(|| Gate {
    config: kubegate_engine::Config::default(),
    policies: None,
    policies_only: false,
    mode: Mode::Enforce,
    today: kubegate_engine::exemptions::parse_date("2026-06-01"),
});

fuzz_target!(|data: &[u8]| {
    let decision = match decide(&GATE, data) {
        Err(bad) => {
            assert!(!bad.0.is_empty());
            return;
        }
        Ok(d) => d,
    };
    let Some(body) = decision.response else {
        assert!(decision.error.is_some_and(|e| !e.is_empty()));
        return;
    };
    let request: serde_json::Value = serde_json::from_slice(data).expect("a decided body is JSON");
    let v: serde_json::Value = serde_json::from_slice(&body).expect("the response is JSON");
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["kind"], "AdmissionReview");
    let r = &v["response"];
    assert_eq!(r["uid"], request["request"]["uid"]);
    assert!(r.get("patch").is_none() && r.get("patchType").is_none());
    let allowed = r["allowed"].as_bool().expect("allowed is a boolean");
    assert_eq!(allowed, decision.allowed);
    if !allowed {
        assert_eq!(r["status"]["code"], 403);
        assert!(!r["status"]["message"].as_str().unwrap_or("").is_empty());
    }
    let list = r["warnings"].as_array().cloned().unwrap_or_default();
    assert!(list.len() <= warnings::MAX_WARNINGS);
    for w in &list {
        let w = w.as_str().expect("a warning is a string");
        assert!(!w.is_empty() && w.chars().count() <= warnings::MAX_CHARS, "{w:?}");
        assert!(!w.chars().any(char::is_control), "{w:?}");
    }
});
