//! Plain-scalar resolution as Kubernetes does it: `sigs.k8s.io/yaml` converts YAML to JSON
//! with YAML 1.1 rules, so `yes`, `on`, `y` are booleans, `0755` is octal, and `1_000` is an
//! integer. Resolution allocates nothing; numbers are parsed again when a rule asks.

use crate::ScalarKind;
use std::borrow::Cow;

pub fn resolve_plain(s: &str) -> ScalarKind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarKind::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return ScalarKind::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return ScalarKind::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN"
        | ".NAN" => return ScalarKind::Float,
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return ScalarKind::Str;
    }
    if parse_int(s).is_some() {
        ScalarKind::Int
    } else if is_float(s) {
        ScalarKind::Float
    } else {
        ScalarKind::Str
    }
}

fn without_underscores(s: &str) -> Cow<'_, str> {
    if s.contains('_') { Cow::Owned(s.replace('_', "")) } else { Cow::Borrowed(s) }
}

/// A YAML 1.1 integer: decimal, `0x` hex, `0b` binary, leading-zero or `0o` octal (the
/// prefixes Go's `ParseInt` reads, either case), `_` allowed.
/// The digits after the prefix are digits of that base only (no second sign, as in
/// `-0x-8000000000000000`, which is therefore a string); a value beyond 64 bits is not an
/// integer here (the caller reads it as a float).
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let cleaned = without_underscores(body);
    let c: &str = &cleaned;
    let (digits, radix) = if let Some(hex) = c.strip_prefix("0x").or_else(|| c.strip_prefix("0X")) {
        (hex, 16)
    } else if let Some(bin) = c.strip_prefix("0b").or_else(|| c.strip_prefix("0B")) {
        (bin, 2)
    } else if let Some(oct) = c.strip_prefix("0o").or_else(|| c.strip_prefix("0O")) {
        (oct, 8)
    } else if c.len() > 1 && c.starts_with('0') && c.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        (&c[1..], 8)
    } else {
        (c, 10)
    };
    if digits.is_empty() || !digits.chars().all(|d| d.is_digit(radix)) {
        return None;
    }
    // The magnitude, then the sign: `-9223372036854775808` is i64::MIN, one more is not.
    let magnitude = i128::from(u64::from_str_radix(digits, radix).ok()?);
    i64::try_from(if neg { -magnitude } else { magnitude }).ok()
}

/// A YAML 1.1 float (`1.5`, `-.5e3`, `.inf`, `.nan`, `1_000.5`).
pub fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    if !is_float(s) {
        return None;
    }
    without_underscores(s).parse::<f64>().ok()
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
