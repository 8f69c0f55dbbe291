//! The evaluation budget no single builtin call can escape.
//!
//! regorus' execution timer is checked between expressions, never inside a builtin call,
//! so one call that builds a huge value (`net.cidr_expand("10.0.0.0/8")`, the 40th step
//! of a `replace` doubling chain, `sprintf` of a number of 200 million bits) ran for
//! minutes or allocated gigabytes until the process aborted. kubegate registers its own
//! versions of those builtins (extensions are looked up before builtins): each checks the
//! size of what the call would produce against the bounds below *before* running the
//! builtin, then runs regorus' own builtin, so results are unchanged within the bounds.
//! Exceeding a bound is an error naming the builtin (then the policy and the document).

use anyhow::bail;
use regorus::unstable::{BUILTINS, Expr, Ref, Source, Span};
use regorus::{Engine, Value};

/// The longest string a bounded builtin may produce (16 MiB).
pub const MAX_STRING_BYTES: usize = 16 << 20;

/// The most elements a bounded builtin may produce (an array, set or object).
pub const MAX_ELEMENTS: usize = 1_000_000;

/// The largest integer a bounded builtin accepts or produces, in bits. OPA's numbers are
/// arbitrary-precision; Kubernetes' are 64-bit, so 4096 bits leave ample room.
pub const MAX_NUMBER_BITS: u64 = 4096;

/// The longest string `to_number` parses (about [`MAX_NUMBER_BITS`] in decimal digits).
const MAX_NUMBER_DIGITS: usize = 1300;

/// The most bytes the bounded builtins may build in one evaluation (one document, one
/// `verify` test), all calls together: each call is bounded, and so is a comprehension
/// that makes a million of them.
pub const MAX_EVALUATION_BYTES: usize = 256 << 20;

/// What one element of a built array or set counts for against [`MAX_EVALUATION_BYTES`].
const ELEMENT_BYTES: usize = 48;

