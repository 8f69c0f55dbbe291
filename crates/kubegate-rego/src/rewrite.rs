//! Source passes that make regorus read a policy the way OPA reads it.
//!
//! Three constructs that OPA (and so Conftest) accepts were read differently by regorus;
//! each is rewritten in the policy's text before it is parsed, by inserting text only
//! (never a line break, so every line number stays; a column after an insertion on its
//! line is mapped back by [`original_column`]):
//!
//! - **A line that starts with `(` after a line that ends in a reference** is a new
//!   expression in OPA (`spread := input.spec.replicas` then `(spread > 2)`); regorus read
//!   a call of the reference. A `;` is inserted after the reference.
//! - **`some x in v` (and `every x in v`) over something that is not a collection**
//!   (null, a string, a number) iterates nothing in OPA, so the expression is undefined;
//!   regorus failed the evaluation. The collection is wrapped in a call of
//!   [`ITERABLE`], which passes arrays, sets and objects through and makes anything else
//!   undefined, as a missing collection is.
//! - **Rego v0's several bodies for one partial set rule** (`violation[msg] { … } { … }`)
//!   are several definitions in OPA; regorus refused them (`else cannot be used with set
//!   rules`). The rule's head is written again before each further body.
//!
//! The passes read the policy with regorus' own lexer, so strings, raw strings and comments
//! are never touched. A policy the lexer cannot read is left as it is: the parser then
//! reports the error at its place.

use regorus::unstable::{Lexer, Source, TokenKind};
use std::collections::HashMap;
use std::sync::Mutex;

/// The function the collections of `some … in` and `every … in` are passed through.
pub(crate) const ITERABLE: &str = "__kubegate_iterable";

/// Registers [`ITERABLE`]: arrays, sets and objects are returned as they are; any other
/// value (null, a string, a number, a boolean) is undefined: `some` finds nothing in it
/// and `every` does not hold, as in OPA.
pub(crate) fn add(engine: &mut regorus::Engine) {
    use regorus::Value;
    let _ = engine.add_extension(
        ITERABLE.into(),
        1,
        Box::new(|args: Vec<regorus::Value>| {
            Ok(match args.into_iter().next() {
                Some(v @ (Value::Array(_) | Value::Set(_) | Value::Object(_))) => v,
                _ => Value::Undefined,
            })
        }),
    );
}

/// One insertion: at byte `at` of the original text, on 1-based `line`, before 1-based
/// character column `col`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Insertion {
    at: usize,
    line: u32,
    col: u32,
    text: String,
}

/// The insertions made in a file: (line, column as written, width in characters).
type Inserted = Vec<(u32, u32, u32)>;

/// The insertions made in each file loaded, by its shown name, to map columns back.
static INSERTED: Mutex<Option<HashMap<String, Inserted>>> = Mutex::new(None);

/// The policy's text as regorus should read it. `name` is the file's shown name (for
/// [`original_column`]).
pub(crate) fn rewrite(name: &str, text: &str, rego_v0: bool) -> String {
    let insertions = match tokens(name, text) {
        Some(tokens) => {
            let mut all = Vec::new();
            new_expression_after_reference(&tokens, &mut all);
            iterable_collections(&tokens, &mut all);
            if rego_v0 {
                repeat_set_rule_heads(text, &tokens, &mut all);
            }
            all.sort_by_key(|i| i.at);
            all
        }
        None => Vec::new(),
    };
    let mut map = INSERTED.lock().unwrap_or_else(|p| p.into_inner());
    let map = map.get_or_insert_with(HashMap::new);
    if insertions.is_empty() {
        map.remove(name);
        return text.to_string();
    }
    map.insert(name.to_string(), insertions.iter().map(|i| (i.line, i.col, i.text.chars().count() as u32)).collect());
    let mut out = String::with_capacity(text.len() + insertions.iter().map(|i| i.text.len()).sum::<usize>());
    let mut from = 0;
    for i in &insertions {
        out.push_str(&text[from..i.at]);
        out.push_str(&i.text);
        from = i.at;
    }
    out.push_str(&text[from..]);
    out
}

/// The column in the file as written of a 1-based column regorus reports on `line` of
/// the rewritten text of `file`.
pub(crate) fn original_column(file: &str, line: u32, col: u32) -> u32 {
    let map = INSERTED.lock().unwrap_or_else(|p| p.into_inner());
    let Some(inserted) = map.as_ref().and_then(|m| m.get(file)) else { return col };
    let mut shift = 0u32;
    for &(l, c, len) in inserted {
        // Insertions on the line, in order; `c` is a column of the original text.
        if l == line && c + shift <= col {
            if col < c + shift + len {
                // Inside inserted text: the place it was inserted at.
                return c;
            }
            shift += len;
        }
    }
    col.saturating_sub(shift).max(1)
}

