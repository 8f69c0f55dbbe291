//! `sprintf` as OPA computes it: OPA hands each argument to Go's `fmt.Sprintf` as an
//! `int64` (an integer that fits), a `*big.Int` (a larger integer), a `float64` (any
//! other number), a `string` (a string), or the Rego text of the value (booleans, null,
//! arrays, sets, objects: `true`, `[1, "a"]`, `set()`). This is Go's formatting of those
//! four types: the verbs, the flags `+ - # 0 space`, width and precision (`*` included),
//! explicit argument indexes (`%[2]d`), and the texts Go writes for a mistake
//! (`%!d(string=5)`, `%!s(MISSING)`, `%!(EXTRA int64=1)`, `%!(NOVERB)`, `%!(BADWIDTH)`).
//!
//! OPA keeps the text a number was written with (`1e3`, `2.50`) and picks the Go type
//! from that text; regorus keeps only the value. Here an integral value that fits 64 bits
//! is an `int64`, a larger integer a `*big.Int`, any other value a `float64`.

use super::go_print::is_print;
use crate::budget::{MAX_FORMAT_WIDTH, MAX_STRING_BYTES};
use regorus::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

/// One argument as Go's `fmt` receives it from OPA.
pub(crate) enum Arg<'a> {
    Int(i64),
    /// An integer beyond 64 bits (the value, a `Value::Number`).
    Big(&'a Value),
    Float(f64),
    Str(Cow<'a, str>),
}

impl Arg<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Arg::Int(_) => "int64",
            Arg::Big(_) => "*big.Int",
            Arg::Float(_) => "float64",
            Arg::Str(_) => "string",
        }
    }
}

/// The Go value OPA passes for a Rego value.
pub(crate) fn arg(v: &Value) -> Arg<'_> {
    match v {
        Value::String(s) => Arg::Str(Cow::Borrowed(s)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Arg::Int(i)
            } else if let Some(f) = n.as_f64() {
                Arg::Float(f)
            } else if n.as_big().is_some() {
                Arg::Big(v)
            } else {
                Arg::Str(Cow::Owned(n.format_decimal()))
            }
        }
        other => Arg::Str(Cow::Owned(rego_text(other))),
    }
}

/// The digits of a big integer in `radix`, with a `-` when negative.
fn big_digits(v: &Value, radix: u32) -> String {
    match v {
        Value::Number(n) => n.as_big().map(|b| b.to_str_radix(radix)).unwrap_or_default(),
        _ => String::new(),
    }
}

/// A value as OPA writes it in Rego syntax (`[1, "a"]`, `{"k": true}`, `set()`): what OPA
/// passes to `fmt` for anything but a number or a string.
pub(crate) fn rego_text(v: &Value) -> String {
    let mut out = String::new();
    write_rego(v, &mut out);
    out
}

/// The Rego text of an array's or a set's items, between `open` and `close`.
fn write_items<'v>(open: char, items: impl Iterator<Item = &'v Value>, close: char, out: &mut String) {
    out.push(open);
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_rego(item, out);
    }
    out.push(close);
}

fn write_rego(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(_) => match arg(v) {
            Arg::Int(i) => {
                let _ = write!(out, "{i}");
            }
            // OPA writes the number's own text: as Go's JSON writes a float (`0.000012345`,
            // `2.5e-10`, `1.2345678901234568e+22`).
            Arg::Float(f) => out.push_str(&json_float(f)),
            Arg::Big(b) => out.push_str(&big_digits(b, 10)),
            Arg::Str(s) => out.push_str(&s),
        },
        Value::String(s) => quote(s, '"', false, out),
        Value::Array(items) => write_items('[', items.iter(), ']', out),
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => write_items('{', items.iter(), '}', out),
        Value::Object(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_rego(k, out);
                out.push_str(": ");
                write_rego(v, out);
            }
            out.push('}');
        }
        Value::Undefined => out.push_str("undefined"),
    }
}

/// Go's `strconv.Quote` (`ascii`: `QuoteToASCII`), or the rune quoting of `%q` on an
/// integer when `quote` is `'`.
fn quote(s: &str, quote: char, ascii: bool, out: &mut String) {
    out.push(quote);
    for c in s.chars() {
        if c == quote || c == '\\' {
            out.push('\\');
            out.push(c);
        } else if if ascii { c.is_ascii() && is_print(c) } else { is_print(c) } {
            out.push(c);
        } else {
            match c {
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{b}' => out.push_str("\\v"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c if (c as u32) < 0x10000 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
        }
    }
    out.push(quote);
}

/// Go's `strconv.CanBackquote`.
fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| !((c < ' ' && c != '\t') || c == '`' || c == '\u{7f}' || c == '\u{feff}'))
}

