#!/usr/bin/env python3
"""A deterministic corpus of Kubernetes documents for the differential Rego tests: every
workload kind the example policies know (and a few they do not), with pod- and
container-level security contexts, images, resources and probes that are set, unset,
null, or of the wrong type, in every combination a seeded generator reaches.

    gen_corpus.py [--count N] [--seed S] [--yaml]

Prints a JSON array of N documents (default 2000, seed 11), or with --yaml a YAML stream
of them (one JSON document per `---`, which YAML reads as the same values). The same
arguments always print the same corpus.
"""

import argparse
import json
import random

POD_KINDS = ["Pod", "PodTemplate", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
             "ReplicationController", "Job", "CronJob"]
OTHER_KINDS = ["Service", "ConfigMap", "Namespace"]
HEX = "0123456789abcdef"

# The markers of "leave the key out" and "write it as null".
MISSING = object()


def pick(r, *choices, missing=0.0, null=0.0):
    x = r.random()
    if x < missing:
        return MISSING
    if x < missing + null:
        return None
    return r.choice(choices)


def put(obj, key, value):
    if value is not MISSING:
        obj[key] = value
    return obj


def digest(r, valid=True):
    if valid:
        return "sha256:" + "".join(r.choice(HEX) for _ in range(64))
    return r.choice(["sha256:abc123", "sha512:" + "a" * 64, "sha256:" + "A" * 64, "sha256:" + "g" * 64, "md5:1"])


def image(r):
    repo = r.choice(["nginx", "ghcr.io/acme/api", "registry:5000/migrate", "docker.io/library/redis",
                     "localhost:5000/a/b/c", "quay.io/x/y"])
    shape = r.randrange(12)
    if shape == 0:
        return repo
    if shape == 1:
        return repo + ":latest"
    if shape in (2, 3):
        return repo + ":" + r.choice(["1.2.3", "v2", "16.2-alpine", "stable"])
    if shape in (4, 5):
        return repo + "@" + digest(r)
    if shape == 6:
        return repo + ":1.0@" + digest(r)
    if shape == 7:
        return repo + "@" + digest(r, valid=False)
    if shape == 8:
        return r.choice([5, 1.5, True, ["nginx"], {"name": "nginx"}, ""])
    if shape == 9:
        return None
    return MISSING


def quantity(r, kind):
    return pick(r, "100m" if kind == "cpu" else "128Mi", "1", 2, 0.5, True, [1], {}, "", missing=0.25, null=0.08)


def resources(r):
    x = r.random()
    if x < 0.15:
        return MISSING
    if x < 0.2:
        return None
    if x < 0.23:
        return r.choice(["lots", [], 3])
    res = {}
    for part in ("requests", "limits"):
        y = r.random()
        if y < 0.2:
            continue
        if y < 0.25:
            res[part] = r.choice([None, "1", [], {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "1Gi"}])
            continue
        q = {}
        for field in ("cpu", "memory"):
            put(q, field, quantity(r, field))
        res[part] = q
    return res


def security_context(r, level):
    x = r.random()
    if x < 0.25:
        return MISSING
    if x < 0.3:
        return None
    if x < 0.32:
        return r.choice(["restricted", [], 1])
    sc = {}
    put(sc, "runAsNonRoot", pick(r, True, True, False, "true", "yes", 1, missing=0.45, null=0.08))
    put(sc, "runAsUser", pick(r, 0, 999, 1000, 1001, 65534, "1000", 1000.5, -1, True, missing=0.45, null=0.08))
    put(sc, "seccompProfile", pick(r, {"type": "RuntimeDefault"}, {"type": "Localhost", "localhostProfile": "p.json"},
                                   {"type": "Unconfined"}, {}, "RuntimeDefault", missing=0.45, null=0.08))
    if level == "pod":
        put(sc, "fsGroup", pick(r, 1000, 0, "2000", missing=0.5, null=0.1))
    else:
        put(sc, "allowPrivilegeEscalation", pick(r, False, False, True, "false", 0, missing=0.35, null=0.05))
        put(sc, "readOnlyRootFilesystem", pick(r, True, True, False, "true", 1, missing=0.35, null=0.05))
        caps = pick(r, {"drop": ["ALL"]}, {"drop": ["NET_RAW"]}, {"drop": "ALL"}, {"drop": ["all"]},
                    {"drop": ["NET_RAW", "ALL"]}, {"add": ["NET_ADMIN"]}, {"drop": None}, {"drop": []},
                    missing=0.35, null=0.05)
        put(sc, "capabilities", caps)
    return sc


