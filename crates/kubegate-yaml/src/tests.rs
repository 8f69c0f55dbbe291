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

/// The error of a stream that must fail, from `load` and `load_each` alike.
fn failure(text: &str) -> LoadError {
    let from_each = load_each(text, |_, _| {}).expect("an error from load_each");
    let from_load = load(text, arena()).error.expect("an error from load");
    assert_eq!(from_each, from_load);
    from_load
}

const TOO_DEEP: &str = "collections nest more than 256 levels deep (kubegate's limit)";

#[test]
fn deep_block_sequences_are_an_error_at_the_level_that_crosses_the_limit() {
    // Issue 18, 1: `- - - … x`, 100,000 levels; the 257th sequence starts at column 513.
    let text = format!("{}x\n", "- ".repeat(100_000));
    let e = failure(&text);
    assert_eq!(e, LoadError { pos: Pos { line: 1, col: 513 }, message: TOO_DEEP.into() });
    // 256 levels are fine.
    let ok = format!("{}x\n", "- ".repeat(256));
    assert!(load(&ok, arena()).error.is_none());
}

#[test]
fn deep_mappings_and_mixed_nesting_count_alike() {
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&format!("{}k:\n", " ".repeat(i)));
    }
    text.push_str(&format!("{}[[x]]\n", " ".repeat(300)));
    assert_eq!(failure(&text), LoadError { pos: Pos { line: 257, col: 257 }, message: TOO_DEEP.into() });
    // 254 mappings and two flow sequences: exactly 256.
    let keys: String = (0..254).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let text = format!("{keys}{}[[x]]\n", " ".repeat(254));
    assert!(load(&text, arena()).error.is_none(), "{:?}", load(&text, arena()).error);
}

#[test]
fn an_anchor_on_a_deep_node_is_an_error_not_a_stack_overflow() {
    // Issue 18, 2: `a: &x [[[[…]]]]` under block nesting, 300,000 levels.
    let text = format!("a: &x\n{}x\nb: *x\n", "- ".repeat(300_000));
    assert_eq!(failure(&text), LoadError { pos: Pos { line: 2, col: 511 }, message: TOO_DEEP.into() });
}

#[test]
fn an_alias_that_would_nest_too_deep_is_an_error_at_the_alias() {
    // Each half is within the limit; the alias puts 200 levels under 100.
    let text = format!("a: &x {}x{}\nb:\n{}*x\n", "[".repeat(200), "]".repeat(200), "- ".repeat(100));
    // `b` is a mapping value: 1 (root) + 100 sequences + 200 = 301.
    assert_eq!(failure(&text), LoadError { pos: Pos { line: 3, col: 201 }, message: TOO_DEEP.into() });
    let fits = format!("a: &x {}x{}\nb:\n{}*x\n", "[".repeat(200), "]".repeat(200), "- ".repeat(55));
    let n = one(&fits);
    let mut depth = 0;
    let mut cur = n.get("b").unwrap();
    while let Some(first) = cur.items().first() {
        depth += 1;
        cur = first;
    }
    assert_eq!(depth, 255);
}

#[test]
fn the_alias_budget_is_per_file_not_per_document() {
    // 61 aliases of a 1,001-node list per document: 61,061 nodes, within the budget
    // alone, over it with the document before.
    let doc = format!("a: &a [{}]\nb: [{}]\n", vec!["x"; 1000].join(", "), vec!["*a"; 61].join(", "));
    let one_doc = load(&doc, arena());
    assert!(one_doc.error.is_none());
    let two = format!("{doc}---\n{doc}");
    let e = failure(&two);
    assert!(e.message.starts_with("alias expansion exceeds the budget of 100000 nodes"), "{}", e.message);
    assert_eq!(e.pos.line, 5);
    // The budget runs on when `load_each` starts a new arena (after 1 MiB of documents):
    // the first document copies 1.5 MB of escaped text into the arena.
    let big = format!("big: \"{}\"\n{doc}---\n{doc}", "\\t".repeat(750_000));
    let e = load_each(&big, |_, _| {}).expect("budget error");
    assert!(e.message.starts_with("alias expansion exceeds"), "{}", e.message);
    assert_eq!(e.pos.line, 6);
}

