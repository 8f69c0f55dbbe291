use super::*;

fn p(line: u32, col: u32) -> Pos {
    Pos { line, col }
}

const MULTI: &str = r#"# syntax=docker/dockerfile:1.7
# The service, built in two stages.
ARG GO=1.23
ARG BASE
FROM golang:${GO} AS build
WORKDIR /src
COPY --from=tools /bin/lint /usr/bin/ \
     ./go.mod ./
RUN --mount=type=secret,id=netrc --mount=type=cache,target=/root/.cache \
    go build -o /app .
USER builder
FROM ${BASE:-gcr.io/distroless/static:nonroot}
ENV API_TOKEN="s3cr3t value" MODE=prod
ENV LEGACY a value with spaces
LABEL org.opencontainers.image.source=https://example.com
ADD https://example.com/x.tgz /x/
COPY <<EOF /etc/motd
hello
EOF
  # kubegate: an indented comment
USER 65532:65532
"#;

#[test]
fn stages_instructions_and_comments_with_their_places() {
    let d = parse(MULTI).unwrap();
    let args: Vec<(&str, Option<&str>)> =
        d.global_args.iter().map(|(k, v)| (k.text.as_str(), v.as_ref().map(|v| v.text.as_str()))).collect();
    assert_eq!(args, [("GO", Some("1.23")), ("BASE", None)]);
    assert_eq!(d.stages.len(), 2);
    let build = &d.stages[0];
    assert_eq!(build.image, Word { text: "golang:${GO}".into(), span: Span { start: p(5, 6), end: p(5, 18) } });
    assert_eq!(build.resolved.as_deref(), Some("golang:1.23"));
    assert_eq!(build.alias.as_deref(), Some("build"));
    let kinds: Vec<&str> = build.instructions.iter().map(|i| i.keyword.as_str()).collect();
    assert_eq!(kinds, ["WORKDIR", "COPY", "RUN", "USER"]);
    // A COPY over a line continuation: its sources, each at its line (`./` is the
    // destination).
    let Instr::Copy { sources, from } = &build.instructions[1].instr else { panic!() };
    assert_eq!(from.as_deref(), Some("tools"));
    let at: Vec<(&str, Pos)> = sources.iter().map(|s| (s.text.as_str(), s.span.start)).collect();
    assert_eq!(at, [("/bin/lint", p(7, 19)), ("/usr/bin/", p(7, 29)), ("./go.mod", p(8, 6))]);
    let Instr::Run { mounts } = &build.instructions[2].instr else { panic!() };
    assert_eq!(mounts, &["type=secret,id=netrc", "type=cache,target=/root/.cache"]);
    let user = Word { text: "builder".into(), span: Span { start: p(11, 6), end: p(11, 13) } };
    assert_eq!(build.instructions[3].instr, Instr::User(user));

    let last = d.final_stage().unwrap();
    assert_eq!(last.resolved.as_deref(), Some("gcr.io/distroless/static:nonroot"));
    let Instr::Env(env) = &last.instructions[0].instr else { panic!() };
    let env: Vec<(&str, &str, Pos)> = env
        .iter()
        .map(|(k, v)| (k.text.as_str(), v.as_ref().unwrap().text.as_str(), v.as_ref().unwrap().span.start))
        .collect();
    assert_eq!(env, [("API_TOKEN", "s3cr3t value", p(13, 15)), ("MODE", "prod", p(13, 35))]);
    let Instr::Env(legacy) = &last.instructions[1].instr else { panic!() };
    assert_eq!(
        (legacy[0].0.text.as_str(), legacy[0].1.as_ref().map(|v| v.text.as_str())),
        ("LEGACY", Some("a value with spaces"))
    );
    let Instr::Label(label) = &last.instructions[2].instr else { panic!() };
    assert_eq!(label[0].0.text, "org.opencontainers.image.source");
    let Instr::Add { sources } = &last.instructions[3].instr else { panic!() };
    assert_eq!(sources[0].text, "https://example.com/x.tgz");
    // A heredoc source is named by its opening line.
    let Instr::Copy { sources, .. } = &last.instructions[4].instr else { panic!() };
    assert_eq!(sources[0].text, "<<EOF");
    let user = Word { text: "65532:65532".into(), span: Span { start: p(21, 6), end: p(21, 17) } };
    assert_eq!(last.instructions[5].instr, Instr::User(user));
    // Comments, not the parser directive on the first line.
    let comments: Vec<(&str, u32)> = d.comments.iter().map(|c| (c.text.as_str(), c.span.start.line)).collect();
    assert_eq!(comments, [("The service, built in two stages.", 2), ("kubegate: an indented comment", 20)]);
}

#[test]
fn crlf_the_escape_directive_and_json_forms() {
    let text =
        "# escape=`\r\nFROM alpine:3.20\r\nCOPY [\"a b\", \"/dst/\"]\r\nRUN echo one `\r\n  two\r\nUSER root\r\n";
    let d = parse(text).unwrap();
    let s = &d.stages[0];
    assert_eq!(s.image.span, Span { start: p(2, 6), end: p(2, 17) });
    let Instr::Copy { sources, .. } = &s.instructions[0].instr else { panic!() };
    assert_eq!(sources[0].text, "a b");
    let user = Word { text: "root".into(), span: Span { start: p(6, 6), end: p(6, 10) } };
    assert_eq!(s.instructions[2].instr, Instr::User(user));
    assert!(d.comments.is_empty(), "{:?}", d.comments);
}