/// The most a number literal's exponent may say (`1e1300`), as kubegate's numbers hold
/// at most about 4096 bits: regorus computes a literal's exact value, so `0e225555555`
/// would take it minutes at load.
pub(crate) const MAX_EXPONENT: u32 = 1300;

/// The first number literal whose exponent is beyond [`MAX_EXPONENT`]: its line, column
/// and text.
pub(crate) fn huge_number(name: &str, text: &str) -> Option<(u32, u32, String)> {
    // Up to where the lexer stops: the parser reads (and computes) every number before it.
    scan(name, text).0.into_iter().find_map(|t| {
        if t.kind != TokenKind::Number {
            return None;
        }
        let (_, exponent) = t.text.split_once(['e', 'E'])?;
        let digits = exponent.trim_start_matches(['+', '-']).trim_start_matches('0');
        (digits.len() > 4 || digits.parse::<u32>().is_ok_and(|e| e > MAX_EXPONENT)).then_some((t.line, t.col, t.text))
    })
}

/// A token as the passes need it.
#[derive(Clone, Debug)]
struct Tok {
    kind: TokenKind,
    text: String,
    line: u32,
    col: u32,
    /// Byte offsets in the text: where the token starts and ends, quotes included.
    start: usize,
    end: usize,
    /// The line and 1-based column right after the token (a raw string may span lines).
    end_line: u32,
    end_col: u32,
}

impl Tok {
    fn is(&self, s: &str) -> bool {
        matches!(self.kind, TokenKind::Symbol | TokenKind::Ident) && self.text == s
    }

    fn insertion_before(&self, text: &str) -> Insertion {
        Insertion { at: self.start, line: self.line, col: self.col, text: text.to_string() }
    }

    fn insertion_after(&self, text: &str) -> Insertion {
        Insertion { at: self.end, line: self.end_line, col: self.end_col, text: text.to_string() }
    }
}

/// Every token of the text, or `None` when the lexer cannot read it.
fn tokens(name: &str, text: &str) -> Option<Vec<Tok>> {
    match scan(name, text) {
        (tokens, true) => Some(tokens),
        (_, false) => None,
    }
}

/// The tokens of the text up to where the lexer stops, and whether it read it all.
fn scan(name: &str, text: &str) -> (Vec<Tok>, bool) {
    let mut out = Vec::new();
    let Ok(source) = Source::from_contents(name.to_string(), text.to_string()) else { return (out, false) };
    let mut lexer = Lexer::new(&source);
    loop {
        let Ok(token) = lexer.next_token() else { return (out, false) };
        let span = &token.1;
        let (mut start, mut end) = (span.start as usize, span.end as usize);
        if matches!(token.0, TokenKind::String | TokenKind::RawString) {
            // The span is the string's content: take in its quotes.
            let Some(before) = start.checked_sub(1) else { return (out, false) };
            start = before;
            end += 1;
        }
        if end > text.len() || start > end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return (out, false);
        }
        let written = &text[start..end];
        let (end_line, end_col) = match written.rsplit_once('\n') {
            Some((before, after)) => {
                (span.line + before.matches('\n').count() as u32 + 1, after.chars().count() as u32 + 1)
            }
            None => (span.line, span.col + written.chars().count() as u32),
        };
        match token.0 {
            TokenKind::Eof => return (out, true),
            kind => out.push(Tok {
                kind,
                text: span.text().to_string(),
                line: span.line,
                col: span.col,
                start,
                end,
                end_line,
                end_col,
            }),
        }
    }
}

fn opens(t: &Tok) -> bool {
    t.kind == TokenKind::Symbol && matches!(t.text.as_str(), "(" | "[" | "{")
}

fn closes(t: &Tok) -> bool {
    t.kind == TokenKind::Symbol && matches!(t.text.as_str(), ")" | "]" | "}")
}

const KEYWORDS: &[&str] =
    &["if", "not", "else", "in", "contains", "some", "every", "with", "as", "default", "import", "package"];

/// `(` first on its line, inside a body, after a line that ends in a reference: `;` after
/// the reference.
fn new_expression_after_reference(tokens: &[Tok], out: &mut Vec<Insertion>) {
    let mut open: Vec<&str> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.is("(")
            && let Some(prev) = i.checked_sub(1).map(|p| &tokens[p])
            && prev.line < t.line
            && open.last() == Some(&"{")
            && (prev.is("]") || (prev.kind == TokenKind::Ident && !KEYWORDS.contains(&prev.text.as_str())))
        {
            out.push(prev.insertion_after(";"));
        }
        if opens(t) {
            open.push(if t.is("(") {
                "("
            } else if t.is("[") {
                "["
            } else {
                "{"
            });
        } else if closes(t) {
            open.pop();
        }
    }
}

