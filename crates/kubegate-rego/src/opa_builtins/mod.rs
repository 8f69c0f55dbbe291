//! kubegate's own versions of the builtins whose results in regorus differ from OPA's.
//!
//! Conftest runs OPA, so a policy must give the same verdict and the same message under
//! kubegate as under Conftest; where regorus' builtin computes something else, kubegate
//! registers its own (extensions are looked up before builtins), written after what OPA
//! does (OPA is Go, so this is mostly Go's library behaviour) and checked against OPA by
//! the differential suite (`tests/oracle.rs`):
//!
//! - `sprintf`: Go's `fmt.Sprintf` (`gofmt`), with OPA's conversion of the arguments;
//! - `to_number`: Go's `strconv.ParseFloat` syntax (`"007"` and `"1_000"` are numbers,
//!   `" 1"` and `"0x10"` are errors);
//! - `upper`, `lower`: Go's one-character-to-one-character case mapping (`upper("straße")`
//!   is `STRAßE`, `lower("İ")` is `i`);
//! - `semver.is_valid`, `semver.compare`: OPA's semantic versions (`v1.2.3` is valid);
//! - `yaml.unmarshal`, `yaml.is_valid`: YAML 1.1 as Kubernetes (and OPA) reads it
//!   (`yes` is true, `010` is 8), through kubegate's own YAML loader;
//! - `json.patch`: a remove, replace, move or copy of a path that does not exist is an
//!   error, as in OPA, where regorus' result is undefined;
//! - `crypto.md5`, `crypto.sha1`, `crypto.sha256`, `crypto.hmac.*`: missing from regorus;
//! - `regex.*`: the pattern read as Go's RE2 reads it (`\d`, `\w`, `\s`, `\b` are ASCII;
//!   `go_regex`), then regorus' builtin.
//!
//! `sprintf` and `to_number` are also bounded (`budget`): the bounded version runs the
//! function from [`replacement`] once its checks pass.

mod go_print;
pub(crate) mod go_regex;
mod gofmt;

use anyhow::{Result, bail};
use regorus::{Engine, Value};

/// A builtin's implementation: its arguments (never undefined) to its value.
pub(crate) type Builtin = fn(&[Value]) -> Result<Value>;

/// kubegate's version of a builtin that `budget` bounds, run in place of regorus' own.
pub(crate) fn replacement(name: &str) -> Option<Builtin> {
    match name {
        "sprintf" => Some(sprintf),
        "to_number" => Some(to_number),
        _ => None,
    }
}

/// Registers the builtins that need no bound.
pub(crate) fn add(engine: &mut Engine) {
    let builtins: [(&str, u8, Builtin); 15] = [
        ("upper", 1, upper),
        ("lower", 1, lower),
        ("semver.is_valid", 1, semver_is_valid),
        ("semver.compare", 2, semver_compare),
        ("yaml.unmarshal", 1, yaml_unmarshal),
        ("yaml.is_valid", 1, yaml_is_valid),
        ("json.patch", 2, json_patch),
        ("crypto.md5", 1, |a| digest::<md5::Md5>("crypto.md5", a)),
        ("crypto.sha1", 1, |a| digest::<sha1::Sha1>("crypto.sha1", a)),
        ("crypto.sha256", 1, |a| digest::<sha2::Sha256>("crypto.sha256", a)),
        ("crypto.hmac.md5", 2, hmac_md5),
        ("crypto.hmac.sha1", 2, hmac_sha1),
        ("crypto.hmac.sha256", 2, hmac_sha256),
        ("crypto.hmac.sha512", 2, hmac_sha512),
        ("crypto.hmac.equal", 2, hmac_equal),
    ];
    for (name, nargs, f) in builtins {
        let call = move |args: Vec<Value>| -> Result<Value> {
            if args.contains(&Value::Undefined) {
                return Ok(Value::Undefined);
            }
            f(&args)
        };
        // None of these names is taken in a fresh engine: adding cannot fail.
        let _ = engine.add_extension(name.into(), nargs, Box::new(call));
    }
    // `regex.replace` is bounded (`budget`), which reads its pattern the same way.
    for (name, _) in go_regex::PATTERN_ARGUMENT.into_iter().filter(|(n, _)| *n != "regex.replace") {
        let Some(&(_, nargs)) = regorus::unstable::BUILTINS.get(name) else { continue };
        let call = move |args: Vec<Value>| -> Result<Value> {
            if args.contains(&Value::Undefined) {
                return Ok(Value::Undefined);
            }
            crate::budget::call_builtin(name, &go_regex::arguments(name, &args))
        };
        let _ = engine.add_extension(name.into(), nargs, Box::new(call));
    }
}

