# Negation over references that may be missing and over nested calls. OPA moves the
# references and calls that are arguments of a call (`!=`, `in`, a function) out of the
# `not` before evaluating it; a bare reference or an `==` stays inside.
package main

deny_not_neq contains "spec.x is unset (not != null)" if not input.spec.x != null

deny_not_neq_bound contains "spec.x is unset (bound with object.get)" if {
	x := object.get(input.spec, "x", null)
	not x != null
}

deny_not_eq contains "spec.x is not 5 (not ==)" if not input.spec.x == 5

deny_not_ref contains "spec.x is unset or false (not ref)" if not input.spec.x

deny_not_in contains "spec.x is not in the set (not in)" if not input.spec.x in {"set", 5}

deny_not_call contains "spec.x is not a string (not type_name ==)" if not type_name(input.spec.x) == "string"

deny_not_function contains "spec.x is not big (not f(ref))" if not big(input.spec.x)

big(v) if v > 3

deny_not_count contains "spec has no ports (not count > 0)" if not count(input.spec.ports) > 0

deny_not_startswith contains "data.a does not start with 1 (not startswith)" if not startswith(input.data.a, "1")

deny_not_object_get contains "no label app (not object.get)" if not object.get(input.metadata, ["labels", "app"], false)

deny_not_helper_rule contains "no spec.x (not helper rule)" if not has_x

has_x if input.spec.x != null

deny_not_iteration contains msg if {
	is_array(input.spec.containers)
	some c in input.spec.containers
	is_object(c)
	not c.image != "busybox"
	msg := sprintf("container %v runs busybox (not != in a loop)", [c.name])
}

deny_not_every contains "not every container has ports" if {
	is_array(input.spec.containers)
	not all_have_ports
}

all_have_ports if {
	every c in input.spec.containers {
		c.ports
	}
}