/// The collection of every `some … in` and `every … in`: wrapped in [`ITERABLE`].
fn iterable_collections(tokens: &[Tok], out: &mut Vec<Insertion>) {
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        // `some`/`every` as keywords, not a field named so (`input.some`).
        if !(t.is("some") || t.is("every")) || i > 0 && tokens[i - 1].is(".") {
            i += 1;
            continue;
        }
        let every = t.is("every");
        // The `in` of this declaration: on the same nesting level, before the expression ends.
        let mut j = i + 1;
        let mut depth = 0usize;
        let mut found = None;
        while j < tokens.len() {
            let u = &tokens[j];
            if depth == 0 && (u.is(";") || closes(u) || u.line != tokens[j - 1].line && !tokens[j - 1].is(",")) {
                break;
            }
            if depth == 0 && u.is("in") {
                found = Some(j);
                break;
            }
            if opens(u) {
                depth += 1;
            } else if closes(u) {
                depth = depth.saturating_sub(1);
            }
            j += 1;
        }
        let Some(in_at) = found else {
            i += 1;
            continue;
        };
        // The collection: from the token after `in` to the end of the expression.
        let first = in_at + 1;
        let mut k = first;
        let mut depth = 0usize;
        let mut last = None;
        while k < tokens.len() {
            let u = &tokens[k];
            if depth == 0
                && k > first
                && (u.is(";")
                    || closes(u)
                    || u.is("with")
                    || (every && u.is("{"))
                    || (u.line != tokens[k - 1].line && !continues(&tokens[k - 1], u)))
            {
                break;
            }
            if opens(u) {
                depth += 1;
            } else if closes(u) {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            last = Some(k);
            k += 1;
        }
        if let Some(last) = last {
            out.push(tokens[first].insertion_before(&format!("{ITERABLE}(")));
            out.push(tokens[last].insertion_after(")"));
        }
        i = k.max(i + 1);
    }
}

/// Whether an expression goes on from one line to the next: after an operator or a
/// comma, or before one.
fn continues(before: &Tok, after: &Tok) -> bool {
    const BINARY: &[&str] = &[",", "|", "&", "+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", ".", "in"];
    let op = |t: &Tok| t.kind == TokenKind::Symbol && BINARY.contains(&t.text.as_str()) || t.is("in");
    op(before) || (op(after) && !after.is("-"))
}