fn string<'v>(builtin: &str, args: &'v [Value], i: usize) -> Result<&'v str> {
    match &args[i] {
        Value::String(s) => Ok(s),
        other => bail!("{builtin}: operand {} must be string but got {}", i + 1, type_name(other)),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Set(_) => "set",
        Value::Object(_) => "object",
        Value::Undefined => "undefined",
    }
}

fn sprintf(args: &[Value]) -> Result<Value> {
    let format = string("sprintf", args, 0)?;
    let Value::Array(values) = &args[1] else {
        bail!("sprintf: operand 2 must be array but got {}", type_name(&args[1]));
    };
    let values: Vec<gofmt::Arg<'_>> = values.iter().map(gofmt::arg).collect();
    match gofmt::sprintf(format, &values) {
        Ok(s) => Ok(Value::from(s)),
        Err(why) => bail!("sprintf: {why}, beyond kubegate's evaluation budget"),
    }
}

/// `to_number`: null is 0, booleans 0 and 1, numbers themselves, and a string is a number
/// when Go's `strconv.ParseFloat` reads it (signs, leading zeros, `_` between digits,
/// `.5`, `1.`, hexadecimal floats with a `p` exponent) but for infinities and NaN.
fn to_number(args: &[Value]) -> Result<Value> {
    let s = match &args[0] {
        Value::Null => return Ok(Value::from(0)),
        Value::Bool(b) => return Ok(Value::from(i64::from(*b))),
        n @ Value::Number(_) => return Ok(n.clone()),
        Value::String(s) => s,
        other => {
            bail!("to_number: operand 1 must be one of {{null, boolean, number, string}} but got {}", type_name(other))
        }
    };
    let unsigned = s.trim_start_matches(['+', '-']).to_ascii_lowercase();
    if matches!(unsigned.as_str(), "inf" | "infinity" | "nan") {
        bail!("to_number: operand 1 must be valid number string but got string");
    }
    let Some(number) = parse_go_float(s) else {
        bail!("to_number: strconv.ParseFloat: parsing {s:?}: invalid syntax");
    };
    let value = match number {
        GoFloat::Decimal(text) => {
            if text.parse::<f64>().map_or(true, f64::is_infinite) {
                bail!("to_number: strconv.ParseFloat: parsing {s:?}: value out of range");
            }
            Value::from_numeric_string(&text)?
        }
        GoFloat::Hex(f) if f.is_infinite() => bail!("to_number: strconv.ParseFloat: parsing {s:?}: value out of range"),
        GoFloat::Hex(f) => Value::from(f),
    };
    Ok(value)
}

/// A number in Go's float syntax: decimal (as JSON number text), or hexadecimal (its value).
enum GoFloat {
    Decimal(String),
    Hex(f64),
}

/// Go's `underscoreOK`: `_` only between digits (a base prefix counts as a digit).
fn underscores_ok(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Reads `s` as Go's `strconv.ParseFloat` does (infinities and NaN aside).
fn parse_go_float(s: &str) -> Option<GoFloat> {
    if s.contains('_') && !underscores_ok(s) {
        return None;
    }
    let clean = s.replace('_', "");
    let (neg, body) = match clean.as_bytes().first()? {
        b'-' => (true, &clean[1..]),
        b'+' => (false, &clean[1..]),
        _ => (false, &clean[..]),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return parse_hex_float(hex).map(|f| GoFloat::Hex(if neg { -f } else { f }));
    }
    let b = body.as_bytes();
    let mut i = 0;
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_part = &body[int_start..i];
    let mut frac_part = "";
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_part = &body[start..i];
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut exponent = String::new();
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            exponent.push(b[i] as char);
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        exponent.push_str(&body[start..i]);
    }
    if i != b.len() {
        return None;
    }
    // JSON number text: no leading zeros, digits on both sides of a point.
    let mut text = String::with_capacity(body.len() + 2);
    if neg {
        text.push('-');
    }
    let int_part = int_part.trim_start_matches('0');
    text.push_str(if int_part.is_empty() { "0" } else { int_part });
    if !frac_part.is_empty() {
        text.push('.');
        text.push_str(frac_part);
    }
    if !exponent.is_empty() {
        text.push('e');
        text.push_str(&exponent);
    }
    Some(GoFloat::Decimal(text))
}

/// The value of a hexadecimal float after `0x`: hex digits with an optional point, then
/// a `p` exponent (which Go requires).
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mantissa, exp) = s.split_once(['p', 'P'])?;
    let exp: i32 = exp.parse().ok()?;
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars().chain(frac_part.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let scale = exp.checked_sub(4 * i32::try_from(frac_part.len()).ok()?)?;
    Some(value * 2f64.powi(scale))
}