#[test]
fn duplicate_keys_in_a_huge_mapping_are_found_in_linear_time() {
    // Issue 18, 7: a mapping of 200,000 keys took minutes with a linear search per key.
    let mut text = String::new();
    for i in 0..200_000 {
        text.push_str(&format!("k{i}: {i}\n"));
    }
    text.push_str("k7: again\nk199999: again\n");
    let started = std::time::Instant::now();
    let l = load(&text, arena());
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(l.error.is_none());
    let found: Vec<_> = l.duplicates.iter().map(|d| (d.key.as_str(), d.span.start.line, d.first.start.line)).collect();
    assert_eq!(found, [("k7", 200_001, 8), ("k199999", 200_002, 200_000)]);
    let root = l.documents[0].root;
    assert_eq!(root.entries().len(), 200_000);
    assert_eq!(root.get("k7").unwrap().as_str(), Some("again"));
    assert_eq!(root.get("k8").unwrap().as_i64(), Some(8));
}

#[test]
fn merge_keys_keep_their_order_and_precedence_in_large_mappings() {
    let base: String = (0..20).map(|i| format!("  m{i}: base\n")).collect();
    let own: String = (0..20).step_by(2).map(|i| format!("  m{i}: own\n")).collect();
    let text = format!("base: &b\n{base}use:\n  <<: *b\n{own}");
    let n = one(&text);
    let u = n.get("use").unwrap();
    assert_eq!(u.entries().len(), 20);
    for i in 0..20 {
        let want = if i % 2 == 0 { "own" } else { "base" };
        assert_eq!(u.get(&format!("m{i}")).unwrap().as_str(), Some(want), "m{i}");
    }
    // The mapping's own keys first, then the merged ones, in the source's order.
    assert_eq!(u.entries()[10].0.text, "m1");
}

#[test]
fn integers_with_a_second_sign_are_strings_not_an_overflow() {
    // Issue 18, 4: `-0x-8000000000000000` overflowed negating i64::MIN.
    assert_eq!(parse_int("-0x-8000000000000000"), None);
    assert_eq!(resolve_plain("-0x-8000000000000000"), ScalarKind::Str);
    assert_eq!(parse_int("0x-1"), None);
    assert_eq!(parse_int("0b+1"), None);
    assert_eq!(parse_int("-0x8000000000000000"), Some(i64::MIN));
    assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
    assert_eq!(parse_int("9223372036854775808"), None);
    assert_eq!(parse_int("0x8000000000000000"), None);
    assert_eq!(parse_int("+0x1F"), Some(31));
    assert_eq!(parse_int("-0_17"), Some(-15));
    assert_eq!(parse_int("1_000"), Some(1000));
    assert_eq!(parse_int("09"), Some(9));
    let n = one("a: -0x-8000000000000000\n");
    assert_eq!(n.get("a").unwrap().as_str(), Some("-0x-8000000000000000"));
}

#[test]
fn recovery_counts_lines_as_yaml_does_lone_carriage_returns_included() {
    // Old Mac line ends: each lone CR ends a line for the parser, so the resumed part's
    // positions must count them too; the same stream with LF gives the same positions.
    // The unclosed `[` runs into the `---` after it: parsing resumes at that marker.
    for eol in ["\r", "\n", "\r\n"] {
        let text = "a: 1\n---\nb: \"x\n  y\n---\nc: [\n---\nd: 4\n".replace('\n', eol);
        let mut lines = Vec::new();
        let errors = crate::load_each_recovering(&text, |d, _| lines.push(d.root.span.start.line));
        assert_eq!(lines, [1, 8], "{eol:?}");
        let at: Vec<(u32, u32)> = errors.iter().map(|e| (e.pos.line, e.pos.col)).collect();
        assert_eq!(at, [(3, 4), (7, 1)], "{eol:?}");
    }
    assert_eq!(crate::yaml_lines("a\r\nb\rc\n\nd").collect::<Vec<_>>(), ["a\r\n", "b\r", "c\n", "\n", "d"]);
}