/// Rego v0: a partial set rule's further bodies (`head { … } { … }`) get the head again.
fn repeat_set_rule_heads(text: &str, tokens: &[Tok], out: &mut Vec<Insertion>) {
    let mut depth = 0usize;
    // The first token of the rule under way (a token at depth 0 first on its line).
    let mut head_start: Option<usize> = None;
    // The rule's head text when it is a partial set rule, once its first body opened.
    let mut set_head: Option<String> = None;
    for (i, t) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| &tokens[p]);
        if depth == 0 {
            let first_on_line = prev.is_none_or(|p| p.line < t.line);
            if t.is("{") {
                if prev.is_some_and(|p| p.is("}")) {
                    // A further body of the rule whose head opened the first.
                    if let Some(head) = &set_head {
                        out.push(t.insertion_before(&format!("{head} ")));
                    }
                } else if let Some(start) = head_start {
                    // The rule's first body: is the head a partial set rule's?
                    let head = &tokens[start..i];
                    let mut d = 0usize;
                    let (mut bracket, mut other) = (false, false);
                    for h in head {
                        if d == 0 {
                            bracket |= h.is("[") || h.is("contains");
                            other |= h.is("=") || h.is(":=") || h.is("(") || h.is("if") || h.is("default");
                        }
                        if opens(h) {
                            d += 1;
                        } else if closes(h) {
                            d = d.saturating_sub(1);
                        }
                    }
                    set_head = (bracket && !other).then(|| text[head[0].start..tokens[i - 1].end].to_string());
                }
            } else if first_on_line && !t.is("else") && !(prev.is_some_and(|p| p.is("}")) && t.is("{")) {
                head_start = Some(i);
                set_head = None;
            }
        }
        if opens(t) {
            depth += 1;
        } else if closes(t) {
            depth = depth.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(text: &str, v0: bool) -> String {
        rewrite("rewrite-test.rego", text, v0)
    }

    #[test]
    fn a_line_starting_with_a_paren_after_a_reference_is_a_new_expression() {
        let text = "package main\n\nok if {\n\tspread := input.spec.replicas\n\t(spread > 2)\n}\n";
        assert_eq!(
            rewritten(text, false),
            "package main\n\nok if {\n\tspread := input.spec.replicas;\n\t(spread > 2)\n}\n"
        );
        // After an index, too; not inside a call's arguments, not after a keyword, and not
        // when the paren is on the reference's line (a call).
        let text = "package main\nok if {\n\tx := y[0]\n\t(x)\n\tf(a,\n\t(b))\n\tnot\n\t(x)\n\tz := g (1)\n}\n";
        assert_eq!(
            rewritten(text, false),
            "package main\nok if {\n\tx := y[0];\n\t(x)\n\tf(a,\n\t(b))\n\tnot\n\t(x)\n\tz := g (1)\n}\n"
        );
    }

    #[test]
    fn collections_of_some_and_every_are_passed_through_the_iterable_function() {
        let text = "package main\nok if {\n\tsome c in input.spec.containers\n\tsome k, v in input.metadata.labels; k == v\n}\n";
        assert_eq!(
            rewritten(text, false),
            "package main\nok if {\n\tsome c in __kubegate_iterable(input.spec.containers)\n\tsome k, v in __kubegate_iterable(input.metadata.labels); k == v\n}\n"
        );
        let text = "package main\nok if {\n\tevery x in object.get(input, [\"a\",\n\t\t\"b\"], []) { x > 1 }\n\tn := [x | some x in \"abc\"]\n}\n";
        assert_eq!(
            rewritten(text, false),
            "package main\nok if {\n\tevery x in __kubegate_iterable(object.get(input, [\"a\",\n\t\t\"b\"], [])) { x > 1 }\n\tn := [x | some x in __kubegate_iterable(\"abc\")]\n}\n"
        );
        // `some x` declares; `x in xs` outside `some` is a membership test.
        let text = "package main\nok if {\n\tsome x\n\tx in input.a\n}\n";
        assert_eq!(rewritten(text, false), text);
    }

    #[test]
    fn a_v0_set_rule_with_several_bodies_gets_its_head_again() {
        let text = "package main\n\nviolation[msg] {\n\tinput.a\n\tmsg := \"a\"\n} {\n\tinput.b\n\tmsg := \"b\"\n}\n\np { true } { false }\n";
        assert_eq!(
            rewritten(text, true),
            "package main\n\nviolation[msg] {\n\tinput.a\n\tmsg := \"a\"\n} violation[msg] {\n\tinput.b\n\tmsg := \"b\"\n}\n\np { true } { false }\n"
        );
        // Rego v1 is left as written (its parser says what is wrong).
        assert_eq!(rewritten(text, false), text);
        // `else` chains, objects and functions are not set rules.
        let text = "package main\np[k] = v { k := 1; v := 2 } { k := 3; v := 4 }\nf(x) { x } { true }\nq = 1 { false } else = 2 { true }\n";
        assert_eq!(rewritten(text, true), text);
    }

    #[test]
    fn strings_and_comments_are_never_touched() {
        let text = "package main\n# some x in y\nok if {\n\tx := \"some c in y\"\n\ty := `every z in w`\n}\n";
        assert_eq!(rewritten(text, false), text);
    }

    #[test]
    fn columns_after_an_insertion_are_mapped_back() {
        // Columns are regorus': a tab counts as four, so this text indents with spaces.
        let name = "rewrite-columns.rego";
        let text = "package main\nok if {\n  some c in input.x; c == 1\n}\n";
        let out = rewrite(name, text, false);
        assert_eq!(out, "package main\nok if {\n  some c in __kubegate_iterable(input.x); c == 1\n}\n");
        // `c == 1` is at column 22 as written, 43 in the rewritten line.
        assert_eq!(original_column(name, 3, 43), 22);
        // Before the insertion, and on other lines, columns are unchanged.
        assert_eq!(original_column(name, 3, 3), 3);
        assert_eq!(original_column(name, 4, 1), 1);
        // Inside inserted text: where it was inserted.
        assert_eq!(original_column(name, 3, 14), 13);
    }

    #[test]
    fn a_number_whose_exponent_would_take_minutes_to_compute_is_found() {
        let text = "package main\nok if 1e300 > 2.5E-10\nno if {\n  input.kind == 0e225555555\n}\n";
        assert_eq!(huge_number("n.rego", text), Some((4, 17, "0e225555555".to_string())));
        assert_eq!(huge_number("n.rego", "package main\nok if 1e1300 > 1E-0001300\n"), None);
        assert_eq!(huge_number("n.rego", "package main\nok if 1e-1301 < 1\n").map(|h| h.2), Some("1e-1301".into()));
        // In a string it is text.
        assert_eq!(huge_number("n.rego", "package main\nok if \"0e225555555\" != \"\"\n"), None);
        // Before a place the lexer cannot read, too.
        assert_eq!(huge_number("n.rego", "package main\nx := 0e99999\ny := \"open").map(|h| h.0), Some(2));
    }

    #[test]
    fn text_the_lexer_cannot_read_is_left_as_it_is() {
        let text = "package main\nok if { x := \"unterminated }\n";
        assert_eq!(rewritten(text, false), text);
    }
}