/// Go's `unicode.ToUpper` of a character whose full uppercase is several characters
/// (which Rust's `to_uppercase` gives): its simple mapping, one character.
fn simple_upper(c: char) -> char {
    match c {
        // Greek with a combining iota (ypogegrammeni): the capital with prosgegrammeni.
        '\u{1f80}'..='\u{1f87}' | '\u{1f90}'..='\u{1f97}' | '\u{1fa0}'..='\u{1fa7}' => {
            char::from_u32(c as u32 + 8).unwrap_or(c)
        }
        '\u{1fb3}' => '\u{1fbc}',
        '\u{1fc3}' => '\u{1fcc}',
        '\u{1ff3}' => '\u{1ffc}',
        // ß, ŉ, ǰ, ligatures, Armenian ech-yiwn, Greek with diacritics that have no
        // single capital, and the capitals with prosgegrammeni: themselves.
        c => c,
    }
}

fn upper(args: &[Value]) -> Result<Value> {
    let s = string("upper", args, 0)?;
    if s.is_ascii() {
        return Ok(Value::from(s.to_ascii_uppercase()));
    }
    Ok(Value::from(
        s.chars()
            .map(|c| {
                let mut up = c.to_uppercase();
                match (up.next(), up.next()) {
                    (Some(u), None) => u,
                    _ => simple_upper(c),
                }
            })
            .collect::<String>(),
    ))
}

fn lower(args: &[Value]) -> Result<Value> {
    let s = string("lower", args, 0)?;
    if s.is_ascii() {
        return Ok(Value::from(s.to_ascii_lowercase()));
    }
    // One character at a time: no final sigma (`ς`) as `str::to_lowercase` writes, and
    // `İ`, the one character whose full lowercase is two, is `i`.
    Ok(Value::from(
        s.chars()
            .map(|c| {
                let mut low = c.to_lowercase();
                match (low.next(), low.next()) {
                    (Some(l), None) => l,
                    _ if c == '\u{130}' => 'i',
                    _ => c,
                }
            })
            .collect::<String>(),
    ))
}

/// A semantic version as OPA reads it: an optional `v`, three dot-separated 64-bit
/// integers (leading zeros allowed), then `-pre.release` and `+build` identifiers of
/// `[0-9A-Za-z-]` (either may be empty).
struct SemVer<'s> {
    numbers: [i64; 3],
    pre: &'s str,
}

fn identifiers_ok(s: &str) -> bool {
    s.is_empty() || s.split('.').all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn semver(s: &str) -> Option<SemVer<'_>> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let (rest, build) = s.split_once('+').unwrap_or((s, ""));
    let (core, pre) = rest.split_once('-').unwrap_or((rest, ""));
    let parts: Vec<&str> = core.splitn(3, '.').collect();
    if parts.len() != 3 || !identifiers_ok(pre) || !identifiers_ok(build) {
        return None;
    }
    let mut numbers = [0i64; 3];
    for (n, p) in numbers.iter_mut().zip(&parts) {
        // Go's ParseInt: an optional sign, then decimal digits.
        let digits = p.strip_prefix(['+', '-']).unwrap_or(p);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *n = p.parse().ok()?;
    }
    Some(SemVer { numbers, pre })
}

fn semver_is_valid(args: &[Value]) -> Result<Value> {
    Ok(Value::from(matches!(&args[0], Value::String(s) if semver(s).is_some())))
}

fn semver_compare(args: &[Value]) -> Result<Value> {
    let version = |i: usize| -> Result<SemVer<'_>> {
        let s = string("semver.compare", args, i)?;
        semver(s)
            .ok_or_else(|| anyhow::anyhow!("semver.compare: operand {}: string {s:?} is not a valid SemVer", i + 1))
    };
    let (a, b) = (version(0)?, version(1)?);
    let order = a.numbers.cmp(&b.numbers).then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        (false, false) => pre_release_order(a.pre, b.pre),
    });
    Ok(Value::from(order as i64))
}

/// Pre-releases compared identifier by identifier: numbers (digits only) before words,
/// numbers by value, words by text; more identifiers win. (OPA does not finish comparing
/// two numbers of equal value written differently, `01` and `1`; here the text decides.)
fn pre_release_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (mut a, mut b) = (a.split('.'), b.split('.'));
    loop {
        let (x, y) = match (a.next(), b.next()) {
            (None, None) => return Equal,
            (None, Some(_)) => return Less,
            (Some(_), None) => return Greater,
            (Some(x), Some(y)) => (x, y),
        };
        let order = match (numeric(x), numeric(y)) {
            (true, false) => Less,
            (false, true) => Greater,
            (true, true) => {
                let (i, j) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                i.len().cmp(&j.len()).then(i.cmp(j)).then(x.cmp(y))
            }
            (false, false) => x.cmp(y),
        };
        if order != Equal {
            return order;
        }
    }
}