thread_local! {
    /// Bytes built by the bounded builtins in the evaluation under way on this thread
    /// (evaluations run on the thread that asks for them).
    static BUILT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Starts an evaluation's budget on this thread.
pub(crate) fn start_evaluation() {
    BUILT.with(|b| b.set(0));
}

/// The most addresses `net.cidr_expand` may list (an IPv4 /16).
pub const MAX_CIDR_ADDRESSES: u128 = 1 << 16;

/// The widest `sprintf` field width or precision (`%09999d`).
pub const MAX_FORMAT_WIDTH: usize = 9999;

/// Registers the bounded builtins in a fresh engine, and kubegate's versions of the
/// builtins whose results must be OPA's (`opa_builtins`).
pub(crate) fn add_bounded_builtins(engine: &mut Engine) {
    use Growth::*;
    let strings: [(&'static str, u8, Growth); 17] = [
        ("concat", 2, Concat),
        ("replace", 3, Replace),
        ("strings.replace_n", 2, ReplaceN),
        ("regex.replace", 3, RegexReplace),
        ("sprintf", 2, Sprintf),
        ("hex.encode", 1, Times(2)),
        ("base64.encode", 1, Times(2)),
        ("base64url.encode", 1, Times(2)),
        ("base64url.encode_no_pad", 1, Times(2)),
        ("urlquery.encode", 1, Times(3)),
        ("urlquery.encode_object", 1, Times(3)),
        ("json.marshal", 1, Json),
        ("json.marshal_with_options", 2, Marshal),
        ("yaml.marshal", 1, Marshal),
        ("format_int", 2, Times(1)),
        ("to_number", 1, ToNumber),
        ("split", 2, Split),
    ];
    for (name, nargs, growth) in strings {
        guard(engine, name, nargs, growth);
    }
    guard(engine, "array.concat", 2, ArrayConcat);
    guard(engine, "net.cidr_expand", 1, Cidr);
    guard(engine, "bits.lsh", 2, ShiftLeft);
    add_ranges(engine);
    crate::opa_builtins::add(engine);
}

/// How a builtin's result grows with its arguments, to bound it before it is built.
#[derive(Clone, Copy)]
enum Growth {
    /// A string at most this many times the size of the arguments' text.
    Times(usize),
    /// A value written as JSON text.
    Json,
    /// A value written as indented text: each element on its own line, indented by its
    /// depth (`yaml.marshal`; `json.marshal_with_options` with a `prefix` and an `indent`
    /// string of its choosing).
    Marshal,
    /// A number parsed from a string: at most [`MAX_NUMBER_BITS`] bits' worth of digits.
    ToNumber,
    Concat,
    Replace,
    ReplaceN,
    RegexReplace,
    Sprintf,
    Split,
    ArrayConcat,
    Cidr,
    ShiftLeft,
}

fn guard(engine: &mut Engine, name: &'static str, nargs: u8, growth: Growth) {
    // kubegate's own version (one that gives OPA's results), else regorus' builtin.
    let own = crate::opa_builtins::replacement(name);
    if own.is_none() && !BUILTINS.contains_key(name) {
        return;
    }
    let bounded = move |args: Vec<Value>| -> anyhow::Result<Value> {
        if args.contains(&Value::Undefined) {
            return Ok(Value::Undefined);
        }
        // A regex builtin's pattern, read as Go reads it.
        let args = crate::opa_builtins::go_regex::arguments(name, &args);
        let bytes = match within_budget(growth, &args) {
            Ok(bytes) => bytes,
            Err(why) => bail!("{name}: {why}, beyond kubegate's evaluation budget"),
        };
        spend(name, bytes)?;
        let value = match own {
            Some(f) => f(&args)?,
            None => call_builtin(name, &args)?,
        };
        // A result larger than foreseen (a `sprintf` width taken from its arguments, `%*d`)
        // counts for all its bytes.
        if let Value::String(s) = &value
            && s.len() > bytes
        {
            spend(name, s.len() - bytes)?;
        }
        Ok(value)
    };
    // A fresh engine has no extension of that name: adding cannot fail.
    let _ = engine.add_extension(name.into(), nargs, Box::new(bounded));
}

/// Counts `bytes` against the evaluation's budget.
fn spend(name: &str, bytes: usize) -> anyhow::Result<()> {
    let built = BUILT.with(|b| {
        let total = b.get().saturating_add(bytes);
        b.set(total);
        total
    });
    if built > MAX_EVALUATION_BYTES {
        bail!(
            "{name}: the bounded builtins have built {built} bytes in this evaluation (more than \
             {MAX_EVALUATION_BYTES}), beyond kubegate's evaluation budget"
        );
    }
    Ok(())
}

/// Runs regorus' own builtin `name` (one the engine has) on `args`.
pub(crate) fn call_builtin(name: &str, args: &[Value]) -> anyhow::Result<Value> {
    let Some(&(builtin, _)) = BUILTINS.get(name) else { bail!("{name}: no such builtin") };
    match CALL.with(|c| builtin(&c.span, &c.params[..args.len().min(c.params.len())], args, true)) {
        Ok(v) => Ok(v),
        Err(e) => bail!("{}", plain(&e)),
    }
}

/// What a builtin called from an extension needs besides its arguments: the span and
/// parameter expressions regorus uses only for its error messages (which `plain` trims).
struct Call {
    span: Span,
    params: Vec<Ref<Expr>>,
}

thread_local! {
    static CALL: Call = {
        let source = Source::from_contents("<kubegate>".into(), "x".into()).expect("a one-byte source");
        let span = Span { source, line: 1, col: 1, start: 0, end: 1 };
        let params = (0..4).map(|_| Ref::new(Expr::Null { span: span.clone(), value: Value::Null, eidx: 0 })).collect();
        Call { span, params }
    };
}

/// The message of a builtin's error without the location regorus adds (the extension's
/// caller adds the policy's).
fn plain(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    text.lines().rev().find_map(|l| l.strip_prefix("error: ")).map(str::to_string).unwrap_or(text)
}

/// The size of a value, walked without recursion and abandoned once past the bounds.
#[derive(Default)]
struct Size {
    /// Bytes of the value as JSON text: strings with their quotes and escapes, numbers,
    /// punctuation.
    text: usize,
    elements: usize,
    /// How deeply its collections nest.
    depth: usize,
}

/// `escapes`: count the bytes JSON escapes (a scan of every string, only for the
/// builtins that write JSON).
fn size(v: &Value, escapes: bool) -> Result<Size, String> {
    let mut s = Size::default();
    let mut stack = vec![(v, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        s.elements += 1;
        s.depth = s.depth.max(depth);
        match v {
            Value::String(t) if !escapes => s.text += t.len() + 2,
            Value::String(t) => {
                // JSON writes a quote or a backslash as two bytes, a control character as six.
                let escapes: usize = t
                    .bytes()
                    .map(|b| match b {
                        b'"' | b'\\' => 1,
                        0..0x20 => 5,
                        _ => 0,
                    })
                    .sum();
                s.text += t.len() + 2 + escapes;
            }
            Value::Number(n) => {
                s.text += match n.as_i64().or_else(|| n.as_u64().map(|_| 0)) {
                    Some(_) => 20,
                    None => match n.as_big() {
                        Some(b) if b.bits() > MAX_NUMBER_BITS => {
                            return Err(format!("a number of {} bits (more than {MAX_NUMBER_BITS})", b.bits()));
                        }
                        Some(b) => b.bits() as usize / 3 + 2,
                        None => 24,
                    },
                }
            }
            Value::Array(a) => {
                s.text += 2;
                stack.extend(a.iter().map(|v| (v, depth + 1)));
            }
            Value::Set(set) => {
                s.text += 2;
                stack.extend(set.iter().map(|v| (v, depth + 1)));
            }
            Value::Object(o) => {
                s.text += 2;
                for (k, v) in o.iter() {
                    stack.push((k, depth + 1));
                    stack.push((v, depth + 1));
                }
            }
            _ => s.text += 5,
        }
        if s.text > MAX_STRING_BYTES * 8 || s.elements > MAX_ELEMENTS * 8 {
            return Err("an argument too large to process".into());
        }
    }
    Ok(s)
}

fn text(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

fn string_result(bytes: usize) -> Result<usize, String> {
    if bytes > MAX_STRING_BYTES {
        return Err(format!("a result of {bytes} bytes (more than {MAX_STRING_BYTES})"));
    }
    Ok(bytes)
}

fn elements_result(n: u128) -> Result<usize, String> {
    if n > MAX_ELEMENTS as u128 {
        return Err(format!("a result of {n} elements (more than {MAX_ELEMENTS})"));
    }
    Ok(n as usize * ELEMENT_BYTES)
}

/// Occurrences of `old` in `s` as `replace` counts them (an empty `old` matches between
/// every two characters and at both ends).
fn occurrences(s: &str, old: &str) -> usize {
    if old.is_empty() { s.chars().count() + 1 } else { s.matches(old).count() }
}

/// Checks what a call would produce against the bounds; returns about how many bytes it
/// will allocate.
fn within_budget(growth: Growth, args: &[Value]) -> Result<usize, String> {
    let json = matches!(growth, Growth::Json | Growth::Marshal);
    let sizes = args.iter().map(|a| size(a, json)).collect::<Result<Vec<_>, _>>()?;
    let total: usize = sizes.iter().map(|s| s.text).sum();
    match growth {
        Growth::Times(k) => string_result(total.saturating_mul(k)),
        Growth::Json => string_result(total),
        Growth::ToNumber => {
            // 4096 bits are 1234 decimal digits; leave room for a sign, a fraction, an exponent.
            let digits = text(&args[0]).len();
            if digits > MAX_NUMBER_DIGITS {
                return Err(format!("a number written with {digits} characters (more than {MAX_NUMBER_DIGITS})"));
            }
            Ok(digits)
        }
        Growth::Marshal => {
            // Every element on a line of its own: a newline, the prefix, and the indent
            // once per level (YAML: two spaces and a `- ` or `: `).
            let options = args.get(1).map(|o| size(o, false)).transpose()?.map(|o| o.text).unwrap_or(4);
            let per_line = options.saturating_mul(sizes[0].depth + 1).saturating_add(4);
            string_result(sizes[0].text.saturating_add(sizes[0].elements.saturating_mul(per_line)))
        }
        Growth::Concat => string_result(total.saturating_add(text(&args[0]).len().saturating_mul(sizes[1].elements))),
        Growth::Replace => {
            let (s, old, new) = (text(&args[0]), text(&args[1]), text(&args[2]));
            let grows = new.len().saturating_sub(old.len());
            string_result(if grows == 0 { s.len() } else { s.len() + occurrences(s, old).saturating_mul(grows) })
        }
        Growth::ReplaceN => {
            let s = text(&args[1]);
            let mut bytes = s.len();
            if let Value::Object(pairs) = &args[0] {
                for (old, new) in pairs.iter() {
                    bytes = bytes.saturating_add(occurrences(s, text(old)).saturating_mul(text(new).len()));
                }
            }
            string_result(bytes)
        }
        Growth::RegexReplace => {
            // Each match (at most one per position) becomes the replacement, whose `$n`
            // references may each bring in the whole string.
            let (s, value) = (text(&args[0]), text(&args[2]));
            let refs = value.matches('$').count();
            let each = value.len().saturating_add(refs.saturating_mul(s.len()));
            string_result(s.len().saturating_add((s.len() + 1).saturating_mul(each)))
        }
        Growth::Sprintf => {
            let format = text(&args[0]);
            let widest = widest_field(format);
            if widest > MAX_FORMAT_WIDTH {
                return Err(format!("a field width of {widest} (more than {MAX_FORMAT_WIDTH})"));
            }
            let fields = format.matches('%').count();
            string_result(total.saturating_add(fields.saturating_mul(widest)))
        }
        Growth::Split => {
            let (s, sep) = (text(&args[0]), text(&args[1]));
            elements_result(occurrences(s, sep) as u128 + 1)
        }
        Growth::ArrayConcat => elements_result(sizes.iter().map(|s| s.elements as u128).sum()),
        Growth::Cidr => {
            let cidr = text(&args[0]);
            let Some((addr, prefix)) = cidr.split_once('/') else { return Ok(0) };
            let bits: u32 = if addr.contains(':') { 128 } else { 32 };
            let Ok(prefix) = prefix.parse::<u32>() else { return Ok(0) };
            let host_bits = bits.saturating_sub(prefix);
            let addresses = 1u128.checked_shl(host_bits).unwrap_or(u128::MAX);
            if addresses > MAX_CIDR_ADDRESSES {
                return Err(format!("{cidr} has more than {MAX_CIDR_ADDRESSES} addresses to list"));
            }
            Ok(addresses as usize * ELEMENT_BYTES)
        }
        Growth::ShiftLeft => {
            let bits = |v: &Value| match v {
                Value::Number(n) => match n.as_big() {
                    Some(b) => b.bits(),
                    None => 64,
                },
                _ => 0,
            };
            let shift = match &args[1] {
                Value::Number(n) => n.as_u64().unwrap_or(u64::MAX),
                _ => 0,
            };
            let result = bits(&args[0]).saturating_add(shift);
            if bits(&args[0]) > 0 && result > MAX_NUMBER_BITS {
                return Err(format!("a number of {result} bits (more than {MAX_NUMBER_BITS})"));
            }
            Ok(result as usize / 8)
        }
    }
}

/// The largest width or precision in a `sprintf` format (`%-30s`, `%.2f`, `%08d`).
fn widest_field(format: &str) -> usize {
    let b = format.as_bytes();
    let mut widest = 0usize;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        while i < b.len() && b"+-# 0".contains(&b[i]) {
            i += 1;
        }
        loop {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &format[start..i];
            let n = if digits.len() > 6 { usize::MAX } else { digits.parse().unwrap_or(0) };
            widest = widest.max(n);
            if i < b.len() && b[i] == b'.' {
                i += 1;
                continue;
            }
            break;
        }
        i += 1;
    }
    widest
}

/// `numbers.range` and `numbers.range_step` that refuse more than [`crate::load::MAX_RANGE`]
/// elements. Same results otherwise: ascending or descending, `range_step`'s step a
/// positive integer; a bound that is not an integer is an error, as in OPA.
fn add_ranges(engine: &mut Engine) {
    use crate::load::MAX_RANGE;
    fn range(name: &str, args: &[Value], step: i64) -> anyhow::Result<Value> {
        let int = |i: usize| {
            args[i].as_i64().map_err(|_| anyhow::anyhow!("{name}: operand {} must be an integer number", i + 1))
        };
        let (a, b) = (int(0)?, int(1)?);
        let count = (i128::from(b) - i128::from(a)).abs() / i128::from(step) + 1;
        if count > i128::from(MAX_RANGE) {
            anyhow::bail!("{name}: {count} elements is more than kubegate allows ({MAX_RANGE})");
        }
        let dir = if b >= a { step } else { -step };
        Ok(Value::from((0..count as i64).map(|i| Value::from(a + i * dir)).collect::<Vec<_>>()))
    }
    let plain = |args: Vec<Value>| range("numbers.range", &args, 1);
    let stepped = |args: Vec<Value>| match args[2].as_i64() {
        Ok(step) if step > 0 => range("numbers.range_step", &args, step),
        _ => anyhow::bail!("numbers.range_step: step must be a positive integer"),
    };
    // Neither name is taken yet in a fresh engine: adding cannot fail.
    let _ = engine.add_extension("numbers.range".into(), 2, Box::new(plain));
    let _ = engine.add_extension("numbers.range_step".into(), 3, Box::new(stepped));
}
