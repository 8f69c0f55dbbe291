# `else` on a set rule: OPA refuses it (else is for single-value rules).
package main

deny contains "a" if {
	input.kind == "Pod"
} else := "b"
