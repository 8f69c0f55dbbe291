#!/usr/bin/env python3
"""Real OPA as the oracle of kubegate's Rego stage: evaluates Conftest policies the way
Conftest does, with OPA itself (the `opa_bindings` module of the opa-golib-python-bindings
wheel, which `.ci/opa` installs; put its folder on PYTHONPATH).

    opa_eval.py --policy FILE... [--data FILE...] [--namespace NS...] < documents.json
    opa_eval.py --policy FILE... [--data FILE...] --tests

With documents (a JSON array of input documents on stdin) it prints a JSON array with one
entry per document:

    {"results": [[rule, message], ...], "excepted": [[rule, message], ...],
     "exceptions": N, "errors": [text, ...]}

`rule` is `<namespace>.<rule>`; `results` and `excepted` are sorted (multisets). Conftest's
semantics, as kubegate implements them (crates/kubegate-rego/src/conftest.rs):
- every rule named `deny`, `violation` or `warn`, optionally followed by `_suffix` parts,
  of each selected namespace (default `main`) is queried on its own, `data.<ns>.<rule>`;
- a set or array value yields one result per string element (the message) and per object
  element (its `msg`); other elements are ignored; an empty message is no result;
- an `exception` rule's `exception[_][_]` equal to the rule's name without its
  `deny_`/`violation_`/`warn_` prefix excepts the rule: each match counts as one exception
  and the rule's results are listed under `excepted`;
- an undefined rule yields nothing; an evaluation error is listed under `errors`.

With --tests it runs every `test_` rule (as `opa test`) and prints a JSON object
`{"data.<pkg>.<test>": "pass" | "fail: <why>"}`.

Rule and package names are read from the policy text (rule heads start a line), which is
all Conftest-style policies need; OPA loads only Rego v1 here (the wheel has no v0 mode).
"""

import argparse
import json
import re
import sys

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

CONFTEST_RULE = re.compile(r"^(deny|violation|warn)(_[a-zA-Z0-9]+)*$")
PACKAGE = re.compile(r"^package\s+([A-Za-z_][A-Za-z0-9_.]*)", re.M)
# A rule head at the start of a line: its name, then what follows it (a `(` is a function).
HEAD = re.compile(r"^(?:default\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(\(|contains\b|if\b|:=|=|\[|\{|else\b|$)", re.M)
KEYWORDS = {"package", "import", "default", "not", "some", "every", "with", "else", "if", "contains", "in"}


def rules_of(source):
    """(package, [rule names]) of one module, in order of first definition."""
    pkg = PACKAGE.search(source)
    names = []
    for m in HEAD.finditer(source):
        name, after = m.group(1), m.group(2)
        if name in KEYWORDS or after == "(" or name in names:
            continue
        names.append(name)
    return (pkg.group(1) if pkg else None), names


def exception_name(rule):
    for prefix in ("violation_", "deny_", "warn_"):
        if rule.startswith(prefix):
            rule = rule[len(prefix):]
    return rule


def load_data(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".json"):
        return [json.loads(text)]
    import yaml  # PyYAML, only for YAML data files

    return [d for d in yaml.safe_load_all(text) if d is not None]


def engine_for(args):
    engine = OpaEngine()
    engine.print_handler = lambda message, location: None
    packages = {}
    for path in args.policy:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        engine.add_policy(path, source)
        pkg, names = rules_of(source)
        if pkg is not None:
            known = packages.setdefault(pkg, [])
            known.extend(n for n in names if n not in known)
    for path in args.data:
        for doc in load_data(path):
            engine.add_data(doc)
    return engine, packages


def query(engine, path, document):
    """The value of data.<path>, None when undefined."""
    try:
        return engine.eval_document(path, document)
    except OpaUndefinedError:
        return None


def evaluate(engine, packages, namespaces, document):
    out = {"results": [], "excepted": [], "exceptions": 0, "errors": []}
    for ns in namespaces:
        names = packages.get(ns, [])
        exception = None
        if "exception" in names:
            try:
                exception = query(engine, f"{ns}.exception", document)
            except OpaError as e:
                out["errors"].append(f"{ns}.exception: {e}")
        for rule in names:
            if not CONFTEST_RULE.match(rule):
                continue
            matches = 0
            if isinstance(exception, list):
                want = exception_name(rule)
                matches = sum(1 for inner in exception if isinstance(inner, list) for v in inner if v == want)
            out["exceptions"] += matches
            try:
                value = query(engine, f"{ns}.{rule}", document)
            except OpaError as e:
                out["errors"].append(f"{ns}.{rule}: {e}")
                continue
            if not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, str):
                    message = item
                elif isinstance(item, dict):
                    message = item.get("msg")
                    if not isinstance(message, str):
                        out["errors"].append(f"{ns}.{rule}: object result without a string msg: {json.dumps(item)}")
                        continue
                else:
                    continue
                if message:
                    out["excepted" if matches else "results"].append([f"{ns}.{rule}", message])
    out["results"].sort()
    out["excepted"].sort()
    return out


def timing(engine, packages, namespaces, documents, runs):
    """Microseconds per document for the whole Conftest evaluation (one query per rule, as
    above), and per query of a rule that does nothing: the wheel's cost of a call (input
    marshalled, result returned), which every rule query pays."""
    import time

    engine.add_policy("kubegate_bench_noop.rego", "package kubegate_bench_noop\n\nnoop := true\n")
    calls = sum(1 for ns in namespaces for r in packages.get(ns, []) if CONFTEST_RULE.match(r) or r == "exception")
    best_eval = best_call = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        for d in documents:
            evaluate(engine, packages, namespaces, d)
        best_eval = min(best_eval, time.perf_counter() - t)
        t = time.perf_counter()
        for d in documents:
            query(engine, "kubegate_bench_noop.noop", d)
        best_call = min(best_call, time.perf_counter() - t)
    n = max(len(documents), 1)
    return {"per_document_us": best_eval / n * 1e6, "per_call_us": best_call / n * 1e6, "calls_per_document": calls}


def run_tests(engine, packages):
    report = {}
    for pkg, names in packages.items():
        for name in names:
            if not name.startswith("test_"):
                continue
            path = f"data.{pkg}.{name}"
            try:
                value = query(engine, f"{pkg}.{name}", None)
            except OpaError as e:
                report[path] = f"fail: {e}"
                continue
            report[path] = "pass" if value is True else f"fail: {'undefined' if value is None else json.dumps(value)}"
    return report


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--policy", action="append", default=[], required=True)
    p.add_argument("--data", action="append", default=[])
    p.add_argument("--namespace", action="append", default=[])
    p.add_argument("--all-namespaces", action="store_true")
    p.add_argument("--tests", action="store_true")
    p.add_argument("--time", type=int, metavar="RUNS", help="time the evaluation instead: the fastest of RUNS runs")
    args = p.parse_args()
    try:
        engine, packages = engine_for(args)
    except OpaError as e:
        json.dump({"load_error": str(e)}, sys.stdout)
        print()
        return 3
    if args.tests:
        json.dump(run_tests(engine, packages), sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    namespaces = list(packages) if args.all_namespaces else (args.namespace or ["main"])
    documents = json.load(sys.stdin)
    if args.time:
        json.dump(timing(engine, packages, namespaces, documents, args.time), sys.stdout)
        print()
        return 0
    out = [evaluate(engine, packages, namespaces, d) for d in documents]
    json.dump(out, sys.stdout, separators=(",", ":"))
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