/// The flags, width and precision of one verb.
#[derive(Clone, Copy, Default)]
struct Flags {
    wid: Option<usize>,
    prec: Option<usize>,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    /// `%+v`, `%#v`: the flag given to `v`, which Go keeps apart from `+` and `#`.
    plus_v: bool,
    sharp_v: bool,
}

struct Printer {
    buf: String,
    f: Flags,
}

/// Go refuses widths and precisions past a million (`%!(NOVERB)`, `%!(BADWIDTH)`).
fn too_large(n: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&n)
}

/// Go's `parsenum`: the number at `start`, whether there is one, and where it ends (the
/// end of the format when it is too large).
fn parse_num(b: &[u8], start: usize) -> (usize, bool, usize) {
    let mut num = 0i64;
    let mut i = start;
    let mut isnum = false;
    while i < b.len() && b[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, b.len());
        }
        num = num * 10 + i64::from(b[i] - b'0');
        isnum = true;
        i += 1;
    }
    (num as usize, isnum, i)
}

/// Go's `parseArgNumber` on `[n]`: the 0-based index, the bytes read, whether valid.
fn parse_arg_number(b: &[u8]) -> (i64, usize, bool) {
    if b.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..b.len() {
        if b[i] == b']' {
            let (n, ok, end) = parse_num(&b[..i], 1);
            if !ok || end != i {
                return (0, i + 1, false);
            }
            return (n as i64 - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

/// Formats `args` with the Go format `format`. Errs only past kubegate's bounds.
pub(crate) fn sprintf(format: &str, args: &[Arg<'_>]) -> Result<String, String> {
    let mut p = Printer { buf: String::with_capacity(format.len() + 16 * args.len()), f: Flags::default() };
    let b = format.as_bytes();
    let end = b.len();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut i = 0;
    while i < end {
        let mut good_arg_num = true;
        let last = i;
        while i < end && b[i] != b'%' {
            i += 1;
        }
        p.buf.push_str(&format[last..i]);
        if i >= end {
            break;
        }
        i += 1;
        p.f = Flags::default();
        while i < end {
            match b[i] {
                b'#' => p.f.sharp = true,
                b'0' => p.f.zero = true,
                b'+' => p.f.plus = true,
                b'-' => p.f.minus = true,
                b' ' => p.f.space = true,
                _ => break,
            }
            i += 1;
        }
        // `[n]`: which argument (then Go does not report unused ones).
        let mut arg_index = |arg_num: usize, i: usize, good: &mut bool| -> (usize, usize, bool) {
            if i >= end || b[i] != b'[' {
                return (arg_num, i, false);
            }
            reordered = true;
            let (index, read, ok) = parse_arg_number(&b[i..]);
            if ok && 0 <= index && (index as usize) < args.len() {
                return (index as usize, i + read, true);
            }
            *good = false;
            (arg_num, i + read, ok)
        };
        let mut after_index;
        (arg_num, i, after_index) = arg_index(arg_num, i, &mut good_arg_num);
        if i < end && b[i] == b'*' {
            i += 1;
            let (n, ok) = int_arg(args, &mut arg_num);
            if ok {
                bounded(n)?;
                if n < 0 {
                    p.f.minus = true;
                    p.f.zero = false;
                }
                p.f.wid = Some(n.unsigned_abs() as usize);
            } else {
                p.buf.push_str("%!(BADWIDTH)");
            }
            after_index = false;
        } else {
            let (n, isnum, next) = parse_num(b, i);
            i = next;
            if isnum {
                bounded(n as i64)?;
                p.f.wid = Some(n);
                if after_index {
                    good_arg_num = false;
                }
            }
        }
        if i + 1 < end && b[i] == b'.' {
            i += 1;
            if after_index {
                good_arg_num = false;
            }
            (arg_num, i, after_index) = arg_index(arg_num, i, &mut good_arg_num);
            if i < end && b[i] == b'*' {
                i += 1;
                let (n, ok) = int_arg(args, &mut arg_num);
                if ok && n >= 0 {
                    bounded(n)?;
                    p.f.prec = Some(n as usize);
                } else {
                    p.buf.push_str("%!(BADPREC)");
                }
                after_index = false;
            } else {
                let (n, isnum, next) = parse_num(b, i);
                i = next;
                bounded(n as i64)?;
                p.f.prec = Some(if isnum { n } else { 0 });
            }
        }
        if !after_index {
            (arg_num, i, _) = arg_index(arg_num, i, &mut good_arg_num);
        }
        let Some(verb) = format[i..].chars().next() else {
            p.buf.push_str("%!(NOVERB)");
            break;
        };
        i += verb.len_utf8();
        if verb == '%' {
            // `%%` takes no argument and ignores width and precision.
            p.buf.push('%');
        } else if !good_arg_num {
            let _ = write!(p.buf, "%!{verb}(BADINDEX)");
        } else if arg_num >= args.len() {
            let _ = write!(p.buf, "%!{verb}(MISSING)");
        } else {
            if verb == 'v' {
                p.f.sharp_v = p.f.sharp;
                p.f.sharp = false;
                p.f.plus_v = p.f.plus;
                p.f.plus = false;
            }
            if verb == 'w' {
                // `%w` wraps an error, and Sprintf has none.
                p.bad_verb(&args[arg_num], verb);
            } else {
                p.print_arg(&args[arg_num], verb);
            }
            arg_num += 1;
        }
        if p.buf.len() > MAX_STRING_BYTES {
            return Err(format!("a result of more than {MAX_STRING_BYTES} bytes"));
        }
    }
    if !reordered && arg_num < args.len() {
        p.f = Flags::default();
        p.buf.push_str("%!(EXTRA ");
        for (k, a) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                p.buf.push_str(", ");
            }
            p.buf.push_str(a.type_name());
            p.buf.push('=');
            p.print_arg(a, 'v');
            if p.buf.len() > MAX_STRING_BYTES {
                return Err(format!("a result of more than {MAX_STRING_BYTES} bytes"));
            }
        }
        p.buf.push(')');
    }
    Ok(p.buf)
}

fn bounded(n: i64) -> Result<(), String> {
    if n.unsigned_abs() > MAX_FORMAT_WIDTH as u64 {
        return Err(format!("a field width of {n} (more than {MAX_FORMAT_WIDTH})"));
    }
    Ok(())
}

/// Go's `intFromArg`: the argument `*` reads as a width or precision, whether it is an
/// integer Go takes there; moves past the argument if there is one.
fn int_arg(args: &[Arg<'_>], arg_num: &mut usize) -> (i64, bool) {
    let Some(a) = args.get(*arg_num) else { return (0, false) };
    *arg_num += 1;
    match a {
        Arg::Int(n) if !too_large(*n) => (*n, true),
        _ => (0, false),
    }
}

const LOWER: &[u8; 17] = b"0123456789abcdefx";
const UPPER: &[u8; 17] = b"0123456789ABCDEFX";

impl Printer {
    fn print_arg(&mut self, a: &Arg<'_>, verb: char) {
        match verb {
            'T' => return self.fmt_s(a.type_name()),
            'p' => return self.bad_verb(a, verb),
            _ => {}
        }
        match a {
            Arg::Int(i) => self.fmt_int(*i, verb),
            Arg::Float(f) => self.fmt_float_verb(*f, verb),
            Arg::Str(s) => self.fmt_string(s, verb),
            Arg::Big(v) => self.fmt_big(v, verb),
        }
    }

    /// `%!verb(type=value)`: the value printed with `%v` and the flags as they are.
    fn bad_verb(&mut self, a: &Arg<'_>, verb: char) {
        let _ = write!(self.buf, "%!{verb}({}=", a.type_name());
        match a {
            Arg::Big(v) => self.buf.push_str(&big_digits(v, 10)),
            a => self.print_arg(a, 'v'),
        }
        self.buf.push(')');
    }

    fn write_padding(&mut self, n: usize) {
        let c = if self.f.zero && !self.f.minus { '0' } else { ' ' };
        self.buf.extend(std::iter::repeat_n(c, n));
    }

    /// Pads `s` to the width, counted in characters, on the left or (`-`) the right.
    fn pad(&mut self, s: &str) {
        let Some(wid) = self.f.wid.filter(|w| *w > 0) else {
            self.buf.push_str(s);
            return;
        };
        let n = wid.saturating_sub(s.chars().count());
        if self.f.minus {
            self.buf.push_str(s);
            self.write_padding(n);
        } else {
            self.write_padding(n);
            self.buf.push_str(s);
        }
    }

    /// `pad` with spaces whatever the `0` flag.
    fn pad_spaces(&mut self, s: &str) {
        let zero = std::mem::replace(&mut self.f.zero, false);
        self.pad(s);
        self.f.zero = zero;
    }

    fn truncate<'s>(&self, s: &'s str) -> &'s str {
        match self.f.prec {
            Some(n) => s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i]),
            None => s,
        }
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate(s);
        self.pad(s);
    }

    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s);
        let mut q = String::with_capacity(s.len() + 2);
        if self.f.sharp && can_backquote(s) {
            q.push('`');
            q.push_str(s);
            q.push('`');
        } else {
            quote(s, '"', self.f.plus, &mut q);
        }
        self.pad(&q);
    }

    fn fmt_string(&mut self, s: &str, verb: char) {
        match verb {
            'v' if self.f.sharp_v => self.fmt_q(s),
            'v' | 's' => self.fmt_s(s),
            'x' => self.fmt_sx(s, LOWER),
            'X' => self.fmt_sx(s, UPPER),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(&Arg::Str(Cow::Borrowed(s)), verb),
        }
    }

    /// `%x` of a string: two hex digits a byte; `space` separates them, `#` adds `0x`.
    fn fmt_sx(&mut self, s: &str, digits: &[u8; 17]) {
        let mut length = s.len();
        if let Some(p) = self.f.prec {
            length = length.min(p);
        }
        let mut width = 2 * length;
        if width == 0 {
            if let Some(w) = self.f.wid {
                self.write_padding(w);
            }
            return;
        }
        if self.f.space {
            if self.f.sharp {
                width *= 2;
            }
            width += length - 1;
        } else if self.f.sharp {
            width += 2;
        }
        let wid = self.f.wid.unwrap_or(0);
        if wid > width && !self.f.minus {
            self.write_padding(wid - width);
        }
        if self.f.sharp {
            self.buf.push('0');
            self.buf.push(digits[16] as char);
        }
        for (i, c) in s.bytes().take(length).enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(' ');
                if self.f.sharp {
                    self.buf.push('0');
                    self.buf.push(digits[16] as char);
                }
            }
            self.buf.push(digits[usize::from(c >> 4)] as char);
            self.buf.push(digits[usize::from(c & 0xf)] as char);
        }
        if wid > width && self.f.minus {
            self.write_padding(wid - width);
        }
    }

    fn fmt_int(&mut self, i: i64, verb: char) {
        let u = i.unsigned_abs();
        let neg = i < 0;
        match verb {
            'v' | 'd' => self.fmt_integer(u, neg, 10, verb, LOWER),
            'b' => self.fmt_integer(u, neg, 2, verb, LOWER),
            'o' | 'O' => self.fmt_integer(u, neg, 8, verb, LOWER),
            'x' => self.fmt_integer(u, neg, 16, verb, LOWER),
            'X' => self.fmt_integer(u, neg, 16, verb, UPPER),
            'c' => {
                let c = rune(i as u64);
                self.pad(c.encode_utf8(&mut [0; 4]));
            }
            'q' => {
                let mut q = String::new();
                quote(rune(i as u64).encode_utf8(&mut [0; 4]), '\'', self.f.plus, &mut q);
                self.pad(&q);
            }
            'U' => self.fmt_unicode(i as u64),
            _ => self.bad_verb(&Arg::Int(i), verb),
        }
    }

    /// Go's integer formatting: precision or the `0` flag give leading zeros, `#` a base
    /// prefix, `+` or space a sign.
    fn fmt_integer(&mut self, u: u64, neg: bool, base: u64, verb: char, digits: &[u8; 17]) {
        let mut prec = 0usize;
        if let Some(p) = self.f.prec {
            prec = p;
            if p == 0 && u == 0 {
                // Precision 0 and the value 0: nothing but the padding.
                let zero = std::mem::replace(&mut self.f.zero, false);
                self.write_padding(self.f.wid.unwrap_or(0));
                self.f.zero = zero;
                return;
            }
        } else if self.f.zero
            && !self.f.minus
            && let Some(w) = self.f.wid
        {
            prec = w;
            if neg || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }
        // Right to left.
        let mut out: Vec<u8> = Vec::with_capacity(prec.max(24));
        let mut v = u;
        loop {
            out.push(digits[(v % base) as usize]);
            v /= base;
            if v == 0 {
                break;
            }
        }
        while out.len() < prec {
            out.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => out.extend_from_slice(b"b0"),
                8 if out.last() != Some(&b'0') => out.push(b'0'),
                16 => {
                    out.push(digits[16]);
                    out.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            out.extend_from_slice(b"o0");
        }
        if neg {
            out.push(b'-');
        } else if self.f.plus {
            out.push(b'+');
        } else if self.f.space {
            out.push(b' ');
        }
        out.reverse();
        // ASCII only.
        let s = String::from_utf8(out).unwrap_or_default();
        self.pad_spaces(&s);
    }

    /// `%U`: `U+0041`, with `#` also the character (`U+0041 'A'`).
    fn fmt_unicode(&mut self, u: u64) {
        let prec = match self.f.prec {
            Some(p) if p > 4 => p,
            _ => 4,
        };
        let mut s = format!("U+{u:0prec$X}");
        if self.f.sharp
            && let Some(c) = u32::try_from(u).ok().and_then(char::from_u32)
            && is_print(c)
        {
            s.push_str(" '");
            s.push(c);
            s.push('\'');
        }
        self.pad_spaces(&s);
    }

    /// `*big.Int`'s own formatting (it implements `fmt.Formatter`).
    fn fmt_big(&mut self, v: &Value, verb: char) {
        let base = match verb {
            'b' => 2,
            'o' | 'O' => 8,
            'd' | 's' | 'v' => 10,
            'x' | 'X' => 16,
            _ => {
                let _ = write!(self.buf, "%!{verb}(big.Int={})", big_digits(v, 10));
                return;
            }
        };
        let text = big_digits(v, base);
        let (neg, mut digits) = match text.strip_prefix('-') {
            Some(d) => (true, d.to_string()),
            None => (false, text),
        };
        if verb == 'X' {
            digits.make_ascii_uppercase();
        }
        let sign = if neg {
            "-"
        } else if self.f.plus || self.f.plus_v {
            "+"
        } else if self.f.space {
            " "
        } else {
            ""
        };
        let sharp = self.f.sharp || self.f.sharp_v;
        let prefix = match verb {
            'O' => "0o",
            'b' if sharp => "0b",
            'o' if sharp => "0",
            'x' if sharp => "0x",
            'X' if sharp => "0X",
            _ => "",
        };
        let mut zeros = 0;
        if let Some(p) = self.f.prec {
            if digits.len() < p {
                zeros = p - digits.len();
            } else if digits == "0" && p == 0 {
                return;
            }
        }
        let length = sign.len() + prefix.len() + zeros + digits.len();
        let (mut left, mut right) = (0, 0);
        if let Some(w) = self.f.wid
            && length < w
        {
            let d = w - length;
            if self.f.minus {
                right = d;
            } else if self.f.zero && self.f.prec.is_none() {
                zeros = d;
            } else {
                left = d;
            }
        }
        self.buf.extend(std::iter::repeat_n(' ', left));
        self.buf.push_str(sign);
        self.buf.push_str(prefix);
        self.buf.extend(std::iter::repeat_n('0', zeros));
        self.buf.push_str(&digits);
        self.buf.extend(std::iter::repeat_n(' ', right));
    }

    fn fmt_float_verb(&mut self, v: f64, verb: char) {
        match verb {
            'v' => self.fmt_float(v, b'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(v, verb as u8, -1),
            'f' | 'e' | 'E' => self.fmt_float(v, verb as u8, 6),
            'F' => self.fmt_float(v, b'f', 6),
            _ => self.bad_verb(&Arg::Float(v), verb),
        }
    }

    /// Go's float formatting around `strconv.FormatFloat`: sign flags, `#` (keep the
    /// point and trailing zeros), zero padding after the sign.
    fn fmt_float(&mut self, v: f64, verb: u8, prec: i32) {
        let prec = self.f.prec.map_or(prec, |p| p as i32);
        let body = format_float(v, verb, prec);
        // A sign always, to be dropped below when not wanted.
        let mut num = if body.starts_with('-') || body.starts_with('+') { body } else { format!("+{body}") };
        if self.f.space && num.starts_with('+') && !self.f.plus {
            num.replace_range(0..1, " ");
        }
        if self.f.sharp && verb != b'b' {
            let mut digits = match verb {
                b'v' | b'g' | b'G' | b'x' => {
                    if prec == -1 {
                        6
                    } else {
                        prec
                    }
                }
                _ => 0,
            };
            let mut tail = String::new();
            let mut has_point = false;
            let mut nonzero = false;
            let bytes: Vec<u8> = num.bytes().collect();
            let mut cut = bytes.len();
            for (i, &c) in bytes.iter().enumerate().skip(1) {
                match c {
                    b'.' => has_point = true,
                    b'p' | b'P' => {
                        cut = i;
                        break;
                    }
                    b'e' | b'E' if verb != b'x' && verb != b'X' => {
                        cut = i;
                        break;
                    }
                    _ => {
                        if c != b'0' {
                            nonzero = true;
                        }
                        if nonzero {
                            digits -= 1;
                        }
                    }
                }
            }
            tail.push_str(&num[cut..]);
            num.truncate(cut);
            if !has_point {
                if num.len() == 2 && num.as_bytes()[1] == b'0' {
                    digits -= 1;
                }
                num.push('.');
            }
            while digits > 0 {
                num.push('0');
                digits -= 1;
            }
            num.push_str(&tail);
        }
        if self.f.plus || !num.starts_with('+') {
            if self.f.zero
                && !self.f.minus
                && let Some(w) = self.f.wid
                && w > num.len()
            {
                self.buf.push_str(&num[..1]);
                self.write_padding(w - num.len());
                self.buf.push_str(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }
}

/// A float as Go's `encoding/json` writes it: decimal between 1e-6 and 1e21, else with an
/// exponent (`1e-07` written `1e-7`).
fn json_float(f: f64) -> String {
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let mut s = format_float(f, b'e', -1);
        if let Some(i) = s.find("e-0")
            && s.len() == i + 4
        {
            s.remove(i + 2);
        }
        s
    } else {
        format_float(f, b'f', -1)
    }
}

/// Go's `rune(c)` for `%c`: a value that is not a character is U+FFFD.
fn rune(u: u64) -> char {
    u32::try_from(u).ok().and_then(char::from_u32).unwrap_or('\u{fffd}')
}

/// Decimal digits (no trailing zeros; none for zero) and the position of the point.
struct Decimal {
    digits: Vec<u8>,
    dp: i32,
}

/// `v` (finite, not negative) rounded to `sig` significant digits, or the shortest
/// digits that read back as `v` when `sig` is `None`.
fn decimal(v: f64, sig: Option<usize>) -> Decimal {
    if v == 0.0 {
        return Decimal { digits: Vec::new(), dp: 0 };
    }
    let text = match sig {
        Some(n) => format!("{:.*e}", n.saturating_sub(1), v),
        None => format!("{v:e}"),
    };
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        return Decimal { digits, dp: 0 };
    }
    Decimal { digits, dp: exp + 1 }
}

/// Go's `%e`: `d.dddde±dd`.
fn fmt_e(d: &Decimal, prec: i32, e: u8, out: &mut String) {
    out.push(d.digits.first().map_or('0', |&c| c as char));
    if prec > 0 {
        out.push('.');
        let mut i = 1usize;
        let m = d.digits.len().min(prec as usize + 1);
        if i < m {
            out.extend(d.digits[i..m].iter().map(|&c| c as char));
            i = m;
        }
        while i <= prec as usize {
            out.push('0');
            i += 1;
        }
    }
    out.push(e as char);
    let exp = if d.digits.is_empty() { 0 } else { d.dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(out, "{:02}", exp.unsigned_abs());
}

/// Go's `%f` from decimal digits.
fn fmt_f(d: &Decimal, prec: i32, out: &mut String) {
    if d.dp > 0 {
        let m = d.digits.len().min(d.dp as usize);
        out.extend(d.digits[..m].iter().map(|&c| c as char));
        for _ in m..d.dp as usize {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = d.dp + i - 1;
            out.push(if j >= 0 && (j as usize) < d.digits.len() { d.digits[j as usize] as char } else { '0' });
        }
    }
}

/// Go's `strconv.FormatFloat(v, fmt, prec, 64)`.
pub(crate) fn format_float(v: f64, fmt: u8, prec: i32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let mut out = String::new();
    if v.is_sign_negative() {
        out.push('-');
    }
    let a = v.abs();
    let shortest = prec < 0;
    match fmt {
        b'e' | b'E' => {
            let d = decimal(a, if shortest { None } else { Some(prec as usize + 1) });
            let prec = if shortest { (d.digits.len() as i32 - 1).max(0) } else { prec };
            fmt_e(&d, prec, fmt, &mut out);
        }
        b'f' => {
            if shortest {
                let d = decimal(a, None);
                fmt_f(&d, (d.digits.len() as i32 - d.dp).max(0), &mut out);
            } else {
                let _ = write!(out, "{:.*}", prec as usize, a);
            }
        }
        b'g' | b'G' => {
            let mut p = prec;
            if p == 0 {
                p = 1;
            }
            let d = decimal(a, if shortest { None } else { Some(p as usize) });
            let nd = d.digits.len() as i32;
            if shortest {
                p = nd;
            }
            let mut eprec = p;
            if eprec > nd && nd >= d.dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = d.dp - 1;
            if exp < -4 || exp >= eprec {
                if p > nd {
                    p = nd;
                }
                fmt_e(&d, p - 1, fmt + b'e' - b'g', &mut out);
            } else {
                if p > d.dp {
                    p = nd;
                }
                fmt_f(&d, (p - d.dp).max(0), &mut out);
            }
        }
        b'b' => {
            let bits = a.to_bits();
            let mut exp = ((bits >> 52) & 0x7ff) as i64;
            let mut mant = bits & ((1 << 52) - 1);
            if exp == 0 {
                exp += 1;
            } else {
                mant |= 1 << 52;
            }
            exp += -1023 - 52;
            let _ = write!(out, "{mant}p{}{}", if exp >= 0 { "+" } else { "-" }, exp.unsigned_abs());
        }
        b'x' | b'X' => fmt_x(a, prec, fmt, &mut out),
        _ => {
            let _ = write!(out, "%{}", fmt as char);
        }
    }
    out
}

/// Go's `%x` of a float: `0x1.8p+00`.
fn fmt_x(a: f64, prec: i32, fmt: u8, out: &mut String) {
    let bits = a.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1 << 52) - 1);
    if exp == 0 {
        exp += 1;
    } else {
        mant |= 1 << 52;
    }
    exp -= 1023;
    if mant == 0 {
        exp = 0;
    }
    // The leading 1, if any, at bit 60.
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = prec as u32 * 4;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 17] = if fmt == b'X' { UPPER } else { LOWER };
    out.push('0');
    out.push(fmt as char);
    out.push((b'0' + ((mant >> 60) & 1) as u8) as char);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { 'P' } else { 'p' });
    out.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(out, "{:02}", exp.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(format: &str, args: &str) -> String {
        let args = Value::from_json_str(args).unwrap();
        let Value::Array(args) = &args else { panic!() };
        let args: Vec<Arg<'_>> = args.iter().map(arg).collect();
        sprintf(format, &args).unwrap()
    }

    /// What OPA 1.20.2 printed for each (`constructs/sprintf_go.rego` has them all).
    #[test]
    fn formats_as_opa() {
        let cases: &[(&str, &str, &str)] = &[];
        let mut wrong = Vec::new();
        for (f, args, want) in cases {
            let got = format(f, args);
            if got != *want {
                wrong.push(format!("sprintf({f:?}, {args}) = {got:?}, OPA {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn widths_past_the_bound_are_errors() {
        let args = [Arg::Int(MAX_FORMAT_WIDTH as i64 + 1), Arg::Int(1)];
        assert!(sprintf("%*d", &args).is_err());
        assert!(sprintf("%.*d", &args).is_err());
        assert!(sprintf("%99999d", &args[1..]).is_err());
        assert_eq!(sprintf("%*d", &[Arg::Int(3), Arg::Int(1)]).unwrap(), "  1");
    }

    #[test]
    fn rego_text_of_values() {
        let v = Value::from_json_str(r#"[1, 2.5, "a\"b", null, true, {"k": []}]"#).unwrap();
        assert_eq!(rego_text(&v), r#"[1, 2.5, "a\"b", null, true, {"k": []}]"#);
        assert_eq!(rego_text(&Value::from(std::collections::BTreeSet::new())), "set()");
    }
}