/// The first document of a YAML text, read as Kubernetes reads YAML (1.1 booleans,
/// octal, `_` in numbers); an empty text is null. As OPA, which converts it to JSON: a key
/// is the text of its resolved value (`y:` is `"true"`, `010:` is `"8"`), a null key and
/// an infinite or NaN number are errors.
fn yaml_document(builtin: &str, text: &str) -> Result<Value> {
    let arena = kubegate_yaml::Bump::new();
    let loaded = kubegate_yaml::load(text, &arena);
    if let Some(e) = loaded.error {
        bail!("{builtin}: line {}: {}", e.pos.line, e.message);
    }
    match loaded.documents.first() {
        Some(d) => yaml_value(builtin, &d.root),
        None => Ok(Value::Null),
    }
}

fn yaml_value(builtin: &str, node: &kubegate_yaml::Node<'_>) -> Result<Value> {
    use kubegate_yaml::{Data, ScalarKind, resolve_plain};
    match &node.data {
        Data::Map(entries) => {
            let mut map = std::collections::BTreeMap::new();
            for (k, v) in entries.iter() {
                let key = match (k.plain, resolve_plain(k.text)) {
                    (false, _) | (true, ScalarKind::Str | ScalarKind::Float) => Value::from(k.text),
                    (true, ScalarKind::Null) => bail!("{builtin}: unsupported map key of type null"),
                    (true, ScalarKind::Bool(b)) => Value::from(if b { "true" } else { "false" }),
                    (true, ScalarKind::Int) => match kubegate_yaml::parse_int(k.text) {
                        Some(i) => Value::from(i.to_string()),
                        None => Value::from(k.text),
                    },
                };
                map.insert(key, yaml_value(builtin, v)?);
            }
            Ok(Value::from(map))
        }
        Data::Seq(items) => Ok(Value::from(items.iter().map(|i| yaml_value(builtin, i)).collect::<Result<Vec<_>>>()?)),
        Data::Scalar { kind: ScalarKind::Float, .. } if node.as_f64().is_some_and(|f| !f.is_finite()) => {
            bail!("{builtin}: json: unsupported value: {}", node.as_f64().unwrap_or_default())
        }
        Data::Scalar { .. } => Ok(crate::convert(node)),
    }
}

fn yaml_unmarshal(args: &[Value]) -> Result<Value> {
    yaml_document("yaml.unmarshal", string("yaml.unmarshal", args, 0)?)
}

fn yaml_is_valid(args: &[Value]) -> Result<Value> {
    let Value::String(s) = &args[0] else { return Ok(Value::from(false)) };
    Ok(Value::from(yaml_document("yaml.is_valid", s).is_ok()))
}

/// `json.patch` as regorus applies it, but a patch regorus finds inapplicable (a path to
/// remove, replace, move, copy or test that does not exist) is an error, as in OPA.
fn json_patch(args: &[Value]) -> Result<Value> {
    match crate::budget::call_builtin("json.patch", args)? {
        Value::Undefined => bail!("json.patch: the patch cannot be applied (a path it names does not exist)"),
        v => Ok(v),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn digest<D: sha2::Digest>(builtin: &str, args: &[Value]) -> Result<Value> {
    Ok(Value::from(hex(&D::digest(string(builtin, args, 0)?.as_bytes()))))
}

/// `crypto.hmac.*(x, key)`: the HMAC of `x` with `key`, in hex.
macro_rules! hmac_builtin {
    ($f:ident, $digest:ty, $name:literal) => {
        fn $f(args: &[Value]) -> Result<Value> {
            use ::hmac::Mac;
            let key = string($name, args, 1)?;
            let mut mac = <::hmac::Hmac<$digest> as Mac>::new_from_slice(key.as_bytes())
                .map_err(|e| anyhow::anyhow!("{}: {e}", $name))?;
            mac.update(string($name, args, 0)?.as_bytes());
            Ok(Value::from(hex(&mac.finalize().into_bytes())))
        }
    };
}

hmac_builtin!(hmac_md5, md5::Md5, "crypto.hmac.md5");
hmac_builtin!(hmac_sha1, sha1::Sha1, "crypto.hmac.sha1");
hmac_builtin!(hmac_sha256, sha2::Sha256, "crypto.hmac.sha256");
hmac_builtin!(hmac_sha512, sha2::Sha512, "crypto.hmac.sha512");

fn hmac_equal(args: &[Value]) -> Result<Value> {
    let (a, b) = (string("crypto.hmac.equal", args, 0)?, string("crypto.hmac.equal", args, 1)?);
    // Constant time in the length of the strings, as OPA's.
    let same = a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    Ok(Value::from(same))
}