def probe(r):
    return pick(r, {"httpGet": {"path": "/health", "port": 8080}}, {"exec": {"command": ["true"]}}, {}, "yes",
                False, missing=0.3, null=0.1)


def container(r, i):
    c = {}
    put(c, "name", pick(r, f"c{i}", "app", "sidecar", "", 7, missing=0.08, null=0.02))
    put(c, "image", image(r))
    put(c, "securityContext", security_context(r, "container"))
    put(c, "resources", resources(r))
    put(c, "livenessProbe", probe(r))
    put(c, "readinessProbe", probe(r))
    return c


def container_list(r, weight):
    x = r.random()
    if x < weight:
        return MISSING
    if x < weight + 0.03:
        return None
    if x < weight + 0.05:
        return r.choice([[], "app", {"name": "app"}])
    return [container(r, i) for i in range(r.choice([1, 1, 1, 2, 2, 3]))]


def pod_spec(r):
    spec = {}
    put(spec, "securityContext", security_context(r, "pod"))
    put(spec, "os", pick(r, {"name": "linux"}, {"name": "windows"}, {}, missing=0.7, null=0.05))
    put(spec, "volumes", pick(r, [{"name": "data", "emptyDir": {}}], [], [{"name": "cfg", "configMap": {"name": "x"}},
                                                                         {"name": "tmp", "emptyDir": {}}],
                              missing=0.5, null=0.05))
    put(spec, "initContainers", container_list(r, 0.7))
    put(spec, "containers", container_list(r, 0.04))
    put(spec, "ephemeralContainers", container_list(r, 0.85))
    return spec


def metadata(r, kind, n):
    meta = {}
    put(meta, "name", pick(r, f"{kind.lower()}-{n}", "api", "", 12, missing=0.05, null=0.02))
    put(meta, "namespace", pick(r, "shop-prod", "default", missing=0.4))
    labels = pick(r, {}, None, missing=0.2)
    if labels == {}:
        put(labels, "environment", pick(r, "prod", "prod", "staging", "Prod", 1, True, missing=0.3, null=0.05))
        put(labels, "allow-single-replica", pick(r, "true", "false", True, missing=0.8))
    put(meta, "labels", labels)
    return meta


def document(r, n):
    if r.random() < 0.06:
        kind = r.choice(OTHER_KINDS)
        return {"apiVersion": "v1", "kind": kind, "metadata": metadata(r, kind, n),
                "spec": {"ports": [{"port": 80}]} if kind == "Service" else {}}
    kind = r.choice(POD_KINDS)
    doc = {"apiVersion": "apps/v1" if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet") else "v1",
           "kind": kind}
    put(doc, "metadata", metadata(r, kind, n))
    spec = pod_spec(r)
    if r.random() < 0.03:
        spec = r.choice([None, "spec", []])
    template = {"metadata": {"labels": {"app": "x"}}, "spec": spec}
    if kind == "Pod":
        doc["spec"] = spec
    elif kind == "PodTemplate":
        doc["template"] = template
    elif kind == "CronJob":
        doc["spec"] = {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}
    else:
        workload = {"template": template}
        if kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
            put(workload, "replicas", pick(r, 1, 2, 3, 0, "2", 1.5, 2.0, True, [2], missing=0.25, null=0.05))
        doc["spec"] = workload
    return doc


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--yaml", action="store_true")
    args = p.parse_args()
    r = random.Random(args.seed)
    docs = [document(r, n) for n in range(args.count)]
    if args.yaml:
        print("\n".join("---\n" + json.dumps(d, sort_keys=True) for d in docs))
    else:
        print(json.dumps(docs, sort_keys=True))


if __name__ == "__main__":
    main()
