# Iterating something that is not a collection (null, a string).
package main

deny contains msg if {
	input.kind == "Pod"
	some c in input.spec.containers
	msg := sprintf("container %v", [c.name])
}

warn contains "pod" if input.kind == "Pod"