#[test]
fn a_stream_splits_at_document_markers_only_and_its_parts_give_the_streams_positions() {
    let text = "a: 1\n---\n---x\nc\n--- # d\nd: 4\n...\n%YAML 1.2\n---\ne: 5\n---\tf\n---";
    let parts = crate::split_stream(text, 1);
    let starts: Vec<(u32, &str)> = parts.iter().map(|p| (p.line0, p.text.lines().next().unwrap())).collect();
    // `---x` is a plain scalar's text, not a marker; the marker after a directive stays
    // with the directive.
    assert_eq!(starts, [(0, "a: 1"), (1, "---"), (4, "--- # d"), (10, "---\tf"), (11, "---")]);
    assert_eq!(parts.iter().map(|p| p.text).collect::<String>(), text);
    let mut whole = Vec::new();
    crate::load_each_recovering(text, |d, _| whole.push((d.root.span, format!("{:?}", d.root.data))));
    let mut in_parts = Vec::new();
    for part in &parts {
        let load = crate::load_part(*part, |d, _| in_parts.push((d.root.span, format!("{:?}", d.root.data))));
        assert!(load.errors.is_empty(), "{part:?}: {:?}", load.errors);
    }
    assert_eq!(in_parts, whole);
    // A stream no longer than the target is one part, without a scan.
    assert_eq!(crate::split_stream(text, text.len()), [crate::Part { text, line0: 0 }]);
    // Parts of about the target size: a new part starts at the first marker past it.
    let stream = "k: v\n---\n".repeat(100);
    let sizes: Vec<usize> = crate::split_stream(&stream, 100).iter().map(|p| p.text.len()).collect();
    assert_eq!(sizes.len(), 9, "{sizes:?}");
    assert!(sizes[..8].iter().all(|&s| (100..100 + 9).contains(&s)), "{sizes:?}");
}

#[test]
fn a_json_value_gives_the_tree_its_text_gives_but_for_positions() {
    let text = r#"{"a": 1, "b": [true, null, "x", 2.5, -7, "true", "1"], "c": {"d": {}, "e": []}, "<<": {"f": 1}, "g": 18446744073709551615, "a": "again", "h\n": "\u00e9"}"#;
    let arena = Bump::new();
    let from_text = crate::load(text, &arena).documents.remove(0).root;
    let from_value = crate::from_json(text, &arena).unwrap();
    // Both, positions aside, in the loader's own words.
    fn shape(n: &Node<'_>) -> String {
        match n.data {
            Data::Scalar { text, kind, plain } => format!("{text:?}:{kind:?}:{plain}"),
            Data::Seq(items) => format!("[{}]", items.iter().map(shape).collect::<Vec<_>>().join(",")),
            Data::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{:?}:{}={}", k.text, k.plain, shape(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
    assert_eq!(shape(&from_value), shape(&from_text));
    assert_eq!(from_value.span.start, crate::Pos { line: 1, col: 1 });
    // Many keys (the indexed path), one repeated.
    let many =
        format!("{{{}, \"k3\": \"last\"}}", (0..12).map(|i| format!("\"k{i}\": {i}")).collect::<Vec<_>>().join(", "));
    let text_tree = crate::load(&many, &arena).documents.remove(0).root;
    assert_eq!(shape(&crate::from_json(&many, &arena).unwrap()), shape(&text_tree));
    assert!(crate::from_json("{\"a\": 1} x", &arena).is_err());
    assert!(crate::from_json(&"[".repeat(200), &arena).is_err(), "serde_json's nesting limit");
}
