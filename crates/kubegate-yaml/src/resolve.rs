//! Plain-scalar resolution as Kubernetes does it: `sigs.k8s.io/yaml` converts YAML to JSON
//! with YAML 1.1 rules, so `yes`, `on`, `y` are booleans, `0755` is octal, and `1_000` is an
//! integer.

use crate::ScalarKind;

pub fn resolve_plain(s: &str) -> ScalarKind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarKind::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return ScalarKind::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return ScalarKind::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return ScalarKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return ScalarKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return ScalarKind::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return ScalarKind::Str;
    }
    if let Some(i) = resolve_int(s) {
        return ScalarKind::Int(i);
    }
    if is_float(s) {
        let cleaned: String = s.chars().filter(|c| *c != '_').collect();
        if let Ok(f) = cleaned.parse::<f64>() {
            return ScalarKind::Float(f);
        }
    }
    ScalarKind::Str
}

fn resolve_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let cleaned: String = body.chars().filter(|c| *c != '_').collect();
    if cleaned.is_empty() {
        return None;
    }
    let value = if let Some(hex) = cleaned.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = cleaned.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if cleaned.len() > 1
        && cleaned.starts_with('0')
        && cleaned.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        i64::from_str_radix(&cleaned[1..], 8).ok()?
    } else if cleaned.bytes().all(|b| b.is_ascii_digit()) {
        cleaned.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -value } else { value })
}

/// `[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?`
fn is_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits_start = i;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let d = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == d {
            return false;
        }
    } else {
        if i >= b.len() || !b[i].is_ascii_digit() {
            return false;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                i += 1;
            }
        }
    }
    if i == digits_start {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let d = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == d {
            return false;
        }
    }
    i == b.len()
}