#[test]
fn unresolvable_bases_and_errors_say_where() {
    let d = parse("ARG TAG\nFROM app:$TAG\nFROM ${REGISTRY}/app:1\nFROM scratch\n").unwrap();
    let resolved: Vec<Option<&str>> = d.stages.iter().map(|s| s.resolved.as_deref()).collect();
    assert_eq!(resolved, [None, None, Some("scratch")]);
    let e = parse("FROM alpine\nCOPY\n").unwrap_err();
    assert_eq!(e.pos.line, 2, "{e:?}");
    assert!(parse("RUN true\n").is_err(), "an instruction before FROM is an error");
}

#[test]
fn dockerfile_names() {
    let yes = ["Dockerfile", "Containerfile", "api.Dockerfile", "Dockerfile.prod", "x/y/Dockerfile.dev.arm64"];
    let no = [
        "dockerfile",
        "Dockerfile.yaml",
        "Dockerfile.j2",
        "Dockerfile.prod.orig",
        "Dockerfile.md",
        ".Dockerfile",
        "Dockerfile.",
        "Dockerfiles",
        "deploy.yaml",
    ];
    for n in yes {
        assert!(is_dockerfile_name(std::path::Path::new(n)), "{n}");
    }
    for n in no {
        assert!(!is_dockerfile_name(std::path::Path::new(n)), "{n}");
    }
}

#[test]
fn stage_bases_and_heredoc_lines_that_are_not_comments() {
    let text = "FROM golang:1.23 AS Build\nRUN <<EOF\n# not a comment\nEOF\n# a comment\nFROM build\nFROM 0\nFROM scratch\nFROM ${NONE}\n";
    let d = parse(text).unwrap();
    let bases: Vec<_> = (0..d.stages.len()).map(|i| d.base(i)).collect();
    assert_eq!(
        bases,
        [Some(Base::Image("golang:1.23")), Some(Base::Stage(0)), Some(Base::Stage(0)), Some(Base::Scratch), None]
    );
    let comments: Vec<(&str, u32)> = d.comments.iter().map(|c| (c.text.as_str(), c.span.start.line)).collect();
    assert_eq!(comments, [("a comment", 5)]);
    assert_eq!(d.first_line(), 1);
}

/// `ENV`, `ARG` and `LABEL` pairs over line continuations (with a comment line, an empty
/// line, blanks after the escape, CRLF and the `escape` directive) are placed where the
/// file has them, not where the text with its continuations taken out would.
#[test]
fn pairs_over_line_continuations_are_placed_in_the_file() {
    let places = |text: &str| -> Vec<(String, Pos, Pos)> {
        let d = parse(text).unwrap();
        let mut out = Vec::new();
        let pairs = d.global_args.iter().chain(d.stages.iter().flat_map(|s| {
            s.instructions.iter().flat_map(|i| match &i.instr {
                Instr::Env(p) | Instr::Label(p) | Instr::Arg(p) => p.iter(),
                _ => [].iter(),
            })
        }));
        for (k, v) in pairs {
            out.push((k.text.clone(), k.span.start, k.span.end));
            if let Some(v) = v {
                out.push((v.text.clone(), v.span.start, v.span.end));
            }
        }
        out
    };
    let text = "ARG GO=1.23 \\\n    BASE=python:3.12\nFROM $BASE\nENV A=1 \\\n# a comment\n\n    DB_PASSWORD=\"x y\" \\  \n  MODE=prod\nLABEL a=b\\\r\n  c=d\r\n";
    let got = places(text);
    let want = [
        ("GO", p(1, 5), p(1, 7)),
        ("1.23", p(1, 8), p(1, 12)),
        ("BASE", p(2, 5), p(2, 9)),
        ("python:3.12", p(2, 10), p(2, 21)),
        ("A", p(4, 5), p(4, 6)),
        ("1", p(4, 7), p(4, 8)),
        ("DB_PASSWORD", p(7, 5), p(7, 16)),
        ("x y", p(7, 17), p(7, 22)),
        ("MODE", p(8, 3), p(8, 7)),
        ("prod", p(8, 8), p(8, 12)),
        // The next line's indentation stays: `a=b  c=d`, two pairs.
        ("a", p(9, 7), p(9, 8)),
        ("b", p(9, 9), p(9, 10)),
        ("c", p(10, 3), p(10, 4)),
        ("d", p(10, 5), p(10, 6)),
    ];
    let want: Vec<(String, Pos, Pos)> = want.iter().map(|(t, s, e)| (t.to_string(), *s, *e)).collect();
    assert_eq!(got, want);
    // The escape directive's backtick continues lines the same way.
    let got = places("# escape=`\nFROM scratch\nENV A=1 `\n    B=2\n");
    assert_eq!(got[2], ("B".to_string(), p(4, 5), p(4, 6)));
}
