# A wildcard inside a negation: OPA refuses the rule (the variable is unsafe).
package main

deny contains sprintf("%v is not from an allowed registry", [c.image]) if {
	is_array(input.spec.containers)
	some c in input.spec.containers
	not startswith(c.image, ["docker.io/", "nginx"][_])
}

warn contains "evaluated" if true
