//! The `admission.k8s.io/v1` `AdmissionReview` on the wire: the request kubegate reads
//! (the object kept as raw JSON text, handed to the engine as it came) and the response
//! it writes.

use serde::Deserialize;
use serde_json::value::RawValue;

/// The only version and kind the API server sends to a webhook registered for v1, and the
/// only ones it accepts back.
pub const API_VERSION: &str = "admission.k8s.io/v1";
pub const KIND: &str = "AdmissionReview";

#[derive(Deserialize)]
struct Review<'a> {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    #[serde(borrow)]
    request: Option<RequestIn<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestIn<'a> {
    uid: Option<String>,
    kind: Option<GroupVersionKind>,
    name: Option<String>,
    namespace: Option<String>,
    operation: Option<String>,
    #[serde(borrow)]
    object: Option<&'a RawValue>,
    #[serde(default)]
    dry_run: Option<bool>,
}

/// `request.kind`: what the object is.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct GroupVersionKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
}

/// What kubegate needs of an admission request.
#[derive(Debug)]
pub struct Request<'a> {
    pub uid: String,
    pub kind: GroupVersionKind,
    pub name: String,
    pub namespace: Option<String>,
    pub operation: Operation,
    /// The object as JSON text (`None` for DELETE and CONNECT).
    pub object: Option<&'a str>,
    pub dry_run: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
    Connect,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }
}

/// A request kubegate cannot answer with a verdict: the HTTP 400 it gets, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRequest(pub String);

/// Reads an AdmissionReview request body.
pub fn decode(body: &[u8]) -> Result<Request<'_>, BadRequest> {
    let text = std::str::from_utf8(body).map_err(|e| BadRequest(format!("the body is not UTF-8: {e}")))?;
    let review: Review<'_> =
        serde_json::from_str(text).map_err(|e| BadRequest(format!("the body is not an AdmissionReview: {e}")))?;
    if review.api_version.as_deref() != Some(API_VERSION) || review.kind.as_deref() != Some(KIND) {
        return Err(BadRequest(format!(
            "expected apiVersion {API_VERSION} and kind {KIND}, got {} and {}",
            review.api_version.as_deref().unwrap_or("none"),
            review.kind.as_deref().unwrap_or("none")
        )));
    }
    let request = review.request.ok_or_else(|| BadRequest("the AdmissionReview has no `request`".into()))?;
    let uid = request.uid.filter(|u| !u.is_empty()).ok_or_else(|| BadRequest("`request.uid` is missing".into()))?;
    let operation = match request.operation.as_deref() {
        Some("CREATE") => Operation::Create,
        Some("UPDATE") => Operation::Update,
        Some("DELETE") => Operation::Delete,
        Some("CONNECT") => Operation::Connect,
        Some(other) => return Err(BadRequest(format!("unknown `request.operation` {other:?}"))),
        None => return Err(BadRequest("`request.operation` is missing".into())),
    };
    let object = request.object.map(RawValue::get).filter(|o| *o != "null");
    if object.is_none() && matches!(operation, Operation::Create | Operation::Update) {
        return Err(BadRequest(format!("`request.object` is missing for {}", operation.as_str())));
    }
    if let Some(o) = object
        && !o.starts_with('{')
    {
        return Err(BadRequest("`request.object` is not an object".into()));
    }
    Ok(Request {
        uid,
        kind: request.kind.unwrap_or_default(),
        name: request.name.unwrap_or_default(),
        namespace: request.namespace.filter(|n| !n.is_empty()),
        operation,
        object,
        dry_run: request.dry_run.unwrap_or(false),
    })
}

/// What the response says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// For a denial: the message (one line per denied finding).
    pub denial: Option<String>,
    pub warnings: Vec<String>,
    /// `auditAnnotations` (the API server prefixes each key with the webhook's name).
    pub annotations: Vec<(String, String)>,
}

/// Writes the AdmissionReview response for the request `uid`: HTTP 200, the same version
/// and kind, `uid` echoed; a denial is code 403 (reason `Forbidden`); no patch (a
/// validating webhook must not send one).
pub fn encode(uid: &str, verdict: &Verdict) -> Vec<u8> {
    let mut response = serde_json::Map::new();
    response.insert("uid".into(), uid.into());
    response.insert("allowed".into(), verdict.allowed.into());
    if let Some(message) = &verdict.denial {
        response.insert("status".into(), serde_json::json!({"code": 403, "reason": "Forbidden", "message": message}));
    }
    if !verdict.warnings.is_empty() {
        response.insert("warnings".into(), verdict.warnings.clone().into());
    }
    if !verdict.annotations.is_empty() {
        let map: serde_json::Map<String, serde_json::Value> =
            verdict.annotations.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect();
        response.insert("auditAnnotations".into(), map.into());
    }
    let review = serde_json::json!({"apiVersion": API_VERSION, "kind": KIND, "response": response});
    serde_json::to_vec(&review).unwrap_or_default()
}
