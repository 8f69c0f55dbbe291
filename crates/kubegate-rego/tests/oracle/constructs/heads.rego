# Rule heads with references, default functions, membership with keys, print, nested
# every, comparisons of sets, unification, undefined values inside an object literal.
package main

labels.app := "web" if input.kind == "Pod"

labels.kind := lower(input.kind)

deny_ref_head contains sprintf("%v", [labels])

default tier(_) := "none"

tier(x) := "gold" if x == "full"

deny_default_function contains sprintf("%v", [tier(input.metadata.name)])

deny_membership contains sprintf("%v %v %v", ["app" in object.keys(object.union({}, {"app": 1})), "x" in {"x": 1}, 1 in {"x": 1}])

deny_key_value_in contains sprintf("%v", [["kind", lower(input.kind)]]) if "kind", lower(input.kind) in {"kind": lower(input.kind)}

deny_kv contains sprintf("%v", [k]) if {
	some k, v in {"a": 1, "b": 2}
	v > 1
}

deny_print contains "printed" if {
	print("hello", input.kind)
}

deny_nested_every contains "nested every" if {
	every c in object.get(input.spec, "containers", []) {
		every p in object.get(c, "ports", []) {
			p.containerPort > 0
		}
	}
	is_array(input.spec.containers)
}

deny_set_compare contains sprintf("%v", [{1, 2} < {1, 3}])

deny_unification contains sprintf("%v %v", [a, b]) if [a, b] = [1, input.kind]

deny_string_concat contains concat("", ["a", input.kind])

deny_undefined_in_object contains sprintf("%v", [{"a": input.nope}]) if true
