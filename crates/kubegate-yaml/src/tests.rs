use super::*;

/// Tests keep their trees for the whole test.
fn arena() -> &'static Bump {
    Box::leak(Box::new(Bump::new()))
}

fn one(text: &str) -> Node<'_> {
    let mut l = load(text, arena());
    assert!(l.error.is_none(), "{:?}", l.error);
    assert_eq!(l.documents.len(), 1);
    l.documents.remove(0).root
}

#[test]
fn spans_are_one_based() {
    let n = one("a: 1\nb:\n  c: hello\n");
    let (k, v) = n.get("b").unwrap().entry("c").unwrap();
    assert_eq!(k.span.start, Pos { line: 3, col: 3 });
    assert_eq!(v.span.start, Pos { line: 3, col: 6 });
    assert_eq!(v.span.end, Pos { line: 3, col: 11 });
    assert_eq!(v.as_str(), Some("hello"));
}

#[test]
fn yaml11_scalars_resolve_like_kubernetes() {
    let n = one(
        "a: yes\nb: \"yes\"\nc: on\nd: Off\ne: 0755\nf: 1_000\ng: 1.5\nh: ~\ni: y\nj: 0x1F\nk: 1.10\nl: '1000'\nm: !!str true\n",
    );
    assert_eq!(n.get("a").unwrap().as_bool(), Some(true));
    assert_eq!(n.get("b").unwrap().as_str(), Some("yes"));
    assert_eq!(n.get("c").unwrap().as_bool(), Some(true));
    assert_eq!(n.get("d").unwrap().as_bool(), Some(false));
    assert_eq!(n.get("e").unwrap().as_i64(), Some(0o755));
    assert_eq!(n.get("f").unwrap().as_i64(), Some(1000));
    assert_eq!(n.get("g").unwrap().as_f64(), Some(1.5));
    assert!(n.get("h").unwrap().is_null());
    assert_eq!(n.get("i").unwrap().as_bool(), Some(true));
    assert_eq!(n.get("j").unwrap().as_i64(), Some(31));
    assert_eq!(n.get("k").unwrap().as_f64(), Some(1.1));
    assert_eq!(n.get("l").unwrap().as_str(), Some("1000"));
    assert_eq!(n.get("l").unwrap().as_i64(), None);
    assert_eq!(n.get("m").unwrap().as_str(), Some("true"));
}

#[test]
fn multi_document_streams_keep_indices() {
    let l = load("---\na: 1\n---\n# only a comment\n---\nb: 2\n", arena());
    assert!(l.error.is_none());
    let idx: Vec<_> = l.documents.iter().map(|d| (d.index, d.root.span.start.line)).collect();
    // The comment-only document is an empty (null) document.
    assert_eq!(idx.len(), 3);
    assert_eq!(idx[0], (0, 2));
    assert!(l.documents[1].root.is_null());
    assert_eq!(idx[2], (2, 6));
}

#[test]
fn json_is_accepted() {
    let n = one("{\n  \"kind\": \"Pod\",\n\t\"spec\": {\"replicas\": 3, \"on\": true}\n}\n");
    assert_eq!(n.get("kind").unwrap().as_str(), Some("Pod"));
    assert_eq!(n.path("spec.replicas").unwrap().as_i64(), Some(3));
    assert_eq!(n.path("spec").unwrap().span.start.line, 3);
}

#[test]
fn duplicate_keys_are_recorded_and_last_wins() {
    let l = load("a: 1\nb: 2\na: 3\n", arena());
    assert!(l.error.is_none());
    assert_eq!(l.duplicates.len(), 1);
    let d = &l.duplicates[0];
    assert_eq!((d.key.as_str(), d.span.start.line, d.first.start.line), ("a", 3, 1));
    assert_eq!(l.documents[0].root.get("a").unwrap().as_i64(), Some(3));
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let n = one("base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  y: 5\nlist: [*b, *b]\n");
    let u = n.get("use").unwrap();
    assert_eq!(u.get("x").unwrap().as_i64(), Some(1));
    assert_eq!(u.get("y").unwrap().as_i64(), Some(5));
    assert_eq!(n.get("list").unwrap().items().len(), 2);
    // An alias points at the anchored definition.
    assert_eq!(n.get("list").unwrap().items()[1].get("x").unwrap().span.start.line, 2);
}

#[test]
fn billion_laughs_is_an_error_not_a_hang() {
    let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = (b'a' + i - 1) as char;
        let cur = (b'a' + i) as char;
        s.push_str(&format!(
            "{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
    }
    let l = load(&s, arena());
    let e = l.error.expect("budget error");
    assert!(e.message.contains("budget"), "{}", e.message);
    assert!(e.pos.line >= 5);
}

#[test]
fn syntax_errors_carry_a_position() {
    let l = load("a: 1\nb: [1, 2\nc: 3\n", arena());
    let e = l.error.expect("error");
    assert!(e.pos.line >= 2, "{e:?}");
}

#[test]
fn documents_before_an_error_survive() {
    let l = load("a: 1\n---\nb: : :\n  - x\n", arena());
    assert_eq!(l.documents.len(), 1);
    assert!(l.error.is_some());
}

#[test]
fn events_only_parse_counts_events() {
    assert!(parse_events_only("a: [1, 2]\n").unwrap() >= 8);
    assert!(parse_events_only("a: [1, 2\n").is_err());
}

#[test]
fn duplicate_keys_carry_their_field_path() {
    let l = load("spec:\n  containers:\n    - name: a\n    - name: b\n      image: x\n      image: y\n", arena());
    assert_eq!(l.duplicates.len(), 1);
    assert_eq!(l.duplicates[0].path, "spec.containers[1].image");
    assert_eq!(l.duplicates[0].span.start, Pos { line: 6, col: 7 });
}

#[test]
fn load_each_delivers_documents_one_at_a_time() {
    let mut seen = Vec::new();
    let err = load_each("a: 1\n---\nb: 2\nb: 3\n---\nc: [\n", |d, dups| seen.push((d.index, dups.len())));
    assert_eq!(seen, [(0, 0), (1, 1)]);
    assert!(err.is_some());
}

#[test]
fn quoted_lookalikes_keep_their_quotes_in_messages() {
    let n = one("a: \"true\"\nb: '1000'\nc: hello\nd: true\n");
    assert_eq!(n.get("a").unwrap().shown(), "\"true\"");
    assert_eq!(n.get("b").unwrap().shown(), "\"1000\"");
    assert_eq!(n.get("c").unwrap().shown(), "hello");
    assert_eq!(n.get("d").unwrap().shown(), "true");
}

#[test]
fn scalars_borrow_from_the_source_where_they_can() {
    let src = "a: plain\nb: 'single'\nc: \"dq\\tescape\"\nd: >\n  folded\n  text\n";
    let n = one(src);
    let text = |k: &str| match n.get(k).unwrap().data {
        Data::Scalar { text, .. } => text,
        _ => unreachable!(),
    };
    let in_source = |t: &str| src.as_bytes().as_ptr_range().contains(&t.as_ptr());
    assert!(text("a") == "plain" && in_source(text("a")));
    assert!(text("b") == "single" && in_source(text("b")));
    assert!(text("c") == "dq\tescape" && !in_source(text("c")));
    assert_eq!(text("d"), "folded text\n");
}
