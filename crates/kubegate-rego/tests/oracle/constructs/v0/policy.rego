# Rego v0: partial set rules with brackets, several bodies for one rule, and `else`.
# OPA loads only Rego v1 through the oracle wheel; v0/expected.json holds the results
# OPA gives by its documented v0 semantics: `deny[msg] { … }` is a partial set rule, a rule
# written with two bodies `{ … } { … }` is two definitions (either may add a value), and
# `else` chains a default onto a complete rule. Document 3 has replicas "3": a string sorts
# after every number in Rego's total order of values, so "3" > 2.
package main

deny[msg] {
	input.kind == "Pod"
	msg := "v0 pod"
}

violation[msg] {
	input.spec.replicas > 2
	msg := "many replicas"
} {
	input.kind == "Service"
	msg := "many replicas"
}

kind_word = "workload" {
	input.kind == "Pod"
} else = "other" {
	true
}

warn[msg] {
	msg := sprintf("a %s", [kind_word])
}
